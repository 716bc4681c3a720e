// SPDX-License-Identifier: GPL-2.0

//! Text files in debugfs `ramster/`, as a safe Rust interface.
//!
//! Linux 6.12 has no debugfs abstraction for Rust. `shim/debugfs.c` makes the files and calls
//! the `extern "C"` functions here on every read and write; they reach the [`DebugFile`] that
//! was given to [`Files::create`] for that file. The files and the folder are removed when the
//! [`Files`] is dropped.

use crate::buf_writer::BufWriter;
use core::fmt::Write;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::ffi::{c_char, c_int};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;

/// One debugfs text file.
pub(crate) trait DebugFile: Send + Sync {
    /// What a read shows.
    fn show(&self, out: &mut dyn Write) -> Result;
    /// A write of `text` (at most 255 bytes).
    fn store(&self, text: &[u8]) -> Result;
}

/// How many files [`Files`] can hold.
const MAX_FILES: usize = 8;

/// The files' implementations, by id: null or a leaked `KBox<Arc<dyn DebugFile>>`.
static FILES: [AtomicPtr<Arc<dyn DebugFile>>; MAX_FILES] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; MAX_FILES];

extern "C" {
    fn ramster_debugfs_create(name: *const c_char, id: c_int, writable: c_int) -> c_int;
    fn ramster_debugfs_remove_all();
}

/// The files of debugfs `ramster/` made through this type; only one `Files` may exist.
pub(crate) struct Files {
    count: usize,
}

impl Files {
    /// No files yet.
    pub(crate) fn new() -> Files {
        Files { count: 0 }
    }

    /// Creates `ramster/<name>`, read and written through `file` (read-only unless `writable`).
    pub(crate) fn create(
        &mut self,
        name: &'static CStr,
        file: Arc<dyn DebugFile>,
        writable: bool,
    ) -> Result {
        let slot = FILES.get(self.count).ok_or(ENOSPC)?;
        let id = c_int::try_from(self.count).map_err(|_| ENOSPC)?;
        let boxed = KBox::into_raw(KBox::new(file, GFP_KERNEL)?);
        let old = slot.swap(boxed, Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: `old` came from `KBox::into_raw` here; the file that used it is gone.
            drop(unsafe { KBox::from_raw(old) });
        }
        self.count = self.count.saturating_add(1);
        // SAFETY: `name` is NUL-terminated and static; the slot for `id` is set above.
        let ret = unsafe { ramster_debugfs_create(name.as_char_ptr(), id, c_int::from(writable)) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(())
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        // SAFETY: removes only what `create` made; debugfs waits for running reads and writes.
        unsafe { ramster_debugfs_remove_all() };
        for slot in FILES.iter() {
            let p = slot.swap(core::ptr::null_mut(), Ordering::AcqRel);
            if !p.is_null() {
                // SAFETY: `p` came from `KBox::into_raw` in `create`; no file uses it any more.
                drop(unsafe { KBox::from_raw(p) });
            }
        }
    }
}

fn with_file<R>(id: c_int, f: impl FnOnce(&dyn DebugFile) -> Result<R>) -> Result<R> {
    let slot = usize::try_from(id)
        .ok()
        .and_then(|i| FILES.get(i))
        .ok_or(EINVAL)?;
    let p = slot.load(Ordering::Acquire);
    // SAFETY: `p` is null or a box leaked by `create`, freed only after the files are removed.
    match unsafe { p.as_ref() } {
        Some(file) => f(&**file),
        None => Err(ENODEV),
    }
}

/// A read of file `id`: writes at most `size` bytes to `page`, returns how many.
#[no_mangle]
extern "C" fn ramster_dbg_show(id: c_int, page: *mut c_char, size: usize) -> isize {
    // SAFETY: the shim passes a page of `size` bytes, ours for this call.
    let buf = unsafe { core::slice::from_raw_parts_mut(page.cast::<u8>(), size) };
    let mut out = BufWriter::new(buf);
    match with_file(id, |file| file.show(&mut out)) {
        Ok(()) => out.written(),
        Err(e) => e.to_errno() as isize,
    }
}

/// A write of `len` bytes at `buf` to file `id`.
#[no_mangle]
extern "C" fn ramster_dbg_store(id: c_int, buf: *const c_char, len: usize) -> isize {
    // SAFETY: the shim passes `len` bytes copied from user space, valid for this call.
    let text = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    match with_file(id, |file| file.store(text)) {
        Ok(()) => 0,
        Err(e) => e.to_errno() as isize,
    }
}
