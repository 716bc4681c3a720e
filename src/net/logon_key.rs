// SPDX-License-Identifier: GPL-2.0

//! The cluster's pre-shared key from the kernel keyring: `shim/logon_key.c` wrapped once.
//!
//! A write of a key description to `cluster/<c>/auth_key` reads the `logon` key of that
//! description from the keyrings of the writing process (the configfs write runs in its
//! context) and keeps a copy as a [`MasterKey`]. The bytes pass through one stack buffer, which
//! is wiped before returning.

use crate::cluster::names::KeyDescription;
use crate::cluster::secret::{zeroize, KeyError, MasterKey, ReadKeyError, MAX_KEY_LEN};
use kernel::ffi::{c_char, c_int, c_uint};

extern "C" {
    fn ramster_logon_key_read(desc: *const c_char, buf: *mut u8, buflen: c_uint) -> c_int;
}

/// `ENOKEY` and `EMSGSIZE` as the shim returns them.
const ENOKEY: c_int = -(crate::cluster::errno::ENOKEY);
const EMSGSIZE: c_int = -(crate::cluster::errno::EMSGSIZE);

/// Reads the `logon` key described by `desc` from the calling process's keyrings. Never calls
/// out to userspace. May sleep: process context only, no spinlock held.
pub(crate) fn read(desc: &KeyDescription) -> Result<MasterKey, ReadKeyError> {
    // The description, NUL-terminated (it is printable ASCII: no NUL inside).
    let mut name = [0u8; KeyDescription::CAPACITY + 1];
    let text = desc.as_bytes();
    name.get_mut(..text.len())
        .ok_or(ReadKeyError::BadKey(KeyError::TooLong))?
        .copy_from_slice(text);
    let mut buf = [0u8; MAX_KEY_LEN];
    // MAX_KEY_LEN is 64.
    let buflen = buf.len() as c_uint;
    // SAFETY: `name` is NUL-terminated and lives for the call; `buf` is valid for writes of
    // `buflen` bytes, and the shim writes at most that many.
    let ret = unsafe { ramster_logon_key_read(name.as_ptr().cast(), buf.as_mut_ptr(), buflen) };
    let result = match ret {
        ENOKEY => Err(ReadKeyError::NoKey),
        EMSGSIZE => Err(ReadKeyError::BadKey(KeyError::TooLong)),
        n if n < 0 => Err(ReadKeyError::Errno(n.saturating_neg())),
        n => usize::try_from(n)
            .ok()
            .and_then(|n| buf.get(..n))
            .ok_or(ReadKeyError::BadKey(KeyError::TooLong))
            .and_then(|bytes| MasterKey::new(bytes).map_err(ReadKeyError::BadKey)),
    };
    zeroize(&mut buf);
    result
}
