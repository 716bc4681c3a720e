// SPDX-License-Identifier: GPL-2.0

//! Tests of the authenticated handshake: both sides in memory, then every way a peer or a man in
//! the middle can get it wrong (another key, another mode, other nodes or versions, any byte of
//! any frame changed, an old frame replayed, a proof reflected).

extern crate std;

use super::*;
use crate::cluster::names::ClusterName;
use crate::cluster::timeouts::Timeouts;
use crate::cluster::wire::VERSION;
use std::boxed::Box;
use std::vec::Vec;

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
const OTHER_KEY: &[u8] = b"fedcba9876543210fedcba9876543210";

fn settings(sender: u8, receiver: u8, nonce: u64) -> Settings {
    Settings {
        protocol_version: crate::cluster::messages::PROTOCOL_VERSION,
        sender: NodeNum::new(sender).unwrap(),
        receiver: NodeNum::new(receiver).unwrap(),
        nonce,
        period: 0,
        timeouts: Timeouts::DEFAULT,
        cluster: ClusterName::new(b"test").unwrap(),
    }
}

/// Node 1 connects to node 0.
fn connector(creds: Credentials<'_>) -> Result<(Handshake, Vec<u8>), Failure> {
    connector_with(creds, Payloads::Clear)
}

fn connector_with(
    creds: Credentials<'_>,
    payloads: Payloads,
) -> Result<(Handshake, Vec<u8>), Failure> {
    let mut out = [0u8; MAX_HANDSHAKE_FRAME];
    let (hs, len) = Handshake::connect(settings(1, 0, 11), creds, payloads, &mut out)?;
    Ok((hs, out[..len].to_vec()))
}

fn acceptor(creds: Credentials<'_>) -> Handshake {
    acceptor_with(creds, Payloads::Clear)
}

fn acceptor_with(creds: Credentials<'_>, payloads: Payloads) -> Handshake {
    Handshake::accept(settings(0, 1, 22), creds, payloads).unwrap()
}

/// The result of one side's step: the frame to send (maybe empty) and the outcome.
enum Outcome {
    Next(Vec<u8>),
    Done(Vec<u8>, Box<Established>),
    Failed(Vec<u8>, Failure),
}

fn step(hs: &mut Handshake, frame: &[u8]) -> Outcome {
    let mut out = [0u8; MAX_HANDSHAKE_FRAME];
    match hs.on_frame(frame, &mut out) {
        Step::Send(len) => Outcome::Next(out[..len].to_vec()),
        Step::Done(len, est) => Outcome::Done(out[..len].to_vec(), Box::new(est)),
        Step::Fail(len, failure) => Outcome::Failed(out[..len].to_vec(), failure),
    }
}

fn next(o: Outcome) -> Vec<u8> {
    match o {
        Outcome::Next(frame) => frame,
        Outcome::Done(..) => panic!("finished early"),
        Outcome::Failed(_, f) => panic!("failed: {f}"),
    }
}

fn failure(o: Outcome) -> (Vec<u8>, Failure) {
    match o {
        Outcome::Failed(frame, f) => (frame, f),
        Outcome::Next(_) | Outcome::Done(..) => panic!("expected a failure"),
    }
}

/// The four frames of a successful handshake, and both sides' results.
fn run(
    c_creds: Credentials<'_>,
    a_creds: Credentials<'_>,
) -> ([Vec<u8>; 4], Established, Established) {
    run_with(c_creds, a_creds, Payloads::Clear)
}

fn run_with(
    c_creds: Credentials<'_>,
    a_creds: Credentials<'_>,
    payloads: Payloads,
) -> ([Vec<u8>; 4], Established, Established) {
    let (mut c, hello) = connector_with(c_creds, payloads).unwrap();
    let mut a = acceptor_with(a_creds, payloads);
    let challenge = next(step(&mut a, &hello));
    let prove = next(step(&mut c, &challenge));
    let Outcome::Done(welcome, a_est) = step(&mut a, &prove) else {
        panic!("acceptor did not finish");
    };
    let Outcome::Done(rest, c_est) = step(&mut c, &welcome) else {
        panic!("connector did not finish");
    };
    assert!(rest.is_empty());
    ([hello, challenge, prove, welcome], *c_est, *a_est)
}

