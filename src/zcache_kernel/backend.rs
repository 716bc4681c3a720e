// SPDX-License-Identifier: GPL-2.0

//! The frontswap and cleancache backends over the zcache [`Store`], the shrinker and the debugfs
//! counters: the `extern "C"` functions `shim/zcache.c` calls, and [`Backend`], which registers
//! them at module init and takes them down at unload.
//!
//! - frontswap: one persistent pool for every swap area, keys as [`crate::zcache::swapkey`];
//!   exclusive gets (a load takes the page out of the store, as zswap).
//! - cleancache: one ephemeral pool per filesystem (`init_fs`), destroyed at unmount
//!   (`invalidate_fs`); oid = the 192-bit file key, index = the page index.
//! - Interrupts: cleancache's put hook runs under the interrupt-safe `i_pages` lock, so the
//!   store's locks are only ever taken with local interrupts off, which their lock API does
//!   itself ([`crate::os::SpinLockArray`], `Documentation/tmem.rst`); interrupts are off only
//!   while such a lock is held. Compression and decompression run with preemption off and this
//!   CPU's scratch ([`PreemptOff`]), interrupts on. Nothing under a lock sleeps; frames and index
//!   nodes are allocated with `GFP_NOWAIT | __GFP_NOWARN`.
//! - Walks over a whole pool (destroy at unmount and unload, the unload drain) take each lock
//!   for a bounded batch of pages and reschedule between batches.
//! - Unload: cleancache pages are clean copies, simply dropped. frontswap pages are swap data:
//!   new stores are refused, every held page is written back to its swap device with
//!   `frontswap_writeback(type, offset, true)`, and frontswap is unregistered, which succeeds
//!   only once the backend holds nothing (retried until it does). Then the store is freed.
//! - Errors are `Result`s inside; the C boundary turns them into negative errnos.

use super::codec_bench;
use super::ffi;
use super::frames::PageFrames;
use super::lz4c;
use super::scratch::PerCpuScratch;
use crate::buf_writer::BufWriter;
use crate::os::{cond_resched, Gfp, PreemptOff, PAGE_SIZE};
use crate::params::{Compressor, Config, Mode};
use crate::published::Published;
use crate::ramster_kernel::{RemoteKey, SwapWindow};
use crate::tmem::{NewPoolError, Oid, PageIndex, PoolId, PoolKind, WalkAt};
use crate::zcache::counters::zbud_for_each;
use crate::zcache::remote::knobs::KNOBS;
use crate::zcache::store::{GetMiss, PutRefused, SmallSwapPages, Store};
use crate::zcache::swapkey::{area_oids, swap_entry, swap_key};
use crate::zcache::zbud::ZbudKind;
use core::ffi::{c_char, c_int};
use core::fmt::Write;
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::alloc::{flags, KBox, KVec};
use kernel::error::to_result;
use kernel::prelude::*;

pub(crate) type ZStore = Store<PageFrames>;

/// What the C callbacks reach while the backend is registered.
struct Shared {
    store: ZStore,
    scratch: PerCpuScratch,
    /// frontswap's one persistent pool (`None` with `frontswap=N`).
    swap_pool: Option<PoolId>,
    /// Set at unload: frontswap stores are refused so that draining ends.
    draining: AtomicBool,
}

/// The shared state of the registered backend, published before anything is registered and
/// unpublished (waiting for every reader) only after every hook, the shrinker and debugfs are
/// gone. The hooks, the shrinker, debugfs and RAMster mode's threads reach it only through
/// [`with_shared`], so no reference to it outlives a read-side section.
static SHARED: Published<Shared> = Published::new();

/// Runs `f` on the backend's shared state (`f` may sleep); `None` if there is none.
fn with_shared<R>(f: impl FnOnce(&Shared) -> R) -> Option<R> {
    SHARED.read(f)
}

/// Runs `f` on the registered store (`f` may sleep); `None` if there is none (unloading waits
/// for `f` to return before freeing the store).
pub(crate) fn with_store<R>(f: impl FnOnce(&ZStore) -> R) -> Option<R> {
    with_shared(|shared| f(&shared.store))
}

/// frontswap's pool, if the backend is registered with frontswap.
pub(crate) fn swap_pool() -> Option<PoolId> {
    with_shared(|s| s.swap_pool).flatten()
}

