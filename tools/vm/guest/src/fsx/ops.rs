//! The operations `fsx` performs, how it picks them, and how it names them in its log.

use super::model::{Fill, Rng};
use super::sys::{Msync, DIRECT_ALIGN};
use std::fmt;

/// One operation on file `file` (an index) or on the whole file system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Buffered pread, checked against the model.
    Read {
        file: usize,
        offset: u64,
        len: u64,
    },
    /// Buffered pwrite (may extend the file).
    Write {
        file: usize,
        offset: u64,
        len: u64,
        fill: Fill,
    },
    /// Copy out of a shared mapping, checked (the range lies within the file).
    MapRead {
        file: usize,
        offset: u64,
        len: u64,
    },
    /// Store into a shared mapping (within the file), then msync or not.
    MapWrite {
        file: usize,
        offset: u64,
        len: u64,
        fill: Fill,
        msync: Msync,
    },
    /// ftruncate, shrinking or growing (the grown part reads as zeros).
    Truncate {
        file: usize,
        size: u64,
    },
    /// fallocate(PUNCH_HOLE | KEEP_SIZE).
    Punch {
        file: usize,
        offset: u64,
        len: u64,
    },
    /// O_DIRECT pwrite, block aligned.
    DirectWrite {
        file: usize,
        offset: u64,
        len: u64,
        fill: Fill,
    },
    /// O_DIRECT pread, block aligned, checked.
    DirectRead {
        file: usize,
        offset: u64,
        len: u64,
    },
    Fsync {
        file: usize,
    },
    /// posix_fadvise(DONTNEED) on the whole file (after an fsync when `sync`): its clean pages
    /// leave the page cache, into cleancache.
    Evict {
        file: usize,
        sync: bool,
    },
    /// fsync, DONTNEED, then a checked read of the whole file: reads that cleancache serves.
    EvictRead {
        file: usize,
    },
    /// `echo 1 > /proc/sys/vm/drop_caches`: every clean page cache page of the system goes.
    DropCaches,
    /// Close every file, unmount, mount again, reopen, check every file.
    Remount,
}

/// The kinds of [`Op`], for the weights and the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Read,
    Write,
    MapRead,
    MapWrite,
    Truncate,
    Punch,
    DirectWrite,
    DirectRead,
    Fsync,
    Evict,
    EvictRead,
    DropCaches,
    Remount,
}

/// Every kind, its name and its weight (per mille when every kind is on; a kind turned off
/// leaves the others in proportion).
pub const KINDS: [(Kind, &str, u64); 13] = [
    (Kind::Read, "read", 200),
    (Kind::Write, "write", 210),
    (Kind::MapRead, "mapread", 55),
    (Kind::MapWrite, "mapwrite", 85),
    (Kind::Truncate, "truncate", 55),
    (Kind::Punch, "punch", 55),
    (Kind::DirectWrite, "dwrite", 65),
    (Kind::DirectRead, "dread", 55),
    (Kind::Fsync, "fsync", 45),
    (Kind::Evict, "evict", 60),
    (Kind::EvictRead, "evictread", 105),
    (Kind::DropCaches, "dropcaches", 8),
    (Kind::Remount, "remount", 2),
];

impl Kind {
    pub fn index(self) -> usize {
        KINDS
            .iter()
            .position(|(k, _, _)| *k == self)
            .expect("every kind is listed")
    }

    pub fn name(self) -> &'static str {
        KINDS[self.index()].1
    }
}

/// What the mix may contain, and the sizes it works with.
pub struct Mix {
    pub files: usize,
    /// Offsets and sizes stay below this.
    pub max_size: u64,
    /// The longest single read or write.
    pub max_io: u64,
    pub punch: bool,
    pub direct: bool,
    pub drop_caches: bool,
    pub remount: bool,
}

impl Mix {
    fn allowed(&self, kind: Kind) -> bool {
        match kind {
            Kind::Punch => self.punch,
            Kind::DirectWrite | Kind::DirectRead => self.direct,
            Kind::DropCaches => self.drop_caches,
            Kind::Remount => self.remount,
            _ => true,
        }
    }

    /// Picks the next operation; `sizes` are the files' current sizes (in the model).
    pub fn next(&self, rng: &mut Rng, sizes: &[u64]) -> Op {
        let total: u64 = KINDS
            .iter()
            .filter(|(k, _, _)| self.allowed(*k))
            .map(|(_, _, w)| w)
            .sum();
        let mut pick = rng.below(total);
        let kind = KINDS
            .iter()
            .filter(|(k, _, _)| self.allowed(*k))
            .find(|(_, _, w)| {
                let hit = pick < *w;
                pick = pick.saturating_sub(*w);
                hit
            })
            .map(|(k, _, _)| *k)
            .expect("the pick is below the total");
        let file = rng.below(self.files as u64) as usize;
        self.op(kind, file, sizes[file], rng)
    }

