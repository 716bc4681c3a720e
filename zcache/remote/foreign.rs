// SPDX-License-Identifier: GPL-2.0

//! Foreign pages: the pages a peer keeps in this node's RAM, still compressed.
//!
//! Each client node gets a [`Store`] of its own (made by the module when its first page
//! arrives), whose pools carry the client's own pool ids; its frame source's budget is the
//! client's limit, so a client that floods this node is refused ([`PutRefused::NoFrame`]) once
//! its frames are used up, after its own ephemeral frames have been evicted for persistent
//! ones. Pages are stored as the client compressed them and sent back the same way: this node
//! never decompresses them.

use super::super::frames::FrameSource;
use super::super::store::{zbud_kind, GetMiss, Owner, PutRefused, Store, ZDesc};
use crate::os::Gfp;
use crate::tmem::{GetMode, Got, Oid, PageIndex, PoolId, PoolKind};

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
                        self.drop_foreign(old);
                    }
                    return Ok(());
                }
                Err(rejected) => {
                    self.drop_foreign(rejected.desc);
                    PutRefused::NoMemory
                }
            },
            Err(refused) => refused,
        };
        if let Some(old) = tmem_pool.flush_page(oid, index) {
            self.drop_foreign(old);
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
        let read = |desc: &ZDesc, out: &mut [u8]| -> Result<usize, GetMiss> {
            let (kind, handle) = desc.local().ok_or(GetMiss::NotFound)?;
            self.zbud_of(kind)
                .lock(0)
                .read(self.frames(), handle, out)
                .map_err(|_| GetMiss::Corrupt)
        };
        match tmem_pool.get(oid, index, mode, |desc| read(desc, &mut *out)) {
            None => Err(GetMiss::NotFound),
            Some(Got::Read(len)) => len,
            Some(Got::Taken(desc)) => {
                let len = read(&desc, out);
                self.drop_foreign(desc);
                len
            }
        }
    }

    /// Frees a foreign page's zpage.
    fn drop_foreign(&self, desc: ZDesc) {
        if let Some((kind, handle)) = desc.local() {
            let mut zbud = self.zbud_of(kind).lock(0);
            // A handle from tmem is always live; freeing nothing is the answer to a bug.
            let _ = zbud.free(self.frames(), handle);
            self.publish_zbud(&zbud);
        }
    }

    /// Pages held, ephemeral and persistent.
    pub fn zpage_counts(&self) -> (u64, u64) {
        let (eph, pers) = self.zbud_stats();
        (eph.zpages, pers.zpages)
    }
}
