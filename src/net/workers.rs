// SPDX-License-Identifier: GPL-2.0

//! The loops of the cluster: the listener, one connection thread per socket, and the ticker.
//! Each runs on a kernel thread of its own ([`super::threads`]), in process context: they block
//! in `accept`, `connect` and `recvmsg` and take the cluster mutex, never a spinlock.
//!
//! - [`listen`] accepts connections and closes, before reading a byte, those whose source
//!   address is not a configured node (or a node that must not connect to us), and hands the
//!   others to [`accept`];
//! - [`accept`] runs the handshake of an accepted socket; only a peer that proved itself makes
//!   it its connection (replacing an older one), and the worker becomes its receive worker;
//! - [`connect`] opens a connection for the connector side and runs the handshake, then becomes
//!   its receive worker;
//! - [`receive`] reads frames, checks every header with the `cluster/wire.rs` codec before
//!   reading the payload and every frame's MAC before anything else sees it, feeds them to the
//!   peer's state machine and dispatches messages to handlers and replies to their waiters;
//! - [`tick`] delivers the timers of every peer (keepalives, idle timeouts, reconnects, the
//!   heartbeat) at their deadlines.

use super::authenticate::{self, Ended, LocalAuth};
use super::conn::Conn;
use super::handlers::Dispatch;
use super::jobs::Jobs;
use super::receivers::Receiving;
use super::socket::{SockAddr, Socket};
use super::state::{global_conn, reply_header, MAX_HANDSHAKES};
use super::{now_ms, Ip, Shared};
use crate::cluster::connection::{ConnId, LinkState};
use crate::cluster::connection_events::Event;
use crate::cluster::frame_mac::FrameKey;
use crate::cluster::frame_stream::{FrameParts, FrameStream, MAX_WIRE_FRAME};
use crate::cluster::node_num::NodeNum;
use crate::cluster::status::Status;
use crate::cluster::wire::{Header, MessageType, MAX_PAYLOAD_LEN};
use core::sync::atomic::Ordering;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Accepts connections on `listener` until networking generation `gen` ends.
pub(crate) fn listen(shared: Arc<Shared>, listener: Arc<Socket>, gen: u64, send_timeout_ms: u32) {
    loop {
        let accepted = listener.accept(send_timeout_ms);
        let mut st = shared.state.lock();
        if st.local.as_ref().map(|l| l.gen) != Some(gen) {
            break;
        }
        let (sock, addr) = match accepted {
            Ok(x) => x,
            Err(e) => {
                drop(st);
                pr_warn!("cluster: accept failed: error {}\n", e.to_errno());
                crate::zcache_kernel::msleep(100);
                continue;
            }
        };
        let node = st.subsystem.cluster().and_then(|c| c.node_by_address(addr));
        let slot_gen = node.and_then(|n| st.peers.get(n.index())?.as_ref().map(|s| s.gen));
        let (Some(num), Some(peer_gen)) = (node, slot_gen) else {
            st.refused(format_args!(
                "refused a connection from {}: not a configured peer node",
                Ip(addr)
            ));
            drop(st);
            drop(sock);
            continue;
        };
        if st.handshakes >= MAX_HANDSHAKES {
            st.refused(format_args!(
                "node {}: refused a connection from {}: {} handshakes already running",
                num,
                Ip(addr),
                MAX_HANDSHAKES
            ));
            continue;
        }
        let Ok(c) = Conn::new(sock) else {
            continue;
        };
        if st.spawn_accept(&shared, num, peer_gen, c).is_ok() {
            st.handshakes += 1;
        }
    }
}

