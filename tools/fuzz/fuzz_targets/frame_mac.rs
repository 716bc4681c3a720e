// SPDX-License-Identifier: GPL-2.0

//! Fuzz target: the MAC every frame carries after the handshake (`cluster/frame_mac.rs`).
//!
//! The input picks a MAC key, whether the link encrypts (and its AES-256 key), and a sequence of
//! frames (a header of any 24 bytes, any payload), each sent by one direction's sender to its
//! receiver with one mishap: none, a flipped bit in the header, the payload or the tag, a
//! truncated or lengthened tag, a replay of an earlier frame, two frames swapped (or one
//! dropped), a receiver keyed with another key, or bytes that never came from the sender at all.
//! Checked:
//!
//! - a frame that arrives unchanged and in order opens, and its payload is the plaintext again
//!   (with encryption on, the payload on the wire is not the plaintext when it is 16 bytes or
//!   more);
//! - any change to the header, the payload or the tag, a replay, a reordering or a dropped frame,
//!   a tag under another key, and arbitrary bytes are refused with `BadTag(n)`, `n` the number of
//!   the frame due; a refused frame's payload is left as it came, and the receiver still opens
//!   the genuine frame afterwards (the sequence numbers only advance on success);
//! - `seal` on a direction that encrypts fails and changes nothing;
//! - nothing panics (the fuzz build has overflow checks).
//!
//! The fuzzer cannot compute HMAC-SHA256, and `ct_eq` leaks no comparison to guide it, so a
//! forged tag that opens is a bug, not luck (2^-128).

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ramster::cluster::frame_mac::{FrameKey, FrameMacError, TAG_LEN};
use ramster::cluster::wire::{HEADER_LEN, MAX_PAYLOAD_LEN};
use ramster::os::CIPHER_KEY_LEN;

/// One frame as it leaves the sender: header, payload (ciphertext if encrypting), tag.
#[derive(Clone)]
struct Wire {
    header: Vec<u8>,
    payload: Vec<u8>,
    plain: Vec<u8>,
    tag: [u8; TAG_LEN],
}

struct Link {
    tx: FrameKey,
    rx: FrameKey,
    /// A receiver whose MAC key differs from the sender's in one bit; it never opens a frame,
    /// so it stays at frame 0.
    stranger: FrameKey,
    encrypts: bool,
    /// Frames sealed (the sender's next number) and opened (the receiver's next number).
    sealed: u64,
    opened: u64,
    /// Every frame opened so far, for replays (the last few).
    history: Vec<Wire>,
}

fn bytes(u: &mut Unstructured, max: usize) -> Result<Vec<u8>> {
    let len = u.int_in_range(0..=max)?;
    Ok(u.bytes(len)?.to_vec())
}

fn flip(u: &mut Unstructured, buf: &mut [u8]) -> Result<bool> {
    if buf.is_empty() {
        return Ok(false);
    }
    let at = u.choose_index(buf.len())?;
    let bit = u.int_in_range(0..=7u8)?;
    buf[at] ^= 1 << bit;
    Ok(true)
}

impl Link {
    /// Seals the next frame of `header` and `plain`, trying `seal` first when `plain_seal`.
    fn seal(&mut self, header: Vec<u8>, plain: Vec<u8>, plain_seal: bool) -> Wire {
        let mut payload = plain.clone();
        if plain_seal || self.encrypts {
            match self.tx.seal(&header, &plain) {
                Ok(tag) => {
                    assert!(!self.encrypts, "seal on a direction that encrypts");
                    self.sealed += 1;
                    return Wire {
                        header,
                        payload,
                        plain,
                        tag,
                    };
                }
                Err(_) => assert!(self.encrypts, "seal failed on a clear direction"),
            }
        }
        let tag = self
            .tx
            .seal_in_place(&header, &mut payload)
            .expect("seal_in_place");
        self.sealed += 1;
        if !self.encrypts {
            assert_eq!(payload, plain, "a clear direction changed the payload");
        } else if plain.len() >= 16 {
            assert_ne!(payload, plain, "the payload went out in the clear");
        }
        Wire {
            header,
            payload,
            plain,
            tag,
        }
    }

    /// The receiver must refuse `header`, `payload`, `tag` as the frame it expects next, and
    /// leave the payload as it came.
    fn refuse(&mut self, header: &[u8], payload: &[u8], tag: &[u8]) {
        let mut copy = payload.to_vec();
        assert_eq!(
            self.rx.open(header, &mut copy, tag),
            Err(FrameMacError::BadTag(self.opened)),
            "a frame that was not sealed as frame {} opened",
            self.opened
        );
        assert_eq!(copy, payload, "a refused frame's payload was changed");
    }

