// SPDX-License-Identifier: GPL-2.0

//! One TCP connection to a peer: its socket, the lock that keeps frames from interleaving (and
//! holds the key that seals them), and whether application messages may be sent on it yet.
//!
//! Until the handshake is done the connection sends only handshake frames, without a MAC
//! ([`Conn::send_handshake`]); once [`Conn::seal_with`] gave it the send key, every frame goes
//! out with its tag, in the order of its sequence number ([`Conn::send`]). On a link that
//! encrypts, each payload is copied into the connection's own buffer (allocated once, with the
//! key) and encrypted there: the caller's bytes are never changed.

use super::socket::{Deadline, Received, Socket};
use crate::cluster::errno;
use crate::cluster::frame_mac::FrameKey;
use crate::cluster::wire::MAX_PAYLOAD_LEN;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

/// What seals the frames a connection sends.
struct Sealer {
    key: FrameKey,
    /// Where payloads are encrypted: [`MAX_PAYLOAD_LEN`] bytes if the key encrypts, else empty.
    scratch: KVec<u8>,
}

/// The longest a frame's send took, on any connection (ms; debugfs `cluster_counters`).
pub(crate) static SEND_LONGEST_MS: AtomicU64 = AtomicU64::new(0);

/// A connection, shared by its receive worker, the state and senders.
#[pin_data]
pub(crate) struct Conn {
    sock: Socket,
    /// The send key once the handshake is done; frames are sealed and sent under this lock.
    #[pin]
    send_lock: Mutex<Option<Sealer>>,
    /// Set once the handshake is complete *and* our side of it was sent: before that, an
    /// application frame could overtake the handshake reply.
    open: AtomicBool,
    /// A control frame from the ticker waits in a work item to be sent.
    detached_send: AtomicBool,
    /// When the receive worker last dispatched a message frame by itself (ms; 0: never).
    heard: AtomicU64,
    /// The errno of the failed send that shut the connection down (0: none did).
    send_failed: AtomicI32,
}

impl Conn {
    /// Wraps `sock`.
    pub(crate) fn new(sock: Socket) -> Result<Arc<Conn>> {
        Arc::pin_init(
            pin_init!(Conn {
                sock,
                send_lock <- new_mutex!(None, "ramster_conn_send"),
                open: AtomicBool::new(false),
                detached_send: AtomicBool::new(false),
                heard: AtomicU64::new(0),
                send_failed: AtomicI32::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// Seals and sends one frame (header, payload, tag) as a whole; `ENOTCONN` before the
    /// handshake gave the connection its key. A frame that fails to go out, or to go out in
    /// time, leaves the stream broken: the connection is shut down, and
    /// [`Conn::send_failure`] tells its receive worker why.
    pub(crate) fn send(&self, head: &[u8], payload: &[u8]) -> Result {
        let sent = self.seal_and_send(head, payload);
        if let Err(e) = sent {
            let _ = self.send_failed.compare_exchange(
                0,
                e.to_errno(),
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            self.shutdown();
        }
        sent
    }

    /// Whether a failed send shut the connection down: `Some(true)` if it timed out.
    pub(crate) fn send_failure(&self) -> Option<bool> {
        match self.send_failed.load(Ordering::Acquire) {
            0 => None,
            errno => Some(errno == EAGAIN.to_errno()),
        }
    }

    fn seal_and_send(&self, head: &[u8], payload: &[u8]) -> Result {
        let mut sealer = self.send_lock.lock();
        let Sealer { key, scratch } = sealer.as_mut().ok_or(super::errno(errno::ENOTCONN))?;
        let start = super::now_ms();
        let sent = if !key.encrypts() {
            let tag = key.seal(head, payload).map_err(|_| EIO)?;
            self.sock.send(head, payload, &tag)
        } else {
            let copy = scratch
                .get_mut(..payload.len())
                .ok_or(super::errno(errno::EMSGSIZE))?;
            copy.copy_from_slice(payload);
            let tag = key.seal_in_place(head, copy).map_err(|_| EIO)?;
            self.sock.send(head, copy, &tag)
        };
        SEND_LONGEST_MS.fetch_max(super::now_ms().saturating_sub(start), Ordering::Relaxed);
        sent
    }

    /// Sends a handshake frame, which has no tag; `EBUSY` once the handshake is done.
    pub(crate) fn send_handshake(&self, frame: &[u8]) -> Result {
        let key = self.send_lock.lock();
        if key.is_some() {
            return Err(EBUSY);
        }
        self.sock.send(frame, &[], &[])
    }

    /// The handshake is done: frames from now on are sealed with `key`. Allocates the
    /// encryption buffer if `key` encrypts (`ENOMEM`: the connection stays unsealed).
    pub(crate) fn seal_with(&self, key: FrameKey) -> Result {
        let scratch = match key.encrypts() {
            true => KVec::from_elem(0u8, MAX_PAYLOAD_LEN as usize, GFP_KERNEL)?,
            false => KVec::new(),
        };
        *self.send_lock.lock() = Some(Sealer { key, scratch });
        Ok(())
    }

    /// Receives what the stream has into `buf`, waiting for at least a byte; `Ok(0)` at its
    /// end (only the receive worker calls this).
    pub(crate) fn recv_some(&self, buf: &mut [u8]) -> Result<usize> {
        self.sock.recv_some(buf)
    }

    /// Fills `buf` from the stream by `deadline`, else `EAGAIN` (the handshake's reads).
    pub(crate) fn recv_exact_by(&self, buf: &mut [u8], deadline: Deadline) -> Result<Received> {
        self.sock.recv_exact(buf, Some(deadline))
    }

    /// Closes both directions; the receive worker sees the end of the stream.
    pub(crate) fn shutdown(&self) {
        self.open.store(false, Ordering::Release);
        self.sock.shutdown();
    }

    /// Stops application messages now (the cluster state closed the connection; its socket
    /// is shut down a little later, after the frames queued before).
    pub(crate) fn end_messages(&self) {
        self.open.store(false, Ordering::Release);
    }

    /// The receive worker dispatched a message frame by itself at `now` (ms).
    pub(crate) fn heard(&self, now: u64) {
        self.heard.fetch_max(now, Ordering::Relaxed);
    }

    /// When the receive worker last dispatched a message frame by itself (0: never).
    pub(crate) fn heard_at(&self) -> u64 {
        self.heard.load(Ordering::Relaxed)
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
