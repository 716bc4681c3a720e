// SPDX-License-Identifier: GPL-2.0

//! zbud: at most two compressed pages ("zpages", "buddies") per page frame.
//!
//! Buddy 0 sits at the start of its frame and buddy 1 at the end, each rounded up to 64-byte
//! chunks, so a frame is full when their chunks add up to [`NCHUNKS`]. A frame holding one buddy
//! is on the unbuddied list of its number of free chunks, and a new zpage goes to the frame with
//! the fewest free chunks that still fit it (best fit), or else to a new frame. Every frame in use
//! is on the LRU list, moved to its tail when a zpage is stored in it.
//!
//! One [`Zbud`] serves one kind of page, so ephemeral and persistent pages never share a frame
//! and are accounted separately. Only an ephemeral zbud gives frames up by itself
//! ([`Zbud::evict_lru`]): the frame leaves every list ("zombie"), its buddies' owners are handed
//! to the caller to flush from tmem, and the frame goes back to the [`FrameSource`] when its last
//! buddy is freed, whoever frees it. A persistent zpage only leaves when its owner frees it.
//!
//! `Zbud` is plain data (`&mut self`): its user wraps it in a lock, and takes that lock inside a
//! tmem bucket lock, never the other way round. Nothing here sleeps if given [`Gfp::NoWait`], and
//! nothing panics: a bad handle is an error.

mod records;

use crate::os::{Gfp, PAGE_SIZE};
use crate::zcache::frames::{FrameSource, OutOfFrame};
use records::{Buddy, List, Records, Slot};

/// The allocation unit inside a frame.
pub const CHUNK_SIZE: usize = 64;
/// Chunks per frame.
pub const NCHUNKS: usize = PAGE_SIZE / CHUNK_SIZE;
/// The largest zpage zbud stores (a whole frame; the compression policy refuses far less).
pub const MAX_ZPAGE_SIZE: usize = PAGE_SIZE;

/// Which kind of pages a zbud holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZbudKind {
    /// Pages that may be evicted (cleancache).
    Ephemeral,
    /// Pages that are never evicted silently (frontswap).
    Persistent,
}

/// Names one stored zpage: a frame record and a buddy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZbudHandle {
    slot: Slot,
    buddy: u8,
    shard: u8,
}

impl ZbudHandle {
    /// The frame (record number) holding the zpage; both buddies of a frame share it.
    pub fn frame(self) -> u32 {
        self.slot
    }

    /// Which buddy: 0 at the start of the frame, 1 at the end.
    pub fn buddy(self) -> u8 {
        self.buddy
    }

    /// The shard whose zbud made the handle ([`Zbud::for_shard`]): the one that holds the zpage.
    pub fn shard(self) -> usize {
        usize::from(self.shard)
    }
}

/// Why a zbud operation failed. Nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZbudError {
    /// The zpage is empty or larger than [`MAX_ZPAGE_SIZE`].
    BadSize,
    /// The frame source gave no frame (budget reached or no memory without sleeping).
    NoFrame,
    /// A frame record could not be allocated.
    NoMemory,
    /// The handle names no stored zpage.
    BadHandle,
    /// The caller's buffer is smaller than the zpage.
    BufferTooSmall,
}

impl From<OutOfFrame> for ZbudError {
    fn from(_: OutOfFrame) -> Self {
        ZbudError::BadHandle
    }
}

/// The counters of one zbud, as the original's `zbud/` debugfs files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZbudStats {
    /// zpages stored.
    pub zpages: u64,
    /// Bytes of zpages stored.
    pub zbytes: u64,
    /// Frames held (including zombies).
    pub pageframes: u64,
    /// Frames holding two buddies.
    pub buddied_count: u64,
    /// Frames holding one buddy.
    pub unbuddied_count: u64,
    /// Frames being evicted, waiting for their buddies to be freed.
    pub zombie_count: u64,
    /// Frames evicted so far.
    pub evicted_pageframes: u64,
    /// zpages stored so far.
    pub cumul_zpages: u64,
    /// Bytes of zpages stored so far.
    pub cumul_zbytes: u64,
}

