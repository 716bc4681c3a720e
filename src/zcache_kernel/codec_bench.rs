// SPDX-License-Identifier: GPL-2.0

//! debugfs `zcache/codec_bench`: per-page compress and decompress time of lz4_flex against the
//! kernel's C LZ4, measured in the kernel (a benchmark, not a test; `make bench` reads it).
//!
//! Writing a page count `N` (1..=100000) compresses `N` pages and decompresses `N` pages of each
//! kind of the benchmarks' test pages ([`crate::zcache::bench_pages`]) with both codecs,
//! through the same [`PageCodec`] calls the store makes, in chunks of [`CHUNK`] pages with local
//! interrupts off (the C LZ4 working memory is per CPU). Every compressed size and every
//! decompressed page is checked against a reference outside the timed sections; a mismatch
//! fails the write with `EIO`. Between chunks the task yields the CPU. Reading shows the last run: one line per kind and codec with the
//! mean ns per page and the compressed size, then lz4_flex's speed relative to C LZ4 (C time /
//! lz4_flex time, in hundredths).

use super::ffi;
use super::lz4c;
use crate::buf_writer::BufWriter;
use crate::cluster::config_text::parse_decimal;
use crate::net::now_ns;
use crate::os::IrqsOff;
use crate::os::PAGE_SIZE;
use crate::run_guard::RunGuard;
use crate::zcache::bench_pages::{fill_page, PageKind};
use crate::zcache::compress::{CompressTable, Lz4Flex, PageCodec, COMPRESS_BOUND};
use core::ffi::c_int;
use core::fmt::Write;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::alloc::{flags, KBox, KVec};
use kernel::prelude::*;

/// Pages per interrupts-off section.
const CHUNK: usize = 16;
/// Distinct test pages per kind.
const PER_KIND: usize = 4;
const CODECS: [&str; 2] = ["lz4_flex", "lz4-c"];
const MAX_PAGES: u64 = 100_000;

/// Whether the store owns the C LZ4 working memory (`compressor=lz4-c`); if not, a run
/// allocates it and frees it afterwards.
static STORE_HAS_LZ4C: AtomicBool = AtomicBool::new(false);
/// One run at a time.
static RUNNING: AtomicBool = AtomicBool::new(false);
/// Pages per kind of the last run.
static LAST_PAGES: AtomicU64 = AtomicU64::new(0);
/// Per kind and codec: total compress ns, total decompress ns, compressed bytes of the kind's
/// test pages.
static RESULTS: [[[AtomicU64; 3]; 2]; 3] =
    [const { [const { [const { AtomicU64::new(0) }; 3] }; 2] }; 3];

/// An empty hash table, copied into the heap (8 KiB: never built on the stack).
static TABLE_INIT: CompressTable = CompressTable::small();

/// Records whether the store compresses with C LZ4 (and so owns its working memory).
pub(crate) fn set_store_has_lz4c(has: bool) {
    STORE_HAS_LZ4C.store(has, Ordering::Relaxed);
}

fn page_at(buf: &[u8], i: usize) -> Result<&[u8; PAGE_SIZE]> {
    let start = i.checked_mul(PAGE_SIZE).ok_or(EINVAL)?;
    let part = buf.get(start..start + PAGE_SIZE).ok_or(EINVAL)?;
    part.try_into().map_err(|_| EINVAL)
}

fn page_at_mut(buf: &mut [u8], i: usize) -> Result<&mut [u8; PAGE_SIZE]> {
    let start = i.checked_mul(PAGE_SIZE).ok_or(EINVAL)?;
    let part = buf.get_mut(start..start + PAGE_SIZE).ok_or(EINVAL)?;
    part.try_into().map_err(|_| EINVAL)
}

fn out_at_mut(buf: &mut [u8], i: usize) -> Result<&mut [u8; COMPRESS_BOUND]> {
    let start = i.checked_mul(COMPRESS_BOUND).ok_or(EINVAL)?;
    let part = buf.get_mut(start..start + COMPRESS_BOUND).ok_or(EINVAL)?;
    part.try_into().map_err(|_| EINVAL)
}

/// The working memory of a run, all on the heap.
struct Buffers {
    table: KBox<CompressTable>,
    /// The test pages of one kind.
    pages: KVec<u8>,
    /// Their compressed images, each at `i * COMPRESS_BOUND`, and sizes.
    zpages: KVec<u8>,
    zlens: [usize; PER_KIND],
    /// A chunk of compression outputs and of decompressed pages.
    outs: KVec<u8>,
    back: KVec<u8>,
}

