// SPDX-License-Identifier: GPL-2.0

//! The handshake payload, shared by `HANDSHAKE` and `HANDSHAKE_REPLY`, and the handshake checks.
//!
//! Layout (96 bytes, big-endian; see Documentation/wire-protocol.rst): protocol version u32,
//! sender node u8, receiver node u8, reserved u16, nonce u64, idle timeout u32, keepalive delay
//! u32, reconnect delay u32, dead threshold u32, cluster name (56 bytes, zero-padded), period
//! u64.

use super::be_bytes::{read_u16, read_u32, read_u64, read_u8};
use super::be_bytes::{write_u16, write_u32, write_u64, write_u8};
use super::names::{ClusterName, NameError};
use super::node_num::NodeNum;
use super::status::Status;
use super::timeouts::Timeouts;
use core::fmt;

/// The protocol version this code speaks.
pub const PROTOCOL_VERSION: u32 = 2;
/// Bytes in a handshake payload.
pub const HANDSHAKE_LEN: usize = 96;

const OFFSET_VERSION: usize = 0;
const OFFSET_SENDER: usize = 4;
const OFFSET_RECEIVER: usize = 5;
const OFFSET_RESERVED: usize = 6;
const OFFSET_NONCE: usize = 8;
const OFFSET_IDLE: usize = 16;
const OFFSET_KEEPALIVE: usize = 20;
const OFFSET_RECONNECT: usize = 24;
const OFFSET_DEAD_THRESHOLD: usize = 28;
const OFFSET_CLUSTER: usize = 32;
const OFFSET_PERIOD: usize = 88;
const CLUSTER_END: usize = OFFSET_PERIOD;

/// A decoded handshake payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// The sender's protocol version (checked by [`Handshake::check_peer`], not by decoding).
    pub protocol_version: u32,
    /// The sender's node number.
    pub sender: NodeNum,
    /// The node the sender believes it talks to.
    pub receiver: NodeNum,
    /// Random per run of the sender's local node: a new value means the sender restarted.
    pub nonce: u64,
    /// The up period the sender holds the receiver in (see [`super::heartbeat`]), 0 if it
    /// holds it down: both sides name the same period, or they start a new one.
    pub period: u64,
    /// The sender's timing settings.
    pub timeouts: Timeouts,
    /// The sender's cluster name.
    pub cluster: ClusterName,
}

/// Why a handshake payload could not be decoded. Each means: drop the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeError {
    /// The payload is not [`HANDSHAKE_LEN`] bytes (or the output buffer is too small).
    Length(usize),
    /// A node number is 255.
    BadNode(u8),
    /// The reserved bytes are not zero.
    Reserved(u16),
    /// The cluster name field is not a valid zero-padded name.
    ClusterName(NameError),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Length(len) => {
                write!(f, "handshake is {len} bytes, not {HANDSHAKE_LEN}")
            }
            HandshakeError::BadNode(n) => write!(f, "handshake names node {n}"),
            HandshakeError::Reserved(r) => write!(f, "handshake reserved field is {r:#06x}"),
            HandshakeError::ClusterName(e) => write!(f, "handshake cluster name: {e}"),
        }
    }
}

/// A field in which a peer's handshake differs from ours, with the peer's and our value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// Protocol versions (peer, ours).
    Version(u32, u32),
    /// The peer's cluster name (ours differs).
    Cluster(ClusterName),
    /// The peer says it is node `.0` talking to node `.1`; we expected `.2` talking to `.3`.
    Nodes(NodeNum, NodeNum, NodeNum, NodeNum),
    /// Timing settings (peer, ours).
    Timeouts(Timeouts, Timeouts),
}

impl Mismatch {
    /// The status that tells the peer about this mismatch.
    pub fn status(&self) -> Status {
        match self {
            Mismatch::Version(..) => Status::VersionMismatch,
            Mismatch::Cluster(..) => Status::ClusterMismatch,
            Mismatch::Nodes(..) => Status::UnknownNode,
            Mismatch::Timeouts(..) => Status::TimeoutMismatch,
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Version(p, o) => write!(f, "peer protocol version {p}, ours {o}"),
            Mismatch::Cluster(p) => write!(f, "peer is in cluster '{p}', not ours"),
            Mismatch::Nodes(ps, pr, os, or) => write!(
                f,
                "peer says node {ps} talking to node {pr}, expected node {or} talking to node {os}"
            ),
            Mismatch::Timeouts(p, o) => write!(
                f,
                "peer timeouts idle {} keepalive {} reconnect {} dead_threshold {}, \
                 ours {} {} {} {}",
                p.idle_timeout_ms,
                p.keepalive_delay_ms,
                p.reconnect_delay_ms,
                p.dead_threshold,
                o.idle_timeout_ms,
                o.keepalive_delay_ms,
                o.reconnect_delay_ms,
                o.dead_threshold
            ),
        }
    }
}

