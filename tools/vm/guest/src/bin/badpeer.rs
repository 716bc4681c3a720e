//! `badpeer PEER_IP PORT CLUSTER SELF_NUM PEER_NUM KEEPALIVE_MS IDLE_MS RECONNECT_MS DEAD
//! [--key-file PATH | --pair-key-file PATH] [--as-nobody] [--unconfigured | --stall=SECS | --junk=COUNT | --wrong-key |
//! --trickle | --slow-read=SECS | --flood=COUNT]`:
//! plays a misbehaving cluster node (protocol version 2) against a ramster node listening on
//! PEER_IP:PORT.
//!
//! The honest parts (a correct handshake as node SELF_NUM with the cluster key read from
//! `--key-file`, the tags of frames after it) use ramster's own `cluster/handshake.rs` and
//! `cluster/frame_mac.rs`; every misbehaving byte is encoded here by hand from
//! Documentation/wire-protocol.rst, including the proofs of handshakes that break a rule after
//! authenticating (so the node's checks are tested against the spec, not against its own code).
//!
//! Without a mode flag, each case opens a fresh connection and breaks the spec (garbage, a wrong
//! magic, a version-1 frame, oversized lengths, unknown types, frames out of order, bad `HELLO`s,
//! a wrong key, other settings, silence; then, after a good handshake, altered, replayed,
//! reordered and untagged frames and a handshake frame), and checks that the node drops the
//! connection within 10 s (end of stream or reset), answering only what the spec says it answers:
//! a `CHALLENGE` with the refusal's status and a zero proof, or a `WELCOME` with a mismatch
//! status whose proof checks out under the key. Cases that the node refuses before the handshake
//! are paced (at most 8 per 5.5 s), so that every refusal line of the node's rate-limited log
//! (10 lines per 5 s) is printed.
//!
//! Modes:
//! - `--stall=SECS`: a good handshake, then neither a byte read nor a byte sent for SECS seconds;
//!   then it reports what was waiting. It fails only if the handshake fails.
//! - `--unconfigured`: run from an address that is not a configured node: a valid `HELLO` must be
//!   dropped unanswered.
//! - `--junk=COUNT`: COUNT connections in a row, each writing 64 bytes of junk; each must be
//!   dropped unanswered. Needs no key.
//! - `--wrong-key`: a `HELLO` and a `PROVE` under a random key that is not the cluster's: the
//!   node's `CHALLENGE` proof must not verify under it, and the `PROVE` must be dropped
//!   unanswered. Needs no key (with `--key-file`, the node's proof must verify under the real one;
//!   with `--pair-key-file`, that key is the wrong one: another pair's key posing as this pair's).
//! - `--trickle`: a good `HELLO`, one byte every half idle timeout: the node must drop the
//!   connection about one idle timeout after the connect (the whole handshake's deadline).
//! - `--slow-read=SECS`: a good handshake, then for SECS seconds a reader of 256 bytes every
//!   500 ms (512 bytes a second) that sends a tagged keepalive request each time, so that the
//!   node hears it and keeps it up; then it reads what is left until the end. It fails only if
//!   the handshake fails.
//! - `--flood=COUNT`: a good handshake, then COUNT tiny pages in objects of their own, then a
//!   `DESTROY_POOL` of each pool (`badpeer/flood.rs`).
//!
//! `--pair-key-file PATH` reads the key of the pair (SELF_NUM, PEER_NUM) instead of the cluster
//! key, as a node with a key set (`ramster-tools keyset`) holds it, for the honest handshakes;
//! the hand-made proofs of the cases need the cluster key.
//!
//! `--as-nobody` drops to uid and gid 65534 (no supplementary groups) before anything else, and
//! says so with the ids the kernel reports; a key file it cannot read then fails with exit
//! status 3.
//!
//! Exit status 0 when every case behaved, 1 otherwise, 2 on bad usage, 3 if the key file cannot
//! be read.

#[path = "badpeer/flood.rs"]
mod flood;

use ramster::cluster::frame_mac::FrameKey;
use ramster::cluster::handshake::{Credentials, Established, Failure, Handshake, Payloads, Step};
use ramster::cluster::messages::Handshake as Settings;
use ramster::cluster::names::ClusterName;
use ramster::cluster::node_num::NodeNum;
use ramster::cluster::timeouts::Timeouts;
use ramster::os::{Hmac, MAC_LEN};
use ramster_guest::anon::syscall3;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

// The wire protocol, from Documentation/wire-protocol.rst.
const MAGIC: u32 = 0x524d_5354;
const VERSION: u8 = 2;
const HEADER: usize = 24;
const HELLO: u8 = 0x01;
const CHALLENGE: u8 = 0x02;
const KEEPALIVE_REQUEST: u8 = 0x03;
const KEEPALIVE_REPLY: u8 = 0x04;
const REPLY: u8 = 0x05;
const PROVE: u8 = 0x06;
const WELCOME: u8 = 0x07;
const TEST_ECHO: u8 = 0x20;
const HELLO_LEN: usize = 44;
const CHALLENGE_LEN: usize = 76;
const PROVE_LEN: usize = 128;
const SETTINGS_LEN: usize = 96;
/// The settings of protocol version 1.
const V1_SETTINGS_LEN: usize = 88;
/// `FRAME_MAC` and `PERIODS`, both required.
const FEATURES: u32 = 3;
const PROOF: usize = 32;
const TAG: usize = 16;
const VERSION_MISMATCH: u32 = 16;
const CLUSTER_MISMATCH: u32 = 17;
const TIMEOUT_MISMATCH: u32 = 18;
const UNKNOWN_NODE: u32 = 19;
const AUTH_MISMATCH: u32 = 20;

const WAIT: Duration = Duration::from_secs(10);
/// Refused connections the node logs per window: 10 per 5 s; we stay under it.
const REFUSALS_PER_WINDOW: u32 = 8;
const WINDOW: Duration = Duration::from_millis(5_500);

#[derive(Clone)]
struct Setup {
    peer: SocketAddr,
    cluster: String,
    self_num: u8,
    peer_num: u8,
    /// idle, keepalive, reconnect, dead threshold.
    timeouts: [u32; 4],
    key: Option<Vec<u8>>,
    /// `key` is the pair's key (`--pair-key-file`), not the cluster key.
    pair_key: bool,
}

