// SPDX-License-Identifier: GPL-2.0

//! The cluster self-test: the test message types of the wire spec and the debugfs file
//! `ramster/cluster_selftest` that lets a guest script exercise them. Both exist only with the
//! module parameter `test_messages=Y`.
//!
//! `TEST_ECHO` (0x20) replies with its own payload; `TEST_SINK` (0x21) checks that its payload
//! is the test pattern for its length and replies `OK` (or `BAD_PAYLOAD`); both accept the
//! largest payload. Writing `NODE [MAX]` to the file sends to node `NODE`, for every payload
//! size from 0 to `MAX` (default: the limit, 4144 bytes), an echo request whose reply must be
//! the same bytes and a one-way sink message, plus a sink request that must be answered `OK`
//! for every 64th size and the largest; the write fails with the first error. The last run's
//! duration and its mean echo round trip are shown too. Writing `bench NODE COUNT` runs the
//! benchmark of [`super::selftest_bench`] instead; `flood NODE COUNT` sends `COUNT` one-way
//! sink messages of the largest size back to back; `slow_down NODE MS` makes a test node
//! callback sleep `MS` milliseconds (at most [`SLOW_DOWN_MAX_MS`]; 0: not at all) whenever
//! `NODE` goes down, as a node-down walk of a large store takes long (scenario
//! cluster-slow-node-down); `expire NODE` declares `NODE` down now, as its silence would, on this
//! side only (what a one-way loss does; scenario ramster-one-sided-down); `lose_put_replies
//! NODE COUNT` loses the replies to the next `COUNT` (at most 1000) `TMEM_PUT` requests of
//! `NODE`, closing the connection instead, as a link that breaks just then does; the page is
//! stored 2 s later, after `NODE` has reconnected (scenario ramster-lost-put-reply);
//! `slow_requests NODE MS` makes the receive worker sleep `MS` milliseconds (at most 1000; 0:
//! not at all) before each request of `NODE` it handles, so that `NODE`'s requests pile up
//! (scenario cluster-request-storm). Reading the file shows the counters (see
//! Documentation/admin-guide.rst) and the last benchmark's numbers.

use super::Shared;
use crate::cluster::config_text::parse_decimal;
use crate::cluster::node_num::NodeNum;
use crate::cluster::status::Status;
use crate::cluster::tmem_messages::TmemOp;
use crate::cluster::wire::{AppType, MessageType, MAX_PAYLOAD_LEN};
use crate::debugfs::DebugFile;
use core::fmt::Write;
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

const ECHO: MessageType = MessageType::App(AppType::TEST_ECHO);
const SINK: MessageType = MessageType::App(AppType::TEST_SINK);
const TIMEOUT_MS: u32 = 10_000;

static ECHO_OK: AtomicU64 = AtomicU64::new(0);
static ECHO_FAILED: AtomicU64 = AtomicU64::new(0);
static SINK_OK: AtomicU64 = AtomicU64::new(0);
static SINK_FAILED: AtomicU64 = AtomicU64::new(0);
static ONE_WAY_SENT: AtomicU64 = AtomicU64::new(0);
static ONE_WAY_FAILED: AtomicU64 = AtomicU64::new(0);
static RECEIVED_OK: AtomicU64 = AtomicU64::new(0);
static RECEIVED_BAD: AtomicU64 = AtomicU64::new(0);
static FIRST_ERROR: AtomicI32 = AtomicI32::new(0);
static FIRST_ERROR_SIZE: AtomicU64 = AtomicU64::new(0);
static RUN_MS: AtomicU64 = AtomicU64::new(0);
static ECHO_US: AtomicU64 = AtomicU64::new(0);
/// `slow_down`: the node whose downs are slow (`NO_NODE`: none), how slow, and how many were.
const NO_NODE: u32 = u32::MAX;
static SLOW_DOWN_NODE: AtomicU32 = AtomicU32::new(NO_NODE);
static SLOW_DOWN_MS: AtomicU32 = AtomicU32::new(0);
static SLOW_DOWNS: AtomicU64 = AtomicU64::new(0);
/// The longest sleep `slow_down` may ask for.
const SLOW_DOWN_MAX_MS: u64 = 60_000;
/// `lose_put_replies`: the node whose put replies are lost (`NO_NODE`: none), how many more,
/// and how many were.
static LOSE_PUTS_NODE: AtomicU32 = AtomicU32::new(NO_NODE);
static LOSE_PUTS_LEFT: AtomicU32 = AtomicU32::new(0);
static LOST_PUT_REPLIES: AtomicU64 = AtomicU64::new(0);
/// The most put replies `lose_put_replies` may lose.
const LOSE_PUTS_MAX: usize = 1000;
/// `slow_requests`: the node whose requests are answered late (`NO_NODE`: none), how late, and
/// how many were.
static SLOW_REQUESTS_NODE: AtomicU32 = AtomicU32::new(NO_NODE);
static SLOW_REQUESTS_MS: AtomicU32 = AtomicU32::new(0);
static SLOWED_REQUESTS: AtomicU64 = AtomicU64::new(0);
/// The longest delay `slow_requests` may ask for.
const SLOW_REQUESTS_MAX_MS: usize = 1000;

