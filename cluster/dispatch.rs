// SPDX-License-Identifier: GPL-2.0

//! The messaging API's handler table: which message types have a handler, with what maximum
//! payload, and what to do with each received frame that the connection hands over.
//!
//! Module parts register a handler for an application type (`0x20..=0x3f`) or a tmem type with
//! the longest payload they accept. [`HandlerTable::route`] then decides, for a frame the
//! connection dispatched: call the handler, answer a request with a status (`NO_HANDLER`,
//! `TOO_LONG`) without calling anything, discard a one-way message (counted), or match a reply
//! to its waiter.

use super::errno;
use super::status::Status;
use super::wire::{AppType, Header, MessageType, MAX_PAYLOAD_LEN};

const FIRST_CODE: u8 = AppType::FIRST;
const LAST_CODE: u8 = 0x4f;
const SLOTS: usize = (LAST_CODE - FIRST_CODE) as usize + 1;

/// What to do with a dispatched frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Call the type's handler; if the frame wants a reply, send the handler's answer.
    Deliver,
    /// Do not call anything; answer the request with a `REPLY` of this status.
    Refuse(Status),
    /// Do not call anything; a one-way message is dropped and counted, with this reason.
    Discard(Status),
    /// A `REPLY`: wake the waiter of its request id (see [`super::waiters`]).
    Reply,
}

/// Why a registration was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterError {
    /// Only application and tmem types have handlers.
    NotHandled(MessageType),
    /// The maximum is above [`MAX_PAYLOAD_LEN`].
    MaxTooLarge(u32),
    /// The type already has a handler.
    Taken(MessageType),
}

impl RegisterError {
    /// The positive errno.
    pub fn errno(&self) -> i32 {
        match self {
            RegisterError::NotHandled(_) | RegisterError::MaxTooLarge(_) => errno::EINVAL,
            RegisterError::Taken(_) => errno::EEXIST,
        }
    }
}

/// The registered handlers: a maximum payload length per handled type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandlerTable {
    max_len: [Option<u32>; SLOTS],
}

impl Default for HandlerTable {
    fn default() -> Self {
        HandlerTable::new()
    }
}

fn slot(msg_type: MessageType) -> Option<usize> {
    if !msg_type.is_handled() {
        return None;
    }
    usize::from(msg_type.code()).checked_sub(usize::from(FIRST_CODE))
}

impl HandlerTable {
    /// No handlers.
    pub const fn new() -> HandlerTable {
        HandlerTable {
            max_len: [None; SLOTS],
        }
    }

    /// Registers a handler for `msg_type` that accepts payloads up to `max_len` bytes.
    pub fn register(&mut self, msg_type: MessageType, max_len: u32) -> Result<(), RegisterError> {
        if max_len > MAX_PAYLOAD_LEN {
            return Err(RegisterError::MaxTooLarge(max_len));
        }
        let entry = slot(msg_type)
            .and_then(|i| self.max_len.get_mut(i))
            .ok_or(RegisterError::NotHandled(msg_type))?;
        if entry.is_some() {
            return Err(RegisterError::Taken(msg_type));
        }
        *entry = Some(max_len);
        Ok(())
    }

    /// Removes the handler of `msg_type`, if any.
    pub fn unregister(&mut self, msg_type: MessageType) {
        if let Some(entry) = slot(msg_type).and_then(|i| self.max_len.get_mut(i)) {
            *entry = None;
        }
    }

    /// What to do with a frame the connection dispatched.
    pub fn route(&self, header: &Header) -> Route {
        if header.msg_type == MessageType::Reply {
            return Route::Reply;
        }
        let max_len = slot(header.msg_type)
            .and_then(|i| self.max_len.get(i).copied())
            .flatten();
        let refusal = match max_len {
            None => Status::NoHandler,
            Some(max) if header.payload_len > max => Status::TooLong,
            Some(_) => return Route::Deliver,
        };
        if header.reply_wanted {
            Route::Refuse(refusal)
        } else {
            Route::Discard(refusal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::tmem_messages::TmemOp;

    const ECHO: MessageType = MessageType::App(AppType::TEST_ECHO);
    const PUT: MessageType = MessageType::Tmem(TmemOp::Put);

    #[test]
    fn registered_types_are_delivered_within_their_limit() {
        let mut table = HandlerTable::new();
        table.register(ECHO, 100).unwrap();
        table.register(PUT, MAX_PAYLOAD_LEN).unwrap();
        assert_eq!(table.route(&Header::request(ECHO, 100, 1)), Route::Deliver);
        assert_eq!(
            table.route(&Header::request(ECHO, 101, 1)),
            Route::Refuse(Status::TooLong)
        );
        assert_eq!(
            table.route(&Header::one_way(ECHO, 101)),
            Route::Discard(Status::TooLong)
        );
        assert_eq!(table.route(&Header::request(PUT, 4144, 2)), Route::Deliver);
    }

    #[test]
    fn unregistered_types_are_refused_or_discarded() {
        let mut table = HandlerTable::new();
        let sink = MessageType::App(AppType::TEST_SINK);
        assert_eq!(
            table.route(&Header::request(sink, 0, 1)),
            Route::Refuse(Status::NoHandler)
        );
        assert_eq!(
            table.route(&Header::one_way(sink, 0)),
            Route::Discard(Status::NoHandler)
        );
        table.register(sink, 0).unwrap();
        table.unregister(sink);
        assert_eq!(
            table.route(&Header::one_way(sink, 0)),
            Route::Discard(Status::NoHandler)
        );
        assert_eq!(table.route(&Header::reply(5, Status::Ok, 0)), Route::Reply);
    }

    #[test]
    fn bad_registrations() {
        let mut table = HandlerTable::new();
        let e = table.register(MessageType::Reply, 0).unwrap_err();
        assert_eq!(e, RegisterError::NotHandled(MessageType::Reply));
        assert_eq!(e.errno(), errno::EINVAL);
        let e = table.register(ECHO, MAX_PAYLOAD_LEN + 1).unwrap_err();
        assert_eq!(e.errno(), errno::EINVAL);
        table.register(ECHO, 1).unwrap();
        let e = table.register(ECHO, 1).unwrap_err();
        assert_eq!(e, RegisterError::Taken(ECHO));
        assert_eq!(e.errno(), errno::EEXIST);
    }
}
