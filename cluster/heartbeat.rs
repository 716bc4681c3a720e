// SPDX-License-Identifier: GPL-2.0

//! Whether a peer node is alive, as a state machine.
//!
//! The original RAMster's heartbeat was a bitmap set by hand and never noticed a dead node. Here
//! a node is declared **down** when nothing has been heard from it for `dead_threshold` keepalive
//! delays, whether or not its socket is still open, and it comes back **up** only after a fresh
//! successful handshake. A handshake that shows a new nonce while the node is up means the node
//! restarted and lost what it held: it is declared down and then up again. The returned
//! [`NodeEvent`]s are the callbacks the glue runs (fail waiters, handle that node's remote pages)
//! and, for a down node, the cue to send [`super::connection_events::Event::DeclaredDown`] to the
//! connection.

use super::timeouts::Timeouts;

/// Whether the node is alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// Not heard from in time, or never handshaken.
    Down,
    /// Handshaken and heard from in time.
    Up,
}

/// Why a node was declared down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// Nothing heard for `dead_threshold` keepalive delays.
    Silent,
    /// A handshake showed a new nonce: the node restarted.
    Restarted,
    /// The node was removed from the configuration.
    Removed,
}

/// What the heartbeat is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Time passed (deliver at least at [`Heartbeat::next_deadline`]).
    Tick,
    /// A handshake with the node succeeded; its nonce.
    Handshaken(u64),
    /// A valid frame arrived from the node.
    Heard,
    /// The node was removed from the configuration.
    Removed,
}

/// A change the glue must act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// The node is up.
    Up,
    /// The node is down.
    Down(DownReason),
}

/// The changes of one step (a restart gives `Down` then `Up`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeEvents {
    first: Option<NodeEvent>,
    second: Option<NodeEvent>,
}

impl NodeEvents {
    fn one(event: NodeEvent) -> NodeEvents {
        NodeEvents {
            first: Some(event),
            second: None,
        }
    }

    /// The events, in order.
    pub fn iter(&self) -> impl Iterator<Item = NodeEvent> {
        self.first.into_iter().chain(self.second)
    }
}

/// The heartbeat of one peer node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    dead_after_ms: u64,
    liveness: Liveness,
    last_heard: u64,
    nonce: Option<u64>,
}

impl Heartbeat {
    /// A node not yet seen, with the cluster's timing settings.
    pub fn new(timeouts: &Timeouts) -> Heartbeat {
        Heartbeat {
            dead_after_ms: timeouts.dead_after_ms(),
            liveness: Liveness::Down,
            last_heard: 0,
            nonce: None,
        }
    }

    /// Whether the node is up.
    pub fn liveness(&self) -> Liveness {
        self.liveness
    }

    /// The nonce of the node's last successful handshake.
    pub fn nonce(&self) -> Option<u64> {
        self.nonce
    }

    /// The latest time at which the glue must deliver [`Input::Tick`].
    pub fn next_deadline(&self) -> Option<u64> {
        match self.liveness {
            Liveness::Up => Some(self.last_heard.saturating_add(self.dead_after_ms)),
            Liveness::Down => None,
        }
    }

    /// Handles `input`, which happened at time `now` (milliseconds, monotonic).
    pub fn handle(&mut self, now: u64, input: Input) -> NodeEvents {
        match (self.liveness, input) {
            (Liveness::Up, Input::Tick) if Some(now) >= self.next_deadline() => {
                self.liveness = Liveness::Down;
                NodeEvents::one(NodeEvent::Down(DownReason::Silent))
            }
            (Liveness::Up, Input::Heard) => {
                self.last_heard = self.last_heard.max(now);
                NodeEvents::default()
            }
            (Liveness::Up, Input::Handshaken(nonce)) => {
                self.last_heard = self.last_heard.max(now);
                if self.nonce == Some(nonce) {
                    return NodeEvents::default();
                }
                self.nonce = Some(nonce);
                NodeEvents {
                    first: Some(NodeEvent::Down(DownReason::Restarted)),
                    second: Some(NodeEvent::Up),
                }
            }
            (Liveness::Down, Input::Handshaken(nonce)) => {
                self.liveness = Liveness::Up;
                self.last_heard = now;
                self.nonce = Some(nonce);
                NodeEvents::one(NodeEvent::Up)
            }
            (Liveness::Up, Input::Removed) => {
                self.liveness = Liveness::Down;
                NodeEvents::one(NodeEvent::Down(DownReason::Removed))
            }
            (Liveness::Up, Input::Tick)
            | (Liveness::Down, Input::Tick | Input::Heard | Input::Removed) => {
                NodeEvents::default()
            }
        }
    }
}

#[cfg(test)]
#[path = "heartbeat_tests.rs"]
mod tests;
