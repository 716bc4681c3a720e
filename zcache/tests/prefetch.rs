// SPDX-License-Identifier: GPL-2.0

//! Prefetch of a faulting swap page's window on the host: the window's remote pages come back
//! in one batch and their loads hit here; a window page that is loaded, flushed, replaced (and
//! even moved to the peer again) or whose peer dies while its request travels is never stored
//! stale, never lost and its peer's copy is flushed exactly once; a prefetch that fails leaves
//! the page remote. A property test runs any interleaving of these against a model.

extern crate std;

use super::remote::{node, page, remotify_all, send_flushes, store, tag_key, Page};
use crate::cluster::node_num::NodeNum;
use crate::os::{Gfp, PAGE_SIZE};
use crate::tmem::{PoolId, PoolKind};
use crate::zcache::compress::COMPRESS_BOUND;
use crate::zcache::frames::HeapFrames;
use crate::zcache::remote::outbox::RemoteFlush;
use crate::zcache::remote::prefetch::{window, Prefetch, PrefetchFailed};
use crate::zcache::store::{GetMiss, Scratch, SmallSwapPages, Store};
use crate::zcache::swapkey::swap_key;
use proptest::prelude::*;
use std::boxed::Box;
use std::vec::Vec;

type Local = Store<HeapFrames>;

/// A RAMster-mode store of `frames` frames (small swap pages packed) and its swap pool.
fn swap_store(frames: usize) -> (Local, PoolId) {
    let local = store(frames, true).with_small_swap_pages(SmallSwapPages::Packed);
    let pool = local
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    (local, pool)
}

/// Puts page `seed` at swap offset `offset` of area 0.
fn put(local: &Local, pool: PoolId, offset: u64, seed: u64) {
    let (oid, index) = swap_key(0, offset).expect("key");
    let mut scratch = Box::new(Scratch::new());
    local
        .put(pool, &oid, index, &page(seed), &mut scratch)
        .expect("put");
}

/// A load of swap offset `offset`, as frontswap's: `Ok` with the page if it is here, else why.
fn load(local: &Local, pool: PoolId, offset: u64, may_take: bool) -> Result<Page, GetMiss> {
    let (oid, index) = swap_key(0, offset).expect("key");
    let mut out = Box::new([0u8; PAGE_SIZE]);
    let mut scratch = Box::new(Scratch::new());
    local
        .get_with(pool, &oid, index, &mut out, &mut scratch, may_take)
        .map(|()| out)
}

/// The peer's answer to a `TMEM_GET` (`take`: `TMEM_GET_AND_FREE`) of swap offset `offset`.
fn answer(peer: &Local, pool: PoolId, offset: u64, take: bool) -> Option<Vec<u8>> {
    let (oid, index) = swap_key(0, offset).expect("key");
    let mut z = [0u8; COMPRESS_BOUND];
    let len = peer.get_compressed(pool, &oid, index, take, &mut z).ok()?;
    Some(z.get(..len).expect("len").to_vec())
}

/// A load of swap offset `offset` that fetches a remote page from `peer` as the module does
/// (the tag checked, then decompressed); a miss or a wrong answer is `None`.
fn load_fetching(
    local: &Local,
    peer: &Local,
    pool: PoolId,
    offset: u64,
    may_take: bool,
) -> Option<Page> {
    match load(local, pool, offset, may_take) {
        Ok(p) => Some(p),
        Err(GetMiss::Remote { page: r, taken }) => {
            let zpage = answer(peer, pool, offset, taken)?;
            let (oid, index) = swap_key(0, offset).expect("key");
            let tagged = Prefetch {
                pool,
                oid,
                index,
                remote: r,
            }
            .tagged();
            if tag_key().tag(&tagged, &zpage).ok() != Some(r.tag) {
                return None;
            }
            let mut out = Box::new([0u8; PAGE_SIZE]);
            local.codec().decompress(&zpage, &mut out).ok()?;
            Some(out)
        }
        Err(_) => None,
    }
}

