// SPDX-License-Identifier: GPL-2.0

//! Packed frames: unit tests of the size classes and frame reuse, then a property test that runs
//! random stores and frees (with injected allocation failures and a small frame budget) against
//! a model, reading every stored zpage back and auditing every invariant after each step.

extern crate std;

use super::data_for;
use crate::os::{fail_allocations_after, stop_failing_allocations, Gfp, PAGE_SIZE};
use crate::zcache::frames::HeapFrames;
use crate::zcache::packed::{Packed, PackedError, PackedHandle, MAX_PACKED_SIZE};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

type TestPacked = Packed<HeapFrames>;

fn store(p: &mut TestPacked, frames: &HeapFrames, tag: u32, size: usize) -> PackedHandle {
    p.store(frames, &data_for(tag, size), Gfp::NoWait)
        .expect("store")
}

fn read_back(p: &TestPacked, frames: &HeapFrames, h: PackedHandle) -> Vec<u8> {
    let mut out = vec![0u8; PAGE_SIZE];
    let n = p.read(frames, h, &mut out).expect("read");
    out.truncate(n);
    out
}

#[test]
fn small_zpages_share_a_frame_by_size_class() {
    let frames = HeapFrames::new(16);
    let mut p = TestPacked::new();
    // 100 bytes is a 128-byte slot: 32 per frame, where zbud keeps two.
    let hundreds: Vec<PackedHandle> = (0..32).map(|t| store(&mut p, &frames, t, 100)).collect();
    assert_eq!(frames.live(), 1);
    // 60 bytes is another class (64-byte slots): a frame of its own.
    let small = store(&mut p, &frames, 100, 60);
    assert_eq!(frames.live(), 2);
    // The 33rd 100-byte zpage needs a new frame.
    let extra = store(&mut p, &frames, 101, 100);
    assert_eq!(frames.live(), 3);
    for (t, h) in hundreds.iter().enumerate() {
        assert_eq!(read_back(&p, &frames, *h), data_for(t as u32, 100));
    }
    assert_eq!(read_back(&p, &frames, small), data_for(100, 60));
    assert_eq!(read_back(&p, &frames, extra), data_for(101, 100));
    let s = p.stats();
    assert_eq!((s.zpages, s.zbytes, s.pageframes), (34, 3360, 3));
    p.audit().expect("audit");
}

#[test]
fn a_freed_slot_is_reused_and_an_empty_frame_given_back() {
    let frames = HeapFrames::new(16);
    let mut p = TestPacked::new();
    let handles: Vec<PackedHandle> = (0..16).map(|t| store(&mut p, &frames, t, 250)).collect();
    assert_eq!(frames.live(), 1);
    p.free(&frames, handles[5]).expect("free");
    assert_eq!(p.free(&frames, handles[5]), Err(PackedError::BadHandle));
    // The full frame has a free slot again: no new frame.
    let again = store(&mut p, &frames, 99, 240);
    assert_eq!(frames.live(), 1);
    assert_eq!(read_back(&p, &frames, again), data_for(99, 240));
    p.free(&frames, again).expect("free");
    for (i, h) in handles.iter().enumerate() {
        if i != 5 {
            p.free(&frames, *h).expect("free");
        }
    }
    assert_eq!((frames.live(), p.stats()), (0, Default::default()));
    p.audit().expect("audit");
}

#[test]
fn bad_sizes_bad_handles_and_small_buffers_are_errors() {
    let frames = HeapFrames::new(4);
    let mut p = TestPacked::new();
    assert_eq!(
        p.store(&frames, &[], Gfp::NoWait),
        Err(PackedError::BadSize)
    );
    let big = data_for(1, MAX_PACKED_SIZE + 1);
    assert_eq!(
        p.store(&frames, &big, Gfp::NoWait),
        Err(PackedError::BadSize)
    );
    let h = store(&mut p, &frames, 1, MAX_PACKED_SIZE);
    let mut short = [0u8; 10];
    assert_eq!(
        p.read(&frames, h, &mut short),
        Err(PackedError::BufferTooSmall)
    );
    // A handle of another size class, or of a freed zpage, names nothing.
    let other = store(&mut p, &frames, 2, 64);
    p.free(&frames, other).expect("free");
    assert_eq!(p.free(&frames, other), Err(PackedError::BadHandle));
    assert_eq!(
        p.read(&frames, other, &mut [0u8; PAGE_SIZE]),
        Err(PackedError::BadHandle)
    );
    assert_eq!(read_back(&p, &frames, h), data_for(1, MAX_PACKED_SIZE));
    p.audit().expect("audit");
}

