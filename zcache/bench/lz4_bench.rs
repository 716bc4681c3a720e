// SPDX-License-Identifier: GPL-2.0

//! Host benchmark: lz4_flex against the C LZ4 library, natively, on the pages of the in-kernel
//! `zcache/codec_bench` ([`ramster::zcache::bench_pages`]). Not a test; it prints ns per page.
//! Run with `cargo bench --bench lz4` (optionally followed by `-- <rounds>`).
//!
//! The same calls as the store's: lz4_flex's `compress_into_with_table` with a reused table
//! and `decompress_into` ([`ramster::zcache::compress`]) against C LZ4's
//! `LZ4_compress_fast_extState` (acceleration 1, a reused state, as the kernel's
//! `LZ4_compress_fast` with its working memory) and `LZ4_decompress_safe`. C LZ4 is the library
//! the lz4-sys crate builds (1.10.0; the kernel's lib/lz4 is 1.8.3). Each round times
//! [`PAGES_PER_ROUND`] pages per codec, the codecs alternating; the median round is reported.
//! Every compressed page is checked to decompress to its page, outside the timed loops.

use ramster::os::PAGE_SIZE;
use ramster::zcache::bench_pages::{fill_page, PageKind};
use ramster::zcache::compress::{compress_page, decompress_page, CompressTable, COMPRESS_BOUND};
use std::hint::black_box;
use std::time::Instant;

#[path = "c_lz4.rs"]
mod c_lz4;
use c_lz4::CLz4;

/// Distinct pages per kind, as the in-kernel benchmark.
const PER_KIND: usize = 4;
/// Pages compressed (and decompressed) per codec in one round.
const PAGES_PER_ROUND: usize = 20_000;

/// One kind's pages, compressed by each codec.
struct Pages {
    pages: Vec<[u8; PAGE_SIZE]>,
    flex: Vec<Vec<u8>>,
    c: Vec<Vec<u8>>,
}

fn prepare(kind: PageKind, table: &mut CompressTable, c: &mut CLz4) -> Pages {
    let mut pages = vec![[0u8; PAGE_SIZE]; PER_KIND];
    let (mut flex, mut cz) = (Vec::new(), Vec::new());
    let mut out = [0u8; COMPRESS_BOUND];
    for (seed, page) in pages.iter_mut().enumerate() {
        fill_page(kind, seed as u64, page);
        let n = compress_page(page, &mut out, table).expect("lz4_flex compress");
        flex.push(out[..n].to_vec());
        let n = c.compress(page, &mut out);
        cz.push(out[..n].to_vec());
        // Each codec's output decompresses to the page, with either codec.
        let mut back = [0u8; PAGE_SIZE];
        for z in [flex.last().unwrap(), cz.last().unwrap()] {
            decompress_page(z, &mut back).expect("lz4_flex decompress");
            assert!(back == *page, "lz4_flex decompressed another page");
            assert_eq!(CLz4::decompress(z, &mut back), PAGE_SIZE);
            assert!(back == *page, "C LZ4 decompressed another page");
        }
    }
    Pages { pages, flex, c: cz }
}

/// Nanoseconds per page of `op` over one round.
fn time_round(mut op: impl FnMut(usize)) -> f64 {
    let start = Instant::now();
    for i in 0..PAGES_PER_ROUND {
        op(i % PER_KIND);
    }
    start.elapsed().as_nanos() as f64 / PAGES_PER_ROUND as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or(15, |a| a.parse().expect("rounds: a number"));
    let version = c_lz4::version();
    println!(
        "lz4 native: lz4_flex vs C LZ4 {} on this host, {PAGES_PER_ROUND} pages per codec per \
         round, median of {rounds} rounds",
        version
    );
    // The lines `make bench` reads, in the shape of the kernel's zcache/codec_bench.
    println!("BENCH-CODEC: pages_per_kind {PER_KIND}");
    let mut table = Box::new(CompressTable::small());
    let mut c = CLz4::new();
    let mut out = [0u8; COMPRESS_BOUND];
    let mut back = [0u8; PAGE_SIZE];
    let mut totals = [0.0f64; 4];
    for kind in PageKind::ALL {
        let p = prepare(kind, &mut table, &mut c);
        let mut samples: [Vec<f64>; 4] = Default::default();
        for _ in 0..rounds {
            samples[0].push(time_round(|i| {
                black_box(compress_page(&p.pages[i], &mut out, &mut table).ok());
            }));
            samples[1].push(time_round(|i| {
                black_box(c.compress(&p.pages[i], &mut out));
            }));
            samples[2].push(time_round(|i| {
                black_box(decompress_page(&p.flex[i], &mut back).ok());
            }));
            samples[3].push(time_round(|i| {
                black_box(CLz4::decompress(&p.c[i], &mut back));
            }));
        }
        let ns: Vec<f64> = samples.into_iter().map(median).collect();
        for (total, n) in totals.iter_mut().zip(&ns) {
            *total += n;
        }
        let size = |z: &[Vec<u8>]| z.iter().map(Vec::len).sum::<usize>() / PER_KIND;
        print_codec(kind.name(), "lz4_flex", ns[0], ns[2], Some(size(&p.flex)));
        print_codec(kind.name(), "lz4-c", ns[1], ns[3], Some(size(&p.c)));
    }
    let kinds = PageKind::ALL.len() as f64;
    print_codec(
        "all",
        "lz4_flex",
        totals[0] / kinds,
        totals[2] / kinds,
        None,
    );
    print_codec("all", "lz4-c", totals[1] / kinds, totals[3] / kinds, None);
}

/// One result line: mean ns per page compressing and decompressing, and the compressed size.
fn print_codec(
    kind: &str,
    codec: &str,
    compress_ns: f64,
    decompress_ns: f64,
    bytes: Option<usize>,
) {
    let bytes = bytes.map_or(String::new(), |b| format!(" zbytes_per_page {b}"));
    println!(
        "BENCH-CODEC: {kind} {codec} compress_ns {:.0} decompress_ns {:.0}{bytes}",
        compress_ns, decompress_ns
    );
}
