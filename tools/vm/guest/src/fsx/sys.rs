//! The system calls `fsx` needs beyond `std`, made directly (the guest programs use no libc
//! bindings): fallocate, fadvise, mmap/msync/munmap, sync, mount/umount; and an aligned buffer
//! for O_DIRECT.

use std::alloc::{self, Layout};
use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

pub const O_DIRECT: i32 = 0o40000;
/// The alignment of O_DIRECT offsets, lengths and buffers (the file systems' block size).
pub const DIRECT_ALIGN: usize = 4096;
pub const PAGE: usize = 4096;

const SYS_MMAP: u64 = 9;
const SYS_MUNMAP: u64 = 11;
const SYS_MSYNC: u64 = 26;
const SYS_SYNC: u64 = 162;
const SYS_MOUNT: u64 = 165;
const SYS_UMOUNT2: u64 = 166;
const SYS_FADVISE64: u64 = 221;
const SYS_FALLOCATE: u64 = 285;
const FALLOC_FL_KEEP_SIZE: u64 = 1;
const FALLOC_FL_PUNCH_HOLE: u64 = 2;
const POSIX_FADV_DONTNEED: u64 = 4;
const PROT_READ_WRITE: u64 = 3;
const MAP_SHARED: u64 = 1;
const MS_ASYNC: u64 = 1;
const MS_SYNC: u64 = 4;

/// A raw system call with up to six arguments; the kernel's result (negative errno on failure)
/// as an `io::Result`.
///
/// # Safety
///
/// The call and its arguments must not make the kernel write to or unmap memory the caller does
/// not own, nor read memory that is not valid for the call.
unsafe fn syscall6(nr: u64, args: [u64; 6]) -> io::Result<u64> {
    let ret = crate::anon::syscall6(nr, args);
    if ret < 0 {
        Err(io::Error::from_raw_os_error(-ret as i32))
    } else {
        Ok(ret as u64)
    }
}

fn fd(file: &File) -> u64 {
    file.as_raw_fd() as u64
}

/// fallocate(PUNCH_HOLE | KEEP_SIZE) over `[offset, offset + len)`.
pub fn punch_hole(file: &File, offset: u64, len: u64) -> io::Result<()> {
    let mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
    // SAFETY: fallocate on a descriptor `file` keeps open reads and writes no user memory.
    unsafe { syscall6(SYS_FALLOCATE, [fd(file), mode, offset, len, 0, 0]) }.map(drop)
}

/// posix_fadvise(DONTNEED) over the whole file: its clean page cache pages are evicted.
pub fn fadvise_dontneed(file: &File) -> io::Result<()> {
    // SAFETY: fadvise64 on a descriptor `file` keeps open reads and writes no user memory.
    unsafe { syscall6(SYS_FADVISE64, [fd(file), 0, 0, POSIX_FADV_DONTNEED, 0, 0]) }.map(drop)
}

/// sync(2).
pub fn sync() {
    // SAFETY: sync takes no arguments and touches no user memory.
    let _ = unsafe { syscall6(SYS_SYNC, [0; 6]) };
}

fn c_string(s: &str) -> io::Result<CString> {
    CString::new(s).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// mount(2) of `device` on `dir` as `fstype`, no flags or options.
pub fn mount(device: &str, dir: &str, fstype: &str) -> io::Result<()> {
    let (device, dir, fstype) = (c_string(device)?, c_string(dir)?, c_string(fstype)?);
    let args = [
        device.as_ptr() as u64,
        dir.as_ptr() as u64,
        fstype.as_ptr() as u64,
        0,
        0,
        0,
    ];
    // SAFETY: the three strings are NUL-terminated and live across the call; no data argument.
    unsafe { syscall6(SYS_MOUNT, args) }.map(drop)
}

/// umount2(2) of `dir`, no flags.
pub fn umount(dir: &str) -> io::Result<()> {
    let dir = c_string(dir)?;
    // SAFETY: `dir` is NUL-terminated and lives across the call.
    unsafe { syscall6(SYS_UMOUNT2, [dir.as_ptr() as u64, 0, 0, 0, 0, 0]) }.map(drop)
}

/// How an mmap write ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msync {
    /// msync(MS_SYNC): written back before munmap returns.
    Sync,
    /// msync(MS_ASYNC).
    Async,
    /// No msync: the pages stay dirty in the page cache.
    None,
}

/// A shared read-write mapping of part of a file, unmapped on drop.
pub struct Mapping {
    addr: u64,
    len: usize,
    /// Bytes from the start of the mapping (page aligned in the file) to the range asked for.
    skip: usize,
    want: usize,
}

impl Mapping {
    /// Maps the pages holding `[offset, offset + len)` of `file` (`len` > 0; the range must lie
    /// within the file, or touching it faults).
    pub fn new(file: &File, offset: u64, len: usize) -> io::Result<Mapping> {
        let start = offset & !(PAGE as u64 - 1);
        let skip = (offset - start) as usize;
        let map_len = (skip + len).div_ceil(PAGE) * PAGE;
        let args = [
            0,
            map_len as u64,
            PROT_READ_WRITE,
            MAP_SHARED,
            fd(file),
            start,
        ];
        // SAFETY: asks for a new mapping at an address the kernel picks; nothing is overwritten.
        let addr = unsafe { syscall6(SYS_MMAP, args) }?;
        Ok(Mapping {
            addr,
            len: map_len,
            skip,
            want: len,
        })
    }

    /// The bytes asked for in `new`.
    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is `len` bytes long, readable and writable, and lives as long as
        // `self`; [skip, skip + want) lies within it and within the file.
        unsafe { std::slice::from_raw_parts_mut((self.addr as *mut u8).add(self.skip), self.want) }
    }

    /// msync of the whole mapping, as `how` says.
    pub fn msync(&self, how: Msync) -> io::Result<()> {
        let flags = match how {
            Msync::Sync => MS_SYNC,
            Msync::Async => MS_ASYNC,
            Msync::None => return Ok(()),
        };
        // SAFETY: msync of a mapping `self` owns; it writes no user memory.
        unsafe { syscall6(SYS_MSYNC, [self.addr, self.len as u64, flags, 0, 0, 0]) }.map(drop)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping `new` made; no reference into it outlives `self`.
        let _ = unsafe { syscall6(SYS_MUNMAP, [self.addr, self.len as u64, 0, 0, 0, 0]) };
    }
}

/// A zeroed heap buffer aligned for O_DIRECT.
pub struct Aligned {
    ptr: *mut u8,
    layout: Layout,
}

impl Aligned {
    pub fn new(len: usize) -> Aligned {
        let layout =
            Layout::from_size_align(len.max(DIRECT_ALIGN), DIRECT_ALIGN).expect("valid layout");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            alloc::handle_alloc_error(layout);
        }
        Aligned { ptr, layout }
    }

    /// The first `len` bytes.
    pub fn get(&mut self, len: usize) -> &mut [u8] {
        assert!(len <= self.layout.size());
        // SAFETY: `ptr` is valid for `layout.size()` bytes and owned by `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, len) }
    }
}

impl Drop for Aligned {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { alloc::dealloc(self.ptr, self.layout) };
    }
}
