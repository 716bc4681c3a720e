// SPDX-License-Identifier: GPL-2.0

//! The messaging API for the rest of the module: handlers per message type, one-way sends, and
//! requests that wait for their reply.
//!
//! A request is two steps, [`Shared::start_request_uninterruptible`] (take an entry, send) and
//! [`Sent::wait`] (sleep for the reply): a sender may start several requests back to back and
//! then collect their replies, one round trip for all of them. [`Shared::send_request`] and
//! [`Shared::send_request_uninterruptible`] are the two steps at once.
//!
//! A request waits at most its timeout (`ETIMEDOUT`); it fails with `ENOTCONN` when its
//! connection closes first and `EHOSTDOWN` when the heartbeat declares the node down; a reply
//! with an error status gives that status's errno (Documentation/wire-protocol.rst). Senders
//! sleep: call from process context with no lock held. [`Shared::send_request`] sleeps
//! interruptibly (a signal ends it with `EINTR`: for writes from user space);
//! [`Shared::send_request_uninterruptible`] is for page faults and the remotify worker, where a
//! stray signal must not fail the request: the cluster's ticker times it out instead.

use super::conn::Conn;
use super::handlers::Handler;
use super::requests::Requests;
use super::state::NodeCallback;
use super::{errno, now_ms, Shared};
use crate::cluster::errno as cerr;
use crate::cluster::node_num::NodeNum;
use crate::cluster::waiters::Outcome;
use crate::cluster::wire::{encode_header, Header, MessageType, HEADER_LEN};
use core::sync::atomic::Ordering;
use kernel::prelude::*;
use kernel::sync::lock::{mutex::MutexBackend, Guard};
use kernel::sync::{Arc, CondVar, CondVarTimeoutResult};

/// A reply's payload, in the buffer of the request's entry (given back when dropped).
pub(crate) struct Reply<'a> {
    shared: &'a Shared,
    entry: usize,
    buffer: KVec<u8>,
    len: usize,
}

impl Reply<'_> {
    /// The payload.
    pub(crate) fn data(&self) -> &[u8] {
        self.buffer.get(..self.len).unwrap_or(&[])
    }
}

impl Drop for Reply<'_> {
    fn drop(&mut self) {
        let buffer = core::mem::take(&mut self.buffer);
        self.shared.release_entry(self.entry, buffer);
    }
}

/// A request sent whose reply is not collected yet. Its entry is the sender's until
/// [`Sent::wait`] returns (and the reply is dropped); dropped unused, it gives the request up.
pub(crate) struct Sent<'a> {
    shared: &'a Shared,
    entry: usize,
    id: u64,
    deadline: u64,
    wait: Wait,
}

impl Drop for Sent<'_> {
    fn drop(&mut self) {
        self.shared.cancel(self.entry, self.id);
    }
}

impl<'a> Sent<'a> {
    /// Sleeps until the reply (its payload), the timeout (`ETIMEDOUT`, enforced by the
    /// cluster's ticker for an uninterruptible request), the end of the connection or node, or
    /// (an interruptible request) a signal (`EINTR`).
    pub(crate) fn wait(self) -> Result<Reply<'a>> {
        let shared = self.shared;
        let (entry, id, deadline, wait) = (self.entry, self.id, self.deadline, self.wait);
        let waker = shared.wakers.get(entry).ok_or(EINVAL)?;
        let mut requests = shared.requests.lock();
        loop {
            if let Some(got) = requests.take_outcome(entry, id) {
                drop(requests);
                // The entry is the reply's from here on: it frees it when dropped.
                core::mem::forget(self);
                let reply = Reply {
                    shared,
                    entry,
                    buffer: got.buffer,
                    len: got.len,
                };
                return match got.outcome {
                    Outcome::Reply(status) if status.errno() == 0 && !got.overflow => Ok(reply),
                    Outcome::Reply(status) if status.errno() == 0 => Err(errno(cerr::EMSGSIZE)),
                    other => Err(errno(other.errno())),
                };
            }
            // An uninterruptible sender's deadline is the ticker's to enforce: it ends the
            // request with `ETIMEDOUT`, and the sender collects that above.
            let own_deadline = wait == Wait::Interruptible && now_ms() >= deadline;
            let slept = if own_deadline {
                Err(errno(cerr::ETIMEDOUT))
            } else {
                sleep(waker, &mut requests, deadline, wait)
            };
            if let Err(e) = slept {
                drop(requests);
                // Dropping `self` gives the request up.
                return Err(e);
            }
        }
    }
}

