// SPDX-License-Identifier: GPL-2.0

//! The pages peers keep here ("foreign" pages) and the tmem message handlers that serve them.
//!
//! Each client node has its own store (`zcache/remote/foreign.rs`), made when its first page
//! arrives. What its pages cost here, frames and index ([`ForeignLimit`]), may reach
//! `max_pool_percent` of this node's RAM, and so may all clients' pages together. A put past
//! either is answered `NO_MEMORY` and drops the old page at its key (the client keeps its page,
//! and counts it as not moved). Pages stay compressed as the client sent them. The handlers run in the cluster's receive workers
//! (process context); the registry is a mutex, and each store operation runs with local
//! interrupts off like every store operation.

use super::inject_wrong;
use super::runtime::with_runtime;
use crate::cluster::node_num::NodeNum;
use crate::cluster::status::Status;
use crate::cluster::tmem_messages::{
    decode_request, encode_page, PageKey, TmemOp, TmemRequest, DATA_HEADER_LEN, KEY_LEN,
    MAX_COMPRESSED_LEN,
};
use crate::os::Gfp;
use crate::tmem::{Oid, PoolId, PoolKind};
use crate::zcache::remote::counters::{NODE_PAGES, RAMSTER_COUNTERS};
use crate::zcache::remote::foreign::ForeignLimit;
use crate::zcache::store::{GetMiss, SmallSwapPages, Store};
use crate::zcache_kernel::{max_pool_percent, totalram_pages, PageFrames, ZStore};
use kernel::prelude::*;

/// The largest request payload: a put of a whole page.
const PUT_MAX: u32 = (KEY_LEN + DATA_HEADER_LEN) as u32 + MAX_COMPRESSED_LEN;

/// The handler of each tmem message type, with its largest payload.
pub(super) const HANDLERS: [(TmemOp, crate::net::handlers::Handler, u32); 6] = [
    (TmemOp::Put, on_put, PUT_MAX),
    (TmemOp::Get, on_get, KEY_LEN as u32),
    (TmemOp::GetAndFree, on_get_and_free, KEY_LEN as u32),
    (TmemOp::Flush, on_flush, KEY_LEN as u32),
    (TmemOp::FlushObject, on_flush_object, KEY_LEN as u32),
    (TmemOp::DestroyPool, on_destroy_pool, KEY_LEN as u32),
];

/// One client node's store, and its page counts and footprint as last published.
struct Client {
    store: KBox<ZStore>,
    eph: u64,
    pers: u64,
    bytes: usize,
}

/// The foreign stores, by client node, and the totals of their pages.
pub(crate) struct ForeignClients {
    clients: KVec<Option<Client>>,
    /// Each store's frame budget.
    budget: usize,
    limit: ForeignLimit,
    eph: u64,
    pers: u64,
    /// Bytes all clients' pages take here.
    bytes: usize,
    /// The compressed page of the last get answered, for `inject_wrong_pages`.
    last_answer: LastAnswer,
}

/// A copy of the last compressed page answered.
struct LastAnswer {
    bytes: KVec<u8>,
    len: usize,
}

impl ForeignClients {
    /// No client yet; each client's limit and all clients' together are `max_pool_percent` of
    /// RAM.
    pub(super) fn new() -> Result<Self> {
        let mut clients = KVec::with_capacity(NodeNum::COUNT, GFP_KERNEL)?;
        for _ in 0..NodeNum::COUNT {
            clients.push(None, GFP_KERNEL)?;
        }
        let percent = max_pool_percent();
        let budget = (totalram_pages() / 100).saturating_mul(percent).max(1);
        let bytes = budget.saturating_mul(crate::os::PAGE_SIZE);
        Ok(Self {
            clients,
            budget,
            limit: ForeignLimit {
                per_client: bytes,
                total: bytes,
            },
            eph: 0,
            pers: 0,
            bytes: 0,
            last_answer: LastAnswer {
                bytes: KVec::from_elem(0u8, MAX_COMPRESSED_LEN as usize, GFP_KERNEL)?,
                len: 0,
            },
        })
    }

