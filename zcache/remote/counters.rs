// SPDX-License-Identifier: GPL-2.0

//! The `ramster/` debugfs counters, with the original's names, and the per-node page counts
//! (`ramster/nodes/<num>/{remote_pages,foreign_pages,foreign_bytes}` in debugfs, and the lines of
//! sysfs `peer_stat`, which `ramster-tools status` shows).
//!
//! One static [`RAMSTER_COUNTERS`] and one static [`NODE_PAGES`] exist: the remote store, the
//! remotify worker and the message handlers update them; debugfs reads them. Relaxed atomics:
//! they are statistics.

use super::super::counters::{counters, Count, Level};
use crate::cluster::node_num::NodeNum;
use core::sync::atomic::{AtomicU64, Ordering};

counters! {
    /// The `ramster/` debugfs counters.
    RamsterCounters {
    /// Ephemeral pages moved to a peer.
    eph_pages_remoted: Count,
    /// Persistent pages moved to a peer.
    pers_pages_remoted: Count,
    /// Ephemeral pages a peer did not take (they stayed local).
    eph_pages_remote_failed: Count,
    /// Persistent pages a peer did not take (they stayed local).
    pers_pages_remote_failed: Count,
    /// Persistent pages not remotified because their copy to the swap device failed.
    pers_pages_remote_nomem: Count,
    /// Persistent pages written to the swap device before they left (the peer-death policy).
    pers_pages_written_through: Count,
    /// Remote ephemeral gets that brought the page back.
    remote_eph_pages_succ_get: Count,
    /// Remote persistent gets that brought the page back.
    remote_pers_pages_succ_get: Count,
    /// Remote ephemeral gets that failed (a cleancache miss).
    remote_eph_pages_unsucc_get: Count,
    /// Remote persistent gets that failed (the page was read from the swap device).
    remote_pers_pages_unsucc_get: Count,
    /// Remote gets whose answer did not match the owner's tag of the page (another page, an old
    /// version, altered bytes): refused, as a failed get.
    remote_pages_bad_tag: Count,
    /// Remote objects flushed (and pools destroyed) on a peer.
    remote_objects_flushed: Count,
    /// Remote pages flushed on a peer.
    remote_pages_flushed: Count,
    /// Remote object or pool flushes that could not be sent.
    remote_object_flushes_failed: Count,
    /// Remote page flushes that could not be sent (or queued).
    remote_page_flushes_failed: Count,
    /// Persistent pages whose peer died: served from the swap device from then on.
    pers_pages_peer_died: Count,
    /// Ephemeral pages whose peer died: dropped.
    eph_pages_peer_died: Count,
    /// Persistent pages brought back from a peer into memory when memory was plentiful
    /// (self-shrink).
    pers_pages_repatriated: Count,
    /// Swap pages of a faulting page's readahead window fetched from its peer in the same
    /// round trip and stored here (`zcache/remote/prefetch.rs`).
    pers_pages_prefetched: Count,
    /// Loads that found a prefetched page here: each one a remote round trip saved.
    pers_prefetch_hits: Count,
    /// Window pages whose prefetch failed (no request slot free, no room here, no answer or a
    /// wrong one): they stay on the peer.
    pers_prefetch_failed: Count,
    /// Ephemeral pages this node keeps on a peer.
    remote_eph_pages: Level,
    /// Persistent pages this node keeps on a peer.
    remote_pers_pages: Level,
    /// Ephemeral pages peers keep here.
    foreign_eph_pages: Level,
    /// Persistent pages peers keep here.
    foreign_pers_pages: Level,
    /// Foreign puts refused (a client over its limit, or no memory).
    foreign_puts_refused: Count,
    /// Bytes the foreign pages take here: frames and index, all clients together.
    foreign_bytes: Level,
    /// Sum of the remote get round trips, in microseconds (with the succ_get counts: the mean).
    remote_get_us_total: Count,
    }
}

/// The `ramster/` counters.
pub static RAMSTER_COUNTERS: RamsterCounters = RamsterCounters::new();

/// Pages per peer node, in both directions, and the bytes each peer's pages take here.
pub struct NodePages {
    remote: [AtomicU64; NodeNum::COUNT],
    foreign: [AtomicU64; NodeNum::COUNT],
    foreign_bytes: [AtomicU64; NodeNum::COUNT],
}

/// The per-node page counts.
pub static NODE_PAGES: NodePages = NodePages::new();

fn add(counter: Option<&AtomicU64>, delta: i64) {
    if let Some(c) = counter {
        let _ = c.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
            Some(v.saturating_add_signed(delta))
        });
    }
}

impl NodePages {
    /// All zero.
    pub const fn new() -> Self {
        Self {
            remote: [const { AtomicU64::new(0) }; NodeNum::COUNT],
            foreign: [const { AtomicU64::new(0) }; NodeNum::COUNT],
            foreign_bytes: [const { AtomicU64::new(0) }; NodeNum::COUNT],
        }
    }

    /// Pages this node keeps on `node`.
    pub fn remote(&self, node: NodeNum) -> u64 {
        self.remote[node.index()].load(Ordering::Relaxed)
    }

    /// Pages `node` keeps on this node.
    pub fn foreign(&self, node: NodeNum) -> u64 {
        self.foreign[node.index()].load(Ordering::Relaxed)
    }

    /// Bytes the pages `node` keeps here take: frames and index.
    pub fn foreign_bytes(&self, node: NodeNum) -> u64 {
        self.foreign_bytes[node.index()].load(Ordering::Relaxed)
    }

    /// Changes the count of pages kept on `node` by `delta` (never below zero).
    pub fn add_remote(&self, node: NodeNum, delta: i64) {
        add(self.remote.get(node.index()), delta);
    }

    /// Changes the count of pages `node` keeps here by `delta` (never below zero).
    pub fn add_foreign(&self, node: NodeNum, delta: i64) {
        add(self.foreign.get(node.index()), delta);
    }

    /// Sets the count of pages `node` keeps here and the bytes they take (after its pages were
    /// dropped: 0 and 0).
    pub fn set_foreign(&self, node: NodeNum, pages: u64, bytes: u64) {
        if let Some(c) = self.foreign.get(node.index()) {
            c.store(pages, Ordering::Relaxed);
        }
        if let Some(c) = self.foreign_bytes.get(node.index()) {
            c.store(bytes, Ordering::Relaxed);
        }
    }

    /// Sets the count of pages this node keeps on `node`.
    pub fn set_remote(&self, node: NodeNum, value: u64) {
        if let Some(c) = self.remote.get(node.index()) {
            c.store(value, Ordering::Relaxed);
        }
    }
}

impl Default for NodePages {
    fn default() -> Self {
        Self::new()
    }
}
