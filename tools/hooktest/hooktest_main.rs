// SPDX-License-Identifier: GPL-2.0

//! hooktest: the test backend of the frontswap and cleancache hooks.
//!
//! It keeps an uncompressed copy of every page it is offered, in one page frame per copy, indexed
//! by red-black trees, and counts every operation. It exists to test the hook patch series in
//! `tools/kernel/patches` without the rest of RAMster: the VM scenarios `hooks-*` load it and
//! check its counters and the data it hands back.
//!
//! The C shim (`hooktest_shim.c`) fills the kernel's `struct frontswap_ops` and
//! `struct cleancache_ops` with functions that call the `extern "C"` functions below, declares
//! the module parameters and shows the counters in debugfs (`/sys/kernel/debug/hooktest/`).
//!
//! Locking: one spinlock protects both stores. The cleancache put hook runs with the page cache
//! lock held and interrupts disabled, and that lock is also taken from interrupts, so the store
//! lock is always taken with interrupts disabled ([`with_store`]). Allocations on the store
//! paths are `GFP_NOWAIT` and happen before the lock is taken; nothing sleeps under it.

use core::ffi::{c_int, c_ulong};
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use kernel::page::{Page, PAGE_SIZE};
use kernel::prelude::*;
use kernel::rbtree::{RBTree, RBTreeNode};
use kernel::sync::{new_spinlock, SpinLock};
use kernel::{bindings, c_str};

module! {
    type: HookTest,
    name: "hooktest",
    author: "The RAMster developers",
    description: "Test backend of the frontswap and cleancache hooks (uncompressed copies)",
    license: "GPL",
}

/// A frontswap page: swap area type and offset.
type SwapKey = (u32, u64);

/// A cleancache page: pool id, 192-bit file key, page index.
type CacheKey = (i32, [u64; 3], u64);

/// The copies the backend holds.
struct Store {
    swap: RBTree<SwapKey, Page>,
    swap_pages: u64,
    cache: RBTree<CacheKey, Page>,
    cache_pages: u64,
    next_pool: i32,
}

/// The counters shown in debugfs, in the order of [`COUNTER_NAMES`].
#[derive(Clone, Copy)]
enum Counter {
    FsInits,
    FsStores,
    FsStoresRefused,
    FsLoads,
    FsLoadsExclusive,
    FsLoadMisses,
    FsInvalidates,
    FsInvalidateAreas,
    FsWritebacks,
    FsStoredPages,
    CcPools,
    CcPuts,
    CcPutsRefused,
    CcGets,
    CcGetMisses,
    CcInvalidatePages,
    CcInvalidateInodes,
    CcInvalidateFs,
    CcStoredPages,
}

const COUNTERS: usize = 19;

const COUNTER_NAMES: [&CStr; COUNTERS] = [
    c_str!("fs_inits"),
    c_str!("fs_stores"),
    c_str!("fs_stores_refused"),
    c_str!("fs_loads"),
    c_str!("fs_loads_exclusive"),
    c_str!("fs_load_misses"),
    c_str!("fs_invalidates"),
    c_str!("fs_invalidate_areas"),
    c_str!("fs_writebacks"),
    c_str!("fs_stored_pages"),
    c_str!("cc_pools"),
    c_str!("cc_puts"),
    c_str!("cc_puts_refused"),
    c_str!("cc_gets"),
    c_str!("cc_get_misses"),
    c_str!("cc_invalidate_pages"),
    c_str!("cc_invalidate_inodes"),
    c_str!("cc_invalidate_fs"),
    c_str!("cc_stored_pages"),
];

static COUNTER_VALUES: [AtomicU64; COUNTERS] = [const { AtomicU64::new(0) }; COUNTERS];

fn count(counter: Counter) {
    COUNTER_VALUES[counter as usize].fetch_add(1, Ordering::Relaxed);
}

fn set(counter: Counter, value: u64) {
    COUNTER_VALUES[counter as usize].store(value, Ordering::Relaxed);
}

/// The store of the loaded module; null before init and after exit.
static STORE: AtomicPtr<SpinLock<Store>> = AtomicPtr::new(ptr::null_mut());

/// Set while the module unloads: frontswap stores are refused so that draining ends.
static DRAINING: AtomicBool = AtomicBool::new(false);