    /// The store of `node`, made if it has none.
    fn store(&mut self, node: NodeNum) -> Result<&ZStore, Status> {
        let budget = self.budget;
        let slot = self
            .clients
            .get_mut(node.index())
            .ok_or(Status::HandlerFailed)?;
        if slot.is_none() {
            let store = Store::new(PageFrames::new(budget), false, Gfp::Kernel)
                .map_err(|_| Status::NoMemory)?
                .with_small_swap_pages(SmallSwapPages::BesideOrPacked);
            let store = KBox::new(store, GFP_KERNEL).map_err(|_| Status::NoMemory)?;
            *slot = Some(Client {
                store,
                eph: 0,
                pers: 0,
                bytes: 0,
            });
        }
        slot.as_ref()
            .map(|c| &*c.store)
            .ok_or(Status::HandlerFailed)
    }

    /// The store of `node`, if it has one.
    fn existing(&self, node: NodeNum) -> Option<&ZStore> {
        self.clients.get(node.index())?.as_ref().map(|c| &*c.store)
    }

    /// Frees every page `node` keeps here, with their frames, and its store; returns how many
    /// pages.
    pub(super) fn drop_client(&mut self, node: NodeNum) -> u64 {
        let Some(client) = self.clients.get_mut(node.index()).and_then(Option::take) else {
            return 0;
        };
        let (eph, pers) = client.store.zpage_counts();
        self.eph = self.eph.saturating_sub(client.eph);
        self.pers = self.pers.saturating_sub(client.pers);
        self.bytes = self.bytes.saturating_sub(client.bytes);
        client.store.destroy_all_pools();
        let left = client.store.frames().live();
        if left != 0 {
            pr_err!(
                "{} frames of node {} still out after freeing its pages\n",
                left,
                node
            );
        }
        // The store goes with any frame still in it: a dropped frame frees its page.
        drop(client);
        NODE_PAGES.set_foreign(node, 0, 0);
        self.publish();
        eph.saturating_add(pers)
    }

    /// Frees every client's pages; returns how many.
    pub(super) fn drop_all(&mut self) -> u64 {
        (0..=NodeNum::MAX)
            .filter_map(NodeNum::new)
            .map(|n| self.drop_client(n))
            .sum()
    }

    /// Recounts `node`'s pages and updates the totals after a change.
    fn recount(&mut self, node: NodeNum) {
        let Some(client) = self.clients.get_mut(node.index()).and_then(Option::as_mut) else {
            return;
        };
        let (eph, pers) = client.store.zpage_counts();
        let bytes = client.store.footprint_bytes();
        self.eph = self.eph.saturating_sub(client.eph).saturating_add(eph);
        self.pers = self.pers.saturating_sub(client.pers).saturating_add(pers);
        self.bytes = self
            .bytes
            .saturating_sub(client.bytes)
            .saturating_add(bytes);
        (client.eph, client.pers, client.bytes) = (eph, pers, bytes);
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        NODE_PAGES.set_foreign(node, eph.saturating_add(pers), bytes);
        self.publish();
    }

    fn publish(&self) {
        RAMSTER_COUNTERS.foreign_eph_pages.set(self.eph);
        RAMSTER_COUNTERS.foreign_pers_pages.set(self.pers);
        RAMSTER_COUNTERS
            .foreign_bytes
            .set(u64::try_from(self.bytes).unwrap_or(u64::MAX));
    }

    /// Bytes every client but `node` takes here, as last counted.
    fn others_bytes(&self, node: NodeNum) -> usize {
        let mine = self
            .clients
            .get(node.index())
            .and_then(Option::as_ref)
            .map_or(0, |c| c.bytes);
        self.bytes.saturating_sub(mine)
    }
}

fn pool_of(key: &PageKey) -> Result<(PoolId, PoolKind), Status> {
    let id = u16::try_from(key.pool_id).map_err(|_| Status::BadPayload)?;
    let kind = if key.persistent {
        PoolKind::Persistent
    } else {
        PoolKind::Ephemeral
    };
    Ok((PoolId(id), kind))
}

/// Serves one tmem request from `from`; the reply's payload goes to `reply`.
fn handle(op: TmemOp, from: NodeNum, payload: &[u8], reply: &mut [u8]) -> Result<usize, Status> {
    let request = decode_request(op, payload).map_err(|_| Status::BadPayload)?;
    with_runtime(|rt| {
        let mut clients = rt.foreign.lock();
        let served = serve(&mut clients, from, &request, reply);
        clients.recount(from);
        served
    })
    .ok_or(Status::Busy)?
}

