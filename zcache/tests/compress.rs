// SPDX-License-Identifier: GPL-2.0

//! Compression round trips (random, zero, repetitive, incompressible pages), the size bound, and
//! truncated or corrupted stored pages failing cleanly; plus the policy and zero detection.

extern crate std;

use crate::os::PAGE_SIZE;
use crate::zcache::compress::{
    compress_page, decompress_page, CompressTable, CorruptPage, COMPRESS_BOUND,
};
use crate::zcache::policy::{judge, Verdict, MAX_MEAN_ZSIZE, MAX_ZSIZE};
use crate::zcache::zero::is_zero_filled;
use proptest::prelude::*;
use std::boxed::Box;

fn table() -> Box<CompressTable> {
    Box::new(CompressTable::small())
}

fn page_from(bytes: &[u8]) -> Box<[u8; PAGE_SIZE]> {
    let mut page = Box::new([0u8; PAGE_SIZE]);
    for (dst, src) in page.iter_mut().zip(bytes.iter().cycle()) {
        *dst = *src;
    }
    page
}

fn out_buffer() -> Box<[u8; COMPRESS_BOUND]> {
    Box::new([0u8; COMPRESS_BOUND])
}

fn round_trip(page: &[u8; PAGE_SIZE]) -> Result<usize, TestCaseError> {
    let mut z = out_buffer();
    let n =
        compress_page(page, &mut z, &mut table()).map_err(|_| TestCaseError::fail("no room"))?;
    let mut back = Box::new([0xaau8; PAGE_SIZE]);
    prop_assert_eq!(decompress_page(&z[..n], &mut back), Ok(()));
    prop_assert_eq!(&back[..], &page[..]);
    Ok(n)
}

#[test]
fn a_zero_page_compresses_tiny_and_is_detected() {
    let page = Box::new([0u8; PAGE_SIZE]);
    assert!(is_zero_filled(&page[..]));
    let n = round_trip(&page).expect("round trip");
    assert!(n < 64, "{n}");
    let mut one = page.clone();
    one[PAGE_SIZE - 1] = 1;
    assert!(!is_zero_filled(&one[..]));
    one[PAGE_SIZE - 1] = 0;
    one[0] = 0x80;
    assert!(!is_zero_filled(&one[..]));
}

#[test]
fn an_incompressible_page_does_not_fit_the_policy_bound() {
    // A xorshift stream: no repetition for lz4 to find.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut page = Box::new([0u8; PAGE_SIZE]);
    for b in page.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let n = round_trip(&page).expect("round trip");
    assert!(n > PAGE_SIZE, "{n}");
    assert_eq!(judge(n, 0, 0), Verdict::CompressPoor);
}

#[test]
fn truncated_and_corrupt_zpages_fail_cleanly() {
    let page = page_from(b"tmem stores pages; zcache compresses them. ");
    let mut z = out_buffer();
    let n = compress_page(&page, &mut z, &mut table()).expect("compress");
    let mut out = Box::new([0u8; PAGE_SIZE]);
    for cut in 0..n {
        assert_eq!(
            decompress_page(&z[..cut], &mut out),
            Err(CorruptPage),
            "cut {cut}"
        );
    }
    // Trailing garbage makes a longer output or an error, never a silent short page.
    let mut longer = z[..n].to_vec();
    longer.extend_from_slice(&[0x10, 0x41]);
    assert_eq!(decompress_page(&longer, &mut out), Err(CorruptPage));
}

#[test]
fn the_policy_refuses_poor_pages_and_poor_means() {
    assert_eq!(judge(MAX_ZSIZE, 0, 0), Verdict::Accept);
    assert_eq!(judge(MAX_ZSIZE + 1, 0, 0), Verdict::CompressPoor);
    let poor_mean = (MAX_MEAN_ZSIZE as u64 + 1) * 10;
    assert_eq!(
        judge(MAX_MEAN_ZSIZE + 1, 10, poor_mean),
        Verdict::MeanCompressPoor
    );
    assert_eq!(judge(MAX_MEAN_ZSIZE, 10, poor_mean), Verdict::Accept);
    assert_eq!(judge(MAX_MEAN_ZSIZE + 1, 10, 10 * 1000), Verdict::Accept);
    assert_eq!(judge(MAX_MEAN_ZSIZE + 1, 0, 0), Verdict::Accept);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_pages_round_trip(bytes in prop::collection::vec(any::<u8>(), 1..PAGE_SIZE)) {
        round_trip(&page_from(&bytes))?;
    }

    #[test]
    fn repetitive_pages_round_trip_and_compress(
        pattern in prop::collection::vec(any::<u8>(), 1..64)
    ) {
        let n = round_trip(&page_from(&pattern))?;
        prop_assert!(n < PAGE_SIZE / 4);
    }

    #[test]
    fn arbitrary_zpages_never_panic(zpage in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut out = Box::new([0u8; PAGE_SIZE]);
        // Either a whole page or an error; the point is that it returns.
        let _ = decompress_page(&zpage, &mut out);
    }

    #[test]
    fn corrupted_zpages_decode_to_a_page_or_fail(
        pattern in prop::collection::vec(any::<u8>(), 1..200),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let page = page_from(&pattern);
        let mut z = out_buffer();
        let n = compress_page(&page, &mut z, &mut table())
            .map_err(|_| TestCaseError::fail("compress"))?;
        let z = &mut z[..n];
        for (at, x) in flips {
            let i = at % z.len();
            z[i] ^= x;
        }
        let mut out = Box::new([0u8; PAGE_SIZE]);
        let _ = decompress_page(z, &mut out);
    }
}
