// SPDX-License-Identifier: GPL-2.0

//! Tests of the connection state machine: each rule by example, and invariants over random event
//! sequences.

extern crate std;

use super::*;
use crate::cluster::connection_events::{Action, CloseReason, Event, Outgoing};
use crate::cluster::messages::{Mismatch, HANDSHAKE_LEN};
use crate::cluster::names::ClusterName;
use crate::cluster::timeouts::Timeouts;
use crate::cluster::wire::{decode_frame, AppType, Decoded, HEADER_LEN};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

const IDLE: u64 = 30_000;
const KEEPALIVE: u64 = 2_000;
const RECONNECT: u64 = 2_000;

fn node(n: u8) -> NodeNum {
    NodeNum::new(n).unwrap()
}

fn handshake(sender: u8, receiver: u8, nonce: u64) -> Handshake {
    Handshake {
        protocol_version: 1,
        sender: node(sender),
        receiver: node(receiver),
        nonce,
        timeouts: Timeouts::DEFAULT,
        cluster: ClusterName::new(b"test").unwrap(),
    }
}

fn payload(h: &Handshake) -> [u8; HANDSHAKE_LEN] {
    let mut out = [0u8; HANDSHAKE_LEN];
    h.encode(&mut out).unwrap();
    out
}

fn actions(a: Actions) -> Vec<Action> {
    a.iter().collect()
}

/// Node 1 connecting to node 0, up at time 0 with socket 1.
fn connector_up() -> Connection {
    let mut c = Connection::new(handshake(1, 0, 11), 0).unwrap();
    assert_eq!(
        actions(c.handle(0, Event::Tick)),
        [Action::Connect(ConnId(1))]
    );
    let done = Event::ConnectDone {
        conn: ConnId(1),
        ok: true,
    };
    assert_eq!(
        actions(c.handle(0, done)),
        [Action::Send(ConnId(1), Outgoing::Handshake)]
    );
    let reply = payload(&handshake(0, 1, 22));
    let frame = Event::Frame {
        conn: ConnId(1),
        header: Header::handshake_reply(Status::Ok),
        payload: &reply,
    };
    assert_eq!(actions(c.handle(0, frame)), [Action::LinkUp { nonce: 22 }]);
    assert_eq!(c.state(), LinkState::Up);
    c
}

/// Node 0 accepting node 1, up at time 0 with socket 1.
fn acceptor_up() -> Connection {
    let mut c = Connection::new(handshake(0, 1, 22), 0).unwrap();
    assert_eq!(actions(c.handle(0, Event::Tick)), []);
    assert_eq!(
        actions(c.handle(0, Event::Accepted)),
        [Action::Adopt(ConnId(1))]
    );
    let theirs = payload(&handshake(1, 0, 11));
    let frame = Event::Frame {
        conn: ConnId(1),
        header: Header::handshake(),
        payload: &theirs,
    };
    assert_eq!(
        actions(c.handle(0, frame)),
        [
            Action::Send(ConnId(1), Outgoing::HandshakeReply(Status::Ok)),
            Action::LinkUp { nonce: 11 }
        ]
    );
    c
}

fn app_frame(conn: u64) -> Event<'static> {
    Event::Frame {
        conn: ConnId(conn),
        header: Header::one_way(MessageType::App(AppType::TEST_SINK), 0),
        payload: &[],
    }
}

#[test]
fn higher_number_connects() {
    assert_eq!(Role::between(node(2), node(1)), Some(Role::Connector));
    assert_eq!(Role::between(node(1), node(2)), Some(Role::Acceptor));
    assert_eq!(Role::between(node(1), node(1)), None);
    assert!(Connection::new(handshake(3, 3, 0), 0).is_none());
}

#[test]
fn both_sides_come_up() {
    assert_eq!(connector_up().current(), Some(ConnId(1)));
    assert_eq!(acceptor_up().role(), Role::Acceptor);
}

