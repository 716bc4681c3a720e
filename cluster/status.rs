// SPDX-License-Identifier: GPL-2.0

//! The status codes carried in a frame header's `status` field, and the errno each one means.
//!
//! Codes 1-7 answer requests (in `REPLY` frames); codes 16-21 say why a handshake was refused
//! (in `CHALLENGE` and `WELCOME` frames). Any other value is invalid on the wire.

use super::errno;
use core::fmt;

/// A status code from Documentation/wire-protocol.rst.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok,
    /// No handler is registered for the request's type.
    NoHandler,
    /// The payload is longer than the handler's maximum.
    TooLong,
    /// The handler rejected the payload's contents.
    BadPayload,
    /// The receiver could not allocate.
    NoMemory,
    /// No such page, object or pool.
    NotFound,
    /// Try again later.
    Busy,
    /// The handler failed for another reason.
    HandlerFailed,
    /// Handshake: the protocol versions differ.
    VersionMismatch,
    /// Handshake: the cluster names differ.
    ClusterMismatch,
    /// Handshake: a timeout or the dead threshold differs.
    TimeoutMismatch,
    /// Handshake: the node numbers do not match the receiver's configuration.
    UnknownNode,
    /// Handshake: one side authenticates with a key, the other runs with `auth = none`.
    AuthMismatch,
    /// Handshake: the acceptor authenticates but has no key yet.
    NoKey,
}

/// Which frames may carry a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusUse {
    /// The status of a `REPLY`.
    Reply,
    /// The status of a `HANDSHAKE_REPLY`.
    Handshake,
}

const CODES: [(Status, u32); 14] = [
    (Status::Ok, 0),
    (Status::NoHandler, 1),
    (Status::TooLong, 2),
    (Status::BadPayload, 3),
    (Status::NoMemory, 4),
    (Status::NotFound, 5),
    (Status::Busy, 6),
    (Status::HandlerFailed, 7),
    (Status::VersionMismatch, 16),
    (Status::ClusterMismatch, 17),
    (Status::TimeoutMismatch, 18),
    (Status::UnknownNode, 19),
    (Status::AuthMismatch, 20),
    (Status::NoKey, 21),
];

impl Status {
    /// The status with wire code `code`, if there is one.
    pub fn from_code(code: u32) -> Option<Status> {
        CODES.iter().find(|(_, c)| *c == code).map(|(s, _)| *s)
    }

    /// The wire code.
    pub fn code(self) -> u32 {
        CODES
            .iter()
            .find(|(s, _)| *s == self)
            .map_or(u32::MAX, |(_, c)| *c)
    }

    /// Whether a frame of kind `usage` may carry this status (`Ok` is valid in both).
    pub fn allowed_in(self, usage: StatusUse) -> bool {
        let handshake = matches!(
            self,
            Status::VersionMismatch
                | Status::ClusterMismatch
                | Status::TimeoutMismatch
                | Status::UnknownNode
                | Status::AuthMismatch
                | Status::NoKey
        );
        self == Status::Ok || handshake == (usage == StatusUse::Handshake)
    }

    /// The positive errno a local caller sees for this status (0 for `Ok`).
    pub fn errno(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::NoHandler => errno::ENOPROTOOPT,
            Status::TooLong => errno::EMSGSIZE,
            Status::BadPayload => errno::EINVAL,
            Status::NoMemory => errno::ENOMEM,
            Status::NotFound => errno::ENOENT,
            Status::Busy => errno::EAGAIN,
            Status::HandlerFailed => errno::EIO,
            Status::VersionMismatch
            | Status::ClusterMismatch
            | Status::TimeoutMismatch
            | Status::UnknownNode
            | Status::AuthMismatch => errno::EPROTO,
            Status::NoKey => errno::ENOKEY,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Status::Ok => "ok",
            Status::NoHandler => "no handler for this message type",
            Status::TooLong => "payload longer than the handler accepts",
            Status::BadPayload => "payload rejected",
            Status::NoMemory => "out of memory",
            Status::NotFound => "not found",
            Status::Busy => "busy, try again",
            Status::HandlerFailed => "handler failed",
            Status::VersionMismatch => "protocol versions differ",
            Status::ClusterMismatch => "cluster names differ",
            Status::TimeoutMismatch => "timeouts differ",
            Status::UnknownNode => "node numbers do not match the configuration",
            Status::AuthMismatch => "one side authenticates, the other runs with auth = none",
            Status::NoKey => "no authentication key configured",
        };
        f.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_rejected() {
        for (status, code) in CODES {
            assert_eq!(Status::from_code(code), Some(status));
            assert_eq!(status.code(), code);
        }
        for code in [8, 15, 22, u32::MAX] {
            assert_eq!(Status::from_code(code), None);
        }
    }

    #[test]
    fn handshake_codes_only_in_handshake_replies() {
        assert!(Status::Ok.allowed_in(StatusUse::Reply));
        assert!(Status::Ok.allowed_in(StatusUse::Handshake));
        assert!(Status::NotFound.allowed_in(StatusUse::Reply));
        assert!(!Status::NotFound.allowed_in(StatusUse::Handshake));
        assert!(Status::UnknownNode.allowed_in(StatusUse::Handshake));
        assert!(!Status::UnknownNode.allowed_in(StatusUse::Reply));
        for status in [Status::AuthMismatch, Status::NoKey] {
            assert!(status.allowed_in(StatusUse::Handshake));
            assert!(!status.allowed_in(StatusUse::Reply));
        }
    }

    #[test]
    fn errnos() {
        assert_eq!(Status::Ok.errno(), 0);
        assert_eq!(Status::NoHandler.errno(), errno::ENOPROTOOPT);
        assert_eq!(Status::ClusterMismatch.errno(), errno::EPROTO);
        assert_eq!(Status::AuthMismatch.errno(), errno::EPROTO);
        assert_eq!(Status::NoKey.errno(), errno::ENOKEY);
    }
}
