// SPDX-License-Identifier: GPL-2.0

//! Packed frames: many small persistent zpages per page frame, where zbud is at its worst.
//!
//! zbud keeps at most two zpages per frame whatever their size, so a swap page that compresses
//! to 100 bytes costs half a frame. A packed frame is cut into equal slots of one size class
//! (a multiple of [`UNIT`] bytes, from [`MIN_SLOT`] to [`MAX_PACKED_SIZE`]); a zpage takes a slot
//! of the smallest class that holds it, so the same page costs 128 bytes. The frames of a class
//! that have a free slot are on that class's partial list; a new zpage takes the lowest free
//! slot of the first of them, or a new frame from the [`FrameSource`]. A frame goes back to the
//! source when its last slot is freed.
//!
//! Packed zpages have no LRU and no owners: they are persistent, so they leave only when their
//! owner frees them; nothing evicts them and the remotify worker (which moves whole zbud frames)
//! never takes them. The handle carries the zpage's exact size, which the record checks against
//! the frame's class. `Packed` is plain data (`&mut self`) for its user to lock, like zbud;
//! nothing here sleeps if given [`Gfp::NoWait`] and nothing panics: a bad handle is an error.

use crate::os::{AllocError, Gfp, PAGE_SIZE};
use crate::zcache::frames::FrameSource;
use crate::zcache::slab_arena::{SlabArena, SlotNo};

/// Slot sizes are multiples of this.
pub const UNIT: usize = 32;
/// The smallest slot (a frame holds at most 64 slots, one bit each).
pub const MIN_SLOT: usize = 64;
/// The largest zpage packed; larger ones go to zbud.
pub const MAX_PACKED_SIZE: usize = 1024;

/// Size classes are indexed by their slot size in units: `0..=MAX_UNITS` (the lowest unused).
const MAX_UNITS: usize = MAX_PACKED_SIZE / UNIT;
/// A frame number: the slot of its record.
type FrameNo = SlotNo;
/// The end of a list.
const NIL: FrameNo = FrameNo::MAX;

/// Names one packed zpage: its frame, its slot and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PackedHandle {
    frame: FrameNo,
    slot: u8,
    shard: u8,
    size: u16,
}

impl PackedHandle {
    /// The zpage's size in bytes.
    pub fn size(self) -> usize {
        usize::from(self.size)
    }

    /// The shard whose packed frames hold the zpage ([`Packed::for_shard`]).
    pub fn shard(self) -> usize {
        usize::from(self.shard)
    }
}

/// Why a packed operation failed. Nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackedError {
    /// The zpage is empty or larger than [`MAX_PACKED_SIZE`].
    BadSize,
    /// The frame source gave no frame (budget reached, or no memory without sleeping).
    NoFrame,
    /// A frame record could not be allocated.
    NoMemory,
    /// The handle names no stored zpage.
    BadHandle,
    /// The caller's buffer is smaller than the zpage.
    BufferTooSmall,
}

/// The counters of the packed frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackedStats {
    /// zpages stored.
    pub zpages: u64,
    /// Bytes of zpages stored.
    pub zbytes: u64,
    /// Frames held.
    pub pageframes: u64,
}

/// One frame and which of its slots are used.
struct Record<F> {
    /// The frame, or `None` if the record is free.
    frame: Option<F>,
    /// Slot size in units (the class).
    units: usize,
    /// Bit `i` set: slot `i` holds a zpage.
    used: u64,
    /// Links on its class's partial list, or (`next` only) on the free list.
    prev: FrameNo,
    next: FrameNo,
}

impl<F> Record<F> {
    const fn free() -> Self {
        Self {
            frame: None,
            units: 0,
            used: 0,
            prev: NIL,
            next: NIL,
        }
    }

    fn slots(&self) -> usize {
        slots_per_frame(self.units)
    }

    fn is_full(&self) -> bool {
        self.used.count_ones() as usize == self.slots()
    }
}

/// The class (slot size in units) of a zpage of `size` bytes.
fn units_for(size: usize) -> usize {
    size.max(MIN_SLOT).div_ceil(UNIT)
}

/// How many slots of `units` fit in a frame (at most 64).
fn slots_per_frame(units: usize) -> usize {
    (PAGE_SIZE / units.saturating_mul(UNIT).max(MIN_SLOT)).min(64)
}

/// The `used` bit of slot `slot` (none past the 64th).
fn bit(slot: usize) -> u64 {
    u32::try_from(slot)
        .ok()
        .and_then(|s| 1u64.checked_shl(s))
        .unwrap_or(0)
}

/// Where slot `slot` of a frame of class `units` starts (past the frame if there is no such
/// slot: the frame source then refuses the access).
fn slot_offset(slot: usize, units: usize) -> usize {
    slot.saturating_mul(units).saturating_mul(UNIT)
}

