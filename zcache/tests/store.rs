// SPDX-License-Identifier: GPL-2.0

//! The zcache store end to end on the host: pages come back bit-exact, ephemeral pages are
//! evicted in LRU order and persistent ones never, refused puts flush the old page, allocation
//! failures leak nothing, and the counters add up.

extern crate std;

use crate::os::{fail_allocations_after, stop_failing_allocations, Gfp, PAGE_SIZE};
use crate::tmem::{Oid, PoolId, PoolKind};
use crate::zcache::frames::HeapFrames;
use crate::zcache::store::{GetMiss, PutRefused, Scratch, SmallSwapPages, Store};
use proptest::prelude::*;
use std::boxed::Box;
use std::thread;
use std::vec::Vec;

type Page = Box<[u8; PAGE_SIZE]>;

/// A page that compresses to roughly `1 - fill` of its size: `seed`-dependent text, then zeroes.
fn page(seed: u64, text_bytes: usize) -> Page {
    let mut p = Box::new([0u8; PAGE_SIZE]);
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for b in p.iter_mut().take(text_bytes) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = b'a' + (x % 16) as u8;
    }
    p
}

fn noise(seed: u64) -> Page {
    let mut p = Box::new([0u8; PAGE_SIZE]);
    let mut x = seed | 1;
    for b in p.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    p
}

/// The shard counts every store test runs with: one lock per kind, and several.
const SHARDS: [usize; 3] = [1, 2, 4];

fn store(frames: usize, exclusive_gets: bool, shards: usize) -> Store<HeapFrames> {
    let s = Store::new_sharded(HeapFrames::new(frames), exclusive_gets, shards, Gfp::Kernel)
        .expect("store");
    assert_eq!(s.shard_count(), shards);
    s
}

/// A scratch whose puts go to shard `home` (modulo the shard count).
fn scratch_at(home: usize) -> Box<Scratch> {
    let mut scratch = Box::new(Scratch::new());
    scratch.set_home(home);
    scratch
}

fn oid(n: u64) -> Oid {
    Oid([n, 0, 0])
}

fn get(
    s: &Store<HeapFrames>,
    pool: PoolId,
    o: u64,
    i: u32,
    scratch: &mut Scratch,
) -> Result<Page, GetMiss> {
    let mut out = Box::new([0xeeu8; PAGE_SIZE]);
    s.get(pool, &oid(o), i, &mut out, scratch).map(|()| out)
}

#[test]
fn pages_come_back_bit_exact_and_persistent_gets_keep_them() {
    for shards in SHARDS {
        pages_come_back_bit_exact_and_persistent_gets_keep_them_with(shards);
    }
}

fn pages_come_back_bit_exact_and_persistent_gets_keep_them_with(shards: usize) {
    let s = store(64, false, shards);
    let mut scratch = scratch_at(shards - 1);
    let pool = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    let pages: Vec<Page> = (0..20).map(|i| page(i, 500 + 100 * i as usize)).collect();
    for (i, p) in (0u32..).zip(&pages) {
        s.put(pool, &oid(1), i, p, &mut scratch).expect("put");
    }
    let zero = Box::new([0u8; PAGE_SIZE]);
    s.put(pool, &oid(2), 0, &zero, &mut scratch)
        .expect("put zero");
    for _ in 0..2 {
        for (i, p) in (0u32..).zip(&pages) {
            assert_eq!(get(&s, pool, 1, i, &mut scratch).expect("get"), *p);
        }
    }
    assert_eq!(get(&s, pool, 2, 0, &mut scratch).expect("get zero"), zero);
    let m = s.counters().mm_stat();
    assert_eq!(m.pages_stored, 21);
    assert_eq!(m.zero_pages, 1);
    assert_eq!(m.orig_data_size, 21 * PAGE_SIZE as u64);
    assert!(m.compr_data_size < m.orig_data_size / 2, "{m:?}");
    assert_eq!(
        m.mem_used_total,
        s.frames().live() as u64 * PAGE_SIZE as u64
    );
    assert_eq!(s.destroy_pool(pool), Some(21));
    assert_eq!(s.frames().live(), 0);
    assert_eq!(s.counters().mm_stat().pages_stored, 0);
}

