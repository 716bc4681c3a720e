// SPDX-License-Identifier: GPL-2.0

//! The messaging API for the rest of the module: handlers per message type, one-way sends, and
//! requests that wait for their reply.
//!
//! A request waits at most its timeout (`ETIMEDOUT`); it fails with `ENOTCONN` when its
//! connection closes first and `EHOSTDOWN` when the heartbeat declares the node down; a reply
//! with an error status gives that status's errno (Documentation/wire-protocol.rst). Senders
//! sleep: call from process context with no lock held. [`Shared::send_request`] sleeps
//! interruptibly (a signal ends it with `EINTR`: for writes from user space);
//! [`Shared::send_request_uninterruptible`] is for page faults and the remotify worker, where a
//! stray signal must not fail the request: the cluster's ticker times it out instead.

use super::state::{Handler, NodeCallback};
use super::{errno, now_ms, Shared};
use crate::cluster::errno as cerr;
use crate::cluster::node_num::NodeNum;
use crate::cluster::waiters::Outcome;
use crate::cluster::wire::{encode_header, Header, MessageType, HEADER_LEN};
use kernel::prelude::*;
use kernel::sync::CondVarTimeoutResult;

/// A reply's payload.
pub(crate) struct Reply {
    data: KVec<u8>,
    len: usize,
}

impl Reply {
    /// The payload.
    pub(crate) fn data(&self) -> &[u8] {
        self.data.get(..self.len).unwrap_or(&[])
    }
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
        self.state.lock().register_handler(msg_type, max_len, f)
    }

    /// Removes the handler of `msg_type`.
    #[allow(dead_code)] // For the tmem layer's unload; the test handlers stay registered.
    pub(crate) fn unregister_handler(&self, msg_type: MessageType) {
        self.state.lock().unregister_handler(msg_type)
    }

    /// Calls `f` whenever a node goes up or down.
    pub(crate) fn register_node_callback(&self, f: NodeCallback) -> Result {
        self.state.lock().add_node_callback(f)
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
        c.send(&head, payload).inspect_err(|_| c.shutdown())
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
    ) -> Result<Reply> {
        self.request(
            to,
            msg_type,
            payload,
            reply_max,
            timeout_ms,
            Wait::Interruptible,
        )
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
    ) -> Result<Reply> {
        self.request(
            to,
            msg_type,
            payload,
            reply_max,
            timeout_ms,
            Wait::Uninterruptible,
        )
    }

    fn request(
        &self,
        to: NodeNum,
        msg_type: MessageType,
        payload: &[u8],
        reply_max: usize,
        timeout_ms: u32,
        wait: Wait,
    ) -> Result<Reply> {
        let len = payload_len(payload)?;
        // Validate the header (type, length) before taking a waiter; the id is set below.
        header_bytes(&Header::request(msg_type, len, 1))?;
        let buffer = KVec::from_elem(0u8, reply_max, GFP_KERNEL)?;
        let deadline = now_ms().saturating_add(u64::from(timeout_ms));
        let (c, id) = {
            let mut st = self.state.lock();
            // Every waiter slot busy (more requests in flight than slots): wait for one to
            // free, within this request's deadline, rather than fail a page fault.
            while !st.request_room() {
                let now = now_ms();
                if now >= deadline {
                    return Err(errno(cerr::ETIMEDOUT));
                }
                if wait == Wait::Uninterruptible {
                    // Every request in flight ends by its deadline (the ticker enforces them)
                    // and wakes this condvar when it does.
                    self.replies.wait(&mut st);
                    continue;
                }
                let jiffies = kernel::time::msecs_to_jiffies(
                    u32::try_from(deadline - now).unwrap_or(u32::MAX),
                );
                if let CondVarTimeoutResult::Signal { .. } =
                    self.replies.wait_interruptible_timeout(&mut st, jiffies)
                {
                    return Err(EINTR);
                }
            }
            let (c, gconn) = st.open_conn(to)?;
            let id = st.begin_request(gconn, timeout_ms, buffer)?;
            if deadline < st.ticker_wakes_at {
                // The ticker enforces this deadline: wake it to plan for it.
                st.ticker_wakes_at = deadline;
                self.tick.notify_all();
            }
            (c, id)
        };
        let head = header_bytes(&Header::request(msg_type, len, id))?;
        if let Err(e) = c.send(&head, payload) {
            c.shutdown();
            self.state.lock().cancel_request(id);
            // A slot is free: wake a sender waiting for one.
            self.replies.notify_all();
            return Err(e);
        }
        let mut st = self.state.lock();
        loop {
            if let Some((outcome, data, len, overflow)) = st.take_outcome(id) {
                drop(st);
                // Its pending entry is free: wake a sender waiting for one.
                self.replies.notify_all();
                return match outcome {
                    Outcome::Reply(status) if status.errno() == 0 => {
                        if overflow {
                            Err(errno(cerr::EMSGSIZE))
                        } else {
                            Ok(Reply { data, len })
                        }
                    }
                    other => Err(Error::from_errno(-other.errno())),
                };
            }
            if wait == Wait::Uninterruptible {
                self.replies.wait(&mut st);
                continue;
            }
            let now = now_ms();
            if now >= deadline {
                st.cancel_request(id);
                drop(st);
                self.replies.notify_all();
                return Err(errno(cerr::ETIMEDOUT));
            }
            let wait = u32::try_from(deadline - now).unwrap_or(u32::MAX);
            let jiffies = kernel::time::msecs_to_jiffies(wait);
            if let CondVarTimeoutResult::Signal { .. } =
                self.replies.wait_interruptible_timeout(&mut st, jiffies)
            {
                st.cancel_request(id);
                drop(st);
                self.replies.notify_all();
                return Err(EINTR);
            }
        }
    }
}
