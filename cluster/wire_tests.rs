// SPDX-License-Identifier: GPL-2.0

//! Tests of the frame header codec: every rule by example, round trips and never-panic by
//! property.

extern crate std;

use super::*;
use crate::cluster::handshake::{CHALLENGE_LEN, HELLO_LEN, PROVE_LEN};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

fn encoded(header: &Header) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    encode_header(header, &mut out).unwrap();
    out
}

/// A header with raw fields, bypassing the encoder's validation.
fn raw(code: u8, flags: u16, len: u32, status: u32, id: u64) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[0..4].copy_from_slice(&MAGIC.to_be_bytes());
    out[4] = VERSION;
    out[5] = code;
    out[6..8].copy_from_slice(&flags.to_be_bytes());
    out[8..12].copy_from_slice(&len.to_be_bytes());
    out[12..16].copy_from_slice(&status.to_be_bytes());
    out[16..24].copy_from_slice(&id.to_be_bytes());
    out
}

#[test]
fn layout_is_big_endian_and_fixed() {
    let header = Header::request(MessageType::App(AppType::TEST_ECHO), 0x0102, 0x0a0b);
    assert_eq!(
        encoded(&header),
        [
            b'R', b'M', b'S', b'T', 2, 0x20, 0, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
            0x0b
        ]
    );
}

#[test]
fn constructors_make_valid_headers() {
    let tmem_get = MessageType::Tmem(TmemOp::Get);
    for header in [
        Header::handshake(MessageType::Hello, Status::Ok),
        Header::handshake(MessageType::Challenge, Status::Ok),
        Header::handshake(MessageType::Challenge, Status::AuthMismatch),
        Header::handshake(MessageType::Challenge, Status::NoKey),
        Header::handshake(MessageType::Prove, Status::Ok),
        Header::handshake(MessageType::Welcome, Status::Ok),
        Header::handshake(MessageType::Welcome, Status::ClusterMismatch),
        Header::keepalive_request(7),
        Header::keepalive_reply(7),
        Header::reply(3, Status::Ok, MAX_PAYLOAD_LEN),
        Header::reply(3, Status::NotFound, 0),
        Header::request(tmem_get, 40, 1),
        Header::one_way(MessageType::App(AppType::TEST_SINK), 0),
    ] {
        assert_eq!(decode_header(&encoded(&header)), Ok(header));
    }
}

#[test]
fn bad_magic_version_type_and_flags_are_refused() {
    let mut bytes = encoded(&Header::keepalive_request(1));
    bytes[0] = b'X';
    assert!(matches!(decode_header(&bytes), Err(WireError::BadMagic(_))));
    // Version 1 (no authentication) and any later version are refused.
    for version in [1, 3] {
        let mut bytes = encoded(&Header::keepalive_request(1));
        bytes[4] = version;
        assert_eq!(
            decode_header(&bytes),
            Err(WireError::UnsupportedVersion(version))
        );
    }
    for code in [0x00, 0x08, 0x1f, 0x46, 0x4f, 0x50, 0xff] {
        assert_eq!(
            decode_header(&raw(code, 0, 0, 0, 0)),
            Err(WireError::UnknownType(code))
        );
    }
    assert_eq!(
        decode_header(&raw(0x20, 2, 0, 0, 0)),
        Err(WireError::ReservedFlags(2))
    );
    assert_eq!(
        decode_header(&raw(0x03, 1, 0, 0, 1)),
        Err(WireError::ReplyWantedNotAllowed(
            MessageType::KeepaliveRequest
        ))
    );
}

#[test]
fn handshake_types_and_codes() {
    let types = [
        (MessageType::Hello, 0x01),
        (MessageType::Challenge, 0x02),
        (MessageType::Prove, 0x06),
        (MessageType::Welcome, 0x07),
    ];
    for (msg_type, code) in types {
        assert_eq!(msg_type.code(), code);
        assert_eq!(MessageType::from_code(code), Some(msg_type));
        assert!(msg_type.is_handshake());
        assert!(!msg_type.is_handled());
    }
    for code in 0..=u8::MAX {
        if let Some(t) = MessageType::from_code(code) {
            assert_eq!(
                t.is_handshake(),
                types.iter().any(|(h, _)| *h == t),
                "{t:?}"
            );
        }
    }
}