#[test]
fn ephemeral_and_exclusive_gets_take_the_page() {
    for shards in SHARDS {
        ephemeral_and_exclusive_gets_take_the_page_with(shards);
    }
}

fn ephemeral_and_exclusive_gets_take_the_page_with(shards: usize) {
    for (kind, exclusive) in [(PoolKind::Ephemeral, false), (PoolKind::Persistent, true)] {
        let s = store(8, exclusive, shards);
        let mut scratch = scratch_at(shards - 1);
        let pool = s.new_pool(kind, Gfp::Kernel).expect("pool");
        let p = page(7, 1000);
        s.put(pool, &oid(1), 3, &p, &mut scratch).expect("put");
        assert_eq!(get(&s, pool, 1, 3, &mut scratch).expect("get"), p);
        assert_eq!(get(&s, pool, 1, 3, &mut scratch), Err(GetMiss::NotFound));
        assert_eq!(s.frames().live(), 0);
    }
}

#[test]
fn a_get_that_may_not_take_keeps_the_page_with_exclusive_gets() {
    for shards in SHARDS {
        a_get_that_may_not_take_keeps_the_page_with_exclusive_gets_with(shards);
    }
}

fn a_get_that_may_not_take_keeps_the_page_with_exclusive_gets_with(shards: usize) {
    let s = store(8, true, shards);
    let mut scratch = scratch_at(shards - 1);
    let pool = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    let p = page(9, 1200);
    s.put(pool, &oid(1), 4, &p, &mut scratch).expect("put");
    for _ in 0..2 {
        let mut out = [0u8; PAGE_SIZE];
        s.get_with(pool, &oid(1), 4, &mut out, &mut scratch, false)
            .expect("kept get");
        assert_eq!(out, *p);
    }
    assert_eq!(s.frames().live(), 1);
    assert_eq!(get(&s, pool, 1, 4, &mut scratch).expect("taking get"), p);
    assert_eq!(get(&s, pool, 1, 4, &mut scratch), Err(GetMiss::NotFound));
    assert_eq!(s.frames().live(), 0);
}

#[test]
fn injected_corrupt_gets_drop_the_page_and_fail_the_get() {
    for shards in SHARDS {
        injected_corrupt_gets_drop_the_page_and_fail_the_get_with(shards);
    }
}

fn injected_corrupt_gets_drop_the_page_and_fail_the_get_with(shards: usize) {
    let s = store(8, true, shards);
    let mut scratch = scratch_at(shards - 1);
    let pool = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    for i in 0..3 {
        s.put(pool, &oid(1), i, &page(u64::from(i), 900), &mut scratch)
            .expect("put");
    }
    s.inject_corrupt_gets(1);
    assert_eq!(get(&s, pool, 1, 0, &mut scratch), Err(GetMiss::Corrupt));
    assert_eq!(s.corrupt_gets_pending(), 0);
    assert_eq!(get(&s, pool, 1, 0, &mut scratch), Err(GetMiss::NotFound));
    assert_eq!(
        get(&s, pool, 1, 1, &mut scratch).expect("get"),
        page(1, 900)
    );
    assert_eq!(s.counters().corrupt_pages.get(), 1);
}

#[test]
fn a_refused_put_flushes_the_old_page() {
    for shards in SHARDS {
        a_refused_put_flushes_the_old_page_with(shards);
    }
}

fn a_refused_put_flushes_the_old_page_with(shards: usize) {
    let s = store(8, false, shards);
    let mut scratch = scratch_at(shards - 1);
    let pool = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    s.put(pool, &oid(1), 0, &page(1, 800), &mut scratch)
        .expect("put");
    let refused = s.put(pool, &oid(1), 0, &noise(5), &mut scratch);
    assert_eq!(refused, Err(PutRefused::CompressPoor));
    assert_eq!(get(&s, pool, 1, 0, &mut scratch), Err(GetMiss::NotFound));
    let c = s.counters();
    assert_eq!(
        (
            c.compress_poor.get(),
            c.put_to_flush.get(),
            c.failed_pers_puts.get()
        ),
        (1, 1, 1)
    );
    assert_eq!(s.frames().live(), 0);
    assert_eq!(
        s.put(PoolId(9), &oid(1), 0, &page(1, 800), &mut scratch),
        Err(PutRefused::NoPool)
    );
}

