// SPDX-License-Identifier: GPL-2.0

//! One run at a time of a benchmark that a debugfs write starts (`zcache/codec_bench`,
//! `ramster/remote_get_bench`): a second write while a run is going gets `EBUSY`.

use core::sync::atomic::{AtomicBool, Ordering};
use kernel::prelude::*;

/// Holds a benchmark's `running` flag for one run; dropping it ends the run.
pub(crate) struct RunGuard(&'static AtomicBool);

impl RunGuard {
    /// Starts a run: `EBUSY` while another run holds `running`.
    pub(crate) fn take(running: &'static AtomicBool) -> Result<Self> {
        if running.swap(true, Ordering::Acquire) {
            return Err(EBUSY);
        }
        Ok(RunGuard(running))
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
