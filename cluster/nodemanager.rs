// SPDX-License-Identifier: GPL-2.0

//! The configfs rules of the cluster and its nodes (ocfs2's o2nm), as plain logic.
//!
//! The configfs glue calls these functions for every mkdir, rmdir, attribute write and read
//! under `/sys/kernel/config/cluster/`; they check the request, and either change the state and
//! say what the glue must start or stop, or return a [`ConfigError`] (an errno and a message to
//! log) and change nothing. The rules:
//!
//! - one cluster only (a second mkdir gets `ENOSPC`); names are 1-56 (cluster) or 1-64 (node)
//!   bytes of printable ASCII without space and `/`;
//! - `num`, `ipv4_address` and `ipv4_port` are write-once (`EBUSY`); `num` needs the address and
//!   port first (`EINVAL`), is 0..=254 (`ERANGE`) and unique (`EEXIST`); addresses are unique
//!   (`EEXIST`); a port is 1..=65535 (`EINVAL` for 0, `ERANGE` above);
//! - `local` needs all three (`EINVAL`); only one node is local (`EBUSY`); setting it starts
//!   networking, clearing it stops networking;
//! - the timeouts and `heartbeat/dead_threshold` are in range (`ERANGE`), keepalive stays below
//!   idle (`EINVAL`), and none changes while a peer is connected (`EBUSY`);
//! - a connected node cannot be removed, nor the local node while any peer is connected (`EBUSY`).

use super::config_text::{parse_bool, parse_decimal, parse_ipv4, Shown};
use super::names::{ClusterName, NodeName};
use super::node_num::NodeNum;
pub use super::nodemanager_errors::ConfigError;
use super::timeouts::{Timeouts, DEAD_THRESHOLD_RANGE, DELAY_MS_RANGE};

/// An attribute of the cluster directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterAttr {
    /// `idle_timeout_ms`.
    IdleTimeoutMs,
    /// `keepalive_delay_ms`.
    KeepaliveDelayMs,
    /// `reconnect_delay_ms`.
    ReconnectDelayMs,
    /// `heartbeat/dead_threshold`.
    DeadThreshold,
}

/// An attribute of a node directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeAttr {
    /// `num`.
    Num,
    /// `ipv4_address`.
    Ipv4Address,
    /// `ipv4_port`.
    Ipv4Port,
    /// `local`.
    Local,
}

impl ClusterAttr {
    /// The attribute's file name.
    pub fn name(self) -> &'static str {
        match self {
            ClusterAttr::IdleTimeoutMs => "idle_timeout_ms",
            ClusterAttr::KeepaliveDelayMs => "keepalive_delay_ms",
            ClusterAttr::ReconnectDelayMs => "reconnect_delay_ms",
            ClusterAttr::DeadThreshold => "dead_threshold",
        }
    }
}

impl NodeAttr {
    /// The attribute's file name.
    pub fn name(self) -> &'static str {
        match self {
            NodeAttr::Num => "num",
            NodeAttr::Ipv4Address => "ipv4_address",
            NodeAttr::Ipv4Port => "ipv4_port",
            NodeAttr::Local => "local",
        }
    }
}

/// Where a numbered node listens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// IPv4 address.
    pub addr: [u8; 4],
    /// TCP port.
    pub port: u16,
}

/// What the glue must do after a successful operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkingChange {
    /// Nothing.
    None,
    /// The local node is set: listen on its endpoint and connect to the lower-numbered nodes.
    Start(NodeNum),
    /// The local node is gone: close every connection and stop listening.
    Stop,
}

/// One node directory `node/<name>/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeConfig {
    name: NodeName,
    num: Option<NodeNum>,
    addr: Option<[u8; 4]>,
    port: Option<u16>,
    local: bool,
}

impl NodeConfig {
    /// The directory name.
    pub fn name(&self) -> &NodeName {
        &self.name
    }

    /// The node number, once written.
    pub fn num(&self) -> Option<NodeNum> {
        self.num
    }

    /// Whether this is the local node.
    pub fn is_local(&self) -> bool {
        self.local
    }

    /// What a read of `attr` shows.
    pub fn show(&self, attr: NodeAttr) -> Shown {
        match attr {
            NodeAttr::Num => self
                .num
                .map_or(Shown::Unset, |n| Shown::Number(u64::from(n.get()))),
            NodeAttr::Ipv4Address => self.addr.map_or(Shown::Unset, Shown::Ipv4),
            NodeAttr::Ipv4Port => self
                .port
                .map_or(Shown::Unset, |p| Shown::Number(u64::from(p))),
            NodeAttr::Local => Shown::Bool(self.local),
        }
    }
}

