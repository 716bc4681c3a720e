// SPDX-License-Identifier: GPL-2.0

//! The kernel implementation of the OS facade, over the Linux 6.12 `kernel` crate.
//!
//! [`Gfp::NoWait`] is `GFP_NOWAIT | __GFP_NOWARN`: it never sleeps, so it is allowed under a
//! spinlock, and it fails quietly because a failed put is an expected outcome under pressure.
//! [`Gfp::Kernel`] is `GFP_KERNEL`, for setup paths that may sleep.
//!
//! [`Hmac`], [`Cipher`], [`random_bytes`] and [`ct_eq`] go through `shim/crypto.c` to the
//! crypto API's `hmac(sha256)` and `ctr(aes)`, `get_random_bytes` and `crypto_memneq`.

use super::{
    AllocError, CryptoError, Gfp, Step, CIPHER_IV_LEN, CIPHER_KEY_LEN, MAC_LEN, MAC_MAX_PARTS,
};
use core::ffi::{c_int, c_uint, c_ulong, c_void};
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::alloc::{flags, Flags, KBox, KVVec, KVec};
use kernel::init::{pin_init_array_from_fn, InPlaceInit};
use kernel::rbtree::{RBTree, RBTreeNodeReservation};
use kernel::str::CStr;
use kernel::sync::lock::{spinlock::SpinLockBackend, Guard as LockGuard};
use kernel::sync::{LockClassKey, SpinLock};

fn flags_of(gfp: Gfp) -> Flags {
    match gfp {
        Gfp::NoWait => flags::GFP_NOWAIT | flags::__GFP_NOWARN,
        Gfp::Kernel => flags::GFP_KERNEL,
    }
}

/// A growable array whose allocations are fallible.
pub struct Vec<T>(KVec<T>);

impl<T> Vec<T> {
    /// An empty array; allocates nothing.
    pub const fn new() -> Self {
        Self(KVec::new())
    }

    /// An empty array with room for `capacity` elements.
    pub fn with_capacity(capacity: usize, gfp: Gfp) -> Result<Self, AllocError> {
        KVec::with_capacity(capacity, flags_of(gfp))
            .map(Self)
            .map_err(|_| AllocError)
    }

    /// Makes room for `additional` more elements.
    pub fn reserve(&mut self, additional: usize, gfp: Gfp) -> Result<(), AllocError> {
        self.0
            .reserve(additional, flags_of(gfp))
            .map_err(|_| AllocError)
    }

    /// Appends `value`; on failure the array is unchanged and `value` is dropped.
    pub fn push(&mut self, value: T, gfp: Gfp) -> Result<(), AllocError> {
        self.0.push(value, flags_of(gfp)).map_err(|_| AllocError)
    }

