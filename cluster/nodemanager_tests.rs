// SPDX-License-Identifier: GPL-2.0

//! Tests of the node manager's configfs rules: each rule and errno by example; "an error changes
//! nothing" and the table's consistency over random operation sequences.

extern crate std;

use super::*;
use crate::cluster::config_text::TextError;
use crate::cluster::errno;
use crate::cluster::names::NameError;
use crate::cluster::secret::{KeyError, MasterKey, ReadKeyError};
use proptest::prelude::*;
use std::string::ToString;
use std::vec::Vec;

fn cluster() -> Subsystem {
    let mut sub = Subsystem::new();
    sub.make_cluster(b"ramster").unwrap();
    sub
}

/// A node with address 10.0.0.`n`, port 7000 + `n` and number `n`.
fn numbered(c: &mut Cluster, name: &str, n: u8) -> NodeConfig {
    let mut node = c.make_node(name.as_bytes()).unwrap();
    let addr = std::format!("10.0.0.{n}\n");
    let port = std::format!("{}\n", 7000 + u32::from(n));
    c.write_node(&mut node, NodeAttr::Ipv4Address, addr.as_bytes())
        .unwrap();
    c.write_node(&mut node, NodeAttr::Ipv4Port, port.as_bytes())
        .unwrap();
    c.write_node(&mut node, NodeAttr::Num, n.to_string().as_bytes())
        .unwrap();
    node
}

fn errno_of<T: core::fmt::Debug>(r: Result<T, ConfigError>) -> i32 {
    r.unwrap_err().errno()
}

#[test]
fn one_cluster_only_with_a_valid_name() {
    let mut sub = Subsystem::new();
    assert_eq!(errno_of(sub.make_cluster(b"a/b")), errno::EINVAL);
    assert_eq!(errno_of(sub.make_cluster(&[b'x'; 57])), errno::ENAMETOOLONG);
    assert!(sub.make_cluster(b"ramster").is_ok());
    assert_eq!(sub.make_cluster(b"other"), Err(ConfigError::ClusterExists));
    assert_eq!(ConfigError::ClusterExists.errno(), errno::ENOSPC);
    sub.drop_cluster();
    assert!(sub.make_cluster(b"other").is_ok());
    assert_eq!(sub.cluster().unwrap().name().as_str(), "other");
}

#[test]
fn a_node_is_numbered_after_its_endpoint() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    let mut node = c.make_node(b"alpha").unwrap();
    assert_eq!(
        c.write_node(&mut node, NodeAttr::Num, b"1"),
        Err(ConfigError::NumNeedsEndpoint)
    );
    c.write_node(&mut node, NodeAttr::Ipv4Address, b"169.254.0.1\n")
        .unwrap();
    assert_eq!(
        c.write_node(&mut node, NodeAttr::Num, b"1"),
        Err(ConfigError::NumNeedsEndpoint)
    );
    c.write_node(&mut node, NodeAttr::Ipv4Port, b"7777\n")
        .unwrap();
    assert_eq!(
        c.write_node(&mut node, NodeAttr::Num, b"1\n"),
        Ok(NetworkingChange::None)
    );
    let num = NodeNum::new(1).unwrap();
    assert_eq!(
        c.endpoint(num),
        Some(Endpoint {
            addr: [169, 254, 0, 1],
            port: 7777
        })
    );
    assert_eq!(c.node_by_address([169, 254, 0, 1]), Some(num));
    assert_eq!(node.show(NodeAttr::Num).to_string(), "1");
    assert_eq!(node.show(NodeAttr::Ipv4Address).to_string(), "169.254.0.1");
    assert_eq!(node.show(NodeAttr::Ipv4Port).to_string(), "7777");
    assert_eq!(node.show(NodeAttr::Local).to_string(), "0");
    let fresh = c.make_node(b"beta").unwrap();
    assert_eq!(fresh.show(NodeAttr::Num).to_string(), "");
}

