// SPDX-License-Identifier: GPL-2.0

//! A tmem client: the up to [`MAX_POOLS_PER_CLIENT`] pools of one owner (the local kernel now,
//! each cluster node later), and pool creation and destruction.
//!
//! Pool bodies (each with its bucket array) are allocated the first time a slot is used and kept
//! until the client is dropped, so that a page operation can look a pool up by id without a lock
//! or a reference count: it gets `&Pool` from a [`OnceSlot`], and the pool's own state (checked
//! under the bucket lock) says whether it is live. A destroyed pool's id and body are reused by a
//! later [`Client::new_pool`].

use super::key::{ClientId, PoolId, MAX_POOLS_PER_CLIENT};
use super::pool::{Pool, PoolKind};
use crate::os::{AllocError, Gfp, OnceSlot};

/// Why a pool could not be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewPoolError {
    /// All [`MAX_POOLS_PER_CLIENT`] pools are in use.
    NoFreeId,
    /// The pool's buckets could not be allocated.
    NoMemory,
}

impl From<AllocError> for NewPoolError {
    fn from(_: AllocError) -> Self {
        NewPoolError::NoMemory
    }
}

/// The pools of one client, generic over the store's page descriptor `D`.
pub struct Client<D> {
    id: ClientId,
    pools: [OnceSlot<Pool<D>>; MAX_POOLS_PER_CLIENT],
}

impl<D> Client<D> {
    // Only the initializer of `pools` below: each use is meant to be a fresh, empty slot.
    #[allow(clippy::declare_interior_mutable_const)]
    const NO_POOL: OnceSlot<Pool<D>> = OnceSlot::new();

    /// A client without pools; allocates nothing.
    pub const fn new(id: ClientId) -> Self {
        Self {
            id,
            pools: [Self::NO_POOL; MAX_POOLS_PER_CLIENT],
        }
    }

    /// Who this client is.
    pub fn id(&self) -> ClientId {
        self.id
    }

    /// Creates a pool of `kind` with the lowest free id. The first use of an id allocates its
    /// buckets with `gfp` (pools are created from mount and swapon, which may sleep).
    pub fn new_pool(&self, kind: PoolKind, gfp: Gfp) -> Result<PoolId, NewPoolError> {
        for (id, slot) in (0u16..).zip(self.pools.iter()) {
            let pool = match slot.get() {
                Some(pool) => pool,
                None => slot.get_or_try_init(|| Pool::new(gfp), gfp)?,
            };
            if pool.claim(kind) {
                return Ok(PoolId(id));
            }
        }
        Err(NewPoolError::NoFreeId)
    }

    /// The live pool `id` of `kind`, created at that id if the id is free: a remote client names
    /// its pools itself. Fails if the id is out of range or live with the other kind.
    pub fn pool_at(&self, id: PoolId, kind: PoolKind, gfp: Gfp) -> Result<&Pool<D>, NewPoolError> {
        let slot = self
            .pools
            .get(usize::from(id.0))
            .ok_or(NewPoolError::NoFreeId)?;
        let pool = match slot.get() {
            Some(pool) => pool,
            None => slot.get_or_try_init(|| Pool::new(gfp), gfp)?,
        };
        if pool.kind() == Some(kind) || pool.claim(kind) {
            Ok(pool)
        } else {
            Err(NewPoolError::NoFreeId)
        }
    }

    /// The live pool `id`. The reference stays valid after a destroy (operations on it then
    /// fail) and while the id is reused, so a frontend must not use an id after destroying it.
    pub fn pool(&self, id: PoolId) -> Option<&Pool<D>> {
        let pool = self.pools.get(usize::from(id.0))?.get()?;
        pool.kind().map(|_| pool)
    }

    /// Destroys pool `id`: every page operation on it fails from now on, and every stored page's
    /// descriptor is handed to `release` (with no tmem lock held). Returns how many pages were
    /// flushed, or `None` if `id` was not a live pool (or another destroy of it is running).
    pub fn destroy_pool(&self, id: PoolId, release: impl FnMut(D)) -> Option<usize> {
        let pool = self.pools.get(usize::from(id.0))?.get()?;
        if !pool.start_destroy() {
            return None;
        }
        let flushed = pool.flush_all(release);
        pool.finish_destroy();
        Some(flushed)
    }

    /// Bytes of memory the client's index takes: every pool body it made (kept while the client
    /// lives, see [`Pool::index_bytes`]).
    pub fn index_bytes(&self) -> usize {
        self.pools
            .iter()
            .filter_map(OnceSlot::get)
            .map(Pool::index_bytes)
            .fold(0, usize::saturating_add)
    }

    /// Whether pool `id`'s body (its buckets) is already allocated.
    pub fn has_body(&self, id: PoolId) -> bool {
        self.pools
            .get(usize::from(id.0))
            .is_some_and(|slot| slot.get().is_some())
    }

    /// Every live pool with its id.
    pub fn pools(&self) -> impl Iterator<Item = (PoolId, &Pool<D>)> {
        (0u16..)
            .zip(self.pools.iter())
            .filter_map(|(id, slot)| slot.get().map(|pool| (PoolId(id), pool)))
            .filter(|(_, pool)| pool.kind().is_some())
    }
}
