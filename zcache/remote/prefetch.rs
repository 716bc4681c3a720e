// SPDX-License-Identifier: GPL-2.0

//! Prefetch: when a load finds its swap page on a peer, the other pages of its swap readahead
//! window that are on the same peer come back in the same round trip.
//!
//! Linux 6.12's swap readahead (`swap_cluster_readahead`: the aligned window of
//! 2^`page_cluster` offsets around the fault, read in increasing order; `swap_vma_readahead`:
//! the pages around the faulting address) calls frontswap's load hook once per page, one after
//! the other, each waiting for its page. With the pages on a peer that is one network round
//! trip per page, in sequence. So the load that finds the first remote page of a window also
//! sends a `TMEM_GET` for every other remote page of the aligned [`WINDOW`] around it, back to
//! back with its own request, and collects the replies in one wait; the pages are stored here
//! again, compressed as they came (no recompression), and the loads that follow find them
//! local.
//!
//! The prefetch is non-destructive: a window page's `TMEM_GET` leaves the peer's copy in place,
//! so a page that cannot be brought back (no request slot free, no room here, no answer, or a
//! wrong one) simply stays remote, and nothing depends on the swap device. Once a page is stored
//! here the peer's copy is flushed through the outbox like any remote page that leaves the
//! index.
//!
//! The store side, here, keeps it coherent with everything else that may happen to a window
//! page while its request travels:
//! 1. [`Store::prefetch_begin`] marks a [`ZDesc::Remote`] page [`ZDesc::Fetching`] under its
//!    bucket lock. A `Fetching` page is a remote page to everyone else: a get takes it (or
//!    reads it) and fetches it from the peer itself, a flush or a replacing put drops it and
//!    queues the peer's flush, a peer's death makes it [`ZDesc::OnDevice`].
//! 2. [`Store::prefetch_commit`] checks the answer against the page's tag, stores the zpage
//!    without evicting anything, and then, under the bucket lock, only if the descriptor is still
//!    the same `Fetching` one, makes it [`ZDesc::Prefetched`] and queues the flush of the peer's
//!    copy (under that lock, so before any later put of the key can leave for the peer).
//!    Otherwise the zpage is freed again: whoever changed the descriptor owns the page now.
//! 3. [`Store::prefetch_abort`] makes a still-`Fetching` page `Remote` again.
//!
//! The caller ends every page it began with one of the last two. A stale answer cannot be
//! stored: the descriptor names the tag of the page the peer should hold, and only an answer
//! with that tag (the same bytes) is accepted.

use super::super::frames::FrameSource;
use super::super::store::{key_home, LocalPage, Owner, RemotePage, Store, ZDesc};
use super::outbox::RemoteFlush;
use super::page_tag::{PageTagKey, TaggedPage};
use crate::cluster::node_num::NodeNum;
use crate::tmem::{Oid, PageIndex, PoolId};
use crate::zcache::swapkey::swap_key;

/// Swap offsets per prefetch window: 2^3, the kernel's default `page_cluster`.
pub const WINDOW: u64 = 8;

/// The swap offsets of the aligned [`WINDOW`] around `offset`, in increasing order, but for
/// `offset` itself and offset 0 (the swap header).
pub fn window(offset: u64) -> impl Iterator<Item = u64> {
    (offset & !(WINDOW - 1)..=offset | (WINDOW - 1)).filter(move |o| *o != offset && *o != 0)
}

/// A window page on its way back from its peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefetch {
    /// The page's pool.
    pub pool: PoolId,
    /// Its object.
    pub oid: Oid,
    /// Its index.
    pub index: PageIndex,
    /// Where it is, as its descriptor said when the prefetch began.
    pub remote: RemotePage,
}

impl Prefetch {
    /// What the page's tag covers besides its bytes.
    pub fn tagged(&self) -> TaggedPage {
        TaggedPage {
            node: self.remote.node,
            kind: self.remote.kind,
            pool: self.pool,
            oid: self.oid,
            index: self.index,
        }
    }
}

/// Why a prefetched page was not stored here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrefetchFailed {
    /// It was taken, flushed or replaced meanwhile (or its peer died): nothing to store.
    Gone,
    /// The answer is not the page (its tag differs): refused, the page stays remote.
    BadTag,
    /// No frame or record free without evicting: the page stays remote.
    NoRoom,
}