    /// The number of elements the array holds without allocating.
    pub fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl<T: Clone> Vec<T> {
    /// An array of `n` copies of `value`.
    pub fn from_elem(value: T, n: usize, gfp: Gfp) -> Result<Self, AllocError> {
        KVec::from_elem(value, n, flags_of(gfp))
            .map(Self)
            .map_err(|_| AllocError)
    }
}

/// A fixed array of `n` elements that may be large: `kvmalloc` (virtually contiguous when no
/// physically contiguous run is free). Made and dropped in process context only.
pub struct BigArray<T>(KVVec<T>);

impl<T: Clone> BigArray<T> {
    /// An array of `n` copies of `value`.
    pub fn from_elem(value: T, n: usize, gfp: Gfp) -> Result<Self, AllocError> {
        KVVec::from_elem(value, n, flags_of(gfp))
            .map(Self)
            .map_err(|_| AllocError)
    }
}

impl<T> Deref for BigArray<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> DerefMut for BigArray<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T> Default for Vec<T> {
    fn default() -> Self {
        Self::new()
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

/// An ordered map (a red-black tree); only inserting a new key allocates, and that may fail.
pub struct Map<K, V>(RBTree<K, V>);

impl<K: Ord, V> Map<K, V> {
    /// An empty map; allocates nothing.
    pub fn new() -> Self {
        Self(RBTree::new())
    }

    /// Whether the map holds no entry.
    pub fn is_empty(&self) -> bool {
        self.0.iter().next().is_none()
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
        let Ok(reservation) = RBTreeNodeReservation::new(flags_of(gfp)) else {
            return Err(value);
        };
        Ok(self
            .0
            .insert(reservation.into_node(key, value))
            .map(|old| old.to_key_value().1))
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.0.remove(key)
    }

    /// Removes and returns the entry with the smallest key; a way to drain without allocating.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        let cursor = self.0.cursor_front()?;
        let (_, node) = cursor.remove_current();
        Some(node.to_key_value())
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
        let mut cursor = self.0.cursor_lower_bound(from);
        while let Some(mut c) = cursor {
            let (key, value) = c.current_mut();
            cursor = match step(key, value) {
                Step::Keep => c.move_next(),
                Step::Remove => c.remove_current().0,
                Step::Stop => return,
            };
        }
    }
}

impl<K: Ord, V> Default for Map<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// The lockdep class of one kind of lock (a name and a static key): make one per use site with
/// [`lock_class!`](crate::os::lock_class), so that lockdep can tell, e.g., a tmem bucket lock from
/// the zbud lock taken inside it.
#[derive(Clone, Copy)]
pub struct LockClass {
    name: &'static CStr,
    key: &'static LockClassKey,
}

impl LockClass {
    /// A class from a name and a static key; use [`lock_class!`](crate::os::lock_class).
    #[doc(hidden)]
    pub const fn new(name: &'static CStr, key: &'static LockClassKey) -> Self {
        Self { name, key }
    }
}

/// A new lockdep class named `$name`, one per place this macro is written.
macro_rules! lock_class {
    ($name:literal) => {
        $crate::os::LockClass::new(::kernel::c_str!($name), ::kernel::static_lock_class!())
    };
}
pub(crate) use lock_class;

extern "C" {
    fn ramster_zc_irq_save() -> c_ulong;
    fn ramster_zc_irq_restore(flags: c_ulong);
    fn ramster_zc_preempt_disable();
    fn ramster_zc_preempt_enable();
    fn ramster_zc_cpu() -> c_uint;
    fn ramster_zc_cond_resched();
}

/// Local interrupts are off on this CPU while it lives (`local_irq_save`), so nothing else runs
/// on it and the task stays on it.
pub struct IrqsOff {
    flags: c_ulong,
    /// Not `Send`: the flags must be restored on the CPU that saved them.
    _not_send: PhantomData<*mut ()>,
}

impl IrqsOff {
    /// Disables local interrupts (saving their state) until the value is dropped.
    pub fn new() -> Self {
        // SAFETY: `ramster_zc_irq_save` only wraps `local_irq_save`; `drop` restores the flags
        // once, on this CPU.
        let flags = unsafe { ramster_zc_irq_save() };
        Self {
            flags,
            _not_send: PhantomData,
        }
    }
}

impl Default for IrqsOff {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for IrqsOff {
    fn drop(&mut self) {
        // SAFETY: restores the flags `new` saved; the value cannot leave this CPU (not `Send`,
        // and with interrupts off the task cannot migrate).
        unsafe { ramster_zc_irq_restore(self.flags) };
    }
}

/// Preemption is off on this CPU while it lives (`preempt_disable`): the task stays on this
/// CPU and no other task runs on it, but interrupts still come. The proof a per-CPU buffer
/// needs when no interrupt handler uses it.
pub struct PreemptOff {
    /// Not `Send`: preemption is enabled again on the CPU that disabled it.
    _not_send: PhantomData<*mut ()>,
}

impl PreemptOff {
    /// Disables preemption until the value is dropped.
    pub fn new() -> Self {
        // SAFETY: `ramster_zc_preempt_disable` only wraps `preempt_disable`; `drop` undoes it
        // once, on this CPU.
        unsafe { ramster_zc_preempt_disable() };
        Self {
            _not_send: PhantomData,
        }
    }

