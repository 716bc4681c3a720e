// SPDX-License-Identifier: GPL-2.0

//! Fuzz target: the foreign-page server, the pages hostile peers keep in this node's RAM
//! (`zcache/remote/foreign.rs`).
//!
//! Three client nodes send any sequence of tmem requests (`PUT`, `GET`, `GET_AND_FREE`, `FLUSH`,
//! `FLUSH_OBJECT`, `DESTROY_POOL`): pages of 1 byte to a whole page, in any of the 16 pool ids or
//! a bogus one, of either kind (also the other kind than the pool has), in few objects or an
//! object of its own each; payloads as the client encodes them or with a byte changed or cut.
//! Each request is decoded with `decode_request` and served as the module's handler serves it
//! (`src/ramster_kernel/foreign.rs`: one host-frame store per client, made by its first put,
//! `put_within` the per-client and total `ForeignLimit`, other clients' footprint counted as
//! theirs). Between requests the store may be asked to shrink (memory pressure), and a client
//! may go (down, or back after a fresh handshake: `destroy_all_pools`, then its store is
//! dropped). The limits and each store's frame budget come from the input, from below one pool
//! body to far more than the run can fill. Checked after every step:
//!
//! - nothing panics (the fuzz build has overflow checks); a payload that does not decode changes
//!   nothing;
//! - each client's `footprint_bytes` stays within `per_client`, and all clients' together within
//!   `total`;
//! - a get returns exactly the bytes of the last successful put at its key (also through
//!   `encode_page` and `decode_page`, as the reply travels), for a persistent page always until
//!   it is flushed, taken, replaced, refused or its pool destroyed, for an ephemeral page unless
//!   it was evicted; a key never put, or whose page went, is not found; a get never finds a page
//!   corrupt;
//! - a refused put drops the old page at its key, also when the pool id is live with the other
//!   kind (`NO_POOL`, which only a pool id out of range or of the other kind gets);
//! - the store's page counts: the persistent ones equal the model's, the ephemeral ones at most
//!   the model's; the frames the source handed out are the frames the counters show;
//! - `destroy_all_pools` returns the number of pages held and frees everything: no frame out, no
//!   page counted, no frame bytes (what the module checks before it drops a client's store).

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ramster::cluster::status::Status;
use ramster::cluster::tmem_messages::{
    decode_page, decode_request, encode_page, encode_request, PageKey, TmemOp, TmemRequest,
    DATA_HEADER_LEN, KEY_LEN, MAX_COMPRESSED_LEN,
};
use ramster::os::{Gfp, PAGE_SIZE};
use ramster::tmem::{Oid, Pool, PoolId, PoolKind, MAX_POOLS_PER_CLIENT};
use ramster::zcache::frames::HeapFrames;
use ramster::zcache::remote::foreign::ForeignLimit;
use ramster::zcache::store::{GetMiss, PutRefused, SmallSwapPages, Store, ZDesc};
use std::collections::BTreeMap;

const CLIENTS: usize = 3;
const REPLY_LEN: usize = DATA_HEADER_LEN + MAX_COMPRESSED_LEN as usize;

type Key = (u16, [u64; 3], u32);

/// What the model knows of a pool id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PoolState {
    Free,
    Live(PoolKind),
    /// A put refused with `NO_MEMORY` may or may not have claimed it (the limit refuses before
    /// the pool is made, the store after).
    Unknown,
}

struct Client {
    store: Store<HeapFrames>,
    pools: [PoolState; MAX_POOLS_PER_CLIENT],
    /// The pages it holds: the bytes put, and the kind of their pool.
    pages: BTreeMap<Key, (PoolKind, Vec<u8>)>,
}

impl Client {
    fn count(&self, kind: PoolKind) -> u64 {
        self.pages.values().filter(|(k, _)| *k == kind).count() as u64
    }
}

struct Server {
    clients: [Option<Client>; CLIENTS],
    limit: ForeignLimit,
    budget: usize,
}

