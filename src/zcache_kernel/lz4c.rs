// SPDX-License-Identifier: GPL-2.0

//! `compressor=lz4-c`: the kernel's own C LZ4 (`lib/lz4`) behind the store's [`PageCodec`], for
//! comparison with lz4_flex. Its 16 KiB working memory is per CPU, in the shim, so compression
//! must run with preemption off and never in interrupt context: the store compresses only with
//! this CPU's scratch lent (see [`super::scratch`]), and nothing compresses from an interrupt.

use super::ffi;
use crate::os::PAGE_SIZE;
use crate::zcache::compress::{
    CompressTable, CorruptPage, Incompressible, PageCodec, COMPRESS_BOUND,
};
use kernel::error::{to_result, Result};

/// The kernel's C LZ4; exists only while its per-CPU working memory does.
pub(crate) struct Lz4C(());

/// The one codec, lent to the store as `&'static dyn PageCodec`.
pub(crate) static LZ4C: Lz4C = Lz4C(());

/// Allocates the per-CPU working memory; [`exit`] frees it.
pub(crate) fn init() -> Result {
    // SAFETY: called once at module init, before the store can compress.
    to_result(unsafe { ffi::ramster_zc_lz4c_init() })
}

/// Frees the working memory; the store must not compress any more.
pub(crate) fn exit() {
    // SAFETY: the backends are unregistered: nothing compresses now.
    unsafe { ffi::ramster_zc_lz4c_exit() };
}

impl PageCodec for Lz4C {
    fn compress(
        &self,
        page: &[u8; PAGE_SIZE],
        out: &mut [u8; COMPRESS_BOUND],
        _table: &mut CompressTable,
    ) -> Result<usize, Incompressible> {
        // SAFETY: `page` is readable for a page and `out` writable for its length; the caller
        // (the store with this CPU's scratch, or the codec benchmark with interrupts off) runs
        // with preemption off and not from an interrupt, so this CPU's working memory is ours.
        let n = unsafe {
            ffi::ramster_zc_lz4c_compress(page.as_ptr().cast(), out.as_mut_ptr().cast(), out.len())
        };
        // LZ4_compress_default returns 0 when the output does not fit, a negative errno from the
        // shim for bad arguments.
        match usize::try_from(n) {
            Ok(n) if n > 0 && n <= out.len() => Ok(n),
            _ => Err(Incompressible),
        }
    }

    fn decompress(&self, zpage: &[u8], page: &mut [u8; PAGE_SIZE]) -> Result<(), CorruptPage> {
        // SAFETY: `zpage` is readable and `page` writable for their lengths; LZ4_decompress_safe
        // never writes past `page.len()` nor reads past `zpage.len()`.
        let n = unsafe {
            ffi::ramster_zc_lz4c_decompress(
                zpage.as_ptr().cast(),
                zpage.len(),
                page.as_mut_ptr().cast(),
                page.len(),
            )
        };
        // Length-checked: a stored page must decompress to exactly one page.
        if usize::try_from(n) == Ok(PAGE_SIZE) {
            Ok(())
        } else {
            Err(CorruptPage)
        }
    }
}
