// SPDX-License-Identifier: GPL-2.0

//! Tests of node key sets: derivation against the kernel's rule, the file format, the checks
//! against the configuration.

use super::*;
use crate::conf;
use crate::test_fixtures::{KEY_LINE, TWO_NODES};

/// Three nodes: alpha (0), beta (1) and gamma (2).
fn three_nodes() -> ClusterConf {
    let text = format!(
        "{}node:\n\tname = gamma\n\tcluster = ramster\n\tnumber = 2\n\t\
         ip_address = 169.254.0.3\n\tip_port = 7779\n",
        TWO_NODES.replace("node_count = 2", "node_count = 3")
    );
    conf::parse(&text).unwrap()
}

fn master() -> Key {
    parse_key(KEY_LINE.as_bytes()).unwrap()
}

fn num(n: u8) -> NodeNum {
    NodeNum::new(n).unwrap()
}

fn set_of(conf: &ClusterConf, name: &str) -> KeySet {
    let node = conf.nodes.iter().find(|n| n.name == name).unwrap();
    KeySet::derive(&master(), conf, node).unwrap()
}

#[test]
fn each_node_gets_the_keys_of_its_own_pairs_only() {
    let conf = three_nodes();
    let beta = set_of(&conf, "beta");
    let gamma = set_of(&conf, "gamma");
    assert_eq!(beta.node, num(1));
    let peers: Vec<u8> = beta.pairs.iter().map(|(n, _)| n.get()).collect();
    assert_eq!(peers, [0, 2]);
    // Both ends of a pair hold the same key, and it is the kernel's derivation.
    assert_eq!(beta.key_for(num(2)), gamma.key_for(num(1)));
    let cluster = ClusterName::new(b"ramster").unwrap();
    let kernel = derive_pair_key(master().bytes(), &cluster, num(0), num(1)).unwrap();
    assert_eq!(beta.key_for(num(0)).unwrap().bytes(), &kernel);
    // No key of beta's set is another pair's, and none is the cluster key.
    assert!(gamma.key_for(num(0)) != beta.key_for(num(0)));
    assert!(beta.pairs.iter().all(|(_, k)| *k != master()));
}

#[test]
fn a_set_survives_its_file() {
    let conf = three_nodes();
    let beta = set_of(&conf, "beta");
    let text = beta.to_text("beta");
    assert!(text.starts_with("# ramster node key set: the keys node 1 (beta)"));
    assert!(
        !text.contains(&master().to_hex()),
        "the cluster key is not in it"
    );
    assert!(looks_like_a_key_set(text.as_bytes()));
    assert!(!looks_like_a_key_set(KEY_LINE.as_bytes()));
    assert_eq!(parse(text.as_bytes()).unwrap(), beta);
    let (owner, warnings) = beta.check_against(&conf, Path::new("/k")).unwrap();
    assert_eq!(owner.name, "beta");
    assert!(warnings.is_empty());
}

#[test]
fn bad_sets_are_refused_by_line_without_quoting_keys() {
    let key = master().to_hex();
    let secret = &key[..20];
    let cases = [
        (String::new(), "has no cluster line".to_string()),
        ("cluster ramster\n".into(), "has no node line".into()),
        ("cluster ramster\nnode 1\n".into(), "has no pair line".into()),
        (
            format!("cluster ramster\nnode 1\npair 0 {}\n", &key[..62]),
            "line 3: pair 0: the key has 62 hexadecimal digits: expected one line of 64 \
             hexadecimal digits (32 bytes)"
                .into(),
        ),
        (
            format!("cluster ramster\nnode 1\npair 1 {key}\n"),
            "line 3: pair 1 is this set's own node".into(),
        ),
        (
            format!("cluster ramster\nnode 1\npair 0 {key}\npair 0 {key}\n"),
            "line 4: a second key for node 0".into(),
        ),
        (
            format!("cluster ramster\nnode 255\npair 0 {key}\n"),
            "line 2: node: '255' is not a node number (0 to 254)".into(),
        ),
        (
            format!("cluster ramster\npair 0 {key}\n"),
            "line 2: 'pair' out of place: a key set is one cluster line, one node line, then \
             pair lines"
                .into(),
        ),
        (
            format!("cluster ramster\nnode 1\npair 0 {key} {secret}\n"),
            "line 3: too many words on a 'pair' line".into(),
        ),
        (
            format!("cluster ramster\nnode 1\n{secret}\n"),
            "line 3: expected a cluster, node or pair line".into(),
        ),
        (
            "cluster a/b\n".into(),
            "line 1: cluster name: name holds byte 0x2f; only printable ASCII without space and '/' is \
             allowed"
                .into(),
        ),
    ];
    for (text, want) in cases {
        let got = parse(text.as_bytes()).unwrap_err();
        assert!(!got.contains(secret), "{got}");
        assert_eq!(got, want, "{text:?}");
    }
    assert_eq!(parse(&[0xff, 0xfe]).unwrap_err(), "is not UTF-8 text");
}

#[test]
fn a_set_must_match_the_configuration() {
    let conf = three_nodes();
    let path = Path::new("/etc/ramster/beta.keys");
    let beta = set_of(&conf, "beta");
    let other_cluster = KeySet {
        cluster: "other".into(),
        ..set_of(&conf, "beta")
    };
    assert_eq!(
        other_cluster.check_against(&conf, path).unwrap_err().0,
        "key set /etc/ramster/beta.keys is for cluster 'other', not 'ramster'"
    );
    // A set made for two nodes lacks gamma's key.
    let two = conf::parse(TWO_NODES).unwrap();
    let short = set_of(&two, "beta");
    assert_eq!(
        short.check_against(&conf, path).unwrap_err().0,
        "key set /etc/ramster/beta.keys has no key for node 2 (gamma): make it again with \
         'ramster-tools keyset --node beta'"
    );
    // The three-node set against the two-node file: gamma's key is extra.
    let (_, warnings) = beta.check_against(&two, path).unwrap();
    assert_eq!(
        warnings,
        [
            "key set /etc/ramster/beta.keys has a key for node 2, which the configuration does \
          not have"
        ]
    );
    let stranger = KeySet {
        node: num(9),
        ..set_of(&conf, "beta")
    };
    assert_eq!(
        stranger.check_against(&conf, path).unwrap_err().0,
        "key set /etc/ramster/beta.keys is node 9's, which the configuration does not have"
    );
}