impl Server {
    fn others_bytes(&self, me: usize) -> usize {
        self.clients
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != me)
            .filter_map(|(_, c)| c.as_ref())
            .map(|c| c.store.footprint_bytes())
            .fold(0, usize::saturating_add)
    }

    fn check(&self) {
        let mut total = 0usize;
        for c in self.clients.iter().flatten() {
            let mine = c.store.footprint_bytes();
            assert!(
                mine <= self.limit.per_client,
                "a client takes {mine} bytes, its share is {}",
                self.limit.per_client
            );
            total = total.saturating_add(mine);
            let (eph, pers) = c.store.zpage_counts();
            assert_eq!(pers, c.count(PoolKind::Persistent), "persistent pages");
            assert!(eph <= c.count(PoolKind::Ephemeral), "ephemeral pages");
            let frames = c.store.frames().live() as u64 * PAGE_SIZE as u64;
            assert_eq!(
                c.store.counters().frame_bytes(),
                frames,
                "frames out vs counted"
            );
        }
        assert!(
            total <= self.limit.total,
            "all clients take {total} bytes, the total is {}",
            self.limit.total
        );
    }

    /// The client goes: every page and frame it had here is freed, and its store dropped.
    fn drop_client(&mut self, who: usize) {
        let Some(c) = self.clients[who].take() else {
            return;
        };
        let (eph, pers) = c.store.zpage_counts();
        let freed = c.store.destroy_all_pools();
        assert_eq!(
            freed as u64,
            eph + pers,
            "destroy_all_pools freed another count"
        );
        assert_eq!(
            c.store.frames().live(),
            0,
            "frames still out after destroy_all_pools"
        );
        assert_eq!(c.store.zpage_counts(), (0, 0));
        assert_eq!(c.store.counters().frame_bytes(), 0);
        let mut out = [0u8; REPLY_LEN];
        for (pool, oid, index) in c.pages.keys() {
            assert_eq!(
                c.store
                    .get_compressed(PoolId(*pool), &Oid(*oid), *index, false, &mut out),
                Err(GetMiss::NotFound)
            );
        }
    }
}

/// The data of a put: `len` bytes from the input, or made from a seed.
fn data(u: &mut Unstructured) -> Result<Vec<u8>> {
    let len = match u.int_in_range(0..=3u8)? {
        0 | 1 => u.int_in_range(1..=8usize)?,
        2 => u.int_in_range(1..=MAX_COMPRESSED_LEN as usize)?,
        _ => *u.choose(&[MAX_COMPRESSED_LEN as usize, 3000, 2048, 1024, 100])?,
    };
    if len <= 64 && u.arbitrary()? {
        return Ok(u.bytes(len)?.to_vec());
    }
    let seed: u8 = u.arbitrary()?;
    Ok((0..len)
        .map(|i| seed.wrapping_add((i / 7) as u8) ^ (i as u8).rotate_left(3))
        .collect())
}

/// The key of a request: often one the client holds a page at (by the model), so that gets
/// find pages and puts replace them; else any.
fn key(u: &mut Unstructured, op: TmemOp, held: Option<&Client>) -> Result<PageKey> {
    if let Some(c) = held.filter(|c| !c.pages.is_empty()) {
        if u.arbitrary()? {
            let at = u.choose_index(c.pages.len())?;
            if let Some((&(pool, oid, index), &(kind, _))) = c.pages.iter().nth(at) {
                let mut key = PageKey {
                    pool_id: u32::from(pool),
                    persistent: kind == PoolKind::Persistent,
                    oid,
                    index,
                };
                // Sometimes with the other kind, as a client that remade the pool would.
                if u.ratio(1, 16)? {
                    key.persistent = !key.persistent;
                }
                match op {
                    TmemOp::FlushObject => key.index = 0,
                    TmemOp::DestroyPool => (key.oid, key.index) = ([0; 3], 0),
                    _ => {}
                }
                return Ok(key);
            }
        }
    }
    let pool_id = match u.int_in_range(0..=9u8)? {
        0..=5 => u.int_in_range(0..=3u32)?,
        6 | 7 => u.int_in_range(0..=MAX_POOLS_PER_CLIENT as u32 + 1)?,
        8 => u.arbitrary()?,
        _ => u32::from(u.arbitrary::<u16>()?),
    };
    let oid = match u.int_in_range(0..=3u8)? {
        0 | 1 => [u.int_in_range(0..=3u64)?, 0, 0],
        2 => [u.arbitrary()?, u.arbitrary()?, 7],
        _ => [u.arbitrary()?, u.arbitrary()?, u.arbitrary()?],
    };
    let index = if u.arbitrary()? {
        u.int_in_range(0..=3u32)?
    } else {
        u.arbitrary()?
    };
    let mut key = PageKey {
        pool_id,
        persistent: u.ratio(2, 3)?,
        oid,
        index,
    };
    // What a client sends; the wrong fields are left in sometimes, for the decoder to refuse.
    if !u.ratio(1, 16)? {
        match op {
            TmemOp::FlushObject => key.index = 0,
            TmemOp::DestroyPool => (key.oid, key.index) = ([0; 3], 0),
            _ => {}
        }
    }
    Ok(key)
}

