// SPDX-License-Identifier: GPL-2.0

//! RAMster mode's lifetime: [`RamsterNode::start`] registers the tmem handlers and the node
//! callback and starts the remotify worker; dropping it stops them. The message handlers and the
//! node callback are plain functions, so they reach the running [`Runtime`] as a
//! [`Published`] value: [`with_runtime`] returns `None` once stopping has begun, and stopping
//! waits (SRCU) for the readers still inside.
//!
//! The live-node set follows the heartbeat's up and down callbacks. A node going down: its
//! remote pages here are made safe ([`crate::zcache::store::Store::forget_node`]), and the pages
//! it kept here are freed. A node coming up (after a fresh handshake) also has its old foreign
//! pages freed: a client that saw us die has forgotten them.

use super::foreign::{self, ForeignClients};
use super::get_bench::GetBenchFile;
use super::inject_wrong::InjectWrongFile;
use super::remotify;
use crate::cluster::node_num::NodeNum;
use crate::net::handlers::Handler;
use crate::net::{ClusterNet, Shared as NetShared};
use crate::published::Published;
use crate::zcache::remote::knobs::KNOBS;
use crate::zcache::remote::page_tag::PageTagKey;
use crate::zcache_kernel;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};
use kernel::{c_str, new_mutex};

/// What the handlers, the callback, the worker and remote gets share.
#[pin_data]
pub(crate) struct Runtime {
    net: Arc<NetShared>,
    #[pin]
    pub(super) foreign: Mutex<ForeignClients>,
    live: [AtomicU64; 4],
    stopping: AtomicBool,
    /// This node's key for the tags of the pages it keeps on peers.
    page_tags: PageTagKey,
}

/// The runtime of the running `RamsterNode`.
static RUNTIME: Published<Runtime> = Published::new();

/// Runs `f` on the running runtime (`f` may sleep); `None` if RAMster mode is not running (or is
/// stopping).
pub(crate) fn with_runtime<R>(f: impl FnOnce(&Runtime) -> R) -> Option<R> {
    RUNTIME.read(f)
}

impl Runtime {
    /// The messaging API.
    pub(crate) fn net(&self) -> &NetShared {
        &self.net
    }

    /// The key of the tags of pages kept on peers.
    pub(crate) fn page_tags(&self) -> &PageTagKey {
        &self.page_tags
    }

    /// Whether the module is unloading (the worker stops).
    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    fn set_live(&self, node: NodeNum, up: bool) {
        let i = node.index();
        if let Some(word) = self.live.get(i / 64) {
            let bit = 1u64 << (i % 64);
            if up {
                word.fetch_or(bit, Ordering::Relaxed);
            } else {
                word.fetch_and(!bit, Ordering::Relaxed);
            }
        }
    }

    /// Whether the heartbeat says `node` is up.
    pub(crate) fn is_live(&self, node: NodeNum) -> bool {
        let i = node.index();
        self.live
            .get(i / 64)
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1 << (i % 64)) != 0)
    }

    /// The node to remotify to: `remote_target_nodenum` if it is up; otherwise the lowest
    /// numbered live node, among those marked with `manual_node_up` if any are.
    pub(crate) fn target(&self) -> Option<NodeNum> {
        if let Some(node) = KNOBS.remote_target() {
            return self.is_live(node).then_some(node);
        }
        let marked = KNOBS.any_manually_up();
        (0..=NodeNum::MAX)
            .filter_map(NodeNum::new)
            .find(|&n| self.is_live(n) && (!marked || KNOBS.manually_up(n)))
    }
}

/// The heartbeat's news about `node`.
fn node_changed(node: NodeNum, up: bool) {
    with_runtime(|rt| {
        rt.set_live(node, up);
        if !up {
            if let Some((pers, eph)) = zcache_kernel::with_store(|store| store.forget_node(node)) {
                if pers > 0 || eph > 0 {
                    pr_notice!(
                        "node {} is down: {} swap pages will be read from the swap device, {} cached pages dropped\n",
                        node,
                        pers,
                        eph
                    );
                }
            }
        }
        let freed = rt.foreign.lock().drop_client(node);
        if freed > 0 {
            pr_notice!("freed {} pages node {} kept here\n", freed, node);
        }
    });
}

/// RAMster mode, running.
pub(crate) struct RamsterNode {
    runtime: Arc<Runtime>,
    worker: Option<crate::net::OwnedQueue>,
}

impl RamsterNode {
    /// Starts RAMster mode over the zcache backend's store and the cluster layer.
    pub(crate) fn start(cluster: &mut ClusterNet) -> Result<RamsterNode> {
        let net = cluster.shared().clone();
        let clients = ForeignClients::new()?;
        let page_tags = PageTagKey::generate().map_err(|_| {
            pr_err!("cannot make the key of remote page tags (hmac(sha256))\n");
            ENOMEM
        })?;
        let runtime = Arc::pin_init(
            pin_init!(Runtime {
                net,
                foreign <- new_mutex!(clients, "ramster_foreign"),
                live: [const { AtomicU64::new(0) }; 4],
                stopping: AtomicBool::new(false),
                page_tags,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: the node owns `runtime` until its `drop`, which unpublishes it first.
        unsafe { RUNTIME.publish(&runtime) };
        let mut node = RamsterNode {
            runtime,
            worker: None,
        };
        // From here on, Drop undoes what was done.
        for (op, handler, max_len) in foreign::HANDLERS {
            let handler: Handler = handler;
            node.runtime.net.register_handler(
                crate::cluster::wire::MessageType::Tmem(op),
                max_len,
                handler,
            )?;
        }
        node.runtime.net.register_node_callback(node_changed)?;
        // A benchmark and a fault injection: test-only, like the test message types.
        if cluster.test_messages() {
            let bench = Arc::new(GetBenchFile, GFP_KERNEL)?;
            cluster.add_file(c_str!("remote_get_bench"), bench, true)?;
            let inject = Arc::new(InjectWrongFile, GFP_KERNEL)?;
            cluster.add_file(c_str!("inject_wrong_pages"), inject, true)?;
        }
        let queue = crate::net::OwnedQueue::new(c_str!("ramster_remotify"))?;
        let worker = node.runtime.clone();
        queue
            .queue()
            .try_spawn(GFP_KERNEL, move || remotify::run(worker))
            .map_err(|_| ENOMEM)?;
        node.worker = Some(queue);
        pr_info!("remotify worker started\n");
        Ok(node)
    }
}

impl Drop for RamsterNode {
    fn drop(&mut self) {
        self.runtime.stopping.store(true, Ordering::Relaxed);
        // Waits for the worker to see `stopping` and return.
        drop(self.worker.take());
        for (op, _, _) in foreign::HANDLERS {
            self.runtime
                .net
                .unregister_handler(crate::cluster::wire::MessageType::Tmem(op));
        }
        RUNTIME.unpublish();
        let freed = self.runtime.foreign.lock().drop_all();
        if freed > 0 {
            pr_info!("freed {} foreign pages\n", freed);
        }
    }
}
