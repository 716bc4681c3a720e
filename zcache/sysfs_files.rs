// SPDX-License-Identifier: GPL-2.0

//! The files of `/sys/kernel/mm/ramster/` and the modes that have them.
//!
//! Two kinds of file live there (`Documentation/sysfs-abi.rst`): RAMster's settings, the
//! original's [`Knob`]s (`mode=ramster` only), and the statistics any user may read (mode
//! 0444): [`SysfsFile::MmStat`], the local store's `mm_stat` line (`mode=zcache` and
//! `mode=ramster`), and [`SysfsFile::PeerStat`], one line per peer node (`mode=ramster`).
//! `mode=off` has no folder. The sysfs glue (`src/sysfs.rs`) numbers the files by their
//! position in [`SysfsFile::ALL`] and makes those [`SysfsFile::exists_in`] the module's mode.

use super::remote::knobs::Knob;
use crate::params::Mode;

/// One file of `/sys/kernel/mm/ramster/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysfsFile {
    /// A setting, or one of the original's read-only files (`interface_revision`,
    /// `remote_pers_pages`).
    Knob(Knob),
    /// `mm_stat`: what the local store holds, as debugfs `zcache/mm_stat`.
    MmStat,
    /// `peer_stat`: one line per peer node.
    PeerStat,
}

impl SysfsFile {
    /// Every file, in the order the glue numbers them (a file's id is its position).
    pub const ALL: [SysfsFile; 9] = [
        SysfsFile::Knob(Knob::ALL[0]),
        SysfsFile::Knob(Knob::ALL[1]),
        SysfsFile::Knob(Knob::ALL[2]),
        SysfsFile::Knob(Knob::ALL[3]),
        SysfsFile::Knob(Knob::ALL[4]),
        SysfsFile::Knob(Knob::ALL[5]),
        SysfsFile::Knob(Knob::ALL[6]),
        SysfsFile::MmStat,
        SysfsFile::PeerStat,
    ];

    /// The file's name.
    pub const fn name(self) -> &'static str {
        match self {
            SysfsFile::Knob(knob) => knob.name(),
            SysfsFile::MmStat => "mm_stat",
            SysfsFile::PeerStat => "peer_stat",
        }
    }

    /// Whether the file can be written (only settings can).
    pub const fn writable(self) -> bool {
        match self {
            SysfsFile::Knob(knob) => knob.writable(),
            SysfsFile::MmStat | SysfsFile::PeerStat => false,
        }
    }

    /// The file's mode bits (`0444` or `0644`).
    pub const fn mode(self) -> u16 {
        if self.writable() {
            0o644
        } else {
            0o444
        }
    }

    /// The file numbered `id` (its position in [`SysfsFile::ALL`]).
    pub fn from_id(id: usize) -> Option<SysfsFile> {
        SysfsFile::ALL.get(id).copied()
    }

    /// Whether the module loaded with `mode` has this file: `mm_stat` wherever there is a
    /// store, the rest with `mode=ramster` only.
    pub(crate) fn exists_in(self, mode: Mode) -> bool {
        match (self, mode) {
            (_, Mode::Off) => false,
            (SysfsFile::MmStat, _) => true,
            (_, Mode::Ramster) => true,
            (_, Mode::Zcache) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::vec::Vec;

    fn names(mode: Mode) -> Vec<&'static str> {
        SysfsFile::ALL
            .iter()
            .filter(|f| f.exists_in(mode))
            .map(|f| f.name())
            .collect()
    }

    #[test]
    fn each_mode_has_its_files() {
        assert!(names(Mode::Off).is_empty());
        assert_eq!(names(Mode::Zcache), ["mm_stat"]);
        assert_eq!(
            names(Mode::Ramster),
            [
                "interface_revision",
                "remote_pers_pages",
                "manual_node_up",
                "remote_target_nodenum",
                "pers_remotify_enable",
                "eph_remotify_enable",
                "pers_prefetch_enable",
                "mm_stat",
                "peer_stat",
            ]
        );
    }

    #[test]
    fn every_knob_once_and_the_statistics_read_only() {
        for knob in Knob::ALL {
            let found = SysfsFile::ALL
                .iter()
                .filter(|f| **f == SysfsFile::Knob(knob));
            assert_eq!(found.count(), 1, "{knob}");
            assert_eq!(SysfsFile::Knob(knob).mode(), knob.mode());
        }
        assert_eq!(SysfsFile::MmStat.mode(), 0o444);
        assert_eq!(SysfsFile::PeerStat.mode(), 0o444);
        assert!(!SysfsFile::MmStat.writable() && !SysfsFile::PeerStat.writable());
        for (id, file) in SysfsFile::ALL.iter().enumerate() {
            assert_eq!(SysfsFile::from_id(id), Some(*file));
        }
        assert_eq!(SysfsFile::from_id(SysfsFile::ALL.len()), None);
    }
}
