// SPDX-License-Identifier: GPL-2.0

//! The names tmem gives to things: clients, pools, objects (192-bit oids) and pages in objects.
//!
//! A page is addressed by (client, pool, oid, index), the original's `tmem_handle`. The frontends
//! choose oids and indexes (see `Documentation/tmem.rst` for the frontswap and cleancache
//! mappings); tmem only compares and hashes them.

/// Who owns a set of pools: the local kernel, or (in RAMster) a cluster node storing pages here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(pub u16);

impl ClientId {
    /// The local kernel's own client, as in the original (`LOCAL_CLIENT`).
    pub const LOCAL: ClientId = ClientId(0xffff);
}

/// A pool of one client: `0..MAX_POOLS_PER_CLIENT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolId(pub u16);

/// How many pools one client may have at a time, as in the original.
pub const MAX_POOLS_PER_CLIENT: usize = 16;

/// An object id: 192 bits chosen by the frontend (a file key, or a swap type and offset bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Oid(pub [u64; 3]);

impl Oid {
    /// The hash the original used to pick a bucket: `hash_long(oid[0] ^ oid[1] ^ oid[2], bits)`,
    /// the multiplicative hash of `include/linux/hash.h`. `bits` must be 1..=63.
    pub fn hash(&self, bits: u32) -> usize {
        const GOLDEN_RATIO_64: u64 = 0x61c8_8646_80b5_83eb;
        let [a, b, c] = self.0;
        let mixed = (a ^ b ^ c).wrapping_mul(GOLDEN_RATIO_64);
        // `bits` is in 1..=63 for every caller; clamp so that a wrong caller gets a valid (if
        // poor) hash rather than an overflow.
        let shift = 64u32.saturating_sub(bits.clamp(1, 63));
        (mixed >> shift) as usize
    }
}

/// The index of a page within its object.
pub type PageIndex = u32;
