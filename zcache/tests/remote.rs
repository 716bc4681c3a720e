// SPDX-License-Identifier: GPL-2.0

//! RAMster's remote pages on the host: a page remotified to a peer's foreign store comes back
//! bit-exact, a page that changes in transit is never committed, flushes of remote pages reach
//! the outbox, a dead peer's persistent pages fall back to the swap device and its ephemeral
//! ones are dropped, and a peer refuses a client past its limit.

extern crate std;

use crate::cluster::node_num::NodeNum;
use crate::os::{Gfp, PAGE_SIZE};
use crate::tmem::{Oid, PoolId, PoolKind};
use crate::zcache::compress::COMPRESS_BOUND;
use crate::zcache::frames::HeapFrames;
use crate::zcache::remote::counters::{NodePages, RamsterCounters};
use crate::zcache::remote::outbox::{Outbox, RemoteFlush};
use crate::zcache::remote::page_tag::{PageTagKey, TaggedPage};
use crate::zcache::remote::remotify::{Departure, FrameCopy};
use crate::zcache::store::{GetMiss, PutRefused, Scratch, SmallSwapPages, Store};
use crate::zcache::zbud::ZbudKind;
use proptest::prelude::*;
use std::boxed::Box;
use std::vec::Vec;

pub(super) type Page = Box<[u8; PAGE_SIZE]>;

pub(super) fn page(seed: u64) -> Page {
    let mut p = Box::new([0u8; PAGE_SIZE]);
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for b in p.iter_mut().take(1500) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = b'a' + (x % 16) as u8;
    }
    p
}

/// A store of at most `frames` frames with `ramster/` counters of its own.
pub(super) fn store(frames: usize, exclusive_gets: bool) -> Store<HeapFrames> {
    let counters: &'static RamsterCounters = Box::leak(Box::new(RamsterCounters::new()));
    let nodes: &'static NodePages = Box::leak(Box::new(NodePages::new()));
    Store::new(HeapFrames::new(frames), exclusive_gets, Gfp::Kernel)
        .expect("store")
        .with_remote_counters(counters, nodes)
}

pub(super) fn node(n: u8) -> NodeNum {
    NodeNum::new(n).expect("node")
}

fn oid(n: u64) -> Oid {
    Oid([n, 7, 0])
}

/// The owner's page-tag key (one per test process, as one per module load).
pub(super) fn tag_key() -> &'static PageTagKey {
    static KEY: std::sync::OnceLock<PageTagKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| PageTagKey::generate().expect("tag key"))
}

/// The tag of the copy `zpage` of the page at `pool`/`o`/`i` kept on node 1.
pub(super) fn tag_of(kind: ZbudKind, pool: PoolId, o: &Oid, i: u32, zpage: &[u8]) -> u64 {
    let page = TaggedPage {
        node: node(1),
        kind,
        pool,
        oid: *o,
        index: i,
    };
    tag_key().tag(&page, zpage).expect("tag")
}

/// The peer's side of one remotify: what the module's put handler does.
fn send(
    local: &Store<HeapFrames>,
    peer: &Store<HeapFrames>,
    kind: PoolKind,
    d: &Departure,
    copy: &[u8],
) -> Result<(), PutRefused> {
    let _ = local;
    peer.put_compressed(
        d.owner.pool,
        kind,
        &d.owner.oid,
        d.owner.index,
        copy.get(..d.len).expect("len"),
        Gfp::Kernel,
    )
}

/// Remotifies every frame of `kind` to `peer` as node 1; returns how many pages moved.
pub(super) fn remotify_all(
    local: &Store<HeapFrames>,
    peer: &Store<HeapFrames>,
    kind: PoolKind,
) -> usize {
    let zkind = match kind {
        PoolKind::Ephemeral => ZbudKind::Ephemeral,
        PoolKind::Persistent => ZbudKind::Persistent,
    };
    // As the worker does: queued flushes go out before new pages, so that they never reach a
    // newer copy of the same key.
    send_flushes(local, peer);
    let mut copy: Box<FrameCopy> = Box::new([[0; COMPRESS_BOUND]; 2]);
    let mut moved = 0;
    while let Some(departures) = local.remotify_begin(zkind, &mut copy, Gfp::Kernel) {
        let mut any = false;
        for (d, buf) in departures.iter().zip(copy.iter()) {
            let Some(d) = d else { continue };
            any = true;
            match send(local, peer, kind, d, buf) {
                Ok(()) => {
                    let o = &d.owner;
                    let copy = buf.get(..d.len).expect("len");
                    let tag = tag_of(zkind, o.pool, &o.oid, o.index, copy);
                    assert!(local.remotify_commit(d, node(1), tag));
                    moved += 1;
                }
                Err(_) => local.remotify_abort(d),
            }
        }
        if !any {
            break;
        }
    }
    moved
}

