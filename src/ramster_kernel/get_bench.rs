// SPDX-License-Identifier: GPL-2.0

//! The remote-get benchmark behind debugfs `ramster/remote_get_bench` (a benchmark, not a test;
//! `make bench` runs it beside `cluster_selftest`'s raw round trip, in the same VMs; made only
//! with `test_messages=Y`).
//!
//! Writing `NODE COUNT` (COUNT up to [`MAX_COUNT`]) puts COUNT test pages
//! ([`crate::zcache::bench_pages`], the three kinds in turn, compressed as the store compresses
//! them) on node NODE, [`BATCH`] at a time, and gets each batch back through
//! [`fetch::get_page`]: what a fault on a page kept on a peer does (a `TMEM_GET_AND_FREE`
//! request, a sleep until the reply, the reply's checks, the decompression into the page).
//! Every page that comes back is compared with its original byte for byte, else the write fails
//! with `EIO`. Each put and each get is timed. Reading the file shows the last run: mean, p50 and
//! p99 of the gets and of the puts in ns, and the mean compressed page size in bytes.
//!
//! The pages are keyed under a pool that the run creates in the local store and holds, so they
//! never share a key with a real page on the peer. When the run ends, the peer is asked to destroy
//! that pool (which drops what a failed run left there), and then the local pool is destroyed.

use super::fetch::get_page;
use super::put::{put_page, request_buffer, PutFailed};
use super::remotify::send_flush;
use super::runtime::with_runtime;
use super::RemoteKey;
use crate::cluster::config_text::parse_decimal;
use crate::cluster::errno as cerr;
use crate::cluster::latency::LatencySummary;
use crate::cluster::node_num::NodeNum;
use crate::debugfs::DebugFile;
use crate::net::{errno, now_ns};
use crate::os::{Gfp, PAGE_SIZE};
use crate::run_guard::RunGuard;
use crate::tmem::{Oid, PageIndex, PoolId, PoolKind};
use crate::zcache::bench_pages::{fill_page, PageKind};
use crate::zcache::compress::COMPRESS_BOUND;
use crate::zcache::remote::outbox::RemoteFlush;
use crate::zcache::zbud::ZbudKind;
use crate::zcache_kernel::{compress_page, with_store, ZStore};
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::init::zeroed;
use kernel::prelude::*;

/// The largest `COUNT` (the times are kept in memory to sort them).
pub(crate) const MAX_COUNT: usize = 20_000;
/// Pages on the peer at once.
const BATCH: usize = 64;
/// The object the pages belong to in the run's pool.
const BENCH_OID: Oid = Oid([0x7261_6d73_7465_7262, 0, 0]);

/// One run at a time.
static RUNNING: AtomicBool = AtomicBool::new(false);

/// The last run's numbers (all 0 before a run).
struct LastRun {
    count: AtomicU64,
    zbytes_mean: AtomicU64,
    /// Mean, p50, p99 of the gets, then of the puts.
    times: [AtomicU64; 6],
}

static LAST: LastRun = LastRun {
    count: AtomicU64::new(0),
    zbytes_mean: AtomicU64::new(0),
    times: [const { AtomicU64::new(0) }; 6],
};

/// A pool of the local store, held for a run: its id keys the run's pages on the peer.
struct RunPool<'a> {
    store: &'a ZStore,
    id: PoolId,
    node: NodeNum,
}

impl<'a> RunPool<'a> {
    fn new(store: &'a ZStore, node: NodeNum) -> Result<Self> {
        let id = store
            .new_pool(PoolKind::Persistent, Gfp::Kernel)
            .map_err(|_| ENOSPC)?;
        Ok(Self { store, id, node })
    }

    /// The key of page `i` of the run.
    fn key(&self, i: usize) -> Result<RemoteKey> {
        Ok(RemoteKey {
            pool: self.id,
            oid: BENCH_OID,
            index: PageIndex::try_from(i).map_err(|_| EINVAL)?,
            kind: ZbudKind::Persistent,
        })
    }
}

impl Drop for RunPool<'_> {
    fn drop(&mut self) {
        // The connection delivers this before any later put that reuses the id. If the peer
        // cannot be reached, its next node-down drops the pool (and counts nothing here: a
        // test-only benchmark).
        with_runtime(|rt| {
            let _ = send_flush(
                rt,
                RemoteFlush::Pool {
                    node: self.node,
                    pool: self.id,
                    kind: ZbudKind::Persistent,
                },
            );
        });
        self.store.destroy_pool(self.id);
    }
}

/// A run's working memory, on the heap.
struct Buffers {
    page: KBox<[u8; PAGE_SIZE]>,
    back: KBox<[u8; PAGE_SIZE]>,
    zpage: KBox<[u8; COMPRESS_BOUND]>,
    payload: KVec<u8>,
}

impl Buffers {
    fn new() -> Result<Self> {
        Ok(Self {
            page: KBox::init(zeroed(), GFP_KERNEL)?,
            back: KBox::init(zeroed(), GFP_KERNEL)?,
            zpage: KBox::init(zeroed(), GFP_KERNEL)?,
            payload: request_buffer()?,
        })
    }
}

