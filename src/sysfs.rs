// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/mm/ramster/`, as a safe Rust type over `shim/sysfs.c`.
//!
//! [`SysfsFiles::register`] makes the directory and one file per
//! [`SysfsFile`](crate::zcache::sysfs_files::SysfsFile) the module's mode has; dropping the
//! [`SysfsFiles`] removes them. Reads and writes arrive in the `extern "C"` functions here by
//! file id. Settings go to [`KNOBS`](crate::zcache::remote::knobs::KNOBS): a refused write logs
//! one line saying why and becomes an errno only at the C boundary: `EINVAL` for a bad value,
//! `EACCES` for a read-only file (sysfs itself refuses those first: they have no store method).
//! The statistics (`mm_stat`, `peer_stat`) are formatted by the logic they come from
//! ([`crate::zcache_kernel::write_mm_stat`], [`crate::ramster_kernel::peer_stat`]); a read takes
//! no spinlock.

use crate::buf_writer::BufWriter;
use crate::params::Mode;
use crate::zcache::remote::knobs::{KnobError, KNOBS};
use crate::zcache::sysfs_files::SysfsFile;
use kernel::error::to_result;
use kernel::ffi::{c_char, c_int, c_uint};
use kernel::prelude::*;

extern "C" {
    fn ramster_sysfs_create() -> c_int;
    fn ramster_sysfs_add(
        id: c_uint,
        name: *const c_char,
        name_len: usize,
        writable: c_int,
    ) -> c_int;
    fn ramster_sysfs_remove();
}

/// The registered `/sys/kernel/mm/ramster/` directory; only one exists at a time.
pub(crate) struct SysfsFiles(());

impl SysfsFiles {
    /// Makes `/sys/kernel/mm/ramster/` and the files `mode` has. What the files read must
    /// exist until this is dropped: the zcache store, and with `mode=ramster` RAMster mode.
    pub(crate) fn register(mode: Mode) -> Result<SysfsFiles> {
        // SAFETY: no preconditions; refuses (`EEXIST`) while a directory is registered.
        to_result(unsafe { ramster_sysfs_create() })?;
        // From here on, dropping `files` removes the directory and what was added.
        let files = SysfsFiles(());
        for (id, file) in SysfsFile::ALL.iter().enumerate() {
            if !file.exists_in(mode) {
                continue;
            }
            let name = file.name();
            let id = c_uint::try_from(id).map_err(|_| EINVAL)?;
            // SAFETY: `name` is valid for `name.len()` bytes during the call (the shim copies
            // it); the directory exists (created above).
            to_result(unsafe {
                ramster_sysfs_add(
                    id,
                    name.as_ptr().cast(),
                    name.len(),
                    c_int::from(file.writable()),
                )
            })?;
        }
        Ok(files)
    }
}

impl Drop for SysfsFiles {
    fn drop(&mut self) {
        // SAFETY: removes what `register` made; waits for running reads and writes.
        unsafe { ramster_sysfs_remove() };
    }
}

fn file(id: c_uint) -> Result<SysfsFile> {
    usize::try_from(id)
        .ok()
        .and_then(SysfsFile::from_id)
        .ok_or(EINVAL)
}

/// What a read of `file` shows, written into `buf`; returns its length.
fn show(file: SysfsFile, buf: &mut [u8]) -> Result<usize> {
    let mut out = BufWriter::new(buf);
    match file {
        SysfsFile::Knob(knob) => KNOBS.show(knob, &mut out).map_err(|_| ENOSPC)?,
        SysfsFile::MmStat => crate::zcache_kernel::write_mm_stat(&mut out)?,
        SysfsFile::PeerStat => return crate::ramster_kernel::peer_stat(buf),
    }
    Ok(out.len_written())
}

/// A read of file `id`: writes at most `size` bytes to `buf`, returns how many.
///
/// # Safety
///
/// `buf` must be valid for writes of `size` bytes for the duration of the call.
#[no_mangle]
unsafe extern "C" fn ramster_sysfs_show(id: c_uint, buf: *mut c_char, size: usize) -> isize {
    // SAFETY: the shim passes sysfs's page buffer of `size` bytes (this function's contract).
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
    match file(id).and_then(|f| show(f, buf)) {
        Ok(len) => isize::try_from(len).unwrap_or(0),
        Err(e) => e.to_errno() as isize,
    }
}

/// A write of `len` bytes at `buf` to file `id`: 0, or a negative errno (nothing changed).
///
/// # Safety
///
/// `buf` must be valid for reads of `len` bytes for the duration of the call.
#[no_mangle]
unsafe extern "C" fn ramster_sysfs_store(id: c_uint, buf: *const c_char, len: usize) -> isize {
    // SAFETY: the shim passes sysfs's copy of the written bytes (this function's contract).
    let text = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    let knob = match file(id) {
        Ok(SysfsFile::Knob(knob)) => knob,
        // Statistics have no store method: sysfs refuses their writes before this.
        Ok(_) => return EACCES.to_errno() as isize,
        Err(e) => return e.to_errno() as isize,
    };
    match KNOBS.store(knob, text) {
        Ok(()) => 0,
        Err(e) => {
            pr_warn!("sysfs: write refused: {}\n", e);
            let errno = match e {
                KnobError::ReadOnly(_) => EACCES,
                KnobError::Invalid(..) => EINVAL,
            };
            errno.to_errno() as isize
        }
    }
}
