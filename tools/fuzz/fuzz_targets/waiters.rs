// SPDX-License-Identifier: GPL-2.0

//! Fuzz target: the table of requests waiting for their replies (`cluster/waiters.rs`).
//!
//! The input picks a quota and drives a `WaiterTable<8>` through any sequence of `begin`,
//! `cancel` (of any slot, in range or not), `reply` (with the id of a request that waits, that
//! ended, that never was, on its own connection or another, with any status), `expire` and
//! `fail_conn` (each called until it returns `None`, as the glue does), and clock steps
//! (forwards only: the clock is monotonic, but deadlines saturate near `u64::MAX`). A plain
//! model of the slots is kept beside it. Checked after every call:
//!
//! - `begin` succeeds exactly when a slot is free and the connection holds fewer than its quota
//!   (and then `has_room` said so before); its request id is the next one (ids start at 1 and
//!   only grow) and its slot was free;
//! - a reply wakes exactly the slot of the request with that id on that connection, once, with
//!   the reply's status; any other reply finds nobody;
//! - `expire(now)` returns only requests whose deadline is at or before `now` (`TimedOut`), and
//!   all of them; `fail_conn` only that connection's requests, and all of them, with
//!   `NodeDown` or `ConnectionClosed` as asked;
//! - every request begun ends exactly once (reply, expire, fail or cancel); at the end the
//!   connections are failed and nothing is left;
//! - `len`, `is_empty`, `waiting_on`, `next_deadline` and `quota` agree with the model;
//! - nothing panics (the fuzz build has overflow checks).

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ramster::cluster::connection::ConnId;
use ramster::cluster::status::Status;
use ramster::cluster::waiters::{Outcome, WaiterTable};

const SLOTS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pending {
    id: u64,
    conn: ConnId,
    deadline: u64,
}

struct Model {
    slots: [Option<Pending>; SLOTS],
    quota: usize,
    next_id: u64,
    /// Every id handed out so far, for replies to requests that ended.
    issued: Vec<u64>,
}

impl Model {
    fn waiting_on(&self, conn: ConnId) -> usize {
        self.slots
            .iter()
            .flatten()
            .filter(|p| p.conn == conn)
            .count()
    }

    fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Ends the request in `slot`, which must be waiting and match `ok`.
    fn end(&mut self, slot: usize, ok: impl Fn(&Pending) -> bool) -> Pending {
        let Some(Some(p)) = self.slots.get(slot).copied() else {
            panic!("slot {slot} ended, but no request waited there");
        };
        assert!(ok(&p), "slot {slot} ({p:?}) ended for the wrong reason");
        self.slots[slot] = None;
        p
    }
}

const CONNS: [ConnId; 4] = [ConnId(0), ConnId(1), ConnId(2), ConnId(u64::MAX)];

fn conn(u: &mut Unstructured) -> Result<ConnId> {
    Ok(*u.choose(&CONNS)?)
}

fn check(t: &WaiterTable<SLOTS>, m: &Model) {
    assert_eq!(t.len(), m.len());
    assert_eq!(t.is_empty(), m.len() == 0);
    assert_eq!(t.quota(), m.quota);
    let next = m.slots.iter().flatten().map(|p| p.deadline).min();
    assert_eq!(t.next_deadline(), next);
    for c in CONNS {
        assert_eq!(t.waiting_on(c), m.waiting_on(c));
        let room = m.len() < SLOTS && m.waiting_on(c) < m.quota;
        assert_eq!(t.has_room(c), room);
    }
}

fn fail_all(t: &mut WaiterTable<SLOTS>, m: &mut Model, c: ConnId, node_down: bool) {
    let want = if node_down {
        Outcome::NodeDown
    } else {
        Outcome::ConnectionClosed
    };
    while let Some((slot, outcome)) = t.fail_conn(c, node_down) {
        assert_eq!(outcome, want);
        m.end(slot, |p| p.conn == c);
    }
    assert_eq!(m.waiting_on(c), 0, "fail_conn left requests of {c:?}");
}

