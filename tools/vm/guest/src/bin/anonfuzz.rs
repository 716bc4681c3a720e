//! Randomized anonymous-memory stress, every byte verified against a model.
//!
//! ```text
//! anonfuzz MIB SECONDS SEED [--threads=N]
//! ```
//!
//! Maps MIB MiB of anonymous memory in three kinds of regions: a shared one
//! (`MAP_SHARED|MAP_ANONYMOUS`, shmem), a private one per thread (`MAP_PRIVATE|MAP_ANONYMOUS`) and
//! a private one aligned to 2 MiB with `MADV_HUGEPAGE` (transparent huge pages and mTHP). N threads
//! (default 4) first write every page, then run random operations for SECONDS seconds of wall
//! time (counted from the start), then verify every page once more.
//!
//! The model: every page has a version, and its contents are a function of (SEED, region, page,
//! version): the first 0, 64, 1536 or 4096 bytes (picked by that function: zero, well, fairly or
//! not compressible pages) carry a `pattern` stream, the rest is zero. Version 0 and a page
//! dropped with `MADV_DONTNEED` read as zeros. Thread `t` owns every page of its private region
//! and the pages `p` with `p % N == t` of the shared and huge regions: only it writes, checks and
//! drops them, so the model needs no locks while the threads share folios, page tables and swap.
//!
//! The operations, each thread from its own random stream of (SEED, thread): rewrite a page or
//! a run of pages (only the bytes that change: a sparse page takes a 64-byte write), check a page
//! or a run of pages, `MADV_PAGEOUT` a range of any region (other threads' pages too: reclaim
//! does not change contents), `MADV_DONTNEED` a private page (4 KiB of a huge page splits it),
//! and fork. The forked child checks a sample of the parent's pages it owns (its private copies,
//! copy-on-write, some of them swapped out first so parent and child share the swap entry, and
//! the shared pages), rewrites some of its private copies, pushes them out and checks them, and
//! exits; the parent then checks that its copies did not change. The child only makes raw system
//! calls and formats into the stack: the other threads may hold locks of the C library.
//!
//! Replaying a seed repeats each thread's operations; how they interleave, and how many run in
//! the time, varies.
//!
//! Prints the replay command first and one summary line last. A page that differs is reported
//! with its region, page, expected version and first wrong byte, and what it holds instead (an
//! older version, zeros). Exit status 0 when every check passed, 1 on a mismatch or a failed
//! system call, 2 on bad usage.

use ramster_guest::anon::{
    checked, madvise, map, syscall6, MADV_DONTNEED, MADV_HUGEPAGE, MADV_PAGEOUT,
    MAP_PRIVATE_ANONYMOUS, MAP_SHARED_ANONYMOUS, PAGE,
};
use ramster_guest::pattern;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const HUGE: usize = 2 << 20;
const SYS_WRITE: u64 = 1;
const SYS_MADVISE: u64 = 28;
const SYS_FORK: u64 = 57;
const SYS_WAIT4: u64 = 61;
const SYS_EXIT_GROUP: u64 = 231;
/// Version bit: the page was dropped (`MADV_DONTNEED`) and reads as zeros.
const ZEROED: u32 = 1 << 31;
/// Version bit: the contents a forked child writes into its copy of a private page.
const CHILD: u32 = 1 << 30;
/// Mismatches reported in detail; the rest are only counted.
const REPORTS: usize = 10;
/// The most pages one range operation covers.
const RUN: usize = 512;

/// The three parts of memory a thread owns, in `Worker::parts`.
const PRIVATE: usize = 0;
const SHARED: usize = 1;
const THP: usize = 2;

static REPORTED: AtomicUsize = AtomicUsize::new(0);

/// The SplitMix64 output function: a hash of `x`.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A thread's random stream.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, thread: usize) -> Self {
        Rng(mix(seed ^ mix(thread as u64 + 1)))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What a page of the model holds: the stream `stream` in its first `used` bytes, zeros after.
#[derive(Clone, Copy, PartialEq)]
struct Content {
    stream: u64,
    used: usize,
}

impl Content {
    const ZERO: Content = Content { stream: 0, used: 0 };

    /// The contents of `page` of region `region` at `version`.
    fn of(seed: u64, region: u64, page: usize, version: u32) -> Self {
        if version == 0 || version & ZEROED != 0 {
            return Self::ZERO;
        }
        let stream = mix(seed ^ mix((region << 40) ^ page as u64) ^ mix(u64::from(version)));
        let used = match stream >> 60 {
            0 => 0,
            1..=3 => 64,
            4..=12 => 1536,
            _ => PAGE,
        };
        Self { stream, used }
    }

