// SPDX-License-Identifier: GPL-2.0

//! Requests waiting for their replies, on the kernel side of `cluster/waiters.rs`.
//!
//! The waiter table hands out request ids and slots and decides which request a reply, a
//! timeout or a closed connection ends. A sender's reply buffer and outcome live in a
//! [`Pending`] entry found by request id, so a slot can be reused at once while the sender has
//! not yet collected its outcome. Senders sleep on the `replies` condvar of
//! [`super::Shared`] (see `messaging.rs`).

use super::conn::Conn;
use super::errno;
use super::now_ms;
use super::state::{global_conn, State};
use crate::cluster::connection::{ConnId, LinkState};
use crate::cluster::errno as cerr;
use crate::cluster::heartbeat::Liveness;
use crate::cluster::node_num::NodeNum;
use crate::cluster::waiters::Outcome;
use crate::cluster::wire::Header;
use kernel::prelude::*;
use kernel::sync::Arc;

/// A request waiting for its reply.
pub(crate) struct Pending {
    /// 0 when the entry is free.
    pub(crate) request_id: u64,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) reply: KVec<u8>,
    pub(crate) reply_len: usize,
    pub(crate) overflow: bool,
}

impl State {
    /// Whether [`State::begin_request`] would find a waiter slot and a pending entry now.
    pub(crate) fn request_room(&self) -> bool {
        self.waiters.has_free_slot() && self.pending.iter().any(|p| p.request_id == 0)
    }

    /// Takes a waiter slot for a request on `gconn` and a pending entry holding `reply`
    /// (`EAGAIN` if there is none: see [`State::request_room`]).
    pub(crate) fn begin_request(
        &mut self,
        gconn: ConnId,
        timeout_ms: u32,
        reply: KVec<u8>,
    ) -> Result<u64> {
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
            *p = Pending {
                request_id: id,
                outcome: None,
                reply,
                reply_len: 0,
                overflow: false,
            };
        }
        Ok(id)
    }

    fn pending_of_slot(&mut self, slot: usize) -> Option<&mut Pending> {
        let id = *self.slot_request.get(slot)?;
        self.pending
            .iter_mut()
            .find(|p| p.request_id == id && id != 0)
    }

    /// Ends request `id` (taken by its sender): its outcome if one came, and its entry freed
    /// when `finish`.
    pub(crate) fn take_outcome(&mut self, id: u64) -> Option<(Outcome, KVec<u8>, usize, bool)> {
        let p = self.pending.iter_mut().find(|p| p.request_id == id)?;
        let outcome = p.outcome.take()?;
        p.request_id = 0;
        let reply = core::mem::replace(&mut p.reply, KVec::new());
        Some((outcome, reply, p.reply_len, p.overflow))
    }

    /// Gives up request `id` (timeout, signal or failed send).
    pub(crate) fn cancel_request(&mut self, id: u64) {
        if let Some(slot) = self.slot_request.iter().position(|r| *r == id) {
            self.waiters.cancel(slot);
            if let Some(r) = self.slot_request.get_mut(slot) {
                *r = 0;
            }
        }
        if let Some(p) = self.pending.iter_mut().find(|p| p.request_id == id) {
            p.request_id = 0;
            p.outcome = None;
            p.reply = KVec::new();
        }
    }

    /// A `REPLY` arrived on `gconn`: completes its waiter with the payload copied.
    pub(crate) fn complete_reply(
        &mut self,
        gconn: ConnId,
        header: &Header,
        payload: &[u8],
    ) -> bool {
        let Some((slot, outcome)) = self.waiters.reply(gconn, header.request_id, header.status)
        else {
            self.counters.replies_unmatched = self.counters.replies_unmatched.saturating_add(1);
            return false;
        };
        if let Some(p) = self.pending_of_slot(slot) {
            match p.reply.get_mut(..payload.len()) {
                Some(dst) => {
                    dst.copy_from_slice(payload);
                    p.reply_len = payload.len();
                }
                None => p.overflow = true,
            }
            p.outcome = Some(outcome);
        }
        if let Some(r) = self.slot_request.get_mut(slot) {
            *r = 0;
        }
        true
    }

    /// Fails every request on `gconn`; returns whether any was waiting.
    pub(crate) fn fail_requests(&mut self, gconn: ConnId, node_down: bool) -> bool {
        let mut woke = false;
        while let Some((slot, outcome)) = self.waiters.fail_conn(gconn, node_down) {
            if let Some(p) = self.pending_of_slot(slot) {
                p.outcome = Some(outcome);
            }
            if let Some(r) = self.slot_request.get_mut(slot) {
                *r = 0;
            }
            woke = true;
        }
        woke
    }

    /// Times out the requests whose deadline has passed at `now`; true if a waiter must wake.
    pub(crate) fn expire_requests(&mut self, now: u64) -> bool {
        let mut woke = false;
        while let Some((slot, outcome)) = self.waiters.expire(now) {
            if let Some(p) = self.pending_of_slot(slot) {
                p.outcome = Some(outcome);
            }
            if let Some(r) = self.slot_request.get_mut(slot) {
                *r = 0;
            }
            woke = true;
        }
        woke
    }

    /// The earliest deadline of a waiting request.
    pub(crate) fn next_request_deadline(&self) -> Option<u64> {
        self.waiters.next_deadline()
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
