// SPDX-License-Identifier: GPL-2.0

//! The authenticated handshake of protocol version 2, as a sans-I/O state machine.
//!
//! Four frames (Documentation/wire-protocol.rst, "Handshake"):
//!
//! 1. `HELLO`, connector to acceptor: the versions and features it speaks, both node numbers,
//!    whether it authenticates, and a fresh 32-byte random challenge. Nothing else about the node.
//! 2. `CHALLENGE`, acceptor to connector: the chosen version and features, its own challenge, and
//!    its proof: a MAC over both frames so far under the pair key. A refusal (another version,
//!    unknown nodes, `auth` differs, no key) is the same frame with a status and no proof.
//! 3. `PROVE`, connector to acceptor, only once the acceptor's proof checked out: the connector's
//!    settings (nonce, timeouts, cluster name) and its proof over them, chained to the acceptor's.
//! 4. `WELCOME`, acceptor to connector, only once the connector's proof checked out: the
//!    acceptor's settings, or a status saying which one differs, and its final proof.
//!
//! The pair key is HMAC-SHA256(master key, "RMST2 pair key" || cluster name || lower node ||
//! higher node) ([`derive_pair_key`]): a node that knows the master key of another cluster, or
//! only its own pairs' keys, cannot pose as a third node. A node may hold only its own pairs'
//! keys ([`Credentials::PairKey`], from a node key set that `ramster-tools keyset` derives), so
//! that a node taken over cannot derive the keys of pairs it is not in. Each proof is a MAC under the pair key with a label of its own
//! (so a proof of one role or step cannot be reflected as another) over the frame's header and
//! payload and the previous proof, so it covers the whole transcript: versions, features, both
//! node numbers, both challenges, the auth mode and both sides' settings. A peer that changes any
//! of them, replays an old handshake or answers with another key fails a proof.
//!
//! The two frame keys ([`super::frame_mac`]) are MACs of the last proof under the pair key, one
//! per direction; a link that encrypts ([`Payloads::Encrypted`], `auth` byte 2, which both sides
//! must send) derives one AES-256 key per direction the same way, under labels of their own. With `auth = none` on both sides the master key is 32 zero bytes: the same
//! frames and checks, but they prove nothing, only that both sides run without a key.

use super::be_bytes::{read_u16, read_u32, read_u8, write_u16, write_u32, write_u8};
use super::connection::Role;
use super::frame_mac::FrameKey;
use super::messages::{Handshake as Settings, HandshakeError, Mismatch, HANDSHAKE_LEN};
use super::names::ClusterName;
use super::node_num::NodeNum;
use super::secret::zeroize;
use super::status::Status;
use super::wire::{decode_header, encode_header, Header, MessageType, WireError, HEADER_LEN};
use crate::os::{ct_eq, random_bytes, CryptoError, Hmac, MAC_LEN};
use core::fmt;

/// The protocol versions this code speaks.
pub const VERSIONS: (u16, u16) = (2, 2);
/// Feature bit: every frame after the handshake carries a MAC (required in version 2).
pub const FEATURE_FRAME_MAC: u32 = 1;
/// Feature bit: the settings carry the up period the sender holds the receiver in, so that a
/// node down seen by one side only is seen by both (required).
pub const FEATURE_PERIODS: u32 = 2;
/// The features this code offers, and requires of its peer.
pub const FEATURES: u32 = FEATURE_FRAME_MAC | FEATURE_PERIODS;

/// Bytes in a challenge.
pub const NONCE_LEN: usize = 32;
/// `HELLO` payload: min u16, max u16, features u32, sender u8, receiver u8, auth u8, zero u8,
/// challenge.
pub const HELLO_LEN: usize = 12 + NONCE_LEN;
/// `CHALLENGE` payload: version u16, highest version u16, features u32, auth u8, three zero
/// bytes, challenge, proof.
pub const CHALLENGE_LEN: usize = 12 + NONCE_LEN + MAC_LEN;
/// `PROVE` and `WELCOME` payload: the settings (the version-1 handshake layout) and a proof.
pub const PROVE_LEN: usize = HANDSHAKE_LEN + MAC_LEN;
/// Room for any handshake frame.
pub const MAX_HANDSHAKE_FRAME: usize = HEADER_LEN + PROVE_LEN;