#[test]
fn ephemeral_frames_are_evicted_oldest_first_and_persistent_never() {
    for shards in SHARDS {
        ephemeral_frames_are_evicted_oldest_first_and_persistent_never_with(shards);
    }
}

fn ephemeral_frames_are_evicted_oldest_first_and_persistent_never_with(shards: usize) {
    // Pages of 2300 random letters compress to a bit over half a frame (lz4 has no entropy
    // coder), and under the policy's 5/8: one zpage per frame.
    let s = store(4, false, shards);
    let mut scratch = scratch_at(shards - 1);
    let eph = s.new_pool(PoolKind::Ephemeral, Gfp::Kernel).expect("pool");
    let pers = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    for i in 0..6 {
        s.put(eph, &oid(1), i, &page(u64::from(i), 2300), &mut scratch)
            .expect("eph put");
    }
    assert_eq!(s.frames().live(), 4);
    // The two oldest went to make room; the four newest are there.
    for i in 0..2 {
        assert_eq!(get(&s, eph, 1, i, &mut scratch), Err(GetMiss::NotFound));
    }
    for i in 2..4 {
        assert_eq!(
            get(&s, eph, 1, i, &mut scratch).expect("get"),
            page(u64::from(i), 2300)
        );
    }
    assert_eq!(s.counters().eph_ate_tail.get(), 2);
    // Persistent puts take the ephemeral frames (pages 4 and 5 are still stored)...
    for i in 0..4 {
        s.put(
            pers,
            &oid(2),
            i,
            &page(100 + u64::from(i), 2300),
            &mut scratch,
        )
        .expect("pers put");
    }
    assert_eq!(s.counters().pers_ate_eph.get(), 2);
    // ...and once only persistent frames are left, they refuse rather than evict.
    assert_eq!(
        s.put(pers, &oid(2), 9, &page(9, 2300), &mut scratch),
        Err(PutRefused::NoFrame)
    );
    assert_eq!(
        s.put(eph, &oid(1), 9, &page(9, 2300), &mut scratch),
        Err(PutRefused::NoFrame)
    );
    for i in 0..4 {
        assert_eq!(
            get(&s, pers, 2, i, &mut scratch).expect("get"),
            page(100 + u64::from(i), 2300)
        );
    }
    assert_eq!(s.shrink_ephemeral(10), 0);
    let (eph_stats, pers_stats) = s.zbud_stats();
    assert_eq!((eph_stats.pageframes, pers_stats.pageframes), (0, 4));
    s.audit().expect("audit");
    s.destroy_pool(pers);
    assert_eq!(s.frames().live(), 0);
}

#[test]
fn the_shrinker_gives_ephemeral_frames_back() {
    for shards in SHARDS {
        the_shrinker_gives_ephemeral_frames_back_with(shards);
    }
}

fn the_shrinker_gives_ephemeral_frames_back_with(shards: usize) {
    let s = store(16, false, shards);
    let mut scratch = scratch_at(shards - 1);
    let eph = s.new_pool(PoolKind::Ephemeral, Gfp::Kernel).expect("pool");
    for i in 0..10u32 {
        s.put(
            eph,
            &oid(u64::from(i)),
            0,
            &page(u64::from(i), 2300),
            &mut scratch,
        )
        .expect("put");
    }
    assert_eq!(s.shrink_ephemeral(4), 4);
    assert_eq!(s.frames().live(), 6);
    assert_eq!(s.counters().evicted_eph_pageframes.get(), 4);
    assert_eq!(s.flush_object(eph, &oid(9)), 1);
    assert!(!s.flush_page(eph, &oid(9), 0));
    assert_eq!(s.frames().live(), 5);
}

#[test]
fn small_swap_pages_are_packed_many_to_a_frame() {
    for shards in SHARDS {
        small_swap_pages_are_packed_many_to_a_frame_with(shards);
    }
}

