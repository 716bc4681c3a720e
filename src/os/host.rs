// SPDX-License-Identifier: GPL-2.0

//! The host implementation of the OS facade, over `std`, for cargo tests and benchmarks.
//!
//! It keeps the kernel's semantics where they matter to logic: every allocation is fallible (a
//! failure leaves the structure unchanged), maps are ordered, and locks are plain mutual exclusion.
//! On top, an allocation-failure injector ([`fail_allocations_after`]) lets a test make any
//! allocation of its own thread fail, to prove that failures are handled and leak nothing.

extern crate std;

use super::{AllocError, CryptoError, Gfp, Step, MAC_LEN, MAC_MAX_PARTS};
use core::cell::Cell;
use core::ops::{Deref, DerefMut};
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};
use std::boxed::Box;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

std::thread_local! {
    /// Allocations this thread may still make before the injector fails them; `None`: unlimited.
    static ALLOCATIONS_LEFT: Cell<Option<u64>> = const { Cell::new(None) };
    /// Allocations this thread has attempted through the facade.
    static ALLOCATIONS_TRIED: Cell<u64> = const { Cell::new(0) };
}

/// Lets the calling thread's next `n` facade allocations succeed and fails every later one, until
/// [`stop_failing_allocations`]. Other threads are not affected.
pub fn fail_allocations_after(n: u64) {
    ALLOCATIONS_LEFT.with(|left| left.set(Some(n)));
}

/// Ends [`fail_allocations_after`] for the calling thread.
pub fn stop_failing_allocations() {
    ALLOCATIONS_LEFT.with(|left| left.set(None));
}

/// How many facade allocations the calling thread has attempted so far.
pub fn allocations_tried() -> u64 {
    ALLOCATIONS_TRIED.with(Cell::get)
}

/// Asks the injector whether the allocation about to be made may go ahead.
fn may_allocate(_gfp: Gfp) -> Result<(), AllocError> {
    ALLOCATIONS_TRIED.with(|tried| tried.set(tried.get().saturating_add(1)));
    ALLOCATIONS_LEFT.with(|left| match left.get() {
        None => Ok(()),
        Some(0) => Err(AllocError),
        Some(n) => {
            left.set(Some(n - 1));
            Ok(())
        }
    })
}

/// A fixed array that may be large; on the host simply a [`Vec`] of `n` elements.
pub type BigArray<T> = Vec<T>;

/// A growable array whose allocations are fallible.
#[derive(Debug, Default)]
pub struct Vec<T>(std::vec::Vec<T>);

impl<T> Vec<T> {
    /// An empty array; allocates nothing.
    pub const fn new() -> Self {
        Self(std::vec::Vec::new())
    }

    /// An empty array with room for `capacity` elements.
    pub fn with_capacity(capacity: usize, gfp: Gfp) -> Result<Self, AllocError> {
        let mut v = Self::new();
        v.reserve(capacity, gfp)?;
        Ok(v)
    }

    /// Makes room for `additional` more elements.
    pub fn reserve(&mut self, additional: usize, gfp: Gfp) -> Result<(), AllocError> {
        if self.0.capacity() - self.0.len() >= additional {
            return Ok(());
        }
        may_allocate(gfp)?;
        self.0.try_reserve(additional).map_err(|_| AllocError)
    }

    /// Appends `value`; on failure the array is unchanged and `value` is dropped.
    pub fn push(&mut self, value: T, gfp: Gfp) -> Result<(), AllocError> {
        self.reserve(1, gfp)?;
        self.0.push(value);
        Ok(())
    }

    /// The number of elements the array holds without allocating.
    pub fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl<T: Clone> Vec<T> {
    /// An array of `n` copies of `value`.
    pub fn from_elem(value: T, n: usize, gfp: Gfp) -> Result<Self, AllocError> {
        let mut v = Self::with_capacity(n, gfp)?;
        v.0.resize(n, value);
        Ok(v)
    }
}

impl<T> Deref for Vec<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> DerefMut for Vec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

/// An ordered map; only inserting a new key allocates, and that may fail.
#[derive(Debug)]
pub struct Map<K, V>(BTreeMap<K, V>);

impl<K: Ord, V> Map<K, V> {
    /// An empty map; allocates nothing.
    pub fn new() -> Self {
        Self(BTreeMap::new())
    }

