// SPDX-License-Identifier: GPL-2.0

//! What goes into the connection state machine ([`Event`]) and what comes out ([`Action`]),
//! with the control frames it asks the glue to send ([`Outgoing`]) and why it closes a socket
//! ([`CloseReason`], which the glue logs).

use super::connection::ConnId;
use super::frame_mac::FrameMacError;
use super::handshake::Failure;
use super::heartbeat::Handshaken;
use super::wire::{encode_header, Header, MessageType, WireError, HEADER_LEN};
use core::fmt;

/// Something that happened to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Time passed (deliver at least at [`super::connection::Connection::next_deadline`]).
    Tick,
    /// The TCP connect of socket `conn` finished, successfully or not.
    ConnectDone {
        /// The socket.
        conn: ConnId,
        /// Whether it connected.
        ok: bool,
    },
    /// A socket from the peer's address was accepted and the peer proved itself on it (the
    /// handshake finished); the answer adopts or closes it.
    Accepted {
        /// The peer's nonce and what both sides' settings said.
        handshaken: Handshaken,
    },
    /// The connector's handshake on `conn` finished: the peer proved itself.
    Authenticated {
        /// The socket.
        conn: ConnId,
        /// The peer's nonce and what both sides' settings said.
        handshaken: Handshaken,
    },
    /// A valid frame arrived on `conn` (header decoded, payload read in full, MAC checked).
    Frame {
        /// The socket.
        conn: ConnId,
        /// Its header, validated by [`super::wire::decode_header`].
        header: Header,
    },
    /// Message frames (replies, application and tmem messages) arrived on `conn` while its
    /// link was up, the last at time `at`; the glue dispatched them itself, without a
    /// [`Event::Frame`] each, and reports when it last heard the peer (the ticker does, before
    /// it delivers [`Event::Tick`]).
    Heard {
        /// The socket.
        conn: ConnId,
        /// When the last of them arrived (milliseconds, monotonic; at most the event's time).
        at: u64,
    },
    /// The bytes on `conn` broke the wire rules.
    Invalid {
        /// The socket.
        conn: ConnId,
        /// What was wrong.
        error: WireError,
    },
    /// The connector's handshake on `conn` failed.
    HandshakeFailed {
        /// The socket.
        conn: ConnId,
        /// Why.
        failure: Failure,
    },
    /// A frame on `conn` failed its MAC.
    FrameMac {
        /// The socket.
        conn: ConnId,
        /// What was wrong.
        error: FrameMacError,
    },
    /// The peer closed `conn`, or it failed.
    Closed {
        /// The socket.
        conn: ConnId,
    },
    /// This side shut `conn` down because a frame's send failed.
    SendFailed {
        /// The socket.
        conn: ConnId,
        /// Whether the send ran out of time (the peer did not take the frame within the send
        /// timeout), rather than failing at once.
        timed_out: bool,
    },
    /// The heartbeat declared the peer down: close now.
    DeclaredDown,
    /// The peer was removed or the local node stops: close, and stay closed.
    Stop,
}

/// A control frame the glue should send; [`Outgoing::encode`] writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outgoing {
    /// A keepalive request with this id.
    KeepaliveRequest(u64),
    /// The answer to the keepalive request with this id.
    KeepaliveReply(u64),
}

/// Something the glue must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open a socket to the peer's address; it is `ConnId` from now on.
    Connect(ConnId),
    /// The socket just accepted is `ConnId` from now on.
    Adopt(ConnId),
    /// Send a control frame on the socket.
    Send(ConnId, Outgoing),
    /// Hand the frame just received on the socket to the messaging layer.
    Dispatch(ConnId),
    /// Close the socket (for the socket just accepted: refuse it) and log the reason.
    Close(ConnId, CloseReason),
    /// The handshake succeeded: tell the heartbeat.
    LinkUp {
        /// The peer's nonce and what both sides' settings said.
        handshaken: Handshaken,
    },
    /// A link that was up is gone: wake its waiters with `ENOTCONN`, tell the heartbeat.
    LinkDown,
}

/// Why a socket is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The TCP connect failed.
    ConnectFailed,
    /// The TCP connect took longer than the idle timeout.
    ConnectTimeout,
    /// Nothing was heard for the idle timeout.
    IdleTimeout,
    /// The peer closed the connection or it failed.
    PeerClosed,
    /// A frame's send did not finish within the send timeout: the peer stopped reading.
    SendTimedOut,
    /// A frame's send failed.
    SendFailed,
    /// The peer broke the frame rules.
    Protocol(WireError),
    /// A frame of a type not allowed at this point (before or after the handshake).
    Unexpected(MessageType),
    /// The handshake failed.
    Handshake(Failure),
    /// A frame's MAC did not check out.
    FrameMac(FrameMacError),
    /// A newer connection from the peer replaces this one.
    Replaced,
    /// The peer connected although the local node is the one that connects.
    WrongDirection,
    /// The heartbeat declared the peer down.
    DeclaredDown,
    /// The peer was removed or the local node stopped.
    Stopped,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::ConnectFailed => f.write_str("connect failed"),
            CloseReason::ConnectTimeout => f.write_str("connect timed out"),
            CloseReason::IdleTimeout => f.write_str("nothing heard for the idle timeout"),
            CloseReason::PeerClosed => f.write_str("closed by the peer"),
            CloseReason::SendTimedOut => f.write_str("a send timed out (the peer stopped reading)"),
            CloseReason::SendFailed => f.write_str("a send failed"),
            CloseReason::Protocol(e) => write!(f, "protocol violation: {e}"),
            CloseReason::Unexpected(t) => {
                write!(
                    f,
                    "protocol violation: unexpected message type {:#04x}",
                    t.code()
                )
            }
            CloseReason::Handshake(e) => write!(f, "handshake failed: {e}"),
            CloseReason::FrameMac(e) => write!(f, "{e}"),
            CloseReason::Replaced => f.write_str("replaced by a new connection from the peer"),
            CloseReason::WrongDirection => {
                f.write_str("refused: the peer has the lower node number and must not connect")
            }
            CloseReason::DeclaredDown => f.write_str("peer declared down by the heartbeat"),
            CloseReason::Stopped => f.write_str("node removed or networking stopped"),
        }
    }
}

impl Outgoing {
    /// Writes the frame's header to `out` (at least [`HEADER_LEN`] bytes); returns its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let header = match *self {
            Outgoing::KeepaliveRequest(id) => Header::keepalive_request(id),
            Outgoing::KeepaliveReply(id) => Header::keepalive_reply(id),
        };
        encode_header(&header, out)?;
        Ok(HEADER_LEN)
    }
}

/// The actions of one step: at most [`Actions::CAPACITY`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actions {
    items: [Option<Action>; Actions::CAPACITY],
}

impl Actions {
    /// Room for the actions of one step.
    pub const CAPACITY: usize = 5;

    /// No actions.
    pub fn new() -> Actions {
        Actions {
            items: [None; Actions::CAPACITY],
        }
    }

    /// Appends `action`. A step produces at most four actions (an accepted socket replacing the
    /// current one: close, link down, adopt, link up; the connection's property test checks that
    /// a list never fills up), so nothing is ever dropped here.
    pub fn push(&mut self, action: Action) {
        if let Some(slot) = self.items.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some(action);
        }
    }

    /// The actions, in order.
    pub fn iter(&self) -> impl Iterator<Item = Action> + '_ {
        self.items.iter().flatten().copied()
    }

    /// How many actions there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Actions {
    fn default() -> Self {
        Actions::new()
    }
}
