// SPDX-License-Identifier: GPL-2.0

//! Fuzz target: one peer node's connection and heartbeat together (`cluster/peer.rs`, with
//! `cluster/connection.rs` and `cluster/heartbeat.rs`).
//!
//! The input picks the local node's role (connector or acceptor), the timing settings (small
//! ones, so that timers fire, or anywhere in their valid ranges) and then any sequence of
//! `Event`s and clock steps: ticks, finished connects, accepted sockets, finished handshakes
//! (with any nonce, session and named periods, or the periods the peer would name), frames of
//! every type, `Heard` reports (from the past, the future, or any time), errors, closes,
//! `DeclaredDown`, `Stop` and `Peer::expire`, each about the current socket, an old one, a
//! future one or any id. The clock moves by small steps, large ones, huge ones (saturating at
//! `u64::MAX`) and sometimes backwards (the glue's clock is monotonic; nothing checked below
//! depends on that). Checked after every step:
//!
//! - nothing panics, including an arithmetic overflow (the fuzz build has overflow checks), and a
//!   step's outputs never fill `PeerOutputs` (so none was dropped);
//! - node events alternate (`Up` only while down, `Down` only while up) and agree with
//!   `liveness()`; `period()` is 0 exactly while down; a node comes up only in a step whose
//!   handshake finished (`LinkUp`), goes down `Removed` only on `Stop`, `Restarted` or
//!   `OutOfStep` only on a handshake, `Silent` only on a tick or `expire`;
//! - `LinkUp` and `LinkDown` alternate and agree with the link state; the link is up only while
//!   the node is (the peer's invariant); a socket exists exactly in the states that need one;
//!   socket ids are fresh; only the connector connects and runs a handshake, only the acceptor
//!   adopts; control frames and dispatches only while the link is up;
//! - after a tick, `next_deadline()` is later than now (or saturated at `u64::MAX`): the glue
//!   never spins;
//! - silence is caught: after a tick the node is still up only if something was heard (a frame or
//!   `Heard` on the current socket, or a handshake) less than `dead_threshold` keepalive delays
//!   ago, and a tick declares it `Silent` only if nothing it counted was heard for that long;
//! - after `Stop` the link stays stopped and the node down, whatever comes.

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ramster::cluster::connection::{ConnId, LinkState, Role};
use ramster::cluster::connection_events::{Action, CloseReason, Event};
use ramster::cluster::frame_mac::FrameMacError;
use ramster::cluster::handshake::Failure;
use ramster::cluster::heartbeat::{DownReason, Handshaken, Liveness, NodeEvent};
use ramster::cluster::messages::{Handshake, PROTOCOL_VERSION};
use ramster::cluster::names::ClusterName;
use ramster::cluster::node_num::NodeNum;
use ramster::cluster::peer::{Peer, PeerOutput, PeerOutputs};
use ramster::cluster::status::Status;
use ramster::cluster::timeouts::{Timeouts, DEAD_THRESHOLD_RANGE, DELAY_MS_RANGE};
use ramster::cluster::tmem_messages::TmemOp;
use ramster::cluster::wire::{AppType, Header, MessageType, WireError};

/// What a step was, for the checks that depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Tick,
    Expire,
    Stop,
    Other,
}

struct State {
    peer: Peer,
    role: Role,
    now: u64,
    dead_after: u64,
    /// Node up, as the node events say.
    up: bool,
    /// Link up, as `LinkUp` and `LinkDown` say.
    link_up: bool,
    /// Bounds of the heartbeat's "last heard": every time it could have been given (upper), and
    /// times it was surely given while the node was up (lower).
    heard_upper: u64,
    heard_lower: u64,
    highest_conn: u64,
    stopped: bool,
}

