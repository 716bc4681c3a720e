// SPDX-License-Identifier: GPL-2.0

//! Tests of the handshake payload codec and the handshake checks.

use super::*;
use proptest::prelude::*;

fn ours() -> Handshake {
    Handshake {
        protocol_version: PROTOCOL_VERSION,
        sender: NodeNum::new(1).unwrap(),
        receiver: NodeNum::new(0).unwrap(),
        nonce: 0x1122_3344_5566_7788,
        period: 0,
        timeouts: Timeouts::DEFAULT,
        cluster: ClusterName::new(b"ramster").unwrap(),
    }
}

/// The peer's correct answer to `ours()`.
fn theirs() -> Handshake {
    Handshake {
        sender: NodeNum::new(0).unwrap(),
        receiver: NodeNum::new(1).unwrap(),
        nonce: 99,
        period: 0,
        ..ours()
    }
}

fn encoded(h: &Handshake) -> [u8; HANDSHAKE_LEN] {
    let mut out = [0u8; HANDSHAKE_LEN];
    h.encode(&mut out).unwrap();
    out
}

#[test]
fn layout() {
    let bytes = encoded(&ours());
    assert_eq!(&bytes[0..4], &[0, 0, 0, 2]);
    assert_eq!(&bytes[4..8], &[1, 0, 0, 0]);
    assert_eq!(
        &bytes[8..16],
        &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    );
    assert_eq!(&bytes[16..20], &30_000u32.to_be_bytes());
    assert_eq!(&bytes[20..24], &2_000u32.to_be_bytes());
    assert_eq!(&bytes[24..28], &2_000u32.to_be_bytes());
    assert_eq!(&bytes[28..32], &31u32.to_be_bytes());
    assert_eq!(&bytes[32..40], b"ramster\0");
    assert!(bytes[40..88].iter().all(|b| *b == 0));
    assert_eq!(&bytes[88..96], &[0; 8], "held down: period 0");
    assert_eq!(Handshake::decode(&bytes), Ok(ours()));
    let held_up = Handshake {
        period: 0x0102_0304_0506_0708,
        ..ours()
    };
    let bytes = encoded(&held_up);
    assert_eq!(&bytes[88..96], &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(Handshake::decode(&bytes), Ok(held_up));
}

#[test]
fn malformed_payloads_are_refused() {
    let good = encoded(&ours());
    assert_eq!(
        Handshake::decode(&good[..95]),
        Err(HandshakeError::Length(95))
    );
    let mut bad_node = good;
    bad_node[5] = 255;
    assert_eq!(
        Handshake::decode(&bad_node),
        Err(HandshakeError::BadNode(255))
    );
    let mut reserved = good;
    reserved[7] = 1;
    assert_eq!(
        Handshake::decode(&reserved),
        Err(HandshakeError::Reserved(1))
    );
    let mut name = good;
    name[50] = b'x';
    assert!(matches!(
        Handshake::decode(&name),
        Err(HandshakeError::ClusterName(_))
    ));
    let mut out = [0u8; HANDSHAKE_LEN - 1];
    assert_eq!(ours().encode(&mut out), Err(HandshakeError::Length(95)));
}

#[test]
fn matching_handshakes_pass_in_both_directions() {
    assert_eq!(ours().check_peer(&theirs()), Ok(()));
    assert_eq!(theirs().check_peer(&ours()), Ok(()));
}

#[test]
fn each_mismatch_has_its_status() {
    // A version-1 peer's settings.
    let version = Handshake {
        protocol_version: 1,
        ..theirs()
    };
    let cluster = Handshake {
        cluster: ClusterName::new(b"other").unwrap(),
        ..theirs()
    };
    let nodes = Handshake {
        sender: NodeNum::new(7).unwrap(),
        ..theirs()
    };
    let timeouts = Handshake {
        timeouts: Timeouts {
            dead_threshold: 500,
            ..Timeouts::DEFAULT
        },
        ..theirs()
    };
    for (peer, status) in [
        (version, Status::VersionMismatch),
        (cluster, Status::ClusterMismatch),
        (nodes, Status::UnknownNode),
        (timeouts, Status::TimeoutMismatch),
    ] {
        assert_eq!(
            ours().check_peer(&peer).map_err(|m| m.status()),
            Err(status)
        );
    }
}

#[test]
fn mismatches_say_both_values() {
    extern crate std;
    use std::string::ToString;
    let peer = Handshake {
        sender: NodeNum::new(7).unwrap(),
        ..theirs()
    };
    let text = ours().check_peer(&peer).unwrap_err().to_string();
    assert_eq!(
        text,
        "peer says node 7 talking to node 1, expected node 0 talking to node 1"
    );
}

prop_compose! {
    fn any_handshake()(
        protocol_version in any::<u32>(),
        sender in 0u8..=254,
        receiver in 0u8..=254,
        nonce in any::<u64>(),
        period in any::<u64>(),
        t in any::<(u32, u32, u32, u32)>(),
        name in "[!-.0-~]{1,56}",
    ) -> Handshake {
        Handshake {
            protocol_version,
            sender: NodeNum::new(sender).unwrap(),
            receiver: NodeNum::new(receiver).unwrap(),
            nonce,
            period,
            timeouts: Timeouts {
                idle_timeout_ms: t.0,
                keepalive_delay_ms: t.1,
                reconnect_delay_ms: t.2,
                dead_threshold: t.3,
            },
            cluster: ClusterName::new(name.as_bytes()).unwrap(),
        }
    }
}

proptest! {
    #[test]
    fn handshakes_round_trip(h in any_handshake()) {
        prop_assert_eq!(Handshake::decode(&encoded(&h)), Ok(h));
    }

    #[test]
    fn decoder_never_panics_and_accepts_only_what_it_would_encode(
        bytes in proptest::collection::vec(any::<u8>(), 0..100)
    ) {
        if let Ok(h) = Handshake::decode(&bytes) {
            prop_assert_eq!(&encoded(&h)[..], &bytes[..]);
        }
    }
}