/// Byte `i` of the test payload of length `len`.
pub(super) fn pattern(len: usize, i: usize) -> u8 {
    (i.wrapping_mul(131) ^ len.wrapping_mul(7) ^ 0x5a) as u8
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn echo(_from: NodeNum, payload: &[u8], reply: &mut [u8]) -> core::result::Result<usize, Status> {
    let out = reply.get_mut(..payload.len()).ok_or(Status::TooLong)?;
    out.copy_from_slice(payload);
    Ok(payload.len())
}

fn sink(_from: NodeNum, payload: &[u8], _reply: &mut [u8]) -> core::result::Result<usize, Status> {
    let len = payload.len();
    if payload
        .iter()
        .enumerate()
        .all(|(i, b)| *b == pattern(len, i))
    {
        bump(&RECEIVED_OK);
        Ok(0)
    } else {
        bump(&RECEIVED_BAD);
        Err(Status::BadPayload)
    }
}

/// The test node callback: sleeps in a down of the node `slow_down` named.
fn slow_node_down(node: NodeNum, up: bool) {
    if up || SLOW_DOWN_NODE.load(Ordering::Relaxed) != u32::from(node.get()) {
        return;
    }
    let ms = SLOW_DOWN_MS.load(Ordering::Relaxed);
    if ms > 0 {
        crate::zcache_kernel::msleep(ms);
        bump(&SLOW_DOWNS);
    }
}

/// How long after the connection closed a put whose reply is lost is handled: long enough for
/// the sender to reconnect and send what follows on its new connection.
pub(crate) const LOST_REPLY_HANDLED_AFTER_MS: u32 = 2000;

/// Whether the reply to this request of `from` must be lost, the connection closed instead
/// (`lose_put_replies`): the peer stores the page [`LOST_REPLY_HANDLED_AFTER_MS`] later, but
/// its owner never learns it.
pub(crate) fn lose_reply(from: NodeNum, msg_type: MessageType) -> bool {
    let lose = msg_type == MessageType::Tmem(TmemOp::Put)
        && LOSE_PUTS_NODE.load(Ordering::Relaxed) == u32::from(from.get())
        && LOSE_PUTS_LEFT
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
    if lose {
        bump(&LOST_PUT_REPLIES);
    }
    lose
}

/// Sleeps before a request of `from` is handled if `slow_requests` asked for it (the peer's
/// one receive worker then answers one request per delay, so that the sender's requests pile
/// up).
pub(crate) fn slow_request(from: NodeNum) {
    if SLOW_REQUESTS_NODE.load(Ordering::Relaxed) != u32::from(from.get()) {
        return;
    }
    let ms = SLOW_REQUESTS_MS.load(Ordering::Relaxed);
    if ms > 0 {
        crate::zcache_kernel::msleep(ms);
        bump(&SLOWED_REQUESTS);
    }
}

/// `slow_requests NODE MS`.
fn slow_requests(node: NodeNum, ms: usize) -> Result {
    if ms > SLOW_REQUESTS_MAX_MS {
        return Err(EINVAL);
    }
    let ms = u32::try_from(ms).map_err(|_| EINVAL)?;
    SLOW_REQUESTS_MS.store(ms, Ordering::Relaxed);
    SLOW_REQUESTS_NODE.store(u32::from(node.get()), Ordering::Relaxed);
    Ok(())
}

/// `lose_put_replies NODE COUNT`.
fn lose_put_replies(node: NodeNum, count: usize) -> Result {
    if count > LOSE_PUTS_MAX {
        return Err(EINVAL);
    }
    let count = u32::try_from(count).map_err(|_| EINVAL)?;
    LOSE_PUTS_LEFT.store(count, Ordering::Relaxed);
    LOSE_PUTS_NODE.store(u32::from(node.get()), Ordering::Relaxed);
    Ok(())
}

/// Registers the test handlers and the test node callback (only with `test_messages=Y`:
/// without them, a peer's echo request is answered `NO_HANDLER` and its sink message discarded
/// and counted).
pub(crate) fn register(shared: &Shared) -> Result {
    shared.register_handler(ECHO, MAX_PAYLOAD_LEN, echo)?;
    shared.register_handler(SINK, MAX_PAYLOAD_LEN, sink)?;
    shared.register_node_callback(slow_node_down)
}

/// The debugfs file.
pub(crate) struct SelftestFile(pub(crate) Arc<Shared>);

fn note_error(size: usize, e: Error) -> Error {
    if FIRST_ERROR.load(Ordering::Relaxed) == 0 {
        FIRST_ERROR.store(e.to_errno(), Ordering::Relaxed);
        FIRST_ERROR_SIZE.store(size as u64, Ordering::Relaxed);
    }
    e
}

impl SelftestFile {
    /// `flood NODE COUNT`: `COUNT` one-way sink messages of the largest size back to back, to
    /// fill the connection of a peer that stops reading (scenario cluster-stalled-peer); the
    /// first failed send ends it with its error.
    fn flood(&self, to: NodeNum, count: usize) -> Result {
        let size = MAX_PAYLOAD_LEN as usize;
        let mut buf = KVec::from_elem(0u8, size, GFP_KERNEL)?;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = pattern(size, i);
        }
        for _ in 0..count {
            if let Err(e) = self.0.send_one_way(to, SINK, &buf) {
                bump(&ONE_WAY_FAILED);
                return Err(note_error(size, e));
            }
            bump(&ONE_WAY_SENT);
        }
        Ok(())
    }

    fn run_size(&self, to: NodeNum, buf: &mut [u8]) -> Result {
        let size = buf.len();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = pattern(size, i);
        }
        let max = MAX_PAYLOAD_LEN as usize;
        let start = super::now_us();
        let echoed = self.0.send_request(to, ECHO, buf, max, TIMEOUT_MS);
        ECHO_US.fetch_add(super::now_us().saturating_sub(start), Ordering::Relaxed);
        match echoed {
            Ok(reply) if reply.data() == &buf[..] => bump(&ECHO_OK),
            Ok(_) => {
                bump(&ECHO_FAILED);
                return Err(note_error(size, EIO));
            }
            Err(e) => {
                bump(&ECHO_FAILED);
                return Err(note_error(size, e));
            }
        }
        // A sink request (a reply with no payload, checked by the receiver) every 64 sizes
        // and at the limit: round trips are what makes the run slow under emulation.
        if size % 64 == 0 || size == max {
            match self.0.send_request(to, SINK, buf, 0, TIMEOUT_MS) {
                Ok(_) => bump(&SINK_OK),
                Err(e) => {
                    bump(&SINK_FAILED);
                    return Err(note_error(size, e));
                }
            }
        }
        match self.0.send_one_way(to, SINK, buf) {
            Ok(()) => bump(&ONE_WAY_SENT),
            Err(e) => {
                bump(&ONE_WAY_FAILED);
                return Err(note_error(size, e));
            }
        }
        Ok(())
    }
}

