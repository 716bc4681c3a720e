// SPDX-License-Identifier: GPL-2.0

//! [`Published`]: a value the module publishes to its own threads (the zcache store for RAMster
//! mode, RAMster's runtime for the cluster's handlers and remote gets), read under SRCU.
//!
//! A reader runs inside an SRCU read-side section ([`Published::read`]), in which it may sleep
//! (a remote get waits for its reply); [`Published::unpublish`] clears the pointer and waits for
//! every reader that may have seen it (`synchronize_srcu`), after which the owner may free the
//! value. One `srcu_struct` (`ramster_srcu`, in `shim/zcache.c`) serves every `Published`.

use core::ffi::c_int;
use core::marker::PhantomData;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

extern "C" {
    fn ramster_srcu_read_lock() -> c_int;
    fn ramster_srcu_read_unlock(idx: c_int);
    fn ramster_srcu_synchronize();
}

/// An SRCU read-side section, open while it lives.
struct SrcuReader {
    idx: c_int,
    /// Not `Send`: unlocked by the task that locked (SRCU allows another CPU, not another task's
    /// bookkeeping).
    _not_send: PhantomData<*mut ()>,
}

impl SrcuReader {
    fn new() -> Self {
        // SAFETY: takes the read lock of the module's static `srcu_struct`; `drop` releases it
        // with the index it returned.
        let idx = unsafe { ramster_srcu_read_lock() };
        Self {
            idx,
            _not_send: PhantomData,
        }
    }
}

impl Drop for SrcuReader {
    fn drop(&mut self) {
        // SAFETY: releases the read lock `new` took, with its index.
        unsafe { ramster_srcu_read_unlock(self.idx) };
    }
}

/// A published `&T`, or nothing.
pub(crate) struct Published<T> {
    value: AtomicPtr<T>,
}

impl<T> Published<T> {
    /// Nothing published.
    pub(crate) const fn new() -> Self {
        Self {
            value: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Publishes `value`: [`Published::read`] hands it to readers from now on.
    ///
    /// # Safety
    ///
    /// `value` must stay valid until [`Published::unpublish`] has returned.
    pub(crate) unsafe fn publish(&self, value: &T) {
        self.value
            .store(ptr::from_ref(value).cast_mut(), Ordering::Release);
    }

    /// Runs `f` on the published value inside an SRCU read-side section (`f` may sleep);
    /// `None` if nothing is published.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        let _reader = SrcuReader::new();
        let p = self.value.load(Ordering::Acquire);
        // SAFETY: `p` is null or a value published with `publish`, valid until `unpublish` has
        // returned; `unpublish` clears the pointer and then waits for every read-side section
        // that began before (this one began before the load), so `p` outlives `f`.
        unsafe { p.as_ref() }.map(f)
    }

    /// Stops publishing and waits for every reader that may still use the value. Process
    /// context; the caller must not be a reader.
    pub(crate) fn unpublish(&self) {
        self.value.store(ptr::null_mut(), Ordering::Release);
        // SAFETY: waits for the read-side sections of the module's `srcu_struct`; the caller
        // holds no read lock (this function's contract), so it cannot wait for itself.
        unsafe { ramster_srcu_synchronize() };
    }
}

// SAFETY: readers on any thread get `&T` (needs `T: Sync`); the pointer itself is atomic.
unsafe impl<T: Sync> Sync for Published<T> {}
// SAFETY: as `&T`.
unsafe impl<T: Sync> Send for Published<T> {}
