// SPDX-License-Identifier: GPL-2.0

//! The frame header of protocol version 2: its layout, encoding, decoding and validation.
//!
//! A frame is a 24-byte big-endian header followed by `payload_len` bytes of payload (see
//! Documentation/wire-protocol.rst). [`decode_header`] checks every header rule, including the
//! payload length limit of the frame's type, so a receiver knows before reading the payload
//! whether the frame is acceptable. [`decode_frame`] does the same on a byte stream buffer and
//! tells how many more bytes a partial frame needs. Nothing here panics on any input.

use super::be_bytes::{read_u16, read_u32, read_u64, read_u8};
use super::be_bytes::{write_u16, write_u32, write_u64, write_u8};
use super::handshake::{CHALLENGE_LEN, HELLO_LEN, PROVE_LEN};
use super::status::{Status, StatusUse};
use super::tmem_messages::TmemOp;
use core::fmt;

/// `RMST`, the first four bytes of every frame.
pub const MAGIC: u32 = 0x524d_5354;
/// The frame format version this code speaks.
pub const VERSION: u8 = 2;
/// Bytes in a frame header.
pub const HEADER_LEN: usize = 24;
/// The largest payload of any type: a 4096-byte page plus the 48-byte tmem data header.
pub const MAX_PAYLOAD_LEN: u32 = 4144;
/// The largest frame.
pub const MAX_FRAME_LEN: usize = HEADER_LEN + MAX_PAYLOAD_LEN as usize;

const FLAG_REPLY_WANTED: u16 = 1;

const OFFSET_MAGIC: usize = 0;
const OFFSET_VERSION: usize = 4;
const OFFSET_TYPE: usize = 5;
const OFFSET_FLAGS: usize = 6;
const OFFSET_PAYLOAD_LEN: usize = 8;
const OFFSET_STATUS: usize = 12;
const OFFSET_REQUEST_ID: usize = 16;

/// An application message type of the messaging API: `0x20..=0x3f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppType(u8);

impl AppType {
    /// The first application type.
    pub const FIRST: u8 = 0x20;
    /// The last application type.
    pub const LAST: u8 = 0x3f;
    /// Test type: the receiver replies with the request's own payload.
    pub const TEST_ECHO: AppType = AppType(0x20);
    /// Test type: the receiver replies `OK` with no payload.
    pub const TEST_SINK: AppType = AppType(0x21);

    /// `code` as an application type, if it is in the application range.
    pub const fn new(code: u8) -> Option<AppType> {
        if code >= Self::FIRST && code <= Self::LAST {
            Some(AppType(code))
        } else {
            None
        }
    }

    /// The type byte.
    pub const fn code(self) -> u8 {
        self.0
    }
}

/// What a frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    /// The connector's first frame: versions, nodes and its challenge.
    Hello,
    /// The acceptor's answer: its challenge and its proof.
    Challenge,
    /// The connector's proof and settings.
    Prove,
    /// The acceptor's settings and final proof: the link is up.
    Welcome,
    /// "Are you there?"
    KeepaliveRequest,
    /// "Yes."
    KeepaliveReply,
    /// The answer to a request, with a status and maybe data.
    Reply,
    /// A messaging-API message, request or one-way.
    App(AppType),
    /// A remote tmem operation, request or one-way.
    Tmem(TmemOp),
}

impl MessageType {
    /// The type with byte `code`, if it is a valid version-2 type.
    pub fn from_code(code: u8) -> Option<MessageType> {
        match code {
            0x01 => Some(MessageType::Hello),
            0x02 => Some(MessageType::Challenge),
            0x06 => Some(MessageType::Prove),
            0x07 => Some(MessageType::Welcome),
            0x03 => Some(MessageType::KeepaliveRequest),
            0x04 => Some(MessageType::KeepaliveReply),
            0x05 => Some(MessageType::Reply),
            _ => AppType::new(code)
                .map(MessageType::App)
                .or_else(|| TmemOp::from_code(code).map(MessageType::Tmem)),
        }
    }

