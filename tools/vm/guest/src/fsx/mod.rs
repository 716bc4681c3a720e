//! The file exerciser `fsx` (see `src/bin/fsx.rs`): its model of the files, its operations, how
//! it performs and checks them, and the system calls they need.

pub mod exec;
pub mod model;
pub mod ops;
pub mod sys;
