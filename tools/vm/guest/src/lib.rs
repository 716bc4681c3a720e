//! Shared code of the programs that run inside the test VMs.

pub mod anon;
pub mod corpus;
pub mod fsx;
pub mod kvload;
pub mod pattern;
