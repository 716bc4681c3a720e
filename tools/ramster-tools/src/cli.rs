// SPDX-License-Identifier: GPL-2.0

//! The command line: `ramster-tools [OPTIONS] COMMAND`, options before or after the command,
//! as `--name value` or `--name=value`.

use crate::conf::TimeoutSettings;
use ramster::cluster::config_text::parse_decimal;
use ramster::cluster::timeouts::{DEAD_THRESHOLD_RANGE, DELAY_MS_RANGE};
use std::path::PathBuf;

/// What to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Create the cluster and its nodes in configfs.
    Configure,
    /// `configure`, then make the local node local (start networking).
    Up,
    /// Stop networking, remove the nodes and the cluster.
    Down,
    /// Show the cluster, its nodes, their links and page counters.
    Status,
    /// Make a new cluster key.
    Keygen,
    /// Print the usage.
    Help,
    /// Print the version.
    Version,
}

/// Everything the command line says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The command.
    pub command: Command,
    /// `--config`.
    pub config: PathBuf,
    /// `--configfs-root`.
    pub configfs_root: PathBuf,
    /// `--debugfs-root`.
    pub debugfs_root: PathBuf,
    /// `--node`: the local node's name (default: the hostname).
    pub node: Option<String>,
    /// `--json`.
    pub json: bool,
    /// `status --watch SECONDS`: print the status again every SECONDS.
    pub watch: Option<u32>,
    /// `status --watch ... --count N`: stop after N prints (default: until interrupted).
    pub count: Option<u32>,
    /// `--idle-timeout-ms` and friends, which override the file.
    pub timeouts: TimeoutSettings,
    /// `keygen --output PATH`: write the key to PATH instead of standard output.
    pub output: Option<PathBuf>,
    /// `keygen --output PATH --force`: replace an existing PATH.
    pub force: bool,
}

/// The text `--help` prints.
pub const USAGE: &str = "\
usage: ramster-tools [OPTIONS] COMMAND

Sets up this node's ramster cluster through configfs from a configuration file in the ocfs2
cluster.conf format, and shows its state.

commands:
  configure    create the cluster and its nodes in configfs (networking stays off)
  up           configure, then mark the local node local: starts networking
  down         stop networking, remove the nodes and the cluster
  status       show the cluster, its nodes, link states and page counters
  keygen       make a new cluster key (32 random bytes as 64 hexadecimal digits) for
               key_file: on standard output, or into --output PATH

options:
  --config PATH              configuration file (default /etc/ramster.conf)
  --node NAME                the local node's name in the file (default: the hostname)
  --configfs-root PATH       where configfs is mounted (default /sys/kernel/config)
  --debugfs-root PATH        where debugfs is mounted (default /sys/kernel/debug)
  --json                     status: print JSON instead of a table
  -w, --watch SECONDS        status: print it again every SECONDS (1..=86400) until
                             interrupted
  --count N                  status --watch: stop after N prints (1..=4294967295)
  --idle-timeout-ms N        override idle_timeout_ms (1..=86400000)
  --keepalive-delay-ms N     override keepalive_delay_ms (1..=86400000)
  --reconnect-delay-ms N     override reconnect_delay_ms (1..=86400000)
  --dead-threshold N         override heartbeat/dead_threshold (3..=65535)
  --output PATH              keygen: write the key to a new file PATH, mode 0600
  --force                    keygen --output: replace PATH if it exists
  -h, --help                 show this help
  -V, --version              show the version

See ramster-tools(8).
";

/// Options followed by a value.
const VALUE_OPTIONS: [&str; 12] = [
    "--config",
    "--output",
    "--watch",
    "-w",
    "--count",
    "--configfs-root",
    "--debugfs-root",
    "--node",
    "--idle-timeout-ms",
    "--keepalive-delay-ms",
    "--reconnect-delay-ms",
    "--dead-threshold",
];
/// `--watch`'s seconds: at least one, at most a day.
pub const WATCH_RANGE: (u32, u32) = (1, 86_400);

