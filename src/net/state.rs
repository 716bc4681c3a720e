// SPDX-License-Identifier: GPL-2.0

//! The cluster's state behind one mutex, and how the state machines' outputs are carried out.
//!
//! [`State`] holds the node manager's configuration (`cluster/nodemanager.rs`), one [`PeerSlot`]
//! per peer node while networking runs (the `cluster/peer.rs` state machine plus the socket of
//! its current connection) and the node callbacks; the requests waiting for replies
//! ([`super::requests`]) and the handlers ([`super::handlers`]) have locks of their own. Every
//! event goes through [`State::peer_event`], which runs the state machine and carries out its
//! outputs under the lock; whatever may block (sending on a socket) is queued as a [`Job`] and
//! run by the caller after it dropped the lock, and node ups and downs are recorded for the node
//! callbacks' own thread ([`super::node_callbacks`]). The lock is a mutex: everything
//! here runs in process context (configfs writes, work items, senders), never in softirq.

use super::conn::Conn;
use super::jobs::{Job, Jobs};
use super::requests::Wake;
use super::socket::{SockAddr, Socket};
use super::threads::Threads;
use super::workers;
use super::{now_ms, Ip, Shared};
use crate::cluster::connection::ConnId;
use crate::cluster::connection_events::{Action, CloseReason, Event};
use crate::cluster::heartbeat::{DownReason, NodeEvent};
use crate::cluster::log_limit::{LogLimit, Verdict};
use crate::cluster::messages::{Handshake, PROTOCOL_VERSION};
use crate::cluster::node_events::NodeEvents;
use crate::cluster::node_num::NodeNum;
use crate::cluster::nodemanager::{NodeConfig, Subsystem};
use crate::cluster::peer::{Peer, PeerOutput, PeerOutputs};
use crate::cluster::status::Status;
use crate::cluster::wire::{Header, HEADER_LEN};
use core::sync::atomic::Ordering;
use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::workqueue::Queue;

/// How many configfs node directories may exist.
pub(crate) const NODE_DIRS: usize = 255;
/// Accepted sockets whose handshake may run at once; more are refused until one ends.
pub(crate) const MAX_HANDSHAKES: usize = 8;
/// The largest control frame ([`crate::cluster::connection_events::Outgoing`]): a header.
pub(crate) const CONTROL_MAX: usize = HEADER_LEN;

/// Runs when a node goes up (`true`) or down (`false`); may sleep, runs with no lock held.
pub(crate) type NodeCallback = fn(node: NodeNum, up: bool);

/// Identifies a connection across all peers: the slot's generation and the peer's [`ConnId`].
pub(crate) fn global_conn(gen: u64, conn: ConnId) -> ConnId {
    ConnId((gen << 32) | (conn.0 & 0xffff_ffff))
}

/// A peer node while networking runs.
pub(crate) struct PeerSlot {
    pub(crate) peer: Peer,
    /// Unique per slot: workers of an older slot for the same node see it is not theirs.
    pub(crate) gen: u64,
    /// The socket of the peer's current connection, once there is one.
    pub(crate) conn: Option<(ConnId, Arc<Conn>)>,
    /// Receive workers dispatching this peer's messages: at most one ([`super::receivers`]).
    pub(crate) receivers: usize,
}

/// The local node while networking runs.
pub(crate) struct Local {
    pub(crate) num: NodeNum,
    pub(crate) nonce: u64,
    pub(crate) listener: Arc<Socket>,
    pub(crate) gen: u64,
}

/// The workqueue, usable while the state says so (set to `None` before it is destroyed).
#[derive(Clone, Copy)]
pub(crate) struct QueuePtr(core::ptr::NonNull<kernel::bindings::workqueue_struct>);

// SAFETY: a workqueue may be used from any thread.
unsafe impl Send for QueuePtr {}

impl QueuePtr {
    /// Points at `queue`, which must outlive every use (see [`State::queue`]).
    pub(crate) fn new(queue: &Queue) -> QueuePtr {
        QueuePtr(core::ptr::NonNull::from(queue).cast())
    }

    /// The queue: use it under the lock while `State::queue` is `Some`, or from one of its own
    /// work items or the cluster's threads (taken from `State::queue` while it was `Some`).
    pub(crate) fn queue(&self) -> &Queue {
        // SAFETY: the queue is destroyed only after `State::queue` was set to `None` under the
        // lock, after every cluster thread has exited (`ClusterNet::drop` joins them first),
        // and once every one of its work items has ended (destroy_workqueue drains it); this
        // is used under the lock while it is `Some`, by a cluster thread, or by a work item.
        unsafe { Queue::from_raw(self.0.as_ptr()) }
    }
}

