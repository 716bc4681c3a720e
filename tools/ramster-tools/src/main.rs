// SPDX-License-Identifier: GPL-2.0

//! ramster-tools: sets up a ramster node through configfs from /etc/ramster.conf and shows its
//! status. See `ramster-tools --help`, ramster-tools(8) and Documentation/ramster-tools.rst.

mod cli;
mod commands;
mod conf;
mod configfs;
mod error;
mod json;
mod status;
#[cfg(test)]
mod test_fixtures;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let invocation = match cli::parse(&args) {
        Ok(invocation) => invocation,
        Err(message) => {
            eprintln!("ramster-tools: {message}\ntry 'ramster-tools --help'");
            return ExitCode::from(2);
        }
    };
    match commands::run(&invocation, commands::hostname) {
        Ok(output) => {
            for warning in &output.warnings {
                eprintln!("ramster-tools: warning: {warning}");
            }
            print!("{}", output.text);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("ramster-tools: {error}");
            ExitCode::FAILURE
        }
    }
}
