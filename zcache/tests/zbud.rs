// SPDX-License-Identifier: GPL-2.0

//! zbud placement and eviction: unit tests of the rules, then a property test that runs random
//! stores, frees and evictions (with injected allocation failures) against a model and audits
//! every invariant after each step.

extern crate std;

use super::data_for;
use crate::os::{fail_allocations_after, stop_failing_allocations, Gfp, PAGE_SIZE};
use crate::zcache::frames::HeapFrames;
use crate::zcache::zbud::{Zbud, ZbudError, ZbudHandle, ZbudKind, CHUNK_SIZE, NCHUNKS};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

type TestZbud = Zbud<HeapFrames, u32>;

fn store(z: &mut TestZbud, frames: &HeapFrames, tag: u32, size: usize) -> ZbudHandle {
    z.store(frames, &data_for(tag, size), tag, Gfp::NoWait)
        .expect("store")
}

fn read_back(z: &TestZbud, frames: &HeapFrames, h: ZbudHandle) -> Vec<u8> {
    let mut out = vec![0u8; PAGE_SIZE];
    let n = z.read(frames, h, &mut out).expect("read");
    out.truncate(n);
    out
}

#[test]
fn two_zpages_share_a_frame_at_its_two_ends() {
    let frames = HeapFrames::new(16);
    let mut z = TestZbud::new(ZbudKind::Ephemeral);
    let a = store(&mut z, &frames, 1, 1000);
    let b = store(&mut z, &frames, 2, 3000);
    assert_eq!((a.frame(), a.buddy()), (b.frame(), 0));
    assert_eq!(b.buddy(), 1);
    assert_eq!(frames.live(), 1);
    // 1000 + 3000 bytes is 16 + 47 chunks: a third zpage of any size needs a new frame.
    let c = store(&mut z, &frames, 3, 1);
    assert_ne!(c.frame(), a.frame());
    assert_eq!(read_back(&z, &frames, a), data_for(1, 1000));
    assert_eq!(read_back(&z, &frames, b), data_for(2, 3000));
    let s = z.stats();
    assert_eq!((s.zpages, s.zbytes, s.pageframes), (3, 4001, 2));
    assert_eq!((s.buddied_count, s.unbuddied_count), (1, 1));
    z.audit().expect("audit");
}

#[test]
fn a_new_zpage_goes_to_the_best_fitting_frame() {
    let frames = HeapFrames::new(16);
    let mut z = TestZbud::new(ZbudKind::Persistent);
    let roomy = store(&mut z, &frames, 1, 30 * CHUNK_SIZE); // 34 chunks free
    let tight = store(&mut z, &frames, 2, 50 * CHUNK_SIZE); // does not fit: 14 free
    assert_ne!(tight.frame(), roomy.frame());
    // Fits both: goes to the tighter frame, keeping the roomy one for a larger zpage.
    let small = store(&mut z, &frames, 3, 10 * CHUNK_SIZE);
    assert_eq!(small.frame(), tight.frame());
    let larger = store(&mut z, &frames, 4, 20 * CHUNK_SIZE);
    assert_eq!(larger.frame(), roomy.frame());
    assert_eq!(frames.live(), 2);
    z.audit().expect("audit");
}

#[test]
fn freeing_a_buddy_makes_room_and_the_last_gives_the_frame_back() {
    let frames = HeapFrames::new(16);
    let mut z = TestZbud::new(ZbudKind::Persistent);
    let a = store(&mut z, &frames, 1, 2000);
    let b = store(&mut z, &frames, 2, 2000);
    z.free(&frames, a).expect("free");
    assert_eq!(z.free(&frames, a), Err(ZbudError::BadHandle));
    let c = store(&mut z, &frames, 3, 2000);
    assert_eq!((c.frame(), c.buddy()), (a.frame(), 0));
    z.free(&frames, b).expect("free");
    z.free(&frames, c).expect("free");
    assert_eq!(frames.live(), 0);
    assert_eq!(z.stats().pageframes, 0);
    z.audit().expect("audit");
}

