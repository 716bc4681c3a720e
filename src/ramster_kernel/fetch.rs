// SPDX-License-Identifier: GPL-2.0

//! A get of a page kept on a peer: the faulting thread sends `TMEM_GET` (or `TMEM_GET_AND_FREE`
//! when the page has left the local index) and sleeps until the reply, a timeout, or the peer's
//! death wakes it; the reply's compressed page is checked (length, CRC-32C, and the owner's tag
//! kept in the remote descriptor) and decompressed into the faulting page. The caller decides
//! what a failure means (persistent: read the swap device; ephemeral: a miss).
//!
//! A swap page's get also prefetches its readahead window (`zcache/remote/prefetch.rs`): right
//! after its own request it marks the window's other pages on the same peer and sends a
//! `TMEM_GET` for each, back to back, each only if a request slot is free without making
//! another sender wait; it then collects its own reply and theirs, and stores those pages here
//! (or leaves them remote). One round trip for the window instead of one per page.

use super::runtime::with_runtime;
use super::{RemoteKey, REMOTE_TIMEOUT_MS};
use crate::cluster::errno as cerr;
use crate::cluster::node_num::NodeNum;
use crate::cluster::tmem_messages::{
    decode_page, encode_request, PageKey, TmemOp, TmemRequest, DATA_HEADER_LEN, KEY_LEN,
    MAX_COMPRESSED_LEN,
};
use crate::cluster::wire::MessageType;
use crate::net::messaging::{Room, Sent};
use crate::net::{errno, now_ms, now_us, Shared as Net};
use crate::os::PAGE_SIZE;
use crate::tmem::PoolId;
use crate::zcache::compress::PageCodec;
use crate::zcache::remote::counters::RAMSTER_COUNTERS;
use crate::zcache::remote::page_tag::{PageTag, PageTagKey};
use crate::zcache::remote::prefetch::{Prefetch, WINDOW};
use crate::zcache::store::RemotePage;
use crate::zcache::zbud::ZbudKind;
use crate::zcache_kernel::ZStore;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use kernel::prelude::*;

/// When a failed remote get was last logged.
static LAST_LOGGED_MS: AtomicU64 = AtomicU64::new(0);

/// Remote gets waiting for their reply now.
static GETS_WAITING: AtomicUsize = AtomicUsize::new(0);

/// Whether a faulting thread waits for a page from a peer: the remotify worker then leaves the
/// connections to it (a fault is waited for; a page that leaves can leave 10 ms later).
pub(super) fn gets_waiting() -> bool {
    GETS_WAITING.load(Ordering::Relaxed) > 0
}

/// Counts one remote get in [`GETS_WAITING`] while it lives.
struct Waiting;

impl Waiting {
    fn new() -> Self {
        GETS_WAITING.fetch_add(1, Ordering::Relaxed);
        Waiting
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        GETS_WAITING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A swap page's readahead window, prefetched with it: the store that keeps the window's pages,
/// and the page's swap area and offset.
pub(crate) struct SwapWindow<'a> {
    /// The store.
    pub(crate) store: &'a ZStore,
    /// Its frontswap pool.
    pub(crate) pool: PoolId,
    /// The swap area's type.
    pub(crate) type_: u32,
    /// The page's offset in it.
    pub(crate) offset: u64,
}

/// Fills `page` with page `key` from where `remote` says; with `take`, the peer drops its copy.
/// With `window`, the window's other pages on the same peer come back in the same round trip.
pub(crate) fn fetch(
    key: &RemoteKey,
    remote: &RemotePage,
    take: bool,
    codec: &dyn PageCodec,
    page: &mut [u8; PAGE_SIZE],
    window: Option<SwapWindow<'_>>,
) -> Result {
    let c = &RAMSTER_COUNTERS;
    let start = now_us();
    let node = remote.node;
    let fetched = get_pages(key, node, take, remote.tag, codec, page, window.as_ref());
    let (succ, unsucc) = match key.kind {
        ZbudKind::Ephemeral => (&c.remote_eph_pages_succ_get, &c.remote_eph_pages_unsucc_get),
        ZbudKind::Persistent => (
            &c.remote_pers_pages_succ_get,
            &c.remote_pers_pages_unsucc_get,
        ),
    };
    match &fetched {
        Ok(()) => {
            succ.inc();
            c.remote_get_us_total.add(now_us().saturating_sub(start));
        }
        Err(e) => {
            unsucc.inc();
            // A swap page now comes from the swap device: say why, at most once a second (a
            // dead peer fails many gets at once). Ephemeral pages a peer evicted are normal.
            let now = now_ms();
            let last = LAST_LOGGED_MS.load(Ordering::Relaxed);
            if key.kind == ZbudKind::Persistent
                && now.saturating_sub(last) >= 1000
                && LAST_LOGGED_MS
                    .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                pr_info!(
                    "remote get from node {} failed ({:?}); {} so far\n",
                    node,
                    e,
                    unsucc.get()
                );
            }
        }
    }
    fetched
}

