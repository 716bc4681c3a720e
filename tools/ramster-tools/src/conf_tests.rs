// SPDX-License-Identifier: GPL-2.0

//! Tests of the ramster.conf parser: a good file, and each error with its line.

use super::*;

pub const TWO_NODES: &str = "\
# ramster cluster
cluster:
\tnode_count = 2
\tname = ramster
\tkey_file = /etc/ramster.key
node:
\tip_port = 7777
\tip_address = 169.254.0.1
\tnumber = 0
\tname = alpha
\tcluster = ramster

node:
\tip_port = 7777
\tip_address = 169.254.0.2
\tnumber = 1
\tname = beta
\tcluster = ramster
";

fn error_of(text: &str) -> (usize, String) {
    let e = parse(text).unwrap_err();
    (e.line, e.message)
}

#[test]
fn parses_the_ocfs2_format() {
    let conf = parse(TWO_NODES).unwrap();
    assert_eq!(conf.name, "ramster");
    assert_eq!(conf.timeouts, TimeoutSettings::default());
    assert_eq!(
        conf.auth,
        Auth::Psk {
            key_file: PathBuf::from("/etc/ramster.key")
        }
    );
    assert_eq!(conf.auth.word(), "psk");
    assert_eq!(
        conf.nodes[1],
        NodeConf {
            name: "beta".to_string(),
            number: NodeNum::new(1).unwrap(),
            ip_address: [169, 254, 0, 2],
            ip_port: 7777,
        }
    );
}

#[test]
fn accepts_spaces_for_indentation_and_timeouts() {
    let text = "cluster:\n  name = c\n  node_count = 1\n  dead_threshold = 500\n  auth = none\n  \
                idle_timeout_ms = 1000000\nnode:\n  name = n\n  cluster = c\n  number = 254\n  \
                ip_address = 10.0.0.1\n  ip_port = 65535\n";
    let conf = parse(text).unwrap();
    assert_eq!(conf.timeouts.dead_threshold, Some(500));
    assert_eq!(conf.timeouts.idle_timeout_ms, Some(1_000_000));
    assert_eq!(conf.timeouts.keepalive_delay_ms, None);
    assert_eq!(conf.auth, Auth::None);
}

#[test]
fn syntax_errors_name_the_line() {
    assert_eq!(
        error_of("cluster:\n\tname ramster\n"),
        (
            2,
            "expected 'key = value', found 'name ramster'".to_string()
        )
    );
    assert_eq!(
        error_of("\tname = x\n"),
        (1, "parameter outside a stanza".to_string())
    );
    assert_eq!(error_of("clusters:\n").0, 1);
    assert_eq!(error_of("cluster\n").0, 1);
    assert_eq!(
        error_of("cluster:\n\tname = a\n\tname = b\n"),
        (3, "'name' given twice in this stanza".to_string())
    );
    assert_eq!(error_of("# nothing\n").1, "no 'cluster:' stanza");
}

#[test]
fn value_errors_name_the_line() {
    let cases = [
        ("ip_port = 7777", "ip_port = 0", "ip_port: 0 is outside 1..=65535"),
        ("ip_port = 7777", "ip_port = 65536", "ip_port: 65536 is outside 1..=65535"),
        ("number = 1", "number = 255", "number: 255 is outside 0..=254"),
        ("number = 1", "number = x", "number: 'x': not a decimal number"),
        (
            "ip_address = 169.254.0.2",
            "ip_address = 169.254.0.256",
            "ip_address: '169.254.0.256': not an IPv4 address a.b.c.d with each part 0..=255",
        ),
        (
            "cluster = ramster",
            "cluster = other",
            "node: cluster 'other' is not the cluster 'ramster'",
        ),
        (
            "name = beta",
            "name = be/ta",
            "node: name: name holds byte 0x2f; only printable ASCII without space and '/' is allowed",
        ),
        ("number = 1", "colour = 1", "node: unknown parameter 'colour' (known: name, cluster, number, ip_address, ip_port)"),
    ];
    for (good, bad, message) in cases {
        let pos = TWO_NODES.rfind(good).unwrap();
        let text = format!(
            "{}{}{}",
            &TWO_NODES[..pos],
            bad,
            &TWO_NODES[pos + good.len()..]
        );
        let line = TWO_NODES[..pos].matches('\n').count() + 1;
        assert_eq!(error_of(&text), (line, message.to_string()), "{bad}");
    }
}

#[test]
fn cluster_level_errors() {
    let text = TWO_NODES.replace("node_count = 2", "node_count = 3");
    assert_eq!(
        error_of(&text),
        (
            3,
            "node_count is 3 but the file has 2 node stanzas".to_string()
        )
    );
    let text = TWO_NODES.replace("number = 1", "number = 0");
    assert_eq!(
        error_of(&text),
        (
            13,
            "node 'beta' has the same number as node 'alpha'".to_string()
        )
    );
    let text = TWO_NODES.replace("169.254.0.2", "169.254.0.1");
    assert_eq!(
        error_of(&text).1,
        "node 'beta' has the same ip_address as node 'alpha'"
    );
    let text = format!("{TWO_NODES}cluster:\n\tname = x\n");
    assert_eq!(
        error_of(&text),
        (19, "only one 'cluster:' stanza is allowed".to_string())
    );
    let text = TWO_NODES.replace(
        "\tip_port = 7777\n\tip_address = 169.254.0.2\n",
        "\tip_address = 169.254.0.2\n",
    );
    assert_eq!(
        error_of(&text),
        (13, "node: stanza has no 'ip_port' parameter".to_string())
    );
    let text = TWO_NODES.replace(
        "name = ramster",
        "name = ramster\n\tkeepalive_delay_ms = 30000",
    );
    assert_eq!(
        error_of(&text),
        (
            2,
            "cluster: keepalive_delay_ms (30000) must be below idle_timeout_ms (30000)".to_string()
        )
    );
    let text = TWO_NODES.replace("name = ramster", "name = ramster\n\tdead_threshold = 2");
    assert_eq!(
        error_of(&text),
        (5, "dead_threshold: 2 is outside 3..=65535".to_string())
    );
}

