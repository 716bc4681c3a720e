// SPDX-License-Identifier: GPL-2.0

//! Node key sets: the keys one node shares with each other node, derived from the cluster key
//! (`ramster-tools keyset`), so that a node holds no key of a pair it is not in.
//!
//! With the cluster key on every node, a node that is taken over can derive every pair's key
//! and pose as any other node. A node that holds only its key set cannot: each pair key is
//! HMAC-SHA256 of the cluster key (ramster's `derive_pair_key`, the kernel's own code), which
//! cannot be inverted. The kernel takes each pair key through the node's write-only `auth_key`
//! attribute, and nodes with a key set and nodes with the cluster key authenticate each other.
//!
//! A key set is a key file (root's, mode 0600, checked like the cluster key's) of lines:
//!
//! ```text
//! # comments and blank lines are ignored
//! cluster NAME
//! node NUMBER
//! pair NUMBER KEY      (one per other node; KEY is 64 hexadecimal digits)
//! ```
//!
//! Errors name the line and never quote it.

use crate::conf::{ClusterConf, NodeConf};
use crate::error::ToolError;
use crate::key::{parse_key, Key};
use ramster::cluster::handshake::derive_pair_key;
use ramster::cluster::names::ClusterName;
use ramster::cluster::node_num::NodeNum;
use std::path::Path;

/// The keys of one node's pairs.
#[derive(Debug, PartialEq, Eq)]
pub struct KeySet {
    /// The cluster's name.
    pub cluster: String,
    /// The node that holds the set.
    pub node: NodeNum,
    /// The key it shares with each other node, in the configuration's order.
    pub pairs: Vec<(NodeNum, Key)>,
}

/// Whether a key file's `text` is meant as a key set: its first line that is not blank or a
/// comment starts with the word `cluster` (a cluster key is one line of hexadecimal digits).
pub fn looks_like_a_key_set(text: &[u8]) -> bool {
    text.split(|b| *b == b'\n')
        .map(|line| line.trim_ascii())
        .find(|line| !line.is_empty() && !line.starts_with(b"#"))
        .and_then(|line| line.split(|b| b.is_ascii_whitespace()).next())
        .is_some_and(|word| word == b"cluster")
}

fn node_number(word: Option<&str>, what: &str) -> Result<NodeNum, String> {
    let word = word.ok_or_else(|| format!("{what} needs a node number"))?;
    word.parse::<u8>()
        .ok()
        .and_then(NodeNum::new)
        .ok_or_else(|| format!("{what}: '{word}' is not a node number (0 to 254)"))
}

/// Parses a key set. `Err` says which line is wrong and why, without quoting key material.
pub fn parse(text: &[u8]) -> Result<KeySet, String> {
    let text = std::str::from_utf8(text).map_err(|_| "is not UTF-8 text".to_string())?;
    let mut cluster = None;
    let mut node = None;
    let mut pairs: Vec<(NodeNum, Key)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let at = |message: String| format!("line {}: {message}", index + 1);
        let mut words = line.split_whitespace();
        let Some(first) = words.next().filter(|w| !w.starts_with('#')) else {
            continue;
        };
        match first {
            "cluster" if cluster.is_none() => {
                let name = words
                    .next()
                    .ok_or_else(|| at("cluster needs a name".into()))?;
                ClusterName::new(name.as_bytes()).map_err(|e| at(format!("cluster name: {e}")))?;
                cluster = Some(name.to_string());
            }
            "node" if cluster.is_some() && node.is_none() => {
                node = Some(node_number(words.next(), "node").map_err(at)?);
            }
            "pair" if node.is_some() => {
                let peer = node_number(words.next(), "pair").map_err(at)?;
                if Some(peer) == node {
                    return Err(at(format!("pair {peer} is this set's own node")));
                }
                if pairs.iter().any(|(n, _)| *n == peer) {
                    return Err(at(format!("a second key for node {peer}")));
                }
                let hex = words
                    .next()
                    .ok_or_else(|| at(format!("pair {peer} needs a key")))?;
                let key = parse_key(hex.as_bytes())
                    .map_err(|e| at(format!("pair {peer}: the key {e}")))?;
                pairs.push((peer, key));
            }
            "cluster" | "node" | "pair" => {
                return Err(at(format!(
                    "'{first}' out of place: a key set is one cluster line, one node line, \
                     then pair lines"
                )))
            }
            _ => return Err(at("expected a cluster, node or pair line".into())),
        }
        if words.next().is_some() {
            return Err(at(format!("too many words on a '{first}' line")));
        }
    }
    match (cluster, node) {
        (Some(cluster), Some(node)) if !pairs.is_empty() => Ok(KeySet {
            cluster,
            node,
            pairs,
        }),
        (Some(_), Some(_)) => Err("has no pair line".into()),
        (Some(_), None) => Err("has no node line".into()),
        (None, _) => Err("has no cluster line".into()),
    }
}

