//! `pingpong`: a userspace TCP baseline for the cluster benchmark (`make bench`): the same
//! 4096-byte round trips and stream as `bench NODE COUNT` in debugfs `ramster/cluster_selftest`,
//! over a plain TCP socket with `TCP_NODELAY`, as the in-kernel messaging layer uses.
//!
//! - `pingpong server PORT`: serves clients one at a time until one sends quit. A client sends
//!   commands: `E` + count (u32, big-endian): echo that many 4096-byte messages back; `S` + count:
//!   read that many 4096-byte messages, check each, answer one byte (`K`, or `X` on a mismatch);
//!   `Q`: quit.
//! - `pingpong client HOST PORT COUNT`: one untimed round trip, then COUNT timed round trips
//!   (each echo must be the bytes sent), then COUNT messages streamed back to back and the
//!   server's answer; prints `pingpong_<name> <value>` lines (times in ns), as the kernel's file.
//! - `pingpong quit HOST PORT`: tells the server to end.
//!
//! Exit status 0 on success, 1 on a failure or mismatch, 2 on bad usage. Every wait is bounded.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

const PAYLOAD: usize = 4096;
const WAIT: Duration = Duration::from_secs(120);

/// Byte `i` of the payload (the kernel self-test's pattern for a 4096-byte payload).
fn payload() -> Vec<u8> {
    (0..PAYLOAD)
        .map(|i| (i.wrapping_mul(131) ^ PAYLOAD.wrapping_mul(7) ^ 0x5a) as u8)
        .collect()
}

fn command(conn: &mut TcpStream, cmd: u8, count: u32) -> io::Result<()> {
    let mut head = [cmd, 0, 0, 0, 0];
    head[1..].copy_from_slice(&count.to_be_bytes());
    conn.write_all(&head)
}

/// Serves one client's commands; `Ok(true)` when it asked the server to quit.
fn serve_client(mut conn: TcpStream) -> io::Result<bool> {
    conn.set_nodelay(true)?;
    conn.set_read_timeout(Some(WAIT))?;
    let expected = payload();
    let mut buf = vec![0u8; PAYLOAD];
    loop {
        let mut head = [0u8; 5];
        match conn.read_exact(&mut head[..1]) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(e),
        }
        if head[0] == b'Q' {
            return Ok(true);
        }
        conn.read_exact(&mut head[1..])?;
        let count = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        match head[0] {
            b'E' => {
                for _ in 0..count {
                    conn.read_exact(&mut buf)?;
                    conn.write_all(&buf)?;
                }
            }
            b'S' => {
                let mut good = true;
                for _ in 0..count {
                    conn.read_exact(&mut buf)?;
                    good &= buf == expected;
                }
                conn.write_all(if good { b"K" } else { b"X" })?;
            }
            other => return Err(io::Error::other(format!("unknown command {other:#x}"))),
        }
    }
}

fn serve(port: u16) -> io::Result<()> {
    let listener = TcpListener::bind(("0.0.0.0", port))?;
    loop {
        let (conn, _) = listener.accept()?;
        if serve_client(conn)? {
            return Ok(());
        }
    }
}

fn connect(host: &str, port: u16) -> io::Result<TcpStream> {
    let peer: SocketAddr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other("no address"))?;
    let start = Instant::now();
    loop {
        match TcpStream::connect_timeout(&peer, Duration::from_secs(5)) {
            Ok(conn) => {
                conn.set_nodelay(true)?;
                conn.set_read_timeout(Some(WAIT))?;
                return Ok(conn);
            }
            Err(e) if start.elapsed() > WAIT => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(500)),
        }
    }
}

fn round_trips(conn: &mut TcpStream, count: u32, out: &[u8]) -> io::Result<Vec<u64>> {
    let mut back = vec![0u8; PAYLOAD];
    command(conn, b'E', count)?;
    let mut rtts = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let start = Instant::now();
        conn.write_all(out)?;
        conn.read_exact(&mut back)?;
        rtts.push(start.elapsed().as_nanos() as u64);
        if back != out {
            return Err(io::Error::other("an echo came back different"));
        }
    }
    Ok(rtts)
}

fn client(host: &str, port: u16, count: u32) -> io::Result<()> {
    let out = payload();
    let mut conn = connect(host, port)?;
    round_trips(&mut conn, 1, &out)?;
    let mut rtts = round_trips(&mut conn, count, &out)?;

    let start = Instant::now();
    command(&mut conn, b'S', count)?;
    for _ in 0..count {
        conn.write_all(&out)?;
    }
    let mut answer = [0u8; 1];
    conn.read_exact(&mut answer)?;
    let stream = start.elapsed().as_nanos() as u64;
    if answer[0] != b'K' {
        return Err(io::Error::other("the server saw a streamed message differ"));
    }

    let total: u64 = rtts.iter().sum();
    rtts.sort_unstable();
    let n = rtts.len().max(1);
    // Nearest rank, as the kernel's benchmarks (cluster/latency.rs).
    let at = |per_mille: usize| rtts.get((n * per_mille).div_ceil(1000) - 1).copied();
    println!("pingpong_payload {PAYLOAD}");
    println!("pingpong_count {count}");
    println!("pingpong_rtt_mean_ns {}", total / n as u64);
    println!("pingpong_rtt_p50_ns {}", at(500).unwrap_or(0));
    println!("pingpong_rtt_p99_ns {}", at(990).unwrap_or(0));
    println!("pingpong_rtt_total_ns {total}");
    println!("pingpong_stream_ns {stream}");
    Ok(())
}

fn quit(host: &str, port: u16) -> io::Result<()> {
    let mut conn = connect(host, port)?;
    conn.write_all(b"Q")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let words: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let port = |s: &str| s.parse::<u16>().ok();
    let result = match words.as_slice() {
        ["server", p] if port(p).is_some() => serve(port(p).unwrap_or(0)),
        ["client", host, p, count] if port(p).is_some() => match count.parse::<u32>() {
            Ok(c) if c > 0 => client(host, port(p).unwrap_or(0), c),
            _ => return usage(),
        },
        ["quit", host, p] if port(p).is_some() => quit(host, port(p).unwrap_or(0)),
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pingpong: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: pingpong server PORT | client HOST PORT COUNT | quit HOST PORT");
    ExitCode::from(2)
}
