// SPDX-License-Identifier: GPL-2.0

//! The keys this node shares with single peers, by node number.
//!
//! A write to `node/<n>/auth_key` keeps the key of the pair (this node, node `n`), read from the
//! writer's keyrings like the cluster's master key. A node that holds only such keys (a node key
//! set from `ramster-tools keyset`) authenticates with each peer without knowing the master key,
//! so it cannot derive the keys of pairs it is not in. For a pair with its own key, that key
//! replaces the one derived from the master key. A key is wiped when it is replaced, when its
//! node directory is removed and when the module unloads ([`MasterKey`] wipes itself on drop).

use crate::cluster::node_num::NodeNum;
use crate::cluster::secret::MasterKey;
use kernel::prelude::*;

/// Pair keys by node number. An entry emptied by [`PairKeys::remove`] is reused by the next
/// [`PairKeys::set`] (6.12's `KVec` cannot remove an element), so it holds one entry per peer
/// given a key at most.
pub(crate) struct PairKeys(KVec<Option<(NodeNum, MasterKey)>>);

impl PairKeys {
    /// No pair key.
    pub(crate) fn new() -> PairKeys {
        PairKeys(KVec::new())
    }

    fn entry(&mut self, num: NodeNum) -> Option<&mut Option<(NodeNum, MasterKey)>> {
        self.0
            .iter_mut()
            .find(|e| e.as_ref().is_some_and(|(n, _)| *n == num))
    }

    /// Keeps `key` for the pair with node `num`, in place of (and wiping) the one it had. May
    /// allocate (`GFP_KERNEL`): process context, no spinlock held. On error nothing changed.
    pub(crate) fn set(&mut self, num: NodeNum, key: MasterKey) -> Result {
        if let Some(slot) = self.entry(num) {
            *slot = Some((num, key));
            return Ok(());
        }
        if let Some(slot) = self.0.iter_mut().find(|e| e.is_none()) {
            *slot = Some((num, key));
            return Ok(());
        }
        self.0.push(Some((num, key)), GFP_KERNEL)?;
        Ok(())
    }

    /// Wipes and forgets the key of the pair with node `num`, if there is one.
    pub(crate) fn remove(&mut self, num: NodeNum) {
        if let Some(slot) = self.entry(num) {
            // The key is wiped as it drops.
            *slot = None;
        }
    }

    /// The key of the pair with node `num`, if it has one of its own.
    pub(crate) fn get(&self, num: NodeNum) -> Option<&MasterKey> {
        self.0
            .iter()
            .flatten()
            .find(|(n, _)| *n == num)
            .map(|(_, key)| key)
    }
}