#[test]
fn a_full_budget_or_failed_allocation_refuses_and_changes_nothing() {
    let frames = HeapFrames::new(1);
    let mut p = TestPacked::new();
    store(&mut p, &frames, 1, 500);
    let before = p.stats();
    // Another class needs another frame, and the budget is one.
    assert_eq!(
        p.store(&frames, &data_for(2, 100), Gfp::NoWait),
        Err(PackedError::NoFrame)
    );
    assert_eq!((p.stats(), frames.live()), (before, 1));
    p.audit().expect("audit");

    let frames = HeapFrames::new(8);
    let mut p = TestPacked::new();
    // The first store needs a slab of records: fail it.
    fail_allocations_after(0);
    let refused = p.store(&frames, &data_for(2, 300), Gfp::NoWait);
    stop_failing_allocations();
    assert_eq!(refused, Err(PackedError::NoMemory));
    assert_eq!((p.stats().zpages, frames.live()), (0, 0));
    p.audit().expect("audit");
}

#[derive(Clone, Debug)]
enum Op {
    Store { size: usize, fail_alloc: bool },
    Free { pick: usize },
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let size = prop_oneof![1usize..=64, 65usize..=200, 201usize..=MAX_PACKED_SIZE];
    prop_oneof![
        3 => (size, prop::bool::weighted(0.1))
            .prop_map(|(size, fail_alloc)| Op::Store { size, fail_alloc }),
        2 => any::<usize>().prop_map(|pick| Op::Free { pick }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn packed_keeps_its_invariants_and_data(
        ops in prop::collection::vec(op_strategy(), 1..300),
    ) {
        let frames = HeapFrames::new(6);
        let mut p = TestPacked::new();
        let mut live: Vec<(PackedHandle, u32, usize)> = Vec::new();
        let mut next_tag = 0u32;
        for op in ops {
            match op {
                Op::Store { size, fail_alloc } => {
                    next_tag += 1;
                    let before = (p.stats(), frames.live());
                    if fail_alloc {
                        fail_allocations_after(0);
                    }
                    let result = p.store(&frames, &data_for(next_tag, size), Gfp::NoWait);
                    stop_failing_allocations();
                    match result {
                        Ok(h) => {
                            prop_assert!(live.iter().all(|x| x.0 != h));
                            live.push((h, next_tag, size));
                        }
                        Err(e) => {
                            prop_assert!(matches!(e, PackedError::NoFrame | PackedError::NoMemory));
                            prop_assert_eq!((p.stats(), frames.live()), before);
                        }
                    }
                }
                Op::Free { pick } => {
                    if live.is_empty() {
                        continue;
                    }
                    let (h, _, _) = live.swap_remove(pick % live.len());
                    prop_assert_eq!(p.free(&frames, h), Ok(()));
                    prop_assert_eq!(p.free(&frames, h), Err(PackedError::BadHandle));
                }
            }
            prop_assert_eq!(p.audit(), Ok(()));
            let s = p.stats();
            prop_assert_eq!(s.zpages, live.len() as u64);
            prop_assert_eq!(s.zbytes, live.iter().map(|x| x.2 as u64).sum::<u64>());
            prop_assert_eq!(s.pageframes, frames.live() as u64);
            // Every zpage reads back as stored: no two slots overlap.
            for (h, tag, size) in &live {
                prop_assert_eq!(read_back(&p, &frames, *h), data_for(*tag, *size));
            }
        }
        for (h, _, _) in live.drain(..) {
            prop_assert_eq!(p.free(&frames, h), Ok(()));
        }
        prop_assert_eq!(frames.live(), 0);
        prop_assert_eq!(p.audit(), Ok(()));
    }
}

#[test]
fn a_handle_names_its_shard_and_another_shard_refuses_it() {
    let frames = HeapFrames::new(4);
    let mut one = TestPacked::for_shard(1);
    let mut five = TestPacked::for_shard(5);
    let h1 = store(&mut one, &frames, 1, 100);
    let h5 = store(&mut five, &frames, 2, 100);
    assert_eq!((h1.shard(), h5.shard()), (1, 5));
    let mut out = vec![0u8; PAGE_SIZE];
    assert_eq!(
        five.read(&frames, h1, &mut out),
        Err(PackedError::BadHandle)
    );
    assert_eq!(five.free(&frames, h1), Err(PackedError::BadHandle));
    assert_eq!(read_back(&five, &frames, h5), data_for(2, 100));
    one.free(&frames, h1).expect("free");
    five.free(&frames, h5).expect("free");
    assert_eq!(frames.live(), 0);
    one.audit().expect("audit");
    five.audit().expect("audit");
}
