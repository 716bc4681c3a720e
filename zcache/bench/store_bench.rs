// SPDX-License-Identifier: GPL-2.0

//! Host benchmark of the zcache store's swap path with 1, 2 and 4 threads, before and after the
//! zbud locks were sharded: the same workload on a store with one shard (one lock per kind of
//! zbud, as before) and on one with a shard per thread, in the same run. Not a test; it prints
//! ops/s and the ratio of each thread count to one thread. Run with `cargo bench --bench store`
//! (optionally followed by `-- <pages per thread>`).
//!
//! Each thread is a CPU swapping: its own scratch (its home shard, as each CPU's in the
//! module), frontswap keys on its own swap device, and the in-kernel benchmarks' pages
//! (`zcache/bench_pages.rs`: text, mixed and sparse in turn). A round puts every page of the
//! thread, then gets each back with an exclusive get (a swap-in), checking every byte. ops/s
//! counts puts and gets of all threads, from the first thread's start to the last one's end;
//! each figure is the best of seven runs, the two stores' runs interleaved (on a shared host the
//! best run is the one least disturbed by other work, for either store alike). Beside it, how
//! often a thread found the zbud or packed lock it took held by another thread (the host
//! facade counts it per thread), over all seven runs: the contention itself, which a loaded
//! host's timings can hide.

use ramster::os::{lock_vec_waits, Gfp, PAGE_SIZE};
use ramster::tmem::{PoolId, PoolKind};
use ramster::zcache::bench_pages::{fill_page, PageKind};
use ramster::zcache::frames::HeapFrames;
use ramster::zcache::store::{Scratch, SmallSwapPages, Store};
use ramster::zcache::swapkey::swap_key;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

const THREADS: [usize; 3] = [1, 2, 4];
const RUNS: usize = 7;
const ROUNDS: usize = 4;

type Page = Box<[u8; PAGE_SIZE]>;

/// The pages of thread `t`.
fn pages_of(t: usize, pages: usize) -> Vec<Page> {
    (0..pages)
        .map(|i| {
            let mut p = Box::new([0u8; PAGE_SIZE]);
            let kind = PageKind::ALL[i % PageKind::ALL.len()];
            fill_page(kind, (t * 1_000_003 + i) as u64, &mut p);
            p
        })
        .collect()
}

/// One thread's rounds of puts and exclusive gets; returns how many operations it made.
fn swap(store: &Store<HeapFrames>, pool: PoolId, t: usize, pages: &[Page]) -> u64 {
    let mut scratch = Box::new(Scratch::new());
    scratch.set_home(t);
    let mut out: Page = Box::new([0u8; PAGE_SIZE]);
    let mut ops = 0u64;
    for _ in 0..ROUNDS {
        for (offset, page) in (0u64..).zip(pages) {
            let Some((oid, index)) = swap_key(t as u32, offset) else {
                continue;
            };
            if store.put(pool, &oid, index, page, &mut scratch).is_ok() {
                ops += 1;
            }
        }
        for (offset, page) in (0u64..).zip(pages) {
            let Some((oid, index)) = swap_key(t as u32, offset) else {
                continue;
            };
            if store.get(pool, &oid, index, &mut out, &mut scratch).is_ok() {
                assert!(
                    out[..] == page[..],
                    "thread {t}: page {offset} came back changed"
                );
                ops += 1;
            }
        }
    }
    ops
}

/// One run's ops/s, and the shard locks its threads took and how many of those they waited for.
#[derive(Clone, Copy)]
struct Sample {
    rate: f64,
    taken: u64,
    waits: u64,
}

const FAILED: Sample = Sample {
    rate: f64::NAN,
    taken: 0,
    waits: 0,
};

