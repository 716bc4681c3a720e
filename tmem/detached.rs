// SPDX-License-Identifier: GPL-2.0

//! Pages that have left a pool together (a flushed object, an emptied bucket) and whose
//! descriptors the caller still has to release.
//!
//! Taking a whole object or bucket out of the index is a few pointer moves under the bucket lock;
//! walking it and releasing each descriptor to the store happens afterwards, with no tmem lock
//! held, and allocates nothing (the maps are drained node by node).

use super::key::{Oid, PageIndex};
use super::object::Object;
use crate::os::Map;

/// Detached pages, yielded as (oid, index, descriptor) in key order. Walk it to the end: a
/// descriptor dropped unreleased is memory the store never gets back.
#[must_use = "the detached descriptors must be released to the store"]
pub struct Detached<D> {
    objects: Map<Oid, Object<D>>,
    current: Option<(Oid, Object<D>)>,
    object_count: usize,
    page_count: usize,
}

fn count_pages<D>(object: &Object<D>) -> usize {
    // Not `count()`: with the kernel's overflow checks its `+ 1` is a possible BUG().
    object.pages().fold(0usize, |n, _| n.saturating_add(1))
}

impl<D> Detached<D> {
    /// Nothing detached.
    pub(super) fn new() -> Self {
        Self {
            objects: Map::new(),
            current: None,
            object_count: 0,
            page_count: 0,
        }
    }

    /// Detaches one object.
    pub(super) fn from_object(oid: Oid, object: Object<D>) -> Self {
        Self {
            page_count: count_pages(&object),
            object_count: 1,
            objects: Map::new(),
            current: Some((oid, object)),
        }
    }

    /// Detaches a whole bucket.
    pub(super) fn from_bucket(objects: Map<Oid, Object<D>>) -> Self {
        let mut page_count = 0usize;
        let mut object_count = 0usize;
        for (_, object) in objects.iter() {
            object_count = object_count.saturating_add(1);
            page_count = page_count.saturating_add(count_pages(object));
        }
        Self {
            objects,
            current: None,
            object_count,
            page_count,
        }
    }

    /// How many pages are left to release.
    pub fn len(&self) -> usize {
        self.page_count
    }

    /// Whether every page has been released.
    pub fn is_empty(&self) -> bool {
        self.page_count == 0
    }

    /// How many objects were detached.
    pub fn object_count(&self) -> usize {
        self.object_count
    }
}

impl<D> Iterator for Detached<D> {
    type Item = (Oid, PageIndex, D);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((oid, object)) = &mut self.current {
                if let Some((index, desc)) = object.pop_first() {
                    self.page_count = self.page_count.saturating_sub(1);
                    return Some((*oid, index, desc));
                }
            }
            self.current = Some(self.objects.pop_first()?);
        }
    }
}
