// SPDX-License-Identifier: GPL-2.0

//! Work that an event asks for but that must not run under the cluster mutex: sending a control
//! frame (a send may block), and opening or closing a connection in the right order after it. [`super::state::State::peer_event`] queues [`Job`]s; its caller runs them
//! after dropping the lock: [`Jobs::run`] in a connection's own workers, [`Jobs::run_detached`]
//! in the ticker, which must never wait on one peer's socket while every peer's timers wait.

use super::conn::Conn;
use super::state::CONTROL_MAX;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::workqueue::Queue;

/// Work to do after the lock is dropped, in order.
pub(crate) enum Job {
    /// Send a control frame.
    Send(Arc<Conn>, [u8; CONTROL_MAX], usize),
    /// Allow application messages on the connection.
    Open(Arc<Conn>),
    /// Close the connection (its receive worker sees the end of the stream).
    Shutdown(Arc<Conn>),
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
            let (Job::Send(c, ..) | Job::Open(c) | Job::Shutdown(c)) = &job;
            c.shutdown();
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
            run_here(job);
        }
    }

    /// Runs the jobs as [`Jobs::run`] does, except that frames go out from work items of
    /// `queue`, at most one waiting per connection. A send blocks while the peer's socket is
    /// full, up to the send timeout; the ticker, which runs these, must not wait on one peer
    /// while every peer's heartbeat and every request's deadline wait with it. The ticker sends
    /// only keepalive requests: one that finds the previous one still waiting to go out is
    /// dropped (it would not be read any sooner). Call with no lock held.
    pub(crate) fn run_detached(self, queue: &Queue) {
        for job in self.0.into_iter() {
            match job {
                Job::Send(c, frame, len) => send_detached(queue, c, frame, len),
                other => run_here(other),
            }
        }
    }
}

/// Sends a control frame on `c`; a failed send closes the connection ([`Conn::send`]).
fn send(c: &Conn, frame: &[u8; CONTROL_MAX], len: usize) {
    let _ = c.send(frame.get(..len).unwrap_or(&[]), &[]);
}

/// Sends a control frame on `c` from a work item of `queue`, unless one still waits there.
fn send_detached(queue: &Queue, c: Arc<Conn>, frame: [u8; CONTROL_MAX], len: usize) {
    if !c.begin_detached_send() {
        return;
    }
    let sender = c.clone();
    let spawned = queue.try_spawn(GFP_KERNEL, move || {
        send(&sender, &frame, len);
        sender.end_detached_send();
    });
    if spawned.is_err() {
        // Out of memory: a lost keepalive is a lost packet; the heartbeat allows for those.
        c.end_detached_send();
    }
}

/// Runs `job` in the calling thread.
fn run_here(job: Job) {
    match job {
        Job::Send(c, frame, len) => send(&c, &frame, len),
        Job::Open(c) => c.set_open(),
        Job::Shutdown(c) => c.shutdown(),
    }
}
