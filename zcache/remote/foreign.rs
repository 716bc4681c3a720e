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

use super::super::frames::FrameSource;
use super::super::store::{zbud_kind, GetMiss, Owner, PutRefused, Store};
use crate::os::Gfp;
use crate::tmem::{GetMode, Got, Oid, PageIndex, PoolId, PoolKind, MAX_POOLS_PER_CLIENT};

impl<S: FrameSource> Store<S> {
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
        let tmem_pool = self
            .client()
            .pool_at(pool, kind, gfp)
            .map_err(|_| PutRefused::NoPool)?;
        let owner = Owner {
            pool,
            oid: *oid,
            index,
        };
        let refused = match self.store_zpage(zbud_kind(kind), owner, zpage) {
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