    /// The CPU this runs on; stable while `self` lives.
    pub fn cpu(&self) -> usize {
        // SAFETY: preemption is off (`self` exists), so `smp_processor_id()` is valid.
        unsafe { ramster_zc_cpu() as usize }
    }
}

impl Default for PreemptOff {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for PreemptOff {
    fn drop(&mut self) {
        // SAFETY: undoes the `preempt_disable` of `new`, on the same CPU (not `Send`).
        unsafe { ramster_zc_preempt_enable() };
    }
}

/// Gives the CPU to other tasks if they need it (`cond_resched()`): between the batches of a
/// long walk. Process context only, with no spinlock held and interrupts on.
pub fn cond_resched() {
    // SAFETY: the caller is in a context that may sleep (this function's contract); the kernel
    // checks it with `might_sleep` under CONFIG_DEBUG_ATOMIC_SLEEP.
    unsafe { ramster_zc_cond_resched() };
}

/// The guard of one lock of a [`SpinLockArray`]: the lock is held, and local interrupts are off,
/// until it is dropped.
pub struct SpinGuard<'a, T> {
    // Fields drop in order: the lock is released before interrupts come back on.
    guard: LockGuard<'a, T, SpinLockBackend>,
    _irqs: IrqsOff,
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

/// A heap array of `N` spinlocks, each guarding its own `T`. The locks share one lockdep class,
/// so a thread must never hold two of them at once.
pub struct SpinLockArray<T, const N: usize>(Pin<KBox<[SpinLock<T>; N]>>);

impl<T, const N: usize> SpinLockArray<T, N> {
    const NOT_EMPTY: () = assert!(N > 0, "a lock array needs at least one lock");

    /// Bytes of the array's allocation.
    pub const HEAP_BYTES: usize = N * core::mem::size_of::<SpinLock<T>>();

    /// Allocates the array and fills lock `i` with `init(i)`, in place (the array is never built
    /// on the stack). The locks belong to lockdep class `class`.
    pub fn new(
        mut init: impl FnMut(usize) -> T,
        class: LockClass,
        gfp: Gfp,
    ) -> Result<Self, AllocError> {
        let () = Self::NOT_EMPTY;
        KBox::pin_init(
            pin_init_array_from_fn(|i| SpinLock::new(init(i), class.name, class.key)),
            flags_of(gfp),
        )
        .map(Self)
        .map_err(|_| AllocError)
    }

    /// Disables local interrupts, takes lock `i % N` and returns its guard (as
    /// `spin_lock_irqsave`); spins while another CPU holds it.
    pub fn lock(&self, i: usize) -> SpinGuard<'_, T> {
        let irqs = IrqsOff::new();
        SpinGuard {
            guard: self.0[i % N].lock(),
            _irqs: irqs,
        }
    }
}

/// `n` spinlocks chosen at run time, each guarding its own `T` in its own allocation (so two
/// locks never share a cache line). The locks share one lockdep class, so a thread must never
/// hold two of them at once.
pub struct SpinLockVec<T>(KVec<Pin<KBox<SpinLock<T>>>>);

impl<T> SpinLockVec<T> {
    /// Allocates `n` locks (at least one) and fills lock `i` with `init(i)`, each in place. The
    /// locks belong to lockdep class `class`. On failure nothing is left allocated. Never inlined:
    /// a `T` is built on this frame, and a caller making several arrays of large `T`s (the
    /// store's shards) would otherwise hold them all in one frame.
    #[inline(never)]
    pub fn new(
        n: usize,
        mut init: impl FnMut(usize) -> T,
        class: LockClass,
        gfp: Gfp,
    ) -> Result<Self, AllocError> {
        let n = n.max(1);
        let mut locks = KVec::with_capacity(n, flags_of(gfp)).map_err(|_| AllocError)?;
        for i in 0..n {
            let lock = KBox::pin_init(SpinLock::new(init(i), class.name, class.key), flags_of(gfp))
                .map_err(|_| AllocError)?;
            // Within the capacity reserved above: never allocates.
            locks.push(lock, flags_of(gfp)).map_err(|_| AllocError)?;
        }
        Ok(Self(locks))
    }

