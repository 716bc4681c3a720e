// SPDX-License-Identifier: GPL-2.0

//! Requests waiting for their replies, on the kernel side of `cluster/waiters.rs`, behind a
//! lock of their own (`Shared::requests`).
//!
//! The waiter table hands out request ids and slots (at most [`PER_PEER`] on one connection)
//! and decides which request a reply, a timeout or a closed connection ends. A sender's
//! outcome and reply buffer live in a [`Pending`] entry, found by request id, that the sender
//! holds from [`Requests::begin_request`] until its [`super::messaging::Reply`] is dropped (or
//! the request fails): a waiter slot can be reused at once while the sender has not yet read
//! its reply. Entries and their reply buffers are allocated when the cluster starts, so a page
//! fault's request allocates nothing.
//!
//! Each entry has its own wait queue (`Shared::wakers`, same index): an event ends requests
//! and returns a [`Wake`] naming just their entries, and only their senders wake up. Senders
//! that wait for a free entry or slot sleep on their node's room queue (`Shared::rooms`), and a
//! freed entry wakes one of them ([`Requests::room_to_wake`]): its own node's if one waits,
//! else another node's.
//!
//! Lock order: the cluster state's mutex, then this one, never the other way round. A reply
//! is completed under this lock alone.

use super::conn::Conn;
use super::now_ms;
use super::state::{boxed, global_conn, State};
use super::{errno, Shared};
use crate::cluster::connection::{ConnId, LinkState};
use crate::cluster::errno as cerr;
use crate::cluster::heartbeat::Liveness;
use crate::cluster::node_num::NodeNum;
use crate::cluster::room_waiters::RoomWaiters;
use crate::cluster::waiters::{Outcome, WaiterTable};
use crate::cluster::wire::{Header, MAX_PAYLOAD_LEN};
use kernel::prelude::*;
use kernel::sync::Arc;

/// How many requests may wait for replies at once, over all peers.
pub(crate) const WAITERS: usize = 64;
/// How many of them may wait on one peer.
pub(crate) const PER_PEER: usize = 32;
/// How many senders may hold an entry (waiting, or reading their reply).
pub(crate) const ENTRIES: usize = WAITERS + 16;

/// A request's entry: 0 in `request_id` when free.
pub(crate) struct Pending {
    request_id: u64,
    /// The node the request went to (whose room waiters a freed entry wakes first).
    node: NodeNum,
    outcome: Option<Outcome>,
    /// Room for the longest payload, allocated once; lent to the sender's reply.
    reply: KVec<u8>,
    reply_len: usize,
    /// The longest reply the sender accepts.
    reply_max: usize,
    overflow: bool,
}

impl Pending {
    /// A free entry with its reply buffer.
    pub(crate) fn new() -> Result<Pending> {
        Ok(Pending {
            request_id: 0,
            node: NodeNum::FIRST,
            outcome: None,
            reply: KVec::from_elem(0u8, MAX_PAYLOAD_LEN as usize, GFP_KERNEL)?,
            reply_len: 0,
            reply_max: 0,
            overflow: false,
        })
    }
}

/// The entries whose senders must wake up.
#[derive(Clone, Copy, Default)]
#[must_use]
pub(crate) struct Wake(u128);

const _: () = assert!(ENTRIES <= 128, "Wake holds one bit per entry");

impl Wake {
    fn add(&mut self, entry: usize) {
        self.0 |= 1u128.checked_shl(entry as u32).unwrap_or(0);
    }

    /// Both sets.
    pub(crate) fn and(self, other: Wake) -> Wake {
        Wake(self.0 | other.0)
    }

    /// Wakes the senders of the entries (their outcome is set); with or without the lock.
    pub(crate) fn notify(self, shared: &Shared) {
        for (entry, waker) in shared.wakers.iter().enumerate() {
            if self.0 & 1u128.checked_shl(entry as u32).unwrap_or(0) != 0 {
                waker.notify_one();
            }
        }
    }
}

/// What a sender collects: the outcome, the reply buffer and how much of it is the reply.
pub(crate) struct Collected {
    pub(crate) outcome: Outcome,
    pub(crate) buffer: KVec<u8>,
    pub(crate) len: usize,
    pub(crate) overflow: bool,
}

