// SPDX-License-Identifier: GPL-2.0

//! The foreign limit: what a client's pages cost this node (frames and index) stays within the
//! client's share and, with every other client's, within the total.

extern crate std;

use super::remote::store;
use crate::os::{Gfp, PAGE_SIZE};
use crate::tmem::{Oid, PoolId, PoolKind, MAX_POOLS_PER_CLIENT};
use crate::zcache::frames::HeapFrames;
use crate::zcache::remote::foreign::ForeignLimit;
use crate::zcache::store::{PutRefused, SmallSwapPages, Store};

/// A foreign store of at most `frames` frames, as the module makes one per client.
fn client(frames: usize) -> Store<HeapFrames> {
    store(frames, false).with_small_swap_pages(SmallSwapPages::BesideOrPacked)
}

/// The key of flood page `i`: an object of its own, in one of the client's pools.
fn flood_key(i: u64) -> (PoolId, Oid) {
    let pools = MAX_POOLS_PER_CLIENT as u64;
    (PoolId((i % pools) as u16), Oid([i, !i, 7]))
}

/// A hostile client's flood: 1-byte persistent pages, each in an object of its own, until
/// `put` refuses one; returns how many were taken.
fn flood(mut put: impl FnMut(PoolId, &Oid) -> Result<(), PutRefused>) -> u64 {
    for i in 0..1_000_000 {
        let (pool, oid) = flood_key(i);
        if put(pool, &oid).is_err() {
            return i;
        }
    }
    panic!("a million tiny pages were never refused");
}

#[test]
fn a_frame_budget_alone_lets_a_flood_of_tiny_pages_cost_several_times_it() {
    // What the limit answers: with only its frame budget, a client's index costs far more than
    // its frames.
    let frames = 16;
    let store = client(frames);
    let taken = flood(|pool, oid| {
        store.put_compressed(pool, PoolKind::Persistent, oid, 0, &[0x5a], Gfp::Kernel)
    });
    assert!(taken > 1000, "{taken} pages");
    assert!(
        store.footprint_bytes() > 3 * frames * PAGE_SIZE,
        "{} bytes for a budget of {} frames",
        store.footprint_bytes(),
        frames
    );
}

#[test]
fn a_clients_footprint_stays_within_its_share() {
    let limit = ForeignLimit {
        per_client: 16 * PAGE_SIZE,
        total: 1 << 30,
    };
    let store = client(1 << 20);
    let taken = flood(|pool, oid| {
        store.put_within(
            &limit,
            0,
            pool,
            PoolKind::Persistent,
            oid,
            0,
            &[0x5a],
            Gfp::Kernel,
        )
    });
    assert!(taken > 0);
    assert!(store.footprint_bytes() <= limit.per_client);
    // The refused put changed nothing but its own key, and the client's pages all read back.
    let mut out = [0u8; 8];
    for i in 0..taken {
        let (pool, oid) = flood_key(i);
        assert_eq!(store.get_compressed(pool, &oid, 0, false, &mut out), Ok(1));
        assert_eq!(out[0], 0x5a);
    }
}

#[test]
fn all_clients_together_stay_within_the_total() {
    let limit = ForeignLimit {
        per_client: 64 * PAGE_SIZE,
        total: 80 * PAGE_SIZE,
    };
    let a = client(1 << 20);
    let b = client(1 << 20);
    let taken_a = flood(|pool, oid| {
        let others = b.footprint_bytes();
        a.put_within(
            &limit,
            others,
            pool,
            PoolKind::Persistent,
            oid,
            0,
            &[1],
            Gfp::Kernel,
        )
    });
    let taken_b = flood(|pool, oid| {
        let others = a.footprint_bytes();
        b.put_within(
            &limit,
            others,
            pool,
            PoolKind::Persistent,
            oid,
            0,
            &[2],
            Gfp::Kernel,
        )
    });
    assert!(taken_a > 0 && taken_b > 0, "{taken_a} and {taken_b}");
    assert!(a.footprint_bytes() <= limit.per_client);
    assert!(a.footprint_bytes() + b.footprint_bytes() <= limit.total);
}

#[test]
fn a_persistent_put_past_the_share_evicts_the_clients_ephemeral_pages_first() {
    let limit = ForeignLimit {
        per_client: 24 * PAGE_SIZE,
        total: 1 << 30,
    };
    let store = client(1 << 20);
    let page = [0x33u8; 3000];
    let mut eph = 0;
    while store
        .put_within(
            &limit,
            0,
            PoolId(0),
            PoolKind::Ephemeral,
            &Oid([1, 0, 0]),
            eph,
            &page,
            Gfp::Kernel,
        )
        .is_ok()
    {
        eph += 1;
    }
    assert!(eph > 4, "{eph} ephemeral pages");
    let evicted_before = store.counters().eph_zpages.get();
    store
        .put_within(
            &limit,
            0,
            PoolId(1),
            PoolKind::Persistent,
            &Oid([2, 0, 0]),
            0,
            &page,
            Gfp::Kernel,
        )
        .expect("a persistent put makes room by evicting ephemeral pages");
    assert!(store.counters().eph_zpages.get() < evicted_before);
    assert!(store.footprint_bytes() <= limit.per_client);
    // An ephemeral put is refused instead, and drops the old page at its key.
    assert_eq!(
        store.put_within(
            &limit,
            0,
            PoolId(0),
            PoolKind::Ephemeral,
            &Oid([1, 0, 0]),
            0,
            &page,
            Gfp::Kernel
        ),
        Err(PutRefused::NoMemory)
    );
    let mut out = [0u8; 4096];
    assert!(store
        .get_compressed(PoolId(0), &Oid([1, 0, 0]), 0, false, &mut out)
        .is_err());
}

#[test]
fn a_put_refused_for_the_pools_other_kind_drops_the_old_page() {
    // A put into a live pool id with the other kind is refused; as on every refusal, the page
    // the client had at that key is gone (its copy changed), never served stale.
    let store = client(64);
    let oid = Oid([3, 1, 4]);
    let pool = PoolId(2);
    assert_eq!(
        store.put_compressed(
            pool,
            PoolKind::Persistent,
            &oid,
            5,
            &[0x11; 40],
            Gfp::Kernel
        ),
        Ok(())
    );
    assert_eq!(
        store.put_compressed(pool, PoolKind::Ephemeral, &oid, 5, &[0x22; 40], Gfp::Kernel),
        Err(PutRefused::NoPool)
    );
    let mut out = [0u8; 64];
    assert!(
        store
            .get_compressed(pool, &oid, 5, false, &mut out)
            .is_err(),
        "the refused put left the old page to be served"
    );
    assert_eq!(store.footprint_bytes(), store.client().index_bytes());
}
