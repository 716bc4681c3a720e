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
use std::ffi::{c_char, c_int, c_void};
use std::path::PathBuf;

use lz4_sys as _;
extern "C" {
    fn LZ4_sizeofState() -> c_int;
    fn LZ4_compress_fast_extState(
        state: *mut c_void,
        src: *const c_char,
        dst: *mut c_char,
        src_size: c_int,
        dst_capacity: c_int,
        acceleration: c_int,
    ) -> c_int;
}

/// C LZ4's compressed size of `page` (acceleration 1, a reused state).
fn c_lz4_size(state: &mut [u64], page: &[u8; PAGE_SIZE], out: &mut [u8; COMPRESS_BOUND]) -> usize {
    // SAFETY: `state` is LZ4_sizeofState() bytes, 8-byte aligned; `page` and `out` are valid for
    // the lengths given; the library writes at most `out.len()` bytes.
    let n = unsafe {
        LZ4_compress_fast_extState(
            state.as_mut_ptr().cast(),
            page.as_ptr().cast(),
            out.as_mut_ptr().cast(),
            PAGE_SIZE as c_int,
            COMPRESS_BOUND as c_int,
            1,
        )
    };
    usize::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .expect("C LZ4 compress failed")
}

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

fn main() {
    let dir: PathBuf = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .expect("usage: cargo bench --bench corpus -- DIR (python3 tools/bench/corpus.py)")
        .into();
    let data = std::fs::read(dir.join("corpus.pages")).expect("corpus.pages");
    let kinds = std::fs::read_to_string(dir.join("corpus.kinds")).expect("corpus.kinds");
    assert_eq!(data.len() % PAGE_SIZE, 0, "corpus.pages: not whole pages");
    // SAFETY: a pure function of the library's configuration.
    let state_bytes = usize::try_from(unsafe { LZ4_sizeofState() }).expect("state size");
    let mut state = vec![0u64; state_bytes.div_ceil(8)];
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
            s.c += c_lz4_size(&mut state, page, &mut out).min(PAGE_SIZE);
            if same_filled(page) {
                s.same += 1;
            } else {
                s.flex_nonsame += flex;
            }
        }
        println!("BENCH-RESULT: corpus_{kind}_pages {}", s.pages);
        println!(
            "BENCH-RESULT: corpus_{kind}_flex_ratio {:.3}",
            ratio(s.pages, s.flex)
        );
        println!(
            "BENCH-RESULT: corpus_{kind}_c_ratio {:.3}",
            ratio(s.pages, s.c)
        );
        total.pages += s.pages;
        total.same += s.same;
        total.flex += s.flex;
        total.c += s.c;
        total.flex_nonsame += s.flex_nonsame;
    }
    println!("BENCH-RESULT: corpus_all_pages {}", total.pages);
    println!("BENCH-RESULT: corpus_all_same_filled {}", total.same);
    println!(
        "BENCH-RESULT: corpus_all_flex_ratio {:.3}",
        ratio(total.pages, total.flex)
    );
    println!(
        "BENCH-RESULT: corpus_all_c_ratio {:.3}",
        ratio(total.pages, total.c)
    );
    println!(
        "BENCH-RESULT: corpus_all_flex_ratio_same_free {:.3}",
        ratio(total.pages, total.flex_nonsame)
    );
}