/// The requests in flight and the senders waiting for room, behind `Shared::requests`.
pub(crate) struct Requests {
    waiters: KBox<WaiterTable<WAITERS>>,
    /// The request id of each waiter slot, to find its [`Pending`].
    slot_request: KBox<[u64; WAITERS]>,
    pending: KVec<Pending>,
    /// How many senders wait for room on each node's queue (`Shared::rooms`).
    room_waiters: KBox<RoomWaiters>,
    /// Replies that matched no waiting request (it had timed out): discarded.
    pub(crate) replies_unmatched: u64,
    /// Times a sender slept for room, and times one woke to find none and slept again.
    pub(crate) room_waits: u64,
    pub(crate) room_wakeups_futile: u64,
}

impl Requests {
    /// No request in flight; every entry's reply buffer allocated.
    #[inline(never)]
    pub(crate) fn new() -> Result<KBox<Requests>> {
        let mut pending = KVec::with_capacity(ENTRIES, GFP_KERNEL)?;
        for _ in 0..ENTRIES {
            pending.push(Pending::new()?, GFP_KERNEL)?;
        }
        let requests = Requests {
            waiters: boxed(|| WaiterTable::with_quota(PER_PEER))?,
            slot_request: boxed(|| [0; WAITERS])?,
            pending,
            room_waiters: boxed(RoomWaiters::new)?,
            replies_unmatched: 0,
            room_waits: 0,
            room_wakeups_futile: 0,
        };
        boxed(|| requests)
    }

    /// Whether [`Requests::begin_request`] would find an entry and a waiter slot for a request
    /// on `gconn` now.
    pub(crate) fn request_room(&self, gconn: ConnId) -> bool {
        self.waiters.has_room(gconn) && self.pending.iter().any(|p| p.request_id == 0)
    }

    /// Takes a waiter slot for a request to `node` on `gconn` and a free entry; returns the
    /// entry's index and the request id (`EAGAIN` if there is no room: see
    /// [`Requests::request_room`]).
    pub(crate) fn begin_request(
        &mut self,
        node: NodeNum,
        gconn: ConnId,
        timeout_ms: u32,
        reply_max: usize,
    ) -> Result<(usize, u64)> {
        let entry = self
            .pending
            .iter()
            .position(|p| p.request_id == 0)
            .ok_or(EAGAIN)?;
        let (slot, id) = self
            .waiters
            .begin(gconn, now_ms(), timeout_ms)
            .map_err(|_| EAGAIN)?;
        if let Some(r) = self.slot_request.get_mut(slot) {
            *r = id;
        }
        if let Some(p) = self.pending.get_mut(entry) {
            p.request_id = id;
            p.node = node;
            p.outcome = None;
            p.reply_len = 0;
            p.reply_max = reply_max;
            p.overflow = false;
        }
        Ok((entry, id))
    }

    /// The entry of the request waiting in waiter slot `slot`, which just ended with
    /// `outcome`: records it and adds the entry to `wake`.
    fn end_slot(&mut self, slot: usize, outcome: Outcome, wake: &mut Wake) -> Option<usize> {
        let id = core::mem::replace(self.slot_request.get_mut(slot)?, 0);
        let entry = self
            .pending
            .iter()
            .position(|p| p.request_id == id && id != 0)?;
        if let Some(p) = self.pending.get_mut(entry) {
            p.outcome = Some(outcome);
        }
        wake.add(entry);
        Some(entry)
    }

    /// The outcome of request `id` in `entry`, if it ended, with the entry's reply buffer; the
    /// entry stays the sender's until [`Requests::release_entry`] gives the buffer back.
    pub(crate) fn take_outcome(&mut self, entry: usize, id: u64) -> Option<Collected> {
        let p = self.pending.get_mut(entry).filter(|p| p.request_id == id)?;
        let outcome = p.outcome.take()?;
        Some(Collected {
            outcome,
            buffer: core::mem::take(&mut p.reply),
            len: p.reply_len,
            overflow: p.overflow,
        })
    }

    /// Frees `entry`, giving back its reply buffer; returns the node whose room waiter to wake.
    pub(crate) fn release_entry(&mut self, entry: usize, buffer: KVec<u8>) -> Option<NodeNum> {
        let p = self.pending.get_mut(entry)?;
        p.reply = buffer;
        p.request_id = 0;
        let node = p.node;
        self.room_to_wake(node)
    }