#[test]
fn payload_limits_per_type() {
    // Each handshake frame has its fixed length.
    for (code, len) in [
        (0x01u8, HELLO_LEN),
        (0x02, CHALLENGE_LEN),
        (0x06, PROVE_LEN),
        (0x07, PROVE_LEN),
    ] {
        let msg_type = MessageType::from_code(code).unwrap();
        let len = len as u32;
        assert!(decode_header(&raw(code, 0, len, 0, 0)).is_ok());
        for wrong in [0, len - 1, len + 1] {
            assert_eq!(
                decode_header(&raw(code, 0, wrong, 0, 0)),
                Err(WireError::PayloadLength(msg_type, wrong))
            );
        }
    }
    assert!(decode_header(&raw(0x03, 0, 1, 0, 0)).is_err());
    assert!(decode_header(&raw(0x20, 0, MAX_PAYLOAD_LEN, 0, 0)).is_ok());
    assert!(decode_header(&raw(0x20, 0, MAX_PAYLOAD_LEN + 1, 0, 0)).is_err());
    assert!(decode_header(&raw(0x20, 0, u32::MAX, 0, 0)).is_err());
    assert!(decode_header(&raw(0x41, 1, 40, 0, 9)).is_ok());
    assert!(decode_header(&raw(0x41, 1, 41, 0, 9)).is_err());
    assert!(decode_header(&raw(0x40, 1, 48, 0, 9)).is_err());
    assert!(decode_header(&raw(0x40, 1, 49, 0, 9)).is_ok());
    // An error reply carries no payload.
    assert!(decode_header(&raw(0x05, 0, 1, 5, 9)).is_err());
    assert!(decode_header(&raw(0x05, 0, 0, 5, 9)).is_ok());
}

#[test]
fn statuses_only_where_allowed() {
    assert_eq!(
        decode_header(&raw(0x05, 0, 0, 8, 1)),
        Err(WireError::UnknownStatus(8))
    );
    assert!(matches!(
        decode_header(&raw(0x05, 0, 0, 17, 1)),
        Err(WireError::StatusNotAllowed(..))
    ));
    let challenge = CHALLENGE_LEN as u32;
    let prove = PROVE_LEN as u32;
    assert!(matches!(
        decode_header(&raw(0x02, 0, challenge, 5, 0)),
        Err(WireError::StatusNotAllowed(..))
    ));
    // A refusal's status goes in a CHALLENGE or a WELCOME, never in a HELLO or a PROVE.
    for code in [16, 17, 18, 19, 20, 21] {
        assert!(decode_header(&raw(0x02, 0, challenge, code, 0)).is_ok());
        assert!(decode_header(&raw(0x07, 0, prove, code, 0)).is_ok());
        assert!(matches!(
            decode_header(&raw(0x01, 0, HELLO_LEN as u32, code, 0)),
            Err(WireError::StatusNotAllowed(MessageType::Hello, _))
        ));
        assert!(matches!(
            decode_header(&raw(0x06, 0, prove, code, 0)),
            Err(WireError::StatusNotAllowed(MessageType::Prove, _))
        ));
    }
    assert!(matches!(
        decode_header(&raw(0x20, 0, 0, 1, 0)),
        Err(WireError::StatusNotAllowed(..))
    ));
}

#[test]
fn request_id_rules() {
    for (code, len) in [
        (0x01u8, HELLO_LEN),
        (0x02, CHALLENGE_LEN),
        (0x06, PROVE_LEN),
        (0x07, PROVE_LEN),
    ] {
        assert!(matches!(
            decode_header(&raw(code, 0, len as u32, 0, 1)),
            Err(WireError::RequestId(..))
        ));
    }
    assert!(decode_header(&raw(0x05, 0, 0, 0, 0)).is_err());
    assert!(decode_header(&raw(0x20, 1, 0, 0, 0)).is_err());
    assert!(decode_header(&raw(0x20, 0, 0, 0, 1)).is_err());
    assert!(decode_header(&raw(0x04, 0, 0, 0, u64::MAX)).is_ok());
}