    /// An operation of `kind` on `file`, now `size` bytes long.
    fn op(&self, kind: Kind, file: usize, size: u64, rng: &mut Rng) -> Op {
        let max = self.max_size;
        match kind {
            Kind::Read => {
                // Mostly within the file, sometimes across or past its end.
                let offset = rng.below(size.max(1) + size / 8 + 1);
                Op::Read {
                    file,
                    offset,
                    len: rng.len(self.max_io),
                }
            }
            Kind::Write => {
                let offset = rng.below(max);
                let len = rng.len(self.max_io.min(max - offset));
                Op::Write {
                    file,
                    offset,
                    len,
                    fill: Fill::choose(rng),
                }
            }
            Kind::MapRead | Kind::MapWrite if size == 0 => Op::Truncate {
                file,
                size: 1 + rng.below(max),
            },
            Kind::MapRead | Kind::MapWrite => {
                let offset = rng.below(size);
                let len = rng.len(self.max_io.min(size - offset));
                if kind == Kind::MapRead {
                    return Op::MapRead { file, offset, len };
                }
                let msync = [Msync::Sync, Msync::Async, Msync::None][rng.below(3) as usize];
                Op::MapWrite {
                    file,
                    offset,
                    len,
                    fill: Fill::choose(rng),
                    msync,
                }
            }
            Kind::Truncate => {
                // Shrink or grow equally often, to any size or near the current one.
                let size = if rng.chance(1, 2) {
                    rng.below(max + 1)
                } else {
                    let delta = rng.len(64 << 10);
                    if rng.chance(1, 2) {
                        size.saturating_sub(delta)
                    } else {
                        (size + delta).min(max)
                    }
                };
                Op::Truncate { file, size }
            }
            Kind::Punch => {
                let offset = rng.below(size.max(1));
                Op::Punch {
                    file,
                    offset,
                    len: rng.len(self.max_io),
                }
            }
            Kind::DirectWrite | Kind::DirectRead => {
                let block = DIRECT_ALIGN as u64;
                let blocks = max / block;
                let first = rng.below(blocks);
                let len = rng.len((blocks - first).min(self.max_io / block).max(1)) * block;
                let offset = first * block;
                if kind == Kind::DirectRead {
                    Op::DirectRead { file, offset, len }
                } else {
                    Op::DirectWrite {
                        file,
                        offset,
                        len,
                        fill: Fill::choose(rng),
                    }
                }
            }
            Kind::Fsync => Op::Fsync { file },
            Kind::Evict => Op::Evict {
                file,
                sync: rng.chance(1, 2),
            },
            Kind::EvictRead => Op::EvictRead { file },
            Kind::DropCaches => Op::DropCaches,
            Kind::Remount => Op::Remount,
        }
    }
}

impl Op {
    pub fn kind(&self) -> Kind {
        match self {
            Op::Read { .. } => Kind::Read,
            Op::Write { .. } => Kind::Write,
            Op::MapRead { .. } => Kind::MapRead,
            Op::MapWrite { .. } => Kind::MapWrite,
            Op::Truncate { .. } => Kind::Truncate,
            Op::Punch { .. } => Kind::Punch,
            Op::DirectWrite { .. } => Kind::DirectWrite,
            Op::DirectRead { .. } => Kind::DirectRead,
            Op::Fsync { .. } => Kind::Fsync,
            Op::Evict { .. } => Kind::Evict,
            Op::EvictRead { .. } => Kind::EvictRead,
            Op::DropCaches => Kind::DropCaches,
            Op::Remount => Kind::Remount,
        }
    }
}

impl Op {
    /// Whether this operation may have changed page `page` of file `file`, or evicted it (which
    /// puts it into cleancache): every operation but reads.
    pub fn changes(&self, file: usize, page: u64) -> bool {
        let covers =
            |offset: u64, len: u64| offset / 4096 <= page && page <= (offset + len - 1) / 4096;
        match *self {
            Op::Read { .. } | Op::MapRead { .. } | Op::DirectRead { .. } => false,
            Op::Write {
                file: f,
                offset,
                len,
                ..
            }
            | Op::MapWrite {
                file: f,
                offset,
                len,
                ..
            }
            | Op::DirectWrite {
                file: f,
                offset,
                len,
                ..
            }
            | Op::Punch {
                file: f,
                offset,
                len,
            } => f == file && covers(offset, len),
            Op::Truncate { file: f, .. }
            | Op::Fsync { file: f }
            | Op::Evict { file: f, .. }
            | Op::EvictRead { file: f } => f == file,
            Op::DropCaches | Op::Remount => true,
        }
    }
}

