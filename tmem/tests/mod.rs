// SPDX-License-Identifier: GPL-2.0

//! Host tests of the tmem core.

mod coherency;
mod concurrency;
mod walk;
