// SPDX-License-Identifier: GPL-2.0

//! Host tests of the `/sys/kernel/mm/ramster/` settings: defaults, every good write, every bad
//! write, and that a bad write changes nothing.

extern crate std;

use super::*;
use std::string::{String, ToString};

fn show(knobs: &Knobs, knob: Knob) -> String {
    let mut s = String::new();
    knobs.show(knob, &mut s).unwrap();
    s
}

/// What every file shows, in [`Knob::ALL`] order (remote_pers_pages skipped: a global counter).
fn snapshot(knobs: &Knobs) -> [String; 5] {
    [
        show(knobs, Knob::ManualNodeUp),
        show(knobs, Knob::RemoteTargetNodenum),
        show(knobs, Knob::PersRemotifyEnable),
        show(knobs, Knob::EphRemotifyEnable),
        show(knobs, Knob::PersPrefetchEnable),
    ]
}

fn node(n: u8) -> NodeNum {
    NodeNum::new(n).unwrap()
}

#[test]
fn names_modes_and_ids() {
    let names: std::vec::Vec<_> = Knob::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        names,
        [
            "interface_revision",
            "remote_pers_pages",
            "manual_node_up",
            "remote_target_nodenum",
            "pers_remotify_enable",
            "eph_remotify_enable",
            "pers_prefetch_enable"
        ]
    );
    for (id, knob) in Knob::ALL.iter().enumerate() {
        assert_eq!(Knob::from_id(id), Some(*knob));
    }
    assert_eq!(Knob::from_id(7), None);
    assert_eq!(Knob::InterfaceRevision.mode(), 0o444);
    assert_eq!(Knob::RemotePersPages.mode(), 0o444);
    assert_eq!(Knob::ManualNodeUp.mode(), 0o644);
    assert_eq!(Knob::EphRemotifyEnable.mode(), 0o644);
    assert_eq!(Knob::PersPrefetchEnable.mode(), 0o644);
}

#[test]
fn defaults() {
    let k = Knobs::new();
    assert_eq!(k.remote_target(), None);
    assert!(k.eph_remotify());
    assert!(k.pers_remotify());
    assert!(k.pers_prefetch());
    assert!(!k.any_manually_up());
    assert!(!k.manually_up(node(0)));
    assert_eq!(show(&k, Knob::InterfaceRevision), "5\n");
    assert_eq!(show(&k, Knob::ManualNodeUp), "\n");
    assert_eq!(show(&k, Knob::RemoteTargetNodenum), "-1\n");
    assert_eq!(show(&k, Knob::PersRemotifyEnable), "1\n");
    assert_eq!(show(&k, Knob::EphRemotifyEnable), "1\n");
    assert_eq!(show(&k, Knob::PersPrefetchEnable), "1\n");
    assert_eq!(KNOBS.remote_target(), None);
}

#[test]
fn remote_pers_pages_reads_the_counter() {
    let k = Knobs::new();
    let shown = show(&k, Knob::RemotePersPages);
    let n: u64 = shown.trim_end().parse().unwrap();
    assert!(n <= RAMSTER_COUNTERS.remote_pers_pages.get());
    assert!(shown.ends_with('\n'));
}

#[test]
fn read_only_files_refuse_writes() {
    let k = Knobs::new();
    for knob in [Knob::InterfaceRevision, Knob::RemotePersPages] {
        let before = snapshot(&k);
        assert_eq!(k.store(knob, b"1\n"), Err(KnobError::ReadOnly(knob)));
        assert_eq!(k.store(knob, b""), Err(KnobError::ReadOnly(knob)));
        assert_eq!(snapshot(&k), before);
        assert!(!knob.writable());
    }
    assert_eq!(show(&k, Knob::InterfaceRevision), "5\n");
    let msg = KnobError::ReadOnly(Knob::InterfaceRevision).to_string();
    assert_eq!(msg, "interface_revision is read-only");
}

#[test]
fn manual_node_up_marks_nodes() {
    let k = Knobs::new();
    k.store(Knob::ManualNodeUp, b"3\n").unwrap();
    assert!(k.any_manually_up());
    assert!(k.manually_up(node(3)));
    assert!(!k.manually_up(node(2)));
    k.store(Knob::ManualNodeUp, b"0").unwrap();
    k.store(Knob::ManualNodeUp, b"254").unwrap();
    k.store(Knob::ManualNodeUp, b"64\n").unwrap();
    k.store(Knob::ManualNodeUp, b"3").unwrap();
    assert_eq!(show(&k, Knob::ManualNodeUp), "0 3 64 254\n");
    assert!(k.manually_up(node(254)) && k.manually_up(node(64)) && k.manually_up(node(0)));
    assert!(!k.manually_up(node(63)) && !k.manually_up(node(65)));
}

#[test]
fn remote_target_nodenum_sets_and_clears() {
    let k = Knobs::new();
    k.store(Knob::RemoteTargetNodenum, b"1\n").unwrap();
    assert_eq!(k.remote_target(), Some(node(1)));
    assert_eq!(show(&k, Knob::RemoteTargetNodenum), "1\n");
    k.store(Knob::RemoteTargetNodenum, b"254").unwrap();
    assert_eq!(k.remote_target(), Some(node(254)));
    k.store(Knob::RemoteTargetNodenum, b"0").unwrap();
    assert_eq!(k.remote_target(), Some(node(0)));
    k.store(Knob::RemoteTargetNodenum, b"-1\n").unwrap();
    assert_eq!(k.remote_target(), None);
    assert_eq!(show(&k, Knob::RemoteTargetNodenum), "-1\n");
}