/// Packed frames over frames from `S`.
pub struct Packed<S: FrameSource> {
    records: SlabArena<Record<S::Frame>>,
    /// Free records, linked through `next`.
    free: FrameNo,
    /// The first frame with a free slot, per class.
    partial: [FrameNo; MAX_UNITS + 1],
    stats: PackedStats,
    /// Written into every handle made here; a handle of another shard is a bad handle.
    shard: u8,
}

impl<S: FrameSource> Packed<S> {
    /// No frames; allocates nothing.
    pub const fn new() -> Self {
        Self::for_shard(0)
    }

    /// No frames, as shard `shard` of a store: its handles name the shard
    /// ([`PackedHandle::shard`]). Allocates nothing.
    pub const fn for_shard(shard: u8) -> Self {
        Self {
            shard,
            records: SlabArena::new(),
            free: NIL,
            partial: [NIL; MAX_UNITS + 1],
            stats: PackedStats {
                zpages: 0,
                zbytes: 0,
                pageframes: 0,
            },
        }
    }

    /// The counters.
    pub fn stats(&self) -> PackedStats {
        self.stats
    }

    fn record(&self, frame: FrameNo) -> Option<&Record<S::Frame>> {
        self.records.get(frame)
    }

    fn record_mut(&mut self, frame: FrameNo) -> Option<&mut Record<S::Frame>> {
        self.records.get_mut(frame)
    }

    /// Stores `data` in a slot of its class: in the first frame of the class with a free slot,
    /// else in a new frame from `frames`. On error nothing changed.
    pub fn store(
        &mut self,
        frames: &S,
        data: &[u8],
        gfp: Gfp,
    ) -> Result<PackedHandle, PackedError> {
        if data.is_empty() || data.len() > MAX_PACKED_SIZE {
            return Err(PackedError::BadSize);
        }
        let size = u16::try_from(data.len()).map_err(|_| PackedError::BadSize)?;
        let units = units_for(data.len());
        let head = self
            .partial
            .get(units)
            .copied()
            .ok_or(PackedError::BadSize)?;
        let frame = if head == NIL {
            self.new_frame(frames, units, gfp)?
        } else {
            head
        };
        let record = self.record_mut(frame).ok_or(PackedError::BadHandle)?;
        let slot = (!record.used).trailing_zeros() as usize;
        if slot >= record.slots() {
            // Only a frame with a free slot is on a partial list.
            return Err(PackedError::BadHandle);
        }
        let page = record.frame.as_mut().ok_or(PackedError::BadHandle)?;
        if frames.write(page, slot_offset(slot, units), data).is_err() {
            // Slots never cross the frame's end; should one, a new frame must not stay behind.
            if record.used == 0 {
                self.release_frame(frames, frame);
            }
            return Err(PackedError::BadHandle);
        }
        record.used |= bit(slot);
        if record.is_full() {
            self.unlink(frame);
        }
        self.stats.zpages = self.stats.zpages.saturating_add(1);
        self.stats.zbytes = self.stats.zbytes.saturating_add(u64::from(size));
        Ok(PackedHandle {
            frame,
            slot: slot as u8,
            shard: self.shard,
            size,
        })
    }

    /// A new empty frame of class `units`, first on its partial list.
    fn new_frame(&mut self, frames: &S, units: usize, gfp: Gfp) -> Result<FrameNo, PackedError> {
        let no = self.take_record(gfp).map_err(|_| PackedError::NoMemory)?;
        let page = match frames.alloc_frame(gfp) {
            Ok(page) => page,
            Err(_) => {
                self.put_record(no);
                return Err(PackedError::NoFrame);
            }
        };
        let Some(record) = self.record_mut(no) else {
            // A record just taken is always there: the answer to a bug is to keep nothing.
            frames.free_frame(page);
            return Err(PackedError::NoMemory);
        };
        *record = Record {
            frame: Some(page),
            units,
            ..Record::free()
        };
        self.push_partial(no);
        self.stats.pageframes = self.stats.pageframes.saturating_add(1);
        Ok(no)
    }

    /// Copies zpage `handle` into the start of `out` and returns its size.
    pub fn read(
        &self,
        frames: &S,
        handle: PackedHandle,
        out: &mut [u8],
    ) -> Result<usize, PackedError> {
        let record = self.live(handle)?;
        let out = out
            .get_mut(..handle.size())
            .ok_or(PackedError::BufferTooSmall)?;
        let page = record.frame.as_ref().ok_or(PackedError::BadHandle)?;
        frames
            .read(
                page,
                slot_offset(usize::from(handle.slot), record.units),
                out,
            )
            .map_err(|_| PackedError::BadHandle)?;
        Ok(handle.size())
    }

    /// The record of `handle` if it names a stored zpage.
    fn live(&self, handle: PackedHandle) -> Result<&Record<S::Frame>, PackedError> {
        if handle.shard != self.shard {
            return Err(PackedError::BadHandle);
        }
        let record = self.record(handle.frame).ok_or(PackedError::BadHandle)?;
        let slot = usize::from(handle.slot);
        let stored = record.frame.is_some()
            && slot < record.slots()
            && record.used & bit(slot) != 0
            && units_for(handle.size()) == record.units;
        stored.then_some(record).ok_or(PackedError::BadHandle)
    }