extern "C" {
    fn hooktest_irq_save() -> c_ulong;
    fn hooktest_irq_restore(flags: c_ulong);
    fn hooktest_param_exclusive() -> bool;
    fn hooktest_param_max_pages() -> u64;
    fn hooktest_shim_register() -> c_int;
    fn hooktest_shim_unregister_cleancache();
    fn hooktest_shim_unregister_frontswap() -> c_int;
    fn hooktest_shim_remove_debugfs();
    fn frontswap_writeback(type_: u32, offset: u64, to_device: bool) -> c_int;
}

/// Interrupts are disabled on this CPU while it lives.
struct IrqsOff(c_ulong);

impl IrqsOff {
    fn new() -> Self {
        // SAFETY: `hooktest_irq_save` only wraps `local_irq_save`; the flags are restored once,
        // in `drop`.
        IrqsOff(unsafe { hooktest_irq_save() })
    }
}

impl Drop for IrqsOff {
    fn drop(&mut self) {
        // SAFETY: restores the flags saved by `new` on the same CPU: interrupts are off, so the
        // task cannot migrate in between.
        unsafe { hooktest_irq_restore(self.0) };
    }
}

/// Runs `f` on the store with its lock held and interrupts disabled; `None` if not loaded.
fn with_store<R>(f: impl FnOnce(&mut Store) -> R) -> Option<R> {
    let store = STORE.load(Ordering::Acquire);
    if store.is_null() {
        return None;
    }
    let _irqs = IrqsOff::new();
    // SAFETY: `STORE` points into the module's `HookTest`, which clears it before the store is
    // freed, and only after both hooks are unregistered and no operation is running.
    let mut guard = unsafe { &*store }.lock();
    Some(f(&mut guard))
}

fn exclusive() -> bool {
    // SAFETY: reads a module parameter; no preconditions.
    unsafe { hooktest_param_exclusive() }
}

fn max_pages() -> u64 {
    // SAFETY: reads a module parameter; no preconditions.
    unsafe { hooktest_param_max_pages() }
}

/// Copies a page the hook mapped at `src` into a new page frame.
///
/// # Safety
///
/// `src` must be valid for reads of `PAGE_SIZE` bytes.
unsafe fn copy_in(src: *const u8) -> Result<Page> {
    let page = Page::alloc_page(GFP_NOWAIT | __GFP_NOWARN)?;
    // SAFETY: `src` is readable for `PAGE_SIZE` bytes (this function's contract), and the
    // new page is not shared with anyone.
    unsafe { page.write_raw(src, 0, PAGE_SIZE) }?;
    Ok(page)
}

