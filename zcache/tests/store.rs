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

fn store(frames: usize, exclusive_gets: bool) -> Store<HeapFrames> {
    Store::new(HeapFrames::new(frames), exclusive_gets, Gfp::Kernel).expect("store")
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
    let s = store(64, false);
    let mut scratch = Box::new(Scratch::new());
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
    for (kind, exclusive) in [(PoolKind::Ephemeral, false), (PoolKind::Persistent, true)] {
        let s = store(8, exclusive);
        let mut scratch = Box::new(Scratch::new());
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
    let s = store(8, true);
    let mut scratch = Box::new(Scratch::new());
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
    let s = store(8, true);
    let mut scratch = Box::new(Scratch::new());
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
    let s = store(8, false);
    let mut scratch = Box::new(Scratch::new());
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
    // Pages of 2300 random letters compress to a bit over half a frame (lz4 has no entropy
    // coder), and under the policy's 5/8: one zpage per frame.
    let s = store(4, false);
    let mut scratch = Box::new(Scratch::new());
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
    s.destroy_pool(pers);
    assert_eq!(s.frames().live(), 0);
}

#[test]
fn the_shrinker_gives_ephemeral_frames_back() {
    let s = store(16, false);
    let mut scratch = Box::new(Scratch::new());
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
    let s = store(64, true).with_small_swap_pages(SmallSwapPages::BesideOrPacked);
    let mut scratch = Box::new(Scratch::new());
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
    s.destroy_pool(cache);
    assert_eq!(s.frames().live(), 0);
}

#[test]
fn concurrent_puts_and_gets_stay_exact() {
    let s = store(4096, false).with_small_swap_pages(SmallSwapPages::BesideOrPacked);
    let pool = s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
    thread::scope(|scope| {
        for t in 0..4u64 {
            let s = &s;
            scope.spawn(move || {
                let mut scratch = Box::new(Scratch::new());
                for round in 0..200u64 {
                    let i = (round % 50) as u32;
                    let p = page(t * 1000 + round, 200 + (round as usize * 37) % 3000);
                    s.put(pool, &oid(t), i, &p, &mut scratch).expect("put");
                    assert_eq!(get(s, pool, t, i, &mut scratch).expect("get"), p);
                }
            });
        }
    });
    s.destroy_pool(pool);
    assert_eq!(s.frames().live(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random puts (some with an allocation failing), gets and flushes on both kinds of pool:
    /// a get returns the last page put or nothing (ephemeral pages may be evicted; persistent
    /// ones only leave by get, flush or a refused put), and in the end nothing is left over.
    #[test]
    fn random_use_with_failures_returns_exact_pages_and_leaks_nothing(
        packing in any::<bool>(),
        ops in prop::collection::vec(
            (0u8..4, any::<bool>(), 0u64..3, 0u32..4, 0usize..3500, prop::option::weighted(0.2, 0u64..3)),
            1..80,
        )
    ) {
        let small = if packing { SmallSwapPages::BesideOrPacked } else { SmallSwapPages::Zbud };
        let s = store(6, false).with_small_swap_pages(small);
        let mut scratch = Box::new(Scratch::new());
        let pools = [
            s.new_pool(PoolKind::Ephemeral, Gfp::Kernel).expect("pool"),
            s.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool"),
        ];
        let mut model: std::collections::BTreeMap<(usize, u64, u32), Page> = Default::default();
        for (step, (op, persistent, o, i, text, fail_after)) in ops.into_iter().enumerate() {
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
        }
        for pool in pools {
            s.destroy_pool(pool);
        }
        prop_assert_eq!(s.frames().live(), 0);
        let m = s.counters().mm_stat();
        prop_assert_eq!((m.pages_stored, m.compr_data_size, m.mem_used_total), (0, 0, 0));
    }
}
