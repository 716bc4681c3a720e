//! Performs [`Op`]s on real files and on their models, and checks every byte read against the
//! model.

use super::model::{self, Fill};
use super::ops::{Mix, Op, KINDS};
use super::sys::{self, Aligned, Mapping, Msync, O_DIRECT};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};

/// How many operations the log keeps for a failure report.
const LOG: usize = 10_000;
/// How many of them a report shows: the last ones, and the last ones that changed or evicted
/// the page that differs.
const SHOWN: usize = 20;
/// The chunk of a whole-file check.
const CHUNK: usize = 1 << 20;

/// Why a run stops.
pub enum Failure {
    /// A read returned bytes (or a size) other than the model's: the report says how; `at` is
    /// the offset of the first difference in file number `file`.
    Mismatch {
        report: String,
        file: usize,
        at: u64,
    },
    /// A system call failed.
    Error(String),
}

fn error(what: &str, e: io::Error) -> Failure {
    Failure::Error(format!("{what}: {e}"))
}

/// A file under test: a buffered descriptor, an O_DIRECT one, and the expected contents.
struct Subject {
    path: String,
    file: Option<File>,
    direct: Option<File>,
    model: Vec<u8>,
}

/// The files under test and what has been done to them.
pub struct Fsx {
    dir: String,
    /// `(device, fstype)` to remount `dir` with.
    remount: Option<(String, String)>,
    use_direct: bool,
    subjects: Vec<Subject>,
    buf: Aligned,
    /// The last operations, with their numbers.
    log: VecDeque<(u64, Op)>,
    pub counts: [u64; KINDS.len()],
    pub ops: u64,
    pub checks: u64,
    pub bytes_checked: u64,
}

impl Fsx {
    /// Creates (or empties) the files `PREFIX.N` in `dir` that `mix` works on.
    pub fn new(
        dir: &str,
        prefix: &str,
        mix: &Mix,
        remount: Option<(String, String)>,
    ) -> Result<Fsx, Failure> {
        let subjects = (0..mix.files)
            .map(|i| Subject {
                path: format!("{dir}/{prefix}.{i}"),
                file: None,
                direct: None,
                model: Vec::new(),
            })
            .collect();
        let mut fsx = Fsx {
            dir: dir.to_string(),
            remount,
            use_direct: mix.direct,
            subjects,
            buf: Aligned::new(mix.max_io as usize),
            log: VecDeque::new(),
            counts: [0; KINDS.len()],
            ops: 0,
            checks: 0,
            bytes_checked: 0,
        };
        fsx.open(true)?;
        Ok(fsx)
    }

    /// Opens every file (emptied when `truncate`).
    fn open(&mut self, truncate: bool) -> Result<(), Failure> {
        for s in &mut self.subjects {
            let mut options = OpenOptions::new();
            options
                .read(true)
                .write(true)
                .create(true)
                .truncate(truncate);
            s.file = Some(options.open(&s.path).map_err(|e| error(&s.path, e))?);
            if self.use_direct {
                options.truncate(false).custom_flags(O_DIRECT);
                s.direct = Some(options.open(&s.path).map_err(|e| error(&s.path, e))?);
            }
        }
        Ok(())
    }

    /// The files' sizes in the model.
    pub fn sizes(&self) -> Vec<u64> {
        self.subjects.iter().map(|s| s.model.len() as u64).collect()
    }

    /// The last operations, oldest first, one per line.
    pub fn recent(&self) -> String {
        show(self.log.iter().rev().take(SHOWN))
    }

    /// The last operations that changed or evicted the page at offset `at` of `file`.
    pub fn history(&self, file: usize, at: u64) -> String {
        let page = at / 4096;
        show(
            self.log
                .iter()
                .rev()
                .filter(|(_, op)| op.changes(file, page))
                .take(SHOWN),
        )
    }

    /// Performs `op` and checks what it read.
    pub fn run(&mut self, op: Op) -> Result<(), Failure> {
        self.ops += 1;
        self.counts[op.kind().index()] += 1;
        if self.log.len() == LOG {
            self.log.pop_front();
        }
        self.log.push_back((self.ops, op));
        match op {
            Op::Read { file, offset, len } => self.read(file, offset, len),
            Op::Write {
                file,
                offset,
                len,
                fill,
            } => self.write(file, offset, len, fill),
            Op::MapRead { file, offset, len } => self.map_read(file, offset, len),
            Op::MapWrite {
                file,
                offset,
                len,
                fill,
                msync,
            } => self.map_write(file, offset, len, fill, msync),
            Op::Truncate { file, size } => self.truncate(file, size),
            Op::Punch { file, offset, len } => self.punch(file, offset, len),
            Op::DirectWrite {
                file,
                offset,
                len,
                fill,
            } => self.direct_write(file, offset, len, fill),
            Op::DirectRead { file, offset, len } => self.direct_read(file, offset, len),
            Op::Fsync { file } => self.fsync(file),
            Op::Evict { file, sync } => {
                if sync {
                    self.fsync(file)?;
                }
                self.evict(file)
            }
            Op::EvictRead { file } => {
                self.fsync(file)?;
                self.evict(file)?;
                self.check_file(file)
            }
            Op::DropCaches => std::fs::write("/proc/sys/vm/drop_caches", "1")
                .map_err(|e| error("/proc/sys/vm/drop_caches", e)),
            Op::Remount => self.remount(),
        }
    }

