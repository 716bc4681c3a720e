// SPDX-License-Identifier: GPL-2.0

//! What each command does, returning the text to print (and warnings for standard error).

use crate::cli::{Command, Invocation, USAGE};
use crate::conf::{self, ClusterConf};
use crate::configfs::Configfs;
use crate::error::ToolError;
use crate::status;
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

/// Runs `invocation`; `local_name` gives the local node's name when `--node` is absent.
pub fn run(
    invocation: &Invocation,
    local_name: impl FnOnce() -> Result<String, ToolError>,
) -> Result<Output, ToolError> {
    let configfs = Configfs::new(&invocation.configfs_root);
    match invocation.command {
        Command::Help => Ok(Output::text(USAGE.to_string())),
        Command::Version => Ok(Output::text(format!(
            "ramster-tools {}\n",
            env!("CARGO_PKG_VERSION")
        ))),
        Command::Status => {
            let status = status::read(&configfs, &invocation.debugfs_root)?;
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
            let conf = read_conf(invocation)?;
            let settings = conf.timeouts.overridden_by(&invocation.timeouts);
            let warnings = configfs.configure(&conf, &settings)?;
            let mut text = format!(
                "cluster {} configured with {} nodes\n",
                conf.name,
                conf.nodes.len()
            );
            if invocation.command == Command::Up {
                let name = match &invocation.node {
                    Some(name) => name.clone(),
                    None => local_name()?,
                };
                let local = conf.nodes.iter().find(|n| n.name == name).ok_or_else(|| {
                    ToolError(format!(
                        "no node named '{name}' in {}: give the local node with --node NAME",
                        invocation.config.display()
                    ))
                })?;
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
