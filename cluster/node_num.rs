// SPDX-License-Identifier: GPL-2.0

//! Node numbers: 0 to 254, as ocfs2's o2nm allows (255 nodes, 255 itself means "none").

use core::fmt;

/// A valid node number, 0..=254.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeNum(u8);

impl NodeNum {
    /// The highest valid node number.
    pub const MAX: u8 = 254;
    /// How many node numbers exist.
    pub const COUNT: usize = 255;
    /// Node 0.
    pub const FIRST: NodeNum = NodeNum(0);

    /// `value` as a node number, if it is one.
    pub const fn new(value: u8) -> Option<NodeNum> {
        if value <= Self::MAX {
            Some(NodeNum(value))
        } else {
            None
        }
    }

    /// The number as a byte (as on the wire).
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The number as a table index, always below [`NodeNum::COUNT`].
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_0_to_254_only() {
        assert_eq!(NodeNum::new(0).map(NodeNum::get), Some(0));
        assert_eq!(NodeNum::new(254).map(NodeNum::index), Some(254));
        assert_eq!(NodeNum::new(255), None);
    }
}
