// SPDX-License-Identifier: GPL-2.0

//! Tests of a peer's connection and heartbeat working together.

extern crate std;

use super::*;
use crate::cluster::connection::{ConnId, LinkState};
use crate::cluster::connection_events::{CloseReason, Outgoing};
use crate::cluster::heartbeat::{DownReason, Handshaken};
use crate::cluster::messages::PROTOCOL_VERSION;
use crate::cluster::names::ClusterName;
use crate::cluster::node_num::NodeNum;
use crate::cluster::timeouts::Timeouts;
use crate::cluster::wire::{AppType, Header, MessageType};
use proptest::prelude::*;
use std::vec::Vec;

const DEAD_AFTER: u64 = 6_000;

/// Keepalive 1 s, dead after 6 s, idle 60 s: the heartbeat fires long before the idle timeout.
fn timeouts() -> Timeouts {
    Timeouts {
        idle_timeout_ms: 60_000,
        keepalive_delay_ms: 1_000,
        reconnect_delay_ms: 500,
        dead_threshold: 6,
    }
}

fn handshake(sender: u8, receiver: u8, nonce: u64) -> Handshake {
    Handshake {
        protocol_version: PROTOCOL_VERSION,
        sender: NodeNum::new(sender).unwrap(),
        receiver: NodeNum::new(receiver).unwrap(),
        nonce,
        period: 0,
        timeouts: timeouts(),
        cluster: ClusterName::new(b"test").unwrap(),
    }
}

fn outputs(o: PeerOutputs) -> Vec<PeerOutput> {
    o.iter().collect()
}

/// The handshake node 0 finishes with node 1 (nonce `nonce`) at time `now`: it starts period
/// `now + 1` if one starts; node 1 names the period node 0 holds it in if it is the same run
/// (it kept node 0 up), none if it restarted.
fn handshaken(peer: &Peer, now: u64, nonce: u64) -> Handshaken {
    let held = peer.period();
    let same_run = peer.heartbeat.nonce() == Some(nonce);
    Handshaken {
        nonce,
        session: now + 1,
        ours: held,
        theirs: if same_run { held } else { 0 },
    }
}

/// Node 0 accepting node 1 (nonce `nonce`) at time `now` on a new socket whose handshake the glue
/// finished; returns the socket.
fn accept(peer: &mut Peer, now: u64, nonce: u64) -> (ConnId, Vec<PeerOutput>) {
    let handshaken = handshaken(peer, now, nonce);
    let out = outputs(peer.handle(now, Event::Accepted { handshaken }));
    let adopted = out.iter().find_map(|o| match o {
        PeerOutput::Connection(Action::Adopt(conn)) => Some(*conn),
        _ => None,
    });
    let Some(conn) = adopted else {
        panic!("not adopted: {out:?}");
    };
    (conn, out)
}

#[test]
fn handshake_brings_the_node_up() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    assert_eq!(peer.liveness(), Liveness::Down);
    let (conn, out) = accept(&mut peer, 0, 9);
    assert_eq!(
        out,
        [
            PeerOutput::Connection(Action::Adopt(conn)),
            PeerOutput::Connection(Action::LinkUp {
                handshaken: Handshaken::fresh(9, 1)
            }),
            PeerOutput::Node(NodeEvent::Up),
        ]
    );
    assert_eq!(peer.liveness(), Liveness::Up);
}

#[test]
fn the_connectors_authenticated_socket_brings_the_node_up() {
    let mut peer = Peer::new(handshake(1, 0, 5), 0).unwrap();
    assert_eq!(
        outputs(peer.handle(0, Event::Tick)),
        [PeerOutput::Connection(Action::Connect(ConnId(1)))]
    );
    let done = Event::ConnectDone {
        conn: ConnId(1),
        ok: true,
    };
    assert_eq!(outputs(peer.handle(1, done)), []);
    // Still handshaking: the node is not up yet.
    assert_eq!(peer.liveness(), Liveness::Down);
    let authenticated = Event::Authenticated {
        conn: ConnId(1),
        handshaken: Handshaken::fresh(9, 1),
    };
    assert_eq!(
        outputs(peer.handle(2, authenticated)),
        [
            PeerOutput::Connection(Action::LinkUp {
                handshaken: Handshaken::fresh(9, 1)
            }),
            PeerOutput::Node(NodeEvent::Up),
        ]
    );
    assert_eq!(peer.liveness(), Liveness::Up);
    // The same node on a later socket (same nonce): no node event.
    peer.handle(3, Event::Closed { conn: ConnId(1) });
    assert_eq!(peer.liveness(), Liveness::Up);
    peer.handle(600, Event::Tick);
    peer.handle(
        600,
        Event::ConnectDone {
            conn: ConnId(2),
            ok: true,
        },
    );
    let same_period = handshaken(&peer, 601, 9);
    assert_eq!((same_period.ours, same_period.theirs), (1, 1));
    let again = Event::Authenticated {
        conn: ConnId(2),
        handshaken: same_period,
    };
    assert_eq!(
        outputs(peer.handle(601, again)),
        [PeerOutput::Connection(Action::LinkUp {
            handshaken: same_period
        })]
    );
}

