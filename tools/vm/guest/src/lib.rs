//! Shared code of the programs that run inside the test VMs.

pub mod anon;
pub mod fsx;
pub mod pattern;