/// The peer's side of the queued page flushes.
pub(super) fn send_flushes(local: &Store<HeapFrames>, peer: &Store<HeapFrames>) {
    while let Some(f) = local.outbox().pop() {
        if let RemoteFlush::Page {
            pool, oid, index, ..
        } = f
        {
            let mut z = [0u8; COMPRESS_BOUND];
            let _ = peer.get_compressed(pool, &oid, index, true, &mut z);
        }
    }
}

/// A get of a remote page, as the module does it: fetch the compressed copy, check its tag,
/// decompress.
fn remote_get(
    local: &Store<HeapFrames>,
    peer: &Store<HeapFrames>,
    pool: PoolId,
    o: u64,
    i: u32,
) -> Result<Page, GetMiss> {
    remote_get_answered(local, pool, o, i, |taken, z| {
        peer.get_compressed(pool, &oid(o), i, taken, z)
    })
}

/// [`remote_get`] with the peer's answer made by `answer`.
fn remote_get_answered(
    local: &Store<HeapFrames>,
    pool: PoolId,
    o: u64,
    i: u32,
    answer: impl FnOnce(bool, &mut [u8; COMPRESS_BOUND]) -> Result<usize, GetMiss>,
) -> Result<Page, GetMiss> {
    let mut out = Box::new([0u8; PAGE_SIZE]);
    let mut scratch = Box::new(Scratch::new());
    match local.get(pool, &oid(o), i, &mut out, &mut scratch) {
        Ok(()) => Ok(out),
        Err(GetMiss::Remote { page, taken }) => {
            assert_eq!(page.node, node(1));
            let mut z = [0u8; COMPRESS_BOUND];
            let len = answer(taken, &mut z)?;
            let zpage = z.get(..len).expect("len");
            if tag_of(page.kind, pool, &oid(o), i, zpage) != page.tag {
                return Err(GetMiss::Corrupt);
            }
            local
                .codec()
                .decompress(z.get(..len).expect("len"), &mut out)
                .map_err(|_| GetMiss::Corrupt)?;
            Ok(out)
        }
        Err(e) => Err(e),
    }
}

#[test]
fn remotified_pages_come_back_bit_exact_and_free_local_frames() {
    let local = store(64, true);
    let peer = store(64, true);
    let mut scratch = Box::new(Scratch::new());
    let pool = local
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    for i in 0..40u32 {
        local
            .put(pool, &oid(1), i, &page(u64::from(i)), &mut scratch)
            .expect("put");
    }
    assert!(local.frames().live() > 0);
    assert_eq!(remotify_all(&local, &peer, PoolKind::Persistent), 40);
    assert_eq!(local.frames().live(), 0, "every local frame was freed");
    assert_eq!(local.remote_counters().remote_pers_pages.get(), 40);
    for i in 0..40u32 {
        let got = remote_get(&local, &peer, pool, 1, i).expect("remote get");
        assert_eq!(got, page(u64::from(i)), "page {i}");
    }
    // Exclusive gets took every page, here and on the peer.
    assert_eq!(peer.frames().live(), 0);
    assert_eq!(local.remote_counters().remote_pers_pages.get(), 0);
    assert_eq!(
        remote_get(&local, &peer, pool, 1, 0).err(),
        Some(GetMiss::NotFound)
    );
}

