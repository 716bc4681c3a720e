// SPDX-License-Identifier: GPL-2.0

//! Work that an event asks for but that must not run under the cluster mutex: sending a control
//! frame (a send may block), opening or closing a connection in the right order after it, and
//! the node callbacks. [`super::state::State::peer_event`] queues [`Job`]s; its caller runs them
//! after dropping the lock.

use super::conn::Conn;
use super::state::{NodeCallback, CONTROL_MAX};
use crate::cluster::node_num::NodeNum;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Work to do after the lock is dropped, in order.
pub(crate) enum Job {
    /// Send a control frame.
    Send(Arc<Conn>, [u8; CONTROL_MAX], usize),
    /// Allow application messages on the connection.
    Open(Arc<Conn>),
    /// Close the connection (its receive worker sees the end of the stream).
    Shutdown(Arc<Conn>),
    /// Run a node callback.
    Callback(NodeCallback, NodeNum, bool),
}

/// A list of [`Job`]s.
pub(crate) struct Jobs(KVec<Job>);

impl Jobs {
    pub(crate) fn new() -> Jobs {
        Jobs(KVec::new())
    }

    pub(crate) fn push(&mut self, job: Job) {
        if self.0.reserve(1, GFP_KERNEL).is_err() {
            // Out of memory: a lost control frame is a lost packet; the connection's timers
            // recover (keepalive, idle timeout). Shut it so that it recovers at once.
            pr_warn!("cluster: out of memory; closing a connection\n");
            if let Job::Send(c, ..) | Job::Open(c) | Job::Shutdown(c) = &job {
                c.shutdown();
            }
            return;
        }
        // Cannot fail: room was reserved.
        let _ = self.0.push(job, GFP_KERNEL);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs the jobs; call with no lock held.
    pub(crate) fn run(self) {
        for job in self.0.into_iter() {
            match job {
                Job::Send(c, frame, len) => {
                    let frame = frame.get(..len).unwrap_or(&[]);
                    if c.send(frame, &[]).is_err() {
                        c.shutdown();
                    }
                }
                Job::Open(c) => c.set_open(),
                Job::Shutdown(c) => c.shutdown(),
                Job::Callback(f, node, up) => f(node, up),
            }
        }
    }
}