    /// The type byte.
    pub fn code(self) -> u8 {
        match self {
            MessageType::Hello => 0x01,
            MessageType::Challenge => 0x02,
            MessageType::Prove => 0x06,
            MessageType::Welcome => 0x07,
            MessageType::KeepaliveRequest => 0x03,
            MessageType::KeepaliveReply => 0x04,
            MessageType::Reply => 0x05,
            MessageType::App(app) => app.code(),
            MessageType::Tmem(op) => op.code(),
        }
    }

    /// Whether this is one of the four handshake types (sent before frames carry a MAC).
    pub fn is_handshake(self) -> bool {
        matches!(
            self,
            MessageType::Hello | MessageType::Challenge | MessageType::Prove | MessageType::Welcome
        )
    }

    /// Whether frames of this type go to a registered handler (and may want a reply).
    pub fn is_handled(self) -> bool {
        matches!(self, MessageType::App(_) | MessageType::Tmem(_))
    }

    /// The smallest and largest payload a frame of this type may carry.
    pub fn payload_len_range(self) -> (u32, u32) {
        match self {
            MessageType::Hello => (HELLO_LEN as u32, HELLO_LEN as u32),
            MessageType::Challenge => (CHALLENGE_LEN as u32, CHALLENGE_LEN as u32),
            MessageType::Prove | MessageType::Welcome => (PROVE_LEN as u32, PROVE_LEN as u32),
            MessageType::KeepaliveRequest | MessageType::KeepaliveReply => (0, 0),
            MessageType::Reply | MessageType::App(_) => (0, MAX_PAYLOAD_LEN),
            MessageType::Tmem(op) => op.request_len_range(),
        }
    }
}

/// A decoded, valid frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// What the frame is.
    pub msg_type: MessageType,
    /// The sender waits for a `REPLY` with this frame's request id.
    pub reply_wanted: bool,
    /// Bytes of payload after the header.
    pub payload_len: u32,
    /// The status (only replies carry one other than `Ok`).
    pub status: Status,
    /// Pairs replies with requests.
    pub request_id: u64,
}

/// Why a header was refused. Every variant means: drop the connection and log this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The first four bytes are not [`MAGIC`].
    BadMagic(u32),
    /// The peer speaks another frame format version.
    UnsupportedVersion(u8),
    /// The type byte is no version-2 type.
    UnknownType(u8),
    /// Reserved flag bits are set.
    ReservedFlags(u16),
    /// `REPLY_WANTED` on a type that is never answered.
    ReplyWantedNotAllowed(MessageType),
    /// The payload length is outside the type's limits.
    PayloadLength(MessageType, u32),
    /// The status field holds no known code.
    UnknownStatus(u32),
    /// The status is not allowed in this type of frame.
    StatusNotAllowed(MessageType, Status),
    /// The request id breaks the type's rule.
    RequestId(MessageType, u64),
    /// The output buffer is too small for the frame (encoding only).
    BufferTooSmall,
    /// The payload's length differs from the header's `payload_len` (encoding only).
    PayloadMismatch,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::BadMagic(m) => write!(f, "bad magic {m:#010x}"),
            WireError::UnsupportedVersion(v) => {
                write!(f, "peer speaks protocol version {v}, we speak {VERSION}")
            }
            WireError::UnknownType(t) => write!(f, "unknown message type {t:#04x}"),
            WireError::ReservedFlags(fl) => write!(f, "reserved flag bits set: {fl:#06x}"),
            WireError::ReplyWantedNotAllowed(t) => {
                write!(f, "reply wanted on message type {:#04x}", t.code())
            }
            WireError::PayloadLength(t, len) => {
                let (min, max) = t.payload_len_range();
                write!(
                    f,
                    "payload length {len} for message type {:#04x} (allowed {min}..={max})",
                    t.code()
                )
            }
            WireError::UnknownStatus(s) => write!(f, "unknown status code {s}"),
            WireError::StatusNotAllowed(t, s) => write!(
                f,
                "status {} not allowed in message type {:#04x}",
                s.code(),
                t.code()
            ),
            WireError::RequestId(t, id) => {
                write!(
                    f,
                    "request id {id} not allowed in message type {:#04x}",
                    t.code()
                )
            }
            WireError::BufferTooSmall => f.write_str("buffer too small for the frame"),
            WireError::PayloadMismatch => f.write_str("payload length differs from the header"),
        }
    }
}