    /// A sender for `node` waits for room (`true`), or stopped waiting.
    pub(crate) fn wait_for_room(&mut self, node: NodeNum, waiting: bool) {
        if waiting {
            self.room_waits = self.room_waits.saturating_add(1);
            self.room_waiters.add(node);
        } else {
            self.room_waiters.remove(node);
        }
    }

    /// The node one of whose room waiters should wake now that an entry of a request to
    /// `freed` is free ([`RoomWaiters::to_wake`]).
    pub(crate) fn room_to_wake(&self, freed: NodeNum) -> Option<NodeNum> {
        self.room_waiters.to_wake(freed)
    }

    /// Gives up request `id` in `entry` (timeout, signal or failed send) and frees the entry;
    /// returns the node whose room waiter to wake.
    pub(crate) fn cancel_request(&mut self, entry: usize, id: u64) -> Option<NodeNum> {
        if let Some(slot) = self.slot_request.iter().position(|r| *r == id) {
            self.waiters.cancel(slot);
            if let Some(r) = self.slot_request.get_mut(slot) {
                *r = 0;
            }
        }
        let p = self.pending.get_mut(entry).filter(|p| p.request_id == id)?;
        p.request_id = 0;
        p.outcome = None;
        let node = p.node;
        self.room_to_wake(node)
    }

    /// A `REPLY` arrived on `gconn`: completes its waiter with the payload copied.
    pub(crate) fn complete_reply(
        &mut self,
        gconn: ConnId,
        header: &Header,
        payload: &[u8],
    ) -> Wake {
        let mut wake = Wake::default();
        let Some((slot, outcome)) = self.waiters.reply(gconn, header.request_id, header.status)
        else {
            self.replies_unmatched = self.replies_unmatched.saturating_add(1);
            return wake;
        };
        let Some(entry) = self.end_slot(slot, outcome, &mut wake) else {
            return wake;
        };
        if let Some(p) = self.pending.get_mut(entry) {
            let room = p.reply_max.min(p.reply.len());
            match p
                .reply
                .get_mut(..payload.len())
                .filter(|_| payload.len() <= room)
            {
                Some(dst) => {
                    dst.copy_from_slice(payload);
                    p.reply_len = payload.len();
                }
                None => p.overflow = true,
            }
        }
        wake
    }

    /// Fails every request on `gconn`.
    pub(crate) fn fail_requests(&mut self, gconn: ConnId, node_down: bool) -> Wake {
        let mut wake = Wake::default();
        while let Some((slot, outcome)) = self.waiters.fail_conn(gconn, node_down) {
            self.end_slot(slot, outcome, &mut wake);
        }
        wake
    }

    /// Times out the requests whose deadline has passed at `now`.
    pub(crate) fn expire_requests(&mut self, now: u64) -> Wake {
        let mut wake = Wake::default();
        while let Some((slot, outcome)) = self.waiters.expire(now) {
            self.end_slot(slot, outcome, &mut wake);
        }
        wake
    }

    /// The earliest deadline of a waiting request.
    pub(crate) fn next_request_deadline(&self) -> Option<u64> {
        self.waiters.next_deadline()
    }
}

impl State {
    /// Whether node `to` is up.
    pub(crate) fn node_is_up(&self, to: NodeNum) -> bool {
        self.peers
            .get(to.index())
            .and_then(Option::as_ref)
            .is_some_and(|slot| slot.peer.liveness() == Liveness::Up)
    }

    /// The open connection to `to`, for a sender: `ENOTCONN` if there is none.
    pub(crate) fn open_conn(&mut self, to: NodeNum) -> Result<(Arc<Conn>, ConnId)> {
        let slot = self
            .peers
            .get(to.index())
            .and_then(Option::as_ref)
            .ok_or(errno(cerr::ENOTCONN))?;
        if slot.peer.liveness() != Liveness::Up {
            return Err(errno(cerr::EHOSTDOWN));
        }
        match &slot.conn {
            Some((conn, c)) if slot.peer.connection().state() == LinkState::Up && c.is_open() => {
                Ok((c.clone(), global_conn(slot.gen, *conn)))
            }
            _ => Err(errno(cerr::ENOTCONN)),
        }
    }
}
