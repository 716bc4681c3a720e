//! `badpeer PEER_IP PORT CLUSTER SELF_NUM PEER_NUM KEEPALIVE_MS IDLE_MS RECONNECT_MS DEAD [--unconfigured | --stall=SECS]`:
//! plays a misbehaving cluster node against a ramster node listening on PEER_IP:PORT.
//!
//! With `--stall=SECS` it plays one peer that stops: a good handshake, then neither a byte read
//! nor a byte sent for SECS seconds; then it reports what was waiting (the node's checks are
//! the test: it must declare this peer down in time). It fails only if the handshake fails.
//!
//! Each case opens a fresh connection, sends something that breaks Documentation/wire-protocol.rst
//! (garbage, a wrong magic or version, oversized lengths, truncated frames, frames before the
//! handshake, bad handshakes, violations after a good handshake) and checks that the node drops
//! the connection (end of stream or reset within 10 s), answering only what the spec says it
//! answers (a `HANDSHAKE_REPLY` with the mismatch status). With `--unconfigured` the program runs
//! from an address that is not a configured node: a valid handshake must be dropped unanswered.
//! Frames are encoded here from the spec, independently of the module's codec.
//! Exit status 0 when every case behaved, 1 otherwise, 2 on bad usage.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

const MAGIC: u32 = 0x524d_5354;
const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Setup {
    peer: SocketAddr,
    cluster: String,
    self_num: u8,
    peer_num: u8,
    timeouts: [u32; 4],
}

fn header(version: u8, msg_type: u8, flags: u16, len: u32, status: u32, id: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(24);
    h.extend_from_slice(&MAGIC.to_be_bytes());
    h.push(version);
    h.push(msg_type);
    h.extend_from_slice(&flags.to_be_bytes());
    h.extend_from_slice(&len.to_be_bytes());
    h.extend_from_slice(&status.to_be_bytes());
    h.extend_from_slice(&id.to_be_bytes());
    h
}

/// A `HANDSHAKE` frame; `timeouts` are idle, keepalive, reconnect, dead threshold.
fn handshake(s: &Setup, cluster: &str, timeouts: [u32; 4], reserved: u16) -> Vec<u8> {
    let mut f = header(1, 0x01, 0, 88, 0, 0);
    f.extend_from_slice(&1u32.to_be_bytes());
    f.push(s.self_num);
    f.push(s.peer_num);
    f.extend_from_slice(&reserved.to_be_bytes());
    f.extend_from_slice(&0x0bad_9eeau64.to_be_bytes());
    for t in timeouts {
        f.extend_from_slice(&t.to_be_bytes());
    }
    let mut name = [0u8; 56];
    name[..cluster.len()].copy_from_slice(cluster.as_bytes());
    f.extend_from_slice(&name);
    f
}

fn connect(peer: SocketAddr) -> std::io::Result<TcpStream> {
    let start = Instant::now();
    loop {
        match TcpStream::connect_timeout(&peer, Duration::from_secs(5)) {
            Ok(c) => return Ok(c),
            Err(e) if start.elapsed() > Duration::from_secs(90) => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(500)),
        }
    }
}

/// Reads until the node closes; the bytes it sent, or an error if it kept the connection open.
fn read_to_close(c: &mut TcpStream) -> Result<Vec<u8>, String> {
    c.set_read_timeout(Some(WAIT)).map_err(|e| e.to_string())?;
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(got),
            Err(e) => return Err(format!("not dropped within {WAIT:?}: {e}")),
        }
    }
}

/// The status of the `HANDSHAKE_REPLY` at the start of `bytes`.
fn reply_status(bytes: &[u8]) -> Result<u32, String> {
    if bytes.len() < 24 + 88 {
        return Err(format!(
            "expected a 112-byte HANDSHAKE_REPLY, got {} bytes",
            bytes.len()
        ));
    }
    let magic = u32::from_be_bytes(bytes[0..4].try_into().unwrap());
    if magic != MAGIC || bytes[4] != 1 || bytes[5] != 0x02 {
        return Err(format!("not a HANDSHAKE_REPLY: {:02x?}", &bytes[..8]));
    }
    Ok(u32::from_be_bytes(bytes[12..16].try_into().unwrap()))
}