#[test]
fn attributes_are_write_once() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    let mut node = numbered(c, "alpha", 1);
    for (attr, text) in [
        (NodeAttr::Num, &b"2"[..]),
        (NodeAttr::Num, b"1"),
        (NodeAttr::Ipv4Address, b"10.0.0.9"),
        (NodeAttr::Ipv4Port, b"9"),
    ] {
        let r = c.write_node(&mut node, attr, text);
        assert_eq!(r, Err(ConfigError::AlreadySet(attr.name())));
        assert_eq!(errno_of(r), errno::EBUSY);
    }
}

#[test]
fn numbers_ports_and_addresses_are_range_checked() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    let mut node = c.make_node(b"alpha").unwrap();
    c.write_node(&mut node, NodeAttr::Ipv4Address, b"10.0.0.1")
        .unwrap();
    c.write_node(&mut node, NodeAttr::Ipv4Port, b"65535")
        .unwrap();
    assert_eq!(
        errno_of(c.write_node(&mut node, NodeAttr::Num, b"255")),
        errno::ERANGE
    );
    assert_eq!(
        errno_of(c.write_node(&mut node, NodeAttr::Num, b"99999999999999999999")),
        errno::EINVAL
    );
    assert_eq!(
        errno_of(c.write_node(&mut node, NodeAttr::Num, b"-1")),
        errno::EINVAL
    );
    assert_eq!(
        errno_of(c.write_node(&mut node, NodeAttr::Num, b"01")),
        errno::EINVAL
    );
    let mut other = c.make_node(b"beta").unwrap();
    assert_eq!(
        c.write_node(&mut other, NodeAttr::Ipv4Port, b"0"),
        Err(ConfigError::PortZero)
    );
    assert_eq!(
        errno_of(c.write_node(&mut other, NodeAttr::Ipv4Port, b"0")),
        errno::EINVAL
    );
    assert_eq!(
        errno_of(c.write_node(&mut other, NodeAttr::Ipv4Port, b"65536")),
        errno::ERANGE
    );
    for bad in [
        &b"10.0.0"[..],
        b"10.0.0.256",
        b"localhost",
        b"",
        b"10.0.0.1 ",
    ] {
        assert_eq!(
            errno_of(c.write_node(&mut other, NodeAttr::Ipv4Address, bad)),
            errno::EINVAL
        );
    }
    assert_eq!(
        c.write_node(&mut other, NodeAttr::Ipv4Address, b"10.0.0.1.2"),
        Err(ConfigError::BadText("ipv4_address", TextError::NotIpv4))
    );
}

#[test]
fn numbers_and_addresses_are_unique() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    numbered(c, "alpha", 1);
    let mut beta = c.make_node(b"beta").unwrap();
    assert_eq!(
        c.write_node(&mut beta, NodeAttr::Ipv4Address, b"10.0.0.1"),
        Err(ConfigError::AddressTaken([10, 0, 0, 1]))
    );
    c.write_node(&mut beta, NodeAttr::Ipv4Address, b"10.0.0.2")
        .unwrap();
    c.write_node(&mut beta, NodeAttr::Ipv4Port, b"7000")
        .unwrap();
    let taken = c.write_node(&mut beta, NodeAttr::Num, b"1");
    assert_eq!(taken, Err(ConfigError::NumTaken(NodeNum::new(1).unwrap())));
    assert_eq!(errno_of(taken), errno::EEXIST);
    // Two unnumbered nodes may name the same address; the second to take a number loses.
    let mut gamma = c.make_node(b"gamma").unwrap();
    c.write_node(&mut gamma, NodeAttr::Ipv4Address, b"10.0.0.2")
        .unwrap();
    c.write_node(&mut gamma, NodeAttr::Ipv4Port, b"7000")
        .unwrap();
    c.write_node(&mut beta, NodeAttr::Num, b"2").unwrap();
    assert_eq!(
        c.write_node(&mut gamma, NodeAttr::Num, b"3"),
        Err(ConfigError::AddressTaken([10, 0, 0, 2]))
    );
}

