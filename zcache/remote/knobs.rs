// SPDX-License-Identifier: GPL-2.0

//! The `/sys/kernel/mm/ramster/` settings, as the original's files, and the rules for writing
//! them.
//!
//! [`KNOBS`] is the one set of settings the module has; the remotify worker reads it through
//! [`Knobs::remote_target`], [`Knobs::eph_remotify`], [`Knobs::pers_remotify`],
//! [`Knobs::manually_up`] and [`Knobs::any_manually_up`], remote gets through
//! [`Knobs::pers_prefetch`]. The sysfs glue (`src/sysfs.rs`) makes one
//! file per [`Knob`] and calls [`Knobs::show`] and [`Knobs::store`]. A write is parsed strictly (the
//! rules of [`crate::cluster::config_text`]: plain decimal, one trailing newline allowed) and
//! either takes effect whole or changes nothing and returns a [`KnobError`] that names the file
//! and its allowed values.
//!
//! Defaults: automatic target choice, both remotify switches on (with `mode=ramster` the module is
//! meant to remotify; the original defaulted them to 0), no node marked up, prefetch on (ours:
//! the original had none).

use super::counters::RAMSTER_COUNTERS;
use crate::cluster::config_text::{parse_bool, parse_decimal, trim_newline, TextError};
use crate::cluster::node_num::NodeNum;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

/// The sysfs interface revision, as the original's (`interface_revision`).
pub const INTERFACE_REVISION: u32 = 5;

/// One file of `/sys/kernel/mm/ramster/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// `interface_revision` (read-only): [`INTERFACE_REVISION`].
    InterfaceRevision,
    /// `remote_pers_pages` (read-only): persistent pages this node keeps on peers.
    RemotePersPages,
    /// `manual_node_up`: a write marks a node up; a read lists the marked nodes.
    ManualNodeUp,
    /// `remote_target_nodenum`: the node to remotify to, or -1 to choose automatically.
    RemoteTargetNodenum,
    /// `pers_remotify_enable`: 0 or 1.
    PersRemotifyEnable,
    /// `eph_remotify_enable`: 0 or 1.
    EphRemotifyEnable,
    /// `pers_prefetch_enable`: 0 or 1 (ours: a swap page's get brings its readahead window).
    PersPrefetchEnable,
}

impl Knob {
    /// Every file, in the order the glue numbers them (a file's id is its position).
    pub const ALL: [Knob; 7] = [
        Knob::InterfaceRevision,
        Knob::RemotePersPages,
        Knob::ManualNodeUp,
        Knob::RemoteTargetNodenum,
        Knob::PersRemotifyEnable,
        Knob::EphRemotifyEnable,
        Knob::PersPrefetchEnable,
    ];

    /// The file's name.
    pub const fn name(self) -> &'static str {
        match self {
            Knob::InterfaceRevision => "interface_revision",
            Knob::RemotePersPages => "remote_pers_pages",
            Knob::ManualNodeUp => "manual_node_up",
            Knob::RemoteTargetNodenum => "remote_target_nodenum",
            Knob::PersRemotifyEnable => "pers_remotify_enable",
            Knob::EphRemotifyEnable => "eph_remotify_enable",
            Knob::PersPrefetchEnable => "pers_prefetch_enable",
        }
    }

    /// Whether the file can be written.
    pub const fn writable(self) -> bool {
        !matches!(self, Knob::InterfaceRevision | Knob::RemotePersPages)
    }

    /// The file's mode bits (`0444` or `0644`).
    pub const fn mode(self) -> u16 {
        if self.writable() {
            0o644
        } else {
            0o444
        }
    }

    /// The file numbered `id` (its position in [`Knob::ALL`]).
    pub fn from_id(id: usize) -> Option<Knob> {
        Knob::ALL.get(id).copied()
    }

    /// What a write may contain, for messages.
    pub const fn allowed(self) -> &'static str {
        match self {
            Knob::InterfaceRevision | Knob::RemotePersPages => "nothing: the file is read-only",
            Knob::ManualNodeUp => "a node number 0..254",
            Knob::RemoteTargetNodenum => "a node number 0..254, or -1 to choose automatically",
            Knob::PersRemotifyEnable | Knob::EphRemotifyEnable | Knob::PersPrefetchEnable => {
                "0 or 1"
            }
        }
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a write was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnobError {
    /// The file is read-only.
    ReadOnly(Knob),
    /// The text is not one of the file's values.
    Invalid(Knob, Reason),
}

/// What is wrong with a refused value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Not parsed as a number or a 0/1 switch.
    Text(TextError),
    /// A number outside the allowed range.
    OutOfRange,
}

impl KnobError {
    /// The file the write was for.
    pub fn knob(self) -> Knob {
        match self {
            KnobError::ReadOnly(k) | KnobError::Invalid(k, _) => k,
        }
    }
}

impl fmt::Display for KnobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KnobError::ReadOnly(k) => write!(f, "{k} is read-only"),
            KnobError::Invalid(k, Reason::Text(e)) => {
                write!(f, "{k}: {e}; allowed: {}", k.allowed())
            }
            KnobError::Invalid(k, Reason::OutOfRange) => {
                write!(f, "{k}: out of range; allowed: {}", k.allowed())
            }
        }
    }
}

/// `remote_target` when no node is chosen.
const AUTOMATIC: u8 = u8::MAX;

/// Words of the `manual_node_up` bitmap.
const UP_WORDS: usize = NodeNum::COUNT.div_ceil(64);