#[test]
fn settings_override_and_apply() {
    let file = TimeoutSettings {
        idle_timeout_ms: Some(10),
        dead_threshold: Some(5),
        ..TimeoutSettings::default()
    };
    let flags = TimeoutSettings {
        dead_threshold: Some(9),
        ..TimeoutSettings::default()
    };
    let merged = file.overridden_by(&flags);
    assert_eq!(merged.idle_timeout_ms, Some(10));
    assert_eq!(merged.dead_threshold, Some(9));
    let t = merged.applied_to(Timeouts::DEFAULT);
    assert_eq!(t.keepalive_delay_ms, 2_000);
    assert_eq!(t.dead_threshold, 9);
}

/// TWO_NODES with its `key_file` line (line 5) replaced by `lines`.
fn with_auth(lines: &str) -> String {
    TWO_NODES.replace("\tkey_file = /etc/ramster.key\n", lines)
}

#[test]
fn auth_settings() {
    let psk = |path: &str| Auth::Psk {
        key_file: PathBuf::from(path),
    };
    let good = [
        ("\tauth = psk\n\tkey_file = /k\n", psk("/k")),
        (
            "\tkey_file = /etc/ramster.key\n\tauth = psk\n",
            psk("/etc/ramster.key"),
        ),
        ("\tkey_file = /a b/key\n", psk("/a b/key")),
        ("\tauth = none\n", Auth::None),
    ];
    for (lines, auth) in good {
        assert_eq!(parse(&with_auth(lines)).unwrap().auth, auth, "{lines:?}");
    }
    assert_eq!(Auth::None.word(), "none");
}

#[test]
fn auth_errors_name_the_line() {
    let missing = "cluster: auth = psk (the default) needs key_file = PATH, the cluster's key \
                   (make one with 'ramster-tools keygen --output /etc/ramster.key' and copy it \
                   to every node), or auth = none for unauthenticated links";
    let cases = [
        // No key_file: the stanza's line, or the auth line if given.
        ("\n", 2, missing.to_string()),
        ("\tauth = psk\n", 5, missing.to_string()),
        (
            "\tauth = PSK\n\tkey_file = /k\n",
            5,
            "auth: 'PSK' is not psk or none".to_string(),
        ),
        (
            "\tauth = hmac\n",
            5,
            "auth: 'hmac' is not psk or none".to_string(),
        ),
        (
            "\tauth = none\n\tkey_file = /etc/ramster.key\n",
            6,
            "cluster: key_file is not used with auth = none (line 5): remove it, or set auth = psk"
                .to_string(),
        ),
        (
            "\tkey_file = /etc/ramster.key\n\tauth = none\n",
            5,
            "cluster: key_file is not used with auth = none (line 6): remove it, or set auth = psk"
                .to_string(),
        ),
        (
            "\tkey_file = ramster.key\n",
            5,
            "key_file: 'ramster.key' is not an absolute path".to_string(),
        ),
        (
            "\tkey_file = /a\n\tkey_file = /b\n",
            6,
            "'key_file' given twice in this stanza".to_string(),
        ),
        (
            "\tauth = none\n\tauth = psk\n",
            6,
            "'auth' given twice in this stanza".to_string(),
        ),
        (
            "\tkey_file =\n",
            5,
            "expected 'key = value', found 'key_file ='".to_string(),
        ),
    ];
    for (lines, line, message) in cases {
        assert_eq!(error_of(&with_auth(lines)), (line, message), "{lines:?}");
    }
}

#[test]
fn auth_is_a_cluster_parameter_only() {
    let text = TWO_NODES.replace("\tnumber = 1\n", "\tnumber = 1\n\tauth = none\n");
    assert_eq!(
        error_of(&text),
        (
            17,
            "node: unknown parameter 'auth' (known: name, cluster, number, ip_address, ip_port)"
                .to_string()
        )
    );
}

#[test]
fn encryption_is_none_by_default_aes_with_psk_only() {
    assert_eq!(parse(TWO_NODES).unwrap().encryption, EncryptionMode::None);
    let with = |line: &str| TWO_NODES.replace("\tkey_file", &format!("\t{line}\n\tkey_file"));
    assert_eq!(
        parse(&with("encryption = aes-256-ctr")).unwrap().encryption,
        EncryptionMode::Aes256Ctr
    );
    assert_eq!(
        error_of(&with("encryption = aes")),
        (
            5,
            "encryption: 'aes' is not none or aes-256-ctr".to_string()
        )
    );
    let no_key = TWO_NODES.replace(
        "\tkey_file = /etc/ramster.key",
        "\tauth = none\n\tencryption = aes-256-ctr",
    );
    assert_eq!(
        error_of(&no_key),
        (
            6,
            "cluster: encryption needs auth = psk: with auth = none there is no key".to_string()
        )
    );
}
