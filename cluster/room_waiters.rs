// SPDX-License-Identifier: GPL-2.0

//! Senders waiting for room to send a request: how many wait for each node, and which of them
//! a freed request entry wakes.
//!
//! Request entries are shared by every peer and waiter slots have a quota per peer
//! (`waiters.rs`), so a sender that finds no room sleeps on its node's queue. A freed entry
//! wakes one sender ([`RoomWaiters::to_wake`]): one of the freeing request's node if any waits
//! (its quota may be what they wait for), else one of the next node in number order that has a
//! waiter (the entry itself is anyone's). A sender that was woken and gives up without taking
//! the room (its deadline, a signal, its link down) passes the wakeup on the same way, so
//! none is lost; one that finds no room sleeps again.

use super::node_num::NodeNum;

/// How many senders wait for room, per node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomWaiters {
    per_node: [u32; NodeNum::COUNT],
    total: u32,
}

impl Default for RoomWaiters {
    fn default() -> Self {
        RoomWaiters::new()
    }
}

impl RoomWaiters {
    /// Nobody waits.
    pub const fn new() -> RoomWaiters {
        RoomWaiters {
            per_node: [0; NodeNum::COUNT],
            total: 0,
        }
    }

    /// A sender for `node` starts waiting.
    pub fn add(&mut self, node: NodeNum) {
        if let Some(n) = self.per_node.get_mut(node.index()) {
            *n = n.saturating_add(1);
            self.total = self.total.saturating_add(1);
        }
    }

    /// A sender for `node` stops waiting.
    pub fn remove(&mut self, node: NodeNum) {
        if let Some(n) = self.per_node.get_mut(node.index()).filter(|n| **n > 0) {
            *n -= 1;
            self.total = self.total.saturating_sub(1);
        }
    }

    /// How many senders wait for `node`.
    pub fn waiting(&self, node: NodeNum) -> u32 {
        self.per_node.get(node.index()).copied().unwrap_or(0)
    }

    /// The node one of whose waiters to wake now that an entry of a request to `freed` is
    /// free: `freed` if one of its senders waits, else the next node (in number order, round
    /// the end) with one; `None` if nobody waits.
    pub fn to_wake(&self, freed: NodeNum) -> Option<NodeNum> {
        if self.total == 0 {
            return None;
        }
        let at = freed.index();
        Iterator::chain(at..NodeNum::COUNT, 0..at)
            .find(|&i| self.per_node.get(i).is_some_and(|&n| n > 0))
            .and_then(|i| NodeNum::new(u8::try_from(i).ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: u8) -> NodeNum {
        NodeNum::new(v).unwrap()
    }

    #[test]
    fn nobody_waits_nobody_wakes() {
        let w = RoomWaiters::new();
        assert_eq!(w.to_wake(n(0)), None);
        assert_eq!(w.to_wake(n(254)), None);
    }

    #[test]
    fn the_freeing_node_s_waiter_first_then_the_next_node_round_the_end() {
        let mut w = RoomWaiters::new();
        w.add(n(3));
        w.add(n(9));
        assert_eq!(w.to_wake(n(9)), Some(n(9)));
        assert_eq!(w.to_wake(n(3)), Some(n(3)));
        assert_eq!(w.to_wake(n(4)), Some(n(9)));
        assert_eq!(w.to_wake(n(10)), Some(n(3)), "round the end");
        assert_eq!(w.to_wake(n(254)), Some(n(3)));
    }

    #[test]
    fn counts_add_and_remove_and_never_go_below_zero() {
        let mut w = RoomWaiters::new();
        w.add(n(1));
        w.add(n(1));
        assert_eq!(w.waiting(n(1)), 2);
        w.remove(n(1));
        w.remove(n(1));
        w.remove(n(1));
        assert_eq!(w.waiting(n(1)), 0);
        assert_eq!(w.to_wake(n(1)), None);
        w.add(n(2));
        assert_eq!(w.to_wake(n(1)), Some(n(2)));
        w.remove(n(5));
        assert_eq!(
            w.to_wake(n(1)),
            Some(n(2)),
            "a node that never waited changes nothing"
        );
    }
}
