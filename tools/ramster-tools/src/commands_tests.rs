// SPDX-License-Identifier: GPL-2.0

//! Tests of whole commands against a fake configfs, as a user would run them.

use super::*;
use crate::cli::parse;
use crate::keyring::KeySerial;
use crate::test_fixtures::{
    fake_configfs, running_as_root, write_file, TestDir, KEY_FILE, KEY_LINE, TWO_NODES,
};
use std::cell::RefCell;
use std::io;
use std::path::PathBuf;

/// A keyring that records its calls. At `remove` it also records whether the kernel has been
/// given the description (`auth_key`) and whether networking has started, to check the order.
struct FakeKeyring {
    cluster_dir: PathBuf,
    calls: RefCell<Vec<String>>,
    add_error: Option<i32>,
}

impl Keyring for FakeKeyring {
    fn add_logon(&self, description: &str, payload: &[u8]) -> io::Result<KeySerial> {
        if let Some(errno) = self.add_error {
            return Err(io::Error::from_raw_os_error(errno));
        }
        let hex: String = payload.iter().map(|b| format!("{b:02x}")).collect();
        self.calls
            .borrow_mut()
            .push(format!("add logon {description} {hex}"));
        Ok(42)
    }

    fn remove(&self, key: KeySerial) -> io::Result<()> {
        let auth_key = fs::read_to_string(self.cluster_dir.join("auth_key")).ok();
        let local = self.cluster_dir.join("node/beta/local").exists();
        self.calls.borrow_mut().push(format!(
            "remove {key} after auth_key {auth_key:?}, local {local}"
        ));
        Ok(())
    }
}

struct Setup {
    root: TestDir,
    conf_dir: TestDir,
    keyring: FakeKeyring,
}

impl Setup {
    /// `conf`, with its key_file (if any) in the temporary directory, holding KEY_LINE.
    fn new(conf: &str) -> Setup {
        let root = fake_configfs();
        let conf_dir = TestDir::new();
        let key_file = conf_dir.path().join("ramster.key");
        write_file(&key_file, KEY_LINE, 0o600);
        let conf = conf.replace(KEY_FILE, &key_file.display().to_string());
        fs::write(conf_dir.path().join("ramster.conf"), conf).unwrap();
        Setup {
            keyring: FakeKeyring {
                cluster_dir: root.path().join("cluster/ramster"),
                calls: RefCell::new(Vec::new()),
                add_error: None,
            },
            root,
            conf_dir,
        }
    }

    fn key_file(&self) -> PathBuf {
        self.conf_dir.path().join("ramster.key")
    }

    fn cluster_file(&self, name: &str) -> Option<String> {
        fs::read_to_string(self.root.path().join("cluster/ramster").join(name)).ok()
    }

    fn calls(&self) -> Vec<String> {
        self.keyring.calls.borrow().clone()
    }

