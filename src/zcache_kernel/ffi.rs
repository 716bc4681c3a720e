// SPDX-License-Identifier: GPL-2.0

//! The C functions of `shim/zcache.c` (prototypes in `shim/zcache_shim.h`), and the small safe
//! functions that wrap the plain ones. Interrupt and preemption control are wrapped once in
//! [`crate::os`] (`IrqsOff`, `PreemptOff`, `cond_resched`); the others where they are used
//! ([`super::frames`], [`super::lz4c`], [`super::backend`]).

use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use kernel::error::{to_result, Result};

/// A `struct page`, only ever behind a pointer (opaque to Rust).
#[repr(C)]
pub(crate) struct RawPage {
    _opaque: [u8; 0],
}

extern "C" {
    pub(crate) fn ramster_zc_max_pool_percent() -> c_uint;
    pub(crate) fn ramster_zc_totalram_pages() -> c_ulong;
    pub(crate) fn ramster_zc_nr_cpus() -> c_uint;
    pub(crate) fn ramster_zc_frame_alloc() -> *mut RawPage;
    pub(crate) fn ramster_zc_frame_free(page: *mut RawPage);
    pub(crate) fn ramster_zc_frame_write(
        page: *mut RawPage,
        offset: usize,
        src: *const c_void,
        len: usize,
    );
    pub(crate) fn ramster_zc_frame_read(
        page: *mut RawPage,
        offset: usize,
        dst: *mut c_void,
        len: usize,
    );
    pub(crate) fn ramster_zc_lz4c_init() -> c_int;
    pub(crate) fn ramster_zc_lz4c_exit();
    pub(crate) fn ramster_zc_lz4c_compress(
        src: *const c_void,
        dst: *mut c_void,
        size: usize,
    ) -> c_int;
    pub(crate) fn ramster_zc_lz4c_decompress(
        src: *const c_void,
        src_size: usize,
        dst: *mut c_void,
        dst_size: usize,
    ) -> c_int;
    pub(crate) fn ramster_zc_debugfs_create() -> c_int;
    pub(crate) fn ramster_zc_debugfs_counter(dir: u32, name: *const c_char, id: u32) -> c_int;
    pub(crate) fn ramster_zc_debugfs_remove();
    pub(crate) fn ramster_zc_shrinker_register() -> c_int;
    pub(crate) fn ramster_zc_shrinker_unregister();
    pub(crate) fn ramster_zc_register_cleancache() -> c_int;
    pub(crate) fn ramster_zc_unregister_cleancache();
    pub(crate) fn ramster_zc_register_frontswap() -> c_int;
    pub(crate) fn ramster_zc_unregister_frontswap() -> c_int;
    pub(crate) fn ramster_zc_frontswap_writeback(type_: u32, offset: u64) -> c_int;
    fn ramster_zc_frontswap_giveback(type_: u32, offset: u64) -> c_int;
    fn ramster_zc_frontswap_copy_to_device(type_: u32, offset: u64) -> c_int;
    fn ramster_zc_available_pages() -> c_ulong;
    pub(crate) fn ramster_zc_msleep(ms: c_uint);
    fn ramster_zc_msleep_idle(ms: c_uint);
    pub(crate) fn ramster_zc_debugfs_codec_bench() -> c_int;
    pub(crate) fn ramster_zc_debugfs_inject() -> c_int;
}

/// The number of possible CPU ids (`nr_cpu_ids`).
pub(crate) fn nr_cpus() -> usize {
    // SAFETY: reads `nr_cpu_ids`; no preconditions.
    unsafe { ramster_zc_nr_cpus() as usize }
}

/// Sleeps for `ms` milliseconds. Process context only, with no spinlock held.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: `msleep` has no preconditions beyond a context that may sleep, which this
    // function's callers promise.
    unsafe { ramster_zc_msleep(ms) };
}

/// Writes the page the backend holds for swap entry (`type_`, `offset`) to the entry's slot on
/// the swap device and waits for the write (`frontswap_copy_to_device`, which loads the page
/// back from the backend, keeping it, under the new swap cache folio's lock); the entry stays the
/// backend's. Process context, no lock of this module held: it calls the backend's load,
/// allocates and sleeps.
pub(crate) fn copy_to_swap_device(type_: u32, offset: u64) -> Result {
    // SAFETY: the caller is in process context without our locks, as
    // `frontswap_copy_to_device` requires (it calls back into `ramster_zc_fs_load`).
    to_result(unsafe { ramster_zc_frontswap_copy_to_device(type_, offset) })
}

/// Gives swap entry (`type_`, `offset`) back to memory: the backend's page is loaded into a
/// dirty swap cache folio (`frontswap_writeback(type, offset, false)`). Process context, no lock
/// of this module held (it calls back into the backend's load).
pub(crate) fn give_back_swap_page(type_: u32, offset: u64) -> Result {
    // SAFETY: no preconditions beyond the context, which the caller provides.
    to_result(unsafe { ramster_zc_frontswap_giveback(type_, offset) })
}

/// Pages the kernel could hand out without swapping (`si_mem_available`).
pub(crate) fn available_pages() -> usize {
    // SAFETY: reads memory statistics; no preconditions.
    unsafe { ramster_zc_available_pages() as usize }
}

/// Pages of RAM (`totalram_pages`).
pub(crate) fn totalram_pages() -> usize {
    // SAFETY: reads a counter; no preconditions.
    unsafe { ramster_zc_totalram_pages() as usize }
}

/// The `max_pool_percent` parameter.
pub(crate) fn max_pool_percent() -> usize {
    // SAFETY: reads a module parameter; no preconditions.
    unsafe { ramster_zc_max_pool_percent() as usize }
}

/// Sleeps about `ms` milliseconds as an idle worker: interruptibly, so that the sleep does not
/// count towards the load average (a workqueue worker gets no signals).
pub(crate) fn idle_sleep(ms: u32) {
    // SAFETY: sleeps; the caller is in process context with no spinlock held.
    unsafe { ramster_zc_msleep_idle(ms) };
}
