// SPDX-License-Identifier: GPL-2.0

//! One TCP connection to a peer: its socket, the lock that keeps frames from interleaving, and
//! whether application messages may be sent on it yet.

use super::socket::{Received, Socket};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

/// A connection, shared by its receive worker, the state and senders.
#[pin_data]
pub(crate) struct Conn {
    sock: Socket,
    #[pin]
    send_lock: Mutex<()>,
    /// Set once the handshake is complete *and* our side of it was sent: before that, an
    /// application frame could overtake the handshake reply.
    open: AtomicBool,
    /// A control frame from the ticker waits in a work item to be sent.
    detached_send: AtomicBool,
}

impl Conn {
    /// Wraps `sock`.
    pub(crate) fn new(sock: Socket) -> Result<Arc<Conn>> {
        Arc::pin_init(
            pin_init!(Conn {
                sock,
                send_lock <- new_mutex!((), "ramster_conn_send"),
                open: AtomicBool::new(false),
                detached_send: AtomicBool::new(false),
            }),
            GFP_KERNEL,
        )
    }

    /// Sends one frame (header, then payload) as a whole.
    pub(crate) fn send(&self, head: &[u8], payload: &[u8]) -> Result {
        let _guard = self.send_lock.lock();
        self.sock.send(head, payload)
    }

    /// Fills `buf` from the stream (only the receive worker calls this).
    pub(crate) fn recv_exact(&self, buf: &mut [u8]) -> Result<Received> {
        self.sock.recv_exact(buf)
    }

    /// Closes both directions; the receive worker sees the end of the stream.
    pub(crate) fn shutdown(&self) {
        self.open.store(false, Ordering::Release);
        self.sock.shutdown();
    }

    /// Allows application messages.
    pub(crate) fn set_open(&self) {
        self.open.store(true, Ordering::Release);
    }

    /// Claims the connection's one detached send (see `Jobs::run_detached`); false if taken.
    pub(crate) fn begin_detached_send(&self) -> bool {
        !self.detached_send.swap(true, Ordering::AcqRel)
    }

    /// Gives the detached send back.
    pub(crate) fn end_detached_send(&self) {
        self.detached_send.store(false, Ordering::Release);
    }

    /// Whether application messages may be sent.
    pub(crate) fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }
}
