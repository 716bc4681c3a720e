// SPDX-License-Identifier: GPL-2.0

//! Tests of the latency summaries.

extern crate std;

use super::*;
use proptest::prelude::*;
use std::vec::Vec;

#[test]
fn no_times_no_summary() {
    assert_eq!(LatencySummary::of(&mut []), None);
}

#[test]
fn one_time_is_every_statistic() {
    let s = LatencySummary::of(&mut [7]).unwrap();
    assert_eq!((s.count, s.total, s.mean, s.p50, s.p99), (1, 7, 7, 7, 7));
}

#[test]
fn percentiles_are_nearest_ranks_of_the_sorted_times() {
    // 1..=100 shuffled: the median is the 50th value, the 99th percentile the 99th.
    let mut times: Vec<u64> = (1..=100).rev().collect();
    times.swap(3, 70);
    let s = LatencySummary::of(&mut times).unwrap();
    assert_eq!(
        (s.count, s.total, s.mean, s.p50, s.p99),
        (100, 5050, 50, 50, 99)
    );
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn an_even_count_takes_the_lower_median() {
    let s = LatencySummary::of(&mut [40, 10, 30, 20]).unwrap();
    assert_eq!((s.mean, s.p50, s.p99), (25, 20, 40));
}

#[test]
fn huge_times_saturate_instead_of_overflowing() {
    let s = LatencySummary::of(&mut [u64::MAX, u64::MAX]).unwrap();
    assert_eq!((s.total, s.mean, s.p99), (u64::MAX, u64::MAX / 2, u64::MAX));
}

proptest! {
    #[test]
    fn statistics_lie_within_the_times(mut times in prop::collection::vec(0u64..1 << 40, 1..500)) {
        let (min, max) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
        let s = LatencySummary::of(&mut times).unwrap();
        prop_assert_eq!(s.count, times.len() as u64);
        prop_assert!(min <= s.mean && s.mean <= max);
        prop_assert!(min <= s.p50 && s.p50 <= s.p99 && s.p99 <= max);
        let below = times.iter().filter(|&&t| t <= s.p99).count();
        prop_assert!(below * 100 >= times.len() * 99);
    }
}