#[test]
fn a_page_that_changes_in_transit_is_not_committed() {
    let local = store(64, true);
    let mut scratch = Box::new(Scratch::new());
    let pool = local
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    local
        .put(pool, &oid(1), 0, &page(1), &mut scratch)
        .expect("put");
    local
        .put(pool, &oid(1), 1, &page(2), &mut scratch)
        .expect("put");
    let mut copy: Box<FrameCopy> = Box::new([[0; COMPRESS_BOUND]; 2]);
    let departures = local
        .remotify_begin(ZbudKind::Persistent, &mut copy, Gfp::Kernel)
        .expect("a frame");
    let ds: Vec<Departure> = departures.iter().flatten().copied().collect();
    assert_eq!(ds.len(), 2, "both pages share the frame");
    // A leaving page is still read locally.
    let mut out = Box::new([0u8; PAGE_SIZE]);
    // Page 0 is replaced, page 1 is taken by a get while they travel.
    local
        .put(pool, &oid(1), 0, &page(9), &mut scratch)
        .expect("put");
    local
        .get(pool, &oid(1), 1, &mut out, &mut scratch)
        .expect("leaving page read locally");
    assert_eq!(out, page(2));
    for d in &ds {
        assert!(
            !local.remotify_commit(d, node(1), 0),
            "stale page committed"
        );
    }
    local
        .get(pool, &oid(1), 0, &mut out, &mut scratch)
        .expect("new page");
    assert_eq!(out, page(9));
    assert_eq!(local.remote_counters().remote_pers_pages.get(), 0);
}

#[test]
fn an_aborted_page_stays_local() {
    let local = store(64, true);
    let mut scratch = Box::new(Scratch::new());
    let pool = local
        .new_pool(PoolKind::Ephemeral, Gfp::Kernel)
        .expect("pool");
    local
        .put(pool, &oid(3), 5, &page(5), &mut scratch)
        .expect("put");
    let mut copy: Box<FrameCopy> = Box::new([[0; COMPRESS_BOUND]; 2]);
    let departures = local
        .remotify_begin(ZbudKind::Ephemeral, &mut copy, Gfp::Kernel)
        .expect("a frame");
    for d in departures.iter().flatten() {
        local.remotify_abort(d);
    }
    let mut out = Box::new([0u8; PAGE_SIZE]);
    local
        .get(pool, &oid(3), 5, &mut out, &mut scratch)
        .expect("still here");
    assert_eq!(out, page(5));
}

#[test]
fn flushes_of_remote_pages_objects_and_pools_reach_the_outbox() {
    let local = store(64, false);
    let peer = store(64, false);
    let mut scratch = Box::new(Scratch::new());
    let pool = local
        .new_pool(PoolKind::Ephemeral, Gfp::Kernel)
        .expect("pool");
    for o in 1..=3u64 {
        for i in 0..4u32 {
            local
                .put(pool, &oid(o), i, &page(o * 10 + u64::from(i)), &mut scratch)
                .expect("put");
        }
    }
    assert_eq!(remotify_all(&local, &peer, PoolKind::Ephemeral), 12);
    assert!(local.flush_page(pool, &oid(1), 2));
    assert_eq!(local.flush_object(pool, &oid(2)), 4);
    assert!(local.destroy_pool(pool).is_some());
    let sent: Vec<RemoteFlush> = core::iter::from_fn(|| local.outbox().pop()).collect();
    let kind = ZbudKind::Ephemeral;
    let n = node(1);
    assert_eq!(
        sent,
        [
            RemoteFlush::Page {
                node: n,
                pool,
                kind,
                oid: oid(1),
                index: 2
            },
            RemoteFlush::Object {
                node: n,
                pool,
                kind,
                oid: oid(2)
            },
            RemoteFlush::Pool {
                node: n,
                pool,
                kind
            },
        ]
    );
    assert_eq!(local.remote_counters().remote_eph_pages.get(), 0);
}

#[test]
fn a_burst_of_flushes_beyond_the_first_outbox_loses_none() {
    let local = store(4096, false);
    let peer = store(4096, false);
    let mut scratch = Box::new(Scratch::new());
    let pool = local
        .new_pool(PoolKind::Ephemeral, Gfp::Kernel)
        .expect("pool");
    let pages = 3 * crate::zcache::store::OUTBOX_CAPACITY as u32 + 5;
    for i in 0..pages {
        local
            .put(pool, &oid(1), i, &page(u64::from(i)), &mut scratch)
            .expect("put");
    }
    let before = local.remote_counters().remote_page_flushes_failed.get();
    assert_eq!(
        remotify_all(&local, &peer, PoolKind::Ephemeral),
        pages as usize
    );
    // Every page leaves the index at once (as when a process with all its pages on a peer
    // exits): each one's flush is queued, in order, and none is dropped.
    for i in 0..pages {
        assert!(local.flush_page(pool, &oid(1), i));
    }
    assert_eq!(local.outbox().len(), pages as usize);
    assert_eq!(
        local.remote_counters().remote_page_flushes_failed.get(),
        before
    );
    for i in 0..pages {
        match local.outbox().pop() {
            Some(RemoteFlush::Page { index, .. }) => assert_eq!(index, i),
            other => panic!("flush {i}: {other:?}"),
        }
    }
    assert!(local.outbox().is_empty());
}

