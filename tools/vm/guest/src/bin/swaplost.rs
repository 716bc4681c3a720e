//! Pages a backend lost stay lost: their reads fail, never return the swap device's contents.
//!
//! ```text
//! swaplost PAGES SEED
//! ```
//!
//! Writes PAGES compressible pages of private anonymous memory (see `anon.rs`), pushes them to
//! swap with `MADV_PAGEOUT`, creates `/tmp/swaplost.out` and waits for `/tmp/swaplost.read`;
//! then reads every page into the swap cache without mapping it (`MADV_WILLNEED`), creates
//! `/tmp/swaplost.cached` and waits for `/tmp/swaplost.check`; then reads every page, checking
//! every byte. A scenario makes the backend find some pages corrupt in between and unloads it:
//! the reads of those pages must kill the program with SIGBUS (the kernel could not read them),
//! never hand it other bytes.
//!
//! Exit status 0 when every page came back intact, 1 on a wrong byte or a failed system call,
//! 2 on bad usage; killed by SIGBUS on a page that could not be read.

use ramster_guest::anon::{advise, anonymous, fill, verify, MADV_PAGEOUT, MADV_WILLNEED, PAGE};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Creates `done` and waits until `next` exists.
fn step(done: &str, next: &str) -> Result<(), String> {
    std::fs::write(done, b"").map_err(|e| format!("{done}: {e}"))?;
    while !Path::new(next).exists() {
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn run(pages: usize, seed: u64) -> Result<(), String> {
    let mem = anonymous(pages * PAGE)?;
    fill(mem, seed, 0);
    advise(mem, MADV_PAGEOUT)?;
    step("/tmp/swaplost.out", "/tmp/swaplost.read")?;
    advise(mem, MADV_WILLNEED)?;
    step("/tmp/swaplost.cached", "/tmp/swaplost.check")?;
    verify(mem, seed, 0)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(pages), Some(seed)) = (
        args.first()
            .and_then(|a| a.parse().ok())
            .filter(|&p: &usize| p > 0),
        args.get(1).and_then(|a| a.parse().ok()),
    ) else {
        eprintln!("usage: swaplost PAGES SEED");
        return ExitCode::from(2);
    };
    if args.len() != 2 {
        eprintln!("usage: swaplost PAGES SEED");
        return ExitCode::from(2);
    }
    match run(pages, seed) {
        Ok(()) => {
            println!("swaplost: every page of {pages} intact");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("swaplost: {e}");
            ExitCode::FAILURE
        }
    }
}