impl Setup {
    /// Our settings, as the library's handshake sends them.
    fn settings(&self) -> Result<Settings, String> {
        let [idle, keepalive, reconnect, dead] = self.timeouts;
        Ok(Settings {
            protocol_version: 2,
            sender: NodeNum::new(self.self_num).ok_or("bad SELF_NUM")?,
            receiver: NodeNum::new(self.peer_num).ok_or("bad PEER_NUM")?,
            nonce: 0x0bad_9eea_0000_0001,
            // A peer that holds the node down: it keeps nothing of it.
            period: 0,
            timeouts: Timeouts {
                idle_timeout_ms: idle,
                keepalive_delay_ms: keepalive,
                reconnect_delay_ms: reconnect,
                dead_threshold: dead,
            },
            cluster: ClusterName::new(self.cluster.as_bytes())
                .map_err(|e| format!("cluster name: {e:?}"))?,
        })
    }

    fn key(&self) -> Result<&[u8], String> {
        self.key
            .as_deref()
            .ok_or_else(|| "this case needs --key-file".to_string())
    }

    /// What the library's handshake authenticates with: the cluster key or the pair's.
    fn credentials(&self) -> Result<Credentials<'_>, String> {
        let key = self.key()?;
        Ok(match self.pair_key {
            true => Credentials::PairKey(key),
            false => Credentials::Psk(Some(key)),
        })
    }

    /// The cluster key, for the proofs made by hand.
    fn master_key(&self) -> Result<&[u8], String> {
        match self.pair_key {
            true => Err("this case needs --key-file, not --pair-key-file".to_string()),
            false => self.key(),
        }
    }
}

fn header(version: u8, msg_type: u8, flags: u16, len: u32, status: u32, id: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER);
    h.extend_from_slice(&MAGIC.to_be_bytes());
    h.push(version);
    h.push(msg_type);
    h.extend_from_slice(&flags.to_be_bytes());
    h.extend_from_slice(&len.to_be_bytes());
    h.extend_from_slice(&status.to_be_bytes());
    h.extend_from_slice(&id.to_be_bytes());
    h
}

/// A `HELLO` frame: versions 2..=2, `FRAME_MAC` and `PERIODS`, the node numbers, `auth`, the
/// reserved byte.
fn hello(sender: u8, receiver: u8, auth: u8, reserved: u8, challenge: &[u8; 32]) -> Vec<u8> {
    let mut f = header(VERSION, HELLO, 0, HELLO_LEN as u32, 0, 0);
    f.extend_from_slice(&2u16.to_be_bytes());
    f.extend_from_slice(&2u16.to_be_bytes());
    f.extend_from_slice(&FEATURES.to_be_bytes());
    f.extend_from_slice(&[sender, receiver, auth, reserved]);
    f.extend_from_slice(challenge);
    f
}

/// The 96-byte settings of `PROVE` and `WELCOME`: period 0 (this peer holds nothing).
fn settings(s: &Setup, cluster: &str, timeouts: [u32; 4]) -> Vec<u8> {
    let mut p = Vec::with_capacity(SETTINGS_LEN);
    p.extend_from_slice(&2u32.to_be_bytes());
    p.extend_from_slice(&[s.self_num, s.peer_num, 0, 0]);
    p.extend_from_slice(&0x0bad_9eea_0000_0002u64.to_be_bytes());
    for t in timeouts {
        p.extend_from_slice(&t.to_be_bytes());
    }
    let mut name = [0u8; 56];
    name[..cluster.len()].copy_from_slice(cluster.as_bytes());
    p.extend_from_slice(&name);
    p.extend_from_slice(&0u64.to_be_bytes());
    p
}

/// A version-1 `HANDSHAKE` frame (the old protocol: version byte 1, 88-byte settings).
fn v1_handshake(s: &Setup) -> Vec<u8> {
    let mut f = header(1, 0x01, 0, V1_SETTINGS_LEN as u32, 0, 0);
    let mut p = settings(s, &s.cluster, s.timeouts);
    p.truncate(V1_SETTINGS_LEN);
    p[..4].copy_from_slice(&1u32.to_be_bytes());
    f.extend_from_slice(&p);
    f
}

fn mac(key: &Hmac, parts: &[&[u8]]) -> Result<[u8; MAC_LEN], String> {
    key.mac(parts).map_err(|_| "HMAC failed".to_string())
}

/// The pair key of this cluster's two nodes under `master`, by the spec ("Proofs and keys").
fn pair_key(master: &[u8], cluster: &str, a: u8, b: u8) -> Result<Hmac, String> {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    let mut name = [0u8; 56];
    name[..cluster.len()].copy_from_slice(cluster.as_bytes());
    let master = Hmac::new(master).map_err(|_| "HMAC key")?;
    let key = mac(&master, &[b"RMST2 pair key", &name, &[lo, hi]])?;
    Hmac::new(&key).map_err(|_| "HMAC key".to_string())
}

/// The connector's side of the proofs, computed by hand.
struct Transcript {
    pair: Hmac,
    chain: [u8; MAC_LEN],
}

impl Transcript {
    /// Starts from our `HELLO` frame.
    fn new(s: &Setup, master: &[u8], hello: &[u8]) -> Result<Transcript, String> {
        Transcript::start(pair_key(master, &s.cluster, s.self_num, s.peer_num)?, hello)
    }

    /// Starts from our `HELLO` frame under the pair key `pair` itself.
    fn with_pair_key(pair: &[u8], hello: &[u8]) -> Result<Transcript, String> {
        Transcript::start(Hmac::new(pair).map_err(|_| "HMAC key")?, hello)
    }

    fn start(pair: Hmac, hello: &[u8]) -> Result<Transcript, String> {
        let chain = mac(&pair, &[b"RMST2 hello", hello])?;
        Ok(Transcript { pair, chain })
    }

    /// Whether the proof of the node's `CHALLENGE` or `WELCOME` checks out; chains to what it
    /// should be either way.
    fn check(&mut self, label: &[u8], frame: &[u8]) -> Result<bool, String> {
        let (body, proof) = frame.split_at(frame.len() - PROOF);
        self.chain = mac(&self.pair, &[label, &self.chain, body])?;
        Ok(self.chain[..] == *proof)
    }

