// SPDX-License-Identifier: GPL-2.0

//! The outbox: flushes of remote pages, objects and pools that wait for the remotify worker to
//! send them to their peers.
//!
//! A remote page usually leaves the index where nothing may sleep (a swap entry freed under the
//! swap lock, a cleancache invalidation with interrupts off), so the store cannot send the
//! flush itself. It pushes it here instead: a fixed ring allocated with the store, behind a
//! spinlock, so pushing never allocates. When the ring is full the flush is counted as failed;
//! the peer then keeps a stale copy that nobody will ask for until the pool or the node goes
//! (it still counts against this node's foreign limit there).

use super::super::counters::Count;
use super::super::zbud::ZbudKind;
use crate::cluster::node_num::NodeNum;
use crate::os::{lock_class, AllocError, Gfp, SpinLockArray, Vec};
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
    items: Option<Vec<RemoteFlush>>,
    head: usize,
    len: usize,
}

/// The ring behind its lock.
pub struct Outbox(SpinLockArray<Ring, 1>);

impl Outbox {
    /// An empty outbox for `capacity` flushes, allocated now with `gfp`.
    pub fn new(capacity: usize, gfp: Gfp) -> Result<Self, AllocError> {
        let filler = RemoteFlush::Pool {
            node: NodeNum::new(0).ok_or(AllocError)?,
            pool: PoolId(0),
            kind: ZbudKind::Ephemeral,
        };
        let items = Vec::from_elem(filler, capacity.max(1), gfp)?;
        let mut items = Some(items);
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

    /// Queues `flush`; false (and nothing queued) if the outbox is full.
    pub fn push(&self, flush: RemoteFlush) -> bool {
        let mut guard = self.0.lock(0);
        let ring = &mut *guard;
        let Some(items) = ring.items.as_mut() else {
            return false;
        };
        if ring.len >= items.len() {
            return false;
        }
        let Some(tail) = ring.head.saturating_add(ring.len).checked_rem(items.len()) else {
            return false;
        };
        match items.get_mut(tail) {
            Some(slot) => *slot = flush,
            None => return false,
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
