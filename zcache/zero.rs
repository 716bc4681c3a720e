// SPDX-License-Identifier: GPL-2.0

//! Zero-filled page detection: such pages are stored as a flag in their descriptor, with no
//! compression and no frame (zram's "same pages", the original's `zero_filled_pages`).

/// Whether every byte of `page` is zero. Reads 64 bytes at a time.
pub fn is_zero_filled(page: &[u8]) -> bool {
    let blocks = page.chunks_exact(64);
    let rest = blocks.remainder();
    blocks
        .into_iter()
        .all(|block| block.iter().fold(0u8, |acc, &b| acc | b) == 0)
        && rest.iter().all(|&b| b == 0)
}
