//! A deterministic byte stream named by a seed, so that a producer and a checker that share
//! only the seed (two VMs, or a writer and a later reader of swapped-out memory) agree on every
//! byte without storing a copy.
//!
//! Byte `i` of stream `seed` is byte `i % 8` (little-endian) of `splitmix64(seed + i / 8)`:
//! random-looking, so compression and transport bugs cannot hide behind repeated content, and
//! cheap to compute at any offset.

/// The SplitMix64 output function.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fills `buf` with the stream `seed`, starting at byte `offset`.
pub fn fill(seed: u64, offset: u64, buf: &mut [u8]) {
    for (i, byte) in buf.iter_mut().enumerate() {
        let pos = offset + i as u64;
        let word = splitmix64(seed.wrapping_add(pos / 8)).to_le_bytes();
        *byte = word[(pos % 8) as usize];
    }
}

/// The offset of the first byte of `buf` that differs from the stream `seed` at `offset`.
pub fn first_mismatch(seed: u64, offset: u64, buf: &[u8]) -> Option<u64> {
    let mut expected = [0u8; 4096];
    for (chunk_index, chunk) in buf.chunks(expected.len()).enumerate() {
        let chunk_offset = offset + (chunk_index * expected.len()) as u64;
        let expected = &mut expected[..chunk.len()];
        fill(seed, chunk_offset, expected);
        if let Some(i) = chunk.iter().zip(expected.iter()).position(|(a, b)| a != b) {
            return Some(chunk_offset + i as u64);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filling_at_any_offset_agrees_with_one_pass() {
        let mut whole = vec![0u8; 1000];
        fill(7, 0, &mut whole);
        for start in [0usize, 1, 7, 8, 9, 500, 999] {
            let mut part = vec![0u8; whole.len() - start];
            fill(7, start as u64, &mut part);
            assert_eq!(part, whole[start..]);
        }
    }

    #[test]
    fn seeds_give_different_streams() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        fill(1, 0, &mut a);
        fill(2, 0, &mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn first_mismatch_finds_the_exact_byte() {
        let mut buf = vec![0u8; 10_000];
        fill(3, 100, &mut buf);
        assert_eq!(first_mismatch(3, 100, &buf), None);
        buf[5000] ^= 1;
        assert_eq!(first_mismatch(3, 100, &buf), Some(5100));
        assert_eq!(first_mismatch(4, 100, &buf), Some(100));
    }
}
