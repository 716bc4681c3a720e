// SPDX-License-Identifier: GPL-2.0

//! zcache mode's kernel glue: the zcache store (`zcache/`, shared logic) over real pages, behind
//! the frontswap and cleancache hooks, with a shrinker and debugfs counters.
//!
//! - [`backend`]: the hooks' callbacks, the shrinker, debugfs (and the `mm_stat` line sysfs
//!   shows too), registration and unload;
//! - [`frames`]: page frames for zbud;
//! - [`scratch`]: per-CPU compression working memory;
//! - [`lz4c`]: `compressor=lz4-c`, the kernel's C LZ4;
//! - [`codec_bench`]: debugfs `zcache/codec_bench`, lz4_flex against C LZ4 per page;
//! - [`inject`]: debugfs `zcache/inject_corrupt_gets`, fault injection;
//! - [`ffi`]: the C shim (`shim/zcache.c`) and local interrupt control.

mod backend;
mod codec_bench;
mod ffi;
mod frames;
mod inject;
mod lz4c;
mod scratch;

pub(crate) use backend::{compress_page, swap_pool, with_store, write_mm_stat, Backend, ZStore};
pub(crate) use ffi::{
    available_pages, copy_to_swap_device, give_back_swap_page, idle_sleep, max_pool_percent,
    msleep, totalram_pages,
};
pub(crate) use frames::PageFrames;
