// SPDX-License-Identifier: GPL-2.0

//! RAMster's remote side of the store, as logic shared by the module and the host tests:
//! - [`counters`]: the `ramster/` debugfs counters, per-node page counts included;
//! - [`knobs`]: the `/sys/kernel/mm/ramster/` settings (remote target, remotify switches,
//!   nodes marked up);
//! - [`outbox`]: remote flushes waiting to be sent;
//! - [`page_tag`]: the owner's keyed tag of each page it keeps on a peer, checked on every get;
//! - [`remotify`]: moving pages to a peer, and the peer-death policy;
//! - [`foreign`]: the pages peers keep here;
//! - [`peer_stat`]: the per-peer lines of sysfs `peer_stat`;
//! - [`prefetch`]: the other remote pages of a faulting swap page's readahead window, fetched
//!   in the same round trip.

pub mod counters;
pub mod foreign;
pub mod knobs;
pub mod outbox;
pub mod page_tag;
pub mod peer_stat;
pub mod prefetch;
pub mod remotify;
