// SPDX-License-Identifier: GPL-2.0

//! ramster-tools: sets up a ramster node through configfs from /etc/ramster.conf and shows its
//! status. See `ramster-tools --help`, ramster-tools(8) and Documentation/ramster-tools.rst.

mod cli;
mod commands;
mod conf;
mod configfs;
mod error;
mod key;
mod keyring;
mod keyset;
mod manpage;
mod status;
#[cfg(test)]
mod test_fixtures;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let invocation = match cli::parse(&args) {
        Ok(invocation) => invocation,
        // Usage errors on standard error with status 2; --help and --version on standard
        // output with status 0.
        Err(error) => error.exit(),
    };
    let result = match invocation.watch {
        None => commands::run(&invocation, commands::hostname, &keyring::ProcessKeyring)
            .map(|output| print(&output)),
        Some(seconds) => {
            // On a terminal each table replaces the last; otherwise they follow each other.
            let clear = std::io::stdout().is_terminal();
            let mut first = true;
            commands::watch(
                invocation.count,
                || commands::run(&invocation, commands::hostname, &keyring::ProcessKeyring),
                |output| {
                    if clear {
                        print!("\x1b[H\x1b[2J");
                    } else if !first && !invocation.json {
                        println!();
                    }
                    first = false;
                    print(output);
                    let _ = std::io::stdout().flush();
                },
                || std::thread::sleep(Duration::from_secs(u64::from(seconds))),
            )
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ramster-tools: {error}");
            ExitCode::FAILURE
        }
    }
}

fn print(output: &commands::Output) {
    for warning in &output.warnings {
        eprintln!("ramster-tools: warning: {warning}");
    }
    print!("{}", output.text);
}
