// SPDX-License-Identifier: GPL-2.0

//! The OS facade: the few services that logic needs from its world, with one API for both.
//!
//! Logic (tmem, zcache, cluster) is compiled into ramster.ko and into the host library that cargo
//! tests. It never names `kernel::` or `std::`; it asks this module instead for:
//!
//! - [`Vec`]: a growable array whose every allocation is fallible and takes a [`Gfp`];
//!   [`BigArray`]: a fixed array that may be large (virtually contiguous in the kernel), made
//!   and freed in process context only;
//! - [`Map`]: an ordered map (the kernel's red-black tree) with fallible node allocation;
//! - [`SpinLockArray`]: a heap array of spinlocks, e.g. the hashed buckets of a tmem pool, in a
//!   lockdep class made with [`lock_class!`]; in the kernel each is taken with local interrupts
//!   off (`spin_lock_irqsave`), because cleancache takes the store's locks under the
//!   interrupt-safe `i_pages` lock: no caller can take one with interrupts on;
//! - [`cond_resched`]: the point between two batches of a long walk where the CPU may go to
//!   another task (process context only, no lock held);
//! - [`OnceSlot`]: a value created at most once, on first use, then shared read-only;
//! - [`AllocError`]: the one error an allocation returns;
//! - [`Hmac`], [`random_bytes`], [`ct_eq`]: HMAC-SHA256, random bytes and a constant-time
//!   comparison, for the cluster's authentication (the kernel's crypto API and RNG), and
//!   [`hmac_self_test`], a known-answer test the cluster layer runs before it starts;
//!   [`Cipher`]: AES-256-CTR for the payloads of links with encryption on, and its
//!   known-answer test [`cipher_self_test`].
//!
//! `kernel.rs` implements them over the 6.12 `kernel` crate (KVec, RBTree, SpinLock with
//! pin-init, KBox); `host.rs` over `std`, plus an allocation-failure injector for tests. Which one
//! is compiled is decided by `CONFIG_RUST`, a cfg that Kbuild passes to every Rust object it builds
//! (from `include/generated/rustc_cfg`) and cargo never does.
//!
//! Both implementations keep the same rules: nothing here sleeps unless given [`Gfp::Kernel`],
//! and nothing panics; a failed allocation leaves every structure as it was.

/// What one entry of a [`Map`] costs in the kernel: a red-black tree node (three words of links,
/// the key, the value) in the smallest `kmalloc` size class that holds it (a power of two, an
/// upper bound). The host uses the same figure, so that limits behave alike in tests.
pub const fn map_node_bytes<K, V>() -> usize {
    let node =
        3 * core::mem::size_of::<usize>() + core::mem::size_of::<K>() + core::mem::size_of::<V>();
    let mut class = 8;
    while class < node {
        class *= 2;
    }
    class
}

#[cfg_attr(CONFIG_RUST, path = "kernel.rs")]
#[cfg_attr(not(CONFIG_RUST), path = "host.rs")]
mod imp;

mod cipher_selftest;
mod hmac_selftest;

pub use cipher_selftest::cipher_self_test;
pub use hmac_selftest::hmac_self_test;
pub use imp::*;
// A macro is not picked up by the glob above.
pub(crate) use imp::lock_class;

/// What [`Map::walk_from`] does after visiting an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Keep the entry and go on to the next one.
    Keep,
    /// Remove the entry and go on to the next one.
    Remove,
    /// Keep the entry and end the walk.
    Stop,
}

/// Bytes in an HMAC-SHA256 tag ([`Hmac::mac`]).
pub const MAC_LEN: usize = 32;

/// Bytes in a [`Cipher`] key (AES-256) and in its counter block.
pub const CIPHER_KEY_LEN: usize = 32;
/// Bytes in a [`Cipher`]'s counter block.
pub const CIPHER_IV_LEN: usize = 16;

/// The most parts [`Hmac::mac`] takes in one call (the kernel passes them to C in arrays on the
/// stack); more is a [`CryptoError`], in both worlds.
pub const MAC_MAX_PARTS: usize = 16;

/// The crypto API refused an operation (no such transform, out of memory, a bad key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CryptoError;

/// The size of a page, which is the unit tmem stores.
pub const PAGE_SIZE: usize = 4096;

/// How hard an allocation may try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gfp {
    /// Never sleeps and does not warn on failure (`GFP_NOWAIT | __GFP_NOWARN`): the store path,
    /// which runs under spinlocks and in reclaim, and fails a put rather than wait.
    NoWait,
    /// May sleep to reclaim (`GFP_KERNEL`): setup paths only, such as creating a pool.
    Kernel,
}

/// An allocation failed; whatever asked for it is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocError;

#[cfg(test)]
mod crypto_tests;