#[test]
fn acceptor_refuses_a_mismatched_handshake_with_a_status() {
    let mut c = Connection::new(handshake(0, 1, 22), 0).unwrap();
    c.handle(0, Event::Accepted);
    let theirs = Handshake {
        timeouts: Timeouts {
            idle_timeout_ms: 1_000,
            ..Timeouts::DEFAULT
        },
        ..handshake(1, 0, 11)
    };
    let bytes = payload(&theirs);
    let frame = Event::Frame {
        conn: ConnId(1),
        header: Header::handshake(),
        payload: &bytes,
    };
    let out = actions(c.handle(5, frame));
    assert_eq!(
        out[0],
        Action::Send(ConnId(1), Outgoing::HandshakeReply(Status::TimeoutMismatch))
    );
    assert!(matches!(
        out[1],
        Action::Close(ConnId(1), CloseReason::Mismatch(Mismatch::Timeouts(..)))
    ));
    assert_eq!(c.state(), LinkState::Down);
}

#[test]
fn connector_gives_up_on_a_refusal_and_reconnects_after_the_delay() {
    let mut c = Connection::new(handshake(1, 0, 11), 0).unwrap();
    c.handle(0, Event::Tick);
    c.handle(
        0,
        Event::ConnectDone {
            conn: ConnId(1),
            ok: true,
        },
    );
    let reply = payload(&handshake(0, 1, 22));
    let frame = Event::Frame {
        conn: ConnId(1),
        header: Header::handshake_reply(Status::ClusterMismatch),
        payload: &reply,
    };
    assert_eq!(
        actions(c.handle(100, frame)),
        [Action::Close(
            ConnId(1),
            CloseReason::PeerRefused(Status::ClusterMismatch)
        )]
    );
    assert_eq!(c.next_deadline(), Some(100 + RECONNECT));
    assert_eq!(actions(c.handle(100 + RECONNECT - 1, Event::Tick)), []);
    assert_eq!(
        actions(c.handle(100 + RECONNECT, Event::Tick)),
        [Action::Connect(ConnId(2))]
    );
}

#[test]
fn failed_connects_and_connect_timeouts_retry() {
    let mut c = Connection::new(handshake(1, 0, 11), 0).unwrap();
    c.handle(0, Event::Tick);
    let failed = Event::ConnectDone {
        conn: ConnId(1),
        ok: false,
    };
    assert_eq!(
        actions(c.handle(10, failed)),
        [Action::Close(ConnId(1), CloseReason::ConnectFailed)]
    );
    assert_eq!(
        actions(c.handle(10 + RECONNECT, Event::Tick)),
        [Action::Connect(ConnId(2))]
    );
    assert_eq!(
        actions(c.handle(10 + RECONNECT + IDLE, Event::Tick)),
        [Action::Close(ConnId(2), CloseReason::ConnectTimeout)]
    );
}

#[test]
fn nothing_but_the_handshake_before_the_handshake() {
    let mut c = Connection::new(handshake(0, 1, 22), 0).unwrap();
    c.handle(0, Event::Accepted);
    assert_eq!(
        actions(c.handle(1, app_frame(1))),
        [Action::Close(
            ConnId(1),
            CloseReason::Unexpected(MessageType::App(AppType::TEST_SINK))
        )]
    );
    // An acceptor never takes a handshake reply, a connector never a handshake.
    let mut c = Connection::new(handshake(0, 1, 22), 0).unwrap();
    c.handle(0, Event::Accepted);
    let bytes = payload(&handshake(1, 0, 11));
    let reply = Event::Frame {
        conn: ConnId(1),
        header: Header::handshake_reply(Status::Ok),
        payload: &bytes,
    };
    assert!(matches!(
        actions(c.handle(1, reply))[..],
        [Action::Close(_, CloseReason::Unexpected(_))]
    ));
}

#[test]
fn a_malformed_handshake_closes() {
    let mut c = Connection::new(handshake(0, 1, 22), 0).unwrap();
    c.handle(0, Event::Accepted);
    let mut bytes = payload(&handshake(1, 0, 11));
    bytes[6] = 1;
    let frame = Event::Frame {
        conn: ConnId(1),
        header: Header::handshake(),
        payload: &bytes,
    };
    assert!(matches!(
        actions(c.handle(1, frame))[..],
        [Action::Close(_, CloseReason::BadHandshake(_))]
    ));
}