    /// Whether the map holds no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.0.get(key)
    }

    /// The value of `key`, to change it in place.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.0.get_mut(key)
    }

    /// Sets `key` to `value` and returns the value it replaces. Replacing never allocates; adding
    /// a key may fail, and then `value` is handed back in `Err` and the map is unchanged.
    pub fn try_insert(&mut self, key: K, value: V, gfp: Gfp) -> Result<Option<V>, V> {
        if let Some(slot) = self.0.get_mut(&key) {
            return Ok(Some(core::mem::replace(slot, value)));
        }
        if may_allocate(gfp).is_err() {
            return Err(value);
        }
        Ok(self.0.insert(key, value))
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.0.remove(key)
    }

    /// Removes and returns the entry with the smallest key; a way to drain without allocating.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        self.0.pop_first()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter()
    }

    /// Visits the entries with keys from `from` on, in key order, until `step` says
    /// [`Step::Stop`]; an entry for which it says [`Step::Remove`] is removed. Never allocates.
    pub fn walk_from(&mut self, from: &K, mut step: impl FnMut(&K, &mut V) -> Step)
    where
        K: Clone,
    {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let mut lower = Included(from.clone());
        loop {
            let Some((key, value)) = self.0.range_mut((lower, Unbounded)).next() else {
                return;
            };
            let key = key.clone();
            match step(&key, value) {
                Step::Keep => {}
                Step::Remove => {
                    self.0.remove(&key);
                }
                Step::Stop => return,
            }
            lower = Excluded(key);
        }
    }
}

impl<K: Ord, V> Default for Map<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// The lockdep class of one kind of lock; the host has no lockdep, so it is only a name.
#[derive(Clone, Copy, Debug)]
pub struct LockClass {
    /// What the locks of the class guard.
    pub name: &'static str,
}

impl LockClass {
    /// A class named `name`; use [`lock_class!`](crate::os::lock_class).
    #[doc(hidden)]
    pub const fn new(name: &'static str) -> Self {
        Self { name }
    }
}

/// A new lock class named `$name`, one per place this macro is written.
macro_rules! lock_class {
    ($name:literal) => {
        $crate::os::LockClass::new($name)
    };
}
pub(crate) use lock_class;

/// The guard of one lock of a [`SpinLockArray`]; the lock is held until it is dropped.
pub type SpinGuard<'a, T> = MutexGuard<'a, T>;

std::thread_local! {
    /// How many [`SpinLockArray`] locks this thread has taken (see [`locks_taken`]).
    static LOCKS_TAKEN: Cell<u64> = const { Cell::new(0) };
}

/// How many [`SpinLockArray`] locks this thread has taken so far: a test tells one lock hold from
/// the next with it (e.g. that a walk visits a bounded number of pages per hold).
pub fn locks_taken() -> u64 {
    LOCKS_TAKEN.with(Cell::get)
}

/// Gives the CPU to other tasks if they need it: between the batches of a long walk (the kernel's
/// `cond_resched()`; nothing to do on the host, whose threads are preempted).
pub fn cond_resched() {}

/// A heap array of `N` locks, each guarding its own `T`.
pub struct SpinLockArray<T, const N: usize>(Box<[Mutex<T>]>);

impl<T, const N: usize> SpinLockArray<T, N> {
    const NOT_EMPTY: () = assert!(N > 0, "a lock array needs at least one lock");

    /// Bytes of the array's allocation.
    pub const HEAP_BYTES: usize = N * core::mem::size_of::<Mutex<T>>();