/// One request from client `who`, served as the module serves it.
fn request(u: &mut Unstructured, server: &mut Server, who: usize) -> Result<()> {
    let code = if u.ratio(15, 16)? {
        u.int_in_range(0x40..=0x45u8)?
    } else {
        u.arbitrary()?
    };
    let Some(op) = TmemOp::from_code(code) else {
        return Ok(());
    };
    let key = key(u, op, server.clients[who].as_ref())?;
    let put = if op == TmemOp::Put {
        data(u)?
    } else {
        Vec::new()
    };
    let mut payload = vec![0u8; KEY_LEN + REPLY_LEN];
    let len = encode_request(
        &TmemRequest {
            op,
            key,
            data: &put,
        },
        &mut payload,
    )
    .unwrap_or(0);
    payload.truncate(len);
    match u.int_in_range(0..=31u8)? {
        0 if !payload.is_empty() => {
            let at = u.choose_index(payload.len())?;
            payload[at] ^= u.int_in_range(1..=255u8)?;
        }
        1 => {
            let cut = u.int_in_range(0..=payload.len())?;
            payload.truncate(cut);
        }
        2 => {
            let len = u.int_in_range(0..=64usize)?;
            payload = u.bytes(len)?.to_vec();
        }
        _ => {}
    }
    let footprints: Vec<usize> = server
        .clients
        .iter()
        .map(|c| c.as_ref().map_or(0, |c| c.store.footprint_bytes()))
        .collect();
    let Ok(req) = decode_request(op, &payload) else {
        // BAD_PAYLOAD: nothing happens.
        let after: Vec<usize> = server
            .clients
            .iter()
            .map(|c| c.as_ref().map_or(0, |c| c.store.footprint_bytes()))
            .collect();
        assert_eq!(footprints, after);
        return Ok(());
    };
    assert_eq!(req.op, op);
    let _ = serve(server, who, &req);
    Ok(())
}