    /// Turns `page`, which holds `before`, into `self`: writes only the bytes that change.
    fn write_over(self, page: &mut [u8], before: Content) {
        pattern::fill(self.stream, 0, &mut page[..self.used]);
        if before.used > self.used {
            page[self.used..before.used].fill(0);
        }
    }

    /// The first byte of `page` that differs from `self`.
    fn mismatch(self, page: &[u8]) -> Option<usize> {
        let (used, zeros) = page.split_at(self.used);
        pattern::first_mismatch(self.stream, 0, used)
            .map(|at| at as usize)
            .or_else(|| zeros.iter().position(|&b| b != 0).map(|i| self.used + i))
    }
}

/// A mapping shared by the threads; each page is accessed only by the thread that owns it.
struct Region {
    name: String,
    id: u64,
    base: *mut u8,
    pages: usize,
}

// SAFETY: the threads touch only the pages they own (`Part`); the only operations on other
// threads' pages are madvise calls, which the kernel serializes with the accesses.
unsafe impl Sync for Region {}

impl Region {
    /// Maps `pages` pages with `flags`; `huge` aligns them to 2 MiB and asks for huge pages.
    fn map(name: String, id: u64, pages: usize, flags: u64, huge: bool) -> Result<Self, String> {
        let len = pages * PAGE;
        let base = if huge {
            let raw = map(len + HUGE, flags)? as usize;
            let aligned = raw.next_multiple_of(HUGE) as *mut u8;
            madvise(aligned, len, MADV_HUGEPAGE)?;
            aligned
        } else {
            map(len, flags)?
        };
        Ok(Self {
            name,
            id,
            base,
            pages,
        })
    }

    /// The address of page `page`.
    fn at(&self, page: usize) -> *mut u8 {
        assert!(page < self.pages);
        self.base.wrapping_add(page * PAGE)
    }

    /// madvise over `count` pages from `first`, without going past the end.
    fn advise(&self, first: usize, count: usize, advice: u64) -> Result<(), String> {
        let count = count.min(self.pages - first);
        madvise(self.at(first), count * PAGE, advice)
    }
}

/// The pages of a region one thread owns (pages `first`, `first + stride`, ...) and their
/// versions in the model.
struct Part<'a> {
    region: &'a Region,
    first: usize,
    stride: usize,
    versions: Vec<u32>,
}

impl<'a> Part<'a> {
    fn new(region: &'a Region, first: usize, stride: usize) -> Self {
        let count = (region.pages + stride - 1 - first) / stride;
        Self {
            region,
            first,
            stride,
            versions: vec![0; count],
        }
    }

    fn len(&self) -> usize {
        self.versions.len()
    }

    /// The region's page number of owned page `i`.
    fn page(&self, i: usize) -> usize {
        self.first + i * self.stride
    }

    fn content(&self, seed: u64, i: usize, version: u32) -> Content {
        Content::of(seed, self.region.id, self.page(i), version)
    }

    fn expected(&self, seed: u64, i: usize) -> Content {
        self.content(seed, i, self.versions[i])
    }

    fn bytes(&self, i: usize) -> &[u8] {
        // SAFETY: the page is mapped for the life of the program and only its owner, this
        // thread, writes it (in a forked child, only the child's thread exists).
        unsafe { std::slice::from_raw_parts(self.region.at(self.page(i)), PAGE) }
    }

    fn bytes_mut(&mut self, i: usize) -> &mut [u8] {
        // SAFETY: as in `bytes`; `&mut self` keeps this thread from reading the page meanwhile.
        unsafe { std::slice::from_raw_parts_mut(self.region.at(self.page(i)), PAGE) }
    }

    /// Rewrites owned page `i` at its next version.
    fn rewrite(&mut self, seed: u64, i: usize) {
        let before = self.expected(seed, i);
        self.versions[i] = (self.versions[i] & !ZEROED) + 1;
        let after = self.expected(seed, i);
        after.write_over(self.bytes_mut(i), before);
    }
}

/// Operation counts.
#[derive(Default, Clone, Copy)]
struct Stats {
    writes: u64,
    checks: u64,
    pageouts: u64,
    dontneeds: u64,
    forks: u64,
    child_pages: u64,
    verified: u64,
    mismatches: u64,
    errors: u64,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, o: Self) {
        self.writes += o.writes;
        self.checks += o.checks;
        self.pageouts += o.pageouts;
        self.dontneeds += o.dontneeds;
        self.forks += o.forks;
        self.child_pages += o.child_pages;
        self.verified += o.verified;
        self.mismatches += o.mismatches;
        self.errors += o.errors;
    }
}

