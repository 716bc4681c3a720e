// SPDX-License-Identifier: GPL-2.0

//! The node callbacks' kernel thread (`ramster_nodes`).
//!
//! A node-down callback walks the node's pages in the store (RAMster forgets what it kept there
//! and frees what it kept here), which takes as long as the store is large. It used to run in
//! the ticker, so every other peer's keepalives, idle timeouts, reconnects and request deadlines
//! waited for the walk. Now the state records each up and down under the cluster mutex
//! (`cluster/node_events.rs`) and this thread delivers them, with no lock held, in order per
//! node: the ticker only records and moves on.

use super::Shared;
use kernel::sync::Arc;

/// Longest sleep between checks (the thread is woken at every event and when the module stops).
const IDLE_WAIT_MS: u32 = 10_000;

/// Delivers recorded node events to the node callbacks until the module stops; what is
/// recorded when it stops is still delivered.
pub(super) fn run(shared: Arc<Shared>) {
    let mut st = shared.state.lock();
    loop {
        if st.node_events.is_empty() {
            if st.queue.is_none() {
                break;
            }
            let jiffies = kernel::time::msecs_to_jiffies(IDLE_WAIT_MS);
            // A kernel thread takes no signals: the wait ends by a notify or the timeout.
            let _ = shared
                .node_events
                .wait_interruptible_timeout(&mut st, jiffies);
            continue;
        }
        let events = st.node_events.take();
        let callbacks = st.node_callbacks();
        drop(st);
        for (node, up) in events {
            for f in callbacks.iter().flatten() {
                f(node, up);
            }
        }
        st = shared.state.lock();
    }
}
