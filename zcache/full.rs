// SPDX-License-Identifier: GPL-2.0

//! Refusing swap pages at once while the store is full, as zswap does with its pool: once a
//! persistent put found no frame (and no ephemeral frame to take), later persistent puts are
//! refused before they are compressed, until the store's frames have dropped to
//! [`ACCEPT_PERCENT`] of what it held when it filled. Without it a workload that overflows the
//! store pays a compression for every page it swaps out, only to see it refused (one memcached
//! benchmark run counted 486 813 such puts).

use core::sync::atomic::{AtomicU64, Ordering};

/// Puts are tried again once the store holds at most this share of the frames it held when
/// it filled (zswap's `accept_threshold_percent` default).
pub const ACCEPT_PERCENT: u64 = 90;

/// Whether the store is full: the frames it held when a put last found none, or 0.
pub struct FullStore {
    filled_at: AtomicU64,
}

impl FullStore {
    /// Not full.
    pub const fn new() -> Self {
        FullStore {
            filled_at: AtomicU64::new(0),
        }
    }

    /// Whether a persistent put should be refused now, the store holding `frames` frames;
    /// once they have dropped to [`ACCEPT_PERCENT`] of the full level, the store is no longer
    /// full.
    pub fn refuses(&self, frames: u64) -> bool {
        let at = self.filled_at.load(Ordering::Relaxed);
        if at == 0 {
            return false;
        }
        if frames.saturating_mul(100) > at.saturating_mul(ACCEPT_PERCENT) {
            return true;
        }
        self.filled_at.store(0, Ordering::Relaxed);
        false
    }

    /// A persistent put found no frame with `frames` frames in use.
    pub fn filled(&self, frames: u64) {
        self.filled_at.store(frames.max(1), Ordering::Relaxed);
    }
}

impl Default for FullStore {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_from_filling_until_ninety_percent() {
        let full = FullStore::new();
        assert!(!full.refuses(100));
        full.filled(100);
        assert!(full.refuses(100));
        assert!(full.refuses(91));
        assert!(!full.refuses(90));
        // No longer full: even back at 100 it tries again, until the next put finds no frame.
        assert!(!full.refuses(100));
        full.filled(0);
        assert!(full.refuses(1));
        assert!(!full.refuses(0));
    }
}
