// SPDX-License-Identifier: GPL-2.0

//! The authenticated handshake on a new socket, before the peer's connection hears of it.
//!
//! [`accept`] and [`connect`] run `cluster/handshake.rs` on a [`Conn`]: they read each frame
//! (header checked by the wire codec first, only handshake types, at most one handshake frame
//! buffered), hand it to the state machine and send what it answers, without a MAC. The whole
//! handshake must finish within the idle timeout (one deadline for all its reads), so a peer
//! that connects and says nothing, or trickles, holds a worker at most that long. On success the
//! connection gets its send key and the caller its receive key; the socket is then the peer's.
//!
//! The key (the pair's own, else the master key) is read from the cluster configuration under the
//! cluster mutex and copied out (a [`MasterKey`] wipes itself when dropped); the handshake's crypto
//! runs without the mutex.

use super::conn::Conn;
use super::socket::{Deadline, Received};
use super::state::State;
use crate::cluster::frame_mac::FrameKey;
use crate::cluster::handshake::{
    refuse_version, Credentials, Established, Failure, Handshake, Payloads, Step,
    MAX_HANDSHAKE_FRAME,
};
use crate::cluster::heartbeat::Handshaken;
use crate::cluster::messages::Handshake as Settings;
use crate::cluster::node_num::NodeNum;
use crate::cluster::nodemanager::{AuthSetting, EncryptionMode};
use crate::cluster::secret::MasterKey;
use crate::cluster::wire::{decode_header, WireError, HEADER_LEN};
use core::fmt;
use kernel::prelude::*;

/// The local node's key, copied out of the configuration.
enum LocalKey {
    /// `auth = none`.
    None,
    /// `auth = psk`, with the master key if one was given.
    Psk(Option<MasterKey>),
    /// `auth = psk`, with the key of this pair (`node/<n>/auth_key`).
    PairKey(MasterKey),
}

/// How the local node protects a link: its key and whether payloads are encrypted.
pub(crate) struct LocalAuth {
    key: LocalKey,
    payloads: Payloads,
}

impl LocalAuth {
    /// The setting of the configured cluster for a connection with node `peer` (`None` if
    /// there is no cluster): the pair's own key if it has one, else the master key.
    pub(crate) fn of(st: &mut State, peer: NodeNum) -> Option<LocalAuth> {
        let pair_key = st.pair_keys.get(peer).cloned();
        let cluster = st.subsystem.cluster()?;
        let key = match (cluster.auth(), pair_key) {
            (AuthSetting::None, _) => LocalKey::None,
            (AuthSetting::Psk(_), Some(key)) => LocalKey::PairKey(key),
            (AuthSetting::Psk(master), None) => LocalKey::Psk(master.cloned()),
        };
        let payloads = match cluster.encryption() {
            EncryptionMode::None => Payloads::Clear,
            EncryptionMode::Aes256Ctr => Payloads::Encrypted,
        };
        Some(LocalAuth { key, payloads })
    }

    fn credentials(&self) -> Credentials<'_> {
        match &self.key {
            LocalKey::None => Credentials::None,
            LocalKey::Psk(key) => Credentials::Psk(key.as_ref().map(MasterKey::as_bytes)),
            LocalKey::PairKey(key) => Credentials::PairKey(key.as_bytes()),
        }
    }

    /// Logs, at every link that comes up without authentication, that it did.
    pub(crate) fn warn_if_none(&self, peer: NodeNum) {
        if let LocalKey::None = self.key {
            pr_warn!(
                "cluster: node {}: link is not authenticated (auth = none)\n",
                peer
            );
        }
    }
}

/// Why a handshake ended without a link.
pub(crate) enum Ended {
    /// The protocol said no (the peer's proof, versions, settings...).
    Failed(Failure),
    /// The socket failed, closed or timed out.
    Io(Error),
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ended::Failed(failure) => write!(f, "{failure}"),
            Ended::Io(e) if *e == EAGAIN => f.write_str("handshake not finished in time"),
            Ended::Io(e) => write!(f, "socket error {} during the handshake", e.to_errno()),
        }
    }
}