fn small_swap_pages_are_packed_many_to_a_frame_with(shards: usize) {
    let s = store(64, true, shards).with_small_swap_pages(SmallSwapPages::BesideOrPacked);
    let mut scratch = scratch_at(shards - 1);
    let swap = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    let cache = s.new_pool(PoolKind::Ephemeral, Gfp::Kernel).expect("pool");
    // 64 bytes of text compress to well under 256 bytes: at least 16 to a packed frame.
    let small: Vec<Page> = (0..64).map(|i| page(i, 64)).collect();
    for (i, p) in (0u32..).zip(&small) {
        s.put(swap, &oid(1), i, p, &mut scratch).expect("put");
        s.put(cache, &oid(1), i, p, &mut scratch).expect("put");
    }
    // Pages that compress to over 1 KiB still go to zbud, and a small page that fits beside
    // such a lone buddy goes there rather than to a packed frame.
    let large = page(99, 3000);
    s.put(swap, &oid(2), 0, &large, &mut scratch).expect("put");
    let beside = page(98, 64);
    s.put(swap, &oid(2), 1, &beside, &mut scratch).expect("put");
    let c = s.counters();
    assert_eq!((c.pers_zpages.get(), c.pers_pageframes.get()), (2, 1));
    assert_eq!(get(&s, swap, 2, 1, &mut scratch).expect("get"), beside);
    assert_eq!(c.packed_zpages.get(), 64);
    assert!(
        c.packed_pageframes.get() <= 4,
        "{}",
        c.packed_pageframes.get()
    );
    // Ephemeral pages are never packed (they must stay evictable frame by frame).
    assert_eq!((c.eph_zpages.get(), c.eph_pageframes.get()), (64, 32));
    assert_eq!((c.pers_zpages.get(), c.pers_pageframes.get()), (1, 1));
    let m = c.mm_stat();
    assert_eq!(m.pages_stored, 129);
    assert_eq!(m.mem_used_total, (s.frames().live() * PAGE_SIZE) as u64);
    for (i, p) in (0u32..).zip(&small) {
        assert_eq!(get(&s, swap, 1, i, &mut scratch).expect("get"), *p);
    }
    assert_eq!(get(&s, swap, 2, 0, &mut scratch).expect("get"), large);
    assert_eq!((c.packed_zpages.get(), c.packed_pageframes.get()), (0, 0));
    s.audit().expect("audit");
    s.destroy_pool(cache);
    assert_eq!(s.frames().live(), 0);
}

#[test]
fn pages_in_every_shard_are_found_freed_and_evicted_from_any_home() {
    let s = store(12, true, 4).with_small_swap_pages(SmallSwapPages::BesideOrPacked);
    let swap = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    let cache = s.new_pool(PoolKind::Ephemeral, Gfp::Kernel).expect("pool");
    // Homes 0..8 on 4 shards: every shard gets pages of both kinds, small and large.
    for i in 0..8u32 {
        let mut scratch = scratch_at(i as usize);
        s.put(cache, &oid(1), i, &page(u64::from(i), 2300), &mut scratch)
            .expect("eph put");
        s.put(swap, &oid(2), i, &page(50 + u64::from(i), 64), &mut scratch)
            .expect("small put");
    }
    let (eph, _) = s.zbud_stats();
    assert_eq!(eph.pageframes, 8);
    assert!(s.packed_stats().pageframes >= 4, "{:?}", s.packed_stats());
    s.audit().expect("audit");
    // Read from another home than the one that stored it.
    let mut other = scratch_at(3);
    for i in 0..8u32 {
        assert_eq!(
            get(&s, swap, 2, i, &mut other).expect("get"),
            page(50 + u64::from(i), 64)
        );
    }
    assert_eq!(s.packed_stats(), Default::default());
    // The budget is global: a put whose own shard has no ephemeral frame left evicts another
    // shard's. The shrinker goes round the shards.
    assert_eq!(s.shrink_ephemeral(2), 2);
    let live = s.frames().live();
    assert_eq!(live, 6);
    // Shard 0's puts: 6 free frames, then 6 evictions, of every shard's frames in turn.
    let mut scratch = scratch_at(0);
    for i in 0..12u32 {
        s.put(
            swap,
            &oid(3),
            i,
            &page(80 + u64::from(i), 2300),
            &mut scratch,
        )
        .expect("pers put");
    }
    assert_eq!(s.counters().pers_ate_eph.get(), 6);
    assert_eq!(s.zbud_stats().0.pageframes, 0);
    assert_eq!(s.zbud_stats().1.pageframes, 12);
    assert_eq!(
        s.put(swap, &oid(3), 12, &page(99, 2300), &mut scratch),
        Err(PutRefused::NoFrame)
    );
    s.audit().expect("audit");
    s.destroy_pool(swap);
    s.destroy_pool(cache);
    assert_eq!(s.frames().live(), 0);
    s.audit().expect("audit");
}

