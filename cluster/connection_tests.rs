// SPDX-License-Identifier: GPL-2.0

//! Tests of the connection state machine: each rule by example, and invariants over random event
//! sequences. The handshake itself runs in the glue (`handshake.rs`, tested in
//! `handshake_tests.rs`); here it only shows as its outcome, [`Event::Accepted`] for the acceptor
//! and [`Event::Authenticated`] for the connector.

extern crate std;

use super::*;
use crate::cluster::connection_events::{Action, CloseReason, Event, Outgoing};
use crate::cluster::frame_mac::FrameMacError;
use crate::cluster::handshake::Failure;
use crate::cluster::messages::PROTOCOL_VERSION;
use crate::cluster::names::ClusterName;
use crate::cluster::status::Status;
use crate::cluster::timeouts::Timeouts;
use crate::cluster::wire::{decode_frame, AppType, Decoded, WireError, HEADER_LEN};
use proptest::prelude::*;
use std::string::ToString;
use std::vec;
use std::vec::Vec;

const IDLE: u64 = 30_000;
const KEEPALIVE: u64 = 2_000;
const RECONNECT: u64 = 2_000;

/// The four handshake frame types: the glue's handshake consumes them, the connection never.
const HANDSHAKE_TYPES: [MessageType; 4] = [
    MessageType::Hello,
    MessageType::Challenge,
    MessageType::Prove,
    MessageType::Welcome,
];

fn node(n: u8) -> NodeNum {
    NodeNum::new(n).unwrap()
}

fn handshake(sender: u8, receiver: u8, nonce: u64) -> Handshake {
    Handshake {
        protocol_version: PROTOCOL_VERSION,
        sender: node(sender),
        receiver: node(receiver),
        nonce,
        period: 0,
        timeouts: Timeouts::DEFAULT,
        cluster: ClusterName::new(b"test").unwrap(),
    }
}

fn actions(a: Actions) -> Vec<Action> {
    a.iter().collect()
}

/// Node 1 connecting to node 0: socket 1 connected at time 0, its handshake running.
fn connector_handshaking() -> Connection {
    let mut c = Connection::new(handshake(1, 0, 11), 0).unwrap();
    assert_eq!(
        actions(c.handle(0, Event::Tick)),
        [Action::Connect(ConnId(1))]
    );
    assert_eq!(c.state(), LinkState::Connecting);
    let done = Event::ConnectDone {
        conn: ConnId(1),
        ok: true,
    };
    // The glue sends the HELLO itself: the connection has nothing to send.
    assert_eq!(actions(c.handle(0, done)), []);
    assert_eq!(c.state(), LinkState::Handshaking);
    assert_eq!(c.current(), Some(ConnId(1)));
    c
}

/// Node 1 connecting to node 0, up at time 0 with socket 1.
fn connector_up() -> Connection {
    let mut c = connector_handshaking();
    let authenticated = Event::Authenticated {
        conn: ConnId(1),
        handshaken: Handshaken::fresh(22, 1),
    };
    assert_eq!(
        actions(c.handle(0, authenticated)),
        [Action::LinkUp {
            handshaken: Handshaken::fresh(22, 1)
        }]
    );
    assert_eq!(c.state(), LinkState::Up);
    c
}

/// Node 0 accepting node 1, up at time 0 with socket 1.
fn acceptor_up() -> Connection {
    let mut c = Connection::new(handshake(0, 1, 22), 0).unwrap();
    assert_eq!(actions(c.handle(0, Event::Tick)), []);
    assert_eq!(c.next_deadline(), None, "an acceptor waits for the peer");
    assert_eq!(
        actions(c.handle(
            0,
            Event::Accepted {
                handshaken: Handshaken::fresh(11, 1)
            }
        )),
        [
            Action::Adopt(ConnId(1)),
            Action::LinkUp {
                handshaken: Handshaken::fresh(11, 1)
            }
        ]
    );
    assert_eq!(c.state(), LinkState::Up);
    c
}

fn app_frame(conn: u64) -> Event {
    Event::Frame {
        conn: ConnId(conn),
        header: Header::one_way(MessageType::App(AppType::TEST_SINK), 0),
    }
}