    /// A `PROVE` frame with `payload` (the settings) and its proof.
    fn prove(&mut self, payload: &[u8]) -> Result<Vec<u8>, String> {
        let mut f = header(VERSION, PROVE, 0, PROVE_LEN as u32, 0, 0);
        f.extend_from_slice(payload);
        self.chain = mac(&self.pair, &[b"RMST2 prove", &self.chain, &f])?;
        f.extend_from_slice(&self.chain);
        Ok(f)
    }
}

fn connect(peer: SocketAddr) -> Result<TcpStream, String> {
    let start = Instant::now();
    loop {
        match TcpStream::connect_timeout(&peer, Duration::from_secs(5)) {
            Ok(c) => {
                c.set_read_timeout(Some(WAIT)).map_err(|e| e.to_string())?;
                return Ok(c);
            }
            Err(e) if start.elapsed() > Duration::from_secs(90) => {
                return Err(format!("connect: {e}"))
            }
            Err(_) => thread::sleep(Duration::from_millis(500)),
        }
    }
}

fn send(c: &mut TcpStream, bytes: &[u8]) -> Result<(), String> {
    c.write_all(bytes).map_err(|e| format!("send: {e}"))
}

/// Reads until the node closes; the bytes it sent, or an error if it kept the connection open.
fn read_to_close(c: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(got),
            Err(e) => {
                return Err(format!(
                    "not dropped in time ({e}); {} bytes came",
                    got.len()
                ))
            }
        }
    }
}

/// Reads one handshake frame (header and payload, no tag).
fn read_frame(c: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut f = vec![0u8; HEADER];
    c.read_exact(&mut f)
        .map_err(|e| format!("no handshake frame: {e}"))?;
    let len = u32::from_be_bytes(f[8..12].try_into().unwrap_or_default()) as usize;
    if len > PROVE_LEN {
        return Err(format!("a handshake frame of {len} bytes"));
    }
    f.resize(HEADER + len, 0);
    c.read_exact(&mut f[HEADER..])
        .map_err(|e| format!("truncated handshake frame: {e}"))?;
    Ok(f)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap_or_default())
}

/// Checks that `f` is a handshake frame of `msg_type` with `status`, request id 0 and the
/// payload length the spec fixes.
fn expect_frame(f: &[u8], msg_type: u8, len: usize, status: u32) -> Result<(), String> {
    let ok = f.len() == HEADER + len
        && be32(f, 0) == MAGIC
        && f[4] == VERSION
        && f[5] == msg_type
        && f[6..8] == [0, 0]
        && be32(f, 8) as usize == len
        && f[16..24] == [0; 8];
    if !ok {
        return Err(format!(
            "expected a frame of type {msg_type:#04x} with {len} bytes of payload, got {} bytes: {:02x?}",
            f.len(),
            &f[..f.len().min(HEADER)]
        ));
    }
    match be32(f, 12) {
        st if st == status => Ok(()),
        st => Err(format!("expected status {status}, got {st}")),
    }
}

/// A `CHALLENGE` refusing with `status`: it names versions 2..=2, and its proof is zero.
fn expect_refusal(f: &[u8], status: u32) -> Result<(), String> {
    expect_frame(f, CHALLENGE, CHALLENGE_LEN, status)?;
    let p = &f[HEADER..];
    if p[..4] != [0, 2, 0, 2] || p[44..] != [0; PROOF] {
        return Err(format!(
            "refusal names versions {:02x?} and has a proof {:02x?}",
            &p[..4],
            &p[44..48]
        ));
    }
    Ok(())
}

/// What the node must answer before it drops the connection.
#[derive(Clone, Copy)]
enum Answer {
    Nothing,
    /// A `CHALLENGE` refusing with this status.
    Refusal(u32),
}

/// Sends `data` (then half-closes if `eof`) and expects a drop with exactly `answer`.
fn case(s: &Setup, data: &[u8], eof: bool, answer: Answer) -> Result<(), String> {
    let mut c = connect(s.peer)?;
    // A reset while sending means the node dropped us already: that is fine.
    let _ = c.write_all(data);
    if eof {
        let _ = c.shutdown(Shutdown::Write);
    }
    let got = read_to_close(&mut c)?;
    match answer {
        Answer::Nothing if got.is_empty() => Ok(()),
        Answer::Nothing => Err(format!("expected no answer, got {} bytes", got.len())),
        Answer::Refusal(status) => expect_refusal(&got, status),
    }
}

/// A good handshake with the library's code: the connection and its frame keys.
fn good_handshake(s: &Setup) -> Result<(TcpStream, Established), String> {
    let mut out = [0u8; HEADER + PROVE_LEN];
    let (mut hs, len) =
        Handshake::connect(s.settings()?, s.credentials()?, Payloads::Clear, &mut out)
            .map_err(|f| format!("handshake: {f}"))?;
    let mut c = connect(s.peer)?;
    send(&mut c, &out[..len])?;
    loop {
        let frame = read_frame(&mut c)?;
        match hs.on_frame(&frame, &mut out) {
            Step::Send(n) => send(&mut c, &out[..n])?,
            Step::Done(n, established) => {
                send(&mut c, &out[..n])?;
                return Ok((c, established));
            }
            Step::Fail(_, failure) => return Err(format!("good handshake failed: {failure}")),
        }
    }
}

/// `frame` (header and payload) followed by its tag under `key`.
fn sealed(key: &mut FrameKey, mut frame: Vec<u8>) -> Result<Vec<u8>, String> {
    let tag = key
        .seal(&frame[..HEADER], &frame[HEADER..])
        .map_err(|_| "seal failed")?;
    frame.extend_from_slice(&tag);
    Ok(frame)
}