/// The prefetches of the window around `offset`.
fn begin_window(local: &Local, pool: PoolId, offset: u64) -> Vec<Prefetch> {
    let mut marked = Vec::new();
    let n = local.prefetch_swap_window(pool, 0, offset, node(1), |p| marked.push(p));
    assert_eq!(marked.len(), n);
    marked
}

/// The swap offset of a prefetch's page.
fn offset_of(p: &Prefetch) -> u64 {
    crate::zcache::swapkey::swap_entry(&p.oid, p.index)
        .expect("swap key")
        .1
}

/// The page flushes queued, by swap offset.
fn queued_flushes(local: &Local) -> Vec<u64> {
    core::iter::from_fn(|| local.outbox().pop())
        .map(|f| match f {
            RemoteFlush::Page { oid, index, .. } => {
                crate::zcache::swapkey::swap_entry(&oid, index)
                    .expect("swap key")
                    .1
            }
            other => panic!("not a page flush: {other:?}"),
        })
        .collect()
}

/// Stores at swap offsets `offsets` page `offset` each and moves them all to `peer`.
fn remote_pages(local: &Local, peer: &Local, pool: PoolId, offsets: impl Iterator<Item = u64>) {
    let mut n = 0;
    for o in offsets {
        put(local, pool, o, o);
        n += 1;
    }
    assert_eq!(remotify_all(local, peer, PoolKind::Persistent), n);
}

/// Swap pages 8 and 9 on the peer, and the prefetch of 9 begun by a fault at 8.
fn nine_in_flight() -> (Local, Local, PoolId, Prefetch) {
    let (local, pool) = swap_store(64);
    let peer = store(64, true);
    remote_pages(&local, &peer, pool, 8..10);
    let [p] = begin_window(&local, pool, 8)[..] else {
        panic!("one page");
    };
    assert_eq!(offset_of(&p), 9);
    (local, peer, pool, p)
}