/// The cluster directory `cluster/<name>/`: about 2 KiB, keep it in a static or a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cluster {
    name: ClusterName,
    timeouts: Timeouts,
    endpoints: [Option<Endpoint>; NodeNum::COUNT],
    local: Option<NodeNum>,
    connected: [u64; 4],
}

/// The configfs subsystem `cluster/`, which holds at most one cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Subsystem {
    cluster: Option<Cluster>,
}

impl Subsystem {
    /// No cluster yet.
    pub const fn new() -> Subsystem {
        Subsystem { cluster: None }
    }

    /// mkdir `cluster/<name>`.
    pub fn make_cluster(&mut self, name: &[u8]) -> Result<&mut Cluster, ConfigError> {
        if self.cluster.is_some() {
            return Err(ConfigError::ClusterExists);
        }
        let name = ClusterName::new(name).map_err(ConfigError::BadName)?;
        Ok(self.cluster.insert(Cluster {
            name,
            timeouts: Timeouts::DEFAULT,
            endpoints: [None; NodeNum::COUNT],
            local: None,
            connected: [0; 4],
        }))
    }

    /// The cluster, if one exists.
    pub fn cluster(&mut self) -> Option<&mut Cluster> {
        self.cluster.as_mut()
    }

    /// rmdir `cluster/<name>` (configfs only allows it once its nodes are gone).
    pub fn drop_cluster(&mut self) {
        self.cluster = None;
    }
}

fn bitmap_slot(num: NodeNum) -> (usize, u64) {
    (num.index() / 64, 1u64 << (num.index() % 64))
}

impl Cluster {
    /// The cluster's name.
    pub fn name(&self) -> &ClusterName {
        &self.name
    }

    /// The timing settings.
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// The local node, if one is set.
    pub fn local(&self) -> Option<NodeNum> {
        self.local
    }

    /// Where node `num` listens, if such a node is numbered.
    pub fn endpoint(&self, num: NodeNum) -> Option<Endpoint> {
        self.endpoints.get(num.index()).copied().flatten()
    }

    /// The node with IPv4 address `addr` (to check an accepted connection's source).
    pub fn node_by_address(&self, addr: [u8; 4]) -> Option<NodeNum> {
        let index = self
            .endpoints
            .iter()
            .position(|e| e.is_some_and(|e| e.addr == addr))?;
        NodeNum::new(u8::try_from(index).ok()?)
    }

    /// Records whether the link to `num` is up (the glue calls this on link up and down).
    pub fn set_connected(&mut self, num: NodeNum, connected: bool) {
        let (word, bit) = bitmap_slot(num);
        if let Some(w) = self.connected.get_mut(word) {
            if connected {
                *w |= bit;
            } else {
                *w &= !bit;
            }
        }
    }

    /// Whether the link to `num` is up.
    pub fn is_connected(&self, num: NodeNum) -> bool {
        let (word, bit) = bitmap_slot(num);
        self.connected.get(word).is_some_and(|w| w & bit != 0)
    }

    /// The lowest-numbered connected node, if any.
    fn first_connected(&self) -> Option<NodeNum> {
        (0..=NodeNum::MAX)
            .filter_map(NodeNum::new)
            .find(|n| self.is_connected(*n))
    }

    /// What a read of `attr` shows.
    pub fn show(&self, attr: ClusterAttr) -> Shown {
        let t = &self.timeouts;
        let value = match attr {
            ClusterAttr::IdleTimeoutMs => t.idle_timeout_ms,
            ClusterAttr::KeepaliveDelayMs => t.keepalive_delay_ms,
            ClusterAttr::ReconnectDelayMs => t.reconnect_delay_ms,
            ClusterAttr::DeadThreshold => t.dead_threshold,
        };
        Shown::Number(u64::from(value))
    }

    /// A write of `text` to cluster attribute `attr`.
    pub fn write(&mut self, attr: ClusterAttr, text: &[u8]) -> Result<(), ConfigError> {
        let name = attr.name();
        if self.first_connected().is_some() {
            return Err(ConfigError::TimeoutsWhileConnected(name));
        }
        let (min, max) = match attr {
            ClusterAttr::DeadThreshold => DEAD_THRESHOLD_RANGE,
            _ => DELAY_MS_RANGE,
        };
        let value = parse_decimal(text).map_err(|e| ConfigError::BadText(name, e))?;
        let value = u32::try_from(value)
            .ok()
            .filter(|v| (min..=max).contains(v))
            .ok_or(ConfigError::OutOfRange(
                name,
                value,
                u64::from(min),
                u64::from(max),
            ))?;
        let mut t = self.timeouts;
        match attr {
            ClusterAttr::IdleTimeoutMs => t.idle_timeout_ms = value,
            ClusterAttr::KeepaliveDelayMs => t.keepalive_delay_ms = value,
            ClusterAttr::ReconnectDelayMs => t.reconnect_delay_ms = value,
            ClusterAttr::DeadThreshold => t.dead_threshold = value,
        }
        if t.keepalive_delay_ms >= t.idle_timeout_ms {
            return Err(ConfigError::KeepaliveNotBelowIdle(
                t.keepalive_delay_ms,
                t.idle_timeout_ms,
            ));
        }
        self.timeouts = t;
        Ok(())
    }

