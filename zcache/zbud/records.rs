// SPDX-License-Identifier: GPL-2.0

//! The frame records of a zbud allocator and the doubly linked lists threaded through them.
//!
//! Every frame zbud holds has a record: the frame, what its two buddies hold, and its links in
//! the LRU list and in one unbuddied list. Records live in a [`SlabArena`] and are named by
//! their slot number; links are slot numbers too, so the lists need no pointers and no `unsafe`.
//! Slots of freed records are reused through a free list.

use super::NCHUNKS;
use crate::os::{AllocError, Gfp};
use crate::zcache::slab_arena::{SlabArena, SlotNo};

/// A slot number in the arena.
pub(super) type Slot = SlotNo;

/// The end of a list.
pub(super) const NIL: Slot = Slot::MAX;

/// A record's place in one list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Links {
    /// The previous record, or [`NIL`] at the head.
    pub(super) prev: Slot,
    /// The next record, or [`NIL`] at the tail.
    pub(super) next: Slot,
}

impl Links {
    const UNLINKED: Links = Links {
        prev: NIL,
        next: NIL,
    };
}

/// A list of records. A record is on at most one of `Free` and `Lru` (they share links) and on
/// at most one unbuddied list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum List {
    /// Records not in use.
    Free,
    /// Frames in use that are not being evicted, least recently used first.
    Lru,
    /// Frames holding one buddy, by their number of free chunks (`1..NCHUNKS`).
    Unbuddied(usize),
}

impl List {
    fn uses_lru_links(self) -> bool {
        matches!(self, List::Free | List::Lru)
    }
}

/// The first and last records of a list, and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ListHead {
    /// The first record, or [`NIL`].
    pub(super) first: Slot,
    /// The last record, or [`NIL`].
    pub(super) last: Slot,
    /// How many records are on the list.
    pub(super) len: usize,
}

impl ListHead {
    /// An empty list.
    pub(super) const EMPTY: ListHead = ListHead {
        first: NIL,
        last: NIL,
        len: 0,
    };
}

/// What one buddy of a frame holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Buddy<T> {
    /// The zpage's exact size in bytes (its chunks are rounded up from it).
    pub(super) size: u16,
    /// Who owns the zpage: what eviction must flush.
    pub(super) tag: T,
}

/// One frame and its buddies.
pub(super) struct Record<F, T> {
    /// The frame, or `None` if the record is not in use.
    pub(super) frame: Option<F>,
    /// Buddy 0 (at the start of the frame) and buddy 1 (at the end).
    pub(super) buddies: [Option<Buddy<T>>; 2],
    /// Being evicted: off every list, freed when its last buddy is.
    pub(super) zombie: bool,
    /// The unbuddied list the record is on (by free chunks), if any.
    pub(super) unbuddied_list: Option<usize>,
    lru: Links,
    unbuddied: Links,
}

impl<F, T> Record<F, T> {
    fn unused() -> Self {
        Self {
            frame: None,
            buddies: [None, None],
            zombie: false,
            unbuddied_list: None,
            lru: Links::UNLINKED,
            unbuddied: Links::UNLINKED,
        }
    }

    fn links(&mut self, list: List) -> &mut Links {
        if list.uses_lru_links() {
            &mut self.lru
        } else {
            &mut self.unbuddied
        }
    }

    fn next(&self, list: List) -> Slot {
        if list.uses_lru_links() {
            self.lru.next
        } else {
            self.unbuddied.next
        }
    }
}

/// The arena of records and the heads of the lists through it.
pub(super) struct Records<F, T> {
    arena: SlabArena<Record<F, T>>,
    free: ListHead,
    lru: ListHead,
    unbuddied: [ListHead; NCHUNKS],
}

impl<F, T> Records<F, T> {
    /// An empty arena; allocates nothing.
    pub(super) const fn new() -> Self {
        Self {
            arena: SlabArena::new(),
            free: ListHead::EMPTY,
            lru: ListHead::EMPTY,
            unbuddied: [ListHead::EMPTY; NCHUNKS],
        }
    }

