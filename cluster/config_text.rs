// SPDX-License-Identifier: GPL-2.0

//! Strict parsing of the text written to configfs attributes, and how values are shown.
//!
//! A write may end in one newline (as `echo` adds); anything else around the value is refused.
//! Numbers are plain decimal: no sign, no spaces, no `0x`, and no leading zeros (o2nm parsed
//! with base 0, so `010` meant 8; here it is an error). IPv4 addresses are exactly four such
//! numbers from 0 to 255 joined by dots.

use core::fmt;

/// Why a written text is not a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextError {
    /// Nothing was written (or only a newline).
    Empty,
    /// A byte that is not a decimal digit.
    NotDecimal,
    /// A number with a leading zero.
    LeadingZero,
    /// A number above `u64::MAX`.
    TooLarge,
    /// Not four dot-separated numbers from 0 to 255.
    NotIpv4,
    /// Neither `0` nor `1`.
    NotBool,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextError::Empty => "empty value",
            TextError::NotDecimal => "not a decimal number",
            TextError::LeadingZero => "leading zeros are not allowed",
            TextError::TooLarge => "number too large",
            TextError::NotIpv4 => "not an IPv4 address a.b.c.d with each part 0..=255",
            TextError::NotBool => "not 0 or 1",
        })
    }
}

/// `text` without one trailing newline.
pub fn trim_newline(text: &[u8]) -> &[u8] {
    text.strip_suffix(b"\n").unwrap_or(text)
}

/// A plain decimal number (after [`trim_newline`]).
pub fn parse_decimal(text: &[u8]) -> Result<u64, TextError> {
    let digits = trim_newline(text);
    if digits.is_empty() {
        return Err(TextError::Empty);
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(TextError::NotDecimal);
    }
    if digits.len() > 1 && digits.first() == Some(&b'0') {
        return Err(TextError::LeadingZero);
    }
    digits.iter().try_fold(0u64, |value, digit| {
        value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(digit.saturating_sub(b'0'))))
            .ok_or(TextError::TooLarge)
    })
}

/// `0` or `1` (after [`trim_newline`]).
pub fn parse_bool(text: &[u8]) -> Result<bool, TextError> {
    match trim_newline(text) {
        b"0" => Ok(false),
        b"1" => Ok(true),
        b"" => Err(TextError::Empty),
        _ => Err(TextError::NotBool),
    }
}

/// A dotted-quad IPv4 address (after [`trim_newline`]).
pub fn parse_ipv4(text: &[u8]) -> Result<[u8; 4], TextError> {
    let text = trim_newline(text);
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    let mut octets = [0u8; 4];
    let mut parts = text.split(|b| *b == b'.');
    for octet in octets.iter_mut() {
        let part = parts.next().ok_or(TextError::NotIpv4)?;
        let value = parse_decimal(part).map_err(|_| TextError::NotIpv4)?;
        *octet = u8::try_from(value).map_err(|_| TextError::NotIpv4)?;
    }
    match parts.next() {
        Some(_) => Err(TextError::NotIpv4),
        None => Ok(octets),
    }
}

/// An attribute's value as a read shows it (the glue adds the newline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Never written: shows as an empty line.
    Unset,
    /// A number.
    Number(u64),
    /// An IPv4 address.
    Ipv4([u8; 4]),
    /// `0` or `1`.
    Bool(bool),
    /// A word such as a link state.
    Word(&'static str),
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Unset => Ok(()),
            Shown::Number(n) => write!(f, "{n}"),
            Shown::Ipv4([a, b, c, d]) => write!(f, "{a}.{b}.{c}.{d}"),
            Shown::Bool(b) => f.write_str(if *b { "1" } else { "0" }),
            Shown::Word(w) => f.write_str(w),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal(b"0\n"), Ok(0));
        assert_eq!(parse_decimal(b"65535"), Ok(65535));
        assert_eq!(parse_decimal(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_decimal(b"18446744073709551616"),
            Err(TextError::TooLarge)
        );
        assert_eq!(parse_decimal(b""), Err(TextError::Empty));
        assert_eq!(parse_decimal(b"\n"), Err(TextError::Empty));
        assert_eq!(parse_decimal(b"\n\n"), Err(TextError::NotDecimal));
        assert_eq!(parse_decimal(b"010"), Err(TextError::LeadingZero));
        for bad in [&b"-1"[..], b"+1", b" 1", b"1 ", b"0x10", b"1\r\n"] {
            assert_eq!(parse_decimal(bad), Err(TextError::NotDecimal), "{bad:?}");
        }
    }

    #[test]
    fn bools() {
        assert_eq!(parse_bool(b"1\n"), Ok(true));
        assert_eq!(parse_bool(b"0"), Ok(false));
        assert_eq!(parse_bool(b"yes"), Err(TextError::NotBool));
        assert_eq!(parse_bool(b"\n"), Err(TextError::Empty));
    }

    #[test]
    fn ipv4_addresses() {
        assert_eq!(parse_ipv4(b"169.254.0.1\n"), Ok([169, 254, 0, 1]));
        assert_eq!(parse_ipv4(b"0.0.0.0"), Ok([0; 4]));
        for bad in [
            &b"1.2.3"[..],
            b"1.2.3.4.5",
            b"1.2.3.256",
            b"1.2.3.04",
            b"1..3.4",
            b"1.2.3.4 ",
            b"a.b.c.d",
            b"::1",
            b"",
        ] {
            assert!(parse_ipv4(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn shown_values() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(Shown::Unset.to_string(), "");
        assert_eq!(Shown::Number(7).to_string(), "7");
        assert_eq!(Shown::Ipv4([10, 0, 0, 1]).to_string(), "10.0.0.1");
        assert_eq!(Shown::Bool(true).to_string(), "1");
        assert_eq!(Shown::Word("up").to_string(), "up");
    }
}
