// SPDX-License-Identifier: GPL-2.0

//! A tmem pool: its kind, its life cycle, and the page operations (put, get, flush).
//!
//! A pool hashes each oid to one of [`BUCKETS`] buckets; a bucket is a spinlock around an ordered
//! map oid -> [`Object`]. Every operation takes exactly one bucket lock, does a bounded amount of
//! work under it (a tree lookup, at most two node allocations with the caller's non-sleeping
//! [`Gfp`], no descriptor release) and drops it. Descriptors that leave the pool are handed back to
//! the caller, who releases them to its store after the lock is gone: as a return value for one
//! page, as a [`Detached`] set for an object or a whole pool.
//!
//! Walks over every page (destroy, [`Pool::retain_pages`], [`Pool::walk`]) hold a bucket lock for
//! at most [`WALK_BATCH`] pages and call [`cond_resched`] between lock holds, so that the time with
//! a lock held (and, in the kernel, interrupts off) is bounded whatever the pool holds; they run
//! in process context with no lock held.
//!
//! Life cycle: a pool body is created once per slot and then reused. Its state is
//! free -> creating -> ephemeral|persistent -> destroying -> free. Page operations check the state
//! under the bucket lock, and destroy marks the pool destroying before it empties the buckets one
//! by one, so no put can land in a bucket after destroy has emptied it.

use super::detached::Detached;
use super::key::{Oid, PageIndex};
use super::object::Object;
use crate::os::{
    cond_resched, lock_class, map_node_bytes, AllocError, Gfp, Map, SpinLockArray, Step,
};
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// log2 of the number of buckets of a pool.
pub const BUCKET_BITS: u32 = 8;
/// The number of buckets (each with its own lock) of a pool, as in the original.
pub const BUCKETS: usize = 1 << BUCKET_BITS;

/// The most pages a walk visits (or releases) per lock hold and between two reschedule points.
pub const WALK_BATCH: usize = 256;

/// Where a walk over a pool's pages goes on: pages are visited bucket by bucket, in key order
/// within a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkAt {
    bucket: usize,
    oid: Oid,
    index: PageIndex,
}

impl WalkAt {
    /// The first page of the pool.
    pub const START: Self = Self {
        bucket: 0,
        oid: Oid([0; 3]),
        index: 0,
    };
}

/// What a pool promises about the pages put into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// Pages may vanish at any time (evicted by the store); a get takes the page out
    /// (cleancache).
    Ephemeral,
    /// A page stays until it is flushed or taken by a get (frontswap).
    Persistent,
}

/// Whether a get leaves the page in the pool: the original's `get_and_free` (1, 0, -1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetMode {
    /// Take the page out whatever the pool kind ("exclusive get").
    Take,
    /// Take the page out of an ephemeral pool, keep it in a persistent one.
    ByKind,
    /// Keep the page whatever the pool kind.
    Keep,
}

/// What a get found.
#[derive(Debug, PartialEq, Eq)]
pub enum Got<D, R> {
    /// The page left the pool: its descriptor is the caller's now, to read and then release.
    Taken(D),
    /// The page stayed: the result of the caller's reader, run under the bucket lock.
    Read(R),
}

/// Why a put was refused. The refused descriptor is handed back in [`Rejected`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutError {
    /// The pool is not live (never created, or being destroyed).
    NoPool,
    /// An index node could not be allocated without sleeping.
    NoMemory,
}

/// A refused put: the reason, and the descriptor, still the caller's to release.
#[derive(Debug, PartialEq, Eq)]
pub struct Rejected<D> {
    /// Why.
    pub error: PutError,
    /// The descriptor that was offered.
    pub desc: D,
}

const FREE: u8 = 0;
const CREATING: u8 = 1;
const EPHEMERAL: u8 = 2;
const PERSISTENT: u8 = 3;
const DESTROYING: u8 = 4;

/// One bucket: the objects whose oids hash to it.
type Bucket<D> = Map<Oid, Object<D>>;

/// A pool of pages, generic over the store's descriptor of a stored page `D`.
pub struct Pool<D> {
    state: AtomicU8,
    buckets: SpinLockArray<Bucket<D>, BUCKETS>,
    pages: AtomicUsize,
    objects: AtomicUsize,
}

