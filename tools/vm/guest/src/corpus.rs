//! Page contents from a corpus of real pages (the swap benchmark's, tools/bench/corpus.py): which
//! corpus page goes into each page of a workload's memory. The corpus is cycled, each cycle in a
//! different shuffled order named by the seed, so that a writer and a later checker that share
//! the corpus and the seed agree on every page, and neighbouring pages differ in kind as in a
//! real heap. `load` reads the corpus into locked memory.

use crate::anon::{self, PAGE};
use std::io::{Read, Seek, SeekFrom};

/// The corpus page of each of `pages` pages, for a corpus of `corpus` pages and `seed`: cycle
/// `c` (pages `c * corpus ..`) is a permutation of `0..corpus` (Fisher-Yates, drawn from
/// SplitMix64 seeded with `seed` and `c`).
pub fn layout(corpus: usize, pages: usize, seed: u64) -> Vec<u32> {
    assert!(
        corpus > 0 && corpus <= u32::MAX as usize,
        "corpus of {corpus} pages"
    );
    let mut out = Vec::with_capacity(pages);
    let mut cycle = 0u64;
    while out.len() < pages {
        let mut order: Vec<u32> = (0..corpus as u32).collect();
        let mut state = seed ^ cycle.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for i in (1..corpus).rev() {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let j = (mix(state) % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let take = (pages - out.len()).min(corpus);
        out.extend_from_slice(&order[..take]);
        cycle += 1;
    }
    out
}

/// Reads the corpus FILE (whole pages; a file or a block device) straight into memory locked in
/// RAM (so the copy is never swapped and costs every configuration the same).
pub fn load(path: &str) -> Result<&'static [u8], String> {
    let fail = |e: std::io::Error| format!("cannot read {path}: {e}");
    let mut file = std::fs::File::open(path).map_err(fail)?;
    // A block device's size is where its end is (its metadata says 0).
    let len = file.seek(SeekFrom::End(0)).map_err(fail)? as usize;
    if len == 0 || !len.is_multiple_of(PAGE) {
        return Err(format!("{path}: {len} bytes, not whole pages"));
    }
    file.seek(SeekFrom::Start(0)).map_err(fail)?;
    let mem = anon::anonymous(len)?;
    file.read_exact(mem).map_err(fail)?;
    anon::lock(mem)?;
    Ok(mem)
}

/// The SplitMix64 output function.
fn mix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cycle_is_a_permutation() {
        let l = layout(100, 250, 7);
        assert_eq!(l.len(), 250);
        for cycle in l.chunks(100).take(2) {
            let mut sorted = cycle.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..100).collect::<Vec<u32>>());
        }
        assert!(l[200..].iter().all(|&i| i < 100));
    }

    #[test]
    fn shuffled_deterministic_and_named_by_the_seed() {
        assert_eq!(layout(64, 200, 3), layout(64, 200, 3));
        assert_ne!(layout(64, 200, 3), layout(64, 200, 4));
        let l = layout(64, 128, 3);
        assert_ne!(l[..64], l[64..], "cycles are shuffled differently");
        assert_ne!(l[..64].to_vec(), (0..64).collect::<Vec<u32>>());
    }

    #[test]
    fn a_one_page_corpus_and_an_empty_area() {
        assert_eq!(layout(1, 3, 9), vec![0, 0, 0]);
        assert!(layout(5, 0, 9).is_empty());
    }
}