/// Runs the handshake of a socket accepted from node `num`'s address (slot `gen`); if the peer
/// proves itself, the socket becomes its connection and this worker its receive worker.
pub(crate) fn accept(shared: Arc<Shared>, num: NodeNum, gen: u64, c: Arc<Conn>) {
    let setup = {
        let mut st = shared.state.lock();
        let timeout = st.send_timeout_ms();
        st.handshake(num)
            .zip(LocalAuth::of(&mut st, num))
            .map(|(ours, auth)| (ours, auth, timeout))
    };
    let result = match &setup {
        Some((ours, auth, timeout)) => authenticate::accept(&c, *ours, auth, *timeout),
        None => Err(Ended::Io(ENODEV)),
    };
    let mut jobs = Jobs::new();
    let mut st = shared.state.lock();
    st.handshakes = st.handshakes.saturating_sub(1);
    let link = match result {
        Ok(link) => link,
        Err(ended) => {
            st.refused(format_args!(
                "node {}: refused a connection: {}",
                num, ended
            ));
            drop(st);
            c.shutdown();
            return;
        }
    };
    let Some((ours, auth, _)) = &setup else {
        drop(st);
        c.shutdown();
        return;
    };
    auth.warn_if_none(num);
    let event = Event::Accepted {
        handshaken: link.handshaken(ours),
    };
    let step = st.peer_event(&shared, num, gen, event, &mut jobs);
    let adopted = match (step.adopted, st.slot(num, gen)) {
        (Some(conn), Some(slot)) => {
            slot.conn = Some((conn, c.clone()));
            // The link came up in this step, before the slot had the socket to open; our last
            // handshake frame is already sent, so messages may follow it.
            c.set_open();
            Some(conn)
        }
        _ => None,
    };
    drop(st);
    step.wake.notify(&shared);
    jobs.run();
    match adopted {
        Some(conn) => receive(shared, num, gen, conn, c, link.recv),
        None => c.shutdown(),
    }
}

/// Connects to node `num` for connection `conn` of its slot `gen`, runs the handshake, then
/// receives on it.
pub(crate) fn connect(
    shared: Arc<Shared>,
    num: NodeNum,
    gen: u64,
    conn: ConnId,
    to: SockAddr,
    send_timeout_ms: u32,
) {
    let opened = Socket::connect(to, send_timeout_ms).and_then(Conn::new);
    let mut jobs = Jobs::new();
    let mut st = shared.state.lock();
    let connecting = st.slot(num, gen).is_some_and(|s| {
        s.peer.connection().current() == Some(conn)
            && s.peer.connection().state() == LinkState::Connecting
    });
    if !connecting {
        drop(st);
        return;
    }
    if let (Ok(c), Some(slot)) = (&opened, st.slot(num, gen)) {
        slot.conn = Some((conn, c.clone()));
    }
    let ok = opened.is_ok();
    st.peer_event(
        &shared,
        num,
        gen,
        Event::ConnectDone { conn, ok },
        &mut jobs,
    );
    let setup = st.handshake(num).zip(LocalAuth::of(&mut st, num));
    drop(st);
    jobs.run();
    let c = match opened {
        Ok(c) => c,
        Err(e) => {
            pr_debug!(
                "cluster: node {}: connect to {}:{} failed: error {}\n",
                num,
                Ip(to.addr),
                to.port,
                e.to_errno()
            );
            return;
        }
    };
    let result = match &setup {
        Some((ours, auth)) => authenticate::connect(&c, *ours, auth, send_timeout_ms),
        None => Err(Ended::Io(ENODEV)),
    };
    let event = match &result {
        Ok(link) => match &setup {
            Some((ours, auth)) => {
                auth.warn_if_none(num);
                Event::Authenticated {
                    conn,
                    handshaken: link.handshaken(ours),
                }
            }
            None => Event::Closed { conn },
        },
        Err(Ended::Failed(failure)) => Event::HandshakeFailed {
            conn,
            failure: *failure,
        },
        Err(Ended::Io(_)) => Event::Closed { conn },
    };
    deliver(&shared, num, gen, event);
    match result {
        Ok(link) => receive(shared, num, gen, conn, c, link.recv),
        Err(_) => c.shutdown(),
    }
}

/// Delivers `event` about `conn` if it is still current.
fn deliver(shared: &Arc<Shared>, num: NodeNum, gen: u64, event: Event) {
    let mut jobs = Jobs::new();
    let mut st = shared.state.lock();
    let step = st.peer_event(shared, num, gen, event, &mut jobs);
    drop(st);
    step.wake.notify(shared);
    jobs.run();
}

/// Declares node `num` silent now, on this side only (`cluster_selftest expire NODE`).
pub(crate) fn expire(shared: &Arc<Shared>, num: NodeNum) -> Result {
    let mut jobs = Jobs::new();
    let mut st = shared.state.lock();
    let step = st.expire_peer(shared, num, &mut jobs);
    drop(st);
    let step = step?;
    step.wake.notify(shared);
    jobs.run();
    Ok(())
}