fn handshake_frame(conn: u64, msg_type: MessageType) -> Event {
    Event::Frame {
        conn: ConnId(conn),
        header: Header::handshake(msg_type, Status::Ok),
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
    assert_eq!(acceptor_up().current(), Some(ConnId(1)));
}

#[test]
fn a_handshake_that_never_finishes_closes_on_the_idle_timeout() {
    // The glue's handshake has the idle timeout to finish; the connection enforces it too.
    let mut c = connector_handshaking();
    assert_eq!(c.next_deadline(), Some(IDLE));
    assert_eq!(actions(c.handle(IDLE - 1, Event::Tick)), []);
    assert_eq!(c.state(), LinkState::Handshaking);
    assert_eq!(
        actions(c.handle(IDLE, Event::Tick)),
        [Action::Close(ConnId(1), CloseReason::IdleTimeout)],
        "no LinkDown: the link was never up"
    );
    assert_eq!(c.state(), LinkState::Down);
    assert_eq!(c.next_deadline(), Some(IDLE + RECONNECT));
    // A handshake that finishes too late is about a socket already closed.
    let late = Event::Authenticated {
        conn: ConnId(1),
        handshaken: Handshaken::fresh(22, 1),
    };
    assert_eq!(actions(c.handle(IDLE + 1, late)), []);
    assert_eq!(c.state(), LinkState::Down);
    assert_eq!(
        actions(c.handle(IDLE + RECONNECT, Event::Tick)),
        [Action::Connect(ConnId(2))]
    );
}

#[test]
fn connector_gives_up_on_a_failed_handshake_and_reconnects_after_the_delay() {
    // The glue's handshake failed (here the acceptor refused it): the socket closes with the
    // failure as its reason, and the link was never up.
    let mut c = connector_handshaking();
    let failure = Failure::PeerRefused(Status::ClusterMismatch);
    assert_eq!(
        actions(c.handle(
            100,
            Event::HandshakeFailed {
                conn: ConnId(1),
                failure
            }
        )),
        [Action::Close(ConnId(1), CloseReason::Handshake(failure))]
    );
    assert_eq!(c.state(), LinkState::Down);
    assert_eq!(c.next_deadline(), Some(100 + RECONNECT));
    assert_eq!(actions(c.handle(100 + RECONNECT - 1, Event::Tick)), []);
    assert_eq!(
        actions(c.handle(100 + RECONNECT, Event::Tick)),
        [Action::Connect(ConnId(2))]
    );
    // A socket error during the handshake is a close.
    c.handle(
        100 + RECONNECT,
        Event::ConnectDone {
            conn: ConnId(2),
            ok: true,
        },
    );
    assert_eq!(
        actions(c.handle(200 + RECONNECT, Event::Closed { conn: ConnId(2) })),
        [Action::Close(ConnId(2), CloseReason::PeerClosed)]
    );
    assert_eq!(c.next_deadline(), Some(200 + 2 * RECONNECT));
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
fn a_connector_is_up_only_once_its_current_socket_is_authenticated() {
    let mut c = Connection::new(handshake(1, 0, 11), 0).unwrap();
    c.handle(0, Event::Tick);
    // Not before the connect finished: the handshake cannot have run.
    let early = Event::Authenticated {
        conn: ConnId(1),
        handshaken: Handshaken::fresh(22, 1),
    };
    assert_eq!(actions(c.handle(1, early)), []);
    assert_eq!(c.state(), LinkState::Connecting);
    c.handle(
        2,
        Event::ConnectDone {
            conn: ConnId(1),
            ok: true,
        },
    );
    // Not for another socket: an old one, or one that does not exist yet.
    for stale in [0, 2] {
        let other = Event::Authenticated {
            conn: ConnId(stale),
            handshaken: Handshaken::fresh(22, 1),
        };
        assert_eq!(actions(c.handle(3, other)), []);
        assert_eq!(c.state(), LinkState::Handshaking);
    }
    assert_eq!(
        actions(c.handle(4, early)),
        [Action::LinkUp {
            handshaken: Handshaken::fresh(22, 1)
        }]
    );
    // The silence counts from the handshake's end.
    assert_eq!(c.next_deadline(), Some(4 + KEEPALIVE));
    // A second one for the same socket changes nothing.
    let before = c;
    assert_eq!(actions(c.handle(5, early)), []);
    assert_eq!(c, before);
}

#[test]
fn a_connector_ignores_the_authentication_of_a_socket_it_gave_up() {
    let mut c = connector_handshaking();
    c.handle(10, Event::Closed { conn: ConnId(1) });
    c.handle(10 + RECONNECT, Event::Tick);
    c.handle(
        10 + RECONNECT,
        Event::ConnectDone {
            conn: ConnId(2),
            ok: true,
        },
    );
    assert_eq!(c.state(), LinkState::Handshaking);
    // The old socket's handshake finishing late must not bring the link up on socket 2.
    let stale = Event::Authenticated {
        conn: ConnId(1),
        handshaken: Handshaken::fresh(22, 1),
    };
    assert_eq!(actions(c.handle(10 + RECONNECT + 1, stale)), []);
    assert_eq!(c.state(), LinkState::Handshaking);
    assert_eq!(c.current(), Some(ConnId(2)));
    let current = Event::Authenticated {
        conn: ConnId(2),
        handshaken: Handshaken::fresh(23, 1),
    };
    assert_eq!(
        actions(c.handle(10 + RECONNECT + 2, current)),
        [Action::LinkUp {
            handshaken: Handshaken::fresh(23, 1)
        }]
    );
}

#[test]
fn no_frame_reaches_the_connection_before_the_handshake_is_done() {
    // Frames during the handshake belong to the glue's handshake; any other one is a violation.
    let mut c = connector_handshaking();
    assert_eq!(
        actions(c.handle(1, app_frame(1))),
        [Action::Close(
            ConnId(1),
            CloseReason::Unexpected(MessageType::App(AppType::TEST_SINK))
        )]
    );
    assert_eq!(c.state(), LinkState::Down);
    for msg_type in HANDSHAKE_TYPES
        .into_iter()
        .chain([MessageType::KeepaliveRequest, MessageType::KeepaliveReply])
    {
        let mut c = connector_handshaking();
        let header = match msg_type {
            MessageType::KeepaliveRequest => Header::keepalive_request(1),
            MessageType::KeepaliveReply => Header::keepalive_reply(1),
            t => Header::handshake(t, Status::Ok),
        };
        let frame = Event::Frame {
            conn: ConnId(1),
            header,
        };
        assert_eq!(
            actions(c.handle(1, frame)),
            [Action::Close(ConnId(1), CloseReason::Unexpected(msg_type))]
        );
    }
}

#[test]
fn bytes_that_break_the_wire_rules_during_the_handshake_close() {
    let mut c = connector_handshaking();
    let error = WireError::UnsupportedVersion(1);
    assert_eq!(
        actions(c.handle(
            1,
            Event::Invalid {
                conn: ConnId(1),
                error
            }
        )),
        [Action::Close(ConnId(1), CloseReason::Protocol(error))]
    );
    assert_eq!(c.state(), LinkState::Down);
    assert_eq!(c.next_deadline(), Some(1 + RECONNECT));
}

#[test]
fn a_handshake_frame_on_a_link_that_is_up_is_a_violation() {
    for msg_type in HANDSHAKE_TYPES {
        for mut c in [connector_up(), acceptor_up()] {
            assert_eq!(
                actions(c.handle(1, handshake_frame(1, msg_type))),
                [
                    Action::Close(ConnId(1), CloseReason::Unexpected(msg_type)),
                    Action::LinkDown
                ]
            );
            assert_eq!(c.state(), LinkState::Down);
        }
    }
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
fn the_acceptor_sends_keepalives_too() {
    let mut c = acceptor_up();
    assert_eq!(c.next_deadline(), Some(KEEPALIVE));
    assert_eq!(
        actions(c.handle(KEEPALIVE, Event::Tick)),
        [Action::Send(ConnId(1), Outgoing::KeepaliveRequest(1))]
    );
    let reply = Event::Frame {
        conn: ConnId(1),
        header: Header::keepalive_reply(1),
    };
    assert_eq!(actions(c.handle(KEEPALIVE + 5, reply)), []);
    assert_eq!(c.next_deadline(), Some(2 * KEEPALIVE + 5));
}

#[test]
fn frames_reported_heard_reset_the_silence_on_the_up_link_only() {
    let mut c = connector_up();
    // Heard at 1 500, reported when the keepalive would be due: no keepalive, no idle close.
    let heard = Event::Heard {
        conn: ConnId(1),
        at: 1_500,
    };
    assert_eq!(actions(c.handle(KEEPALIVE, heard)), []);
    assert_eq!(c.next_deadline(), Some(1_500 + KEEPALIVE));
    assert_eq!(actions(c.handle(KEEPALIVE, Event::Tick)), []);
    // Another socket's, or a link that is not up: nothing.
    let other = Event::Heard {
        conn: ConnId(7),
        at: 3_000,
    };
    assert_eq!(actions(c.handle(3_000, other)), []);
    assert_eq!(c.next_deadline(), Some(1_500 + KEEPALIVE));
    let mut connecting = connector_handshaking();
    let before = connecting.next_deadline();
    let early = Event::Heard {
        conn: ConnId(1),
        at: 500,
    };
    assert_eq!(actions(connecting.handle(500, early)), []);
    assert_eq!(connecting.next_deadline(), before);
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
    };
    assert_eq!(
        actions(c.handle(1_600, keepalive)),
        [Action::Send(ConnId(1), Outgoing::KeepaliveReply(77))]
    );
    let reply = Event::Frame {
        conn: ConnId(1),
        header: Header::keepalive_reply(1),
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
    let error = WireError::BadMagic(0);
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
    assert_eq!(c.next_deadline(), None, "the acceptor waits for the peer");
    // This side's own failed send: the log says so, not that the peer closed it.
    for (timed_out, reason) in [
        (true, CloseReason::SendTimedOut),
        (false, CloseReason::SendFailed),
    ] {
        let mut c = connector_up();
        let conn = ConnId(1);
        assert_eq!(
            actions(c.handle(5, Event::SendFailed { conn, timed_out })),
            [Action::Close(conn, reason), Action::LinkDown]
        );
    }
    assert_eq!(
        CloseReason::SendTimedOut.to_string(),
        "a send timed out (the peer stopped reading)"
    );
    // A frame that fails its MAC (altered, replayed, forged) ends the link too.
    for mut c in [connector_up(), acceptor_up()] {
        let error = FrameMacError::BadTag(3);
        assert_eq!(
            actions(c.handle(
                5,
                Event::FrameMac {
                    conn: ConnId(1),
                    error
                }
            )),
            [
                Action::Close(ConnId(1), CloseReason::FrameMac(error)),
                Action::LinkDown
            ]
        );
        assert_eq!(c.state(), LinkState::Down);
    }
}

#[test]
fn stale_sockets_are_ignored() {
    for mut c in [connector_up(), acceptor_up()] {
        let before = c;
        assert_eq!(actions(c.handle(5, Event::Closed { conn: ConnId(9) })), []);
        let stale_send = Event::SendFailed {
            conn: ConnId(9),
            timed_out: true,
        };
        assert_eq!(actions(c.handle(5, stale_send)), []);
        assert_eq!(actions(c.handle(5, app_frame(0))), []);
        assert_eq!(
            actions(c.handle(5, handshake_frame(2, MessageType::Hello))),
            []
        );
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
        for conn in [0, 2] {
            let failed = Event::HandshakeFailed {
                conn: ConnId(conn),
                failure: Failure::BadProof,
            };
            assert_eq!(actions(c.handle(5, failed)), []);
            let mac = Event::FrameMac {
                conn: ConnId(conn),
                error: FrameMacError::BadTag(0),
            };
            assert_eq!(actions(c.handle(5, mac)), []);
        }
        // The current socket is up already: its handshake cannot finish again.
        for conn in [0, 1, 2] {
            let again = Event::Authenticated {
                conn: ConnId(conn),
                handshaken: Handshaken::fresh(99, 1),
            };
            assert_eq!(actions(c.handle(5, again)), []);
        }
        assert_eq!(c, before);
    }
}

#[test]
fn a_new_authenticated_connection_from_the_peer_replaces_the_old_one() {
    let mut c = acceptor_up();
    assert_eq!(
        actions(c.handle(
            10,
            Event::Accepted {
                handshaken: Handshaken::fresh(12, 1)
            }
        )),
        [
            Action::Close(ConnId(1), CloseReason::Replaced),
            Action::LinkDown,
            Action::Adopt(ConnId(2)),
            Action::LinkUp {
                handshaken: Handshaken::fresh(12, 1)
            },
        ]
    );
    assert_eq!(c.state(), LinkState::Up);
    assert_eq!(c.current(), Some(ConnId(2)));
    assert_eq!(c.next_deadline(), Some(10 + KEEPALIVE));
    // The old socket is gone; the new one carries the messages.
    assert_eq!(actions(c.handle(11, app_frame(1))), []);
    assert_eq!(
        actions(c.handle(11, app_frame(2))),
        [Action::Dispatch(ConnId(2))]
    );
    // After a close the next one is adopted without a replacement.
    c.handle(12, Event::Closed { conn: ConnId(2) });
    assert_eq!(
        actions(c.handle(
            13,
            Event::Accepted {
                handshaken: Handshaken::fresh(12, 1)
            }
        )),
        [
            Action::Adopt(ConnId(3)),
            Action::LinkUp {
                handshaken: Handshaken::fresh(12, 1)
            }
        ]
    );
}

#[test]
fn the_acceptor_never_waits_for_authentication() {
    // An acceptor's socket is authenticated before the connection hears of it.
    let mut c = Connection::new(handshake(0, 1, 22), 0).unwrap();
    let authenticated = Event::Authenticated {
        conn: ConnId(1),
        handshaken: Handshaken::fresh(11, 1),
    };
    assert_eq!(actions(c.handle(0, authenticated)), []);
    assert_eq!(c.state(), LinkState::Down);
    assert_eq!(c.current(), None);
}

#[test]
fn the_connector_refuses_incoming_connections() {
    for mut c in [connector_up(), connector_handshaking()] {
        let state = c.state();
        assert_eq!(
            actions(c.handle(
                10,
                Event::Accepted {
                    handshaken: Handshaken::fresh(12, 1)
                }
            )),
            [Action::Close(ConnId(2), CloseReason::WrongDirection)]
        );
        assert_eq!(c.state(), state);
        assert_eq!(c.current(), Some(ConnId(1)));
    }
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
        actions(c.handle(
            u64::MAX,
            Event::Accepted {
                handshaken: Handshaken::fresh(12, 1)
            }
        )),
        [Action::Close(ConnId(3), CloseReason::Stopped)]
    );
    let authenticated = Event::Authenticated {
        conn: ConnId(2),
        handshaken: Handshaken::fresh(12, 1),
    };
    assert_eq!(actions(c.handle(u64::MAX, authenticated)), []);
    assert_eq!(c.state(), LinkState::Stopped);
}

#[test]
fn outgoing_frames_encode_to_valid_frames() {
    let mut buf = [0u8; HEADER_LEN];
    for out in [Outgoing::KeepaliveRequest(3), Outgoing::KeepaliveReply(3)] {
        let len = out.encode(&mut buf).unwrap();
        assert_eq!(len, HEADER_LEN);
        let Ok(Decoded::Complete { frame, frame_len }) = decode_frame(&buf[..len]) else {
            panic!("{out:?} did not decode");
        };
        assert_eq!(frame_len, len);
        assert_eq!(frame.header.request_id, 3);
        assert!(frame.payload.is_empty());
    }
    let mut short = [0u8; HEADER_LEN - 1];
    assert_eq!(
        Outgoing::KeepaliveRequest(1).encode(&mut short),
        Err(WireError::BufferTooSmall)
    );
}

#[test]
fn close_reasons_of_the_handshake_and_the_frame_mac_explain_themselves() {
    assert_eq!(
        CloseReason::Handshake(Failure::BadProof).to_string(),
        std::format!("handshake failed: {}", Failure::BadProof)
    );
    let refused = CloseReason::Handshake(Failure::PeerRefused(Status::NoKey)).to_string();
    assert!(refused.contains("no authentication key"), "{refused}");
    let mac = CloseReason::FrameMac(FrameMacError::BadTag(7)).to_string();
    assert!(mac.contains("frame 7 failed authentication"), "{mac}");
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
    Accepted { nonce: u64 },
    Authenticated { which: u8, nonce: u64 },
    HandshakeFrame { which: u8, msg_type: MessageType },
    Keepalive { which: u8 },
    App { which: u8 },
    Invalid { which: u8 },
    HandshakeFailed { which: u8 },
    FrameMac { which: u8 },
    Closed { which: u8 },
    SendFailed { which: u8, timed_out: bool },
    DeclaredDown,
    Stop,
}

fn any_step() -> impl Strategy<Value = Step> {
    let which = 0u8..3;
    let nonce = 2u64..5;
    prop_oneof![
        8 => Just(Step::Tick),
        3 => (which.clone(), any::<bool>()).prop_map(|(which, ok)| Step::ConnectDone { which, ok }),
        2 => nonce.clone().prop_map(|nonce| Step::Accepted { nonce }),
        3 => (which.clone(), nonce)
            .prop_map(|(which, nonce)| Step::Authenticated { which, nonce }),
        1 => (which.clone(), proptest::sample::select(&HANDSHAKE_TYPES[..]))
            .prop_map(|(which, msg_type)| Step::HandshakeFrame { which, msg_type }),
        2 => which.clone().prop_map(|which| Step::Keepalive { which }),
        2 => which.clone().prop_map(|which| Step::App { which }),
        1 => which.clone().prop_map(|which| Step::Invalid { which }),
        1 => which.clone().prop_map(|which| Step::HandshakeFailed { which }),
        1 => which.clone().prop_map(|which| Step::FrameMac { which }),
        1 => which.clone().prop_map(|which| Step::Closed { which }),
        1 => (which, any::<bool>())
            .prop_map(|(which, timed_out)| Step::SendFailed { which, timed_out }),
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
        let mut now = 0u64;
        let mut link_up = false;
        let mut highest_id = 0u64;
        for (step, advance) in steps {
            now += advance;
            let before = c;
            let event = match step {
                Step::Tick => Event::Tick,
                Step::ConnectDone { which, ok } => Event::ConnectDone { conn: pick(&c, which), ok },
                Step::Accepted { nonce } => Event::Accepted { handshaken: Handshaken::fresh(nonce, 1) },
                Step::Authenticated { which, nonce } => Event::Authenticated {
                    conn: pick(&c, which),
                    handshaken: Handshaken::fresh(nonce, 1),
                },
                Step::HandshakeFrame { which, msg_type } => Event::Frame {
                    conn: pick(&c, which),
                    header: Header::handshake(msg_type, Status::Ok),
                },
                Step::Keepalive { which } => Event::Frame {
                    conn: pick(&c, which),
                    header: Header::keepalive_request(5),
                },
                Step::App { which } => app_frame(pick(&c, which).0),
                Step::Invalid { which } => Event::Invalid {
                    conn: pick(&c, which),
                    error: WireError::UnknownType(0),
                },
                Step::HandshakeFailed { which } => Event::HandshakeFailed {
                    conn: pick(&c, which),
                    failure: Failure::BadProof,
                },
                Step::FrameMac { which } => Event::FrameMac {
                    conn: pick(&c, which),
                    error: FrameMacError::BadTag(0),
                },
                Step::Closed { which } => Event::Closed { conn: pick(&c, which) },
                Step::SendFailed { which, timed_out } => Event::SendFailed {
                    conn: pick(&c, which),
                    timed_out,
                },
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
            // Only the connector runs a handshake the connection waits for.
            if c.state() == LinkState::Handshaking {
                prop_assert!(connector);
            }

            for action in &out {
                match *action {
                    Action::Connect(ConnId(id)) | Action::Adopt(ConnId(id)) => {
                        prop_assert!(id > highest_id, "socket ids are fresh");
                        highest_id = id;
                        let is_connect = matches!(action, Action::Connect(_));
                        prop_assert_eq!(is_connect, connector, "only the connector connects");
                    }
                    Action::LinkUp { handshaken } => {
                        prop_assert!(!link_up);
                        // Only a finished handshake brings the link up: on the acceptor an
                        // accepted socket, on the connector its current socket's handshake.
                        match event {
                            Event::Accepted { handshaken: n } => {
                                prop_assert!(!connector);
                                prop_assert_eq!(handshaken, n);
                            }
                            Event::Authenticated { conn, handshaken: n } => {
                                prop_assert!(connector);
                                prop_assert_eq!(before.current(), Some(conn));
                                prop_assert_eq!(before.state(), LinkState::Handshaking);
                                prop_assert_eq!(handshaken, n);
                            }
                            _ => prop_assert!(false, "link up on {:?}", event),
                        }
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
                        prop_assert_eq!(before.state(), LinkState::Up, "messages only once up");
                    }
                }
            }
            prop_assert_eq!(link_up, c.state() == LinkState::Up);

            // A handshake frame never reaches a connection that is up, nor keeps it up.
            if let Step::HandshakeFrame { which: 0, .. } = step {
                if before.current().is_some() {
                    prop_assert_eq!(c.state(), LinkState::Down);
                }
            }

            // A tick leaves no deadline at or before its time: the glue never spins.
            if is_tick {
                if let Some(deadline) = c.next_deadline() {
                    prop_assert!(deadline > now, "deadline {} at {}", deadline, now);
                }
            }
        }
    }
}
