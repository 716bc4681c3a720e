// SPDX-License-Identifier: GPL-2.0

//! The remotify worker: one thread that, every [`IDLE_MS`] (or sooner while it has work),
//! 1. sends the queued remote flushes (before any new page, so a flush never reaches a newer
//!    copy of the same key);
//! 2. under memory pressure, moves least recently used compressed frames to the target node,
//!    at most [`PAGES_PER_RUN`] pages per run and one run every [`BUSY_MS`] (the rate limit);
//! 3. when memory is plentiful (more than 1/[`PLENTY_FRACTION`] of RAM available) and no
//!    pressure, self-shrinks: every [`SHRINK_EVERY_MS`] it gives up to [`SHRINK_PAGES`] remote
//!    swap pages back to memory through frontswap's give-back path (`frontswap_writeback`
//!    without the device), which fetches each from its peer into a dirty swap cache folio.
//!
//! Pressure means the local store holds more than [`START_PERCENT`] of its frame budget, or
//! the kernel has less than 1/[`LOW_MEMORY_FRACTION`] of RAM available. A move: the page is
//! marked leaving and copied (`remotify_begin`); a persistent (swap) page is written to its swap
//! slot first (the peer-death policy: the swap device always holds a remote swap page); the
//! copy is put on the target (`TMEM_PUT`, waiting for the answer); then the page becomes remote
//! and its local zpage is freed (`remotify_commit`). A page the peer refuses, or that cannot be
//! written to the swap device, stays local (`remotify_abort`) and is counted; a refusal (or a
//! peer that cannot be reached) ends the run and pauses remotify for [`REFUSED_PAUSE_MS`]. A
//! run also ends, before its next frame, while a faulting thread waits for a remote page.
//! Nothing leaks: a page that changed while travelling is flushed on the peer.

use super::fetch;
use super::put::{put_page, request_buffer, PutFailed};
use super::runtime::Runtime;
use super::RemoteKey;
use crate::cluster::node_num::NodeNum;
use crate::cluster::tmem_messages::{encode_request, TmemOp, TmemRequest, KEY_LEN};
use crate::cluster::wire::MessageType;
use crate::net::now_ms;
use crate::os::Gfp;
use crate::tmem::{Oid, PoolId};
use crate::zcache::counters::Count;
use crate::zcache::remote::counters::RAMSTER_COUNTERS;
use crate::zcache::remote::knobs::KNOBS;
use crate::zcache::remote::outbox::RemoteFlush;
use crate::zcache::remote::remotify::{Departure, FrameCopy};
use crate::zcache::swapkey::swap_entry;
use crate::zcache::zbud::ZbudKind;
use crate::zcache_kernel::{
    available_pages, copy_to_swap_device, give_back_swap_page, idle_sleep, swap_pool,
    totalram_pages, with_store, ZStore,
};
use kernel::init::zeroed;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Sleep between runs with nothing to do.
const IDLE_MS: u32 = 100;
/// Sleep between runs while pages are moving.
const BUSY_MS: u32 = 10;
/// Pages moved per run at most.
const PAGES_PER_RUN: usize = 64;
/// Remotify once the store holds this share of its frame budget...
const START_PERCENT: usize = 87;
/// ...or when less than 1/this of RAM is available.
const LOW_MEMORY_FRACTION: usize = 32;
/// How long to leave a peer alone after it refused a page.
const REFUSED_PAUSE_MS: u64 = 1000;
/// Self-shrink when more than 1/this of RAM is available.
const PLENTY_FRACTION: usize = 2;
/// Self-shrink at most this often...
const SHRINK_EVERY_MS: u64 = 1000;
/// ...and this many pages at a time.
const SHRINK_PAGES: usize = 32;

/// The worker's buffers, allocated once.
struct Buffers {
    copy: KBox<FrameCopy>,
    payload: KVec<u8>,
}

/// Runs until the module stops.
pub(super) fn run(rt: Arc<Runtime>) {
    let buffers = (|| -> Result<Buffers> {
        Ok(Buffers {
            copy: KBox::init(zeroed(), GFP_KERNEL)?,
            payload: request_buffer()?,
        })
    })();
    let Ok(mut buffers) = buffers else {
        pr_err!("no memory for the remotify worker; pages stay local\n");
        return;
    };
    let mut paused_until = 0u64;
    let mut shrink_at = 0u64;
    while !rt.stopping() {
        let moved = with_store(|store| {
            run_once(&rt, store, &mut buffers, &mut paused_until, &mut shrink_at)
        });
        idle_sleep(match moved {
            Some(n) if n > 0 => BUSY_MS,
            _ => IDLE_MS,
        });
    }
}