#[test]
fn the_window_is_the_aligned_eight_but_the_fault_and_the_swap_header() {
    let w = |o| window(o).collect::<Vec<u64>>();
    assert_eq!(w(13), [8, 9, 10, 11, 12, 14, 15]);
    assert_eq!(w(16), [17, 18, 19, 20, 21, 22, 23]);
    assert_eq!(w(3), [1, 2, 4, 5, 6, 7]);
    assert_eq!(w(0), [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(w(u64::MAX).len(), 7, "no overflow at the end");
}

#[test]
fn a_window_comes_back_in_one_batch_and_its_loads_hit_here() {
    let (local, pool) = swap_store(64);
    let peer = store(64, true);
    remote_pages(&local, &peer, pool, 16..32);
    let c = local.remote_counters();
    assert_eq!(c.remote_pers_pages.get(), 16);
    let live = local.frames().live();

    // The fault at 19 takes its own page and marks the other seven of 16..24.
    let Err(GetMiss::Remote { taken: true, .. }) = load(&local, pool, 19, true) else {
        panic!("19 is remote");
    };
    let batch = begin_window(&local, pool, 19);
    assert_eq!(
        batch.iter().map(offset_of).collect::<Vec<_>>(),
        [16, 17, 18, 20, 21, 22, 23]
    );
    assert_eq!(answer(&peer, pool, 19, true).map(|_| ()), Some(()));
    for p in &batch {
        let zpage = answer(&peer, pool, offset_of(p), false).expect("kept");
        assert_eq!(local.prefetch_commit(p, &zpage, tag_key()), Ok(()));
    }
    assert!(local.frames().live() > live, "stored here again");
    assert_eq!(c.pers_pages_prefetched.get(), 7);
    assert_eq!(c.remote_pers_pages.get(), 8, "24..32 are still remote");
    for o in [16, 17, 18, 20, 21, 22, 23] {
        assert_eq!(
            load(&local, pool, o, true).ok(),
            Some(page(o)),
            "offset {o}"
        );
    }
    assert_eq!(c.pers_prefetch_hits.get(), 7);
    assert_eq!(c.pers_prefetch_failed.get(), 0);
    // Their peer keeps them until their flushes, queued at the commits, reach it; 19 was
    // taken by its load's TMEM_GET_AND_FREE.
    assert_eq!(peer.zpage_counts(), (0, 15));
    assert_eq!(queued_flushes(&local), [16, 17, 18, 20, 21, 22, 23]);
}

#[test]
fn the_flushes_of_prefetched_pages_leave_the_peer_with_nothing_stale() {
    let (local, pool) = swap_store(64);
    let peer = store(64, true);
    remote_pages(&local, &peer, pool, 1..8);
    assert!(load(&local, pool, 1, true).is_err());
    assert_eq!(answer(&peer, pool, 1, true).map(|_| ()), Some(()));
    for p in begin_window(&local, pool, 1) {
        let zpage = answer(&peer, pool, offset_of(&p), false).expect("kept");
        local
            .prefetch_commit(&p, &zpage, tag_key())
            .expect("stored");
    }
    send_flushes(&local, &peer);
    assert_eq!(peer.zpage_counts(), (0, 0));
    assert_eq!(peer.frames().live(), 0);
    for o in 2..8 {
        assert_eq!(load(&local, pool, o, true).ok(), Some(page(o)));
    }
    assert_eq!(local.frames().live(), 0);
}

#[test]
fn a_window_page_is_marked_only_if_it_is_remote_on_the_faults_node() {
    let (local, pool) = swap_store(64);
    let peer = store(64, true);
    remote_pages(&local, &peer, pool, 8..12);
    put(&local, pool, 12, 12); // local
    let other = NodeNum::new(2).expect("node");
    assert_eq!(
        local.prefetch_swap_window(pool, 0, 8, other, |_| {}),
        0,
        "another node's"
    );
    // 8 is the fault (left alone), 12 is local, 13..16 do not exist.
    let marked = begin_window(&local, pool, 8);
    assert_eq!(
        marked.iter().map(offset_of).collect::<Vec<_>>(),
        [9, 10, 11]
    );
    // Already being fetched: not marked twice.
    assert!(begin_window(&local, pool, 9)
        .iter()
        .all(|p| offset_of(p) == 8));
    for p in &marked {
        assert!(local.prefetch_abort(p));
    }
}

#[test]
fn a_window_page_flushed_while_its_request_travels_is_not_stored() {
    let (local, peer, pool, p) = nine_in_flight();
    let zpage = answer(&peer, pool, 9, false).expect("kept");
    let (oid, index) = swap_key(0, 9).expect("key");
    // The swap slot is freed: the entry goes, and its peer's copy is to be flushed.
    assert!(local.flush_page(pool, &oid, index));
    let live = local.frames().live();
    assert_eq!(
        local.prefetch_commit(&p, &zpage, tag_key()),
        Err(PrefetchFailed::Gone)
    );
    assert_eq!(local.frames().live(), live, "nothing stale stored");
    assert_eq!(load(&local, pool, 9, true).err(), Some(GetMiss::NotFound));
    assert_eq!(
        queued_flushes(&local),
        [9],
        "the peer's copy is flushed once"
    );
    let c = local.remote_counters();
    assert_eq!(c.remote_pers_pages.get(), 1, "only 8 is still remote");
    assert_eq!(
        (c.pers_pages_prefetched.get(), c.pers_prefetch_failed.get()),
        (0, 0)
    );
}

#[test]
fn a_window_page_whose_flush_reached_the_peer_first_is_not_found_and_nothing_changes() {
    let (local, peer, pool, p) = nine_in_flight();
    let (oid, index) = swap_key(0, 9).expect("key");
    assert!(local.flush_page(pool, &oid, index));
    send_flushes(&local, &peer);
    assert_eq!(answer(&peer, pool, 9, false), None, "flushed there first");
    // The caller aborts a page its peer did not answer: it is gone already.
    assert!(!local.prefetch_abort(&p));
    assert_eq!(local.remote_counters().pers_prefetch_failed.get(), 0);
    assert_eq!(load(&local, pool, 9, true).err(), Some(GetMiss::NotFound));
}

#[test]
fn a_window_page_replaced_while_its_request_travels_keeps_the_new_page() {
    let (local, peer, pool, p) = nine_in_flight();
    let old = answer(&peer, pool, 9, false).expect("kept");
    put(&local, pool, 9, 99);
    assert_eq!(
        local.prefetch_commit(&p, &old, tag_key()),
        Err(PrefetchFailed::Gone)
    );
    assert_eq!(queued_flushes(&local), [9], "the old copy's flush, once");
    assert_eq!(load(&local, pool, 9, true).ok(), Some(page(99)));
}

#[test]
fn a_late_request_answered_with_the_keys_newer_copy_stores_nothing_and_is_no_bad_tag() {
    let (local, peer, pool, p) = nine_in_flight();
    // Before the request leaves: 9 is replaced and its new copy moves to the same peer (the
    // flush of the old one goes first).
    put(&local, pool, 9, 99);
    assert_eq!(remotify_all(&local, &peer, PoolKind::Persistent), 1);
    let newer = answer(&peer, pool, 9, false).expect("the new copy");
    let bad_tags = local.remote_counters().remote_pages_bad_tag.get();
    assert_eq!(
        local.prefetch_commit(&p, &newer, tag_key()),
        Err(PrefetchFailed::Gone)
    );
    assert_eq!(local.remote_counters().remote_pages_bad_tag.get(), bad_tags);
    assert_eq!(
        load_fetching(&local, &peer, pool, 9, true),
        Some(page(99)),
        "the new copy is still on the peer"
    );
}

#[test]
fn a_load_of_a_page_being_prefetched_fetches_it_itself() {
    let (local, pool) = swap_store(64);
    let peer = store(64, true);
    remote_pages(&local, &peer, pool, 8..12);
    let batch = begin_window(&local, pool, 8);
    assert_eq!(batch.len(), 3);
    // The prefetch of 9 is answered before the other load's TMEM_GET_AND_FREE, that of 10
    // after it.
    let early = answer(&peer, pool, 9, false).expect("kept");
    assert_eq!(load_fetching(&local, &peer, pool, 9, true), Some(page(9)));
    assert_eq!(load_fetching(&local, &peer, pool, 10, true), Some(page(10)));
    assert_eq!(answer(&peer, pool, 10, false), None);
    let [p9, p10, p11] = batch[..] else {
        panic!("three pages");
    };
    assert_eq!(
        local.prefetch_commit(&p9, &early, tag_key()),
        Err(PrefetchFailed::Gone)
    );
    assert!(!local.prefetch_abort(&p10));
    // A load that keeps the page (a swap-in that skipped the swap cache) reads it from the peer
    // and leaves it to the prefetch.
    assert_eq!(
        load_fetching(&local, &peer, pool, 11, false),
        Some(page(11))
    );
    let z11 = answer(&peer, pool, 11, false).expect("kept");
    assert_eq!(local.prefetch_commit(&p11, &z11, tag_key()), Ok(()));
    assert_eq!(load(&local, pool, 11, true).ok(), Some(page(11)));
    assert!(
        queued_flushes(&local) == [11],
        "the loads freed 9 and 10 on the peer themselves"
    );
    let c = local.remote_counters();
    assert_eq!(c.remote_pers_pages.get(), 1, "8, the fault's own page");
    assert_eq!(
        (c.pers_pages_prefetched.get(), c.pers_prefetch_hits.get()),
        (1, 1)
    );
}

#[test]
fn a_window_page_whose_peer_dies_meanwhile_goes_to_the_device() {
    let (local, peer, pool, p) = nine_in_flight();
    let zpage = answer(&peer, pool, 9, false).expect("kept");
    assert_eq!(local.forget_node(node(1)), (2, 0));
    assert_eq!(
        local.prefetch_commit(&p, &zpage, tag_key()),
        Err(PrefetchFailed::Gone)
    );
    assert_eq!(load(&local, pool, 9, true).err(), Some(GetMiss::OnDevice));
    assert_eq!(local.remote_counters().remote_pers_pages.get(), 0);
}

#[test]
fn a_prefetch_that_fails_leaves_the_page_remote() {
    let (local, pool) = swap_store(64);
    let peer = store(64, true);
    remote_pages(&local, &peer, pool, 8..12);
    let [p9, p10, p11] = begin_window(&local, pool, 8)[..] else {
        panic!("three pages");
    };
    // No answer (a timeout, no request slot): aborted.
    assert!(local.prefetch_abort(&p9));
    // Another page's bytes, and the right bytes altered: refused by the tag.
    let other = answer(&peer, pool, 11, false).expect("kept");
    assert_eq!(
        local.prefetch_commit(&p10, &other, tag_key()),
        Err(PrefetchFailed::BadTag)
    );
    let mut altered = other.clone();
    altered[other.len() / 2] ^= 1;
    assert_eq!(
        local.prefetch_commit(&p11, &altered, tag_key()),
        Err(PrefetchFailed::BadTag)
    );
    let c = local.remote_counters();
    assert_eq!(
        (c.pers_prefetch_failed.get(), c.remote_pages_bad_tag.get()),
        (3, 2)
    );
    assert_eq!(c.remote_pers_pages.get(), 4);
    for o in 9..12 {
        assert_eq!(load_fetching(&local, &peer, pool, o, true), Some(page(o)));
    }
}

#[test]
fn a_prefetch_evicts_nothing_and_leaves_the_page_remote_without_room() {
    let (local, pool) = swap_store(4);
    let peer = store(64, true);
    remote_pages(&local, &peer, pool, 8..10);
    // Clean pages fill the store: a put would evict them, a prefetch does not.
    let eph = local
        .new_pool(PoolKind::Ephemeral, Gfp::Kernel)
        .expect("pool");
    let mut scratch = Box::new(Scratch::new());
    for i in 0..8u32 {
        let _ = local.put(
            eph,
            &crate::tmem::Oid([5, 0, 0]),
            i,
            &page(u64::from(i)),
            &mut scratch,
        );
    }
    assert_eq!(local.frames().live(), 4);
    let evicted = local.counters().evicted_eph_pageframes.get();
    let [p] = begin_window(&local, pool, 8)[..] else {
        panic!("one page");
    };
    let zpage = answer(&peer, pool, 9, false).expect("kept");
    assert_eq!(
        local.prefetch_commit(&p, &zpage, tag_key()),
        Err(PrefetchFailed::NoRoom)
    );
    assert_eq!(local.counters().evicted_eph_pageframes.get(), evicted);
    assert_eq!(local.remote_counters().pers_prefetch_failed.get(), 1);
    assert!(local.outbox().is_empty());
    assert_eq!(load_fetching(&local, &peer, pool, 9, true), Some(page(9)));
}

#[test]
fn a_prefetched_page_nobody_loads_may_leave_again_after_its_flush() {
    let (local, peer, pool, p) = nine_in_flight();
    let zpage = answer(&peer, pool, 9, false).expect("kept");
    local
        .prefetch_commit(&p, &zpage, tag_key())
        .expect("stored");
    // Memory pressure moves it out again: the flush queued at the commit reaches the peer
    // first, then the new copy.
    assert_eq!(remotify_all(&local, &peer, PoolKind::Persistent), 1);
    assert_eq!(local.remote_counters().remote_pers_pages.get(), 2);
    assert_eq!(load_fetching(&local, &peer, pool, 9, true), Some(page(9)));
    assert_eq!(load_fetching(&local, &peer, pool, 8, true), Some(page(8)));
    assert_eq!(peer.frames().live(), 0);
}

#[test]
fn flushing_the_object_or_pool_of_a_page_being_prefetched_flushes_its_peer() {
    let (local, peer, pool, p) = nine_in_flight();
    assert_eq!(local.flush_object(pool, &p.oid), 1);
    assert!(matches!(
        local.outbox().pop(),
        Some(RemoteFlush::Object { oid, .. }) if oid == p.oid
    ));
    assert!(local.destroy_pool(pool).is_some());
    assert!(matches!(
        local.outbox().pop(),
        Some(RemoteFlush::Pool { .. })
    ));
    let zpage = answer(&peer, pool, 9, false).expect("kept");
    assert_eq!(
        local.prefetch_commit(&p, &zpage, tag_key()),
        Err(PrefetchFailed::Gone)
    );
    assert_eq!(local.remote_counters().remote_pers_pages.get(), 0);
    assert_eq!(local.frames().live(), 0);
}

/// A prefetch in flight in the property test: its page, and the peer's answer once it has
/// processed the request (`Some(None)`: not found).
struct InFlight {
    p: Prefetch,
    answer: Option<Option<Vec<u8>>>,
}

proptest! {
    /// Any interleaving of puts, remotifies, loads (each prefetching its window, as the module's
    /// loads do), flushes, the peer processing a prefetch request, its answer arriving, a
    /// prefetch failing, and the worker sending flushes: every load returns the last page put at
    /// its offset (or nothing if it was flushed or loaded), and once every prefetch has ended
    /// and every flush is sent, the peer holds exactly the pages still remote here.
    #[test]
    fn prefetches_stay_coherent_with_everything_else(
        ops in proptest::collection::vec((0u8..9, 1u64..17, 0u64..1000), 1..150)
    ) {
        let (local, pool) = swap_store(24);
        let peer = store(64, true);
        let mut model: [Option<u64>; 17] = [None; 17];
        let mut flights: Vec<InFlight> = Vec::new();
        for (op, offset, seed) in ops {
            let at = offset as usize;
            match op {
                0 | 1 => {
                    let (oid, index) = swap_key(0, offset).expect("key");
                    let mut scratch = Box::new(Scratch::new());
                    model[at] = local
                        .put(pool, &oid, index, &page(seed), &mut scratch)
                        .ok()
                        .map(|()| seed);
                }
                2 => {
                    remotify_all(&local, &peer, PoolKind::Persistent);
                }
                3 => {
                    let remote = matches!(
                        load(&local, pool, offset, false),
                        Err(GetMiss::Remote { .. })
                    );
                    let got = load_fetching(&local, &peer, pool, offset, true);
                    prop_assert_eq!(got, model[at].map(page), "load of {}", offset);
                    model[at] = None;
                    if remote {
                        for p in begin_window(&local, pool, offset) {
                            flights.push(InFlight { p, answer: None });
                        }
                    }
                }
                4 => {
                    let (oid, index) = swap_key(0, offset).expect("key");
                    local.flush_page(pool, &oid, index);
                    model[at] = None;
                }
                5 | 6 if !flights.is_empty() => {
                    // The peer processes request `seed` (its answer is what it holds now).
                    let k = seed as usize % flights.len();
                    let f = &mut flights[k];
                    if f.answer.is_none() {
                        f.answer = Some(answer(&peer, pool, offset_of(&f.p), false));
                    }
                    if op == 6 {
                        // ...and its answer arrives.
                        let f = flights.swap_remove(k);
                        match f.answer.flatten() {
                            Some(z) => {
                                let _ = local.prefetch_commit(&f.p, &z, tag_key());
                            }
                            None => {
                                local.prefetch_abort(&f.p);
                            }
                        }
                    }
                }
                7 if !flights.is_empty() => {
                    // A request that never gets an answer.
                    let f = flights.swap_remove(seed as usize % flights.len());
                    local.prefetch_abort(&f.p);
                }
                _ => send_flushes(&local, &peer),
            }
        }
        for f in flights.drain(..) {
            match answer(&peer, pool, offset_of(&f.p), false) {
                Some(z) => {
                    let _ = local.prefetch_commit(&f.p, &z, tag_key());
                }
                None => {
                    local.prefetch_abort(&f.p);
                }
            }
        }
        send_flushes(&local, &peer);
        let remote = local.remote_counters().remote_pers_pages.get();
        prop_assert_eq!(peer.zpage_counts(), (0, remote), "the peer holds nothing stale");
        for (offset, want) in (0u64..).zip(model).skip(1) {
            prop_assert_eq!(
                load_fetching(&local, &peer, pool, offset, true),
                want.map(page),
                "final load of {}", offset
            );
        }
        send_flushes(&local, &peer);
        prop_assert_eq!(peer.frames().live(), 0);
        prop_assert_eq!(local.frames().live(), 0);
        prop_assert_eq!(local.remote_counters().remote_pers_pages.get(), 0);
    }
}