impl KeySet {
    /// The key set of node `node` of `conf`, derived from the cluster key `master`.
    pub fn derive(master: &Key, conf: &ClusterConf, node: &NodeConf) -> Result<KeySet, ToolError> {
        let cluster = ClusterName::new(conf.name.as_bytes())
            .map_err(|e| ToolError(format!("cluster name '{}': {e}", conf.name)))?;
        let pairs = conf
            .nodes
            .iter()
            .filter(|other| other.number != node.number)
            .map(|other| {
                derive_pair_key(master.bytes(), &cluster, node.number, other.number)
                    .map(|key| (other.number, Key::from_bytes(key)))
                    .map_err(|_| ToolError("deriving a pair key failed".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(KeySet {
            cluster: conf.name.clone(),
            node: node.number,
            pairs,
        })
    }

    /// The file's content, with a comment saying what it is.
    pub fn to_text(&self, node_name: &str) -> String {
        let mut text = format!(
            "# ramster node key set: the keys node {} ({node_name}) shares with each other node of\n\
             # cluster {}. It holds no cluster key. Made by 'ramster-tools keyset'; keep it on\n\
             # that node only, owned by root, mode 0600.\ncluster {}\nnode {}\n",
            self.node, self.cluster, self.cluster, self.node
        );
        for (peer, key) in &self.pairs {
            text.push_str(&format!("pair {peer} {}\n", key.to_hex()));
        }
        text
    }

    /// The key shared with node `peer`.
    pub fn key_for(&self, peer: NodeNum) -> Option<&Key> {
        self.pairs.iter().find(|(n, _)| *n == peer).map(|(_, k)| k)
    }

    /// Checks the set (read from `path`) against `conf`: the same cluster, a node of it, a key
    /// for every other node. Returns the node the set belongs to, and warnings for keys of nodes
    /// the file does not have.
    pub fn check_against<'c>(
        &self,
        conf: &'c ClusterConf,
        path: &Path,
    ) -> Result<(&'c NodeConf, Vec<String>), ToolError> {
        let path = path.display();
        if self.cluster != conf.name {
            return Err(ToolError(format!(
                "key set {path} is for cluster '{}', not '{}'",
                self.cluster, conf.name
            )));
        }
        let owner = conf
            .nodes
            .iter()
            .find(|n| n.number == self.node)
            .ok_or_else(|| {
                ToolError(format!(
                    "key set {path} is node {}'s, which the configuration does not have",
                    self.node
                ))
            })?;
        if let Some(missing) = conf
            .nodes
            .iter()
            .find(|n| n.number != self.node && self.key_for(n.number).is_none())
        {
            return Err(ToolError(format!(
                "key set {path} has no key for node {} ({}): make it again with 'ramster-tools \
                 keyset --node {}'",
                missing.number, missing.name, owner.name
            )));
        }
        let warnings = self
            .pairs
            .iter()
            .filter(|(n, _)| !conf.nodes.iter().any(|c| c.number == *n))
            .map(|(n, _)| {
                format!(
                    "key set {path} has a key for node {n}, which the configuration does not have"
                )
            })
            .collect();
        Ok((owner, warnings))
    }
}

#[cfg(test)]
#[path = "keyset_tests.rs"]
mod tests;
