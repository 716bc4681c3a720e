//! Swap-in racing a change of the swap PTE, every byte verified.
//!
//! ```text
//! swaprace PAGES ROUNDS SEED [--exit-swapped]
//! ```
//!
//! Each round writes PAGES pages of private anonymous memory (a pattern of SEED, the round and
//! the page in the first 1536 bytes, zeros after), pushes them to swap with `MADV_PAGEOUT`, and
//! reads them back, checking every byte. While it reads, a second thread keeps write-protecting
//! and unprotecting the whole area with userfaultfd (`UFFDIO_WRITEPROTECT`), which sets and
//! clears the uffd-wp bit of every swap PTE: a fault that is reading a page in then finds its PTE
//! changed (`pte_same()` fails), drops the folio it read and retries. On a SWP_SYNCHRONOUS_IO swap
//! device (zram, brd) that folio bypasses the swap cache, so a backend that let go of its copy
//! when it was read has lost the page (issue 12, item 1).
//!
//! With `--exit-swapped` the pages are written and pushed to swap once more after the rounds,
//! and the program exits without reading them: every swap entry it used is freed by its exit.
//!
//! Exit status 0 when every page of every round came back intact, 1 on the first bad page or a
//! failed system call, 2 on bad usage.

use ramster_guest::anon::{
    advise, anonymous, checked, fill, syscall3, verify, MADV_PAGEOUT, PAGE, SYS_IOCTL,
};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

const SYS_USERFAULTFD: u64 = 323;
const O_CLOEXEC: u64 = 0o2_000_000;
const UFFD_API: u64 = 0xaa;
const UFFDIO_API: u64 = 0xc018_aa3f;
const UFFDIO_REGISTER: u64 = 0xc020_aa00;
const UFFDIO_WRITEPROTECT: u64 = 0xc018_aa06;
const UFFDIO_REGISTER_MODE_WP: u64 = 2;
const UFFDIO_WRITEPROTECT_MODE_WP: u64 = 1;

/// A userfaultfd registered for write protection over one area (never closed: the program ends).
struct WriteProtect {
    fd: u64,
    start: u64,
    len: u64,
}

impl WriteProtect {
    fn new(area: &[u8]) -> Result<Self, String> {
        let fd = checked("userfaultfd", syscall3(SYS_USERFAULTFD, O_CLOEXEC, 0, 0))? as u64;
        let mut api = [UFFD_API, 0, 0];
        checked(
            "UFFDIO_API",
            syscall3(SYS_IOCTL, fd, UFFDIO_API, api.as_mut_ptr() as u64),
        )?;
        let (start, len) = (area.as_ptr() as u64, area.len() as u64);
        let mut register = [start, len, UFFDIO_REGISTER_MODE_WP, 0];
        checked(
            "UFFDIO_REGISTER",
            syscall3(SYS_IOCTL, fd, UFFDIO_REGISTER, register.as_mut_ptr() as u64),
        )?;
        Ok(Self { fd, start, len })
    }

    /// Write-protects the area (`on`) or lifts the protection; every PTE of it changes.
    fn set(&self, on: bool) -> Result<(), String> {
        let mode = if on { UFFDIO_WRITEPROTECT_MODE_WP } else { 0 };
        let mut wp = [self.start, self.len, mode];
        checked(
            "UFFDIO_WRITEPROTECT",
            syscall3(
                SYS_IOCTL,
                self.fd,
                UFFDIO_WRITEPROTECT,
                wp.as_mut_ptr() as u64,
            ),
        )
        .map(drop)
    }
}

/// What the two threads share: whether the reader is racing, how often the toggler has seen it
/// idle (with the protection lifted), and how many toggles it made.
#[derive(Default)]
struct Shared {
    racing: AtomicBool,
    stop: AtomicBool,
    /// The toggler has ended (asked to, or on an error).
    done: AtomicBool,
    idle: AtomicU64,
    toggles: AtomicU64,
}

impl Shared {
    /// Ends a racing phase: returns once the toggler has lifted the protection and seen it end,
    /// so that the area can be written.
    fn quiesce(&self) {
        self.racing.store(false, Ordering::SeqCst);
        let seen = self.idle.load(Ordering::SeqCst);
        while self.idle.load(Ordering::SeqCst) == seen && !self.done.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
    }
}

/// The toggler: protects and unprotects the area while the reader races, else says it is idle.
fn toggle(wp: WriteProtect, shared: Arc<Shared>) -> Result<(), String> {
    let toggled = (|| {
        while !shared.stop.load(Ordering::SeqCst) {
            if shared.racing.load(Ordering::SeqCst) {
                wp.set(true)?;
                wp.set(false)?;
                shared.toggles.fetch_add(1, Ordering::Relaxed);
            } else {
                shared.idle.fetch_add(1, Ordering::SeqCst);
                std::thread::yield_now();
            }
        }
        Ok(())
    })();
    shared.done.store(true, Ordering::SeqCst);
    toggled
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
    println!("swaprace: seed {seed}, {pages} pages, {rounds} rounds");
    match run(pages, rounds, seed, exit_swapped) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("swaprace: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(pages: usize, rounds: u64, seed: u64, exit_swapped: bool) -> Result<(), String> {
    let mem = anonymous(pages * PAGE)?;
    let wp = WriteProtect::new(mem)?;
    let shared = Arc::new(Shared::default());
    let toggler = {
        let shared = shared.clone();
        std::thread::spawn(move || toggle(wp, shared))
    };
    let mut raced = Ok(());
    for round in 0..rounds {
        shared.quiesce();
        if shared.done.load(Ordering::SeqCst) {
            // The toggler failed (its error is reported below); the area may be protected.
            break;
        }
        raced = write_and_page_out(mem, seed, round).and_then(|()| {
            shared.racing.store(true, Ordering::SeqCst);
            verify(mem, seed, round)
        });
        if raced.is_err() {
            break;
        }
    }
    shared.quiesce();
    shared.stop.store(true, Ordering::SeqCst);
    let toggled = toggler
        .join()
        .unwrap_or_else(|_| Err("the toggler panicked".into()));
    let toggles = shared.toggles.load(Ordering::Relaxed);
    println!("swaprace: {toggles} write-protect toggles during the reads");
    toggled.and(raced)?;
    println!("swaprace: every page of {rounds} rounds intact");
    if exit_swapped {
        write_and_page_out(mem, seed, rounds)?;
        println!("swaprace: exits with its {pages} pages swapped out");
    }
    Ok(())
}

/// Writes the pattern of `round` into every page of `mem` and pushes them to swap.
fn write_and_page_out(mem: &mut [u8], seed: u64, round: u64) -> Result<(), String> {
    fill(mem, seed, round);
    advise(mem, MADV_PAGEOUT)
}
