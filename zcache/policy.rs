// SPDX-License-Identifier: GPL-2.0

//! Which compressed pages are worth keeping: the original zcache's policy.
//!
//! A page whose compressed size is over 7/8 of a page is refused (`compress_poor`): storing it
//! would save almost nothing. A page over 5/8 is refused too while the mean size of the pages
//! already stored of its kind is over 5/8 (`mean_compress_poor`): the store is filling up with
//! poorly compressing data. The original applied this to persistent pages; zcache applies it to
//! both kinds (an ephemeral page that does not compress is not worth the CPU either).

use crate::os::PAGE_SIZE;

/// The largest compressed size ever accepted.
pub const MAX_ZSIZE: usize = PAGE_SIZE / 8 * 7;
/// The largest compressed size accepted while the mean is poor, and the mean that is poor.
pub const MAX_MEAN_ZSIZE: usize = PAGE_SIZE / 8 * 5;

/// The policy's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Store it.
    Accept,
    /// Refuse: over [`MAX_ZSIZE`] (`compress_poor`).
    CompressPoor,
    /// Refuse: over [`MAX_MEAN_ZSIZE`] while the stored mean is too (`mean_compress_poor`).
    MeanCompressPoor,
}

/// Judges a page compressed to `zsize` bytes, given the zpages and bytes already stored of its
/// kind.
pub fn judge(zsize: usize, stored_zpages: u64, stored_zbytes: u64) -> Verdict {
    if zsize > MAX_ZSIZE {
        return Verdict::CompressPoor;
    }
    if zsize > MAX_MEAN_ZSIZE && stored_zpages > 0 {
        let mean = stored_zbytes / stored_zpages;
        if mean > MAX_MEAN_ZSIZE as u64 {
            return Verdict::MeanCompressPoor;
        }
    }
    Verdict::Accept
}