/// Frames go both ways; returns what the first one carried on the wire.
fn frames_flow(c: &mut Established, a: &mut Established) -> Vec<u8> {
    let mut payload = *b"to acceptor";
    let tag = c.send.seal_in_place(b"head", &mut payload).unwrap();
    let wire = payload.to_vec();
    a.recv.open(b"head", &mut payload, &tag).unwrap();
    assert_eq!(&payload, b"to acceptor");
    let mut payload = *b"to connector";
    let tag = a.send.seal_in_place(b"head", &mut payload).unwrap();
    c.recv.open(b"head", &mut payload, &tag).unwrap();
    assert_eq!(&payload, b"to connector");
    // A frame sealed for one direction does not open in the other.
    let mut payload = *b"x";
    let tag = c.send.seal_in_place(b"head", &mut payload).unwrap();
    assert!(c.recv.open(b"head", &mut payload, &tag).is_err());
    wire
}

#[test]
fn both_sides_prove_themselves_and_frames_flow() {
    let (frames, mut c, mut a) = run(Credentials::Psk(Some(KEY)), Credentials::Psk(Some(KEY)));
    assert_eq!(c.peer.sender.get(), 0);
    assert_eq!(c.peer.nonce, 22);
    assert_eq!(a.peer.sender.get(), 1);
    assert_eq!(a.peer.nonce, 11);
    let lens: Vec<usize> = frames.iter().map(Vec::len).collect();
    assert_eq!(
        lens,
        [
            HEADER_LEN + HELLO_LEN,
            HEADER_LEN + CHALLENGE_LEN,
            MAX_HANDSHAKE_FRAME,
            MAX_HANDSHAKE_FRAME
        ]
    );
    for frame in &frames {
        assert_eq!(frame[4], VERSION);
    }
    frames_flow(&mut c, &mut a);
}

#[test]
fn auth_none_on_both_sides_works() {
    let (_, mut c, mut a) = run(Credentials::None, Credentials::None);
    frames_flow(&mut c, &mut a);
}

fn pair(a: u8, b: u8) -> [u8; MAC_LEN] {
    let cluster = ClusterName::new(b"test").unwrap();
    derive_pair_key(
        KEY,
        &cluster,
        NodeNum::new(a).unwrap(),
        NodeNum::new(b).unwrap(),
    )
    .unwrap()
}

#[test]
fn pair_keys_follow_the_spec_and_differ_per_pair_and_cluster() {
    // HMAC-SHA256(master, "RMST2 pair key" || "test" padded to 56 bytes || 0 || 1), computed
    // with Python's hmac module.
    let expected = "05d3462c2bcf2f4e1190c34dc5d85458bf2aeb1e969ae14513aa5372f91f2e75";
    let hex: std::string::String = pair(0, 1).iter().map(|b| std::format!("{b:02x}")).collect();
    assert_eq!(hex, expected);
    assert_eq!(pair(1, 0), pair(0, 1), "either order");
    assert_ne!(pair(0, 2), pair(0, 1));
    assert_ne!(pair(1, 2), pair(0, 2));
    let other = ClusterName::new(b"test2").unwrap();
    let (n0, n1) = (NodeNum::new(0).unwrap(), NodeNum::new(1).unwrap());
    assert_ne!(derive_pair_key(KEY, &other, n0, n1).unwrap(), pair(0, 1));
}

#[test]
fn a_node_with_only_its_pair_key_authenticates_with_one_holding_the_master_key() {
    let key = pair(0, 1);
    let (_, mut c, mut a) = run(Credentials::PairKey(&key), Credentials::Psk(Some(KEY)));
    frames_flow(&mut c, &mut a);
    let (_, mut c, mut a) = run(Credentials::Psk(Some(KEY)), Credentials::PairKey(&key));
    frames_flow(&mut c, &mut a);
    let (_, mut c, mut a) = run(Credentials::PairKey(&key), Credentials::PairKey(&key));
    frames_flow(&mut c, &mut a);
}

