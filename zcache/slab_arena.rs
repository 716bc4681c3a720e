// SPDX-License-Identifier: GPL-2.0

//! An arena of records kept in fixed-size slabs and named by slot number: growing never moves a
//! record or copies old ones, and never needs a contiguous block larger than one slab (or the
//! small table of slabs). zbud's frame records and the packed frames' records live in one each.
//! Slots are never given back to the arena: their users keep their own free lists.

use crate::os::{AllocError, Gfp, Vec};

/// Records per slab.
const SLAB: usize = 64;

/// A slot number; `u32::MAX` is never handed out (users take it as "none").
pub type SlotNo = u32;

/// Records of type `R` in slabs of [`SLAB`].
pub struct SlabArena<R> {
    slabs: Vec<Vec<R>>,
}

fn split(slot: SlotNo) -> (usize, usize) {
    let slot = slot as usize;
    (slot / SLAB, slot % SLAB)
}

impl<R> SlabArena<R> {
    /// An empty arena; allocates nothing.
    pub const fn new() -> Self {
        Self { slabs: Vec::new() }
    }

    /// The record in `slot`.
    pub fn get(&self, slot: SlotNo) -> Option<&R> {
        let (slab, i) = split(slot);
        self.slabs.get(slab)?.get(i)
    }

    /// The record in `slot`, to change.
    pub fn get_mut(&mut self, slot: SlotNo) -> Option<&mut R> {
        let (slab, i) = split(slot);
        self.slabs.get_mut(slab)?.get_mut(i)
    }

    /// Puts `record` in a new slot (in a new slab if the last is full) and returns the slot. On
    /// failure nothing changed.
    pub fn push(&mut self, record: R, gfp: Gfp) -> Result<SlotNo, AllocError> {
        if !matches!(self.slabs.last(), Some(slab) if slab.len() < SLAB) {
            // Make room in the slab table first, so that a failure leaves nothing behind.
            self.slabs.reserve(1, gfp)?;
            let slab = Vec::with_capacity(SLAB, gfp)?;
            self.slabs.push(slab, gfp)?;
        }
        let last = self.slabs.len().checked_sub(1).ok_or(AllocError)?;
        let slab = self.slabs.get_mut(last).ok_or(AllocError)?;
        let slot = last
            .checked_mul(SLAB)
            .and_then(|base| base.checked_add(slab.len()))
            .and_then(|slot| SlotNo::try_from(slot).ok())
            .filter(|slot| *slot != SlotNo::MAX)
            .ok_or(AllocError)?;
        // The slab has spare capacity, so this push does not allocate.
        slab.push(record, gfp)?;
        Ok(slot)
    }

    /// How many slots the arena has.
    pub fn len(&self) -> usize {
        self.slabs.iter().map(|slab| slab.len()).sum()
    }

    /// Whether the arena has no slot.
    pub fn is_empty(&self) -> bool {
        self.slabs.is_empty()
    }

    /// Every record, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = &R> + '_ {
        self.slabs.iter().flat_map(|slab| slab.iter())
    }
}

impl<R> Default for SlabArena<R> {
    fn default() -> Self {
        Self::new()
    }
}