/// The owners of an evicted frame's buddies, to flush from tmem. Freeing each of them (through
/// [`Zbud::free`]) gives the frame back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Victim<T> {
    /// Buddy 0 and buddy 1, if stored.
    pub buddies: [Option<(ZbudHandle, T)>; 2],
}

/// A zbud allocator over frames from `S`; `T` names a zpage's owner (e.g. its tmem key).
pub struct Zbud<S: FrameSource, T> {
    kind: ZbudKind,
    /// Written into every handle made here; a handle of another shard is a bad handle.
    shard: u8,
    records: Records<S::Frame, T>,
    stats: ZbudStats,
}

/// Raises a counter; no counter can reach `u64::MAX`, and none may ever become an overflow BUG().
fn inc(counter: &mut u64, by: u64) {
    *counter = counter.saturating_add(by);
}

/// Lowers a counter; the counters are exact, but a slip must never become an overflow BUG().
fn dec(counter: &mut u64, by: u64) {
    *counter = counter.saturating_sub(by);
}

fn chunks_of(size: usize) -> usize {
    size.div_ceil(CHUNK_SIZE)
}

fn buddy_chunks<T>(buddy: &Option<Buddy<T>>) -> usize {
    buddy.as_ref().map_or(0, |b| chunks_of(usize::from(b.size)))
}

/// Where buddy `index` of `size` bytes starts in its frame.
fn offset_of(index: usize, size: usize) -> usize {
    if index == 0 {
        0
    } else {
        PAGE_SIZE.saturating_sub(chunks_of(size).saturating_mul(CHUNK_SIZE))
    }
}

impl<S: FrameSource, T: Clone> Zbud<S, T> {
    /// An empty zbud for `kind`; allocates nothing.
    pub const fn new(kind: ZbudKind) -> Self {
        Self::for_shard(kind, 0)
    }

    /// An empty zbud for `kind` that is shard `shard` of a store: its handles name the shard
    /// ([`ZbudHandle::shard`]), so that whoever holds one finds this zbud again.
    pub const fn for_shard(kind: ZbudKind, shard: u8) -> Self {
        Self {
            kind,
            shard,
            records: Records::new(),
            stats: ZbudStats {
                zpages: 0,
                zbytes: 0,
                pageframes: 0,
                buddied_count: 0,
                unbuddied_count: 0,
                zombie_count: 0,
                evicted_pageframes: 0,
                cumul_zpages: 0,
                cumul_zbytes: 0,
            },
        }
    }

    /// Which kind of pages this zbud holds.
    pub fn kind(&self) -> ZbudKind {
        self.kind
    }

    /// The shard this zbud is.
    pub fn shard(&self) -> usize {
        usize::from(self.shard)
    }

    fn handle(&self, slot: Slot, buddy: u8) -> ZbudHandle {
        ZbudHandle {
            slot,
            buddy,
            shard: self.shard,
        }
    }

    /// The counters.
    pub fn stats(&self) -> ZbudStats {
        self.stats
    }

    /// Whether a zpage of `size` bytes fits in a frame that holds one buddy (so that storing it
    /// takes no new frame).
    pub fn has_room_for(&self, size: usize) -> bool {
        let chunks = chunks_of(size).max(1);
        (chunks..NCHUNKS).any(|free| self.records.head(List::Unbuddied(free)).len > 0)
    }

    /// Stores `data` as a zpage owned by `tag`: in the best-fitting frame that holds one buddy,
    /// else in a new frame from `frames`. On error nothing changed.
    pub fn store(
        &mut self,
        frames: &S,
        data: &[u8],
        tag: T,
        gfp: Gfp,
    ) -> Result<ZbudHandle, ZbudError> {
        let size = u16::try_from(data.len()).map_err(|_| ZbudError::BadSize)?;
        if data.is_empty() || data.len() > MAX_ZPAGE_SIZE {
            return Err(ZbudError::BadSize);
        }
        let chunks = chunks_of(data.len());
        let fit = (chunks..NCHUNKS).find(|&free| self.records.head(List::Unbuddied(free)).len > 0);
        let handle = match fit {
            Some(free) => self.store_as_buddy(frames, free, data, size, tag)?,
            None => self.store_in_new_frame(frames, data, size, tag, gfp)?,
        };
        inc(&mut self.stats.zpages, 1);
        inc(&mut self.stats.zbytes, u64::from(size));
        inc(&mut self.stats.cumul_zpages, 1);
        inc(&mut self.stats.cumul_zbytes, u64::from(size));
        Ok(handle)
    }