/// Whether a request waits for a free entry and waiter slot.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Room {
    /// It waits (within its timeout) for one.
    Wait,
    /// It starts only if one is free now and no other sender waits for one, else fails with
    /// `EAGAIN`: for a request worth sending only if it makes nobody wait.
    IfFree,
}

/// How a sender sleeps for its reply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// A signal ends the wait (`EINTR`).
    Interruptible,
    /// Only the reply, the ticker's timeout or the connection's end does.
    Uninterruptible,
}

fn header_bytes(header: &Header) -> Result<[u8; HEADER_LEN]> {
    let mut head = [0u8; HEADER_LEN];
    encode_header(header, &mut head).map_err(|_| EINVAL)?;
    Ok(head)
}

fn payload_len(payload: &[u8]) -> Result<u32> {
    u32::try_from(payload.len()).map_err(|_| errno(cerr::EMSGSIZE))
}

impl Shared {
    /// Calls `f` for every message of `msg_type` (an application or tmem type) with a payload
    /// of at most `max_len` bytes; longer ones are refused with `TOO_LONG` before `f` runs.
    pub(crate) fn register_handler(
        &self,
        msg_type: MessageType,
        max_len: u32,
        f: Handler,
    ) -> Result {
        self.handlers.lock().register(msg_type, max_len, f)
    }

    /// Removes the handler of `msg_type`.
    #[allow(dead_code)] // For the tmem layer's unload; the test handlers stay registered.
    pub(crate) fn unregister_handler(&self, msg_type: MessageType) {
        self.handlers.lock().unregister(msg_type)
    }

    /// Calls `f` whenever a node goes up or down.
    pub(crate) fn register_node_callback(&self, f: NodeCallback) -> Result {
        self.state.lock().add_node_callback(f)
    }

    /// Whether node `to` is up (in an up period with this node), whether or not its link is.
    pub(crate) fn node_is_up(&self, to: NodeNum) -> bool {
        self.state.lock().node_is_up(to)
    }

    /// Sends a one-way message of `msg_type` to node `to`.
    pub(crate) fn send_one_way(
        &self,
        to: NodeNum,
        msg_type: MessageType,
        payload: &[u8],
    ) -> Result {
        let head = header_bytes(&Header::one_way(msg_type, payload_len(payload)?))?;
        let (c, _) = self.state.lock().open_conn(to)?;
        c.send(&head, payload)
    }