/// Sends `data` (then half-closes if `eof`) and expects a drop with exactly `answer` status
/// (`None`: no bytes at all).
fn case(s: &Setup, data: &[u8], eof: bool, answer: Option<u32>) -> Result<(), String> {
    let mut c = connect(s.peer).map_err(|e| format!("connect: {e}"))?;
    // A reset while sending means the node dropped us already: that is fine.
    let _ = c.write_all(data);
    if eof {
        let _ = c.shutdown(Shutdown::Write);
    }
    let got = read_to_close(&mut c)?;
    match answer {
        None if got.is_empty() => Ok(()),
        None => Err(format!("expected no answer, got {} bytes", got.len())),
        Some(want) => match reply_status(&got)? {
            st if st == want && got.len() == 112 => Ok(()),
            st => Err(format!(
                "expected status {want} and a drop, got status {st}, {} bytes",
                got.len()
            )),
        },
    }
}

/// A good handshake, then `after`: the node must answer OK, then drop us.
fn after_handshake(s: &Setup, after: &[u8]) -> Result<(), String> {
    let mut c = connect(s.peer).map_err(|e| format!("connect: {e}"))?;
    c.write_all(&handshake(s, &s.cluster.clone(), s.timeouts, 0))
        .map_err(|e| e.to_string())?;
    c.set_read_timeout(Some(WAIT)).map_err(|e| e.to_string())?;
    let mut reply = [0u8; 112];
    c.read_exact(&mut reply)
        .map_err(|e| format!("no HANDSHAKE_REPLY: {e}"))?;
    match reply_status(&reply)? {
        0 => {}
        st => return Err(format!("good handshake refused with status {st}")),
    }
    let _ = c.write_all(after);
    let got = read_to_close(&mut c)?;
    // A keepalive request may come before the drop; anything else is wrong.
    if got.chunks(24).all(|f| f.len() == 24 && f[5] == 0x03) {
        Ok(())
    } else {
        Err(format!("unexpected {} bytes before the drop", got.len()))
    }
}

/// One case: its check, run later.
type Check<'a> = Box<dyn Fn() -> Result<(), String> + 'a>;

