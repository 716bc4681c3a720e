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
//! - `auth` is `psk` (the default: peers prove they hold the pre-shared key) or `none`
//!   (`EINVAL` for anything else), and, like the timeouts, does not change while a peer is
//!   connected (`EBUSY`);
//! - `encryption` is `none` (the default) or `aes-256-ctr` (payloads encrypted), follows the
//!   same rules, and is never on with `auth = none` (either write that would make it so gets
//!   `EINVAL`);
//! - `auth_key` names a `logon` key in the writer's keyrings, `<prefix>:<name>` of 1-64 printable
//!   bytes without space or `/` (`EINVAL`); the key must exist (`ENOKEY`) and be 16-64 bytes
//!   (`EINVAL`). It may be written at any time, also while peers are connected: links that are
//!   up keep going, and every connection made after the write (new or reconnecting)
//!   authenticates with the new key. It is write-only: a read shows nothing (`EACCES`);
//! - a node's `auth_key` takes the same description and key lengths for the key this node shares
//!   with that node (a node key set holds only its own pairs' keys); it needs the node's `num`
//!   first (`EINVAL`), is write-only like the cluster's, and for that pair it replaces the key
//!   derived from the master key;
//! - a connected node cannot be removed, nor the local node while any peer is connected (`EBUSY`).

use super::config_text::trim_newline;
use super::config_text::{parse_bool, parse_decimal, parse_ipv4, Shown};
use super::names::{ClusterName, KeyDescription, NodeName};
use super::node_num::NodeNum;
pub use super::nodemanager_errors::ConfigError;
use super::secret::{MasterKey, ReadKeyError};
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
    /// `auth`: `psk` or `none`.
    Auth,
    /// `encryption`: `none` or `aes-256-ctr`.
    Encryption,
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
            ClusterAttr::Auth => "auth",
            ClusterAttr::Encryption => "encryption",
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

/// The file name of the write-only key attribute (see [`load_auth_key`]).
pub const AUTH_KEY: &str = "auth_key";

/// How peers prove who they are: the `auth` attribute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// `psk`: mutual authentication with the pre-shared key of `auth_key`.
    #[default]
    Psk,
    /// `none`: no authentication (a trusted, isolated network only).
    None,
}

impl AuthMode {
    /// The word a read shows and a write takes.
    pub fn word(self) -> &'static str {
        match self {
            AuthMode::Psk => "psk",
            AuthMode::None => "none",
        }
    }

    /// `psk` or `none` (one trailing newline allowed).
    pub fn parse(text: &[u8]) -> Result<AuthMode, ConfigError> {
        match trim_newline(text) {
            b"psk" => Ok(AuthMode::Psk),
            b"none" => Ok(AuthMode::None),
            _ => Err(ConfigError::BadAuth),
        }
    }
}

/// Whether links encrypt their payloads: the `encryption` attribute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EncryptionMode {
    /// `none` (the default): payloads are authenticated, not encrypted.
    #[default]
    None,
    /// `aes-256-ctr`: payloads are encrypted, then authenticated; needs `auth = psk`.
    Aes256Ctr,
}

impl EncryptionMode {
    /// The word a read shows and a write takes.
    pub fn word(self) -> &'static str {
        match self {
            EncryptionMode::None => "none",
            EncryptionMode::Aes256Ctr => "aes-256-ctr",
        }
    }

    /// `none` or `aes-256-ctr` (one trailing newline allowed).
    pub fn parse(text: &[u8]) -> Result<EncryptionMode, ConfigError> {
        match trim_newline(text) {
            b"none" => Ok(EncryptionMode::None),
            b"aes-256-ctr" => Ok(EncryptionMode::Aes256Ctr),
            _ => Err(ConfigError::BadEncryption),
        }
    }
}

/// What the cluster's authentication settings say a connection must do, as
/// [`Cluster::auth`] returns them to the protocol code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthSetting<'a> {
    /// `auth` is `none`: links come up without authentication.
    None,
    /// `auth` is `psk`: peers must prove they hold this key. `None`: no key was given yet
    /// (`auth_key` never written), so every connection must be refused.
    Psk(Option<&'a MasterKey>),
}

/// The key description written to `auth_key` (one trailing newline allowed): a `logon` key's
/// `<prefix>:<name>`, 1-64 printable bytes without space or `/`.
pub fn parse_key_description(text: &[u8]) -> Result<KeyDescription, ConfigError> {
    let text = trim_newline(text);
    let desc = KeyDescription::new(text).map_err(ConfigError::BadKeyDescription)?;
    match text.iter().position(|b| *b == b':') {
        Some(colon) if colon > 0 => Ok(desc),
        _ => Err(ConfigError::KeyDescriptionNoPrefix),
    }
}

/// A write of `text` to `auth_key`: parses the key description and reads the key with `read`
/// (in the kernel: from the writer's keyrings). The caller stores the key with
/// [`Cluster::set_auth_key`]; reading it needs no lock on the cluster. On error nothing was
/// read that is kept.
pub fn load_auth_key(
    text: &[u8],
    read: impl FnOnce(&KeyDescription) -> Result<MasterKey, ReadKeyError>,
) -> Result<MasterKey, ConfigError> {
    let desc = parse_key_description(text)?;
    read(&desc).map_err(|e| match e {
        ReadKeyError::NoKey => ConfigError::NoKey(desc),
        ReadKeyError::BadKey(k) => ConfigError::BadKey(desc, k),
        ReadKeyError::Errno(n) => ConfigError::KeyUnreadable(desc, n),
    })
}

