// SPDX-License-Identifier: GPL-2.0

//! The cluster layer: how ramster nodes find, trust and talk to each other.
//!
//! This tree is pure `core` logic, shared by the kernel module and the host library (which tests
//! it with cargo). The kernel glue (sockets, configfs, workqueues) feeds it bytes, text and events
//! and carries out the actions it returns. The wire format is specified in
//! `Documentation/wire-protocol.rst`.
//!
//! - [`wire`]: the 24-byte frame header, its encoding and its validation.
//! - [`messages`]: the handshake payload.
//! - [`tmem_messages`]: the payloads of the remote tmem operations.
//! - [`connection`]: the per-peer connection state machine, and [`connection_events`] what
//!   goes in and out of it.
//! - [`heartbeat`]: the per-peer liveness state machine.
//! - [`peer`]: one peer's connection and heartbeat, wired together.
//! - [`dispatch`] and [`waiters`]: the messaging API's handler table and its requests waiting
//!   for replies.
//! - [`nodemanager`]: the configfs rules for the cluster and its nodes.
//! - [`names`]: cluster and node names.

pub mod be_bytes;
pub mod config_text;
pub mod connection;
pub mod connection_events;
pub mod crc32c;
pub mod dispatch;
pub mod errno;
pub mod heartbeat;
pub mod messages;
pub mod names;
pub mod node_num;
pub mod nodemanager;
pub mod nodemanager_errors;
pub mod peer;
pub mod status;
pub mod timeouts;
pub mod tmem_messages;
pub mod waiters;
pub mod wire;
