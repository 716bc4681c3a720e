// SPDX-License-Identifier: GPL-2.0

//! `ramster-tools status`: what the kernel says about the cluster, as a table or as JSON.
//!
//! Node settings and link states come from configfs (see [`crate::configfs`]); page counts from
//! the statistics any user may read in sysfs (`Documentation/sysfs-abi.rst`), so `status` needs
//! no root and no debugfs:
//!
//! ```text
//! <sysfs>/kernel/mm/ramster/mm_stat     the local store: its 4th field, pages_stored, is the
//!                                       local node's local_pages
//! <sysfs>/kernel/mm/ramster/peer_stat   a line per peer: node link remote_pages foreign_pages ...
//! ```
//!
//! A value the kernel does not provide shows as `-` (`null` in JSON): no `peer_stat` line for a
//! node (the local node has none, nor a node before its number is written), no `mm_stat`
//! (`mode=off`), or a field that is not a number.

use crate::configfs::{read_attr, Configfs};
use crate::error::ToolError;
use ramster::cluster::timeouts::Timeouts;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The page counters shown per node.
pub const COUNTERS: [&str; 2] = ["remote_pages", "foreign_pages"];

/// The statistics folder under the sysfs mount point.
pub const STAT_DIR: &str = "kernel/mm/ramster";

/// The position of `pages_stored` among `mm_stat`'s fields.
const MM_STAT_PAGES_STORED: usize = 3;

/// The positions of the [`COUNTERS`] among a `peer_stat` line's fields (after the node number
/// and the link state).
const PEER_STAT_COUNTERS: [usize; 2] = [2, 3];

fn stat_file(sysfs: &Path, name: &str) -> PathBuf {
    sysfs.join(STAT_DIR).join(name)
}

/// Field `i` of a whitespace-separated line, if it is a decimal number.
fn number_field(line: &str, i: usize) -> Option<String> {
    let field = line.split_whitespace().nth(i)?;
    field.parse::<u64>().ok().map(|_| field.to_string())
}

/// Pages in this node's own compressed store (`mm_stat`'s `pages_stored`), if sysfs shows it.
pub fn local_pages(sysfs: &Path) -> Result<Option<String>, ToolError> {
    let line = read_attr(&stat_file(sysfs, "mm_stat"))?;
    Ok(line.and_then(|l| number_field(&l, MM_STAT_PAGES_STORED)))
}

/// The [`COUNTERS`] of every node `peer_stat` has a line for, by node number.
pub fn peer_counters(sysfs: &Path) -> Result<BTreeMap<String, [Option<String>; 2]>, ToolError> {
    let text = read_attr(&stat_file(sysfs, "peer_stat"))?.unwrap_or_default();
    let mut peers = BTreeMap::new();
    for line in text.lines() {
        let Some(node) = number_field(line, 0) else {
            continue;
        };
        let counters = PEER_STAT_COUNTERS.map(|i| number_field(line, i));
        peers.insert(node, counters);
    }
    Ok(peers)
}

/// One node as the kernel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    /// The directory name.
    pub name: String,
    /// `num`, if set.
    pub num: Option<String>,
    /// `ipv4_address`, if set.
    pub address: Option<String>,
    /// `ipv4_port`, if set.
    pub port: Option<String>,
    /// Whether `local` is 1.
    pub local: bool,
    /// `link` (down, connecting, handshaking, up, stopped), if the kernel shows it.
    pub link: Option<String>,
    /// For the local node: [`local_pages`]; `None` for the others.
    pub local_pages: Option<String>,
    /// The [`COUNTERS`], in order.
    pub counters: [Option<String>; 2],
}

/// The cluster as the kernel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterStatus {
    /// The cluster's name.
    pub name: String,
    /// Its timing settings.
    pub timeouts: Timeouts,
    /// Its `auth` attribute (`psk` or `none`), if the kernel shows it.
    pub auth: Option<String>,
    /// Its `encryption` attribute (`none` or `aes-256-ctr`), if the kernel shows it.
    pub encryption: Option<String>,
    /// Its nodes, by number (unnumbered ones last, by name).
    pub nodes: Vec<NodeStatus>,
}