const LABEL_PAIR: &[u8] = b"RMST2 pair key";
const LABEL_HELLO: &[u8] = b"RMST2 hello";
const LABEL_CHALLENGE: &[u8] = b"RMST2 challenge";
const LABEL_PROVE: &[u8] = b"RMST2 prove";
const LABEL_WELCOME: &[u8] = b"RMST2 welcome";
const LABEL_C2A: &[u8] = b"RMST2 frames connector to acceptor";
const LABEL_A2C: &[u8] = b"RMST2 frames acceptor to connector";
const LABEL_SESSION: &[u8] = b"RMST2 up period";
const LABEL_C2A_CIPHER: &[u8] = b"RMST2 cipher connector to acceptor";
const LABEL_A2C_CIPHER: &[u8] = b"RMST2 cipher acceptor to connector";

/// The key a node authenticates with.
#[derive(Clone, Copy)]
pub enum Credentials<'a> {
    /// `auth = none`: no key; the peer must run without one too.
    None,
    /// `auth = psk` with the cluster's master key (`None`: not configured yet); the pair key
    /// is derived from it.
    Psk(Option<&'a [u8]>),
    /// `auth = psk` with the key of this pair itself (from a node key set), used as it is.
    PairKey(&'a [u8]),
}

/// Whether the link encrypts its frames' payloads (the cluster's `encryption` setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payloads {
    /// Authenticated only: payloads travel in the clear.
    Clear,
    /// Payloads encrypted with AES-256-CTR under per-direction keys, then authenticated
    /// ([`super::frame_mac`]). Needs a key: never with `auth = none`.
    Encrypted,
}

/// The `auth` byte of `HELLO` and `CHALLENGE`: how the sender protects the link. Both sides
/// must say the same, else the acceptor refuses with `AUTH_MISMATCH`.
const AUTH_NONE: u8 = 0;
const AUTH_PSK: u8 = 1;
const AUTH_PSK_ENCRYPTED: u8 = 2;

/// What an `auth` byte means, for messages.
fn auth_words(auth: u8) -> &'static str {
    match auth {
        AUTH_NONE => "auth = none",
        AUTH_PSK => "auth = psk without encryption",
        AUTH_PSK_ENCRYPTED => "auth = psk with encryption",
        _ => "an unknown auth mode",
    }
}

impl Credentials<'_> {
    /// The `auth` byte, or `None` for encryption without a key.
    fn wire(self, payloads: Payloads) -> Option<u8> {
        match (self, payloads) {
            (Credentials::None, Payloads::Clear) => Some(AUTH_NONE),
            (Credentials::None, Payloads::Encrypted) => None,
            (_, Payloads::Clear) => Some(AUTH_PSK),
            (_, Payloads::Encrypted) => Some(AUTH_PSK_ENCRYPTED),
        }
    }
}

