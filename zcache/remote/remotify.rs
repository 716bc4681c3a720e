// SPDX-License-Identifier: GPL-2.0

//! Moving compressed pages out of the local store to a peer, and back to safety when the peer
//! dies: the store side of RAMster's remotify worker.
//!
//! The worker (process context, one thread) calls [`Store::remotify_begin`] to pick the least
//! recently used frame of a kind: each page in it is marked [`ZDesc::Leaving`] and its
//! compressed bytes copied out, under the page's tmem bucket lock, so the copy is exactly the
//! page the index holds. The worker then sends the copy (sleeping, with no lock held; a
//! persistent page is first written to the swap device) and calls [`Store::remotify_commit`],
//! which swaps the descriptor for a [`ZDesc::Remote`] and frees the local zpage, or
//! [`Store::remotify_abort`], which makes it a plain local page again. A page taken, flushed or
//! replaced meanwhile is no longer `Leaving`: the commit fails and the worker flushes the copy
//! it sent. Only this worker makes `Leaving` descriptors, so one cannot be mistaken for another.
//!
//! [`Store::forget_node`] is the peer-death policy: persistent pages on the dead peer become
//! [`ZDesc::OnDevice`] (they were written to the swap device before they left), ephemeral ones
//! are dropped (they are clean copies of file pages). Pages a prefetch is fetching from it are
//! remote pages like the others (the prefetch then finds them changed and stores nothing).

use super::super::compress::COMPRESS_BOUND;
use super::super::frames::FrameSource;
use super::super::store::{LocalPage, Owner, RemotePage, Store, ZDesc};
use super::super::zbud::{ZbudHandle, ZbudKind};
use super::page_tag::PageTag;
use crate::cluster::node_num::NodeNum;
use crate::os::Gfp;

/// A page on its way to a peer: which page, and how long its compressed copy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Departure {
    /// The page's key.
    pub owner: Owner,
    /// Its zbud kind.
    pub kind: ZbudKind,
    /// Its zbud handle (still holding the page until the commit).
    pub handle: ZbudHandle,
    /// Bytes of its compressed copy.
    pub len: usize,
}

/// The compressed copies of one frame's pages.
pub type FrameCopy = [[u8; COMPRESS_BOUND]; 2];

impl<S: FrameSource> Store<S> {
    /// Picks the least recently used frame of `kind` and marks its pages as leaving; their
    /// compressed bytes are copied into `copy` (buddy `i` into `copy[i]`). `None` if the zbud
    /// has no frame, or if the outbox cannot grow (with `gfp`) to hold a flush for every remote
    /// page, these two included: no page leaves then. A buddy slot is `None` if it is empty or
    /// its page cannot leave.
    pub fn remotify_begin(
        &self,
        kind: ZbudKind,
        copy: &mut FrameCopy,
        gfp: Gfp,
    ) -> Option<[Option<Departure>; 2]> {
        self.reserve_flush_room(gfp)?;
        // The first shard with a frame, from a rotating start: every shard's frames get their
        // turn (one shard's lock at a time).
        let shards = self.shards();
        let buddies = shards
            .round_from(shards.next_victim())
            .find_map(|shard| self.zbud_at(kind, shard).rotate_lru())?;
        let mut out = [None, None];
        for ((slot, buddy), buf) in out.iter_mut().zip(buddies).zip(copy.iter_mut()) {
            let Some((handle, owner)) = buddy else {
                continue;
            };
            let Some((pool, _)) = self.live_pool(owner.pool) else {
                continue;
            };
            let len = pool.update(&owner.oid, owner.index, |desc| {
                // A prefetched page nobody loaded may leave again, like any other.
                let here = match *desc {
                    ZDesc::Zbud(k, h) | ZDesc::Prefetched(LocalPage::Zbud(k, h)) => (k, h),
                    _ => return None,
                };
                if here != (kind, handle) {
                    return None;
                }
                let len = self
                    .zbud_of(kind, handle)
                    .read(self.frames(), handle, buf)
                    .ok()?;
                *desc = ZDesc::Leaving(kind, handle);
                Some(len)
            });
            if let Some(Some(len)) = len {
                *slot = Some(Departure {
                    owner,
                    kind,
                    handle,
                    len,
                });
            }
        }
        Some(out)
    }

