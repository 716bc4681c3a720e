// SPDX-License-Identifier: GPL-2.0

//! Tests of `status` against a fake configfs and sysfs.

use super::*;
use crate::conf::parse;
use crate::test_fixtures::{fake_configfs, TestDir, TWO_NODES};
use std::fs;

/// Writes `<sysfs>/kernel/mm/ramster/<name>`.
fn write_stat(sysfs: &Path, name: &str, text: &str) {
    let dir = sysfs.join(STAT_DIR);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), text).unwrap();
}

/// Two configured nodes, alpha local, beta's link up with counters.
fn two_nodes(sysfs: &Path) -> (TestDir, Configfs) {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    configfs.configure(&conf, &conf.timeouts).unwrap();
    configfs.set_auth("ramster", "psk").unwrap();
    configfs.set_encryption("ramster", "none").unwrap();
    configfs.set_local("ramster", "alpha", true).unwrap();
    fs::write(configfs.node_dir("ramster", "beta").join("link"), "up\n").unwrap();
    // As the kernel writes them: columns, and fields after the ones status reads.
    write_stat(
        sysfs,
        "mm_stat",
        "     1277952       402112       204800          312            2\n",
    );
    write_stat(
        sysfs,
        "peer_stat",
        "  1 up                  1234            0            0\n",
    );
    (root, configfs)
}

#[test]
fn table_shows_nodes_links_and_counters() {
    let sysfs = TestDir::new();
    let (_root, configfs) = two_nodes(sysfs.path());
    let status = read(&configfs, sysfs.path()).unwrap();
    assert_eq!(
        table(&status),
        "cluster ramster: auth psk, encryption none, idle_timeout_ms 30000, keepalive_delay_ms 2000, \
         reconnect_delay_ms 2000, dead_threshold 31\n\
         NUM  NAME   ADDRESS      PORT  LINK   LOCAL_PAGES  REMOTE_PAGES  FOREIGN_PAGES\n\
         0    alpha  169.254.0.1  7777  local  312          -             -\n\
         1    beta   169.254.0.2  7778  up     -            1234          0\n"
    );
}

#[test]
fn json_has_the_same_facts() {
    let sysfs = TestDir::new();
    let (_root, configfs) = two_nodes(sysfs.path());
    let status = read(&configfs, sysfs.path()).unwrap();
    assert_eq!(
        to_json(&status),
        "{\"cluster\":{\"name\":\"ramster\",\"auth\":\"psk\",\"encryption\":\"none\",\"idle_timeout_ms\":30000,\
         \"keepalive_delay_ms\":2000,\"reconnect_delay_ms\":2000,\"dead_threshold\":31,\
         \"nodes\":[\
         {\"name\":\"alpha\",\"num\":0,\"ipv4_address\":\"169.254.0.1\",\"ipv4_port\":7777,\
         \"local\":true,\"link\":\"local\",\"local_pages\":312,\"remote_pages\":null,\
         \"foreign_pages\":null},\
         {\"name\":\"beta\",\"num\":1,\"ipv4_address\":\"169.254.0.2\",\"ipv4_port\":7778,\
         \"local\":false,\"link\":\"up\",\"local_pages\":null,\"remote_pages\":1234,\
         \"foreign_pages\":0}]}}\n"
    );
}

#[test]
fn unnumbered_nodes_sort_last_and_show_dashes() {
    let sysfs = TestDir::new();
    let (_root, configfs) = two_nodes(sysfs.path());
    fs::create_dir_all(configfs.node_dir("ramster", "aaa")).unwrap();
    let status = read(&configfs, sysfs.path()).unwrap().unwrap();
    let names: Vec<&str> = status.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta", "aaa"]);
    let text = table(&Some(status));
    assert!(
        text.ends_with("-    aaa    -            -     -      -            -             -\n"),
        "{text}"
    );
}

#[test]
fn no_cluster() {
    let root = fake_configfs();
    let status = read(&Configfs::new(root.path()), root.path()).unwrap();
    assert_eq!(status, None);
    assert_eq!(table(&status), "no cluster configured\n");
    assert_eq!(to_json(&status), "{\"cluster\":null}\n");
}

#[test]
fn local_pages_is_mm_stat_pages_stored_or_a_dash() {
    let sysfs = TestDir::new();
    assert_eq!(local_pages(sysfs.path()).unwrap(), None, "no mm_stat");
    write_stat(sysfs.path(), "mm_stat", "4096 100 4096\n");
    assert_eq!(local_pages(sysfs.path()).unwrap(), None, "too few fields");
    write_stat(sysfs.path(), "mm_stat", "4096 100 4096 x 0\n");
    assert_eq!(local_pages(sysfs.path()).unwrap(), None, "not a number");
    write_stat(
        sysfs.path(),
        "mm_stat",
        "  28672   100   4096     7     1    9\n",
    );
    assert_eq!(local_pages(sysfs.path()).unwrap().as_deref(), Some("7"));
}

#[test]
fn peer_counters_are_read_by_node_number_and_field_position() {
    let sysfs = TestDir::new();
    assert!(
        peer_counters(sysfs.path()).unwrap().is_empty(),
        "no peer_stat"
    );
    write_stat(
        sysfs.path(),
        "peer_stat",
        "  2 down        5 6 7\n  9 up 10 11 12 13 14\ngarbage\n 12 up x 3\n 13 up\n",
    );
    let peers = peer_counters(sysfs.path()).unwrap();
    let got: Vec<(&str, [Option<&str>; 2])> = peers
        .iter()
        .map(|(n, c)| (n.as_str(), [c[0].as_deref(), c[1].as_deref()]))
        .collect();
    assert_eq!(
        got,
        [
            ("12", [None, Some("3")]),
            ("13", [None, None]),
            ("2", [Some("5"), Some("6")]),
            ("9", [Some("10"), Some("11")]),
        ]
    );
}

#[test]
fn local_pages_is_a_dash_without_mm_stat() {
    let sysfs = TestDir::new();
    let (_root, configfs) = two_nodes(sysfs.path());
    fs::remove_file(sysfs.path().join(STAT_DIR).join("mm_stat")).unwrap();
    let status = read(&configfs, sysfs.path()).unwrap().unwrap();
    assert!(status.nodes.iter().all(|n| n.local_pages.is_none()));
    assert!(table(&Some(status)).contains("0    alpha  169.254.0.1  7777  local  -  "));
}

#[test]
fn a_node_without_a_peer_stat_line_shows_dashes() {
    let sysfs = TestDir::new();
    let (_root, configfs) = two_nodes(sysfs.path());
    fs::remove_file(sysfs.path().join(STAT_DIR).join("peer_stat")).unwrap();
    let status = read(&configfs, sysfs.path()).unwrap().unwrap();
    assert!(status.nodes.iter().all(|n| n.counters == [None, None]));
}

#[test]
fn auth_shows_as_a_dash_or_null_where_the_kernel_has_none() {
    let sysfs = TestDir::new();
    let (_root, configfs) = two_nodes(sysfs.path());
    fs::remove_file(configfs.cluster_dir("ramster").join("auth")).unwrap();
    fs::remove_file(configfs.cluster_dir("ramster").join("encryption")).unwrap();
    let status = read(&configfs, sysfs.path()).unwrap();
    assert!(table(&status).starts_with("cluster ramster: auth -, encryption -, idle_timeout_ms"));
    assert!(to_json(&status)
        .starts_with("{\"cluster\":{\"name\":\"ramster\",\"auth\":null,\"encryption\":null,"));
}
