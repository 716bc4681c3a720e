// SPDX-License-Identifier: GPL-2.0

//! The zcache store: tmem's index, zbud's frames, compression and the policy, put together into
//! the operations the cleancache and frontswap backends call (put, get, flush, pools, shrink).
//!
//! A page's descriptor ([`ZDesc`]) is "zero-filled", a zbud handle with its kind, or a packed
//! handle. The flow of a put: zero-filled pages need nothing more; others are compressed into the
//! caller's [`Scratch`], judged by the policy, stored (a small persistent zpage in zbud or a
//! packed frame as [`SmallSwapPages`] says; any other in the zbud of its kind),
//! evicting ephemeral frames when no frame is left (`eph_ate_tail` for an ephemeral put,
//! `pers_ate_eph` for a persistent one), and only then entered into tmem. A refused put flushes
//! the key's old page, so a stale copy never survives a failed put. A get decompresses with no
//! lock held: a page that stays (persistent pool) has its compressed bytes copied into the
//! caller's scratch under the bucket lock, a taken one has left the index.
//!
//! Locks: a tmem bucket lock, then one shard's zbud lock of the page's kind or its packed
//! frames' lock ([`super::shards`]), never the other way round. A put stores into the home shard
//! its [`Scratch`] names (the CPU in the module); a handle names its shard, so every other
//! operation finds the page's shard from its descriptor. Eviction takes one shard's ephemeral
//! zbud lock alone to pick its victim, drops it, and flushes the victim's pages through tmem
//! with `flush_page_if`. Nothing sleeps: every allocation here uses [`Gfp::NoWait`].
//!
//! RAMster (`zcache/remote/`) adds five descriptors: a page being copied to a peer
//! ([`ZDesc::Leaving`], still local), a page on a peer ([`ZDesc::Remote`]), a page on a peer
//! that a prefetch is fetching back ([`ZDesc::Fetching`], otherwise treated as `Remote`), a page
//! a prefetch brought back ([`ZDesc::Prefetched`], otherwise treated as the local page it wraps)
//! and a persistent page whose peer died after it had been written to the swap device
//! ([`ZDesc::OnDevice`]). A get that finds a remote page or an `OnDevice` one answers
//! [`GetMiss::Remote`] or [`GetMiss::OnDevice`]: the caller fetches the page from the peer, or
//! lets the swap device serve it. A remote page that leaves the index (flush, replacing put)
//! queues a flush for its peer in the [`Outbox`].

use super::compress::{CompressTable, Incompressible, Lz4Flex, PageCodec, COMPRESS_BOUND};
use super::counters::{Counters, Level};
use super::frames::FrameSource;
use super::full::FullStore;
use super::packed::{PackedError, PackedHandle, PackedStats, MAX_PACKED_SIZE};
use super::policy::{judge, Verdict};
use super::remote::counters::{NodePages, RamsterCounters, NODE_PAGES, RAMSTER_COUNTERS};
use super::remote::outbox::{Outbox, RemoteFlush};
use super::shards::{PackedGuard, ShardAuditError, Shards, ZbudGuard};
use super::zbud::{ZbudError, ZbudHandle, ZbudKind, ZbudStats};
use super::zero::is_zero_filled;
use crate::cluster::node_num::NodeNum;
use crate::os::{AllocError, Gfp, Step, PAGE_SIZE};
use crate::tmem::{
    Client, ClientId, GetMode, Got, NewPoolError, Oid, PageIndex, Pool, PoolId, PoolKind, WalkAt,
};
use core::sync::atomic::{AtomicUsize, Ordering};

/// How zcache stores one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZDesc {
    /// All zeroes: nothing stored.
    Zero,
    /// A zpage in the zbud of its kind.
    Zbud(ZbudKind, ZbudHandle),
    /// A small persistent zpage in a packed frame (never evicted, never remotified).
    Packed(PackedHandle),
    /// A zpage in the zbud of its kind that the remotify worker is copying to a peer; read like
    /// [`ZDesc::Zbud`] until the copy is committed.
    Leaving(ZbudKind, ZbudHandle),
    /// A page kept on a peer.
    Remote(RemotePage),
    /// A page kept on a peer that a prefetch is fetching back ([`super::remote::prefetch`]):
    /// a get, flush or put treats it as [`ZDesc::Remote`], and the prefetch stores its copy here
    /// only if the descriptor is still this one.
    Fetching(RemotePage),
    /// A page a prefetch brought back from a peer, held here as the wrapped descriptor says;
    /// a get of it counts a prefetch hit.
    Prefetched(LocalPage),
    /// A persistent page whose peer copy was lost; the swap device holds it.
    OnDevice,
}

impl ZDesc {
    /// The zbud kind and handle of a page held here.
    pub fn local(&self) -> Option<(ZbudKind, ZbudHandle)> {
        match *self {
            ZDesc::Zbud(kind, handle)
            | ZDesc::Leaving(kind, handle)
            | ZDesc::Prefetched(LocalPage::Zbud(kind, handle)) => Some((kind, handle)),
            _ => None,
        }
    }
}

/// A zpage held here, as a [`ZDesc::Prefetched`] page is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalPage {
    /// In the zbud of its kind.
    Zbud(ZbudKind, ZbudHandle),
    /// In a packed frame.
    Packed(PackedHandle),
}

