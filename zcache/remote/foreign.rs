// SPDX-License-Identifier: GPL-2.0

//! Foreign pages: the pages a peer keeps in this node's RAM, still compressed.
//!
//! Each client node gets a [`Store`] of its own (made by the module when its first page
//! arrives), whose pools carry the client's own pool ids; its frame source's budget is the
//! client's limit, so a client that floods this node is refused ([`PutRefused::NoFrame`]) once
//! its frames are used up, after its own ephemeral frames have been evicted for persistent
//! ones. Pages are stored as the client compressed them and sent back the same way: this node
//! never decompresses them. When the client goes (down, back up after a fresh handshake, or this
//! module unloading) [`Store::destroy_all_pools`] frees every page and frame it had here.
//!
//! Frames are not all a client costs: a flood of tiny pages, each in an object of its own, costs
//! far more in index nodes than in frames. [`ForeignLimit`] bounds each client's footprint
//! ([`Store::footprint_bytes`]: frames and index) and all clients' together, and
//! [`Store::put_within`] refuses a put that would pass either bound.

use super::super::frames::FrameSource;
use super::super::store::{key_home, zbud_kind, GetMiss, Owner, PutRefused, Store, ZDesc};
use crate::os::{Gfp, PAGE_SIZE};
use crate::tmem::{GetMode, Got, Oid, PageIndex, Pool, PoolId, PoolKind, MAX_POOLS_PER_CLIENT};

/// How many bytes foreign pages may take: each client's, and all clients' together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignLimit {
    /// Bytes one client's pages may take here (frames and index).
    pub per_client: usize,
    /// Bytes all clients' pages may take here together.
    pub total: usize,
}

impl ForeignLimit {
    /// What one more put into an existing pool may add at most: a frame, and an object and a
    /// page in the index.
    pub const PUT_BYTES: usize = PAGE_SIZE + Pool::<ZDesc>::NEW_PAGE_BYTES;

    /// Whether a client whose pages take `client_bytes`, while all clients' take `total_bytes`,
    /// may put one more page, which adds at most `put_bytes`.
    pub fn admits(&self, client_bytes: usize, total_bytes: usize, put_bytes: usize) -> bool {
        client_bytes.saturating_add(put_bytes) <= self.per_client
            && total_bytes.saturating_add(put_bytes) <= self.total
    }
}

impl<S: FrameSource> Store<S> {
    /// Bytes this store's pages take: its frames, and the index that finds them.
    pub fn footprint_bytes(&self) -> usize {
        usize::try_from(self.counters().frame_bytes())
            .unwrap_or(usize::MAX)
            .saturating_add(self.client().index_bytes())
    }

    /// [`Store::put_compressed`] within `limit`, where the other clients' pages take
    /// `others_bytes`. A persistent put past the limit first evicts the client's own ephemeral
    /// pages (as a put past its frame budget does); a put still past it is refused
    /// ([`PutRefused::NoMemory`]), and the old page at the key is dropped, as on any refusal.
    #[allow(clippy::too_many_arguments)]
    pub fn put_within(
        &self,
        limit: &ForeignLimit,
        others_bytes: usize,
        pool: PoolId,
        kind: PoolKind,
        oid: &Oid,
        index: PageIndex,
        zpage: &[u8],
        gfp: Gfp,
    ) -> Result<(), PutRefused> {
        // A pool id the client never used costs a pool body too.
        let put_bytes = if self.client().has_body(pool) {
            ForeignLimit::PUT_BYTES
        } else {
            ForeignLimit::PUT_BYTES.saturating_add(Pool::<ZDesc>::BODY_BYTES)
        };
        loop {
            let mine = self.footprint_bytes();
            if limit.admits(mine, others_bytes.saturating_add(mine), put_bytes) {
                return self.put_compressed(pool, kind, oid, index, zpage, gfp);
            }
            if kind != PoolKind::Persistent || self.shrink_ephemeral(1) == 0 {
                self.flush_page(pool, oid, index);
                return Err(PutRefused::NoMemory);
            }
        }
    }

    /// Stores compressed page `zpage` as page (`oid`, `index`) of the client's pool `pool`
    /// (created with `kind` on first use, allocating with `gfp`), replacing any page there.
    /// On refusal the old page is dropped too.
    pub fn put_compressed(
        &self,
        pool: PoolId,
        kind: PoolKind,
        oid: &Oid,
        index: PageIndex,
        zpage: &[u8],
        gfp: Gfp,
    ) -> Result<(), PutRefused> {
        let Ok(tmem_pool) = self.client().pool_at(pool, kind, gfp) else {
            // A live pool of the other kind: its page at the key is dropped as on any refusal.
            self.flush_page(pool, oid, index);
            return Err(PutRefused::NoPool);
        };
        let owner = Owner {
            pool,
            oid: *oid,
            index,
        };
        let home = key_home(&owner);
        let refused = match self.store_zpage(zbud_kind(kind), owner, zpage, home) {
            Ok(desc) => match tmem_pool.put(oid, index, desc, Gfp::NoWait) {
                Ok(old) => {
                    if let Some(old) = old {
                        self.release(old);
                    }
                    return Ok(());
                }
                Err(rejected) => {
                    self.release(rejected.desc);
                    PutRefused::NoMemory
                }
            },
            Err(refused) => refused,
        };
        if let Some(old) = tmem_pool.flush_page(oid, index) {
            self.release(old);
        }
        Err(refused)
    }

    /// Copies the compressed page (`oid`, `index`) of the client's pool `pool` into `out` and
    /// returns its length; with `take`, the page leaves the store.
    pub fn get_compressed(
        &self,
        pool: PoolId,
        oid: &Oid,
        index: PageIndex,
        take: bool,
        out: &mut [u8],
    ) -> Result<usize, GetMiss> {
        let (tmem_pool, _) = self.live_pool(pool).ok_or(GetMiss::NotFound)?;
        let mode = if take { GetMode::Take } else { GetMode::Keep };
        match tmem_pool.get(oid, index, mode, |desc| self.read_zpage(desc, &mut *out)) {
            None => Err(GetMiss::NotFound),
            Some(Got::Read(len)) => len,
            Some(Got::Taken(desc)) => {
                let len = self.read_zpage(&desc, out);
                self.release(desc);
                len
            }
        }
    }

    /// Destroys every pool, freeing every page and with them every frame (the source's count
    /// of frames out drops to 0); returns how many pages.
    pub fn destroy_all_pools(&self) -> usize {
        (0..MAX_POOLS_PER_CLIENT)
            .filter_map(|id| u16::try_from(id).ok())
            .filter_map(|id| self.destroy_pool(PoolId(id)))
            .fold(0, usize::saturating_add)
    }

    /// Pages held, ephemeral and persistent.
    pub fn zpage_counts(&self) -> (u64, u64) {
        let c = self.counters();
        let pers = c.pers_zpages.get().saturating_add(c.packed_zpages.get());
        (c.eph_zpages.get(), pers)
    }
}
