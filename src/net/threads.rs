// SPDX-License-Identifier: GPL-2.0

//! Kernel threads for the cluster's endless loops: the listener, each connection's receive loop
//! and the ticker (`shim/threads.c`).
//!
//! They used to be work items that never returned; under memory pressure a `WQ_MEM_RECLAIM`
//! queue's rescuer runs one work item at a time, so a second endless one would never run. Short
//! work (detached sends, pinning) stays on the cluster's workqueue.
//!
//! [`OwnedThreads`] is the group, owned by `ClusterNet`: dropping it waits until every thread
//! it started has exited, then frees it. Spawners reach it through a [`Threads`] handle kept in
//! the cluster state, used only under the cluster lock while the state says the cluster runs
//! (the same rule as the workqueue's handle).

use core::ffi::{c_int, c_void};
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::str::CStr;

/// The C group (`struct ramster_threads`), opaque here.
#[repr(C)]
struct RawGroup {
    _opaque: [u8; 0],
}

extern "C" {
    fn ramster_threads_new() -> *mut RawGroup;
    fn ramster_thread_spawn(
        group: *mut RawGroup,
        f: unsafe extern "C" fn(*mut c_void),
        data: *mut c_void,
        name: *const kernel::ffi::c_char,
        unit: c_int,
    ) -> c_int;
    fn ramster_threads_wait(group: *mut RawGroup);
    fn ramster_threads_free(group: *mut RawGroup);
}

/// A group of kernel threads; dropping it waits for all of them to exit.
pub(crate) struct OwnedThreads(NonNull<RawGroup>);

// SAFETY: the group is a counter and a completion, both safe to use from any thread.
unsafe impl Send for OwnedThreads {}
// SAFETY: as above.
unsafe impl Sync for OwnedThreads {}

impl OwnedThreads {
    /// An empty group.
    pub(crate) fn new() -> Result<OwnedThreads> {
        // SAFETY: allocates a group; no preconditions.
        let raw = unsafe { ramster_threads_new() };
        NonNull::new(raw).map(OwnedThreads).ok_or(ENOMEM)
    }

    /// A handle to start threads in this group (see [`Threads::spawn`] for when it may be used).
    pub(crate) fn handle(&self) -> Threads {
        Threads(self.0)
    }
}

impl Drop for OwnedThreads {
    fn drop(&mut self) {
        // SAFETY: the group is live until the free below; no thread is started any more (the
        // owner stopped the cluster first), and every started one completes the group's
        // completion as it exits, so the wait ends; then nothing uses the group.
        unsafe {
            ramster_threads_wait(self.0.as_ptr());
            ramster_threads_free(self.0.as_ptr());
        }
    }
}

/// A handle to an [`OwnedThreads`] group.
#[derive(Clone, Copy)]
pub(crate) struct Threads(NonNull<RawGroup>);

// SAFETY: as `OwnedThreads`.
unsafe impl Send for Threads {}

/// Runs the closure a thread was started with (the thread's body).
///
/// # Safety
///
/// `data` must come from `KBox::into_raw` of a `KBox<F>`, and be passed here once.
unsafe extern "C" fn run<F: FnOnce()>(data: *mut c_void) {
    // SAFETY: `data` is a `KBox<F>` given up by `Threads::spawn` for this one call.
    let f = unsafe { KBox::from_raw(data.cast::<F>()) };
    KBox::into_inner(f)();
}

impl Threads {
    /// Runs `f` on a new kernel thread named `name` (with `/unit` if given). Process context.
    /// Call only while the group's owner is alive and has not begun to drop it: under the
    /// cluster lock, while the cluster state says the cluster runs.
    pub(crate) fn spawn<F: FnOnce() + Send + 'static>(
        self,
        name: &'static CStr,
        unit: Option<u8>,
        f: F,
    ) -> Result {
        let data = KBox::into_raw(KBox::new(f, GFP_KERNEL)?);
        let unit = unit.map_or(-1, c_int::from);
        // SAFETY: the group is live (this function's contract); `run::<F>` takes `data`, a
        // `KBox<F>`, exactly once if the thread starts; `name` is NUL-terminated and static.
        let err = unsafe {
            ramster_thread_spawn(
                self.0.as_ptr(),
                run::<F>,
                data.cast(),
                name.as_char_ptr(),
                unit,
            )
        };
        if err != 0 {
            // SAFETY: no thread started, so `run` never took `data`: it is still ours.
            drop(unsafe { KBox::from_raw(data) });
            return Err(Error::from_errno(err));
        }
        Ok(())
    }
}