    /// How many locks there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: there is at least one lock.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Disables local interrupts, takes lock `i % len` and returns its guard (as
    /// `spin_lock_irqsave`); spins while another CPU holds it.
    pub fn lock(&self, i: usize) -> SpinGuard<'_, T> {
        let irqs = IrqsOff::new();
        let n = self.0.len().max(1);
        SpinGuard {
            guard: self.0[i % n].lock(),
            _irqs: irqs,
        }
    }
}

/// A value created at most once, on first use, and then shared read-only until the slot is
/// dropped. Readers never lock.
pub struct OnceSlot<T> {
    /// Null, or a pointer from `KBox::into_raw` that this slot owns.
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
        // SAFETY: `p` is null or came from `KBox::into_raw` and is owned by this slot, which frees
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
        let boxed = KBox::new(make()?, flags_of(gfp)).map_err(|_| AllocError)?;
        let new = KBox::into_raw(boxed);
        match self
            .value
            .compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire)
        {
            // SAFETY: `new` is now owned by the slot; see `get`.
            Ok(_) => Ok(unsafe { &*new }),
            Err(winner) => {
                // SAFETY: `new` came from `KBox::into_raw` above and was not published.
                drop(unsafe { KBox::from_raw(new) });
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
            // SAFETY: `p` came from `KBox::into_raw` and the slot owns it; nobody borrows it now.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}

// SAFETY: the slot owns a `T` (like `KBox<T>`) and hands out `&T` to every thread.
unsafe impl<T: Send + Sync> Sync for OnceSlot<T> {}
// SAFETY: as `KBox<T>`.
unsafe impl<T: Send> Send for OnceSlot<T> {}

extern "C" {
    fn ramster_hmac_new(key: *const u8, keylen: c_uint, out: *mut *mut c_void) -> c_int;
    fn ramster_hmac_free(tfm: *mut c_void);
    fn ramster_hmac_digest(
        tfm: *mut c_void,
        parts: *const *const u8,
        lens: *const c_uint,
        nparts: c_uint,
        out: *mut u8,
    ) -> c_int;
    fn ramster_ctr_new(key: *const u8, out: *mut *mut c_void) -> c_int;
    fn ramster_ctr_free(tfm: *mut c_void);
    fn ramster_ctr_crypt(tfm: *mut c_void, iv: *const u8, buf: *mut u8, len: c_uint) -> c_int;
    fn ramster_random_bytes(buf: *mut c_void, len: usize);
    fn ramster_memneq(a: *const c_void, b: *const c_void, len: usize) -> c_int;
}

/// HMAC-SHA256 under one key: a keyed `hmac(sha256)` transform of the crypto API.
///
/// [`Hmac::new`] allocates the transform (`GFP_KERNEL`, and it may load a module): process
/// context only, never under a spinlock. [`Hmac::mac`] may be called from any number of threads
/// at once (each digest keeps its state on its own stack; the key is set once, in `new`), in
/// process context, with mutexes held but not under a spinlock. Dropping it frees the transform
/// and wipes the key (process context).
pub struct Hmac {
    /// A transform from `ramster_hmac_new` that this value owns.
    tfm: NonNull<c_void>,
}

// SAFETY: the transform is not tied to a thread: it may be used and freed from any task.
unsafe impl Send for Hmac {}
// SAFETY: after `new` the transform is only read (its key is never set again), and concurrent
// `crypto_shash_digest`s on one shash transform are allowed: their state is in the descriptor.
unsafe impl Sync for Hmac {}

impl Hmac {
    /// A MAC keyed with `key` (any length, as HMAC allows). `Err` when the kernel has no
    /// `hmac(sha256)` or is out of memory. May sleep: process context only.
    pub fn new(key: &[u8]) -> Result<Hmac, CryptoError> {
        let keylen = c_uint::try_from(key.len()).map_err(|_| CryptoError)?;
        let mut tfm = ptr::null_mut();
        // SAFETY: `key` is valid for reads of `keylen` bytes (the transform copies it) and `tfm`
        // is a valid out-pointer; the shim sets it only when it returns 0.
        let ret = unsafe { ramster_hmac_new(key.as_ptr(), keylen, &mut tfm) };
        if ret != 0 {
            return Err(CryptoError);
        }
        NonNull::new(tfm).map(|tfm| Hmac { tfm }).ok_or(CryptoError)
    }

    /// The MAC of the concatenation of `parts` (at most [`MAC_MAX_PARTS`]; more is an error).
    /// Does not allocate; process context (a mutex may be held, a spinlock may not).
    pub fn mac(&self, parts: &[&[u8]]) -> Result<[u8; MAC_LEN], CryptoError> {
        if parts.len() > MAC_MAX_PARTS {
            return Err(CryptoError);
        }
        let mut ptrs = [ptr::null::<u8>(); MAC_MAX_PARTS];
        let mut lens: [c_uint; MAC_MAX_PARTS] = [0; MAC_MAX_PARTS];
        let mut n = 0;
        // Empty parts add nothing and are left out, so that C never sees a dangling pointer.
        for part in parts.iter().filter(|p| !p.is_empty()) {
            let (p, l) = ptrs.get_mut(n).zip(lens.get_mut(n)).ok_or(CryptoError)?;
            *p = part.as_ptr();
            *l = c_uint::try_from(part.len()).map_err(|_| CryptoError)?;
            n += 1;
        }
        let nparts = c_uint::try_from(n).map_err(|_| CryptoError)?;
        let mut out = [0u8; MAC_LEN];
        // SAFETY: `self.tfm` is a live keyed transform; `ptrs[i]` is valid for reads of `lens[i]`
        // bytes for every `i < nparts` (borrowed from `parts` for this call); `out` has room for
        // the MAC_LEN-byte tag (the shim checked the transform's digest size).
        let ret = unsafe {
            ramster_hmac_digest(
                self.tfm.as_ptr(),
                ptrs.as_ptr(),
                lens.as_ptr(),
                nparts,
                out.as_mut_ptr(),
            )
        };
        if ret != 0 {
            return Err(CryptoError);
        }
        Ok(out)
    }
}

impl Drop for Hmac {
    fn drop(&mut self) {
        // SAFETY: the transform came from `ramster_hmac_new` and is owned by `self`; no digest
        // runs on it any more (they all borrow `self`).
        unsafe { ramster_hmac_free(self.tfm.as_ptr()) };
    }
}

/// AES-256 in counter mode under one key: a keyed synchronous `ctr(aes)` transform.
///
/// [`Cipher::new`] allocates it (`GFP_KERNEL`, may load a module): process context only.
/// [`Cipher::apply`] may run on several threads at once (the request and counter are on each
/// caller's stack; the key is set once), does not sleep, and needs its buffer in the linear
/// map (`kmalloc`'d, as a `KVec`'s): any other memory is refused (`CryptoError`). Dropping it
/// frees the transform and wipes the key (process context).
pub struct Cipher {
    /// A transform from `ramster_ctr_new` that this value owns.
    tfm: NonNull<c_void>,
}

// SAFETY: the transform is not tied to a thread: it may be used and freed from any task.
unsafe impl Send for Cipher {}
// SAFETY: after `new` the transform is only read (its key is never set again); each request
// keeps its state on the caller's stack.
unsafe impl Sync for Cipher {}

impl Cipher {
    /// A cipher keyed with `key`. `Err` when the kernel has no `ctr(aes)` or is out of memory.
    pub fn new(key: &[u8; CIPHER_KEY_LEN]) -> Result<Cipher, CryptoError> {
        let mut tfm = ptr::null_mut();
        // SAFETY: `key` is valid for reads of CIPHER_KEY_LEN bytes (the transform copies them)
        // and `tfm` is a valid out-pointer; the shim sets it only when it returns 0.
        let ret = unsafe { ramster_ctr_new(key.as_ptr(), &mut tfm) };
        if ret != 0 {
            return Err(CryptoError);
        }
        NonNull::new(tfm)
            .map(|tfm| Cipher { tfm })
            .ok_or(CryptoError)
    }

    /// XORs `data` with the keystream from counter block `iv` (encrypts or decrypts in place).
    pub fn apply(&self, iv: &[u8; CIPHER_IV_LEN], data: &mut [u8]) -> Result<(), CryptoError> {
        let len = c_uint::try_from(data.len()).map_err(|_| CryptoError)?;
        // SAFETY: `self.tfm` is a live keyed transform; `iv` is valid for reads of 16 bytes and
        // `data` for reads and writes of `len` bytes for this call; the shim refuses memory
        // outside the linear map before building its scatterlist.
        let ret =
            unsafe { ramster_ctr_crypt(self.tfm.as_ptr(), iv.as_ptr(), data.as_mut_ptr(), len) };
        if ret != 0 {
            return Err(CryptoError);
        }
        Ok(())
    }
}

impl Drop for Cipher {
    fn drop(&mut self) {
        // SAFETY: the transform came from `ramster_ctr_new` and is owned by `self`; no request
        // runs on it any more (they all borrow `self`).
        unsafe { ramster_ctr_free(self.tfm.as_ptr()) };
    }
}

/// Fills `out` with random bytes from the kernel's CRNG (`get_random_bytes`); any context.
pub fn random_bytes(out: &mut [u8]) {
    if out.is_empty() {
        return;
    }
    // SAFETY: `out` is valid for writes of `out.len()` bytes.
    unsafe { ramster_random_bytes(out.as_mut_ptr().cast(), out.len()) };
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths (`crypto_memneq`).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.is_empty() {
        return true;
    }
    // SAFETY: `a` and `b` are both valid for reads of `a.len()` bytes.
    unsafe { ramster_memneq(a.as_ptr().cast(), b.as_ptr().cast(), a.len()) == 0 }
}
