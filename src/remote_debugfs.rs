// SPDX-License-Identifier: GPL-2.0

//! The RAMster counters in debugfs `ramster/`: one read-only file per
//! [`RamsterCounters`](crate::zcache::remote::counters::RamsterCounters) name, and
//! `ramster/nodes/<num>/{remote_pages,foreign_pages,foreign_bytes}` from
//! [`NODE_PAGES`](crate::zcache::remote::counters::NODE_PAGES) for every node number that has a
//! configfs node.
//!
//! The files are `shim/debugfs.c`'s counter files; reads arrive in [`ramster_remote_counter`].
//! They live in the `ramster/` folder that [`crate::debugfs::Files`] owns and go with it: after
//! the `Files` is dropped, [`node_added`] adds nothing until [`create_counters`] runs again.

use crate::cluster::node_num::NodeNum;
use crate::zcache::remote::counters::{NODE_PAGES, RAMSTER_COUNTERS};
use core::fmt::{self, Write};
use kernel::error::to_result;
use kernel::ffi::{c_char, c_int};
use kernel::prelude::*;

/// Counter groups, as `shim/debugfs_shim.h`'s `RAMSTER_COUNTERS_*`.
const GROUP_RAMSTER: u32 = 2;
const GROUP_NODE_REMOTE: u32 = 3;
const GROUP_NODE_FOREIGN: u32 = 4;
const GROUP_NODE_FOREIGN_BYTES: u32 = 5;

extern "C" {
    fn ramster_debugfs_counters_create() -> c_int;
    fn ramster_debugfs_remote_counter(name: *const c_char, id: u32) -> c_int;
    fn ramster_debugfs_node_add(num: u32) -> c_int;
    fn ramster_debugfs_node_remove(num: u32);
}

/// A NUL-terminated file name built from `for_each`'s name and suffix.
struct Name {
    buf: [u8; 64],
    len: usize,
}

impl Write for Name {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        // The last byte stays 0.
        let dst = self.buf.get_mut(self.len..end).filter(|_| end < 64);
        dst.ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Creates `ramster/<counter>` for every RAMster counter, and `ramster/nodes/`. Called once
/// the `ramster/` folder's [`crate::debugfs::Files`] exists, before configfs can add nodes.
pub(crate) fn create_counters() -> Result {
    // SAFETY: no preconditions; makes `ramster/` and `ramster/nodes/` if missing.
    to_result(unsafe { ramster_debugfs_counters_create() })?;
    let mut id = 0u32;
    let mut result = Ok(());
    RAMSTER_COUNTERS.for_each(|name, suffix, _| {
        if result.is_ok() {
            let mut file = Name {
                buf: [0; 64],
                len: 0,
            };
            result = write!(file, "{name}{suffix}").map_err(|_| EINVAL);
            if result.is_ok() {
                // SAFETY: `file.buf` is NUL-terminated (its last byte is never written);
                // debugfs copies the name.
                result = to_result(unsafe {
                    ramster_debugfs_remote_counter(file.buf.as_ptr().cast(), id)
                });
            }
        }
        id = id.wrapping_add(1);
    });
    result
}

/// Adds `ramster/nodes/<num>/` (a configfs node got number `num`). A failure is logged: the
/// node works without its counter files.
pub(crate) fn node_added(num: NodeNum) {
    // SAFETY: no preconditions; does nothing once `ramster/` is removed or if the folder exists.
    if let Err(e) = to_result(unsafe { ramster_debugfs_node_add(u32::from(num.get())) }) {
        pr_warn!("debugfs: ramster/nodes/{}/ not created ({:?})\n", num, e);
    }
}

/// Removes `ramster/nodes/<num>/` (the configfs node numbered `num` was removed).
pub(crate) fn node_removed(num: NodeNum) {
    // SAFETY: no preconditions; waits for running reads of the folder's files.
    unsafe { ramster_debugfs_node_remove(u32::from(num.get())) };
}

fn counter(group: u32, id: u32) -> Option<u64> {
    let node = || u8::try_from(id).ok().and_then(NodeNum::new);
    match group {
        GROUP_RAMSTER => {
            let mut found = None;
            let mut i = 0u32;
            RAMSTER_COUNTERS.for_each(|_, _, value| {
                if i == id {
                    found = Some(value);
                }
                i = i.wrapping_add(1);
            });
            found
        }
        GROUP_NODE_REMOTE => node().map(|n| NODE_PAGES.remote(n)),
        GROUP_NODE_FOREIGN => node().map(|n| NODE_PAGES.foreign(n)),
        GROUP_NODE_FOREIGN_BYTES => node().map(|n| NODE_PAGES.foreign_bytes(n)),
        _ => None,
    }
}

/// A read of counter `id` of `group`.
///
/// # Safety
///
/// `val` must be valid for a write of a `u64`.
#[no_mangle]
unsafe extern "C" fn ramster_remote_counter(group: u32, id: u32, val: *mut u64) -> c_int {
    match counter(group, id) {
        Some(value) => {
            // SAFETY: `val` is writable (this function's contract).
            unsafe { *val = value };
            0
        }
        None => ENOENT.to_errno(),
    }
}
