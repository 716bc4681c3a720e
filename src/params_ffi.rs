// SPDX-License-Identifier: GPL-2.0

//! The parameter callbacks that the C shim (`shim/params.c`) calls, and the one place the
//! parsed configuration is kept.
//!
//! The kernel calls the callbacks while it parses `insmod`/`modprobe` arguments, before
//! `init`, and when /sys/module/ramster/parameters/* is read. Parsing and validation are
//! [`Config::set`]; this file only crosses the C boundary and turns errors into errnos.

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::ffi::{c_char, c_int, c_uint};

use kernel::prelude::*;
use kernel::str::CStr;

use crate::buf_writer::BufWriter;
use crate::params::{Config, Param};
use core::fmt::Write;

/// The configuration as parameters have set it, packed by [`Config::encode`].
static CONFIG: AtomicU32 = AtomicU32::new(Config::DEFAULT.encode());

/// The configuration the parameters describe (defaults for those not given).
pub(crate) fn config() -> Config {
    // Only `store` writes CONFIG, always with an encoded Config, so decoding cannot fail.
    Config::decode(CONFIG.load(Ordering::Acquire)).unwrap_or_default()
}

fn store(config: &Config) {
    CONFIG.store(config.encode(), Ordering::Release);
}

/// Sets parameter `id` from `val` (NULL when given without `=value`).
///
/// Returns 0, or -EINVAL with a message naming the parameter and its allowed values; on error
/// the configuration is unchanged.
#[no_mangle]
pub(crate) extern "C" fn ramster_param_set(id: c_uint, val: *const c_char) -> c_int {
    let Some(param) = Param::from_id(id) else {
        return EINVAL.to_errno();
    };
    let value = if val.is_null() {
        None
    } else {
        // SAFETY: the kernel passes a NUL-terminated string that stays valid for this call.
        Some(unsafe { CStr::from_char_ptr(val) }.as_bytes())
    };
    let mut config = config();
    match config.set(param, value) {
        Ok(()) => {
            store(&config);
            0
        }
        Err(err) => {
            pr_err!("{}\n", err);
            EINVAL.to_errno()
        }
    }
}

/// Writes the value of parameter `id` and a newline into `buffer` (a page, as for every
/// `kernel_param_ops.get`) and returns the length written.
#[no_mangle]
pub(crate) extern "C" fn ramster_param_get(id: c_uint, buffer: *mut c_char) -> c_int {
    let Some(param) = Param::from_id(id) else {
        return EINVAL.to_errno();
    };
    // SAFETY: the kernel passes a buffer of PAGE_SIZE bytes; only the first 64 are written.
    let out = unsafe { core::slice::from_raw_parts_mut(buffer.cast::<u8>(), 64) };
    let mut w = BufWriter::new(out);
    match writeln!(w, "{}", config().show(param)) {
        Ok(()) => w.written() as c_int,
        Err(_) => EINVAL.to_errno(),
    }
}