impl<D> Pool<D> {
    /// A free pool body with its buckets allocated.
    pub(super) fn new(gfp: Gfp) -> Result<Self, AllocError> {
        Ok(Self {
            state: AtomicU8::new(FREE),
            buckets: SpinLockArray::new(|_| Map::new(), lock_class!("tmem_bucket"), gfp)?,
            pages: AtomicUsize::new(0),
            objects: AtomicUsize::new(0),
        })
    }

    /// Claims a free body for a new pool of `kind`; false if the body is in use.
    pub(super) fn claim(&self, kind: PoolKind) -> bool {
        if self
            .state
            .compare_exchange(FREE, CREATING, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        let live = match kind {
            PoolKind::Ephemeral => EPHEMERAL,
            PoolKind::Persistent => PERSISTENT,
        };
        self.state.store(live, Ordering::Release);
        true
    }

    /// Starts destroying a live pool: from now on every page operation fails. False if the pool
    /// was not live.
    pub(super) fn start_destroy(&self) -> bool {
        let state = self.state.load(Ordering::Acquire);
        (state == EPHEMERAL || state == PERSISTENT)
            && self
                .state
                .compare_exchange(state, DESTROYING, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }

    /// Ends a destroy begun by `start_destroy`: the body is free for a new pool.
    pub(super) fn finish_destroy(&self) {
        self.state.store(FREE, Ordering::Release);
    }

    /// The pool's kind, or `None` if it is not live.
    pub fn kind(&self) -> Option<PoolKind> {
        match self.state.load(Ordering::Acquire) {
            EPHEMERAL => Some(PoolKind::Ephemeral),
            PERSISTENT => Some(PoolKind::Persistent),
            _ => None,
        }
    }

    /// How many pages the pool holds.
    pub fn page_count(&self) -> usize {
        self.pages.load(Ordering::Relaxed)
    }

    /// How many objects the pool holds.
    pub fn object_count(&self) -> usize {
        self.objects.load(Ordering::Relaxed)
    }

    /// Bytes of a pool body: its buckets.
    pub const BODY_BYTES: usize = SpinLockArray::<Bucket<D>, BUCKETS>::HEAP_BYTES;

    /// Bytes a page in an object of its own adds to the index.
    pub const NEW_PAGE_BYTES: usize =
        map_node_bytes::<Oid, Object<D>>() + map_node_bytes::<PageIndex, D>();

    /// Bytes of memory the pool's index takes: its buckets, and a map node for each object and
    /// each page ([`map_node_bytes`], an upper bound of the kernel's allocations).
    pub fn index_bytes(&self) -> usize {
        let objects = self
            .object_count()
            .saturating_mul(map_node_bytes::<Oid, Object<D>>());
        let pages = self
            .page_count()
            .saturating_mul(map_node_bytes::<PageIndex, D>());
        Self::BODY_BYTES
            .saturating_add(objects)
            .saturating_add(pages)
    }

    fn bucket_of(oid: &Oid) -> usize {
        oid.hash(BUCKET_BITS)
    }

    /// Stores `desc` as page (`oid`, `index`). A page already there is replaced, and its
    /// descriptor returned for the caller to release (put-put-get returns the second).
    ///
    /// On refusal nothing changed: an old page at the key is still there, and `desc` comes back
    /// in [`Rejected`]. Tmem coherency wants a refused put to drop the old page (the frontend's
    /// copy has changed): the store does that with [`Pool::flush_page`], which never fails.
    pub fn put(
        &self,
        oid: &Oid,
        index: PageIndex,
        desc: D,
        gfp: Gfp,
    ) -> Result<Option<D>, Rejected<D>> {
        let mut bucket = self.buckets.lock(Self::bucket_of(oid));
        if self.kind().is_none() {
            return Err(Rejected {
                error: PutError::NoPool,
                desc,
            });
        }
        let no_memory = |desc| Rejected {
            error: PutError::NoMemory,
            desc,
        };
        if let Some(object) = bucket.get_mut(oid) {
            let old = object.insert(index, desc, gfp).map_err(no_memory)?;
            if old.is_none() {
                self.pages.fetch_add(1, Ordering::Relaxed);
            }
            return Ok(old);
        }
        // A new object: insert it empty, then its first page; undo the object if the page fails.
        if let Err(object) = bucket.try_insert(*oid, Object::new(), gfp) {
            drop(object);
            return Err(no_memory(desc));
        }
        let inserted = match bucket.get_mut(oid) {
            Some(object) => object.insert(index, desc, gfp),
            None => Err(desc),
        };
        match inserted {
            Ok(_) => {
                self.objects.fetch_add(1, Ordering::Relaxed);
                self.pages.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            }
            Err(desc) => {
                bucket.remove(oid);
                Err(no_memory(desc))
            }
        }
    }

    /// Looks page (`oid`, `index`) up. If `mode` (and the pool's kind) says to take it, it leaves
    /// the pool and its descriptor is returned ([`Got::Taken`]); otherwise `read` runs on the
    /// descriptor under the bucket lock, so the page cannot be flushed meanwhile, and its result
    /// is returned ([`Got::Read`]). `None` if there is no such page.
    pub fn get<R>(
        &self,
        oid: &Oid,
        index: PageIndex,
        mode: GetMode,
        read: impl FnOnce(&D) -> R,
    ) -> Option<Got<D, R>> {
        let mut bucket = self.buckets.lock(Self::bucket_of(oid));
        let take = match (mode, self.kind()?) {
            (GetMode::Take, _) | (GetMode::ByKind, PoolKind::Ephemeral) => true,
            (GetMode::Keep, _) | (GetMode::ByKind, PoolKind::Persistent) => false,
        };
        if take {
            self.remove_page(&mut bucket, oid, index, |_| true)
                .map(Got::Taken)
        } else {
            bucket
                .get(oid)
                .and_then(|object| object.page(index))
                .map(|desc| Got::Read(read(desc)))
        }
    }

    /// Runs `update` on the descriptor of page (`oid`, `index`) under the bucket lock, e.g. to
    /// replace a local descriptor by a remote one. `None` if there is no such page.
    pub fn update<R>(
        &self,
        oid: &Oid,
        index: PageIndex,
        update: impl FnOnce(&mut D) -> R,
    ) -> Option<R> {
        let mut bucket = self.buckets.lock(Self::bucket_of(oid));
        self.kind()?;
        bucket
            .get_mut(oid)
            .and_then(|object| object.page_mut(index))
            .map(update)
    }

    /// Removes page (`oid`, `index`) and returns its descriptor for the caller to release.
    pub fn flush_page(&self, oid: &Oid, index: PageIndex) -> Option<D> {
        self.flush_page_if(oid, index, |_| true)
    }

    /// Removes page (`oid`, `index`) only if `matches` says its descriptor is the expected one,
    /// and returns it. An evicting store uses this so that it never flushes a newer page put at
    /// the same key after it chose its victim.
    pub fn flush_page_if(
        &self,
        oid: &Oid,
        index: PageIndex,
        matches: impl FnOnce(&D) -> bool,
    ) -> Option<D> {
        let mut bucket = self.buckets.lock(Self::bucket_of(oid));
        self.kind()?;
        self.remove_page(&mut bucket, oid, index, matches)
    }

    fn remove_page(
        &self,
        bucket: &mut Bucket<D>,
        oid: &Oid,
        index: PageIndex,
        matches: impl FnOnce(&D) -> bool,
    ) -> Option<D> {
        let object = bucket.get_mut(oid)?;
        if !matches(object.page(index)?) {
            return None;
        }
        let desc = object.remove(index)?;
        self.pages.fetch_sub(1, Ordering::Relaxed);
        if object.is_empty() {
            bucket.remove(oid);
            self.objects.fetch_sub(1, Ordering::Relaxed);
        }
        Some(desc)
    }

    /// Removes object `oid` with all its pages. The pages are returned detached: the bucket lock
    /// is already dropped when the caller walks them to release their descriptors.
    pub fn flush_object(&self, oid: &Oid) -> Detached<D> {
        let mut bucket = self.buckets.lock(Self::bucket_of(oid));
        if self.kind().is_none() {
            return Detached::new();
        }
        let Some(object) = bucket.remove(oid) else {
            return Detached::new();
        };
        drop(bucket);
        let detached = Detached::from_object(*oid, object);
        self.objects.fetch_sub(1, Ordering::Relaxed);
        self.pages.fetch_sub(detached.len(), Ordering::Relaxed);
        detached
    }

    /// Removes every page, one bucket at a time, and hands each descriptor to `release` with no
    /// lock held, rescheduling every [`WALK_BATCH`] pages. Used by destroy; works whatever the
    /// state.
    pub(super) fn flush_all(&self, mut release: impl FnMut(D)) -> usize {
        let mut flushed = 0usize;
        let mut before_resched = WALK_BATCH;
        for i in 0..BUCKETS {
            let mut bucket = self.buckets.lock(i);
            let objects = core::mem::take(&mut *bucket);
            drop(bucket);
            let detached = Detached::from_bucket(objects);
            let (objects, pages) = (detached.object_count(), detached.len());
            self.objects.fetch_sub(objects, Ordering::Relaxed);
            self.pages.fetch_sub(pages, Ordering::Relaxed);
            for (_, _, desc) in detached {
                release(desc);
                flushed = flushed.saturating_add(1);
                before_resched -= 1;
                if before_resched == 0 {
                    cond_resched();
                    before_resched = WALK_BATCH;
                }
            }
        }
        flushed
    }

    /// Runs `keep` on every page's descriptor, a batch at a time (see [`Pool::walk`]); `keep` may
    /// change the descriptor, and a page for which it returns false leaves the pool (its
    /// descriptor is dropped: use this only for descriptors that hold nothing to release, e.g. a
    /// remote page's). Returns how many pages left.
    pub fn retain_pages(&self, mut keep: impl FnMut(&mut D) -> bool) -> usize {
        let mut removed = 0usize;
        let mut at = Some(WalkAt::START);
        while let Some(from) = at {
            at = self.walk(from, |_, _, desc| {
                if keep(desc) {
                    Step::Keep
                } else {
                    removed = removed.saturating_add(1);
                    Step::Remove
                }
            });
            cond_resched();
        }
        removed
    }

    /// One lock hold of a walk: visits up to [`WALK_BATCH`] pages from `at` on, in order, under
    /// their bucket's lock (`visit` must not call the pool or sleep). `visit` keeps the page
    /// (maybe changed), removes it (dropping a descriptor that holds nothing to release, e.g. a
    /// remote page's) or stops the walk at it ([`Step::Stop`]: the walk resumes at this page). Returns where the walk goes
    /// on (the page `visit` stopped at, or the next one), or `None` once the last page has been
    /// visited. Pages put or removed meanwhile are seen or not: each page present for the whole
    /// walk is visited once. The caller reschedules between calls ([`cond_resched`]).
    pub fn walk(
        &self,
        at: WalkAt,
        mut visit: impl FnMut(&Oid, PageIndex, &mut D) -> Step,
    ) -> Option<WalkAt> {
        let mut bucket = self.buckets.lock(at.bucket);
        let mut budget = WALK_BATCH;
        let mut resume: Option<(Oid, PageIndex)> = None;
        let (mut pages_gone, mut objects_gone) = (0usize, 0usize);
        bucket.walk_from(&at.oid, |oid, object| {
            let first = if *oid == at.oid { at.index } else { 0 };
            object.walk_from(first, |index, desc| {
                if budget == 0 {
                    resume = Some((*oid, index));
                    return Step::Stop;
                }
                budget -= 1;
                let step = visit(oid, index, desc);
                match step {
                    Step::Keep => {}
                    Step::Remove => pages_gone = pages_gone.saturating_add(1),
                    Step::Stop => resume = Some((*oid, index)),
                }
                step
            });
            if resume.is_some() {
                // Stopped at a page it kept: the object is not empty.
                Step::Stop
            } else if object.is_empty() {
                objects_gone = objects_gone.saturating_add(1);
                Step::Remove
            } else {
                Step::Keep
            }
        });
        drop(bucket);
        self.pages.fetch_sub(pages_gone, Ordering::Relaxed);
        self.objects.fetch_sub(objects_gone, Ordering::Relaxed);
        match resume {
            Some((oid, index)) => Some(WalkAt {
                bucket: at.bucket,
                oid,
                index,
            }),
            None => (at.bucket + 1 < BUCKETS).then_some(WalkAt {
                bucket: at.bucket + 1,
                ..WalkAt::START
            }),
        }
    }
}