/// What a forked child does: pages to check (part, owned page) and private pages to rewrite.
/// Fixed arrays: the child must not allocate.
struct ForkPlan {
    checks: [(usize, usize); 24],
    rewrites: [usize; 8],
}

/// A formatter into a stack buffer, for the forked child (no allocation, no locks).
struct StackText {
    buf: [u8; 256],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Writes a line to stderr with one write(2): usable in a forked child.
fn raw_report(args: std::fmt::Arguments) {
    let mut text = StackText {
        buf: [0; 256],
        len: 0,
    };
    let _ = text.write_fmt(args);
    let _ = text.write_str("\n");
    syscall6(
        SYS_WRITE,
        [2, text.buf.as_ptr() as u64, text.len as u64, 0, 0, 0],
    );
}

/// One thread of the fuzzer.
struct Worker<'a> {
    thread: usize,
    seed: u64,
    rng: Rng,
    parts: [Part<'a>; 3],
    stats: Stats,
    failed: &'a AtomicBool,
}

impl<'a> Worker<'a> {
    fn new(
        thread: usize,
        threads: usize,
        seed: u64,
        regions: &'a Regions,
        failed: &'a AtomicBool,
    ) -> Self {
        Self {
            thread,
            seed,
            rng: Rng::new(seed, thread),
            parts: [
                Part::new(&regions.private[thread], 0, 1),
                Part::new(&regions.shared, thread, threads),
                Part::new(&regions.thp, thread, threads),
            ],
            stats: Stats::default(),
            failed,
        }
    }

    /// Writes every page, runs random operations until `deadline`, checks every page.
    fn run(mut self, deadline: Instant) -> Stats {
        // The huge region first, while there is free memory for 2 MiB pages.
        for part in [THP, SHARED, PRIVATE] {
            for i in 0..self.parts[part].len() {
                self.write(part, i);
            }
        }
        while Instant::now() < deadline && !self.failed.load(Ordering::Relaxed) {
            self.step();
        }
        for part in 0..self.parts.len() {
            for i in 0..self.parts[part].len() {
                self.check(part, i);
                self.stats.verified += 1;
            }
        }
        self.stats
    }

    /// One random operation.
    fn step(&mut self) {
        let result = match self.rng.below(1000) {
            0..=299 => self.write_random(),
            300..=399 => self.write_run(),
            400..=599 => self.check_random(),
            600..=749 => self.check_run(),
            750..=899 => self.pageout(),
            900..=996 => self.dontneed(),
            _ => self.fork(),
        };
        if let Err(e) = result {
            eprintln!("anonfuzz: thread {}: {e}", self.thread);
            self.stats.errors += 1;
            self.failed.store(true, Ordering::Relaxed);
        }
    }

    /// A random part (half of the picks private, a quarter each shared and huge) and page.
    fn pick(&mut self) -> (usize, usize) {
        let part = [PRIVATE, PRIVATE, SHARED, THP][self.rng.below(4)];
        (part, self.rng.below(self.parts[part].len()))
    }

    fn write(&mut self, part: usize, i: usize) {
        self.parts[part].rewrite(self.seed, i);
        self.stats.writes += 1;
    }

    fn write_random(&mut self) -> Result<(), String> {
        let (part, i) = self.pick();
        self.write(part, i);
        Ok(())
    }

    fn write_run(&mut self) -> Result<(), String> {
        let (part, first) = self.pick();
        let count = 1 + self.rng.below(16);
        for i in first..(first + count).min(self.parts[part].len()) {
            self.write(part, i);
        }
        Ok(())
    }

    fn check_random(&mut self) -> Result<(), String> {
        let (part, i) = self.pick();
        self.check(part, i);
        Ok(())
    }

    fn check_run(&mut self) -> Result<(), String> {
        let (part, first) = self.pick();
        let count = 1 + self.rng.below(64);
        for i in first..(first + count).min(self.parts[part].len()) {
            self.check(part, i);
        }
        Ok(())
    }

    /// Checks owned page `i` of `part` against the model; reports a mismatch.
    fn check(&mut self, part: usize, i: usize) {
        self.stats.checks += 1;
        let p = &self.parts[part];
        let expected = p.expected(self.seed, i);
        let Some(at) = expected.mismatch(p.bytes(i)) else {
            return;
        };
        self.stats.mismatches += 1;
        self.failed.store(true, Ordering::Relaxed);
        if REPORTED.fetch_add(1, Ordering::Relaxed) < REPORTS {
            eprintln!(
                "anonfuzz: MISMATCH thread {}: {} page {} (address {:p}), version {:#x} \
                 ({} pattern bytes): byte {at} differs ({:#04x}); the page holds {}",
                self.thread,
                p.region.name,
                p.page(i),
                p.region.at(p.page(i)),
                p.versions[i],
                expected.used,
                p.bytes(i)[at],
                self.diagnose(part, i)
            );
        }
    }