/// What a finished handshake leaves the receive worker.
pub(crate) struct Link {
    /// The peer's nonce (a new one: it restarted).
    pub(crate) nonce: u64,
    /// The up period the peer holds us in (0: down).
    pub(crate) period: u64,
    /// The up period this handshake starts, if one starts.
    pub(crate) session: u64,
    /// The key and sequence of the frames it sends us.
    pub(crate) recv: FrameKey,
}

impl Link {
    /// What the handshake tells the heartbeat, given the settings we sent.
    pub(crate) fn handshaken(&self, ours: &Settings) -> Handshaken {
        Handshaken {
            nonce: self.nonce,
            session: self.session,
            ours: ours.period,
            theirs: self.period,
        }
    }
}

/// Accepts the handshake of the peer that `ours.receiver` must be, on `c`.
pub(crate) fn accept(
    c: &Conn,
    ours: Settings,
    auth: &LocalAuth,
    timeout_ms: u32,
) -> Result<Link, Ended> {
    let hs = Handshake::accept(ours, auth.credentials(), auth.payloads).map_err(Ended::Failed)?;
    drive(c, hs, &[], timeout_ms)
}

/// Runs the connector's side of the handshake on `c`.
pub(crate) fn connect(
    c: &Conn,
    ours: Settings,
    auth: &LocalAuth,
    timeout_ms: u32,
) -> Result<Link, Ended> {
    let mut hello = [0u8; MAX_HANDSHAKE_FRAME];
    let (hs, len) = Handshake::connect(ours, auth.credentials(), auth.payloads, &mut hello)
        .map_err(Ended::Failed)?;
    drive(c, hs, &hello[..len], timeout_ms)
}

fn recv(c: &Conn, buf: &mut [u8], deadline: Deadline) -> Result<(), Ended> {
    match c.recv_exact_by(buf, deadline) {
        Ok(Received::Full) => Ok(()),
        Ok(Received::Closed) => Err(Ended::Io(EPIPE)),
        Err(e) => Err(Ended::Io(e)),
    }
}

fn send(c: &Conn, frame: &[u8]) -> Result<(), Ended> {
    c.send_handshake(frame).map_err(Ended::Io)
}

/// Sends `first` (if any), then answers frames until the handshake ends.
fn drive(c: &Conn, mut hs: Handshake, first: &[u8], timeout_ms: u32) -> Result<Link, Ended> {
    // One deadline for the whole handshake, however the peer splits its frames.
    let deadline = Deadline::after_ms(timeout_ms);
    if !first.is_empty() {
        send(c, first)?;
    }
    let mut frame = [0u8; MAX_HANDSHAKE_FRAME];
    let mut out = [0u8; MAX_HANDSHAKE_FRAME];
    loop {
        recv(c, &mut frame[..HEADER_LEN], deadline)?;
        let header = match decode_header(&frame[..HEADER_LEN]) {
            Ok(header) => header,
            Err(e @ WireError::UnsupportedVersion(_)) => {
                // Tell a peer of another version which one we speak before closing.
                if first.is_empty() {
                    let len = refuse_version(&mut out);
                    let _ = send(c, &out[..len]);
                }
                return Err(Ended::Failed(Failure::Protocol(e)));
            }
            Err(e) => return Err(Ended::Failed(Failure::Protocol(e))),
        };
        if !header.msg_type.is_handshake() {
            return Err(Ended::Failed(Failure::Unexpected(header.msg_type)));
        }
        // A handshake type's payload is at most its fixed length: it fits the buffer.
        let len = HEADER_LEN + header.payload_len as usize;
        let Some(whole) = frame.get_mut(..len) else {
            return Err(Ended::Failed(Failure::Protocol(WireError::BufferTooSmall)));
        };
        recv(c, &mut whole[HEADER_LEN..], deadline)?;
        match hs.on_frame(whole, &mut out) {
            Step::Send(n) => send(c, &out[..n])?,
            Step::Done(
                n,
                Established {
                    peer,
                    send: key,
                    recv: recv_key,
                    session,
                },
            ) => {
                if n > 0 {
                    send(c, &out[..n])?;
                }
                c.seal_with(key).map_err(Ended::Io)?;
                return Ok(Link {
                    nonce: peer.nonce,
                    period: peer.period,
                    session,
                    recv: recv_key,
                });
            }
            Step::Fail(n, failure) => {
                if n > 0 {
                    let _ = send(c, &out[..n]);
                }
                return Err(Ended::Failed(failure));
            }
        }
    }
}
