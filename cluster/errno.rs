// SPDX-License-Identifier: GPL-2.0

//! The Linux errno values the cluster layer reports, as positive numbers.
//!
//! The logic cannot use the kernel crate's `Error` (it also runs on the host), so it names errnos
//! by these constants; the kernel glue negates them for `Error::from_errno`. The values are the
//! asm-generic ones that x86_64 uses.

/// No such file or directory.
pub const ENOENT: i32 = 2;
/// I/O error.
pub const EIO: i32 = 5;
/// Try again.
pub const EAGAIN: i32 = 11;
/// Package not installed (a kernel without the crypto the cluster needs).
pub const ENOPKG: i32 = 65;
/// No data available (a frontswap load: read the swap device instead).
pub const ENODATA: i32 = 61;
/// Out of memory.
pub const ENOMEM: i32 = 12;
/// Permission denied.
pub const EACCES: i32 = 13;
/// Device or resource busy.
pub const EBUSY: i32 = 16;
/// File exists.
pub const EEXIST: i32 = 17;
/// Invalid argument.
pub const EINVAL: i32 = 22;
/// No space left on device (o2nm's answer to a second cluster).
pub const ENOSPC: i32 = 28;
/// Result out of range.
pub const ERANGE: i32 = 34;
/// File name too long.
pub const ENAMETOOLONG: i32 = 36;
/// Protocol error.
pub const EPROTO: i32 = 71;
/// Not a data message.
pub const EBADMSG: i32 = 74;
/// Message too long.
pub const EMSGSIZE: i32 = 90;
/// Protocol not available.
pub const ENOPROTOOPT: i32 = 92;

/// Transport endpoint is not connected.
pub const ENOTCONN: i32 = 107;
/// Connection timed out.
pub const ETIMEDOUT: i32 = 110;
/// Host is down.
pub const EHOSTDOWN: i32 = 112;
/// Required key not available.
pub const ENOKEY: i32 = 126;
