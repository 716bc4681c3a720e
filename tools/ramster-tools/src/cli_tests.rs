// SPDX-License-Identifier: GPL-2.0

//! Tests of the command-line parser.

use super::*;

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

#[test]
fn defaults() {
    let inv = parse(&args("status")).unwrap();
    assert_eq!(inv.command, Command::Status);
    assert_eq!(inv.config, PathBuf::from("/etc/ramster.conf"));
    assert_eq!(inv.configfs_root, PathBuf::from("/sys/kernel/config"));
    assert_eq!(inv.debugfs_root, PathBuf::from("/sys/kernel/debug"));
    assert_eq!(inv.node, None);
    assert!(!inv.json);
    assert_eq!(inv.watch, None);
    assert_eq!(inv.count, None);
    assert_eq!(inv.output, None);
    assert!(!inv.force);
}

#[test]
fn keygen() {
    let inv = parse(&args("keygen")).unwrap();
    assert_eq!(
        (inv.command, inv.output, inv.force),
        (Command::Keygen, None, false)
    );
    let inv = parse(&args("keygen --output /etc/ramster.key")).unwrap();
    assert_eq!(inv.output, Some(PathBuf::from("/etc/ramster.key")));
    let inv = parse(&args("--force keygen --output=/k")).unwrap();
    assert_eq!((inv.output, inv.force), (Some(PathBuf::from("/k")), true));
    assert!(USAGE.contains("\n  keygen "));
    assert!(USAGE.contains("\n  --output PATH "));
    assert!(USAGE.contains("\n  --force "));
}

#[test]
fn watch_and_count() {
    let inv = parse(&args("status --watch 2")).unwrap();
    assert_eq!((inv.watch, inv.count), (Some(2), None));
    let inv = parse(&args("-w 5 status --count=3")).unwrap();
    assert_eq!((inv.watch, inv.count), (Some(5), Some(3)));
    let inv = parse(&args("status --watch=86400 --count 4294967295 --json")).unwrap();
    assert_eq!((inv.watch, inv.count), (Some(86_400), Some(u32::MAX)));
    assert!(inv.json);
}

#[test]
fn options_anywhere_in_both_spellings() {
    let inv = parse(&args(
        "--config /tmp/r.conf up --node=alpha --configfs-root /x --dead-threshold=500 \
         --idle-timeout-ms 1000000 --keepalive-delay-ms 1 --reconnect-delay-ms 86400000",
    ))
    .unwrap();
    assert_eq!(inv.command, Command::Up);
    assert_eq!(inv.config, PathBuf::from("/tmp/r.conf"));
    assert_eq!(inv.node.as_deref(), Some("alpha"));
    assert_eq!(inv.configfs_root, PathBuf::from("/x"));
    assert_eq!(inv.timeouts.dead_threshold, Some(500));
    assert_eq!(inv.timeouts.idle_timeout_ms, Some(1_000_000));
    assert_eq!(inv.timeouts.keepalive_delay_ms, Some(1));
    assert_eq!(inv.timeouts.reconnect_delay_ms, Some(86_400_000));
    assert!(parse(&args("status --json")).unwrap().json);
}

#[test]
fn help_and_version_win() {
    assert_eq!(parse(&args("up --help")).unwrap().command, Command::Help);
    assert_eq!(parse(&args("-V")).unwrap().command, Command::Version);
    assert_eq!(parse(&args("help")).unwrap().command, Command::Help);
}

#[test]
fn usage_errors() {
    for (line, message) in [
        ("", "no command given"),
        ("start", "unknown command 'start'"),
        ("up down", "more than one command ('down')"),
        ("up --bogus", "unknown option --bogus"),
        ("up --node", "--node needs a value"),
        ("status --json=1", "--json takes no value"),
        (
            "up --dead-threshold 2",
            "--dead-threshold: 2 is outside 3..=65535",
        ),
        (
            "up --idle-timeout-ms 0",
            "--idle-timeout-ms: 0 is outside 1..=86400000",
        ),
        ("status --watch", "--watch needs a value"),
        ("status -w", "-w needs a value"),
        ("status --watch 0", "--watch: 0 is outside 1..=86400"),
        (
            "status --watch 86401",
            "--watch: 86401 is outside 1..=86400",
        ),
        ("status -w x", "-w: 'x': not a decimal number"),
        ("status --watch -1", "--watch: '-1': not a decimal number"),
        (
            "status --watch 1 --count 0",
            "--count: 0 is outside 1..=4294967295",
        ),
        ("status --watch 1 --count", "--count needs a value"),
        ("status --count 3", "--count needs --watch"),
        ("up --watch 1", "--watch is an option of status only"),
        (
            "configure -w 1 --count 1",
            "--watch is an option of status only",
        ),
        ("keygen --output", "--output needs a value"),
        ("keygen --output=", "--output needs a path"),
        ("keygen --force", "--force needs keygen --output"),
        ("keygen --force=1 --output /k", "--force takes no value"),
        ("up --output /k", "--output is an option of keygen only"),
        (
            "status --output /k --force",
            "--output is an option of keygen only",
        ),
        ("keygen up", "more than one command ('up')"),
        (
            "up --idle-timeout-ms x",
            "--idle-timeout-ms: 'x': not a decimal number",
        ),
    ] {
        assert_eq!(parse(&args(line)), Err(message.to_string()), "{line}");
    }
}
