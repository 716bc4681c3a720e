// SPDX-License-Identifier: GPL-2.0

//! Tests of the heartbeat state machine.

extern crate std;

use super::*;
use proptest::prelude::*;
use std::vec::Vec;

const DEAD_AFTER: u64 = 31 * 2_000;

fn events(e: NodeEvents) -> Vec<NodeEvent> {
    e.iter().collect()
}

fn up_at_zero() -> Heartbeat {
    let mut hb = Heartbeat::new(&Timeouts::DEFAULT);
    assert_eq!(events(hb.handle(0, Input::Handshaken(7))), [NodeEvent::Up]);
    hb
}

#[test]
fn starts_down_and_comes_up_only_by_handshake() {
    let mut hb = Heartbeat::new(&Timeouts::DEFAULT);
    assert_eq!(hb.liveness(), Liveness::Down);
    assert_eq!(events(hb.handle(5, Input::Heard)), []);
    assert_eq!(events(hb.handle(5, Input::Tick)), []);
    assert_eq!(hb.next_deadline(), None);
    assert_eq!(events(hb.handle(6, Input::Handshaken(7))), [NodeEvent::Up]);
    assert_eq!(hb.nonce(), Some(7));
}

#[test]
fn silence_for_dead_threshold_intervals_is_death() {
    let mut hb = up_at_zero();
    assert_eq!(hb.next_deadline(), Some(DEAD_AFTER));
    assert_eq!(events(hb.handle(DEAD_AFTER - 1, Input::Tick)), []);
    assert_eq!(
        events(hb.handle(DEAD_AFTER, Input::Tick)),
        [NodeEvent::Down(DownReason::Silent)]
    );
    assert_eq!(hb.liveness(), Liveness::Down);
    // Late frames of the dead connection do not revive it; a new handshake does.
    assert_eq!(events(hb.handle(DEAD_AFTER + 1, Input::Heard)), []);
    assert_eq!(
        events(hb.handle(DEAD_AFTER + 2, Input::Handshaken(7))),
        [NodeEvent::Up]
    );
}

#[test]
fn hearing_from_the_node_keeps_it_alive() {
    let mut hb = up_at_zero();
    hb.handle(60_000, Input::Heard);
    assert_eq!(events(hb.handle(DEAD_AFTER, Input::Tick)), []);
    assert_eq!(hb.next_deadline(), Some(60_000 + DEAD_AFTER));
    // A clock that goes backwards in the glue's events never shortens the deadline.
    hb.handle(10, Input::Heard);
    assert_eq!(hb.next_deadline(), Some(60_000 + DEAD_AFTER));
}

#[test]
fn a_reconnect_with_the_same_nonce_is_silent_a_new_nonce_is_a_restart() {
    let mut hb = up_at_zero();
    assert_eq!(events(hb.handle(100, Input::Handshaken(7))), []);
    assert_eq!(
        events(hb.handle(200, Input::Handshaken(8))),
        [NodeEvent::Down(DownReason::Restarted), NodeEvent::Up]
    );
    assert_eq!(hb.nonce(), Some(8));
}

#[test]
fn removal_takes_an_up_node_down() {
    let mut hb = up_at_zero();
    assert_eq!(
        events(hb.handle(1, Input::Removed)),
        [NodeEvent::Down(DownReason::Removed)]
    );
    assert_eq!(events(hb.handle(2, Input::Removed)), []);
}

fn any_input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => Just(Input::Tick),
        2 => (0u64..3).prop_map(Input::Handshaken),
        4 => Just(Input::Heard),
        1 => Just(Input::Removed),
    ]
}

proptest! {
    #[test]
    fn events_alternate_and_silence_is_always_detected(
        steps in proptest::collection::vec((any_input(), 0u64..70_000), 1..80)
    ) {
        let mut hb = Heartbeat::new(&Timeouts::DEFAULT);
        let mut up = false;
        let mut now = 0u64;
        let mut last_heard = 0u64;
        for (input, advance) in steps {
            now += advance;
            let before = hb.liveness();
            for event in hb.handle(now, input).iter() {
                match event {
                    NodeEvent::Up => { prop_assert!(!up); up = true; }
                    NodeEvent::Down(_) => { prop_assert!(up); up = false; }
                }
            }
            prop_assert_eq!(up, hb.liveness() == Liveness::Up);
            if before == Liveness::Down && hb.liveness() == Liveness::Up {
                prop_assert!(matches!(input, Input::Handshaken(_)));
            }
            if matches!(input, Input::Heard | Input::Handshaken(_)) && up {
                last_heard = now;
            }
            if input == Input::Tick && now >= last_heard + DEAD_AFTER {
                prop_assert!(!up, "silent for {} ms and still up", now - last_heard);
            }
        }
    }
}
