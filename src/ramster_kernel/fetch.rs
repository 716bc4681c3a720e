// SPDX-License-Identifier: GPL-2.0

//! A get of a page kept on a peer: the faulting thread sends `TMEM_GET` (or `TMEM_GET_AND_FREE`
//! when the page has left the local index) and sleeps until the reply, a timeout, or the peer's
//! death wakes it; the reply's compressed page is checked (length, CRC-32C, and the owner's tag
//! kept in the remote descriptor) and decompressed into the faulting page. The caller decides what a failure means (persistent: read the swap
//! device; ephemeral: a miss).

use super::runtime::with_runtime;
use super::{RemoteKey, REMOTE_TIMEOUT_MS};
use crate::cluster::errno as cerr;
use crate::cluster::node_num::NodeNum;
use crate::cluster::tmem_messages::{
    decode_page, encode_request, TmemOp, TmemRequest, DATA_HEADER_LEN, KEY_LEN, MAX_COMPRESSED_LEN,
};
use crate::cluster::wire::MessageType;
use crate::net::{errno, now_ms, now_us};
use crate::os::PAGE_SIZE;
use crate::zcache::compress::PageCodec;
use crate::zcache::remote::counters::RAMSTER_COUNTERS;
use crate::zcache::remote::page_tag::PageTag;
use crate::zcache::store::RemotePage;
use crate::zcache::zbud::ZbudKind;
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

/// Fills `page` with page `key` from where `remote` says; with `take`, the peer drops its copy.
pub(crate) fn fetch(
    key: &RemoteKey,
    remote: &RemotePage,
    take: bool,
    codec: &dyn PageCodec,
    page: &mut [u8; PAGE_SIZE],
) -> Result {
    let c = &RAMSTER_COUNTERS;
    let start = now_us();
    let node = remote.node;
    let fetched = get_page(key, node, take, remote.tag, codec, page);
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

/// [`fetch`] without its counters and log (the remote-get benchmark times this): the reply must
/// match the owner's tag `expected`, else it is refused (`EBADMSG`) and counted.
pub(super) fn get_page(
    key: &RemoteKey,
    node: NodeNum,
    take: bool,
    expected: PageTag,
    codec: &dyn PageCodec,
    page: &mut [u8; PAGE_SIZE],
) -> Result {
    let _waiting = Waiting::new();
    let op = if take {
        TmemOp::GetAndFree
    } else {
        TmemOp::Get
    };
    let request = TmemRequest {
        op,
        key: key.wire(),
        data: &[],
    };
    let mut payload = [0u8; KEY_LEN];
    encode_request(&request, &mut payload).map_err(|_| EINVAL)?;
    with_runtime(|rt| {
        // The reply lives in the request's buffer until it is dropped, within the runtime.
        let reply = rt.net().send_request_uninterruptible(
            node,
            MessageType::Tmem(op),
            &payload,
            DATA_HEADER_LEN + MAX_COMPRESSED_LEN as usize,
            REMOTE_TIMEOUT_MS,
        )?;
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
    })
    .ok_or(errno(cerr::ENOTCONN))?
}