/// The settings of `/sys/kernel/mm/ramster/`.
pub struct Knobs {
    /// The target node number, or [`AUTOMATIC`].
    remote_target: AtomicU8,
    eph_remotify: AtomicBool,
    pers_remotify: AtomicBool,
    pers_prefetch: AtomicBool,
    /// Nodes marked through `manual_node_up`, one bit per node number.
    manually_up: [AtomicU64; UP_WORDS],
}

/// The module's settings.
pub static KNOBS: Knobs = Knobs::new();

/// A node number written as plain decimal, 0..=254.
fn parse_node(knob: Knob, text: &[u8]) -> Result<NodeNum, KnobError> {
    let value = parse_decimal(text).map_err(|e| KnobError::Invalid(knob, Reason::Text(e)))?;
    u8::try_from(value)
        .ok()
        .and_then(NodeNum::new)
        .ok_or(KnobError::Invalid(knob, Reason::OutOfRange))
}

impl Knobs {
    /// The defaults: automatic target, both remotify switches on, no node marked up, prefetch
    /// on.
    pub const fn new() -> Self {
        Self {
            remote_target: AtomicU8::new(AUTOMATIC),
            eph_remotify: AtomicBool::new(true),
            pers_remotify: AtomicBool::new(true),
            pers_prefetch: AtomicBool::new(true),
            manually_up: [const { AtomicU64::new(0) }; UP_WORDS],
        }
    }

    /// The node to remotify to; `None`: choose automatically among live nodes.
    pub fn remote_target(&self) -> Option<NodeNum> {
        NodeNum::new(self.remote_target.load(Ordering::Relaxed))
    }

    /// Whether ephemeral (cleancache) pages may be remotified.
    pub fn eph_remotify(&self) -> bool {
        self.eph_remotify.load(Ordering::Relaxed)
    }

    /// Whether persistent (frontswap) pages may be remotified.
    pub fn pers_remotify(&self) -> bool {
        self.pers_remotify.load(Ordering::Relaxed)
    }

    /// Whether a persistent (frontswap) page's remote get also brings the other remote pages of
    /// its readahead window (`zcache/remote/prefetch.rs`).
    pub fn pers_prefetch(&self) -> bool {
        self.pers_prefetch.load(Ordering::Relaxed)
    }

    /// Whether `node` was marked through `manual_node_up`.
    pub fn manually_up(&self, node: NodeNum) -> bool {
        let (word, bit) = (node.index() / 64, node.index() % 64);
        self.manually_up
            .get(word)
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1u64 << bit) != 0)
    }

    /// Whether any node was marked through `manual_node_up`.
    pub fn any_manually_up(&self) -> bool {
        self.manually_up
            .iter()
            .any(|w| w.load(Ordering::Relaxed) != 0)
    }

    fn mark_up(&self, node: NodeNum) {
        let (word, bit) = (node.index() / 64, node.index() % 64);
        if let Some(w) = self.manually_up.get(word) {
            w.fetch_or(1u64 << bit, Ordering::Relaxed);
        }
    }

    /// Applies a write of `text` to `knob`. On error nothing changes.
    pub fn store(&self, knob: Knob, text: &[u8]) -> Result<(), KnobError> {
        let invalid = |e| KnobError::Invalid(knob, Reason::Text(e));
        match knob {
            Knob::InterfaceRevision | Knob::RemotePersPages => Err(KnobError::ReadOnly(knob)),
            Knob::ManualNodeUp => {
                self.mark_up(parse_node(knob, text)?);
                Ok(())
            }
            Knob::RemoteTargetNodenum => {
                let value = if trim_newline(text) == b"-1" {
                    AUTOMATIC
                } else {
                    parse_node(knob, text)?.get()
                };
                self.remote_target.store(value, Ordering::Relaxed);
                Ok(())
            }
            Knob::PersRemotifyEnable => {
                let on = parse_bool(text).map_err(invalid)?;
                self.pers_remotify.store(on, Ordering::Relaxed);
                Ok(())
            }
            Knob::EphRemotifyEnable => {
                let on = parse_bool(text).map_err(invalid)?;
                self.eph_remotify.store(on, Ordering::Relaxed);
                Ok(())
            }
            Knob::PersPrefetchEnable => {
                let on = parse_bool(text).map_err(invalid)?;
                self.pers_prefetch.store(on, Ordering::Relaxed);
                Ok(())
            }
        }
    }

    /// Writes what a read of `knob` shows, newline included.
    pub fn show(&self, knob: Knob, out: &mut impl fmt::Write) -> fmt::Result {
        match knob {
            Knob::InterfaceRevision => writeln!(out, "{INTERFACE_REVISION}"),
            Knob::RemotePersPages => writeln!(out, "{}", RAMSTER_COUNTERS.remote_pers_pages.get()),
            Knob::ManualNodeUp => {
                let mut sep = "";
                for node in (0..=NodeNum::MAX).filter_map(NodeNum::new) {
                    if self.manually_up(node) {
                        write!(out, "{sep}{node}")?;
                        sep = " ";
                    }
                }
                writeln!(out)
            }
            Knob::RemoteTargetNodenum => match self.remote_target() {
                Some(node) => writeln!(out, "{node}"),
                None => writeln!(out, "-1"),
            },
            Knob::PersRemotifyEnable => writeln!(out, "{}", u8::from(self.pers_remotify())),
            Knob::EphRemotifyEnable => writeln!(out, "{}", u8::from(self.eph_remotify())),
            Knob::PersPrefetchEnable => writeln!(out, "{}", u8::from(self.pers_prefetch())),
        }
    }
}

impl Default for Knobs {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
#[path = "knobs_tests.rs"]
mod tests;
