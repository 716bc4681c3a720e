//! What `fsx` expects: a seeded random number generator, the data its writes put in files, and
//! the expected contents of a file after each operation.

use crate::pattern;

/// SplitMix64: small, fast, and the same sequence for a seed on every machine.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, n)` (`n` > 0; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// An I/O length in `[1, max]` (`max` > 0): small, medium and large equally often, so that
    /// partial pages, single pages and long multi-page runs all occur.
    pub fn len(&mut self, max: u64) -> u64 {
        let cap = match self.below(3) {
            0 => 512,
            1 => 16 << 10,
            _ => max,
        };
        1 + self.below(cap.min(max))
    }
}

/// The bytes a write puts in a file. They depend on the file offset, so data that lands at the
/// wrong place (or a page that comes back from the wrong index) does not match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// The pattern stream of this seed: incompressible (a compressed store refuses such pages).
    Random(u64),
    /// The stream in the first [`SPARSE`] bytes of every 4 KiB of the file, and the byte
    /// `seed as u8 | 1` elsewhere: compresses to about a quarter and is never zero.
    Sparse(u64),
    /// One byte everywhere (zero-page and same-filled page handling).
    Byte(u8),
}

/// Bytes of each 4 KiB that carry the stream in [`Fill::Sparse`].
pub const SPARSE: u64 = 1024;

impl Fill {
    /// Mostly compressible data: random 1 in 5, sparse 3 in 5, one byte 1 in 5.
    pub fn choose(rng: &mut Rng) -> Fill {
        let seed = rng.next_u64();
        match rng.below(5) {
            0 => Fill::Random(seed),
            4 => Fill::Byte(seed as u8),
            _ => Fill::Sparse(seed),
        }
    }

    /// Fills `buf` with the bytes this fill puts at file offset `offset`.
    pub fn fill(self, offset: u64, buf: &mut [u8]) {
        match self {
            Fill::Random(seed) => pattern::fill(seed, offset, buf),
            Fill::Byte(b) => buf.fill(b),
            Fill::Sparse(seed) => {
                pattern::fill(seed, offset, buf);
                for (i, byte) in buf.iter_mut().enumerate() {
                    if (offset + i as u64) % 4096 >= SPARSE {
                        *byte = seed as u8 | 1;
                    }
                }
            }
        }
    }
}

/// `model` after writing `data` at `offset` (extended with zeros to reach it if needed).
pub fn write(model: &mut Vec<u8>, offset: u64, data: &[u8]) {
    let (start, end) = (offset as usize, offset as usize + data.len());
    if model.len() < end {
        model.resize(end, 0);
    }
    model[start..end].copy_from_slice(data);
}

/// `model` after truncating (or extending with zeros) to `size`.
pub fn truncate(model: &mut Vec<u8>, size: u64) {
    model.resize(size as usize, 0);
}

/// `model` after punching a hole over `[offset, offset + len)` without changing its size.
pub fn punch(model: &mut [u8], offset: u64, len: u64) {
    let size = model.len() as u64;
    let (start, end) = (offset.min(size), (offset + len).min(size));
    model[start as usize..end as usize].fill(0);
}

/// What a read of `len` bytes at `offset` returns: the bytes up to the end of the file.
pub fn read(model: &[u8], offset: u64, len: u64) -> &[u8] {
    let size = model.len() as u64;
    let (start, end) = (offset.min(size), (offset + len).min(size));
    &model[start as usize..end as usize]
}

/// The first index where `got` and `expected` differ, if any (a length difference counts).
pub fn first_difference(got: &[u8], expected: &[u8]) -> Option<usize> {
    got.iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .or_else(|| (got.len() != expected.len()).then(|| got.len().min(expected.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rng_repeats_for_a_seed() {
        let (mut a, mut b, mut c) = (Rng::new(5), Rng::new(5), Rng::new(6));
        let a: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let b: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let c: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn lengths_stay_in_range() {
        let mut rng = Rng::new(1);
        for max in [1, 2, 100, 1 << 20] {
            for _ in 0..1000 {
                let len = rng.len(max);
                assert!((1..=max).contains(&len), "{len} for {max}");
            }
        }
    }

    #[test]
    fn fills_depend_on_the_offset_only() {
        for fill in [Fill::Random(3), Fill::Sparse(4), Fill::Byte(9)] {
            let mut whole = vec![0u8; 10_000];
            fill.fill(0, &mut whole);
            let mut part = vec![0u8; 5000];
            fill.fill(4321, &mut part);
            assert_eq!(part, whole[4321..9321]);
        }
        let mut page = vec![0u8; 4096];
        Fill::Sparse(4).fill(0, &mut page);
        assert!(page[SPARSE as usize..].iter().all(|&b| b == 5));
    }

    #[test]
    fn writes_extend_with_zeros() {
        let mut model = vec![1, 2, 3];
        write(&mut model, 5, &[7, 8]);
        assert_eq!(model, [1, 2, 3, 0, 0, 7, 8]);
        write(&mut model, 1, &[9]);
        assert_eq!(model, [1, 9, 3, 0, 0, 7, 8]);
    }

    #[test]
    fn truncate_punch_and_read() {
        let mut model = vec![1u8; 10];
        truncate(&mut model, 4);
        truncate(&mut model, 6);
        assert_eq!(model, [1, 1, 1, 1, 0, 0]);
        model.fill(2);
        punch(&mut model, 4, 100);
        assert_eq!(model, [2, 2, 2, 2, 0, 0]);
        punch(&mut model, 1, 1);
        assert_eq!(model, [2, 0, 2, 2, 0, 0]);
        assert_eq!(read(&model, 2, 3), [2, 2, 0]);
        assert_eq!(read(&model, 5, 10), [0]);
        assert!(read(&model, 50, 10).is_empty());
    }

    #[test]
    fn differences_are_found() {
        assert_eq!(first_difference(&[1, 2], &[1, 2]), None);
        assert_eq!(first_difference(&[1, 3], &[1, 2]), Some(1));
        assert_eq!(first_difference(&[1], &[1, 2]), Some(1));
    }
}
