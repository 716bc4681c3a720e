// SPDX-License-Identifier: GPL-2.0

//! What each command does, returning the text to print (and warnings for standard error).

use crate::cli::{Cli, Command, Invocation, Shell};
use crate::conf::{self, Auth, ClusterConf, EncryptionMode, NodeConf};
use crate::configfs::Configfs;
use crate::error::ToolError;
use crate::key::{self, KeyFile};
use crate::keyring::{KeySerial, Keyring};
use crate::keyset::KeySet;
use crate::status;
use clap::CommandFactory;
use ramster::cluster::node_num::NodeNum;
use std::fs;

/// What a successful command prints.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// For standard output.
    pub text: String,
    /// For standard error, one per line.
    pub warnings: Vec<String>,
}

impl Output {
    fn text(text: String) -> Output {
        Output {
            text,
            warnings: Vec::new(),
        }
    }
}

fn read_conf(invocation: &Invocation) -> Result<ClusterConf, ToolError> {
    let path = &invocation.config;
    let text = fs::read_to_string(path).map_err(|e| ToolError::io("reading", path, &e))?;
    conf::parse(&text).map_err(|e| ToolError(format!("{}: {e}", path.display())))
}

/// This machine's hostname, the default local node name.
pub fn hostname() -> Result<String, ToolError> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| fs::read_to_string(p).ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            ToolError("cannot read the hostname: give the local node with --node".into())
        })
}

/// The description of the `logon` key that carries cluster `cluster`'s key to the kernel.
pub fn key_description(cluster: &str) -> String {
    format!("ramster:{cluster}")
}

/// The description of the `logon` key that carries the key of the pair with node `node`.
pub fn pair_key_description(cluster: &str, node: NodeNum) -> String {
    format!("ramster:{cluster}:{node}")
}

/// Adds `payload` to `keyring` as `description`, has `write` give the description to the
/// kernel (which copies the key), then revokes and unlinks it. Failing to remove it is a
/// warning: the process keyring goes when the tool exits.
fn hand_over(
    keyring: &dyn Keyring,
    description: &str,
    payload: &[u8],
    write: impl FnOnce() -> Result<(), ToolError>,
    warnings: &mut Vec<String>,
) -> Result<(), ToolError> {
    let serial: KeySerial = keyring.add_logon(description, payload).map_err(|e| {
        let hint = match e.raw_os_error() {
            Some(libc::ENOSYS) => " (the kernel has no key retention service: CONFIG_KEYS)",
            _ => "",
        };
        ToolError(format!(
            "adding the key to the process keyring as logon key '{description}': \
             {e}{hint}"
        ))
    })?;
    let sent = write();
    if let Err(e) = keyring.remove(serial) {
        warnings.push(format!(
            "removing logon key '{description}' from the process keyring: {e} (the keyring \
             goes when ramster-tools exits)"
        ));
    }
    sent
}

/// Gives the kernel the cluster's authentication settings: writes `auth`, and for `psk` hands
/// the key file's keys over through `keyring` (see [`crate::keyring`]): the cluster key to the
/// cluster's `auth_key`, or each key of a node key set to its node's. Runs after the nodes are
/// numbered and before any node is made local: the kernel takes them only while networking is
/// stopped. If it is running already, nothing is written. Returns warnings.
fn apply_auth(
    configfs: &Configfs,
    conf: &ClusterConf,
    config: &std::path::Path,
    key: Option<&KeyFile>,
    keyring: &dyn Keyring,
) -> Result<Vec<String>, ToolError> {
    let mut warnings = Vec::new();
    if conf.auth == Auth::None {
        warnings.push(format!(
            "cluster links are not authenticated (auth = none in {})",
            config.display()
        ));
    }
    if configfs.networking_running(&conf.name)? {
        for (what, have, want) in [
            ("auth", configfs.auth(&conf.name)?, conf.auth.word()),
            (
                "encryption",
                configfs.encryption(&conf.name)?,
                conf.encryption.word(),
            ),
        ] {
            if let Some(have) = have.filter(|have| have != want) {
                return Err(ToolError(format!(
                    "cluster '{}' is up with {what} = {have}, not {want}: run 'ramster-tools \
                     down' first",
                    conf.name
                )));
            }
        }
        if key.is_some() {
            warnings.push(
                "networking is already running: the kernel keeps the key it was given at \
                 'up' (to give it the key file's key: 'ramster-tools down', then 'up')"
                    .to_string(),
            );
        }
        return Ok(warnings);
    }
    // The kernel never has encryption on with auth = none: turn it off before auth, on after.
    // (A module without the attribute has no encryption: nothing to turn off.)
    if conf.encryption == EncryptionMode::None && configfs.encryption(&conf.name)?.is_some() {
        configfs.set_encryption(&conf.name, conf.encryption.word())?;
    }
    configfs.set_auth(&conf.name, conf.auth.word())?;
    if conf.encryption != EncryptionMode::None {
        configfs.set_encryption(&conf.name, conf.encryption.word())?;
    }
    match key {
        None => {}
        Some(KeyFile::Cluster(key)) => {
            let description = key_description(&conf.name);
            hand_over(
                keyring,
                &description,
                key.bytes(),
                || configfs.set_auth_key(&conf.name, &description),
                &mut warnings,
            )?;
        }
        Some(KeyFile::Set(set)) => {
            for node in conf.nodes.iter().filter(|n| n.number != set.node) {
                // check_key_set found a key for every other node.
                let Some(key) = set.key_for(node.number) else {
                    continue;
                };
                let description = pair_key_description(&conf.name, node.number);
                hand_over(
                    keyring,
                    &description,
                    key.bytes(),
                    || configfs.set_node_auth_key(&conf.name, &node.name, &description),
                    &mut warnings,
                )?;
            }
        }
    }
    Ok(warnings)
}