/// One round of the worker on the registered store: the queued flushes, a remotify run unless
/// paused, a self-shrink when nothing moved; returns how many pages moved.
fn run_once(
    rt: &Runtime,
    store: &ZStore,
    buffers: &mut Buffers,
    paused_until: &mut u64,
    shrink_at: &mut u64,
) -> usize {
    let flushed = send_flushes(rt, store);
    let mut moved = 0;
    if flushed && now_ms() >= *paused_until {
        if let Some(target) = rt.target() {
            match remotify(rt, store, target, buffers) {
                Ok(n) => moved = n,
                Err(()) => *paused_until = now_ms().saturating_add(REFUSED_PAUSE_MS),
            }
        }
    }
    if moved == 0 && now_ms() >= *shrink_at && !under_pressure(store) {
        *shrink_at = now_ms().saturating_add(SHRINK_EVERY_MS);
        self_shrink(store);
    }
    moved
}

/// Brings up to [`SHRINK_PAGES`] remote swap pages back to memory if memory is plentiful.
fn self_shrink(store: &ZStore) {
    let c = &RAMSTER_COUNTERS;
    if c.remote_pers_pages.get() == 0 || available_pages() < totalram_pages() / PLENTY_FRACTION {
        return;
    }
    let Some(pool) = swap_pool() else {
        return;
    };
    let Ok(mut keys) = KVec::<(u32, u64)>::with_capacity(SHRINK_PAGES, GFP_KERNEL) else {
        return;
    };
    {
        store.for_each_remote_page(pool, SHRINK_PAGES, |oid, index| {
            if let Some(entry) = swap_entry(oid, index) {
                // Within capacity (at most SHRINK_PAGES visits): never allocates.
                let _ = keys.push(entry, GFP_NOWAIT);
            }
        });
    }
    for &(type_, offset) in keys.iter() {
        if give_back_swap_page(type_, offset).is_ok() {
            c.pers_pages_repatriated.inc();
        }
    }
}

/// Whether the store should shed frames now.
fn under_pressure(store: &ZStore) -> bool {
    let frames = store.frames();
    let live = frames.live();
    live > 0
        && (live.saturating_mul(100) >= frames.budget().saturating_mul(START_PERCENT)
            || available_pages() < totalram_pages() / LOW_MEMORY_FRACTION)
}

/// Why a page did not move.
enum NotMoved {
    /// This page cannot move now (busy swap entry, no memory for its device copy): try others.
    Skip,
    /// The target refused it or could not be reached: stop this run and pause.
    Stop,
}

/// Moves up to [`PAGES_PER_RUN`] pages to `target`; ephemeral pages first (they need no swap
/// device copy). `Err` if the target refused a page or could not be reached.
fn remotify(rt: &Runtime, store: &ZStore, target: NodeNum, b: &mut Buffers) -> Result<usize, ()> {
    let mut moved = 0;
    for (kind, enabled) in [
        (ZbudKind::Ephemeral, KNOBS.eph_remotify()),
        (ZbudKind::Persistent, KNOBS.pers_remotify()),
    ] {
        // Each frame is looked at once per run at most: a frame that cannot leave now is not
        // retried until the others have been.
        let frames = match kind {
            ZbudKind::Ephemeral => store.zbud_stats().0.pageframes,
            ZbudKind::Persistent => store.zbud_stats().1.pageframes,
        };
        let mut looked = 0u64;
        while enabled
            && moved < PAGES_PER_RUN
            && looked < frames
            && !fetch::gets_waiting()
            && under_pressure(store)
        {
            looked = looked.saturating_add(1);
            let departures = store.remotify_begin(kind, &mut b.copy, Gfp::Kernel);
            let Some(departures) = departures else {
                break;
            };
            let mut stop = false;
            for (i, d) in departures.iter().enumerate() {
                let Some(d) = d else { continue };
                let result = if stop {
                    Err(NotMoved::Stop)
                } else {
                    move_page(rt, store, target, d, i, b)
                };
                match result {
                    Ok(()) => moved = moved.saturating_add(1),
                    Err(why) => {
                        // Every departure of the frame is committed or aborted, none left
                        // leaving.
                        store.remotify_abort(d);
                        stop |= matches!(why, NotMoved::Stop);
                    }
                }
            }
            if stop {
                return Err(());
            }
        }
    }
    Ok(moved)
}

