// SPDX-License-Identifier: GPL-2.0

//! The cluster's pre-shared master key, kept so that it does not outlive its use.
//!
//! The key comes from a `logon` key in the kernel keyring (named by the cluster's `auth_key`
//! configfs attribute) and is what the handshake authenticates peers with. A [`MasterKey`] holds
//! 16 to 64 bytes in a fixed array (no allocation), is overwritten with zeros when dropped
//! (volatile writes the compiler cannot remove, then a compiler fence), and never shows its
//! bytes in `Debug` output. Clones are independent copies and are wiped the same way.

use core::fmt;
use core::sync::atomic::{compiler_fence, Ordering};

/// The shortest master key: 128 bits.
pub const MIN_KEY_LEN: usize = 16;
/// The longest master key (the SHA-256 block size: HMAC hashes longer keys first).
pub const MAX_KEY_LEN: usize = 64;

/// Overwrites `buf` with zeros in a way the compiler may not elide, e.g. a stack buffer that
/// held key material before it goes out of scope.
pub fn zeroize(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        // SAFETY: `b` is a valid, aligned, exclusive reference to one byte.
        unsafe { core::ptr::write_volatile(b, 0) };
    }
    compiler_fence(Ordering::SeqCst);
}

/// Why bytes are not a master key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Fewer than [`MIN_KEY_LEN`] bytes (how many there were).
    TooShort(usize),
    /// More than [`MAX_KEY_LEN`] bytes.
    TooLong,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::TooShort(len) => write!(
                f,
                "the key is {len} bytes; it must be {MIN_KEY_LEN} to {MAX_KEY_LEN} bytes"
            ),
            KeyError::TooLong => write!(
                f,
                "the key is longer than {MAX_KEY_LEN} bytes; it must be {MIN_KEY_LEN} to \
                 {MAX_KEY_LEN} bytes"
            ),
        }
    }
}

/// Why the master key could not be read from the keyring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadKeyError {
    /// The writer's keyrings hold no such `logon` key (`ENOKEY`).
    NoKey,
    /// The key exists but its length is not a master key's.
    BadKey(KeyError),
    /// Another error from the keyring (revoked, expired, no permission, no memory): its
    /// positive errno.
    Errno(i32),
}

/// A pre-shared master key of [`MIN_KEY_LEN`] to [`MAX_KEY_LEN`] bytes, wiped on drop.
#[derive(Clone)]
pub struct MasterKey {
    bytes: [u8; MAX_KEY_LEN],
    len: usize,
}

impl MasterKey {
    /// A copy of `bytes` as a key, if it is 16 to 64 bytes long.
    pub fn new(bytes: &[u8]) -> Result<MasterKey, KeyError> {
        if bytes.len() < MIN_KEY_LEN {
            return Err(KeyError::TooShort(bytes.len()));
        }
        let mut key = MasterKey {
            bytes: [0; MAX_KEY_LEN],
            len: bytes.len(),
        };
        key.bytes
            .get_mut(..bytes.len())
            .ok_or(KeyError::TooLong)?
            .copy_from_slice(bytes);
        Ok(key)
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        zeroize(&mut self.bytes);
    }
}

/// Equal keys: compared in time that depends only on the lengths.
impl PartialEq for MasterKey {
    fn eq(&self, other: &MasterKey) -> bool {
        crate::os::ct_eq(self.as_bytes(), other.as_bytes())
    }
}

impl Eq for MasterKey {}

/// Never the bytes, nor their length.
impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::format;

    #[test]
    fn keys_are_16_to_64_bytes() {
        assert_eq!(MasterKey::new(&[]), Err(KeyError::TooShort(0)));
        assert_eq!(MasterKey::new(&[7; 15]), Err(KeyError::TooShort(15)));
        assert_eq!(MasterKey::new(&[7; 65]), Err(KeyError::TooLong));
        for len in [16, 32, 64] {
            let bytes: std::vec::Vec<u8> = (0..len).map(|i| i as u8).collect();
            let key = MasterKey::new(&bytes).unwrap();
            assert_eq!(key.as_bytes(), &bytes[..]);
        }
    }

    #[test]
    fn debug_shows_no_bytes() {
        let key = MasterKey::new(b"0123456789abcdef").unwrap();
        let shown = format!("{key:?} {:?}", Some(key.clone()));
        assert_eq!(shown, "MasterKey(..) Some(MasterKey(..))");
    }

    #[test]
    fn clones_are_equal_and_other_keys_are_not() {
        let key = MasterKey::new(&[1; 32]).unwrap();
        assert_eq!(key.clone(), key);
        assert_ne!(MasterKey::new(&[1; 33]).unwrap(), key);
        let mut other = [1; 32];
        other[31] = 2;
        assert_ne!(MasterKey::new(&other).unwrap(), key);
    }

    #[test]
    fn drop_wipes_the_bytes() {
        let mut slot = core::mem::MaybeUninit::new(MasterKey::new(&[0xa5; 48]).unwrap());
        // SAFETY: the slot holds an initialized key, dropped exactly once here; its storage stays
        // valid (a `MaybeUninit` on this stack frame), so its bytes may be read afterwards.
        unsafe { slot.assume_init_drop() };
        let raw = slot.as_ptr().cast::<u8>();
        // SAFETY: the storage is `size_of::<MasterKey>()` bytes of this frame; `drop` wrote zeros
        // over the key array and left `len` as it was, so every byte is initialized.
        let bytes = unsafe { core::slice::from_raw_parts(raw, core::mem::size_of::<MasterKey>()) };
        assert!(!bytes.windows(2).any(|w| w == [0xa5, 0xa5]));
    }

    #[test]
    fn errors_say_the_allowed_lengths() {
        assert_eq!(
            format!("{}", KeyError::TooShort(4)),
            "the key is 4 bytes; it must be 16 to 64 bytes"
        );
        assert_eq!(
            format!("{}", KeyError::TooLong),
            "the key is longer than 64 bytes; it must be 16 to 64 bytes"
        );
    }

    #[test]
    fn zeroize_clears_a_buffer() {
        let mut buf = [0x5a; 20];
        zeroize(&mut buf);
        assert_eq!(buf, [0; 20]);
    }
}
