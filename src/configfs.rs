// SPDX-License-Identifier: GPL-2.0

//! The configfs tree `/sys/kernel/config/cluster/`, as a safe Rust interface.
//!
//! Linux 6.12 has no configfs abstraction for Rust. `shim/configfs.c` owns the configfs objects
//! and forwards every mkdir, rmdir, attribute read and write to the `extern "C"` functions here,
//! which pass them, as plain Rust values, to the one [`ConfigfsOps`] implementation given to
//! [`Registration::register`]. Node directories are named by a [`NodeId`] that the
//! implementation hands out; [`pin_node`] keeps a node directory from being removed. Errors are
//! [`Result`]s in Rust and become negative errnos only in
//! this file.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::ffi::{c_char, c_int, c_uint};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;

/// An attribute file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attr {
    /// `cluster/<c>/idle_timeout_ms`.
    IdleTimeoutMs,
    /// `cluster/<c>/keepalive_delay_ms`.
    KeepaliveDelayMs,
    /// `cluster/<c>/reconnect_delay_ms`.
    ReconnectDelayMs,
    /// `cluster/<c>/heartbeat/dead_threshold`.
    DeadThreshold,
    /// `node/<n>/num`.
    Num,
    /// `node/<n>/ipv4_address`.
    Ipv4Address,
    /// `node/<n>/ipv4_port`.
    Ipv4Port,
    /// `node/<n>/local`.
    Local,
    /// `node/<n>/link` (read-only).
    Link,
    /// `cluster/<c>/auth`.
    Auth,
    /// `cluster/<c>/auth_key` (write-only).
    AuthKey,
    /// `node/<n>/auth_key` (write-only).
    NodeAuthKey,
    /// `cluster/<c>/encryption`.
    Encryption,
}

impl Attr {
    /// The attribute with id `id` (the `RAMSTER_CFS_*` numbers of `shim/cluster_shim.h`).
    fn from_id(id: c_uint) -> Option<Attr> {
        Some(match id {
            0 => Attr::IdleTimeoutMs,
            1 => Attr::KeepaliveDelayMs,
            2 => Attr::ReconnectDelayMs,
            3 => Attr::DeadThreshold,
            4 => Attr::Num,
            5 => Attr::Ipv4Address,
            6 => Attr::Ipv4Port,
            7 => Attr::Local,
            8 => Attr::Link,
            9 => Attr::Auth,
            10 => Attr::AuthKey,
            11 => Attr::NodeAuthKey,
            12 => Attr::Encryption,
            _ => return None,
        })
    }
}

/// A node directory, as numbered by [`ConfigfsOps::make_node`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeId(pub(crate) usize);

/// What the configfs tree does; implemented once, by the cluster's node manager glue.
pub(crate) trait ConfigfsOps: Send + Sync {
    /// mkdir `cluster/<name>`.
    fn make_cluster(&self, name: &[u8]) -> Result;
    /// rmdir `cluster/<name>` (configfs allows it only once its nodes are gone).
    fn drop_cluster(&self);
    /// mkdir `cluster/<c>/node/<name>`.
    fn make_node(&self, name: &[u8]) -> Result<NodeId>;
    /// rmdir `cluster/<c>/node/<name>`: cannot fail.
    fn drop_node(&self, node: NodeId);
    /// A read of `attr` (of `node` for node attributes); the newline is added here.
    fn show(&self, attr: Attr, node: Option<NodeId>, out: &mut dyn Write) -> Result;
    /// A write of `text` to `attr` (of `node` for node attributes).
    fn store(&self, attr: Attr, node: Option<NodeId>, text: &[u8]) -> Result;
}

/// The implementation the C callbacks reach: null, or a `KBox<Arc<dyn ConfigfsOps>>` leaked
/// by [`Registration::register`] and freed by its drop after the subsystem is gone.
static OPS: AtomicPtr<Arc<dyn ConfigfsOps>> = AtomicPtr::new(core::ptr::null_mut());

extern "C" {
    fn ramster_configfs_register() -> c_int;
    fn ramster_configfs_unregister();
    fn ramster_cfs_pin_node(id: c_int) -> c_int;
    fn ramster_cfs_unpin_node(id: c_int);
}