fn serve(
    clients: &mut ForeignClients,
    from: NodeNum,
    request: &TmemRequest<'_>,
    reply: &mut [u8],
) -> Result<usize, Status> {
    let (pool, kind) = pool_of(&request.key)?;
    let oid = Oid(request.key.oid);
    let index = request.key.index;
    match request.op {
        TmemOp::Put => {
            let limit = clients.limit;
            let others = clients.others_bytes(from);
            let store = clients.store(from)?;
            store
                .put_within(
                    &limit,
                    others,
                    pool,
                    kind,
                    &oid,
                    index,
                    request.data,
                    Gfp::NoWait,
                )
                .map(|()| 0)
                .map_err(|_| {
                    RAMSTER_COUNTERS.foreign_puts_refused.inc();
                    Status::NoMemory
                })
        }
        TmemOp::Get | TmemOp::GetAndFree => {
            let store = clients.existing(from).ok_or(Status::NotFound)?;
            let mut zpage = KVec::from_elem(0u8, MAX_COMPRESSED_LEN as usize, GFP_KERNEL)
                .map_err(|_| Status::NoMemory)?;
            let len = {
                store.get_compressed(
                    pool,
                    &oid,
                    index,
                    request.op == TmemOp::GetAndFree,
                    &mut zpage,
                )
            }
            .map_err(|miss| match miss {
                GetMiss::Corrupt => Status::HandlerFailed,
                _ => Status::NotFound,
            })?;
            let data = zpage.get_mut(..len).ok_or(Status::HandlerFailed)?;
            if inject_wrong::take_one() {
                return answer_wrong(&mut clients.last_answer, data, reply);
            }
            // Only a node armed to lie needs the copy: an honest answer costs no extra copy.
            if inject_wrong::armed() {
                remember_answer(&mut clients.last_answer, data);
            }
            encode_page(data, reply).map_err(|_| Status::HandlerFailed)
        }
        TmemOp::Flush => {
            if let Some(store) = clients.existing(from) {
                store.flush_page(pool, &oid, index);
            }
            Ok(0)
        }
        TmemOp::FlushObject => {
            if let Some(store) = clients.existing(from) {
                store.flush_object(pool, &oid);
            }
            Ok(0)
        }
        TmemOp::DestroyPool => {
            if let Some(store) = clients.existing(from) {
                store.destroy_pool(pool);
            }
            Ok(0)
        }
    }
}

/// Keeps a copy of the page answered.
fn remember_answer(last: &mut LastAnswer, data: &[u8]) {
    last.len = match last.bytes.get_mut(..data.len()) {
        Some(copy) => {
            copy.copy_from_slice(data);
            data.len()
        }
        None => 0,
    };
}

/// A lying peer's answer (`inject_wrong_pages`): the page answered before, else `data` with one
/// byte changed; either way with a valid CRC.
fn answer_wrong(last: &mut LastAnswer, data: &mut [u8], reply: &mut [u8]) -> Result<usize, Status> {
    let answered = match last.bytes.get(..last.len).filter(|b| !b.is_empty()) {
        Some(before) => encode_page(before, reply),
        None => {
            if let Some(byte) = data.get_mut(data.len() / 2) {
                *byte ^= 0x20;
            }
            encode_page(data, reply)
        }
    };
    remember_answer(last, data);
    answered.map_err(|_| Status::HandlerFailed)
}

fn on_put(from: NodeNum, payload: &[u8], reply: &mut [u8]) -> Result<usize, Status> {
    handle(TmemOp::Put, from, payload, reply)
}

fn on_get(from: NodeNum, payload: &[u8], reply: &mut [u8]) -> Result<usize, Status> {
    handle(TmemOp::Get, from, payload, reply)
}

fn on_get_and_free(from: NodeNum, payload: &[u8], reply: &mut [u8]) -> Result<usize, Status> {
    handle(TmemOp::GetAndFree, from, payload, reply)
}

fn on_flush(from: NodeNum, payload: &[u8], reply: &mut [u8]) -> Result<usize, Status> {
    handle(TmemOp::Flush, from, payload, reply)
}

fn on_flush_object(from: NodeNum, payload: &[u8], reply: &mut [u8]) -> Result<usize, Status> {
    handle(TmemOp::FlushObject, from, payload, reply)
}

fn on_destroy_pool(from: NodeNum, payload: &[u8], reply: &mut [u8]) -> Result<usize, Status> {
    handle(TmemOp::DestroyPool, from, payload, reply)
}