/// A flush of page `index` of object 1 of pool 1 on node 1.
fn page_flush(index: u32) -> RemoteFlush {
    RemoteFlush::Page {
        node: node(1),
        pool: PoolId(1),
        kind: ZbudKind::Persistent,
        oid: oid(1),
        index,
    }
}

#[test]
fn the_outbox_keeps_its_flushes_in_order_when_it_grows() {
    let outbox = Outbox::new(8, Gfp::Kernel).expect("outbox");
    // Wrap the ring: head at 3, five flushes queued across its end.
    for i in 0..5 {
        assert!(outbox.push(page_flush(i)));
    }
    for i in 0..3 {
        assert_eq!(outbox.pop(), Some(page_flush(i)));
    }
    for i in 5..11 {
        assert!(outbox.push(page_flush(i)));
    }
    assert!(!outbox.push(page_flush(99)), "full at 8");
    outbox.reserve(20, Gfp::Kernel).expect("grows");
    assert!(outbox.capacity() >= 20);
    for i in 11..20 {
        assert!(outbox.push(page_flush(i)));
    }
    for i in 3..20 {
        assert_eq!(outbox.pop(), Some(page_flush(i)));
    }
    assert_eq!(outbox.pop(), None);
}

#[test]
fn a_flush_that_could_not_be_sent_goes_back_in_front() {
    let outbox = Outbox::new(3, Gfp::Kernel).expect("outbox");
    for i in 0..3 {
        assert!(outbox.push(page_flush(i)));
    }
    assert!(!outbox.push_front(page_flush(99)), "full at 3");
    assert_eq!(outbox.pop(), Some(page_flush(0)));
    assert!(outbox.push_front(page_flush(0)));
    assert_eq!(outbox.len(), 3);
    // Across the start of the ring, twice.
    for round in 0..2 {
        assert_eq!(outbox.pop(), Some(page_flush(0)), "round {round}");
        assert!(outbox.push_front(page_flush(0)));
    }
    for i in 0..3 {
        assert_eq!(outbox.pop(), Some(page_flush(i)));
    }
    assert_eq!(outbox.pop(), None);
    assert!(outbox.push_front(page_flush(7)));
    assert!(outbox.push(page_flush(8)));
    assert_eq!(outbox.pop(), Some(page_flush(7)));
    assert_eq!(outbox.pop(), Some(page_flush(8)));
}

#[test]
fn a_queued_flush_costs_at_most_40_bytes() {
    // With the ring growing by a quarter, about 50 bytes per remote page at most.
    assert!(core::mem::size_of::<RemoteFlush>() <= 40);
}

#[test]
fn an_outbox_that_cannot_grow_keeps_what_it_holds() {
    let outbox = Outbox::new(2, Gfp::Kernel).expect("outbox");
    let flush = RemoteFlush::Pool {
        node: node(1),
        pool: PoolId(1),
        kind: ZbudKind::Ephemeral,
    };
    assert!(outbox.push(flush));
    crate::os::fail_allocations_after(0);
    let grown = outbox.reserve(100, Gfp::Kernel);
    crate::os::stop_failing_allocations();
    assert!(grown.is_err());
    assert_eq!(outbox.capacity(), 2);
    assert_eq!(outbox.pop(), Some(flush));
}

