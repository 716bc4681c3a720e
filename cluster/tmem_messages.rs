// SPDX-License-Identifier: GPL-2.0

//! The payloads of the remote tmem operations (message types `0x40..=0x45`).
//!
//! Every request starts with a 40-byte page key: pool id u32, pool flags u32, the 192-bit object
//! id as three u64 (`oid[0]` first), page index u32, reserved u32. A put, and the reply to a get,
//! carry an 8-byte data header (compressed length u32, CRC-32C u32) and the compressed page. All
//! big-endian; see Documentation/wire-protocol.rst. Decoding checks every length, reserved field
//! and checksum; a failure is answered with status `BAD_PAYLOAD`.

use super::be_bytes::{read_u32, read_u64, write_u32, write_u64};
use super::crc32c::crc32c;
use core::fmt;

/// Bytes of a page key.
pub const KEY_LEN: usize = 40;
/// Bytes of a data header.
pub const DATA_HEADER_LEN: usize = 8;
/// The largest compressed page: one page.
pub const MAX_COMPRESSED_LEN: u32 = 4096;

const POOL_FLAG_PERSISTENT: u32 = 1;

const OFFSET_POOL_ID: usize = 0;
const OFFSET_POOL_FLAGS: usize = 4;
const OFFSET_OID: usize = 8;
const OFFSET_INDEX: usize = 32;
const OFFSET_KEY_RESERVED: usize = 36;
const OFFSET_COMPRESSED_LEN: usize = 0;
const OFFSET_CHECKSUM: usize = 4;

/// A remote tmem operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TmemOp {
    /// Store a compressed page.
    Put,
    /// Return a page and keep it.
    Get,
    /// Return a page and drop it.
    GetAndFree,
    /// Drop a page.
    Flush,
    /// Drop every page of an object.
    FlushObject,
    /// Drop a whole pool.
    DestroyPool,
}

const OPS: [(TmemOp, u8); 6] = [
    (TmemOp::Put, 0x40),
    (TmemOp::Get, 0x41),
    (TmemOp::GetAndFree, 0x42),
    (TmemOp::Flush, 0x43),
    (TmemOp::FlushObject, 0x44),
    (TmemOp::DestroyPool, 0x45),
];

impl TmemOp {
    /// The operation with message type `code`, if there is one.
    pub fn from_code(code: u8) -> Option<TmemOp> {
        OPS.iter().find(|(_, c)| *c == code).map(|(op, _)| *op)
    }

    /// The message type byte.
    pub fn code(self) -> u8 {
        OPS.iter()
            .find(|(op, _)| *op == self)
            .map_or(0, |(_, c)| *c)
    }

    /// The smallest and largest request payload of this operation.
    pub fn request_len_range(self) -> (u32, u32) {
        let key = KEY_LEN as u32;
        match self {
            TmemOp::Put => (
                key + DATA_HEADER_LEN as u32 + 1,
                key + DATA_HEADER_LEN as u32 + MAX_COMPRESSED_LEN,
            ),
            _ => (key, key),
        }
    }
}

/// Which page a request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageKey {
    /// The sender's pool id (the receiver scopes it by the sender's node).
    pub pool_id: u32,
    /// Persistent (frontswap) or ephemeral (cleancache) pool.
    pub persistent: bool,
    /// The 192-bit object id.
    pub oid: [u64; 3],
    /// The page index within the object.
    pub index: u32,
}

/// A decoded tmem request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TmemRequest<'a> {
    /// What to do.
    pub op: TmemOp,
    /// To which page, object or pool.
    pub key: PageKey,
    /// The compressed page of a put (checksum verified), else empty.
    pub data: &'a [u8],
}

/// Why a tmem payload was refused (answered with `BAD_PAYLOAD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TmemPayloadError {
    /// The payload's length does not fit the operation (or the output buffer is too small).
    Length(usize),
    /// Reserved pool flag bits are set.
    PoolFlags(u32),
    /// The key's reserved field is not zero.
    Reserved(u32),
    /// A flush-object has a page index, or a destroy-pool an object id or index.
    KeyNotZero,
    /// The compressed length is 0 or above a page.
    CompressedLen(u32),
    /// The data's CRC-32C differs from the header's.
    Checksum {
        /// The header's value.
        expected: u32,
        /// The data's.
        actual: u32,
    },
}

impl fmt::Display for TmemPayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TmemPayloadError::Length(len) => write!(f, "tmem payload length {len} is wrong"),
            TmemPayloadError::PoolFlags(fl) => write!(f, "reserved tmem pool flags {fl:#x}"),
            TmemPayloadError::Reserved(r) => write!(f, "tmem key reserved field is {r:#x}"),
            TmemPayloadError::KeyNotZero => f.write_str("tmem key has fields that must be zero"),
            TmemPayloadError::CompressedLen(len) => write!(f, "compressed length {len}"),
            TmemPayloadError::Checksum { expected, actual } => {
                write!(f, "page checksum {actual:#010x}, expected {expected:#010x}")
            }
        }
    }
}

