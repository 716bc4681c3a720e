// SPDX-License-Identifier: GPL-2.0

//! debugfs `ramster/cluster_counters`: the messaging layer's counters, one `name value` per
//! line, on every node with `mode=ramster` (test messages or not).
//!
//! The counters of [`super::state::Counters`]: refused connections, unmatched replies,
//! discarded one-way messages, how often a peer node went up and down, and how late the ticker
//! delivered a timer at worst; then those of [`super::requests::Requests`]: how often a sender
//! waited for room, and how often it woke to find none; and the longest a frame's send took. Documentation/debugfs-abi.rst lists them.

use super::Shared;
use crate::debugfs::DebugFile;
use core::fmt::Write;
use core::sync::atomic::Ordering;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Writes the counters, one `name value` per line (this file's contents, and the end of
/// `cluster_selftest`'s).
pub(super) fn write_counters(shared: &Shared, out: &mut dyn Write) -> core::fmt::Result {
    let (unmatched, requests) = {
        let r = shared.requests.lock();
        (
            r.replies_unmatched,
            [
                ("room_waits", r.room_waits),
                ("room_wakeups_futile", r.room_wakeups_futile),
                (
                    "send_longest_ms",
                    super::conn::SEND_LONGEST_MS.load(Ordering::Relaxed),
                ),
            ],
        )
    };
    let discarded = shared.one_way_discarded.load(Ordering::Relaxed);
    let counters = shared.state.lock().counters.named(unmatched, discarded);
    Iterator::chain(counters.into_iter(), requests)
        .try_for_each(|(name, value)| writeln!(out, "{name} {value}"))
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
