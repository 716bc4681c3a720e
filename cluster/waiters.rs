// SPDX-License-Identifier: GPL-2.0

//! Requests waiting for their replies: request ids, matching, timeouts, and failing them all
//! when the connection closes or the node dies.
//!
//! The table has `N` slots, shared by every connection, and a quota: at most
//! [`WaiterTable::quota`] of them wait on one connection, so that a peer that stops answering
//! cannot hold every slot while requests to the others wait. [`WaiterTable::begin`] takes a
//! slot and a fresh request id; a slot is given back, with
//! the [`Outcome`] to wake its waiter with, by [`WaiterTable::reply`], [`WaiterTable::expire`] or
//! [`WaiterTable::fail_conn`], or by [`WaiterTable::cancel`] when the request could not be sent.
//! Request ids start at 1 and only grow, so a late reply never matches a newer request.

use super::connection::ConnId;
use super::errno;
use super::status::Status;

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A reply came with this status (its payload, if any, is the glue's to copy).
    Reply(Status),
    /// No reply within the timeout: `ETIMEDOUT`.
    TimedOut,
    /// The connection closed first: `ENOTCONN`.
    ConnectionClosed,
    /// The node was declared down first: `EHOSTDOWN`.
    NodeDown,
}

impl Outcome {
    /// The positive errno the sender sees (0 for a reply with status `Ok`).
    pub fn errno(&self) -> i32 {
        match self {
            Outcome::Reply(status) => status.errno(),
            Outcome::TimedOut => errno::ETIMEDOUT,
            Outcome::ConnectionClosed => errno::ENOTCONN,
            Outcome::NodeDown => errno::EHOSTDOWN,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pending {
    request_id: u64,
    conn: ConnId,
    deadline: u64,
}

/// Every slot is taken, or the connection's quota of them: the sender waits for one
/// ([`WaiterTable::has_room`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableFull;

/// Up to `N` requests waiting for replies, at most `quota` of them on one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaiterTable<const N: usize> {
    slots: [Option<Pending>; N],
    next_id: u64,
    quota: usize,
}

impl<const N: usize> Default for WaiterTable<N> {
    fn default() -> Self {
        WaiterTable::new()
    }
}

impl<const N: usize> WaiterTable<N> {
    /// No waiters; one connection may take every slot.
    pub const fn new() -> WaiterTable<N> {
        WaiterTable::with_quota(N)
    }

    /// No waiters; one connection may take at most `quota` slots (at least one).
    pub const fn with_quota(quota: usize) -> WaiterTable<N> {
        WaiterTable {
            slots: [None; N],
            next_id: 1,
            quota: if quota == 0 { 1 } else { quota },
        }
    }

    /// How many slots one connection may take.
    pub fn quota(&self) -> usize {
        self.quota
    }

    /// Whether [`WaiterTable::begin`] would find a slot for a request on `conn` now.
    pub fn has_room(&self, conn: ConnId) -> bool {
        self.slots.iter().any(Option::is_none) && self.waiting_on(conn) < self.quota
    }

    /// How many requests wait on `conn`.
    pub fn waiting_on(&self, conn: ConnId) -> usize {
        self.slots
            .iter()
            .flatten()
            .filter(|p| p.conn == conn)
            .count()
    }

    /// Takes a slot for a request sent on `conn` at `now` that waits at most `timeout_ms`;
    /// returns the slot and the request id to put in the header.
    pub fn begin(
        &mut self,
        conn: ConnId,
        now: u64,
        timeout_ms: u32,
    ) -> Result<(usize, u64), TableFull> {
        if self.waiting_on(conn) >= self.quota {
            return Err(TableFull);
        }
        let (slot, entry) = self
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, entry)| entry.is_none())
            .ok_or(TableFull)?;
        let request_id = self.next_id;
        self.next_id = request_id.saturating_add(1);
        *entry = Some(Pending {
            request_id,
            conn,
            deadline: now.saturating_add(u64::from(timeout_ms)),
        });
        Ok((slot, request_id))
    }

    /// Frees the slot of a request that could not be sent.
    pub fn cancel(&mut self, slot: usize) {
        if let Some(entry) = self.slots.get_mut(slot) {
            *entry = None;
        }
    }

    /// A `REPLY` for `request_id` with `status` arrived on `conn`: the slot to wake, freed.
    /// `None` if no request waits for it (it timed out): the reply is discarded and counted.
    pub fn reply(
        &mut self,
        conn: ConnId,
        request_id: u64,
        status: Status,
    ) -> Option<(usize, Outcome)> {
        self.take(|p| p.conn == conn && p.request_id == request_id)
            .map(|slot| (slot, Outcome::Reply(status)))
    }

    /// One request whose deadline has passed at `now`, freed; call until `None`.
    pub fn expire(&mut self, now: u64) -> Option<(usize, Outcome)> {
        self.take(|p| now >= p.deadline)
            .map(|slot| (slot, Outcome::TimedOut))
    }

    /// One request sent on `conn`, freed because the connection closed (`node_down`: because
    /// the node was declared down); call until `None`.
    pub fn fail_conn(&mut self, conn: ConnId, node_down: bool) -> Option<(usize, Outcome)> {
        let outcome = if node_down {
            Outcome::NodeDown
        } else {
            Outcome::ConnectionClosed
        };
        self.take(|p| p.conn == conn).map(|slot| (slot, outcome))
    }

    /// The earliest deadline, for the glue's timer.
    pub fn next_deadline(&self) -> Option<u64> {
        self.slots.iter().flatten().map(|p| p.deadline).min()
    }

    /// How many requests wait.
    pub fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn take(&mut self, matches: impl Fn(&Pending) -> bool) -> Option<usize> {
        let (slot, entry) = self
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, entry)| entry.as_ref().is_some_and(&matches))?;
        *entry = None;
        Some(slot)
    }
}

#[cfg(test)]
#[path = "waiters_tests.rs"]
mod tests;