/// Reads the node's tagged frames until it closes the connection (or, with `until`, until a
/// `KEEPALIVE_REPLY` to that request id came); every tag must check out under `key`, and every
/// frame must be a keepalive. Returns the request ids of the keepalive replies.
fn read_sealed(
    c: &mut TcpStream,
    key: &mut FrameKey,
    until: Option<u64>,
) -> Result<Vec<u64>, String> {
    let mut replies = Vec::new();
    loop {
        let mut head = [0u8; HEADER];
        let mut got = 0;
        while got < HEADER {
            match c.read(&mut head[got..]) {
                Ok(0) if got == 0 && until.is_none() => return Ok(replies),
                Err(e) if e.kind() == ErrorKind::ConnectionReset && got == 0 => {
                    return match until {
                        None => Ok(replies),
                        Some(id) => Err(format!("dropped before the reply to {id}")),
                    }
                }
                Ok(0) => return Err(format!("the node closed after {got} bytes of a frame")),
                Ok(n) => got += n,
                Err(e) => return Err(format!("not dropped in time: {e}")),
            }
        }
        let len = be32(&head, 8) as usize;
        if be32(&head, 0) != MAGIC || head[4] != VERSION || len != 0 {
            return Err(format!("the node sent an unexpected frame {head:02x?}"));
        }
        let mut tag = [0u8; TAG];
        c.read_exact(&mut tag)
            .map_err(|e| format!("the node's frame has no tag: {e}"))?;
        key.open(&head, &mut [], &tag)
            .map_err(|e| format!("the node's frame: {e}"))?;
        let id = u64::from_be_bytes(head[16..24].try_into().unwrap_or_default());
        match head[5] {
            KEEPALIVE_REQUEST => {}
            KEEPALIVE_REPLY => {
                replies.push(id);
                if until == Some(id) {
                    return Ok(replies);
                }
            }
            t => return Err(format!("the node sent frame type {t:#04x}")),
        }
    }
}

/// A good handshake, then `misbehave` (given the stream and our send key); the node must drop
/// the connection, sending only tagged keepalives (all checked) before.
fn after_handshake(
    s: &Setup,
    misbehave: impl FnOnce(&mut TcpStream, &mut FrameKey, &mut FrameKey) -> Result<(), String>,
) -> Result<(), String> {
    let (mut c, mut keys) = good_handshake(s)?;
    misbehave(&mut c, &mut keys.send, &mut keys.recv)?;
    read_sealed(&mut c, &mut keys.recv, None).map(|_| ())
}

fn keepalive(id: u64) -> Vec<u8> {
    header(VERSION, KEEPALIVE_REQUEST, 0, 0, 0, id)
}

/// A handshake whose `HELLO` is honest and whose `PROVE`, signed by hand under the right key,
/// carries `prove_settings`: the node must answer a `WELCOME` with `status` whose proof checks
/// out and which carries its own settings, then drop the connection.
fn settings_refused(s: &Setup, prove_settings: &[u8], status: u32) -> Result<(), String> {
    let mut challenge = [0u8; 32];
    ramster::os::random_bytes(&mut challenge);
    let hello = hello(s.self_num, s.peer_num, 1, 0, &challenge);
    let mut t = Transcript::new(s, s.master_key()?, &hello)?;
    let mut c = connect(s.peer)?;
    send(&mut c, &hello)?;
    let ch = read_frame(&mut c)?;
    expect_frame(&ch, CHALLENGE, CHALLENGE_LEN, 0)?;
    if !t.check(b"RMST2 challenge", &ch)? {
        return Err("the node's CHALLENGE proof does not check out under the key".into());
    }
    send(&mut c, &t.prove(prove_settings)?)?;
    let welcome = read_frame(&mut c)?;
    expect_frame(&welcome, WELCOME, PROVE_LEN, status)?;
    if !t.check(b"RMST2 welcome", &welcome)? {
        return Err("the node's WELCOME proof does not check out under the key".into());
    }
    let theirs = &welcome[HEADER..HEADER + SETTINGS_LEN];
    let mut expected = settings(s, &s.cluster, s.timeouts);
    expected.swap(4, 5);
    // Everything but the node's nonce (bytes 8..16) is ours with the node numbers swapped.
    if theirs[..8] != expected[..8] || theirs[16..] != expected[16..] {
        return Err(format!(
            "the WELCOME carries other settings: {:02x?}",
            &theirs[..32]
        ));
    }
    match read_to_close(&mut c)? {
        rest if rest.is_empty() => Ok(()),
        rest => Err(format!("{} bytes after the WELCOME", rest.len())),
    }
}

/// A `HELLO` and a `PROVE` under a random key: the node's proof must not check out under it
/// (with the real key, if we have it, it must), and the `PROVE` must be dropped unanswered.
fn wrong_key(s: &Setup) -> Result<(), String> {
    let mut wrong = [0u8; 32];
    ramster::os::random_bytes(&mut wrong);
    // With --pair-key-file, the wrong key is that one (another pair's, from a node's key set),
    // used as this pair's key.
    let stolen = match s.pair_key {
        true => Some(s.key()?),
        false => None,
    };
    let credentials = match stolen {
        Some(key) => Credentials::PairKey(key),
        None => Credentials::Psk(Some(&wrong)),
    };
    let mut out = [0u8; HEADER + PROVE_LEN];
    let (mut hs, len) = Handshake::connect(s.settings()?, credentials, Payloads::Clear, &mut out)
        .map_err(|f| format!("handshake: {f}"))?;
    let hello = out[..len].to_vec();
    let mut c = connect(s.peer)?;
    send(&mut c, &hello)?;
    let ch = read_frame(&mut c)?;
    expect_frame(&ch, CHALLENGE, CHALLENGE_LEN, 0)?;
    match hs.on_frame(&ch, &mut out) {
        Step::Fail(0, Failure::BadProof) => {}
        Step::Fail(_, f) => return Err(format!("the node's CHALLENGE: {f}")),
        _ => return Err("the node's CHALLENGE proof checks out under the wrong key".into()),
    }
    if let (false, Some(key)) = (s.pair_key, &s.key) {
        if !Transcript::new(s, key, &hello)?.check(b"RMST2 challenge", &ch)? {
            return Err("the node's CHALLENGE proof does not check out under the real key".into());
        }
    }
    let mut t = match stolen {
        Some(key) => Transcript::with_pair_key(key, &hello)?,
        None => Transcript::new(s, &wrong, &hello)?,
    };
    t.check(b"RMST2 challenge", &ch)?;
    send(&mut c, &t.prove(&settings(s, &s.cluster, s.timeouts))?)?;
    match read_to_close(&mut c)? {
        got if got.is_empty() => Ok(()),
        got => Err(format!("a PROVE under a wrong key got {} bytes", got.len())),
    }
}