/// Counters of things dropped on purpose (debugfs `ramster/cluster_counters`).
#[derive(Default)]
pub(crate) struct Counters {
    /// Connections whose handshake failed or that were refused before it (unknown address,
    /// too many handshakes at once).
    pub(crate) connections_refused: u64,
    /// How often a peer node went up, and down.
    pub(crate) node_up: u64,
    pub(crate) node_down: u64,
    /// The latest the ticker delivered a peer's timer, past its deadline (ms).
    pub(crate) ticker_late_max_ms: u64,
}

impl Counters {
    /// Every counter with its name, as debugfs `ramster/cluster_counters` shows them, with
    /// those kept elsewhere (`replies_unmatched`, `one_way_discarded`) in their places.
    pub(crate) fn named(
        &self,
        replies_unmatched: u64,
        one_way_discarded: u64,
    ) -> [(&'static str, u64); 6] {
        [
            ("connections_refused", self.connections_refused),
            ("replies_unmatched", replies_unmatched),
            ("one_way_discarded", one_way_discarded),
            ("node_up", self.node_up),
            ("node_down", self.node_down),
            ("ticker_late_max_ms", self.ticker_late_max_ms),
        ]
    }
}

/// Everything behind the cluster mutex.
pub(crate) struct State {
    pub(crate) subsystem: KBox<Subsystem>,
    /// The keys this node shares with single peers (`node/<n>/auth_key`).
    pub(crate) pair_keys: super::pair_keys::PairKeys,
    /// configfs node directories by [`crate::configfs::NodeId`].
    pub(crate) node_dirs: KVec<Option<NodeConfig>>,
    /// Peers by node number (length [`NodeNum::COUNT`]) while networking runs.
    pub(crate) peers: KVec<Option<PeerSlot>>,
    pub(crate) local: Option<Local>,
    next_gen: u64,
    node_callbacks: [Option<NodeCallback>; 4],
    /// Node ups and downs the callbacks have not seen yet.
    pub(crate) node_events: NodeEvents,
    pub(crate) counters: Counters,
    /// Handshakes of accepted sockets running now (at most [`MAX_HANDSHAKES`]).
    pub(crate) handshakes: usize,
    /// The rate limit of refused-connection log lines.
    pub(crate) refusal_log: LogLimit,
    /// `None` once the module stops: no new work may be queued.
    pub(crate) queue: Option<QueuePtr>,
    /// `None` once the module stops: no new thread may be started.
    pub(crate) threads: Option<Threads>,
    /// Pinned configfs node directories (see [`super::pins`]).
    pub(crate) pins: super::pins::Pins,
}

/// What one event asks of its caller beyond the jobs.
#[derive(Default)]
pub(crate) struct Step {
    /// The frame goes to the messaging layer.
    pub(crate) dispatch: bool,
    /// The accepted socket is this connection now.
    pub(crate) adopted: Option<ConnId>,
    /// The senders whose requests ended.
    pub(crate) wake: Wake,
}

/// `make()` in a box. Not inlined, so that the value built on the stack before it is moved into
/// the box takes room in this function's frame only while it runs, not in the caller's for as
/// long as the caller runs (module init's stack must stay small: see `State::waiters`).
#[inline(never)]
pub(crate) fn boxed<T>(make: impl FnOnce() -> T) -> Result<KBox<T>> {
    Ok(KBox::new(make(), GFP_KERNEL)?)
}

impl State {
    /// An empty state that queues work on `queue` and starts threads in `threads`, on the heap.
    #[inline(never)]
    pub(crate) fn new(queue: QueuePtr, threads: Threads) -> Result<KBox<State>> {
        let mut node_dirs = KVec::with_capacity(NODE_DIRS, GFP_KERNEL)?;
        for _ in 0..NODE_DIRS {
            node_dirs.push(None, GFP_KERNEL)?;
        }
        let mut peers = KVec::with_capacity(NodeNum::COUNT, GFP_KERNEL)?;
        for _ in 0..NodeNum::COUNT {
            peers.push(None, GFP_KERNEL)?;
        }
        let state = State {
            subsystem: boxed(Subsystem::new)?,
            pair_keys: super::pair_keys::PairKeys::new(),
            node_dirs,
            peers,
            local: None,
            next_gen: 1,
            node_callbacks: [None; 4],
            node_events: NodeEvents::default(),
            counters: Counters::default(),
            handshakes: 0,
            refusal_log: LogLimit::default(),
            queue: Some(queue),
            threads: Some(threads),
            pins: super::pins::Pins::new(),
        };
        boxed(|| state)
    }

