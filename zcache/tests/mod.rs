// SPDX-License-Identifier: GPL-2.0

//! Host tests of zcache's logic.

mod compress;
mod store;
mod zbud;