#[test]
fn eviction_takes_the_least_recently_used_ephemeral_frame() {
    let frames = HeapFrames::new(16);
    let mut z = TestZbud::new(ZbudKind::Ephemeral);
    let old = store(&mut z, &frames, 1, 3000);
    let newer = store(&mut z, &frames, 2, 3000);
    // Storing a buddy into the old frame makes it the most recently used.
    let buddy = store(&mut z, &frames, 3, 500);
    assert_eq!(buddy.frame(), old.frame());
    let victim = z.evict_lru().expect("victim");
    assert_eq!(victim.buddies, [Some((newer, 2)), None]);
    // The zombie frame still reads until its zpage is freed, then goes back.
    assert_eq!(read_back(&z, &frames, newer), data_for(2, 3000));
    assert_eq!(z.stats().zombie_count, 1);
    z.free(&frames, newer).expect("free");
    assert_eq!(frames.live(), 1);
    let victim = z.evict_lru().expect("victim");
    assert_eq!(victim.buddies, [Some((old, 1)), Some((buddy, 3))]);
    assert_eq!(z.evict_lru(), None);
    z.free(&frames, buddy).expect("free");
    z.audit().expect("audit");
    z.free(&frames, old).expect("free");
    assert_eq!(frames.live(), 0);
    let s = z.stats();
    assert_eq!((s.evicted_pageframes, s.zombie_count, s.zpages), (2, 0, 0));
    z.audit().expect("audit");
}

#[test]
fn persistent_frames_are_never_evicted() {
    let frames = HeapFrames::new(16);
    let mut z = TestZbud::new(ZbudKind::Persistent);
    store(&mut z, &frames, 1, 100);
    assert_eq!(z.evict_lru(), None);
}

#[test]
fn bad_sizes_and_small_buffers_are_errors() {
    let frames = HeapFrames::new(16);
    let mut z = TestZbud::new(ZbudKind::Persistent);
    assert_eq!(
        z.store(&frames, &[], 0, Gfp::NoWait),
        Err(ZbudError::BadSize)
    );
    let big = vec![1u8; PAGE_SIZE + 1];
    assert_eq!(
        z.store(&frames, &big, 0, Gfp::NoWait),
        Err(ZbudError::BadSize)
    );
    let full = store(&mut z, &frames, 1, PAGE_SIZE);
    assert_eq!(z.stats().unbuddied_count, 1);
    let mut small = [0u8; 10];
    assert_eq!(
        z.read(&frames, full, &mut small),
        Err(ZbudError::BufferTooSmall)
    );
    z.audit().expect("audit");
}

#[test]
fn a_full_frame_budget_or_failed_allocation_refuses_and_changes_nothing() {
    let frames = HeapFrames::new(1);
    let mut z = TestZbud::new(ZbudKind::Ephemeral);
    store(&mut z, &frames, 1, 3000);
    let before = z.stats();
    let refused = z.store(&frames, &data_for(2, 3000), 2, Gfp::NoWait);
    assert_eq!(refused, Err(ZbudError::NoFrame));
    assert_eq!((z.stats(), frames.live()), (before, 1));

    let frames = HeapFrames::new(8);
    let mut z = TestZbud::new(ZbudKind::Ephemeral);
    // The first frame needs a frame and a slab of records: fail the second allocation.
    fail_allocations_after(1);
    let refused = z.store(&frames, &data_for(2, 3000), 2, Gfp::NoWait);
    stop_failing_allocations();
    assert_eq!(refused, Err(ZbudError::NoMemory));
    assert_eq!((z.stats().zpages, frames.live()), (0, 0));
    z.audit().expect("audit");
}

#[derive(Clone, Debug)]
enum Op {
    Store { size: usize, fail_alloc: bool },
    Free { pick: usize },
    Evict,
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let size = prop_oneof![1usize..=64, 65usize..=2048, 2049usize..=PAGE_SIZE];
    prop_oneof![
        5 => (size, prop::bool::weighted(0.1))
            .prop_map(|(size, fail_alloc)| Op::Store { size, fail_alloc }),
        3 => any::<usize>().prop_map(|pick| Op::Free { pick }),
        1 => Just(Op::Evict),
    ]
}

/// The model of one stored zpage.
struct Stored {
    handle: ZbudHandle,
    tag: u32,
    size: usize,
}