    fn map_write(
        &mut self,
        file: usize,
        offset: u64,
        len: u64,
        fill: Fill,
        msync: Msync,
    ) -> Result<(), Failure> {
        let s = &mut self.subjects[file];
        let mut map =
            Mapping::new(handle(&s.file), offset, len as usize).map_err(|e| error("mmap", e))?;
        fill.fill(offset, map.bytes());
        map.msync(msync).map_err(|e| error("msync", e))?;
        let mut data = vec![0; len as usize];
        fill.fill(offset, &mut data);
        model::write(&mut s.model, offset, &data);
        Ok(())
    }

    fn truncate(&mut self, file: usize, size: u64) -> Result<(), Failure> {
        let s = &mut self.subjects[file];
        handle(&s.file)
            .set_len(size)
            .map_err(|e| error("ftruncate", e))?;
        model::truncate(&mut s.model, size);
        Ok(())
    }

    fn punch(&mut self, file: usize, offset: u64, len: u64) -> Result<(), Failure> {
        let s = &mut self.subjects[file];
        sys::punch_hole(handle(&s.file), offset, len)
            .map_err(|e| error("fallocate(PUNCH_HOLE) (--no-punch turns it off)", e))?;
        model::punch(&mut s.model, offset, len);
        Ok(())
    }

    fn direct_write(
        &mut self,
        file: usize,
        offset: u64,
        len: u64,
        fill: Fill,
    ) -> Result<(), Failure> {
        let s = &mut self.subjects[file];
        let data = self.buf.get(len as usize);
        fill.fill(offset, data);
        handle(&s.direct)
            .write_all_at(data, offset)
            .map_err(|e| error("O_DIRECT write", e))?;
        model::write(&mut s.model, offset, data);
        Ok(())
    }

    fn fsync(&self, file: usize) -> Result<(), Failure> {
        handle(&self.subjects[file].file)
            .sync_all()
            .map_err(|e| error("fsync", e))
    }

    fn evict(&self, file: usize) -> Result<(), Failure> {
        sys::fadvise_dontneed(handle(&self.subjects[file].file))
            .map_err(|e| error("fadvise(DONTNEED)", e))
    }

    fn write(&mut self, file: usize, offset: u64, len: u64, fill: Fill) -> Result<(), Failure> {
        let s = &mut self.subjects[file];
        let mut data = vec![0; len as usize];
        fill.fill(offset, &mut data);
        handle(&s.file)
            .write_all_at(&data, offset)
            .map_err(|e| error("write", e))?;
        model::write(&mut s.model, offset, &data);
        Ok(())
    }

    /// A buffered read of `[offset, offset + len)`, checked.
    fn read(&mut self, file: usize, offset: u64, len: u64) -> Result<(), Failure> {
        let got = read_at(handle(&self.subjects[file].file), offset, len as usize)
            .map_err(|e| error("read", e))?;
        self.compare(file, offset, len, &got, "buffered read")
    }

    fn map_read(&mut self, file: usize, offset: u64, len: u64) -> Result<(), Failure> {
        let mut map = Mapping::new(handle(&self.subjects[file].file), offset, len as usize)
            .map_err(|e| error("mmap", e))?;
        let got = map.bytes().to_vec();
        drop(map);
        self.compare(file, offset, len, &got, "mmap read")
    }

    fn direct_read(&mut self, file: usize, offset: u64, len: u64) -> Result<(), Failure> {
        let s = &self.subjects[file];
        let buf = self.buf.get(len as usize);
        // One call: a short count only at the end of the file (a second O_DIRECT read from an
        // unaligned offset would fail).
        let n = handle(&s.direct)
            .read_at(buf, offset)
            .map_err(|e| error("O_DIRECT read", e))?;
        let got = buf[..n].to_vec();
        self.compare(file, offset, len, &got, "O_DIRECT read")
    }

    /// Checks the whole of `file` (its size and every byte) against the model.
    pub fn check_file(&mut self, file: usize) -> Result<(), Failure> {
        let s = &self.subjects[file];
        let size = handle(&s.file)
            .metadata()
            .map_err(|e| error("fstat", e))?
            .len();
        if size != s.model.len() as u64 {
            let report = format!(
                "f{file} ({}): st_size {size:#x}, expected {:#x}",
                s.path,
                s.model.len()
            );
            let at = size.min(s.model.len() as u64);
            return Err(Failure::Mismatch { report, file, at });
        }
        let mut offset = 0;
        while offset < size {
            let len = CHUNK.min((size - offset) as usize);
            let got = read_at(handle(&self.subjects[file].file), offset, len)
                .map_err(|e| error("read", e))?;
            self.compare(file, offset, len as u64, &got, "whole-file check")?;
            offset += len as u64;
        }
        // One more byte: nothing past the end.
        let past =
            read_at(handle(&self.subjects[file].file), size, 1).map_err(|e| error("read", e))?;
        self.compare(file, size, 1, &past, "read past the end")
    }

