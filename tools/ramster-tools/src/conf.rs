// SPDX-License-Identifier: GPL-2.0

//! Parsing and validation of /etc/ramster.conf, in ocfs2's cluster.conf stanza format.
//!
//! ```text
//! cluster:
//!     name = ramster
//!     node_count = 2
//!
//! node:
//!     name = alpha
//!     cluster = ramster
//!     number = 0
//!     ip_address = 169.254.0.1
//!     ip_port = 7777
//! ```
//!
//! A stanza starts with `cluster:` or `node:` at the start of a line; its parameters follow on
//! indented lines (a tab in ocfs2's files; spaces work too) as `key = value`. Blank lines and
//! lines starting with `#` are ignored. The `cluster:` stanza may also set `idle_timeout_ms`,
//! `keepalive_delay_ms`, `reconnect_delay_ms` and `dead_threshold`, and how the links are
//! authenticated: `auth = psk` (the default; needs `key_file = /absolute/path`, see
//! [`crate::key`]) or `auth = none`, and whether they encrypt payloads: `encryption = none` (the
//! default) or `aes-256-ctr` (with `auth = psk` only). Every error names the line it is about.

use ramster::cluster::config_text::{parse_decimal, parse_ipv4};
use ramster::cluster::names::{ClusterName, NodeName};
use ramster::cluster::node_num::NodeNum;
pub use ramster::cluster::nodemanager::EncryptionMode;
use ramster::cluster::timeouts::{Timeouts, DEAD_THRESHOLD_RANGE, DELAY_MS_RANGE};
use std::fmt;
use std::path::PathBuf;

/// A timing setting the file (or a flag) may give; unset ones keep the kernel's value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeoutSettings {
    /// `idle_timeout_ms`.
    pub idle_timeout_ms: Option<u32>,
    /// `keepalive_delay_ms`.
    pub keepalive_delay_ms: Option<u32>,
    /// `reconnect_delay_ms`.
    pub reconnect_delay_ms: Option<u32>,
    /// `dead_threshold`.
    pub dead_threshold: Option<u32>,
}

impl TimeoutSettings {
    /// `base` with the values set here in place of its own.
    pub fn applied_to(&self, base: Timeouts) -> Timeouts {
        Timeouts {
            idle_timeout_ms: self.idle_timeout_ms.unwrap_or(base.idle_timeout_ms),
            keepalive_delay_ms: self.keepalive_delay_ms.unwrap_or(base.keepalive_delay_ms),
            reconnect_delay_ms: self.reconnect_delay_ms.unwrap_or(base.reconnect_delay_ms),
            dead_threshold: self.dead_threshold.unwrap_or(base.dead_threshold),
        }
    }

    /// Whether these settings, over the kernel's defaults, keep the keepalive delay below the
    /// idle timeout (the kernel refuses anything else); `Err` says why not.
    pub fn check_order(&self) -> Result<(), String> {
        let t = self.applied_to(Timeouts::DEFAULT);
        if t.keepalive_delay_ms >= t.idle_timeout_ms {
            return Err(format!(
                "keepalive_delay_ms ({}) must be below idle_timeout_ms ({})",
                t.keepalive_delay_ms, t.idle_timeout_ms
            ));
        }
        Ok(())
    }

    /// These settings, with those of `overrides` taking precedence.
    pub fn overridden_by(&self, overrides: &TimeoutSettings) -> TimeoutSettings {
        TimeoutSettings {
            idle_timeout_ms: overrides.idle_timeout_ms.or(self.idle_timeout_ms),
            keepalive_delay_ms: overrides.keepalive_delay_ms.or(self.keepalive_delay_ms),
            reconnect_delay_ms: overrides.reconnect_delay_ms.or(self.reconnect_delay_ms),
            dead_threshold: overrides.dead_threshold.or(self.dead_threshold),
        }
    }
}

/// How the cluster's links are authenticated: the `auth` and `key_file` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `auth = psk` (the default): an HMAC-SHA256 handshake with the pre-shared key in
    /// `key_file`.
    Psk {
        /// `key_file`: an absolute path.
        key_file: PathBuf,
    },
    /// `auth = none`: links are not authenticated.
    None,
}

impl Auth {
    /// The word the kernel's `auth` attribute takes.
    pub fn word(&self) -> &'static str {
        match self {
            Auth::Psk { .. } => "psk",
            Auth::None => "none",
        }
    }
}

/// One `node:` stanza.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeConf {
    /// `name`: the configfs directory name, and what `--node` or the hostname matches.
    pub name: String,
    /// `number`.
    pub number: NodeNum,
    /// `ip_address`.
    pub ip_address: [u8; 4],
    /// `ip_port`.
    pub ip_port: u16,
}

/// A whole, valid ramster.conf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConf {
    /// The cluster's name.
    pub name: String,
    /// Timing settings from the `cluster:` stanza.
    pub timeouts: TimeoutSettings,
    /// `auth` and `key_file`.
    pub auth: Auth,
    /// `encryption`: whether links encrypt payloads (default `none`).
    pub encryption: EncryptionMode,
    /// The nodes, in file order.
    pub nodes: Vec<NodeConf>,
}

