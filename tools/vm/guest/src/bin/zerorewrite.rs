//! A swapped page rewritten with zeros while its folio keeps its swap entry, every byte verified.
//!
//! ```text
//! zerorewrite PAGES SEED
//! ```
//!
//! Writes PAGES pages of private anonymous memory (a pattern of SEED), pushes them to swap with
//! `MADV_PAGEOUT`, reads them back (each folio comes back through the swap cache and keeps its
//! swap entry: the swap area is far from full, and a read fault does not free the entry), then
//! writes zeros over every page and pushes them out again. The second swap-out goes to the same
//! swap entries and is zero-filled, so the kernel records it in the swap area's zeromap and writes
//! nothing; a frontswap backend that kept its copy of the first contents (a non-exclusive load)
//! must have been told to drop it (issue 12, item 2: zswap_store's "check_old" rule).
//!
//! It then creates `/tmp/zerorewrite.rewritten` and waits for `/tmp/zerorewrite.go`: meanwhile
//! the scenario makes the backend give its pages back (`frontswap_writeback()`), which would
//! write a stale copy over the zeros. Last it reads every page: each must be all zeros.
//!
//! Exit status 0 when every page reads as zeros, 1 on the first bad page or a failed system
//! call, 2 on bad usage.

use ramster_guest::anon::{advise, anonymous, fill, verify, MADV_PAGEOUT, PAGE};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

const REWRITTEN: &str = "/tmp/zerorewrite.rewritten";
const GO: &str = "/tmp/zerorewrite.go";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match &args[..] {
        [pages, seed] => match (pages.parse::<usize>(), seed.parse::<u64>()) {
            (Ok(p), Ok(s)) if p > 0 => Some((p, s)),
            _ => None,
        },
        _ => None,
    };
    let Some((pages, seed)) = parsed else {
        eprintln!("usage: zerorewrite PAGES SEED");
        return ExitCode::from(2);
    };
    println!("zerorewrite: seed {seed}, {pages} pages");
    match run(pages, seed) {
        Ok(()) => {
            println!("zerorewrite: every page reads as zeros");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("zerorewrite: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(pages: usize, seed: u64) -> Result<(), String> {
    let mem = anonymous(pages * PAGE)?;
    fill(mem, seed, 0);
    advise(mem, MADV_PAGEOUT)?;
    // Read faults: the folios come back through the swap cache and keep their entries.
    verify(mem, seed, 0)?;
    mem.fill(0);
    advise(mem, MADV_PAGEOUT)?;
    std::fs::write(REWRITTEN, b"").map_err(|e| format!("creating {REWRITTEN}: {e}"))?;
    while !Path::new(GO).exists() {
        std::thread::sleep(Duration::from_millis(100));
    }
    match mem
        .chunks(PAGE)
        .enumerate()
        .find_map(|(page, buf)| buf.iter().position(|&b| b != 0).map(|at| (page, at)))
    {
        Some((page, at)) => Err(format!(
            "page {page}: byte {at} is {:#04x}, not zero",
            mem[page * PAGE + at]
        )),
        None => Ok(()),
    }
}
