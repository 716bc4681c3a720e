// SPDX-License-Identifier: GPL-2.0

//! `ramster-tools status`: what the kernel says about the cluster, as a table or as JSON.
//!
//! Node settings and link states come from configfs (see [`crate::configfs`]); page counters
//! from debugfs, one directory per node number:
//!
//! ```text
//! <debugfs>/ramster/nodes/<num>/remote_pages    pages this node keeps on node <num>
//! <debugfs>/ramster/nodes/<num>/foreign_pages   pages node <num> keeps on this node
//! ```
//!
//! The local node also shows `local_pages`, the pages in its own compressed store: the sum of
//! the zcache counters [`LOCAL_COUNTERS`] (`<debugfs>/zcache/<counter>`).
//!
//! A file that does not exist shows as `-` (`null` in JSON): the kernel does not provide it (a
//! node folder appears when its configfs node gets its number; zcache/ is absent with mode=off).

use crate::configfs::{read_attr, Configfs};
use crate::error::ToolError;
use ramster::cluster::timeouts::Timeouts;
use serde_json::{json, Value};
use std::path::Path;

/// The page counters read per node.
pub const COUNTERS: [&str; 2] = ["remote_pages", "foreign_pages"];

/// The zcache counters whose sum is the local node's `local_pages`.
pub const LOCAL_COUNTERS: [&str; 3] = ["eph_zpages", "pers_zpages", "zero_filled_pages"];

/// Pages in this node's own compressed store, if debugfs shows all of [`LOCAL_COUNTERS`].
pub fn local_pages(debugfs: &Path) -> Result<Option<String>, ToolError> {
    let mut total = 0u64;
    for name in LOCAL_COUNTERS {
        let value = read_attr(&debugfs.join("zcache").join(name))?;
        match value.and_then(|v| v.parse::<u64>().ok()) {
            Some(n) => total = total.saturating_add(n),
            None => return Ok(None),
        }
    }
    Ok(Some(total.to_string()))
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
    /// Its nodes, by number (unnumbered ones last, by name).
    pub nodes: Vec<NodeStatus>,
}

/// Reads the status; `None` if no cluster is configured.
pub fn read(configfs: &Configfs, debugfs: &Path) -> Result<Option<ClusterStatus>, ToolError> {
    let Some(name) = configfs.cluster()? else {
        return Ok(None);
    };
    let mut nodes = Vec::new();
    for node in configfs.nodes(&name)? {
        let dir = configfs.node_dir(&name, &node);
        let num = read_attr(&dir.join("num"))?;
        let counter = |file: &str| match &num {
            Some(n) => read_attr(&debugfs.join("ramster/nodes").join(n).join(file)),
            None => Ok(None),
        };
        let local = read_attr(&dir.join("local"))?.as_deref() == Some("1");
        nodes.push(NodeStatus {
            name: node,
            counters: [counter(COUNTERS[0])?, counter(COUNTERS[1])?],
            local_pages: if local { local_pages(debugfs)? } else { None },
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
        "cluster {}: auth {}, idle_timeout_ms {}, keepalive_delay_ms {}, reconnect_delay_ms {}, \
         dead_threshold {}\n",
        cluster.name,
        or_dash(&cluster.auth),
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