    fn run(&self, line: &str, hostname: &str) -> Result<Output, ToolError> {
        let mut args: Vec<String> = line.split_whitespace().map(String::from).collect();
        args.extend([
            "--configfs-root".to_string(),
            self.root.path().display().to_string(),
            "--sysfs-root".to_string(),
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
        run(&invocation, move || Ok(hostname), &self.keyring)
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
    if !running_as_root() {
        eprintln!("key files must be owned by root: test skipped");
        return;
    }
    let s = Setup::new(TWO_NODES);
    let out = s.run("up", "beta").unwrap();
    assert_eq!(
        out.text,
        "cluster ramster configured with 2 nodes, auth psk\nlocal node beta (number 1) is up\n"
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
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
    let s = Setup::new(&TWO_NODES.replace("key_file = /etc/ramster.key", "auth = none"));
    s.run("up --node alpha", "beta").unwrap();
    assert_eq!(s.local_of("alpha").as_deref(), Some("1\n"));
    assert_eq!(s.local_of("beta"), None);
}

#[test]
fn configure_does_not_start_networking_and_applies_flags() {
    let s = Setup::new(&TWO_NODES.replace("key_file = /etc/ramster.key", "auth = none"));
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
        err.ends_with("ramster.conf: line 14: number: 300 is outside 0..=254"),
        "{err}"
    );
    let s = Setup::new(TWO_NODES);
    let err = s.run("up", "gamma").unwrap_err().0;
    if running_as_root() {
        assert!(
            err.starts_with("no node named 'gamma' in ") && err.ends_with("--node NAME"),
            "{err}"
        );
    }
    // Nothing was written.
    assert_eq!(
        fs::read_dir(s.root.path().join("cluster")).unwrap().count(),
        0
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
fn check_reads_the_files_and_touches_nothing() {
    if !running_as_root() {
        eprintln!("key files must be owned by root: test skipped");
        return;
    }
    let s = Setup::new(TWO_NODES);
    let out = s.run("check --node beta", "x").unwrap();
    assert!(
        out.text.ends_with(&format!(
            "ramster.conf: cluster ramster with 2 nodes, auth psk (key file {}): ok\n",
            s.key_file().display()
        )),
        "{}",
        out.text
    );
    assert!(out.warnings.is_empty());
    // Nothing was created in configfs, nothing handed to the keyring.
    assert_eq!(
        fs::read_dir(s.root.path().join("cluster")).unwrap().count(),
        0
    );
    assert!(s.calls().is_empty());
    // An unknown node, a bad override, a bad key file, an error in the file: each refused.
    let err = s.run("check --node gamma", "x").unwrap_err().0;
    assert!(
        err.ends_with("ramster.conf: no node named 'gamma'"),
        "{err}"
    );
    let err = s
        .run("check --keepalive-delay-ms 40000", "x")
        .unwrap_err()
        .0;
    assert!(
        err.ends_with(
            "with the options: keepalive_delay_ms (40000) must be below idle_timeout_ms (30000)"
        ),
        "{err}"
    );
    write_file(&s.key_file(), "not a key\n", 0o600);
    let err = s.run("check", "x").unwrap_err().0;
    assert!(err.contains("not a hexadecimal digit at byte 1"), "{err}");
    fs::write(
        s.conf_dir.path().join("ramster.conf"),
        TWO_NODES.replace("number = 1", "number = 300"),
    )
    .unwrap();
    let err = s.run("check", "x").unwrap_err().0;
    assert!(err.contains("ramster.conf: line 14: "), "{err}");
    assert_eq!(
        fs::read_dir(s.root.path().join("cluster")).unwrap().count(),
        0
    );
}

#[test]
fn check_warns_about_auth_none() {
    let s = Setup::new(&TWO_NODES.replace("\tkey_file = /etc/ramster.key\n", "\tauth = none\n"));
    let out = s.run("check", "x").unwrap();
    assert!(
        out.text
            .ends_with("cluster ramster with 2 nodes, auth none: ok\n"),
        "{}",
        out.text
    );
    assert_eq!(out.warnings.len(), 1);
    assert!(out.warnings[0].starts_with("cluster links are not authenticated"));
}

#[test]
fn completions_know_every_command_and_parse_in_bash() {
    let s = Setup::new(TWO_NODES);
    for shell in ["bash", "zsh", "fish"] {
        let script = s.run(&format!("completions {shell}"), "x").unwrap().text;
        for word in [
            "configure",
            "keygen",
            "check",
            "config",
            "watch",
            "dead-threshold",
        ] {
            assert!(script.contains(word), "{shell}: {word}");
        }
    }
    let script = s.run("completions bash", "x").unwrap().text;
    let path = s.conf_dir.path().join("ramster-tools.bash");
    fs::write(&path, script).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status();
    // bash is on every machine this builds on; without it the check cannot run.
    if let Ok(status) = syntax {
        assert!(status.success(), "bash -n refused the completion script");
    }
}

#[test]
fn man_prints_the_manual_page() {
    let s = Setup::new(TWO_NODES);
    let page = s.run("man", "x").unwrap().text;
    assert!(page.contains(".TH ramster-tools 8"), "{}", &page[..200]);
    assert_eq!(page, crate::manpage::render());
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

const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn no_auth() -> String {
    TWO_NODES.replace("key_file = /etc/ramster.key", "auth = none")
}

#[test]
fn up_hands_the_key_to_the_kernel_before_networking_starts() {
    if !running_as_root() {
        eprintln!("key files must be owned by root: test skipped");
        return;
    }
    let s = Setup::new(TWO_NODES);
    s.run("up", "beta").unwrap();
    assert_eq!(s.cluster_file("auth").as_deref(), Some("psk\n"));
    assert_eq!(
        s.cluster_file("auth_key").as_deref(),
        Some("ramster:ramster\n")
    );
    assert_eq!(
        s.calls(),
        [
            format!("add logon ramster:ramster {KEY_HEX}"),
            "remove 42 after auth_key Some(\"ramster:ramster\\n\"), local false".to_string(),
        ]
    );
    // configure alone hands it over too (networking stays off).
    let s = Setup::new(TWO_NODES);
    s.run("configure", "beta").unwrap();
    assert_eq!(s.calls().len(), 2);
    assert_eq!(s.local_of("beta"), None);
}

#[test]
fn up_again_while_running_leaves_the_key_alone() {
    if !running_as_root() {
        eprintln!("key files must be owned by root: test skipped");
        return;
    }
    let s = Setup::new(TWO_NODES);
    s.run("up", "beta").unwrap();
    let out = s.run("up", "beta").unwrap();
    assert_eq!(s.calls().len(), 2, "no second add_key");
    assert_eq!(
        out.warnings,
        [
            "networking is already running: the kernel keeps the key it was given at 'up' (to \
          give it the key file's key: 'ramster-tools down', then 'up')"
        ]
    );
    // Another auth mode cannot be set while running.
    fs::write(s.conf_dir.path().join("ramster.conf"), no_auth()).unwrap();
    let err = s.run("up", "beta").unwrap_err().0;
    assert_eq!(
        err,
        "cluster 'ramster' is up with auth = psk, not none: run 'ramster-tools down' first"
    );
    // down removes the auth files of a plain directory too.
    s.run("down", "beta").unwrap();
}

#[test]
fn auth_none_is_written_and_warned_about() {
    let s = Setup::new(&no_auth());
    let out = s.run("up", "beta").unwrap();
    assert_eq!(
        out.text,
        "cluster ramster configured with 2 nodes, auth none\nlocal node beta (number 1) is up\n"
    );
    assert_eq!(out.warnings.len(), 1);
    assert!(
        out.warnings[0].starts_with("cluster links are not authenticated (auth = none in ")
            && out.warnings[0].ends_with("ramster.conf)"),
        "{:?}",
        out.warnings
    );
    assert_eq!(s.cluster_file("auth").as_deref(), Some("none\n"));
    assert_eq!(s.cluster_file("auth_key"), None);
    assert!(s.calls().is_empty());
    let status = s.run("status", "beta").unwrap().text;
    assert!(
        status.starts_with("cluster ramster: auth none, "),
        "{status}"
    );
}

#[test]
fn a_bad_key_file_changes_nothing() {
    let s = Setup::new(TWO_NODES);
    let shown = s.key_file().display().to_string();
    let nothing_written = |s: &Setup| {
        assert_eq!(
            fs::read_dir(s.root.path().join("cluster")).unwrap().count(),
            0
        );
        assert!(s.calls().is_empty());
    };
    write_file(&s.key_file(), KEY_LINE, 0o640);
    let err = s.run("up", "beta").unwrap_err().0;
    if running_as_root() {
        assert_eq!(
            err,
            format!(
                "key file {shown} has mode 0640: group and others must not be able to read or \
                 write the cluster key ('chmod 600 {shown}')"
            )
        );
    }
    nothing_written(&s);
    write_file(&s.key_file(), "not a key\n", 0o600);
    let err = s.run("configure", "beta").unwrap_err().0;
    if running_as_root() {
        assert!(
            err.starts_with(&format!(
                "key file {shown} has a character that is not a hexadecimal digit at byte 1"
            )),
            "{err}"
        );
    }
    nothing_written(&s);
    fs::remove_file(s.key_file()).unwrap();
    let err = s.run("up", "beta").unwrap_err().0;
    assert!(err.starts_with(&format!("opening key file {shown}: No such file")));
    nothing_written(&s);
    let s = Setup::new(&TWO_NODES.replace("\tkey_file = /etc/ramster.key\n", ""));
    let err = s.run("up", "beta").unwrap_err().0;
    assert!(
        err.ends_with("ramster.conf: line 1: cluster: auth = psk (the default) needs key_file = PATH, the cluster's key (make one with 'ramster-tools keygen --output /etc/ramster.key' and copy it to every node), or auth = none for unauthenticated links"),
        "{err}"
    );
    nothing_written(&s);
}

#[test]
fn keyring_and_kernel_refusals_stop_before_networking() {
    if !running_as_root() {
        eprintln!("key files must be owned by root: test skipped");
        return;
    }
    let mut s = Setup::new(TWO_NODES);
    s.keyring.add_error = Some(libc::ENOSYS);
    let err = s.run("up", "beta").unwrap_err().0;
    assert_eq!(
        err,
        "adding the key to the process keyring as logon key 'ramster:ramster': \
         Function not implemented (os error 38) (the kernel has no key retention service: \
         CONFIG_KEYS)"
    );
    assert_eq!(s.local_of("beta"), None);

    // The kernel refusing the description (a directory makes the write fail): the key still
    // leaves the keyring, and networking does not start.
    let s = Setup::new(TWO_NODES);
    let auth_key = s.root.path().join("cluster/ramster/auth_key");
    fs::create_dir_all(&auth_key).unwrap();
    let err = s.run("up", "beta").unwrap_err().0;
    assert!(
        err.starts_with("writing ramster:ramster to ") && err.contains("/auth_key: "),
        "{err}"
    );
    assert_eq!(s.calls().len(), 2);
    assert!(s.calls()[1].starts_with("remove 42"));
    assert_eq!(s.local_of("beta"), None);
}

#[test]
fn keygen_prints_or_writes_a_key() {
    let s = Setup::new(TWO_NODES);
    let out = s.run("keygen", "x").unwrap();
    assert_eq!(out.text.len(), 65);
    assert!(out.text.ends_with('\n'));
    assert!(out.text[..64].bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(s.run("keygen", "x").unwrap().text, out.text);

    let path = s.conf_dir.path().join("new.key");
    let line = format!("keygen --output {}", path.display());
    let out = s.run(&line, "x").unwrap();
    assert_eq!(
        out.text,
        format!(
            "wrote a new cluster key to {} (mode 0600): copy it to every node\n",
            path.display()
        )
    );
    let first = fs::read_to_string(&path).unwrap();
    assert!(crate::key::parse_key(first.as_bytes()).is_ok());
    let err = s.run(&line, "x").unwrap_err().0;
    assert!(err.ends_with("exists: give --force to replace it (every node needs the same key)"));
    assert_eq!(fs::read_to_string(&path).unwrap(), first);
    s.run(&format!("{line} --force"), "x").unwrap();
    assert_ne!(fs::read_to_string(&path).unwrap(), first);
    if running_as_root() {
        let key = crate::key::read_key_file(&path).unwrap();
        assert_eq!(key.to_line(), fs::read_to_string(&path).unwrap());
    }
}

#[test]
fn keyset_writes_a_nodes_pair_keys_and_up_hands_each_to_its_node() {
    if !running_as_root() {
        eprintln!("key files must be owned by root: test skipped");
        return;
    }
    let s = Setup::new(TWO_NODES);
    let master = s.key_file().display().to_string();
    // keyset needs the node it is for.
    assert_eq!(
        s.run(&format!("keyset --master {master}"), "x")
            .unwrap_err()
            .0,
        "keyset needs --master PATH and --node NAME"
    );
    let printed = s
        .run(&format!("keyset --master {master} --node beta"), "x")
        .unwrap()
        .text;
    let set = crate::keyset::parse(printed.as_bytes()).unwrap();
    assert_eq!(set.node.get(), 1);
    assert!(
        !printed.contains(KEY_HEX),
        "the cluster key is not in the set"
    );
    let path = s.conf_dir.path().join("beta.keys");
    let out = s
        .run(
            &format!(
                "keyset --master {master} --node beta --output {}",
                path.display()
            ),
            "x",
        )
        .unwrap();
    assert!(
        out.text.starts_with("wrote node 1 (beta)'s key set to"),
        "{}",
        out.text
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), printed);

    // beta's key_file is its key set: up gives alpha's directory the pair key, the cluster none.
    fs::rename(&path, s.key_file()).unwrap();
    let check = s.run("check --node beta", "x").unwrap();
    assert!(check.text.contains("(key set "), "{}", check.text);
    assert!(
        check.text.contains("of node 1 with 1 pair keys): ok"),
        "{}",
        check.text
    );
    assert_eq!(
        s.run("up", "alpha").unwrap_err().0,
        format!(
            "key set {} is node 1's (beta), not the local node 0's (alpha)",
            s.key_file().display()
        )
    );
    assert!(s.calls().is_empty(), "nothing was handed over");
    s.run("up", "beta").unwrap();
    let node_key = fs::read_to_string(s.root.path().join("cluster/ramster/node/alpha/auth_key"));
    assert_eq!(node_key.unwrap(), "ramster:ramster:0\n");
    assert_eq!(s.cluster_file("auth_key"), None);
    let pair = set.key_for(NodeNum::new(0).unwrap()).unwrap().to_hex();
    assert_eq!(
        s.calls(),
        [
            format!("add logon ramster:ramster:0 {pair}"),
            "remove 42 after auth_key None, local false".to_string(),
        ]
    );
    assert_eq!(s.local_of("beta").as_deref(), Some("1\n"));
}

#[test]
fn encryption_goes_on_after_auth_and_off_only_where_the_kernel_has_it() {
    if !running_as_root() {
        eprintln!("key files must be owned by root: test skipped");
        return;
    }
    let encrypted = TWO_NODES.replace("\tkey_file", "\tencryption = aes-256-ctr\n\tkey_file");
    let s = Setup::new(&encrypted);
    let out = s.run("up", "beta").unwrap();
    assert!(
        out.text.starts_with(
            "cluster ramster configured with 2 nodes, auth psk, encryption aes-256-ctr\n"
        ),
        "{}",
        out.text
    );
    assert_eq!(
        s.cluster_file("encryption").as_deref(),
        Some("aes-256-ctr\n")
    );
    assert_eq!(s.cluster_file("auth").as_deref(), Some("psk\n"));
    // Running with encryption on, a file without it is refused until 'down'.
    fs::write(
        s.conf_dir.path().join("ramster.conf"),
        TWO_NODES.replace(KEY_FILE, &s.key_file().display().to_string()),
    )
    .unwrap();
    assert_eq!(
        s.run("up", "beta").unwrap_err().0,
        "cluster 'ramster' is up with encryption = aes-256-ctr, not none: run 'ramster-tools down' first"
    );
    // A module without the attribute (this fake configfs, fresh) gets no encryption file.
    let s = Setup::new(TWO_NODES);
    s.run("configure", "beta").unwrap();
    assert_eq!(s.cluster_file("encryption"), None);
}