fn timeouts(u: &mut Unstructured) -> Result<Timeouts> {
    let (lo, hi) = DELAY_MS_RANGE;
    let t = match u.int_in_range(0..=3u8)? {
        0 => Timeouts::DEFAULT,
        1 => {
            let keepalive_delay_ms = u.int_in_range(1..=50)?;
            Timeouts {
                idle_timeout_ms: u.int_in_range(keepalive_delay_ms + 1..=1_000)?,
                keepalive_delay_ms,
                reconnect_delay_ms: u.int_in_range(1..=100)?,
                dead_threshold: u.int_in_range(DEAD_THRESHOLD_RANGE.0..=10)?,
            }
        }
        _ => {
            let keepalive_delay_ms = u.int_in_range(lo..=hi - 1)?;
            Timeouts {
                idle_timeout_ms: u.int_in_range(keepalive_delay_ms + 1..=hi)?,
                keepalive_delay_ms,
                reconnect_delay_ms: u.int_in_range(lo..=hi)?,
                dead_threshold: u.int_in_range(DEAD_THRESHOLD_RANGE.0..=DEAD_THRESHOLD_RANGE.1)?,
            }
        }
    };
    assert!(t.is_valid());
    Ok(t)
}

fn conn(u: &mut Unstructured, peer: &Peer) -> Result<ConnId> {
    let current = peer.connection().current().map_or(0, |ConnId(id)| id);
    Ok(ConnId(match u.int_in_range(0..=4u8)? {
        0 | 1 => current,
        2 => current.saturating_sub(1),
        3 => current.saturating_add(1),
        _ => u.arbitrary()?,
    }))
}

fn small_or_any(u: &mut Unstructured, max_small: u64) -> Result<u64> {
    if u.arbitrary()? {
        u.int_in_range(0..=max_small)
    } else {
        u.arbitrary()
    }
}

fn handshaken(u: &mut Unstructured, peer: &Peer) -> Result<Handshaken> {
    let nonce = small_or_any(u, 3)?;
    let session = small_or_any(u, 5)?.max(1);
    let held = peer.period();
    // As a peer of the same run would name them (both the period we hold it in), as a restarted
    // peer would (none), or anything.
    let (ours, theirs) = match u.int_in_range(0..=3u8)? {
        0 => (held, held),
        1 => (held, 0),
        2 => (0, 0),
        _ => (small_or_any(u, 5)?, small_or_any(u, 5)?),
    };
    Ok(Handshaken {
        nonce,
        session,
        ours,
        theirs,
    })
}

fn header(u: &mut Unstructured) -> Result<Header> {
    let id = small_or_any(u, 3)?;
    Ok(match u.int_in_range(0..=7u8)? {
        0 => Header::keepalive_request(id),
        1 => Header::keepalive_reply(id),
        2 => Header::reply(id, Status::Ok, 0),
        3 => Header::one_way(MessageType::App(AppType::TEST_SINK), 1),
        4 => Header::request(MessageType::App(AppType::TEST_ECHO), 1, id.max(1)),
        5 => Header::request(MessageType::Tmem(TmemOp::Get), 40, id.max(1)),
        6 => {
            let types = [
                MessageType::Hello,
                MessageType::Challenge,
                MessageType::Prove,
                MessageType::Welcome,
            ];
            Header::handshake(*u.choose(&types)?, Status::Ok)
        }
        _ => Header::one_way(MessageType::Tmem(TmemOp::Flush), 40),
    })
}

/// The clock's next value.
fn advance(u: &mut Unstructured, now: u64, dead_after: u64) -> Result<u64> {
    Ok(match u.int_in_range(0..=9u8)? {
        0..=4 => now.saturating_add(u.int_in_range(0..=dead_after.clamp(1, 100_000))?),
        5 | 6 => now.saturating_add(u64::from(u.arbitrary::<u32>()?)),
        7 => now.saturating_add(u.arbitrary()?),
        8 => now.saturating_sub(u.int_in_range(0..=dead_after.max(1))?),
        _ => u.arbitrary()?,
    })
}

