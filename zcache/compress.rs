// SPDX-License-Identifier: GPL-2.0

//! Page compression with lz4_flex's block format, length-checked both ways.
//!
//! Only the `core` APIs of lz4_flex are used (`compress_into_with_table`, `decompress_into`,
//! `CompressTable`), so the same code builds into the kernel module. The 8 KiB hash table is the
//! caller's: keep it on the heap or in a static, one per CPU or per lock, never on the stack.
//!
//! Decompression must produce exactly one page: a corrupt or truncated stored page is an error,
//! never a panic or a short page.

use crate::os::PAGE_SIZE;
pub use lz4_flex::block::CompressTable;
use lz4_flex::block::{compress_into_with_table, decompress_into, get_maximum_output_size};

/// The size of the output buffer compression needs: lz4's worst case for a page (a little more
/// than a page; lz4_flex refuses smaller buffers). Keep such buffers off the stack too.
pub const COMPRESS_BOUND: usize = get_maximum_output_size(PAGE_SIZE);

/// Compression failed (lz4_flex found the output buffer too small; not expected with
/// [`COMPRESS_BOUND`] bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Incompressible;

/// A stored page did not decompress to exactly one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorruptPage;

/// Compresses `page` into `out` and returns the compressed size, which may exceed a page for
/// incompressible data: the caller's policy ([`super::policy`]) decides what is worth storing.
pub fn compress_page(
    page: &[u8; PAGE_SIZE],
    out: &mut [u8; COMPRESS_BOUND],
    table: &mut CompressTable,
) -> Result<usize, Incompressible> {
    compress_into_with_table(page, out, table).map_err(|_| Incompressible)
}

/// A page compressor: the store compresses with lz4_flex ([`Lz4Flex`]) unless given another one
/// (the module's `compressor=lz4-c` uses the kernel's C LZ4 through this trait).
pub trait PageCodec: Sync {
    /// Compresses `page` into `out` and returns the compressed size. `table` is the caller's
    /// lz4_flex hash table, which a codec may ignore.
    fn compress(
        &self,
        page: &[u8; PAGE_SIZE],
        out: &mut [u8; COMPRESS_BOUND],
        table: &mut CompressTable,
    ) -> Result<usize, Incompressible>;

    /// Decompresses `zpage` into `page`; it must fill the page exactly, or fail.
    fn decompress(&self, zpage: &[u8], page: &mut [u8; PAGE_SIZE]) -> Result<(), CorruptPage>;
}

/// lz4_flex's block format: [`compress_page`] and [`decompress_page`].
pub struct Lz4Flex;

impl PageCodec for Lz4Flex {
    fn compress(
        &self,
        page: &[u8; PAGE_SIZE],
        out: &mut [u8; COMPRESS_BOUND],
        table: &mut CompressTable,
    ) -> Result<usize, Incompressible> {
        compress_page(page, out, table)
    }

    fn decompress(&self, zpage: &[u8], page: &mut [u8; PAGE_SIZE]) -> Result<(), CorruptPage> {
        decompress_page(zpage, page)
    }
}

/// Decompresses `zpage` into `page`; it must fill the page exactly.
pub fn decompress_page(zpage: &[u8], page: &mut [u8; PAGE_SIZE]) -> Result<(), CorruptPage> {
    match decompress_into(zpage, page) {
        Ok(PAGE_SIZE) => Ok(()),
        _ => Err(CorruptPage),
    }
}
