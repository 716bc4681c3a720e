// SPDX-License-Identifier: GPL-2.0

//! The cluster layer's kernel glue: configfs node manager, messaging over kernel TCP sockets,
//! and the live heartbeat, driving the host-tested logic in `cluster/`.
//!
//! It runs only with `mode=ramster`: [`ClusterNet::start`] registers
//! `/sys/kernel/config/cluster/` and debugfs `ramster/` (`cluster_counters`, the RAMster
//! counters of [`crate::remote_debugfs`], and with `test_messages=Y` the test message types
//! and `cluster_selftest`); sockets open only once a node is made `local`. Everything runs in
//! process context: configfs callbacks, the cluster's kernel threads ([`workers`] on
//! [`threads`]; the node callbacks run on one of them, [`node_callbacks`]), short work items of
//! its workqueue, and senders ([`messaging`]), serialized by a mutex over [`state::State`];
//! requests waiting for replies have a lock of their own ([`requests::Requests`]), so a reply
//! and a sender's wait for it never take the cluster's. Documentation/admin-guide.rst describes the
//! behaviour, Documentation/wire-protocol.rst the protocol.

mod authenticate;
mod conn;
mod counters_file;
pub(crate) mod handlers;
mod jobs;
mod logon_key;
pub(crate) mod messaging;
mod node_callbacks;
mod nodemanager_configfs;
mod pair_keys;
mod pins;
mod receivers;
mod requests;
mod selftest;
mod selftest_bench;
mod socket;
pub(crate) mod state;
mod threads;
mod workers;
mod workqueue;

use crate::cluster::node_num::NodeNum;
use crate::configfs::Registration;
use crate::debugfs::{DebugFile, Files};
use core::fmt;
use core::sync::atomic::AtomicU64;
use handlers::Handlers;
use jobs::Jobs;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::{Arc, CondVar, Mutex};
use kernel::{c_str, new_condvar, new_mutex};
use requests::Requests;
use state::{QueuePtr, State};
use threads::OwnedThreads;
pub(crate) use workqueue::OwnedQueue;

/// Milliseconds on the monotonic clock.
pub(crate) fn now_ms() -> u64 {
    u64::try_from(kernel::time::Ktime::ktime_get().to_ms()).unwrap_or(0)
}

/// The error for positive errno `n` (for the codes the kernel crate does not name).
pub(crate) fn errno(n: i32) -> Error {
    Error::from_errno(-n)
}

/// Nanoseconds on the monotonic clock.
pub(crate) fn now_ns() -> u64 {
    u64::try_from(kernel::time::Ktime::ktime_get().to_ns()).unwrap_or(0)
}

/// Microseconds on the monotonic clock.
pub(crate) fn now_us() -> u64 {
    now_ns() / 1000
}

/// An IPv4 address, displayed as a dotted quad.
pub(crate) struct Ip(pub(crate) [u8; 4]);

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

/// Refuses to start the cluster layer unless the kernel's HMAC-SHA256, which authenticates the
/// links, is there and passes its known-answer test ([`crate::os::hmac_self_test`]).
fn check_hmac() -> Result {
    if crate::os::Hmac::new(b"ramster").is_err() {
        pr_err!(
            "cluster: the kernel has no hmac(sha256) (CONFIG_CRYPTO_HMAC, CONFIG_CRYPTO_SHA256): \
             links cannot be authenticated; not starting\n"
        );
        return Err(errno(crate::cluster::errno::ENOPKG));
    }
    if crate::os::hmac_self_test().is_err() {
        pr_err!(
            "cluster: hmac(sha256) failed its self-test (RFC 4231 test case 2): links cannot be \
             authenticated; not starting\n"
        );
        return Err(EIO);
    }
    Ok(())
}

/// What the configfs callbacks, the workers and the senders share.
#[pin_data]
pub(crate) struct Shared {
    #[pin]
    /// Boxed: module init never holds the whole state on its stack.
    pub(crate) state: Mutex<KBox<State>>,
    /// The requests waiting for replies (taken after `state`, never before).
    #[pin]
    pub(crate) requests: Mutex<KBox<Requests>>,
    /// The message handlers (taken alone).
    #[pin]
    pub(crate) handlers: Mutex<Handlers>,
    /// One-way messages dropped: no handler, or too long (debugfs `cluster_counters`).
    pub(crate) one_way_discarded: AtomicU64,
    /// The sender of request entry `i` sleeps on `wakers[i]` until its request ends.
    pub(crate) wakers: KVec<Pin<KBox<CondVar>>>,
    /// Senders waiting for a free request entry or waiter slot for node `n` sleep on
    /// `rooms[n]`.
    pub(crate) rooms: KVec<Pin<KBox<CondVar>>>,
    /// When the sleeping ticker wakes up by itself (ms); written under `state` (and, by the
    /// ticker, also under `requests`).
    pub(crate) ticker_wakes_at: AtomicU64,
    /// The ticker sleeps here until the next deadline or a change.
    #[pin]
    pub(crate) tick: CondVar,
    /// The node callbacks' thread sleeps here until a node goes up or down.
    #[pin]
    pub(crate) node_events: CondVar,
    /// A receive worker waits here for its peer's older receive workers to end.
    #[pin]
    pub(crate) receivers_gone: CondVar,
}