/// Why a handshake failed. The socket is closed; the glue logs this (rate-limited) and counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A frame broke the wire rules or came out of order.
    Protocol(WireError),
    /// A frame of a type not expected at this step.
    Unexpected(MessageType),
    /// A payload field is invalid.
    BadPayload(HandshakeError),
    /// The peer speaks versions `.0..=.1`, none of ours.
    Version(u16, u16),
    /// The peer needs the feature set `.0`; we offer `.1`.
    Features(u32, u32),
    /// The peer's `auth` byte (`.0`) differs from ours (`.1`): with or without a key, with or
    /// without encryption.
    AuthMismatch(u8, u8),
    /// The local node authenticates but has no key.
    NoLocalKey,
    /// Encryption was asked for with `auth = none`.
    EncryptionWithoutKey,
    /// The peer says it is node `.0` talking to `.1`; it must be `.2` talking to `.3`.
    Nodes(NodeNum, NodeNum, NodeNum, NodeNum),
    /// A proof did not check out: the peer has another key or cluster name, or it is an attacker.
    BadProof,
    /// The peer's settings differ from ours.
    Mismatch(Mismatch),
    /// The peer refused the handshake with this status.
    PeerRefused(Status),
    /// The crypto API failed.
    Crypto,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Protocol(e) => write!(f, "protocol violation: {e}"),
            Failure::Unexpected(t) => write!(f, "unexpected handshake frame {:#04x}", t.code()),
            Failure::BadPayload(e) => write!(f, "bad handshake: {e}"),
            Failure::Version(min, max) => write!(
                f,
                "peer speaks protocol versions {min}..={max}, we speak {}..={}",
                VERSIONS.0, VERSIONS.1
            ),
            Failure::Features(peer, ours) => {
                write!(f, "peer features {peer:#x} lack required ones of {ours:#x}")
            }
            Failure::AuthMismatch(peer, ours) => write!(
                f,
                "the peer runs with {}, this node with {}",
                auth_words(*peer),
                auth_words(*ours)
            ),
            Failure::NoLocalKey => f.write_str("auth = psk but no key was given (auth_key)"),
            Failure::EncryptionWithoutKey => {
                f.write_str("encryption needs auth = psk: with auth = none there is no key")
            }
            Failure::Nodes(ps, pr, es, er) => write!(
                f,
                "peer says node {ps} talking to node {pr}, expected node {es} talking to node {er}"
            ),
            Failure::BadProof => f.write_str(
                "authentication failed: the peer's proof does not match our key and cluster name",
            ),
            Failure::Mismatch(m) => write!(f, "handshake refused: {m}"),
            Failure::PeerRefused(s) => write!(f, "peer refused the handshake: {s}"),
            Failure::Crypto => f.write_str("the crypto API failed"),
        }
    }
}

impl From<CryptoError> for Failure {
    fn from(_: CryptoError) -> Self {
        Failure::Crypto
    }
}

/// A finished handshake: the peer proved itself.
pub struct Established {
    /// The peer's settings (its nonce says whether it restarted).
    pub peer: Settings,
    /// The key and sequence of frames we send.
    pub send: FrameKey,
    /// The key and sequence of frames we receive.
    pub recv: FrameKey,
    /// This handshake's name for an up period it starts, the same on both sides (never 0).
    pub session: u64,
}

/// What the glue does after a step.
// `Done` carries both frame keys, a few hundred bytes with the host's HMAC state; a step is made
// once per handshake frame and its keys are moved out at once, and there is no allocator to box
// them in.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// Send the first `.0` bytes of the output buffer, then wait for the next frame.
    Send(usize),
    /// The peer proved itself: send the first `.0` bytes of the output (if not 0), then the link
    /// is up with these keys.
    Done(usize, Established),
    /// Send the first `.0` bytes of the output (a refusal, if not 0), then close.
    Fail(usize, Failure),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Connector: HELLO sent, waiting for CHALLENGE. Acceptor: waiting for HELLO.
    First,
    /// Connector: PROVE sent, waiting for WELCOME. Acceptor: CHALLENGE sent, waiting for PROVE.
    Second,
    /// Finished or failed: nothing more is accepted.
    Over,
}

/// One side of one handshake.
pub struct Handshake {
    role: Role,
    stage: Stage,
    /// Our settings: `sender` is the local node, `receiver` the peer it must be.
    ours: Settings,
    auth: u8,
    /// The pair key, or `None` when the local node has no key.
    pair: Option<Hmac>,
    challenge: [u8; NONCE_LEN],
    /// The last proof sent or checked: the next one chains to it.
    chain: [u8; MAC_LEN],
}

/// The MAC under `pair` of a handshake frame: `label`, the previous proof, the header and the
/// payload without its proof field.
fn proof(
    pair: &Hmac,
    label: &[u8],
    chain: &[u8],
    frame: &[u8],
) -> Result<[u8; MAC_LEN], CryptoError> {
    pair.mac(&[label, chain, frame])
}

/// The pair key of nodes `a` and `b` (in either order) of `cluster` under `master`: what a node
/// key set holds for that pair, and what the handshake authenticates that pair with.
pub fn derive_pair_key(
    master: &[u8],
    cluster: &ClusterName,
    a: NodeNum,
    b: NodeNum,
) -> Result<[u8; MAC_LEN], CryptoError> {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    Hmac::new(master)?.mac(&[LABEL_PAIR, cluster.padded(), &[lo.get(), hi.get()]])
}

