// SPDX-License-Identifier: GPL-2.0

//! sysfs `/sys/kernel/mm/ramster/peer_stat`: one line per peer node
//! ([`PeerStat`](crate::zcache::remote::peer_stat::PeerStat), formatted by the host-tested logic).
//!
//! The peers and their link states are read under the cluster's mutex (process context, the
//! same lock configfs `link` takes; no spinlock), the page counts from the lock-free
//! [`NODE_PAGES`].

use super::runtime::with_runtime;
use crate::net::state::State;
use crate::zcache::remote::counters::NODE_PAGES;
use crate::zcache::remote::peer_stat::{write_whole_lines, PeerStat};
use kernel::prelude::*;

/// Writes the lines of every peer that fit into `buf`; returns their length. `ENODEV` while
/// RAMster mode is not running.
pub(crate) fn peer_stat(buf: &mut [u8]) -> Result<usize> {
    with_runtime(|rt| {
        let guard = rt.net().state.lock();
        let st: &State = &guard;
        let Some(cluster) = st.subsystem.cluster_ref() else {
            return 0;
        };
        let lines = cluster
            .peers()
            .map(|node| PeerStat::of(node, st.link_word(Some(node)), &NODE_PAGES));
        write_whole_lines(buf, lines)
    })
    .ok_or(ENODEV)
}
