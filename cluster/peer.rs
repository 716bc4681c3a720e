// SPDX-License-Identifier: GPL-2.0

//! One peer node: its connection and its heartbeat, wired together.
//!
//! The glue keeps one [`Peer`] per configured node other than the local one and feeds it the
//! same [`Event`]s as a bare [`Connection`]. The peer also tells the heartbeat what it needs
//! (a successful handshake with the nonce, every frame heard on the current socket, removal) and
//! closes the connection when the heartbeat declares the node down. The glue carries out the
//! connection [`Action`]s and runs the node-down and node-up callbacks for the [`NodeEvent`]s.
//!
//! A link whose handshake the heartbeat refuses (we promised the peer we kept it up, and it went
//! down since) is closed at once.
//!
//! Invariant: the link is `Up` only while the node is up.

use super::connection::Connection;
use super::connection_events::{Action, Event};
use super::heartbeat::{DownReason, Heartbeat, Input, Liveness, NodeEvent, NodeEvents};
use super::messages::Handshake;

/// What the glue must do or run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerOutput {
    /// A connection action.
    Connection(Action),
    /// A node-up or node-down callback.
    Node(NodeEvent),
}

/// The outputs of one step, in order (at most [`PeerOutputs::CAPACITY`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerOutputs {
    items: [Option<PeerOutput>; PeerOutputs::CAPACITY],
}

impl PeerOutputs {
    /// Room for the outputs of one step. A step produces at most six (a restarted peer's new
    /// socket replacing the old one: close, link down, adopt, link up, node down, node up); the
    /// peer's property test checks that a list never fills up, so nothing is ever dropped.
    pub const CAPACITY: usize = 7;

    fn new() -> PeerOutputs {
        PeerOutputs {
            items: [None; PeerOutputs::CAPACITY],
        }
    }

    fn push(&mut self, output: PeerOutput) {
        if let Some(slot) = self.items.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some(output);
        }
    }

    /// The outputs, in order.
    pub fn iter(&self) -> impl Iterator<Item = PeerOutput> + '_ {
        self.items.iter().flatten().copied()
    }
}

/// A peer node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    connection: Connection,
    heartbeat: Heartbeat,
}

impl Peer {
    /// The peer `ours.receiver` of local node `ours.sender`, at time `now`; `None` if they are
    /// the same node.
    pub fn new(ours: Handshake, now: u64) -> Option<Peer> {
        Some(Peer {
            connection: Connection::new(ours, now)?,
            heartbeat: Heartbeat::new(&ours.timeouts),
        })
    }

    /// The connection (for its state, role and current socket).
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Whether the node is up.
    pub fn liveness(&self) -> Liveness {
        self.heartbeat.liveness()
    }

    /// The up period our handshake settings name for the node (0: we hold it down).
    pub fn period(&self) -> u64 {
        self.heartbeat.period()
    }

    /// Declares the node silent now, at time `now` (`cluster_selftest`'s `expire`: what a one-way
    /// loss does to this side only).
    pub fn expire(&mut self, now: u64) -> PeerOutputs {
        let mut out = PeerOutputs::new();
        let events = self.heartbeat.handle(now, Input::Expire);
        self.node_events(now, events, &mut out);
        out
    }

    /// The latest time at which the glue must deliver [`Event::Tick`].
    pub fn next_deadline(&self) -> Option<u64> {
        match (
            self.connection.next_deadline(),
            self.heartbeat.next_deadline(),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Handles `event`, which happened at time `now` (milliseconds, monotonic).
    pub fn handle(&mut self, now: u64, event: Event) -> PeerOutputs {
        let mut out = PeerOutputs::new();
        match event {
            Event::Tick => {
                let events = self.heartbeat.handle(now, Input::Tick);
                self.node_events(now, events, &mut out);
            }
            Event::Frame { conn, .. } if self.connection.current() == Some(conn) => {
                let events = self.heartbeat.handle(now, Input::Heard);
                self.node_events(now, events, &mut out);
            }
            Event::Heard { conn, at } if self.connection.current() == Some(conn) => {
                let events = self.heartbeat.handle(at.min(now), Input::Heard);
                self.node_events(now, events, &mut out);
            }
            Event::Stop => {
                let events = self.heartbeat.handle(now, Input::Removed);
                self.node_events(now, events, &mut out);
            }
            _ => {}
        }
        self.connection_event(now, event, &mut out);
        out
    }

    /// Passes heartbeat events on; a node gone silent loses its connection. (A removed node's
    /// connection closes by the `Stop` itself.)
    fn node_events(&mut self, now: u64, events: NodeEvents, out: &mut PeerOutputs) {
        for event in events.iter() {
            out.push(PeerOutput::Node(event));
            if event == NodeEvent::Down(DownReason::Silent) {
                self.connection_event(now, Event::DeclaredDown, out);
            }
        }
    }

    fn connection_event(&mut self, now: u64, event: Event, out: &mut PeerOutputs) {
        for action in self.connection.handle(now, event).iter() {
            out.push(PeerOutput::Connection(action));
            if let Action::LinkUp { handshaken } = action {
                let events = self.heartbeat.handle(now, Input::Handshaken(handshaken));
                for node_event in events.iter() {
                    out.push(PeerOutput::Node(node_event));
                }
                if events.close_link() {
                    self.connection_event(now, Event::DeclaredDown, out);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "peer_tests.rs"]
mod tests;
