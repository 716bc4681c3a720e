//! `swapstress MIB SEED [--hold] [--sparse | --partial | --corpus FILE] [--threads=N]
//! [--sequential]`: allocates MIB MiB of anonymous memory, writes a distinct pattern into every
//! page (byte `i` of the area is byte `i` of the stream SEED, see `pattern.rs`), then reads every
//! page back and verifies it, twice: once in order and once in a scattered order, so that pages
//! swapped out during the first pass fault in again.
//!
//! With `--corpus FILE` (or `--corpus=FILE`) the pages are copies of the pages of FILE (whole
//! 4 KiB pages of real data: the swap benchmark's corpus, tools/bench/corpus.py, on a read-only
//! disk) instead: FILE is read once into memory locked in RAM (mlock, so the copy is never
//! swapped and costs every configuration the same), and page `i` of the area is corpus page
//! `corpus::layout(..)[i]` (the corpus cycled, each cycle shuffled by SEED). Read-back compares
//! every byte with the corpus page.
//!
//! With `--sparse` only the first 64 bytes of each page carry the stream and the rest is zero:
//! the pages compress well (to about 100 bytes) but are never entirely zero. With `--partial`
//! the first 1536 bytes do: the pages compress to a little over 3/8 of a page, as much as two
//! of them fill a zbud frame.
//!
//! With `--hold`, after writing it creates `/tmp/swapstress.filled` and waits until
//! `/tmp/swapstress.go` exists before verifying, so that a scenario can act on the swapped-out
//! memory in between (swapoff, unloading a backend, ...).
//!
//! With `--threads=N` the first (in order) verification runs in N threads at once, thread `t`
//! reading pages `t`, `t + N`, ...: N page faults wait for their pages at the same time.
//!
//! With `--sequential` only the in-order verification runs (a sequential read-back, as swap
//! readahead serves best), and the summary gives its time.
//!
//! Prints one summary line; exit status 0 if every page matched, 1 on a mismatch, 2 on bad
//! usage.

use ramster_guest::{corpus, pattern};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const PAGE: usize = 4096;
const FILLED: &str = "/tmp/swapstress.filled";
const GO: &str = "/tmp/swapstress.go";

/// Bytes of each page that carry the stream with `--sparse`.
const SPARSE: usize = 64;
/// Bytes of each page that carry the stream with `--partial`.
const PARTIAL: usize = 1536;

/// What the pages of the area hold.
enum Content {
    /// The first `used` bytes of each page carry the pattern stream SEED (at the page's offset
    /// in the area), the rest is zero.
    Pattern { seed: u64, used: usize },
    /// Page `i` is page `index[i]` of `pages` (whole pages).
    Corpus {
        pages: &'static [u8],
        index: Vec<u32>,
    },
}

impl Content {
    /// Writes page `page` of the area into `buf`.
    fn fill(&self, page: usize, buf: &mut [u8]) {
        match self {
            Content::Pattern { seed, used } => {
                pattern::fill(*seed, (page * PAGE) as u64, &mut buf[..*used])
            }
            Content::Corpus { .. } => buf.copy_from_slice(self.corpus_page(page)),
        }
    }

    fn corpus_page(&self, page: usize) -> &[u8] {
        match self {
            Content::Corpus { pages, index } => {
                let at = index[page] as usize * PAGE;
                &pages[at..at + PAGE]
            }
            Content::Pattern { .. } => unreachable!("a pattern has no corpus"),
        }
    }

    /// The offset in the area of the first byte of page `page` that differs from what `fill`
    /// wrote.
    fn mismatch(&self, page: usize, buf: &[u8]) -> Option<u64> {
        let offset = (page * PAGE) as u64;
        match self {
            Content::Pattern { seed, used } => {
                pattern::first_mismatch(*seed, offset, &buf[..*used]).or_else(|| {
                    buf[*used..]
                        .iter()
                        .position(|b| *b != 0)
                        .map(|i| offset + (used + i) as u64)
                })
            }
            Content::Corpus { .. } => {
                let want = self.corpus_page(page);
                if buf == want {
                    return None;
                }
                buf.iter()
                    .zip(want)
                    .position(|(a, b)| a != b)
                    .map(|i| offset + i as u64)
            }
        }
    }
}