/// A good `HELLO`, the node's `CHALLENGE` (checked), then silence: the node must drop the
/// connection after its idle timeout.
fn silent_after_hello(s: &Setup) -> Result<(), String> {
    let idle = Duration::from_millis(u64::from(s.timeouts[0]));
    let mut out = [0u8; HEADER + PROVE_LEN];
    let (mut hs, len) =
        Handshake::connect(s.settings()?, s.credentials()?, Payloads::Clear, &mut out)
            .map_err(|f| format!("handshake: {f}"))?;
    let mut c = connect(s.peer)?;
    c.set_read_timeout(Some(idle + WAIT))
        .map_err(|e| e.to_string())?;
    send(&mut c, &out[..len])?;
    let ch = read_frame(&mut c)?;
    let start = Instant::now();
    if !matches!(hs.on_frame(&ch, &mut out), Step::Send(_)) {
        return Err("the node's CHALLENGE does not check out".into());
    }
    let got = read_to_close(&mut c)?;
    let took = start.elapsed();
    if !got.is_empty() {
        return Err(format!("{} bytes came before the drop", got.len()));
    }
    if took < idle * 3 / 4 || took > idle + Duration::from_secs(5) {
        return Err(format!(
            "dropped after {took:?}, the idle timeout is {idle:?}"
        ));
    }
    println!(
        "badpeer: dropped {} ms after the CHALLENGE",
        took.as_millis()
    );
    Ok(())
}

/// A good `HELLO` sent one byte every half idle timeout: the whole handshake must finish within
/// the idle timeout (Documentation/wire-protocol.rst, "Connections"), so the node must drop the
/// connection after about that long, however slowly the bytes come.
fn trickle(s: &Setup) -> Result<(), String> {
    let idle = Duration::from_millis(u64::from(s.timeouts[0]));
    let mut out = [0u8; HEADER + PROVE_LEN];
    let (_, len) = Handshake::connect(s.settings()?, s.credentials()?, Payloads::Clear, &mut out)
        .map_err(|f| format!("handshake: {f}"))?;
    let mut c = connect(s.peer)?;
    c.set_read_timeout(Some(idle / 2))
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut dropped = false;
    for (sent, byte) in out[..len].iter().enumerate() {
        if c.write_all(&[*byte]).is_err() {
            dropped = true;
            break;
        }
        let mut buf = [0u8; 1];
        match c.read(&mut buf) {
            Ok(0) => {
                dropped = true;
                break;
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                dropped = true;
                break;
            }
            Ok(_) => return Err(format!("the node answered after {} bytes", sent + 1)),
            Err(_) if start.elapsed() > idle + Duration::from_secs(6) => {
                return Err(format!(
                    "still open {} ms after the connect, {} bytes of the HELLO sent one by one \
                     every {} ms; the idle timeout is {} ms",
                    start.elapsed().as_millis(),
                    sent + 1,
                    (idle / 2).as_millis(),
                    idle.as_millis()
                ))
            }
            Err(_) => {}
        }
    }
    if !dropped {
        return Err("the whole HELLO went out and the node neither answered nor dropped it".into());
    }
    let took = start.elapsed();
    if took > idle + Duration::from_secs(5) {
        return Err(format!(
            "dropped after {took:?}, the idle timeout is {idle:?}"
        ));
    }
    println!(
        "badpeer: trickling HELLO dropped after {} ms",
        took.as_millis()
    );
    Ok(())
}

/// One case: its check, run later, and whether the node refuses it before the handshake (a
/// rate-limited log line).
type Check<'a> = Box<dyn Fn() -> Result<(), String> + 'a>;