    /// The record in `slot`.
    pub(super) fn get(&self, slot: Slot) -> Option<&Record<F, T>> {
        self.arena.get(slot)
    }

    /// The record in `slot`, to change.
    pub(super) fn get_mut(&mut self, slot: Slot) -> Option<&mut Record<F, T>> {
        self.arena.get_mut(slot)
    }

    /// A slot for a new record: a reused one, or a new one (which may need a new slab). The
    /// record is unused and on no list. On failure nothing changed.
    pub(super) fn take_slot(&mut self, gfp: Gfp) -> Result<Slot, AllocError> {
        if let Some(slot) = self.pop_front(List::Free) {
            return Ok(slot);
        }
        self.arena.push(Record::unused(), gfp)
    }

    /// Returns `slot`, whose record must be on no list, to the free list.
    pub(super) fn put_slot(&mut self, slot: Slot) {
        if let Some(record) = self.get_mut(slot) {
            *record = Record::unused();
            self.push_back(List::Free, slot);
        }
    }

    /// The head of `list`; an unbuddied list out of range reads as empty.
    pub(super) fn head(&self, list: List) -> ListHead {
        match list {
            List::Free => self.free,
            List::Lru => self.lru,
            List::Unbuddied(n) => self.unbuddied.get(n).copied().unwrap_or(ListHead::EMPTY),
        }
    }

    fn head_mut(&mut self, list: List) -> Option<&mut ListHead> {
        match list {
            List::Free => Some(&mut self.free),
            List::Lru => Some(&mut self.lru),
            List::Unbuddied(n) => self.unbuddied.get_mut(n),
        }
    }

    /// Appends `slot`, which must not be on a list of the same links, to `list`.
    pub(super) fn push_back(&mut self, list: List, slot: Slot) {
        let last = self.head(list).last;
        if self.head_mut(list).is_none() {
            return;
        }
        let Some(record) = self.get_mut(slot) else {
            return;
        };
        *record.links(list) = Links {
            prev: last,
            next: NIL,
        };
        if let Some(prev) = self.get_mut(last) {
            prev.links(list).next = slot;
        }
        if let Some(head) = self.head_mut(list) {
            if head.first == NIL {
                head.first = slot;
            }
            head.last = slot;
            head.len = head.len.saturating_add(1);
        }
    }

    /// Removes `slot` from `list`, which it must be on.
    pub(super) fn unlink(&mut self, list: List, slot: Slot) {
        let first = self.head(list).first;
        let Some(record) = self.get_mut(slot) else {
            return;
        };
        let links = record.links(list);
        if links.prev == NIL && first != slot {
            // Not on `list`: unlinking would corrupt its head.
            return;
        }
        let links = core::mem::replace(links, Links::UNLINKED);
        let (mut first, mut last) = (None, None);
        match self.get_mut(links.prev) {
            Some(prev) => prev.links(list).next = links.next,
            None => first = Some(links.next),
        }
        match self.get_mut(links.next) {
            Some(next) => next.links(list).prev = links.prev,
            None => last = Some(links.prev),
        }
        if let Some(head) = self.head_mut(list) {
            if let Some(first) = first {
                head.first = first;
            }
            if let Some(last) = last {
                head.last = last;
            }
            head.len = head.len.saturating_sub(1);
        }
    }

    /// Removes and returns the first slot of `list`.
    pub(super) fn pop_front(&mut self, list: List) -> Option<Slot> {
        let first = self.head(list).first;
        if first == NIL {
            return None;
        }
        self.unlink(list, first);
        Some(first)
    }

    /// The slots on `list`, first to last.
    pub(super) fn walk(&self, list: List) -> impl Iterator<Item = Slot> + '_ {
        let mut next = self.head(list).first;
        core::iter::from_fn(move || {
            let slot = next;
            next = self.get(slot)?.next(list);
            Some(slot)
        })
    }

    /// How many slots the arena has, in use or free.
    pub(super) fn slots(&self) -> usize {
        self.arena.len()
    }
}
