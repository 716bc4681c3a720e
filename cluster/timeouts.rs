// SPDX-License-Identifier: GPL-2.0

//! The cluster's timing settings: idle timeout, keepalive delay, reconnect delay, dead threshold.
//!
//! Both nodes of a connection must use the same values (the handshake checks them). The defaults
//! are the original's (ocfs2's o2net and o2hb).

/// The timing settings of one cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// A connection on which nothing was heard for this long is closed.
    pub idle_timeout_ms: u32,
    /// After this long without hearing from the peer, a keepalive request is sent.
    pub keepalive_delay_ms: u32,
    /// The connecting side waits this long before connecting again.
    pub reconnect_delay_ms: u32,
    /// A node not heard from for this many keepalive delays is declared down.
    pub dead_threshold: u32,
}

/// The shortest and the longest allowed delay or timeout, in milliseconds (one day).
pub const DELAY_MS_RANGE: (u32, u32) = (1, 86_400_000);
/// The smallest and the largest allowed dead threshold (o2hb requires more than 2).
pub const DEAD_THRESHOLD_RANGE: (u32, u32) = (3, 65_535);

impl Timeouts {
    /// The original's defaults: 30 s idle, 2 s keepalive, 2 s reconnect, 31 intervals.
    pub const DEFAULT: Timeouts = Timeouts {
        idle_timeout_ms: 30_000,
        keepalive_delay_ms: 2_000,
        reconnect_delay_ms: 2_000,
        dead_threshold: 31,
    };

    /// How long a node may stay silent before it is declared down.
    pub fn dead_after_ms(&self) -> u64 {
        u64::from(self.dead_threshold).saturating_mul(u64::from(self.keepalive_delay_ms))
    }

    /// Whether every value is in range and the keepalive delay is below the idle timeout.
    pub fn is_valid(&self) -> bool {
        let delay_ok = |ms: u32| (DELAY_MS_RANGE.0..=DELAY_MS_RANGE.1).contains(&ms);
        delay_ok(self.idle_timeout_ms)
            && delay_ok(self.keepalive_delay_ms)
            && delay_ok(self.reconnect_delay_ms)
            && (DEAD_THRESHOLD_RANGE.0..=DEAD_THRESHOLD_RANGE.1).contains(&self.dead_threshold)
            && self.keepalive_delay_ms < self.idle_timeout_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Timeouts::DEFAULT.is_valid());
        assert_eq!(Timeouts::DEFAULT.dead_after_ms(), 62_000);
    }

    #[test]
    fn keepalive_must_be_below_idle_timeout() {
        let t = Timeouts {
            keepalive_delay_ms: 30_000,
            ..Timeouts::DEFAULT
        };
        assert!(!t.is_valid());
    }

    #[test]
    fn ranges_are_enforced() {
        let zero_reconnect = Timeouts {
            reconnect_delay_ms: 0,
            ..Timeouts::DEFAULT
        };
        let low_threshold = Timeouts {
            dead_threshold: 2,
            ..Timeouts::DEFAULT
        };
        assert!(!zero_reconnect.is_valid());
        assert!(!low_threshold.is_valid());
    }

    #[test]
    fn dead_after_saturates() {
        let t = Timeouts {
            keepalive_delay_ms: u32::MAX,
            dead_threshold: u32::MAX,
            ..Timeouts::DEFAULT
        };
        assert_eq!(t.dead_after_ms(), u64::from(u32::MAX) * u64::from(u32::MAX));
    }
}