#[test]
fn local_needs_everything_and_is_unique() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    let mut bare = c.make_node(b"bare").unwrap();
    c.write_node(&mut bare, NodeAttr::Ipv4Address, b"10.0.0.9")
        .unwrap();
    assert_eq!(
        c.write_node(&mut bare, NodeAttr::Local, b"1"),
        Err(ConfigError::LocalNeedsAll)
    );
    let mut alpha = numbered(c, "alpha", 1);
    let mut beta = numbered(c, "beta", 2);
    let one = NodeNum::new(1).unwrap();
    assert_eq!(
        c.write_node(&mut alpha, NodeAttr::Local, b"1\n"),
        Ok(NetworkingChange::Start(one))
    );
    assert_eq!(c.local(), Some(one));
    assert_eq!(
        c.write_node(&mut alpha, NodeAttr::Local, b"1"),
        Ok(NetworkingChange::None)
    );
    let other = c.write_node(&mut beta, NodeAttr::Local, b"1");
    assert_eq!(other, Err(ConfigError::OtherNodeIsLocal(one)));
    assert_eq!(errno_of(other), errno::EBUSY);
    assert_eq!(
        errno_of(c.write_node(&mut beta, NodeAttr::Local, b"2")),
        errno::EINVAL
    );
    assert_eq!(
        c.write_node(&mut alpha, NodeAttr::Local, b"0"),
        Ok(NetworkingChange::Stop)
    );
    assert_eq!(c.local(), None);
    assert!(alpha.show(NodeAttr::Local) == crate::cluster::config_text::Shown::Bool(false));
}

#[test]
fn timeouts_are_checked_and_frozen_while_connected() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    assert_eq!(c.show(ClusterAttr::IdleTimeoutMs).to_string(), "30000");
    assert_eq!(c.show(ClusterAttr::DeadThreshold).to_string(), "31");
    c.write(ClusterAttr::DeadThreshold, b"500\n").unwrap();
    c.write(ClusterAttr::IdleTimeoutMs, b"1000000\n").unwrap();
    c.write(ClusterAttr::ReconnectDelayMs, b"1").unwrap();
    assert_eq!(c.timeouts().dead_threshold, 500);
    assert_eq!(c.timeouts().idle_timeout_ms, 1_000_000);
    assert_eq!(
        errno_of(c.write(ClusterAttr::DeadThreshold, b"2")),
        errno::ERANGE
    );
    assert_eq!(
        errno_of(c.write(ClusterAttr::ReconnectDelayMs, b"0")),
        errno::ERANGE
    );
    assert_eq!(
        errno_of(c.write(ClusterAttr::IdleTimeoutMs, b"4294967296")),
        errno::ERANGE
    );
    assert_eq!(
        c.write(ClusterAttr::KeepaliveDelayMs, b"1000000"),
        Err(ConfigError::KeepaliveNotBelowIdle(1_000_000, 1_000_000))
    );
    assert_eq!(
        errno_of(c.write(ClusterAttr::IdleTimeoutMs, b"2000")),
        errno::EINVAL
    );
    let two = NodeNum::new(2).unwrap();
    c.set_connected(two, true);
    assert!(c.is_connected(two));
    let busy = c.write(ClusterAttr::ReconnectDelayMs, b"5");
    assert_eq!(
        busy,
        Err(ConfigError::TimeoutsWhileConnected("reconnect_delay_ms"))
    );
    assert_eq!(errno_of(busy), errno::EBUSY);
    c.set_connected(two, false);
    assert!(c.write(ClusterAttr::ReconnectDelayMs, b"5").is_ok());
}