    /// Sends a request of `msg_type` to node `to` and waits up to `timeout_ms` for the reply,
    /// whose payload may be up to `reply_max` bytes (longer: `EMSGSIZE`). A signal ends the
    /// wait with `EINTR`.
    pub(crate) fn send_request(
        &self,
        to: NodeNum,
        msg_type: MessageType,
        payload: &[u8],
        reply_max: usize,
        timeout_ms: u32,
    ) -> Result<Reply<'_>> {
        self.start(
            to,
            msg_type,
            payload,
            reply_max,
            timeout_ms,
            Wait::Interruptible,
            Room::Wait,
        )?
        .wait()
    }

    /// [`Shared::send_request`], but signals do not end the wait: only the reply, the timeout
    /// (enforced by the cluster's ticker) or the connection or node going down.
    pub(crate) fn send_request_uninterruptible(
        &self,
        to: NodeNum,
        msg_type: MessageType,
        payload: &[u8],
        reply_max: usize,
        timeout_ms: u32,
    ) -> Result<Reply<'_>> {
        self.start_request_uninterruptible(
            to,
            msg_type,
            payload,
            reply_max,
            timeout_ms,
            Room::Wait,
        )?
        .wait()
    }

    /// Starts a request of `msg_type` to node `to` (see [`Shared::send_request`]), whose
    /// reply [`Sent::wait`] collects, uninterruptibly, within `timeout_ms` from now; with
    /// [`Room::IfFree`] only if that makes nobody wait for a free entry.
    pub(crate) fn start_request_uninterruptible(
        &self,
        to: NodeNum,
        msg_type: MessageType,
        payload: &[u8],
        reply_max: usize,
        timeout_ms: u32,
        room: Room,
    ) -> Result<Sent<'_>> {
        self.start(
            to,
            msg_type,
            payload,
            reply_max,
            timeout_ms,
            Wait::Uninterruptible,
            room,
        )
    }

    /// Takes an entry and a waiter slot for a request (waiting for them if `room` says so)
    /// and sends it.
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        to: NodeNum,
        msg_type: MessageType,
        payload: &[u8],
        reply_max: usize,
        timeout_ms: u32,
        wait: Wait,
        room: Room,
    ) -> Result<Sent<'_>> {
        let len = payload_len(payload)?;
        // Validate the header (type, length) before taking a waiter; the id is set below.
        header_bytes(&Header::request(msg_type, len, 1))?;
        let deadline = now_ms().saturating_add(u64::from(timeout_ms));
        let (c, entry, id) = self.begin(to, timeout_ms, reply_max, deadline, wait, room)?;
        // From here on, dropping it gives the request up.
        let sent = Sent {
            shared: self,
            entry,
            id,
            deadline,
            wait,
        };
        if deadline < self.ticker_wakes_at.load(Ordering::Relaxed) {
            // The ticker enforces this deadline: wake it to plan for it (see `workers::tick`
            // for why this check, after the request began, misses no earlier deadline).
            let _st = self.state.lock();
            if deadline < self.ticker_wakes_at.load(Ordering::Relaxed) {
                self.ticker_wakes_at.store(deadline, Ordering::Relaxed);
                self.tick.notify_all();
            }
        }
        let head = header_bytes(&Header::request(msg_type, len, id))?;
        c.send(&head, payload)?;
        Ok(sent)
    }

    /// Takes an entry and a waiter slot for a request to `to` on its open connection, waiting
    /// for room (until `deadline`) when every entry, or this peer's quota of waiter slots, is
    /// busy: a page fault waits its turn rather than fail. Every request in flight ends by its
    /// own deadline (the ticker enforces them), so room comes. With [`Room::IfFree`] it takes
    /// them only if they are free now and no sender waits for room (`EAGAIN` otherwise).
    fn begin(
        &self,
        to: NodeNum,
        timeout_ms: u32,
        reply_max: usize,
        deadline: u64,
        wait: Wait,
        room_kind: Room,
    ) -> Result<(Arc<Conn>, usize, u64)> {
        let room = self.rooms.get(to.index()).ok_or(EINVAL)?;
        let mut waited = false;
        loop {
            let opened = self.state.lock().open_conn(to);
            let mut requests = self.requests.lock();
            if waited
                && opened
                    .as_ref()
                    .is_ok_and(|(_, g)| !requests.request_room(*g))
            {
                requests.room_wakeups_futile = requests.room_wakeups_futile.saturating_add(1);
            }
            // Nobody waits for room if no waiter would be woken (entries are anyone's).
            let free = |requests: &Requests, gconn| {
                requests.request_room(gconn)
                    && (room_kind == Room::Wait || requests.room_to_wake(to).is_none())
            };
            let outcome = match opened {
                Ok((c, gconn)) if free(&requests, gconn) => {
                    return requests
                        .begin_request(to, gconn, timeout_ms, reply_max)
                        .map(|(entry, id)| (c, entry, id));
                }
                Ok(_) if room_kind == Room::IfFree => Err(EAGAIN),
                Ok(_) if now_ms() < deadline => {
                    requests.wait_for_room(to, true);
                    waited = true;
                    let slept = sleep(room, &mut requests, deadline, wait);
                    requests.wait_for_room(to, false);
                    slept
                }
                Ok(_) => Err(errno(cerr::ETIMEDOUT)),
                Err(e) => Err(e),
            };
            if let Err(e) = outcome {
                // A wakeup this sender took without using the room goes to the next one.
                if waited {
                    self.wake_room(requests.room_to_wake(to));
                }
                return Err(e);
            }
        }
    }

    /// Wakes one sender waiting for room for `node`, if any.
    fn wake_room(&self, node: Option<NodeNum>) {
        if let Some(room) = node.and_then(|n| self.rooms.get(n.index())) {
            room.notify_one();
        }
    }

    /// Gives up request `id` in `entry`, waking a sender that waits for room.
    fn cancel(&self, entry: usize, id: u64) {
        let node = self.requests.lock().cancel_request(entry, id);
        self.wake_room(node);
    }

    /// Frees `entry` once its sender is done with the reply in `buffer`.
    fn release_entry(&self, entry: usize, buffer: KVec<u8>) {
        let node = self.requests.lock().release_entry(entry, buffer);
        self.wake_room(node);
    }
}

/// Sleeps on `cv` until woken, or (interruptible senders) until `deadline` or a signal
/// (`EINTR`).
fn sleep<T: ?Sized>(
    cv: &CondVar,
    guard: &mut Guard<'_, T, MutexBackend>,
    deadline: u64,
    wait: Wait,
) -> Result {
    if wait == Wait::Uninterruptible {
        cv.wait(guard);
        return Ok(());
    }
    let left = deadline.saturating_sub(now_ms());
    let jiffies = kernel::time::msecs_to_jiffies(u32::try_from(left).unwrap_or(u32::MAX));
    match cv.wait_interruptible_timeout(guard, jiffies) {
        CondVarTimeoutResult::Signal { .. } => Err(EINTR),
        _ => Ok(()),
    }
}
