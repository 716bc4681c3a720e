//! `--flood=COUNT`: a peer that holds the cluster key and floods the node with COUNT tiny
//! persistent pages (1 byte of "compressed" data each), every one in an object of its own, spread
//! over all 16 pool ids; then it destroys every pool it filled, and stays connected (answering
//! keepalives) for [`LINGER`] so that the node sees its pools go while the link is up.
//!
//! Such pages cost the node far more in index than in frames. It passes when the node kept some
//! pages and answered every put (kept, or refused with `NO_MEMORY` once the client's share was
//! used up) and every destroy, with the link up all along (keepalives are answered; requests of
//! the node's own are refused with `NO_MEMORY`). What happens to the node's memory is the
//! scenario's to check.

use super::{
    be32, good_handshake, header, sealed, Setup, HEADER, KEEPALIVE_REPLY, KEEPALIVE_REQUEST, REPLY,
    TAG, VERSION,
};
use ramster::cluster::frame_mac::FrameKey;
use ramster::cluster::tmem_messages::{encode_request, PageKey, TmemOp, TmemRequest};
use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const FLAG_REPLY_WANTED: u16 = 1;
const STATUS_OK: u32 = 0;
const STATUS_NO_MEMORY: u32 = 4;
/// Puts in flight at once.
const WINDOW: u64 = 16;
/// Pool ids a client has.
const POOLS: u64 = 16;
/// How long the link stays up after the last pool was destroyed (unless the node closes it).
const LINGER: Duration = Duration::from_secs(10);
/// What [`read_tagged`] says when the node closed the connection.
const CLOSED: &str = "the node closed the connection";

/// Tallies of the node's answers.
#[derive(Default)]
struct Answers {
    kept: u64,
    refused: u64,
}

/// The header of one tagged frame from the node (its payload read and the tag checked under
/// `key`); `None` if no byte of it came within the stream's read timeout.
fn read_tagged(c: &mut TcpStream, key: &mut FrameKey) -> Result<Option<[u8; HEADER]>, String> {
    let mut head = [0u8; HEADER];
    match c.read(&mut head[..1]) {
        Ok(1) => {}
        Ok(_) => return Err(CLOSED.to_string()),
        Err(e) if e.kind() == ErrorKind::ConnectionReset => return Err(CLOSED.to_string()),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            return Ok(None)
        }
        Err(e) => return Err(format!("the node stopped answering: {e}")),
    }
    c.read_exact(&mut head[1..])
        .map_err(|e| format!("truncated header: {e}"))?;
    let len = be32(&head, 8) as usize;
    if len > 8192 {
        return Err(format!("a frame of {len} bytes"));
    }
    let mut payload = vec![0u8; len];
    c.read_exact(&mut payload)
        .map_err(|e| format!("truncated frame: {e}"))?;
    let mut tag = [0u8; TAG];
    c.read_exact(&mut tag)
        .map_err(|e| format!("untagged frame: {e}"))?;
    key.open(&head, &mut payload, &tag)
        .map_err(|e| format!("the node's frame: {e}"))?;
    Ok(Some(head))
}

fn page_key(i: u64) -> PageKey {
    PageKey {
        pool_id: (i % POOLS) as u32,
        persistent: true,
        oid: [i, !i, 0xf100d],
        index: 0,
    }
}

/// The key of a `DESTROY_POOL` of `pool`: object and index zero.
fn pool_key(pool: u64) -> PageKey {
    PageKey {
        oid: [0; 3],
        ..page_key(pool)
    }
}

/// A sealed tmem request of `op` on `key` (with `data` for a put), request id `id`.
fn request(
    send: &mut FrameKey,
    op: TmemOp,
    key: PageKey,
    data: &[u8],
    id: u64,
) -> Result<Vec<u8>, String> {
    let mut payload = [0u8; 128];
    let len = encode_request(&TmemRequest { op, key, data }, &mut payload)
        .map_err(|e| format!("encode: {e:?}"))?;
    let mut frame = header(VERSION, op.code(), FLAG_REPLY_WANTED, len as u32, 0, id);
    frame.extend_from_slice(&payload[..len]);
    sealed(send, frame)
}