/// Reads the key file of `conf` (if `auth = psk`) and, for a key set, checks it against `conf`
/// and against the local node `local` if one is given. Returns the keys and warnings.
fn read_keys(
    conf: &ClusterConf,
    local: Option<&NodeConf>,
) -> Result<(Option<KeyFile>, Vec<String>), ToolError> {
    let Auth::Psk { key_file } = &conf.auth else {
        return Ok((None, Vec::new()));
    };
    let keys = key::read_any_key_file(key_file)?;
    let mut warnings = Vec::new();
    if let KeyFile::Set(set) = &keys {
        let (owner, extra) = set.check_against(conf, key_file)?;
        if let Some(local) = local.filter(|l| l.number != owner.number) {
            return Err(ToolError(format!(
                "key set {} is node {}'s ({}), not the local node {}'s ({})",
                key_file.display(),
                owner.number,
                owner.name,
                local.number,
                local.name
            )));
        }
        warnings = extra;
    }
    Ok((Some(keys), warnings))
}

/// What the output says of `encryption`: nothing when it is off.
fn encryption_words(encryption: EncryptionMode) -> String {
    match encryption {
        EncryptionMode::None => String::new(),
        mode => format!(", encryption {}", mode.word()),
    }
}

/// `keyset`: the key set of node `--node`, derived from the cluster key in `--master`.
fn keyset(invocation: &Invocation) -> Result<Output, ToolError> {
    let conf = read_conf(invocation)?;
    let (Some(master), Some(name)) = (&invocation.master, &invocation.node) else {
        return Err(ToolError(
            "keyset needs --master PATH and --node NAME".into(),
        ));
    };
    let node = conf.nodes.iter().find(|n| &n.name == name).ok_or_else(|| {
        ToolError(format!(
            "no node named '{name}' in {}",
            invocation.config.display()
        ))
    })?;
    let set = KeySet::derive(&key::read_key_file(master)?, &conf, node)?;
    let text = set.to_text(&node.name);
    match &invocation.output {
        None => Ok(Output::text(text)),
        Some(path) => {
            key::write_secret_file(path, &text, invocation.force, "a node's key set")?;
            Ok(Output::text(format!(
                "wrote node {} ({})'s key set to {} (mode 0600): copy it to that node only and \
                 name it in its key_file\n",
                node.number,
                node.name,
                path.display()
            )))
        }
    }
}