#[test]
fn a_silent_peer_is_declared_down_and_its_socket_closed() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (conn, _) = accept(&mut peer, 0, 9);
    assert_eq!(peer.next_deadline(), Some(1_000));
    // Keepalives go out but nothing comes back.
    for t in (1_000..DEAD_AFTER).step_by(1_000) {
        assert_eq!(
            outputs(peer.handle(t, Event::Tick)),
            [PeerOutput::Connection(Action::Send(
                conn,
                Outgoing::KeepaliveRequest(t / 1_000)
            ))]
        );
    }
    assert_eq!(
        outputs(peer.handle(DEAD_AFTER, Event::Tick)),
        [
            PeerOutput::Node(NodeEvent::Down(DownReason::Silent)),
            PeerOutput::Connection(Action::Close(conn, CloseReason::DeclaredDown)),
            PeerOutput::Connection(Action::LinkDown),
        ]
    );
    assert_eq!(peer.connection().state(), LinkState::Down);
    // It comes back only through a fresh handshake.
    let (_, out) = accept(&mut peer, DEAD_AFTER + 100, 9);
    assert!(out.contains(&PeerOutput::Node(NodeEvent::Up)));
}

#[test]
fn frames_keep_the_node_alive() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (conn, _) = accept(&mut peer, 0, 9);
    let frame = Event::Frame {
        conn,
        header: Header::one_way(MessageType::App(AppType::TEST_SINK), 0),
    };
    peer.handle(5_000, frame);
    let out = outputs(peer.handle(DEAD_AFTER, Event::Tick));
    assert!(
        !out.iter().any(|o| matches!(o, PeerOutput::Node(_))),
        "{out:?}"
    );
    assert_eq!(peer.liveness(), Liveness::Up);
}

#[test]
fn frames_the_glue_dispatched_itself_keep_the_node_and_link_alive_when_reported() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (conn, _) = accept(&mut peer, 0, 9);
    // Heard at 5 000, reported at 7 000 (the ticker's next run): the time heard counts.
    peer.handle(7_000, Event::Heard { conn, at: 5_000 });
    let out = outputs(peer.handle(DEAD_AFTER, Event::Tick));
    assert!(
        !out.iter().any(|o| matches!(o, PeerOutput::Node(_))),
        "{out:?}"
    );
    assert_eq!(peer.liveness(), Liveness::Up);
    assert_eq!(peer.connection().state(), LinkState::Up);
    // Silence after the time heard is caught as before.
    let out = outputs(peer.handle(5_000 + DEAD_AFTER, Event::Tick));
    assert!(
        out.contains(&PeerOutput::Node(NodeEvent::Down(DownReason::Silent))),
        "{out:?}"
    );
}

#[test]
fn heard_on_an_old_socket_or_from_the_future_does_not_count() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (old, _) = accept(&mut peer, 0, 9);
    let (new, _) = accept(&mut peer, 100, 9);
    assert_ne!(old, new);
    peer.handle(
        5_000,
        Event::Heard {
            conn: old,
            at: 5_000,
        },
    );
    let out = outputs(peer.handle(100 + DEAD_AFTER, Event::Tick));
    assert!(
        out.contains(&PeerOutput::Node(NodeEvent::Down(DownReason::Silent))),
        "{out:?}"
    );
    // A report time later than the event's counts as the event's time, no later.
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (conn, _) = accept(&mut peer, 0, 9);
    peer.handle(
        1_000,
        Event::Heard {
            conn,
            at: 1_000_000,
        },
    );
    let out = outputs(peer.handle(1_000 + DEAD_AFTER, Event::Tick));
    assert!(
        out.contains(&PeerOutput::Node(NodeEvent::Down(DownReason::Silent))),
        "{out:?}"
    );
}

#[test]
fn a_restarted_peer_goes_down_and_up_and_keeps_its_new_socket() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (old, _) = accept(&mut peer, 0, 9);
    let (conn, out) = accept(&mut peer, 100, 10);
    assert_eq!(
        out,
        [
            PeerOutput::Connection(Action::Close(old, CloseReason::Replaced)),
            PeerOutput::Connection(Action::LinkDown),
            PeerOutput::Connection(Action::Adopt(conn)),
            PeerOutput::Connection(Action::LinkUp {
                handshaken: Handshaken {
                    nonce: 10,
                    session: 101,
                    ours: 1,
                    theirs: 0
                }
            }),
            PeerOutput::Node(NodeEvent::Down(DownReason::Restarted)),
            PeerOutput::Node(NodeEvent::Up),
        ]
    );
    assert_eq!(peer.connection().current(), Some(conn));
    assert_eq!(peer.connection().state(), LinkState::Up);
}