/// The node whose pair key a write to `node/<name>/auth_key` sets (the key this node shares
/// with it, from a node key set: it replaces the key derived from the cluster's master key for
/// that pair). The key is kept by node number, so `num` must be written first (`EINVAL`).
pub fn pair_key_node(node: &NodeConfig) -> Result<NodeNum, ConfigError> {
    node.num.ok_or(ConfigError::PairKeyNeedsNum)
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

/// The cluster directory `cluster/<name>/`: about 2 KiB, keep it in a static or a box. Not
/// `Copy`: it holds the master key, which is wiped when the cluster is dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    name: ClusterName,
    timeouts: Timeouts,
    endpoints: [Option<Endpoint>; NodeNum::COUNT],
    local: Option<NodeNum>,
    connected: [u64; 4],
    auth: AuthMode,
    encryption: EncryptionMode,
    key: Option<MasterKey>,
}

/// The configfs subsystem `cluster/`, which holds at most one cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
        let cluster = self.cluster.insert(Cluster::EMPTY);
        cluster.name = name;
        Ok(cluster)
    }

    /// The cluster, if one exists.
    pub fn cluster(&mut self) -> Option<&mut Cluster> {
        self.cluster.as_mut()
    }

    /// The cluster, if one exists, to read.
    pub fn cluster_ref(&self) -> Option<&Cluster> {
        self.cluster.as_ref()
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
    /// A new cluster's settings, named by [`Subsystem::make_cluster`]. A constant, so that a
    /// new cluster is built in its slot: a 2 KiB temporary would double make_cluster's stack
    /// frame in the kernel.
    const EMPTY: Cluster = Cluster {
        name: ClusterName::EMPTY,
        timeouts: Timeouts::DEFAULT,
        endpoints: [None; NodeNum::COUNT],
        local: None,
        connected: [0; 4],
        auth: AuthMode::Psk,
        encryption: EncryptionMode::None,
        key: None,
    };

    /// The cluster's name.
    pub fn name(&self) -> &ClusterName {
        &self.name
    }

    /// The timing settings.
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// What the authentication settings (`auth`, `auth_key`) require of a new connection. A
    /// connection reads them once, when it starts its handshake.
    pub fn auth(&self) -> AuthSetting<'_> {
        match self.auth {
            AuthMode::None => AuthSetting::None,
            AuthMode::Psk => AuthSetting::Psk(self.key.as_ref()),
        }
    }

    /// Whether links encrypt their payloads (the `encryption` attribute).
    pub fn encryption(&self) -> EncryptionMode {
        self.encryption
    }

    /// Keeps `key` (from [`load_auth_key`]) as the pre-shared key, in place of the last one,
    /// which is wiped. Allowed at any time: links that are up are not affected; connections
    /// made from now on use the new key.
    pub fn set_auth_key(&mut self, key: MasterKey) {
        self.key = Some(key);
    }

    /// The local node, if one is set.
    pub fn local(&self) -> Option<NodeNum> {
        self.local
    }

    /// Where node `num` listens, if such a node is numbered.
    pub fn endpoint(&self, num: NodeNum) -> Option<Endpoint> {
        self.endpoints.get(num.index()).copied().flatten()
    }

    /// The peers: every numbered node but the local one, in increasing order.
    pub fn peers(&self) -> impl Iterator<Item = NodeNum> + '_ {
        (0..=NodeNum::MAX)
            .filter_map(NodeNum::new)
            .filter(|n| self.endpoint(*n).is_some() && self.local != Some(*n))
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
            ClusterAttr::Auth => return Shown::Word(self.auth.word()),
            ClusterAttr::Encryption => return Shown::Word(self.encryption.word()),
        };
        Shown::Number(u64::from(value))
    }

    /// A write of `text` to cluster attribute `attr`.
    pub fn write(&mut self, attr: ClusterAttr, text: &[u8]) -> Result<(), ConfigError> {
        let name = attr.name();
        if self.first_connected().is_some() {
            return Err(ConfigError::TimeoutsWhileConnected(name));
        }
        match attr {
            ClusterAttr::Auth => {
                let auth = AuthMode::parse(text)?;
                if auth == AuthMode::None && self.encryption != EncryptionMode::None {
                    return Err(ConfigError::EncryptionNeedsPsk);
                }
                self.auth = auth;
                return Ok(());
            }
            ClusterAttr::Encryption => {
                let encryption = EncryptionMode::parse(text)?;
                if encryption != EncryptionMode::None && self.auth == AuthMode::None {
                    return Err(ConfigError::EncryptionNeedsPsk);
                }
                self.encryption = encryption;
                return Ok(());
            }
            _ => {}
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
            ClusterAttr::Auth | ClusterAttr::Encryption => {}
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