/// The running cluster layer.
pub(crate) struct ClusterNet {
    shared: Arc<Shared>,
    queue: Option<OwnedQueue>,
    /// The listener, receive loops and ticker; dropped (waiting for them) before the queue.
    threads: Option<OwnedThreads>,
    configfs: Option<Registration>,
    files: Option<Files>,
    /// `test_messages=Y`: the test message types and test-only debugfs files exist.
    test_messages: bool,
}

impl ClusterNet {
    /// Starts the cluster layer: its workqueue and ticker, configfs and debugfs; with
    /// `test_messages`, also the test message types and `cluster_selftest`.
    #[inline(never)]
    pub(crate) fn start(test_messages: bool) -> Result<ClusterNet> {
        check_hmac()?;
        let queue = OwnedQueue::new(c_str!("ramster_cluster"))?;
        let threads = OwnedThreads::new()?;
        let state = State::new(QueuePtr::new(queue.queue()), threads.handle())?;
        let mut wakers = KVec::with_capacity(requests::ENTRIES, GFP_KERNEL)?;
        for _ in 0..requests::ENTRIES {
            wakers.push(
                KBox::pin_init(new_condvar!("ramster_cluster_reply"), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        let mut rooms = KVec::with_capacity(NodeNum::COUNT, GFP_KERNEL)?;
        for _ in 0..NodeNum::COUNT {
            rooms.push(
                KBox::pin_init(new_condvar!("ramster_cluster_room"), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        let requests = Requests::new()?;
        let shared = Arc::pin_init(
            pin_init!(Shared {
                state <- new_mutex!(state, "ramster_cluster_state"),
                requests <- new_mutex!(requests, "ramster_cluster_requests"),
                handlers <- new_mutex!(Handlers::new(), "ramster_cluster_handlers"),
                one_way_discarded: AtomicU64::new(0),
                wakers,
                rooms,
                ticker_wakes_at: AtomicU64::new(0),
                tick <- new_condvar!("ramster_cluster_tick"),
                node_events <- new_condvar!("ramster_cluster_node_events"),
                receivers_gone <- new_condvar!("ramster_cluster_receivers_gone"),
            }),
            GFP_KERNEL,
        )?;
        if test_messages {
            selftest::register(&shared)?;
        }
        let ticker = shared.clone();
        threads
            .handle()
            .spawn(c_str!("ramster_tick"), None, move || workers::tick(ticker))?;
        let callbacks = shared.clone();
        let spawned = threads
            .handle()
            .spawn(c_str!("ramster_nodes"), None, move || {
                node_callbacks::run(callbacks)
            });
        if let Err(e) = spawned {
            // Stop the ticker before `threads` waits for it.
            shared.state.lock().queue = None;
            shared.tick.notify_all();
            return Err(e);
        }
        // From here on, Drop stops the ticker and the node callbacks' thread.
        let mut net = ClusterNet {
            shared: shared.clone(),
            queue: Some(queue),
            threads: Some(threads),
            configfs: None,
            files: None,
            test_messages,
        };
        // debugfs before configfs: a node's counter files are made when it gets its number.
        let mut files = Files::new();
        let counters = Arc::new(counters_file::CountersFile(shared.clone()), GFP_KERNEL)?;
        files.create(c_str!("cluster_counters"), counters, false)?;
        if test_messages {
            let selftest = Arc::new(selftest::SelftestFile(shared.clone()), GFP_KERNEL)?;
            files.create(c_str!("cluster_selftest"), selftest, true)?;
        }
        net.files = Some(files);
        crate::remote_debugfs::create_counters()?;
        let ops = Arc::new(nodemanager_configfs::NodeManager(shared), GFP_KERNEL)?;
        net.configfs = Some(Registration::register(ops)?);
        Ok(net)
    }

    /// Whether test-only message types and debugfs files may exist (`test_messages=Y`).
    pub(crate) fn test_messages(&self) -> bool {
        self.test_messages
    }

    /// The messaging API.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Adds `ramster/<name>` to the cluster layer's debugfs files (removed with them).
    pub(crate) fn add_file(
        &mut self,
        name: &'static CStr,
        file: Arc<dyn DebugFile>,
        writable: bool,
    ) -> Result {
        self.files
            .as_mut()
            .ok_or(ENODEV)?
            .create(name, file, writable)
    }
}

impl Drop for ClusterNet {
    fn drop(&mut self) {
        drop(self.files.take());
        drop(self.configfs.take());
        let mut jobs = Jobs::new();
        {
            let mut st = self.shared.state.lock();
            st.stop_networking(&self.shared, &mut jobs);
            st.queue = None;
            st.threads = None;
        }
        jobs.run();
        self.shared.tick.notify_all();
        self.shared.node_events.notify_all();
        // Waits for the ticker, the node callbacks (which deliver what is still recorded), the
        // listener and every receive loop to exit, then for the queue's work items.
        drop(self.threads.take());
        drop(self.queue.take());
    }
}
