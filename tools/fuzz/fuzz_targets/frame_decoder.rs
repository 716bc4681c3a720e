// SPDX-License-Identifier: GPL-2.0

//! Fuzz target: a peer's byte stream, as the receive path sees it.
//!
//! The input is split into frames with `decode_frame`, as a socket reader would; every frame that
//! decodes must re-encode to the same bytes, and its payload goes through the decoder of its type
//! (settings, tmem request, tmem page).
//!
//! Handshake frames (`HELLO`, `CHALLENGE`, `PROVE`, `WELCOME`) go to both sides of the
//! authenticated handshake (`auth = none`): an acceptor waiting for node 1's `HELLO` and a
//! connector that sent its own, each until it ends. Whatever a side answers must be one whole,
//! valid handshake frame. The fuzzer cannot forge a proof, so it gets no further than the first
//! one, but every parser and refusal before it runs.
//!
//! Every frame's header also goes, with the clock, to an accepting connection state machine whose
//! socket is already authenticated (the MAC tag that follows each frame after the handshake is
//! not modelled: it cannot be forged either, so the frames are taken as if it checked out). A
//! connection that the input closed is given a new socket. Any panic (including an arithmetic
//! overflow: the fuzz build has debug assertions) is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ramster::cluster::connection::Connection;
use ramster::cluster::connection_events::Event;
use ramster::cluster::handshake::{Credentials, Handshake, Payloads, Step, MAX_HANDSHAKE_FRAME};
use ramster::cluster::heartbeat::Handshaken;
use ramster::cluster::messages::{Handshake as Settings, HANDSHAKE_LEN, PROTOCOL_VERSION};
use ramster::cluster::names::ClusterName;
use ramster::cluster::node_num::NodeNum;
use ramster::cluster::timeouts::Timeouts;
use ramster::cluster::tmem_messages::{decode_page, decode_request};
use ramster::cluster::wire::{decode_frame, encode_frame, Decoded, MessageType, MAX_FRAME_LEN};

/// Node `sender`'s settings towards node `receiver`.
fn settings(sender: u8, receiver: u8) -> Option<Settings> {
    Some(Settings {
        protocol_version: PROTOCOL_VERSION,
        sender: NodeNum::new(sender)?,
        receiver: NodeNum::new(receiver)?,
        nonce: 1,
        period: 0,
        timeouts: Timeouts::DEFAULT,
        cluster: ClusterName::new(b"fuzz").ok()?,
    })
}

fn check_payload(msg_type: MessageType, payload: &[u8]) {
    match msg_type {
        // The settings, followed by the proof.
        MessageType::Prove | MessageType::Welcome => {
            if let Ok(s) = Settings::decode(&payload[..HANDSHAKE_LEN]) {
                let mut out = [0u8; HANDSHAKE_LEN];
                assert!(s.encode(&mut out).is_ok());
                assert_eq!(&out[..], &payload[..HANDSHAKE_LEN]);
            }
        }
        MessageType::Tmem(op) => {
            let _ = decode_request(op, payload);
        }
        MessageType::Reply => {
            let _ = decode_page(payload);
        }
        // HELLO and CHALLENGE payloads are parsed by the handshake itself.
        MessageType::Hello
        | MessageType::Challenge
        | MessageType::KeepaliveRequest
        | MessageType::KeepaliveReply
        | MessageType::App(_) => {}
    }
}

/// Feeds `frame` to the handshake `side`, if it has not ended; it ends on `Done` or `Fail`.
fn handshake_step(side: &mut Option<Handshake>, frame: &[u8]) {
    let Some(hs) = side else {
        return;
    };
    let mut out = [0u8; MAX_HANDSHAKE_FRAME];
    let (len, ended) = match hs.on_frame(frame, &mut out) {
        Step::Send(len) => (len, false),
        Step::Done(len, _) | Step::Fail(len, _) => (len, true),
    };
    if len > 0 {
        let Ok(Decoded::Complete { frame, frame_len }) = decode_frame(&out[..len]) else {
            panic!("the handshake wrote an invalid frame");
        };
        assert_eq!(frame_len, len);
        assert!(frame.header.msg_type.is_handshake());
    }
    if ended {
        *side = None;
    }
}

fuzz_target!(|data: &[u8]| {
    let (Some(acceptor_settings), Some(connector_settings)) = (settings(0, 1), settings(1, 0))
    else {
        return;
    };
    let Some(mut connection) = Connection::new(acceptor_settings, 0) else {
        return;
    };
    let mut acceptor =
        Handshake::accept(acceptor_settings, Credentials::None, Payloads::Clear).ok();
    let mut hello = [0u8; MAX_HANDSHAKE_FRAME];
    let mut connector = Handshake::connect(
        connector_settings,
        Credentials::None,
        Payloads::Clear,
        &mut hello,
    )
    .ok()
    .map(|(hs, _)| hs);
    let _ = connection.handle(
        0,
        Event::Accepted {
            handshaken: Handshaken::fresh(2, 1),
        },
    );
    let mut rest = data;
    let mut now = 0u64;
    let mut reencoded = [0u8; MAX_FRAME_LEN];
    while let Ok(Decoded::Complete { frame, frame_len }) = decode_frame(rest) {
        let len = encode_frame(&frame.header, frame.payload, &mut reencoded);
        assert_eq!(len, Ok(frame_len));
        assert_eq!(reencoded.get(..frame_len), rest.get(..frame_len));
        check_payload(frame.header.msg_type, frame.payload);
        let whole = rest.get(..frame_len).unwrap_or(&[]);
        if frame.header.msg_type.is_handshake() {
            handshake_step(&mut acceptor, whole);
            handshake_step(&mut connector, whole);
        }
        // The request id's low bits advance the clock, so timers fire too.
        now = now.saturating_add(frame.header.request_id % 40_000);
        let _ = connection.handle(now, Event::Tick);
        if connection.current().is_none() {
            let nonce = frame.header.request_id;
            let _ = connection.handle(
                now,
                Event::Accepted {
                    handshaken: Handshaken::fresh(nonce, 1),
                },
            );
        }
        if let Some(conn) = connection.current() {
            let event = Event::Frame {
                conn,
                header: frame.header,
            };
            let _ = connection.handle(now, event);
        }
        rest = rest.get(frame_len..).unwrap_or(&[]);
    }
});