#[test]
fn encoder_refuses_invalid_headers_and_small_buffers() {
    let mut out = [0u8; HEADER_LEN];
    let bad = Header::request(MessageType::KeepaliveReply, 0, 1);
    assert!(encode_header(&bad, &mut out).is_err());
    assert_eq!(out, [0u8; HEADER_LEN]);
    let mut short = [0u8; HEADER_LEN - 1];
    assert_eq!(
        encode_header(&Header::keepalive_request(1), &mut short),
        Err(WireError::BufferTooSmall)
    );
    let one_way = Header::one_way(MessageType::App(AppType::TEST_SINK), 3);
    let mut frame = [0u8; HEADER_LEN + 3];
    assert_eq!(
        encode_frame(&one_way, b"ab", &mut frame),
        Err(WireError::PayloadMismatch)
    );
    assert_eq!(
        encode_frame(&one_way, b"abc", &mut frame[..HEADER_LEN + 2]),
        Err(WireError::BufferTooSmall)
    );
}

#[test]
fn frames_decode_from_a_stream_buffer() {
    let header = Header::one_way(MessageType::App(AppType::TEST_SINK), 3);
    let mut buf = [0u8; 64];
    let len = encode_frame(&header, b"abc", &mut buf).unwrap();
    assert_eq!(len, HEADER_LEN + 3);
    for cut in 0..len {
        let expected = if cut < HEADER_LEN { HEADER_LEN } else { len };
        assert_eq!(
            decode_frame(&buf[..cut]),
            Ok(Decoded::Incomplete {
                frame_len: expected
            })
        );
    }
    assert_eq!(
        decode_frame(&buf),
        Ok(Decoded::Complete {
            frame: Frame {
                header,
                payload: b"abc"
            },
            frame_len: len
        })
    );
}

#[test]
fn errors_explain_themselves() {
    use std::string::ToString;
    let text = WireError::PayloadLength(MessageType::Hello, 3).to_string();
    assert_eq!(
        text,
        "payload length 3 for message type 0x01 (allowed 44..=44)"
    );
    assert_eq!(
        WireError::UnsupportedVersion(9).to_string(),
        "peer speaks protocol version 9, we speak 2"
    );
}

fn any_type() -> impl Strategy<Value = MessageType> {
    any::<u8>().prop_filter_map("valid type", MessageType::from_code)
}

fn any_status() -> impl Strategy<Value = Status> {
    prop_oneof![Just(0u32), 1u32..8, 16u32..22].prop_filter_map("code", Status::from_code)
}

prop_compose! {
    fn any_header()(
        msg_type in any_type(),
        reply_wanted in any::<bool>(),
        payload_len in 0..=MAX_PAYLOAD_LEN + 8,
        status in any_status(),
        request_id in prop_oneof![Just(0u64), any::<u64>()],
    ) -> Header {
        Header { msg_type, reply_wanted, payload_len, status, request_id }
    }
}

proptest! {
    #[test]
    fn valid_headers_round_trip(header in any_header()) {
        let mut out = [0u8; HEADER_LEN];
        match encode_header(&header, &mut out) {
            Ok(()) => prop_assert_eq!(decode_header(&out), Ok(header)),
            Err(e) => prop_assert_eq!(header.validate(), Err(e)),
        }
    }

    #[test]
    fn decoder_never_panics_and_accepts_only_what_it_would_encode(
        bytes in proptest::collection::vec(any::<u8>(), 0..64)
    ) {
        if let Ok(header) = decode_header(&bytes) {
            prop_assert_eq!(&encoded(&header)[..], &bytes[..HEADER_LEN]);
        }
        let _ = decode_frame(&bytes);
    }

    #[test]
    fn mutated_valid_headers_never_panic(
        header in any_header(),
        position in 0..HEADER_LEN,
        value in any::<u8>(),
    ) {
        let mut out = [0u8; HEADER_LEN];
        if encode_header(&header, &mut out).is_ok() {
            out[position] = value;
            if let Ok(decoded) = decode_header(&out) {
                prop_assert_eq!(encoded(&decoded), out);
            }
        }
    }

    #[test]
    fn frames_round_trip(header in any_header(), fill in any::<u8>()) {
        let payload = vec![fill; header.payload_len as usize];
        let mut buf: Vec<u8> = vec![0; MAX_FRAME_LEN + 16];
        if let Ok(len) = encode_frame(&header, &payload, &mut buf) {
            prop_assert_eq!(
                decode_frame(&buf[..len]),
                Ok(Decoded::Complete { frame: Frame { header, payload: &payload }, frame_len: len })
            );
        }
    }
}
