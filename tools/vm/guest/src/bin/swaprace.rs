//! Swap-in racing a change of the swap PTE, every byte verified.
//!
//! ```text
//! swaprace PAGES ROUNDS SEED
//! ```
//!
//! Each round writes PAGES pages of private anonymous memory (a pattern of SEED, the round and
//! the page), pushes them to swap with `MADV_PAGEOUT`, and reads them back, checking every byte.
//! Meanwhile a second thread keeps writing `4` to `/proc/self/clear_refs`, which clears the
//! soft-dirty bit of every swap PTE: a fault that is reading the page in then finds its PTE
//! changed (`pte_same()` fails), drops the folio it read and retries. On a SWP_SYNCHRONOUS_IO
//! swap device (zram, brd) that folio bypasses the swap cache, so a backend that let go of its
//! copy when it was read has lost the page (issue 12, item 1).
//!
//! Exit status 0 when every page of every round came back intact, 1 on the first bad page, 2 on
//! bad usage.

use ramster_guest::pattern;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

const PAGE: usize = 4096;
const SYS_MMAP: u64 = 9;
const SYS_MADVISE: u64 = 28;
const PROT_READ_WRITE: u64 = 3;
const MAP_PRIVATE_ANONYMOUS: u64 = 0x22;
const MADV_PAGEOUT: u64 = 21;

/// A raw system call with three arguments; returns the kernel's result (negative errno). The
/// fourth to sixth argument registers always carry mmap's flags, fd -1 and offset 0, which
/// madvise ignores.
fn syscall3(nr: u64, a: u64, b: u64, c: u64) -> i64 {
    let ret: i64;
    // SAFETY: the callers pass calls (mmap, madvise) whose arguments name only memory they own or
    // ask the kernel for new memory.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr as i64 => ret,
            in("rdi") a,
            in("rsi") b,
            in("rdx") c,
            in("r10") MAP_PRIVATE_ANONYMOUS,
            in("r8") u64::MAX,
            in("r9") 0u64,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack)
        );
    }
    ret
}

/// `len` bytes of fresh private anonymous memory (mmap), never unmapped.
fn anonymous(len: usize) -> Option<&'static mut [u8]> {
    let addr = syscall3(SYS_MMAP, 0, len as u64, PROT_READ_WRITE);
    if addr < 0 {
        return None;
    }
    // SAFETY: mmap returned `len` bytes of readable, writable memory that nothing else uses and
    // that is never unmapped.
    Some(unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, len) })
}

/// The pattern stream of one page in one round.
fn stream(seed: u64, round: u64, page: usize) -> u64 {
    seed ^ (round << 32) ^ page as u64
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (numbers, exit_swapped) = match args.split_last() {
        Some((last, numbers)) if last == "--exit-swapped" => (numbers, true),
        _ => (&args[..], false),
    };
    let parsed = match numbers {
        [pages, rounds, seed] => match (pages.parse(), rounds.parse(), seed.parse()) {
            (Ok(p), Ok(r), Ok(s)) if p > 0 => Some((p, r, s)),
            _ => None,
        },
        _ => None,
    };
    let Some((pages, rounds, seed)) = parsed else {
        eprintln!("usage: swaprace PAGES ROUNDS SEED [--exit-swapped]");
        return ExitCode::from(2);
    };
    let pages: usize = pages;
    let rounds: u64 = rounds;
    let seed: u64 = seed;
    println!("swaprace: seed {seed}, {pages} pages, {rounds} rounds");
    let Some(mem) = anonymous(pages * PAGE) else {
        eprintln!("swaprace: mmap failed");
        return ExitCode::FAILURE;
    };

    let stop = Arc::new(AtomicBool::new(false));
    let sweeps = Arc::new(AtomicU64::new(0));
    let clearer = {
        let (stop, sweeps) = (stop.clone(), sweeps.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if std::fs::write("/proc/self/clear_refs", "4").is_err() {
                    return false;
                }
                sweeps.fetch_add(1, Ordering::Relaxed);
            }
            true
        })
    };
    let raced = (0..rounds).try_for_each(|round| race_one_round(mem, seed, round));
    stop.store(true, Ordering::Relaxed);
    let clearer_ok = clearer.join().unwrap_or(false);
    println!(
        "swaprace: {} clear_refs sweeps",
        sweeps.load(Ordering::Relaxed)
    );
    if !clearer_ok {
        eprintln!("swaprace: writing /proc/self/clear_refs failed");
        return ExitCode::FAILURE;
    }
    if let Err(e) = raced {
        eprintln!("swaprace: {e}");
        return ExitCode::FAILURE;
    }
    println!("swaprace: every page of {rounds} rounds intact");
    if exit_swapped {
        if let Err(e) = write_and_page_out(mem, seed, rounds) {
            eprintln!("swaprace: {e}");
            return ExitCode::FAILURE;
        }
        println!("swaprace: exits with its {pages} pages swapped out");
    }
    ExitCode::SUCCESS
}

/// Writes the pages of `round`, pushes them to swap and reads them back, checking every byte.
fn race_one_round(mem: &mut [u8], seed: u64, round: u64) -> Result<(), String> {
    write_and_page_out(mem, seed, round)?;
    for (page, buf) in mem.chunks(PAGE).enumerate() {
        if let Some(at) = pattern::first_mismatch(stream(seed, round, page), 0, buf) {
            return Err(format!("round {round}, page {page}: byte {at} differs"));
        }
    }
    Ok(())
}

/// Writes the pattern of `round` into every page of `mem` and pushes them to swap.
fn write_and_page_out(mem: &mut [u8], seed: u64, round: u64) -> Result<(), String> {
    for (page, buf) in mem.chunks_mut(PAGE).enumerate() {
        pattern::fill(stream(seed, round, page), 0, buf);
    }
    let ret = syscall3(
        SYS_MADVISE,
        mem.as_ptr() as u64,
        mem.len() as u64,
        MADV_PAGEOUT,
    );
    if ret < 0 {
        return Err(format!("madvise(MADV_PAGEOUT) failed: {ret}"));
    }
    Ok(())
}