impl LocalPage {
    /// The page as a plain local descriptor; `None` for a descriptor of no page held here.
    pub fn of(desc: ZDesc) -> Option<Self> {
        match desc {
            ZDesc::Zbud(kind, handle) => Some(LocalPage::Zbud(kind, handle)),
            ZDesc::Packed(handle) => Some(LocalPage::Packed(handle)),
            _ => None,
        }
    }

    /// The plain local descriptor of the page.
    pub fn desc(self) -> ZDesc {
        match self {
            LocalPage::Zbud(kind, handle) => ZDesc::Zbud(kind, handle),
            LocalPage::Packed(handle) => ZDesc::Packed(handle),
        }
    }
}

/// Where a remote page is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemotePage {
    /// The peer that keeps it.
    pub node: NodeNum,
    /// Its kind (that of its pool).
    pub kind: ZbudKind,
    /// The owner's tag of what was sent ([`super::remote::page_tag`]): a get checks the reply
    /// against it.
    pub tag: super::remote::page_tag::PageTag,
}

/// Whose zpage a zbud buddy is: what eviction flushes from tmem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The page's pool.
    pub pool: PoolId,
    /// The page's object.
    pub oid: Oid,
    /// The page's index.
    pub index: PageIndex,
}

/// Per-caller working memory for compression: the lz4 hash table (8 KiB) and the output buffer.
/// Keep it off the stack: one per CPU (under a lock or with preemption off) in the module, in a
/// box on the host.
pub struct Scratch {
    table: CompressTable,
    zpage: [u8; COMPRESS_BOUND],
    /// The shard hint of its owner: puts through this scratch store into shard
    /// `home % shards` (the module sets each CPU's scratch to its CPU number).
    home: usize,
}

impl Scratch {
    /// Fresh working memory (about 12.5 KiB: build it in place, e.g. in a static). Inline, so
    /// that the module emits no function that would build it on a kernel stack (it only uses
    /// it to initialise a static).
    #[inline]
    pub const fn new() -> Self {
        Self {
            table: CompressTable::small(),
            zpage: [0; COMPRESS_BOUND],
            home: 0,
        }
    }

    /// Makes `home` this scratch's shard hint: puts through it store into shard
    /// `home % shards` of the store (see [`super::shards`]).
    pub fn set_home(&mut self, home: usize) {
        self.home = home;
    }

    /// This scratch's shard hint.
    pub fn home(&self) -> usize {
        self.home
    }

    /// Compresses `page` with `codec` into this scratch; returns the compressed bytes.
    pub fn compress(
        &mut self,
        codec: &dyn PageCodec,
        page: &[u8; PAGE_SIZE],
    ) -> Result<&[u8], Incompressible> {
        let size = codec.compress(page, &mut self.zpage, &mut self.table)?;
        self.zpage.get(..size).ok_or(Incompressible)
    }
}

impl Default for Scratch {
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

/// Why a put was refused. The key's old page (if any) has been flushed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutRefused {
    /// No such live pool.
    NoPool,
    /// Compressed to over 7/8 of a page.
    CompressPoor,
    /// Compressed to over 5/8 while the stored mean is over 5/8.
    MeanCompressPoor,
    /// No frame, and no ephemeral frame to evict.
    NoFrame,
    /// A record or index node could not be allocated.
    NoMemory,
}

/// Why a get found no page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetMiss {
    /// Not stored (never put, flushed, taken, or evicted).
    NotFound,
    /// Stored, but it did not decompress to a page; the get fails and the page is dropped.
    Corrupt,
    /// Kept on a peer: fetch it from there. If `taken`, the page has left the index (ask the
    /// peer to free its copy too).
    Remote {
        /// Where.
        page: RemotePage,
        /// Whether the page left the index.
        taken: bool,
    },
    /// Its peer died; the swap device holds the page (the entry has left the index).
    OnDevice,
}

/// Where a store keeps persistent zpages of up to [`MAX_PACKED_SIZE`] bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmallSwapPages {
    /// In zbud like any other: two to a frame at most.
    Zbud,
    /// Beside a lone zbud buddy they fit with, else in a packed frame: the densest (zcache mode).
    BesideOrPacked,
    /// Always in a packed frame, so that zbud frames hold only larger pages: those are what the
    /// remotify worker moves, and a small page riding along with a large one is often fetched
    /// straight back (RAMster mode). Packed zpages never leave for a peer.
    Packed,
}

/// How many ephemeral frames one put may evict before it gives up.
const EVICTIONS_PER_PUT: usize = 2;

/// How many remote flushes the outbox holds at first (it grows with the remote pages: see
/// [`Outbox`]).
pub const OUTBOX_CAPACITY: usize = 512;

/// The zcache store over frames from `S`.
pub struct Store<S: FrameSource> {
    frames: S,
    client: Client<ZDesc>,
    shards: Shards<S>,
    small_swap_pages: SmallSwapPages,
    exclusive_gets: bool,
    codec: &'static dyn PageCodec,
    counters: Counters,
    outbox: Outbox,
    /// Pages of this store kept on peers (each may yet queue one flush).
    remote_pages: Level,
    remote: &'static RamsterCounters,
    node_pages: &'static NodePages,
    /// Fault injection: this many more gets of a compressed page find it corrupt.
    corrupt_gets: AtomicUsize,
    /// Swap pages are refused before compressing while this says the store is full.
    full: FullStore,
}