/// Copies a held page out to `dst`.
///
/// # Safety
///
/// `dst` must be valid for writes of `PAGE_SIZE` bytes.
unsafe fn copy_out(page: &Page, dst: *mut u8) -> c_int {
    // SAFETY: `dst` is writable for `PAGE_SIZE` bytes (this function's contract), and it is the
    // hook's page, which cannot overlap a page frame this module owns.
    match unsafe { page.read_raw(dst, 0, PAGE_SIZE) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

// ---- frontswap ---------------------------------------------------------------------------------

#[no_mangle]
extern "C" fn hooktest_fs_init(_type: u32) {
    count(Counter::FsInits);
}

/// # Safety
///
/// `src` must be valid for reads of `PAGE_SIZE` bytes.
#[no_mangle]
unsafe extern "C" fn hooktest_fs_store(type_: u32, offset: u64, src: *const u8) -> c_int {
    let key = (type_, offset);
    let node = if DRAINING.load(Ordering::Relaxed) {
        Err(EBUSY)
    } else {
        // SAFETY: the caller passes a mapped page.
        unsafe { copy_in(src) }.and_then(|page| RBTreeNode::new(key, page, GFP_NOWAIT))
    };
    let limit = max_pages();
    let result = with_store(|store| {
        // A failed store must drop the old copy: the core forgets the offset.
        let old = store.swap.remove_node(&key);
        if old.is_some() {
            store.swap_pages -= 1;
        }
        let ret = match node {
            Ok(node) if store.swap_pages < limit => {
                store.swap.insert(node);
                store.swap_pages += 1;
                0
            }
            Ok(_) => ENOSPC.to_errno(),
            Err(e) => e.to_errno(),
        };
        set(Counter::FsStoredPages, store.swap_pages);
        (ret, old)
    });
    let ret = match result {
        Some((ret, _old)) => ret,
        None => ENODEV.to_errno(),
    };
    count(if ret == 0 {
        Counter::FsStores
    } else {
        Counter::FsStoresRefused
    });
    ret
}

/// # Safety
///
/// `dst` must be valid for writes of `PAGE_SIZE` bytes, `exclusive_io` for a read and a write
/// of a `bool`.
#[no_mangle]
unsafe extern "C" fn hooktest_fs_load(
    type_: u32,
    offset: u64,
    dst: *mut u8,
    exclusive_io: *mut bool,
) -> c_int {
    let key = (type_, offset);
    // SAFETY: `exclusive_io` is readable (this function's contract); on entry it says whether the
    // core lets this load drop the copy (only into a swap-cache folio).
    let take = exclusive() && unsafe { *exclusive_io };
    // SAFETY: `exclusive_io` is writable (this function's contract).
    unsafe { *exclusive_io = false };
    let result = with_store(|store| {
        if take {
            let node = store.swap.remove_node(&key)?;
            store.swap_pages -= 1;
            set(Counter::FsStoredPages, store.swap_pages);
            Some((None, Some(node)))
        } else {
            // SAFETY: `dst` is writable for a page (this function's contract).
            let ret = unsafe { copy_out(store.swap.get(&key)?, dst) };
            Some((Some(ret), None))
        }
    });
    let ret = match result.flatten() {
        Some((Some(ret), _)) => ret,
        Some((None, Some(node))) => {
            // The node left the tree: copy outside the lock, then free it.
            let (_, page) = node.to_key_value();
            // SAFETY: `dst` is writable for a page (this function's contract).
            let ret = unsafe { copy_out(&page, dst) };
            if ret == 0 {
                // SAFETY: `exclusive_io` is writable (this function's contract).
                unsafe { *exclusive_io = true };
                count(Counter::FsLoadsExclusive);
            }
            ret
        }
        _ => {
            count(Counter::FsLoadMisses);
            return ENOENT.to_errno();
        }
    };
    count(Counter::FsLoads);
    ret
}

#[no_mangle]
extern "C" fn hooktest_fs_invalidate_page(type_: u32, offset: u64) {
    let old = with_store(|store| {
        let old = store.swap.remove_node(&(type_, offset));
        if old.is_some() {
            store.swap_pages -= 1;
            set(Counter::FsStoredPages, store.swap_pages);
        }
        old
    });
    if matches!(old, Some(Some(_))) {
        count(Counter::FsInvalidates);
    }
}

#[no_mangle]
extern "C" fn hooktest_fs_invalidate_area(type_: u32) {
    count(Counter::FsInvalidateAreas);
    // One page at a time, so that interrupts are not off for the whole area.
    while let Some(Some(_node)) = with_store(|store| {
        let key = store
            .swap
            .cursor_lower_bound(&(type_, 0))
            .and_then(|cursor| {
                let (key, _) = cursor.current();
                (key.0 == type_).then_some(*key)
            })?;
        let node = store.swap.remove_node(&key);
        store.swap_pages -= 1;
        set(Counter::FsStoredPages, store.swap_pages);
        node
    }) {}
}

/// Gives every held swap page back with `frontswap_writeback()`; returns how many.
///
/// Must be called in process context without locks held.
fn drain(to_device: bool) -> u64 {
    let mut given = 0;
    let mut from = (0u32, 0u64);
    loop {
        let next = with_store(|store| {
            store
                .swap
                .cursor_lower_bound(&from)
                .map(|cursor| *cursor.current().0)
        });
        let Some(Some(key)) = next else {
            return given;
        };
        // SAFETY: process context, and this module holds none of its locks here, as
        // `frontswap_writeback()` requires; it calls back into `hooktest_fs_load`.
        let ret = unsafe { frontswap_writeback(key.0, key.1, to_device) };
        if ret == 0 {
            given += 1;
            count(Counter::FsWritebacks);
        }
        from = match key.1.checked_add(1) {
            Some(offset) => (key.0, offset),
            None => match key.0.checked_add(1) {
                Some(type_) => (type_, 0),
                None => return given,
            },
        };
    }
}

/// Writing 1 (to the swap device) or 2 (to memory) to debugfs `drain` calls this.
#[no_mangle]
extern "C" fn hooktest_fs_drain(to_device: bool) -> u64 {
    drain(to_device)
}

// ---- cleancache --------------------------------------------------------------------------------

#[no_mangle]
extern "C" fn hooktest_cc_init_fs(pagesize: usize) -> c_int {
    if pagesize != PAGE_SIZE {
        return EINVAL.to_errno();
    }
    let pool = with_store(|store| {
        let pool = store.next_pool;
        store.next_pool = pool.checked_add(1)?;
        Some(pool)
    });
    match pool.flatten() {
        Some(pool) => {
            count(Counter::CcPools);
            pool
        }
        None => ENOSPC.to_errno(),
    }
}

/// Reads the 192-bit file key.
///
/// # Safety
///
/// `key` must point to three readable `u64`s.
unsafe fn file_key(key: *const u64) -> [u64; 3] {
    // SAFETY: `key` points to three `u64`s (this function's contract).
    unsafe { ptr::read(key.cast::<[u64; 3]>()) }
}

/// # Safety
///
/// `key` must point to three `u64`s, `dst` must be valid for writes of `PAGE_SIZE` bytes.
#[no_mangle]
unsafe extern "C" fn hooktest_cc_get(
    pool: i32,
    key: *const u64,
    index: u64,
    dst: *mut u8,
) -> c_int {
    // SAFETY: the caller passes a file key.
    let key = (pool, unsafe { file_key(key) }, index);
    let take = exclusive();
    let result = with_store(|store| {
        if take {
            let node = store.cache.remove_node(&key)?;
            store.cache_pages -= 1;
            set(Counter::CcStoredPages, store.cache_pages);
            Some((None, Some(node)))
        } else {
            // SAFETY: `dst` is writable for a page (this function's contract).
            let ret = unsafe { copy_out(store.cache.get(&key)?, dst) };
            Some((Some(ret), None))
        }
    });
    let ret = match result.flatten() {
        Some((Some(ret), _)) => ret,
        Some((None, Some(node))) => {
            let (_, page) = node.to_key_value();
            // SAFETY: `dst` is writable for a page (this function's contract).
            unsafe { copy_out(&page, dst) }
        }
        _ => ENOENT.to_errno(),
    };
    count(if ret == 0 {
        Counter::CcGets
    } else {
        Counter::CcGetMisses
    });
    ret
}

/// # Safety
///
/// `key` must point to three `u64`s, `src` must be valid for reads of `PAGE_SIZE` bytes.
#[no_mangle]
unsafe extern "C" fn hooktest_cc_put(pool: i32, key: *const u64, index: u64, src: *const u8) {
    // SAFETY: the caller passes a file key.
    let key = (pool, unsafe { file_key(key) }, index);
    // SAFETY: the caller passes a mapped page.
    let node = unsafe { copy_in(src) }.and_then(|page| RBTreeNode::new(key, page, GFP_NOWAIT));
    let limit = max_pages();
    let stored = with_store(|store| {
        // Put-put-get coherency: a put that is not kept still drops the older copy.
        let old = store.cache.remove_node(&key);
        if old.is_some() {
            store.cache_pages -= 1;
        }
        let stored = match node {
            Ok(node) if store.cache_pages < limit => {
                store.cache.insert(node);
                store.cache_pages += 1;
                true
            }
            _ => false,
        };
        set(Counter::CcStoredPages, store.cache_pages);
        (stored, old)
    });
    count(match stored {
        Some((true, _old)) => Counter::CcPuts,
        _ => Counter::CcPutsRefused,
    });
}

/// # Safety
///
/// `key` must point to three `u64`s.
#[no_mangle]
unsafe extern "C" fn hooktest_cc_invalidate_page(pool: i32, key: *const u64, index: u64) {
    // SAFETY: the caller passes a file key.
    let key = (pool, unsafe { file_key(key) }, index);
    count(Counter::CcInvalidatePages);
    let _old = with_store(|store| {
        let old = store.cache.remove_node(&key);
        if old.is_some() {
            store.cache_pages -= 1;
            set(Counter::CcStoredPages, store.cache_pages);
        }
        old
    });
}

/// Drops every page whose key starts at `from` and satisfies `within`, one page per lock hold.
fn drop_cache_range(from: CacheKey, within: impl Fn(&CacheKey) -> bool) {
    while let Some(Some(_node)) = with_store(|store| {
        let key = store.cache.cursor_lower_bound(&from).and_then(|cursor| {
            let (key, _) = cursor.current();
            within(key).then_some(*key)
        })?;
        let node = store.cache.remove_node(&key);
        store.cache_pages -= 1;
        set(Counter::CcStoredPages, store.cache_pages);
        node
    }) {}
}

/// # Safety
///
/// `key` must point to three `u64`s.
#[no_mangle]
unsafe extern "C" fn hooktest_cc_invalidate_inode(pool: i32, key: *const u64) {
    // SAFETY: the caller passes a file key.
    let oid = unsafe { file_key(key) };
    count(Counter::CcInvalidateInodes);
    drop_cache_range((pool, oid, 0), |key| key.0 == pool && key.1 == oid);
}

#[no_mangle]
extern "C" fn hooktest_cc_invalidate_fs(pool: i32) {
    count(Counter::CcInvalidateFs);
    drop_cache_range((pool, [0; 3], 0), |key| key.0 == pool);
}

// ---- counters ----------------------------------------------------------------------------------

#[no_mangle]
extern "C" fn hooktest_counter_count() -> u32 {
    COUNTERS as u32
}

/// The name of counter `index`, or null.
#[no_mangle]
extern "C" fn hooktest_counter_name(index: u32) -> *const u8 {
    COUNTER_NAMES
        .get(index as usize)
        .map_or(ptr::null(), |name| name.as_char_ptr())
}

#[no_mangle]
extern "C" fn hooktest_counter_value(index: u32) -> u64 {
    COUNTER_VALUES
        .get(index as usize)
        .map_or(0, |value| value.load(Ordering::Relaxed))
}

// ---- module ------------------------------------------------------------------------------------

/// The loaded module: owns the store that `STORE` points to.
struct HookTest {
    _store: Pin<KBox<SpinLock<Store>>>,
}

impl kernel::Module for HookTest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let store = KBox::pin_init(
            new_spinlock!(
                Store {
                    swap: RBTree::new(),
                    swap_pages: 0,
                    cache: RBTree::new(),
                    cache_pages: 0,
                    next_pool: 0,
                },
                "hooktest_store"
            ),
            GFP_KERNEL,
        )?;
        DRAINING.store(false, Ordering::Relaxed);
        let raw: *const SpinLock<Store> = &*store;
        STORE.store(raw.cast_mut(), Ordering::Release);
        // SAFETY: the store is published; the shim registers the hooks and debugfs.
        let ret = unsafe { hooktest_shim_register() };
        if ret != 0 {
            STORE.store(ptr::null_mut(), Ordering::Release);
            return Err(Error::from_errno(ret));
        }
        pr_info!(
            "loaded (max_pages={}, exclusive={})\n",
            max_pages(),
            exclusive()
        );
        Ok(HookTest { _store: store })
    }
}

impl Drop for HookTest {
    fn drop(&mut self) {
        // SAFETY: called once, after a successful `hooktest_shim_register`.
        unsafe {
            hooktest_shim_remove_debugfs();
            hooktest_shim_unregister_cleancache();
        }
        // Frontswap pages are swap data: give them all back before going away.
        DRAINING.store(true, Ordering::Relaxed);
        let mut given = 0;
        let mut rounds = 0u32;
        loop {
            given += drain(true);
            // SAFETY: process context; stores are refused, so the backend empties.
            let ret = unsafe { hooktest_shim_unregister_frontswap() };
            if ret == 0 {
                break;
            }
            rounds = rounds.wrapping_add(1);
            if rounds % 1000 == 0 {
                pr_warn!("still holding swap pages, retrying ({})\n", ret);
            }
            // SAFETY: process context.
            unsafe { bindings::msleep(1) };
        }
        STORE.store(ptr::null_mut(), Ordering::Release);
        pr_info!(
            "unloaded: gave back {} swap pages, dropped {} cache pages\n",
            given,
            COUNTER_VALUES[Counter::CcStoredPages as usize].load(Ordering::Relaxed)
        );
    }
}