/// Sends a `REPLY` to `request_id` on `c`; a failed send closes the connection ([`Conn::send`]).
fn send_reply(c: &Conn, request_id: u64, status: Status, payload: &[u8]) {
    match reply_header(request_id, status, payload.len()) {
        Some(head) => {
            let _ = c.send(&head, payload);
        }
        None => c.shutdown(),
    }
}

/// What ended the stream of `conn` on `c`: this side's failed send, if one shut it down, else
/// the peer.
fn end_of_stream(c: &Conn, conn: ConnId) -> Event {
    match c.send_failure() {
        Some(timed_out) => Event::SendFailed { conn, timed_out },
        None => Event::Closed { conn },
    }
}

/// Feeds a frame of `conn` to the state machine under the cluster's lock; returns whether it
/// goes to the messaging layer (the link is up on `conn`) and whether `conn` is still current.
/// A control frame it answers (a keepalive reply) goes out from a work item: the receive worker
/// never waits on its own socket's send side, which a sender to a peer that reads slowly may
/// hold for the send timeout, and keeps hearing the peer meanwhile.
fn frame_event(
    shared: &Arc<Shared>,
    num: NodeNum,
    gen: u64,
    conn: ConnId,
    header: Header,
) -> (bool, bool) {
    let mut jobs = Jobs::new();
    let mut st = shared.state.lock();
    let step = st.peer_event(shared, num, gen, Event::Frame { conn, header }, &mut jobs);
    let current = st.is_current(num, gen, conn);
    let queue = st.queue;
    drop(st);
    step.wake.notify(shared);
    match queue {
        // The cluster's threads end before its queue is destroyed (`ClusterNet::drop`).
        Some(queue) => jobs.run_detached(queue.queue()),
        None => jobs.run(),
    }
    (step.dispatch, current)
}

