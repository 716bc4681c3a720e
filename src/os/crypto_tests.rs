// SPDX-License-Identifier: GPL-2.0

//! Host tests of the facade's crypto: HMAC-SHA256 against RFC 4231's test cases, messages in
//! parts, the part limit, the self-test, random bytes and the constant-time comparison.

extern crate std;

use super::*;
use std::vec::Vec;

/// A tag written as 64 hex digits.
fn hex(s: &str) -> [u8; MAC_LEN] {
    let mut out = [0u8; MAC_LEN];
    assert_eq!(s.len(), 2 * MAC_LEN);
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn mac(key: &[u8], data: &[u8]) -> [u8; MAC_LEN] {
    Hmac::new(key).unwrap().mac(&[data]).unwrap()
}

#[test]
fn rfc4231_case_1() {
    assert_eq!(
        mac(&[0x0b; 20], b"Hi There"),
        hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    );
}

#[test]
fn rfc4231_case_2() {
    assert_eq!(
        mac(b"Jefe", b"what do ya want for nothing?"),
        hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
    assert_eq!(
        mac(hmac_selftest::CASE2_KEY, hmac_selftest::CASE2_DATA),
        hmac_selftest::CASE2_MAC
    );
}

#[test]
fn rfc4231_case_6_key_longer_than_a_block() {
    assert_eq!(
        mac(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        ),
        hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    );
}

#[test]
fn parts_are_concatenated() {
    let data = b"Test Using Larger Than Block-Size Key - Hash Key First";
    let hmac = Hmac::new(&[0xaa; 131]).unwrap();
    let whole = hmac.mac(&[data]).unwrap();
    for split in 0..=data.len() {
        let (a, b) = data.split_at(split);
        assert_eq!(hmac.mac(&[a, b]).unwrap(), whole);
        assert_eq!(hmac.mac(&[&[], a, &[], b, &[]]).unwrap(), whole);
    }
    // One Hmac gives the same tag every time (no state left from the last message).
    assert_eq!(hmac.mac(&[data]).unwrap(), whole);
}

#[test]
fn at_most_max_parts() {
    let hmac = Hmac::new(b"Jefe").unwrap();
    let bytes: Vec<u8> = (0..=MAC_MAX_PARTS as u8).collect();
    let parts: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(parts.len(), MAC_MAX_PARTS + 1);
    assert_eq!(
        hmac.mac(&parts[..MAC_MAX_PARTS]).unwrap(),
        hmac.mac(&[&bytes[..MAC_MAX_PARTS]]).unwrap()
    );
    assert_eq!(hmac.mac(&parts).err(), Some(CryptoError));
    assert_eq!(hmac.mac(&[]).unwrap(), mac(b"Jefe", b""));
}

#[test]
fn self_test_passes() {
    assert_eq!(hmac_self_test(), Ok(()));
}

#[test]
fn random_bytes_fill_the_buffer() {
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    random_bytes(&mut a);
    random_bytes(&mut b);
    // 2^-512 chance of a false failure.
    assert_ne!(a, b);
    random_bytes(&mut []);
}

#[test]
fn ct_eq_compares_bytes_and_lengths() {
    assert!(ct_eq(b"", b""));
    assert!(ct_eq(b"abc", b"abc"));
    assert!(!ct_eq(b"abc", b"abd"));
    assert!(!ct_eq(b"abc", b"ab"));
    assert!(!ct_eq(b"\x80bc", b"abc"));
}

#[test]
fn cipher_self_test_passes_and_ctr_is_its_own_inverse() {
    cipher_self_test().unwrap();
    let cipher = Cipher::new(&[7; CIPHER_KEY_LEN]).unwrap();
    let mut data: Vec<u8> = (0..100u8).collect();
    let iv = [0xff; CIPHER_IV_LEN];
    cipher.apply(&iv, &mut data).unwrap();
    assert_ne!(data, (0..100u8).collect::<Vec<_>>());
    cipher.apply(&iv, &mut data).unwrap();
    assert_eq!(data, (0..100u8).collect::<Vec<_>>());
}

#[test]
fn the_counter_carries_across_the_whole_block() {
    // SP 800-38A's counter ends in ...feff: its fourth block has carried into byte 14. Starting
    // at the third block's counter must give the vector's last two blocks.
    let cipher = Cipher::new(&[
        0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77,
        0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14,
        0xdf, 0xf4,
    ])
    .unwrap();
    let mut iv = [0u8; CIPHER_IV_LEN];
    iv.copy_from_slice(&[
        0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xff,
        0x01,
    ]);
    let mut tail = cipher_selftest::PLAIN[32..].to_vec();
    cipher.apply(&iv, &mut tail).unwrap();
    assert_eq!(tail, cipher_selftest::CIPHER[32..]);
}
