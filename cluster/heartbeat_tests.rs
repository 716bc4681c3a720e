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
    assert_eq!(
        events(hb.handle(0, Input::Handshaken(Handshaken::fresh(7, 70)))),
        [NodeEvent::Up]
    );
    hb
}

#[test]
fn starts_down_and_comes_up_only_by_handshake() {
    let mut hb = Heartbeat::new(&Timeouts::DEFAULT);
    assert_eq!(hb.liveness(), Liveness::Down);
    assert_eq!(events(hb.handle(5, Input::Heard)), []);
    assert_eq!(events(hb.handle(5, Input::Tick)), []);
    assert_eq!(hb.next_deadline(), None);
    assert_eq!(
        events(hb.handle(6, Input::Handshaken(Handshaken::fresh(7, 70)))),
        [NodeEvent::Up]
    );
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
        events(hb.handle(DEAD_AFTER + 2, Input::Handshaken(Handshaken::fresh(7, 71)))),
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

/// A handshake in which both sides name `period`, starting `session` if they must.
fn both_name(nonce: u64, period: u64, session: u64) -> Input {
    Input::Handshaken(Handshaken {
        nonce,
        session,
        ours: period,
        theirs: period,
    })
}

#[test]
fn a_reconnect_in_the_same_period_is_silent_a_new_nonce_is_a_restart() {
    let mut hb = up_at_zero();
    assert_eq!(hb.period(), 70);
    assert_eq!(events(hb.handle(100, both_name(7, 70, 71))), []);
    assert_eq!(hb.period(), 70, "the period goes on");
    // A restarted node names no period (it holds nothing of ours).
    let restarted = Input::Handshaken(Handshaken {
        ours: 70,
        ..Handshaken::fresh(8, 72)
    });
    assert_eq!(
        events(hb.handle(200, restarted)),
        [NodeEvent::Down(DownReason::Restarted), NodeEvent::Up]
    );
    assert_eq!((hb.nonce(), hb.period()), (Some(8), 72));
}

#[test]
fn a_peer_that_declared_us_down_meanwhile_takes_us_both_into_a_new_period() {
    // Up here in period 70; the peer declared us down (silent) and names no period.
    let mut hb = up_at_zero();
    let one_sided = Input::Handshaken(Handshaken {
        ours: 70,
        ..Handshaken::fresh(7, 73)
    });
    assert_eq!(
        events(hb.handle(100, one_sided)),
        [NodeEvent::Down(DownReason::OutOfStep), NodeEvent::Up]
    );
    assert_eq!(hb.period(), 73);
    // The peer in another period than ours (a handshake that finished on its side only).
    let other_period = Input::Handshaken(Handshaken {
        nonce: 7,
        session: 74,
        ours: 73,
        theirs: 60,
    });
    assert_eq!(
        events(hb.handle(200, other_period)),
        [NodeEvent::Down(DownReason::OutOfStep), NodeEvent::Up]
    );
    assert_eq!(hb.period(), 74);
}

#[test]
fn a_period_left_during_the_handshake_closes_the_new_link() {
    // Both named period 70, but this side declared the node down while the handshake ran: the
    // peer goes on in 70, so this link must not carry anything.
    let mut hb = up_at_zero();
    assert_eq!(
        events(hb.handle(1, Input::Expire)),
        [NodeEvent::Down(DownReason::Silent)]
    );
    let e = hb.handle(2, both_name(7, 70, 75));
    assert_eq!(events(e), []);
    assert!(e.close_link());
    assert_eq!(hb.liveness(), Liveness::Down);
    assert_eq!(hb.period(), 0, "the next handshake names no period");
    let e = hb.handle(
        3,
        Input::Handshaken(Handshaken {
            theirs: 70,
            ..Handshaken::fresh(7, 76)
        }),
    );
    assert_eq!(events(e), [NodeEvent::Up]);
    assert!(!e.close_link());
    assert_eq!(hb.period(), 76);
}

#[test]
fn expire_takes_an_up_node_down_once() {
    let mut hb = up_at_zero();
    assert_eq!(
        events(hb.handle(1, Input::Expire)),
        [NodeEvent::Down(DownReason::Silent)]
    );
    assert_eq!(events(hb.handle(2, Input::Expire)), []);
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
        2 => (0u64..3, 1u64..4, 0u64..4, 0u64..4).prop_map(|(nonce, session, ours, theirs)| {
            Input::Handshaken(Handshaken { nonce, session, ours, theirs })
        }),
        1 => Just(Input::Expire),
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

/// One step of two nodes' view of each other.
#[derive(Clone, Copy, Debug)]
enum TwoSided {
    /// One side's heartbeat expires alone (a one-way loss): its link closes.
    Expire { a: bool },
    /// One side restarts: a new nonce, nothing held.
    Restart { a: bool },
    /// A handshake; a side may expire while it runs, and may never see it finish.
    Handshake {
        expire_a: bool,
        expire_b: bool,
        finish_a: bool,
        finish_b: bool,
    },
}

fn two_sided_step() -> impl Strategy<Value = TwoSided> {
    prop_oneof![
        2 => any::<bool>().prop_map(|a| TwoSided::Expire { a }),
        1 => any::<bool>().prop_map(|a| TwoSided::Restart { a }),
        6 => (any::<u8>(), any::<u8>()).prop_map(|(expire, finish)| TwoSided::Handshake {
            expire_a: expire % 5 == 0,
            expire_b: expire % 7 == 0,
            finish_a: finish % 6 != 0,
            finish_b: finish % 4 != 0,
        }),
    ]
}

proptest! {
    /// Whatever one side alone declares, however handshakes end: a link that comes up joins
    /// two sides in the same up period (so nothing one side forgot is still held by the
    /// other), and a handshake that both sides finish with no expiry meanwhile brings it up.
    #[test]
    fn two_sides_never_share_a_link_in_different_periods(
        steps in proptest::collection::vec(two_sided_step(), 1..60)
    ) {
        let mut a = Heartbeat::new(&Timeouts::DEFAULT);
        let mut b = Heartbeat::new(&Timeouts::DEFAULT);
        let (mut nonce_a, mut nonce_b, mut session) = (1u64, 2u64, 0u64);
        for step in steps {
            match step {
                TwoSided::Expire { a: true } => { a.handle(0, Input::Expire); }
                TwoSided::Expire { a: false } => { b.handle(0, Input::Expire); }
                TwoSided::Restart { a: true } => {
                    a = Heartbeat::new(&Timeouts::DEFAULT);
                    nonce_a += 2;
                }
                TwoSided::Restart { a: false } => {
                    b = Heartbeat::new(&Timeouts::DEFAULT);
                    nonce_b += 2;
                }
                TwoSided::Handshake { expire_a, expire_b, finish_a, finish_b } => {
                    session += 1;
                    let (sent_a, sent_b) = (a.period(), b.period());
                    if expire_a { a.handle(0, Input::Expire); }
                    if expire_b { b.handle(0, Input::Expire); }
                    let to_a = Handshaken { nonce: nonce_b, session, ours: sent_a, theirs: sent_b };
                    let to_b = Handshaken { nonce: nonce_a, session, ours: sent_b, theirs: sent_a };
                    let closed_a = finish_a && a.handle(0, Input::Handshaken(to_a)).close_link();
                    let closed_b = finish_b && b.handle(0, Input::Handshaken(to_b)).close_link();
                    if finish_a && finish_b && !closed_a && !closed_b {
                        prop_assert_eq!(a.liveness(), Liveness::Up);
                        prop_assert_eq!(b.liveness(), Liveness::Up);
                        prop_assert_eq!(a.period(), b.period(), "a link between two periods");
                    }
                    if finish_a && finish_b && !expire_a && !expire_b {
                        prop_assert!(!closed_a && !closed_b, "a clean handshake was refused");
                    }
                }
            }
        }
    }
}
