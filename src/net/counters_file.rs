// SPDX-License-Identifier: GPL-2.0

//! debugfs `ramster/cluster_counters`: the messaging layer's counters, one `name value` per
//! line, on every node with `mode=ramster` (test messages or not).
//!
//! The counters of [`super::state::Counters`] (refused connections, unmatched replies,
//! discarded one-way messages), then how often a peer node went up and down, counted by the
//! node callback that [`register`] adds. Documentation/debugfs-abi.rst lists them.

use super::Shared;
use crate::cluster::node_num::NodeNum;
use crate::debugfs::DebugFile;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

static NODE_UP: AtomicU64 = AtomicU64::new(0);
static NODE_DOWN: AtomicU64 = AtomicU64::new(0);

fn node_changed(_node: NodeNum, up: bool) {
    (if up { &NODE_UP } else { &NODE_DOWN }).fetch_add(1, Ordering::Relaxed);
}

/// Writes the counters, one `name value` per line (this file's contents, and the end of
/// `cluster_selftest`'s).
pub(super) fn write_counters(shared: &Shared, out: &mut dyn Write) -> core::fmt::Result {
    let counters = shared.state.lock().counters.named();
    let ups_downs = [
        ("node_up", NODE_UP.load(Ordering::Relaxed)),
        ("node_down", NODE_DOWN.load(Ordering::Relaxed)),
    ];
    Iterator::chain(counters.into_iter(), ups_downs)
        .try_for_each(|(name, value)| writeln!(out, "{name} {value}"))
}

/// Registers the node callback that counts ups and downs.
pub(super) fn register(shared: &Shared) -> Result {
    shared.register_node_callback(node_changed)
}

/// The debugfs file.
pub(super) struct CountersFile(pub(super) Arc<Shared>);

impl DebugFile for CountersFile {
    fn show(&self, out: &mut dyn Write) -> Result {
        write_counters(&self.0, out).map_err(|_| ENOSPC)
    }

    fn store(&self, _text: &[u8]) -> Result {
        Err(EPERM)
    }
}