#[test]
fn a_dead_peers_persistent_pages_go_to_the_device_and_ephemeral_ones_go() {
    let local = store(64, true);
    let peer = store(64, true);
    let mut scratch = Box::new(Scratch::new());
    let pers = local
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    let eph = local
        .new_pool(PoolKind::Ephemeral, Gfp::Kernel)
        .expect("pool");
    for i in 0..6u32 {
        local
            .put(pers, &oid(1), i, &page(u64::from(i)), &mut scratch)
            .expect("put");
        local
            .put(eph, &oid(2), i, &page(u64::from(i)), &mut scratch)
            .expect("put");
    }
    remotify_all(&local, &peer, PoolKind::Persistent);
    remotify_all(&local, &peer, PoolKind::Ephemeral);
    assert_eq!(
        local.forget_node(node(2)),
        (0, 0),
        "another node's death changes nothing"
    );
    assert_eq!(local.forget_node(node(1)), (6, 6));
    let mut out = Box::new([0u8; PAGE_SIZE]);
    for i in 0..6u32 {
        assert_eq!(
            local.get(pers, &oid(1), i, &mut out, &mut scratch),
            Err(GetMiss::OnDevice)
        );
        // The entry went with the answer.
        assert_eq!(
            local.get(pers, &oid(1), i, &mut out, &mut scratch),
            Err(GetMiss::NotFound)
        );
        assert_eq!(
            local.get(eph, &oid(2), i, &mut out, &mut scratch),
            Err(GetMiss::NotFound)
        );
    }
    let c = local.remote_counters();
    assert_eq!(
        (c.remote_pers_pages.get(), c.remote_eph_pages.get()),
        (0, 0)
    );
    assert_eq!(c.pers_pages_peer_died.get(), 6);
}

#[test]
fn a_peer_refuses_a_client_past_its_limit_and_keeps_what_it_has() {
    let peer = store(4, true);
    let pool = PoolId(3);
    let z = [0x5au8; 3000];
    for i in 0..4u32 {
        peer.put_compressed(pool, PoolKind::Persistent, &oid(1), i, &z, Gfp::Kernel)
            .expect("within the limit");
    }
    assert_eq!(
        peer.put_compressed(pool, PoolKind::Persistent, &oid(1), 9, &z, Gfp::Kernel),
        Err(PutRefused::NoFrame)
    );
    // The same pool id with the other kind is refused.
    assert_eq!(
        peer.put_compressed(pool, PoolKind::Ephemeral, &oid(1), 9, &z, Gfp::Kernel),
        Err(PutRefused::NoPool)
    );
    let mut out = [0u8; COMPRESS_BOUND];
    for i in 0..4u32 {
        let len = peer
            .get_compressed(pool, &oid(1), i, false, &mut out)
            .expect("kept");
        assert_eq!(out.get(..len), Some(&z[..]));
    }
    assert_eq!(peer.zpage_counts(), (0, 4));
}

/// A page of 64 bytes of text, the rest zero: it compresses to far less than 1 KiB.
fn small_page(seed: u64) -> Page {
    let mut p = Box::new([0u8; PAGE_SIZE]);
    p[..64].copy_from_slice(&page(seed)[..64]);
    p
}

/// Puts a small and a large swap page (in that order if `small_first`) into a store keeping
/// small ones as `small` says, remotifies every persistent frame to a peer, and checks that only
/// the large page left and the small one still reads back here.
fn only_the_large_page_moves(small: SmallSwapPages, small_first: bool) {
    let local = store(64, true).with_small_swap_pages(small);
    let peer = store(64, true);
    let mut scratch = Box::new(Scratch::new());
    let pool = local
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    let (small_page, large_page) = (small_page(5), page(6));
    let (small_at, large_at) = if small_first { (0, 1) } else { (1, 0) };
    let mut puts = [(small_at, &small_page), (large_at, &large_page)];
    puts.sort_by_key(|(at, _)| *at);
    for (at, p) in puts {
        local.put(pool, &oid(1), at, p, &mut scratch).expect("put");
    }
    assert_eq!(local.counters().packed_zpages.get(), 1);
    assert_eq!(remotify_all(&local, &peer, PoolKind::Persistent), 1);
    assert_eq!(peer.zpage_counts(), (0, 1));
    let mut out = Box::new([0u8; PAGE_SIZE]);
    local
        .get(pool, &oid(1), small_at, &mut out, &mut scratch)
        .expect("the packed page is read here");
    assert_eq!(out, small_page);
    assert!(matches!(
        local.get(pool, &oid(1), large_at, &mut out, &mut scratch),
        Err(GetMiss::Remote { .. })
    ));
}

