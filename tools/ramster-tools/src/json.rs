// SPDX-License-Identifier: GPL-2.0

//! The little JSON that `status --json` writes: strings, numbers, null, flat objects.

/// `text` as a JSON string literal.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string, or `null`.
pub fn string_or_null(value: &Option<String>) -> String {
    value.as_deref().map_or_else(|| "null".to_string(), string)
}

/// A decimal number as a JSON number; anything else (or nothing) as `null`.
pub fn number_or_null(value: &Option<String>) -> String {
    match value.as_deref().and_then(|v| v.parse::<u64>().ok()) {
        Some(n) => n.to_string(),
        None => "null".to_string(),
    }
}

/// An object of already-encoded values.
pub fn object(fields: &[(&str, String)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("{}:{value}", string(key)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_strings() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn numbers_and_nulls() {
        assert_eq!(number_or_null(&Some("42".to_string())), "42");
        assert_eq!(number_or_null(&Some("x".to_string())), "null");
        assert_eq!(number_or_null(&None), "null");
        assert_eq!(string_or_null(&None), "null");
    }

    #[test]
    fn objects() {
        let o = object(&[("a", "1".to_string()), ("b", string("x"))]);
        assert_eq!(o, "{\"a\":1,\"b\":\"x\"}");
    }
}