impl<S: FrameSource> Store<S> {
    /// A store for the local client with one shard (one lock per kind of zbud). With
    /// `exclusive_gets`, a get from a persistent pool takes the page (frontswap's exclusive
    /// gets). Allocates the locks with `gfp`.
    pub fn new(frames: S, exclusive_gets: bool, gfp: Gfp) -> Result<Self, AllocError> {
        Self::new_sharded(frames, exclusive_gets, 1, gfp)
    }

    /// [`Store::new`] with its frames in `shards` shards (1 to
    /// [`MAX_SHARDS`](super::shards::MAX_SHARDS), clamped), each with its own locks.
    pub fn new_sharded(
        frames: S,
        exclusive_gets: bool,
        shards: usize,
        gfp: Gfp,
    ) -> Result<Self, AllocError> {
        Ok(Self {
            frames,
            client: Client::new(ClientId::LOCAL),
            shards: Shards::new(shards, gfp)?,
            small_swap_pages: SmallSwapPages::Zbud,
            exclusive_gets,
            codec: &Lz4Flex,
            counters: Counters::new(),
            outbox: Outbox::new(OUTBOX_CAPACITY, gfp)?,
            remote_pages: Level::new(),
            remote: &RAMSTER_COUNTERS,
            node_pages: &NODE_PAGES,
            corrupt_gets: AtomicUsize::new(0),
            full: FullStore::new(),
        })
    }

    /// Fault injection (debugfs `zcache/inject_corrupt_gets`): the next `n` gets of a page kept
    /// compressed here find it corrupt, as a page whose bytes went bad would be (the page is
    /// dropped and the get fails with [`GetMiss::Corrupt`]).
    pub fn inject_corrupt_gets(&self, n: usize) {
        self.corrupt_gets.store(n, Ordering::Relaxed);
    }

    /// How many injected corrupt gets are still to come.
    pub fn corrupt_gets_pending(&self) -> usize {
        self.corrupt_gets.load(Ordering::Relaxed)
    }

    /// The same store counting its remote pages in `remote` and `node_pages` instead of the
    /// module's `ramster/` counters (for tests, which run side by side).
    pub fn with_remote_counters(
        self,
        remote: &'static RamsterCounters,
        node_pages: &'static NodePages,
    ) -> Self {
        Self {
            remote,
            node_pages,
            ..self
        }
    }