/// The pair key of nodes `a` and `b` of `cluster` under `master`, ready to make proofs.
fn pair_key(
    master: &[u8],
    cluster: &ClusterName,
    a: NodeNum,
    b: NodeNum,
) -> Result<Hmac, CryptoError> {
    let mut key = derive_pair_key(master, cluster, a, b)?;
    let hmac = Hmac::new(&key);
    zeroize(&mut key);
    hmac
}

fn header_of(frame: &[u8]) -> Result<Header, Failure> {
    decode_header(frame).map_err(Failure::Protocol)
}

/// Writes a handshake frame of `msg_type` and `status` with `payload` (proof field included)
/// to `out`; returns its length.
fn write_frame(
    out: &mut [u8],
    msg_type: MessageType,
    status: Status,
    fill: impl FnOnce(&mut [u8]) -> bool,
) -> Result<usize, Failure> {
    let header = Header::handshake(msg_type, status);
    let len = HEADER_LEN + header.payload_len as usize;
    let frame = out
        .get_mut(..len)
        .ok_or(Failure::Protocol(WireError::BufferTooSmall))?;
    frame.fill(0);
    encode_header(&header, frame).map_err(Failure::Protocol)?;
    if !fill(&mut frame[HEADER_LEN..]) {
        return Err(Failure::Protocol(WireError::BufferTooSmall));
    }
    Ok(len)
}

/// The proof field: the last [`MAC_LEN`] bytes of a frame.
fn split_proof(frame: &[u8]) -> (&[u8], &[u8]) {
    frame.split_at(frame.len().saturating_sub(MAC_LEN))
}

impl Handshake {
    fn new(
        role: Role,
        ours: Settings,
        credentials: Credentials<'_>,
        payloads: Payloads,
    ) -> Result<Self, Failure> {
        let auth = credentials
            .wire(payloads)
            .ok_or(Failure::EncryptionWithoutKey)?;
        let pair = match credentials {
            Credentials::None => Some(zero_key_pair(&ours)?),
            Credentials::Psk(Some(master)) => {
                Some(pair_key(master, &ours.cluster, ours.sender, ours.receiver)?)
            }
            Credentials::PairKey(key) => Some(Hmac::new(key)?),
            Credentials::Psk(None) => None,
        };
        let mut challenge = [0u8; NONCE_LEN];
        random_bytes(&mut challenge);
        Ok(Handshake {
            role,
            stage: Stage::First,
            ours,
            auth,
            pair,
            challenge,
            chain: [0; MAC_LEN],
        })
    }

    /// The connector's side; writes its `HELLO` to `out` and returns its length. `ours` names
    /// the local node as sender and the peer as receiver. Without a key it fails at once.
    pub fn connect(
        ours: Settings,
        credentials: Credentials<'_>,
        payloads: Payloads,
        out: &mut [u8],
    ) -> Result<(Handshake, usize), Failure> {
        let hs = Handshake::new(Role::Connector, ours, credentials, payloads)?;
        if hs.pair.is_none() {
            return Err(Failure::NoLocalKey);
        }
        let len = write_frame(out, MessageType::Hello, Status::Ok, |p| {
            write_u16(p, 0, VERSIONS.0)
                && write_u16(p, 2, VERSIONS.1)
                && write_u32(p, 4, FEATURES)
                && write_u8(p, 8, ours.sender.get())
                && write_u8(p, 9, ours.receiver.get())
                && write_u8(p, 10, hs.auth)
                && copy_into(p, 12, &hs.challenge)
        })?;
        // The HELLO is part of the transcript the acceptor's proof covers.
        let mut hs = hs;
        hs.chain = hs.first_chain(&out[..len])?;
        Ok((hs, len))
    }

    /// The acceptor's side, for a socket from the address of node `ours.receiver`.
    pub fn accept(
        ours: Settings,
        credentials: Credentials<'_>,
        payloads: Payloads,
    ) -> Result<Handshake, Failure> {
        Handshake::new(Role::Acceptor, ours, credentials, payloads)
    }