/// Reads the status; `None` if no cluster is configured.
pub fn read(configfs: &Configfs, sysfs: &Path) -> Result<Option<ClusterStatus>, ToolError> {
    let Some(name) = configfs.cluster()? else {
        return Ok(None);
    };
    let peers = peer_counters(sysfs)?;
    let mut nodes = Vec::new();
    for node in configfs.nodes(&name)? {
        let dir = configfs.node_dir(&name, &node);
        let num = read_attr(&dir.join("num"))?;
        let counters = num
            .as_ref()
            .and_then(|n| peers.get(n).cloned())
            .unwrap_or_default();
        let local = read_attr(&dir.join("local"))?.as_deref() == Some("1");
        nodes.push(NodeStatus {
            name: node,
            counters,
            local_pages: if local { local_pages(sysfs)? } else { None },
            address: read_attr(&dir.join("ipv4_address"))?,
            port: read_attr(&dir.join("ipv4_port"))?,
            local,
            link: read_attr(&dir.join("link"))?,
            num,
        });
    }
    nodes.sort_by_key(|n| {
        let number = n.num.as_deref().and_then(|v| v.parse::<u16>().ok());
        (number.unwrap_or(u16::MAX), n.name.clone())
    });
    Ok(Some(ClusterStatus {
        timeouts: configfs.timeouts(&name)?,
        auth: configfs.auth(&name)?,
        encryption: configfs.encryption(&name)?,
        name,
        nodes,
    }))
}

fn or_dash(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

/// The link column: `local` for the local node, else the kernel's word.
fn link_word(node: &NodeStatus) -> &str {
    if node.local {
        "local"
    } else {
        or_dash(&node.link)
    }
}

/// The status as a table.
pub fn table(status: &Option<ClusterStatus>) -> String {
    let Some(cluster) = status else {
        return "no cluster configured\n".to_string();
    };
    let t = &cluster.timeouts;
    let mut out = format!(
        "cluster {}: auth {}, encryption {}, idle_timeout_ms {}, keepalive_delay_ms {}, \
         reconnect_delay_ms {}, dead_threshold {}\n",
        cluster.name,
        or_dash(&cluster.auth),
        or_dash(&cluster.encryption),
        t.idle_timeout_ms,
        t.keepalive_delay_ms,
        t.reconnect_delay_ms,
        t.dead_threshold
    );
    let header = [
        "NUM",
        "NAME",
        "ADDRESS",
        "PORT",
        "LINK",
        "LOCAL_PAGES",
        "REMOTE_PAGES",
        "FOREIGN_PAGES",
    ];
    let rows: Vec<[&str; 8]> = cluster
        .nodes
        .iter()
        .map(|n| {
            [
                or_dash(&n.num),
                n.name.as_str(),
                or_dash(&n.address),
                or_dash(&n.port),
                link_word(n),
                or_dash(&n.local_pages),
                or_dash(&n.counters[0]),
                or_dash(&n.counters[1]),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A counter read as text: a JSON number if it is a decimal number, else `null`.
fn number_or_null(value: &Option<String>) -> Value {
    value
        .as_deref()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(Value::Null, Value::from)
}

/// The status as one JSON object.
pub fn to_json(status: &Option<ClusterStatus>) -> String {
    let Some(cluster) = status else {
        return "{\"cluster\":null}\n".to_string();
    };
    let t = &cluster.timeouts;
    let nodes: Vec<Value> = cluster
        .nodes
        .iter()
        .map(|n| {
            json!({
                "name": n.name,
                "num": number_or_null(&n.num),
                "ipv4_address": n.address,
                "ipv4_port": number_or_null(&n.port),
                "local": n.local,
                "link": link_word(n),
                "local_pages": number_or_null(&n.local_pages),
                COUNTERS[0]: number_or_null(&n.counters[0]),
                COUNTERS[1]: number_or_null(&n.counters[1]),
            })
        })
        .collect();
    let status = json!({
        "cluster": {
            "name": cluster.name,
            "auth": cluster.auth,
            "encryption": cluster.encryption,
            "idle_timeout_ms": t.idle_timeout_ms,
            "keepalive_delay_ms": t.keepalive_delay_ms,
            "reconnect_delay_ms": t.reconnect_delay_ms,
            "dead_threshold": t.dead_threshold,
            "nodes": nodes,
        }
    });
    format!("{status}\n")
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
