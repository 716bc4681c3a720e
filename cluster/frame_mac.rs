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
//!
//! A link with encryption on ([`super::handshake::Payloads::Encrypted`]) also gives each
//! direction an AES-256 key: the payload is encrypted in counter mode before the tag is made
//! (encrypt-then-MAC, so a frame is checked before anything is decrypted), with the counter block
//! sequence (u64, big-endian) || 0 (u64): a key is used for one connection and one direction
//! only, and each frame starts at a counter no other frame under that key reaches (a payload is
//! far shorter than 2^64 blocks). Headers stay in the clear (authenticated).

use crate::os::{ct_eq, Cipher, CryptoError, Hmac, CIPHER_IV_LEN, CIPHER_KEY_LEN};
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

/// One direction's keys and sequence number.
pub struct FrameKey {
    mac: Hmac,
    /// The payload cipher of a link with encryption on.
    cipher: Option<Cipher>,
    seq: u64,
}

impl FrameKey {
    /// A direction keyed with `key`, starting at sequence number 0, without encryption.
    pub fn new(key: &[u8]) -> Result<FrameKey, CryptoError> {
        Ok(FrameKey {
            mac: Hmac::new(key)?,
            cipher: None,
            seq: 0,
        })
    }

    /// The same direction, whose payloads are also encrypted under `key`.
    pub fn with_cipher(self, key: &[u8; CIPHER_KEY_LEN]) -> Result<FrameKey, CryptoError> {
        Ok(FrameKey {
            cipher: Some(Cipher::new(key)?),
            ..self
        })
    }

    /// Whether payloads are encrypted: then only [`FrameKey::seal_in_place`] seals.
    pub fn encrypts(&self) -> bool {
        self.cipher.is_some()
    }

    fn tag(&self, header: &[u8], payload: &[u8]) -> Result<[u8; TAG_LEN], CryptoError> {
        let full = self.mac.mac(&[&self.seq.to_be_bytes(), header, payload])?;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        Ok(tag)
    }

    /// The counter block of the current frame.
    fn counter(&self) -> [u8; CIPHER_IV_LEN] {
        let mut iv = [0u8; CIPHER_IV_LEN];
        iv[..8].copy_from_slice(&self.seq.to_be_bytes());
        iv
    }

    /// The tag of the next frame sent, whose payload goes out as it is: only for a direction
    /// without encryption (else `CryptoError`, and nothing changes). Frames must go out in
    /// the order they were sealed.
    pub fn seal(&mut self, header: &[u8], payload: &[u8]) -> Result<[u8; TAG_LEN], CryptoError> {
        if self.cipher.is_some() {
            return Err(CryptoError);
        }
        self.tag_and_count(header, payload)
    }

