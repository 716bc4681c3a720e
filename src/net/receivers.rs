// SPDX-License-Identifier: GPL-2.0

//! One receive worker per peer at a time.
//!
//! A connection that replaces another is authenticated and adopted while the old connection's
//! receive worker may still be running a handler for a request it read before the replacement
//! (a `TMEM_PUT` whose reply the peer will never see). If the new connection's worker
//! dispatched at once, what the peer sent next on it (the flush of that very page, queued
//! because its put seemed lost) could run first, and the late put would leave a page its owner
//! no longer knows. So a receive worker dispatches nothing until the older workers of its peer
//! have ended: the peer's messages are handled in the order it sent them, across connections.

use super::Shared;
use crate::cluster::connection::ConnId;
use crate::cluster::node_num::NodeNum;

/// How long a waiting worker sleeps before it checks again that its connection is current.
const RECHECK_MS: u32 = 100;

/// A receive worker of `num`'s slot `gen`, counted in the slot while it lives.
pub(crate) struct Receiving<'a> {
    shared: &'a Shared,
    num: NodeNum,
    gen: u64,
}

impl<'a> Receiving<'a> {
    /// Waits until no other receive worker of `num`'s slot `gen` runs, then counts this one;
    /// `None` if `conn` stopped being the current connection meanwhile.
    pub(crate) fn enter(
        shared: &'a Shared,
        num: NodeNum,
        gen: u64,
        conn: ConnId,
    ) -> Option<Receiving<'a>> {
        let mut st = shared.state.lock();
        loop {
            if !st.is_current(num, gen, conn) {
                return None;
            }
            let slot = st.slot(num, gen)?;
            if slot.receivers == 0 {
                slot.receivers = 1;
                return Some(Receiving { shared, num, gen });
            }
            let jiffies = kernel::time::msecs_to_jiffies(RECHECK_MS);
            let _ = shared
                .receivers_gone
                .wait_interruptible_timeout(&mut st, jiffies);
        }
    }
}

impl Drop for Receiving<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.shared.state.lock().slot(self.num, self.gen) {
            slot.receivers = slot.receivers.saturating_sub(1);
        }
        self.shared.receivers_gone.notify_all();
    }
}