#[test]
fn second_handshake_is_a_violation() {
    let mut c = acceptor_up();
    let bytes = payload(&handshake(1, 0, 11));
    let frame = Event::Frame {
        conn: ConnId(1),
        header: Header::handshake(),
        payload: &bytes,
    };
    assert_eq!(
        actions(c.handle(1, frame)),
        [
            Action::Close(ConnId(1), CloseReason::Unexpected(MessageType::Handshake)),
            Action::LinkDown
        ]
    );
}

#[test]
fn keepalives_go_out_while_the_peer_is_silent_then_idle_closes() {
    let mut c = connector_up();
    assert_eq!(c.next_deadline(), Some(KEEPALIVE));
    assert_eq!(actions(c.handle(KEEPALIVE - 1, Event::Tick)), []);
    assert_eq!(
        actions(c.handle(KEEPALIVE, Event::Tick)),
        [Action::Send(ConnId(1), Outgoing::KeepaliveRequest(1))]
    );
    assert_eq!(c.next_deadline(), Some(2 * KEEPALIVE));
    assert_eq!(
        actions(c.handle(2 * KEEPALIVE, Event::Tick)),
        [Action::Send(ConnId(1), Outgoing::KeepaliveRequest(2))]
    );
    assert_eq!(
        actions(c.handle(IDLE, Event::Tick)),
        [
            Action::Close(ConnId(1), CloseReason::IdleTimeout),
            Action::LinkDown
        ]
    );
    assert_eq!(c.state(), LinkState::Down);
    assert_eq!(c.next_deadline(), Some(IDLE + RECONNECT));
}

#[test]
fn any_frame_resets_the_silence() {
    let mut c = connector_up();
    assert_eq!(
        actions(c.handle(1_500, app_frame(1))),
        [Action::Dispatch(ConnId(1))]
    );
    assert_eq!(c.next_deadline(), Some(1_500 + KEEPALIVE));
    let keepalive = Event::Frame {
        conn: ConnId(1),
        header: Header::keepalive_request(77),
        payload: &[],
    };
    assert_eq!(
        actions(c.handle(1_600, keepalive)),
        [Action::Send(ConnId(1), Outgoing::KeepaliveReply(77))]
    );
    let reply = Event::Frame {
        conn: ConnId(1),
        header: Header::keepalive_reply(1),
        payload: &[],
    };
    assert_eq!(actions(c.handle(1_700, reply)), []);
    assert_eq!(c.next_deadline(), Some(1_700 + KEEPALIVE));
}

#[test]
fn closes_and_violations_take_the_link_down() {
    let mut c = connector_up();
    assert_eq!(
        actions(c.handle(5, Event::Closed { conn: ConnId(1) })),
        [
            Action::Close(ConnId(1), CloseReason::PeerClosed),
            Action::LinkDown
        ]
    );
    let mut c = acceptor_up();
    let error = crate::cluster::wire::WireError::BadMagic(0);
    assert_eq!(
        actions(c.handle(
            5,
            Event::Invalid {
                conn: ConnId(1),
                error
            }
        )),
        [
            Action::Close(ConnId(1), CloseReason::Protocol(error)),
            Action::LinkDown
        ]
    );
}

#[test]
fn stale_sockets_are_ignored() {
    let mut c = connector_up();
    let before = c;
    assert_eq!(actions(c.handle(5, Event::Closed { conn: ConnId(9) })), []);
    assert_eq!(actions(c.handle(5, app_frame(0))), []);
    assert_eq!(
        actions(c.handle(
            5,
            Event::ConnectDone {
                conn: ConnId(1),
                ok: true
            }
        )),
        []
    );
    assert_eq!(c, before);
}

