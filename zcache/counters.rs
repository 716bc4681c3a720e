// SPDX-License-Identifier: GPL-2.0

//! zcache's counters, with the original's debugfs names, and the one-line summary a user reads.
//!
//! [`Counters`] holds the `zcache/` files: event counts ([`Count`]) and current levels with their
//! high-water mark ([`Level`], shown as `name` and `name_max`). [`Counters::for_each`] lists them
//! by name, so the debugfs glue creates its files from this one table. [`zbud_for_each`] does the
//! same for the `zbud/` files from the two zbuds' statistics, and [`MmStat`] is the zram
//! `mm_stat`-like summary. All updates are relaxed atomics: they are statistics, read racily.

use super::zbud::ZbudStats;
use crate::os::PAGE_SIZE;
use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

/// A count of events.
#[derive(Debug, Default)]
pub struct Count(AtomicU64);

impl Count {
    /// Zero.
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// Counts one event.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Counts `n` events.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn report(&self, name: &'static str, f: &mut impl FnMut(&str, &str, u64)) {
        f(name, "", self.get());
    }
}

/// A current level and the highest it has been.
#[derive(Debug, Default)]
pub struct Level {
    now: AtomicU64,
    max: AtomicU64,
}

impl Level {
    /// Zero.
    pub const fn new() -> Self {
        Self {
            now: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }

    /// Raises the level by `n`.
    pub fn add(&self, n: u64) {
        let now = self.now.fetch_add(n, Ordering::Relaxed).wrapping_add(n);
        self.max.fetch_max(now, Ordering::Relaxed);
    }

    /// Lowers the level by `n`, never below zero.
    pub fn sub(&self, n: u64) {
        // An update that finds the level lower than `n` clamps at zero instead of wrapping.
        let _ = self
            .now
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(n))
            });
    }

    /// Sets the level to `value` (from a count kept elsewhere, e.g. zbud's statistics).
    pub fn set(&self, value: u64) {
        self.now.store(value, Ordering::Relaxed);
        self.max.fetch_max(value, Ordering::Relaxed);
    }

    /// Raises the level by one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Lowers the level by one.
    pub fn dec(&self) {
        self.sub(1);
    }

    /// The current level.
    pub fn get(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }

    /// The highest level so far.
    pub fn max(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }

    pub(crate) fn report(&self, name: &'static str, f: &mut impl FnMut(&str, &str, u64)) {
        f(name, "", self.get());
        f(name, "_max", self.max());
    }
}