    /// The MAC of the connector's whole `HELLO` frame: what the acceptor's proof chains to.
    fn first_chain(&self, hello: &[u8]) -> Result<[u8; MAC_LEN], Failure> {
        let pair = self.pair.as_ref().ok_or(Failure::NoLocalKey)?;
        Ok(proof(pair, LABEL_HELLO, &[], hello)?)
    }

    /// Handles the next handshake frame, `frame` (header and payload, as received); writes what
    /// to send to `out` (at least [`MAX_HANDSHAKE_FRAME`] bytes).
    pub fn on_frame(&mut self, frame: &[u8], out: &mut [u8]) -> Step {
        let stage = self.stage;
        self.stage = Stage::Over;
        let result = match (self.role, stage) {
            (Role::Acceptor, Stage::First) => self.on_hello(frame, out),
            (Role::Connector, Stage::First) => self.on_challenge(frame, out),
            (Role::Acceptor, Stage::Second) => self.on_prove(frame, out),
            (Role::Connector, Stage::Second) => self.on_welcome(frame),
            (_, Stage::Over) => Err(match header_of(frame) {
                Ok(header) => Failure::Unexpected(header.msg_type),
                Err(failure) => failure,
            }),
        };
        match result {
            Ok(Step::Send(len)) => {
                self.stage = Stage::Second;
                Step::Send(len)
            }
            Ok(step) => step,
            Err(failure) => Step::Fail(0, failure),
        }
    }

    fn expect(frame: &[u8], msg_type: MessageType) -> Result<Header, Failure> {
        let header = header_of(frame)?;
        if header.msg_type != msg_type {
            return Err(Failure::Unexpected(header.msg_type));
        }
        if frame.len() != HEADER_LEN + header.payload_len as usize {
            return Err(Failure::Protocol(WireError::PayloadMismatch));
        }
        Ok(header)
    }

    /// A `CHALLENGE` that refuses with `status`; the handshake fails with `failure`.
    fn refuse(&self, out: &mut [u8], status: Status, failure: Failure) -> Result<Step, Failure> {
        let len = write_frame(out, MessageType::Challenge, status, |p| {
            write_u16(p, 0, VERSIONS.0) && write_u16(p, 2, VERSIONS.1) && write_u8(p, 8, self.auth)
        })?;
        Ok(Step::Fail(len, failure))
    }

    fn on_hello(&mut self, frame: &[u8], out: &mut [u8]) -> Result<Step, Failure> {
        Self::expect(frame, MessageType::Hello)?;
        let p = &frame[HEADER_LEN..];
        let short = Failure::BadPayload(HandshakeError::Length(p.len()));
        let (min, max) = (read_u16(p, 0).ok_or(short)?, read_u16(p, 2).ok_or(short)?);
        let features = read_u32(p, 4).ok_or(short)?;
        let sender = node(p, 8)?;
        let receiver = node(p, 9)?;
        let auth = read_u8(p, 10).ok_or(short)?;
        let zero = read_u8(p, 11).ok_or(short)?;
        if zero != 0 || auth > AUTH_PSK_ENCRYPTED {
            return Err(Failure::BadPayload(HandshakeError::Reserved(u16::from(
                zero | auth,
            ))));
        }
        if min > max || max < VERSIONS.0 || min > VERSIONS.1 {
            return self.refuse(out, Status::VersionMismatch, Failure::Version(min, max));
        }
        if features & FEATURES != FEATURES {
            let failure = Failure::Features(features, FEATURES);
            return self.refuse(out, Status::VersionMismatch, failure);
        }
        if sender != self.ours.receiver || receiver != self.ours.sender {
            let failure = Failure::Nodes(sender, receiver, self.ours.receiver, self.ours.sender);
            return self.refuse(out, Status::UnknownNode, failure);
        }
        if auth != self.auth {
            let failure = Failure::AuthMismatch(auth, self.auth);
            return self.refuse(out, Status::AuthMismatch, failure);
        }
        if self.pair.is_none() {
            return self.refuse(out, Status::NoKey, Failure::NoLocalKey);
        }
        let chain = self.first_chain(frame)?;
        let version = max.min(VERSIONS.1);
        let challenge = self.challenge;
        let len = write_frame(out, MessageType::Challenge, Status::Ok, |p| {
            write_u16(p, 0, version)
                && write_u16(p, 2, VERSIONS.1)
                && write_u32(p, 4, features & FEATURES)
                && write_u8(p, 8, self.auth)
                && copy_into(p, 12, &challenge)
        })?;
        self.chain = self.sign(LABEL_CHALLENGE, chain, &mut out[..len])?;
        Ok(Step::Send(len))
    }