impl Buffers {
    fn new() -> Result<Self> {
        let mut table = KBox::<CompressTable>::new_uninit(flags::GFP_KERNEL)?;
        // SAFETY: `table` is a fresh block sized and aligned for a `CompressTable`;
        // `TABLE_INIT` is a valid table without `Drop`, so a bitwise copy is a valid value.
        let table = unsafe {
            ptr::copy_nonoverlapping(ptr::from_ref(&TABLE_INIT), table.as_mut_ptr(), 1);
            table.assume_init()
        };
        Ok(Self {
            table,
            pages: KVec::from_elem(0u8, PER_KIND * PAGE_SIZE, flags::GFP_KERNEL)?,
            zpages: KVec::from_elem(0u8, PER_KIND * COMPRESS_BOUND, flags::GFP_KERNEL)?,
            zlens: [0; PER_KIND],
            outs: KVec::from_elem(0u8, CHUNK * COMPRESS_BOUND, flags::GFP_KERNEL)?,
            back: KVec::from_elem(0u8, CHUNK * PAGE_SIZE, flags::GFP_KERNEL)?,
        })
    }

    /// Makes the test pages of `kind` and their reference images with `codec`, checking that
    /// each decompresses to itself.
    fn prepare(&mut self, kind: PageKind, codec: &dyn PageCodec) -> Result {
        for i in 0..PER_KIND {
            let seed = (kind as usize * PER_KIND + i) as u64;
            fill_page(kind, seed, page_at_mut(&mut self.pages, i)?);
            let page = page_at(&self.pages, i)?;
            let out = out_at_mut(&mut self.zpages, i)?;
            let len = {
                let _irqs = IrqsOff::new();
                codec.compress(page, out, &mut self.table)
            }
            .map_err(|_| EIO)?;
            self.zlens[i] = len;
            let back = page_at_mut(&mut self.back, 0)?;
            let zpage = out.get(..len).ok_or(EIO)?;
            {
                let _irqs = IrqsOff::new();
                codec.decompress(zpage, back)
            }
            .map_err(|_| EIO)?;
            if back[..] != page[..] {
                return Err(EIO);
            }
        }
        Ok(())
    }

    /// Compresses `n` pages (cycling over the test pages); returns the ns spent compressing.
    fn time_compress(&mut self, codec: &dyn PageCodec, n: usize) -> Result<u64> {
        let mut ns = 0u64;
        let mut done = 0;
        let mut lens = [0usize; CHUNK];
        while done < n {
            let count = CHUNK.min(n - done);
            {
                let irqs = IrqsOff::new();
                let start = now_ns();
                for (j, len) in lens.iter_mut().enumerate().take(count) {
                    let page = page_at(&self.pages, (done + j) % PER_KIND)?;
                    let out = out_at_mut(&mut self.outs, j)?;
                    *len = codec.compress(page, out, &mut self.table).unwrap_or(0);
                }
                ns = ns.saturating_add(now_ns().saturating_sub(start));
                drop(irqs);
            }
            for (j, len) in lens.iter().enumerate().take(count) {
                let i = (done + j) % PER_KIND;
                let out = out_at_mut(&mut self.outs, j)?;
                let zpage = self.zpages.get(i * COMPRESS_BOUND..).ok_or(EIO)?;
                if *len != self.zlens[i] || out.get(..*len) != zpage.get(..*len) {
                    return Err(EIO);
                }
            }
            done += count;
            crate::os::cond_resched();
        }
        Ok(ns)
    }

    /// Decompresses `n` pages (cycling over the images); returns the ns spent decompressing.
    fn time_decompress(&mut self, codec: &dyn PageCodec, n: usize) -> Result<u64> {
        let mut ns = 0u64;
        let mut done = 0;
        let mut ok = [false; CHUNK];
        while done < n {
            let count = CHUNK.min(n - done);
            {
                let irqs = IrqsOff::new();
                let start = now_ns();
                for (j, ok) in ok.iter_mut().enumerate().take(count) {
                    let i = (done + j) % PER_KIND;
                    let zpage = self
                        .zpages
                        .get(i * COMPRESS_BOUND..i * COMPRESS_BOUND + self.zlens[i])
                        .ok_or(EIO)?;
                    *ok = codec
                        .decompress(zpage, page_at_mut(&mut self.back, j)?)
                        .is_ok();
                }
                ns = ns.saturating_add(now_ns().saturating_sub(start));
                drop(irqs);
            }
            for (j, ok) in ok.iter().enumerate().take(count) {
                let i = (done + j) % PER_KIND;
                if !ok || page_at(&self.back, j)? != page_at(&self.pages, i)? {
                    return Err(EIO);
                }
            }
            done += count;
            crate::os::cond_resched();
        }
        Ok(ns)
    }
}

/// Frees the C LZ4 working memory a run allocated.
struct Lz4cForRun(bool);

impl Drop for Lz4cForRun {
    fn drop(&mut self) {
        if self.0 {
            lz4c::exit();
        }
    }
}

