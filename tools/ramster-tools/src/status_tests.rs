// SPDX-License-Identifier: GPL-2.0

//! Tests of `status` against a fake configfs and debugfs.

use super::*;
use crate::conf::parse;
use crate::test_fixtures::{fake_configfs, TestDir, TWO_NODES};
use std::fs;

/// Two configured nodes, alpha local, beta's link up with counters.
fn two_nodes(debugfs: &Path) -> (TestDir, Configfs) {
    let root = fake_configfs();
    let configfs = Configfs::new(root.path());
    let conf = parse(TWO_NODES).unwrap();
    configfs.configure(&conf, &conf.timeouts).unwrap();
    configfs.set_local("ramster", "alpha", true).unwrap();
    fs::write(configfs.node_dir("ramster", "beta").join("link"), "up\n").unwrap();
    let counters = debugfs.join("ramster/nodes/1");
    fs::create_dir_all(&counters).unwrap();
    fs::write(counters.join("remote_pages"), "1234\n").unwrap();
    fs::write(counters.join("foreign_pages"), "0\n").unwrap();
    (root, configfs)
}

#[test]
fn table_shows_nodes_links_and_counters() {
    let debugfs = TestDir::new();
    let (_root, configfs) = two_nodes(debugfs.path());
    let status = read(&configfs, debugfs.path()).unwrap();
    assert_eq!(
        table(&status),
        "cluster ramster: idle_timeout_ms 30000, keepalive_delay_ms 2000, \
         reconnect_delay_ms 2000, dead_threshold 31\n\
         NUM  NAME   ADDRESS      PORT  LINK   REMOTE_PAGES  FOREIGN_PAGES\n\
         0    alpha  169.254.0.1  7777  local  -             -\n\
         1    beta   169.254.0.2  7778  up     1234          0\n"
    );
}

#[test]
fn json_has_the_same_facts() {
    let debugfs = TestDir::new();
    let (_root, configfs) = two_nodes(debugfs.path());
    let status = read(&configfs, debugfs.path()).unwrap();
    assert_eq!(
        to_json(&status),
        "{\"cluster\":{\"name\":\"ramster\",\"idle_timeout_ms\":30000,\
         \"keepalive_delay_ms\":2000,\"reconnect_delay_ms\":2000,\"dead_threshold\":31,\
         \"nodes\":[\
         {\"name\":\"alpha\",\"num\":0,\"ipv4_address\":\"169.254.0.1\",\"ipv4_port\":7777,\
         \"local\":true,\"link\":\"local\",\"remote_pages\":null,\"foreign_pages\":null},\
         {\"name\":\"beta\",\"num\":1,\"ipv4_address\":\"169.254.0.2\",\"ipv4_port\":7778,\
         \"local\":false,\"link\":\"up\",\"remote_pages\":1234,\"foreign_pages\":0}]}}\n"
    );
}

#[test]
fn unnumbered_nodes_sort_last_and_show_dashes() {
    let debugfs = TestDir::new();
    let (_root, configfs) = two_nodes(debugfs.path());
    fs::create_dir_all(configfs.node_dir("ramster", "aaa")).unwrap();
    let status = read(&configfs, debugfs.path()).unwrap().unwrap();
    let names: Vec<&str> = status.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta", "aaa"]);
    let text = table(&Some(status));
    assert!(
        text.ends_with("-    aaa    -            -     -      -             -\n"),
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