/// Compresses `page` as the store would (its codec, this CPU's scratch) into `out`; returns the
/// compressed size. `ENODEV` without a backend, `E2BIG` if it does not compress or fit.
pub(crate) fn compress_page(page: &[u8; PAGE_SIZE], out: &mut [u8]) -> Result<usize> {
    with_shared(|shared| {
        let preempt = PreemptOff::new();
        shared
            .scratch
            .with(&preempt, |scratch| {
                let zpage = scratch
                    .compress(shared.store.codec(), page)
                    .map_err(|_| E2BIG)?;
                out.get_mut(..zpage.len())
                    .ok_or(E2BIG)?
                    .copy_from_slice(zpage);
                Ok(zpage.len())
            })
            .ok_or(EBUSY)?
    })
    .ok_or(ENODEV)?
}

fn put_errno(refused: PutRefused) -> Error {
    match refused {
        PutRefused::NoPool => ENODEV,
        PutRefused::CompressPoor | PutRefused::MeanCompressPoor => E2BIG,
        PutRefused::NoFrame | PutRefused::NoMemory => ENOMEM,
    }
}

fn get_errno(miss: GetMiss) -> Error {
    match miss {
        GetMiss::NotFound | GetMiss::Remote { .. } => ENOENT,
        GetMiss::Corrupt => EIO,
        GetMiss::OnDevice => enodata(),
    }
}

/// "The swap device holds this page": frontswap then reads the device.
fn enodata() -> Error {
    Error::from_errno(-crate::cluster::errno::ENODATA)
}

