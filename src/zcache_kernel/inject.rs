// SPDX-License-Identifier: GPL-2.0

//! debugfs `zcache/inject_corrupt_gets`: fault injection for the tests of what happens to a page
//! the store finds corrupt (it is dropped, the get fails with `EIO`, and frontswap remembers the
//! entry as lost so that unloading never waits for it). A write of a count (0 to
//! [`MAX_INJECTED`]) makes that many next gets of a compressed page find it corrupt; a read shows
//! how many are still to come. Root only (0600), like the rest of debugfs.

use super::backend::with_store;
use super::ffi;
use crate::buf_writer::BufWriter;
use crate::cluster::config_text::parse_decimal;
use core::ffi::c_int;
use core::fmt::Write;
use kernel::prelude::*;

/// The largest count a write may ask for.
const MAX_INJECTED: usize = 1 << 20;

/// Parses a write: a decimal count, optionally followed by a newline.
fn parse(text: &[u8]) -> Result<usize> {
    parse_decimal(text)
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n <= MAX_INJECTED)
        .ok_or(EINVAL)
}

/// A read of the file (`_id` is the shim's text-file id, always 0): writes at most `size` bytes
/// to `buf`, returns how many.
///
/// # Safety
///
/// `buf` must be valid for writes of `size` bytes.
#[no_mangle]
unsafe extern "C" fn ramster_zc_inject_show(_id: c_int, buf: *mut u8, size: usize) -> isize {
    // SAFETY: the shim passes a buffer of `size` bytes, ours for this call (this function's
    // contract).
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, size) };
    let mut w = BufWriter::new(buf);
    let pending = with_store(|s| s.corrupt_gets_pending()).unwrap_or(0);
    match writeln!(w, "{pending}") {
        Ok(()) => w.written(),
        Err(_) => E2BIG.to_errno() as isize,
    }
}

/// A write of `len` bytes to the file (`_id` as above); 0 or a negative errno. Bad input gets
/// `EINVAL` and changes nothing.
///
/// # Safety
///
/// `buf` must be valid for reads of `len` bytes.
#[no_mangle]
unsafe extern "C" fn ramster_zc_inject_store(_id: c_int, buf: *const u8, len: usize) -> isize {
    // SAFETY: the shim passes `len` bytes copied from user space, valid for this call (this
    // function's contract).
    let text = unsafe { core::slice::from_raw_parts(buf, len) };
    let injected = parse(text).and_then(|n| {
        with_store(|store| store.inject_corrupt_gets(n)).ok_or(ENODEV)?;
        pr_warn!(
            "zcache: the next {} gets will find their page corrupt (injected)\n",
            n
        );
        Ok(())
    });
    match injected {
        Ok(()) => 0,
        Err(e) => e.to_errno() as isize,
    }
}

/// Creates `zcache/inject_corrupt_gets` (the folder exists; the shim removes the file with it).
pub(super) fn create() -> Result {
    // SAFETY: `zcache/` was created by `ramster_zc_debugfs_create`; the file's callbacks above
    // use only the store, which outlives the folder.
    kernel::error::to_result(unsafe { ffi::ramster_zc_debugfs_inject() })
}