impl PageKey {
    /// Decodes the key at the start of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<PageKey, TmemPayloadError> {
        let short = TmemPayloadError::Length(bytes.len());
        let u32_at = |offset| read_u32(bytes, offset).ok_or(short);
        let u64_at = |offset| read_u64(bytes, offset).ok_or(short);
        let flags = u32_at(OFFSET_POOL_FLAGS)?;
        if flags & !POOL_FLAG_PERSISTENT != 0 {
            return Err(TmemPayloadError::PoolFlags(flags));
        }
        let reserved = u32_at(OFFSET_KEY_RESERVED)?;
        if reserved != 0 {
            return Err(TmemPayloadError::Reserved(reserved));
        }
        Ok(PageKey {
            pool_id: u32_at(OFFSET_POOL_ID)?,
            persistent: flags & POOL_FLAG_PERSISTENT != 0,
            oid: [
                u64_at(OFFSET_OID)?,
                u64_at(OFFSET_OID + 8)?,
                u64_at(OFFSET_OID + 16)?,
            ],
            index: u32_at(OFFSET_INDEX)?,
        })
    }

    /// Writes the key to the start of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<(), TmemPayloadError> {
        let flags = if self.persistent {
            POOL_FLAG_PERSISTENT
        } else {
            0
        };
        let [o0, o1, o2] = self.oid;
        let written = write_u32(out, OFFSET_POOL_ID, self.pool_id)
            && write_u32(out, OFFSET_POOL_FLAGS, flags)
            && write_u64(out, OFFSET_OID, o0)
            && write_u64(out, OFFSET_OID + 8, o1)
            && write_u64(out, OFFSET_OID + 16, o2)
            && write_u32(out, OFFSET_INDEX, self.index)
            && write_u32(out, OFFSET_KEY_RESERVED, 0);
        if written {
            Ok(())
        } else {
            Err(TmemPayloadError::Length(out.len()))
        }
    }
}

/// Decodes a data header and the compressed page after it, which must fill `bytes` exactly and
/// match the checksum. Used for put requests and get replies.
pub fn decode_page(bytes: &[u8]) -> Result<&[u8], TmemPayloadError> {
    let short = TmemPayloadError::Length(bytes.len());
    let len = read_u32(bytes, OFFSET_COMPRESSED_LEN).ok_or(short)?;
    let expected = read_u32(bytes, OFFSET_CHECKSUM).ok_or(short)?;
    if len == 0 || len > MAX_COMPRESSED_LEN {
        return Err(TmemPayloadError::CompressedLen(len));
    }
    let data = bytes.get(DATA_HEADER_LEN..).ok_or(short)?;
    if data.len() != len as usize {
        return Err(short);
    }
    let actual = crc32c(data);
    if actual != expected {
        return Err(TmemPayloadError::Checksum { expected, actual });
    }
    Ok(data)
}

/// Writes a data header and `data` to `out`; returns the bytes written.
pub fn encode_page(data: &[u8], out: &mut [u8]) -> Result<usize, TmemPayloadError> {
    let too_long = TmemPayloadError::CompressedLen(u32::try_from(data.len()).unwrap_or(u32::MAX));
    let len = u32::try_from(data.len()).map_err(|_| too_long)?;
    if len == 0 || len > MAX_COMPRESSED_LEN {
        return Err(too_long);
    }
    let total = DATA_HEADER_LEN.saturating_add(data.len());
    let Some(data_out) = out.get_mut(DATA_HEADER_LEN..total) else {
        return Err(TmemPayloadError::Length(out.len()));
    };
    data_out.copy_from_slice(data);
    if write_u32(out, OFFSET_COMPRESSED_LEN, len) && write_u32(out, OFFSET_CHECKSUM, crc32c(data)) {
        Ok(total)
    } else {
        Err(TmemPayloadError::Length(out.len()))
    }
}

/// Decodes the payload of a request of operation `op`.
pub fn decode_request(op: TmemOp, payload: &[u8]) -> Result<TmemRequest<'_>, TmemPayloadError> {
    let key = PageKey::decode(payload)?;
    let rest = payload.get(KEY_LEN..).unwrap_or(&[]);
    let data = match op {
        TmemOp::Put => decode_page(rest)?,
        _ if !rest.is_empty() => return Err(TmemPayloadError::Length(payload.len())),
        _ => &[],
    };
    check_key_fields(op, &key)?;
    Ok(TmemRequest { op, key, data })
}

/// A flush-object names no page, a destroy-pool no object and no page.
fn check_key_fields(op: TmemOp, key: &PageKey) -> Result<(), TmemPayloadError> {
    let unused_fields_zero = match op {
        TmemOp::FlushObject => key.index == 0,
        TmemOp::DestroyPool => key.index == 0 && key.oid == [0; 3],
        _ => true,
    };
    if unused_fields_zero {
        Ok(())
    } else {
        Err(TmemPayloadError::KeyNotZero)
    }
}

/// Writes the payload of a request to `out`; returns its length. `request.data` must be empty
/// except for a put.
pub fn encode_request(
    request: &TmemRequest<'_>,
    out: &mut [u8],
) -> Result<usize, TmemPayloadError> {
    check_key_fields(request.op, &request.key)?;
    request.key.encode(out)?;
    match request.op {
        TmemOp::Put => {
            let rest = out.get_mut(KEY_LEN..).unwrap_or(&mut []);
            let written = encode_page(request.data, rest)?;
            Ok(KEY_LEN.saturating_add(written))
        }
        _ if !request.data.is_empty() => Err(TmemPayloadError::Length(request.data.len())),
        _ => Ok(KEY_LEN),
    }
}

#[cfg(test)]
#[path = "tmem_messages_tests.rs"]
mod tests;
