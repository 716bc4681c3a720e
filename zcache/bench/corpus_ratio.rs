// SPDX-License-Identifier: GPL-2.0

//! Host tool: the compression ratio of the swap benchmark's page corpus (tools/bench/corpus.py),
//! page by page as a store compresses it, with lz4_flex ([`ramster::zcache::compress`], the
//! store's call) and with the C LZ4 library (lz4-sys, as `cargo bench --bench lz4`). Not a
//! timing: it prints sizes. Run with `cargo bench --bench corpus -- DIR`, DIR holding
//! `corpus.pages` and `corpus.kinds` (`python3 tools/bench/corpus.py` prints it).
//!
//! A page's stored size is its compressed size, at most a page (stores keep an incompressible
//! page whole); every page is checked to decompress to itself. Two overall ratios are printed:
//! every page compressed, and same-filled pages stored as nothing (as zswap, zram and zcache
//! keep them).

use ramster::os::PAGE_SIZE;
use ramster::zcache::compress::{compress_page, decompress_page, CompressTable, COMPRESS_BOUND};
use std::path::PathBuf;

// The C library's decompression is not needed here: only sizes are compared.
#[allow(dead_code)]
#[path = "c_lz4.rs"]
mod c_lz4;
use c_lz4::CLz4;

/// Whether `page` is one 8-byte word repeated.
fn same_filled(page: &[u8]) -> bool {
    page.chunks_exact(8).all(|w| w == &page[..8])
}

#[derive(Default)]
struct Sizes {
    pages: usize,
    same: usize,
    flex: usize,
    c: usize,
    flex_nonsame: usize,
}

fn ratio(pages: usize, bytes: usize) -> f64 {
    (pages * PAGE_SIZE) as f64 / bytes.max(1) as f64
}

/// `name`'s page count and its two ratios, as `BENCH-RESULT` lines.
fn print_sizes(name: &str, s: &Sizes) {
    println!("BENCH-RESULT: corpus_{name}_pages {}", s.pages);
    println!(
        "BENCH-RESULT: corpus_{name}_flex_ratio {:.3}",
        ratio(s.pages, s.flex)
    );
    println!(
        "BENCH-RESULT: corpus_{name}_c_ratio {:.3}",
        ratio(s.pages, s.c)
    );
}

fn main() {
    let dir: PathBuf = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .expect("usage: cargo bench --bench corpus -- DIR (python3 tools/bench/corpus.py)")
        .into();
    let data = std::fs::read(dir.join("corpus.pages")).expect("corpus.pages");
    let kinds = std::fs::read_to_string(dir.join("corpus.kinds")).expect("corpus.kinds");
    assert_eq!(data.len() % PAGE_SIZE, 0, "corpus.pages: not whole pages");
    let mut c_lz4 = CLz4::new();
    let mut table = Box::new(CompressTable::small());
    let mut out = Box::new([0u8; COMPRESS_BOUND]);
    let mut back = Box::new([0u8; PAGE_SIZE]);
    let mut total = Sizes::default();
    println!(
        "corpus: {} pages in {}",
        data.len() / PAGE_SIZE,
        dir.display()
    );
    for line in kinds.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let [kind, first, count] = w[..] else {
            panic!("corpus.kinds: bad line {line:?}");
        };
        let (first, count): (usize, usize) = (first.parse().unwrap(), count.parse().unwrap());
        let mut s = Sizes::default();
        for i in first..first + count {
            let page: &[u8; PAGE_SIZE] = data[i * PAGE_SIZE..(i + 1) * PAGE_SIZE]
                .try_into()
                .expect("a page");
            let n = compress_page(page, &mut out, &mut table).expect("lz4_flex compress");
            decompress_page(&out[..n], &mut back).expect("lz4_flex decompress");
            assert!(*back == *page, "page {i} decompressed to another page");
            let flex = n.min(PAGE_SIZE);
            s.pages += 1;
            s.flex += flex;
            s.c += c_lz4.compress(page, &mut out).min(PAGE_SIZE);
            if same_filled(page) {
                s.same += 1;
            } else {
                s.flex_nonsame += flex;
            }
        }
        print_sizes(kind, &s);
        total.pages += s.pages;
        total.same += s.same;
        total.flex += s.flex;
        total.c += s.c;
        total.flex_nonsame += s.flex_nonsame;
    }
    print_sizes("all", &total);
    println!("BENCH-RESULT: corpus_all_same_filled {}", total.same);
    println!(
        "BENCH-RESULT: corpus_all_flex_ratio_same_free {:.3}",
        ratio(total.pages, total.flex_nonsame)
    );
}