#[test]
fn the_key_of_another_pair_does_not_pose_as_this_one() {
    // Node 2's key set holds the keys of pairs (0, 2) and (1, 2): with them, a node that claims
    // to be node 1 proves nothing to node 0, in either role.
    for stolen in [pair(0, 2), pair(1, 2)] {
        let (mut c, hello) = connector(Credentials::PairKey(&stolen)).unwrap();
        let mut a = acceptor(Credentials::Psk(Some(KEY)));
        let challenge = next(step(&mut a, &hello));
        let (sent, f) = failure(step(&mut c, &challenge));
        assert_eq!(f, Failure::BadProof);
        assert!(sent.is_empty());

        let (mut c, hello) = connector(Credentials::Psk(Some(KEY))).unwrap();
        let mut a = acceptor(Credentials::PairKey(&stolen));
        let challenge = next(step(&mut a, &hello));
        let (sent, f) = failure(step(&mut c, &challenge));
        assert_eq!(f, Failure::BadProof);
        assert!(sent.is_empty());
    }
}

#[test]
fn with_encryption_on_both_sides_payloads_are_encrypted_each_way() {
    let (frames, mut c, mut a) = run_with(
        Credentials::Psk(Some(KEY)),
        Credentials::Psk(Some(KEY)),
        Payloads::Encrypted,
    );
    assert_eq!(
        frames[0][HEADER_LEN + 10],
        2,
        "HELLO says: psk with encryption"
    );
    let wire = frames_flow(&mut c, &mut a);
    assert_ne!(&wire[..], b"to acceptor");
    // Without encryption the same frame goes out as it is.
    let (_, mut c, mut a) = run(Credentials::Psk(Some(KEY)), Credentials::Psk(Some(KEY)));
    assert_eq!(&frames_flow(&mut c, &mut a)[..], b"to acceptor");
}

#[test]
fn encryption_on_one_side_only_is_refused_with_a_status_saying_so() {
    for (c_payloads, a_payloads) in [
        (Payloads::Encrypted, Payloads::Clear),
        (Payloads::Clear, Payloads::Encrypted),
    ] {
        let (mut c, hello) = connector_with(Credentials::Psk(Some(KEY)), c_payloads).unwrap();
        let mut a = acceptor_with(Credentials::Psk(Some(KEY)), a_payloads);
        let (refusal, f) = failure(step(&mut a, &hello));
        assert_eq!(
            decode_header(&refusal).unwrap().status,
            Status::AuthMismatch
        );
        let (_, cf) = failure(step(&mut c, &refusal));
        assert_eq!(cf, Failure::PeerRefused(Status::AuthMismatch));
        let text = std::format!("{f}");
        if c_payloads == Payloads::Encrypted {
            assert_eq!(
                text,
                "the peer runs with auth = psk with encryption, this node with auth = psk \
                 without encryption"
            );
        }
    }
    assert_eq!(
        connector_with(Credentials::None, Payloads::Encrypted).err(),
        Some(Failure::EncryptionWithoutKey)
    );
}

#[test]
fn hello_tells_nothing_about_the_node_but_its_number() {
    let (_, hello) = connector(Credentials::Psk(Some(KEY))).unwrap();
    let text = &hello[HEADER_LEN..];
    assert!(!text.windows(4).any(|w| w == b"test"), "no cluster name");
    // The nonce (11) and timeouts are not there either: 44 bytes of versions, nodes, challenge.
    assert_eq!(text.len(), HELLO_LEN);
}

#[test]
fn a_wrong_key_fails_before_the_connector_says_anything() {
    let (mut c, hello) = connector(Credentials::Psk(Some(OTHER_KEY))).unwrap();
    let mut a = acceptor(Credentials::Psk(Some(KEY)));
    let challenge = next(step(&mut a, &hello));
    let (sent, f) = failure(step(&mut c, &challenge));
    assert_eq!(f, Failure::BadProof);
    assert!(
        sent.is_empty(),
        "no PROVE, so no settings, goes to an unproven acceptor"
    );
}

