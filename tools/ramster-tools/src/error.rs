// SPDX-License-Identifier: GPL-2.0

//! The tool's error: a message that says what was being done, to which path, and why.

use std::fmt;
use std::io;
use std::path::Path;

/// A failed step, ready to print.
#[derive(Debug, PartialEq, Eq)]
pub struct ToolError(pub String);

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ToolError {
    /// `doing` failed on `path` with `error`: "writing 7 to /x/num: Device or resource busy".
    pub fn io(doing: &str, path: &Path, error: &io::Error) -> ToolError {
        let reason = match error.raw_os_error() {
            Some(_) => error.to_string(),
            None => error.kind().to_string(),
        };
        ToolError(format!("{doing} {}: {reason}", path.display()))
    }
}
