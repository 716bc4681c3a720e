// SPDX-License-Identifier: GPL-2.0

//! Page frames for zbud: the abstract "give me a 4096-byte frame, free it, read and write bytes
//! in it", and a heap-backed implementation with a frame budget.
//!
//! zbud is logic over [`FrameSource`]: in the kernel the frames are struct pages (the module's
//! glue implements the trait), on the host and in tests they are [`HeapFrames`]. Calls are made
//! under the zbud lock, so `alloc_frame` must not sleep when given [`Gfp::NoWait`].

use crate::os::{AllocError, Gfp, Vec, PAGE_SIZE};
use core::sync::atomic::{AtomicUsize, Ordering};

/// A read or write that does not fit in the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfFrame;

/// Where zbud gets its page frames.
pub trait FrameSource {
    /// One owned frame of [`PAGE_SIZE`] bytes. Dropping it frees its memory (a store dropped
    /// whole frees its frames so); only [`FrameSource::free_frame`] also counts it out of the
    /// source's budget.
    type Frame;

    /// A new frame (contents unspecified), or an error if none can be had without breaking `gfp`
    /// or the source's budget.
    fn alloc_frame(&self, gfp: Gfp) -> Result<Self::Frame, AllocError>;

    /// Gives `frame` back.
    fn free_frame(&self, frame: Self::Frame);

    /// Copies `data` into `frame` at `offset`.
    fn write(&self, frame: &mut Self::Frame, offset: usize, data: &[u8]) -> Result<(), OutOfFrame>;

    /// Copies `out.len()` bytes of `frame` from `offset` into `out`.
    fn read(&self, frame: &Self::Frame, offset: usize, out: &mut [u8]) -> Result<(), OutOfFrame>;
}

/// Frames allocated from the heap, at most `budget` at a time.
pub struct HeapFrames {
    budget: usize,
    live: AtomicUsize,
}

impl HeapFrames {
    /// A source that hands out at most `budget` frames at a time.
    pub const fn new(budget: usize) -> Self {
        Self {
            budget,
            live: AtomicUsize::new(0),
        }
    }

    /// How many frames are out now.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
}

/// One heap frame: always exactly [`PAGE_SIZE`] bytes.
pub struct HeapFrame(Vec<u8>);

fn range(offset: usize, len: usize) -> Result<core::ops::Range<usize>, OutOfFrame> {
    let end = offset.checked_add(len).ok_or(OutOfFrame)?;
    if end > PAGE_SIZE {
        return Err(OutOfFrame);
    }
    Ok(offset..end)
}

impl FrameSource for HeapFrames {
    type Frame = HeapFrame;

    fn alloc_frame(&self, gfp: Gfp) -> Result<HeapFrame, AllocError> {
        let budget = self.budget;
        self.live
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                n.checked_add(1).filter(|&m| m <= budget)
            })
            .map_err(|_| AllocError)?;
        Vec::from_elem(0u8, PAGE_SIZE, gfp)
            .map(HeapFrame)
            .inspect_err(|_| {
                self.live.fetch_sub(1, Ordering::Relaxed);
            })
    }

    fn free_frame(&self, frame: HeapFrame) {
        drop(frame);
        self.live.fetch_sub(1, Ordering::Relaxed);
    }

    fn write(&self, frame: &mut HeapFrame, offset: usize, data: &[u8]) -> Result<(), OutOfFrame> {
        let dst = frame
            .0
            .get_mut(range(offset, data.len())?)
            .ok_or(OutOfFrame)?;
        dst.copy_from_slice(data);
        Ok(())
    }

    fn read(&self, frame: &HeapFrame, offset: usize, out: &mut [u8]) -> Result<(), OutOfFrame> {
        let src = frame.0.get(range(offset, out.len())?).ok_or(OutOfFrame)?;
        out.copy_from_slice(src);
        Ok(())
    }
}
