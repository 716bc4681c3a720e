// SPDX-License-Identifier: GPL-2.0

//! The cluster layer: how ramster nodes find, trust and talk to each other.
//!
//! This tree is pure `core` logic, shared by the kernel module and the host library (which tests
//! it with cargo). The kernel glue (sockets, configfs, workqueues) feeds it bytes, text and events
//! and carries out the actions it returns. The wire format is specified in
//! `Documentation/wire-protocol.rst`.
//!
//! - [`wire`]: the 24-byte frame header, its encoding and its validation.
//! - [`handshake`]: the authenticated handshake (both sides prove the pre-shared key), and
//!   [`frame_mac`] the MAC and sequence number every later frame carries.
//! - [`messages`]: the settings each side sends in the handshake.
//! - [`tmem_messages`]: the payloads of the remote tmem operations.
//! - [`connection`]: the per-peer connection state machine, and [`connection_events`] what
//!   goes in and out of it.
//! - [`heartbeat`]: the per-peer liveness state machine.
//! - [`peer`]: one peer's connection and heartbeat, wired together.
//! - [`dispatch`] and [`waiters`]: the messaging API's handler table and its requests waiting
//!   for replies.
//! - [`nodemanager`]: the configfs rules for the cluster and its nodes.
//! - [`names`]: cluster and node names.
//! - [`node_events`]: node ups and downs waiting for the node callbacks.
//! - [`secret`]: the pre-shared master key, wiped on drop.
//! - [`latency`]: mean and percentiles of the in-kernel benchmarks' timings.
//! - [`log_limit`]: the rate limit of the log lines a remote host can cause.

//!
//! How the kernel glue drives it, per peer node (one [`peer::Peer`] each):
//!
//! - Timers: wake at the earliest of [`peer::Peer::next_deadline`] and
//!   [`waiters::WaiterTable::next_deadline`]; deliver `Event::Tick`, and fail expired waiters.
//! - Accept: look the source address up with [`nodemanager::Cluster::node_by_address`]; close
//!   unknown addresses at once, else hand `Event::Accepted` to that node's peer.
//! - Receive (process context): read [`wire::HEADER_LEN`] bytes, [`wire::decode_header`] (an
//!   error becomes `Event::Invalid`), read `payload_len` bytes, deliver `Event::Frame`. On
//!   `Action::Dispatch`, [`dispatch::HandlerTable::route`] says whether to call the handler,
//!   answer with a status, discard, or complete a waiter through [`waiters::WaiterTable::reply`].
//! - Send: [`waiters::WaiterTable::begin`] for a request id, [`wire::encode_frame`], and control
//!   frames from `Outgoing::encode`.
//! - Link and node changes: `Action::LinkUp`/`LinkDown` update
//!   [`nodemanager::Cluster::set_connected`]; on `LinkDown` and on a node going down, fail the
//!   connection's waiters with [`waiters::WaiterTable::fail_conn`].

pub mod be_bytes;
pub mod config_text;
pub mod connection;
pub mod connection_events;
pub mod crc32c;
pub mod dispatch;
pub mod errno;
pub mod frame_mac;
pub mod frame_stream;
pub mod handshake;
pub mod heartbeat;
pub mod latency;
pub mod log_limit;
pub mod messages;
pub mod names;
pub mod node_events;
pub mod node_num;
pub mod nodemanager;
pub mod nodemanager_errors;
pub mod peer;
pub mod room_waiters;
pub mod secret;
pub mod status;
pub mod timeouts;
pub mod tmem_messages;
pub mod waiters;
pub mod wire;