    fn next_gen(&mut self) -> u64 {
        let gen = self.next_gen;
        self.next_gen = gen.saturating_add(1);
        gen
    }

    /// The peer slot of `num` if its generation is `gen`.
    pub(crate) fn slot(&mut self, num: NodeNum, gen: u64) -> Option<&mut PeerSlot> {
        self.peers
            .get_mut(num.index())
            .and_then(Option::as_mut)
            .filter(|s| s.gen == gen)
    }

    /// Whether `conn` is still the current connection of `num`'s slot `gen`.
    pub(crate) fn is_current(&mut self, num: NodeNum, gen: u64, conn: ConnId) -> bool {
        self.slot(num, gen)
            .is_some_and(|s| s.peer.connection().current() == Some(conn))
    }

    // ---- node callbacks ----

    /// Adds a node-up/down callback.
    pub(crate) fn add_node_callback(&mut self, f: NodeCallback) -> Result {
        let slot = self
            .node_callbacks
            .iter_mut()
            .find(|c| c.is_none())
            .ok_or(ENOSPC)?;
        *slot = Some(f);
        Ok(())
    }

    /// The node callbacks.
    pub(crate) fn node_callbacks(&self) -> [Option<NodeCallback>; 4] {
        self.node_callbacks
    }

    // ---- networking ----

    /// Counts a refused connection and logs why, within the rate limit.
    pub(crate) fn refused(&mut self, why: core::fmt::Arguments<'_>) {
        self.counters.connections_refused = self.counters.connections_refused.saturating_add(1);
        match self.refusal_log.check(now_ms()) {
            Verdict::Print(0) => pr_warn!("cluster: {}\n", why),
            Verdict::Print(held) => {
                pr_warn!(
                    "cluster: {} more refused connections were not logged\n",
                    held
                );
                pr_warn!("cluster: {}\n", why);
            }
            Verdict::Suppress => {}
        }
    }

    /// Our settings towards `peer`, as the handshake sends them.
    pub(crate) fn handshake(&mut self, peer: NodeNum) -> Option<Handshake> {
        let (local, nonce) = self.local.as_ref().map(|l| (l.num, l.nonce))?;
        let period = self
            .peers
            .get(peer.index())
            .and_then(Option::as_ref)
            .map_or(0, |s| s.peer.period());
        let cluster = self.subsystem.cluster()?;
        Some(Handshake {
            protocol_version: PROTOCOL_VERSION,
            sender: local,
            receiver: peer,
            nonce,
            period,
            timeouts: *cluster.timeouts(),
            cluster: *cluster.name(),
        })
    }

    /// The send timeout of sockets: the idle timeout (a peer that takes no data for that long
    /// is as good as silent).
    pub(crate) fn send_timeout_ms(&mut self) -> u32 {
        self.subsystem
            .cluster()
            .map_or(30_000, |c| c.timeouts().idle_timeout_ms)
    }

    /// Starts networking as local node `num`: listen, and make a peer of every other numbered
    /// node.
    pub(crate) fn start_networking(&mut self, shared: &Arc<Shared>, num: NodeNum) -> Result {
        let cluster = self.subsystem.cluster().ok_or(EINVAL)?;
        let ep = cluster.endpoint(num).ok_or(EINVAL)?;
        let at = SockAddr {
            addr: ep.addr,
            port: ep.port,
        };
        let listener = Socket::listen(at).inspect_err(|e| {
            pr_err!(
                "cluster: node {}: cannot listen on {}:{}: error {}\n",
                num,
                Ip(ep.addr),
                ep.port,
                e.to_errno()
            )
        })?;
        let listener = Arc::new(listener, GFP_KERNEL)?;
        let threads = self.threads.ok_or(ENODEV)?;
        let gen = self.next_gen();
        // SAFETY: `get_random_u64` has no preconditions.
        let nonce = unsafe { kernel::bindings::get_random_u64() };
        let worker_shared = shared.clone();
        let worker_listener = listener.clone();
        let timeout = self.send_timeout_ms();
        let spawned = threads.spawn(c_str!("ramster_listen"), Some(num.get()), move || {
            workers::listen(worker_shared, worker_listener, gen, timeout)
        });
        if let Err(e) = spawned {
            listener.shutdown();
            return Err(e);
        }
        self.local = Some(Local {
            num,
            nonce,
            listener,
            gen,
        });
        pr_info!(
            "cluster: node {} is local: listening on {}:{}\n",
            num,
            Ip(ep.addr),
            ep.port
        );
        for peer in 0..=NodeNum::MAX {
            if let Some(peer) = NodeNum::new(peer).filter(|p| *p != num) {
                self.add_peer(peer);
            }
        }
        shared.tick.notify_all();
        Ok(())
    }