/// Hands a dispatched frame of `conn` (node `num`'s slot `gen`) to the messaging layer: a
/// reply completes its request, a message goes to its handler (whose answer, if the frame
/// wants one, is sent back) or is refused or dropped. `Err` when the connection must end
/// (a test hook broke it).
#[allow(clippy::too_many_arguments)]
fn dispatch(
    shared: &Arc<Shared>,
    num: NodeNum,
    gen: u64,
    conn: ConnId,
    c: &Conn,
    header: &Header,
    payload: &[u8],
    reply: &mut [u8],
) -> core::result::Result<(), ()> {
    let route = shared.handlers.lock().route(header);
    let handler = match route {
        Dispatch::Reply => {
            let ended =
                shared
                    .requests
                    .lock()
                    .complete_reply(global_conn(gen, conn), header, payload);
            ended.notify(shared);
            return Ok(());
        }
        Dispatch::Refuse(status) => {
            send_reply(c, header.request_id, status, &[]);
            return Ok(());
        }
        Dispatch::Discard => {
            shared.one_way_discarded.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Dispatch::Call(handler) => handler,
    };
    if header.reply_wanted && super::selftest::lose_reply(num, header.msg_type) {
        // A test hook (`test_messages=Y` only): the link breaks before the reply, and the
        // request is handled late, as one still running on an old connection when the
        // sender's next connection is up.
        c.shutdown();
        deliver(shared, num, gen, Event::Closed { conn });
        crate::zcache_kernel::msleep(super::selftest::LOST_REPLY_HANDLED_AFTER_MS);
        let _ = handler(num, payload, reply);
        return Err(());
    }
    if header.reply_wanted {
        super::selftest::slow_request(num);
    }
    let result = handler(num, payload, reply);
    if header.reply_wanted {
        match result.map(|len| reply.get(..len)) {
            Ok(Some(data)) => send_reply(c, header.request_id, Status::Ok, data),
            Ok(None) => send_reply(c, header.request_id, Status::HandlerFailed, &[]),
            Err(status) => send_reply(c, header.request_id, status, &[]),
        }
    }
    Ok(())
}

/// A connection's receive buffer: four largest frames (one read often brings several).
const RECEIVE_BUFFER_LEN: usize = 4 * MAX_WIRE_FRAME;

/// Receives frames on `c`, connection `conn` of `num`'s slot `gen`, until it closes; each
/// frame's tag is checked with `key` before anything else looks at it. Starts once the peer's
/// older receive workers have ended ([`Receiving`]).
pub(crate) fn receive(
    shared: Arc<Shared>,
    num: NodeNum,
    gen: u64,
    conn: ConnId,
    c: Arc<Conn>,
    mut key: FrameKey,
) {
    // Counted until this function returns, after its last handler.
    let Some(_receiving) = Receiving::enter(&shared, num, gen, conn) else {
        c.shutdown();
        return;
    };
    let buffers = KVVec::from_elem(0u8, RECEIVE_BUFFER_LEN, GFP_KERNEL).and_then(|f| {
        Ok((
            f,
            KVec::from_elem(0u8, MAX_PAYLOAD_LEN as usize, GFP_KERNEL)?,
        ))
    });
    let Ok((mut received, mut reply)) = buffers else {
        pr_warn!("cluster: node {}: out of memory for a connection\n", num);
        c.shutdown();
        deliver(&shared, num, gen, Event::Closed { conn });
        return;
    };
    let Some(mut stream) = FrameStream::new(&mut received[..]) else {
        c.shutdown();
        deliver(&shared, num, gen, Event::Closed { conn });
        return;
    };
    // Whether the link was up on this connection at its last frame through the state machine.
    let mut link_up = false;
    loop {
        let frame = match stream.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => match c.recv_some(stream.room()) {
                Ok(n) if n > 0 => {
                    stream.filled(n);
                    continue;
                }
                _ => {
                    deliver(&shared, num, gen, end_of_stream(&c, conn));
                    break;
                }
            },
            Err(error) => {
                deliver(&shared, num, gen, Event::Invalid { conn, error });
                break;
            }
        };
        let FrameParts {
            header,
            head,
            payload,
            tag,
        } = frame;
        if let Err(error) = key.open(head, payload, tag) {
            deliver(&shared, num, gen, Event::FrameMac { conn, error });
            break;
        }
        let payload: &[u8] = payload;
        // Once this connection's link is up, a message frame (a reply, an application or a
        // tmem message) is dispatched without the cluster state's lock: all the state
        // machines need of it is when it came, which the ticker reports (`Event::Heard`).
        // Control frames, and every frame once the connection is closed, go through them.
        let message = matches!(
            header.msg_type,
            MessageType::Reply | MessageType::App(_) | MessageType::Tmem(_)
        );
        let current = if link_up && message && c.is_open() {
            c.heard(now_ms());
            true
        } else {
            let (dispatch, current) = frame_event(&shared, num, gen, conn, header);
            link_up = dispatch;
            if !dispatch {
                if !current {
                    break;
                }
                continue;
            }
            current
        };
        if dispatch(&shared, num, gen, conn, &c, &header, payload, &mut reply).is_err() || !current
        {
            break;
        }
    }
    c.shutdown();
}

/// Delivers every peer's timers, and ends the requests whose deadline passed, until the module
/// stops.
pub(crate) fn tick(shared: Arc<Shared>) {
    let mut st = shared.state.lock();
    loop {
        if st.queue.is_none() {
            break;
        }
        let mut jobs = Jobs::new();
        let peers_next = st.tick_all(&shared, &mut jobs);
        let (ended, wait_ms) = {
            let mut requests = shared.requests.lock();
            // Requests waiting without a timeout of their own (uninterruptible senders) end
            // here.
            let ended = requests.expire_requests(now_ms());
            let next = match (peers_next, requests.next_request_deadline()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let now = now_ms();
            let wait_ms = next
                .map_or(10_000, |t| t.saturating_sub(now))
                .clamp(1, 10_000);
            // Published under the requests lock: a sender that begins a request after this
            // sees when the ticker wakes, and wakes it for an earlier deadline.
            shared
                .ticker_wakes_at
                .store(now.saturating_add(wait_ms), Ordering::Relaxed);
            (ended, wait_ms)
        };
        ended.notify(&shared);
        if !jobs.is_empty() {
            let queue = st.queue;
            drop(st);
            match queue {
                // The cluster's threads end before its queue is destroyed (`ClusterNet::drop`).
                Some(queue) => jobs.run_detached(queue.queue()),
                None => jobs.run(),
            }
            st = shared.state.lock();
            continue;
        }
        let jiffies = kernel::time::msecs_to_jiffies(wait_ms as u32);
        let _ = shared.tick.wait_interruptible_timeout(&mut st, jiffies);
    }
}
