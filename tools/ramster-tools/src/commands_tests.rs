// SPDX-License-Identifier: GPL-2.0

//! Tests of whole commands against a fake configfs, as a user would run them.

use super::*;
use crate::cli::parse;
use crate::test_fixtures::{fake_configfs, TestDir, TWO_NODES};

struct Setup {
    root: TestDir,
    conf_dir: TestDir,
}

impl Setup {
    fn new(conf: &str) -> Setup {
        let setup = Setup {
            root: fake_configfs(),
            conf_dir: TestDir::new(),
        };
        fs::write(setup.conf_dir.path().join("ramster.conf"), conf).unwrap();
        setup
    }

    fn run(&self, line: &str, hostname: &str) -> Result<Output, ToolError> {
        let mut args: Vec<String> = line.split_whitespace().map(String::from).collect();
        args.extend([
            "--configfs-root".to_string(),
            self.root.path().display().to_string(),
            "--debugfs-root".to_string(),
            self.conf_dir.path().display().to_string(),
            "--config".to_string(),
            self.conf_dir
                .path()
                .join("ramster.conf")
                .display()
                .to_string(),
        ]);
        let invocation = parse(&args).unwrap();
        let hostname = hostname.to_string();
        run(&invocation, move || Ok(hostname))
    }

    fn local_of(&self, node: &str) -> Option<String> {
        fs::read_to_string(
            self.root
                .path()
                .join("cluster/ramster/node")
                .join(node)
                .join("local"),
        )
        .ok()
    }
}

#[test]
fn up_status_down() {
    let s = Setup::new(TWO_NODES);
    let out = s.run("up", "beta").unwrap();
    assert_eq!(
        out.text,
        "cluster ramster configured with 2 nodes\nlocal node beta (number 1) is up\n"
    );
    assert_eq!(s.local_of("beta").as_deref(), Some("1\n"));
    assert_eq!(s.local_of("alpha"), None);
    let status = s.run("status", "beta").unwrap().text;
    assert!(
        status.contains("\n1    beta   169.254.0.2  7778  local"),
        "{status}"
    );
    let json = s.run("status --json", "beta").unwrap().text;
    assert!(
        json.starts_with("{\"cluster\":{\"name\":\"ramster\""),
        "{json}"
    );
    assert_eq!(s.run("down", "beta").unwrap().text, "cluster removed\n");
    assert_eq!(
        s.run("down", "beta").unwrap().text,
        "no cluster configured\n"
    );
    assert_eq!(
        s.run("status", "beta").unwrap().text,
        "no cluster configured\n"
    );
}

#[test]
fn node_flag_beats_the_hostname() {
    let s = Setup::new(TWO_NODES);
    s.run("up --node alpha", "beta").unwrap();
    assert_eq!(s.local_of("alpha").as_deref(), Some("1\n"));
    assert_eq!(s.local_of("beta"), None);
}

#[test]
fn configure_does_not_start_networking_and_applies_flags() {
    let s = Setup::new(TWO_NODES);
    s.run("configure --dead-threshold 500", "nobody").unwrap();
    assert_eq!(s.local_of("alpha"), None);
    let threshold = s
        .root
        .path()
        .join("cluster/ramster/heartbeat/dead_threshold");
    assert_eq!(fs::read_to_string(threshold).unwrap(), "500\n");
}

#[test]
fn errors_name_the_file_and_line_or_the_node() {
    let s = Setup::new(&TWO_NODES.replace("number = 1", "number = 300"));
    let err = s.run("configure", "alpha").unwrap_err().0;
    assert!(
        err.ends_with("ramster.conf: line 13: number: 300 is outside 0..=254"),
        "{err}"
    );
    let s = Setup::new(TWO_NODES);
    let err = s.run("up", "gamma").unwrap_err().0;
    assert!(
        err.starts_with("no node named 'gamma' in ") && err.ends_with("--node NAME"),
        "{err}"
    );
    let missing = Setup::new(TWO_NODES);
    fs::remove_file(missing.conf_dir.path().join("ramster.conf")).unwrap();
    let err = missing.run("configure", "alpha").unwrap_err().0;
    assert!(
        err.starts_with("reading ") && err.contains("No such file"),
        "{err}"
    );
}

#[test]
fn help_and_version() {
    let s = Setup::new(TWO_NODES);
    assert!(s
        .run("--help", "x")
        .unwrap()
        .text
        .starts_with("usage: ramster-tools"));
    assert!(s
        .run("--version", "x")
        .unwrap()
        .text
        .starts_with("ramster-tools 0.1.0"));
}

#[test]
fn watch_prints_count_times_and_pauses_between() {
    let mut shown = 0;
    let mut printed = Vec::new();
    let mut pauses = 0;
    watch(
        Some(3),
        || {
            shown += 1;
            Ok(Output::text(format!("table {shown}\n")))
        },
        |o| printed.push(o.text.clone()),
        || pauses += 1,
    )
    .unwrap();
    assert_eq!(printed, ["table 1\n", "table 2\n", "table 3\n"]);
    assert_eq!(pauses, 2);
}

#[test]
fn watch_stops_at_the_first_error() {
    let mut shown = 0;
    let mut printed = 0;
    let result = watch(
        None,
        || {
            shown += 1;
            if shown == 4 {
                Err(ToolError("gone".into()))
            } else {
                Ok(Output::default())
            }
        },
        |_| printed += 1,
        || {},
    );
    assert_eq!(result, Err(ToolError("gone".into())));
    assert_eq!(printed, 3);
}