#[test]
fn a_new_socket_of_the_same_run_replaces_the_old_one_and_the_node_stays_up() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (old, _) = accept(&mut peer, 0, 9);
    let (conn, out) = accept(&mut peer, 100, 9);
    assert_eq!(
        out,
        [
            PeerOutput::Connection(Action::Close(old, CloseReason::Replaced)),
            PeerOutput::Connection(Action::LinkDown),
            PeerOutput::Connection(Action::Adopt(conn)),
            PeerOutput::Connection(Action::LinkUp {
                handshaken: Handshaken {
                    nonce: 9,
                    session: 101,
                    ours: 1,
                    theirs: 1
                }
            }),
        ]
    );
    assert_eq!(peer.liveness(), Liveness::Up);
    assert_eq!(peer.connection().current(), Some(conn));
}

#[test]
fn stop_declares_the_node_removed() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (conn, _) = accept(&mut peer, 0, 9);
    assert_eq!(
        outputs(peer.handle(10, Event::Stop)),
        [
            PeerOutput::Node(NodeEvent::Down(DownReason::Removed)),
            PeerOutput::Connection(Action::Close(conn, CloseReason::Stopped)),
            PeerOutput::Connection(Action::LinkDown),
        ]
    );
}

#[derive(Clone, Debug)]
enum Step {
    Tick,
    Accept(u64),
    Frame,
    /// Message frames the glue dispatched itself, reported some time later.
    Heard(u64),
    Closed,
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Tick),
        1 => (0u64..3).prop_map(Step::Accept),
        4 => Just(Step::Frame),
        3 => (0u64..1_000).prop_map(Step::Heard),
        1 => Just(Step::Closed),
    ]
}

proptest! {
    #[test]
    fn link_up_implies_node_up_and_silence_is_caught(
        steps in proptest::collection::vec((any_step(), 0u64..4_000), 1..80)
    ) {
        let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
        let mut now = 0u64;
        let mut last_heard: Option<u64> = None;
        for (step, advance) in steps {
            now += advance;
            let out = match step {
                Step::Tick => outputs(peer.handle(now, Event::Tick)),
                Step::Accept(nonce) => accept(&mut peer, now, nonce).1,
                Step::Frame => match peer.connection().current() {
                    Some(conn) => outputs(peer.handle(now, Event::Frame {
                        conn,
                        header: Header::keepalive_reply(1),
                    })),
                    None => Vec::new(),
                },
                Step::Heard(ago) => match peer.connection().current() {
                    Some(conn) => outputs(peer.handle(now, Event::Heard {
                        conn,
                        at: now.saturating_sub(ago),
                    })),
                    None => Vec::new(),
                },
                Step::Closed => match peer.connection().current() {
                    Some(conn) => outputs(peer.handle(now, Event::Closed { conn })),
                    None => Vec::new(),
                },
            };
            prop_assert!(out.len() < PeerOutputs::CAPACITY);
            if peer.connection().state() == LinkState::Up {
                prop_assert_eq!(peer.liveness(), Liveness::Up);
                if matches!(step, Step::Accept(_) | Step::Frame) {
                    last_heard = Some(now);
                }
                if let Step::Heard(ago) = step {
                    let at = now.saturating_sub(ago);
                    last_heard = Some(last_heard.map_or(at, |h| h.max(at)));
                }
            }
            if peer.liveness() == Liveness::Down {
                last_heard = None;
            }
            if let (Step::Tick, Some(heard)) = (&step, last_heard) {
                prop_assert!(now < heard + DEAD_AFTER, "silent since {} at {}", heard, now);
            }
        }
    }
}

#[test]
fn a_link_begun_in_a_period_this_side_left_closes_at_once() {
    let mut peer = Peer::new(handshake(0, 1, 5), 0).unwrap();
    let (old, _) = accept(&mut peer, 0, 9);
    assert_eq!(peer.period(), 1);
    assert_eq!(
        outputs(peer.expire(1)),
        [
            PeerOutput::Node(NodeEvent::Down(DownReason::Silent)),
            PeerOutput::Connection(Action::Close(old, CloseReason::DeclaredDown)),
            PeerOutput::Connection(Action::LinkDown),
        ]
    );
    // A handshake in which both sides named period 1 (begun before the expiry) finishes now.
    let stale = Handshaken {
        nonce: 9,
        session: 3,
        ours: 1,
        theirs: 1,
    };
    let out = outputs(peer.handle(2, Event::Accepted { handshaken: stale }));
    let Some(PeerOutput::Connection(Action::Adopt(conn))) = out.first().copied() else {
        panic!("not adopted: {out:?}");
    };
    assert_eq!(
        out[1..],
        [
            PeerOutput::Connection(Action::LinkUp { handshaken: stale }),
            PeerOutput::Connection(Action::Close(conn, CloseReason::DeclaredDown)),
            PeerOutput::Connection(Action::LinkDown),
        ]
    );
    assert_eq!(peer.liveness(), Liveness::Down);
    // The next handshake names no period from here: both start a new one.
    let (_, out) = accept(&mut peer, 3, 9);
    assert!(out.contains(&PeerOutput::Node(NodeEvent::Up)), "{out:?}");
    assert_eq!(peer.period(), 4);
}
