// SPDX-License-Identifier: GPL-2.0

//! The cluster's configfs tree: reading it, and applying a ramster.conf to it.
//!
//! ```text
//! <root>/cluster/<cluster>/idle_timeout_ms, keepalive_delay_ms, reconnect_delay_ms
//! <root>/cluster/<cluster>/auth (psk or none), auth_key (write-only: a key description)
//! <root>/cluster/<cluster>/heartbeat/dead_threshold
//! <root>/cluster/<cluster>/node/<node>/num, ipv4_address, ipv4_port, local, link (read-only)
//! ```
//!
//! Writes are what `echo VALUE > FILE` does. Attributes that already hold the wanted value are
//! not written again (they are write-once), so `configure` can run twice. `--configfs-root` may
//! point at a plain directory: attribute files are then created by the writes, the default
//! groups `heartbeat/` and `node/` by the tool, and removal deletes the files configfs would.

use crate::conf::{ClusterConf, NodeConf, TimeoutSettings};
use crate::error::ToolError;
use ramster::cluster::timeouts::Timeouts;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The cluster directory's own attributes, in the order [`Timeouts`] lists them.
const TIMEOUT_FILES: [&str; 3] = [
    "idle_timeout_ms",
    "keepalive_delay_ms",
    "reconnect_delay_ms",
];
/// The cluster directory's authentication attributes: the mode, and the write-only key
/// description (see [`crate::keyring`]).
const AUTH_FILES: [&str; 3] = ["auth", "auth_key", "encryption"];
/// A node directory's attributes (`auth_key`: the write-only key of the pair with that node).
pub const NODE_FILES: [&str; 6] = [
    "num",
    "ipv4_address",
    "ipv4_port",
    "local",
    "link",
    "auth_key",
];
const DEAD_THRESHOLD: &str = "heartbeat/dead_threshold";

/// The configfs tree under a root (normally /sys/kernel/config).
pub struct Configfs {
    subsystem: PathBuf,
}

/// Reads an attribute: `None` if the file is missing or holds only a newline.
pub fn read_attr(path: &Path) -> Result<Option<String>, ToolError> {
    match fs::read_to_string(path) {
        Ok(text) => {
            let value = text.trim_end_matches('\n');
            Ok((!value.is_empty()).then(|| value.to_string()))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ToolError::io("reading", path, &e)),
    }
}

fn write_attr(path: &Path, value: &str) -> Result<(), ToolError> {
    fs::write(path, format!("{value}\n"))
        .map_err(|e| ToolError::io(&format!("writing {value} to"), path, &e))
}

fn make_dir(path: &Path) -> Result<(), ToolError> {
    match fs::create_dir(path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
            Err(ToolError::io("creating", path, &e))
        }
        _ => Ok(()),
    }
}

/// rmdir `dir`. A plain directory standing in for configfs still holds the attribute `files`
/// and the default `groups` (with their files); those are removed first, as configfs would.
fn remove_item(dir: &Path, files: &[&str], groups: &[(&str, &[&str])]) -> Result<(), ToolError> {
    match fs::remove_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty => {
            for file in files {
                let path = dir.join(file);
                if path.is_file() {
                    fs::remove_file(&path).map_err(|e| ToolError::io("removing", &path, &e))?;
                }
            }
            for (group, group_files) in groups {
                let path = dir.join(group);
                if path.is_dir() {
                    remove_item(&path, group_files, &[])?;
                }
            }
            fs::remove_dir(dir).map_err(|e| ToolError::io("removing", dir, &e))
        }
        Err(e) => Err(ToolError::io("removing", dir, &e)),
        Ok(()) => Ok(()),
    }
}

