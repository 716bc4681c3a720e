// SPDX-License-Identifier: GPL-2.0

//! Walks over a whole pool ([`Pool::walk`], [`Pool::retain_pages`], destroy): every page is
//! visited once, the counts follow what a walk removes, a walk resumes where it stopped, and no
//! lock hold visits more than [`WALK_BATCH`] pages, however many pages share a bucket (the
//! kernel's interrupts-off time per hold is bounded by it).

extern crate std;

use crate::os::{locks_taken, Gfp, Step};
use crate::tmem::{Client, ClientId, Oid, Pool, PoolKind, WalkAt, WALK_BATCH};
use std::collections::{BTreeMap, BTreeSet};
use std::vec::Vec;

/// Pages per object: objects far larger than a batch, as frontswap's (each of a swap area's 256
/// objects holds every 256th page of the area).
const PER_OBJECT: u32 = 3000;
const OBJECTS: u64 = 4;

/// A pool whose pages all hash to one bucket: `OBJECTS` objects (the oid words xor to the same
/// value) of `PER_OBJECT` pages, descriptor = object number * 1e6 + index.
fn crowded_pool(client: &Client<u64>) -> &Pool<u64> {
    let id = client
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    let pool = client.pool(id).expect("live");
    for o in 0..OBJECTS {
        for index in 0..PER_OBJECT {
            pool.put(&oid(o), index, desc(o, index), Gfp::NoWait)
                .expect("put");
        }
    }
    pool
}

fn oid(o: u64) -> Oid {
    Oid([o, o, 7])
}

fn desc(o: u64, index: u32) -> u64 {
    o * 1_000_000 + u64::from(index)
}

/// Walks the whole pool with `visit`, recording how many pages each lock hold visited.
fn walk_all(pool: &Pool<u64>, mut visit: impl FnMut(&mut u64) -> Step) -> BTreeMap<u64, usize> {
    let mut per_hold = BTreeMap::new();
    let mut at = Some(WalkAt::START);
    while let Some(from) = at {
        at = pool.walk(from, |_, _, d| {
            *per_hold.entry(locks_taken()).or_insert(0) += 1;
            visit(d)
        });
    }
    per_hold
}

#[test]
fn a_walk_visits_every_page_once_in_bounded_lock_holds() {
    let client = Client::new(ClientId::LOCAL);
    let pool = crowded_pool(&client);
    let mut seen = Vec::new();
    let per_hold = walk_all(pool, |d| {
        seen.push(*d);
        Step::Keep
    });
    let mut want: Vec<u64> = (0..OBJECTS)
        .flat_map(|o| (0..PER_OBJECT).map(move |i| desc(o, i)))
        .collect();
    want.sort_unstable();
    seen.sort_unstable();
    assert_eq!(seen, want);
    let longest = per_hold.values().copied().max().unwrap_or(0);
    assert!(longest <= WALK_BATCH, "{longest} pages under one lock hold");
    let total = (OBJECTS as usize) * (PER_OBJECT as usize);
    assert!(
        per_hold.len() >= total / WALK_BATCH,
        "{} holds",
        per_hold.len()
    );
}

#[test]
fn retain_removes_in_bounded_holds_and_keeps_the_counts() {
    let client = Client::new(ClientId::LOCAL);
    let pool = crowded_pool(&client);
    // Drop every odd index, and all of object 2; change the others.
    let mut retain_holds = BTreeMap::new();
    let removed = pool.retain_pages(|d| {
        *retain_holds.entry(locks_taken()).or_insert(0usize) += 1;
        let (o, i) = (*d / 1_000_000, *d % 1_000_000);
        if o == 2 || i % 2 == 1 {
            return false;
        }
        *d += 500_000;
        true
    });
    let longest = retain_holds.values().copied().max().unwrap_or(0);
    assert!(
        longest <= WALK_BATCH,
        "retain: {longest} pages under one lock hold"
    );
    let half = (PER_OBJECT / 2) as usize;
    let kept_objects = (OBJECTS - 1) as usize;
    assert_eq!(
        removed,
        OBJECTS as usize * PER_OBJECT as usize - kept_objects * half
    );
    assert_eq!(pool.page_count(), kept_objects * half);
    assert_eq!(pool.object_count(), kept_objects);
    let mut left = BTreeSet::new();
    let per_hold = walk_all(pool, |d| {
        left.insert(*d);
        Step::Keep
    });
    let want: BTreeSet<u64> = [0, 1, 3]
        .into_iter()
        .flat_map(|o| {
            (0..PER_OBJECT)
                .step_by(2)
                .map(move |i| desc(o, i) + 500_000)
        })
        .collect();
    assert_eq!(left, want);
    assert!(per_hold.values().all(|&n| n <= WALK_BATCH));
}

#[test]
fn a_stopped_walk_resumes_at_the_page_it_stopped_at_and_sees_changes_between_holds() {
    let client = Client::new(ClientId::LOCAL);
    let pool = crowded_pool(&client);
    let mut seen = Vec::new();
    let mut at = Some(WalkAt::START);
    let mut changed = false;
    while let Some(from) = at {
        // Stop after 10 pages of each hold.
        let mut n = 0;
        at = pool.walk(from, |_, _, d| {
            if n == 10 {
                return Step::Stop;
            }
            n += 1;
            seen.push(*d);
            Step::Keep
        });
        if !changed && seen.len() >= 50 {
            changed = true;
            // Between holds: a page behind the walk goes, one ahead goes, one ahead arrives.
            let behind = pool.flush_page(&oid(0), 3);
            let ahead = pool.flush_page(&oid(3), 5);
            assert_eq!((behind, ahead), (Some(desc(0, 3)), Some(desc(3, 5))));
            pool.put(&oid(3), PER_OBJECT, desc(3, PER_OBJECT), Gfp::NoWait)
                .expect("put");
        }
    }
    // Every page present throughout, once; the one gone ahead not; the one that arrived ahead too.
    let want: BTreeSet<u64> = (0..OBJECTS)
        .flat_map(|o| (0..PER_OBJECT).map(move |i| desc(o, i)))
        .filter(|&d| d != desc(3, 5))
        .chain([desc(3, PER_OBJECT)])
        .collect();
    let seen_set: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(seen.len(), seen_set.len(), "a page visited twice");
    let missing: Vec<_> = want.difference(&seen_set).collect();
    let extra: Vec<_> = seen_set.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
}

#[test]
fn destroy_frees_every_page_of_a_crowded_pool() {
    let client: Client<u64> = Client::new(ClientId::LOCAL);
    let pool = crowded_pool(&client);
    let id = client.pools().next().expect("the pool").0;
    let mut back = Vec::new();
    assert_eq!(
        client.destroy_pool(id, |d| back.push(d)),
        Some(OBJECTS as usize * PER_OBJECT as usize)
    );
    assert_eq!(back.len(), OBJECTS as usize * PER_OBJECT as usize);
    assert_eq!((pool.page_count(), pool.object_count()), (0, 0));
}
