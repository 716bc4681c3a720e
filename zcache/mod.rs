// SPDX-License-Identifier: GPL-2.0

//! zcache: the local compressed store behind tmem.
//!
//! The logic parts, shared by the module and the host tests:
//! - [`zbud`]: two compressed pages per frame, LRU, eviction of ephemeral frames;
//! - [`packed`]: many small persistent zpages per frame, in slots of one size class;
//! - [`frames`]: the frames zbud and packed work on (an abstract source, and a heap one);
//! - [`shards`]: the store's zbuds and packed frames in shards, each with its own locks;
//! - [`slab_arena`]: the record arena of zbud and packed;
//! - [`compress`]: lz4_flex page compression with length-checked decompression;
//! - [`policy`]: which compressed pages are worth storing;
//! - [`zero`]: zero-filled page detection;
//! - [`swapkey`]: frontswap's swap entry to tmem key mapping;
//! - [`counters`]: the `zcache/` and `zbud/` debugfs counters and the `mm_stat` summary;
//! - [`store`]: all of the above behind tmem: the operations the backends call;
//! - [`remote`]: RAMster's remote pages: counters, settings;
//! - [`sysfs_files`]: the files of `/sys/kernel/mm/ramster/` and the modes that have them;
//! - [`bench_pages`]: the test pages of the in-kernel benchmarks.

pub mod bench_pages;
pub mod compress;
pub mod counters;
pub mod frames;
pub mod full;
pub mod packed;
pub mod policy;
pub mod remote;
pub mod shards;
pub mod slab_arena;
pub mod store;
pub mod swapkey;
pub mod sysfs_files;
pub mod zbud;
pub mod zero;

#[cfg(test)]
mod tests;