/// An error in the file, with the 1-based line it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfError {
    /// The line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn error(line: usize, message: impl Into<String>) -> ConfError {
    ConfError {
        line,
        message: message.into(),
    }
}

/// One stanza as written: its kind, its header line, and its `key = value` lines.
struct Stanza<'a> {
    kind: &'a str,
    line: usize,
    params: Vec<(usize, &'a str, &'a str)>,
}

impl<'a> Stanza<'a> {
    /// The value of `key` and its line, if given.
    fn get(&self, key: &str) -> Option<(usize, &'a str)> {
        self.params
            .iter()
            .find(|(_, k, _)| *k == key)
            .map(|(line, _, value)| (*line, *value))
    }

    /// The value of a required `key`.
    fn require(&self, key: &str) -> Result<(usize, &'a str), ConfError> {
        self.get(key).ok_or_else(|| {
            error(
                self.line,
                format!("{}: stanza has no '{key}' parameter", self.kind),
            )
        })
    }

    /// Refuses keys not in `allowed`.
    fn check_keys(&self, allowed: &[&str]) -> Result<(), ConfError> {
        match self.params.iter().find(|(_, k, _)| !allowed.contains(k)) {
            Some((line, key, _)) => Err(error(
                *line,
                format!(
                    "{}: unknown parameter '{key}' (known: {})",
                    self.kind,
                    allowed.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }
}

/// Splits the text into stanzas; checks the line syntax.
fn stanzas(text: &str) -> Result<Vec<Stanza<'_>>, ConfError> {
    let mut stanzas: Vec<Stanza<'_>> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !raw.starts_with([' ', '\t']) {
            let kind = trimmed.strip_suffix(':').ok_or_else(|| {
                error(
                    line,
                    format!("expected 'cluster:' or 'node:', found '{trimmed}'"),
                )
            })?;
            if kind != "cluster" && kind != "node" {
                return Err(error(line, format!("unknown stanza '{kind}:'")));
            }
            stanzas.push(Stanza {
                kind,
                line,
                params: Vec::new(),
            });
            continue;
        }
        let stanza = stanzas
            .last_mut()
            .ok_or_else(|| error(line, "parameter outside a stanza"))?;
        let (key, value) = trimmed
            .split_once('=')
            .map(|(k, v)| (k.trim(), v.trim()))
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .ok_or_else(|| error(line, format!("expected 'key = value', found '{trimmed}'")))?;
        if stanza.get(key).is_some() {
            return Err(error(line, format!("'{key}' given twice in this stanza")));
        }
        stanza.params.push((line, key, value));
    }
    Ok(stanzas)
}

/// A decimal value of `key` in `min..=max`.
fn number(line: usize, key: &str, value: &str, min: u64, max: u64) -> Result<u64, ConfError> {
    let n = parse_decimal(value.as_bytes())
        .map_err(|e| error(line, format!("{key}: '{value}': {e}")))?;
    if n < min || n > max {
        return Err(error(line, format!("{key}: {n} is outside {min}..={max}")));
    }
    Ok(n)
}

const CLUSTER_KEYS: [&str; 9] = [
    "name",
    "node_count",
    "idle_timeout_ms",
    "keepalive_delay_ms",
    "reconnect_delay_ms",
    "dead_threshold",
    "auth",
    "key_file",
    "encryption",
];
const NODE_KEYS: [&str; 5] = ["name", "cluster", "number", "ip_address", "ip_port"];

fn timeout_settings(stanza: &Stanza<'_>) -> Result<TimeoutSettings, ConfError> {
    let setting = |key: &str, (min, max): (u32, u32)| -> Result<Option<u32>, ConfError> {
        stanza
            .get(key)
            .map(|(line, value)| {
                number(line, key, value, u64::from(min), u64::from(max))
                    .map(|n| u32::try_from(n).unwrap_or(max))
            })
            .transpose()
    };
    let settings = TimeoutSettings {
        idle_timeout_ms: setting("idle_timeout_ms", DELAY_MS_RANGE)?,
        keepalive_delay_ms: setting("keepalive_delay_ms", DELAY_MS_RANGE)?,
        reconnect_delay_ms: setting("reconnect_delay_ms", DELAY_MS_RANGE)?,
        dead_threshold: setting("dead_threshold", DEAD_THRESHOLD_RANGE)?,
    };
    settings
        .check_order()
        .map_err(|e| error(stanza.line, format!("cluster: {e}")))?;
    Ok(settings)
}

/// `auth` and `key_file` of the `cluster:` stanza.
fn auth(stanza: &Stanza<'_>) -> Result<Auth, ConfError> {
    let key_file = stanza.get("key_file");
    match stanza.get("auth") {
        None | Some((_, "psk")) => {
            let auth_line = stanza.get("auth").map_or(stanza.line, |(line, _)| line);
            let (line, path) = key_file.ok_or_else(|| {
                error(
                    auth_line,
                    "cluster: auth = psk (the default) needs key_file = PATH, the cluster's key \
                     (make one with 'ramster-tools keygen --output /etc/ramster.key' and copy \
                     it to every node), or auth = none for unauthenticated links",
                )
            })?;
            if !path.starts_with('/') {
                return Err(error(
                    line,
                    format!("key_file: '{path}' is not an absolute path"),
                ));
            }
            Ok(Auth::Psk {
                key_file: PathBuf::from(path),
            })
        }
        Some((line, "none")) => match key_file {
            Some((key_line, _)) => Err(error(
                key_line,
                format!(
                    "cluster: key_file is not used with auth = none (line {line}): remove it, \
                     or set auth = psk"
                ),
            )),
            None => Ok(Auth::None),
        },
        Some((line, other)) => Err(error(line, format!("auth: '{other}' is not psk or none"))),
    }
}

/// `encryption` of the `cluster:` stanza: `none` (the default) or `aes-256-ctr`, which needs
/// `auth = psk`.
fn encryption(stanza: &Stanza<'_>, auth: &Auth) -> Result<EncryptionMode, ConfError> {
    let Some((line, word)) = stanza.get("encryption") else {
        return Ok(EncryptionMode::None);
    };
    let mode = EncryptionMode::parse(word.as_bytes()).map_err(|_| {
        error(
            line,
            format!("encryption: '{word}' is not none or aes-256-ctr"),
        )
    })?;
    if mode != EncryptionMode::None && *auth == Auth::None {
        return Err(error(
            line,
            "cluster: encryption needs auth = psk: with auth = none there is no key",
        ));
    }
    Ok(mode)
}

fn node(stanza: &Stanza<'_>, cluster_name: &str) -> Result<NodeConf, ConfError> {
    stanza.check_keys(&NODE_KEYS)?;
    let (line, name) = stanza.require("name")?;
    NodeName::new(name.as_bytes()).map_err(|e| error(line, format!("node: name: {e}")))?;
    let (line, cluster) = stanza.require("cluster")?;
    if cluster != cluster_name {
        return Err(error(
            line,
            format!("node: cluster '{cluster}' is not the cluster '{cluster_name}'"),
        ));
    }
    let (line, value) = stanza.require("number")?;
    let num = number(line, "number", value, 0, u64::from(NodeNum::MAX))?;
    let (line, value) = stanza.require("ip_address")?;
    let ip_address = parse_ipv4(value.as_bytes())
        .map_err(|e| error(line, format!("ip_address: '{value}': {e}")))?;
    let (line, value) = stanza.require("ip_port")?;
    let ip_port = number(line, "ip_port", value, 1, u64::from(u16::MAX))?;
    Ok(NodeConf {
        name: name.to_string(),
        number: u8::try_from(num)
            .ok()
            .and_then(NodeNum::new)
            .ok_or_else(|| error(line, "number out of range"))?,
        ip_address,
        ip_port: u16::try_from(ip_port).map_err(|_| error(line, "ip_port out of range"))?,
    })
}

/// Parses and validates the whole file.
pub fn parse(text: &str) -> Result<ClusterConf, ConfError> {
    let stanzas = stanzas(text)?;
    let mut clusters = stanzas.iter().filter(|s| s.kind == "cluster");
    let cluster = clusters
        .next()
        .ok_or_else(|| error(1, "no 'cluster:' stanza"))?;
    if let Some(second) = clusters.next() {
        return Err(error(second.line, "only one 'cluster:' stanza is allowed"));
    }
    cluster.check_keys(&CLUSTER_KEYS)?;
    let (line, name) = cluster.require("name")?;
    ClusterName::new(name.as_bytes()).map_err(|e| error(line, format!("cluster: name: {e}")))?;
    let (count_line, count) = cluster.require("node_count")?;
    let count = number(count_line, "node_count", count, 1, NodeNum::COUNT as u64)?;
    let timeouts = timeout_settings(cluster)?;
    let auth = auth(cluster)?;
    let encryption = encryption(cluster, &auth)?;

    let mut nodes: Vec<NodeConf> = Vec::new();
    for stanza in stanzas.iter().filter(|s| s.kind == "node") {
        let conf = node(stanza, name)?;
        let clash = |what: &str, other: &NodeConf| {
            error(
                stanza.line,
                format!(
                    "node '{}' has the same {what} as node '{}'",
                    conf.name, other.name
                ),
            )
        };
        for other in &nodes {
            if other.name == conf.name {
                return Err(clash("name", other));
            }
            if other.number == conf.number {
                return Err(clash("number", other));
            }
            if other.ip_address == conf.ip_address {
                return Err(clash("ip_address", other));
            }
        }
        nodes.push(conf);
    }
    if nodes.len() as u64 != count {
        return Err(error(
            count_line,
            format!(
                "node_count is {count} but the file has {} node stanzas",
                nodes.len()
            ),
        ));
    }
    Ok(ClusterConf {
        name: name.to_string(),
        timeouts,
        auth,
        encryption,
        nodes,
    })
}

#[cfg(test)]
#[path = "conf_tests.rs"]
mod tests;