/// `slow_down NODE MS`.
fn slow_down(node: NodeNum, ms: usize) -> Result {
    let ms = u32::try_from(ms)
        .ok()
        .filter(|ms| u64::from(*ms) <= SLOW_DOWN_MAX_MS)
        .ok_or(EINVAL)?;
    SLOW_DOWN_MS.store(ms, Ordering::Relaxed);
    SLOW_DOWN_NODE.store(u32::from(node.get()), Ordering::Relaxed);
    Ok(())
}

impl DebugFile for SelftestFile {
    fn show(&self, out: &mut dyn Write) -> Result {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        writeln!(
            out,
            "echo_ok {}\necho_failed {}\nsink_ok {}\nsink_failed {}\none_way_sent {}\n\
             one_way_failed {}\nreceived_ok {}\nreceived_bad {}\n\
             first_error {}\nfirst_error_size {}\nlast_run_ms {}\nlast_run_echo_us {}\n\
             slow_node_downs {}\nlost_put_replies {}\nslowed_requests {}",
            get(&ECHO_OK),
            get(&ECHO_FAILED),
            get(&SINK_OK),
            get(&SINK_FAILED),
            get(&ONE_WAY_SENT),
            get(&ONE_WAY_FAILED),
            get(&RECEIVED_OK),
            get(&RECEIVED_BAD),
            FIRST_ERROR.load(Ordering::Relaxed),
            get(&FIRST_ERROR_SIZE),
            get(&RUN_MS),
            get(&ECHO_US),
            get(&SLOW_DOWNS),
            get(&LOST_PUT_REPLIES),
            get(&SLOWED_REQUESTS),
        )
        .and_then(|()| super::counters_file::write_counters(&self.0, out))
        .and_then(|()| super::selftest_bench::show(out))
        .map_err(|_| ENOSPC)
    }

