// SPDX-License-Identifier: GPL-2.0

//! A kernel TCP socket over IPv4, as a safe type.
//!
//! Linux 6.12 has raw bindings for the socket calls but no `init_net` and no `sockaddr_in`, so
//! sockets are made and used through `shim/net.c`; this file is the one place that calls it.
//! Every method may sleep: use them in process context, never under a spinlock. Sending on one
//! socket from two threads at once must be serialized by the caller (see [`super::conn`]);
//! receiving in one thread while another sends or shuts down is fine.

use core::ffi::c_void;
use core::ptr::NonNull;
use kernel::ffi::{c_int, c_uint, c_ulong};
use kernel::prelude::*;

extern "C" {
    fn ramster_sock_listen(addr: *const u8, port: u16, out: *mut *mut c_void) -> c_int;
    fn ramster_sock_accept(
        listener: *mut c_void,
        send_timeout_ms: c_uint,
        out: *mut *mut c_void,
        peer_addr: *mut u8,
    ) -> c_int;
    fn ramster_sock_connect(
        addr: *const u8,
        port: u16,
        send_timeout_ms: c_uint,
        out: *mut *mut c_void,
    ) -> c_int;
    fn ramster_sock_send(
        sock: *mut c_void,
        head: *const u8,
        head_len: usize,
        payload: *const u8,
        payload_len: usize,
        tail: *const u8,
        tail_len: usize,
    ) -> c_int;
    fn ramster_deadline_after_ms(ms: c_uint) -> c_ulong;
    fn ramster_sock_recv(
        sock: *mut c_void,
        buf: *mut u8,
        len: usize,
        has_deadline: bool,
        deadline: c_ulong,
    ) -> c_int;
    fn ramster_sock_recv_some(sock: *mut c_void, buf: *mut u8, len: usize) -> c_int;
    fn ramster_sock_shutdown(sock: *mut c_void);
    fn ramster_sock_release(sock: *mut c_void);
}

/// An IPv4 address and TCP port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SockAddr {
    /// The address, most significant byte first.
    pub(crate) addr: [u8; 4],
    /// The port.
    pub(crate) port: u16,
}

/// What [`Socket::recv_exact`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Received {
    /// The buffer is full.
    Full,
    /// The peer closed the connection before the first byte.
    Closed,
}

/// A point in time (jiffies) by which a receive must be done.
#[derive(Clone, Copy)]
pub(crate) struct Deadline(c_ulong);

impl Deadline {
    /// `ms` milliseconds from now.
    pub(crate) fn after_ms(ms: u32) -> Deadline {
        // SAFETY: only reads the clock.
        Deadline(unsafe { ramster_deadline_after_ms(ms) })
    }
}

/// An owned kernel socket; released when dropped.
pub(crate) struct Socket {
    /// A `struct socket *` from the shim, owned by this value.
    raw: NonNull<c_void>,
}

// SAFETY: a kernel socket may be used and released from any thread; its calls lock it inside.
unsafe impl Send for Socket {}
// SAFETY: concurrent recv, shutdown and (serialized by the caller) send are allowed on a socket.
unsafe impl Sync for Socket {}

fn check(ret: c_int) -> Result {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

fn owned(raw: *mut c_void) -> Result<Socket> {
    NonNull::new(raw).map(|raw| Socket { raw }).ok_or(EINVAL)
}

impl Socket {
    /// A socket listening on `at` (address reuse on, backlog 64).
    pub(crate) fn listen(at: SockAddr) -> Result<Socket> {
        let mut raw = core::ptr::null_mut();
        // SAFETY: `at.addr` is 4 readable bytes and `raw` a valid out-pointer.
        check(unsafe { ramster_sock_listen(at.addr.as_ptr(), at.port, &mut raw) })?;
        owned(raw)
    }

    /// Waits for a connection on a listening socket; returns it and the peer's IPv4 address.
    /// Sends on the new socket give up after `send_timeout_ms`.
    pub(crate) fn accept(&self, send_timeout_ms: u32) -> Result<(Socket, [u8; 4])> {
        let mut raw = core::ptr::null_mut();
        let mut peer = [0u8; 4];
        // SAFETY: `self.raw` is a live socket we own; the out-pointers are valid.
        check(unsafe {
            ramster_sock_accept(
                self.raw.as_ptr(),
                send_timeout_ms,
                &mut raw,
                peer.as_mut_ptr(),
            )
        })?;
        Ok((owned(raw)?, peer))
    }

    /// Connects to `to`, waiting at most `send_timeout_ms` (also the send timeout afterwards).
    pub(crate) fn connect(to: SockAddr, send_timeout_ms: u32) -> Result<Socket> {
        let mut raw = core::ptr::null_mut();
        // SAFETY: `to.addr` is 4 readable bytes and `raw` a valid out-pointer.
        check(unsafe {
            ramster_sock_connect(to.addr.as_ptr(), to.port, send_timeout_ms, &mut raw)
        })?;
        owned(raw)
    }

    /// Sends `head`, `payload` and `tail`, all of them within the socket's send timeout in
    /// all, or fails (`EAGAIN`: out of time, part of it may be sent; close the connection).
    /// One sender at a time (the shim sets the socket's timeout for each step).
    pub(crate) fn send(&self, head: &[u8], payload: &[u8], tail: &[u8]) -> Result {
        // SAFETY: `self.raw` is live; the slices are valid for reads of their lengths.
        check(unsafe {
            ramster_sock_send(
                self.raw.as_ptr(),
                head.as_ptr(),
                head.len(),
                payload.as_ptr(),
                payload.len(),
                tail.as_ptr(),
                tail.len(),
            )
        })
    }

    /// Fills `buf` from the stream. A close in the middle of `buf` is an error (`EPIPE`); with
    /// a `deadline`, so is `buf` not filled by then (`EAGAIN`), however the peer splits it.
    pub(crate) fn recv_exact(
        &self,
        buf: &mut [u8],
        deadline: Option<Deadline>,
    ) -> Result<Received> {
        if buf.is_empty() {
            return Ok(Received::Full);
        }
        let (has_deadline, at) = deadline.map_or((false, 0), |d| (true, d.0));
        // SAFETY: `self.raw` is live; `buf` is valid for writes of its length.
        let ret = unsafe {
            ramster_sock_recv(
                self.raw.as_ptr(),
                buf.as_mut_ptr(),
                buf.len(),
                has_deadline,
                at,
            )
        };
        check(ret)?;
        Ok(if ret == 0 {
            Received::Closed
        } else {
            Received::Full
        })
    }

    /// Waits for data and receives what the stream has, at most `buf.len()` bytes (not
    /// empty); `Ok(0)` at the end of the stream.
    pub(crate) fn recv_some(&self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Err(EINVAL);
        }
        // SAFETY: `self.raw` is live; `buf` is valid for writes of its length.
        let ret = unsafe { ramster_sock_recv_some(self.raw.as_ptr(), buf.as_mut_ptr(), buf.len()) };
        check(ret)?;
        usize::try_from(ret).map_err(|_| EINVAL)
    }

    /// Shuts both directions down: blocked receives and accepts return at once.
    pub(crate) fn shutdown(&self) {
        // SAFETY: `self.raw` is a live socket we own.
        unsafe { ramster_sock_shutdown(self.raw.as_ptr()) };
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: we own the socket and nobody uses it any more.
        unsafe { ramster_sock_release(self.raw.as_ptr()) };
    }
}
