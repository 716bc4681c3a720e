// SPDX-License-Identifier: GPL-2.0

//! Tests of the receive buffer: frames come out whole and in order whatever chunks the bytes
//! arrive in, a bad header is an error, and there is always room to read into.

extern crate std;

use super::*;
use crate::cluster::wire::{encode_frame, AppType, MessageType, MAX_PAYLOAD_LEN};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

/// One frame as it goes on the wire: header, payload, then a tag (any 16 bytes here).
fn wire(header: &Header, payload: &[u8], tag_byte: u8) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN + payload.len()];
    encode_frame(header, payload, &mut out).unwrap();
    out.extend_from_slice(&[tag_byte; TAG_LEN]);
    out
}

/// An echo request with request id `id` (at least 1) and a payload of `len` bytes.
fn echo(id: u64, len: usize) -> (Header, Vec<u8>) {
    let payload: Vec<u8> = (0..len).map(|i| (i as u64 ^ id) as u8).collect();
    let header = Header::request(MessageType::App(AppType::TEST_ECHO), len as u32, id);
    (header, payload)
}

/// Feeds `bytes` in chunks of the given sizes (cycled), taking every frame as soon as it is
/// whole; returns (request id, payload, tag) of each.
fn feed(bytes: &[u8], chunks: &[usize]) -> Vec<(u64, Vec<u8>, Vec<u8>)> {
    let mut stream = FrameStream::new(vec![0u8; FrameStream::<Vec<u8>>::MIN_LEN]).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    let mut sizes = chunks.iter().cycle();
    while at < bytes.len() {
        let room = stream.room();
        assert!(!room.is_empty());
        let n = (*sizes.next().unwrap())
            .clamp(1, room.len())
            .min(bytes.len() - at);
        room[..n].copy_from_slice(&bytes[at..at + n]);
        stream.filled(n);
        at += n;
        while let Some(f) = stream.next_frame().unwrap() {
            assert_eq!(f.head.len(), HEADER_LEN);
            assert_eq!(f.payload.len(), f.header.payload_len as usize);
            out.push((f.header.request_id, f.payload.to_vec(), f.tag.to_vec()));
        }
    }
    assert_eq!(stream.buffered(), 0);
    out
}

#[test]
fn a_short_buffer_is_refused() {
    assert!(FrameStream::new([0u8; 100]).is_none());
    let short = vec![0u8; FrameStream::<Vec<u8>>::MIN_LEN - 1];
    assert!(FrameStream::new(short).is_none());
}

#[test]
fn frames_in_one_read_come_out_in_order() {
    let mut bytes = Vec::new();
    for id in 1..=5 {
        let (h, p) = echo(id, 100 * id as usize);
        bytes.extend(wire(&h, &p, id as u8));
    }
    let got = feed(&bytes, &[bytes.len()]);
    assert_eq!(got.len(), 5);
    for (id, (got_id, payload, tag)) in (1..=5).zip(got) {
        assert_eq!(got_id, id);
        assert_eq!(payload, echo(id, 100 * id as usize).1);
        assert_eq!(tag, vec![id as u8; TAG_LEN]);
    }
}

#[test]
fn a_frame_waits_for_its_tag() {
    let (h, p) = echo(9, 64);
    let bytes = wire(&h, &p, 1);
    let mut stream = FrameStream::new(vec![0u8; FrameStream::<Vec<u8>>::MIN_LEN]).unwrap();
    let n = bytes.len() - 1;
    stream.room()[..n].copy_from_slice(&bytes[..n]);
    stream.filled(n);
    assert!(stream.next_frame().unwrap().is_none());
    stream.room()[..1].copy_from_slice(&bytes[n..]);
    stream.filled(1);
    assert_eq!(stream.next_frame().unwrap().unwrap().header.request_id, 9);
    assert!(stream.next_frame().unwrap().is_none());
}

#[test]
fn a_bad_header_is_an_error() {
    let (h, p) = echo(1, 10);
    let mut bytes = wire(&h, &p, 0);
    bytes[0] ^= 0xff;
    let mut stream = FrameStream::new(vec![0u8; FrameStream::<Vec<u8>>::MIN_LEN]).unwrap();
    stream.room()[..bytes.len()].copy_from_slice(&bytes);
    stream.filled(bytes.len());
    assert!(stream.next_frame().is_err());
}

#[test]
fn the_payload_can_be_changed_in_place() {
    let (h, p) = echo(2, 32);
    let bytes = wire(&h, &p, 0);
    let mut stream = FrameStream::new(vec![0u8; FrameStream::<Vec<u8>>::MIN_LEN]).unwrap();
    stream.room()[..bytes.len()].copy_from_slice(&bytes);
    stream.filled(bytes.len());
    let f = stream.next_frame().unwrap().unwrap();
    f.payload.fill(7);
    assert_eq!(f.payload, &[7u8; 32][..]);
}

#[test]
fn largest_frames_split_anywhere_fit() {
    let mut bytes = Vec::new();
    for id in 1..=7 {
        let (h, p) = echo(id, MAX_PAYLOAD_LEN as usize);
        bytes.extend(wire(&h, &p, 3));
    }
    for chunk in [
        1,
        23,
        24,
        25,
        4000,
        MAX_WIRE_FRAME - 1,
        MAX_WIRE_FRAME + 1,
        3 * 4096,
    ] {
        assert_eq!(feed(&bytes, &[chunk]).len(), 7, "chunks of {chunk}");
    }
}

proptest! {
    #[test]
    fn any_chunking_gives_the_same_frames(
        lens in prop::collection::vec(0usize..=MAX_PAYLOAD_LEN as usize, 1..12),
        chunks in prop::collection::vec(1usize..9000, 1..8),
    ) {
        let mut bytes = Vec::new();
        let mut want = Vec::new();
        for (id, len) in (1u64..).zip(&lens) {
            let (h, p) = echo(id, *len);
            bytes.extend(wire(&h, &p, id as u8));
            want.push((id, p, vec![id as u8; TAG_LEN]));
        }
        prop_assert_eq!(feed(&bytes, &chunks), want);
    }

    #[test]
    fn made_up_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..20000)) {
        let mut stream = FrameStream::new(vec![0u8; FrameStream::<Vec<u8>>::MIN_LEN]).unwrap();
        let mut at = 0;
        while at < bytes.len() {
            let room = stream.room();
            let n = room.len().min(bytes.len() - at).min(997);
            room[..n].copy_from_slice(&bytes[at..at + n]);
            stream.filled(n);
            at += n;
            loop {
                match stream.next_frame() {
                    Ok(Some(_)) => continue,
                    Ok(None) => break,
                    Err(_) => return Ok(()),
                }
            }
        }
    }
}