    /// Makes a peer of node `num` if networking runs and the node is numbered.
    pub(crate) fn add_peer(&mut self, num: NodeNum) {
        let numbered = self
            .subsystem
            .cluster()
            .is_some_and(|c| c.endpoint(num).is_some());
        if !numbered || self.peers.get(num.index()).is_some_and(Option::is_some) {
            return;
        }
        let Some(ours) = self.handshake(num) else {
            return;
        };
        let gen = self.next_gen();
        if let (Some(peer), Some(slot)) =
            (Peer::new(ours, now_ms()), self.peers.get_mut(num.index()))
        {
            *slot = Some(PeerSlot {
                peer,
                gen,
                conn: None,
                receivers: 0,
            });
        }
    }

    /// Stops peer `num` (closes its connection, fails its requests) and forgets it.
    pub(crate) fn remove_peer(&mut self, shared: &Arc<Shared>, num: NodeNum, jobs: &mut Jobs) {
        let Some(gen) = self
            .peers
            .get(num.index())
            .and_then(Option::as_ref)
            .map(|s| s.gen)
        else {
            return;
        };
        let step = self.peer_event(shared, num, gen, Event::Stop, jobs);
        step.wake.notify(shared);
        if let Some(slot) = self.peers.get_mut(num.index()) {
            *slot = None;
        }
    }

    /// Stops networking: every peer, then the listener.
    pub(crate) fn stop_networking(&mut self, shared: &Arc<Shared>, jobs: &mut Jobs) {
        for num in (0..=NodeNum::MAX).filter_map(NodeNum::new) {
            self.remove_peer(shared, num, jobs);
        }
        if let Some(local) = self.local.take() {
            local.listener.shutdown();
            pr_info!("cluster: node {}: networking stopped\n", local.num);
        }
    }

    /// Delivers `event` (which happened now) to peer `num`'s slot `gen` and carries out the
    /// outputs.
    pub(crate) fn peer_event(
        &mut self,
        shared: &Arc<Shared>,
        num: NodeNum,
        gen: u64,
        event: Event,
        jobs: &mut Jobs,
    ) -> Step {
        let Some(slot) = self.slot(num, gen) else {
            return Step::default();
        };
        let outputs = slot.peer.handle(now_ms(), event);
        self.carry_out(shared, num, gen, outputs, jobs)
    }

    /// Declares node `num` silent now, as a one-way loss would on this side only (the test hook
    /// `cluster_selftest expire NODE`); `ENOENT` if it is not a peer.
    pub(crate) fn expire_peer(
        &mut self,
        shared: &Arc<Shared>,
        num: NodeNum,
        jobs: &mut Jobs,
    ) -> Result<Step> {
        let slot = self
            .peers
            .get_mut(num.index())
            .and_then(Option::as_mut)
            .ok_or(ENOENT)?;
        let gen = slot.gen;
        let outputs = slot.peer.expire(now_ms());
        Ok(self.carry_out(shared, num, gen, outputs, jobs))
    }

    /// Carries out the outputs of one step of peer `num`'s slot `gen`.
    fn carry_out(
        &mut self,
        shared: &Arc<Shared>,
        num: NodeNum,
        gen: u64,
        outputs: PeerOutputs,
        jobs: &mut Jobs,
    ) -> Step {
        let mut step = Step::default();
        let now = now_ms();
        let Some(slot) = self.slot(num, gen) else {
            return step;
        };
        let deadline = slot.peer.next_deadline();
        // A new, earlier deadline (a link that came up, a connect) must wake the ticker.
        if deadline.is_some_and(|t| t < shared.ticker_wakes_at.load(Ordering::Relaxed)) {
            shared.ticker_wakes_at.store(now, Ordering::Relaxed);
            shared.tick.notify_all();
        }
        let mut closed = None;
        for output in outputs.iter() {
            match output {
                PeerOutput::Connection(action) => {
                    self.action(shared, num, gen, action, &mut step, &mut closed, jobs)
                }
                PeerOutput::Node(event) => self.node_event(shared, num, gen, event, &mut step),
            }
        }
        step
    }