/// Reads frames until the reply to one of our requests comes, answering the node's keepalives
/// and refusing its own requests meanwhile; returns the reply's status, or `None` if nothing
/// came within the stream's read timeout.
fn next_reply(
    c: &mut TcpStream,
    recv: &mut FrameKey,
    send: &mut FrameKey,
) -> Result<Option<u32>, String> {
    loop {
        let Some(head) = read_tagged(c, recv)? else {
            return Ok(None);
        };
        let id = u64::from_be_bytes(head[16..24].try_into().unwrap_or_default());
        let flags = u16::from_be_bytes([head[6], head[7]]);
        match head[5] {
            REPLY => return Ok(Some(be32(&head, 12))),
            KEEPALIVE_REQUEST => {
                let reply = sealed(send, header(VERSION, KEEPALIVE_REPLY, 0, 0, 0, id))?;
                super::send(c, &reply)?;
            }
            KEEPALIVE_REPLY => {}
            _ if flags & FLAG_REPLY_WANTED != 0 => {
                let reply = sealed(send, header(VERSION, REPLY, 0, 0, STATUS_NO_MEMORY, id))?;
                super::send(c, &reply)?;
            }
            _ => {}
        }
    }
}

fn run(s: &Setup, count: u64) -> Result<Answers, String> {
    let (mut c, mut keys) = good_handshake(s)?;
    c.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut answers = Answers::default();
    let (mut sent, mut answered) = (0u64, 0u64);
    while answered < count {
        while sent < count && sent - answered < WINDOW {
            let frame = request(
                &mut keys.send,
                TmemOp::Put,
                page_key(sent),
                &[0x5a],
                sent + 1,
            )?;
            super::send(&mut c, &frame)?;
            sent += 1;
        }
        match next_reply(&mut c, &mut keys.recv, &mut keys.send)? {
            Some(STATUS_OK) => answers.kept += 1,
            Some(STATUS_NO_MEMORY) => answers.refused += 1,
            Some(st) => return Err(format!("put answered with status {st}")),
            None => return Err("no answer to a put in 30 s".to_string()),
        }
        answered += 1;
    }
    println!(
        "badpeer: flood: {count} tiny pages sent, {} kept, {} refused (NO_MEMORY)",
        answers.kept, answers.refused
    );
    for pool in 0..POOLS.min(count) {
        let frame = request(
            &mut keys.send,
            TmemOp::DestroyPool,
            pool_key(pool),
            &[],
            count + 1 + pool,
        )?;
        super::send(&mut c, &frame)?;
        match next_reply(&mut c, &mut keys.recv, &mut keys.send)? {
            Some(STATUS_OK) => {}
            Some(st) => return Err(format!("DESTROY_POOL {pool} answered with status {st}")),
            None => return Err(format!("no answer to DESTROY_POOL {pool} in 30 s")),
        }
    }
    println!("badpeer: flood: every pool destroyed");
    let start = Instant::now();
    c.set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| e.to_string())?;
    while start.elapsed() < LINGER {
        match next_reply(&mut c, &mut keys.recv, &mut keys.send) {
            Ok(None) => {}
            Ok(Some(st)) => return Err(format!("a reply ({st}) to no request")),
            Err(e) if e == CLOSED => break,
            Err(e) => return Err(e),
        }
    }
    Ok(answers)
}

/// `--flood=COUNT`; true if the node answered as it should.
pub(super) fn flood(s: &Setup, count: u64) -> bool {
    let result = run(s, count).and_then(|answers| {
        if answers.kept == 0 {
            Err("the node kept none of the pages".to_string())
        } else {
            Ok(())
        }
    });
    match &result {
        Ok(()) => println!("badpeer: ok - a flood of tiny pages in objects of their own"),
        Err(e) => println!("badpeer: FAILED - a flood of tiny pages: {e}"),
    }
    result.is_ok()
}