#[test]
fn packed_swap_pages_stay_local_and_zbud_pages_move() {
    // The small page comes first, so no zbud frame has room for it: it is packed.
    only_the_large_page_moves(SmallSwapPages::BesideOrPacked, true);
}

#[test]
fn in_ramster_mode_small_pages_never_ride_along_with_a_large_one() {
    // The large page's frame has room, but the small page is packed all the same.
    only_the_large_page_moves(SmallSwapPages::Packed, false);
}

#[test]
fn a_peer_packs_small_foreign_swap_pages() {
    let peer = store(4, true).with_small_swap_pages(SmallSwapPages::BesideOrPacked);
    let pool = PoolId(2);
    let zpages: Vec<[u8; 100]> = (0..100u8).map(|i| [i; 100]).collect();
    for (i, z) in (0u32..).zip(&zpages) {
        peer.put_compressed(pool, PoolKind::Persistent, &oid(1), i, z, Gfp::Kernel)
            .expect("room");
    }
    // A hundred 100-byte pages in 4 frames, where zbud would take 50.
    assert_eq!(peer.zpage_counts(), (0, 100));
    assert!(peer.frames().live() <= 4);
    let mut out = [0u8; COMPRESS_BOUND];
    for (i, z) in (0u32..).zip(&zpages) {
        let len = peer
            .get_compressed(pool, &oid(1), i, true, &mut out)
            .expect("kept");
        assert_eq!(out.get(..len), Some(&z[..]));
    }
    assert_eq!((peer.zpage_counts(), peer.frames().live()), ((0, 0), 0));
}

#[test]
fn destroying_every_pool_of_a_gone_client_frees_every_frame() {
    // A peer's store of one client, as the module keeps it: small pages packed, large ones in
    // zbud, swap and clean pages, several pools; more clean pages than fit (some are evicted).
    let peer = store(40, true).with_small_swap_pages(SmallSwapPages::BesideOrPacked);
    let (large, small) = ([0x5au8; 1700], [0xa5u8; 100]);
    for i in 0..30u32 {
        for (pool, kind, z) in [
            (PoolId(0), PoolKind::Persistent, &large[..]),
            (PoolId(1), PoolKind::Persistent, &small[..]),
            (PoolId(5), PoolKind::Ephemeral, &large[..]),
        ] {
            // A refusal past the limit is fine: only what is held matters.
            let _ = peer.put_compressed(pool, kind, &oid(u64::from(i % 3)), i, z, Gfp::Kernel);
        }
    }
    let (eph, pers) = peer.zpage_counts();
    assert!(eph > 0 && pers > 30, "held: {eph} clean, {pers} swap pages");
    assert!(peer.frames().live() > 0);
    assert_eq!(peer.destroy_all_pools() as u64, eph + pers);
    assert_eq!((peer.zpage_counts(), peer.frames().live()), ((0, 0), 0));
    // Nothing left to destroy.
    assert_eq!(peer.destroy_all_pools(), 0);
}

proptest! {
    /// Any mix of puts, remotifies, gets and flushes: every get returns the last page put at
    /// its key, or nothing if it was flushed or taken.
    #[test]
    fn remote_and_local_pages_stay_coherent(
        ops in proptest::collection::vec((0u8..5, 0u32..12, 0u64..1000), 1..120)
    ) {
        let local = store(16, true);
        let peer = store(64, true);
        let mut scratch = Box::new(Scratch::new());
        let pool = local.new_pool(PoolKind::Persistent, Gfp::Kernel).expect("pool");
        let mut model: [Option<u64>; 12] = [None; 12];
        for (op, i, seed) in ops {
            let slot = &mut model[i as usize];
            match op {
                0 | 1 => {
                    match local.put(pool, &oid(1), i, &page(seed), &mut scratch) {
                        Ok(()) => *slot = Some(seed),
                        Err(_) => *slot = None,
                    }
                }
                2 => { remotify_all(&local, &peer, PoolKind::Persistent); }
                3 => {
                    let got = remote_get(&local, &peer, pool, 1, i).ok();
                    prop_assert_eq!(got, slot.map(page));
                    *slot = None;
                }
                _ => {
                    local.flush_page(pool, &oid(1), i);
                    *slot = None;
                }
            }
        }
        // Flushes the peer was told about drop its stale copies.
        send_flushes(&local, &peer);
        for (i, slot) in (0u32..).zip(model) {
            prop_assert_eq!(remote_get(&local, &peer, pool, 1, i).ok(), slot.map(page));
        }
        prop_assert_eq!(peer.frames().live(), 0, "the peer holds nothing stale");
    }
}