fn run(s: &Setup, unconfigured: bool) -> bool {
    let good = handshake(s, &s.cluster, s.timeouts, 0);
    let mut cases: Vec<(&str, Check)> = Vec::new();
    if unconfigured {
        let g = good.clone();
        cases.push((
            "valid handshake from an unconfigured address",
            Box::new(move || case(s, &g, false, None)),
        ));
    } else {
        let garbage: Vec<u8> = (0..64u32).map(|i| (i * 97 + 13) as u8).collect();
        let mut wrong_magic = good.clone();
        wrong_magic[..4].copy_from_slice(&0xdead_beefu32.to_be_bytes());
        let mut wrong_version = good.clone();
        wrong_version[4] = 2;
        let oversized = header(1, 0x01, 0, u32::MAX, 0, 0);
        let oversized_app = header(1, 0x20, 0, 4145, 0, 0);
        let unknown_type = header(1, 0x99, 0, 0, 0, 0);
        let reserved_flags = header(1, 0x01, 0x8000, 88, 0, 0);
        let keepalive_first = header(1, 0x03, 0, 0, 0, 7);
        let app_first = header(1, 0x20, 0, 0, 0, 0);
        let truncated_header = good[..10].to_vec();
        let truncated_payload = good[..24 + 40].to_vec();
        let bad_reserved = handshake(s, &s.cluster, s.timeouts, 0x0101);
        let other_cluster = handshake(s, "not-our-cluster", s.timeouts, 0);
        let mut t = s.timeouts;
        t[0] += 1;
        let other_timeouts = handshake(s, &s.cluster, t, 0);
        let no_id_request = header(1, 0x20, 1, 0, 0, 0);
        let huge_app = header(1, 0x20, 0, 0x7fff_ffff, 0, 0);
        let bad_status = header(1, 0x05, 0, 0, 99, 5);
        type Case = (&'static str, Vec<u8>, bool, Option<u32>);
        let simple: Vec<Case> = vec![
            ("garbage bytes", garbage, false, None),
            ("wrong magic", wrong_magic, false, None),
            ("wrong version", wrong_version, false, None),
            ("oversized length", oversized, false, None),
            (
                "application frame longer than the limit",
                oversized_app,
                false,
                None,
            ),
            ("unknown message type", unknown_type, false, None),
            ("reserved flag bits", reserved_flags, false, None),
            (
                "keepalive before the handshake",
                keepalive_first,
                false,
                None,
            ),
            (
                "application frame before the handshake",
                app_first,
                false,
                None,
            ),
            ("truncated header", truncated_header, true, None),
            ("truncated handshake payload", truncated_payload, true, None),
            (
                "handshake with reserved bytes set",
                bad_reserved,
                false,
                None,
            ),
            (
                "handshake for another cluster",
                other_cluster,
                false,
                Some(17),
            ),
            (
                "handshake with other timeouts",
                other_timeouts,
                false,
                Some(18),
            ),
        ];
        for (name, data, eof, answer) in simple {
            cases.push((name, Box::new(move || case(s, &data, eof, answer))));
        }
        cases.push((
            "request without a request id after the handshake",
            Box::new(move || after_handshake(s, &no_id_request)),
        ));
        cases.push((
            "oversized length after the handshake",
            Box::new(move || after_handshake(s, &huge_app)),
        ));
        cases.push((
            "unknown status after the handshake",
            Box::new(move || after_handshake(s, &bad_status)),
        ));
        let good2 = good.clone();
        cases.push((
            "a second handshake",
            Box::new(move || after_handshake(s, &good2)),
        ));
    }
    let mut ok = true;
    for (name, f) in cases {
        match f() {
            Ok(()) => println!("badpeer: ok - {name}: dropped"),
            Err(e) => {
                println!("badpeer: FAILED - {name}: {e}");
                ok = false;
            }
        }
    }
    ok
}

/// Handshakes, then stays silent and reads nothing for `secs` seconds.
fn stall(s: &Setup, secs: u64) -> bool {
    let result = (|| {
        let mut c = connect(s.peer).map_err(|e| format!("connect: {e}"))?;
        c.write_all(&handshake(s, &s.cluster.clone(), s.timeouts, 0))
            .map_err(|e| e.to_string())?;
        let mut reply = [0u8; 112];
        c.read_exact(&mut reply)
            .map_err(|e| format!("no HANDSHAKE_REPLY: {e}"))?;
        if reply_status(&reply)? != 0 {
            return Err("good handshake refused".to_string());
        }
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let unconfigured = args.iter().any(|a| a == "--unconfigured");
    let stall_secs = args
        .iter()
        .find_map(|a| a.strip_prefix("--stall="))
        .map(|v| v.parse::<u64>().ok());
    let args: Vec<&String> = args
        .iter()
        .filter(|a| *a != "--unconfigured" && !a.starts_with("--stall="))
        .collect();
    let parsed = (|| {
        let [ip, port, cluster, self_num, peer_num, keepalive, idle, reconnect, dead] =
            args.as_slice()
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
        })
    })();
    let Some(setup) = parsed.filter(|s| !s.cluster.is_empty() && s.cluster.len() <= 56) else {
        eprintln!("usage: badpeer PEER_IP PORT CLUSTER SELF_NUM PEER_NUM KEEPALIVE_MS IDLE_MS RECONNECT_MS DEAD [--unconfigured | --stall=SECS]");
        return ExitCode::from(2);
    };
    let passed = match stall_secs {
        Some(Some(secs)) => stall(&setup, secs),
        Some(None) => {
            eprintln!("badpeer: --stall=SECS takes a number of seconds");
            return ExitCode::from(2);
        }
        None => run(&setup, unconfigured),
    };
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
