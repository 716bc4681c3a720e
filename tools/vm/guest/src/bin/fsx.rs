//! An fsx-style file exerciser: random reads, writes, truncations, hole punches, O_DIRECT I/O,
//! mmap reads and writes, fsyncs, evictions and remounts on a few files, every byte read checked
//! against an in-memory model of each file. It hunts for a cleancache backend serving stale
//! data: evictions (`posix_fadvise(DONTNEED)`, `echo 1 > drop_caches`) put clean pages into the
//! store, and the reads after them are served from it.
//!
//! ```text
//! fsx DIR SECONDS SEED [--files=N] [--prefix=NAME] [--max-size=BYTES] [--max-io=BYTES]
//!     [--verify-every=OPS] [--ops=N] [--no-punch] [--no-direct] [--drop-caches]
//!     [--remount=DEV:FSTYPE]
//! ```
//!
//! Works on files `DIR/NAME.0` .. `DIR/NAME.{N-1}` (created or emptied; default 4 files named
//! `fsx.N`: instances with different prefixes can run side by side without `--remount`) for
//! SECONDS seconds (0: no limit) or `--ops` operations, whichever ends first. SEED alone decides
//! the sequence of operations (with the same options): the replay command is printed at the
//! start. Offsets and sizes stay below `--max-size` (default 1 MiB; sizes take K and M), one I/O
//! below `--max-io` (default 128 KiB). Every `--verify-every` operations (default 250), after
//! each remount and at the end, every file is read whole and checked, with its size.
//!
//! The mix, per mille (`fsx/ops.rs`): buffered reads 200, buffered writes 210, mmap reads 55,
//! mmap writes 85 (then msync, MS_ASYNC or nothing), truncations 55 (shrinking or growing), hole
//! punches 55, O_DIRECT writes 65 and reads 55 (4 KiB aligned), fsyncs 45, evictions 60 (fadvise
//! DONTNEED, after an fsync or not), evictions followed by a check of the whole file 105 (the
//! reads cleancache serves), `echo 1 > drop_caches` 8 and remounts 2; a kind an option turns off
//! leaves the others in proportion. Four writes in five are compressible, so that a compressed
//! store keeps their pages; the bytes of every write depend on the file offset.
//!
//! `--no-punch` leaves out hole punching (ext2 has none), `--no-direct` O_DIRECT (tmpfs).
//! `--drop-caches` and `--remount=DEV:FSTYPE` (DIR is where DEV is mounted) need root.
//!
//! Exit status 0 when every byte matched, 1 on a mismatch (reported with the file, offset,
//! expected and actual bytes and the last operations) or a failed system call, 2 on bad usage.

use ramster_guest::fsx::exec::{Failure, Fsx};
use ramster_guest::fsx::model::Rng;
use ramster_guest::fsx::ops::{Mix, KINDS};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The command line.
struct Args {
    dir: String,
    prefix: String,
    seconds: u64,
    seed: u64,
    ops: Option<u64>,
    verify_every: u64,
    remount: Option<(String, String)>,
    mix: Mix,
}

impl Args {
    fn parse(args: &[String]) -> Option<Args> {
        let [dir, seconds, seed, flags @ ..] = args else {
            return None;
        };
        let mut a = Args {
            dir: dir.trim_end_matches('/').to_string(),
            prefix: "fsx".to_string(),
            seconds: seconds.parse().ok()?,
            seed: seed.parse().ok()?,
            ops: None,
            verify_every: 250,
            remount: None,
            mix: Mix {
                files: 4,
                max_size: 1 << 20,
                max_io: 128 << 10,
                punch: true,
                direct: true,
                drop_caches: false,
                remount: false,
            },
        };
        for flag in flags {
            let (name, value) = flag.split_once('=').unwrap_or((flag, ""));
            match name {
                "--files" => a.mix.files = value.parse().ok().filter(|n| *n > 0)?,
                "--prefix" if !value.is_empty() && !value.contains('/') => {
                    a.prefix = value.to_string()
                }
                "--max-size" => a.mix.max_size = size(value).filter(|n| *n >= 64 << 10)?,
                "--max-io" => a.mix.max_io = size(value).filter(|n| *n >= 4096)?,
                "--verify-every" => a.verify_every = value.parse().ok().filter(|n| *n > 0)?,
                "--ops" => a.ops = Some(value.parse().ok()?),
                "--no-punch" => a.mix.punch = false,
                "--no-direct" => a.mix.direct = false,
                "--drop-caches" => a.mix.drop_caches = true,
                "--remount" => {
                    let (dev, fstype) = value.split_once(':')?;
                    a.remount = Some((dev.to_string(), fstype.to_string()));
                    a.mix.remount = true;
                }
                _ => return None,
            }
        }
        a.mix.max_io = a.mix.max_io.min(a.mix.max_size);
        Some(a)
    }

