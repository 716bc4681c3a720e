// SPDX-License-Identifier: GPL-2.0

//! Tests of the tmem payload codec.

extern crate std;

use super::*;
use proptest::prelude::*;
use std::vec;

fn key() -> PageKey {
    PageKey {
        pool_id: 3,
        persistent: true,
        oid: [1, 2, 0xffff_ffff_ffff_ffff],
        index: 42,
    }
}

fn encoded(request: &TmemRequest<'_>) -> std::vec::Vec<u8> {
    let mut out = vec![0u8; 4200];
    let len = encode_request(request, &mut out).unwrap();
    out.truncate(len);
    out
}

#[test]
fn key_layout() {
    let mut out = [0u8; KEY_LEN];
    key().encode(&mut out).unwrap();
    assert_eq!(&out[0..8], &[0, 0, 0, 3, 0, 0, 0, 1]);
    assert_eq!(&out[8..16], &1u64.to_be_bytes());
    assert_eq!(&out[24..32], &[0xff; 8]);
    assert_eq!(&out[32..40], &[0, 0, 0, 42, 0, 0, 0, 0]);
    assert_eq!(PageKey::decode(&out), Ok(key()));
}

#[test]
fn put_carries_a_checksummed_page() {
    let put = TmemRequest {
        op: TmemOp::Put,
        key: key(),
        data: b"compressed",
    };
    let bytes = encoded(&put);
    assert_eq!(bytes.len(), KEY_LEN + DATA_HEADER_LEN + 10);
    assert_eq!(&bytes[40..44], &10u32.to_be_bytes());
    assert_eq!(&bytes[44..48], &crc32c(b"compressed").to_be_bytes());
    assert_eq!(decode_request(TmemOp::Put, &bytes), Ok(put));

    let mut corrupt = bytes.clone();
    corrupt[50] ^= 1;
    assert!(matches!(
        decode_request(TmemOp::Put, &corrupt),
        Err(TmemPayloadError::Checksum { .. })
    ));
    assert!(decode_request(TmemOp::Put, &bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn key_only_requests_have_exact_lengths_and_zero_fields() {
    let get = TmemRequest {
        op: TmemOp::Get,
        key: key(),
        data: &[],
    };
    let bytes = encoded(&get);
    assert_eq!(bytes.len(), KEY_LEN);
    assert_eq!(decode_request(TmemOp::Get, &bytes), Ok(get));
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        decode_request(TmemOp::Get, &longer),
        Err(TmemPayloadError::Length(41))
    );
    assert_eq!(
        decode_request(TmemOp::FlushObject, &bytes),
        Err(TmemPayloadError::KeyNotZero)
    );
    let destroy = TmemRequest {
        op: TmemOp::DestroyPool,
        key: PageKey {
            oid: [0; 3],
            index: 0,
            ..key()
        },
        data: &[],
    };
    assert_eq!(
        decode_request(TmemOp::DestroyPool, &encoded(&destroy)),
        Ok(destroy)
    );
    let bad_destroy = TmemRequest {
        key: key(),
        ..destroy
    };
    let mut out = [0u8; KEY_LEN];
    assert_eq!(
        encode_request(&bad_destroy, &mut out),
        Err(TmemPayloadError::KeyNotZero)
    );
}

#[test]
fn reserved_fields_and_lengths_are_checked() {
    let mut bytes = encoded(&TmemRequest {
        op: TmemOp::Flush,
        key: key(),
        data: &[],
    });
    bytes[4] = 0x80;
    assert!(matches!(
        PageKey::decode(&bytes),
        Err(TmemPayloadError::PoolFlags(_))
    ));
    bytes[4] = 0;
    bytes[39] = 1;
    assert_eq!(PageKey::decode(&bytes), Err(TmemPayloadError::Reserved(1)));
    let mut page = [0u8; 8];
    page[3] = 0;
    assert_eq!(decode_page(&page), Err(TmemPayloadError::CompressedLen(0)));
    assert_eq!(
        encode_page(&[0u8; 4097], &mut [0u8; 5000]),
        Err(TmemPayloadError::CompressedLen(4097))
    );
}

#[test]
fn op_codes_and_limits_match_the_spec() {
    for (code, op) in [
        (0x40, TmemOp::Put),
        (0x41, TmemOp::Get),
        (0x42, TmemOp::GetAndFree),
        (0x43, TmemOp::Flush),
        (0x44, TmemOp::FlushObject),
        (0x45, TmemOp::DestroyPool),
    ] {
        assert_eq!(TmemOp::from_code(code), Some(op));
        assert_eq!(op.code(), code);
    }
    assert_eq!(TmemOp::from_code(0x46), None);
    assert_eq!(TmemOp::Put.request_len_range(), (49, 4144));
    assert_eq!(TmemOp::Get.request_len_range(), (40, 40));
}

fn any_op() -> impl Strategy<Value = TmemOp> {
    (0x40u8..=0x45).prop_filter_map("op", TmemOp::from_code)
}

proptest! {
    #[test]
    fn requests_round_trip(
        op in any_op(),
        pool_id in any::<u32>(),
        persistent in any::<bool>(),
        oid in any::<[u64; 3]>(),
        index in any::<u32>(),
        data in proptest::collection::vec(any::<u8>(), 1..=4096),
    ) {
        let key = PageKey { pool_id, persistent, oid, index };
        let data: &[u8] = if op == TmemOp::Put { &data } else { &[] };
        let request = TmemRequest { op, key, data };
        let mut out = vec![0u8; 4144];
        match encode_request(&request, &mut out) {
            Ok(len) => prop_assert_eq!(decode_request(op, &out[..len]), Ok(request)),
            Err(e) => prop_assert_eq!(e, TmemPayloadError::KeyNotZero),
        }
    }

    #[test]
    fn decoder_never_panics_and_accepts_only_what_it_would_encode(
        op in any_op(),
        bytes in proptest::collection::vec(any::<u8>(), 0..120),
    ) {
        if let Ok(request) = decode_request(op, &bytes) {
            prop_assert_eq!(encoded(&request), bytes);
        }
    }
}