fn cases(s: &Setup) -> Vec<(&'static str, bool, Check<'_>)> {
    let mut cases: Vec<(&str, bool, Check)> = Vec::new();
    let garbage: Vec<u8> = (0..64u32).map(|i| (i * 97 + 13) as u8).collect();
    let good = hello(s.self_num, s.peer_num, 1, 0, &[0x5a; 32]);
    let mut wrong_magic = good.clone();
    wrong_magic[..4].copy_from_slice(&0xdead_beefu32.to_be_bytes());
    let mut challenge_first = header(VERSION, CHALLENGE, 0, CHALLENGE_LEN as u32, 0, 0);
    challenge_first.resize(HEADER + CHALLENGE_LEN, 0);
    let simple: Vec<(&str, Vec<u8>, bool, Answer)> = vec![
        ("garbage bytes", garbage, false, Answer::Nothing),
        ("wrong magic", wrong_magic, false, Answer::Nothing),
        (
            "a version-1 HANDSHAKE",
            v1_handshake(s),
            false,
            Answer::Refusal(VERSION_MISMATCH),
        ),
        (
            "oversized HELLO length",
            header(VERSION, HELLO, 0, u32::MAX, 0, 0),
            false,
            Answer::Nothing,
        ),
        (
            "application frame longer than the limit",
            header(VERSION, TEST_ECHO, 0, 4145, 0, 0),
            false,
            Answer::Nothing,
        ),
        (
            "unknown message type",
            header(VERSION, 0x99, 0, 0, 0, 0),
            false,
            Answer::Nothing,
        ),
        (
            "reserved flag bits",
            header(VERSION, HELLO, 0x8000, HELLO_LEN as u32, 0, 0),
            false,
            Answer::Nothing,
        ),
        (
            "keepalive before the handshake",
            keepalive(7),
            false,
            Answer::Nothing,
        ),
        (
            "application frame before the handshake",
            header(VERSION, TEST_ECHO, 0, 0, 0, 0),
            false,
            Answer::Nothing,
        ),
        (
            "CHALLENGE from the connector",
            challenge_first,
            false,
            Answer::Nothing,
        ),
        (
            "truncated header",
            good[..10].to_vec(),
            true,
            Answer::Nothing,
        ),
        (
            "HELLO with a reserved byte set",
            hello(s.self_num, s.peer_num, 1, 0x80, &[0x5a; 32]),
            false,
            Answer::Nothing,
        ),
        (
            "HELLO naming the wrong nodes",
            hello(s.self_num, s.peer_num + 3, 1, 0, &[0x5a; 32]),
            false,
            Answer::Refusal(UNKNOWN_NODE),
        ),
        (
            "HELLO without authentication (auth = 0)",
            hello(s.self_num, s.peer_num, 0, 0, &[0x5a; 32]),
            false,
            Answer::Refusal(AUTH_MISMATCH),
        ),
    ];
    for (name, data, eof, answer) in simple {
        cases.push((name, true, Box::new(move || case(s, &data, eof, answer))));
    }
    cases.push(("a wrong key", true, Box::new(move || wrong_key(s))));
    let other_cluster = settings(s, "not-our-cluster", s.timeouts);
    cases.push((
        "PROVE for another cluster",
        true,
        Box::new(move || settings_refused(s, &other_cluster, CLUSTER_MISMATCH)),
    ));
    let mut t = s.timeouts;
    t[0] += 1;
    let other_timeouts = settings(s, &s.cluster, t);
    cases.push((
        "PROVE with other timeouts",
        true,
        Box::new(move || settings_refused(s, &other_timeouts, TIMEOUT_MISMATCH)),
    ));
    cases.push((
        "silence after the HELLO",
        true,
        Box::new(move || silent_after_hello(s)),
    ));
    // After a good handshake: the link is up and every frame must carry its tag.
    cases.push((
        "a frame with an altered tag",
        false,
        Box::new(move || {
            after_handshake(s, |c, tx, _| {
                let mut f = sealed(tx, keepalive(0x7e57))?;
                let last = f.len() - 1;
                f[last] ^= 0x01;
                send(c, &f)
            })
        }),
    ));
    cases.push((
        "a valid frame replayed",
        false,
        Box::new(move || {
            after_handshake(s, |c, tx, rx| {
                let f = sealed(tx, keepalive(0x7e58))?;
                send(c, &f)?;
                // The first copy is valid: the node answers it.
                read_sealed(c, rx, Some(0x7e58))?;
                send(c, &f)
            })
        }),
    ));
    cases.push((
        "two frames swapped",
        false,
        Box::new(move || {
            after_handshake(s, |c, tx, _| {
                let first = sealed(tx, keepalive(0x7e59))?;
                let second = sealed(tx, keepalive(0x7e5a))?;
                send(c, &[second, first].concat())
            })
        }),
    ));
    cases.push((
        "frames without a tag",
        false,
        Box::new(move || {
            after_handshake(s, |c, _, _| {
                send(c, &[keepalive(0x7e5b), keepalive(0x7e5c)].concat())
            })
        }),
    ));
    cases.push((
        "a tagged HELLO after the handshake",
        false,
        Box::new(move || {
            after_handshake(s, |c, tx, _| {
                let f = hello(s.self_num, s.peer_num, 1, 0, &[0x5b; 32]);
                send(c, &sealed(tx, f)?)
            })
        }),
    ));
    cases.push((
        "a request without a request id after the handshake",
        false,
        Box::new(move || {
            after_handshake(s, |c, tx, _| {
                send(c, &sealed(tx, header(VERSION, TEST_ECHO, 1, 0, 0, 0))?)
            })
        }),
    ));
    cases.push((
        "an unknown status after the handshake",
        false,
        Box::new(move || {
            after_handshake(s, |c, tx, _| {
                send(c, &sealed(tx, header(VERSION, REPLY, 0, 0, 99, 5))?)
            })
        }),
    ));
    cases
}

fn run(s: &Setup) -> bool {
    let mut ok = true;
    let mut in_window = 0;
    for (name, refused, check) in cases(s) {
        if refused {
            if in_window == REFUSALS_PER_WINDOW {
                thread::sleep(WINDOW);
                in_window = 0;
            }
            in_window += 1;
        }
        match check() {
            Ok(()) => println!("badpeer: ok - {name}: dropped"),
            Err(e) => {
                println!("badpeer: FAILED - {name}: {e}");
                ok = false;
            }
        }
    }
    ok
}

/// A valid `HELLO` from an address that is not a configured node: dropped unanswered.
fn unconfigured(s: &Setup) -> bool {
    let result: Result<(), String> = (|| {
        let mut out = [0u8; HEADER + PROVE_LEN];
        let (_, len) =
            Handshake::connect(s.settings()?, s.credentials()?, Payloads::Clear, &mut out)
                .map_err(|f| format!("handshake: {f}"))?;
        case(s, &out[..len], false, Answer::Nothing)
    })();
    report("a valid HELLO from an unconfigured address", result)
}

/// `count` connections, each writing 64 bytes of junk: each dropped unanswered.
fn junk(s: &Setup, count: u32) -> bool {
    let result: Result<(), String> = (|| {
        for i in 0..count {
            let data: Vec<u8> = (0..64u32).map(|j| (j * 89 + i * 7 + 1) as u8).collect();
            case(s, &data, false, Answer::Nothing).map_err(|e| format!("connection {i}: {e}"))?;
        }
        Ok(())
    })();
    report(&format!("{count} connections of 64 bytes of junk"), result)
}

fn report(name: &str, result: Result<(), String>) -> bool {
    match result {
        Ok(()) => {
            println!("badpeer: ok - {name}: dropped");
            true
        }
        Err(e) => {
            println!("badpeer: FAILED - {name}: {e}");
            false
        }
    }
}

/// Handshakes, then stays silent and reads nothing for `secs` seconds.
fn stall(s: &Setup, secs: u64) -> bool {
    let result: Result<(), String> = (|| {
        let (mut c, _) = good_handshake(s)?;
        println!("badpeer: handshake done; reading and sending nothing for {secs} s");
        thread::sleep(Duration::from_secs(secs));
        // A node that dropped the link with data still queued may abort it without a FIN.
        match read_to_close(&mut c) {
            Ok(got) => println!("badpeer: {} bytes were waiting, then the end", got.len()),
            Err(e) => println!("badpeer: after the stall: {e}"),
        }
        Ok(())
    })();
    if let Err(e) = &result {
        println!("badpeer: not ok - {e}");
    }
    result.is_ok()
}

