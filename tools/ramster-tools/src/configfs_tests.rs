// SPDX-License-Identifier: GPL-2.0

//! Tests of applying a configuration to a fake configfs (a plain temporary directory).

use super::*;
use crate::conf::parse;
use crate::test_fixtures::{fake_configfs, TestDir, TWO_NODES};

fn read(path: PathBuf) -> String {
    fs::read_to_string(path).unwrap()
}

#[test]
fn configure_creates_the_tree() {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    let warnings = configfs.configure(&conf, &conf.timeouts).unwrap();
    assert!(warnings.is_empty());
    let alpha = configfs.node_dir("ramster", "alpha");
    assert_eq!(read(alpha.join("ipv4_address")), "169.254.0.1\n");
    assert_eq!(read(alpha.join("ipv4_port")), "7777\n");
    assert_eq!(read(alpha.join("num")), "0\n");
    assert_eq!(
        read(configfs.node_dir("ramster", "beta").join("num")),
        "1\n"
    );
    assert!(!alpha.join("local").exists());
    // Default timeouts are not written.
    assert!(!configfs
        .cluster_dir("ramster")
        .join("idle_timeout_ms")
        .exists());
    assert_eq!(configfs.cluster().unwrap().as_deref(), Some("ramster"));
    assert_eq!(configfs.nodes("ramster").unwrap(), ["alpha", "beta"]);
}

#[test]
fn configure_twice_is_harmless_and_conflicts_are_reported() {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    configfs.configure(&conf, &conf.timeouts).unwrap();
    configfs.configure(&conf, &conf.timeouts).unwrap();
    let moved = parse(&TWO_NODES.replace("7778", "7779")).unwrap();
    let err = configfs.configure(&moved, &moved.timeouts).unwrap_err();
    assert_eq!(
        err.0,
        "node 'beta': ipv4_port is 7778 in configfs but 7779 in the configuration file: \
         run 'ramster-tools down' first"
    );
    let other = parse(&TWO_NODES.replace("ramster", "other")).unwrap();
    let err = configfs.configure(&other, &other.timeouts).unwrap_err();
    assert_eq!(
        err.0,
        "cluster 'ramster' is configured, not 'other': run 'ramster-tools down' first"
    );
}

#[test]
fn extra_nodes_in_configfs_are_warned_about() {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    fs::create_dir_all(configfs.node_dir("ramster", "gamma")).unwrap();
    let warnings = configfs.configure(&conf, &conf.timeouts).unwrap();
    assert_eq!(
        warnings,
        ["node 'gamma' is in configfs but not in the configuration file"]
    );
}

#[test]
fn timeouts_are_written_and_read_back() {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    let settings = TimeoutSettings {
        idle_timeout_ms: Some(1_000_000),
        keepalive_delay_ms: Some(500_000),
        dead_threshold: Some(500),
        ..TimeoutSettings::default()
    };
    configfs.configure(&conf, &settings).unwrap();
    let t = configfs.timeouts("ramster").unwrap();
    assert_eq!(t, settings.applied_to(Timeouts::DEFAULT));
    let dir = configfs.cluster_dir("ramster");
    assert_eq!(read(dir.join("heartbeat/dead_threshold")), "500\n");
    assert_eq!(read(dir.join("idle_timeout_ms")), "1000000\n");
    assert!(!dir.join("reconnect_delay_ms").exists());
}

#[test]
fn timeout_writes_keep_keepalive_below_idle_after_each_write() {
    let t = |idle, keepalive| Timeouts {
        idle_timeout_ms: idle,
        keepalive_delay_ms: keepalive,
        ..Timeouts::DEFAULT
    };
    let cases = [
        (t(30_000, 2_000), t(1_000_000, 500_000)),
        (t(1_000_000, 500_000), t(30_000, 2_000)),
        (t(30_000, 2_000), t(10_000, 1_000)),
        (t(10, 5), t(20, 15)),
        (t(30_000, 2_000), t(30_000, 2_000)),
    ];
    for (current, wanted) in cases {
        let mut state = current;
        for (file, value) in timeout_writes(current, wanted) {
            match file {
                "idle_timeout_ms" => state.idle_timeout_ms = value,
                "keepalive_delay_ms" => state.keepalive_delay_ms = value,
                other => panic!("unexpected write to {other}"),
            }
            assert!(
                state.keepalive_delay_ms < state.idle_timeout_ms,
                "{current:?} -> {wanted:?}"
            );
        }
        assert_eq!(state, wanted);
    }
    assert_eq!(
        timeout_writes(
            Timeouts::DEFAULT,
            Timeouts {
                dead_threshold: 9,
                ..Timeouts::DEFAULT
            }
        ),
        [("heartbeat/dead_threshold", 9)]
    );
}