    /// What a wrong page holds instead: an older version, a child's version, zeros, or none.
    fn diagnose(&self, part: usize, i: usize) -> String {
        let p = &self.parts[part];
        let bytes = p.bytes(i);
        let current = p.versions[i] & !ZEROED;
        let older = (current.saturating_sub(16)..=current).rev();
        let candidates = older.flat_map(|v| [v, v | CHILD]);
        for v in candidates {
            if p.content(self.seed, i, v).mismatch(bytes).is_none() {
                return format!("version {v:#x} instead");
            }
        }
        if bytes.iter().all(|&b| b == 0) {
            return "zeros".into();
        }
        let nonzero = bytes.iter().filter(|&&b| b != 0).count();
        format!("none of the last 16 versions ({nonzero} non-zero bytes)")
    }

    /// MADV_PAGEOUT over a random range of the thread's private region or of the shared or
    /// huge region (all of its threads' pages), sometimes a whole aligned 2 MiB.
    fn pageout(&mut self) -> Result<(), String> {
        let region = self.parts[[PRIVATE, SHARED, THP][self.rng.below(3)]].region;
        let (first, count) = if self.rng.below(4) == 0 {
            let first = self.rng.below(region.pages) / RUN * RUN;
            (first, RUN)
        } else {
            (self.rng.below(region.pages), 1 + self.rng.below(RUN))
        };
        self.stats.pageouts += 1;
        region.advise(first, count, MADV_PAGEOUT)
    }

    /// MADV_DONTNEED on one owned private page (of the private or the huge region): it reads as
    /// zeros after.
    fn dontneed(&mut self) -> Result<(), String> {
        let part = [PRIVATE, THP][self.rng.below(2)];
        let i = self.rng.below(self.parts[part].len());
        let p = &mut self.parts[part];
        p.region.advise(p.page(i), 1, MADV_DONTNEED)?;
        p.versions[i] |= ZEROED;
        self.stats.dontneeds += 1;
        Ok(())
    }

    /// Forks a child that checks and rewrites its copies (see `child`); then checks that the
    /// parent's copies of the pages the child rewrote are unchanged.
    fn fork(&mut self) -> Result<(), String> {
        let plan = self.plan();
        if self.rng.below(2) == 0 {
            // Push the pages out first: parent and child then share their swap entries.
            for &i in &plan.rewrites {
                self.parts[PRIVATE].region.advise(i, 1, MADV_PAGEOUT)?;
            }
        }
        let pid = checked("fork", syscall6(SYS_FORK, [0; 6]))?;
        if pid == 0 {
            let status = self.child(&plan);
            syscall6(SYS_EXIT_GROUP, [status, 0, 0, 0, 0, 0]);
            unreachable!("exit_group returned");
        }
        let mut status = 0i32;
        let waited = syscall6(
            SYS_WAIT4,
            [pid as u64, &mut status as *mut i32 as u64, 0, 0, 0, 0],
        );
        checked("wait4", waited)?;
        self.stats.forks += 1;
        self.stats.child_pages += (plan.checks.len() + 2 * plan.rewrites.len()) as u64;
        if status != 0 {
            // The child reported what it found.
            eprintln!(
                "anonfuzz: thread {}: forked child {pid} failed (wait status {status:#x})",
                self.thread
            );
            self.stats.mismatches += 1;
            self.failed.store(true, Ordering::Relaxed);
            return Ok(());
        }
        for &i in &plan.rewrites {
            self.check(PRIVATE, i);
        }
        Ok(())
    }

    fn plan(&mut self) -> ForkPlan {
        let mut plan = ForkPlan {
            checks: [(0, 0); 24],
            rewrites: [0; 8],
        };
        for (n, check) in plan.checks.iter_mut().enumerate() {
            let part = [PRIVATE, SHARED, THP][n % 3];
            *check = (part, self.rng.below(self.parts[part].len()));
        }
        for i in plan.rewrites.iter_mut() {
            *i = self.rng.below(self.parts[PRIVATE].len());
        }
        plan
    }

