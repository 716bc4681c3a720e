// SPDX-License-Identifier: GPL-2.0

//! Handing the cluster key to the kernel.
//!
//! The cluster's write-only `auth_key` attribute takes the description of a `logon` key, which
//! the kernel looks up in the keyrings of the process that writes it and copies. The tool adds
//! the key to its own process keyring as `ramster:<cluster>` just for that write, then revokes
//! and unlinks it: afterwards only the kernel's copy is left. A `logon` key cannot be read back
//! from user space.

use std::ffi::{c_long, CStr, CString};
use std::io;

/// A key's serial number (`key_serial_t`).
pub type KeySerial = i32;

/// The keyring calls `up` makes; [`ProcessKeyring`] makes them in the kernel, tests fake them.
pub trait Keyring {
    /// Adds a `logon` key with `description` and `payload` to the process keyring.
    fn add_logon(&self, description: &str, payload: &[u8]) -> io::Result<KeySerial>;
    /// Revokes key `key` (its payload is destroyed) and unlinks it from the process keyring.
    fn remove(&self, key: KeySerial) -> io::Result<()>;
}

/// The process keyring of this process, through add_key(2) and keyctl(2).
pub struct ProcessKeyring;

// From <linux/keyctl.h>.
const KEY_SPEC_PROCESS_KEYRING: KeySerial = -2;
const KEYCTL_REVOKE: c_long = 3;
const KEYCTL_UNLINK: c_long = 9;

/// A key system call.
enum KeyCall<'a> {
    /// add_key("logon", description, payload, KEY_SPEC_PROCESS_KEYRING).
    AddLogon {
        description: &'a CStr,
        payload: &'a [u8],
    },
    /// keyctl(operation, key, KEY_SPEC_PROCESS_KEYRING): revoke or unlink.
    Keyctl { operation: c_long, key: KeySerial },
}

/// Makes `call`; the only unsafe code of the tool.
fn key_syscall(call: KeyCall<'_>) -> io::Result<c_long> {
    let keyring = c_long::from(KEY_SPEC_PROCESS_KEYRING);
    let (number, args): (c_long, [c_long; 5]) = match &call {
        KeyCall::AddLogon {
            description,
            payload,
        } => (
            libc::SYS_add_key,
            [
                c"logon".as_ptr() as c_long,
                description.as_ptr() as c_long,
                payload.as_ptr() as c_long,
                payload.len() as c_long,
                keyring,
            ],
        ),
        KeyCall::Keyctl { operation, key } => (
            libc::SYS_keyctl,
            [*operation, c_long::from(*key), keyring, 0, 0],
        ),
    };
    // SAFETY: add_key(2) and keyctl(2) take integers and, for add_key, two NUL-terminated
    // strings and `payload.len()` bytes at `payload`. Those pointers come from `call`, which
    // borrows them for the whole call; the kernel copies what they point to and keeps no
    // pointer. Neither system call touches any other memory of this process.
    let ret = unsafe { libc::syscall(number, args[0], args[1], args[2], args[3], args[4]) };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

impl Keyring for ProcessKeyring {
    fn add_logon(&self, description: &str, payload: &[u8]) -> io::Result<KeySerial> {
        let description =
            CString::new(description).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        let serial = key_syscall(KeyCall::AddLogon {
            description: &description,
            payload,
        })?;
        KeySerial::try_from(serial).map_err(|_| io::Error::from_raw_os_error(libc::ERANGE))
    }

    fn remove(&self, key: KeySerial) -> io::Result<()> {
        let revoked = key_syscall(KeyCall::Keyctl {
            operation: KEYCTL_REVOKE,
            key,
        });
        // Unlink even if revoking failed: the key must not stay in the keyring.
        key_syscall(KeyCall::Keyctl {
            operation: KEYCTL_UNLINK,
            key,
        })?;
        revoked.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adds and removes a real key, where the kernel and the sandbox allow keyrings (container
    /// seccomp profiles often refuse add_key with EPERM; kernels without CONFIG_KEYS say ENOSYS).
    #[test]
    fn adds_and_removes_a_logon_key() {
        let keyring = ProcessKeyring;
        let description = format!("ramster:tools-test-{}", std::process::id());
        let key = match keyring.add_logon(&description, &[7u8; 32]) {
            Ok(key) => key,
            Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM | libc::ENOSYS)) => {
                eprintln!("keyrings unavailable here ({e}): test skipped");
                return;
            }
            Err(e) => panic!("add_key: {e}"),
        };
        assert!(key > 0);
        keyring.remove(key).unwrap();
        // It is gone: removing it again fails.
        assert!(keyring.remove(key).is_err());
        // A logon description needs a "prefix:".
        assert_eq!(
            keyring
                .add_logon("noprefix", &[7u8; 32])
                .unwrap_err()
                .raw_os_error(),
            Some(libc::EINVAL)
        );
        assert_eq!(
            keyring
                .add_logon("ramster:a\0b", &[7u8; 32])
                .unwrap_err()
                .raw_os_error(),
            Some(libc::EINVAL)
        );
    }
}
