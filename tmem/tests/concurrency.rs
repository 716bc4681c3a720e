// SPDX-License-Identifier: GPL-2.0

//! tmem under concurrent use: threads hammer keys of their own (in the same buckets as the other
//! threads' keys) and keys shared by all; each thread's view stays coherent and, in the end, every
//! descriptor put has come back exactly once.

extern crate std;

use crate::os::Gfp;
use crate::tmem::{Client, ClientId, GetMode, Got, PoolKind};
use crate::tmem::{Oid, Pool};
use std::thread;
use std::vec::Vec;

const THREADS: u64 = 4;
const ROUNDS: u64 = 4000;

/// Thread `t`'s key number `k`: the three words xor to `k`, so every thread's key `k` falls in
/// the same bucket and the threads contend for its lock.
fn own_oid(t: u64, k: u64) -> Oid {
    Oid([t + 1, t + 1, k])
}

fn shared_oid(k: u64) -> Oid {
    Oid([0, 0, k])
}

/// One thread's work; returns every descriptor that came back to it.
fn hammer(pool: &Pool<u64>, t: u64) -> Vec<u64> {
    let mut back = Vec::new();
    let mut latest = [None::<u64>; 8];
    for round in 0..ROUNDS {
        let desc = (t << 32) | round;
        let k = round % 8;
        let own = own_oid(t, k);
        let index = (round % 3) as u32;
        // Own keys: put, then see exactly our latest value.
        if let Ok(old) = pool.put(&own, 0, desc, Gfp::NoWait) {
            assert_eq!(old, latest[k as usize], "thread {t} key {k}");
            latest[k as usize] = Some(desc);
            back.extend(old);
        }
        let seen = pool.get(&own, 0, GetMode::Keep, |d| *d);
        assert_eq!(seen, latest[k as usize].map(Got::Read));
        if round % 5 == 0 {
            let flushed = pool.flush_page(&own, 0);
            assert_eq!(flushed, latest[k as usize].take());
            back.extend(flushed);
        }
        // Shared keys: anything goes, but nothing may be lost or duplicated.
        let shared = shared_oid(k);
        match round % 4 {
            0 | 1 => match pool.put(&shared, index, desc | (1 << 63), Gfp::NoWait) {
                Ok(old) => back.extend(old),
                Err(refused) => back.push(refused.desc),
            },
            2 => {
                if let Some(Got::Taken(d)) = pool.get(&shared, index, GetMode::Take, |d| *d) {
                    back.push(d);
                }
            }
            _ => back.extend(pool.flush_object(&shared).map(|(_, _, d)| d)),
        }
    }
    back
}

#[test]
fn concurrent_users_stay_coherent_and_lose_nothing() {
    let client: Client<u64> = Client::new(ClientId::LOCAL);
    let id = client
        .new_pool(PoolKind::Persistent, Gfp::Kernel)
        .expect("pool");
    let pool = client.pool(id).expect("live");
    let mut back: Vec<u64> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| s.spawn(move || hammer(pool, t)))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    client.destroy_pool(id, |d| back.push(d));
    back.sort_unstable();
    let mut put: Vec<u64> = (0..THREADS)
        .flat_map(|t| {
            (0..ROUNDS).flat_map(move |round| {
                let desc = (t << 32) | round;
                let shared = matches!(round % 4, 0 | 1).then_some(desc | (1 << 63));
                core::iter::once(desc).chain(shared)
            })
        })
        .collect();
    put.sort_unstable();
    assert_eq!(back, put);
    assert_eq!((pool.page_count(), pool.object_count()), (0, 0));
}
