//! `netcheck SELF_SEED PEER_SEED PEER_IP PORT BYTES`: a two-node link check with an end-to-end
//! acknowledgement, so neither node finishes while the other still needs it.
//!
//! Serves BYTES of the stream SELF_SEED on PORT to one client, and fetches BYTES from
//! PEER_IP:PORT, verifying them against the stream PEER_SEED. The client acknowledges a verified
//! stream with one byte; the server succeeds only when it gets that byte. Exit status 0 when both
//! directions verified, 1 otherwise, 2 on bad usage. Every wait is bounded.

use ramster_guest::pattern;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

const ACK: u8 = b'K';
const WAIT: Duration = Duration::from_secs(90);

fn serve(port: u16, seed: u64, bytes: u64) -> io::Result<()> {
    let listener = TcpListener::bind(("0.0.0.0", port))?;
    let (mut conn, _) = listener.accept()?;
    conn.set_read_timeout(Some(WAIT))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = 0;
    while pos < bytes {
        let n = buf.len().min((bytes - pos) as usize);
        pattern::fill(seed, pos, &mut buf[..n]);
        conn.write_all(&buf[..n])?;
        pos += n as u64;
    }
    conn.shutdown(Shutdown::Write)?;
    let mut ack = [0u8; 1];
    conn.read_exact(&mut ack)?;
    if ack[0] != ACK {
        return Err(io::Error::other("peer reported a mismatch"));
    }
    Ok(())
}

fn connect(peer: SocketAddr) -> io::Result<TcpStream> {
    let start = Instant::now();
    loop {
        match TcpStream::connect_timeout(&peer, Duration::from_secs(5)) {
            Ok(conn) => return Ok(conn),
            Err(e) if start.elapsed() > WAIT => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(500)),
        }
    }
}

fn fetch(peer: SocketAddr, seed: u64, bytes: u64) -> io::Result<()> {
    let mut conn = connect(peer)?;
    conn.set_read_timeout(Some(WAIT))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = 0u64;
    let verdict = loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            break if pos == bytes {
                Ok(())
            } else {
                Err(format!("short stream: {pos} of {bytes} bytes"))
            };
        }
        if pos + n as u64 > bytes {
            break Err(format!("stream longer than {bytes} bytes"));
        }
        if let Some(at) = pattern::first_mismatch(seed, pos, &buf[..n]) {
            break Err(format!("mismatch at byte {at}"));
        }
        pos += n as u64;
    };
    conn.write_all(&[if verdict.is_ok() { ACK } else { b'X' }])?;
    conn.shutdown(Shutdown::Write)?;
    verdict.map_err(io::Error::other)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [self_seed, peer_seed, ip, port, bytes] = args.as_slice() else {
        eprintln!("usage: netcheck SELF_SEED PEER_SEED PEER_IP PORT BYTES");
        return ExitCode::from(2);
    };
    let parsed = (|| {
        let port: u16 = port.parse().ok()?;
        let peer = SocketAddr::new(ip.parse().ok()?, port);
        Some((
            self_seed.parse().ok()?,
            peer_seed.parse().ok()?,
            peer,
            port,
            bytes.parse().ok()?,
        ))
    })();
    let Some((self_seed, peer_seed, peer, port, bytes)) = parsed else {
        eprintln!("netcheck: bad arguments");
        return ExitCode::from(2);
    };
    let server = thread::spawn(move || serve(port, self_seed, bytes));
    let fetched = fetch(peer, peer_seed, bytes);
    let served = server
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("server thread died")));
    match (&fetched, &served) {
        (Ok(()), Ok(())) => {
            println!("netcheck: {bytes} bytes each way verified");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("netcheck: fetch: {fetched:?}, serve: {served:?}");
            ExitCode::FAILURE
        }
    }
}
