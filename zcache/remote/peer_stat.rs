// SPDX-License-Identifier: GPL-2.0

//! The lines of sysfs `/sys/kernel/mm/ramster/peer_stat`: one per peer node, what this node
//! keeps there and what it keeps here, readable by any user (`Documentation/sysfs-abi.rst`).
//!
//! [`PeerStat`] is one line: the node number, its link state (the word configfs `link` shows),
//! then the pages this node keeps on it, the pages it keeps here and the bytes those take here,
//! from [`NodePages`]. Fields may be appended, never reordered. [`write_whole_lines`] fills a
//! sysfs page with whole lines only: a peer whose line does not fit is left out, never cut.

use super::counters::NodePages;
use crate::buf_writer::BufWriter;
use crate::cluster::node_num::NodeNum;
use core::fmt::{self, Write};

/// The longest line [`write_whole_lines`] can write: more than a [`PeerStat`] line at its widest
/// (a 3-digit node, an 11-letter link word, three 20-digit numbers, spaces and newline: 79).
pub const LINE_MAX: usize = 96;

/// One line of `peer_stat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerStat {
    /// The peer's node number.
    pub node: NodeNum,
    /// Its link state: `down`, `connecting`, `handshaking`, `up` or `stopped`.
    pub link: &'static str,
    /// Pages this node keeps on the peer.
    pub remote_pages: u64,
    /// Pages the peer keeps on this node.
    pub foreign_pages: u64,
    /// Bytes those pages take here: frames and index.
    pub foreign_bytes: u64,
}

impl PeerStat {
    /// The line of `node`, whose link is in state `link`, from the counts in `pages`.
    pub fn of(node: NodeNum, link: &'static str, pages: &NodePages) -> Self {
        Self {
            node,
            link,
            remote_pages: pages.remote(node),
            foreign_pages: pages.foreign(node),
            foreign_bytes: pages.foreign_bytes(node),
        }
    }
}

impl fmt::Display for PeerStat {
    /// `node link remote_pages foreign_pages foreign_bytes` and a newline, in columns as
    /// `mm_stat`'s.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>3} {:<11} {:>12} {:>12} {:>12}",
            self.node.get(),
            self.link,
            self.remote_pages,
            self.foreign_pages,
            self.foreign_bytes
        )
    }
}

/// Writes `items` into `out`, one after the other, as long as each fits whole (an item longer
/// than [`LINE_MAX`] also stops the writing); returns how many bytes were written.
pub fn write_whole_lines<T: fmt::Display>(
    out: &mut [u8],
    items: impl IntoIterator<Item = T>,
) -> usize {
    let mut len = 0usize;
    for item in items {
        let mut buf = [0u8; LINE_MAX];
        let mut line = BufWriter::new(&mut buf);
        if write!(line, "{item}").is_err() {
            break;
        }
        let line_len = line.len_written();
        let end = len.saturating_add(line_len);
        let (Some(dst), Some(src)) = (out.get_mut(len..end), buf.get(..line_len)) else {
            break;
        };
        dst.copy_from_slice(src);
        len = end;
    }
    len
}

#[cfg(test)]
#[path = "peer_stat_tests.rs"]
mod tests;
