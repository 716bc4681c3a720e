// SPDX-License-Identifier: GPL-2.0

//! The MAC every frame carries once the handshake is done.
//!
//! Each direction of a connection has its own key, derived by the handshake from both nodes'
//! proofs, and its own sequence number, which starts at 0 and grows by one per frame. The number
//! is never sent: the sender and the receiver count frames, and the tag covers the number, the
//! header and the payload. A frame that was altered, replayed, reordered, dropped or injected
//! therefore fails [`FrameKey::open`], and the connection is closed.
//!
//! Tag: the first [`TAG_LEN`] bytes of HMAC-SHA256(key, sequence (u64, big-endian) || header ||
//! payload). It follows the payload on the wire and is not counted in `payload_len`.

use crate::os::{ct_eq, CryptoError, Hmac};
use core::fmt;

/// Bytes of MAC after each frame's payload.
pub const TAG_LEN: usize = 16;

/// Why a received frame was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameMacError {
    /// The tag does not match: the frame was altered, replayed, reordered or forged.
    BadTag(u64),
    /// The crypto API failed.
    Crypto,
}

impl fmt::Display for FrameMacError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameMacError::BadTag(seq) => write!(
                f,
                "frame {seq} failed authentication (altered, replayed, reordered or forged)"
            ),
            FrameMacError::Crypto => f.write_str("the crypto API failed to check a frame"),
        }
    }
}

/// One direction's key and sequence number.
pub struct FrameKey {
    mac: Hmac,
    seq: u64,
}

impl FrameKey {
    /// A direction keyed with `key`, starting at sequence number 0.
    pub fn new(key: &[u8]) -> Result<FrameKey, CryptoError> {
        Ok(FrameKey {
            mac: Hmac::new(key)?,
            seq: 0,
        })
    }

    fn tag(&self, header: &[u8], payload: &[u8]) -> Result<[u8; TAG_LEN], CryptoError> {
        let full = self.mac.mac(&[&self.seq.to_be_bytes(), header, payload])?;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        Ok(tag)
    }

    /// The tag of the next frame sent; the frame must go out in this order.
    pub fn seal(&mut self, header: &[u8], payload: &[u8]) -> Result<[u8; TAG_LEN], CryptoError> {
        let tag = self.tag(header, payload)?;
        self.seq = self.seq.wrapping_add(1);
        Ok(tag)
    }

    /// Checks the next frame received against its `tag`.
    pub fn open(&mut self, header: &[u8], payload: &[u8], tag: &[u8]) -> Result<(), FrameMacError> {
        let expected = self
            .tag(header, payload)
            .map_err(|CryptoError| FrameMacError::Crypto)?;
        if !ct_eq(&expected, tag) {
            return Err(FrameMacError::BadTag(self.seq));
        }
        self.seq = self.seq.wrapping_add(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (FrameKey, FrameKey) {
        let key = [7u8; 32];
        (FrameKey::new(&key).unwrap(), FrameKey::new(&key).unwrap())
    }

    #[test]
    fn frames_in_order_open() {
        let (mut tx, mut rx) = pair();
        for i in 0..5u8 {
            let payload = [i; 10];
            let tag = tx.seal(b"header", &payload).unwrap();
            rx.open(b"header", &payload, &tag).unwrap();
        }
    }

    #[test]
    fn altered_replayed_reordered_and_foreign_frames_fail() {
        let (mut tx, mut rx) = pair();
        let t0 = tx.seal(b"h0", b"p0").unwrap();
        let t1 = tx.seal(b"h1", b"p1").unwrap();
        assert_eq!(rx.open(b"h0", b"pX", &t0), Err(FrameMacError::BadTag(0)));
        assert_eq!(rx.open(b"hX", b"p0", &t0), Err(FrameMacError::BadTag(0)));
        // Reordered: frame 1 first.
        assert_eq!(rx.open(b"h1", b"p1", &t1), Err(FrameMacError::BadTag(0)));
        rx.open(b"h0", b"p0", &t0).unwrap();
        // Replayed: frame 0 again where frame 1 is due.
        assert_eq!(rx.open(b"h0", b"p0", &t0), Err(FrameMacError::BadTag(1)));
        rx.open(b"h1", b"p1", &t1).unwrap();
        // A tag under another key.
        let mut other = FrameKey::new(&[8u8; 32]).unwrap();
        other.seq = 2;
        let forged = other.seal(b"h2", b"p2").unwrap();
        assert_eq!(
            rx.open(b"h2", b"p2", &forged),
            Err(FrameMacError::BadTag(2))
        );
        // A short tag never matches.
        let t2 = tx.seal(b"h2", b"p2").unwrap();
        assert_eq!(
            rx.open(b"h2", b"p2", &t2[..8]),
            Err(FrameMacError::BadTag(2))
        );
        rx.open(b"h2", b"p2", &t2).unwrap();
    }
}
