// SPDX-License-Identifier: GPL-2.0

//! Host tests of zcache's logic.

mod compress;
mod packed;
mod remote;
mod store;
mod zbud;