    fn store(&self, text: &[u8]) -> Result {
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        let mut words = text
            .split(|b| *b == b' ')
            .filter(|w| !w.is_empty())
            .peekable();
        let command = words.next_if(|w| {
            matches!(
                *w,
                b"bench"
                    | b"flood"
                    | b"slow_down"
                    | b"expire"
                    | b"lose_put_replies"
                    | b"slow_requests"
            )
        });
        let node = words
            .next()
            .and_then(|w| parse_decimal(w).ok())
            .and_then(|n| u8::try_from(n).ok())
            .and_then(NodeNum::new)
            .ok_or(EINVAL)?;
        if command == Some(b"expire") {
            if words.next().is_some() {
                return Err(EINVAL);
            }
            return super::workers::expire(&self.0, node);
        }
        if let Some(command) = command {
            let count = words
                .next()
                .and_then(|w| parse_decimal(w).ok())
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(EINVAL)?;
            if words.next().is_some() {
                return Err(EINVAL);
            }
            return match command {
                b"bench" => super::selftest_bench::run(&self.0, node, count),
                b"flood" => self.flood(node, count),
                b"lose_put_replies" => lose_put_replies(node, count),
                b"slow_requests" => slow_requests(node, count),
                _ => slow_down(node, count),
            };
        }
        let max = match words.next() {
            Some(w) => parse_decimal(w).map_err(|_| EINVAL)?,
            None => u64::from(MAX_PAYLOAD_LEN),
        };
        if max > u64::from(MAX_PAYLOAD_LEN) || words.next().is_some() {
            return Err(EINVAL);
        }
        let mut buf = KVec::from_elem(0u8, MAX_PAYLOAD_LEN as usize, GFP_KERNEL)?;
        let start = super::now_ms();
        ECHO_US.store(0, Ordering::Relaxed);
        for size in 0..=max as usize {
            let part = buf.get_mut(..size).ok_or(EINVAL)?;
            let result = self.run_size(node, part);
            RUN_MS.store(super::now_ms().saturating_sub(start), Ordering::Relaxed);
            result?;
        }
        pr_info!(
            "cluster: selftest to node {}: every payload size 0..={} verified\n",
            node,
            max
        );
        Ok(())
    }
}