    /// Writes the proof of `frame` (its last [`MAC_LEN`] bytes) chained to `chain`.
    fn sign(
        &self,
        label: &[u8],
        chain: [u8; MAC_LEN],
        frame: &mut [u8],
    ) -> Result<[u8; MAC_LEN], Failure> {
        let pair = self.pair.as_ref().ok_or(Failure::NoLocalKey)?;
        let (body, field) = frame.split_at_mut(frame.len().saturating_sub(MAC_LEN));
        let mac = proof(pair, label, &chain, body)?;
        field.copy_from_slice(&mac);
        Ok(mac)
    }

    /// Checks the proof of `frame` chained to our last proof; on success it becomes the chain.
    fn check(&mut self, label: &[u8], frame: &[u8]) -> Result<(), Failure> {
        let pair = self.pair.as_ref().ok_or(Failure::NoLocalKey)?;
        let (body, field) = split_proof(frame);
        let expected = proof(pair, label, &self.chain, body)?;
        if !ct_eq(&expected, field) {
            return Err(Failure::BadProof);
        }
        self.chain = expected;
        Ok(())
    }

    fn on_challenge(&mut self, frame: &[u8], out: &mut [u8]) -> Result<Step, Failure> {
        let header = Self::expect(frame, MessageType::Challenge)?;
        let p = &frame[HEADER_LEN..];
        let short = Failure::BadPayload(HandshakeError::Length(p.len()));
        if header.status != Status::Ok {
            // Unauthenticated, like any refusal before proofs: it can only make us close.
            return Err(match header.status {
                Status::VersionMismatch => {
                    Failure::Version(read_u16(p, 0).ok_or(short)?, read_u16(p, 2).ok_or(short)?)
                }
                status => Failure::PeerRefused(status),
            });
        }
        let version = read_u16(p, 0).ok_or(short)?;
        let features = read_u32(p, 4).ok_or(short)?;
        let auth = read_u8(p, 8).ok_or(short)?;
        if !(VERSIONS.0..=VERSIONS.1).contains(&version) {
            return Err(Failure::Version(version, version));
        }
        if features != FEATURES {
            return Err(Failure::Features(features, FEATURES));
        }
        if auth != self.auth {
            return Err(Failure::AuthMismatch(auth, self.auth));
        }
        // The acceptor proves itself first: nothing about this node is sent before.
        self.check(LABEL_CHALLENGE, frame)?;
        let len = self.write_settings(out, MessageType::Prove, Status::Ok, LABEL_PROVE)?;
        Ok(Step::Send(len))
    }

    /// Writes our settings in a `PROVE` or `WELCOME` frame with `status`, signed with `label`.
    fn write_settings(
        &mut self,
        out: &mut [u8],
        msg_type: MessageType,
        status: Status,
        label: &[u8],
    ) -> Result<usize, Failure> {
        let ours = self.ours;
        let len = write_frame(out, msg_type, status, |p| ours.encode(p).is_ok())?;
        self.chain = self.sign(label, self.chain, &mut out[..len])?;
        Ok(len)
    }

    /// The peer's settings in a `PROVE` or `WELCOME` payload.
    fn settings(frame: &[u8]) -> Result<Settings, Failure> {
        let payload = frame
            .get(HEADER_LEN..HEADER_LEN + HANDSHAKE_LEN)
            .unwrap_or(&[]);
        Settings::decode(payload).map_err(Failure::BadPayload)
    }

