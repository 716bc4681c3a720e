// SPDX-License-Identifier: GPL-2.0

//! The owner's keyed tag of each page it keeps on a peer: the end-to-end check of remote gets.
//!
//! The frame MAC proves which node sent a reply, not that the reply holds the page that was
//! stored: a peer that holds the cluster key could still answer a get with another page, an
//! older version of it, or bytes of its choice (with a matching CRC-32C, which only catches
//! accidents). So when a page leaves, its owner computes a tag of it under a key that only the
//! owner has (random, made when RAMster mode starts, never sent), and keeps the tag in the
//! page's remote descriptor. A get checks the reply against it before decompressing; a reply
//! that does not match is refused and counted (a swap page then comes from the swap device, a
//! cleancache page is a miss).
//!
//! Tag: the first 8 bytes of HMAC-SHA256(owner key, node || kind || pool || oid || index ||
//! compressed page). The compressed bytes are what travels, so an older version of the page
//! (other contents), another page (other key or contents) or altered bytes all fail; 8 bytes
//! keep the descriptor small, and a peer gets one guess per get at 2^-64.

use super::super::zbud::ZbudKind;
use crate::cluster::node_num::NodeNum;
use crate::os::{random_bytes, CryptoError, Hmac};
use crate::tmem::key::{Oid, PageIndex, PoolId};

/// A page's tag.
pub type PageTag = u64;

/// The owner's key.
pub struct PageTagKey(Hmac);

/// What a tag covers besides the compressed bytes: where the page lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaggedPage {
    /// The peer that keeps it.
    pub node: NodeNum,
    /// Its kind.
    pub kind: ZbudKind,
    /// The owner's pool.
    pub pool: PoolId,
    /// Its object.
    pub oid: Oid,
    /// Its index.
    pub index: PageIndex,
}

impl PageTagKey {
    /// A new random key (process context: the kernel allocates a transform).
    pub fn generate() -> Result<PageTagKey, CryptoError> {
        let mut key = [0u8; 32];
        random_bytes(&mut key);
        let mac = Hmac::new(&key);
        crate::cluster::secret::zeroize(&mut key);
        mac.map(PageTagKey)
    }

    /// The tag of compressed page `zpage` at `page`.
    pub fn tag(&self, page: &TaggedPage, zpage: &[u8]) -> Result<PageTag, CryptoError> {
        let kind = match page.kind {
            ZbudKind::Ephemeral => 0u8,
            ZbudKind::Persistent => 1u8,
        };
        let o = &page.oid.0;
        let mac = self.0.mac(&[
            &[page.node.get(), kind],
            &page.pool.0.to_be_bytes(),
            &o[0].to_be_bytes(),
            &o[1].to_be_bytes(),
            &o[2].to_be_bytes(),
            &page.index.to_be_bytes(),
            zpage,
        ])?;
        let mut first = [0u8; 8];
        first.copy_from_slice(&mac[..8]);
        Ok(u64::from_be_bytes(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> TaggedPage {
        TaggedPage {
            node: NodeNum::new(1).unwrap(),
            kind: ZbudKind::Persistent,
            pool: PoolId(0),
            oid: Oid([1, 2, 3]),
            index: 7,
        }
    }

    #[test]
    fn a_tag_changes_with_every_field_and_byte() {
        let key = PageTagKey::generate().unwrap();
        let base = key.tag(&page(), b"compressed").unwrap();
        assert_eq!(base, key.tag(&page(), b"compressed").unwrap());
        let others = [
            TaggedPage {
                node: NodeNum::new(2).unwrap(),
                ..page()
            },
            TaggedPage {
                kind: ZbudKind::Ephemeral,
                ..page()
            },
            TaggedPage {
                pool: PoolId(1),
                ..page()
            },
            TaggedPage {
                oid: Oid([1, 2, 4]),
                ..page()
            },
            TaggedPage { index: 8, ..page() },
        ];
        for other in others {
            assert_ne!(base, key.tag(&other, b"compressed").unwrap(), "{other:?}");
        }
        assert_ne!(base, key.tag(&page(), b"compresseD").unwrap());
        assert_ne!(base, key.tag(&page(), b"compressed ").unwrap());
    }

    #[test]
    fn another_owner_key_gives_another_tag() {
        let a = PageTagKey::generate().unwrap();
        let b = PageTagKey::generate().unwrap();
        assert_ne!(a.tag(&page(), b"x").unwrap(), b.tag(&page(), b"x").unwrap());
    }
}
