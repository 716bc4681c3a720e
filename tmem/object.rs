// SPDX-License-Identifier: GPL-2.0

//! A tmem object: the pages stored under one oid, by page index.
//!
//! The original kept a radix tree of 64-slot objnodes per object; here it is an ordered map
//! (the kernel's rbtree), one node per stored page, allocated with the store's [`Gfp`] and never
//! while it could sleep. An object exists only while it holds at least one page.

use super::key::PageIndex;
use crate::os::{Gfp, Map, Step};

/// The pages of one object: page index -> the store's descriptor of the stored page.
pub struct Object<D> {
    pages: Map<PageIndex, D>,
}

impl<D> Object<D> {
    /// An object with no pages; allocates nothing.
    pub fn new() -> Self {
        Self { pages: Map::new() }
    }

    /// Whether the object holds no page (and so should leave its bucket).
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The descriptor of page `index`.
    pub fn page(&self, index: PageIndex) -> Option<&D> {
        self.pages.get(&index)
    }

    /// The descriptor of page `index`, to change in place.
    pub fn page_mut(&mut self, index: PageIndex) -> Option<&mut D> {
        self.pages.get_mut(&index)
    }

    /// Stores `desc` as page `index`; returns the descriptor it replaces. Adding a page may fail
    /// to allocate: then `desc` comes back in `Err` and the object is unchanged.
    pub fn insert(&mut self, index: PageIndex, desc: D, gfp: Gfp) -> Result<Option<D>, D> {
        self.pages.try_insert(index, desc, gfp)
    }

    /// Removes page `index` and returns its descriptor.
    pub fn remove(&mut self, index: PageIndex) -> Option<D> {
        self.pages.remove(&index)
    }

    /// Removes the page with the lowest index, to drain the object without allocating.
    pub fn pop_first(&mut self) -> Option<(PageIndex, D)> {
        self.pages.pop_first()
    }

    /// Visits the pages from index `from` on, in index order, until `step` says [`Step::Stop`];
    /// a page for which it says [`Step::Remove`] is dropped.
    pub fn walk_from(&mut self, from: PageIndex, mut step: impl FnMut(PageIndex, &mut D) -> Step) {
        self.pages
            .walk_from(&from, |index, desc| step(*index, desc));
    }

    /// The pages in index order.
    pub fn pages(&self) -> impl Iterator<Item = (&PageIndex, &D)> {
        self.pages.iter()
    }
}

impl<D> Default for Object<D> {
    fn default() -> Self {
        Self::new()
    }
}