/// Moves departure `d` (its copy in `b.copy[i]`) to `target`; on error the caller aborts it.
fn move_page(
    rt: &Runtime,
    store: &ZStore,
    target: NodeNum,
    d: &Departure,
    i: usize,
    b: &mut Buffers,
) -> Result<(), NotMoved> {
    let c = &RAMSTER_COUNTERS;
    let zpage = b
        .copy
        .get(i)
        .and_then(|z| z.get(..d.len))
        .ok_or(NotMoved::Skip)?;
    let (remoted, failed) = match d.kind {
        ZbudKind::Ephemeral => (&c.eph_pages_remoted, &c.eph_pages_remote_failed),
        ZbudKind::Persistent => (&c.pers_pages_remoted, &c.pers_pages_remote_failed),
    };
    if d.kind == ZbudKind::Persistent {
        // The policy: the swap device holds every remote swap page. The core writes what the
        // store holds for the entry now (a page replaced since `remotify_begin` included: then
        // the commit below fails and the peer's copy is flushed).
        let (type_, offset) = swap_entry(&d.owner.oid, d.owner.index).ok_or(NotMoved::Skip)?;
        if copy_to_swap_device(type_, offset).is_err() {
            c.pers_pages_remote_nomem.inc();
            return Err(NotMoved::Skip);
        }
        c.pers_pages_written_through.inc();
    }
    let key = RemoteKey {
        pool: d.owner.pool,
        oid: d.owner.oid,
        index: d.owner.index,
        kind: d.kind,
    };
    // The owner's tag of what leaves: every get checks the peer's answer against it.
    let tag = rt
        .page_tags()
        .tag(&key.tagged(target), zpage)
        .map_err(|_| NotMoved::Skip)?;
    let flush = RemoteFlush::Page {
        node: target,
        pool: d.owner.pool,
        kind: d.kind,
        oid: d.owner.oid,
        index: d.owner.index,
    };
    match put_page(rt.net(), target, &key, zpage, &mut b.payload) {
        Ok(()) => {}
        Err(PutFailed::BadRequest) => return Err(NotMoved::Skip),
        Err(PutFailed::Peer(_)) => {
            failed.inc();
            // The peer may have stored the page before its answer was lost (a timeout, a link
            // that broke and healed within the dead window, so no node down): the flush, sent
            // before any new page, makes sure no copy stays behind that nobody asks for.
            store
                .outbox()
                .push_or_count(flush, &c.remote_page_flushes_failed);
            return Err(NotMoved::Stop);
        }
    }
    if store.remotify_commit(d, target, tag) {
        remoted.inc();
    } else {
        // Taken, flushed or replaced while travelling: the peer's copy is stale.
        store
            .outbox()
            .push_or_count(flush, &c.remote_page_flushes_failed);
    }
    Ok(())
}

/// Sends the flushes the store queued; false if one of them must wait for the next round (its
/// node is up but could not be reached: no page may move before it).
fn send_flushes(rt: &Runtime, store: &ZStore) -> bool {
    while let Some(flush) = store.outbox().pop() {
        if send_flush(rt, flush).is_ok() {
            continue;
        }
        if !rt.net().node_is_up(flush.node()) {
            // Down: the node's next handshake starts a new up period, in which it holds
            // nothing of ours (cluster/heartbeat.rs). The flush is not needed any more.
            flush_counters(&flush).1.inc();
            continue;
        }
        if !store.outbox().push_front(flush) {
            flush_counters(&flush).1.inc();
        }
        return false;
    }
    true
}

/// The counters of a flush's kind: sent, and given up.
fn flush_counters(flush: &RemoteFlush) -> (&'static Count, &'static Count) {
    let c = &RAMSTER_COUNTERS;
    match flush {
        RemoteFlush::Page { .. } => (&c.remote_pages_flushed, &c.remote_page_flushes_failed),
        RemoteFlush::Object { .. } | RemoteFlush::Pool { .. } => {
            (&c.remote_objects_flushed, &c.remote_object_flushes_failed)
        }
    }
}

/// Sends one flush (one-way: the connection keeps it in order with the puts); counts it if
/// sent.
pub(super) fn send_flush(rt: &Runtime, flush: RemoteFlush) -> Result {
    let (op, pool, kind, oid, index) = match flush {
        RemoteFlush::Page {
            pool,
            kind,
            oid,
            index,
            ..
        } => (TmemOp::Flush, pool, kind, oid, index),
        RemoteFlush::Object {
            pool, kind, oid, ..
        } => (TmemOp::FlushObject, pool, kind, oid, 0),
        RemoteFlush::Pool { pool, kind, .. } => (TmemOp::DestroyPool, pool, kind, Oid([0; 3]), 0),
    };
    let key = RemoteKey {
        pool: PoolId(pool.0),
        oid,
        index,
        kind,
    };
    let request = TmemRequest {
        op,
        key: key.wire(),
        data: &[],
    };
    let mut payload = [0u8; KEY_LEN];
    encode_request(&request, &mut payload).map_err(|_| EINVAL)?;
    rt.net()
        .send_one_way(flush.node(), MessageType::Tmem(op), &payload)?;
    flush_counters(&flush).0.inc();
    Ok(())
}
