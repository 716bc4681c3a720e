// SPDX-License-Identifier: GPL-2.0

//! Host microbenchmark of the tmem index: put, get and flush rates, on one thread and on all
//! threads at once. Not a test; it prints ops/s. Run with `cargo bench --bench tmem`
//! (optionally followed by `-- <pages per thread>`).
//!
//! Keys follow the frontswap mapping (oid from the low 8 bits of a swap offset, index from the
//! rest), so the pages spread over 256 objects and, by hash, over the pool's buckets. The
//! descriptor is a `u64`, as a zbud handle is; the store itself is not measured.

use ramster::os::Gfp;
use ramster::tmem::{Client, ClientId, GetMode, Got, Oid, PageIndex, Pool, PoolKind};
use std::hint::black_box;
use std::thread;
use std::time::Instant;

/// The frontswap key of swap `offset` on swap device `swap_type`.
fn swap_key(swap_type: u64, offset: u64) -> (Oid, PageIndex) {
    let oid = Oid([(swap_type << 8) | (offset & 0xff), 0, 0]);
    (oid, (offset >> 8) as PageIndex)
}

fn rate(ops: u64, start: Instant, end: Instant) -> String {
    let secs = (end - start).as_secs_f64();
    format!("{:>8.2} M ops/s", ops as f64 / secs / 1e6)
}

/// Puts, gets (kept), gets (taken), in that order, of `pages` pages of swap device `t`.
fn run(pool: &Pool<u64>, t: u64, pages: u64) -> [Instant; 4] {
    let mut marks = [Instant::now(); 4];
    for offset in 0..pages {
        let (oid, index) = swap_key(t, offset);
        let _ = black_box(pool.put(&oid, index, offset, Gfp::NoWait));
    }
    marks[1] = Instant::now();
    for offset in 0..pages {
        let (oid, index) = swap_key(t, offset);
        black_box(pool.get(&oid, index, GetMode::Keep, |d| *d));
    }
    marks[2] = Instant::now();
    for offset in 0..pages {
        let (oid, index) = swap_key(t, offset);
        if let Some(Got::Taken(d)) = pool.get(&oid, index, GetMode::Take, |d| *d) {
            black_box(d);
        }
    }
    marks[3] = Instant::now();
    marks
}

fn main() {
    let pages: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1 << 20);
    let threads = thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let client: Client<u64> = Client::new(ClientId::LOCAL);
    let Ok(id) = client.new_pool(PoolKind::Persistent, Gfp::Kernel) else {
        eprintln!("cannot create a pool");
        return;
    };
    let Some(pool) = client.pool(id) else {
        return;
    };

    println!("tmem index, {pages} pages per thread, u64 descriptors");
    let m = run(pool, 0, pages);
    for (phase, name) in ["put", "get", "get+take"].iter().enumerate() {
        println!(
            "1 thread  : {name:<9}{}",
            rate(pages, m[phase], m[phase + 1])
        );
    }

    let all = thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| s.spawn(move || run(pool, t, pages)))
            .collect();
        workers
            .into_iter()
            .filter_map(|w| w.join().ok())
            .collect::<Vec<_>>()
    });
    // Each phase: from the first thread's start to the last thread's end.
    let span = |phase: usize| {
        let start = all.iter().map(|m| m[phase]).min();
        let end = all.iter().map(|m| m[phase + 1]).max();
        match (start, end) {
            (Some(s), Some(e)) => (e - s).as_secs_f64(),
            _ => f64::NAN,
        }
    };
    let total = (pages * threads) as f64;
    for (phase, name) in ["put", "get", "get+take"].iter().enumerate() {
        println!(
            "{threads} threads : {name:<9}{:>8.2} M ops/s",
            total / span(phase) / 1e6
        );
    }
    client.destroy_pool(id, |d| {
        black_box(d);
    });
}