/// Writes page `i` of a run into `page`.
fn fill(i: usize, page: &mut [u8; PAGE_SIZE]) {
    let kind = PageKind::ALL[i % PageKind::ALL.len()];
    fill_page(kind, i as u64, page);
}

/// Puts `count` pages on `node` and gets them back, timing each put and get.
fn run(node: NodeNum, count: usize) -> Result {
    if count == 0 || count > MAX_COUNT {
        return Err(EINVAL);
    }
    with_store(|store| run_on(store, node, count)).ok_or(ENODEV)?
}

/// [`run`] on the registered store.
fn run_on(store: &ZStore, node: NodeNum, count: usize) -> Result {
    let mut b = Buffers::new()?;
    let mut puts = KVec::with_capacity(count, GFP_KERNEL)?;
    let mut gets = KVec::with_capacity(count, GFP_KERNEL)?;
    let mut tags = KVec::with_capacity(count, GFP_KERNEL)?;
    let mut zbytes = 0u64;
    let pool = RunPool::new(store, node)?;
    let mut done = 0;
    while done < count {
        let batch = done..count.min(done.saturating_add(BATCH));
        for i in batch.clone() {
            fill(i, &mut b.page);
            let len = compress_page(&b.page, &mut b.zpage[..])?;
            let zpage = b.zpage.get(..len).ok_or(EINVAL)?;
            zbytes = zbytes.saturating_add(len as u64);
            let key = pool.key(i)?;
            let start = now_ns();
            let tag = with_runtime(|rt| {
                let tag = rt.page_tags().tag(&key.tagged(node), zpage);
                put_page(rt.net(), node, &key, zpage, &mut b.payload).map(|()| tag)
            })
            .ok_or(errno(cerr::ENOTCONN))?
            .map_err(|failed| match failed {
                PutFailed::BadRequest => EINVAL,
                PutFailed::Peer(e) => e,
            })?
            .map_err(|_| EIO)?;
            // Within capacity: never allocates.
            tags.push(tag, GFP_KERNEL)?;
            // Within capacity: never allocates.
            puts.push(now_ns().saturating_sub(start), GFP_KERNEL)?;
        }
        for i in batch {
            let key = pool.key(i)?;
            let start = now_ns();
            let tag = tags.get(i).copied().ok_or(EINVAL)?;
            get_page(&key, node, true, tag, store.codec(), &mut b.back)?;
            gets.push(now_ns().saturating_sub(start), GFP_KERNEL)?;
            fill(i, &mut b.page);
            if b.back[..] != b.page[..] {
                pr_err!("remote_get_bench: page {} came back changed\n", i);
                return Err(EIO);
            }
        }
        done = done.saturating_add(BATCH);
    }
    drop(pool);
    let get = LatencySummary::of(&mut gets).ok_or(EINVAL)?;
    let put = LatencySummary::of(&mut puts).ok_or(EINVAL)?;
    let numbers = [get.mean, get.p50, get.p99, put.mean, put.p50, put.p99];
    for (slot, value) in LAST.times.iter().zip(numbers) {
        slot.store(value, Ordering::Relaxed);
    }
    let zbytes_mean = zbytes.checked_div(get.count).unwrap_or(0);
    LAST.zbytes_mean.store(zbytes_mean, Ordering::Relaxed);
    LAST.count.store(count as u64, Ordering::Relaxed);
    pr_info!(
        "remote_get_bench: {} pages put on node {} and got back, every byte verified\n",
        count,
        node
    );
    Ok(())
}

/// debugfs `ramster/remote_get_bench`.
pub(crate) struct GetBenchFile;

impl DebugFile for GetBenchFile {
    fn show(&self, out: &mut dyn Write) -> Result {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let [gm, g50, g99, pm, p50, p99] = LAST.times.each_ref().map(get);
        write!(
            out,
            "getbench_count {}\ngetbench_zbytes_mean {}\ngetbench_get_mean_ns {gm}\n\
             getbench_get_p50_ns {g50}\ngetbench_get_p99_ns {g99}\ngetbench_put_mean_ns {pm}\n\
             getbench_put_p50_ns {p50}\ngetbench_put_p99_ns {p99}\n",
            get(&LAST.count),
            get(&LAST.zbytes_mean),
        )
        .map_err(|_| ENOSPC)
    }

    fn store(&self, text: &[u8]) -> Result {
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        let mut words = text.split(|b| *b == b' ').filter(|w| !w.is_empty());
        let mut number = || words.next().map(parse_decimal);
        let (Some(Ok(node)), Some(Ok(count)), None) = (number(), number(), number()) else {
            return Err(EINVAL);
        };
        let node = u8::try_from(node)
            .ok()
            .and_then(NodeNum::new)
            .ok_or(EINVAL)?;
        let count = usize::try_from(count).map_err(|_| EINVAL)?;
        let _run = RunGuard::take(&RUNNING)?;
        let result = run(node, count);
        if let Err(e) = result {
            pr_err!("remote_get_bench to node {} failed ({:?})\n", node, e);
        }
        result
    }
}