impl Header {
    /// A handshake frame of type `msg_type` with `status`.
    pub fn handshake(msg_type: MessageType, status: Status) -> Header {
        let (len, _) = msg_type.payload_len_range();
        Header::control(msg_type, len, status, 0)
    }

    /// A keepalive request; the reply echoes `request_id`.
    pub fn keepalive_request(request_id: u64) -> Header {
        Header::control(MessageType::KeepaliveRequest, 0, Status::Ok, request_id)
    }

    /// The answer to a keepalive request.
    pub fn keepalive_reply(request_id: u64) -> Header {
        Header::control(MessageType::KeepaliveReply, 0, Status::Ok, request_id)
    }

    /// The reply to request `request_id`.
    pub fn reply(request_id: u64, status: Status, payload_len: u32) -> Header {
        Header::control(MessageType::Reply, payload_len, status, request_id)
    }

    /// A request that wants a reply (`request_id` must not be 0).
    pub fn request(msg_type: MessageType, payload_len: u32, request_id: u64) -> Header {
        Header {
            msg_type,
            reply_wanted: true,
            payload_len,
            status: Status::Ok,
            request_id,
        }
    }

    /// A one-way message.
    pub fn one_way(msg_type: MessageType, payload_len: u32) -> Header {
        Header::control(msg_type, payload_len, Status::Ok, 0)
    }

    fn control(msg_type: MessageType, payload_len: u32, status: Status, id: u64) -> Header {
        Header {
            msg_type,
            reply_wanted: false,
            payload_len,
            status,
            request_id: id,
        }
    }

    /// Checks every rule of Documentation/wire-protocol.rst that a header alone can break.
    pub fn validate(&self) -> Result<(), WireError> {
        let t = self.msg_type;
        if self.reply_wanted && !t.is_handled() {
            return Err(WireError::ReplyWantedNotAllowed(t));
        }
        let (min, max) = t.payload_len_range();
        let max = if t == MessageType::Reply && self.status != Status::Ok {
            0
        } else {
            max
        };
        if self.payload_len < min || self.payload_len > max {
            return Err(WireError::PayloadLength(t, self.payload_len));
        }
        let status_ok = match t {
            MessageType::Reply => self.status.allowed_in(StatusUse::Reply),
            MessageType::Challenge | MessageType::Welcome => {
                self.status.allowed_in(StatusUse::Handshake)
            }
            _ => self.status == Status::Ok,
        };
        if !status_ok {
            return Err(WireError::StatusNotAllowed(t, self.status));
        }
        let id_ok = match t {
            MessageType::Hello
            | MessageType::Challenge
            | MessageType::Prove
            | MessageType::Welcome => self.request_id == 0,
            MessageType::KeepaliveRequest | MessageType::KeepaliveReply => true,
            MessageType::Reply => self.request_id != 0,
            MessageType::App(_) | MessageType::Tmem(_) => {
                self.reply_wanted == (self.request_id != 0)
            }
        };
        if !id_ok {
            return Err(WireError::RequestId(t, self.request_id));
        }
        Ok(())
    }
}