    /// The command that runs exactly the same operations (`--ops` when given).
    fn command(&self, ops: Option<u64>) -> String {
        let m = &self.mix;
        let mut cmd = format!(
            "fsx {} {} {} --files={} --prefix={} --max-size={} --max-io={} --verify-every={}",
            self.dir,
            self.seconds,
            self.seed,
            m.files,
            self.prefix,
            m.max_size,
            m.max_io,
            self.verify_every
        );
        for (on, flag) in [(!m.punch, "--no-punch"), (!m.direct, "--no-direct")] {
            if on {
                cmd += &format!(" {flag}");
            }
        }
        if m.drop_caches {
            cmd += " --drop-caches";
        }
        if let Some((dev, fstype)) = &self.remount {
            cmd += &format!(" --remount={dev}:{fstype}");
        }
        if let Some(n) = ops.or(self.ops) {
            cmd += &format!(" --ops={n}");
        }
        cmd
    }
}

/// A byte count, with an optional K or M suffix.
fn size(s: &str) -> Option<u64> {
    let (digits, unit) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1 << 10),
        b'M' | b'm' => (&s[..s.len() - 1], 1 << 20),
        _ => (s, 1),
    };
    digits.parse::<u64>().ok().map(|n| n * unit)
}

/// Runs operations until time or `--ops` runs out, checking every file periodically and at the
/// end.
fn run(args: &Args, fsx: &mut Fsx) -> Result<(), Failure> {
    let mut rng = Rng::new(args.seed);
    let start = Instant::now();
    let limit = Duration::from_secs(args.seconds);
    let mut progress = start;
    let me = &args.prefix;
    while args.ops.is_none_or(|n| fsx.ops < n) && (args.seconds == 0 || start.elapsed() < limit) {
        let op = args.mix.next(&mut rng, &fsx.sizes());
        fsx.run(op)?;
        if fsx.ops.is_multiple_of(args.verify_every) {
            fsx.check_all()?;
        }
        if progress.elapsed() >= Duration::from_secs(15) {
            progress = Instant::now();
            let secs = start.elapsed().as_secs();
            println!("{me}: {secs} s, {} operations", fsx.ops);
        }
    }
    fsx.check_all()
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(args) = Args::parse(&argv) else {
        eprintln!(
            "usage: fsx DIR SECONDS SEED [--files=N] [--prefix=NAME] [--max-size=BYTES] [--max-io=BYTES] \
             [--verify-every=OPS] [--ops=N] [--no-punch] [--no-direct] [--drop-caches] \
             [--remount=DEV:FSTYPE]"
        );
        return ExitCode::from(2);
    };
    // Names this instance in its messages.
    let me = &args.prefix;
    println!(
        "{me}: seed {}; replay with: {}",
        args.seed,
        args.command(None)
    );
    let start = Instant::now();
    let mut fsx = match Fsx::new(&args.dir, &args.prefix, &args.mix, args.remount.clone()) {
        Ok(fsx) => fsx,
        Err(Failure::Error(e) | Failure::Mismatch { report: e, .. }) => {
            eprintln!("{me}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = run(&args, &mut fsx);
    let counts: Vec<String> = KINDS
        .iter()
        .zip(fsx.counts)
        .filter(|(_, n)| *n > 0)
        .map(|((_, name, _), n)| format!("{name} {n}"))
        .collect();
    println!(
        "{me}: {} operations in {:.1} s, {} full checks, {} MiB checked: {}",
        fsx.ops,
        start.elapsed().as_secs_f64(),
        fsx.checks,
        fsx.bytes_checked >> 20,
        counts.join(", ")
    );
    match result {
        Ok(()) => {
            println!("{me}: seed {}: every byte matched", args.seed);
            return ExitCode::SUCCESS;
        }
        Err(Failure::Mismatch { report, file, at }) => {
            eprintln!("{me}: MISMATCH at operation #{}: {report}", fsx.ops);
            eprintln!("{me}: the last operations:\n{}", fsx.recent());
            eprintln!(
                "{me}: the last operations that changed or evicted f{file} page {}:\n{}",
                at / 4096,
                fsx.history(file, at)
            );
        }
        Err(Failure::Error(report)) => {
            eprintln!("{me}: ERROR at operation #{}: {report}", fsx.ops);
            eprintln!("{me}: the last operations:\n{}", fsx.recent());
        }
    }
    eprintln!(
        "{me}: seed {}; replay with: {}",
        args.seed,
        args.command(Some(fsx.ops))
    );
    ExitCode::FAILURE
}