    #[allow(clippy::too_many_arguments)]
    fn action(
        &mut self,
        shared: &Arc<Shared>,
        num: NodeNum,
        gen: u64,
        action: Action,
        step: &mut Step,
        closed: &mut Option<ConnId>,
        jobs: &mut Jobs,
    ) {
        match action {
            Action::Connect(conn) => self.spawn_connect(shared, num, gen, conn),
            Action::Adopt(conn) => step.adopted = Some(conn),
            Action::Send(conn, outgoing) => {
                let Some(slot) = self.slot(num, gen) else {
                    return;
                };
                let Some((_, c)) = slot.conn.as_ref().filter(|(id, _)| *id == conn) else {
                    return;
                };
                let mut frame = [0u8; CONTROL_MAX];
                match outgoing.encode(&mut frame) {
                    Ok(len) => jobs.push(Job::Send(c.clone(), frame, len)),
                    Err(_) => c.shutdown(),
                }
            }
            Action::Dispatch(_) => step.dispatch = true,
            Action::Close(conn, reason) => {
                // A peer that is down fails every reconnect: log those only when debugging.
                if matches!(
                    reason,
                    CloseReason::ConnectFailed | CloseReason::ConnectTimeout
                ) {
                    pr_debug!("cluster: node {}: connection closed: {}\n", num, reason);
                } else if let CloseReason::Handshake(_) = reason {
                    // Repeats at every reconnect while a key or setting is wrong.
                    self.refused(format_args!("node {}: connection closed: {}", num, reason));
                } else {
                    pr_info!("cluster: node {}: connection closed: {}\n", num, reason);
                }
                // Shut down after the frames queued before (a handshake reply that says why).
                if let Some(slot) = self.slot(num, gen) {
                    if slot.conn.as_ref().is_some_and(|(id, _)| *id == conn) {
                        if let Some((_, c)) = slot.conn.take() {
                            c.end_messages();
                            jobs.push(Job::Shutdown(c));
                        }
                    }
                }
                *closed = Some(conn);
            }
            Action::LinkUp { .. } => {
                if let Some(cluster) = self.subsystem.cluster() {
                    cluster.set_connected(num, true);
                }
                pr_info!("cluster: node {}: link up\n", num);
                self.spawn_pinning(shared);
                if let Some((_, c)) = self.slot(num, gen).and_then(|s| s.conn.as_ref()) {
                    jobs.push(Job::Open(c.clone()));
                }
            }
            Action::LinkDown => {
                if let Some(cluster) = self.subsystem.cluster() {
                    cluster.set_connected(num, false);
                }
                pr_info!("cluster: node {}: link down\n", num);
                self.release_unwanted_pins();
                if let Some(conn) = *closed {
                    let failed = shared
                        .requests
                        .lock()
                        .fail_requests(global_conn(gen, conn), false);
                    step.wake = step.wake.and(failed);
                }
            }
        }
    }

    fn node_event(
        &mut self,
        shared: &Shared,
        num: NodeNum,
        gen: u64,
        event: NodeEvent,
        step: &mut Step,
    ) {
        let up = match event {
            NodeEvent::Up => {
                pr_info!("cluster: node {} is up\n", num);
                true
            }
            NodeEvent::Down(reason) => {
                let why = match reason {
                    DownReason::Silent => "not heard from for dead_threshold keepalive delays",
                    DownReason::Restarted => "it restarted",
                    DownReason::Removed => "removed from the configuration",
                    DownReason::OutOfStep => {
                        "its handshake shows it declared this node down meanwhile"
                    }
                };
                pr_notice!("cluster: node {} is down: {}\n", num, why);
                let current = self
                    .slot(num, gen)
                    .and_then(|s| s.peer.connection().current());
                if let Some(conn) = current {
                    let failed = shared
                        .requests
                        .lock()
                        .fail_requests(global_conn(gen, conn), true);
                    step.wake = step.wake.and(failed);
                }
                false
            }
        };
        let counter = if up {
            &mut self.counters.node_up
        } else {
            &mut self.counters.node_down
        };
        *counter = counter.saturating_add(1);
        self.node_events.record(num, up);
        shared.node_events.notify_all();
    }

