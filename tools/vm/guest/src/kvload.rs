//! The key-value workload of the memcached benchmark (`memload`): which keys exist, how long
//! each key and value is, what bytes a value holds, and which key each request asks for.
//!
//! Sizes follow the Facebook ETC pool of "Workload Analysis of a Large-Scale Key-Value Store"
//! (Atikoglu et al., SIGMETRICS 2012), with the fitted distributions as the mutilate load
//! generator uses them: key sizes a generalized extreme value distribution (location 30.7984,
//! scale 8.20449, shape 0.078688), value sizes a generalized Pareto one (location 15, scale
//! 214.476, shape 0.348238). Key popularity is Zipfian (exponent 0.99, as YCSB's default),
//! scrambled over the key space as YCSB's ScrambledZipfianGenerator does, so that the popular
//! keys are not the first ones loaded. Everything is a pure function of (seed, key, version),
//! so the writer and the checker agree on every byte without storing values.

/// Keys are at least this long (the index and its prefix fit) and at most memcached's limit.
pub const KEY_MIN: usize = 13;
pub const KEY_MAX: usize = 250;
/// Values are at most this long (the GP tail is cut; memcached takes up to 1 MiB).
pub const VALUE_MAX: usize = 32 * 1024;

/// The SplitMix64 output function: a well-mixed 64-bit hash of `x`.
pub fn mix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in (0, 1) from hash `h` (never 0 or 1, so logarithms stay finite).
pub fn unit(h: u64) -> f64 {
    ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// The hash of (seed, a, b, what): each use of randomness gets its own `what`.
fn hash(seed: u64, a: u64, b: u64, what: u64) -> u64 {
    mix(mix(mix(seed ^ what.wrapping_mul(0x9e37_79b9_7f4a_7c15)) ^ a) ^ b)
}

/// Key `index`'s length: GEV(30.7984, 8.20449, 0.078688), within [KEY_MIN, KEY_MAX].
pub fn key_len(seed: u64, index: u64) -> usize {
    let (mu, sigma, xi) = (30.7984, 8.20449, 0.078688);
    let u = unit(hash(seed, index, 0, 1));
    let x = mu + sigma * ((-u.ln()).powf(-xi) - 1.0) / xi;
    (x.round() as usize).clamp(KEY_MIN, KEY_MAX)
}

/// Key `index`: `k` and the index in decimal, padded with `.` to its length.
pub fn key(seed: u64, index: u64) -> String {
    let mut k = format!("k{index:011}");
    let len = key_len(seed, index);
    while k.len() < len {
        k.push('.');
    }
    k
}

/// The length of version `version` of key `index`'s value: GP(15, 214.476, 0.348238), at
/// most VALUE_MAX.
pub fn value_len(seed: u64, index: u64, version: u8) -> usize {
    let (loc, scale, shape) = (15.0, 214.476, 0.348238);
    let u = unit(hash(seed, index, version as u64, 2));
    let x = loc + scale * ((1.0 - u).powf(-shape) - 1.0) / shape;
    (x as usize).min(VALUE_MAX)
}

/// Where version `version` of key `index`'s value starts in the corpus (its bytes are the
/// corpus's from there; the corpus is at least VALUE_MAX long).
pub fn value_offset(seed: u64, index: u64, version: u8, corpus: usize) -> usize {
    let room = corpus.saturating_sub(value_len(seed, index, version)) + 1;
    (hash(seed, index, version as u64, 3) % room as u64) as usize
}

/// The value's bytes, a slice of the corpus.
pub fn value(seed: u64, index: u64, version: u8, corpus: &[u8]) -> &[u8] {
    let len = value_len(seed, index, version);
    let at = value_offset(seed, index, version, corpus.len());
    &corpus[at..at + len]
}

/// Zipfian ranks over `0..n` (rank 0 the most popular) by Gray et al.'s method ("Quickly
/// generating billion-record synthetic databases", SIGMOD 1994), as YCSB's ZipfianGenerator.
pub struct Zipf {
    n: u64,
    theta: f64,
    alpha: f64,
    zetan: f64,
    eta: f64,
}

impl Zipf {
    /// `n` items (at least 2), exponent `theta` in (0, 1).
    pub fn new(n: u64, theta: f64) -> Self {
        assert!(
            n >= 2 && theta > 0.0 && theta < 1.0,
            "zipf over {n} items, theta {theta}"
        );
        let zeta = |count: u64| {
            (1..=count)
                .map(|i| 1.0 / (i as f64).powf(theta))
                .sum::<f64>()
        };
        let (zeta2, zetan) = (zeta(2), zeta(n));
        let eta = (1.0 - (2.0 / n as f64).powf(1.0 - theta)) / (1.0 - zeta2 / zetan);
        Zipf {
            n,
            theta,
            alpha: 1.0 / (1.0 - theta),
            zetan,
            eta,
        }
    }

    /// The rank for uniform `u` in (0, 1).
    pub fn rank(&self, u: f64) -> u64 {
        let uz = u * self.zetan;
        if uz < 1.0 {
            return 0;
        }
        if uz < 1.0 + 0.5f64.powf(self.theta) {
            return 1;
        }
        let r = (self.n as f64 * (self.eta * u - self.eta + 1.0).powf(self.alpha)) as u64;
        r.min(self.n - 1)
    }

    /// The probability of rank 0 (1 / zeta(n)).
    pub fn top_share(&self) -> f64 {
        1.0 / self.zetan
    }

    /// The key of rank `rank`: ranks scrambled over the key space (FNV-1a of the rank, as
    /// YCSB's ScrambledZipfianGenerator), so popularity does not follow load order.
    pub fn scrambled(&self, rank: u64) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in rank.to_le_bytes() {
            h ^= byte as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h % self.n
    }
}

/// The value at `fraction` (0..=1) of `sorted` (nearest rank); 0 when empty.
pub fn percentile(sorted: &[u64], fraction: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_deterministic_and_within_memcacheds_limits() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..5000 {
            let k = key(9, i);
            assert!((KEY_MIN..=KEY_MAX).contains(&k.len()));
            assert!(k.bytes().all(|b| b.is_ascii_graphic()));
            assert_eq!(k, key(9, i));
            assert!(seen.insert(k));
        }
    }

    #[test]
    fn sizes_follow_the_etc_fits() {
        let n = 200_000u64;
        let keys: f64 = (0..n).map(|i| key_len(1, i) as f64).sum::<f64>() / n as f64;
        // GEV mean: mu + sigma * (Gamma(1 - xi) - 1) / xi = 35.4 (before clamping).
        assert!((34.0..37.0).contains(&keys), "mean key length {keys}");
        let values: Vec<usize> = (0..n).map(|i| value_len(1, i, 0)).collect();
        let mean = values.iter().sum::<usize>() as f64 / n as f64;
        // GP mean: loc + scale / (1 - shape) = 344 (the cut tail takes a little off).
        assert!((320.0..350.0).contains(&mean), "mean value length {mean}");
        assert!(values.iter().all(|&v| (15..=VALUE_MAX).contains(&v)));
        let mut sorted = values;
        sorted.sort_unstable();
        // GP median: loc + scale * (2^shape - 1) / shape = 175.
        let median = sorted[sorted.len() / 2] as f64;
        assert!(
            (165.0..185.0).contains(&median),
            "median value length {median}"
        );
    }

    #[test]
    fn a_new_version_is_a_different_value() {
        let corpus: Vec<u8> = (0..100_000u32).map(|i| mix(i as u64) as u8).collect();
        let differ = (0..1000)
            .filter(|&i| value(3, i, 0, &corpus) != value(3, i, 1, &corpus))
            .count();
        assert!(differ > 990, "{differ} of 1000 changed");
        assert_eq!(value(3, 5, 2, &corpus), value(3, 5, 2, &corpus));
    }

    #[test]
    fn values_fit_a_corpus_of_exactly_value_max() {
        let corpus = vec![7u8; VALUE_MAX];
        for i in 0..10_000 {
            assert_eq!(value(4, i, 0, &corpus).len(), value_len(4, i, 0));
        }
    }

    #[test]
    fn zipf_ranks_are_in_range_and_rank_zero_has_its_share() {
        let z = Zipf::new(100_000, 0.99);
        let samples = 400_000u64;
        let mut top = 0;
        let mut counts = [0u64; 10];
        for i in 0..samples {
            let r = z.rank(unit(mix(i)));
            assert!(r < 100_000);
            if r == 0 {
                top += 1;
            }
            if r < 10 {
                counts[r as usize] += 1;
            }
        }
        let share = top as f64 / samples as f64;
        let want = z.top_share();
        assert!(
            (share - want).abs() < want * 0.05,
            "rank 0: {share} vs {want}"
        );
        // Popularity falls with rank (about 1/r^0.99).
        assert!(counts[0] > counts[1] && counts[1] > counts[3] && counts[3] > counts[9]);
        let ratio = counts[0] as f64 / counts[9] as f64;
        assert!((8.0..12.0).contains(&ratio), "rank 0 / rank 9: {ratio}");
    }

    #[test]
    fn scrambling_spreads_the_popular_ranks() {
        let z = Zipf::new(1_000_000, 0.99);
        let keys: std::collections::HashSet<u64> = (0..100).map(|r| z.scrambled(r)).collect();
        assert!(keys.len() >= 99);
        assert!(keys.iter().all(|&k| k < 1_000_000));
        assert!(keys.iter().filter(|&&k| k < 100_000).count() < 30);
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let sorted: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&sorted, 0.5), 500);
        assert_eq!(percentile(&sorted, 0.99), 990);
        assert_eq!(percentile(&sorted, 0.999), 999);
        assert_eq!(percentile(&sorted, 1.0), 1000);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