    /// The remote flushes waiting to be sent.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The `ramster/` counters this store updates.
    pub fn remote_counters(&self) -> &'static RamsterCounters {
        self.remote
    }

    /// The same store keeping persistent zpages of up to [`MAX_PACKED_SIZE`] bytes where
    /// `small` says (the default is [`SmallSwapPages::Zbud`]).
    pub fn with_small_swap_pages(self, small: SmallSwapPages) -> Self {
        Self {
            small_swap_pages: small,
            ..self
        }
    }

    /// The same store compressing with `codec` instead of lz4_flex. Set it before the first put:
    /// pages stored by one codec are read back by the same one.
    pub fn with_codec(self, codec: &'static dyn PageCodec) -> Self {
        Self { codec, ..self }
    }

    /// The counters (`zcache/` in debugfs). Call [`Store::refresh_counters`] first for fresh
    /// object and index-node counts.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The frame source.
    pub fn frames(&self) -> &S {
        &self.frames
    }

    /// The ephemeral and persistent zbuds' statistics, every shard's added up (`zbud/` in
    /// debugfs). One lock hold per shard and kind.
    pub fn zbud_stats(&self) -> (ZbudStats, ZbudStats) {
        (
            self.shards.zbud_stats(ZbudKind::Ephemeral),
            self.shards.zbud_stats(ZbudKind::Persistent),
        )
    }

    /// The packed frames' statistics, every shard's added up.
    pub fn packed_stats(&self) -> PackedStats {
        self.shards.packed_stats()
    }

    /// How many shards the store's frames are in (debugfs `zbud/shards`).
    pub fn shard_count(&self) -> usize {
        self.shards.count()
    }

    /// Checks every shard (its zbuds' and packed frames' own audits), that the counters equal
    /// the shards' statistics added up and that the frame source holds exactly the shards'
    /// frames. For tests and debugging: it walks every record, a shard's lock at a time.
    pub fn audit(&self) -> Result<(), StoreAuditError> {
        self.shards.audit().map_err(StoreAuditError::Shard)?;
        let (eph, pers) = self.zbud_stats();
        let packed = self.packed_stats();
        let c = &self.counters;
        let levels = [
            (c.eph_zpages.get(), eph.zpages),
            (c.eph_zbytes.get(), eph.zbytes),
            (c.eph_pageframes.get(), eph.pageframes),
            (c.pers_zpages.get(), pers.zpages),
            (c.pers_zbytes.get(), pers.zbytes),
            (c.pers_pageframes.get(), pers.pageframes),
            (c.packed_zpages.get(), packed.zpages),
            (c.packed_zbytes.get(), packed.zbytes),
            (c.packed_pageframes.get(), packed.pageframes),
        ];
        if levels.iter().any(|(counted, held)| counted != held) {
            return Err(StoreAuditError::Counters);
        }
        Ok(())
    }

    /// Recounts objects and index nodes over all pools into `obj_count` and `objnode_count`.
    pub fn refresh_counters(&self) {
        let (mut objects, mut pages) = (0u64, 0u64);
        for (_, pool) in self.client.pools() {
            objects = objects.saturating_add(pool.object_count() as u64);
            pages = pages.saturating_add(pool.page_count() as u64);
        }
        self.counters.obj_count.set(objects);
        self.counters.objnode_count.set(pages);
    }

    /// Creates a pool (`init_fs` of cleancache: ephemeral; `init` of frontswap: persistent). May
    /// sleep if `gfp` allows.
    pub fn new_pool(&self, kind: PoolKind, gfp: Gfp) -> Result<PoolId, NewPoolError> {
        self.client.new_pool(kind, gfp)
    }

    /// Destroys a pool and frees all its pages; returns how many, or `None` for no such pool.
    /// Peers that keep pages of it are asked to destroy it too.
    pub fn destroy_pool(&self, id: PoolId) -> Option<usize> {
        let kind = zbud_kind(self.live_pool(id)?.1);
        let mut peers = NodeSet::new();
        let flushed = self.client.destroy_pool(id, |desc| {
            peers.note(&desc);
            self.release(desc);
        });
        self.queue_flushes(&peers, |node| RemoteFlush::Pool {
            node,
            pool: id,
            kind,
        });
        flushed
    }

    /// Asks every peer in `peers` to drop what `flush(peer)` names (an object or a pool).
    fn queue_flushes(&self, peers: &NodeSet, flush: impl Fn(NodeNum) -> RemoteFlush) {
        for node in peers.iter() {
            self.outbox
                .push_or_count(flush(node), &self.remote.remote_object_flushes_failed);
        }
    }

    /// Takes the lock of shard `shard`'s zbud of `kind`.
    pub(crate) fn zbud_at(&self, kind: ZbudKind, shard: usize) -> ZbudGuard<'_, S> {
        self.shards.zbud(kind, shard)
    }

    /// Takes the lock of the zbud that holds `handle` of `kind`.
    pub(crate) fn zbud_of(&self, kind: ZbudKind, handle: ZbudHandle) -> ZbudGuard<'_, S> {
        self.shards.zbud(kind, handle.shard())
    }

    fn packed_of(&self, handle: PackedHandle) -> PackedGuard<'_, S> {
        self.shards.packed(handle.shard())
    }

    /// Adds what one shard's zbud of `kind` changed (its statistics `before` and `after` an
    /// operation, under its lock) to the store's counters, which add up every shard.
    pub(crate) fn publish(&self, kind: ZbudKind, before: &ZbudStats, after: &ZbudStats) {
        let c = &self.counters;
        let (zpages, zbytes, frames): (&Level, &Level, &Level) = match kind {
            ZbudKind::Ephemeral => (&c.eph_zpages, &c.eph_zbytes, &c.eph_pageframes),
            ZbudKind::Persistent => (&c.pers_zpages, &c.pers_zbytes, &c.pers_pageframes),
        };
        shift(zpages, before.zpages, after.zpages);
        shift(zbytes, before.zbytes, after.zbytes);
        shift(frames, before.pageframes, after.pageframes);
    }

    /// The same for one shard's packed frames.
    fn publish_packed(&self, before: &PackedStats, after: &PackedStats) {
        let c = &self.counters;
        shift(&c.packed_zpages, before.zpages, after.zpages);
        shift(&c.packed_zbytes, before.zbytes, after.zbytes);
        shift(&c.packed_pageframes, before.pageframes, after.pageframes);
    }

    /// Frees what `desc` holds here; a remote page is only counted out (see
    /// [`Store::release_at`]).
    pub(crate) fn release(&self, desc: ZDesc) {
        match desc {
            ZDesc::Zero => self.counters.zero_filled_pages.dec(),
            ZDesc::Zbud(kind, handle) | ZDesc::Leaving(kind, handle) => {
                let mut zbud = self.zbud_of(kind, handle);
                let before = zbud.stats();
                // A handle from tmem is always live; an error would be a bug, and freeing nothing
                // is the safe answer to it.
                let _ = zbud.free(&self.frames, handle);
                self.publish(kind, &before, &zbud.stats());
            }
            ZDesc::Packed(handle) => {
                let mut packed = self.packed_of(handle);
                let before = packed.stats();
                // As above: freeing nothing is the answer to a bug.
                let _ = packed.free(&self.frames, handle);
                self.publish_packed(&before, &packed.stats());
            }
            ZDesc::Prefetched(page) => self.release(page.desc()),
            ZDesc::Remote(r) | ZDesc::Fetching(r) => self.remote_left(r),
            ZDesc::OnDevice => {}
        }
    }

    /// Frees `desc`, page (`pool`, `oid`, `index`), which has left the index; a remote page's
    /// peer is asked to drop its copy.
    fn release_at(&self, pool: PoolId, oid: &Oid, index: PageIndex, desc: ZDesc) {
        if let ZDesc::Remote(r) | ZDesc::Fetching(r) = desc {
            self.forget_remote_copy(pool, oid, index, r);
        }
        self.release(desc);
    }

    /// Asks `remote`'s peer to drop its copy of page (`pool`, `oid`, `index`), which is no longer
    /// in the index: flushed, replaced, or taken by a get whose fetch failed (the request may
    /// never have reached the peer). The flush is sent before any later put of the same key.
    pub fn forget_remote_copy(
        &self,
        pool: PoolId,
        oid: &Oid,
        index: PageIndex,
        remote: RemotePage,
    ) {
        self.outbox.push_or_count(
            RemoteFlush::Page {
                node: remote.node,
                pool,
                kind: remote.kind,
                oid: *oid,
                index,
            },
            &self.remote.remote_page_flushes_failed,
        );
    }

    /// Grows the outbox so that every page kept on a peer, two more, and every flush queued
    /// have a slot: then no flush is ever dropped (see [`Outbox`]). Process context.
    pub(crate) fn reserve_flush_room(&self, gfp: Gfp) -> Option<()> {
        let remote = usize::try_from(self.remote_pages.get()).unwrap_or(usize::MAX);
        let needed = remote
            .saturating_add(self.outbox.len())
            .saturating_add(2)
            .saturating_add(OUTBOX_CAPACITY);
        self.outbox.reserve(needed, gfp).ok()
    }

    /// Counts a page in as kept on a peer.
    pub(crate) fn remote_arrived(&self, r: RemotePage) {
        self.remote_pages.inc();
        self.remote_level(r.kind).inc();
        self.node_pages.add_remote(r.node, 1);
    }

    /// Counts a page out of those kept on a peer.
    pub(crate) fn remote_left(&self, r: RemotePage) {
        self.remote_pages.dec();
        self.remote_level(r.kind).dec();
        self.node_pages.add_remote(r.node, -1);
    }

    fn remote_level(&self, kind: ZbudKind) -> &'static Level {
        match kind {
            ZbudKind::Ephemeral => &self.remote.remote_eph_pages,
            ZbudKind::Persistent => &self.remote.remote_pers_pages,
        }
    }

    /// Stores `page` as page (`oid`, `index`) of pool `pool`, replacing any page there. On
    /// refusal the old page is flushed too (tmem coherency: the caller's copy has changed).
    pub fn put(
        &self,
        pool: PoolId,
        oid: &Oid,
        index: PageIndex,
        page: &[u8; PAGE_SIZE],
        scratch: &mut Scratch,
    ) -> Result<(), PutRefused> {
        let (tmem_pool, kind) = self.live_pool(pool).ok_or(PutRefused::NoPool)?;
        let zkind = zbud_kind(kind);
        let owner = Owner {
            pool,
            oid: *oid,
            index,
        };
        let home = self.shards.home(scratch.home());
        let stored = self.store_page(zkind, owner, page, scratch, home);
        let refused = match stored {
            Ok(desc) => match tmem_pool.put(oid, index, desc, Gfp::NoWait) {
                Ok(old) => {
                    if let Some(old) = old {
                        self.release_at(pool, oid, index, old);
                    }
                    self.counters.puts.inc();
                    return Ok(());
                }
                Err(rejected) => {
                    self.release(rejected.desc);
                    self.counters.failed_alloc.inc();
                    PutRefused::NoMemory
                }
            },
            Err(refused) => refused,
        };
        match kind {
            PoolKind::Ephemeral => self.counters.failed_eph_puts.inc(),
            PoolKind::Persistent => self.counters.failed_pers_puts.inc(),
        }
        if let Some(old) = tmem_pool.flush_page(oid, index) {
            self.release_at(pool, oid, index, old);
            self.counters.put_to_flush.inc();
        }
        Err(refused)
    }

    pub(crate) fn live_pool(&self, id: PoolId) -> Option<(&Pool<ZDesc>, PoolKind)> {
        let pool = self.client.pool(id)?;
        Some((pool, pool.kind()?))
    }

    /// Compresses and stores `page` in shard `home`'s zbud of `kind`; returns its descriptor.
    fn store_page(
        &self,
        kind: ZbudKind,
        owner: Owner,
        page: &[u8; PAGE_SIZE],
        scratch: &mut Scratch,
        home: usize,
    ) -> Result<ZDesc, PutRefused> {
        if is_zero_filled(page) {
            self.counters.zero_filled_pages.inc();
            return Ok(ZDesc::Zero);
        }
        if kind == ZbudKind::Persistent && self.full.refuses(self.counters.frames()) {
            self.counters.refused_full.inc();
            return Err(PutRefused::NoFrame);
        }
        let zpage = scratch
            .compress(self.codec, page)
            .map_err(|_| PutRefused::CompressPoor)?;
        let size = zpage.len();
        let (zpages, zbytes) = self.stored_of(kind);
        match judge(size, zpages, zbytes) {
            Verdict::Accept => {}
            Verdict::CompressPoor => {
                self.counters.compress_poor.inc();
                return Err(PutRefused::CompressPoor);
            }
            Verdict::MeanCompressPoor => {
                self.counters.mean_compress_poor.inc();
                return Err(PutRefused::MeanCompressPoor);
            }
        }
        self.store_zpage(kind, owner, zpage, home)
    }

    /// The zpages of `kind` stored here and their bytes (zbud and packed).
    fn stored_of(&self, kind: ZbudKind) -> (u64, u64) {
        let c = &self.counters;
        match kind {
            ZbudKind::Ephemeral => (c.eph_zpages.get(), c.eph_zbytes.get()),
            ZbudKind::Persistent => (
                c.pers_zpages.get().saturating_add(c.packed_zpages.get()),
                c.pers_zbytes.get().saturating_add(c.packed_zbytes.get()),
            ),
        }
    }

    /// Stores `zpage` of `kind` in shard `home` (taken modulo the shard count): a small
    /// persistent one as [`SmallSwapPages`] says, any other in the shard's zbud of its kind.
    pub(crate) fn place_zpage(
        &self,
        kind: ZbudKind,
        owner: Owner,
        zpage: &[u8],
        home: usize,
    ) -> Result<ZDesc, PutRefused> {
        let home = self.shards.home(home);
        let small = kind == ZbudKind::Persistent && zpage.len() <= MAX_PACKED_SIZE;
        // Always packed: the zbud lock is not needed to decide.
        if !small || self.small_swap_pages != SmallSwapPages::Packed {
            let mut zbud = self.zbud_at(kind, home);
            // Decided under the lock that stores it, so the room found is still there.
            let into_zbud = !small
                || self.small_swap_pages == SmallSwapPages::Zbud
                || zbud.has_room_for(zpage.len());
            if into_zbud {
                let before = zbud.stats();
                let stored = zbud.store(&self.frames, zpage, owner, Gfp::NoWait);
                self.publish(kind, &before, &zbud.stats());
                return match stored {
                    Ok(handle) => Ok(ZDesc::Zbud(kind, handle)),
                    Err(ZbudError::NoFrame) => Err(PutRefused::NoFrame),
                    Err(_) => Err(PutRefused::NoMemory),
                };
            }
        }
        let mut packed = self.shards.packed(home);
        let before = packed.stats();
        let stored = packed.store(&self.frames, zpage, Gfp::NoWait);
        self.publish_packed(&before, &packed.stats());
        match stored {
            Ok(handle) => Ok(ZDesc::Packed(handle)),
            Err(PackedError::NoFrame) => Err(PutRefused::NoFrame),
            Err(_) => Err(PutRefused::NoMemory),
        }
    }

    /// Stores compressed page `zpage` of `kind` in shard `home` (see [`Store::place_zpage`]),
    /// evicting ephemeral frames if no frame is left (the home shard's first); returns its
    /// descriptor.
    pub(crate) fn store_zpage(
        &self,
        kind: ZbudKind,
        owner: Owner,
        zpage: &[u8],
        home: usize,
    ) -> Result<ZDesc, PutRefused> {
        let mut evictions = 0;
        loop {
            match self.place_zpage(kind, owner, zpage, home) {
                Ok(desc) => return Ok(desc),
                Err(PutRefused::NoFrame) => self.counters.failed_get_free_pages.inc(),
                Err(refused) => {
                    self.counters.failed_alloc.inc();
                    return Err(refused);
                }
            }
            let (ate, failed) = match kind {
                ZbudKind::Ephemeral => (
                    &self.counters.eph_ate_tail,
                    &self.counters.eph_ate_tail_failed,
                ),
                ZbudKind::Persistent => (
                    &self.counters.pers_ate_eph,
                    &self.counters.pers_ate_eph_failed,
                ),
            };
            if evictions == EVICTIONS_PER_PUT || !self.evict_ephemeral_frame(home) {
                failed.inc();
                if kind == ZbudKind::Persistent {
                    self.full.filled(self.counters.frames());
                }
                return Err(PutRefused::NoFrame);
            }
            ate.inc();
            evictions = evictions.saturating_add(1);
        }
    }

    /// Evicts the least recently used ephemeral frame of the first shard from `start` on that has
    /// one (one lock hold per shard tried): its pages are flushed from tmem and freed. False if
    /// no shard had one.
    fn evict_ephemeral_frame(&self, start: usize) -> bool {
        let victim = self.shards.round_from(start).find_map(|shard| {
            let mut zbud = self.zbud_at(ZbudKind::Ephemeral, shard);
            let before = zbud.stats();
            let victim = zbud.evict_lru();
            self.publish(ZbudKind::Ephemeral, &before, &zbud.stats());
            victim
        });
        let Some(victim) = victim else {
            return false;
        };
        self.counters.evicted_eph_pageframes.inc();
        for (handle, owner) in victim.buddies.into_iter().flatten() {
            let expected = Some((ZbudKind::Ephemeral, handle));
            let flushed = self.client.pool(owner.pool).and_then(|pool| {
                pool.flush_page_if(&owner.oid, owner.index, |desc| desc.local() == expected)
            });
            // If it is gone already, whoever took it out of tmem frees it, and with it the frame.
            if let Some(desc) = flushed {
                self.release(desc);
                self.counters.evicted_eph_zpages.inc();
            }
        }
        true
    }

    /// Gives up to `frames` ephemeral frames back (the shrinker's scan); returns how many. Each
    /// eviction starts at the next shard in turn, and holds one shard's lock at a time.
    pub fn shrink_ephemeral(&self, frames: usize) -> usize {
        (0..frames)
            .take_while(|_| self.evict_ephemeral_frame(self.shards.next_victim()))
            .count()
    }

    /// Fills `page` with page (`oid`, `index`) of pool `pool`. From an ephemeral pool (or with
    /// exclusive gets) the page leaves the store.
    pub fn get(
        &self,
        pool: PoolId,
        oid: &Oid,
        index: PageIndex,
        page: &mut [u8; PAGE_SIZE],
        scratch: &mut Scratch,
    ) -> Result<(), GetMiss> {
        self.get_with(pool, oid, index, page, scratch, true)
    }

    /// [`Store::get`], where with `may_take` false a persistent page stays in the store even with
    /// exclusive gets: the caller may have to read it again (a swap-in that skipped the swap
    /// cache and lost the race with a change of its PTE).
    pub fn get_with(
        &self,
        pool: PoolId,
        oid: &Oid,
        index: PageIndex,
        page: &mut [u8; PAGE_SIZE],
        scratch: &mut Scratch,
        may_take: bool,
    ) -> Result<(), GetMiss> {
        let Some((tmem_pool, _)) = self.live_pool(pool) else {
            self.counters.gets_missed.inc();
            return Err(GetMiss::NotFound);
        };
        let mode = if self.exclusive_gets && may_take {
            GetMode::Take
        } else {
            GetMode::ByKind
        };
        // A page that stays is only copied under the bucket lock (its compressed bytes, into the
        // scratch); it is decompressed after the lock, like a taken one.
        let got = tmem_pool.get(oid, index, mode, |desc| {
            self.copy_zpage(desc, &mut *scratch)
        });
        let loaded = match got {
            None => Err(GetMiss::NotFound),
            Some(Got::Read(copied)) => copied.and_then(|size| self.decompress(size, page, scratch)),
            Some(Got::Taken(desc)) => {
                let desc = self.unwrap_prefetched(desc);
                let loaded = match self.load(&desc, page, scratch) {
                    Err(GetMiss::Remote { page, .. }) => Err(GetMiss::Remote { page, taken: true }),
                    other => other,
                };
                self.release(desc);
                loaded
            }
        };
        match loaded {
            Ok(()) => self.counters.gets_found.inc(),
            Err(GetMiss::NotFound) => self.counters.gets_missed.inc(),
            Err(GetMiss::Remote { .. }) => {}
            Err(GetMiss::OnDevice) => {
                // The swap device serves it from now on: the entry goes.
                if let Some(desc) = tmem_pool.flush_page(oid, index) {
                    self.release(desc);
                }
            }
            Err(GetMiss::Corrupt) => {
                self.counters.corrupt_pages.inc();
                // A page that cannot be read back is of no use to anyone: drop it.
                if let Some(desc) = tmem_pool.flush_page(oid, index) {
                    self.release_at(pool, oid, index, desc);
                }
            }
        }
        loaded
    }

    /// The plain descriptor of a page taken by a get; a prefetched page counts a prefetch hit.
    fn unwrap_prefetched(&self, desc: ZDesc) -> ZDesc {
        match desc {
            ZDesc::Prefetched(local) => {
                self.remote.pers_prefetch_hits.inc();
                local.desc()
            }
            other => other,
        }
    }

    /// Decompresses what `desc` describes into `page`.
    fn load(
        &self,
        desc: &ZDesc,
        page: &mut [u8; PAGE_SIZE],
        scratch: &mut Scratch,
    ) -> Result<(), GetMiss> {
        let size = self.copy_zpage(desc, scratch)?;
        self.decompress(size, page, scratch)
    }

    /// Copies the zpage `desc` names into `scratch`; returns its size, `None` for a zero-filled
    /// page. Short enough to run under a bucket lock.
    fn copy_zpage(&self, desc: &ZDesc, scratch: &mut Scratch) -> Result<Option<usize>, GetMiss> {
        match *desc {
            ZDesc::Zero => Ok(None),
            ZDesc::Remote(page) | ZDesc::Fetching(page) => {
                Err(GetMiss::Remote { page, taken: false })
            }
            ZDesc::OnDevice => Err(GetMiss::OnDevice),
            ZDesc::Prefetched(local) => {
                // A page that stays (a non-exclusive get) is counted at each read.
                self.remote.pers_prefetch_hits.inc();
                self.copy_zpage(&local.desc(), scratch)
            }
            ZDesc::Zbud(..) | ZDesc::Leaving(..) | ZDesc::Packed(_) => {
                let injected =
                    self.corrupt_gets
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
                if injected.is_ok() {
                    return Err(GetMiss::Corrupt);
                }
                self.read_zpage(desc, &mut scratch.zpage).map(Some)
            }
        }
    }

    /// Fills `page` from the `size` bytes [`Store::copy_zpage`] left in `scratch` (`None`: zeroes).
    fn decompress(
        &self,
        size: Option<usize>,
        page: &mut [u8; PAGE_SIZE],
        scratch: &Scratch,
    ) -> Result<(), GetMiss> {
        let Some(size) = size else {
            page.fill(0);
            return Ok(());
        };
        let zpage = scratch.zpage.get(..size).ok_or(GetMiss::Corrupt)?;
        self.codec
            .decompress(zpage, page)
            .map_err(|_| GetMiss::Corrupt)
    }

    /// Copies the zpage `desc` names here into the start of `out`; returns its size.
    pub(crate) fn read_zpage(&self, desc: &ZDesc, out: &mut [u8]) -> Result<usize, GetMiss> {
        match *desc {
            ZDesc::Zbud(kind, handle) | ZDesc::Leaving(kind, handle) => self
                .zbud_of(kind, handle)
                .read(&self.frames, handle, out)
                .map_err(|_| GetMiss::Corrupt),
            ZDesc::Packed(handle) => self
                .packed_of(handle)
                .read(&self.frames, handle, out)
                .map_err(|_| GetMiss::Corrupt),
            ZDesc::Prefetched(local) => self.read_zpage(&local.desc(), out),
            _ => Err(GetMiss::NotFound),
        }
    }

    /// Drops page (`oid`, `index`) of pool `pool`; true if it was there.
    pub fn flush_page(&self, pool: PoolId, oid: &Oid, index: PageIndex) -> bool {
        self.counters.flush_total.inc();
        let flushed = self
            .client
            .pool(pool)
            .and_then(|p| p.flush_page(oid, index));
        let found = flushed.is_some();
        if let Some(desc) = flushed {
            self.release_at(pool, oid, index, desc);
            self.counters.flush_found.inc();
        }
        found
    }

    /// One lock hold of a walk over pool `pool`'s pages ([`Pool::walk`]): calls `visit(oid,
    /// index, desc)` for up to [`WALK_BATCH`](crate::tmem::WALK_BATCH) pages from `at` on, until
    /// it returns false (the walk then resumes at that page). The visitor runs under a bucket
    /// lock: it must not call the store or sleep. Returns where the walk goes on, `None` at the
    /// end (or for no such pool); reschedule between calls.
    pub fn walk_pages(
        &self,
        pool: PoolId,
        at: WalkAt,
        mut visit: impl FnMut(&Oid, PageIndex, &ZDesc) -> bool,
    ) -> Option<WalkAt> {
        self.client.pool(pool)?.walk(at, |oid, index, desc| {
            if visit(oid, index, desc) {
                Step::Keep
            } else {
                Step::Stop
            }
        })
    }

    /// Drops object `oid` of pool `pool` with all its pages; returns how many pages.
    pub fn flush_object(&self, pool: PoolId, oid: &Oid) -> usize {
        self.counters.flobj_total.inc();
        let Some((p, pool_kind)) = self.live_pool(pool) else {
            return 0;
        };
        let detached = p.flush_object(oid);
        if detached.object_count() > 0 {
            self.counters.flobj_found.inc();
        }
        let mut peers = NodeSet::new();
        let count = detached.len();
        for (_, _, desc) in detached {
            peers.note(&desc);
            self.release(desc);
        }
        let kind = zbud_kind(pool_kind);
        self.queue_flushes(&peers, |node| RemoteFlush::Object {
            node,
            pool,
            kind,
            oid: *oid,
        });
        count
    }

    /// The shards, for the remote operations.
    pub(crate) fn shards(&self) -> &Shards<S> {
        &self.shards
    }

    /// The codec pages are compressed with.
    pub fn codec(&self) -> &'static dyn PageCodec {
        self.codec
    }

    /// The local client's pools.
    pub(crate) fn client(&self) -> &Client<ZDesc> {
        &self.client
    }
}