    fn on_prove(&mut self, frame: &[u8], out: &mut [u8]) -> Result<Step, Failure> {
        Self::expect(frame, MessageType::Prove)?;
        self.check(LABEL_PROVE, frame)?;
        let peer = Self::settings(frame)?;
        let (status, failure) = match self.ours.check_peer(&peer) {
            Ok(()) => (Status::Ok, None),
            Err(mismatch) => (mismatch.status(), Some(Failure::Mismatch(mismatch))),
        };
        let len = self.write_settings(out, MessageType::Welcome, status, LABEL_WELCOME)?;
        match failure {
            Some(failure) => Ok(Step::Fail(len, failure)),
            None => Ok(Step::Done(len, self.established(peer)?)),
        }
    }

    fn on_welcome(&mut self, frame: &[u8]) -> Result<Step, Failure> {
        let header = Self::expect(frame, MessageType::Welcome)?;
        self.check(LABEL_WELCOME, frame)?;
        let peer = Self::settings(frame)?;
        if header.status != Status::Ok {
            return Err(Failure::PeerRefused(header.status));
        }
        self.ours.check_peer(&peer).map_err(Failure::Mismatch)?;
        Ok(Step::Done(0, self.established(peer)?))
    }

    /// One direction's frame key from the last proof, with its cipher if the link encrypts.
    fn frame_key(
        &self,
        pair: &Hmac,
        mac_label: &[u8],
        cipher_label: &[u8],
    ) -> Result<FrameKey, Failure> {
        let key = FrameKey::new(&pair.mac(&[mac_label, &self.chain])?)?;
        if self.auth != AUTH_PSK_ENCRYPTED {
            return Ok(key);
        }
        let mut cipher_key = pair.mac(&[cipher_label, &self.chain])?;
        let key = key.with_cipher(&cipher_key);
        zeroize(&mut cipher_key);
        Ok(key?)
    }

    /// The frame keys, from the last proof.
    fn established(&self, peer: Settings) -> Result<Established, Failure> {
        let pair = self.pair.as_ref().ok_or(Failure::NoLocalKey)?;
        let c2a = self.frame_key(pair, LABEL_C2A, LABEL_C2A_CIPHER)?;
        let a2c = self.frame_key(pair, LABEL_A2C, LABEL_A2C_CIPHER)?;
        let (send, recv) = match self.role {
            Role::Connector => (c2a, a2c),
            Role::Acceptor => (a2c, c2a),
        };
        let session = pair.mac(&[LABEL_SESSION, &self.chain])?;
        let session = session
            .first_chunk::<8>()
            .map_or(1, |head| u64::from_be_bytes(*head).max(1));
        Ok(Established {
            peer,
            send,
            recv,
            session,
        })
    }
}

/// A `CHALLENGE` refusing a peer that speaks another frame version (its `HELLO` could not even
/// be decoded): it names the versions we speak. Returns its length in `out`.
pub fn refuse_version(out: &mut [u8]) -> usize {
    write_frame(out, MessageType::Challenge, Status::VersionMismatch, |p| {
        write_u16(p, 0, VERSIONS.0) && write_u16(p, 2, VERSIONS.1)
    })
    .unwrap_or(0)
}

/// The pair "key" of `auth = none`: derived from 32 zero bytes.
fn zero_key_pair(ours: &Settings) -> Result<Hmac, CryptoError> {
    pair_key(&[0; 32], &ours.cluster, ours.sender, ours.receiver)
}

fn node(p: &[u8], offset: usize) -> Result<NodeNum, Failure> {
    let raw = read_u8(p, offset).ok_or(Failure::BadPayload(HandshakeError::Length(p.len())))?;
    NodeNum::new(raw).ok_or(Failure::BadPayload(HandshakeError::BadNode(raw)))
}

fn copy_into(p: &mut [u8], offset: usize, bytes: &[u8]) -> bool {
    match p.get_mut(offset..offset + bytes.len()) {
        Some(field) => {
            field.copy_from_slice(bytes);
            true
        }
        None => false,
    }
}

#[cfg(test)]
#[path = "handshake_tests.rs"]
mod tests;