/// Declares a struct of [`Count`]s and [`Level`]s with `new` and a `for_each` that lists them
/// by name (debugfs makes one file per name).
macro_rules! counters {
    ($(#[doc = $sdoc:literal])* $struct:ident { $($(#[doc = $doc:literal])* $name:ident: $kind:ident,)* }) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Default)]
        pub struct $struct {
            $($(#[doc = $doc])* pub $name: $kind,)*
        }

        impl $struct {
            /// All zero.
            pub const fn new() -> Self {
                Self { $($name: $kind::new(),)* }
            }

            /// Calls `f(name, suffix, value)` for every counter, in a fixed order; a level is
            /// reported twice, with suffixes `""` and `"_max"`.
            pub fn for_each(&self, mut f: impl FnMut(&str, &str, u64)) {
                $(self.$name.report(stringify!($name), &mut f);)*
            }
        }
    };
}

pub(crate) use counters;

counters! {
    /// The `zcache/` debugfs counters.
    Counters {
    /// Objects in all pools.
    obj_count: Level,
    /// Index nodes (one per stored page here; the original's radix-tree nodes).
    objnode_count: Level,
    /// Page flushes asked for.
    flush_total: Count,
    /// Page flushes that found the page.
    flush_found: Count,
    /// Object flushes asked for.
    flobj_total: Count,
    /// Object flushes that found the object.
    flobj_found: Count,
    /// Ephemeral puts refused.
    failed_eph_puts: Count,
    /// Persistent puts refused.
    failed_pers_puts: Count,
    /// Frames that could not be allocated.
    failed_get_free_pages: Count,
    /// Persistent puts refused before compressing while the store was full (`full.rs`).
    refused_full: Count,
    /// Other allocations (index nodes, records) that failed.
    failed_alloc: Count,
    /// Refused puts that flushed the page they would have replaced.
    put_to_flush: Count,
    /// Pages refused for compressing to over 7/8 of a page.
    compress_poor: Count,
    /// Pages refused for compressing to over 5/8 while the mean was over 5/8.
    mean_compress_poor: Count,
    /// Ephemeral frames evicted to make room for an ephemeral put.
    eph_ate_tail: Count,
    /// Ephemeral puts that found nothing to evict.
    eph_ate_tail_failed: Count,
    /// Ephemeral frames evicted to make room for a persistent put.
    pers_ate_eph: Count,
    /// Persistent puts that found no ephemeral frame to take.
    pers_ate_eph_failed: Count,
    /// Ephemeral zpages evicted.
    evicted_eph_zpages: Count,
    /// Ephemeral frames evicted.
    evicted_eph_pageframes: Count,
    /// Frames holding ephemeral zpages.
    eph_pageframes: Level,
    /// Frames holding persistent zpages.
    pers_pageframes: Level,
    /// Ephemeral zpages stored.
    eph_zpages: Level,
    /// Persistent zpages stored.
    pers_zpages: Level,
    /// Bytes of ephemeral zpages stored.
    eph_zbytes: Level,
    /// Bytes of persistent zpages stored.
    pers_zbytes: Level,
    /// Persistent zpages in packed frames (not counted in `pers_zpages`).
    packed_zpages: Level,
    /// Bytes of persistent zpages in packed frames.
    packed_zbytes: Level,
    /// Packed frames (not counted in `pers_pageframes`).
    packed_pageframes: Level,
    /// Zero-filled pages stored (as a flag, without a frame).
    zero_filled_pages: Level,
    /// Puts stored.
    puts: Count,
    /// Gets that found their page.
    gets_found: Count,
    /// Gets that found nothing.
    gets_missed: Count,
    /// Stored pages that failed to decompress (the get failed).
    corrupt_pages: Count,
    }
}

/// The sum of three levels.
fn sum(levels: [&Level; 3]) -> u64 {
    levels.iter().fold(0u64, |n, l| n.saturating_add(l.get()))
}

impl Counters {
    /// The page frames in use (zbud and packed).
    pub fn frames(&self) -> u64 {
        sum([
            &self.eph_pageframes,
            &self.pers_pageframes,
            &self.packed_pageframes,
        ])
    }

    /// Bytes of the page frames in use (zbud and packed frames x 4096).
    pub fn frame_bytes(&self) -> u64 {
        self.frames().saturating_mul(PAGE_SIZE as u64)
    }

    /// The `mm_stat`-like summary of what is stored now.
    pub fn mm_stat(&self) -> MmStat {
        let zpages = sum([&self.eph_zpages, &self.pers_zpages, &self.packed_zpages]);
        let zero = self.zero_filled_pages.get();
        let pages = zpages.saturating_add(zero);
        MmStat {
            orig_data_size: pages.saturating_mul(PAGE_SIZE as u64),
            compr_data_size: sum([&self.eph_zbytes, &self.pers_zbytes, &self.packed_zbytes]),
            mem_used_total: self.frame_bytes(),
            pages_stored: pages,
            zero_pages: zero,
        }
    }
}

/// What is stored, at a glance (zram's `mm_stat`, reduced to what zcache has).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmStat {
    /// Bytes of the pages stored, uncompressed.
    pub orig_data_size: u64,
    /// Bytes of their compressed data.
    pub compr_data_size: u64,
    /// Bytes of the frames holding that data.
    pub mem_used_total: u64,
    /// Pages stored, zero-filled ones included.
    pub pages_stored: u64,
    /// Zero-filled pages stored (they use no frame).
    pub zero_pages: u64,
}

impl fmt::Display for MmStat {
    /// One line of five numbers, in the order of the fields, as zram's `mm_stat`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>12} {:>12} {:>12} {:>12} {:>12}",
            self.orig_data_size,
            self.compr_data_size,
            self.mem_used_total,
            self.pages_stored,
            self.zero_pages
        )
    }
}

/// Calls `f(prefix, name, value)` for every `zbud/` debugfs file: each statistic of the
/// ephemeral zbud with prefix `"eph_"` and of the persistent one with `"pers_"` (so the original's
/// `eph_zbytes`, `pers_zbytes` and `pers_zombie_count` are among them).
pub fn zbud_for_each(eph: &ZbudStats, pers: &ZbudStats, mut f: impl FnMut(&str, &str, u64)) {
    for (prefix, s) in [("eph_", eph), ("pers_", pers)] {
        for (name, value) in [
            ("zpages", s.zpages),
            ("zbytes", s.zbytes),
            ("pageframes", s.pageframes),
            ("buddied_count", s.buddied_count),
            ("unbuddied_count", s.unbuddied_count),
            ("zombie_count", s.zombie_count),
            ("evicted_pageframes", s.evicted_pageframes),
            ("cumul_zpages", s.cumul_zpages),
            ("cumul_zbytes", s.cumul_zbytes),
        ] {
            f(prefix, name, value);
        }
    }
}
