// SPDX-License-Identifier: GPL-2.0

//! Connected nodes cannot be removed: their configfs directories are pinned.
//!
//! configfs cannot refuse an rmdir from its callback, but a directory pinned with
//! `configfs_depend_item` makes the rmdir fail with `EBUSY` before the callback runs. The
//! directory of every connected node is pinned, and the local node's while any peer is
//! connected (the rules of `cluster/nodemanager.rs`).
//!
//! Locking: pinning takes configfs's root directory lock, and configfs callbacks (which hold
//! configfs locks) take the cluster mutex, so pinning runs in its own work item with no lock
//! held, and the state only records which pins are in flight. Unpinning takes only a configfs
//! spinlock: it happens at once, under the cluster mutex, when a link goes down, so a node whose
//! `local` was just set to 0 can be removed right away. Between a link coming up and its pin an
//! rmdir can still win; then the node manager closes the connection first
//! (`nodemanager_configfs.rs`).

use super::state::{State, NODE_DIRS};
use super::Shared;
use crate::cluster::node_num::NodeNum;
use crate::configfs::{pin_node, unpin_node, NodeId};

/// Which node directories are pinned, and which pins are in flight.
pub(crate) struct Pins {
    pinned: [bool; NODE_DIRS],
    pinning: [bool; NODE_DIRS],
}

impl Pins {
    pub(crate) const fn new() -> Pins {
        Pins {
            pinned: [false; NODE_DIRS],
            pinning: [false; NODE_DIRS],
        }
    }
}

impl State {
    /// Which node directories must be pinned: connected nodes, and the local node while any
    /// peer is connected.
    fn wanted_pins(&mut self) -> [bool; NODE_DIRS] {
        let mut wanted = [false; NODE_DIRS];
        let Some(cluster) = self.subsystem.cluster() else {
            return wanted;
        };
        let connected = |n: NodeNum| cluster.is_connected(n);
        let any = (0..=NodeNum::MAX).filter_map(NodeNum::new).any(connected);
        for (want, config) in wanted.iter_mut().zip(self.node_dirs.iter()) {
            *want = config
                .as_ref()
                .and_then(|c| c.num().map(|n| connected(n) || (c.is_local() && any)))
                .unwrap_or(false);
        }
        wanted
    }

    /// Marks the pins to take now; returns them.
    fn start_pinning(&mut self) -> [bool; NODE_DIRS] {
        let wanted = self.wanted_pins();
        let mut todo = [false; NODE_DIRS];
        for id in 0..NODE_DIRS {
            let (Some(want), Some(pinned), Some(pinning), Some(t)) = (
                wanted.get(id),
                self.pins.pinned.get(id),
                self.pins.pinning.get_mut(id),
                todo.get_mut(id),
            ) else {
                continue;
            };
            if *want && !*pinned && !*pinning {
                *pinning = true;
                *t = true;
            }
        }
        todo
    }

    /// A pin of directory `id` finished (`ok`: it is pinned); undone if no longer wanted.
    fn finish_pinning(&mut self, id: usize, ok: bool) {
        let want = self.wanted_pins().get(id).copied().unwrap_or(false);
        if let Some(pinning) = self.pins.pinning.get_mut(id) {
            *pinning = false;
        }
        match (ok, want, self.pins.pinned.get_mut(id)) {
            (true, true, Some(pinned)) => *pinned = true,
            (true, _, _) => unpin_node(NodeId(id)),
            (false, ..) => {}
        }
    }

    /// Unpins every directory that no longer needs it (only takes a spinlock).
    pub(crate) fn release_unwanted_pins(&mut self) {
        let wanted = self.wanted_pins();
        for (id, (pinned, want)) in self.pins.pinned.iter_mut().zip(wanted.iter()).enumerate() {
            if *pinned && !*want {
                unpin_node(NodeId(id));
                *pinned = false;
            }
        }
    }
}

impl Shared {
    /// Pins the directories that need it; runs in its own work item, with no lock held.
    pub(crate) fn pin_wanted(&self) {
        let todo = self.state.lock().start_pinning();
        for (id, _) in todo.iter().enumerate().filter(|(_, t)| **t) {
            let ok = pin_node(NodeId(id)).is_ok();
            self.state.lock().finish_pinning(id, ok);
        }
    }
}