fn step(
    u: &mut Unstructured,
    t: &mut WaiterTable<SLOTS>,
    m: &mut Model,
    now: &mut u64,
) -> Result<()> {
    match u.int_in_range(0..=7u8)? {
        0 | 1 => {
            let c = conn(u)?;
            let timeout: u32 = if u.arbitrary()? {
                u.int_in_range(0..=100)?
            } else {
                u.arbitrary()?
            };
            let room = t.has_room(c);
            let free = m.slots.iter().position(Option::is_none);
            let expect = free.is_some() && m.waiting_on(c) < m.quota;
            assert_eq!(room, expect);
            match t.begin(c, *now, timeout) {
                Ok((slot, id)) => {
                    assert!(expect, "begin took a slot past the quota or a full table");
                    assert_eq!(id, m.next_id, "request ids are handed out in order");
                    assert!(m.slots[slot].is_none(), "begin took a busy slot");
                    m.slots[slot] = Some(Pending {
                        id,
                        conn: c,
                        deadline: now.saturating_add(u64::from(timeout)),
                    });
                    m.next_id += 1;
                    m.issued.push(id);
                }
                Err(_) => assert!(!expect, "begin refused though there was room"),
            }
        }
        2 => {
            // Any slot, even out of range: the glue's own slot numbers only, but it must not
            // panic either way.
            let slot = u.int_in_range(0..=SLOTS + 2)?;
            t.cancel(slot);
            if let Some(entry) = m.slots.get_mut(slot) {
                *entry = None;
            }
        }
        3 | 4 => {
            let c = conn(u)?;
            let id = match u.int_in_range(0..=3u8)? {
                0 => u.arbitrary()?,
                _ if m.issued.is_empty() => 0,
                _ => m.issued[u.choose_index(m.issued.len())?],
            };
            let status = Status::from_code(u.int_in_range(0..=21)?).unwrap_or(Status::Ok);
            let waiting = m
                .slots
                .iter()
                .position(|p| p.is_some_and(|p| p.conn == c && p.id == id));
            match t.reply(c, id, status) {
                Some((slot, outcome)) => {
                    assert_eq!(outcome, Outcome::Reply(status));
                    assert_eq!(Some(slot), waiting, "a reply woke the wrong slot");
                    m.end(slot, |p| p.conn == c && p.id == id);
                }
                None => assert_eq!(waiting, None, "a reply found nobody, yet its request waits"),
            }
        }
        5 => {
            while let Some((slot, outcome)) = t.expire(*now) {
                assert_eq!(outcome, Outcome::TimedOut);
                let at = *now;
                m.end(slot, |p| p.deadline <= at);
            }
            assert!(
                m.slots.iter().flatten().all(|p| p.deadline > *now),
                "expire left a request past its deadline"
            );
        }
        6 => {
            let c = conn(u)?;
            let node_down = u.arbitrary()?;
            fail_all(t, m, c, node_down);
        }
        _ => {
            let step: u64 = match u.int_in_range(0..=2u8)? {
                0 => u.int_in_range(0..=200)?,
                1 => u64::from(u.arbitrary::<u32>()?),
                _ => u.arbitrary()?,
            };
            *now = now.saturating_add(step);
        }
    }
    check(t, m);
    Ok(())
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let quota = u.int_in_range(0..=SLOTS + 1)?;
    let mut t: WaiterTable<SLOTS> = if quota == SLOTS + 1 {
        WaiterTable::new()
    } else {
        WaiterTable::with_quota(quota)
    };
    let mut m = Model {
        slots: [None; SLOTS],
        quota: match quota {
            0 => 1,
            q if q == SLOTS + 1 => SLOTS,
            q => q,
        },
        next_id: 1,
        issued: Vec::new(),
    };
    let mut now = 0u64;
    check(&t, &m);
    while !u.is_empty() {
        if step(&mut u, &mut t, &mut m, &mut now).is_err() {
            break;
        }
    }
    for c in CONNS {
        fail_all(&mut t, &mut m, c, false);
    }
    assert!(t.is_empty() && m.len() == 0);
    check(&t, &m);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
