// SPDX-License-Identifier: GPL-2.0

//! The connection to one peer, as a state machine: events in, state change and actions out.
//!
//! The kernel glue owns the sockets and the clock. It feeds [`Connection::handle`] what happened
//! (a tick, a finished connect, an accepted socket, a decoded frame, an error, a close) and
//! carries out the returned [`Action`]s (connect, send a control frame, hand a frame to the
//! messaging layer, close a socket). It calls [`Connection::handle`] with [`Event::Tick`] no
//! later than [`Connection::next_deadline`]. Nothing here blocks, allocates or panics.
//!
//! Rules (Documentation/wire-protocol.rst): the higher-numbered node connects, the lower one
//! accepts; the glue runs the authenticated handshake (`handshake.rs`) on each socket before
//! this machine hears of it, so an accepted socket is one whose peer proved itself, and only
//! such a socket replaces the current one; a connection silent for the idle timeout is closed;
//! a side that heard nothing for the keepalive delay sends a keepalive request; the connector
//! waits the reconnect delay after any close. Every socket gets a [`ConnId`]; events about a
//! socket that is no longer the current one are ignored.

use super::connection_events::{Action, Actions, CloseReason, Event, Outgoing};
use super::heartbeat::Handshaken;
use super::messages::Handshake;
use super::node_num::NodeNum;
use super::wire::{Header, MessageType};
use core::fmt;

/// Identifies one socket of this peer; a new one for every connect or accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Which side of the connection the local node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The local node has the higher number: it connects.
    Connector,
    /// The local node has the lower number: it accepts.
    Acceptor,
}

impl Role {
    /// The local node's role towards `peer` (`None` for itself).
    pub fn between(local: NodeNum, peer: NodeNum) -> Option<Role> {
        match local.cmp(&peer) {
            core::cmp::Ordering::Greater => Some(Role::Connector),
            core::cmp::Ordering::Less => Some(Role::Acceptor),
            core::cmp::Ordering::Equal => None,
        }
    }
}

/// The state of the link to the peer, as `node/<name>/link` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// No socket. The connector waits for its reconnect time.
    Down,
    /// The connector's TCP connect is in progress.
    Connecting,
    /// The socket is open and the handshake is not complete.
    Handshaking,
    /// The handshake succeeded: messages flow.
    Up,
    /// The peer was removed or the local node stopped: nothing happens any more.
    Stopped,
}

impl LinkState {
    /// The word `node/<name>/link` shows.
    pub fn name(self) -> &'static str {
        match self {
            LinkState::Down => "down",
            LinkState::Connecting => "connecting",
            LinkState::Handshaking => "handshaking",
            LinkState::Up => "up",
            LinkState::Stopped => "stopped",
        }
    }
}

impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The connection to one peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Connection {
    role: Role,
    ours: Handshake,
    state: LinkState,
    /// The current socket (in every state but `Down` and `Stopped`).
    current: Option<ConnId>,
    next_conn: u64,
    /// Connector in `Down`: when to connect again.
    reconnect_at: u64,
    /// When the current socket was opened or last heard from.
    last_heard: u64,
    /// When the last keepalive request went out on the current socket.
    last_keepalive_sent: Option<u64>,
    next_keepalive_id: u64,
}

impl Connection {
    /// The connection described by our handshake `ours` (local node = `ours.sender`, peer =
    /// `ours.receiver`), at time `now`; `None` if both are the same node. A connector connects
    /// at its first tick.
    pub fn new(ours: Handshake, now: u64) -> Option<Connection> {
        Some(Connection {
            role: Role::between(ours.sender, ours.receiver)?,
            ours,
            state: LinkState::Down,
            current: None,
            next_conn: 1,
            reconnect_at: now,
            last_heard: now,
            last_keepalive_sent: None,
            next_keepalive_id: 1,
        })
    }

    /// The link's state.
    pub fn state(&self) -> LinkState {
        self.state
    }

    /// The local node's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The current socket, if there is one.
    pub fn current(&self) -> Option<ConnId> {
        self.current
    }

    /// The latest time at which the glue must deliver [`Event::Tick`].
    pub fn next_deadline(&self) -> Option<u64> {
        let t = &self.ours.timeouts;
        let idle_deadline = self.last_heard.saturating_add(u64::from(t.idle_timeout_ms));
        match self.state {
            LinkState::Down if self.role == Role::Connector => Some(self.reconnect_at),
            LinkState::Down | LinkState::Stopped => None,
            LinkState::Connecting | LinkState::Handshaking => Some(idle_deadline),
            LinkState::Up => Some(idle_deadline.min(self.keepalive_due())),
        }
    }

    /// When the next keepalive request is due while the peer stays silent.
    fn keepalive_due(&self) -> u64 {
        let since = self
            .last_keepalive_sent
            .map_or(self.last_heard, |sent| sent.max(self.last_heard));
        since.saturating_add(u64::from(self.ours.timeouts.keepalive_delay_ms))
    }