#[test]
fn a_new_connection_from_the_peer_replaces_the_old_one() {
    let mut c = acceptor_up();
    assert_eq!(
        actions(c.handle(10, Event::Accepted)),
        [
            Action::Close(ConnId(1), CloseReason::Replaced),
            Action::LinkDown,
            Action::Adopt(ConnId(2))
        ]
    );
    assert_eq!(c.state(), LinkState::Handshaking);
    assert_eq!(actions(c.handle(11, app_frame(1))), []);
}

#[test]
fn the_connector_refuses_incoming_connections() {
    let mut c = connector_up();
    assert_eq!(
        actions(c.handle(10, Event::Accepted)),
        [Action::Close(ConnId(2), CloseReason::WrongDirection)]
    );
    assert_eq!(c.state(), LinkState::Up);
    assert_eq!(c.current(), Some(ConnId(1)));
}

#[test]
fn declared_down_closes_and_stop_is_final() {
    let mut c = connector_up();
    assert_eq!(
        actions(c.handle(10, Event::DeclaredDown)),
        [
            Action::Close(ConnId(1), CloseReason::DeclaredDown),
            Action::LinkDown
        ]
    );
    assert_eq!(
        actions(c.handle(10 + RECONNECT, Event::Tick)),
        [Action::Connect(ConnId(2))]
    );
    assert_eq!(
        actions(c.handle(10 + RECONNECT, Event::Stop)),
        [Action::Close(ConnId(2), CloseReason::Stopped)]
    );
    assert_eq!(c.state(), LinkState::Stopped);
    assert_eq!(c.next_deadline(), None);
    assert_eq!(actions(c.handle(u64::MAX, Event::Tick)), []);
    assert_eq!(
        actions(c.handle(u64::MAX, Event::Accepted)),
        [Action::Close(ConnId(3), CloseReason::Stopped)]
    );
}

#[test]
fn outgoing_frames_encode_to_valid_frames() {
    let ours = handshake(0, 1, 5);
    let mut buf = [0u8; HEADER_LEN + HANDSHAKE_LEN];
    for out in [
        Outgoing::Handshake,
        Outgoing::HandshakeReply(Status::UnknownNode),
        Outgoing::KeepaliveRequest(3),
        Outgoing::KeepaliveReply(3),
    ] {
        let len = out.encode(&ours, &mut buf).unwrap();
        let Ok(Decoded::Complete { frame, frame_len }) = decode_frame(&buf[..len]) else {
            panic!("{out:?} did not decode");
        };
        assert_eq!(frame_len, len);
        if len > HEADER_LEN {
            assert_eq!(Handshake::decode(frame.payload), Ok(ours));
        }
    }
    let mut short = [0u8; HEADER_LEN + 1];
    assert!(Outgoing::Handshake.encode(&ours, &mut short).is_err());
}

#[test]
fn link_states_have_names() {
    assert_eq!(LinkState::Handshaking.name(), "handshaking");
    assert_eq!(std::format!("{}", LinkState::Up), "up");
}

/// An event for the property tests; socket ids are chosen relative to the current one.
#[derive(Clone, Debug)]
enum Step {
    Tick,
    ConnectDone { which: u8, ok: bool },
    Accepted,
    Handshake { which: u8, good: bool },
    HandshakeReply { which: u8, good: bool },
    Keepalive { which: u8 },
    App { which: u8 },
    Invalid { which: u8 },
    Closed { which: u8 },
    DeclaredDown,
    Stop,
}

fn any_step() -> impl Strategy<Value = Step> {
    let which = 0u8..3;
    prop_oneof![
        8 => Just(Step::Tick),
        3 => (which.clone(), any::<bool>()).prop_map(|(which, ok)| Step::ConnectDone { which, ok }),
        2 => Just(Step::Accepted),
        3 => (which.clone(), any::<bool>()).prop_map(|(which, good)| Step::Handshake { which, good }),
        3 => (which.clone(), any::<bool>())
            .prop_map(|(which, good)| Step::HandshakeReply { which, good }),
        2 => which.clone().prop_map(|which| Step::Keepalive { which }),
        2 => which.clone().prop_map(|which| Step::App { which }),
        1 => which.clone().prop_map(|which| Step::Invalid { which }),
        1 => which.prop_map(|which| Step::Closed { which }),
        1 => Just(Step::DeclaredDown),
        1 => Just(Step::Stop),
    ]
}