#[test]
fn auth_is_psk_or_none_and_frozen_while_connected() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    assert_eq!(c.show(ClusterAttr::Auth).to_string(), "psk");
    assert_eq!(c.auth(), AuthSetting::Psk(None));
    c.write(ClusterAttr::Auth, b"none\n").unwrap();
    assert_eq!(c.show(ClusterAttr::Auth).to_string(), "none");
    assert_eq!(c.auth(), AuthSetting::None);
    for bad in [
        &b"PSK"[..],
        b"",
        b"\n",
        b"psk ",
        b"psk\n\n",
        b"hmac",
        b"0",
        b" none",
    ] {
        assert_eq!(
            c.write(ClusterAttr::Auth, bad),
            Err(ConfigError::BadAuth),
            "{bad:?}"
        );
        assert_eq!(c.show(ClusterAttr::Auth).to_string(), "none");
    }
    assert_eq!(errno_of(c.write(ClusterAttr::Auth, b"junk")), errno::EINVAL);
    let two = NodeNum::new(2).unwrap();
    c.set_connected(two, true);
    let busy = c.write(ClusterAttr::Auth, b"psk");
    assert_eq!(busy, Err(ConfigError::TimeoutsWhileConnected("auth")));
    assert_eq!(errno_of(busy), errno::EBUSY);
    assert_eq!(c.auth(), AuthSetting::None);
    c.set_connected(two, false);
    c.write(ClusterAttr::Auth, b"psk").unwrap();
    assert_eq!(c.auth(), AuthSetting::Psk(None));
}

#[test]
fn encryption_is_none_or_aes_needs_psk_and_is_frozen_while_connected() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    assert_eq!(c.show(ClusterAttr::Encryption).to_string(), "none");
    assert_eq!(c.encryption(), EncryptionMode::None);
    c.write(ClusterAttr::Encryption, b"aes-256-ctr\n").unwrap();
    assert_eq!(c.show(ClusterAttr::Encryption).to_string(), "aes-256-ctr");
    for bad in [&b"aes"[..], b"AES-256-CTR", b"", b"on", b"aes-256-ctr "] {
        assert_eq!(
            c.write(ClusterAttr::Encryption, bad),
            Err(ConfigError::BadEncryption),
            "{bad:?}"
        );
    }
    // Never on without a key: auth = none is refused while it is on, and the other way round.
    let no_key = c.write(ClusterAttr::Auth, b"none");
    assert_eq!(no_key, Err(ConfigError::EncryptionNeedsPsk));
    assert_eq!(errno_of(no_key), errno::EINVAL);
    assert_eq!(c.show(ClusterAttr::Auth).to_string(), "psk");
    c.write(ClusterAttr::Encryption, b"none").unwrap();
    c.write(ClusterAttr::Auth, b"none").unwrap();
    assert_eq!(
        c.write(ClusterAttr::Encryption, b"aes-256-ctr"),
        Err(ConfigError::EncryptionNeedsPsk)
    );
    assert_eq!(c.encryption(), EncryptionMode::None);
    assert_eq!(
        ConfigError::EncryptionNeedsPsk.to_string(),
        "encryption needs auth = psk (a key): set auth to psk first, or encryption to none \
         before auth"
    );
    c.write(ClusterAttr::Auth, b"psk").unwrap();
    let two = NodeNum::new(2).unwrap();
    c.set_connected(two, true);
    assert_eq!(
        c.write(ClusterAttr::Encryption, b"aes-256-ctr"),
        Err(ConfigError::TimeoutsWhileConnected("encryption"))
    );
    assert_eq!(c.encryption(), EncryptionMode::None);
}

/// A keyring holding `ramster:test` (`len` bytes of 0x42) and `ramster:revoked` (revoked).
fn keyring(
    len: usize,
) -> impl Fn(&crate::cluster::names::KeyDescription) -> Result<MasterKey, ReadKeyError> {
    move |desc| match desc.as_str() {
        "ramster:test" if len > 64 => Err(ReadKeyError::BadKey(KeyError::TooLong)),
        "ramster:test" => MasterKey::new(&[0x42; 64][..len]).map_err(ReadKeyError::BadKey),
        "ramster:revoked" => Err(ReadKeyError::Errno(128)),
        _ => Err(ReadKeyError::NoKey),
    }
}

