// SPDX-License-Identifier: GPL-2.0

//! The tmem coherency rules, one by one, and then as a property: any sequence of operations
//! behaves like a plain map model, and every descriptor put comes back exactly once.

extern crate std;

use crate::os::{fail_allocations_after, stop_failing_allocations, Gfp};
use crate::tmem::{
    Client, ClientId, GetMode, Got, NewPoolError, Oid, PoolId, PoolKind, PutError, Rejected,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::vec::Vec;

const OID: Oid = Oid([1, 2, 3]);

fn client_with(kind: PoolKind) -> (Client<u64>, PoolId) {
    let client = Client::new(ClientId::LOCAL);
    let id = client.new_pool(kind, Gfp::Kernel).expect("pool");
    (client, id)
}

fn read(d: &u64) -> u64 {
    *d
}

#[test]
fn put_put_get_returns_the_second_and_hands_back_the_first() {
    for kind in [PoolKind::Ephemeral, PoolKind::Persistent] {
        let (client, id) = client_with(kind);
        let pool = client.pool(id).expect("live");
        assert_eq!(pool.put(&OID, 7, 10, Gfp::NoWait), Ok(None));
        assert_eq!(pool.put(&OID, 7, 11, Gfp::NoWait), Ok(Some(10)));
        let got = pool.get(&OID, 7, GetMode::ByKind, read);
        match kind {
            PoolKind::Ephemeral => assert_eq!(got, Some(Got::Taken(11))),
            PoolKind::Persistent => assert_eq!(got, Some(Got::Read(11))),
        }
    }
}

#[test]
fn get_get_on_ephemeral_fails_the_second() {
    let (client, id) = client_with(PoolKind::Ephemeral);
    let pool = client.pool(id).expect("live");
    pool.put(&OID, 0, 5, Gfp::NoWait).expect("put");
    assert_eq!(
        pool.get(&OID, 0, GetMode::ByKind, read),
        Some(Got::Taken(5))
    );
    assert_eq!(pool.get(&OID, 0, GetMode::ByKind, read), None);
    assert_eq!((pool.page_count(), pool.object_count()), (0, 0));
}

#[test]
fn persistent_gets_keep_the_page_unless_exclusive() {
    let (client, id) = client_with(PoolKind::Persistent);
    let pool = client.pool(id).expect("live");
    pool.put(&OID, 0, 5, Gfp::NoWait).expect("put");
    assert_eq!(pool.get(&OID, 0, GetMode::ByKind, read), Some(Got::Read(5)));
    assert_eq!(pool.get(&OID, 0, GetMode::Keep, read), Some(Got::Read(5)));
    assert_eq!(pool.get(&OID, 0, GetMode::Take, read), Some(Got::Taken(5)));
    assert_eq!(pool.get(&OID, 0, GetMode::ByKind, read), None);
}

#[test]
fn gets_fail_after_flush_page_object_and_pool() {
    let (client, id) = client_with(PoolKind::Persistent);
    let pool = client.pool(id).expect("live");
    for i in 0..4 {
        pool.put(&OID, i, u64::from(i), Gfp::NoWait).expect("put");
    }
    assert_eq!(pool.flush_page(&OID, 1), Some(1));
    assert_eq!(pool.flush_page(&OID, 1), None);
    assert_eq!(pool.get(&OID, 1, GetMode::Keep, read), None);

    let flushed: Vec<_> = pool.flush_object(&OID).collect();
    assert_eq!(flushed, [(OID, 0, 0), (OID, 2, 2), (OID, 3, 3)]);
    assert_eq!(pool.get(&OID, 0, GetMode::Keep, read), None);
    assert_eq!(pool.flush_object(&OID).count(), 0);

    pool.put(&OID, 9, 9, Gfp::NoWait).expect("put");
    let mut released = Vec::new();
    assert_eq!(client.destroy_pool(id, |d| released.push(d)), Some(1));
    assert_eq!(released, [9]);
    assert!(client.pool(id).is_none());
    assert_eq!(pool.get(&OID, 9, GetMode::Keep, read), None);
    let refused = pool.put(&OID, 9, 10, Gfp::NoWait);
    assert_eq!(
        refused,
        Err(Rejected {
            error: PutError::NoPool,
            desc: 10
        })
    );
    assert_eq!(client.destroy_pool(id, |_| ()), None);
}

#[test]
fn a_client_has_at_most_sixteen_pools_and_reuses_ids() {
    let client: Client<u64> = Client::new(ClientId(3));
    for expect in 0..16 {
        let id = client.new_pool(PoolKind::Ephemeral, Gfp::Kernel);
        assert_eq!(id, Ok(PoolId(expect)));
    }
    assert_eq!(
        client.new_pool(PoolKind::Persistent, Gfp::Kernel),
        Err(NewPoolError::NoFreeId)
    );
    assert_eq!(client.destroy_pool(PoolId(5), |_| ()), Some(0));
    assert_eq!(
        client.new_pool(PoolKind::Persistent, Gfp::Kernel),
        Ok(PoolId(5))
    );
    let pool = client.pool(PoolId(5)).expect("live");
    assert_eq!(pool.kind(), Some(PoolKind::Persistent));
    assert_eq!(client.pools().count(), 16);
    assert!(client.pool(PoolId(16)).is_none());
}

#[test]
fn a_failed_allocation_rejects_the_put_and_changes_nothing() {
    let (client, id) = client_with(PoolKind::Persistent);
    let pool = client.pool(id).expect("live");
    pool.put(&OID, 1, 1, Gfp::NoWait).expect("put");
    let other = Oid([9, 9, 9]);
    // A new object needs two nodes (object, page), an existing one one: fail each of them.
    for (oid, allowed) in [(&other, 0), (&other, 1), (&OID, 0)] {
        fail_allocations_after(allowed);
        let refused = pool.put(oid, 2, 2, Gfp::NoWait);
        stop_failing_allocations();
        assert_eq!(
            refused,
            Err(Rejected {
                error: PutError::NoMemory,
                desc: 2
            })
        );
        assert_eq!((pool.page_count(), pool.object_count()), (1, 1));
        assert_eq!(pool.get(oid, 2, GetMode::Keep, read), None);
    }
    // Replacing an existing page allocates nothing, so it succeeds even now.
    fail_allocations_after(0);
    let replaced = pool.put(&OID, 1, 3, Gfp::NoWait);
    stop_failing_allocations();
    assert_eq!(replaced, Ok(Some(1)));
    assert_eq!(pool.get(&OID, 1, GetMode::Keep, read), Some(Got::Read(3)));
}

#[test]
fn a_failed_pool_allocation_creates_no_pool() {
    let client: Client<u64> = Client::new(ClientId::LOCAL);
    for allowed in 0..2 {
        fail_allocations_after(allowed);
        let refused = client.new_pool(PoolKind::Ephemeral, Gfp::Kernel);
        stop_failing_allocations();
        assert_eq!(refused, Err(NewPoolError::NoMemory));
        assert_eq!(client.pools().count(), 0);
    }
    assert_eq!(
        client.new_pool(PoolKind::Ephemeral, Gfp::Kernel),
        Ok(PoolId(0))
    );
}

/// One step of the property test. Keys come from small ranges so that steps collide often.
#[derive(Clone, Debug)]
enum Op {
    Put {
        pool: u16,
        oid: u64,
        index: u32,
        fail_alloc: bool,
    },
    Get {
        pool: u16,
        oid: u64,
        index: u32,
        mode: GetMode,
    },
    FlushPage {
        pool: u16,
        oid: u64,
        index: u32,
    },
    FlushObject {
        pool: u16,
        oid: u64,
    },
    DestroyAndRecreate {
        pool: u16,
    },
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let pool = 0u16..2;
    let oid = 0u64..4;
    let index = 0u32..6;
    let mode = prop_oneof![
        Just(GetMode::Take),
        Just(GetMode::ByKind),
        Just(GetMode::Keep)
    ];
    prop_oneof![
        6 => (pool.clone(), oid.clone(), index.clone(), prop::bool::weighted(0.15)).prop_map(
            |(pool, oid, index, fail_alloc)| Op::Put { pool, oid, index, fail_alloc }
        ),
        4 => (pool.clone(), oid.clone(), index.clone(), mode)
            .prop_map(|(pool, oid, index, mode)| Op::Get { pool, oid, index, mode }),
        2 => (pool.clone(), oid.clone(), index)
            .prop_map(|(pool, oid, index)| Op::FlushPage { pool, oid, index }),
        1 => (pool.clone(), oid).prop_map(|(pool, oid)| Op::FlushObject { pool, oid }),
        1 => pool.prop_map(|pool| Op::DestroyAndRecreate { pool }),
    ]
}

/// Spreads small oid numbers over all three words, so that ordering and hashing see them all.
fn oid_of(n: u64) -> Oid {
    Oid([n, n.wrapping_mul(0x9e37_79b9), n >> 1])
}

const KINDS: [PoolKind; 2] = [PoolKind::Ephemeral, PoolKind::Persistent];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tmem_behaves_like_a_map_and_returns_every_descriptor_once(
        ops in prop::collection::vec(op_strategy(), 1..120)
    ) {
        let client: Client<u64> = Client::new(ClientId::LOCAL);
        for kind in KINDS {
            client.new_pool(kind, Gfp::Kernel).expect("pool");
        }
        // The model: (pool, oid, index) -> descriptor.
        let mut model: BTreeMap<(u16, u64, u32), u64> = BTreeMap::new();
        let mut returned: Vec<u64> = Vec::new();
        let mut next_desc = 0u64;
        for op in ops {
            match op {
                Op::Put { pool, oid, index, fail_alloc } => {
                    next_desc += 1;
                    let p = client.pool(PoolId(pool)).expect("live");
                    if fail_alloc {
                        fail_allocations_after(0);
                    }
                    let result = p.put(&oid_of(oid), index, next_desc, Gfp::NoWait);
                    stop_failing_allocations();
                    let key = (pool, oid, index);
                    match model.get(&key).copied() {
                        Some(old) => {
                            prop_assert_eq!(result, Ok(Some(old)));
                            returned.push(old);
                            model.insert(key, next_desc);
                        }
                        None if fail_alloc => {
                            prop_assert_eq!(
                                result,
                                Err(Rejected { error: PutError::NoMemory, desc: next_desc })
                            );
                            returned.push(next_desc);
                        }
                        None => {
                            prop_assert_eq!(result, Ok(None));
                            model.insert(key, next_desc);
                        }
                    }
                }
                Op::Get { pool, oid, index, mode } => {
                    let p = client.pool(PoolId(pool)).expect("live");
                    let got = p.get(&oid_of(oid), index, mode, read);
                    let key = (pool, oid, index);
                    let take = match mode {
                        GetMode::Take => true,
                        GetMode::ByKind => KINDS[usize::from(pool)] == PoolKind::Ephemeral,
                        GetMode::Keep => false,
                    };
                    let expected = if take {
                        model.remove(&key).map(Got::Taken)
                    } else {
                        model.get(&key).copied().map(Got::Read)
                    };
                    prop_assert_eq!(&got, &expected);
                    if let Some(Got::Taken(d)) = got {
                        returned.push(d);
                    }
                }
                Op::FlushPage { pool, oid, index } => {
                    let p = client.pool(PoolId(pool)).expect("live");
                    let flushed = p.flush_page(&oid_of(oid), index);
                    prop_assert_eq!(flushed, model.remove(&(pool, oid, index)));
                    returned.extend(flushed);
                }
                Op::FlushObject { pool, oid } => {
                    let p = client.pool(PoolId(pool)).expect("live");
                    let flushed: Vec<(u32, u64)> =
                        p.flush_object(&oid_of(oid)).map(|(_, i, d)| (i, d)).collect();
                    let expected: Vec<(u32, u64)> = model
                        .iter()
                        .filter(|((p, o, _), _)| *p == pool && *o == oid)
                        .map(|((_, _, i), d)| (*i, *d))
                        .collect();
                    model.retain(|(p, o, _), _| !(*p == pool && *o == oid));
                    prop_assert_eq!(&flushed, &expected);
                    returned.extend(flushed.iter().map(|(_, d)| *d));
                }
                Op::DestroyAndRecreate { pool } => {
                    let mut released = Vec::new();
                    let count = client.destroy_pool(PoolId(pool), |d| released.push(d));
                    let mut expected: Vec<u64> = model
                        .iter()
                        .filter(|((p, _, _), _)| *p == pool)
                        .map(|(_, d)| *d)
                        .collect();
                    model.retain(|(p, _, _), _| *p != pool);
                    released.sort_unstable();
                    expected.sort_unstable();
                    prop_assert_eq!(count, Some(expected.len()));
                    prop_assert_eq!(&released, &expected);
                    returned.extend(released);
                    let kind = KINDS[usize::from(pool)];
                    prop_assert_eq!(client.new_pool(kind, Gfp::Kernel), Ok(PoolId(pool)));
                }
            }
            for (id, kind) in (0u16..).zip(KINDS) {
                let p = client.pool(PoolId(id)).expect("live");
                prop_assert_eq!(p.kind(), Some(kind));
                let pages = model.keys().filter(|(q, _, _)| *q == id).count();
                let mut objects: Vec<u64> =
                    model.keys().filter(|(q, _, _)| *q == id).map(|(_, o, _)| *o).collect();
                objects.dedup();
                prop_assert_eq!(p.page_count(), pages);
                prop_assert_eq!(p.object_count(), objects.len());
            }
        }
        // Drain what is left: then every descriptor ever put has come back exactly once.
        for id in 0..2 {
            client.destroy_pool(PoolId(id), |d| returned.push(d));
        }
        returned.sort_unstable();
        let all: Vec<u64> = (1..=next_desc).collect();
        prop_assert_eq!(returned, all);
    }
}
