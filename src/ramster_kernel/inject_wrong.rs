// SPDX-License-Identifier: GPL-2.0

//! debugfs `ramster/inject_wrong_pages`: makes this node answer peers' gets like a peer that
//! holds the cluster key but lies, for the test of the owner's page tags. A write of a count
//! (0 to [`MAX_INJECTED`]) makes that many next answered gets carry the compressed page this
//! node served before (another page: valid compressed data, with a valid CRC-32C) instead of the
//! page asked for; the first one, with nothing served since the write, has one byte of its page
//! changed.
//! A read shows how many are still to come. Root only (0600), like the rest of debugfs; made
//! only with `test_messages=Y`.

use crate::cluster::config_text::parse_decimal;
use crate::debugfs::DebugFile;
use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::prelude::*;

/// The largest count a write may ask for.
const MAX_INJECTED: usize = 1 << 20;

/// Wrong answers still to give.
static PENDING: AtomicUsize = AtomicUsize::new(0);

/// Whether wrong answers are still to come (answered pages are then remembered).
pub(super) fn armed() -> bool {
    PENDING.load(Ordering::Relaxed) > 0
}

/// Whether the get being answered now must be a wrong answer (and counts it).
pub(super) fn take_one() -> bool {
    PENDING
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok()
}

/// The debugfs file.
pub(crate) struct InjectWrongFile;

impl DebugFile for InjectWrongFile {
    fn show(&self, out: &mut dyn Write) -> Result {
        writeln!(out, "{}", PENDING.load(Ordering::Relaxed)).map_err(|_| ENOSPC)
    }

    fn store(&self, text: &[u8]) -> Result {
        let n = parse_decimal(text.strip_suffix(b"\n").unwrap_or(text))
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n <= MAX_INJECTED)
            .ok_or(EINVAL)?;
        PENDING.store(n, Ordering::Relaxed);
        Ok(())
    }
}
