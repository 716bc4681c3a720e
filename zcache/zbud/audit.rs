// SPDX-License-Identifier: GPL-2.0

//! A full consistency check of a zbud: placement, lists and counters. It walks every record, so
//! it is for tests and debugging, not for the store path.

use super::records::{List, Slot};
use super::{buddy_chunks, Zbud, ZbudStats, NCHUNKS};
use crate::os::PAGE_SIZE;
use crate::zcache::frames::FrameSource;

/// The first inconsistency found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditError {
    /// A frame's buddies overlap (their chunks add up to more than a frame).
    Overlap(Slot),
    /// A record in use holds no zpage, or has a zpage without a frame.
    EmptyFrame(Slot),
    /// A zpage size of zero or more than a page.
    BadSize(Slot),
    /// A frame is on the wrong lists (LRU, unbuddied, free), or a list's length is wrong.
    Lists(Slot),
    /// The counters do not match the records.
    Counters,
}

impl<S: FrameSource, T: Clone> Zbud<S, T> {
    /// Checks every invariant: no overlapping buddies; every frame in use (not being evicted) on
    /// the LRU list once; every frame with one buddy and free chunks on the unbuddied list of
    /// that number; unused records on the free list; and counters equal to what the records hold.
    pub fn audit(&self) -> Result<(), AuditError> {
        let records = &self.records;
        let mut seen = ZbudStats {
            evicted_pageframes: self.stats.evicted_pageframes,
            cumul_zpages: self.stats.cumul_zpages,
            cumul_zbytes: self.stats.cumul_zbytes,
            ..ZbudStats::default()
        };
        let (mut on_lru, mut on_unbuddied, mut unused) = (0usize, 0usize, 0usize);
        let slots = Slot::try_from(records.slots()).map_err(|_| AuditError::Counters)?;
        for slot in 0..slots {
            let record = records.get(slot).ok_or(AuditError::Lists(slot))?;
            if record.frame.is_none() {
                if record.buddies.iter().any(Option::is_some) {
                    return Err(AuditError::EmptyFrame(slot));
                }
                unused += 1;
                continue;
            }
            let mut count = 0;
            for buddy in record.buddies.iter().flatten() {
                if buddy.size == 0 || usize::from(buddy.size) > PAGE_SIZE {
                    return Err(AuditError::BadSize(slot));
                }
                count += 1;
                seen.zpages += 1;
                seen.zbytes += u64::from(buddy.size);
            }
            let used = buddy_chunks(&record.buddies[0]) + buddy_chunks(&record.buddies[1]);
            if used > NCHUNKS {
                return Err(AuditError::Overlap(slot));
            }
            if count == 0 {
                return Err(AuditError::EmptyFrame(slot));
            }
            seen.pageframes += 1;
            let expected_list =
                (!record.zombie && count == 1 && used < NCHUNKS).then_some(NCHUNKS - used);
            if record.unbuddied_list != expected_list {
                return Err(AuditError::Lists(slot));
            }
            on_unbuddied += usize::from(expected_list.is_some());
            if record.zombie {
                seen.zombie_count += 1;
            } else {
                on_lru += 1;
                if count == 2 {
                    seen.buddied_count += 1;
                } else {
                    seen.unbuddied_count += 1;
                }
            }
        }
        if seen != self.stats {
            return Err(AuditError::Counters);
        }
        // Every list holds exactly the records counted above, each once, with the right length.
        let lru_ok = self.list_holds(List::Lru, on_lru, |slot| {
            records
                .get(slot)
                .is_some_and(|r| r.frame.is_some() && !r.zombie)
        });
        let free_ok = self.list_holds(List::Free, unused, |slot| {
            records.get(slot).is_some_and(|r| r.frame.is_none())
        });
        let mut unbuddied_total = 0;
        for free in 0..NCHUNKS {
            let list = List::Unbuddied(free);
            unbuddied_total += records.head(list).len;
            let ok = self.list_holds(list, records.head(list).len, |slot| {
                records
                    .get(slot)
                    .is_some_and(|r| r.unbuddied_list == Some(free))
            });
            if !ok {
                return Err(AuditError::Lists(records.head(list).first));
            }
        }
        if !lru_ok || !free_ok || unbuddied_total != on_unbuddied {
            return Err(AuditError::Lists(0));
        }
        Ok(())
    }

    /// Whether `list` has length `len`, and walking it yields `len` distinct slots that all pass
    /// `belongs`.
    fn list_holds(&self, list: List, len: usize, belongs: impl Fn(Slot) -> bool) -> bool {
        let head = self.records.head(list);
        if head.len != len {
            return false;
        }
        let mut walked = 0usize;
        for slot in self.records.walk(list) {
            walked += 1;
            if walked > len || !belongs(slot) {
                return false;
            }
        }
        walked == len
    }
}
