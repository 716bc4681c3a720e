// SPDX-License-Identifier: GPL-2.0

//! The cluster's own workqueue, for short work (detached sends, pinning node directories); the
//! endless loops are kernel threads ([`super::threads`]). Dropping it waits until every work
//! item has finished.

use kernel::prelude::*;
use kernel::workqueue::Queue;

extern "C" {
    fn ramster_alloc_workqueue(
        name: *const kernel::ffi::c_char,
    ) -> *mut kernel::bindings::workqueue_struct;
    fn ramster_destroy_workqueue(wq: *mut kernel::bindings::workqueue_struct);
}

/// An owned workqueue.
pub(crate) struct OwnedQueue {
    /// From `alloc_workqueue`, destroyed in `drop`.
    raw: core::ptr::NonNull<kernel::bindings::workqueue_struct>,
}

// SAFETY: a workqueue may be used from any thread.
unsafe impl Send for OwnedQueue {}
// SAFETY: as above: queueing work is thread-safe.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// A new workqueue named `name`.
    pub(crate) fn new(name: &'static kernel::str::CStr) -> Result<OwnedQueue> {
        // SAFETY: `name` is a static NUL-terminated string.
        let raw = unsafe { ramster_alloc_workqueue(name.as_char_ptr()) };
        core::ptr::NonNull::new(raw)
            .map(|raw| OwnedQueue { raw })
            .ok_or(ENOMEM)
    }

    /// The queue, to spawn work on.
    pub(crate) fn queue(&self) -> &Queue {
        // SAFETY: `raw` is a live workqueue until `self` is dropped, which outlives the borrow.
        unsafe { Queue::from_raw(self.raw.as_ptr()) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `alloc_workqueue`; this drains and frees it, once.
        unsafe { ramster_destroy_workqueue(self.raw.as_ptr()) };
    }
}
