// SPDX-License-Identifier: GPL-2.0

//! A known-answer test of the facade's HMAC-SHA256, run before the cluster layer starts.
//!
//! The cluster authenticates peers and frames with [`Hmac`]. In the kernel that is the crypto
//! API's `hmac(sha256)`, which a kernel may lack (`CONFIG_CRYPTO_HMAC`, `CONFIG_CRYPTO_SHA256`)
//! or, in principle, get wrong; the cluster layer refuses to start unless
//! [`hmac_self_test`] passes. It computes RFC 4231 test case 2 (a short key, a short message),
//! split in two parts so that the multi-part path is what is tested. The host build runs the
//! same function, and `crypto_tests.rs` checks more RFC 4231 cases against the facade.

use super::{ct_eq, CryptoError, Hmac, MAC_LEN};

/// RFC 4231 test case 2: the key.
pub(super) const CASE2_KEY: &[u8] = b"Jefe";
/// RFC 4231 test case 2: the message.
pub(super) const CASE2_DATA: &[u8] = b"what do ya want for nothing?";
/// RFC 4231 test case 2: HMAC-SHA-256 of the message under the key.
pub(super) const CASE2_MAC: [u8; MAC_LEN] = [
    0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
    0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
];

/// Checks that [`Hmac`] computes RFC 4231 test case 2. `Err` if the transform cannot be made
/// (in the kernel: no `hmac(sha256)`, or no memory) or gives a wrong tag. May sleep: in the
/// kernel it allocates a transform (process context only).
pub fn hmac_self_test() -> Result<(), CryptoError> {
    let hmac = Hmac::new(CASE2_KEY)?;
    let (head, tail) = CASE2_DATA.split_at(9);
    let tag = hmac.mac(&[head, tail])?;
    if ct_eq(&tag, &CASE2_MAC) {
        Ok(())
    } else {
        Err(CryptoError)
    }
}