fn check(
    z: &TestZbud,
    frames: &HeapFrames,
    live: &[Stored],
    lru: &[u32],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(z.audit(), Ok(()));
    let s = z.stats();
    prop_assert_eq!(s.zpages, live.len() as u64);
    prop_assert_eq!(s.zbytes, live.iter().map(|x| x.size as u64).sum::<u64>());
    prop_assert_eq!(s.pageframes, frames.live() as u64);
    let mut frame_ids: Vec<u32> = live.iter().map(|x| x.handle.frame()).collect();
    frame_ids.sort_unstable();
    frame_ids.dedup();
    prop_assert_eq!(s.pageframes, frame_ids.len() as u64);
    let walked: Vec<u32> = z
        .lru_frames()
        .map(|b| {
            b.iter()
                .flatten()
                .map(|h| h.frame())
                .next()
                .unwrap_or(u32::MAX)
        })
        .collect();
    prop_assert_eq!(walked, lru.to_vec());
    for x in live {
        prop_assert_eq!(read_back(z, frames, x.handle), data_for(x.tag, x.size));
        prop_assert_eq!(z.tag(x.handle), Ok(&x.tag));
    }
    // Buddies of one frame never overlap: chunks add up to at most a frame.
    for f in &frame_ids {
        let chunks: usize = live
            .iter()
            .filter(|x| x.handle.frame() == *f)
            .map(|x| x.size.div_ceil(CHUNK_SIZE))
            .sum();
        prop_assert!(chunks <= NCHUNKS);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn zbud_keeps_its_invariants_lru_order_and_data(
        ephemeral in any::<bool>(),
        ops in prop::collection::vec(op_strategy(), 1..150),
    ) {
        let kind = if ephemeral { ZbudKind::Ephemeral } else { ZbudKind::Persistent };
        let frames = HeapFrames::new(12);
        let mut z = TestZbud::new(kind);
        let mut live: Vec<Stored> = Vec::new();
        let mut lru: Vec<u32> = Vec::new();
        let mut next_tag = 0u32;
        for op in ops {
            match op {
                Op::Store { size, fail_alloc } => {
                    next_tag += 1;
                    let before = (z.stats(), frames.live());
                    if fail_alloc {
                        fail_allocations_after(0);
                    }
                    let result = z.store(&frames, &data_for(next_tag, size), next_tag, Gfp::NoWait);
                    stop_failing_allocations();
                    match result {
                        Ok(handle) => {
                            prop_assert!(live.iter().all(|x| x.handle != handle));
                            lru.retain(|f| *f != handle.frame());
                            lru.push(handle.frame());
                            live.push(Stored { handle, tag: next_tag, size });
                        }
                        Err(e) => {
                            prop_assert!(matches!(e, ZbudError::NoFrame | ZbudError::NoMemory));
                            prop_assert_eq!((z.stats(), frames.live()), before);
                        }
                    }
                }
                Op::Free { pick } => {
                    if live.is_empty() {
                        continue;
                    }
                    let x = live.swap_remove(pick % live.len());
                    prop_assert_eq!(z.free(&frames, x.handle), Ok(()));
                    prop_assert_eq!(z.free(&frames, x.handle), Err(ZbudError::BadHandle));
                    let frame = x.handle.frame();
                    if live.iter().all(|y| y.handle.frame() != frame) {
                        lru.retain(|f| *f != frame);
                    }
                }
                Op::Evict => {
                    let victim = z.evict_lru();
                    if kind == ZbudKind::Persistent || lru.is_empty() {
                        prop_assert_eq!(victim, None);
                        continue;
                    }
                    let Some(victim) = victim else {
                        return Err(TestCaseError::fail("no victim"));
                    };
                    let frame = lru.remove(0);
                    let mut expected: Vec<(ZbudHandle, u32)> = live
                        .iter()
                        .filter(|x| x.handle.frame() == frame)
                        .map(|x| (x.handle, x.tag))
                        .collect();
                    expected.sort_unstable();
                    let got: Vec<(ZbudHandle, u32)> = victim.buddies.iter().flatten().copied().collect();
                    prop_assert_eq!(got, expected);
                }
            }
            check(&z, &frames, &live, &lru)?;
        }
        for x in live.drain(..) {
            prop_assert_eq!(z.free(&frames, x.handle), Ok(()));
        }
        prop_assert_eq!(frames.live(), 0);
        prop_assert_eq!(z.audit(), Ok(()));
    }
}

#[test]
fn a_handle_names_its_shard_and_another_shard_refuses_it() {
    let frames = HeapFrames::new(4);
    let mut two: TestZbud = Zbud::for_shard(ZbudKind::Persistent, 2);
    let mut three: TestZbud = Zbud::for_shard(ZbudKind::Persistent, 3);
    let h2 = store(&mut two, &frames, 1, 900);
    let h3 = store(&mut three, &frames, 2, 900);
    assert_eq!((h2.shard(), h3.shard()), (2, 3));
    // The same record and buddy, but made by the other shard: refused, nothing changes.
    assert_eq!(h2.frame(), h3.frame());
    let mut out = vec![0u8; PAGE_SIZE];
    assert_eq!(three.read(&frames, h2, &mut out), Err(ZbudError::BadHandle));
    assert_eq!(three.free(&frames, h2), Err(ZbudError::BadHandle));
    assert_eq!(read_back(&three, &frames, h3), data_for(2, 900));
    two.free(&frames, h2).expect("free");
    three.free(&frames, h3).expect("free");
    assert_eq!(frames.live(), 0);
    two.audit().expect("audit");
    three.audit().expect("audit");
}