    fn spawn_connect(&mut self, shared: &Arc<Shared>, num: NodeNum, gen: u64, conn: ConnId) {
        let Some(ep) = self.subsystem.cluster().and_then(|c| c.endpoint(num)) else {
            return;
        };
        let timeout = self.send_timeout_ms();
        let Some(threads) = self.threads else {
            return;
        };
        let to = SockAddr {
            addr: ep.addr,
            port: ep.port,
        };
        let worker_shared = shared.clone();
        let spawned = threads.spawn(c_str!("ramster_link"), Some(num.get()), move || {
            workers::connect(worker_shared, num, gen, conn, to, timeout)
        });
        if let Err(e) = spawned {
            // The connection stays `Connecting` until the idle timeout closes it; then the
            // connector tries again.
            pr_warn!(
                "cluster: node {}: no thread for a connect (error {})\n",
                num,
                e.to_errno()
            );
        }
    }

    /// Starts the handshake of a socket accepted from node `num`'s address (slot `gen`) on a
    /// thread of its own, which becomes the connection's receive loop.
    pub(crate) fn spawn_accept(
        &mut self,
        shared: &Arc<Shared>,
        num: NodeNum,
        gen: u64,
        c: Arc<Conn>,
    ) -> Result {
        let threads = self.threads.ok_or(ENODEV)?;
        let worker_shared = shared.clone();
        threads.spawn(c_str!("ramster_link"), Some(num.get()), move || {
            workers::accept(worker_shared, num, gen, c)
        })
    }

    /// Queues the work item that pins the directories of connected nodes.
    fn spawn_pinning(&mut self, shared: &Arc<Shared>) {
        let Some(queue) = self.queue else {
            return;
        };
        let worker_shared = shared.clone();
        if queue
            .queue()
            .try_spawn(GFP_KERNEL, move || worker_shared.pin_wanted())
            .is_err()
        {
            // Not pinned: an rmdir of the node closes its connection first instead.
            pr_warn!("cluster: out of memory; a connected node's directory is not pinned\n");
        }
    }

    /// The word `node/<n>/link` shows for node `num`.
    pub(crate) fn link_word(&self, num: Option<NodeNum>) -> &'static str {
        let Some(num) = num else {
            return "down";
        };
        if self.local.as_ref().is_some_and(|l| l.num == num) {
            return "local";
        }
        match self.peers.get(num.index()).and_then(Option::as_ref) {
            Some(slot) => slot.peer.connection().state().name(),
            None if self.local.is_some() => "down",
            None => "stopped",
        }
    }

    /// Ticks every peer, first telling it when its receive worker last dispatched a message by
    /// itself; returns the earliest of their deadlines (the ticker adds the requests').
    pub(crate) fn tick_all(&mut self, shared: &Arc<Shared>, jobs: &mut Jobs) -> Option<u64> {
        let mut wake = Wake::default();
        let now = now_ms();
        for num in (0..=NodeNum::MAX).filter_map(NodeNum::new) {
            let Some((gen, heard)) = self
                .peers
                .get(num.index())
                .and_then(Option::as_ref)
                .map(|s| (s.gen, s.conn.as_ref().map(|(id, c)| (*id, c.heard_at()))))
            else {
                continue;
            };
            if let Some((conn, at)) = heard.filter(|&(_, at)| at > 0) {
                let event = Event::Heard { conn, at };
                wake = wake.and(self.peer_event(shared, num, gen, event, jobs).wake);
            }
            let Some(deadline) = self
                .peers
                .get(num.index())
                .and_then(Option::as_ref)
                .map(|s| s.peer.next_deadline())
            else {
                continue;
            };
            if let Some(late) = deadline.and_then(|d| now.checked_sub(d)) {
                let max = &mut self.counters.ticker_late_max_ms;
                *max = (*max).max(late);
            }
            wake = wake.and(self.peer_event(shared, num, gen, Event::Tick, jobs).wake);
        }
        wake.notify(shared);
        self.peers
            .iter()
            .flatten()
            .filter_map(|s| s.peer.next_deadline())
            .min()
    }
}

/// The status a failed send or handler result gives a reply.
pub(crate) fn reply_header(
    request_id: u64,
    status: Status,
    len: usize,
) -> Option<[u8; HEADER_LEN]> {
    let mut head = [0u8; HEADER_LEN];
    let len = u32::try_from(len).ok()?;
    crate::cluster::wire::encode_header(&Header::reply(request_id, status, len), &mut head).ok()?;
    Some(head)
}
