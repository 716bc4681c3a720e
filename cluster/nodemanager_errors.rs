// SPDX-License-Identifier: GPL-2.0

//! Why the node manager refused a configfs operation, the errno it returns, and the message the
//! kernel logs. Errors name the attribute by its file name.

use super::config_text::TextError;
use super::errno;
use super::names::{KeyDescription, NameError};
use super::node_num::NodeNum;
use super::secret::KeyError;
use core::fmt;

/// A refused configfs operation. The state is unchanged whenever one is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The text is not a value of the attribute's kind.
    BadText(&'static str, TextError),
    /// The value is outside the attribute's range (value, inclusive bounds).
    OutOfRange(&'static str, u64, u64, u64),
    /// Port 0 is not a port.
    PortZero,
    /// A write-once attribute was already written.
    AlreadySet(&'static str),
    /// `num` was written before `ipv4_address` and `ipv4_port`.
    NumNeedsEndpoint,
    /// `local` was set before `num`, `ipv4_address` and `ipv4_port`.
    LocalNeedsAll,
    /// Another node already has this number.
    NumTaken(NodeNum),
    /// Another node already has this IPv4 address.
    AddressTaken([u8; 4]),
    /// Another node is already local.
    OtherNodeIsLocal(NodeNum),
    /// Timeouts and `auth` cannot change while a peer is connected (the attribute).
    TimeoutsWhileConnected(&'static str),
    /// The keepalive delay must stay below the idle timeout.
    KeepaliveNotBelowIdle(u32, u32),
    /// The node is connected and cannot be removed.
    NodeConnected(NodeNum),
    /// Only one cluster may exist.
    ClusterExists,
    /// The directory name is not a valid cluster or node name.
    BadName(NameError),
    /// `auth` is neither `psk` nor `none`.
    BadAuth,
    /// `encryption` is neither `none` nor `aes-256-ctr`.
    BadEncryption,
    /// Encryption on with `auth = none`.
    EncryptionNeedsPsk,
    /// The `auth_key` text is not a valid key description.
    BadKeyDescription(NameError),
    /// The `auth_key` text has no `<prefix>:`, which every `logon` key description has.
    KeyDescriptionNoPrefix,
    /// The writer's keyrings hold no `logon` key with this description.
    NoKey(KeyDescription),
    /// The key's length is not a master key's.
    BadKey(KeyDescription, KeyError),
    /// The keyring refused to give the key (its positive errno: revoked, expired, ...).
    KeyUnreadable(KeyDescription, i32),
    /// A node's `auth_key` was written before its `num`.
    PairKeyNeedsNum,
}

impl ConfigError {
    /// The positive errno the write or mkdir returns.
    pub fn errno(&self) -> i32 {
        match self {
            ConfigError::BadText(..)
            | ConfigError::PortZero
            | ConfigError::NumNeedsEndpoint
            | ConfigError::LocalNeedsAll
            | ConfigError::KeepaliveNotBelowIdle(..)
            | ConfigError::BadAuth
            | ConfigError::BadEncryption
            | ConfigError::EncryptionNeedsPsk
            | ConfigError::BadKeyDescription(_)
            | ConfigError::KeyDescriptionNoPrefix
            | ConfigError::BadKey(..)
            | ConfigError::PairKeyNeedsNum => errno::EINVAL,
            ConfigError::NoKey(_) => errno::ENOKEY,
            ConfigError::KeyUnreadable(_, n) => *n,
            ConfigError::BadName(NameError::TooLong(_)) => errno::ENAMETOOLONG,
            ConfigError::BadName(_) => errno::EINVAL,
            ConfigError::OutOfRange(..) => errno::ERANGE,
            ConfigError::AlreadySet(_)
            | ConfigError::OtherNodeIsLocal(_)
            | ConfigError::TimeoutsWhileConnected(_)
            | ConfigError::NodeConnected(_) => errno::EBUSY,
            ConfigError::NumTaken(_) | ConfigError::AddressTaken(_) => errno::EEXIST,
            ConfigError::ClusterExists => errno::ENOSPC,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::BadText(attr, e) => write!(f, "{}: {e}", attr),
            ConfigError::OutOfRange(attr, value, min, max) => {
                write!(f, "{}: {value} is outside {min}..={max}", attr)
            }
            ConfigError::PortZero => f.write_str("ipv4_port: 0 is not a port"),
            ConfigError::AlreadySet(attr) => {
                write!(f, "{}: already set; it can be written only once", attr)
            }
            ConfigError::NumNeedsEndpoint => {
                f.write_str("num: write ipv4_address and ipv4_port first")
            }
            ConfigError::LocalNeedsAll => {
                f.write_str("local: write num, ipv4_address and ipv4_port first")
            }
            ConfigError::NumTaken(n) => write!(f, "num: node number {n} is taken"),
            ConfigError::AddressTaken([a, b, c, d]) => {
                write!(f, "ipv4_address: {a}.{b}.{c}.{d} belongs to another node")
            }
            ConfigError::OtherNodeIsLocal(n) => {
                write!(f, "local: node {n} is already the local node")
            }
            ConfigError::TimeoutsWhileConnected(attr) => {
                write!(f, "{}: cannot change while a peer is connected", attr)
            }
            ConfigError::KeepaliveNotBelowIdle(keepalive, idle) => write!(
                f,
                "keepalive_delay_ms ({keepalive}) must be below idle_timeout_ms ({idle})"
            ),
            ConfigError::NodeConnected(n) => {
                write!(f, "node {n} is connected; stop networking first")
            }
            ConfigError::ClusterExists => f.write_str("only one cluster can be configured"),
            ConfigError::BadName(e) => write!(f, "directory name: {e}"),
            ConfigError::BadAuth => f.write_str("auth: must be psk or none"),
            ConfigError::BadEncryption => f.write_str("encryption: must be none or aes-256-ctr"),
            ConfigError::EncryptionNeedsPsk => f.write_str(
                "encryption needs auth = psk (a key): set auth to psk first, or encryption to \
                 none before auth",
            ),
            ConfigError::BadKeyDescription(e) => write!(f, "auth_key: key description: {e}"),
            ConfigError::KeyDescriptionNoPrefix => f.write_str(
                "auth_key: key description: a logon key's description is <prefix>:<name>, \
                 e.g. ramster:mycluster",
            ),
            ConfigError::NoKey(d) => write!(
                f,
                "auth_key: no logon key \"{d}\" in the writer's keyrings; add it first, with \
                 ramster-tools or keyctl add logon {d} <key> @u"
            ),
            ConfigError::BadKey(d, e) => write!(f, "auth_key: logon key \"{d}\": {e}"),
            ConfigError::PairKeyNeedsNum => f.write_str(
                "auth_key: write the node's num first: the key shared with a node is kept by \
                 its number",
            ),
            ConfigError::KeyUnreadable(d, n) => {
                write!(f, "auth_key: cannot read logon key \"{d}\": error {n}")
            }
        }
    }
}