/// Handshakes, then reads 256 bytes every 500 ms for `secs` seconds, sending a keepalive
/// request each time.
fn slow_read(s: &Setup, secs: u64) -> bool {
    let result: Result<(), String> = (|| {
        let (mut c, mut keys) = good_handshake(s)?;
        println!("badpeer: handshake done; reading 512 bytes a second for {secs} s");
        c.set_read_timeout(Some(Duration::from_millis(100)))
            .map_err(|e| e.to_string())?;
        let start = Instant::now();
        let (mut read, mut id) = (0usize, 1u64);
        while start.elapsed() < Duration::from_secs(secs) {
            thread::sleep(Duration::from_millis(500));
            let frame = sealed(&mut keys.send, keepalive(id))?;
            id += 1;
            if c.write_all(&frame).is_err() {
                println!("badpeer: the node closed the link after {read} bytes");
                return Ok(());
            }
            let mut chunk = [0u8; 256];
            match c.read(&mut chunk) {
                Ok(0) => {
                    println!("badpeer: the node closed the link after {read} bytes");
                    return Ok(());
                }
                Ok(n) => read += n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => {
                    println!("badpeer: after {read} bytes: {e}");
                    return Ok(());
                }
            }
        }
        c.set_read_timeout(Some(WAIT)).map_err(|e| e.to_string())?;
        match read_to_close(&mut c) {
            Ok(got) => println!("badpeer: read {read} bytes slowly, then {}", got.len()),
            Err(e) => println!("badpeer: read {read} bytes slowly, then: {e}"),
        }
        Ok(())
    })();
    if let Err(e) = &result {
        println!("badpeer: not ok - {e}");
    }
    result.is_ok()
}

/// Becomes uid and gid 65534 with no supplementary groups (the process has one thread, so the
/// raw system calls change all of it); returns the ids the kernel reports after.
fn become_nobody() -> Result<(i64, i64, i64), String> {
    const SETUID: u64 = 105;
    const SETGID: u64 = 106;
    const SETGROUPS: u64 = 116;
    const GETUID: u64 = 102;
    const GETGID: u64 = 104;
    const GETEUID: u64 = 107;
    for (what, nr, arg) in [
        ("setgroups", SETGROUPS, 0),
        ("setgid", SETGID, 65534),
        ("setuid", SETUID, 65534),
    ] {
        let ret = syscall3(nr, arg, 0, 0);
        if ret < 0 {
            return Err(format!("{what} failed: {ret}"));
        }
    }
    Ok((
        syscall3(GETUID, 0, 0, 0),
        syscall3(GETEUID, 0, 0, 0),
        syscall3(GETGID, 0, 0, 0),
    ))
}

/// The key in a key file: 64 hexadecimal digits (32 bytes), then optional whitespace.
fn parse_key(text: &str) -> Result<Vec<u8>, String> {
    let hex = text.trim();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("not 64 hexadecimal digits".into());
    }
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

const USAGE: &str = "usage: badpeer PEER_IP PORT CLUSTER SELF_NUM PEER_NUM KEEPALIVE_MS IDLE_MS \
RECONNECT_MS DEAD [--key-file PATH | --pair-key-file PATH] [--as-nobody] [--unconfigured | --stall=SECS | --junk=COUNT | \
--wrong-key | --trickle | --slow-read=SECS | --flood=COUNT]";

enum Mode {
    Cases,
    Unconfigured,
    Stall(u64),
    SlowRead(u64),
    Junk(u32),
    WrongKey,
    Trickle,
    Flood(u64),
}

