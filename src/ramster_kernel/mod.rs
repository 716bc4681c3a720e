// SPDX-License-Identifier: GPL-2.0

//! RAMster mode's kernel glue: the local store spills into a peer's RAM over the cluster layer.
//!
//! - [`runtime`]: start and stop, the live-node set and the target choice, the node callback
//!   (a dead peer's pages go back to safety; its foreign pages are freed);
//! - [`remotify`]: the worker that moves least recently used compressed pages to the target and
//!   sends queued remote flushes;
//! - [`put`]: a put of one compressed page on a peer;
//! - [`fetch`]: a get of a page kept on a peer (request, sleep, decompress);
//! - [`foreign`]: the tmem message handlers that keep peers' pages here;
//! - [`get_bench`]: debugfs `ramster/remote_get_bench`, the remote get measured in the kernel;
//! - [`peer_stat`]: sysfs `peer_stat`, one line per peer node.
//!
//! Everything here runs in process context; the store's locks are taken with local interrupts
//! off, as everywhere (their lock API does it: [`crate::os::SpinLockArray`]). The host-tested
//! logic is in
//! `zcache/remote/`; the policy is described in Documentation/ramster.rst.

mod fetch;
mod foreign;
mod get_bench;
mod inject_wrong;
mod peer_stat;
mod put;
mod remotify;
mod runtime;

pub(crate) use fetch::{fetch, peer_answered, SwapWindow};
pub(crate) use peer_stat::peer_stat;
pub(crate) use runtime::RamsterNode;

use crate::cluster::node_num::NodeNum;
use crate::cluster::tmem_messages::PageKey;
use crate::tmem::{Oid, PageIndex, PoolId};
use crate::zcache::remote::page_tag::TaggedPage;
use crate::zcache::zbud::ZbudKind;

/// How long a remote operation may take before it fails (a dead peer fails it sooner).
const REMOTE_TIMEOUT_MS: u32 = 5000;

/// A page as the wire names it: the sender's pool, the pool's kind, object and index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RemoteKey {
    /// The local pool id.
    pub(crate) pool: PoolId,
    /// The local object id.
    pub(crate) oid: Oid,
    /// The page index.
    pub(crate) index: PageIndex,
    /// The pool's kind.
    pub(crate) kind: ZbudKind,
}

impl RemoteKey {
    /// What the tag of this page kept on `node` covers.
    pub(crate) fn tagged(&self, node: NodeNum) -> TaggedPage {
        TaggedPage {
            node,
            kind: self.kind,
            pool: self.pool,
            oid: self.oid,
            index: self.index,
        }
    }

    /// The wire's page key.
    pub(crate) fn wire(&self) -> PageKey {
        PageKey {
            pool_id: u32::from(self.pool.0),
            persistent: self.kind == ZbudKind::Persistent,
            oid: self.oid.0,
            index: self.index,
        }
    }
}
