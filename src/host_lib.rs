// SPDX-License-Identifier: GPL-2.0

//! Host build of ramster's logic.
//!
//! The module's crate root (`ramster_main.rs`) and this library declare the same logic files, so
//! everything that is not kernel glue is compiled as ordinary `no_std` Rust and tested with
//! `cargo test` on the host. Kernel glue (`*_ffi.rs`, `*_kernel.rs`, `shim/`) is never declared
//! here.

#![no_std]
// Outside `cargo test` nothing here calls the logic: in the module the kernel glue does. Tests
// still see dead code, and the module build (-Dwarnings) sees what the kernel never uses.
#![cfg_attr(not(test), allow(dead_code))]

pub(crate) mod buf_writer;
#[path = "../cluster/mod.rs"]
pub mod cluster;
pub mod os;
pub mod params;
#[path = "../tmem/mod.rs"]
pub mod tmem;
#[path = "../zcache/mod.rs"]
pub mod zcache;
