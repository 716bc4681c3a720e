// SPDX-License-Identifier: GPL-2.0

//! The message handlers by type (`cluster/dispatch.rs`'s table and the functions), behind a
//! lock of their own (`Shared::handlers`): a receive worker routes a frame without the cluster
//! state's lock.

use crate::cluster::dispatch::{HandlerTable, Route};
use crate::cluster::node_num::NodeNum;
use crate::cluster::status::Status;
use crate::cluster::wire::{Header, MessageType};
use kernel::prelude::*;

/// The first handled message type code, and how many there are (`0x20..=0x4f`).
const FIRST_HANDLED: u8 = 0x20;
const HANDLED: usize = 0x30;

/// A message handler: gets the sender and the payload, writes its reply into `reply` (room for
/// the largest payload) and returns the reply's length, or a status for an error reply.
pub(crate) type Handler =
    fn(from: NodeNum, payload: &[u8], reply: &mut [u8]) -> core::result::Result<usize, Status>;

/// What a receive worker does with a dispatched frame.
pub(crate) enum Dispatch {
    /// Complete the waiting request.
    Reply,
    /// Call the handler.
    Call(Handler),
    /// Answer the request with this status; call nothing.
    Refuse(Status),
    /// Drop the one-way message (counted).
    Discard,
}

/// The registered handlers.
pub(crate) struct Handlers {
    table: HandlerTable,
    fns: [Option<Handler>; HANDLED],
}

impl Handlers {
    /// None registered.
    pub(crate) const fn new() -> Handlers {
        Handlers {
            table: HandlerTable::new(),
            fns: [None; HANDLED],
        }
    }

    fn slot(&mut self, msg_type: MessageType) -> Option<&mut Option<Handler>> {
        let i = msg_type.code().checked_sub(FIRST_HANDLED)?;
        self.fns.get_mut(usize::from(i))
    }

    /// Registers `f` for `msg_type` with payloads up to `max_len`.
    pub(crate) fn register(&mut self, msg_type: MessageType, max_len: u32, f: Handler) -> Result {
        self.table
            .register(msg_type, max_len)
            .map_err(|e| Error::from_errno(-e.errno()))?;
        if let Some(slot) = self.slot(msg_type) {
            *slot = Some(f);
        }
        Ok(())
    }

    /// Removes the handler of `msg_type`.
    pub(crate) fn unregister(&mut self, msg_type: MessageType) {
        self.table.unregister(msg_type);
        if let Some(slot) = self.slot(msg_type) {
            *slot = None;
        }
    }

    /// What to do with a frame the connection dispatched.
    pub(crate) fn route(&mut self, header: &Header) -> Dispatch {
        match self.table.route(header) {
            Route::Reply => Dispatch::Reply,
            Route::Deliver => match self.slot(header.msg_type).and_then(|f| *f) {
                Some(f) => Dispatch::Call(f),
                None if header.reply_wanted => Dispatch::Refuse(Status::NoHandler),
                None => Dispatch::Discard,
            },
            Route::Refuse(status) => Dispatch::Refuse(status),
            Route::Discard(_) => Dispatch::Discard,
        }
    }
}
