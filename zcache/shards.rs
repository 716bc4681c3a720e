// SPDX-License-Identifier: GPL-2.0

//! The store's frames in shards: each shard has an ephemeral zbud, a persistent zbud and packed
//! frames, each behind a spinlock of its own, so that CPUs storing pages of the same kind do not
//! wait for one another.
//!
//! - Placement: a put stores into its *home* shard, which the caller names (the module: the CPU
//!   the put runs on, from its per-CPU [`Scratch`](super::store::Scratch); a host thread: its
//!   own scratch's). Best fit and the "beside a lone buddy" rule look at the home shard only.
//! - Lookup: every zbud and packed handle carries the shard that made it
//!   ([`ZbudHandle::shard`](super::zbud::ZbudHandle::shard),
//!   [`PackedHandle::shard`](super::packed::PackedHandle::shard)), so a get, a free or the
//!   remotify worker finds the page's shard from its descriptor alone, whichever CPU stored it.
//! - Budget: frames come from the store's one [`FrameSource`], whose budget is global (an
//!   atomic count), so the shards share it and no shard reserves room.
//! - Eviction: each shard keeps its own LRU of ephemeral frames. A put that finds no frame
//!   evicts from its home shard first, then from the next shards in turn; the shrinker starts
//!   each eviction at a rotating shard ([`Shards::next_victim`]), so pressure spreads over all
//!   of them. Every eviction is one lock hold of one shard: a walk over every shard (shrinking,
//!   statistics, the audit) takes one shard's lock at a time, and interrupts come back on
//!   between two of them.
//! - Locks: the locks of one kind share a lockdep class (`zbud_eph`, `zbud_pers`,
//!   `zcache_packed`), and no thread ever holds two shards' locks at once; the order with tmem
//!   is unchanged (a bucket lock, then one shard lock).

use super::frames::FrameSource;
use super::packed::{Packed, PackedStats};
use super::store::Owner;
use super::zbud::{Zbud, ZbudKind, ZbudStats};
use crate::os::{lock_class, AllocError, Gfp, SpinGuard, SpinLockVec};
use core::sync::atomic::{AtomicUsize, Ordering};

/// The most shards a store has (a handle keeps its shard in a byte; 64 covers the CPUs of any
/// machine this is built for, CPUs past it share shards).
pub const MAX_SHARDS: usize = 64;

/// The number of shards for `cpus` possible CPUs when the administrator names none: the CPU
/// count rounded up to a power of two, at most [`MAX_SHARDS`], so that every CPU has a shard of
/// its own.
pub fn default_shards(cpus: usize) -> usize {
    cpus.max(1)
        .checked_next_power_of_two()
        .unwrap_or(MAX_SHARDS)
        .min(MAX_SHARDS)
}

/// The sum of two zbuds' statistics.
pub fn add_zbud_stats(a: &ZbudStats, b: &ZbudStats) -> ZbudStats {
    ZbudStats {
        zpages: a.zpages.saturating_add(b.zpages),
        zbytes: a.zbytes.saturating_add(b.zbytes),
        pageframes: a.pageframes.saturating_add(b.pageframes),
        buddied_count: a.buddied_count.saturating_add(b.buddied_count),
        unbuddied_count: a.unbuddied_count.saturating_add(b.unbuddied_count),
        zombie_count: a.zombie_count.saturating_add(b.zombie_count),
        evicted_pageframes: a.evicted_pageframes.saturating_add(b.evicted_pageframes),
        cumul_zpages: a.cumul_zpages.saturating_add(b.cumul_zpages),
        cumul_zbytes: a.cumul_zbytes.saturating_add(b.cumul_zbytes),
    }
}

/// The sum of two packed statistics.
pub fn add_packed_stats(a: &PackedStats, b: &PackedStats) -> PackedStats {
    PackedStats {
        zpages: a.zpages.saturating_add(b.zpages),
        zbytes: a.zbytes.saturating_add(b.zbytes),
        pageframes: a.pageframes.saturating_add(b.pageframes),
    }
}

/// A zbud behind one shard's lock.
pub type ZbudGuard<'a, S> = SpinGuard<'a, Zbud<S, Owner>>;

/// A shard's packed frames behind its lock.
pub type PackedGuard<'a, S> = SpinGuard<'a, Packed<S>>;

