// SPDX-License-Identifier: GPL-2.0

//! The C LZ4 library that lz4-sys builds, as the host benchmarks call it: `CLz4` compresses with
//! `LZ4_compress_fast_extState` (acceleration 1, a reused state, as the kernel's
//! `LZ4_compress_fast` with its working memory) and decompresses with `LZ4_decompress_safe`.
//! Included by `lz4_bench.rs` and `corpus_ratio.rs` (`#[path]`), each a bench binary of its own.

use ramster::os::PAGE_SIZE;
use ramster::zcache::compress::COMPRESS_BOUND;
use std::ffi::{c_char, c_int, c_void};

// Linked from the C library that lz4-sys builds (lz4.h's public API; lz4-sys does not declare
// the extState function itself).
use lz4_sys as _;
extern "C" {
    fn LZ4_sizeofState() -> c_int;
    fn LZ4_compress_fast_extState(
        state: *mut c_void,
        src: *const c_char,
        dst: *mut c_char,
        src_size: c_int,
        dst_capacity: c_int,
        acceleration: c_int,
    ) -> c_int;
    fn LZ4_decompress_safe(
        src: *const c_char,
        dst: *mut c_char,
        compressed_size: c_int,
        dst_capacity: c_int,
    ) -> c_int;
    fn LZ4_versionString() -> *const c_char;
}

/// The library's version, e.g. "1.10.0".
pub fn version() -> String {
    // SAFETY: returns a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(LZ4_versionString()) }
        .to_string_lossy()
        .into_owned()
}

/// C LZ4 with its own state, reused across calls.
pub struct CLz4 {
    state: Vec<u64>,
}

impl CLz4 {
    pub fn new() -> CLz4 {
        // SAFETY: a pure function of the library's configuration.
        let bytes = usize::try_from(unsafe { LZ4_sizeofState() }).expect("state size");
        CLz4 {
            state: vec![0u64; bytes.div_ceil(8)],
        }
    }

    pub fn compress(&mut self, page: &[u8; PAGE_SIZE], out: &mut [u8; COMPRESS_BOUND]) -> usize {
        // SAFETY: `state` is LZ4_sizeofState() bytes, 8-byte aligned; `page` and `out` are valid
        // for the lengths given; the library writes at most `out.len()` bytes.
        let n = unsafe {
            LZ4_compress_fast_extState(
                self.state.as_mut_ptr().cast(),
                page.as_ptr().cast(),
                out.as_mut_ptr().cast(),
                PAGE_SIZE as c_int,
                COMPRESS_BOUND as c_int,
                1,
            )
        };
        usize::try_from(n)
            .ok()
            .filter(|&n| n > 0)
            .expect("C LZ4 compress failed")
    }

    pub fn decompress(zpage: &[u8], page: &mut [u8; PAGE_SIZE]) -> usize {
        // SAFETY: `zpage` and `page` are valid for the lengths given; the library reads at most
        // `zpage.len()` bytes and writes at most `PAGE_SIZE`.
        let n = unsafe {
            LZ4_decompress_safe(
                zpage.as_ptr().cast(),
                page.as_mut_ptr().cast(),
                zpage.len() as c_int,
                PAGE_SIZE as c_int,
            )
        };
        usize::try_from(n).unwrap_or(0)
    }
}
