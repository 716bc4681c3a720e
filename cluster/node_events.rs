// SPDX-License-Identifier: GPL-2.0

//! Node-up and node-down events waiting for the node callbacks, which run on a thread of their
//! own (a node-down callback walks the node's pages in the store, which can take long; the
//! ticker must keep delivering every other peer's timers meanwhile).
//!
//! Events are recorded under the cluster mutex, in the order they happen, with no allocation:
//! per node, whether it went down since the callbacks last ran and whether it is up now. The
//! callback thread takes them all at once ([`NodeEvents::take`]) and, per node, delivers "down"
//! if the node went down at least once, then "up" if it came up since and is up now. So the
//! callbacks see every node's last state, never an "up" after the node went down again, and a
//! node that went down and came back in between is still seen going down (its pages dropped)
//! before it is seen up.

use super::node_num::NodeNum;

/// A set of node numbers.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct NodeSet([u64; 4]);

impl NodeSet {
    fn set(&mut self, num: NodeNum, on: bool) {
        let (word, bit) = (num.index() / 64, num.index() % 64);
        if let Some(w) = self.0.get_mut(word) {
            if on {
                *w |= 1 << bit;
            } else {
                *w &= !(1 << bit);
            }
        }
    }

    fn has(&self, num: NodeNum) -> bool {
        let (word, bit) = (num.index() / 64, num.index() % 64);
        self.0.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
}

/// The events not yet delivered to the node callbacks.
#[derive(Clone, Copy, Default, Debug)]
pub struct NodeEvents {
    /// Nodes that went down since the callbacks last ran.
    went_down: NodeSet,
    /// Nodes that came up since the callbacks last ran.
    came_up: NodeSet,
    /// Nodes that are up now.
    up: NodeSet,
}

impl NodeEvents {
    /// Node `num` went up (`up`) or down.
    pub fn record(&mut self, num: NodeNum, up: bool) {
        if up {
            self.came_up.set(num, true);
        } else {
            self.went_down.set(num, true);
        }
        self.up.set(num, up);
    }

    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.went_down.is_empty() && self.came_up.is_empty()
    }

    /// Takes every waiting event, leaving none; the result yields them in delivery order.
    pub fn take(&mut self) -> Delivery {
        let taken = Delivery {
            went_down: self.went_down,
            came_up: self.came_up,
            up: self.up,
            next: 0,
        };
        self.went_down = NodeSet::default();
        self.came_up = NodeSet::default();
        taken
    }
}

/// Taken events, as `(node, up)` in the order the callbacks get them: per node in number
/// order, "down" first, then "up" if the node is up now.
pub struct Delivery {
    went_down: NodeSet,
    came_up: NodeSet,
    up: NodeSet,
    /// Node number times two, plus one for its "up" event.
    next: usize,
}

impl Iterator for Delivery {
    type Item = (NodeNum, bool);

    fn next(&mut self) -> Option<(NodeNum, bool)> {
        while self.next < NodeNum::COUNT * 2 {
            let at = self.next;
            self.next += 1;
            let num = NodeNum::new(u8::try_from(at / 2).ok()?)?;
            let up = at & 1 == 1;
            let deliver = if up {
                self.came_up.has(num) && self.up.has(num)
            } else {
                self.went_down.has(num)
            };
            if deliver {
                return Some((num, up));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    fn n(v: u8) -> NodeNum {
        NodeNum::new(v).unwrap()
    }

    fn delivered(events: &mut NodeEvents) -> Vec<(u8, bool)> {
        events.take().map(|(num, up)| (num.get(), up)).collect()
    }

    #[test]
    fn nothing_recorded_delivers_nothing() {
        let mut events = NodeEvents::default();
        assert!(events.is_empty());
        assert_eq!(delivered(&mut events), []);
    }

    #[test]
    fn single_events_are_delivered_once() {
        let mut events = NodeEvents::default();
        events.record(n(3), true);
        assert!(!events.is_empty());
        assert_eq!(delivered(&mut events), [(3, true)]);
        assert!(events.is_empty());
        assert_eq!(delivered(&mut events), []);
        events.record(n(3), false);
        assert_eq!(delivered(&mut events), [(3, false)]);
    }

    #[test]
    fn down_then_up_delivers_both_in_that_order() {
        let mut events = NodeEvents::default();
        events.record(n(1), false);
        events.record(n(1), true);
        assert_eq!(delivered(&mut events), [(1, false), (1, true)]);
    }

    #[test]
    fn up_then_down_delivers_only_the_down() {
        let mut events = NodeEvents::default();
        events.record(n(1), true);
        events.record(n(1), false);
        assert_eq!(delivered(&mut events), [(1, false)]);
    }

    #[test]
    fn flapping_ends_in_the_last_state_and_never_skips_a_down() {
        let mut events = NodeEvents::default();
        for _ in 0..5 {
            events.record(n(7), true);
            events.record(n(7), false);
        }
        events.record(n(7), true);
        assert_eq!(delivered(&mut events), [(7, false), (7, true)]);
    }

    #[test]
    fn an_up_node_stays_up_for_later_batches() {
        let mut events = NodeEvents::default();
        events.record(n(2), true);
        assert_eq!(delivered(&mut events), [(2, true)]);
        // Another node's event does not repeat node 2's "up".
        events.record(n(9), false);
        assert_eq!(delivered(&mut events), [(9, false)]);
    }

    #[test]
    fn nodes_come_in_number_order_across_every_word() {
        let mut events = NodeEvents::default();
        for v in [254, 0, 64, 63, 128] {
            events.record(n(v), false);
        }
        events.record(n(200), true);
        assert_eq!(
            delivered(&mut events),
            [
                (0, false),
                (63, false),
                (64, false),
                (128, false),
                (200, true),
                (254, false)
            ]
        );
    }
}