fn main() -> ExitCode {
    let mut positional = Vec::new();
    let mut modes = Vec::new();
    let mut key_file = None;
    let mut pair_key = false;
    let mut as_nobody = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mode = match a.as_str() {
            "--unconfigured" => Some(Mode::Unconfigured),
            "--wrong-key" => Some(Mode::WrongKey),
            "--trickle" => Some(Mode::Trickle),
            "--as-nobody" => {
                as_nobody = true;
                None
            }
            "--key-file" | "--pair-key-file" => {
                pair_key = a == "--pair-key-file";
                key_file = args.next();
                if key_file.is_none() {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
                None
            }
            _ => {
                if let Some(v) = a.strip_prefix("--stall=") {
                    v.parse().ok().map(Mode::Stall).or_else(|| {
                        eprintln!("badpeer: --stall=SECS takes a number of seconds");
                        std::process::exit(2)
                    })
                } else if let Some(v) = a.strip_prefix("--slow-read=") {
                    v.parse().ok().map(Mode::SlowRead).or_else(|| {
                        eprintln!("badpeer: --slow-read=SECS takes a number of seconds");
                        std::process::exit(2)
                    })
                } else if let Some(v) = a.strip_prefix("--flood=") {
                    v.parse().ok().map(Mode::Flood).or_else(|| {
                        eprintln!("badpeer: --flood=COUNT takes a number of pages");
                        std::process::exit(2)
                    })
                } else if let Some(v) = a.strip_prefix("--junk=") {
                    v.parse().ok().map(Mode::Junk).or_else(|| {
                        eprintln!("badpeer: --junk=COUNT takes a number of connections");
                        std::process::exit(2)
                    })
                } else {
                    positional.push(a);
                    None
                }
            }
        };
        modes.extend(mode);
    }
    let parsed = (|| {
        let [ip, port, cluster, self_num, peer_num, keepalive, idle, reconnect, dead] =
            positional.as_slice()
        else {
            return None;
        };
        Some(Setup {
            peer: SocketAddr::new(ip.parse().ok()?, port.parse().ok()?),
            cluster: cluster.to_string(),
            self_num: self_num.parse().ok()?,
            peer_num: peer_num.parse().ok()?,
            timeouts: [
                idle.parse().ok()?,
                keepalive.parse().ok()?,
                reconnect.parse().ok()?,
                dead.parse().ok()?,
            ],
            key: None,
            pair_key,
        })
    })();
    let (Some(mut setup), true) = (
        parsed.filter(|s| s.settings().is_ok() && s.peer_num < 250),
        modes.len() <= 1,
    ) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if as_nobody {
        match become_nobody() {
            Ok((uid, euid, gid)) => println!("badpeer: running as uid {uid} euid {euid} gid {gid}"),
            Err(e) => {
                println!("badpeer: cannot become nobody: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = key_file {
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| parse_key(&t))
        {
            Ok(key) => setup.key = Some(key),
            Err(e) => {
                println!("badpeer: cannot read the key file {path}: {e}");
                return ExitCode::from(3);
            }
        }
    }
    let passed = match modes.pop().unwrap_or(Mode::Cases) {
        Mode::Cases => run(&setup),
        Mode::Unconfigured => unconfigured(&setup),
        Mode::Stall(secs) => stall(&setup, secs),
        Mode::SlowRead(secs) => slow_read(&setup, secs),
        Mode::Junk(count) => junk(&setup, count),
        Mode::WrongKey => report("a HELLO and a PROVE under a wrong key", wrong_key(&setup)),
        Mode::Trickle => report("a HELLO trickled one byte at a time", trickle(&setup)),
        Mode::Flood(count) => flood::flood(&setup, count),
    };
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    //! The hand-made frames and proofs against the library's acceptor: what the node runs.
    use super::*;
    use ramster::cluster::frame_mac::TAG_LEN;
    use ramster::cluster::status::Status;

    const KEY: [u8; 32] = [0x7e; 32];

    fn setup() -> Setup {
        Setup {
            peer: "127.0.0.1:7777".parse().unwrap(),
            cluster: "ramster".into(),
            self_num: 1,
            peer_num: 0,
            timeouts: [4000, 500, 500, 6],
            key: Some(KEY.to_vec()),
            pair_key: false,
        }
    }

    /// The node's side: node 0 accepting node 1.
    fn acceptor(s: &Setup) -> Handshake {
        let mut ours = s.settings().unwrap();
        (ours.sender, ours.receiver) = (ours.receiver, ours.sender);
        Handshake::accept(ours, Credentials::Psk(Some(&KEY)), Payloads::Clear).unwrap()
    }

    /// Our hand-made `HELLO` and `PROVE` with `prove_settings`: what the acceptor answers the
    /// `PROVE`, and whether its proofs checked out by hand.
    fn hand_handshake(s: &Setup, master: &[u8], prove_settings: &[u8]) -> (Step, bool, Vec<u8>) {
        let mut node = acceptor(s);
        let mut out = [0u8; HEADER + PROVE_LEN];
        let hello = hello(1, 0, 1, 0, &[3; 32]);
        let mut t = Transcript::new(s, master, &hello).unwrap();
        let Step::Send(n) = node.on_frame(&hello, &mut out) else {
            panic!("the acceptor refused our HELLO");
        };
        let challenge_ok = t.check(b"RMST2 challenge", &out[..n]).unwrap();
        let prove = t.prove(prove_settings).unwrap();
        let step = node.on_frame(&prove, &mut out);
        let sent = match &step {
            Step::Send(n) | Step::Done(n, _) | Step::Fail(n, _) => out[..*n].to_vec(),
        };
        let welcome_ok =
            sent.len() == HEADER + PROVE_LEN && t.check(b"RMST2 welcome", &sent).unwrap();
        (step, challenge_ok && welcome_ok, sent)
    }

    #[test]
    fn a_hand_made_handshake_is_accepted() {
        let s = setup();
        let (step, proofs_ok, sent) =
            hand_handshake(&s, &KEY, &settings(&s, "ramster", s.timeouts));
        assert!(
            matches!(step, Step::Done(..)),
            "the acceptor did not finish"
        );
        assert!(proofs_ok);
        expect_frame(&sent, WELCOME, PROVE_LEN, 0).unwrap();
    }

    #[test]
    fn hand_made_settings_mismatches_get_a_verifiable_welcome() {
        let s = setup();
        for (cluster, idle, status, want) in [
            (
                "not-our-cluster",
                4000,
                CLUSTER_MISMATCH,
                Status::ClusterMismatch,
            ),
            ("ramster", 4001, TIMEOUT_MISMATCH, Status::TimeoutMismatch),
        ] {
            let mut t = s.timeouts;
            t[0] = idle;
            let (step, proofs_ok, sent) = hand_handshake(&s, &KEY, &settings(&s, cluster, t));
            match step {
                Step::Fail(_, Failure::Mismatch(m)) => assert_eq!(m.status(), want),
                _ => panic!("the acceptor did not refuse {cluster} {idle}"),
            }
            assert!(proofs_ok, "{cluster} {idle}");
            expect_frame(&sent, WELCOME, PROVE_LEN, status).unwrap();
        }
    }

    #[test]
    fn a_hand_made_prove_under_another_key_fails_silently() {
        let s = setup();
        let (step, proofs_ok, sent) =
            hand_handshake(&s, &[1; 32], &settings(&s, "ramster", s.timeouts));
        assert!(matches!(step, Step::Fail(0, Failure::BadProof)));
        assert!(!proofs_ok);
        assert!(sent.is_empty());
    }

    #[test]
    fn hand_made_hellos_are_refused_with_the_spec_status() {
        let s = setup();
        let mut out = [0u8; HEADER + PROVE_LEN];
        for (hello, status) in [
            (hello(1, 3, 1, 0, &[0; 32]), UNKNOWN_NODE),
            (hello(1, 0, 0, 0, &[0; 32]), AUTH_MISMATCH),
        ] {
            let Step::Fail(n, _) = acceptor(&s).on_frame(&hello, &mut out) else {
                panic!("accepted");
            };
            expect_refusal(&out[..n], status).unwrap();
        }
        let reserved = hello(1, 0, 1, 0x80, &[0; 32]);
        assert!(matches!(
            acceptor(&s).on_frame(&reserved, &mut out),
            Step::Fail(0, Failure::BadPayload(_))
        ));
        let mut v1 = [0u8; HEADER + CHALLENGE_LEN];
        let n = ramster::cluster::handshake::refuse_version(&mut v1);
        expect_refusal(&v1[..n], VERSION_MISMATCH).unwrap();
    }

    #[test]
    fn sealed_frames_open_with_the_receivers_key_in_order_only() {
        let mut tx = FrameKey::new(&[9; 32]).unwrap();
        let mut rx = FrameKey::new(&[9; 32]).unwrap();
        let f = sealed(&mut tx, keepalive(1)).unwrap();
        assert_eq!(f.len(), HEADER + TAG_LEN);
        rx.open(&f[..HEADER], &mut [], &f[HEADER..]).unwrap();
        assert!(rx.open(&f[..HEADER], &mut [], &f[HEADER..]).is_err());
    }

    #[test]
    fn key_files_are_64_hex_digits() {
        let key = parse_key("7e57ce1e7e57ce1e7e57ce1e7e57ce1e7e57ce1e7e57ce1e7e57ce1e7e57ce1e\n")
            .unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(key[..4], [0x7e, 0x57, 0xce, 0x1e]);
        assert!(parse_key("7e57").is_err());
        assert!(parse_key(&"g".repeat(64)).is_err());
    }
}
