// SPDX-License-Identifier: GPL-2.0

//! The outbox: flushes of remote pages, objects and pools that wait for the remotify worker to
//! send them to their peers.
//!
//! A remote page usually leaves the index where nothing may sleep (a swap entry freed under the
//! swap lock, a cleancache invalidation with interrupts off), so the store cannot send the
//! flush itself. It pushes it here instead: a ring behind a spinlock, so pushing never
//! allocates.
//!
//! The ring never fills: it grows in process context ([`Outbox::reserve`]) before any page
//! leaves for a peer, so that it always has a slot for every remote page and every queued flush
//! (`Store::remotify_begin`). A page flush is queued only when a remote page leaves the index,
//! and an object or pool flush only for a peer that held at least one page of it, so the number
//! of queued flushes plus remote pages never grows but by a remotify. A push that still finds
//! the ring full (a bug) is counted as failed.

use super::super::counters::Count;
use super::super::zbud::ZbudKind;
use crate::cluster::node_num::NodeNum;
use crate::os::{lock_class, AllocError, BigArray, Gfp, SpinLockArray};
use crate::tmem::{Oid, PageIndex, PoolId};

/// A flush a peer has to be told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoteFlush {
    /// Drop one page.
    Page {
        /// The peer.
        node: NodeNum,
        /// The local pool id (the peer scopes it by this node).
        pool: PoolId,
        /// The pool's kind.
        kind: ZbudKind,
        /// The object.
        oid: Oid,
        /// The page.
        index: PageIndex,
    },
    /// Drop every page of an object.
    Object {
        /// The peer.
        node: NodeNum,
        /// The local pool id.
        pool: PoolId,
        /// The pool's kind.
        kind: ZbudKind,
        /// The object.
        oid: Oid,
    },
    /// Drop a whole pool.
    Pool {
        /// The peer.
        node: NodeNum,
        /// The local pool id.
        pool: PoolId,
        /// The pool's kind.
        kind: ZbudKind,
    },
}

impl RemoteFlush {
    /// The peer it is for.
    pub fn node(&self) -> NodeNum {
        match *self {
            RemoteFlush::Page { node, .. }
            | RemoteFlush::Object { node, .. }
            | RemoteFlush::Pool { node, .. } => node,
        }
    }
}

/// A ring of up to its capacity of [`RemoteFlush`]es.
struct Ring {
    /// The slots (`None` only in a lock array's spare fill, never in use).
    items: Option<BigArray<RemoteFlush>>,
    head: usize,
    len: usize,
}

/// The ring behind its lock.
pub struct Outbox(SpinLockArray<Ring, 1>);

/// Which end of the ring a flush joins.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Front,
    Back,
}

/// What fills a slot that holds no flush.
const FILLER: RemoteFlush = RemoteFlush::Pool {
    node: NodeNum::FIRST,
    pool: PoolId(0),
    kind: ZbudKind::Ephemeral,
};

impl Outbox {
    /// An empty outbox for `capacity` flushes, allocated now with `gfp`.
    pub fn new(capacity: usize, gfp: Gfp) -> Result<Self, AllocError> {
        let mut items = Some(BigArray::from_elem(FILLER, capacity.max(1), gfp)?);
        Ok(Self(SpinLockArray::new(
            |_| Ring {
                items: items.take(),
                head: 0,
                len: 0,
            },
            lock_class!("ramster_outbox"),
            gfp,
        )?))
    }

    /// How many flushes the outbox can hold.
    pub fn capacity(&self) -> usize {
        self.0.lock(0).items.as_ref().map_or(0, |items| items.len())
    }

    /// Grows the ring to hold at least `needed` flushes (by a quarter at least, so that growing
    /// is rare and a ring costs at most about 50 bytes per remote page). Process context, no
    /// lock held: the new ring is allocated with `gfp`, the queued flushes are moved into it
    /// under the lock, in order, and the old ring is freed after the lock is dropped.
    pub fn reserve(&self, needed: usize, gfp: Gfp) -> Result<(), AllocError> {
        let capacity = self.capacity();
        if capacity >= needed {
            return Ok(());
        }
        let size = needed.max(capacity.saturating_add(capacity / 4));
        let mut bigger = BigArray::from_elem(FILLER, size, gfp)?;
        let mut guard = self.0.lock(0);
        let ring = &mut *guard;
        let Some(items) = ring.items.as_ref() else {
            return Err(AllocError);
        };
        if items.len() >= bigger.len() {
            // Grown meanwhile: `bigger` is freed below, after the lock.
            drop(guard);
            return Ok(());
        }
        for (i, slot) in bigger.iter_mut().take(ring.len).enumerate() {
            let from = ring.head.saturating_add(i).checked_rem(items.len());
            if let Some(flush) = from.and_then(|from| items.get(from)) {
                *slot = *flush;
            }
        }
        let old = ring.items.replace(bigger);
        ring.head = 0;
        drop(guard);
        // Freed here, with no lock held (a large ring is vmalloc'ed).
        drop(old);
        Ok(())
    }

    /// Queues `flush`; false (and nothing queued) if the outbox is full.
    pub fn push(&self, flush: RemoteFlush) -> bool {
        self.insert(flush, End::Back)
    }

    /// Puts `flush`, just taken with [`Outbox::pop`] and not sent, back in front of the others;
    /// false (and nothing queued) if the outbox is full. The slot it had is free unless a push
    /// took it, and every push has a slot of its own (see above).
    pub fn push_front(&self, flush: RemoteFlush) -> bool {
        self.insert(flush, End::Front)
    }

    fn insert(&self, flush: RemoteFlush, end: End) -> bool {
        let mut guard = self.0.lock(0);
        let ring = &mut *guard;
        let Some(items) = ring.items.as_mut() else {
            return false;
        };
        let size = items.len();
        if ring.len >= size {
            return false;
        }
        let at = match end {
            End::Back => ring.head.checked_add(ring.len),
            End::Front => ring.head.checked_add(size.saturating_sub(1)),
        };
        let Some(at) = at.and_then(|i| i.checked_rem(size)) else {
            return false;
        };
        match items.get_mut(at) {
            Some(slot) => *slot = flush,
            None => return false,
        }
        if end == End::Front {
            ring.head = at;
        }
        ring.len = ring.len.saturating_add(1);
        true
    }

    /// Queues `flush`, or counts it in `failed` if the outbox is full.
    pub fn push_or_count(&self, flush: RemoteFlush, failed: &Count) {
        if !self.push(flush) {
            failed.inc();
        }
    }

    /// Takes the oldest queued flush.
    pub fn pop(&self) -> Option<RemoteFlush> {
        let mut guard = self.0.lock(0);
        let ring = &mut *guard;
        let items = ring.items.as_ref()?;
        if ring.len == 0 {
            return None;
        }
        let flush = *items.get(ring.head)?;
        ring.head = ring.head.saturating_add(1).checked_rem(items.len())?;
        ring.len = ring.len.saturating_sub(1);
        Some(flush)
    }

    /// How many flushes wait.
    pub fn len(&self) -> usize {
        self.0.lock(0).len
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