fn errno(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

impl Shared {
    /// Stores `page` as (`pool`, `oid`, `index`).
    fn put(&self, pool: PoolId, oid: &Oid, index: PageIndex, page: &[u8; PAGE_SIZE]) -> Result {
        let preempt = PreemptOff::new();
        let put = self.scratch.with(&preempt, |scratch| {
            self.store.put(pool, oid, index, page, scratch)
        });
        match put {
            Some(put) => put.map_err(put_errno),
            None => {
                // No scratch (reentry on this CPU): refuse, and drop the stale copy.
                drop(preempt);
                self.store.flush_page(pool, oid, index);
                Err(EBUSY)
            }
        }
    }

    /// Fills `page` from (`pool`, `oid`, `index`); a page kept on a peer is fetched from there
    /// (this sleeps: the hooks allow it for loads and cleancache gets). With `may_take` false a
    /// persistent page stays stored (see [`Store::get_with`]).
    fn get(
        &self,
        pool: PoolId,
        oid: &Oid,
        index: PageIndex,
        page: &mut [u8; PAGE_SIZE],
        may_take: bool,
    ) -> Result {
        let got = {
            let preempt = PreemptOff::new();
            self.scratch
                .with(&preempt, |scratch| {
                    self.store
                        .get_with(pool, oid, index, page, scratch, may_take)
                })
                .ok_or(EBUSY)?
        };
        let Err(GetMiss::Remote {
            page: remote,
            taken,
        }) = got
        else {
            return got.map_err(get_errno);
        };
        let key = RemoteKey {
            pool,
            oid: *oid,
            index,
            kind: remote.kind,
        };
        // A swap page brings the rest of its readahead window on the same peer along.
        let prefetch = KNOBS.pers_prefetch() && remote.kind == ZbudKind::Persistent;
        let window = swap_entry(oid, index)
            .filter(|_| prefetch && Some(pool) == self.swap_pool)
            .map(|(type_, offset)| SwapWindow {
                store: &self.store,
                pool,
                type_,
                offset,
            });
        let codec = self.store.codec();
        let fetched = crate::ramster_kernel::fetch(&key, &remote, taken, codec, page, window);
        let Err(e) = fetched else {
            return Ok(());
        };
        if taken {
            // The entry has left the index. A peer that answered the `TMEM_GET_AND_FREE` (with a
            // page refused here) has dropped its copy; otherwise it may still keep it (the
            // request never reached it, or its answer was lost): ask it to drop it. Flushes
            // for answered gets would only crowd the outbox, and a full outbox drops flushes.
            if !crate::ramster_kernel::peer_answered(e) {
                self.store.forget_remote_copy(pool, oid, index, remote);
            }
        } else {
            // The index still names the peer: drop the entry (and the peer's copy).
            self.store.flush_page(pool, oid, index);
        }
        match remote.kind {
            // Written to the swap device before it left: let the device serve it.
            ZbudKind::Persistent => Err(enodata()),
            // A clean copy of a file page: a miss.
            ZbudKind::Ephemeral => Err(ENOENT),
        }
    }

    fn flush_page(&self, pool: PoolId, oid: &Oid, index: PageIndex) {
        self.store.flush_page(pool, oid, index);
    }

    fn flush_object(&self, pool: PoolId, oid: &Oid) {
        self.store.flush_object(pool, oid);
    }

    /// A cleancache pool id from the hooks: one of ours, and not frontswap's.
    fn cache_pool(&self, pool: c_int) -> Option<PoolId> {
        let id = PoolId(u16::try_from(pool).ok()?);
        (Some(id) != self.swap_pool).then_some(id)
    }

    /// Writes the held swap pages back to their swap devices in one pass over the pool, a batch
    /// of keys at a time; returns how many went back. A page that could not go back now (being
    /// swapped in or freed) is left for the next pass. Process context, no locks held.
    fn drain_swap(&self) -> u64 {
        const BATCH: usize = 4096;
        let Some(pool) = self.swap_pool else {
            return 0;
        };
        let mut given = 0u64;
        let mut at = Some(WalkAt::START);
        while at.is_some() {
            let Ok(mut keys) = KVec::<(u32, u64)>::with_capacity(BATCH, flags::GFP_KERNEL) else {
                ffi::msleep(10);
                continue;
            };
            while let Some(from) = at.filter(|_| keys.len() < BATCH) {
                at = self.store.walk_pages(pool, from, |oid, index, _| {
                    if keys.len() == BATCH {
                        return false;
                    }
                    if let Some(entry) = swap_entry(oid, index) {
                        // Within capacity: never allocates.
                        let _ = keys.push(entry, flags::GFP_NOWAIT);
                    }
                    true
                });
                cond_resched();
            }
            for &(type_, offset) in keys.iter() {
                // SAFETY: process context, and no lock of this module is held, as
                // `frontswap_writeback()` requires (it calls back into `ramster_zc_fs_load`).
                if unsafe { ffi::ramster_zc_frontswap_writeback(type_, offset) } == 0 {
                    given = given.saturating_add(1);
                }
            }
        }
        given
    }
}

// ---- frontswap --------------------------------------------------------------------------------

fn fs_store(type_: u32, offset: u64, page: &[u8; PAGE_SIZE]) -> Result {
    let (oid, index) = swap_key(type_, offset).ok_or(EINVAL)?;
    with_shared(|shared| {
        let pool = shared.swap_pool.ok_or(ENODEV)?;
        if shared.draining.load(Ordering::Relaxed) {
            shared.flush_page(pool, &oid, index);
            return Err(EBUSY);
        }
        shared.put(pool, &oid, index, page)
    })
    .unwrap_or(Err(ENODEV))
}

/// # Safety
///
/// `src` must be valid for reads of `PAGE_SIZE` bytes for the duration of the call.
#[no_mangle]
unsafe extern "C" fn ramster_zc_fs_store(type_: u32, offset: u64, src: *const u8) -> c_int {
    // SAFETY: the shim passes the page it mapped, readable for a page (this function's
    // contract); nobody writes it during a swap-out.
    let page = unsafe { &*src.cast::<[u8; PAGE_SIZE]>() };
    errno(fs_store(type_, offset, page))
}

/// # Safety
///
/// `dst` must be valid for writes of `PAGE_SIZE` bytes, `exclusive` for a read and a write of a
/// `bool`.
#[no_mangle]
unsafe extern "C" fn ramster_zc_fs_load(
    type_: u32,
    offset: u64,
    dst: *mut u8,
    exclusive: *mut bool,
) -> c_int {
    // SAFETY: the shim passes the mapped, locked page being read, writable for a page and used
    // by nobody else during the load (this function's contract).
    let page = unsafe { &mut *dst.cast::<[u8; PAGE_SIZE]>() };
    // On entry: whether the core lets the load take the page (only into a swap-cache folio).
    // SAFETY: `exclusive` is readable (this function's contract).
    let may_take = unsafe { *exclusive };
    let loaded = with_shared(|shared| {
        let pool = shared.swap_pool.ok_or(ENODEV)?;
        let (oid, index) = swap_key(type_, offset).ok_or(ENOENT)?;
        shared.get(pool, &oid, index, page, may_take)
    })
    .unwrap_or(Err(ENODEV));
    // The store takes persistent pages on a get (exclusive gets) when it may.
    // SAFETY: `exclusive` is writable (this function's contract).
    unsafe { *exclusive = loaded.is_ok() && may_take };
    errno(loaded)
}

#[no_mangle]
extern "C" fn ramster_zc_fs_invalidate_page(type_: u32, offset: u64) {
    let Some((oid, index)) = swap_key(type_, offset) else {
        return;
    };
    with_shared(|shared| {
        if let Some(pool) = shared.swap_pool {
            shared.flush_page(pool, &oid, index);
        }
    });
}

#[no_mangle]
extern "C" fn ramster_zc_fs_invalidate_area(type_: u32) {
    with_shared(|shared| {
        let Some(pool) = shared.swap_pool else { return };
        // One object per lock hold, so interrupts are never off for the whole area.
        for oid in area_oids(type_) {
            shared.flush_object(pool, &oid);
        }
    });
}

// ---- cleancache -------------------------------------------------------------------------------

#[no_mangle]
extern "C" fn ramster_zc_cc_init_fs(pagesize: usize) -> c_int {
    let pool = (|| {
        if pagesize != PAGE_SIZE {
            return Err(EINVAL);
        }
        // May sleep: the hook allows it, and no lock is held here.
        let id = with_shared(|shared| shared.store.new_pool(PoolKind::Ephemeral, Gfp::Kernel))
            .ok_or(ENODEV)?
            .map_err(|e| match e {
                NewPoolError::NoFreeId => ENOSPC,
                NewPoolError::NoMemory => ENOMEM,
            })?;
        Ok(c_int::from(id.0))
    })();
    pool.unwrap_or_else(|e: Error| e.to_errno())
}

/// Reads cleancache's 192-bit file key.
///
/// # Safety
///
/// `oid` must point to three readable `u64`s.
unsafe fn file_oid(oid: *const u64) -> Oid {
    // SAFETY: `oid` points to `struct cleancache_filekey`'s `u64 oid[3]` (this function's
    // contract).
    Oid(unsafe { ptr::read(oid.cast::<[u64; 3]>()) })
}

/// # Safety
///
/// `oid` must point to three `u64`s, `dst` must be valid for writes of `PAGE_SIZE` bytes.
#[no_mangle]
unsafe extern "C" fn ramster_zc_cc_get(
    pool: c_int,
    oid: *const u64,
    index: u64,
    dst: *mut u8,
) -> c_int {
    // SAFETY: the shim passes the file key (this function's contract).
    let oid = unsafe { file_oid(oid) };
    // SAFETY: the shim passes the mapped, locked folio being read, writable for a page.
    let page = unsafe { &mut *dst.cast::<[u8; PAGE_SIZE]>() };
    let index = match PageIndex::try_from(index) {
        Ok(index) => index,
        Err(_) => return ENOENT.to_errno(),
    };
    errno(
        with_shared(|shared| {
            let pool = shared.cache_pool(pool).ok_or(EINVAL)?;
            shared.get(pool, &oid, index, page, true)
        })
        .unwrap_or(Err(ENODEV)),
    )
}

/// # Safety
///
/// `oid` must point to three `u64`s, `src` must be valid for reads of `PAGE_SIZE` bytes.
#[no_mangle]
unsafe extern "C" fn ramster_zc_cc_put(pool: c_int, oid: *const u64, index: u64, src: *const u8) {
    // SAFETY: the shim passes the file key (this function's contract).
    let oid = unsafe { file_oid(oid) };
    // SAFETY: the shim passes the mapped clean folio leaving the page cache, readable for a
    // page; it is not written while its mapping's i_pages lock is held.
    let page = unsafe { &*src.cast::<[u8; PAGE_SIZE]>() };
    // A file too large to index in 32 bits is not cached; no copy of it can exist either.
    let Ok(index) = PageIndex::try_from(index) else {
        return;
    };
    with_shared(|shared| {
        if let Some(pool) = shared.cache_pool(pool) {
            // A refused put is counted by the store (failed_eph_puts) and has dropped any old
            // copy.
            let _ = shared.put(pool, &oid, index, page);
        }
    });
}

/// # Safety
///
/// `oid` must point to three `u64`s.
#[no_mangle]
unsafe extern "C" fn ramster_zc_cc_invalidate_page(pool: c_int, oid: *const u64, index: u64) {
    // SAFETY: the shim passes the file key (this function's contract).
    let oid = unsafe { file_oid(oid) };
    let Ok(index) = PageIndex::try_from(index) else {
        return;
    };
    with_shared(|shared| {
        if let Some(pool) = shared.cache_pool(pool) {
            shared.flush_page(pool, &oid, index);
        }
    });
}

/// # Safety
///
/// `oid` must point to three `u64`s.
#[no_mangle]
unsafe extern "C" fn ramster_zc_cc_invalidate_inode(pool: c_int, oid: *const u64) {
    // SAFETY: the shim passes the file key (this function's contract).
    let oid = unsafe { file_oid(oid) };
    with_shared(|shared| {
        if let Some(pool) = shared.cache_pool(pool) {
            shared.flush_object(pool, &oid);
        }
    });
}

#[no_mangle]
extern "C" fn ramster_zc_cc_invalidate_fs(pool: c_int) {
    with_shared(|shared| {
        if let Some(pool) = shared.cache_pool(pool) {
            // Unmount, process context: the walk reschedules between its batches.
            shared.store.destroy_pool(pool);
        }
    });
}

// ---- shrinker ---------------------------------------------------------------------------------

#[no_mangle]
extern "C" fn ramster_zc_shrink_count() -> core::ffi::c_ulong {
    with_shared(|s| s.store.counters().eph_pageframes.get()).unwrap_or(0) as core::ffi::c_ulong
}

#[no_mangle]
extern "C" fn ramster_zc_shrink_scan(nr: core::ffi::c_ulong) -> core::ffi::c_ulong {
    with_shared(|shared| {
        let mut freed = 0;
        while freed < nr {
            if shared.store.shrink_ephemeral(1) == 0 {
                break;
            }
            freed = freed.saturating_add(1);
        }
        freed
    })
    .unwrap_or(0)
}

// ---- debugfs ----------------------------------------------------------------------------------

/// debugfs folder numbers, as the shim's.
const DIR_ZCACHE: u32 = 0;
const DIR_ZBUD: u32 = 1;

/// Calls `f(name, suffix, value)` for every file of folder `dir`, in a fixed order (the file's
/// id is its position).
fn for_each_counter(shared: &Shared, dir: u32, mut f: impl FnMut(&str, &str, u64)) {
    let store = &shared.store;
    if dir == DIR_ZCACHE {
        store.refresh_counters();
        store.counters().for_each(f);
    } else {
        let (eph, pers) = store.zbud_stats();
        zbud_for_each(&eph, &pers, |prefix, name, value| f(prefix, name, value));
        f("", "shards", store.shard_count() as u64);
    }
}

/// # Safety
///
/// `val` must be valid for a write of a `u64`.
#[no_mangle]
unsafe extern "C" fn ramster_zc_counter(dir: u32, id: u32, val: *mut u64) -> c_int {
    let found = with_shared(|shared| {
        let mut found = None;
        let mut i = 0u32;
        for_each_counter(shared, dir, |_, _, value| {
            if i == id {
                found = Some(value);
            }
            i = i.wrapping_add(1);
        });
        found
    });
    let Some(found) = found else {
        return ENODEV.to_errno();
    };
    match found {
        Some(value) => {
            // SAFETY: `val` is writable (this function's contract).
            unsafe { *val = value };
            0
        }
        None => ENOENT.to_errno(),
    }
}

/// Writes the `mm_stat` line (debugfs `zcache/mm_stat`, sysfs `mm_stat`) to `out`: `ENODEV`
/// without a store, `E2BIG` if `out` is full. Lock-free: it reads the store's counters.
pub(crate) fn write_mm_stat(out: &mut impl Write) -> Result {
    match with_shared(|shared| write!(out, "{}", shared.store.counters().mm_stat())) {
        Some(Ok(())) => Ok(()),
        Some(Err(_)) => Err(E2BIG),
        None => Err(ENODEV),
    }
}

/// # Safety
///
/// `buf` must be valid for writes of `size` bytes.
#[no_mangle]
unsafe extern "C" fn ramster_zc_mm_stat(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: `buf` is writable for `size` bytes (this function's contract).
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
    let mut w = BufWriter::new(buf);
    match write_mm_stat(&mut w) {
        Ok(()) => w.written(),
        Err(e) => e.to_errno() as isize,
    }
}

/// Creates debugfs file `<prefix><name>` in folder `dir`, read as counter `id`.
fn create_counter(dir: u32, prefix: &str, name: &str, id: u32) -> Result {
    let mut buf = [0u8; 64];
    let mut w = BufWriter::new(&mut buf[..63]);
    write!(w, "{prefix}{name}").map_err(|_| EINVAL)?;
    // SAFETY: `buf` holds a NUL-terminated name (at most 63 bytes written into a zeroed 64-byte
    // buffer), which debugfs copies; the folders exist (`ramster_zc_debugfs_create` succeeded).
    to_result(unsafe { ffi::ramster_zc_debugfs_counter(dir, buf.as_ptr().cast(), id) })
}

/// Creates `zcache/` and `zbud/` with one file per counter (and `zcache/mm_stat`), and with
/// `test_only` (`test_messages=Y`) the benchmark `zcache/codec_bench` and the fault injection
/// `zcache/inject_corrupt_gets`.
fn create_debugfs(shared: &Shared, test_only: bool) -> Result {
    // SAFETY: creates the folders; called once, before any counter file.
    to_result(unsafe { ffi::ramster_zc_debugfs_create() })?;
    for dir in [DIR_ZCACHE, DIR_ZBUD] {
        let mut id = 0u32;
        let mut result = Ok(());
        for_each_counter(shared, dir, |prefix, name, _| {
            if result.is_ok() {
                result = create_counter(dir, prefix, name, id);
            }
            id = id.wrapping_add(1);
        });
        result?;
    }
    if !test_only {
        return Ok(());
    }
    codec_bench::create()?;
    super::inject::create()
}

// ---- the backend ------------------------------------------------------------------------------

/// The registered zcache backend; dropping it unregisters everything and frees the store.
pub(crate) struct Backend {
    shared: Option<KBox<Shared>>,
    lz4c: bool,
    debugfs: bool,
    shrinker: bool,
    cleancache: bool,
    frontswap: bool,
}

/// Registers a hook with `register`; `Ok(false)` if the kernel has no such hooks.
fn register_hook(name: &str, register: unsafe extern "C" fn() -> c_int) -> Result<bool> {
    // SAFETY: the shared state is published, so the ops may be called from now on.
    match to_result(unsafe { register() }) {
        Ok(()) => Ok(true),
        Err(e) if e == ENODEV => {
            pr_notice!(
                "zcache: this kernel has no {} hooks; not caching {} pages\n",
                name,
                name
            );
            Ok(false)
        }
        Err(e) => {
            pr_err!(
                "zcache: registering the {} backend failed ({:?})\n",
                name,
                e
            );
            Err(e)
        }
    }
}

impl Backend {
    /// Builds the store and registers the backends `config` asks for.
    pub(crate) fn new(config: &Config) -> Result<Self> {
        let mut backend = Backend {
            shared: None,
            lz4c: false,
            debugfs: false,
            shrinker: false,
            cleancache: false,
            frontswap: false,
        };
        // SAFETY: reads a module parameter and `totalram_pages()`; no preconditions.
        let (percent, ram) = unsafe {
            (
                ffi::ramster_zc_max_pool_percent(),
                ffi::ramster_zc_totalram_pages(),
            )
        };
        let budget = (ram as usize / 100).saturating_mul(percent as usize).max(1);
        // Small swap pages are packed (and in RAMster mode stay here: the remotify worker moves
        // zbud frames, the pages that give the most room back per round trip).
        let small = match config.mode {
            Mode::Ramster => SmallSwapPages::Packed,
            _ => SmallSwapPages::BesideOrPacked,
        };
        let cpus = ffi::nr_cpus();
        let shards = config.zbud_shards_for(cpus);
        let mut store = Store::new_sharded(PageFrames::new(budget), true, shards, Gfp::Kernel)
            .map_err(|_| ENOMEM)?
            .with_small_swap_pages(small);
        if config.compressor == Compressor::Lz4C {
            lz4c::init()?;
            backend.lz4c = true;
            store = store.with_codec(&lz4c::LZ4C);
        }
        codec_bench::set_store_has_lz4c(backend.lz4c);
        let swap_pool = if config.frontswap {
            Some(
                store
                    .new_pool(PoolKind::Persistent, Gfp::Kernel)
                    .map_err(|_| ENOMEM)?,
            )
        } else {
            None
        };
        let shared = KBox::new(
            Shared {
                store,
                scratch: PerCpuScratch::new()?,
                swap_pool,
                draining: AtomicBool::new(false),
            },
            flags::GFP_KERNEL,
        )?;
        // SAFETY: the backend owns `shared` until its `drop`, which unpublishes it before
        // freeing it.
        unsafe { SHARED.publish(&shared) };
        backend.shared = Some(shared);
        if let Some(shared) = backend.shared.as_deref() {
            match create_debugfs(shared, config.test_messages) {
                Ok(()) => backend.debugfs = true,
                Err(e) => {
                    pr_warn!("zcache: no debugfs counters ({:?})\n", e);
                    // SAFETY: removes whatever was created; no reader can be inside yet.
                    unsafe { ffi::ramster_zc_debugfs_remove() };
                }
            }
            pr_info!(
                "zcache: store of at most {} frames ({}% of RAM), {} zbud shards\n",
                shared.store.frames().budget(),
                percent,
                shared.store.shard_count()
            );
        }
        if config.cleancache {
            // SAFETY: the shared state is published; the shrinker may run from now on.
            to_result(unsafe { ffi::ramster_zc_shrinker_register() })?;
            backend.shrinker = true;
            backend.cleancache = register_hook("cleancache", ffi::ramster_zc_register_cleancache)?;
        }
        if config.frontswap {
            backend.frontswap = register_hook("frontswap", ffi::ramster_zc_register_frontswap)?;
        }
        Ok(backend)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if self.debugfs {
            // SAFETY: waits for running readers; none start afterwards.
            unsafe { ffi::ramster_zc_debugfs_remove() };
        }
        if self.shrinker {
            // SAFETY: registered in `new`; waits for running scans.
            unsafe { ffi::ramster_zc_shrinker_unregister() };
        }
        if self.cleancache {
            // SAFETY: registered in `new`; waits for running operations (SRCU). The store's
            // ephemeral pools are freed with it below.
            unsafe { ffi::ramster_zc_unregister_cleancache() };
        }
        if let (true, Some(shared)) = (self.frontswap, self.shared.as_deref()) {
            shared.draining.store(true, Ordering::Relaxed);
            let mut given = 0u64;
            let mut rounds = 0u32;
            loop {
                given = given.saturating_add(shared.drain_swap());
                // SAFETY: process context; stores are refused, so the backend empties.
                if unsafe { ffi::ramster_zc_unregister_frontswap() } == 0 {
                    break;
                }
                rounds = rounds.wrapping_add(1);
                if rounds % 1000 == 0 {
                    pr_warn!("zcache: still holding swap pages at unload, retrying\n");
                }
                ffi::msleep(1);
            }
            pr_info!(
                "zcache: wrote {} swap pages back to their swap devices\n",
                given
            );
        }
        // Nothing calls in any more (RAMster mode's threads are stopped by now); wait for any
        // late reader all the same.
        SHARED.unpublish();
        if let Some(shared) = self.shared.take() {
            // Nothing calls in any more: free every pool's pages, and with them the frames.
            shared.store.destroy_all_pools();
            let live = shared.store.frames().live();
            if live != 0 {
                pr_err!("zcache: {} frames still in use at unload (leaked)\n", live);
            }
        }
        if self.lz4c {
            lz4c::exit();
        }
    }
}
