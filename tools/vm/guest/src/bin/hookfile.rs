//! File operations for the cleancache scenarios. Byte `i` of a file written with SEED is byte `i`
//! of the stream SEED (see `pattern.rs`), whatever the offset it was written at.
//!
//! ```text
//! hookfile write PATH SEED OFFSET LEN [direct]   write the stream over [OFFSET, OFFSET+LEN),
//!                                                buffered, or with O_DIRECT (4 KiB aligned)
//! hookfile check PATH SEED|zero OFFSET LEN       read [OFFSET, OFFSET+LEN) through the page
//!                                                cache; it must be the stream (or zeros)
//! hookfile punch PATH OFFSET LEN                 punch a hole (fallocate PUNCH_HOLE|KEEP_SIZE)
//! ```
//!
//! SEED may also be `sparseN`: stream N in the first 1 KiB of every 4 KiB page of the file and
//! zeros in the rest, for data that compresses (about 4:1) without being zero.
//!
//! Exit status 0 on success, 1 on a mismatch or an I/O error, 2 on bad usage.

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
         punch PATH OFFSET LEN"
    );
    ExitCode::from(2)
}
