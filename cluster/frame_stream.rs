// SPDX-License-Identifier: GPL-2.0

//! A connection's receive buffer: the bytes of the stream, read in whatever chunks the socket
//! has (one read often holds several frames, or a frame and the start of the next), cut into
//! whole frames (header, payload, tag). The receive worker reads into [`FrameStream::room`]
//! and takes frames with [`FrameStream::next_frame`], instead of three exact reads per frame.
//!
//! The buffer is at least two largest frames long. A partial frame left at its end is moved to
//! the front before the next read, so there is always room for the rest of any frame. Nothing
//! here panics on any input; a bad header is an error the caller closes the connection on.

use super::frame_mac::TAG_LEN;
use super::wire::{decode_frame, Decoded, Header, WireError, HEADER_LEN, MAX_FRAME_LEN};

/// The bytes a frame takes at most on the wire: the largest frame and its tag.
pub const MAX_WIRE_FRAME: usize = MAX_FRAME_LEN + TAG_LEN;

/// A receive buffer over `B` (a byte slice or a vector the caller allocated).
pub struct FrameStream<B> {
    buf: B,
    /// Bytes before `start` are taken; `start..end` are received and not yet taken.
    start: usize,
    end: usize,
}

/// A whole frame taken from the stream: its decoded header and its parts in the buffer.
pub struct FrameParts<'a> {
    /// The header, decoded and checked.
    pub header: Header,
    /// The header's bytes (the frame MAC covers them).
    pub head: &'a [u8],
    /// The payload; mutable: the frame MAC decrypts it in place.
    pub payload: &'a mut [u8],
    /// The frame's tag.
    pub tag: &'a [u8],
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> FrameStream<B> {
    /// The smallest buffer: two largest frames.
    pub const MIN_LEN: usize = 2 * MAX_WIRE_FRAME;

    /// A stream over `buf`, or `None` if it is shorter than [`Self::MIN_LEN`].
    pub fn new(buf: B) -> Option<Self> {
        if buf.as_ref().len() < Self::MIN_LEN {
            return None;
        }
        Some(FrameStream {
            buf,
            start: 0,
            end: 0,
        })
    }

    /// Bytes received and not yet taken as frames.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Takes the next whole frame, if the buffer holds one; `Ok(None)` when more bytes are
    /// needed. A bad header is an error (and stays in the buffer: the connection is over).
    pub fn next_frame(&mut self) -> Result<Option<FrameParts<'_>>, WireError> {
        let bytes = self.buf.as_mut();
        let Some(pending) = bytes.get(self.start..self.end) else {
            return Ok(None);
        };
        let (header, frame_len) = match decode_frame(pending)? {
            Decoded::Incomplete { .. } => return Ok(None),
            Decoded::Complete { frame, frame_len } => (frame.header, frame_len),
        };
        let wire_len = frame_len + TAG_LEN;
        if pending.len() < wire_len {
            return Ok(None);
        }
        let Some(frame) = bytes.get_mut(self.start..self.start + wire_len) else {
            return Ok(None);
        };
        self.start += wire_len;
        let (head, rest) = frame.split_at_mut(HEADER_LEN);
        let (payload, tag) = rest.split_at_mut(frame_len - HEADER_LEN);
        Ok(Some(FrameParts {
            header,
            head,
            payload,
            tag,
        }))
    }

    /// Where the next read goes: free space after the buffered bytes, which are first moved to
    /// the front when the space left could not hold a largest frame. Never empty once
    /// [`Self::next_frame`] found no whole frame (what is buffered is then less than one).
    pub fn room(&mut self) -> &mut [u8] {
        let bytes = self.buf.as_mut();
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if bytes.len() - self.end < MAX_WIRE_FRAME {
            bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut bytes[self.end..]
    }

    /// Records that a read put `n` bytes at the start of [`Self::room`].
    pub fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.as_ref().len());
    }
}

#[cfg(test)]
#[path = "frame_stream_tests.rs"]
mod tests;
