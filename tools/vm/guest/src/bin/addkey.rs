//! `addkey DESCRIPTION KEY` adds a `logon` key with description DESCRIPTION (`prefix:name`) and
//! payload KEY (the argument's bytes) to the user keyring (`@u`), as `keyctl add logon
//! DESCRIPTION KEY @u` would; the guests have no keyctl. Prints the key's serial number.
//! Exit status 0 on success, 1 when add_key fails, 2 on bad usage.

use ramster_guest::anon::{checked, syscall6};
use std::ffi::CString;
use std::process::ExitCode;

/// add_key(2) on x86_64.
const SYS_ADD_KEY: u64 = 248;
/// `KEY_SPEC_USER_KEYRING`: the calling user's keyring.
const KEY_SPEC_USER_KEYRING: i32 = -4;

fn add_logon_key(desc: &str, payload: &[u8]) -> Result<i64, String> {
    let ty = CString::new("logon").map_err(|e| e.to_string())?;
    let desc = CString::new(desc).map_err(|e| e.to_string())?;
    let ret = syscall6(
        SYS_ADD_KEY,
        [
            ty.as_ptr() as u64,
            desc.as_ptr() as u64,
            payload.as_ptr() as u64,
            payload.len() as u64,
            KEY_SPEC_USER_KEYRING as i64 as u64,
            0,
        ],
    );
    checked("add_key", ret)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, desc, key] = args.as_slice() else {
        eprintln!("usage: addkey DESCRIPTION KEY");
        return ExitCode::from(2);
    };
    match add_logon_key(desc, key.as_bytes()) {
        Ok(serial) => {
            println!("{serial}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("addkey: {e}");
            ExitCode::from(1)
        }
    }
}
