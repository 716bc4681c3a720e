// SPDX-License-Identifier: GPL-2.0

//! [`BufWriter`]: `core::fmt` formatting into a fixed byte buffer (a sysfs or debugfs page, a
//! file name, one line of `peer_stat`), failing instead of growing when the buffer is full.
//! Shared by the module and the host library.

use core::fmt;

/// Formats into a byte buffer, failing when it is full.
pub(crate) struct BufWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> BufWriter<'a> {
    /// An empty writer over `buf`.
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// The bytes written as a C return value (a byte count).
    pub(crate) fn written(&self) -> isize {
        isize::try_from(self.len).unwrap_or(0)
    }

    /// How many bytes were written.
    pub(crate) fn len_written(&self) -> usize {
        self.len
    }
}

impl fmt::Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn writes_until_full_then_fails_keeping_what_fit() {
        let mut buf = [0u8; 8];
        let mut w = BufWriter::new(&mut buf);
        write!(w, "{}-{}", 12, 34).unwrap();
        assert_eq!((w.len_written(), w.written()), (5, 5));
        assert!(write!(w, "6789").is_err());
        assert_eq!(w.len_written(), 5);
        w.write_str("678").unwrap();
        assert_eq!(w.written(), 8);
        assert_eq!(&buf, b"12-34678");
    }
}