    fn store_as_buddy(
        &mut self,
        frames: &S,
        free: usize,
        data: &[u8],
        size: u16,
        tag: T,
    ) -> Result<ZbudHandle, ZbudError> {
        let list = List::Unbuddied(free);
        let slot = self.records.head(list).first;
        let record = self.records.get_mut(slot).ok_or(ZbudError::BadHandle)?;
        let index = record
            .buddies
            .iter()
            .position(Option::is_none)
            .ok_or(ZbudError::BadHandle)?;
        let frame = record.frame.as_mut().ok_or(ZbudError::BadHandle)?;
        frames.write(frame, offset_of(index, data.len()), data)?;
        if let Some(buddy) = record.buddies.get_mut(index) {
            *buddy = Some(Buddy { size, tag });
        }
        record.unbuddied_list = None;
        self.records.unlink(list, slot);
        self.records.unlink(List::Lru, slot);
        self.records.push_back(List::Lru, slot);
        dec(&mut self.stats.unbuddied_count, 1);
        inc(&mut self.stats.buddied_count, 1);
        Ok(self.handle(slot, index as u8))
    }

    fn store_in_new_frame(
        &mut self,
        frames: &S,
        data: &[u8],
        size: u16,
        tag: T,
        gfp: Gfp,
    ) -> Result<ZbudHandle, ZbudError> {
        let mut frame = frames.alloc_frame(gfp).map_err(|_| ZbudError::NoFrame)?;
        let written = frames.write(&mut frame, 0, data);
        let slot = match written
            .map_err(ZbudError::from)
            .and_then(|()| self.records.take_slot(gfp).map_err(|_| ZbudError::NoMemory))
        {
            Ok(slot) => slot,
            Err(e) => {
                frames.free_frame(frame);
                return Err(e);
            }
        };
        let Some(record) = self.records.get_mut(slot) else {
            frames.free_frame(frame);
            return Err(ZbudError::NoMemory);
        };
        record.frame = Some(frame);
        record.buddies = [Some(Buddy { size, tag }), None];
        let free = NCHUNKS.saturating_sub(chunks_of(data.len()));
        if free > 0 {
            record.unbuddied_list = Some(free);
            self.records.push_back(List::Unbuddied(free), slot);
        }
        self.records.push_back(List::Lru, slot);
        inc(&mut self.stats.unbuddied_count, 1);
        inc(&mut self.stats.pageframes, 1);
        Ok(self.handle(slot, 0))
    }

    fn buddy(&self, handle: ZbudHandle) -> Result<&Buddy<T>, ZbudError> {
        if handle.shard != self.shard {
            return Err(ZbudError::BadHandle);
        }
        self.records
            .get(handle.slot)
            .and_then(|r| r.buddies.get(usize::from(handle.buddy)))
            .and_then(Option::as_ref)
            .ok_or(ZbudError::BadHandle)
    }

    /// The size of zpage `handle`.
    pub fn size(&self, handle: ZbudHandle) -> Result<usize, ZbudError> {
        self.buddy(handle).map(|b| usize::from(b.size))
    }

    /// The owner of zpage `handle`.
    pub fn tag(&self, handle: ZbudHandle) -> Result<&T, ZbudError> {
        self.buddy(handle).map(|b| &b.tag)
    }

    /// Copies zpage `handle` into the start of `out` and returns its size.
    pub fn read(&self, frames: &S, handle: ZbudHandle, out: &mut [u8]) -> Result<usize, ZbudError> {
        let size = self.size(handle)?;
        let out = out.get_mut(..size).ok_or(ZbudError::BufferTooSmall)?;
        let frame = self
            .records
            .get(handle.slot)
            .and_then(|r| r.frame.as_ref())
            .ok_or(ZbudError::BadHandle)?;
        frames.read(frame, offset_of(usize::from(handle.buddy), size), out)?;
        Ok(size)
    }