#[test]
fn local_is_set_once_and_down_removes_everything() {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    configfs.configure(&conf, &conf.timeouts).unwrap();
    configfs.set_local("ramster", "alpha", true).unwrap();
    let local = configfs.node_dir("ramster", "alpha").join("local");
    assert_eq!(read(local.clone()), "1\n");
    configfs.set_local("ramster", "alpha", true).unwrap();
    configfs
        .configure(
            &conf,
            &TimeoutSettings {
                dead_threshold: Some(40),
                ..TimeoutSettings::default()
            },
        )
        .unwrap();
    assert!(configfs.remove_all().unwrap());
    assert_eq!(
        fs::read_dir(root.path().join("cluster")).unwrap().count(),
        0
    );
    assert!(!configfs.remove_all().unwrap());
}

#[test]
fn missing_subsystem_and_refused_writes_are_clear_errors() {
    let root = TestDir::new();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    let err = configfs.configure(&conf, &conf.timeouts).unwrap_err();
    assert!(err
        .0
        .ends_with("/cluster does not exist: is configfs mounted and ramster loaded?"));

    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    // A directory where an attribute should be makes the write fail, as a refused write would.
    fs::create_dir_all(configfs.node_dir("ramster", "alpha").join("num")).unwrap();
    let err = configfs.configure(&conf, &conf.timeouts).unwrap_err();
    assert!(err.0.starts_with("reading "), "{}", err.0);
    assert!(err.0.contains("/node/alpha/num"), "{}", err.0);
}

#[test]
fn down_reports_a_node_that_cannot_be_removed() {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    configfs.configure(&conf, &conf.timeouts).unwrap();
    fs::write(configfs.node_dir("ramster", "beta").join("unexpected"), "x").unwrap();
    let err = configfs.remove_all().unwrap_err();
    assert!(err.0.starts_with("removing "), "{}", err.0);
    assert!(err.0.contains("node/beta"), "{}", err.0);
}

#[test]
fn auth_is_written_once_and_a_missing_attribute_is_explained() {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    configfs.configure(&conf, &conf.timeouts).unwrap();
    assert_eq!(configfs.auth("ramster").unwrap(), None);
    configfs.set_auth("ramster", "psk").unwrap();
    configfs.set_auth_key("ramster", "ramster:ramster").unwrap();
    let dir = configfs.cluster_dir("ramster");
    assert_eq!(read(dir.join("auth")), "psk\n");
    assert_eq!(read(dir.join("auth_key")), "ramster:ramster\n");
    assert_eq!(configfs.auth("ramster").unwrap().as_deref(), Some("psk"));
    assert!(!configfs.networking_running("ramster").unwrap());
    configfs.set_local("ramster", "beta", true).unwrap();
    assert!(configfs.networking_running("ramster").unwrap());
    assert!(configfs.remove_all().unwrap());

    // Where the kernel has no `auth` file the write fails (a dangling link stands in for it).
    configfs.configure(&conf, &conf.timeouts).unwrap();
    std::os::unix::fs::symlink("/nonexistent/auth", dir.join("auth")).unwrap();
    let err = configfs.set_auth("ramster", "psk").unwrap_err().0;
    assert!(err.starts_with("writing psk to "), "{err}");
    assert!(
        err.ends_with(
            "(the cluster has no auth attribute: is the loaded ramster.ko older than \
             authenticated links?)"
        ),
        "{err}"
    );
}