    /// Handles `event`, which happened at time `now` (milliseconds, monotonic).
    pub fn handle(&mut self, now: u64, event: Event) -> Actions {
        let mut actions = Actions::new();
        if self.state == LinkState::Stopped {
            if let Event::Accepted { .. } = event {
                self.refuse_new_socket(&mut actions, CloseReason::Stopped);
            }
            return actions;
        }
        match event {
            Event::Tick => self.tick(now, &mut actions),
            Event::Accepted { handshaken } => self.accepted(now, handshaken, &mut actions),
            Event::Stop => {
                self.close(now, CloseReason::Stopped, &mut actions);
                self.state = LinkState::Stopped;
            }
            Event::DeclaredDown => self.close(now, CloseReason::DeclaredDown, &mut actions),
            Event::ConnectDone { conn, ok } if self.is_current(conn, LinkState::Connecting) => {
                if ok {
                    self.state = LinkState::Handshaking;
                    self.last_heard = now;
                } else {
                    self.close(now, CloseReason::ConnectFailed, &mut actions);
                }
            }
            Event::Closed { conn } if Some(conn) == self.current => {
                self.close(now, CloseReason::PeerClosed, &mut actions)
            }
            Event::SendFailed { conn, timed_out } if Some(conn) == self.current => {
                let reason = match timed_out {
                    true => CloseReason::SendTimedOut,
                    false => CloseReason::SendFailed,
                };
                self.close(now, reason, &mut actions)
            }
            Event::Invalid { conn, error } if Some(conn) == self.current => {
                self.close(now, CloseReason::Protocol(error), &mut actions)
            }
            Event::HandshakeFailed { conn, failure } if Some(conn) == self.current => {
                self.close(now, CloseReason::Handshake(failure), &mut actions)
            }
            Event::FrameMac { conn, error } if Some(conn) == self.current => {
                self.close(now, CloseReason::FrameMac(error), &mut actions)
            }
            Event::Authenticated { conn, handshaken }
                if self.is_current(conn, LinkState::Handshaking) =>
            {
                self.authenticated(now, handshaken, &mut actions)
            }
            Event::Frame { conn, header } if Some(conn) == self.current => {
                self.frame(now, conn, header, &mut actions)
            }
            Event::Heard { conn, at } if self.is_current(conn, LinkState::Up) => {
                self.last_heard = self.last_heard.max(at.min(now));
            }
            // About a socket that is no longer current: it was already closed.
            Event::ConnectDone { .. }
            | Event::Authenticated { .. }
            | Event::HandshakeFailed { .. }
            | Event::FrameMac { .. }
            | Event::Closed { .. }
            | Event::SendFailed { .. }
            | Event::Invalid { .. }
            | Event::Heard { .. }
            | Event::Frame { .. } => {}
        }
        actions
    }

    fn is_current(&self, conn: ConnId, state: LinkState) -> bool {
        self.current == Some(conn) && self.state == state
    }

    fn new_conn(&mut self) -> ConnId {
        let id = ConnId(self.next_conn);
        self.next_conn = self.next_conn.saturating_add(1);
        id
    }

    fn tick(&mut self, now: u64, actions: &mut Actions) {
        let idle_ms = u64::from(self.ours.timeouts.idle_timeout_ms);
        let idle = now >= self.last_heard.saturating_add(idle_ms);
        match (self.state, self.current) {
            (LinkState::Down, _) if self.role == Role::Connector && now >= self.reconnect_at => {
                let conn = self.new_conn();
                self.current = Some(conn);
                self.state = LinkState::Connecting;
                self.last_heard = now;
                actions.push(Action::Connect(conn));
            }
            (LinkState::Connecting, _) if idle => {
                self.close(now, CloseReason::ConnectTimeout, actions)
            }
            (LinkState::Handshaking | LinkState::Up, _) if idle => {
                self.close(now, CloseReason::IdleTimeout, actions)
            }
            (LinkState::Up, Some(conn)) if now >= self.keepalive_due() => {
                let id = self.next_keepalive_id;
                self.next_keepalive_id = id.saturating_add(1);
                self.last_keepalive_sent = Some(now);
                actions.push(Action::Send(conn, Outgoing::KeepaliveRequest(id)));
            }
            _ => {}
        }
    }

    fn refuse_new_socket(&mut self, actions: &mut Actions, reason: CloseReason) {
        let conn = self.new_conn();
        actions.push(Action::Close(conn, reason));
    }

    fn accepted(&mut self, now: u64, handshaken: Handshaken, actions: &mut Actions) {
        if self.role == Role::Connector {
            return self.refuse_new_socket(actions, CloseReason::WrongDirection);
        }
        // The peer proved itself on a new connection: it gave up on the old one.
        self.close(now, CloseReason::Replaced, actions);
        let conn = self.new_conn();
        self.current = Some(conn);
        self.last_heard = now;
        actions.push(Action::Adopt(conn));
        self.authenticated(now, handshaken, actions);
    }

    /// Closes the current socket, if any, and goes `Down`.
    fn close(&mut self, now: u64, reason: CloseReason, actions: &mut Actions) {
        if let Some(conn) = self.current.take() {
            actions.push(Action::Close(conn, reason));
            if self.state == LinkState::Up {
                actions.push(Action::LinkDown);
            }
            self.reconnect_at =
                now.saturating_add(u64::from(self.ours.timeouts.reconnect_delay_ms));
        }
        self.state = LinkState::Down;
        self.last_keepalive_sent = None;
    }

    fn frame(&mut self, now: u64, conn: ConnId, header: Header, actions: &mut Actions) {
        self.last_heard = now;
        match (self.state, header.msg_type) {
            (LinkState::Up, MessageType::KeepaliveRequest) => actions.push(Action::Send(
                conn,
                Outgoing::KeepaliveReply(header.request_id),
            )),
            (LinkState::Up, MessageType::KeepaliveReply) => {}
            (LinkState::Up, MessageType::Reply | MessageType::App(_) | MessageType::Tmem(_)) => {
                actions.push(Action::Dispatch(conn))
            }
            (_, msg_type) => self.close(now, CloseReason::Unexpected(msg_type), actions),
        }
    }

    /// The handshake on the current socket succeeded: the peer proved itself, the link is up.
    fn authenticated(&mut self, now: u64, handshaken: Handshaken, actions: &mut Actions) {
        self.state = LinkState::Up;
        self.last_heard = now;
        actions.push(Action::LinkUp { handshaken });
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
