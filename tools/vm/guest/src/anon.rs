//! Private anonymous memory for the swap test programs: raw system calls (the programs are
//! static and use no libc), and pages whose contents compress (so a compressed store keeps them)
//! and are checked byte for byte.

use crate::pattern;

pub const PAGE: usize = 4096;
/// Bytes of each page that carry the pattern; the rest is zero, so the pages compress (to about
/// 3/8 of a page).
pub const USED: usize = 1536;
pub const SYS_IOCTL: u64 = 16;
pub const MADV_WILLNEED: u64 = 3;
pub const MADV_DONTNEED: u64 = 4;
pub const MADV_HUGEPAGE: u64 = 14;
pub const MADV_PAGEOUT: u64 = 21;
pub const MAP_SHARED_ANONYMOUS: u64 = 0x21;
pub const MAP_PRIVATE_ANONYMOUS: u64 = 0x22;
const SYS_MMAP: u64 = 9;
const SYS_MADVISE: u64 = 28;
const SYS_MLOCK: u64 = 149;
const PROT_READ_WRITE: u64 = 3;

/// A raw system call with three arguments; returns the kernel's result (negative errno). The
/// fourth to sixth argument registers always carry mmap's flags, fd -1 and offset 0, which the
/// other calls ignore.
pub fn syscall3(nr: u64, a: u64, b: u64, c: u64) -> i64 {
    syscall6(nr, [a, b, c, MAP_PRIVATE_ANONYMOUS, u64::MAX, 0])
}

/// A raw system call with six arguments; returns the kernel's result (negative errno).
pub fn syscall6(nr: u64, args: [u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: the callers pass calls (mmap, madvise, userfaultfd, ioctl, fork, wait4, write,
    // exit_group, add_key) whose arguments name only memory they own or ask the kernel for new
    // memory.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr as i64 => ret,
            in("rdi") args[0],
            in("rsi") args[1],
            in("rdx") args[2],
            in("r10") args[3],
            in("r8") args[4],
            in("r9") args[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack)
        );
    }
    ret
}

/// A system call's result as a `Result` naming the call.
pub fn checked(what: &str, ret: i64) -> Result<i64, String> {
    if ret < 0 {
        Err(format!("{what} failed: {ret}"))
    } else {
        Ok(ret)
    }
}

/// `len` bytes of fresh private anonymous memory (mmap), never unmapped.
pub fn anonymous(len: usize) -> Result<&'static mut [u8], String> {
    let addr = map(len, MAP_PRIVATE_ANONYMOUS)?;
    // SAFETY: mmap returned `len` bytes of readable, writable memory that nothing else uses and
    // that is never unmapped.
    Ok(unsafe { std::slice::from_raw_parts_mut(addr, len) })
}

/// The address of `len` bytes of fresh anonymous memory mapped with `flags`
/// (`MAP_PRIVATE_ANONYMOUS` or `MAP_SHARED_ANONYMOUS`), never unmapped.
pub fn map(len: usize, flags: u64) -> Result<*mut u8, String> {
    let ret = syscall6(
        SYS_MMAP,
        [0, len as u64, PROT_READ_WRITE, flags, u64::MAX, 0],
    );
    checked("mmap", ret).map(|addr| addr as *mut u8)
}

/// madvise(2) over all of `mem`.
pub fn advise(mem: &[u8], advice: u64) -> Result<(), String> {
    madvise(mem.as_ptr(), mem.len(), advice)
}

/// madvise(2) over `len` bytes at `addr` (the kernel checks the range; no memory is touched
/// here, so the bytes may be in use by other threads).
pub fn madvise(addr: *const u8, len: usize, advice: u64) -> Result<(), String> {
    let ret = syscall3(SYS_MADVISE, addr as u64, len as u64, advice);
    checked(&format!("madvise({advice})"), ret).map(drop)
}

/// mlock(2) over all of `mem`: its pages stay in RAM (never swapped out).
pub fn lock(mem: &[u8]) -> Result<(), String> {
    let ret = syscall3(SYS_MLOCK, mem.as_ptr() as u64, mem.len() as u64, 0);
    checked("mlock", ret).map(drop)
}

/// The pattern stream of page `page` in round `round`.
fn stream(seed: u64, round: u64, page: usize) -> u64 {
    seed ^ (round << 32) ^ page as u64
}

/// Writes the pages of `round` into `mem`.
pub fn fill(mem: &mut [u8], seed: u64, round: u64) {
    for (page, buf) in mem.chunks_mut(PAGE).enumerate() {
        let (used, zeros) = buf.split_at_mut(USED);
        pattern::fill(stream(seed, round, page), 0, used);
        zeros.fill(0);
    }
}

/// Reads every page of `round` back, checking every byte.
pub fn verify(mem: &[u8], seed: u64, round: u64) -> Result<(), String> {
    for (page, buf) in mem.chunks(PAGE).enumerate() {
        let (used, zeros) = buf.split_at(USED);
        let bad = pattern::first_mismatch(stream(seed, round, page), 0, used).or_else(|| {
            zeros
                .iter()
                .position(|&b| b != 0)
                .map(|i| (USED + i) as u64)
        });
        if let Some(at) = bad {
            return Err(format!("round {round}, page {page}: byte {at} differs"));
        }
    }
    Ok(())
}