/// Checks every page in the order `order` yields; returns the number of bad pages.
fn verify(area: &[u8], content: &Content, order: impl Iterator<Item = usize>, pass: &str) -> usize {
    let mut bad = 0;
    for page in order {
        let offset = page * PAGE;
        if let Some(at) = content.mismatch(page, &area[offset..offset + PAGE]) {
            if bad < 5 {
                eprintln!("swapstress: {pass}: page {page} differs at byte {at}");
            }
            bad += 1;
        }
    }
    bad
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    // `--corpus FILE` is read as `--corpus=FILE`.
    let mut flags: Vec<String> = Vec::new();
    for arg in args.get(3..).unwrap_or_default() {
        match flags.last_mut() {
            Some(last) if last == "--corpus" => *last = format!("--corpus={arg}"),
            _ => flags.push(arg.clone()),
        }
    }
    let corpus_file = flags.iter().find_map(|f| f.strip_prefix("--corpus="));
    let hold = flags.iter().any(|f| f == "--hold");
    let sparse = flags.iter().any(|f| f == "--sparse");
    let partial = flags.iter().any(|f| f == "--partial");
    let sequential = flags.iter().any(|f| f == "--sequential");
    let threads = match flags.iter().find_map(|f| f.strip_prefix("--threads=")) {
        None => Some(1),
        Some(n) => n.parse::<usize>().ok().filter(|n| (1..=1024).contains(n)),
    };
    let known = flags.iter().all(|f| {
        ["--hold", "--sparse", "--partial", "--sequential"].contains(&f.as_str())
            || f.starts_with("--threads=")
            || f.starts_with("--corpus=")
    });
    let used = match (sparse, partial) {
        (true, false) => SPARSE,
        (false, true) => PARTIAL,
        _ => PAGE,
    };
    let (Some(Ok(mib)), Some(Ok(seed)), Some(threads), true) = (
        args.get(1).map(|s| s.parse::<usize>()),
        args.get(2).map(|s| s.parse::<u64>()),
        threads,
        known
            && [sparse, partial, corpus_file.is_some()]
                .iter()
                .filter(|f| **f)
                .count()
                <= 1,
    ) else {
        eprintln!(
            "usage: swapstress MIB SEED [--hold] [--sparse | --partial | --corpus FILE] \
             [--threads=N (1..1024)] [--sequential]"
        );
        return ExitCode::from(2);
    };
    let pages = mib * 256;
    let content = match corpus_file {
        None => Content::Pattern { seed, used },
        Some(path) => match corpus::load(path) {
            Ok(data) => {
                let index = corpus::layout(data.len() / PAGE, pages, seed);
                println!("swapstress: corpus {path}: {} pages", data.len() / PAGE);
                Content::Corpus { pages: data, index }
            }
            Err(e) => {
                eprintln!("swapstress: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let start = Instant::now();

    let mut area = vec![0u8; pages * PAGE];
    for (page, chunk) in area.chunks_mut(PAGE).enumerate() {
        content.fill(page, chunk);
    }
    let written = start.elapsed();

    if hold {
        if let Err(e) = std::fs::write(FILLED, b"filled\n") {
            eprintln!("swapstress: cannot create {FILLED}: {e}");
            return ExitCode::FAILURE;
        }
        println!("swapstress: filled {pages} pages, waiting for {GO}");
        while !Path::new(GO).exists() {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    let verify_start = Instant::now();
    let mut bad = std::thread::scope(|s| {
        let (area, content) = (&area, &content);
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || verify(area, content, (t..pages).step_by(threads), "in order"))
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or(pages))
            .sum::<usize>()
    });
    let passes = if sequential {
        "in order"
    } else {
        // A stride coprime with the page count visits every page once, far apart.
        let stride = (0..)
            .map(|k| 7919 + 2 * k)
            .find(|s| gcd(*s, pages.max(1)) == 1)
            .unwrap_or(1);
        let scattered = (0..pages).map(|i| (i * stride) % pages.max(1));
        bad += verify(&area, &content, scattered, "scattered");
        "twice"
    };
    let verified = verify_start.elapsed();

    println!(
        "swapstress: {pages} pages of {mib} MiB written in {:.1} s, verified {passes} in {:.1} s, \
         {bad} bad pages",
        written.as_secs_f64(),
        verified.as_secs_f64()
    );
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
