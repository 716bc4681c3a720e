//! `--flood=COUNT`: a peer that holds the cluster key and floods the node with COUNT tiny
//! persistent pages (1 byte of "compressed" data each), every one in an object of its own, spread
//! over all 16 pool ids; then it destroys every pool it filled.
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
use std::io::Read;
use std::net::TcpStream;
use std::time::Duration;

const FLAG_REPLY_WANTED: u16 = 1;
const STATUS_OK: u32 = 0;
const STATUS_NO_MEMORY: u32 = 4;
/// Puts in flight at once.
const WINDOW: u64 = 16;
/// Pool ids a client has.
const POOLS: u64 = 16;

/// Tallies of the node's answers.
#[derive(Default)]
struct Answers {
    kept: u64,
    refused: u64,
}

/// One tagged frame from the node: its header and payload, the tag checked under `key`.
fn read_tagged(c: &mut TcpStream, key: &mut FrameKey) -> Result<([u8; HEADER], Vec<u8>), String> {
    let mut head = [0u8; HEADER];
    c.read_exact(&mut head)
        .map_err(|e| format!("the node stopped answering: {e}"))?;
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
    key.open(&head, &payload, &tag)
        .map_err(|e| format!("the node's frame: {e}"))?;
    Ok((head, payload))
}

fn page_key(i: u64) -> PageKey {
    PageKey {
        pool_id: (i % POOLS) as u32,
        persistent: true,
        oid: [i, !i, 0xf100d],
        index: 0,
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
/// and refusing its own requests meanwhile; returns the reply's status.
fn next_reply(c: &mut TcpStream, recv: &mut FrameKey, send: &mut FrameKey) -> Result<u32, String> {
    loop {
        let (head, _) = read_tagged(c, recv)?;
        let id = u64::from_be_bytes(head[16..24].try_into().unwrap_or_default());
        let flags = u16::from_be_bytes([head[6], head[7]]);
        match head[5] {
            REPLY => return Ok(be32(&head, 12)),
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
            STATUS_OK => answers.kept += 1,
            STATUS_NO_MEMORY => answers.refused += 1,
            st => return Err(format!("put answered with status {st}")),
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
            page_key(pool),
            &[],
            count + 1 + pool,
        )?;
        super::send(&mut c, &frame)?;
        match next_reply(&mut c, &mut keys.recv, &mut keys.send)? {
            STATUS_OK => {}
            st => return Err(format!("DESTROY_POOL {pool} answered with status {st}")),
        }
    }
    println!("badpeer: flood: every pool destroyed");
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
