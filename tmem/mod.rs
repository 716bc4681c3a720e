// SPDX-License-Identifier: GPL-2.0

//! Transcendent memory (tmem): the index of stored pages and its coherency rules.
//!
//! tmem maps (client, pool, 192-bit oid, page index) to a descriptor of a stored page. It does
//! not store page data itself: the store (zcache's zbud frames, RAMster's remote nodes) defines
//! the descriptor type `D` and owns the memory it describes. tmem's job is the index, its
//! locking, and the rules frontends rely on:
//!
//! - put-put-get returns the second page; a put replaces and hands back the old descriptor;
//! - a get from an ephemeral pool takes the page out, so get-get fails the second time; a
//!   persistent pool keeps it unless the get asks to take it ("exclusive gets");
//! - after a flush of the page, its object or its pool, gets fail until a new put;
//! - a refused put changes nothing in the index; the store then flushes the old page.
//!
//! Locking and memory: each pool has [`pool::BUCKETS`] buckets, each a spinlock around a map of
//! objects. An operation holds one bucket lock, allocates at most two index nodes under it with
//! the caller's non-sleeping [`Gfp`](crate::os::Gfp), and never releases a descriptor under it:
//! descriptors that leave the index are returned to the caller (one page) or detached
//! ([`Detached`], objects and pools) and released by the caller after the lock is dropped.
//! `Documentation/tmem.rst` has the whole design, including the frontswap and cleancache key
//! mappings.

pub mod client;
pub mod detached;
pub mod key;
pub mod object;
pub mod pool;

pub use client::{Client, NewPoolError};
pub use detached::Detached;
pub use key::{ClientId, Oid, PageIndex, PoolId, MAX_POOLS_PER_CLIENT};
pub use pool::{GetMode, Got, Pool, PoolKind, PutError, Rejected, WalkAt, WALK_BATCH};

#[cfg(test)]
mod tests;
