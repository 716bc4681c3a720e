// SPDX-License-Identifier: GPL-2.0

//! Fuzz target: a peer's byte stream, as the receive path sees it.
//!
//! The input is split into frames with `decode_frame`, as a socket reader would; every frame that
//! decodes must re-encode to the same bytes, its payload goes through the decoder of its type
//! (handshake, tmem request, tmem page), and it is fed to an accepting connection state machine
//! together with the clock, so the whole peer-facing path runs on arbitrary input. Any panic
//! (including an arithmetic overflow: the fuzz build has debug assertions) is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ramster::cluster::connection::Connection;
use ramster::cluster::connection_events::{Action, Event};
use ramster::cluster::messages::{Handshake, PROTOCOL_VERSION};
use ramster::cluster::names::ClusterName;
use ramster::cluster::node_num::NodeNum;
use ramster::cluster::timeouts::Timeouts;
use ramster::cluster::tmem_messages::{decode_page, decode_request};
use ramster::cluster::wire::{decode_frame, encode_frame, Decoded, MessageType, MAX_FRAME_LEN};

/// Node 0 accepting node 1.
fn acceptor() -> Option<Connection> {
    let ours = Handshake {
        protocol_version: PROTOCOL_VERSION,
        sender: NodeNum::new(0)?,
        receiver: NodeNum::new(1)?,
        nonce: 1,
        timeouts: Timeouts::DEFAULT,
        cluster: ClusterName::new(b"fuzz").ok()?,
    };
    Connection::new(ours, 0)
}

fn check_payload(msg_type: MessageType, payload: &[u8]) {
    match msg_type {
        MessageType::Handshake | MessageType::HandshakeReply => {
            if let Ok(h) = Handshake::decode(payload) {
                let mut out = [0u8; 88];
                assert!(h.encode(&mut out).is_ok());
                assert_eq!(&out[..], payload);
            }
        }
        MessageType::Tmem(op) => {
            let _ = decode_request(op, payload);
        }
        MessageType::Reply => {
            let _ = decode_page(payload);
        }
        MessageType::KeepaliveRequest | MessageType::KeepaliveReply | MessageType::App(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(mut connection) = acceptor() else {
        return;
    };
    let mut conn = None;
    for action in connection.handle(0, Event::Accepted).iter() {
        if let Action::Adopt(id) = action {
            conn = Some(id);
        }
    }
    let Some(conn) = conn else {
        return;
    };
    let mut rest = data;
    let mut now = 0u64;
    let mut reencoded = [0u8; MAX_FRAME_LEN];
    while let Ok(Decoded::Complete { frame, frame_len }) = decode_frame(rest) {
        let len = encode_frame(&frame.header, frame.payload, &mut reencoded);
        assert_eq!(len, Ok(frame_len));
        assert_eq!(reencoded.get(..frame_len), rest.get(..frame_len));
        check_payload(frame.header.msg_type, frame.payload);
        // The request id's low bits advance the clock, so timers fire too.
        now = now.saturating_add(frame.header.request_id % 40_000);
        let _ = connection.handle(now, Event::Tick);
        let event = Event::Frame {
            conn,
            header: frame.header,
            payload: frame.payload,
        };
        let _ = connection.handle(now, event);
        rest = rest.get(frame_len..).unwrap_or(&[]);
    }
});