/// Keeps `node`'s directory from being removed (its rmdir fails with `EBUSY`) until
/// [`unpin_node`]. May sleep: never call it from a configfs callback.
pub(crate) fn pin_node(node: NodeId) -> Result {
    let id = c_int::try_from(node.0).map_err(|_| EINVAL)?;
    // SAFETY: the shim checks `id` and holds a reference on the item while it pins it.
    let ret = unsafe { ramster_cfs_pin_node(id) };
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

/// Undoes a successful [`pin_node`] (the directory cannot have gone in between).
pub(crate) fn unpin_node(node: NodeId) {
    if let Ok(id) = c_int::try_from(node.0) {
        // SAFETY: the shim checks `id`; a pinned directory exists.
        unsafe { ramster_cfs_unpin_node(id) };
    }
}

/// The registered `cluster/` subsystem; unregistered when dropped. Only one may exist.
pub(crate) struct Registration(());

impl Registration {
    /// Registers `cluster/` with `ops` behind it.
    pub(crate) fn register(ops: Arc<dyn ConfigfsOps>) -> Result<Registration> {
        let boxed = KBox::into_raw(KBox::new(ops, GFP_KERNEL)?);
        if OPS
            .compare_exchange(
                core::ptr::null_mut(),
                boxed,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            // SAFETY: `boxed` came from `KBox::into_raw` above and was never published.
            drop(unsafe { KBox::from_raw(boxed) });
            return Err(EBUSY);
        }
        // SAFETY: the shim's subsystem is static; OPS is set, so callbacks find their target.
        let ret = unsafe { ramster_configfs_register() };
        if ret != 0 {
            Self::clear();
            return Err(Error::from_errno(ret));
        }
        Ok(Registration(()))
    }

    fn clear() {
        let p = OPS.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if !p.is_null() {
            // SAFETY: `p` came from `KBox::into_raw` in `register`; no callback can run any more
            // (the subsystem is unregistered or was never registered).
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: registered in `register`. Every directory under it holds a module reference,
        // so none exists while the module unloads, and no callback runs after this returns.
        unsafe { ramster_configfs_unregister() };
        Self::clear();
    }
}

/// Runs `f` with the registered implementation, or returns `ENODEV`.
fn with_ops<R>(f: impl FnOnce(&dyn ConfigfsOps) -> Result<R>) -> Result<R> {
    let p = OPS.load(Ordering::Acquire);
    // SAFETY: `p` is null or points to the box leaked by `register`, which is freed only after
    // the subsystem is unregistered, that is, after the last callback returned.
    match unsafe { p.as_ref() } {
        Some(ops) => f(&**ops),
        None => Err(ENODEV),
    }
}

fn node_id(id: c_int) -> Option<NodeId> {
    usize::try_from(id).ok().map(NodeId)
}

fn errno_of(result: Result<isize>) -> isize {
    result.unwrap_or_else(|e| e.to_errno() as isize)
}

/// A `fmt::Write` into a configfs page, truncating at its end.
struct PageWriter<'a> {
    page: &'a mut [u8],
    len: usize,
}

impl Write for PageWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            let slot = self.page.get_mut(self.len).ok_or(fmt::Error)?;
            *slot = b;
            self.len = self.len.saturating_add(1);
        }
        Ok(())
    }
}

/// mkdir `cluster/<name>`.
#[no_mangle]
extern "C" fn ramster_cfs_make_cluster(name: *const c_char) -> c_int {
    // SAFETY: configfs passes the new directory's NUL-terminated name, valid for this call.
    let name = unsafe { CStr::from_char_ptr(name) }.as_bytes();
    match with_ops(|ops| ops.make_cluster(name)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// rmdir `cluster/<name>`.
#[no_mangle]
extern "C" fn ramster_cfs_drop_cluster() {
    let _ = with_ops(|ops| {
        ops.drop_cluster();
        Ok(())
    });
}

/// mkdir `node/<name>`: the node's id, or a negative errno.
#[no_mangle]
extern "C" fn ramster_cfs_make_node(name: *const c_char) -> c_int {
    // SAFETY: as in `ramster_cfs_make_cluster`.
    let name = unsafe { CStr::from_char_ptr(name) }.as_bytes();
    match with_ops(|ops| ops.make_node(name)) {
        Ok(NodeId(id)) => c_int::try_from(id).unwrap_or(ENOSPC.to_errno()),
        Err(e) => e.to_errno(),
    }
}

/// rmdir `node/<name>`.
#[no_mangle]
extern "C" fn ramster_cfs_drop_node(id: c_int) {
    if let Some(node) = node_id(id) {
        let _ = with_ops(|ops| {
            ops.drop_node(node);
            Ok(())
        });
    }
}

/// A read of attribute `attr` (of node `id`, or -1): bytes written to `page`.
#[no_mangle]
extern "C" fn ramster_cfs_show(attr: c_uint, id: c_int, page: *mut c_char) -> isize {
    let Some(attr) = Attr::from_id(attr) else {
        return EINVAL.to_errno() as isize;
    };
    // SAFETY: configfs passes a zeroed buffer of PAGE_SIZE bytes, ours for this call.
    let page =
        unsafe { core::slice::from_raw_parts_mut(page.cast::<u8>(), kernel::page::PAGE_SIZE) };
    let mut out = PageWriter { page, len: 0 };
    errno_of(with_ops(|ops| {
        ops.show(attr, node_id(id), &mut out)?;
        out.write_char('\n').map_err(|_| ENOSPC)?;
        Ok(out.len as isize)
    }))
}

/// A write of `len` bytes at `page` to attribute `attr` (of node `id`, or -1).
#[no_mangle]
extern "C" fn ramster_cfs_store(attr: c_uint, id: c_int, page: *const c_char, len: usize) -> isize {
    let Some(attr) = Attr::from_id(attr) else {
        return EINVAL.to_errno() as isize;
    };
    // SAFETY: configfs passes the `len` written bytes (at most a page), valid for this call.
    let text = unsafe { core::slice::from_raw_parts(page.cast::<u8>(), len) };
    errno_of(with_ops(|ops| {
        ops.store(attr, node_id(id), text)?;
        isize::try_from(len).map_err(|_| EINVAL)
    }))
}