    /// Checks every file.
    pub fn check_all(&mut self) -> Result<(), Failure> {
        self.checks += 1;
        (0..self.subjects.len()).try_for_each(|file| self.check_file(file))
    }

    /// Closes every file, unmounts and mounts the file system again, reopens and checks them.
    fn remount(&mut self) -> Result<(), Failure> {
        let (device, fstype) = self.remount.clone().expect("remount only with --remount");
        for s in &mut self.subjects {
            s.file = None;
            s.direct = None;
        }
        sys::sync();
        sys::umount(&self.dir).map_err(|e| error("umount", e))?;
        sys::mount(&device, &self.dir, &fstype).map_err(|e| error("mount", e))?;
        self.open(false)?;
        self.check_all()
    }

    /// Compares the bytes a read of `len` bytes at `offset` of `file` returned with the model;
    /// on a difference, a report saying where and how they differ.
    fn compare(
        &mut self,
        file: usize,
        offset: u64,
        len: u64,
        got: &[u8],
        how: &str,
    ) -> Result<(), Failure> {
        self.bytes_checked += got.len() as u64;
        let s = &self.subjects[file];
        let expected = model::read(&s.model, offset, len);
        let Some(first) = model::first_difference(got, expected) else {
            return Ok(());
        };
        let mut report = format!(
            "f{file} ({}): {how} of {len:#x} bytes at {offset:#x} (model size {:#x})\n",
            s.path,
            s.model.len()
        );
        if got.len() != expected.len() {
            let _ = writeln!(
                report,
                "  returned {:#x} bytes, expected {:#x}",
                got.len(),
                expected.len()
            );
        }
        let at = offset + first as u64;
        let _ = writeln!(
            report,
            "  first difference at file offset {at:#x} (page {}, byte {:#x} of it): expected {}, got {}",
            at / 4096,
            at % 4096,
            hex(expected.get(first..).unwrap_or_default()),
            hex(got.get(first..).unwrap_or_default()),
        );
        report += &page_summary(offset, got, expected);
        // Read the range again, buffered: does the page cache now hold the right bytes?
        let again = read_at(handle(&s.file), offset, len as usize);
        let _ = writeln!(
            report,
            "  a second buffered read of the range {}",
            match again {
                Ok(again) if again == expected => "matches the model".to_string(),
                Ok(again) if again == got => "returns the same wrong bytes".to_string(),
                Ok(_) => "returns other wrong bytes".to_string(),
                Err(e) => format!("fails: {e}"),
            }
        );
        Err(Failure::Mismatch { report, file, at })
    }
}

/// Numbered operations, given newest first, one per line oldest first.
fn show<'a>(ops: impl Iterator<Item = &'a (u64, Op)>) -> String {
    let ops: Vec<_> = ops.collect();
    ops.iter().rev().fold(String::new(), |mut out, (n, op)| {
        let _ = writeln!(out, "  #{n} {op}");
        out
    })
}

/// Up to 16 bytes in hex.
fn hex(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(16)];
    let mut out: String = shown
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    if shown.is_empty() {
        out.push_str("(nothing)");
    }
    out
}

/// The pages of a read (at file offset `offset`) that differ: how many bytes each, and whether
/// the wrong page is all zeros (up to 8 pages listed).
fn page_summary(offset: u64, got: &[u8], expected: &[u8]) -> String {
    let mut out = String::new();
    let mut bad = 0;
    let common = got.len().min(expected.len());
    let mut start = 0;
    while start < common {
        // The part of the read within one file page.
        let end = common.min(start + 4096 - ((offset + start as u64) % 4096) as usize);
        let (g, e) = (&got[start..end], &expected[start..end]);
        let differing = g.iter().zip(e).filter(|(a, b)| a != b).count();
        if differing > 0 {
            bad += 1;
            if bad <= 8 {
                let zeros = if g.iter().all(|&b| b == 0) {
                    ", got all zeros"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  page {}: {differing} of {} bytes differ{zeros}",
                    (offset + start as u64) / 4096,
                    end - start
                );
            }
        }
        start = end;
    }
    let _ = writeln!(out, "  {bad} page(s) differ in this read");
    out
}

/// The descriptor of an open subject (every subject is open between operations).
fn handle(file: &Option<File>) -> &File {
    file.as_ref().expect("files are open between operations")
}

/// Reads up to `len` bytes at `offset` (fewer only at the end of the file).
fn read_at(file: &File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    let mut done = 0;
    while done < len {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(done);
    Ok(buf)
}