#[test]
fn auth_key_reads_a_logon_key_of_16_to_64_bytes() {
    let key = load_auth_key(b"ramster:test\n", keyring(32)).unwrap();
    assert_eq!(key.as_bytes(), &[0x42; 32]);
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    c.set_auth_key(key.clone());
    assert_eq!(c.auth(), AuthSetting::Psk(Some(&key)));
    // auth=none keeps the key for when auth is psk again.
    c.write(ClusterAttr::Auth, b"none").unwrap();
    assert_eq!(c.auth(), AuthSetting::None);
    c.write(ClusterAttr::Auth, b"psk").unwrap();
    assert_eq!(c.auth(), AuthSetting::Psk(Some(&key)));
    // A new key may be given while a peer is connected; it replaces the old one.
    c.set_connected(NodeNum::new(2).unwrap(), true);
    let rotated = load_auth_key(b"ramster:test", keyring(64)).unwrap();
    c.set_auth_key(rotated.clone());
    assert_eq!(c.auth(), AuthSetting::Psk(Some(&rotated)));
    assert!(load_auth_key(b"ramster:test", keyring(16)).is_ok());
}

#[test]
fn auth_key_errors() {
    let no_key = load_auth_key(b"ramster:other\n", keyring(32));
    assert_eq!(errno_of(no_key.clone()), errno::ENOKEY);
    let shown = no_key.unwrap_err().to_string();
    assert!(shown.contains("no logon key \"ramster:other\""), "{shown}");
    assert!(
        shown.contains("ramster-tools") && shown.contains("keyctl add logon"),
        "{shown}"
    );
    let short = load_auth_key(b"ramster:test", keyring(4));
    assert_eq!(errno_of(short.clone()), errno::EINVAL);
    assert_eq!(
        short.unwrap_err().to_string(),
        "auth_key: logon key \"ramster:test\": the key is 4 bytes; it must be 16 to 64 bytes"
    );
    assert_eq!(
        errno_of(load_auth_key(b"ramster:test", keyring(15))),
        errno::EINVAL
    );
    assert_eq!(
        errno_of(load_auth_key(b"ramster:test", keyring(65))),
        errno::EINVAL
    );
    assert_eq!(
        errno_of(load_auth_key(b"ramster:revoked", keyring(32))),
        128
    );
    // Bad descriptions are refused before any keyring is searched.
    let never = |_: &crate::cluster::names::KeyDescription| -> Result<MasterKey, ReadKeyError> {
        panic!("the keyring was searched")
    };
    for (bad, err) in [
        (&b""[..], ConfigError::BadKeyDescription(NameError::Empty)),
        (b"\n", ConfigError::BadKeyDescription(NameError::Empty)),
        (
            b"ramster: x",
            ConfigError::BadKeyDescription(NameError::BadByte(b' ')),
        ),
        (
            b"ramster:x\n\n",
            ConfigError::BadKeyDescription(NameError::BadByte(b'\n')),
        ),
        (
            b"ramster:\x01",
            ConfigError::BadKeyDescription(NameError::BadByte(1)),
        ),
        (
            &[b'a'; 65],
            ConfigError::BadKeyDescription(NameError::TooLong(64)),
        ),
        (b"ramster", ConfigError::KeyDescriptionNoPrefix),
        (b":mycluster", ConfigError::KeyDescriptionNoPrefix),
    ] {
        assert_eq!(load_auth_key(bad, never), Err(err), "{bad:?}");
        assert_eq!(err.errno(), errno::EINVAL);
    }
    let mut longest = [b'k'; 64];
    longest[7] = b':';
    assert_eq!(
        errno_of(load_auth_key(&longest, keyring(32))),
        errno::ENOKEY
    );
    assert_eq!(
        ConfigError::KeyDescriptionNoPrefix.to_string(),
        "auth_key: key description: a logon key's description is <prefix>:<name>, \
         e.g. ramster:mycluster"
    );
}