/// `check`: the configuration file, its key file and the overrides, as `configure` and `up`
/// would check them, without touching configfs, sysfs or the keyring.
fn check(invocation: &Invocation) -> Result<Output, ToolError> {
    let conf = read_conf(invocation)?;
    let path = invocation.config.display();
    let local = match &invocation.node {
        Some(name) => Some(
            conf.nodes
                .iter()
                .find(|n| &n.name == name)
                .ok_or_else(|| ToolError(format!("{path}: no node named '{name}'")))?,
        ),
        None => None,
    };
    let (keys, warnings) = read_keys(&conf, local)?;
    let key = match (&conf.auth, &keys) {
        (Auth::Psk { key_file }, Some(KeyFile::Set(set))) => format!(
            " (key set {} of node {} with {} pair keys)",
            key_file.display(),
            set.node,
            set.pairs.len()
        ),
        (Auth::Psk { key_file }, _) => format!(" (key file {})", key_file.display()),
        (Auth::None, _) => String::new(),
    };
    conf.timeouts
        .overridden_by(&invocation.timeouts)
        .check_order()
        .map_err(|e| ToolError(format!("{path} with the options: {e}")))?;
    let mut output = Output::text(format!(
        "{path}: cluster {} with {} nodes, auth {}{}{key}: ok\n",
        conf.name,
        conf.nodes.len(),
        conf.auth.word(),
        encryption_words(conf.encryption)
    ));
    output.warnings = warnings;
    if conf.auth == Auth::None {
        output.warnings.push(format!(
            "cluster links are not authenticated (auth = none in {path})"
        ));
    }
    Ok(output)
}

/// `completions SHELL`: the completion script clap_complete makes from the definitions.
fn completions(shell: Shell) -> String {
    let mut script = Vec::new();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "ramster-tools", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// Runs `invocation`; `local_name` gives the local node's name when `--node` is absent, and
/// `keyring` takes the cluster key to the kernel.
pub fn run(
    invocation: &Invocation,
    local_name: impl FnOnce() -> Result<String, ToolError>,
    keyring: &dyn Keyring,
) -> Result<Output, ToolError> {
    let configfs = Configfs::new(&invocation.configfs_root);
    match invocation.command {
        Command::Check => check(invocation),
        Command::Completions(shell) => Ok(Output::text(completions(shell))),
        Command::Man => Ok(Output::text(crate::manpage::render())),
        Command::Keyset => keyset(invocation),
        Command::Keygen => {
            let key = key::generate()?;
            match &invocation.output {
                None => Ok(Output::text(key.to_line())),
                Some(path) => {
                    key::write_key_file(path, &key, invocation.force)?;
                    Ok(Output::text(format!(
                        "wrote a new cluster key to {} (mode 0600): copy it to every node\n",
                        path.display()
                    )))
                }
            }
        }
        Command::Status => {
            let status = status::read(&configfs, &invocation.sysfs_root)?;
            Ok(Output::text(if invocation.json {
                status::to_json(&status)
            } else {
                status::table(&status)
            }))
        }
        Command::Down => Ok(Output::text(match configfs.remove_all()? {
            true => "cluster removed\n".to_string(),
            false => "no cluster configured\n".to_string(),
        })),
        Command::Configure | Command::Up => {
            // Everything the files say is checked before configfs is touched.
            let conf = read_conf(invocation)?;
            let local = match invocation.command {
                Command::Up => {
                    let name = match &invocation.node {
                        Some(name) => name.clone(),
                        None => local_name()?,
                    };
                    let node = conf.nodes.iter().find(|n| n.name == name).ok_or_else(|| {
                        ToolError(format!(
                            "no node named '{name}' in {}: give the local node with --node NAME",
                            invocation.config.display()
                        ))
                    })?;
                    Some(node)
                }
                _ => None,
            };
            let (keys, mut warnings) = read_keys(&conf, local)?;
            let settings = conf.timeouts.overridden_by(&invocation.timeouts);
            warnings.extend(configfs.configure(&conf, &settings)?);
            warnings.extend(apply_auth(
                &configfs,
                &conf,
                &invocation.config,
                keys.as_ref(),
                keyring,
            )?);
            let mut text = format!(
                "cluster {} configured with {} nodes, auth {}{}\n",
                conf.name,
                conf.nodes.len(),
                conf.auth.word(),
                encryption_words(conf.encryption)
            );
            if let Some(local) = local {
                configfs.set_local(&conf.name, &local.name, true)?;
                text.push_str(&format!(
                    "local node {} (number {}) is up\n",
                    local.name, local.number
                ));
            }
            Ok(Output { text, warnings })
        }
    }
}

/// `status --watch`: calls `show` and hands its output to `print`, `count` times (without a
/// count: until `show` fails or the process is interrupted), calling `pause` between two calls.
/// Stops at the first error.
pub fn watch(
    count: Option<u32>,
    mut show: impl FnMut() -> Result<Output, ToolError>,
    mut print: impl FnMut(&Output),
    mut pause: impl FnMut(),
) -> Result<(), ToolError> {
    let mut done = 0u32;
    loop {
        print(&show()?);
        done = done.saturating_add(1);
        if count.is_some_and(|n| done >= n) {
            return Ok(());
        }
        pause();
    }
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