/// The event of one step (`None`: `Peer::expire`).
fn event(u: &mut Unstructured, s: &State) -> Result<Option<Event>> {
    let peer = &s.peer;
    Ok(Some(match u.int_in_range(0..=15u8)? {
        0..=3 => Event::Tick,
        4 => Event::ConnectDone {
            conn: conn(u, peer)?,
            ok: u.ratio(4, 5)?,
        },
        5 => Event::Accepted {
            handshaken: handshaken(u, peer)?,
        },
        6 => Event::Authenticated {
            conn: conn(u, peer)?,
            handshaken: handshaken(u, peer)?,
        },
        7 | 8 => Event::Frame {
            conn: conn(u, peer)?,
            header: header(u)?,
        },
        9 => Event::Heard {
            conn: conn(u, peer)?,
            at: match u.int_in_range(0..=2u8)? {
                0 => s.now.saturating_sub(small_or_any(u, s.dead_after)?),
                1 => s.now.saturating_add(small_or_any(u, s.dead_after)?),
                _ => u.arbitrary()?,
            },
        },
        10 => Event::Invalid {
            conn: conn(u, peer)?,
            error: WireError::UnknownType(0),
        },
        11 => Event::HandshakeFailed {
            conn: conn(u, peer)?,
            failure: Failure::BadProof,
        },
        12 => Event::FrameMac {
            conn: conn(u, peer)?,
            error: FrameMacError::BadTag(small_or_any(u, 3)?),
        },
        13 => Event::Closed {
            conn: conn(u, peer)?,
        },
        14 => match u.int_in_range(0..=9u8)? {
            0 => Event::Stop,
            1..=4 => Event::DeclaredDown,
            _ => return Ok(None),
        },
        _ => Event::Tick,
    }))
}

