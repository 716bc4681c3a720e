// SPDX-License-Identifier: GPL-2.0

//! Per-CPU compression working memory: one [`Scratch`] (the 8 KiB lz4_flex hash table and the
//! 4.1 KiB output buffer) per possible CPU, each in its own kvmalloc'd block, never on a stack.
//!
//! A CPU's scratch is lent only against a [`PreemptOff`]: with preemption off the task cannot
//! migrate and no other task runs on that CPU, and no interrupt handler compresses, so the
//! `&mut Scratch` is exclusive (a `busy` flag refuses a reentrant call all the same). Interrupts
//! stay on: compression and decompression do not delay them (as zswap's and zram's per-CPU
//! streams). Each CPU's scratch names the CPU as its home ([`Scratch::set_home`]): a put
//! stores into that CPU's shard of the store (`zcache/shards.rs`).

use super::ffi;
use crate::os::PreemptOff;
use crate::zcache::store::Scratch;
use core::cell::UnsafeCell;
use core::ptr::{self, addr_of_mut};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::alloc::{flags, KVBox, KVec};
use kernel::prelude::*;

/// A fresh scratch, copied into each CPU's block (a static, so the 12.5 KiB value is never
/// built on the stack).
static SCRATCH_INIT: Scratch = Scratch::new();

/// One CPU's scratch, and whether it is lent out (a guard against reentry on the same CPU).
#[repr(C)]
struct CpuScratch {
    scratch: UnsafeCell<Scratch>,
    busy: AtomicBool,
}

/// The scratch of every possible CPU.
pub(crate) struct PerCpuScratch {
    slots: KVec<KVBox<CpuScratch>>,
}

// SAFETY: each slot is only used by its own CPU with preemption off (see `with`), so no two
// threads ever reach the same `Scratch` at once.
unsafe impl Sync for PerCpuScratch {}
// SAFETY: the blocks are plain heap memory with no thread affinity.
unsafe impl Send for PerCpuScratch {}

impl PerCpuScratch {
    /// Allocates a scratch for every possible CPU. May sleep.
    pub(crate) fn new() -> Result<Self> {
        let cpus = ffi::nr_cpus();
        let mut slots = KVec::with_capacity(cpus, flags::GFP_KERNEL)?;
        for _ in 0..cpus {
            let mut slot = KVBox::<CpuScratch>::new_uninit(flags::GFP_KERNEL)?;
            let p = slot.as_mut_ptr();
            // SAFETY: `p` is a fresh, exclusively owned block sized and aligned for a
            // `CpuScratch`; both fields are initialised in place before `assume_init`
            // (`UnsafeCell<Scratch>` has the layout of `Scratch`). `SCRATCH_INIT` is a valid
            // `Scratch` without `Drop`, so a bitwise copy is a valid independent value.
            let mut slot = unsafe {
                ptr::copy_nonoverlapping(
                    &SCRATCH_INIT as *const Scratch,
                    addr_of_mut!((*p).scratch).cast::<Scratch>(),
                    1,
                );
                addr_of_mut!((*p).busy).write(AtomicBool::new(false));
                slot.assume_init()
            };
            // This CPU's puts go to its own shard of the store.
            slot.scratch.get_mut().set_home(slots.len());
            slots.push(slot, flags::GFP_KERNEL)?;
        }
        Ok(Self { slots })
    }

    /// Runs `f` with this CPU's scratch. `None` if the CPU has none (not expected: every
    /// possible CPU has one) or if it is lent out already (a reentrant call on this CPU).
    pub(crate) fn with<R>(
        &self,
        preempt: &PreemptOff,
        f: impl FnOnce(&mut Scratch) -> R,
    ) -> Option<R> {
        let slot = self.slots.get(preempt.cpu())?;
        if slot.busy.swap(true, Ordering::Acquire) {
            return None;
        }
        // SAFETY: only this CPU uses this slot, and only with preemption off (`preempt` lives
        // through this call, so the task stays here and no other task runs here); `busy` was
        // false and is now true until `f` returns, so no other `&mut` to this scratch exists.
        let result = f(unsafe { &mut *slot.scratch.get() });
        slot.busy.store(false, Ordering::Release);
        Some(result)
    }
}
