// SPDX-License-Identifier: GPL-2.0

//! Whether a peer node is alive, as a state machine.
//!
//! The original RAMster's heartbeat was a bitmap set by hand and never noticed a dead node. Here
//! a node is declared **down** when nothing has been heard from it for `dead_threshold` keepalive
//! delays, whether or not its socket is still open, and it comes back **up** only after a fresh
//! successful handshake. A handshake that shows a new nonce while the node is up means the node
//! restarted and lost what it held: it is declared down and then up again.
//!
//! A down must be seen by both sides, or one side keeps pages the other has forgotten (orphans).
//! So an up lasts an **up period**, named by the handshake that started it (its session, the
//! same number on both sides), and each side's handshake settings name the period it holds the
//! other in (0: down). Both sides go on only if both name the period each is in now; otherwise
//! each side that is up is declared down and up again, and both start the new handshake's period.
//! That covers a one-way loss, a link that healed inside one side's dead window, and a
//! handshake that finished on one side only. One case remains: both named the same period but
//! this side left it while the handshake ran (its heartbeat expired meanwhile). The peer goes on
//! in the old period, so this side closes the new link at once and names no period next time.
//!
//! The returned [`NodeEvent`]s are the callbacks the glue runs (fail waiters, handle that node's remote pages)
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
    /// The handshake showed the two sides in different up periods: one of them declared the
    /// other down meanwhile, and forgot what it held for it.
    OutOfStep,
}

/// What a successful handshake tells the heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handshaken {
    /// The peer's nonce.
    pub nonce: u64,
    /// The period this handshake starts, if one starts (never 0).
    pub session: u64,
    /// The period our settings said we hold the peer in (0: down).
    pub ours: u64,
    /// The period the peer's settings said it holds us in (0: down).
    pub theirs: u64,
}

impl Handshaken {
    /// The first handshake of two nodes that hold each other down, starting period `session`.
    pub fn fresh(nonce: u64, session: u64) -> Handshaken {
        Handshaken {
            nonce,
            session,
            ours: 0,
            theirs: 0,
        }
    }
}

/// What the heartbeat is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Time passed (deliver at least at [`Heartbeat::next_deadline`]).
    Tick,
    /// A handshake with the node succeeded.
    Handshaken(Handshaken),
    /// A valid frame arrived from the node.
    Heard,
    /// The node was removed from the configuration.
    Removed,
    /// Treat the node as silent now, as if `dead_threshold` keepalive delays had passed: what a
    /// one-way loss does to one side only (`cluster_selftest`'s `expire`, a test hook).
    Expire,
}

/// A change the glue must act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// The node is up.
    Up,
    /// The node is down.
    Down(DownReason),
}

/// The changes of one step (a restart gives `Down` then `Up`), and whether the link that just
/// came up must close.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeEvents {
    first: Option<NodeEvent>,
    second: Option<NodeEvent>,
    close_link: bool,
}

impl NodeEvents {
    fn one(event: NodeEvent) -> NodeEvents {
        NodeEvents {
            first: Some(event),
            second: None,
            close_link: false,
        }
    }

    fn down_and_up(reason: DownReason) -> NodeEvents {
        NodeEvents {
            first: Some(NodeEvent::Down(reason)),
            second: Some(NodeEvent::Up),
            close_link: false,
        }
    }

    /// Whether the link that just came up must close: both sides named the same period, and
    /// this side left it while the handshake ran (the next handshake names none).
    pub fn close_link(&self) -> bool {
        self.close_link
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
    period: u64,
}

impl Heartbeat {
    /// A node not yet seen, with the cluster's timing settings.
    pub fn new(timeouts: &Timeouts) -> Heartbeat {
        Heartbeat {
            dead_after_ms: timeouts.dead_after_ms(),
            liveness: Liveness::Down,
            last_heard: 0,
            nonce: None,
            period: 0,
        }
    }

    /// Whether the node is up.
    pub fn liveness(&self) -> Liveness {
        self.liveness
    }

    /// The up period the node is in, as our handshake settings name it (0: down).
    pub fn period(&self) -> u64 {
        match self.liveness {
            Liveness::Up => self.period,
            Liveness::Down => 0,
        }
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

    /// A handshake finished: go on in the period both named, or start the new one.
    fn handshaken(&mut self, now: u64, h: Handshaken) -> NodeEvents {
        let same_node = self.nonce == Some(h.nonce);
        let named_same = h.ours != 0 && h.ours == h.theirs;
        if named_same && same_node && h.ours == self.period() {
            self.last_heard = self.last_heard.max(now);
            return NodeEvents::default();
        }
        if named_same {
            // The peer goes on in the period we named; we are no longer in it.
            return NodeEvents {
                close_link: true,
                ..NodeEvents::default()
            };
        }
        let was_up = self.liveness == Liveness::Up;
        self.liveness = Liveness::Up;
        self.last_heard = self.last_heard.max(now);
        self.nonce = Some(h.nonce);
        self.period = h.session;
        match (was_up, same_node) {
            (false, _) => NodeEvents::one(NodeEvent::Up),
            (true, true) => NodeEvents::down_and_up(DownReason::OutOfStep),
            (true, false) => NodeEvents::down_and_up(DownReason::Restarted),
        }
    }

    fn silent(&mut self) -> NodeEvents {
        self.liveness = Liveness::Down;
        NodeEvents::one(NodeEvent::Down(DownReason::Silent))
    }

    /// Handles `input`, which happened at time `now` (milliseconds, monotonic).
    pub fn handle(&mut self, now: u64, input: Input) -> NodeEvents {
        match (self.liveness, input) {
            (Liveness::Up, Input::Tick) if Some(now) >= self.next_deadline() => self.silent(),
            (Liveness::Up, Input::Expire) => self.silent(),
            (Liveness::Up, Input::Heard) => {
                self.last_heard = self.last_heard.max(now);
                NodeEvents::default()
            }
            (_, Input::Handshaken(h)) => self.handshaken(now, h),
            (Liveness::Up, Input::Removed) => {
                self.liveness = Liveness::Down;
                NodeEvents::one(NodeEvent::Down(DownReason::Removed))
            }
            (Liveness::Up, Input::Tick)
            | (Liveness::Down, Input::Tick | Input::Heard | Input::Removed | Input::Expire) => {
                NodeEvents::default()
            }
        }
    }
}

#[cfg(test)]
#[path = "heartbeat_tests.rs"]
mod tests;