/// `[offset, offset + len)` in hex, with the pages it touches.
struct Range(u64, u64);

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Range(offset, len) = *self;
        let last = (offset + len).max(1) - 1;
        write!(
            f,
            "{offset:#x}+{len:#x} (pages {}..={})",
            offset / 4096,
            last / 4096
        )
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.kind().name();
        match *self {
            Op::Read { file, offset, len }
            | Op::MapRead { file, offset, len }
            | Op::Punch { file, offset, len }
            | Op::DirectRead { file, offset, len } => {
                write!(f, "{name} f{file} {}", Range(offset, len))
            }
            Op::Write {
                file,
                offset,
                len,
                fill,
            }
            | Op::DirectWrite {
                file,
                offset,
                len,
                fill,
            } => {
                write!(f, "{name} f{file} {} {fill:?}", Range(offset, len))
            }
            Op::MapWrite {
                file,
                offset,
                len,
                fill,
                msync,
            } => {
                write!(
                    f,
                    "{name} f{file} {} {fill:?} msync {msync:?}",
                    Range(offset, len)
                )
            }
            Op::Truncate { file, size } => write!(f, "{name} f{file} to {size:#x}"),
            Op::Fsync { file } | Op::EvictRead { file } => write!(f, "{name} f{file}"),
            Op::Evict { file, sync } => write!(f, "{name} f{file} fsync first: {sync}"),
            Op::DropCaches | Op::Remount => write!(f, "{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(punch: bool) -> Mix {
        Mix {
            files: 3,
            max_size: 1 << 20,
            max_io: 128 << 10,
            punch,
            direct: true,
            drop_caches: false,
            remount: false,
        }
    }

    #[test]
    fn ops_stay_within_bounds() {
        let mix = mix(true);
        let mut rng = Rng::new(9);
        let mut sizes = [0u64, 4096, 1 << 20];
        let mut seen = [0usize; KINDS.len()];
        for _ in 0..100_000 {
            let op = mix.next(&mut rng, &sizes);
            seen[op.kind().index()] += 1;
            match op {
                Op::Write { offset, len, .. } => {
                    assert!(len > 0 && offset + len <= mix.max_size);
                }
                Op::MapRead { file, offset, len }
                | Op::MapWrite {
                    file, offset, len, ..
                } => {
                    assert!(len > 0 && offset + len <= sizes[file]);
                }
                Op::DirectRead { offset, len, .. } | Op::DirectWrite { offset, len, .. } => {
                    assert_eq!((offset % 4096, len % 4096), (0, 0));
                    assert!(len > 0 && offset + len <= mix.max_size);
                }
                Op::Truncate { file, size } => {
                    assert!(size <= mix.max_size);
                    sizes[file] = size;
                }
                _ => {}
            }
        }
        for (i, (kind, _, _)) in KINDS.iter().enumerate() {
            let expected = !matches!(kind, Kind::DropCaches | Kind::Remount);
            assert_eq!(seen[i] > 0, expected, "{kind:?}");
        }
        let mut rng = Rng::new(9);
        let no_punch = super::Mix {
            punch: false,
            ..mix
        };
        assert!((0..10_000).all(|_| no_punch.next(&mut rng, &sizes).kind() != Kind::Punch));
    }

    #[test]
    fn the_weights_are_per_mille() {
        assert_eq!(KINDS.iter().map(|(_, _, w)| w).sum::<u64>(), 1000);
    }

    #[test]
    fn the_same_seed_gives_the_same_ops() {
        let (mix, sizes) = (mix(true), [100, 200, 300]);
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        for _ in 0..1000 {
            assert_eq!(mix.next(&mut a, &sizes), mix.next(&mut b, &sizes));
        }
    }

    #[test]
    fn changes_names_the_pages_an_op_touches() {
        let write = Op::Write {
            file: 1,
            offset: 4095,
            len: 2,
            fill: Fill::Byte(1),
        };
        assert!(write.changes(1, 0) && write.changes(1, 1));
        assert!(!write.changes(1, 2) && !write.changes(0, 0));
        assert!(Op::Evict {
            file: 1,
            sync: false
        }
        .changes(1, 7));
        assert!(Op::DropCaches.changes(3, 9));
        assert!(!Op::Read {
            file: 1,
            offset: 0,
            len: 4096
        }
        .changes(1, 0));
    }
}
