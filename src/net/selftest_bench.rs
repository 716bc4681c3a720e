// SPDX-License-Identifier: GPL-2.0

//! The cluster benchmark behind `bench NODE COUNT` in debugfs `ramster/cluster_selftest` (a
//! benchmark, not a test; `make bench` runs it): round trips and throughput of 4096-byte
//! payloads through the messaging layer, measured in the kernel.
//!
//! - Round trip: `COUNT` echo requests (`TEST_ECHO`) of 4096 bytes, one at a time; each reply
//!   must be the same bytes (else `EIO`). Each round trip is timed; mean, p50 and p99 are kept
//!   ([`LatencySummary`]).
//! - Stream: `COUNT` one-way sink messages (`TEST_SINK`, checked by the receiver) of 4096 bytes
//!   back to back, then one echo request whose reply (the receiver handles a connection's
//!   messages in order) marks that all of them arrived; the whole is timed.
//!
//! Times are nanoseconds on the monotonic clock; the file shows raw numbers and `make bench`
//! computes µs and MB/s.

use super::selftest::pattern;
use super::{now_ns, Shared};
use crate::cluster::latency::LatencySummary;
use crate::cluster::node_num::NodeNum;
use crate::cluster::wire::{AppType, MessageType};
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;

const ECHO: MessageType = MessageType::App(AppType::TEST_ECHO);
const SINK: MessageType = MessageType::App(AppType::TEST_SINK);
const TIMEOUT_MS: u32 = 10_000;
/// The payload size measured.
pub(crate) const PAYLOAD: usize = 4096;
/// The largest `COUNT` (the round-trip times are kept in memory to sort them).
pub(crate) const MAX_COUNT: usize = 20_000;

static COUNT: AtomicU64 = AtomicU64::new(0);
static RTT_MEAN_NS: AtomicU64 = AtomicU64::new(0);
static RTT_P50_NS: AtomicU64 = AtomicU64::new(0);
static RTT_P99_NS: AtomicU64 = AtomicU64::new(0);
static RTT_TOTAL_NS: AtomicU64 = AtomicU64::new(0);
static STREAM_NS: AtomicU64 = AtomicU64::new(0);

/// One echo round trip of `payload`; its reply must be the same bytes.
fn echo(shared: &Shared, to: NodeNum, payload: &[u8]) -> Result {
    let reply = shared.send_request(to, ECHO, payload, PAYLOAD, TIMEOUT_MS)?;
    if reply.data() == payload {
        Ok(())
    } else {
        Err(EIO)
    }
}

/// Runs the benchmark against node `to` with `count` messages of each kind.
pub(crate) fn run(shared: &Shared, to: NodeNum, count: usize) -> Result {
    if count == 0 || count > MAX_COUNT {
        return Err(EINVAL);
    }
    COUNT.store(0, Ordering::Relaxed);
    let mut payload = KVec::from_elem(0u8, PAYLOAD, GFP_KERNEL)?;
    for (i, b) in payload.iter_mut().enumerate() {
        *b = pattern(PAYLOAD, i);
    }
    let mut rtts = KVec::with_capacity(count, GFP_KERNEL)?;
    // One round trip first, untimed: the connection is warm when timing starts.
    echo(shared, to, &payload)?;
    for _ in 0..count {
        let start = now_ns();
        echo(shared, to, &payload)?;
        // Within capacity: never allocates.
        rtts.push(now_ns().saturating_sub(start), GFP_KERNEL)?;
    }
    let start = now_ns();
    for _ in 0..count {
        shared.send_one_way(to, SINK, &payload)?;
    }
    echo(shared, to, &payload)?;
    let stream = now_ns().saturating_sub(start);

    let rtt = LatencySummary::of(&mut rtts).ok_or(EINVAL)?;
    RTT_MEAN_NS.store(rtt.mean, Ordering::Relaxed);
    RTT_P50_NS.store(rtt.p50, Ordering::Relaxed);
    RTT_P99_NS.store(rtt.p99, Ordering::Relaxed);
    RTT_TOTAL_NS.store(rtt.total, Ordering::Relaxed);
    STREAM_NS.store(stream, Ordering::Relaxed);
    COUNT.store(count as u64, Ordering::Relaxed);
    pr_info!(
        "cluster: bench to node {}: {} round trips and {} streamed messages of {} bytes\n",
        to,
        count,
        count,
        PAYLOAD
    );
    Ok(())
}

/// The last run's numbers, one `name value` per line (all 0 before a run).
pub(crate) fn show(out: &mut dyn Write) -> core::fmt::Result {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    write!(
        out,
        "bench_payload {}\nbench_count {}\nbench_rtt_mean_ns {}\nbench_rtt_p50_ns {}\n\
         bench_rtt_p99_ns {}\nbench_rtt_total_ns {}\nbench_stream_ns {}\n",
        PAYLOAD,
        get(&COUNT),
        get(&RTT_MEAN_NS),
        get(&RTT_P50_NS),
        get(&RTT_P99_NS),
        get(&RTT_TOTAL_NS),
        get(&STREAM_NS)
    )
}
