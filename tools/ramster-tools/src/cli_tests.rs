// SPDX-License-Identifier: GPL-2.0

//! Tests of the command line.

use super::*;
use clap::error::ErrorKind;
use clap::CommandFactory;

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

/// The error a line gets: its kind and its message.
fn refused(line: &str) -> (ErrorKind, String) {
    let error = parse(&args(line)).expect_err(line);
    (error.kind(), error.to_string())
}

#[test]
fn the_definitions_are_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn defaults() {
    let inv = parse(&args("status")).unwrap();
    assert_eq!(inv.command, Command::Status);
    assert_eq!(inv.config, PathBuf::from("/etc/ramster.conf"));
    assert_eq!(inv.configfs_root, PathBuf::from("/sys/kernel/config"));
    assert_eq!(inv.sysfs_root, PathBuf::from("/sys"));
    assert_eq!(inv.node, None);
    assert!(!inv.json);
    assert_eq!(inv.watch, None);
    assert_eq!(inv.count, None);
    assert_eq!(inv.output, None);
    assert!(!inv.force);
    assert_eq!(inv.timeouts, TimeoutSettings::default());
}

#[test]
fn every_command() {
    for (line, command) in [
        ("configure", Command::Configure),
        ("up", Command::Up),
        ("down", Command::Down),
        ("status", Command::Status),
        ("keygen", Command::Keygen),
        ("check", Command::Check),
        ("completions bash", Command::Completions(Shell::Bash)),
        ("completions zsh", Command::Completions(Shell::Zsh)),
        ("completions fish", Command::Completions(Shell::Fish)),
        ("man", Command::Man),
    ] {
        assert_eq!(parse(&args(line)).unwrap().command, command, "{line}");
    }
}

#[test]
fn keygen() {
    let inv = parse(&args("keygen --output /etc/ramster.key")).unwrap();
    assert_eq!(
        (inv.command, inv.output, inv.force),
        (
            Command::Keygen,
            Some(PathBuf::from("/etc/ramster.key")),
            false
        )
    );
    let inv = parse(&args("keygen --force --output=/k")).unwrap();
    assert_eq!((inv.output, inv.force), (Some(PathBuf::from("/k")), true));
}

#[test]
fn watch_and_count() {
    let inv = parse(&args("status --watch 2")).unwrap();
    assert_eq!((inv.watch, inv.count), (Some(2), None));
    let inv = parse(&args("status -w 5 --count=3")).unwrap();
    assert_eq!((inv.watch, inv.count), (Some(5), Some(3)));
    let inv = parse(&args("status --watch=86400 --count 4294967295 --json")).unwrap();
    assert_eq!((inv.watch, inv.count), (Some(86_400), Some(u32::MAX)));
    assert!(inv.json);
}

#[test]
fn global_options_before_or_after_the_command_in_both_spellings() {
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
    let inv = parse(&args("--node beta --sysfs-root /d status --json")).unwrap();
    assert_eq!(
        (inv.node.as_deref(), inv.sysfs_root, inv.json),
        (Some("beta"), PathBuf::from("/d"), true)
    );
}

#[test]
fn help_and_version_are_not_errors_of_use() {
    for line in ["--help", "up --help", "help", "help status", "-h"] {
        assert_eq!(refused(line).0, ErrorKind::DisplayHelp, "{line}");
    }
    assert_eq!(refused("-V").0, ErrorKind::DisplayVersion);
    let help = Cli::command().render_long_help().to_string();
    for word in [
        "configure",
        "up",
        "down",
        "status",
        "keygen",
        "check",
        "completions",
        "man",
    ] {
        assert!(help.contains(&format!("\n  {word} ")), "{word}");
    }
}

#[test]
fn usage_errors_name_what_is_wrong() {
    for (line, kind, says) in [
        (
            "",
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand,
            "<COMMAND>",
        ),
        ("start", ErrorKind::InvalidSubcommand, "'start'"),
        ("up down", ErrorKind::UnknownArgument, "'down'"),
        ("up --bogus", ErrorKind::UnknownArgument, "'--bogus'"),
        ("up --node", ErrorKind::InvalidValue, "--node <NAME>"),
        ("status --json=1", ErrorKind::TooManyValues, "--json"),
        (
            "up --dead-threshold 2",
            ErrorKind::ValueValidation,
            "2 is not in 3..=65535",
        ),
        (
            "up --idle-timeout-ms 0",
            ErrorKind::ValueValidation,
            "0 is not in 1..=86400000",
        ),
        (
            "up --idle-timeout-ms x",
            ErrorKind::ValueValidation,
            "invalid digit",
        ),
        (
            "status --watch",
            ErrorKind::InvalidValue,
            "--watch <SECONDS>",
        ),
        (
            "status --watch 0",
            ErrorKind::ValueValidation,
            "0 is not in 1..=86400",
        ),
        (
            "status --watch 86401",
            ErrorKind::ValueValidation,
            "86401 is not in 1..=86400",
        ),
        ("status -w -1", ErrorKind::UnknownArgument, "'-1'"),
        (
            "status --watch 1 --count 0",
            ErrorKind::ValueValidation,
            "0 is not in 1..=4294967295",
        ),
        (
            "status --count 3",
            ErrorKind::MissingRequiredArgument,
            "--watch <SECONDS>",
        ),
        ("up --watch 1", ErrorKind::UnknownArgument, "'--watch'"),
        ("up --json", ErrorKind::UnknownArgument, "'--json'"),
        (
            "keygen --output=",
            ErrorKind::InvalidValue,
            "--output <PATH>",
        ),
        (
            "keygen --force",
            ErrorKind::MissingRequiredArgument,
            "--output <PATH>",
        ),
        ("up --output /k", ErrorKind::UnknownArgument, "'--output'"),
        ("keygen up", ErrorKind::UnknownArgument, "'up'"),
        ("completions", ErrorKind::MissingRequiredArgument, "<SHELL>"),
        ("completions tcsh", ErrorKind::InvalidValue, "'tcsh'"),
    ] {
        let (got, message) = refused(line);
        assert_eq!(got, kind, "{line}: {message}");
        assert!(message.contains(says), "{line}: {message}");
    }
}