/// One run: `threads` threads on a fresh store of `shards` shards.
fn run(shards: usize, threads: usize, pages: &[Vec<Page>]) -> Sample {
    let per_thread = pages.first().map_or(0, Vec::len);
    // Room for every page: the locks are measured, not eviction.
    let Ok(store) = Store::new_sharded(
        HeapFrames::new(threads * per_thread + 64),
        true,
        shards,
        Gfp::Kernel,
    ) else {
        return FAILED;
    };
    let store = store.with_small_swap_pages(SmallSwapPages::BesideOrPacked);
    let Ok(pool) = store.new_pool(PoolKind::Persistent, Gfp::Kernel) else {
        return FAILED;
    };
    let barrier = Barrier::new(threads);
    let results: Vec<(Instant, Instant, u64, (u64, u64))> = thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (store, barrier, mine) = (&store, &barrier, &pages[t]);
                s.spawn(move || {
                    barrier.wait();
                    let locks = lock_vec_waits();
                    let start = Instant::now();
                    let ops = swap(store, pool, t, mine);
                    let end = Instant::now();
                    let after = lock_vec_waits();
                    let locks = (after.0 - locks.0, after.1 - locks.1);
                    (start, end, ops, locks)
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    let start = results.iter().map(|r| r.0).min();
    let end = results.iter().map(|r| r.1).max();
    let ops: u64 = results.iter().map(|r| r.2).sum();
    if let Err(e) = store.audit() {
        eprintln!("store audit failed: {e:?}");
        return FAILED;
    }
    let rate = match (start, end) {
        (Some(s), Some(e)) => ops as f64 / (e - s).as_secs_f64(),
        _ => f64::NAN,
    };
    Sample {
        rate,
        taken: results.iter().map(|r| (r.3).0).sum(),
        waits: results.iter().map(|r| (r.3).1).sum(),
    }
}

/// The best rate of `v`, and the share of lock acquisitions that waited over all of `v`.
fn best(v: &[Sample]) -> (f64, f64) {
    let rate = v.iter().map(|s| s.rate).fold(f64::NAN, f64::max);
    let taken: u64 = v.iter().map(|s| s.taken).sum();
    let waits: u64 = v.iter().map(|s| s.waits).sum();
    (rate, waits as f64 / taken.max(1) as f64)
}

fn main() {
    let per_thread: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1536);
    let max_threads = THREADS.iter().copied().max().unwrap_or(1);
    let sharded = max_threads;
    let cpus = thread::available_parallelism().map_or(0, |n| n.get());
    let pages: Vec<Vec<Page>> = (0..max_threads).map(|t| pages_of(t, per_thread)).collect();
    println!(
        "zcache store, swap path: {per_thread} pages per thread (text, mixed, sparse), {ROUNDS} \
         rounds of puts and exclusive gets, best of {RUNS} runs; {cpus} CPUs on this host"
    );
    println!("BENCH-RESULT: store_host_cpus {cpus}");
    let configs = [("before", 1usize), ("after", sharded)];
    let mut rates = [[0f64; THREADS.len()]; 2];
    let mut waited = [[0f64; THREADS.len()]; 2];
    for (ti, &threads) in THREADS.iter().enumerate() {
        let mut samples = [Vec::new(), Vec::new()];
        for _ in 0..RUNS {
            for (ci, &(_, shards)) in configs.iter().enumerate() {
                samples[ci].push(run(shards, threads, &pages[..threads]));
            }
        }
        for (ci, s) in samples.iter().enumerate() {
            (rates[ci][ti], waited[ci][ti]) = best(s);
        }
    }
    for (ci, &(name, shards)) in configs.iter().enumerate() {
        for (ti, &threads) in THREADS.iter().enumerate() {
            let rate = rates[ci][ti];
            let ratio = rate / rates[ci][0];
            let waits = waited[ci][ti] * 1000.0;
            println!(
                "{name:<6} ({shards} shard{}): {threads} thread{}: {:>9.0} ops/s  {ratio:.2}x 1 \
                 thread  {waits:>6.2} shard-lock waits per 1000 taken",
                if shards == 1 { " " } else { "s" },
                if threads == 1 { " " } else { "s" },
                rate
            );
            println!("BENCH-RESULT: store_{name}_shards {shards}");
            println!("BENCH-RESULT: store_{name}_t{threads}_ops_per_s {rate:.0}");
            println!("BENCH-RESULT: store_{name}_t{threads}_waits_per_1000 {waits:.2}");
        }
    }
}