#[test]
fn an_acceptor_refuses_a_prove_without_the_key() {
    // The attacker relays a real node's HELLO... no: it connects itself with another key, and
    // answers the acceptor's challenge with a proof made under its key.
    let (mut c, hello) = connector(Credentials::Psk(Some(OTHER_KEY))).unwrap();
    let mut a = acceptor(Credentials::Psk(Some(KEY)));
    let mut honest_twin = acceptor(Credentials::Psk(Some(OTHER_KEY)));
    let challenge = next(step(&mut a, &hello));
    // It cannot check the real acceptor's proof, so it builds a PROVE by talking to an
    // acceptor under its own key with the same HELLO.
    let twin_challenge = next(step(&mut honest_twin, &hello));
    let prove = next(step(&mut c, &twin_challenge));
    let (welcome, f) = failure(step(&mut a, &prove));
    assert_eq!(f, Failure::BadProof);
    assert!(
        welcome.is_empty(),
        "nothing is sent to a peer that failed its proof"
    );
    let _ = challenge;
}

#[test]
fn mode_and_key_mismatches_are_refused_with_a_status() {
    for (c_creds, a_creds, status) in [
        (
            Credentials::None,
            Credentials::Psk(Some(KEY)),
            Status::AuthMismatch,
        ),
        (
            Credentials::Psk(Some(KEY)),
            Credentials::None,
            Status::AuthMismatch,
        ),
        (
            Credentials::Psk(Some(KEY)),
            Credentials::Psk(None),
            Status::NoKey,
        ),
    ] {
        let (mut c, hello) = connector(c_creds).unwrap();
        let mut a = acceptor(a_creds);
        let (refusal, _) = failure(step(&mut a, &hello));
        assert_eq!(decode_header(&refusal).unwrap().status, status);
        let (_, f) = failure(step(&mut c, &refusal));
        assert_eq!(f, Failure::PeerRefused(status));
    }
    assert_eq!(
        connector(Credentials::Psk(None)).err(),
        Some(Failure::NoLocalKey)
    );
}

#[test]
fn other_nodes_are_refused() {
    let (_, hello) = connector(Credentials::Psk(Some(KEY))).unwrap();
    // The acceptor expected node 2 from this address.
    let mut a = Handshake::accept(
        settings(0, 2, 22),
        Credentials::Psk(Some(KEY)),
        Payloads::Clear,
    )
    .unwrap();
    let (refusal, f) = failure(step(&mut a, &hello));
    assert!(matches!(f, Failure::Nodes(..)));
    assert_eq!(decode_header(&refusal).unwrap().status, Status::UnknownNode);
}

#[test]
fn another_version_gets_a_clear_refusal() {
    let (mut c, mut hello) = connector(Credentials::Psk(Some(KEY))).unwrap();
    // A peer that speaks only versions 3..=4.
    hello[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&[0, 3, 0, 4]);
    let mut a = acceptor(Credentials::Psk(Some(KEY)));
    let (refusal, f) = failure(step(&mut a, &hello));
    assert_eq!(f, Failure::Version(3, 4));
    let (_, f) = failure(step(&mut c, &refusal));
    assert_eq!(
        f,
        Failure::Version(2, 2),
        "the refusal names the versions we speak"
    );
}

#[test]
fn settings_that_differ_are_refused_after_both_proved_themselves() {
    let (mut c, hello) = connector(Credentials::Psk(Some(KEY))).unwrap();
    let mut ours = settings(0, 1, 22);
    ours.timeouts.dead_threshold += 1;
    let mut a = Handshake::accept(ours, Credentials::Psk(Some(KEY)), Payloads::Clear).unwrap();
    let challenge = next(step(&mut a, &hello));
    let prove = next(step(&mut c, &challenge));
    let (welcome, f) = failure(step(&mut a, &prove));
    assert!(matches!(f, Failure::Mismatch(Mismatch::Timeouts(..))));
    let (_, f) = failure(step(&mut c, &welcome));
    assert_eq!(f, Failure::PeerRefused(Status::TimeoutMismatch));
}

/// Runs a handshake where `tamper` may change the frame with index `which` in transit; returns
/// whether both sides still finished.
fn finishes_with(which: usize, tamper: impl Fn(&mut Vec<u8>)) -> bool {
    let (mut c, mut hello) = connector(Credentials::Psk(Some(KEY))).unwrap();
    let mut a = acceptor(Credentials::Psk(Some(KEY)));
    if which == 0 {
        tamper(&mut hello);
    }
    let Outcome::Next(mut challenge) = step(&mut a, &hello) else {
        return false;
    };
    if which == 1 {
        tamper(&mut challenge);
    }
    let Outcome::Next(mut prove) = step(&mut c, &challenge) else {
        return false;
    };
    if which == 2 {
        tamper(&mut prove);
    }
    let Outcome::Done(mut welcome, _) = step(&mut a, &prove) else {
        return false;
    };
    if which == 3 {
        tamper(&mut welcome);
    }
    matches!(step(&mut c, &welcome), Outcome::Done(..))
}