/// The names of the directories in `dir`, sorted.
fn subdirs(dir: &Path) -> Result<Vec<String>, ToolError> {
    let entries = fs::read_dir(dir).map_err(|e| ToolError::io("listing", dir, &e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ToolError::io("listing", dir, &e))?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The attribute writes that take the timeouts from `current` to `wanted`, in an order that
/// keeps keepalive below idle after each write (the kernel refuses any other): lowering the
/// keepalive delay first, or else raising the idle timeout first.
fn timeout_writes(current: Timeouts, wanted: Timeouts) -> Vec<(&'static str, u32)> {
    let idle = (
        TIMEOUT_FILES[0],
        current.idle_timeout_ms,
        wanted.idle_timeout_ms,
    );
    let keepalive = (
        TIMEOUT_FILES[1],
        current.keepalive_delay_ms,
        wanted.keepalive_delay_ms,
    );
    let (first, second) = if wanted.keepalive_delay_ms < current.idle_timeout_ms {
        (keepalive, idle)
    } else {
        (idle, keepalive)
    };
    let reconnect = (
        TIMEOUT_FILES[2],
        current.reconnect_delay_ms,
        wanted.reconnect_delay_ms,
    );
    let dead = (
        DEAD_THRESHOLD,
        current.dead_threshold,
        wanted.dead_threshold,
    );
    [first, second, reconnect, dead]
        .into_iter()
        .filter(|(_, now, want)| now != want)
        .map(|(file, _, want)| (file, want))
        .collect()
}

impl Configfs {
    /// The tree under `root`.
    pub fn new(root: &Path) -> Configfs {
        Configfs {
            subsystem: root.join("cluster"),
        }
    }

    /// The directory of cluster `name`.
    pub fn cluster_dir(&self, name: &str) -> PathBuf {
        self.subsystem.join(name)
    }

    /// The directory of node `node` of cluster `cluster`.
    pub fn node_dir(&self, cluster: &str, node: &str) -> PathBuf {
        self.cluster_dir(cluster).join("node").join(node)
    }

    /// The configured cluster's name, if there is one.
    pub fn cluster(&self) -> Result<Option<String>, ToolError> {
        if !self.subsystem.is_dir() {
            return Err(ToolError(format!(
                "{} does not exist: is configfs mounted and ramster loaded?",
                self.subsystem.display()
            )));
        }
        Ok(subdirs(&self.subsystem)?.into_iter().next())
    }

    /// The node directory names of cluster `cluster`.
    pub fn nodes(&self, cluster: &str) -> Result<Vec<String>, ToolError> {
        let dir = self.cluster_dir(cluster).join("node");
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        subdirs(&dir)
    }

    /// The cluster's timing settings; attributes that cannot be read count as the defaults.
    pub fn timeouts(&self, cluster: &str) -> Result<Timeouts, ToolError> {
        let dir = self.cluster_dir(cluster);
        let read = |file: &str, default: u32| -> Result<u32, ToolError> {
            Ok(read_attr(&dir.join(file))?
                .and_then(|v| v.parse().ok())
                .unwrap_or(default))
        };
        let d = Timeouts::DEFAULT;
        Ok(Timeouts {
            idle_timeout_ms: read(TIMEOUT_FILES[0], d.idle_timeout_ms)?,
            keepalive_delay_ms: read(TIMEOUT_FILES[1], d.keepalive_delay_ms)?,
            reconnect_delay_ms: read(TIMEOUT_FILES[2], d.reconnect_delay_ms)?,
            dead_threshold: read(DEAD_THRESHOLD, d.dead_threshold)?,
        })
    }

    /// Creates the cluster and its nodes from `conf`, with `settings` for the timeouts; does
    /// not set `local`. Returns warnings (nodes in configfs that the file does not name).
    pub fn configure(
        &self,
        conf: &ClusterConf,
        settings: &TimeoutSettings,
    ) -> Result<Vec<String>, ToolError> {
        if let Some(existing) = self.cluster()?.filter(|c| *c != conf.name) {
            return Err(ToolError(format!(
                "cluster '{existing}' is configured, not '{}': run 'ramster-tools down' first",
                conf.name
            )));
        }
        let dir = self.cluster_dir(&conf.name);
        make_dir(&dir)?;
        make_dir(&dir.join("heartbeat"))?;
        make_dir(&dir.join("node"))?;
        self.apply_timeouts(&conf.name, settings)?;
        for node in &conf.nodes {
            self.configure_node(&conf.name, node)?;
        }
        let warnings = self
            .nodes(&conf.name)?
            .into_iter()
            .filter(|n| !conf.nodes.iter().any(|c| c.name == *n))
            .map(|n| format!("node '{n}' is in configfs but not in the configuration file"))
            .collect();
        Ok(warnings)
    }

    /// Writes the settings that differ from the current ones.
    fn apply_timeouts(&self, cluster: &str, settings: &TimeoutSettings) -> Result<(), ToolError> {
        let current = self.timeouts(cluster)?;
        let dir = self.cluster_dir(cluster);
        for (file, value) in timeout_writes(current, settings.applied_to(current)) {
            write_attr(&dir.join(file), &value.to_string())?;
        }
        Ok(())
    }

    fn configure_node(&self, cluster: &str, node: &NodeConf) -> Result<(), ToolError> {
        let dir = self.node_dir(cluster, &node.name);
        make_dir(&dir)?;
        let [a, b, c, d] = node.ip_address;
        // num last: the kernel wants the address and port first.
        for (file, want) in [
            ("ipv4_address", format!("{a}.{b}.{c}.{d}")),
            ("ipv4_port", node.ip_port.to_string()),
            ("num", node.number.to_string()),
        ] {
            let path = dir.join(file);
            match read_attr(&path)? {
                None => write_attr(&path, &want)?,
                Some(have) if have == want => {}
                Some(have) => {
                    return Err(ToolError(format!(
                        "node '{}': {file} is {have} in configfs but {want} in the \
                         configuration file: run 'ramster-tools down' first",
                        node.name
                    )))
                }
            }
        }
        Ok(())
    }

    /// The cluster's `auth` attribute (`psk` or `none`), if the kernel shows it.
    pub fn auth(&self, cluster: &str) -> Result<Option<String>, ToolError> {
        read_attr(&self.cluster_dir(cluster).join(AUTH_FILES[0]))
    }

    /// Writes `word` to the cluster's `auth` attribute unless it already holds it.
    pub fn set_auth(&self, cluster: &str, word: &str) -> Result<(), ToolError> {
        self.set_word(cluster, AUTH_FILES[0], word, "authenticated links")
    }

    /// The cluster's `encryption` attribute (`none` or `aes-256-ctr`), if the kernel shows it.
    pub fn encryption(&self, cluster: &str) -> Result<Option<String>, ToolError> {
        read_attr(&self.cluster_dir(cluster).join(AUTH_FILES[2]))
    }

    /// Writes `word` to the cluster's `encryption` attribute unless it already holds it.
    pub fn set_encryption(&self, cluster: &str, word: &str) -> Result<(), ToolError> {
        self.set_word(cluster, AUTH_FILES[2], word, "encrypted links")
    }

    /// Writes `word` to the cluster attribute `file` unless it already holds it; `feature`
    /// names what a module without that file predates.
    fn set_word(
        &self,
        cluster: &str,
        file: &str,
        word: &str,
        feature: &str,
    ) -> Result<(), ToolError> {
        let path = self.cluster_dir(cluster).join(file);
        if read_attr(&path)?.as_deref() == Some(word) {
            return Ok(());
        }
        let existed = path.exists();
        write_attr(&path, word).map_err(|e| match existed {
            true => e,
            false => ToolError(format!(
                "{e} (the cluster has no {file} attribute: is the loaded ramster.ko older than \
                 {feature}?)"
            )),
        })
    }

    /// Writes a key description to the cluster's write-only `auth_key` attribute: the kernel
    /// copies the `logon` key with that description from this process's keyrings.
    pub fn set_auth_key(&self, cluster: &str, description: &str) -> Result<(), ToolError> {
        write_attr(&self.cluster_dir(cluster).join(AUTH_FILES[1]), description)
    }

    /// Writes a key description to node `node`'s write-only `auth_key` attribute: the kernel
    /// copies that `logon` key as the key of the pair (this node, `node`).
    pub fn set_node_auth_key(
        &self,
        cluster: &str,
        node: &str,
        description: &str,
    ) -> Result<(), ToolError> {
        write_attr(
            &self.node_dir(cluster, node).join(NODE_FILES[5]),
            description,
        )
    }

    /// Whether a node of the cluster is `local`: the kernel's networking is running.
    pub fn networking_running(&self, cluster: &str) -> Result<bool, ToolError> {
        for node in self.nodes(cluster)? {
            if read_attr(&self.node_dir(cluster, &node).join("local"))?.as_deref() == Some("1") {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Sets or clears `local` on node `node` (starting or stopping the kernel's networking).
    pub fn set_local(&self, cluster: &str, node: &str, local: bool) -> Result<(), ToolError> {
        let path = self.node_dir(cluster, node).join("local");
        let want = if local { "1" } else { "0" };
        if read_attr(&path)?.as_deref() == Some(want) {
            return Ok(());
        }
        write_attr(&path, want)
    }

    /// Stops networking and removes every node and the cluster. `Ok(false)` if there was none.
    pub fn remove_all(&self) -> Result<bool, ToolError> {
        let Some(cluster) = self.cluster()? else {
            return Ok(false);
        };
        let nodes = self.nodes(&cluster)?;
        for node in &nodes {
            let local = self.node_dir(&cluster, node).join("local");
            if read_attr(&local)?.as_deref() == Some("1") {
                write_attr(&local, "0")?;
            }
        }
        for node in &nodes {
            remove_item(&self.node_dir(&cluster, node), &NODE_FILES, &[])?;
        }
        let dead_threshold = ["dead_threshold"];
        let files: Vec<&str> = TIMEOUT_FILES.iter().chain(&AUTH_FILES).copied().collect();
        remove_item(
            &self.cluster_dir(&cluster),
            &files,
            &[("heartbeat", &dead_threshold), ("node", &[])],
        )?;
        Ok(true)
    }
}

#[cfg(test)]
#[path = "configfs_tests.rs"]
mod tests;