/// What [`Store::audit`] found wrong first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreAuditError {
    /// A shard failed its audit.
    Shard(ShardAuditError),
    /// A counter differs from what the shards hold.
    Counters,
}

/// Moves `level` by the change of a count from `before` to `after`.
fn shift(level: &Level, before: u64, after: u64) {
    if after > before {
        level.add(after.saturating_sub(before));
    } else if before > after {
        level.sub(before.saturating_sub(after));
    }
}

/// A shard hint from a page's key, for stores into a store that no [`Scratch`] names a home for
/// (a prefetched page, a peer's page).
pub(crate) fn key_home(owner: &Owner) -> usize {
    let [a, b, c] = owner.oid.0;
    (a ^ b.rotate_left(21) ^ c.rotate_left(42) ^ u64::from(owner.index)) as usize
}

/// The zbud kind that holds the pages of a pool of `kind`.
pub(crate) fn zbud_kind(kind: PoolKind) -> ZbudKind {
    match kind {
        PoolKind::Ephemeral => ZbudKind::Ephemeral,
        PoolKind::Persistent => ZbudKind::Persistent,
    }
}

/// A set of node numbers (the peers a flushed object or pool had pages on).
struct NodeSet([u64; 4]);

impl NodeSet {
    fn new() -> Self {
        Self([0; 4])
    }

    /// Notes the peer of `desc`, if it is a remote page.
    fn note(&mut self, desc: &ZDesc) {
        if let ZDesc::Remote(r) | ZDesc::Fetching(r) = desc {
            self.insert(r.node);
        }
    }

    fn insert(&mut self, node: NodeNum) {
        let i = node.index();
        if let Some(word) = self.0.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }

    fn iter(&self) -> impl Iterator<Item = NodeNum> + '_ {
        (0..=NodeNum::MAX).filter_map(move |n| {
            let i = usize::from(n);
            let set = self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0);
            if set {
                NodeNum::new(n)
            } else {
                None
            }
        })
    }
}
