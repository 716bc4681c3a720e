// SPDX-License-Identifier: GPL-2.0

//! zbud's [`FrameSource`] over real page frames: `alloc_page(GFP_NOWAIT | __GFP_NOWARN)`, at most
//! `max_pool_percent` of RAM at a time, read and written through `kmap_local_page` (in the shim).
//!
//! A [`PageFrame`] owns its page and frees it when dropped, like the host's heap frames: a store
//! dropped whole (a peer's foreign pages when it goes down or comes back, every store at unload)
//! gives its pages back with it. [`FrameSource::free_frame`] drops the frame and counts it out
//! of the budget; a frame dropped without it is freed all the same (only ever with its whole
//! store, whose count goes too).

use super::ffi;
use crate::os::{AllocError, Gfp, PAGE_SIZE};
use crate::zcache::frames::{FrameSource, OutOfFrame};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

/// One page frame owned by the store; dropping it frees the page.
pub(crate) struct PageFrame(NonNull<ffi::RawPage>);

// SAFETY: a `PageFrame` owns its page (nobody else has the pointer); a page may be used and
// freed from any CPU.
unsafe impl Send for PageFrame {}

impl Drop for PageFrame {
    fn drop(&mut self) {
        // SAFETY: the frame owns a page from `ramster_zc_frame_alloc` that nothing else points
        // to, and this is its one free: a `PageFrame` is dropped once and not used afterwards.
        // `__free_page` does not sleep, so this may run with interrupts off.
        unsafe { ffi::ramster_zc_frame_free(self.0.as_ptr()) };
    }
}

/// Page frames from the page allocator, with a budget.
pub(crate) struct PageFrames {
    budget: usize,
    live: AtomicUsize,
}

impl PageFrames {
    /// A source that holds at most `budget` frames at a time.
    pub(crate) fn new(budget: usize) -> Self {
        Self {
            budget,
            live: AtomicUsize::new(0),
        }
    }

    /// How many frames are out now.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// The budget in frames.
    pub(crate) fn budget(&self) -> usize {
        self.budget
    }
}

/// `offset..offset + len` lies in a page.
fn check(offset: usize, len: usize) -> Result<(), OutOfFrame> {
    match offset.checked_add(len) {
        Some(end) if end <= PAGE_SIZE => Ok(()),
        _ => Err(OutOfFrame),
    }
}

impl FrameSource for PageFrames {
    type Frame = PageFrame;

    fn alloc_frame(&self, _gfp: Gfp) -> Result<PageFrame, AllocError> {
        // Frames are only allocated on the store path: always without sleeping, whatever `gfp`.
        let budget = self.budget;
        self.live
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                n.checked_add(1).filter(|&m| m <= budget)
            })
            .map_err(|_| AllocError)?;
        // SAFETY: allocates a page without sleeping; no preconditions.
        let page = unsafe { ffi::ramster_zc_frame_alloc() };
        match NonNull::new(page) {
            Some(page) => Ok(PageFrame(page)),
            None => {
                self.live.fetch_sub(1, Ordering::Relaxed);
                Err(AllocError)
            }
        }
    }

    fn free_frame(&self, frame: PageFrame) {
        // Its drop frees the page.
        drop(frame);
        self.live.fetch_sub(1, Ordering::Relaxed);
    }

    fn write(&self, frame: &mut PageFrame, offset: usize, data: &[u8]) -> Result<(), OutOfFrame> {
        check(offset, data.len())?;
        // SAFETY: the page is owned by `frame` (borrowed mutably), `offset + len` is within the
        // page, and `data` is valid for reads of its length and cannot overlap the frame.
        unsafe {
            ffi::ramster_zc_frame_write(frame.0.as_ptr(), offset, data.as_ptr().cast(), data.len())
        };
        Ok(())
    }

    fn read(&self, frame: &PageFrame, offset: usize, out: &mut [u8]) -> Result<(), OutOfFrame> {
        check(offset, out.len())?;
        // SAFETY: the page is owned by `frame`, `offset + len` is within it, and `out` is valid
        // for writes of its length and cannot overlap the frame.
        unsafe {
            ffi::ramster_zc_frame_read(frame.0.as_ptr(), offset, out.as_mut_ptr().cast(), out.len())
        };
        Ok(())
    }
}