/// Options without a value.
const SWITCHES: [&str; 6] = ["--json", "--force", "-h", "--help", "-V", "--version"];

fn number(flag: &str, value: &str, (min, max): (u32, u32)) -> Result<u32, String> {
    let n = parse_decimal(value.as_bytes()).map_err(|e| format!("{flag}: '{value}': {e}"))?;
    u32::try_from(n)
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{flag}: {n} is outside {min}..={max}"))
}

/// Parses the arguments after the program name. `Err` is a usage error message.
pub fn parse(args: &[String]) -> Result<Invocation, String> {
    let mut invocation = Invocation {
        command: Command::Help,
        config: PathBuf::from("/etc/ramster.conf"),
        configfs_root: PathBuf::from("/sys/kernel/config"),
        debugfs_root: PathBuf::from("/sys/kernel/debug"),
        node: None,
        json: false,
        watch: None,
        count: None,
        timeouts: TimeoutSettings::default(),
        output: None,
        force: false,
    };
    let mut command = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let takes_value = VALUE_OPTIONS.contains(&flag);
        if flag.starts_with('-') && !takes_value && !SWITCHES.contains(&flag) {
            return Err(format!("unknown option {flag}"));
        }
        let value = if takes_value {
            match inline {
                Some(v) => v,
                None => args
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value"))?,
            }
        } else if inline.is_some() {
            return Err(format!("{flag} takes no value"));
        } else {
            String::new()
        };
        let t = &mut invocation.timeouts;
        match flag {
            "-h" | "--help" => {
                return Ok(Invocation {
                    command: Command::Help,
                    ..invocation
                })
            }
            "-V" | "--version" => {
                return Ok(Invocation {
                    command: Command::Version,
                    ..invocation
                })
            }
            "--json" => invocation.json = true,
            "--force" => invocation.force = true,
            "--output" if value.is_empty() => return Err("--output needs a path".to_string()),
            "--output" => invocation.output = Some(PathBuf::from(value)),
            "-w" | "--watch" => invocation.watch = Some(number(flag, &value, WATCH_RANGE)?),
            "--count" => invocation.count = Some(number(flag, &value, (1, u32::MAX))?),
            "--config" => invocation.config = PathBuf::from(value),
            "--configfs-root" => invocation.configfs_root = PathBuf::from(value),
            "--debugfs-root" => invocation.debugfs_root = PathBuf::from(value),
            "--node" => invocation.node = Some(value),
            "--idle-timeout-ms" => t.idle_timeout_ms = Some(number(flag, &value, DELAY_MS_RANGE)?),
            "--keepalive-delay-ms" => {
                t.keepalive_delay_ms = Some(number(flag, &value, DELAY_MS_RANGE)?)
            }
            "--reconnect-delay-ms" => {
                t.reconnect_delay_ms = Some(number(flag, &value, DELAY_MS_RANGE)?)
            }
            "--dead-threshold" => {
                t.dead_threshold = Some(number(flag, &value, DEAD_THRESHOLD_RANGE)?)
            }
            word => {
                let parsed = match word {
                    "configure" => Command::Configure,
                    "up" => Command::Up,
                    "down" => Command::Down,
                    "status" => Command::Status,
                    "keygen" => Command::Keygen,
                    "help" => Command::Help,
                    _ => return Err(format!("unknown command '{word}'")),
                };
                if command.replace(parsed).is_some() {
                    return Err(format!("more than one command ('{word}')"));
                }
            }
        }
    }
    invocation.command = command.ok_or("no command given")?;
    if invocation.command != Command::Status && invocation.watch.is_some() {
        return Err("--watch is an option of status only".to_string());
    }
    if invocation.count.is_some() && invocation.watch.is_none() {
        return Err("--count needs --watch".to_string());
    }
    if invocation.command != Command::Keygen && invocation.output.is_some() {
        return Err("--output is an option of keygen only".to_string());
    }
    if invocation.force && invocation.output.is_none() {
        return Err("--force needs keygen --output".to_string());
    }
    Ok(invocation)
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