#[test]
fn remote_pages_are_listed_for_self_shrink() {
    let local = store(64, true);
    let peer = store(64, true);
    let mut scratch = Box::new(Scratch::new());
    let pool = local
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    for i in 0..10u32 {
        local
            .put(pool, &oid(4), i, &page(u64::from(i)), &mut scratch)
            .expect("put");
    }
    // Nothing remote yet: nothing listed.
    let mut listed = Vec::new();
    local.for_each_remote_page(pool, 100, |o, i| listed.push((*o, i)));
    assert!(listed.is_empty());
    remotify_all(&local, &peer, PoolKind::Persistent);
    local.for_each_remote_page(pool, 100, |o, i| listed.push((*o, i)));
    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|(o, _)| *o == oid(4)));
    listed.clear();
    local.for_each_remote_page(pool, 3, |o, i| listed.push((*o, i)));
    assert_eq!(listed.len(), 3, "at most max");
}

#[test]
fn a_taken_remote_page_whose_fetch_failed_is_flushed_on_its_peer() {
    let local = store(64, true);
    let peer = store(64, true);
    let mut scratch = Box::new(Scratch::new());
    let pool = local
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    local
        .put(pool, &oid(1), 0, &page(1), &mut scratch)
        .expect("put");
    assert_eq!(remotify_all(&local, &peer, PoolKind::Persistent), 1);
    // The get takes the page out of the index; its fetch then fails (never reaches the peer).
    let mut out = Box::new([0u8; PAGE_SIZE]);
    let Err(GetMiss::Remote {
        page: remote,
        taken,
    }) = local.get(pool, &oid(1), 0, &mut out, &mut scratch)
    else {
        panic!("not a remote page");
    };
    assert!(taken);
    assert!(
        local.outbox().pop().is_none(),
        "nothing queued by the get itself"
    );
    assert_eq!(peer.frames().live(), 1, "the peer still keeps its copy");
    local.forget_remote_copy(pool, &oid(1), 0, remote);
    send_flushes(&local, &peer);
    assert_eq!(peer.frames().live(), 0, "the peer dropped its copy");
}

#[test]
fn a_peer_that_answers_with_another_page_or_altered_bytes_is_caught_by_the_tag() {
    let local = store(64, true);
    let peer = store(64, true);
    let pool = local
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    let mut scratch = Box::new(Scratch::new());
    for o in 0..4u64 {
        local
            .put(pool, &oid(o), 0, &page(o), &mut scratch)
            .expect("put");
    }
    assert_eq!(remotify_all(&local, &peer, PoolKind::Persistent), 4);
    // Page 1's compressed copy, as the peer holds it: a valid page, with a valid CRC on the wire.
    let mut other = [0u8; COMPRESS_BOUND];
    let other_len = peer
        .get_compressed(pool, &oid(1), 0, false, &mut other)
        .expect("page 1 on the peer");
    let answer_with = |bytes: &[u8]| {
        let bytes = bytes.to_vec();
        move |_: bool, z: &mut [u8; COMPRESS_BOUND]| {
            z[..bytes.len()].copy_from_slice(&bytes);
            Ok(bytes.len())
        }
    };
    // Another page's contents for page 0.
    let got = remote_get_answered(&local, pool, 0, 0, answer_with(&other[..other_len]));
    assert_eq!(got.err(), Some(GetMiss::Corrupt));
    // Page 1's own bytes, one byte altered.
    let mut altered = other;
    altered[other_len / 2] ^= 1;
    let got = remote_get_answered(&local, pool, 1, 0, answer_with(&altered[..other_len]));
    assert_eq!(got.err(), Some(GetMiss::Corrupt));
    // The honest answers still come back bit-exact.
    for o in 2..4u64 {
        let got = remote_get(&local, &peer, pool, o, 0).expect("honest get");
        assert_eq!(got[..], page(o)[..]);
    }
}
