// SPDX-License-Identifier: GPL-2.0

//! Cluster and node names: short printable ASCII strings kept in fixed arrays (no allocation).
//!
//! A name is what the administrator gave as a configfs directory name. It is 1 to `CAP` bytes of
//! printable ASCII without spaces or `/`, so it is safe to log, to use as a path component and
//! to put on the wire zero-padded.

use core::fmt;

/// A validated name of at most `CAP` bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BoundedName<const CAP: usize> {
    bytes: [u8; CAP],
    len: usize,
}

/// A cluster name: it travels in the handshake's 56-byte field.
pub type ClusterName = BoundedName<56>;
/// A node name (o2nm's limit: 64 bytes).
pub type NodeName = BoundedName<64>;
/// The description of a key in the kernel keyring, e.g. `ramster:mycluster` (the cluster's
/// `auth_key`).
pub type KeyDescription = BoundedName<64>;

/// Why a name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than the limit (which is given).
    TooLong(usize),
    /// The name holds a byte other than printable ASCII without space and `/`.
    BadByte(u8),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("name is empty"),
            NameError::TooLong(cap) => write!(f, "name is longer than {cap} bytes"),
            NameError::BadByte(b) => write!(
                f,
                "name holds byte {b:#04x}; only printable ASCII without space and '/' is allowed"
            ),
        }
    }
}

impl<const CAP: usize> BoundedName<CAP> {
    /// The longest name.
    pub const CAPACITY: usize = CAP;

    /// A placeholder of no bytes, for a value built before its name is known; [`Self::new`]
    /// never returns it.
    pub(crate) const EMPTY: Self = BoundedName {
        bytes: [0; CAP],
        len: 0,
    };

    /// `text` as a name, if it is a valid one.
    pub fn new(text: &[u8]) -> Result<Self, NameError> {
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if let Some(bad) = text.iter().find(|b| !b.is_ascii_graphic() || **b == b'/') {
            return Err(NameError::BadByte(*bad));
        }
        let mut bytes = [0u8; CAP];
        bytes
            .get_mut(..text.len())
            .ok_or(NameError::TooLong(CAP))?
            .copy_from_slice(text);
        Ok(BoundedName {
            bytes,
            len: text.len(),
        })
    }

    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    /// The name zero-padded to `CAP` bytes, as on the wire.
    pub fn padded(&self) -> &[u8; CAP] {
        &self.bytes
    }

    /// The name in a `CAP`-byte zero-padded field, which must have only zeros after the name.
    pub fn from_padded(field: &[u8]) -> Result<Self, NameError> {
        let len = field.iter().position(|b| *b == 0).unwrap_or(field.len());
        let (name, padding) = field.split_at(len);
        if let Some(bad) = padding.iter().find(|b| **b != 0) {
            return Err(NameError::BadByte(*bad));
        }
        Self::new(name)
    }

    /// The name as text (always valid: names are ASCII).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or("")
    }
}

impl<const CAP: usize> fmt::Display for BoundedName<CAP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const CAP: usize> fmt::Debug for BoundedName<CAP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_printable_names_up_to_the_limit() {
        let name = ClusterName::new(b"ramster").unwrap();
        assert_eq!(name.as_str(), "ramster");
        assert_eq!(&name.padded()[..8], b"ramster\0");
        assert!(ClusterName::new(&[b'a'; 56]).is_ok());
    }

    #[test]
    fn refuses_empty_long_and_odd_names() {
        assert_eq!(ClusterName::new(b""), Err(NameError::Empty));
        assert_eq!(ClusterName::new(&[b'a'; 57]), Err(NameError::TooLong(56)));
        assert_eq!(NodeName::new(b"a/b"), Err(NameError::BadByte(b'/')));
        assert_eq!(NodeName::new(b"a b"), Err(NameError::BadByte(b' ')));
        assert_eq!(NodeName::new(b"a\n"), Err(NameError::BadByte(b'\n')));
    }

    #[test]
    fn padded_fields_need_zero_padding() {
        let mut field = [0u8; 56];
        field[..3].copy_from_slice(b"abc");
        assert_eq!(ClusterName::from_padded(&field).unwrap().as_str(), "abc");
        field[10] = b'x';
        assert_eq!(
            ClusterName::from_padded(&field),
            Err(NameError::BadByte(b'x'))
        );
        assert_eq!(ClusterName::from_padded(&[0u8; 56]), Err(NameError::Empty));
    }
}
