// SPDX-License-Identifier: GPL-2.0

//! The test pages of the in-kernel benchmarks (`zcache/codec_bench` and
//! `ramster/remote_get_bench`): the same pages on every run, of three kinds that stand for what a
//! store holds.
//!
//! - [`PageKind::Text`]: space-separated words, as text in a file or a heap (about 2.1:1 with
//!   LZ4);
//! - [`PageKind::Mixed`]: half words, half random bytes (about 1.35:1);
//! - [`PageKind::Sparse`]: 64 random bytes then zeros, as `swapstress --sparse` (about 44:1).

use crate::os::PAGE_SIZE;

/// A kind of test page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// Words.
    Text,
    /// Half words, half random bytes.
    Mixed,
    /// 64 random bytes, then zeros.
    Sparse,
}

impl PageKind {
    /// Every kind, in the order the benchmarks report them.
    pub const ALL: [PageKind; 3] = [PageKind::Text, PageKind::Mixed, PageKind::Sparse];

    /// The kind's name in the benchmarks' output.
    pub fn name(self) -> &'static str {
        match self {
            PageKind::Text => "text",
            PageKind::Mixed => "mixed",
            PageKind::Sparse => "sparse",
        }
    }
}

/// xorshift64: the same pages from the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn fill_text(page: &mut [u8], rng: &mut Rng) {
    const WORDS: [&[u8]; 16] = [
        b"the",
        b"page",
        b"memory",
        b"swap",
        b"kernel",
        b"of",
        b"and",
        b"compressed",
        b"tmem",
        b"a",
        b"cluster",
        b"node",
        b"to",
        b"store",
        b"remote",
        b"is",
    ];
    let mut bytes = page.iter_mut();
    loop {
        let word = WORDS[(rng.next() % WORDS.len() as u64) as usize];
        for &b in word.iter().chain(b" ") {
            match bytes.next() {
                Some(slot) => *slot = b,
                None => return,
            }
        }
    }
}

fn fill_random(page: &mut [u8], rng: &mut Rng) {
    for b in page.iter_mut() {
        *b = rng.next() as u8;
    }
}

/// Writes the test page of `kind` made from `seed` into `page`.
pub fn fill_page(kind: PageKind, seed: u64, page: &mut [u8; PAGE_SIZE]) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_add(1));
    page.fill(0);
    match kind {
        PageKind::Text => fill_text(page, &mut rng),
        PageKind::Mixed => {
            let (head, tail) = page.split_at_mut(PAGE_SIZE / 2);
            fill_text(head, &mut rng);
            fill_random(tail, &mut rng);
        }
        PageKind::Sparse => fill_random(&mut page[..64], &mut rng),
    }
}