#[test]
fn a_nodes_pair_key_is_kept_by_its_number_so_num_comes_first() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    let fresh = c.make_node(b"gamma").unwrap();
    assert_eq!(pair_key_node(&fresh), Err(ConfigError::PairKeyNeedsNum));
    assert_eq!(errno_of(pair_key_node(&fresh)), errno::EINVAL);
    assert_eq!(
        ConfigError::PairKeyNeedsNum.to_string(),
        "auth_key: write the node's num first: the key shared with a node is kept by its number"
    );
    let node = numbered(c, "gamma", 2);
    assert_eq!(pair_key_node(&node), Ok(NodeNum::new(2).unwrap()));
}

#[test]
fn peers_are_the_numbered_nodes_but_the_local_one_in_order() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    let peers = |c: &Cluster| c.peers().map(NodeNum::get).collect::<Vec<_>>();
    let mut seven = numbered(c, "seven", 7);
    c.make_node(b"unnumbered").unwrap();
    numbered(c, "two", 2);
    numbered(c, "last", 254);
    assert_eq!(peers(c), [2, 7, 254]);
    c.write_node(&mut seven, NodeAttr::Local, b"1").unwrap();
    assert_eq!(peers(c), [2, 254]);
    c.write_node(&mut seven, NodeAttr::Local, b"0").unwrap();
    assert_eq!(peers(c), [2, 7, 254]);
    assert_eq!(sub.cluster_ref().map(peers), Some(std::vec![2, 7, 254]));
}

#[test]
fn connected_nodes_cannot_be_removed() {
    let mut sub = cluster();
    let c = sub.cluster().unwrap();
    let mut alpha = numbered(c, "alpha", 1);
    let beta = numbered(c, "beta", 2);
    c.write_node(&mut alpha, NodeAttr::Local, b"1").unwrap();
    let two = NodeNum::new(2).unwrap();
    c.set_connected(two, true);
    assert_eq!(c.remove_node(&beta), Err(ConfigError::NodeConnected(two)));
    assert_eq!(c.remove_node(&alpha), Err(ConfigError::NodeConnected(two)));
    assert_eq!(errno_of(c.remove_node(&beta)), errno::EBUSY);
    c.set_connected(two, false);
    assert_eq!(c.remove_node(&beta), Ok(NetworkingChange::None));
    assert_eq!(c.endpoint(two), None);
    assert_eq!(c.remove_node(&alpha), Ok(NetworkingChange::Stop));
    assert_eq!(c.local(), None);
}

#[test]
fn errors_name_the_attribute() {
    assert_eq!(
        ConfigError::OutOfRange("num", 300, 0, 254).to_string(),
        "num: 300 is outside 0..=254"
    );
    assert_eq!(
        ConfigError::AlreadySet("ipv4_port").to_string(),
        "ipv4_port: already set; it can be written only once"
    );
    assert_eq!(
        ConfigError::BadText("ipv4_address", TextError::NotIpv4).to_string(),
        "ipv4_address: not an IPv4 address a.b.c.d with each part 0..=255"
    );
}

#[derive(Clone, Debug)]
enum Op {
    Node(usize, NodeAttr, Vec<u8>),
    Cluster(ClusterAttr, Vec<u8>),
    AuthKey(Vec<u8>, usize),
    Connect(u8, bool),
    Remove(usize),
}

fn any_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (0u32..300).prop_map(|n| n.to_string().into_bytes()),
        (0u8..4).prop_map(|n| std::format!("10.0.0.{n}\n").into_bytes()),
        Just(b"0".to_vec()),
        Just(b"1\n".to_vec()),
        Just(b"70000".to_vec()),
        Just(b"psk\n".to_vec()),
        Just(b"none".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..6),
    ]
}