/// Whether [`fetch`] failed with `e` after the peer's answer arrived (an answer refused here:
/// its page tag, its format or its data): the peer has processed the request, so after a
/// `TMEM_GET_AND_FREE` it no longer keeps the page.
pub(crate) fn peer_answered(e: Error) -> bool {
    e == errno(cerr::EBADMSG) || e == errno(cerr::EPROTO)
}

/// [`fetch`] without its counters and log, and without a window (the remote-get benchmark
/// times this): the reply must match the owner's tag `expected`, else it is refused
/// (`EBADMSG`) and counted.
pub(super) fn get_page(
    key: &RemoteKey,
    node: NodeNum,
    take: bool,
    expected: PageTag,
    codec: &dyn PageCodec,
    page: &mut [u8; PAGE_SIZE],
) -> Result {
    get_pages(key, node, take, expected, codec, page, None)
}

/// [`get_page`], prefetching `window` too.
fn get_pages(
    key: &RemoteKey,
    node: NodeNum,
    take: bool,
    expected: PageTag,
    codec: &dyn PageCodec,
    page: &mut [u8; PAGE_SIZE],
    window: Option<&SwapWindow<'_>>,
) -> Result {
    let _waiting = Waiting::new();
    let op = if take {
        TmemOp::GetAndFree
    } else {
        TmemOp::Get
    };
    with_runtime(|rt| {
        let own = start_get(rt.net(), node, op, key.wire(), Room::Wait)?;
        let mut batch = Batch {
            pages: [const { None }; WINDOW as usize],
        };
        if let Some(w) = window {
            batch.start(rt.net(), w, node);
        }
        // The reply lives in the request's buffer until it is dropped, within the runtime.
        let got = own.wait().and_then(|reply| {
            let zpage = decode_page(reply.data()).map_err(|_| errno(cerr::EPROTO))?;
            let tag = rt
                .page_tags()
                .tag(&key.tagged(node), zpage)
                .map_err(|_| EIO)?;
            if tag != expected {
                // Another page, an old version or altered bytes: never let it reach the page.
                RAMSTER_COUNTERS.remote_pages_bad_tag.inc();
                return Err(errno(cerr::EBADMSG));
            }
            codec
                .decompress(zpage, page)
                .map_err(|_| errno(cerr::EPROTO))
        });
        if let Some(w) = window {
            batch.collect(w.store, rt.page_tags());
        }
        got
    })
    .ok_or(errno(cerr::ENOTCONN))?
}

/// Sends a tmem get (`op`) of page `key` to `node`.
fn start_get(net: &Net, node: NodeNum, op: TmemOp, key: PageKey, room: Room) -> Result<Sent<'_>> {
    let request = TmemRequest { op, key, data: &[] };
    let mut payload = [0u8; KEY_LEN];
    encode_request(&request, &mut payload).map_err(|_| EINVAL)?;
    net.start_request_uninterruptible(
        node,
        MessageType::Tmem(op),
        &payload,
        DATA_HEADER_LEN + MAX_COMPRESSED_LEN as usize,
        REMOTE_TIMEOUT_MS,
        room,
    )
}

/// The prefetch requests of a window in flight: each marked page with its request.
struct Batch<'a> {
    pages: [Option<(Prefetch, Sent<'a>)>; WINDOW as usize],
}

impl<'a> Batch<'a> {
    /// Marks the remote pages on `node` of `w`'s window and sends a `TMEM_GET` for each, while
    /// a request slot is free without making anyone wait; a page that gets no request is a
    /// remote page again at once.
    #[inline(never)]
    fn start(&mut self, net: &'a Net, w: &SwapWindow<'_>, node: NodeNum) {
        let mut slots = self.pages.iter_mut();
        let mut room = true;
        w.store
            .prefetch_swap_window(w.pool, w.type_, w.offset, node, |p| {
                let key = RemoteKey {
                    pool: p.pool,
                    oid: p.oid,
                    index: p.index,
                    kind: p.remote.kind,
                };
                // After a request that found no slot, none is tried for the rest.
                let sent = room
                    .then(|| start_get(net, node, TmemOp::Get, key.wire(), Room::IfFree).ok())
                    .flatten();
                room = sent.is_some();
                match (sent, slots.next()) {
                    (Some(sent), Some(slot)) => *slot = Some((p, sent)),
                    // No request (dropping one gives it up): remote again at once.
                    _ => {
                        w.store.prefetch_abort(&p);
                    }
                }
            });
    }

    /// Collects every reply and stores the pages that came back (checked against their tags
    /// under `tags`); the others stay remote.
    #[inline(never)]
    fn collect(&mut self, store: &ZStore, tags: &PageTagKey) {
        for (p, sent) in self.pages.iter_mut().filter_map(Option::take) {
            let answer = sent.wait();
            match answer.as_ref().map(|reply| decode_page(reply.data())) {
                // Stored, or refused (then remote again) or gone.
                Ok(Ok(zpage)) => {
                    let _ = store.prefetch_commit(&p, zpage, tags);
                }
                // Not answered (no such page, a timeout, the peer gone) or not a page.
                _ => {
                    store.prefetch_abort(&p);
                }
            }
        }
    }
}
