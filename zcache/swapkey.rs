// SPDX-License-Identifier: GPL-2.0

//! frontswap's key mapping: a swap entry (type, offset) as a page of tmem's one persistent pool,
//! as the original (`SWIZ_BITS` = 8):
//!
//! ```text
//! oid   = [ (type << 8) | (offset & 0xff), 0, 0 ]
//! index = offset >> 8
//! ```
//!
//! Consecutive offsets fall in 256 different objects (so different buckets and locks), each
//! object collects every 256th offset, and all pages of swap area `type` are in the 256 objects
//! [`area_oids`] lists (what `invalidate_area` flushes).

use crate::tmem::{Oid, PageIndex};

/// The low offset bits that pick the object.
pub const SWIZ_BITS: u32 = 8;
const SWIZ_MASK: u64 = (1 << SWIZ_BITS) - 1;

/// The tmem key of swap entry (`type_`, `offset`), or `None` if the offset is too large to be
/// indexed (2^40 pages and more: no swap area is that large).
pub fn swap_key(type_: u32, offset: u64) -> Option<(Oid, PageIndex)> {
    let index = PageIndex::try_from(offset >> SWIZ_BITS).ok()?;
    Some((
        Oid([(u64::from(type_) << SWIZ_BITS) | (offset & SWIZ_MASK), 0, 0]),
        index,
    ))
}

/// The swap entry of a tmem key made by [`swap_key`], or `None` for any other key.
pub fn swap_entry(oid: &Oid, index: PageIndex) -> Option<(u32, u64)> {
    let [o0, 0, 0] = oid.0 else {
        return None;
    };
    let type_ = u32::try_from(o0 >> SWIZ_BITS).ok()?;
    Some((type_, (u64::from(index) << SWIZ_BITS) | (o0 & SWIZ_MASK)))
}

/// The objects holding swap area `type_`'s pages.
pub fn area_oids(type_: u32) -> impl Iterator<Item = Oid> {
    (0..=SWIZ_MASK).map(move |low| Oid([(u64::from(type_) << SWIZ_BITS) | low, 0, 0]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn original_layout() {
        assert_eq!(swap_key(3, 0x1234), Some((Oid([0x334, 0, 0]), 0x12)));
        assert_eq!(swap_key(0, 1 << 40), None);
        assert_eq!(area_oids(1).count(), 256);
    }

    proptest! {
        #[test]
        fn round_trip(type_ in 0u32..32, offset in 0u64..(1 << 40)) {
            let (oid, index) = swap_key(type_, offset).unwrap();
            prop_assert_eq!(swap_entry(&oid, index), Some((type_, offset)));
            prop_assert!(area_oids(type_).any(|o| o == oid));
        }
    }
}