    /// Frees zpage `handle`; its frame goes back to `frames` if it held nothing else.
    pub fn free(&mut self, frames: &S, handle: PackedHandle) -> Result<(), PackedError> {
        self.live(handle)?;
        let no = handle.frame;
        let record = self.record_mut(no).ok_or(PackedError::BadHandle)?;
        let was_full = record.is_full();
        record.used &= !bit(usize::from(handle.slot));
        let empty = record.used == 0;
        self.stats.zpages = self.stats.zpages.saturating_sub(1);
        self.stats.zbytes = self.stats.zbytes.saturating_sub(handle.size as u64);
        if empty {
            self.release_frame(frames, no);
        } else if was_full {
            self.push_partial(no);
        }
        Ok(())
    }

    /// Gives frame `no`, which holds nothing, back to `frames`.
    fn release_frame(&mut self, frames: &S, no: FrameNo) {
        self.unlink(no);
        let page = self.record_mut(no).and_then(|r| r.frame.take());
        self.put_record(no);
        self.stats.pageframes = self.stats.pageframes.saturating_sub(1);
        if let Some(page) = page {
            frames.free_frame(page);
        }
    }

    /// Puts frame `no` first on its class's partial list.
    fn push_partial(&mut self, no: FrameNo) {
        let Some(units) = self.record(no).map(|r| r.units) else {
            return;
        };
        let Some(&head) = self.partial.get(units) else {
            return;
        };
        if let Some(record) = self.record_mut(no) {
            record.prev = NIL;
            record.next = head;
        }
        if let Some(old) = self.record_mut(head) {
            old.prev = no;
        }
        if let Some(first) = self.partial.get_mut(units) {
            *first = no;
        }
    }

    /// Takes frame `no` off its class's partial list, if it is on it.
    fn unlink(&mut self, no: FrameNo) {
        let Some((units, prev, next)) = self.record(no).map(|r| (r.units, r.prev, r.next)) else {
            return;
        };
        if prev == NIL && self.partial.get(units) != Some(&no) {
            // Not on the list: unlinking would corrupt its head.
            return;
        }
        match self.record_mut(prev) {
            Some(p) => p.next = next,
            None => {
                if let Some(first) = self.partial.get_mut(units) {
                    *first = next;
                }
            }
        }
        if let Some(n) = self.record_mut(next) {
            n.prev = prev;
        }
        if let Some(record) = self.record_mut(no) {
            record.prev = NIL;
            record.next = NIL;
        }
    }

    /// A free record: a reused one, or a new one.
    fn take_record(&mut self, gfp: Gfp) -> Result<FrameNo, AllocError> {
        if self.free != NIL {
            let no = self.free;
            self.free = self.record(no).map_or(NIL, |r| r.next);
            return Ok(no);
        }
        self.records.push(Record::free(), gfp)
    }

    /// Returns record `no`, on no partial list, to the free list.
    fn put_record(&mut self, no: FrameNo) {
        let next = self.free;
        if let Some(record) = self.record_mut(no) {
            *record = Record {
                next,
                ..Record::free()
            };
            self.free = no;
        }
    }

    /// Checks every invariant: each frame in use has a class and at least one used slot, and is
    /// on its class's partial list exactly when it has a free slot; free records hold no frame;
    /// and the frame and zpage counts match the records. It walks everything: tests only.
    pub fn audit(&self) -> Result<(), &'static str> {
        let mut in_use = 0u64;
        let mut zpages = 0u64;
        let mut partial = 0u64;
        for record in self.records.iter() {
            if record.frame.is_none() {
                continue;
            }
            if record.units == 0 || record.units > MAX_UNITS || record.used == 0 {
                return Err("a frame in use without a class or a zpage");
            }
            if record.slots() < 64 && record.used >> record.slots() != 0 {
                return Err("a used slot past the frame's end");
            }
            in_use += 1;
            zpages += u64::from(record.used.count_ones());
            partial += u64::from(!record.is_full());
        }
        let mut listed = 0u64;
        for (units, &head) in self.partial.iter().enumerate() {
            let (mut no, mut prev) = (head, NIL);
            while no != NIL {
                let record = self.record(no).ok_or("a partial list names no record")?;
                if record.frame.is_none() || record.is_full() || record.units != units {
                    return Err("a frame on the wrong partial list");
                }
                if record.prev != prev {
                    return Err("a broken back link");
                }
                listed += 1;
                if listed > in_use {
                    return Err("a partial list loops");
                }
                (prev, no) = (no, record.next);
            }
        }
        if listed != partial {
            return Err("a frame with a free slot on no partial list");
        }
        if in_use != self.stats.pageframes || zpages != self.stats.zpages {
            return Err("the counters do not match the records");
        }
        Ok(())
    }
}

impl<S: FrameSource> Default for Packed<S> {
    fn default() -> Self {
        Self::new()
    }
}
