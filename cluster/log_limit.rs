// SPDX-License-Identifier: GPL-2.0

//! A log rate limit: at most [`LogLimit::BURST`] lines per [`LogLimit::WINDOW_MS`], and a count
//! of the lines held back, said with the next line that is printed.
//!
//! Refused connections are logged through it: a host that opens connections in a loop (a
//! misconfigured peer, or someone probing the port) must not flood the kernel log.

/// What to do with one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Print it; `.0` lines were held back since the last printed one.
    Print(u64),
    /// Hold it back.
    Suppress,
}

/// The limit's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogLimit {
    window_start: u64,
    printed: u32,
    suppressed: u64,
}

impl LogLimit {
    /// Lines printed per window at most.
    pub const BURST: u32 = 10;
    /// The window, in milliseconds.
    pub const WINDOW_MS: u64 = 5_000;

    /// A line is to be logged at time `now` (milliseconds, monotonic).
    pub fn check(&mut self, now: u64) -> Verdict {
        if now >= self.window_start.saturating_add(Self::WINDOW_MS) || now < self.window_start {
            self.window_start = now;
            self.printed = 0;
        }
        if self.printed >= Self::BURST {
            self.suppressed = self.suppressed.saturating_add(1);
            return Verdict::Suppress;
        }
        self.printed += 1;
        let held = self.suppressed;
        self.suppressed = 0;
        Verdict::Print(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_holds_back_then_says_how_many() {
        let mut limit = LogLimit::default();
        for _ in 0..LogLimit::BURST {
            assert_eq!(limit.check(100), Verdict::Print(0));
        }
        for _ in 0..25 {
            assert_eq!(limit.check(4_000), Verdict::Suppress);
        }
        assert_eq!(limit.check(5_100), Verdict::Print(25));
        assert_eq!(limit.check(5_200), Verdict::Print(0));
    }

    #[test]
    fn a_clock_that_goes_back_starts_a_new_window() {
        let mut limit = LogLimit::default();
        for _ in 0..=LogLimit::BURST {
            limit.check(10_000);
        }
        assert_eq!(limit.check(50), Verdict::Print(1));
    }
}
