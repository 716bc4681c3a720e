// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/mm/ramster/`, as a safe Rust type over `shim/sysfs.c`.
//!
//! [`SysfsKnobs::register`] makes the directory and one file per
//! [`Knob`](crate::zcache::remote::knobs::Knob); dropping the [`SysfsKnobs`] removes them. Reads
//! and writes arrive in the `extern "C"` functions here by file id and go to
//! [`KNOBS`](crate::zcache::remote::knobs::KNOBS). A refused write logs one line saying why and
//! becomes an errno only at the C boundary: `EINVAL` for a bad value, `EACCES` for a read-only
//! file (sysfs itself refuses those first: they have no store method).

use crate::buf_writer::BufWriter;
use crate::zcache::remote::knobs::{Knob, KnobError, KNOBS};
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
pub(crate) struct SysfsKnobs(());

impl SysfsKnobs {
    /// Makes `/sys/kernel/mm/ramster/` and its files.
    pub(crate) fn register() -> Result<SysfsKnobs> {
        // SAFETY: no preconditions; refuses (`EEXIST`) while a directory is registered.
        to_result(unsafe { ramster_sysfs_create() })?;
        // From here on, dropping `knobs` removes the directory and what was added.
        let knobs = SysfsKnobs(());
        for (id, knob) in Knob::ALL.iter().enumerate() {
            let name = knob.name();
            let id = c_uint::try_from(id).map_err(|_| EINVAL)?;
            // SAFETY: `name` is valid for `name.len()` bytes during the call (the shim copies
            // it); the directory exists (created above).
            to_result(unsafe {
                ramster_sysfs_add(
                    id,
                    name.as_ptr().cast(),
                    name.len(),
                    c_int::from(knob.writable()),
                )
            })?;
        }
        Ok(knobs)
    }
}

impl Drop for SysfsKnobs {
    fn drop(&mut self) {
        // SAFETY: removes what `register` made; waits for running reads and writes.
        unsafe { ramster_sysfs_remove() };
    }
}

fn knob(id: c_uint) -> Result<Knob> {
    usize::try_from(id)
        .ok()
        .and_then(Knob::from_id)
        .ok_or(EINVAL)
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
    let mut out = BufWriter::new(buf);
    let shown = knob(id).and_then(|k| KNOBS.show(k, &mut out).map_err(|_| ENOSPC));
    match shown {
        Ok(()) => out.written(),
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
    let Ok(knob) = knob(id) else {
        return EINVAL.to_errno() as isize;
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