/// Decodes and validates the header at the start of `bytes` (which must hold [`HEADER_LEN`]).
pub fn decode_header(bytes: &[u8]) -> Result<Header, WireError> {
    let (Some(magic), Some(version), Some(code), Some(flags), Some(len), Some(status), Some(id)) = (
        read_u32(bytes, OFFSET_MAGIC),
        read_u8(bytes, OFFSET_VERSION),
        read_u8(bytes, OFFSET_TYPE),
        read_u16(bytes, OFFSET_FLAGS),
        read_u32(bytes, OFFSET_PAYLOAD_LEN),
        read_u32(bytes, OFFSET_STATUS),
        read_u64(bytes, OFFSET_REQUEST_ID),
    ) else {
        return Err(WireError::BufferTooSmall);
    };
    if magic != MAGIC {
        return Err(WireError::BadMagic(magic));
    }
    if version != VERSION {
        return Err(WireError::UnsupportedVersion(version));
    }
    let msg_type = MessageType::from_code(code).ok_or(WireError::UnknownType(code))?;
    if flags & !FLAG_REPLY_WANTED != 0 {
        return Err(WireError::ReservedFlags(flags));
    }
    let status = Status::from_code(status).ok_or(WireError::UnknownStatus(status))?;
    let header = Header {
        msg_type,
        reply_wanted: flags & FLAG_REPLY_WANTED != 0,
        payload_len: len,
        status,
        request_id: id,
    };
    header.validate()?;
    Ok(header)
}

/// Validates `header` and writes it to the start of `out`.
pub fn encode_header(header: &Header, out: &mut [u8]) -> Result<(), WireError> {
    header.validate()?;
    if out.len() < HEADER_LEN {
        return Err(WireError::BufferTooSmall);
    }
    let flags = if header.reply_wanted {
        FLAG_REPLY_WANTED
    } else {
        0
    };
    let written = write_u32(out, OFFSET_MAGIC, MAGIC)
        && write_u8(out, OFFSET_VERSION, VERSION)
        && write_u8(out, OFFSET_TYPE, header.msg_type.code())
        && write_u16(out, OFFSET_FLAGS, flags)
        && write_u32(out, OFFSET_PAYLOAD_LEN, header.payload_len)
        && write_u32(out, OFFSET_STATUS, header.status.code())
        && write_u64(out, OFFSET_REQUEST_ID, header.request_id);
    if written {
        Ok(())
    } else {
        Err(WireError::BufferTooSmall)
    }
}

/// A whole frame found at the start of a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Its validated header.
    pub header: Header,
    /// Its payload (not yet validated: that is the type's payload decoder's job).
    pub payload: &'a [u8],
}

/// What a buffer holds at its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A partial frame: it is valid so far and needs `frame_len` bytes in all.
    Incomplete {
        /// The length of the whole frame (at least [`HEADER_LEN`]).
        frame_len: usize,
    },
    /// A whole frame, which takes the first `frame_len` bytes.
    Complete {
        /// The frame.
        frame: Frame<'a>,
        /// Bytes it takes in the buffer.
        frame_len: usize,
    },
}

/// Decodes the frame at the start of `bytes`, as a stream receiver sees it.
pub fn decode_frame(bytes: &[u8]) -> Result<Decoded<'_>, WireError> {
    let Some(head) = bytes.get(..HEADER_LEN) else {
        return Ok(Decoded::Incomplete {
            frame_len: HEADER_LEN,
        });
    };
    let header = decode_header(head)?;
    // payload_len is at most MAX_PAYLOAD_LEN here, so this cannot overflow.
    let frame_len = HEADER_LEN.saturating_add(header.payload_len as usize);
    match bytes.get(HEADER_LEN..frame_len) {
        Some(payload) => Ok(Decoded::Complete {
            frame: Frame { header, payload },
            frame_len,
        }),
        None => Ok(Decoded::Incomplete { frame_len }),
    }
}

/// Writes `header` and `payload` to `out`; returns the frame's length.
pub fn encode_frame(header: &Header, payload: &[u8], out: &mut [u8]) -> Result<usize, WireError> {
    header.validate()?;
    if payload.len() != header.payload_len as usize {
        return Err(WireError::PayloadMismatch);
    }
    let frame_len = HEADER_LEN.saturating_add(payload.len());
    let Some(payload_out) = out.get_mut(HEADER_LEN..frame_len) else {
        return Err(WireError::BufferTooSmall);
    };
    payload_out.copy_from_slice(payload);
    encode_header(header, out)?;
    Ok(frame_len)
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