fn any_op() -> impl Strategy<Value = Op> {
    let node_attr = prop_oneof![
        Just(NodeAttr::Num),
        Just(NodeAttr::Ipv4Address),
        Just(NodeAttr::Ipv4Port),
        Just(NodeAttr::Local)
    ];
    let cluster_attr = prop_oneof![
        Just(ClusterAttr::IdleTimeoutMs),
        Just(ClusterAttr::KeepaliveDelayMs),
        Just(ClusterAttr::ReconnectDelayMs),
        Just(ClusterAttr::DeadThreshold),
        Just(ClusterAttr::Auth),
        Just(ClusterAttr::Encryption)
    ];
    let key_text = prop_oneof![
        Just(b"ramster:test\n".to_vec()),
        Just(b"ramster:other".to_vec()),
        Just(b"ramster:revoked".to_vec()),
        any_text(),
    ];
    prop_oneof![
        8 => (0usize..4, node_attr, any_text()).prop_map(|(i, a, t)| Op::Node(i, a, t)),
        2 => (cluster_attr, any_text()).prop_map(|(a, t)| Op::Cluster(a, t)),
        1 => (0u8..4, any::<bool>()).prop_map(|(n, up)| Op::Connect(n, up)),
        1 => (0usize..4).prop_map(Op::Remove),
        1 => (key_text, 0usize..80).prop_map(|(t, len)| Op::AuthKey(t, len)),
    ]
}

proptest! {
    #[test]
    fn errors_change_nothing_and_the_table_stays_consistent(
        ops in proptest::collection::vec(any_op(), 1..80)
    ) {
        let mut sub = cluster();
        let c = sub.cluster().unwrap();
        let mut nodes: Vec<Option<NodeConfig>> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| Some(c.make_node(n.as_bytes()).unwrap()))
            .collect();
        for op in ops {
            let (cluster_before, nodes_before) = (c.clone(), nodes.clone());
            let result = match op {
                Op::Node(i, attr, text) => match nodes[i].as_mut() {
                    Some(node) => c.write_node(node, attr, &text).map(|_| ()),
                    None => Ok(()),
                },
                Op::Cluster(attr, text) => c.write(attr, &text),
                // As the glue does: read the key, then keep it.
                Op::AuthKey(text, len) => {
                    load_auth_key(&text, keyring(len)).map(|key| c.set_auth_key(key))
                }
                Op::Connect(n, up) => {
                    c.set_connected(NodeNum::new(n).unwrap(), up);
                    Ok(())
                }
                Op::Remove(i) => match nodes[i] {
                    Some(node) => c.remove_node(&node).map(|_| nodes[i] = None),
                    None => Ok(()),
                },
            };
            if result.is_err() {
                prop_assert_eq!(&*c, &cluster_before);
                prop_assert_eq!(&nodes, &nodes_before);
            }
            prop_assert!(c.timeouts().is_valid());
            // Numbered nodes are in the table under their number; the table holds nothing else.
            let numbered: Vec<NodeConfig> = nodes.iter().flatten().filter(|n| n.num().is_some()).copied().collect();
            for node in &numbered {
                let num = node.num().unwrap();
                let endpoint = c.endpoint(num).unwrap();
                prop_assert_eq!(c.node_by_address(endpoint.addr), Some(num));
            }
            let in_table = (0..=NodeNum::MAX).filter_map(NodeNum::new).filter(|n| c.endpoint(*n).is_some()).count();
            prop_assert_eq!(in_table, numbered.len());
            // At most one local node, and the cluster knows which.
            let locals: Vec<NodeNum> = nodes.iter().flatten().filter(|n| n.is_local()).filter_map(|n| n.num()).collect();
            prop_assert!(locals.len() <= 1);
            prop_assert_eq!(c.local(), locals.first().copied());
        }
    }
}