fn run(n: usize) -> Result {
    let mut bufs = Buffers::new()?;
    let owned = !STORE_HAS_LZ4C.load(Ordering::Relaxed);
    if owned {
        lz4c::init()?;
    }
    let _lz4c = Lz4cForRun(owned);
    let codecs: [&dyn PageCodec; 2] = [&Lz4Flex, &lz4c::LZ4C];
    LAST_PAGES.store(0, Ordering::Relaxed);
    for (kind, results) in PageKind::ALL.into_iter().zip(RESULTS.iter()) {
        for (codec, result) in codecs.iter().zip(results.iter()) {
            bufs.prepare(kind, *codec)?;
            let zbytes: usize = bufs.zlens.iter().sum();
            let compress = bufs.time_compress(*codec, n)?;
            let decompress = bufs.time_decompress(*codec, n)?;
            result[0].store(compress, Ordering::Relaxed);
            result[1].store(decompress, Ordering::Relaxed);
            result[2].store(zbytes as u64, Ordering::Relaxed);
        }
    }
    LAST_PAGES.store(n as u64, Ordering::Relaxed);
    Ok(())
}

fn store(text: &[u8]) -> Result {
    let n = parse_decimal(text)
        .ok()
        .filter(|n| (1..=MAX_PAGES).contains(n))
        .ok_or(EINVAL)?;
    let _run = RunGuard::take(&RUNNING)?;
    let result = run(n as usize);
    if let Err(e) = result {
        pr_err!("zcache: codec_bench failed ({:?})\n", e);
    }
    result
}

/// Hundredths of `num / den`, 0 when `den` is 0.
fn hundredths(num: u64, den: u64) -> u64 {
    num.saturating_mul(100).checked_div(den).unwrap_or(0)
}

fn show(out: &mut dyn Write) -> core::fmt::Result {
    let n = LAST_PAGES.load(Ordering::Relaxed);
    writeln!(out, "pages_per_kind {n}")?;
    if n == 0 {
        return Ok(());
    }
    let mut totals = [[0u64; 2]; 2];
    for (kind, results) in PageKind::ALL.into_iter().zip(RESULTS.iter()) {
        for (codec, result) in results.iter().enumerate() {
            let [c, d, z] = [0, 1, 2].map(|i| result[i].load(Ordering::Relaxed));
            if let Some(total) = totals.get_mut(codec) {
                total[0] = total[0].saturating_add(c);
                total[1] = total[1].saturating_add(d);
            }
            writeln!(
                out,
                "{} {} compress_ns {} decompress_ns {} zbytes_per_page {}",
                kind.name(),
                CODECS.get(codec).copied().unwrap_or("?"),
                c.checked_div(n).unwrap_or(0),
                d.checked_div(n).unwrap_or(0),
                z.checked_div(PER_KIND as u64).unwrap_or(0)
            )?;
        }
    }
    let pages = n.saturating_mul(PageKind::ALL.len() as u64);
    for (codec, total) in totals.iter().enumerate() {
        writeln!(
            out,
            "all {} compress_ns {} decompress_ns {}",
            CODECS.get(codec).copied().unwrap_or("?"),
            total[0].checked_div(pages).unwrap_or(0),
            total[1].checked_div(pages).unwrap_or(0)
        )?;
    }
    // lz4_flex's speed relative to C LZ4: C's time over lz4_flex's.
    writeln!(
        out,
        "speed_ratio_x100 compress {} decompress {}",
        hundredths(totals[1][0], totals[0][0]),
        hundredths(totals[1][1], totals[0][1])
    )
}

/// A read of `zcache/codec_bench` (`_id` is the shim's text-file id, always 0): writes at most
/// `size` bytes to `buf`, returns how many.
///
/// # Safety
///
/// `buf` must be valid for writes of `size` bytes.
#[no_mangle]
unsafe extern "C" fn ramster_zc_codec_bench_show(_id: c_int, buf: *mut u8, size: usize) -> isize {
    // SAFETY: the shim passes a buffer of `size` bytes, ours for this call (this function's
    // contract).
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, size) };
    let mut w = BufWriter::new(buf);
    match show(&mut w) {
        Ok(()) => w.written(),
        Err(_) => E2BIG.to_errno() as isize,
    }
}

/// A write of `len` bytes to `zcache/codec_bench` (`_id` as above); 0 or a negative errno.
///
/// # Safety
///
/// `buf` must be valid for reads of `len` bytes.
#[no_mangle]
unsafe extern "C" fn ramster_zc_codec_bench_store(_id: c_int, buf: *const u8, len: usize) -> isize {
    // SAFETY: the shim passes `len` bytes copied from user space, valid for this call (this
    // function's contract).
    let text = unsafe { core::slice::from_raw_parts(buf, len) };
    match store(text) {
        Ok(()) => 0,
        Err(e) => e.to_errno() as isize,
    }
}

/// Creates `zcache/codec_bench` (the folder exists; the shim removes the file with it).
pub(crate) fn create() -> Result {
    // SAFETY: `zcache/` was created by `ramster_zc_debugfs_create`; the file's callbacks above
    // need no shared state but the statics.
    kernel::error::to_result(unsafe { ffi::ramster_zc_debugfs_codec_bench() })
}