    /// The tag of the frame with `payload` as it goes out; the next frame gets the next number.
    fn tag_and_count(
        &mut self,
        header: &[u8],
        payload: &[u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        let tag = self.tag(header, payload)?;
        self.seq = self.seq.wrapping_add(1);
        Ok(tag)
    }

    /// Encrypts `payload` in place if this direction encrypts, and returns the tag of the next
    /// frame sent, with `payload` as it now is. Any direction.
    pub fn seal_in_place(
        &mut self,
        header: &[u8],
        payload: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        if let Some(cipher) = &self.cipher {
            cipher.apply(&self.counter(), payload)?;
        }
        self.tag_and_count(header, payload)
    }

    /// Checks the next frame received against its `tag`, then, if this direction encrypts,
    /// decrypts `payload` in place. On error `payload` is as it came.
    pub fn open(
        &mut self,
        header: &[u8],
        payload: &mut [u8],
        tag: &[u8],
    ) -> Result<(), FrameMacError> {
        let expected = self
            .tag(header, payload)
            .map_err(|CryptoError| FrameMacError::Crypto)?;
        if !ct_eq(&expected, tag) {
            return Err(FrameMacError::BadTag(self.seq));
        }
        if let Some(cipher) = &self.cipher {
            cipher
                .apply(&self.counter(), payload)
                .map_err(|CryptoError| FrameMacError::Crypto)?;
        }
        self.seq = self.seq.wrapping_add(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    fn pair() -> (FrameKey, FrameKey) {
        let key = [7u8; 32];
        (FrameKey::new(&key).unwrap(), FrameKey::new(&key).unwrap())
    }

    #[test]
    fn frames_in_order_open() {
        let (mut tx, mut rx) = pair();
        for i in 0..5u8 {
            let mut payload = [i; 10];
            let tag = tx.seal(b"header", &payload).unwrap();
            rx.open(b"header", &mut payload, &tag).unwrap();
            assert_eq!(payload, [i; 10]);
        }
    }

    #[test]
    fn altered_replayed_reordered_and_foreign_frames_fail() {
        let (mut tx, mut rx) = pair();
        let t0 = tx.seal(b"h0", b"p0").unwrap();
        let t1 = tx.seal(b"h1", b"p1").unwrap();
        assert_eq!(
            rx.open(b"h0", &mut b"pX".clone(), &t0),
            Err(FrameMacError::BadTag(0))
        );
        assert_eq!(
            rx.open(b"hX", &mut b"p0".clone(), &t0),
            Err(FrameMacError::BadTag(0))
        );
        // Reordered: frame 1 first.
        assert_eq!(
            rx.open(b"h1", &mut b"p1".clone(), &t1),
            Err(FrameMacError::BadTag(0))
        );
        rx.open(b"h0", &mut b"p0".clone(), &t0).unwrap();
        // Replayed: frame 0 again where frame 1 is due.
        assert_eq!(
            rx.open(b"h0", &mut b"p0".clone(), &t0),
            Err(FrameMacError::BadTag(1))
        );
        rx.open(b"h1", &mut b"p1".clone(), &t1).unwrap();
        // A tag under another key.
        let mut other = FrameKey::new(&[8u8; 32]).unwrap();
        other.seq = 2;
        let forged = other.seal(b"h2", b"p2").unwrap();
        assert_eq!(
            rx.open(b"h2", &mut b"p2".clone(), &forged),
            Err(FrameMacError::BadTag(2))
        );
        // A short tag never matches.
        let t2 = tx.seal(b"h2", b"p2").unwrap();
        assert_eq!(
            rx.open(b"h2", &mut b"p2".clone(), &t2[..8]),
            Err(FrameMacError::BadTag(2))
        );
        rx.open(b"h2", &mut b"p2".clone(), &t2).unwrap();
    }

    fn encrypting_pair() -> (FrameKey, FrameKey) {
        let (tx, rx) = pair();
        (
            tx.with_cipher(&[9; CIPHER_KEY_LEN]).unwrap(),
            rx.with_cipher(&[9; CIPHER_KEY_LEN]).unwrap(),
        )
    }

    #[test]
    fn encrypted_payloads_are_not_the_plaintext_and_open_back() {
        let (mut tx, mut rx) = encrypting_pair();
        let plain = [0x5au8; 100];
        let mut sent = std::vec::Vec::new();
        for _ in 0..3 {
            let mut payload = plain;
            let tag = tx.seal_in_place(b"header", &mut payload).unwrap();
            assert_ne!(
                payload, plain,
                "the payload on the wire is not the plaintext"
            );
            assert!(!sent.contains(&payload), "each frame has its own keystream");
            sent.push(payload);
            rx.open(b"header", &mut payload, &tag).unwrap();
            assert_eq!(payload, plain);
        }
        // A key that encrypts refuses to seal a payload it cannot change.
        assert_eq!(tx.seal(b"header", &plain), Err(CryptoError));
        assert!(tx.encrypts() && !pair().0.encrypts());
    }

    #[test]
    fn an_altered_ciphertext_is_refused_before_it_is_decrypted() {
        let (mut tx, mut rx) = encrypting_pair();
        let mut payload = [1u8; 40];
        let tag = tx.seal_in_place(b"h", &mut payload).unwrap();
        let wire = payload;
        payload[3] ^= 0x80;
        assert_eq!(
            rx.open(b"h", &mut payload, &tag),
            Err(FrameMacError::BadTag(0))
        );
        payload[3] ^= 0x80;
        assert_eq!(payload, wire, "a refused frame is left as it came");
        // A receiver without the cipher sees ciphertext, and one with another key garbage.
        let (_, mut clear) = pair();
        let mut copy = wire;
        clear.open(b"h", &mut copy, &tag).unwrap();
        assert_eq!(copy, wire);
        let mut other = pair().1.with_cipher(&[10; CIPHER_KEY_LEN]).unwrap();
        let mut copy = wire;
        other.open(b"h", &mut copy, &tag).unwrap();
        assert_ne!(copy, [1u8; 40]);
        rx.open(b"h", &mut payload, &tag).unwrap();
        assert_eq!(payload, [1u8; 40]);
    }
}
