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
    configfs.set_auth("ramster", "psk").unwrap();
    configfs.set_local("ramster", "alpha", true).unwrap();
    fs::write(configfs.node_dir("ramster", "beta").join("link"), "up\n").unwrap();
    let counters = debugfs.join("ramster/nodes/1");
    fs::create_dir_all(&counters).unwrap();
    fs::write(counters.join("remote_pages"), "1234\n").unwrap();
    fs::write(counters.join("foreign_pages"), "0\n").unwrap();
    let zcache = debugfs.join("zcache");
    fs::create_dir_all(&zcache).unwrap();
    for (name, value) in [
        ("eph_zpages", 10),
        ("pers_zpages", 300),
        ("zero_filled_pages", 2),
    ] {
        fs::write(zcache.join(name), format!("{value}\n")).unwrap();
    }
    (root, configfs)
}

#[test]
fn table_shows_nodes_links_and_counters() {
    let debugfs = TestDir::new();
    let (_root, configfs) = two_nodes(debugfs.path());
    let status = read(&configfs, debugfs.path()).unwrap();
    assert_eq!(
        table(&status),
        "cluster ramster: auth psk, idle_timeout_ms 30000, keepalive_delay_ms 2000, \
         reconnect_delay_ms 2000, dead_threshold 31\n\
         NUM  NAME   ADDRESS      PORT  LINK   LOCAL_PAGES  REMOTE_PAGES  FOREIGN_PAGES\n\
         0    alpha  169.254.0.1  7777  local  312          -             -\n\
         1    beta   169.254.0.2  7778  up     -            1234          0\n"
    );
}

#[test]
fn json_has_the_same_facts() {
    let debugfs = TestDir::new();
    let (_root, configfs) = two_nodes(debugfs.path());
    let status = read(&configfs, debugfs.path()).unwrap();
    assert_eq!(
        to_json(&status),
        "{\"cluster\":{\"name\":\"ramster\",\"auth\":\"psk\",\"idle_timeout_ms\":30000,\
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
    let debugfs = TestDir::new();
    let (_root, configfs) = two_nodes(debugfs.path());
    fs::create_dir_all(configfs.node_dir("ramster", "aaa")).unwrap();
    let status = read(&configfs, debugfs.path()).unwrap().unwrap();
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
fn local_pages_sums_the_zcache_counters_or_shows_a_dash() {
    let debugfs = TestDir::new();
    assert_eq!(local_pages(debugfs.path()).unwrap(), None);
    let zcache = debugfs.path().join("zcache");
    fs::create_dir_all(&zcache).unwrap();
    fs::write(zcache.join("eph_zpages"), "1\n").unwrap();
    fs::write(zcache.join("pers_zpages"), "2\n").unwrap();
    assert_eq!(
        local_pages(debugfs.path()).unwrap(),
        None,
        "one counter missing"
    );
    fs::write(zcache.join("zero_filled_pages"), "garbage\n").unwrap();
    assert_eq!(local_pages(debugfs.path()).unwrap(), None, "not a number");
    fs::write(zcache.join("zero_filled_pages"), "4\n").unwrap();
    assert_eq!(local_pages(debugfs.path()).unwrap().as_deref(), Some("7"));
}

#[test]
fn local_pages_is_a_dash_without_zcache() {
    let debugfs = TestDir::new();
    let (_root, configfs) = two_nodes(debugfs.path());
    fs::remove_dir_all(debugfs.path().join("zcache")).unwrap();
    let status = read(&configfs, debugfs.path()).unwrap().unwrap();
    assert!(status.nodes.iter().all(|n| n.local_pages.is_none()));
    assert!(table(&Some(status)).contains("0    alpha  169.254.0.1  7777  local  -  "));
}

#[test]
fn auth_shows_as_a_dash_or_null_where_the_kernel_has_none() {
    let debugfs = TestDir::new();
    let (_root, configfs) = two_nodes(debugfs.path());
    fs::remove_file(configfs.cluster_dir("ramster").join("auth")).unwrap();
    let status = read(&configfs, debugfs.path()).unwrap();
    assert!(table(&status).starts_with("cluster ramster: auth -, idle_timeout_ms 30000"));
    assert!(to_json(&status).starts_with("{\"cluster\":{\"name\":\"ramster\",\"auth\":null,"));
}