    /// The copy of `d` is on `node` now: the page becomes remote, with `tag` (the owner's tag of
    /// the copy, checked by every get), and its local zpage is freed.
    /// False if the page was taken, flushed or replaced since [`Store::remotify_begin`]: then
    /// the caller must flush the copy on `node`.
    pub fn remotify_commit(&self, d: &Departure, node: NodeNum, tag: PageTag) -> bool {
        let remote = RemotePage {
            node,
            kind: d.kind,
            tag,
        };
        let committed = self.live_pool(d.owner.pool).and_then(|(pool, _)| {
            pool.update(&d.owner.oid, d.owner.index, |desc| {
                let leaving = *desc == ZDesc::Leaving(d.kind, d.handle);
                if leaving {
                    *desc = ZDesc::Remote(remote);
                }
                leaving
            })
        }) == Some(true);
        if committed {
            let mut zbud = self.zbud_of(d.kind, d.handle);
            let before = zbud.stats();
            // The handle was the page's until just now, and nothing else frees a `Leaving`
            // page's handle once its descriptor has changed.
            let _ = zbud.free(self.frames(), d.handle);
            self.publish(d.kind, &before, &zbud.stats());
            drop(zbud);
            self.remote_arrived(remote);
        }
        committed
    }

    /// `d` stays here after all (its peer refused it, or it could not be made safe first).
    pub fn remotify_abort(&self, d: &Departure) {
        if let Some((pool, _)) = self.live_pool(d.owner.pool) {
            pool.update(&d.owner.oid, d.owner.index, |desc| {
                if *desc == ZDesc::Leaving(d.kind, d.handle) {
                    *desc = ZDesc::Zbud(d.kind, d.handle);
                }
            });
        }
    }

    /// Calls `visit(oid, index)` for up to `max` remote pages of pool `pool`, under their bucket
    /// locks (the visitor must not call the store or sleep). Walks in batches and reschedules
    /// between them: process context, no lock held.
    pub fn for_each_remote_page(
        &self,
        pool: crate::tmem::PoolId,
        max: usize,
        mut visit: impl FnMut(&crate::tmem::Oid, crate::tmem::PageIndex),
    ) {
        let mut seen = 0;
        let mut at = Some(crate::tmem::WalkAt::START);
        while let Some(from) = at.filter(|_| seen < max) {
            at = self.walk_pages(pool, from, |oid, index, desc| {
                if matches!(desc, ZDesc::Remote(_)) {
                    if seen == max {
                        return false;
                    }
                    seen = seen.saturating_add(1);
                    visit(oid, index);
                }
                true
            });
            crate::os::cond_resched();
        }
    }

    /// Node `node` died: its persistent pages are served by the swap device from now on
    /// ([`ZDesc::OnDevice`]) and its ephemeral pages are dropped. Returns (persistent, ephemeral)
    /// page counts.
    pub fn forget_node(&self, node: NodeNum) -> (usize, usize) {
        let (mut pers, mut eph) = (0usize, 0usize);
        for (_, pool) in self.client().pools() {
            pool.retain_pages(|desc| match *desc {
                ZDesc::Remote(r) | ZDesc::Fetching(r) if r.node == node => {
                    self.remote_left(r);
                    match r.kind {
                        ZbudKind::Persistent => {
                            *desc = ZDesc::OnDevice;
                            pers = pers.saturating_add(1);
                            true
                        }
                        ZbudKind::Ephemeral => {
                            eph = eph.saturating_add(1);
                            false
                        }
                    }
                }
                _ => true,
            });
        }
        let c = self.remote_counters();
        c.pers_pages_peer_died.add(pers as u64);
        c.eph_pages_peer_died.add(eph as u64);
        (pers, eph)
    }
}