#[test]
fn concurrent_puts_gets_flushes_and_evictions_stay_exact() {
    for shards in SHARDS {
        // A small budget, so that puts evict each other's ephemeral frames across shards.
        let s = store(96, true, shards).with_small_swap_pages(SmallSwapPages::BesideOrPacked);
        let swap = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
        let cache = s.new_pool(PoolKind::Ephemeral, Gfp::Kernel).expect("pool");
        thread::scope(|scope| {
            for t in 0..4u64 {
                let s = &s;
                scope.spawn(move || {
                    let mut scratch = scratch_at(t as usize);
                    for round in 0..300u64 {
                        let i = (round % 50) as u32;
                        let p = page(t * 1000 + round, 60 + (round as usize * 37) % 3000);
                        // Persistent pages are never evicted: a stored one always comes back.
                        if s.put(swap, &oid(t), i, &p, &mut scratch).is_ok() {
                            assert_eq!(get(s, swap, t, i, &mut scratch).expect("get"), p);
                        }
                        // Ephemeral pages come back exact or not at all.
                        if s.put(cache, &oid(t), i, &p, &mut scratch).is_ok() {
                            if let Ok(got) = get(s, cache, t, i, &mut scratch) {
                                assert_eq!(got, p);
                            }
                        }
                        let _ = s.put(cache, &oid(t + 10), i, &p, &mut scratch);
                        match round % 7 {
                            0 => {
                                s.flush_page(cache, &oid(t + 10), i.wrapping_sub(3));
                            }
                            1 => {
                                s.shrink_ephemeral(1);
                            }
                            _ => {}
                        }
                    }
                });
            }
        });
        s.audit().expect("audit after the threads");
        s.destroy_pool(swap);
        s.destroy_pool(cache);
        assert_eq!(s.frames().live(), 0);
        s.audit().expect("audit when empty");
        let m = s.counters().mm_stat();
        assert_eq!((m.pages_stored, m.mem_used_total), (0, 0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random puts (some with an allocation failing, each from a random home shard), gets and
    /// flushes on both kinds of pool, with 1 to 4 shards:
    /// a get returns the last page put or nothing (ephemeral pages may be evicted; persistent
    /// ones only leave by get, flush or a refused put), and in the end nothing is left over.
    #[test]
    fn random_use_with_failures_returns_exact_pages_and_leaks_nothing(
        packing in any::<bool>(),
        shards in 1usize..=4,
        ops in prop::collection::vec(
            (0u8..4, any::<bool>(), 0u64..3, 0u32..4, 0usize..3500, prop::option::weighted(0.2, 0u64..3), 0usize..4),
            1..80,
        )
    ) {
        let small = if packing { SmallSwapPages::BesideOrPacked } else { SmallSwapPages::Zbud };
        let s = store(6, false, shards).with_small_swap_pages(small);
        let mut scratch = Box::new(Scratch::new());
        let pools = [
            s.new_pool(PoolKind::Ephemeral, Gfp::Kernel).expect("pool"),
            s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool"),
        ];
        let mut model: std::collections::BTreeMap<(usize, u64, u32), Page> = Default::default();
        for (step, (op, persistent, o, i, text, fail_after, home)) in ops.into_iter().enumerate() {
            // Each step from another CPU, as it were.
            scratch.set_home(home);
            let k = usize::from(persistent);
            let pool = pools[k];
            match op {
                0 | 1 => {
                    let p = page(step as u64, text);
                    if let Some(n) = fail_after {
                        fail_allocations_after(n);
                    }
                    let put = s.put(pool, &oid(o), i, &p, &mut scratch);
                    stop_failing_allocations();
                    match put {
                        Ok(()) => { model.insert((k, o, i), p); }
                        Err(_) => { model.remove(&(k, o, i)); }
                    }
                }
                2 => {
                    let got = get(&s, pool, o, i, &mut scratch);
                    let expected = if persistent {
                        model.get(&(k, o, i)).cloned()
                    } else {
                        model.remove(&(k, o, i))
                    };
                    match (got, expected) {
                        (Ok(p), Some(e)) => prop_assert_eq!(p, e),
                        (Err(GetMiss::NotFound), None) => {}
                        // An ephemeral page may have been evicted.
                        (Err(GetMiss::NotFound), Some(_)) if !persistent => {}
                        (got, expected) => {
                            return Err(TestCaseError::fail(std::format!(
                                "get {k}/{o}/{i}: {:?} vs {:?}", got.map(|_| ()), expected.map(|_| ())
                            )));
                        }
                    }
                }
                _ => {
                    s.flush_page(pool, &oid(o), i);
                    model.remove(&(k, o, i));
                }
            }
            let used = s.counters().mm_stat().mem_used_total;
            prop_assert_eq!(used, (s.frames().live() * PAGE_SIZE) as u64);
            prop_assert_eq!(s.audit(), Ok(()));
        }
        for pool in pools {
            s.destroy_pool(pool);
        }
        prop_assert_eq!(s.frames().live(), 0);
        let m = s.counters().mm_stat();
        prop_assert_eq!((m.pages_stored, m.compr_data_size, m.mem_used_total), (0, 0, 0));
    }
}

#[test]
fn a_full_store_refuses_swap_pages_before_compressing_until_it_drains() {
    for shards in SHARDS {
        a_full_store_refuses_swap_pages_before_compressing_until_it_drains_with(shards);
    }
}

fn a_full_store_refuses_swap_pages_before_compressing_until_it_drains_with(shards: usize) {
    const FULL: usize = 100;
    let s = store(FULL, false, shards);
    let mut scratch = scratch_at(0);
    let pool = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    // Fill it: pages too big to pack, two to a zbud frame.
    let mut stored = 0u32;
    loop {
        match s.put(
            pool,
            &oid(1),
            stored,
            &page(stored as u64, 2000),
            &mut scratch,
        ) {
            Ok(()) => stored += 1,
            Err(refused) => {
                assert_eq!(refused, PutRefused::NoFrame);
                break;
            }
        }
    }
    let c = s.counters();
    let tried = c.failed_get_free_pages.get();
    assert!(
        tried > 0 && stored as usize >= FULL,
        "{stored} pages, {tried} frames missed"
    );
    // Full: refused before compressing (no frame is looked for), and a refused put still
    // drops the page it would have replaced (five pages free at most five of the frames).
    for i in 0..5 {
        let refused = s.put(pool, &oid(1), i, &page(100 + i as u64, 2000), &mut scratch);
        assert_eq!(refused, Err(PutRefused::NoFrame));
        assert_eq!(get(&s, pool, 1, i, &mut scratch), Err(GetMiss::NotFound));
    }
    assert_eq!(c.failed_get_free_pages.get(), tried);
    assert_eq!(c.refused_full.get(), 5);
    // Zero-filled pages take no frame: still stored.
    let zero = Box::new([0u8; PAGE_SIZE]);
    s.put(pool, &oid(2), 0, &zero, &mut scratch)
        .expect("zero page");
    // Drained below 90% of the frames it held when it filled: puts are tried again.
    let mut i = 5;
    while s.frames().live() * 100 > FULL * 90 {
        assert!(s.flush_page(pool, &oid(1), i));
        i += 1;
    }
    s.put(pool, &oid(3), 0, &page(7, 2000), &mut scratch)
        .expect("a put after draining");
    assert_eq!(c.refused_full.get(), 5);
    assert_eq!(
        get(&s, pool, 3, 0, &mut scratch)
            .expect("stored")
            .as_slice(),
        page(7, 2000).as_slice()
    );
}