fn pick(c: &Connection, which: u8) -> ConnId {
    let current = c.current().map_or(0, |ConnId(id)| id);
    match which {
        0 => ConnId(current),
        1 => ConnId(current.saturating_sub(1)),
        _ => ConnId(current + 1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn invariants_hold_over_any_event_sequence(
        connector in any::<bool>(),
        steps in proptest::collection::vec((any_step(), 0u64..40_000), 1..60),
    ) {
        let (local, peer) = if connector { (1, 0) } else { (0, 1) };
        let mut c = Connection::new(handshake(local, peer, 1), 0).unwrap();
        let good = payload(&handshake(peer, local, 2));
        let bad = payload(&Handshake { nonce: 3, ..handshake(peer, 7, 2) });
        let mut now = 0u64;
        let mut link_up = false;
        let mut highest_id = 0u64;
        for (step, advance) in steps {
            now += advance;
            let was_up = c.state() == LinkState::Up;
            let event = match step {
                Step::Tick => Event::Tick,
                Step::ConnectDone { which, ok } => Event::ConnectDone { conn: pick(&c, which), ok },
                Step::Accepted => Event::Accepted,
                Step::Handshake { which, good: g } => Event::Frame {
                    conn: pick(&c, which),
                    header: Header::handshake(),
                    payload: if g { &good } else { &bad },
                },
                Step::HandshakeReply { which, good: g } => Event::Frame {
                    conn: pick(&c, which),
                    header: Header::handshake_reply(Status::Ok),
                    payload: if g { &good } else { &bad },
                },
                Step::Keepalive { which } => Event::Frame {
                    conn: pick(&c, which),
                    header: Header::keepalive_request(5),
                    payload: &[],
                },
                Step::App { which } => app_frame(pick(&c, which).0),
                Step::Invalid { which } => Event::Invalid {
                    conn: pick(&c, which),
                    error: crate::cluster::wire::WireError::UnknownType(0),
                },
                Step::Closed { which } => Event::Closed { conn: pick(&c, which) },
                Step::DeclaredDown => Event::DeclaredDown,
                Step::Stop => Event::Stop,
            };
            let is_tick = matches!(event, Event::Tick);
            let out = actions(c.handle(now, event));
            prop_assert!(out.len() < Actions::CAPACITY);

            // A socket exists exactly in the states that need one.
            let needs_socket = matches!(
                c.state(),
                LinkState::Connecting | LinkState::Handshaking | LinkState::Up
            );
            prop_assert_eq!(c.current().is_some(), needs_socket);

            for action in &out {
                match *action {
                    Action::Connect(ConnId(id)) | Action::Adopt(ConnId(id)) => {
                        prop_assert!(id > highest_id, "socket ids are fresh");
                        highest_id = id;
                        let is_connect = matches!(action, Action::Connect(_));
                        prop_assert_eq!(is_connect, connector, "only the connector connects");
                    }
                    Action::LinkUp { nonce } => {
                        prop_assert!(!link_up);
                        prop_assert_eq!(nonce, 2);
                        link_up = true;
                    }
                    Action::LinkDown => {
                        prop_assert!(link_up);
                        link_up = false;
                    }
                    Action::Close(ConnId(id), _) => {
                        // Refusals of a new socket use an id above all earlier ones.
                        prop_assert!(id >= 1);
                        highest_id = highest_id.max(id);
                    }
                    Action::Send(..) | Action::Dispatch(_) => {
                        prop_assert!(c.current().is_some() || !was_up);
                    }
                }
            }
            prop_assert_eq!(link_up, c.state() == LinkState::Up);

            // A tick leaves no deadline at or before its time: the glue never spins.
            if is_tick {
                if let Some(deadline) = c.next_deadline() {
                    prop_assert!(deadline > now, "deadline {} at {}", deadline, now);
                }
            }
        }
    }
}