/// `serve` of `src/ramster_kernel/foreign.rs`, on the host, with the model's checks.
fn serve(
    server: &mut Server,
    who: usize,
    req: &TmemRequest<'_>,
) -> core::result::Result<(), Status> {
    let id = u16::try_from(req.key.pool_id).map_err(|_| Status::BadPayload)?;
    let kind = if req.key.persistent {
        PoolKind::Persistent
    } else {
        PoolKind::Ephemeral
    };
    let (pool, oid, index) = (PoolId(id), Oid(req.key.oid), req.key.index);
    let k: Key = (id, req.key.oid, index);
    let slot = usize::from(id);
    match req.op {
        TmemOp::Put => {
            let limit = server.limit;
            let others = server.others_bytes(who);
            let budget = server.budget;
            let c = server.clients[who].get_or_insert_with(|| Client {
                store: Store::new(HeapFrames::new(budget), false, Gfp::Kernel)
                    .expect("store")
                    .with_small_swap_pages(SmallSwapPages::BesideOrPacked),
                pools: [PoolState::Free; MAX_POOLS_PER_CLIENT],
                pages: BTreeMap::new(),
            });
            let state = c.pools.get(slot).copied();
            let other_kind =
                |s: Option<PoolState>| matches!(s, Some(PoolState::Live(live)) if live != kind);
            let put = c.store.put_within(
                &limit,
                others,
                pool,
                kind,
                &oid,
                index,
                req.data,
                Gfp::NoWait,
            );
            match put {
                Ok(()) => {
                    assert!(
                        !other_kind(state),
                        "a put went into a pool of the other kind"
                    );
                    c.pools[slot] = PoolState::Live(kind);
                    c.pages.insert(k, (kind, req.data.to_vec()));
                }
                Err(PutRefused::NoPool) => {
                    assert!(
                        state.is_none() || other_kind(state) || state == Some(PoolState::Unknown),
                        "NO_POOL for pool {id} ({state:?}) of kind {kind:?}"
                    );
                    c.pages.remove(&k);
                }
                Err(refused) => {
                    c.pages.remove(&k);
                    if let Some(s) = c.pools.get_mut(slot) {
                        match (refused, *s) {
                            (PutRefused::NoMemory, PoolState::Free) => *s = PoolState::Unknown,
                            (PutRefused::NoMemory, _) => {}
                            // The store ran: the pool was made (or was live with this kind).
                            (_, PoolState::Live(live)) => assert_eq!(live, kind),
                            _ => *s = PoolState::Live(kind),
                        }
                    }
                }
            }
            Ok(())
        }
        TmemOp::Get | TmemOp::GetAndFree => {
            let c = server.clients[who].as_mut().ok_or(Status::NotFound)?;
            let mut out = vec![0u8; MAX_COMPRESSED_LEN as usize];
            let take = req.op == TmemOp::GetAndFree;
            let got = c.store.get_compressed(pool, &oid, index, take, &mut out);
            let expected = c.pages.get(&k).cloned();
            match (got, expected) {
                (Ok(len), Some((_, bytes))) => {
                    assert_eq!(&out[..len], &bytes[..], "a get returned other bytes");
                    let mut reply = [0u8; REPLY_LEN];
                    let n = encode_page(&out[..len], &mut reply).expect("encode_page");
                    assert_eq!(decode_page(&reply[..n]), Ok(&bytes[..]));
                    if take {
                        c.pages.remove(&k);
                    }
                }
                (Ok(len), None) => panic!("a get found {len} bytes at a key holding nothing"),
                (Err(GetMiss::NotFound), Some((PoolKind::Ephemeral, _))) => {
                    // Evicted.
                    c.pages.remove(&k);
                }
                (Err(GetMiss::NotFound), None) => {}
                (Err(miss), expected) => {
                    panic!(
                        "get: {miss:?}, expected {:?} bytes",
                        expected.map(|e| e.1.len())
                    )
                }
            }
            Ok(())
        }
        TmemOp::Flush => {
            if let Some(c) = server.clients[who].as_mut() {
                c.store.flush_page(pool, &oid, index);
                c.pages.remove(&k);
            }
            Ok(())
        }
        TmemOp::FlushObject => {
            if let Some(c) = server.clients[who].as_mut() {
                c.store.flush_object(pool, &oid);
                c.pages.retain(|(p, o, _), _| (*p, *o) != (id, req.key.oid));
            }
            Ok(())
        }
        TmemOp::DestroyPool => {
            if let Some(c) = server.clients[who].as_mut() {
                c.store.destroy_pool(pool);
                c.pages.retain(|(p, _, _), _| *p != id);
                if let Some(s) = c.pools.get_mut(slot) {
                    *s = PoolState::Free;
                }
            }
            Ok(())
        }
    }
}

fn bytes_limit(u: &mut Unstructured) -> Result<usize> {
    let body = Pool::<ZDesc>::BODY_BYTES;
    Ok(match u.int_in_range(0..=4u8)? {
        0 => u.int_in_range(0..=body + 4 * ForeignLimit::PUT_BYTES)?,
        1 | 2 => u.int_in_range(body..=body * 4 + 64 * PAGE_SIZE)?,
        3 => u.int_in_range(0..=1usize << 30)?,
        _ => usize::MAX,
    })
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let limit = ForeignLimit {
        per_client: bytes_limit(&mut u)?,
        total: bytes_limit(&mut u)?,
    };
    let budget = if u.arbitrary()? {
        u.int_in_range(0..=16usize)?
    } else {
        u.int_in_range(0..=1024usize)?
    };
    let mut server = Server {
        clients: [None, None, None],
        limit,
        budget,
    };
    let mut steps = 0;
    while !u.is_empty() && steps < 2_000 {
        steps += 1;
        if step(&mut u, &mut server).is_err() {
            break;
        }
    }
    for who in 0..CLIENTS {
        server.drop_client(who);
    }
    Ok(())
}

fn step(u: &mut Unstructured, server: &mut Server) -> Result<()> {
    let who = u.int_in_range(0..=CLIENTS - 1)?;
    match u.int_in_range(0..=31u8)? {
        0 => server.drop_client(who),
        1 => {
            if let Some(c) = &server.clients[who] {
                c.store.shrink_ephemeral(u.int_in_range(1..=4usize)?);
            }
        }
        _ => request(u, server, who)?,
    }
    server.check();
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