    /// mkdir `node/<name>`.
    pub fn make_node(&self, name: &[u8]) -> Result<NodeConfig, ConfigError> {
        Ok(NodeConfig {
            name: NodeName::new(name).map_err(ConfigError::BadName)?,
            num: None,
            addr: None,
            port: None,
            local: false,
        })
    }

    /// A write of `text` to attribute `attr` of `node`.
    pub fn write_node(
        &mut self,
        node: &mut NodeConfig,
        attr: NodeAttr,
        text: &[u8],
    ) -> Result<NetworkingChange, ConfigError> {
        let name = attr.name();
        let bad_text = |e| ConfigError::BadText(name, e);
        match attr {
            NodeAttr::Num => {
                let value = parse_decimal(text).map_err(bad_text)?;
                self.write_num(node, value)?;
            }
            NodeAttr::Ipv4Address => {
                let addr = parse_ipv4(text).map_err(bad_text)?;
                if node.addr.is_some() {
                    return Err(ConfigError::AlreadySet(name));
                }
                if self.node_by_address(addr).is_some() {
                    return Err(ConfigError::AddressTaken(addr));
                }
                node.addr = Some(addr);
            }
            NodeAttr::Ipv4Port => {
                let value = parse_decimal(text).map_err(bad_text)?;
                if value == 0 {
                    return Err(ConfigError::PortZero);
                }
                let port = u16::try_from(value)
                    .map_err(|_| ConfigError::OutOfRange(name, value, 1, u64::from(u16::MAX)))?;
                if node.port.is_some() {
                    return Err(ConfigError::AlreadySet(name));
                }
                node.port = Some(port);
            }
            NodeAttr::Local => {
                let local = parse_bool(text).map_err(bad_text)?;
                return self.write_local(node, local);
            }
        }
        Ok(NetworkingChange::None)
    }

    fn write_num(&mut self, node: &mut NodeConfig, value: u64) -> Result<(), ConfigError> {
        let name = NodeAttr::Num.name();
        let num =
            u8::try_from(value)
                .ok()
                .and_then(NodeNum::new)
                .ok_or(ConfigError::OutOfRange(
                    name,
                    value,
                    0,
                    u64::from(NodeNum::MAX),
                ))?;
        if node.num.is_some() {
            return Err(ConfigError::AlreadySet(name));
        }
        let (Some(addr), Some(port)) = (node.addr, node.port) else {
            return Err(ConfigError::NumNeedsEndpoint);
        };
        if self.endpoint(num).is_some() {
            return Err(ConfigError::NumTaken(num));
        }
        if self.node_by_address(addr).is_some() {
            return Err(ConfigError::AddressTaken(addr));
        }
        if let Some(slot) = self.endpoints.get_mut(num.index()) {
            *slot = Some(Endpoint { addr, port });
            node.num = Some(num);
        }
        Ok(())
    }

    fn write_local(
        &mut self,
        node: &mut NodeConfig,
        local: bool,
    ) -> Result<NetworkingChange, ConfigError> {
        if local == node.local {
            return Ok(NetworkingChange::None);
        }
        if !local {
            node.local = false;
            self.local = None;
            return Ok(NetworkingChange::Stop);
        }
        let Some(num) = node.num else {
            return Err(ConfigError::LocalNeedsAll);
        };
        if let Some(other) = self.local {
            return Err(ConfigError::OtherNodeIsLocal(other));
        }
        node.local = true;
        self.local = Some(num);
        Ok(NetworkingChange::Start(num))
    }

    /// rmdir `node/<name>`. The glue must keep configfs from removing the directory when this
    /// fails (it holds a dependency on the item while the node is connected).
    pub fn remove_node(&mut self, node: &NodeConfig) -> Result<NetworkingChange, ConfigError> {
        if let Some(num) = node.num.filter(|n| self.is_connected(*n)) {
            return Err(ConfigError::NodeConnected(num));
        }
        if node.local {
            if let Some(peer) = self.first_connected() {
                return Err(ConfigError::NodeConnected(peer));
            }
        }
        if let Some(slot) = node.num.and_then(|n| self.endpoints.get_mut(n.index())) {
            *slot = None;
        }
        if node.local {
            self.local = None;
            return Ok(NetworkingChange::Stop);
        }
        Ok(NetworkingChange::None)
    }
}

#[cfg(test)]
#[path = "nodemanager_tests.rs"]
mod tests;
