// SPDX-License-Identifier: GPL-2.0

//! CRC-32C (Castagnoli), the checksum of compressed pages on the wire.
//!
//! The standard parameters: reflected polynomial 0x82f63b78, initial value and final XOR
//! 0xffffffff; the check value of `b"123456789"` is 0xe3069283. Table-driven, one byte a step,
//! with a 1 KiB table built at compile time.

const POLYNOMIAL: u32 = 0x82f6_3b78;

const TABLE: [u32; 256] = build_table();

const fn build_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLYNOMIAL
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[byte] = crc;
        byte += 1;
    }
    table
}

/// The CRC-32C of `data`.
pub fn crc32c(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, byte| {
        // The index is masked to 0..=255, so the lookup never fails.
        let index = ((crc ^ u32::from(*byte)) & 0xff) as usize;
        (crc >> 8) ^ TABLE.get(index).copied().unwrap_or(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_check_values() {
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc32c(b""), 0);
        assert_eq!(crc32c(&[0u8; 32]), 0x8a91_36aa);
    }
}
