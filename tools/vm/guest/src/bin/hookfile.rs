//! File operations for the cleancache scenarios. Byte `i` of a file written with SEED is byte `i`
//! of the stream SEED (see `pattern.rs`), whatever the offset it was written at.
//!
//! ```text
//! hookfile write PATH SEED OFFSET LEN [direct]   write the stream over [OFFSET, OFFSET+LEN),
//!                                                buffered, or with O_DIRECT (4 KiB aligned)
//! hookfile check PATH SEED|zero OFFSET LEN       read [OFFSET, OFFSET+LEN) through the page
//!                                                cache; it must be the stream (or zeros)
//! hookfile punch PATH OFFSET LEN                 punch a hole (fallocate PUNCH_HOLE|KEEP_SIZE)
//! hookfile dontcache PATH                        set and clear FS_DAX_FL (FS_IOC_SETFLAGS): ext4
//!                                                marks the inode I_DONTCACHE, so it is evicted,
//!                                                page cache and all, when its last user goes
//! hookfile getversion PATH                       print the inode generation (FS_IOC_GETVERSION)
//! hookfile setversion PATH N                     set it (FS_IOC_SETVERSION, ext2 and ext4
//!                                                without metadata_csum)
//! ```
//!
//! SEED may also be `sparseN`: stream N in the first 1 KiB of every 4 KiB page of the file and
//! zeros in the rest, for data that compresses (about 4:1) without being zero.
//!
//! Exit status 0 on success, 1 on a mismatch or an I/O error, 2 on bad usage.

use ramster_guest::anon::{syscall3, SYS_IOCTL};
use ramster_guest::pattern;
use std::alloc::{self, Layout};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::process::ExitCode;

const CHUNK: usize = 1 << 20;
const O_DIRECT: i32 = 0o40000;
const FALLOC_FL_KEEP_SIZE: u64 = 1;
const FALLOC_FL_PUNCH_HOLE: u64 = 2;
const SYS_FALLOCATE: u64 = 285;
const FS_IOC_GETFLAGS: u64 = 0x8008_6601;
const FS_IOC_SETFLAGS: u64 = 0x4008_6602;
const FS_IOC_GETVERSION: u64 = 0x8008_7601;
const FS_IOC_SETVERSION: u64 = 0x4008_7602;
const FS_DAX_FL: u32 = 0x0200_0000;
const PAGE: u64 = 4096;
/// Bytes of each page that carry the stream with a `sparseN` seed.
const SPARSE: u64 = 1024;

/// What a file's bytes are.
#[derive(Clone, Copy)]
enum Seed {
    /// The stream.
    Stream(u64),
    /// The stream in the first [`SPARSE`] bytes of each page, zeros elsewhere.
    Sparse(u64),
    /// Zeros.
    Zero,
}

impl Seed {
    fn parse(s: &str) -> Option<Seed> {
        if s == "zero" {
            Some(Seed::Zero)
        } else if let Some(n) = s.strip_prefix("sparse") {
            number(n).map(Seed::Sparse)
        } else {
            number(s).map(Seed::Stream)
        }
    }

    /// Fills `buf` with the bytes at `offset`.
    fn fill(self, offset: u64, buf: &mut [u8]) {
        match self {
            Seed::Stream(seed) => pattern::fill(seed, offset, buf),
            Seed::Zero => buf.fill(0),
            Seed::Sparse(seed) => {
                pattern::fill(seed, offset, buf);
                for (i, byte) in buf.iter_mut().enumerate() {
                    if (offset + i as u64) % PAGE >= SPARSE {
                        *byte = 0;
                    }
                }
            }
        }
    }
}

/// A heap buffer aligned for O_DIRECT.
struct Aligned {
    ptr: *mut u8,
    layout: Layout,
}

impl Aligned {
    fn new(len: usize) -> Aligned {
        let layout = Layout::from_size_align(len.max(4096), 4096).expect("valid layout");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            alloc::handle_alloc_error(layout);
        }
        Aligned { ptr, layout }
    }

    fn as_mut(&mut self, len: usize) -> &mut [u8] {
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

fn write(path: &str, seed: Seed, offset: u64, len: u64, direct: bool) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true);
    if direct {
        options.custom_flags(O_DIRECT);
    }
    let file = options.open(path)?;
    let mut buf = Aligned::new(CHUNK);
    let mut done = 0;
    while done < len {
        let n = CHUNK.min((len - done) as usize);
        let chunk = buf.as_mut(n);
        seed.fill(offset + done, chunk);
        file.write_all_at(chunk, offset + done)?;
        done += n as u64;
    }
    if direct {
        Ok(())
    } else {
        file.sync_all()
    }
}

