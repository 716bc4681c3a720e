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

/// How many times a peer node went up and down since the module loaded.
pub(super) fn node_ups_downs() -> (u64, u64) {
    (
        NODE_UP.load(Ordering::Relaxed),
        NODE_DOWN.load(Ordering::Relaxed),
    )
}

/// Registers the node callback that counts ups and downs.
pub(super) fn register(shared: &Shared) -> Result {
    shared.register_node_callback(node_changed)
}

/// The debugfs file.
pub(super) struct CountersFile(pub(super) Arc<Shared>);

impl DebugFile for CountersFile {
    fn show(&self, out: &mut dyn Write) -> Result {
        let counters = self.0.state.lock().counters.named();
        let (up, down) = node_ups_downs();
        Iterator::chain(counters.into_iter(), [("node_up", up), ("node_down", down)])
            .try_for_each(|(name, value)| writeln!(out, "{name} {value}"))
            .map_err(|_| ENOSPC)
    }

    fn store(&self, _text: &[u8]) -> Result {
        Err(EPERM)
    }
}
