// SPDX-License-Identifier: GPL-2.0

//! Latency summaries for the in-kernel benchmarks (the cluster round trip and the remote get):
//! the mean, median and 99th percentile of a run's timed operations.

/// What a benchmark reports about a set of timed operations (all in the caller's unit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LatencySummary {
    /// How many operations.
    pub count: u64,
    /// Their total time.
    pub total: u64,
    /// The mean, rounded down.
    pub mean: u64,
    /// The median (nearest rank: the lower one of an even count).
    pub p50: u64,
    /// The 99th percentile (nearest rank).
    pub p99: u64,
}

impl LatencySummary {
    /// Summarizes `times`, which it sorts; `None` for no times.
    pub fn of(times: &mut [u64]) -> Option<Self> {
        times.sort_unstable();
        let count = times.len();
        let total = times.iter().fold(0u64, |sum, &t| sum.saturating_add(t));
        // Nearest rank: the smallest time with at least `per_mille`/1000 of them at or below.
        let rank = |per_mille: usize| {
            let at = count
                .saturating_mul(per_mille)
                .div_ceil(1000)
                .saturating_sub(1);
            times.get(at).copied()
        };
        Some(Self {
            count: count as u64,
            total,
            mean: total.checked_div(count as u64)?,
            p50: rank(500)?,
            p99: rank(990)?,
        })
    }
}

#[cfg(test)]
#[path = "latency_tests.rs"]
mod tests;