fn node_at(bytes: &[u8], offset: usize) -> Result<NodeNum, HandshakeError> {
    let raw = read_u8(bytes, offset).ok_or(HandshakeError::Length(bytes.len()))?;
    NodeNum::new(raw).ok_or(HandshakeError::BadNode(raw))
}

impl Handshake {
    /// Decodes a handshake payload, which must be exactly [`HANDSHAKE_LEN`] bytes.
    pub fn decode(bytes: &[u8]) -> Result<Handshake, HandshakeError> {
        let short = HandshakeError::Length(bytes.len());
        if bytes.len() != HANDSHAKE_LEN {
            return Err(short);
        }
        let u32_at = |offset| read_u32(bytes, offset).ok_or(short);
        let reserved = read_u16(bytes, OFFSET_RESERVED).ok_or(short)?;
        if reserved != 0 {
            return Err(HandshakeError::Reserved(reserved));
        }
        let name_field = bytes.get(OFFSET_CLUSTER..CLUSTER_END).ok_or(short)?;
        Ok(Handshake {
            protocol_version: u32_at(OFFSET_VERSION)?,
            sender: node_at(bytes, OFFSET_SENDER)?,
            receiver: node_at(bytes, OFFSET_RECEIVER)?,
            nonce: read_u64(bytes, OFFSET_NONCE).ok_or(short)?,
            period: read_u64(bytes, OFFSET_PERIOD).ok_or(short)?,
            timeouts: Timeouts {
                idle_timeout_ms: u32_at(OFFSET_IDLE)?,
                keepalive_delay_ms: u32_at(OFFSET_KEEPALIVE)?,
                reconnect_delay_ms: u32_at(OFFSET_RECONNECT)?,
                dead_threshold: u32_at(OFFSET_DEAD_THRESHOLD)?,
            },
            cluster: ClusterName::from_padded(name_field).map_err(HandshakeError::ClusterName)?,
        })
    }

    /// Writes the payload to the first [`HANDSHAKE_LEN`] bytes of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<(), HandshakeError> {
        let Some(field) = out.get_mut(..HANDSHAKE_LEN) else {
            return Err(HandshakeError::Length(out.len()));
        };
        let t = &self.timeouts;
        let written = write_u32(field, OFFSET_VERSION, self.protocol_version)
            && write_u8(field, OFFSET_SENDER, self.sender.get())
            && write_u8(field, OFFSET_RECEIVER, self.receiver.get())
            && write_u16(field, OFFSET_RESERVED, 0)
            && write_u64(field, OFFSET_NONCE, self.nonce)
            && write_u32(field, OFFSET_IDLE, t.idle_timeout_ms)
            && write_u32(field, OFFSET_KEEPALIVE, t.keepalive_delay_ms)
            && write_u32(field, OFFSET_RECONNECT, t.reconnect_delay_ms)
            && write_u32(field, OFFSET_DEAD_THRESHOLD, t.dead_threshold)
            && write_u64(field, OFFSET_PERIOD, self.period);
        match field.get_mut(OFFSET_CLUSTER..CLUSTER_END) {
            Some(name) if written && name.len() == ClusterName::CAPACITY => {
                name.copy_from_slice(self.cluster.padded());
                Ok(())
            }
            _ => Err(HandshakeError::Length(out.len())),
        }
    }

    /// Checks a peer's handshake against ours (`self`), in the order the spec gives.
    pub fn check_peer(&self, peer: &Handshake) -> Result<(), Mismatch> {
        if peer.protocol_version != PROTOCOL_VERSION {
            return Err(Mismatch::Version(peer.protocol_version, PROTOCOL_VERSION));
        }
        if peer.cluster != self.cluster {
            return Err(Mismatch::Cluster(peer.cluster));
        }
        if peer.sender != self.receiver || peer.receiver != self.sender {
            return Err(Mismatch::Nodes(
                peer.sender,
                peer.receiver,
                self.sender,
                self.receiver,
            ));
        }
        if peer.timeouts != self.timeouts {
            return Err(Mismatch::Timeouts(peer.timeouts, self.timeouts));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