impl<S: FrameSource> Store<S> {
    /// Marks page (`oid`, `index`) of pool `pool` as being fetched if it is a remote page on
    /// `node`; returns what the prefetch needs.
    pub fn prefetch_begin(
        &self,
        pool: PoolId,
        oid: &Oid,
        index: PageIndex,
        node: NodeNum,
    ) -> Option<Prefetch> {
        let (tmem_pool, _) = self.live_pool(pool)?;
        let remote = tmem_pool.update(oid, index, |desc| match *desc {
            ZDesc::Remote(r) if r.node == node => {
                *desc = ZDesc::Fetching(r);
                Some(r)
            }
            _ => None,
        })??;
        Some(Prefetch {
            pool,
            oid: *oid,
            index,
            remote,
        })
    }

    /// Marks the remote pages on `node` of swap area `type_`'s window around `offset` (frontswap
    /// keys, [`swap_key`]) as being fetched, in increasing order, and calls `marked` with each
    /// (with no lock held: it may send the page's request); returns how many.
    pub fn prefetch_swap_window(
        &self,
        pool: PoolId,
        type_: u32,
        offset: u64,
        node: NodeNum,
        mut marked: impl FnMut(Prefetch),
    ) -> usize {
        let pages = window(offset).filter_map(|o| swap_key(type_, o));
        let mut count = 0;
        for (oid, index) in pages {
            // The bucket lock is dropped again before `marked` runs.
            if let Some(p) = self.prefetch_begin(pool, &oid, index, node) {
                marked(p);
                count += 1;
            }
        }
        count
    }

    /// Stores `zpage`, the peer's answer for `p`, if its tag (under `tags`) is `p`'s and the page
    /// is still being fetched by this prefetch; the peer's copy is then flushed. A page not
    /// stored for want of room or for a wrong answer stays remote ([`Store::prefetch_abort`]).
    pub fn prefetch_commit(
        &self,
        p: &Prefetch,
        zpage: &[u8],
        tags: &PageTagKey,
    ) -> Result<(), PrefetchFailed> {
        let counters = self.remote_counters();
        if tags.tag(&p.tagged(), zpage).ok() != Some(p.remote.tag) {
            // Another page, an old version or altered bytes: never let it in. (A page replaced
            // and moved to the peer again while the request travelled is answered with its new
            // bytes: not a wrong answer, and no longer this prefetch's page.)
            if !self.prefetch_abort(p) {
                return Err(PrefetchFailed::Gone);
            }
            counters.remote_pages_bad_tag.inc();
            return Err(PrefetchFailed::BadTag);
        }
        let (tmem_pool, _) = self.live_pool(p.pool).ok_or(PrefetchFailed::Gone)?;
        let owner = Owner {
            pool: p.pool,
            oid: p.oid,
            index: p.index,
        };
        // Only free room: a page that may never be loaded evicts nothing.
        let Some(local) = self
            .place_zpage(p.remote.kind, owner, zpage, key_home(&owner))
            .ok()
            .and_then(LocalPage::of)
        else {
            self.prefetch_abort(p);
            return Err(PrefetchFailed::NoRoom);
        };
        let flush = RemoteFlush::Page {
            node: p.remote.node,
            pool: p.pool,
            kind: p.remote.kind,
            oid: p.oid,
            index: p.index,
        };
        let committed = tmem_pool.update(&p.oid, p.index, |desc| {
            if *desc != ZDesc::Fetching(p.remote) {
                return false;
            }
            *desc = ZDesc::Prefetched(local);
            // Queued before the lock goes, so before any later put of this key can leave
            // for the peer: the worker sends flushes before pages.
            self.outbox()
                .push_or_count(flush, &counters.remote_page_flushes_failed);
            true
        }) == Some(true);
        if !committed {
            self.release(local.desc());
            return Err(PrefetchFailed::Gone);
        }
        self.remote_left(p.remote);
        counters.pers_pages_prefetched.inc();
        Ok(())
    }

    /// The prefetch of `p` failed: if the page is still being fetched by it, it is a remote
    /// page again (its peer keeps it) and the failure is counted; returns whether it was.
    pub fn prefetch_abort(&self, p: &Prefetch) -> bool {
        let restored = self.live_pool(p.pool).and_then(|(pool, _)| {
            pool.update(&p.oid, p.index, |desc| {
                let fetching = *desc == ZDesc::Fetching(p.remote);
                if fetching {
                    *desc = ZDesc::Remote(p.remote);
                }
                fetching
            })
        }) == Some(true);
        if restored {
            self.remote_counters().pers_prefetch_failed.inc();
        }
        restored
    }
}
