// SPDX-License-Identifier: GPL-2.0

//! Tests of the waiter table.

extern crate std;

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

const C1: ConnId = ConnId(1);
const C2: ConnId = ConnId(2);

#[test]
fn replies_match_their_request_on_their_connection() {
    let mut t: WaiterTable<4> = WaiterTable::new();
    let (slot_a, id_a) = t.begin(C1, 0, 100).unwrap();
    let (slot_b, id_b) = t.begin(C1, 0, 100).unwrap();
    assert_eq!((id_a, id_b), (1, 2));
    assert_ne!(slot_a, slot_b);
    assert_eq!(t.reply(C2, id_b, Status::Ok), None);
    assert_eq!(
        t.reply(C1, id_b, Status::NotFound),
        Some((slot_b, Outcome::Reply(Status::NotFound)))
    );
    assert_eq!(
        t.reply(C1, id_b, Status::Ok),
        None,
        "a reply wakes one waiter once"
    );
    assert_eq!(t.len(), 1);
    assert_eq!(Outcome::Reply(Status::NotFound).errno(), errno::ENOENT);
}

#[test]
fn timeouts_expire_in_any_order_and_late_replies_find_nobody() {
    let mut t: WaiterTable<4> = WaiterTable::new();
    let (slot, id) = t.begin(C1, 10, 50).unwrap();
    t.begin(C1, 10, 500).unwrap();
    assert_eq!(t.next_deadline(), Some(60));
    assert_eq!(t.expire(59), None);
    assert_eq!(t.expire(60), Some((slot, Outcome::TimedOut)));
    assert_eq!(t.expire(60), None);
    assert_eq!(t.reply(C1, id, Status::Ok), None);
    assert_eq!(t.next_deadline(), Some(510));
    assert_eq!(Outcome::TimedOut.errno(), errno::ETIMEDOUT);
}

#[test]
fn a_closed_connection_fails_only_its_own_waiters() {
    let mut t: WaiterTable<4> = WaiterTable::new();
    t.begin(C1, 0, 100).unwrap();
    t.begin(C2, 0, 100).unwrap();
    t.begin(C1, 0, 100).unwrap();
    let mut failed = 0;
    while let Some((_, outcome)) = t.fail_conn(C1, false) {
        assert_eq!(outcome, Outcome::ConnectionClosed);
        failed += 1;
    }
    assert_eq!(failed, 2);
    assert_eq!(
        t.fail_conn(C2, true).map(|(_, o)| o),
        Some(Outcome::NodeDown)
    );
    assert!(t.is_empty());
    assert_eq!(Outcome::NodeDown.errno(), errno::EHOSTDOWN);
    assert_eq!(Outcome::ConnectionClosed.errno(), errno::ENOTCONN);
}

#[test]
fn a_full_table_refuses_and_cancel_frees() {
    let mut t: WaiterTable<2> = WaiterTable::new();
    let (slot, _) = t.begin(C1, 0, 1).unwrap();
    assert!(t.has_room(C1));
    t.begin(C1, 0, 1).unwrap();
    assert!(!t.has_room(C1));
    assert!(!t.has_room(C2));
    assert_eq!(t.begin(C1, 0, 1), Err(TableFull));
    t.cancel(slot);
    t.cancel(99);
    assert!(t.has_room(C1));
    assert_eq!(t.begin(C1, 0, 1), Ok((slot, 3)));
}

#[test]
fn one_connection_takes_at_most_its_quota() {
    let mut t: WaiterTable<4> = WaiterTable::with_quota(2);
    let (first, _) = t.begin(C1, 0, 10).unwrap();
    t.begin(C1, 0, 10).unwrap();
    assert!(!t.has_room(C1), "C1 used its quota");
    assert_eq!(t.begin(C1, 0, 10), Err(TableFull));
    assert!(t.has_room(C2), "the other connection still gets slots");
    t.begin(C2, 0, 10).unwrap();
    t.begin(C2, 0, 10).unwrap();
    assert_eq!(t.waiting_on(C2), 2);
    assert!(t.reply(C1, 1, Status::Ok).is_some());
    assert_eq!(t.begin(C1, 0, 10).map(|(slot, _)| slot), Ok(first));
    assert_eq!(WaiterTable::<4>::with_quota(0).quota(), 1);
}

#[derive(Clone, Debug)]
enum Op {
    Begin(bool, u32),
    Reply(bool, u64),
    Expire,
    Fail(bool),
}

fn any_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<bool>(), 0u32..200).prop_map(|(c, t)| Op::Begin(c, t)),
        (any::<bool>(), 0u64..12).prop_map(|(c, id)| Op::Reply(c, id)),
        Just(Op::Expire),
        any::<bool>().prop_map(Op::Fail),
    ]
}

proptest! {
    #[test]
    fn every_waiter_is_woken_exactly_once(
        ops in proptest::collection::vec((any_op(), 0u64..60), 1..80)
    ) {
        let mut t: WaiterTable<4> = WaiterTable::with_quota(3);
        // Our model: slot -> (request id, conn, deadline).
        let mut model: BTreeMap<usize, (u64, ConnId, u64)> = BTreeMap::new();
        let mut now = 0u64;
        let conn = |second: bool| if second { C2 } else { C1 };
        for (op, advance) in ops {
            now += advance;
            match op {
                Op::Begin(c, timeout) => match t.begin(conn(c), now, timeout) {
                    Ok((slot, id)) => {
                        prop_assert!(model.values().all(|(other, _, _)| *other < id));
                        prop_assert!(model.insert(slot, (id, conn(c), now + u64::from(timeout))).is_none());
                        prop_assert!(model.values().filter(|(_, cc, _)| *cc == conn(c)).count() <= 3);
                    }
                    Err(TableFull) => prop_assert!(
                        model.len() == 4
                            || model.values().filter(|(_, cc, _)| *cc == conn(c)).count() == 3
                    ),
                },
                Op::Reply(c, id) => {
                    let expected = model.iter().find(|(_, (i, cc, _))| *i == id && *cc == conn(c)).map(|(s, _)| *s);
                    let got = t.reply(conn(c), id, Status::Ok).map(|(s, _)| s);
                    prop_assert_eq!(got, expected);
                    if let Some(s) = got { model.remove(&s); }
                }
                Op::Expire => {
                    while let Some((slot, outcome)) = t.expire(now) {
                        prop_assert_eq!(outcome, Outcome::TimedOut);
                        let (_, _, deadline) = model.remove(&slot).unwrap();
                        prop_assert!(deadline <= now);
                    }
                    prop_assert!(model.values().all(|(_, _, d)| *d > now));
                }
                Op::Fail(c) => {
                    while let Some((slot, _)) = t.fail_conn(conn(c), false) {
                        let (_, cc, _) = model.remove(&slot).unwrap();
                        prop_assert_eq!(cc, conn(c));
                    }
                    prop_assert!(model.values().all(|(_, cc, _)| *cc != conn(c)));
                }
            }
            prop_assert_eq!(t.len(), model.len());
            prop_assert_eq!(t.next_deadline(), model.values().map(|(_, _, d)| *d).min());
        }
    }
}