    /// Allocates the array and fills lock `i` with `init(i)`. The locks belong to `class`.
    pub fn new(
        mut init: impl FnMut(usize) -> T,
        _class: LockClass,
        gfp: Gfp,
    ) -> Result<Self, AllocError> {
        let () = Self::NOT_EMPTY;
        let mut locks = std::vec::Vec::new();
        may_allocate(gfp)?;
        locks.try_reserve_exact(N).map_err(|_| AllocError)?;
        locks.extend((0..N).map(|i| Mutex::new(init(i))));
        Ok(Self(locks.into_boxed_slice()))
    }

    /// Takes lock `i % N` and returns its guard. Spins (here: blocks) while another holder has it.
    pub fn lock(&self, i: usize) -> SpinGuard<'_, T> {
        let lock = &self.0[i % N];
        LOCKS_TAKEN.with(|n| n.set(n.get().wrapping_add(1)));
        // A holder that panicked (only possible in a failing host test) leaves the data as it was
        // at that point; carry on with it rather than panic again.
        lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `n` locks chosen at run time, each guarding its own `T` (the kernel's are spinlocks, each in
/// its own allocation).
pub struct SpinLockVec<T>(Box<[Mutex<T>]>);

impl<T> SpinLockVec<T> {
    /// Allocates `n` locks (at least one) and fills lock `i` with `init(i)`. The locks belong to
    /// `class`.
    pub fn new(
        n: usize,
        mut init: impl FnMut(usize) -> T,
        _class: LockClass,
        gfp: Gfp,
    ) -> Result<Self, AllocError> {
        let n = n.max(1);
        let mut locks = std::vec::Vec::new();
        may_allocate(gfp)?;
        locks.try_reserve_exact(n).map_err(|_| AllocError)?;
        locks.extend((0..n).map(|i| Mutex::new(init(i))));
        Ok(Self(locks.into_boxed_slice()))
    }

    /// How many locks there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: there is at least one lock.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes lock `i % len` and returns its guard. Spins (here: blocks) while another holder
    /// has it; such a wait is counted (see [`lock_vec_waits`]).
    pub fn lock(&self, i: usize) -> SpinGuard<'_, T> {
        let lock = &self.0[i % self.0.len().max(1)];
        LOCKS_TAKEN.with(|n| n.set(n.get().wrapping_add(1)));
        let waited = match lock.try_lock() {
            Ok(guard) => Ok(guard),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => Err(()),
        };
        LOCK_VEC_WAITS.with(|w| {
            let (taken, waits) = w.get();
            w.set((
                taken.wrapping_add(1),
                waits.wrapping_add(u64::from(waited.is_err())),
            ));
        });
        match waited {
            Ok(guard) => guard,
            Err(()) => lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }
}

std::thread_local! {
    /// [`SpinLockVec`] locks this thread has taken, and how many of them another thread held at
    /// that moment (see [`lock_vec_waits`]).
    static LOCK_VEC_WAITS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// (taken, waited): the [`SpinLockVec`] locks this thread has taken so far, and how many of those
/// it found held by another thread and waited for. Host only: what a benchmark reads to see how
/// often its threads wait for one another, whatever the host's load does to its timings. Per
/// thread, so that counting shares no cache line between threads.
pub fn lock_vec_waits() -> (u64, u64) {
    LOCK_VEC_WAITS.with(Cell::get)
}

/// A value created at most once, on first use, and then shared read-only until the slot is
/// dropped. Readers never lock.
pub struct OnceSlot<T> {
    /// Null, or a pointer from `Box::into_raw` that this slot owns.
    value: AtomicPtr<T>,
}

impl<T> OnceSlot<T> {
    /// An empty slot; allocates nothing.
    pub const fn new() -> Self {
        Self {
            value: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The value, if it was created.
    pub fn get(&self) -> Option<&T> {
        let p = self.value.load(Ordering::Acquire);
        // SAFETY: `p` is null or came from `Box::into_raw` and is owned by this slot, which frees
        // it only in `drop`, so it lives as long as `&self`. The value is never mutated through
        // the slot.
        unsafe { p.as_ref() }
    }

    /// The value, created by `make` first if the slot is empty. When two callers race, one value
    /// wins and the other is dropped.
    pub fn get_or_try_init(
        &self,
        make: impl FnOnce() -> Result<T, AllocError>,
        gfp: Gfp,
    ) -> Result<&T, AllocError> {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let value = make()?;
        may_allocate(gfp)?;
        let new = Box::into_raw(Box::new(value));
        match self
            .value
            .compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire)
        {
            // SAFETY: `new` is now owned by the slot; see `get`.
            Ok(_) => Ok(unsafe { &*new }),
            Err(winner) => {
                // SAFETY: `new` came from `Box::into_raw` above and was not published.
                drop(unsafe { Box::from_raw(new) });
                // SAFETY: `winner` is non-null (the exchange failed) and owned by the slot.
                Ok(unsafe { &*winner })
            }
        }
    }
}

impl<T> Default for OnceSlot<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for OnceSlot<T> {
    fn drop(&mut self) {
        let p = *self.value.get_mut();
        if !p.is_null() {
            // SAFETY: `p` came from `Box::into_raw` and the slot owns it; nobody borrows it now.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

// SAFETY: the slot owns a `T` (like `Box<T>`) and hands out `&T` to every thread.
unsafe impl<T: Send + Sync> Sync for OnceSlot<T> {}
// SAFETY: as `Box<T>`.
unsafe impl<T: Send> Send for OnceSlot<T> {}

/// HMAC-SHA256 under one key: the kernel's `hmac(sha256)` transform, here the `hmac` crate.
pub struct Hmac(hmac::Hmac<sha2::Sha256>);

impl Hmac {
    /// A MAC keyed with `key` (any length, as HMAC allows). In the kernel this allocates a
    /// transform and may sleep: callers keep it to process context, as there.
    pub fn new(key: &[u8]) -> Result<Hmac, CryptoError> {
        use hmac::Mac;
        hmac::Hmac::new_from_slice(key)
            .map(Hmac)
            .map_err(|_| CryptoError)
    }

    /// The MAC of the concatenation of `parts` (at most [`MAC_MAX_PARTS`], as in the kernel).
    pub fn mac(&self, parts: &[&[u8]]) -> Result<[u8; MAC_LEN], CryptoError> {
        use hmac::Mac;
        if parts.len() > MAC_MAX_PARTS {
            return Err(CryptoError);
        }
        let mut m = self.0.clone();
        for part in parts {
            m.update(part);
        }
        Ok(m.finalize().into_bytes().into())
    }
}

/// AES-256 in counter mode under one key (the kernel's `ctr(aes)`; here RustCrypto's).
pub struct Cipher([u8; super::CIPHER_KEY_LEN]);

impl Cipher {
    /// A cipher keyed with `key`.
    pub fn new(key: &[u8; super::CIPHER_KEY_LEN]) -> Result<Cipher, CryptoError> {
        Ok(Cipher(*key))
    }

    /// XORs `data` with the keystream from counter block `iv` (encrypts or decrypts in place):
    /// the whole 16-byte block is a big-endian counter, as the kernel's `ctr(aes)` has it.
    pub fn apply(
        &self,
        iv: &[u8; super::CIPHER_IV_LEN],
        data: &mut [u8],
    ) -> Result<(), CryptoError> {
        use aes::cipher::{KeyIvInit, StreamCipher};
        let mut ctr = ctr::Ctr128BE::<aes::Aes256>::new(&self.0.into(), iv.into());
        ctr.try_apply_keystream(data).map_err(|_| CryptoError)
    }
}

/// Fills `out` with random bytes (the kernel's `get_random_bytes`; here the OS's generator).
pub fn random_bytes(out: &mut [u8]) {
    use std::io::Read;
    let filled = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(out));
    // The host build only runs tests and tools, on a machine that has /dev/urandom.
    filled.expect("reading /dev/urandom");
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths (`crypto_memneq`).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    core::hint::black_box(diff) == 0
}