fn check(path: &str, seed: Seed, offset: u64, len: u64) -> io::Result<Result<(), String>> {
    let file = File::open(path)?;
    let mut buf = vec![0u8; CHUNK];
    let mut expected = vec![0u8; CHUNK];
    let mut done = 0;
    while done < len {
        let n = CHUNK.min((len - done) as usize);
        file.read_exact_at(&mut buf[..n], offset + done)?;
        let at = match seed {
            Seed::Stream(seed) => pattern::first_mismatch(seed, offset + done, &buf[..n]),
            _ => {
                seed.fill(offset + done, &mut expected[..n]);
                buf[..n]
                    .iter()
                    .zip(&expected[..n])
                    .position(|(a, b)| a != b)
                    .map(|i| offset + done + i as u64)
            }
        };
        if let Some(at) = at {
            return Ok(Err(format!("{path}: byte {at} differs")));
        }
        done += n as u64;
    }
    Ok(Ok(()))
}

fn punch(path: &str, offset: u64, len: u64) -> io::Result<()> {
    let file = OpenOptions::new().write(true).open(path)?;
    let ret: i64;
    // SAFETY: fallocate(2) on a file descriptor that `file` keeps open; it reads no memory.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") SYS_FALLOCATE as i64 => ret,
            in("rdi") file.as_raw_fd() as u64,
            in("rsi") FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
            in("rdx") offset,
            in("r10") len,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack)
        );
    }
    if ret < 0 {
        return Err(io::Error::from_raw_os_error(-ret as i32));
    }
    Ok(())
}

/// ioctl(2) with a pointer argument.
fn ioctl(file: &File, request: u64, arg: *mut u32) -> io::Result<()> {
    // FS_IOC_{GET,SET}FLAGS and {GET,SET}VERSION read or write one `int` at `arg`, which the
    // caller owns, on a descriptor `file` keeps open.
    let ret = syscall3(SYS_IOCTL, file.as_raw_fd() as u64, request, arg as u64);
    if ret < 0 {
        return Err(io::Error::from_raw_os_error(-ret as i32));
    }
    Ok(())
}

/// Toggles FS_DAX_FL on and off again: the file's flags end as they were, and ext4 has marked
/// the inode I_DONTCACHE (evicted with its page cache when the last reference goes).
fn dontcache(path: &str) -> io::Result<()> {
    let file = File::open(path)?;
    let mut flags = 0u32;
    ioctl(&file, FS_IOC_GETFLAGS, &mut flags)?;
    for value in [flags ^ FS_DAX_FL, flags] {
        let mut value = value;
        ioctl(&file, FS_IOC_SETFLAGS, &mut value)?;
    }
    Ok(())
}

/// The inode generation, or with `Some(n)` sets it to `n` first.
fn version(path: &str, set: Option<u32>) -> io::Result<u32> {
    let file = File::open(path)?;
    if let Some(mut n) = set {
        ioctl(&file, FS_IOC_SETVERSION, &mut n)?;
    }
    let mut n = 0u32;
    ioctl(&file, FS_IOC_GETVERSION, &mut n)?;
    Ok(n)
}

fn number(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        [_, "write", path, seed, offset, len, rest @ ..]
            if rest.is_empty() || rest == ["direct"] =>
        {
            match (Seed::parse(seed), number(offset), number(len)) {
                (Some(seed), Some(offset), Some(len)) => {
                    write(path, seed, offset, len, !rest.is_empty()).map(Ok)
                }
                _ => return usage(),
            }
        }
        [_, "check", path, seed, offset, len] => {
            match (Seed::parse(seed), number(offset), number(len)) {
                (Some(seed), Some(offset), Some(len)) => check(path, seed, offset, len),
                _ => return usage(),
            }
        }
        [_, "punch", path, offset, len] => match (number(offset), number(len)) {
            (Some(offset), Some(len)) => punch(path, offset, len).map(Ok),
            _ => return usage(),
        },
        [_, "dontcache", path] => dontcache(path).map(Ok),
        [_, "getversion", path] => version(path, None).map(|n| {
            println!("{n}");
            Ok(())
        }),
        [_, "setversion", path, n] => match n.parse() {
            Ok(n) => version(path, Some(n)).map(|_| Ok(())),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(msg)) => {
            eprintln!("hookfile: {msg}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("hookfile: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: hookfile write PATH SEED OFFSET LEN [direct] | check PATH SEED|zero OFFSET LEN | \
         punch PATH OFFSET LEN | dontcache PATH | getversion PATH | \
         setversion PATH N"
    );
    ExitCode::from(2)
}
