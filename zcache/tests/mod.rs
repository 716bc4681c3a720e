// SPDX-License-Identifier: GPL-2.0

//! Host tests of zcache's logic.

mod bench_pages;
mod compress;
mod foreign_limit;
mod packed;
mod prefetch;
mod remote;
mod store;
mod zbud;

extern crate std;

/// `size` bytes named by `tag`: what the allocator tests store and expect back.
fn data_for(tag: u32, size: usize) -> std::vec::Vec<u8> {
    (0..size)
        .map(|i| (tag as usize * 31 + i * 7 + i / 251) as u8)
        .collect()
}
