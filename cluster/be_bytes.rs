// SPDX-License-Identifier: GPL-2.0

//! Big-endian integers at fixed offsets of byte slices, without panics.
//!
//! Every reader returns `None` and every writer returns `false` when the field does not fit in
//! the slice, so callers turn a short buffer into their own error instead of an index panic.

/// The `N` bytes at `offset`, if the slice is long enough.
fn field<const N: usize>(bytes: &[u8], offset: usize) -> Option<[u8; N]> {
    let end = offset.checked_add(N)?;
    bytes.get(offset..end)?.try_into().ok()
}

/// Copies `value` to `offset`; `false` if it does not fit.
fn put_field<const N: usize>(bytes: &mut [u8], offset: usize, value: [u8; N]) -> bool {
    let Some(end) = offset.checked_add(N) else {
        return false;
    };
    match bytes.get_mut(offset..end) {
        Some(slot) => {
            slot.copy_from_slice(&value);
            true
        }
        None => false,
    }
}

/// The byte at `offset`.
pub fn read_u8(bytes: &[u8], offset: usize) -> Option<u8> {
    bytes.get(offset).copied()
}

/// The big-endian `u16` at `offset`.
pub fn read_u16(bytes: &[u8], offset: usize) -> Option<u16> {
    field(bytes, offset).map(u16::from_be_bytes)
}

/// The big-endian `u32` at `offset`.
pub fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    field(bytes, offset).map(u32::from_be_bytes)
}

/// The big-endian `u64` at `offset`.
pub fn read_u64(bytes: &[u8], offset: usize) -> Option<u64> {
    field(bytes, offset).map(u64::from_be_bytes)
}

/// Writes one byte at `offset`.
pub fn write_u8(bytes: &mut [u8], offset: usize, value: u8) -> bool {
    put_field(bytes, offset, [value])
}

/// Writes `value` big-endian at `offset`.
pub fn write_u16(bytes: &mut [u8], offset: usize, value: u16) -> bool {
    put_field(bytes, offset, value.to_be_bytes())
}

/// Writes `value` big-endian at `offset`.
pub fn write_u32(bytes: &mut [u8], offset: usize, value: u32) -> bool {
    put_field(bytes, offset, value.to_be_bytes())
}

/// Writes `value` big-endian at `offset`.
pub fn write_u64(bytes: &mut [u8], offset: usize, value: u64) -> bool {
    put_field(bytes, offset, value.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_big_endian() {
        let bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(read_u8(&bytes, 8), Some(9));
        assert_eq!(read_u16(&bytes, 1), Some(0x0203));
        assert_eq!(read_u32(&bytes, 0), Some(0x0102_0304));
        assert_eq!(read_u64(&bytes, 1), Some(0x0203_0405_0607_0809));
    }

    #[test]
    fn short_slices_and_huge_offsets_give_none() {
        let bytes = [0u8; 4];
        assert_eq!(read_u8(&bytes, 4), None);
        assert_eq!(read_u32(&bytes, 1), None);
        assert_eq!(read_u64(&bytes, 0), None);
        assert_eq!(read_u16(&bytes, usize::MAX), None);
    }

    #[test]
    fn writes_big_endian_and_refuses_what_does_not_fit() {
        let mut bytes = [0u8; 8];
        assert!(write_u16(&mut bytes, 0, 0xabcd));
        assert!(write_u32(&mut bytes, 2, 0x0102_0304));
        assert!(write_u8(&mut bytes, 7, 0xff));
        assert_eq!(bytes, [0xab, 0xcd, 1, 2, 3, 4, 0, 0xff]);
        assert!(!write_u64(&mut bytes, 1, 0));
        assert!(!write_u32(&mut bytes, usize::MAX, 0));
        assert_eq!(bytes, [0xab, 0xcd, 1, 2, 3, 4, 0, 0xff]);
    }
}