    /// The receiver must open `w`, the frame it expects next, back to its plaintext.
    fn accept(&mut self, w: &Wire) {
        let mut copy = w.payload.clone();
        assert_eq!(self.rx.open(&w.header, &mut copy, &w.tag), Ok(()));
        assert_eq!(
            copy, w.plain,
            "frame {} opened to another payload",
            self.opened
        );
        self.opened += 1;
        if self.history.len() == 8 {
            self.history.remove(0);
        }
        self.history.push(w.clone());
    }
}

/// A header (any bytes, of the wire's header length: the tag covers the header and the payload
/// one after the other, so only the fixed length tells where one ends) and a payload.
fn frame(u: &mut Unstructured) -> Result<(Vec<u8>, Vec<u8>)> {
    let header = u.bytes(HEADER_LEN)?.to_vec();
    let payload = bytes(u, MAX_PAYLOAD_LEN as usize)?;
    Ok((header, payload))
}

fn step(u: &mut Unstructured, link: &mut Link) -> Result<()> {
    let mishap = u.int_in_range(0..=10u8)?;
    let plain_seal = u.arbitrary::<bool>()?;
    let (header, payload) = frame(u)?;
    assert_eq!(link.sealed, link.opened);
    let w = link.seal(header, payload, plain_seal);
    match mishap {
        // Header, payload or tag changed in one bit.
        1 => {
            let mut h = w.header.clone();
            flip(u, &mut h)?;
            link.refuse(&h, &w.payload, &w.tag);
        }
        2 => {
            let mut p = w.payload.clone();
            if flip(u, &mut p)? {
                link.refuse(&w.header, &p, &w.tag);
            }
        }
        3 => {
            let mut t = w.tag;
            flip(u, &mut t)?;
            link.refuse(&w.header, &w.payload, &t);
        }
        // The tag cut short, or with more bytes after it.
        4 => {
            let mut t = w.tag.to_vec();
            if u.arbitrary::<bool>()? {
                t.truncate(u.int_in_range(0..=TAG_LEN - 1)?);
            } else {
                let more = bytes(u, 8)?;
                t.push(0);
                t.extend_from_slice(&more);
            }
            link.refuse(&w.header, &w.payload, &t);
        }
        // An earlier frame again.
        5 if !link.history.is_empty() => {
            let old = link.history[u.choose_index(link.history.len())?].clone();
            link.refuse(&old.header, &old.payload, &old.tag);
        }
        // The next frame overtakes this one (or this one was dropped): refused, then both
        // arrive in order.
        6 => {
            let (header, payload) = frame(u)?;
            let next = link.seal(header, payload, plain_seal);
            link.refuse(&next.header, &next.payload, &next.tag);
            link.accept(&w);
            link.refuse(&w.header, &w.payload, &w.tag);
            link.accept(&next);
            return Ok(());
        }
        // A receiver under another key.
        7 => {
            let mut copy = w.payload.clone();
            assert_eq!(
                link.stranger.open(&w.header, &mut copy, &w.tag),
                Err(FrameMacError::BadTag(0))
            );
            assert_eq!(copy, w.payload);
        }
        // Bytes the sender never sealed, with a tag of the fuzzer's choice.
        8 => {
            let (h, p) = frame(u)?;
            let t = bytes(u, TAG_LEN + 4)?;
            link.refuse(&h, &p, &t);
        }
        // This frame's tag on another frame's bytes.
        9 => {
            let (h, p) = frame(u)?;
            if h != w.header || p != w.payload {
                link.refuse(&h, &p, &w.tag);
            }
        }
        _ => {}
    }
    link.accept(&w);
    Ok(())
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let key_len = u.int_in_range(1..=64usize)?;
    let key = u.bytes(key_len)?.to_vec();
    let encrypts = u.arbitrary::<bool>()?;
    let cipher_key: [u8; CIPHER_KEY_LEN] = u.arbitrary()?;
    // Keys of at most a block differ in HMAC exactly when their bytes differ (zero padding
    // aside): flipping one bit gives another key.
    let mut other = key.clone();
    other[0] ^= 0x01;
    let make = |k: &[u8]| {
        let fk = FrameKey::new(k).expect("FrameKey::new");
        if encrypts {
            fk.with_cipher(&cipher_key).expect("with_cipher")
        } else {
            fk
        }
    };
    let mut link = Link {
        tx: make(&key),
        rx: make(&key),
        stranger: make(&other),
        encrypts,
        sealed: 0,
        opened: 0,
        history: Vec::new(),
    };
    assert_eq!(link.tx.encrypts(), encrypts);
    while !u.is_empty() && link.sealed < 64 {
        step(&mut u, &mut link)?;
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