    /// Frees zpage `handle`; the frame goes back to `frames` if it held nothing else.
    pub fn free(&mut self, frames: &S, handle: ZbudHandle) -> Result<(), ZbudError> {
        let size = self.size(handle)?;
        let slot = handle.slot;
        let record = self.records.get_mut(slot).ok_or(ZbudError::BadHandle)?;
        if let Some(buddy) = record.buddies.get_mut(usize::from(handle.buddy)) {
            *buddy = None;
        }
        dec(&mut self.stats.zpages, 1);
        dec(&mut self.stats.zbytes, size as u64);
        let zombie = record.zombie;
        let remaining =
            buddy_chunks(&record.buddies[0]).saturating_add(buddy_chunks(&record.buddies[1]));
        if remaining == 0 {
            let frame = record.frame.take();
            let listed = record.unbuddied_list.take();
            if let Some(free) = listed {
                self.records.unlink(List::Unbuddied(free), slot);
            }
            if zombie {
                dec(&mut self.stats.zombie_count, 1);
            } else {
                self.records.unlink(List::Lru, slot);
                dec(&mut self.stats.unbuddied_count, 1);
            }
            dec(&mut self.stats.pageframes, 1);
            self.records.put_slot(slot);
            if let Some(frame) = frame {
                frames.free_frame(frame);
            }
        } else if !zombie {
            // It held two buddies and now holds one: it can take a buddy again.
            let free = NCHUNKS.saturating_sub(remaining);
            record.unbuddied_list = (free > 0).then_some(free);
            if free > 0 {
                self.records.push_back(List::Unbuddied(free), slot);
            }
            dec(&mut self.stats.buddied_count, 1);
            inc(&mut self.stats.unbuddied_count, 1);
        }
        Ok(())
    }

    /// Takes the least recently used frame of an ephemeral zbud out of service and returns its
    /// buddies' owners, for the caller to flush from tmem and then free here. `None` if there is
    /// no frame, or if this zbud is persistent (persistent pages are never evicted silently).
    pub fn evict_lru(&mut self) -> Option<Victim<T>> {
        if self.kind != ZbudKind::Ephemeral {
            return None;
        }
        let slot = self.records.pop_front(List::Lru)?;
        let record = self.records.get_mut(slot)?;
        record.zombie = true;
        let listed = record.unbuddied_list.take();
        let two = record.buddies.iter().all(Option::is_some);
        let shard = self.shard;
        let victim = Victim {
            buddies: [0u8, 1].map(|buddy| {
                record.buddies[usize::from(buddy)].as_ref().map(|b| {
                    let handle = ZbudHandle { slot, buddy, shard };
                    (handle, b.tag.clone())
                })
            }),
        };
        if let Some(free) = listed {
            self.records.unlink(List::Unbuddied(free), slot);
        }
        if two {
            dec(&mut self.stats.buddied_count, 1);
        } else {
            dec(&mut self.stats.unbuddied_count, 1);
        }
        inc(&mut self.stats.zombie_count, 1);
        inc(&mut self.stats.evicted_pageframes, 1);
        Some(victim)
    }

    /// Moves the least recently used frame to the most recently used end and returns its buddies
    /// with their owners: the remotify worker's pick (a frame that cannot leave now is not picked
    /// again before every other frame has been). `None` if there is no frame.
    pub fn rotate_lru(&mut self) -> Option<[Option<(ZbudHandle, T)>; 2]> {
        let slot = self.records.pop_front(List::Lru)?;
        self.records.push_back(List::Lru, slot);
        let record = self.records.get(slot)?;
        Some([0u8, 1].map(|buddy| {
            record.buddies[usize::from(buddy)]
                .as_ref()
                .map(|b| (self.handle(slot, buddy), b.tag.clone()))
        }))
    }

    /// The handles of the stored zpages, frame by frame from least to most recently used (zombie
    /// frames, which are on no list, are not included). For tests and debugging.
    pub fn lru_frames(&self) -> impl Iterator<Item = [Option<ZbudHandle>; 2]> + '_ {
        self.records.walk(List::Lru).map(move |slot| {
            let record = self.records.get(slot);
            [0u8, 1].map(|i| {
                record
                    .and_then(|r| r.buddies.get(usize::from(i)))
                    .and_then(Option::as_ref)
                    .map(|_| self.handle(slot, i))
            })
        })
    }
}

mod audit;
pub use audit::AuditError;