#[test]
fn any_changed_byte_of_any_frame_fails_the_handshake() {
    assert!(finishes_with(0, |_| {}));
    let lens = [
        HEADER_LEN + HELLO_LEN,
        HEADER_LEN + CHALLENGE_LEN,
        MAX_HANDSHAKE_FRAME,
        MAX_HANDSHAKE_FRAME,
    ];
    for (which, len) in lens.into_iter().enumerate() {
        for byte in 0..len {
            for bit in [0x01u8, 0x80] {
                let finished = finishes_with(which, |f| f[byte] ^= bit);
                assert!(
                    !finished,
                    "frame {which}, byte {byte}, bit {bit:#x} went unnoticed"
                );
            }
        }
    }
}

#[test]
fn an_old_handshake_replayed_fails() {
    let (old, _, _) = run(Credentials::Psk(Some(KEY)), Credentials::Psk(Some(KEY)));
    // A new acceptor sees the old HELLO and then the old PROVE: its challenge is new.
    let mut a = acceptor(Credentials::Psk(Some(KEY)));
    let _ = next(step(&mut a, &old[0]));
    let (sent, f) = failure(step(&mut a, &old[2]));
    assert_eq!(f, Failure::BadProof);
    assert!(sent.is_empty());
    // A new connector sees the old CHALLENGE: its HELLO had a new challenge.
    let (mut c, _) = connector(Credentials::Psk(Some(KEY))).unwrap();
    assert_eq!(failure(step(&mut c, &old[1])).1, Failure::BadProof);
}

#[test]
fn a_proof_reflected_as_another_step_fails() {
    let (old, _, _) = run(Credentials::Psk(Some(KEY)), Credentials::Psk(Some(KEY)));
    // The connector's PROVE turned into a WELCOME (same layout, type byte changed).
    let (mut c, hello) = connector(Credentials::Psk(Some(KEY))).unwrap();
    let mut a = acceptor(Credentials::Psk(Some(KEY)));
    let challenge = next(step(&mut a, &hello));
    let prove = next(step(&mut c, &challenge));
    let mut reflected = prove.clone();
    reflected[5] = MessageType::Welcome.code();
    assert_eq!(failure(step(&mut c, &reflected)).1, Failure::BadProof);
    let _ = old;
}

#[test]
fn frames_after_the_end_are_refused() {
    let (mut c, hello) = connector(Credentials::Psk(Some(KEY))).unwrap();
    let mut a = acceptor(Credentials::Psk(Some(KEY)));
    let challenge = next(step(&mut a, &hello));
    let prove = next(step(&mut c, &challenge));
    let Outcome::Done(..) = step(&mut a, &prove) else {
        panic!()
    };
    assert!(matches!(
        failure(step(&mut a, &prove)).1,
        Failure::Unexpected(_)
    ));
}

#[test]
fn a_peer_of_another_frame_version_is_told_which_versions_we_speak() {
    // The glue's answer to a first frame whose header has another version byte (a version-1
    // node's HANDSHAKE): a refusal the connector understands.
    let mut out = [0u8; MAX_HANDSHAKE_FRAME];
    let len = refuse_version(&mut out);
    assert_eq!(len, HEADER_LEN + CHALLENGE_LEN);
    let header = decode_header(&out[..len]).unwrap();
    assert_eq!(header.msg_type, MessageType::Challenge);
    assert_eq!(header.status, Status::VersionMismatch);
    let (mut c, _) = connector(Credentials::Psk(Some(KEY))).unwrap();
    let (sent, f) = failure(step(&mut c, &out[..len]));
    assert_eq!(f, Failure::Version(VERSIONS.0, VERSIONS.1));
    assert!(sent.is_empty());
    // No room: nothing to send.
    assert_eq!(refuse_version(&mut out[..HEADER_LEN]), 0);
}