    /// The forked child: checks the planned pages, rewrites its copies of the planned private
    /// pages, pushes them out and checks them. Only raw system calls and stack memory: the
    /// other threads of the parent may have held locks when it forked. Returns the exit status.
    fn child(&mut self, plan: &ForkPlan) -> u64 {
        for &(part, i) in &plan.checks {
            if !self.child_check(part, i, self.parts[part].versions[i]) {
                return 1;
            }
        }
        let seed = self.seed;
        let private = &mut self.parts[PRIVATE];
        for &i in &plan.rewrites {
            let before = private.expected(seed, i);
            let version = (private.versions[i] & !ZEROED) | CHILD;
            private.versions[i] = version;
            private
                .content(seed, i, version)
                .write_over(private.bytes_mut(i), before);
        }
        for &i in &plan.rewrites {
            let addr = private.region.at(private.page(i)) as u64;
            syscall6(SYS_MADVISE, [addr, PAGE as u64, MADV_PAGEOUT, 0, 0, 0]);
        }
        for &i in &plan.rewrites {
            if !self.child_check(PRIVATE, i, self.parts[PRIVATE].versions[i]) {
                return 1;
            }
        }
        0
    }

    /// `check` for the forked child: no allocation, one raw write(2) on a mismatch.
    fn child_check(&self, part: usize, i: usize, version: u32) -> bool {
        let p = &self.parts[part];
        match p.content(self.seed, i, version).mismatch(p.bytes(i)) {
            None => true,
            Some(at) => {
                raw_report(format_args!(
                    "anonfuzz: MISMATCH in a forked child of thread {}: {} page {}, version \
                     {version:#x}: byte {at} differs",
                    self.thread,
                    p.region.name,
                    p.page(i)
                ));
                false
            }
        }
    }
}

/// The memory: the shared region, the huge region and one private region per thread.
struct Regions {
    shared: Region,
    thp: Region,
    private: Vec<Region>,
}

impl Regions {
    /// Splits `mib` MiB: a quarter shared, a quarter huge (whole 2 MiB), the rest private.
    fn map(mib: usize, threads: usize) -> Result<Self, String> {
        let pages = mib * 256;
        let huge = (pages / 4).next_multiple_of(HUGE / PAGE);
        let shared = pages / 4;
        let private = (pages - huge - shared) / threads;
        Ok(Self {
            shared: Region::map("shared".into(), 0, shared, MAP_SHARED_ANONYMOUS, false)?,
            thp: Region::map("huge".into(), 1, huge, MAP_PRIVATE_ANONYMOUS, true)?,
            private: (0..threads)
                .map(|t| {
                    let name = format!("private{t}");
                    Region::map(name, 2 + t as u64, private, MAP_PRIVATE_ANONYMOUS, false)
                })
                .collect::<Result<_, _>>()?,
        })
    }
}

/// MIB, SECONDS, SEED and the thread count, or None on bad usage.
fn parse(args: &[String]) -> Option<(usize, u64, u64, usize)> {
    let (numbers, flags) = args.split_at(args.len().min(3));
    let [mib, seconds, seed] = numbers else {
        return None;
    };
    let threads = match flags {
        [] => 4,
        [flag] => flag.strip_prefix("--threads=")?.parse().ok()?,
        _ => return None,
    };
    let mib: usize = mib.parse().ok()?;
    (mib >= 8 && (1..=64).contains(&threads)).then_some((
        mib,
        seconds.parse().ok()?,
        seed.parse().ok()?,
        threads,
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mib, seconds, seed, threads)) = parse(&args) else {
        eprintln!("usage: anonfuzz MIB (8..) SECONDS SEED [--threads=N (1..64)]");
        return ExitCode::from(2);
    };
    println!("anonfuzz: seed {seed} (replay: anonfuzz {mib} {seconds} {seed} --threads={threads})");
    let regions = match Regions::map(mib, threads) {
        Ok(regions) => regions,
        Err(e) => {
            eprintln!("anonfuzz: {e}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let failed = AtomicBool::new(false);
    let mut total = Stats::default();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let worker = Worker::new(t, threads, seed, &regions, &failed);
                s.spawn(move || worker.run(deadline))
            })
            .collect();
        for w in workers {
            match w.join() {
                Ok(stats) => total += stats,
                Err(_) => total.errors += 1,
            }
        }
    });
    println!(
        "anonfuzz: seed {seed}, {threads} threads, {mib} MiB, {:.0} s: {} writes, {} checks, \
         {} pageouts, {} dontneeds, {} forks ({} child page checks and writes), {} pages \
         verified at the end, {} mismatches, {} failed system calls",
        start.elapsed().as_secs_f64(),
        total.writes,
        total.checks,
        total.pageouts,
        total.dontneeds,
        total.forks,
        total.child_pages,
        total.verified,
        total.mismatches,
        total.errors
    );
    if total.mismatches == 0 && total.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