fn step(u: &mut Unstructured, s: &mut State) -> Result<()> {
    s.now = advance(u, s.now, s.dead_after)?;
    let now = s.now;
    let ev = event(u, s)?;
    let before = s.peer;
    let was_up = before.liveness() == Liveness::Up;
    let current = before.connection().current();
    let (out, kind) = match ev {
        None => (s.peer.expire(now), Kind::Expire),
        Some(e) => {
            let kind = match e {
                Event::Tick => Kind::Tick,
                Event::Stop => Kind::Stop,
                _ => Kind::Other,
            };
            // What the heartbeat hears of this event, at what time.
            let heard_at = match e {
                Event::Frame { conn, .. } if Some(conn) == current => Some(now),
                Event::Heard { conn, at } if Some(conn) == current => Some(at.min(now)),
                _ => None,
            };
            if let Some(at) = heard_at {
                s.heard_upper = s.heard_upper.max(at);
                if was_up {
                    s.heard_lower = s.heard_lower.max(at);
                }
            }
            (s.peer.handle(now, e), kind)
        }
    };
    let outputs: Vec<PeerOutput> = out.iter().collect();
    assert!(
        outputs.len() < PeerOutputs::CAPACITY,
        "a step's outputs filled the list: {outputs:?}"
    );
    let handshake = outputs
        .iter()
        .any(|o| matches!(o, PeerOutput::Connection(Action::LinkUp { .. })));
    for o in &outputs {
        match *o {
            PeerOutput::Node(NodeEvent::Up) => {
                assert!(!s.up, "node up twice: {outputs:?}");
                assert!(handshake, "node up without a handshake: {ev:?} {outputs:?}");
                s.up = true;
                s.heard_lower = s.heard_lower.max(now);
            }
            PeerOutput::Node(NodeEvent::Down(reason)) => {
                assert!(s.up, "node down twice: {outputs:?}");
                s.up = false;
                match reason {
                    DownReason::Silent => {
                        assert!(matches!(kind, Kind::Tick | Kind::Expire), "{ev:?}");
                        if kind == Kind::Tick {
                            assert!(
                                now >= s.heard_lower.saturating_add(s.dead_after),
                                "declared silent at {now}, heard at {} (dead after {})",
                                s.heard_lower,
                                s.dead_after
                            );
                        }
                    }
                    DownReason::Removed => assert_eq!(kind, Kind::Stop),
                    DownReason::Restarted | DownReason::OutOfStep => assert!(handshake),
                }
            }
            PeerOutput::Connection(action) => match action {
                Action::Connect(ConnId(id)) | Action::Adopt(ConnId(id)) => {
                    assert!(id > s.highest_conn, "socket id {id} reused");
                    s.highest_conn = id;
                    let connect = matches!(action, Action::Connect(_));
                    assert_eq!(connect, s.role == Role::Connector, "{action:?}");
                }
                Action::Close(ConnId(id), reason) => {
                    s.highest_conn = s.highest_conn.max(id);
                    if s.stopped {
                        assert_eq!(reason, CloseReason::Stopped);
                    }
                }
                Action::LinkUp { .. } => {
                    assert!(!s.link_up, "link up twice: {outputs:?}");
                    assert!(!s.stopped);
                    s.link_up = true;
                    s.heard_upper = s.heard_upper.max(now);
                }
                Action::LinkDown => {
                    assert!(s.link_up, "link down twice: {outputs:?}");
                    s.link_up = false;
                }
                Action::Send(..) | Action::Dispatch(_) => {
                    assert!(s.link_up, "{action:?} while the link is not up");
                }
            },
        }
    }
    if kind == Kind::Stop {
        s.stopped = true;
    }

    let peer = &s.peer;
    let link = peer.connection().state();
    let up = peer.liveness() == Liveness::Up;
    assert_eq!(s.up, up, "node events and liveness disagree");
    assert_eq!(
        peer.period() == 0,
        !up,
        "period {} while {:?}",
        peer.period(),
        peer.liveness()
    );
    assert_eq!(
        s.link_up,
        link == LinkState::Up,
        "link events and state disagree"
    );
    if link == LinkState::Up {
        assert!(up, "the link is up while the node is down");
    }
    let needs_socket = matches!(
        link,
        LinkState::Connecting | LinkState::Handshaking | LinkState::Up
    );
    assert_eq!(
        peer.connection().current().is_some(),
        needs_socket,
        "{link:?}"
    );
    if matches!(link, LinkState::Connecting | LinkState::Handshaking) {
        assert_eq!(s.role, Role::Connector);
    }
    if s.stopped {
        assert_eq!(link, LinkState::Stopped);
        assert!(!up);
    }
    if kind == Kind::Tick {
        if let Some(deadline) = peer.next_deadline() {
            assert!(
                deadline > now || deadline == u64::MAX,
                "deadline {deadline} at {now} after a tick"
            );
        }
        if up {
            assert!(
                now < s.heard_upper.saturating_add(s.dead_after),
                "still up at {now}, nothing heard since {} (dead after {})",
                s.heard_upper,
                s.dead_after
            );
        }
    }
    Ok(())
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let (local, remote) = if u.arbitrary()? {
        (1, 0)
    } else {
        let a = u.int_in_range(0..=NodeNum::MAX)?;
        let b = u.int_in_range(0..=NodeNum::MAX)?;
        if a == b {
            return Ok(());
        }
        (a, b)
    };
    let timeouts = timeouts(&mut u)?;
    let start = small_or_any(&mut u, 10)?;
    let (Some(sender), Some(receiver), Ok(cluster)) = (
        NodeNum::new(local),
        NodeNum::new(remote),
        ClusterName::new(b"fuzz"),
    ) else {
        return Ok(());
    };
    let ours = Handshake {
        protocol_version: PROTOCOL_VERSION,
        sender,
        receiver,
        nonce: 7,
        period: 0,
        timeouts,
        cluster,
    };
    let peer = Peer::new(ours, start).expect("two distinct nodes");
    let role = peer.connection().role();
    assert_eq!(role == Role::Connector, local > remote);
    assert_eq!(peer.liveness(), Liveness::Down);
    let mut s = State {
        peer,
        role,
        now: start,
        dead_after: timeouts.dead_after_ms(),
        up: false,
        link_up: false,
        heard_upper: 0,
        heard_lower: 0,
        highest_conn: 0,
        stopped: false,
    };
    for _ in 0..500 {
        if u.is_empty() {
            break;
        }
        step(&mut u, &mut s)?;
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