#[test]
fn remotify_switches() {
    let k = Knobs::new();
    k.store(Knob::PersRemotifyEnable, b"0\n").unwrap();
    assert!(!k.pers_remotify());
    assert!(k.eph_remotify());
    assert_eq!(show(&k, Knob::PersRemotifyEnable), "0\n");
    k.store(Knob::EphRemotifyEnable, b"0").unwrap();
    assert!(!k.eph_remotify());
    assert_eq!(show(&k, Knob::EphRemotifyEnable), "0\n");
    k.store(Knob::PersRemotifyEnable, b"1").unwrap();
    k.store(Knob::EphRemotifyEnable, b"1\n").unwrap();
    assert!(k.pers_remotify() && k.eph_remotify());
}

#[test]
fn prefetch_switch() {
    let k = Knobs::new();
    k.store(Knob::PersPrefetchEnable, b"0\n").unwrap();
    assert!(!k.pers_prefetch());
    assert!(k.pers_remotify() && k.eph_remotify());
    assert_eq!(show(&k, Knob::PersPrefetchEnable), "0\n");
    k.store(Knob::PersPrefetchEnable, b"1").unwrap();
    assert!(k.pers_prefetch());
}

const BAD_NUMBERS: &[&[u8]] = &[
    b"",
    b"\n",
    b"\n\n",
    b"1\n\n",
    b"x",
    b"abc\n",
    b"255",
    b"256\n",
    b"1000",
    b"99999999999999999999999",
    b"-2",
    b"-0",
    b"+1",
    b" 1",
    b"1 ",
    b"1 2",
    b"1\t",
    b"01",
    b"0x1",
    b"1.0",
    b"-",
    b"--1",
    b"\x001",
];

/// Every bad text is refused with an `Invalid` error naming `knob`, and nothing changes.
fn assert_refused(k: &Knobs, knob: Knob, bad: &[&[u8]]) {
    for text in bad {
        let before = snapshot(k);
        let before_target = k.remote_target();
        let err = k.store(knob, text).unwrap_err();
        assert!(
            matches!(err, KnobError::Invalid(x, _) if x == knob),
            "{text:?}"
        );
        assert_eq!(err.knob(), knob);
        assert_eq!(snapshot(k), before, "{knob} changed after {text:?}");
        assert_eq!(k.remote_target(), before_target);
        let msg = err.to_string();
        assert!(msg.starts_with(knob.name()), "{msg}");
        assert!(msg.contains(knob.allowed()), "{msg}");
    }
}

#[test]
fn bad_node_numbers_change_nothing() {
    let k = Knobs::new();
    k.store(Knob::ManualNodeUp, b"2").unwrap();
    k.store(Knob::RemoteTargetNodenum, b"7").unwrap();
    assert_refused(&k, Knob::ManualNodeUp, BAD_NUMBERS);
    assert_refused(&k, Knob::RemoteTargetNodenum, BAD_NUMBERS);
    assert_refused(&k, Knob::ManualNodeUp, &[b"-1", b"-1\n"]);
    assert_eq!(show(&k, Knob::ManualNodeUp), "2\n");
    assert_eq!(k.remote_target(), Some(node(7)));
    // From automatic too.
    k.store(Knob::RemoteTargetNodenum, b"-1").unwrap();
    assert_refused(&k, Knob::RemoteTargetNodenum, BAD_NUMBERS);
    assert_eq!(k.remote_target(), None);
}

#[test]
fn bad_switch_values_change_nothing() {
    let k = Knobs::new();
    let bad: &[&[u8]] = &[
        b"", b"\n", b"2", b"-1", b"Y", b"N", b"y", b"on", b"true", b"10", b"00", b" 1", b"1 ",
        b"1 2", b"1\n\n", b"+1",
    ];
    assert_refused(&k, Knob::PersRemotifyEnable, bad);
    assert_refused(&k, Knob::EphRemotifyEnable, bad);
    assert_refused(&k, Knob::PersPrefetchEnable, bad);
    k.store(Knob::PersRemotifyEnable, b"0").unwrap();
    assert_refused(&k, Knob::PersRemotifyEnable, bad);
    assert!(!k.pers_remotify());
    assert!(k.eph_remotify());
}

#[test]
fn error_messages() {
    let e = Knobs::new()
        .store(Knob::RemoteTargetNodenum, b"255")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "remote_target_nodenum: out of range; allowed: a node number 0..254, or -1 to choose \
         automatically"
    );
    let e = Knobs::new()
        .store(Knob::EphRemotifyEnable, b"Y")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "eph_remotify_enable: not 0 or 1; allowed: 0 or 1"
    );
    let e = Knobs::new().store(Knob::ManualNodeUp, b"x").unwrap_err();
    assert_eq!(
        e.to_string(),
        "manual_node_up: not a decimal number; allowed: a node number 0..254"
    );
}
