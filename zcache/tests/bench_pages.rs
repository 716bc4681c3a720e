// SPDX-License-Identifier: GPL-2.0

//! Tests of the benchmarks' test pages.

extern crate std;

use crate::os::PAGE_SIZE;
use crate::zcache::bench_pages::{fill_page, PageKind};
use crate::zcache::compress::{compress_page, CompressTable, COMPRESS_BOUND};
use std::boxed::Box;

fn page(kind: PageKind, seed: u64) -> Box<[u8; PAGE_SIZE]> {
    let mut page = Box::new([0xffu8; PAGE_SIZE]);
    fill_page(kind, seed, &mut page);
    page
}

fn compressed_size(page: &[u8; PAGE_SIZE]) -> usize {
    let mut out = Box::new([0u8; COMPRESS_BOUND]);
    let mut table = Box::new(CompressTable::small());
    compress_page(page, &mut out, &mut table).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_page_and_another_seed_another() {
    for kind in PageKind::ALL {
        assert_eq!(page(kind, 7), page(kind, 7));
        assert_ne!(page(kind, 7), page(kind, 8));
    }
}

#[test]
fn kinds_compress_as_their_documentation_says() {
    let text = compressed_size(&page(PageKind::Text, 1));
    let mixed = compressed_size(&page(PageKind::Mixed, 1));
    let sparse = compressed_size(&page(PageKind::Sparse, 1));
    assert!(text < PAGE_SIZE / 2, "text: {text}");
    assert!(
        text < mixed && mixed < PAGE_SIZE,
        "text {text}, mixed {mixed}"
    );
    assert!(sparse < 128, "sparse: {sparse}");
}

#[test]
fn a_sparse_page_is_zero_after_64_bytes_and_text_has_no_zero() {
    let sparse = page(PageKind::Sparse, 3);
    assert!(sparse[64..].iter().all(|&b| b == 0));
    assert!(sparse[..64].iter().any(|&b| b != 0));
    assert!(page(PageKind::Text, 3).iter().all(|&b| b != 0));
}