/// What [`Shards::audit`] found wrong first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardAuditError {
    /// A shard's zbud of this kind failed its own audit.
    Zbud(usize, ZbudKind, super::zbud::AuditError),
    /// A shard's packed frames failed their own audit.
    Packed(usize, &'static str),
    /// Shard `i`'s zbud of this kind stamps its handles with another shard number.
    WrongShard(usize, ZbudKind),
}

/// The zbuds and packed frames of a store, in shards.
pub struct Shards<S: FrameSource> {
    eph: SpinLockVec<Zbud<S, Owner>>,
    pers: SpinLockVec<Zbud<S, Owner>>,
    packed: SpinLockVec<Packed<S>>,
    /// Where the shrinker's next eviction starts.
    next_victim: AtomicUsize,
}

impl<S: FrameSource> Shards<S> {
    /// `n` shards (1 to [`MAX_SHARDS`]; other values are clamped into that range). Allocates the
    /// locks with `gfp`.
    pub fn new(n: usize, gfp: Gfp) -> Result<Self, AllocError> {
        let n = n.clamp(1, MAX_SHARDS);
        // `i < n <= MAX_SHARDS`, so it fits a byte.
        let id = |i: usize| u8::try_from(i).unwrap_or(u8::MAX);
        Ok(Self {
            eph: SpinLockVec::new(
                n,
                |i| Zbud::for_shard(ZbudKind::Ephemeral, id(i)),
                lock_class!("zbud_eph"),
                gfp,
            )?,
            pers: SpinLockVec::new(
                n,
                |i| Zbud::for_shard(ZbudKind::Persistent, id(i)),
                lock_class!("zbud_pers"),
                gfp,
            )?,
            packed: SpinLockVec::new(
                n,
                |i| Packed::for_shard(id(i)),
                lock_class!("zcache_packed"),
                gfp,
            )?,
            next_victim: AtomicUsize::new(0),
        })
    }

    /// How many shards there are.
    pub fn count(&self) -> usize {
        self.eph.len()
    }

    /// The shard a caller whose home hint is `hint` stores into.
    pub fn home(&self, hint: usize) -> usize {
        hint % self.count().max(1)
    }

    /// Takes the lock of shard `shard`'s zbud of `kind` (interrupts off while it is held).
    pub fn zbud(&self, kind: ZbudKind, shard: usize) -> ZbudGuard<'_, S> {
        match kind {
            ZbudKind::Ephemeral => self.eph.lock(shard),
            ZbudKind::Persistent => self.pers.lock(shard),
        }
    }

    /// Takes the lock of shard `shard`'s packed frames.
    pub fn packed(&self, shard: usize) -> PackedGuard<'_, S> {
        self.packed.lock(shard)
    }

    /// The shards in the order an eviction that starts at `start` tries them: `start` first,
    /// then the next ones, wrapping around; each once.
    pub fn round_from(&self, start: usize) -> impl Iterator<Item = usize> {
        let n = self.count().max(1);
        let start = start % n;
        (0..n).map(move |i| (start + i) % n)
    }

    /// The shard where the shrinker's next eviction starts; each call moves on by one.
    pub fn next_victim(&self) -> usize {
        self.next_victim.fetch_add(1, Ordering::Relaxed) % self.count().max(1)
    }

    /// The statistics of every shard's zbud of `kind`, added up: one lock hold per shard.
    pub fn zbud_stats(&self, kind: ZbudKind) -> ZbudStats {
        (0..self.count()).fold(ZbudStats::default(), |sum, i| {
            add_zbud_stats(&sum, &self.zbud(kind, i).stats())
        })
    }

    /// The statistics of every shard's packed frames, added up: one lock hold per shard.
    pub fn packed_stats(&self) -> PackedStats {
        (0..self.count()).fold(PackedStats::default(), |sum, i| {
            add_packed_stats(&sum, &self.packed(i).stats())
        })
    }

    /// Audits every shard's zbuds and packed frames, one lock hold each (for tests and
    /// debugging: each audit walks all of that shard's records).
    pub fn audit(&self) -> Result<(), ShardAuditError> {
        for i in 0..self.count() {
            for kind in [ZbudKind::Ephemeral, ZbudKind::Persistent] {
                let zbud = self.zbud(kind, i);
                zbud.audit()
                    .map_err(|e| ShardAuditError::Zbud(i, kind, e))?;
                if zbud.shard() != i {
                    return Err(ShardAuditError::WrongShard(i, kind));
                }
            }
            self.packed(i)
                .audit()
                .map_err(|e| ShardAuditError::Packed(i, e))?;
        }
        Ok(())
    }
}
