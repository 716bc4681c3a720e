// SPDX-License-Identifier: GPL-2.0

//! The module parameters of ramster.ko: their names, allowed values, parsing and validation.
//!
//! Pure `core` logic, compiled both into the module and into the host library where cargo tests
//! it. The C shim (`shim/params.c`) declares the parameters, and `params_ffi.rs` connects its
//! callbacks to [`Config::set`] and [`Config::show`].
//!
//! Every value is matched exactly (after dropping one trailing newline, as sysfs writes carry):
//! a value that is not listed is rejected and leaves the configuration as it was.

use core::fmt;

/// What the module does once loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Load, register nothing.
    Off,
    /// Local compressed cache for clean file pages and swap.
    Zcache,
    /// zcache whose pages also move to the RAM of a peer node.
    Ramster,
}

/// Which LZ4 implementation compresses pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compressor {
    /// The lz4_flex crate, in Rust.
    Lz4Flex,
    /// The kernel's own C LZ4 (lib/lz4), for comparison.
    Lz4C,
}

/// One module parameter. The discriminants are the ids the C shim passes in `kernel_param.arg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Param {
    /// `mode=ramster|zcache|off`.
    Mode = 0,
    /// `cleancache=` boolean.
    Cleancache = 1,
    /// `frontswap=` boolean.
    Frontswap = 2,
    /// `compressor=lz4_flex|lz4-c`.
    Compressor = 3,
    /// `test_messages=` boolean.
    TestMessages = 4,
    /// `zbud_shards=auto|1..64`.
    ZbudShards = 5,
}

/// The most zbud shards `zbud_shards=` accepts (the store's most).
pub(crate) const MAX_ZBUD_SHARDS: u8 = crate::zcache::shards::MAX_SHARDS as u8;

const MODE_NAMES: [(Mode, &str); 3] = [
    (Mode::Ramster, "ramster"),
    (Mode::Zcache, "zcache"),
    (Mode::Off, "off"),
];

const COMPRESSOR_NAMES: [(Compressor, &str); 2] = [
    (Compressor::Lz4Flex, "lz4_flex"),
    (Compressor::Lz4C, "lz4-c"),
];

const TRUE_WORDS: [&str; 6] = ["y", "Y", "1", "on", "yes", "true"];
const FALSE_WORDS: [&str; 6] = ["n", "N", "0", "off", "no", "false"];

impl Param {
    /// Every parameter, in the order `modinfo` lists them.
    pub(crate) const ALL: [Param; 6] = [
        Param::Mode,
        Param::Cleancache,
        Param::Frontswap,
        Param::Compressor,
        Param::TestMessages,
        Param::ZbudShards,
    ];

    /// The parameter with the C shim's id `id`, if there is one.
    pub(crate) fn from_id(id: u32) -> Option<Param> {
        Self::ALL.into_iter().find(|p| *p as u32 == id)
    }

    /// The parameter's name, as in `ramster.<name>=` and /sys/module/ramster/parameters/<name>.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Param::Mode => "mode",
            Param::Cleancache => "cleancache",
            Param::Frontswap => "frontswap",
            Param::Compressor => "compressor",
            Param::TestMessages => "test_messages",
            Param::ZbudShards => "zbud_shards",
        }
    }

    /// Whether the parameter is a boolean (given without `=value`, it means "on").
    pub(crate) fn is_bool(self) -> bool {
        matches!(
            self,
            Param::Cleancache | Param::Frontswap | Param::TestMessages
        )
    }

    /// The allowed values, as error messages list them.
    pub(crate) fn allowed(self) -> &'static str {
        match self {
            Param::Mode => "ramster, zcache, off",
            Param::Cleancache | Param::Frontswap | Param::TestMessages => {
                "y, n, 1, 0, on, off, yes, no, true, false"
            }
            Param::Compressor => "lz4_flex, lz4-c",
            Param::ZbudShards => "auto, 1 to 64",
        }
    }
}

/// The whole configuration the parameters describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Config {
    /// `mode=`.
    pub(crate) mode: Mode,
    /// `cleancache=`: act as the cleancache backend.
    pub(crate) cleancache: bool,
    /// `frontswap=`: act as the frontswap backend.
    pub(crate) frontswap: bool,
    /// `compressor=`.
    pub(crate) compressor: Compressor,
    /// `test_messages=`: register the cluster's test message types (echo, sink) and make the
    /// test-only debugfs files (`cluster_selftest`, `remote_get_bench`, `inject_wrong_pages`,
    /// `zcache/codec_bench`, `zcache/inject_corrupt_gets`).
    pub(crate) test_messages: bool,
    /// `zbud_shards=`: how many shards the store's frames are in (each with its own locks);
    /// 0 is `auto`, the number of possible CPUs rounded up to a power of two, at most 64.
    pub(crate) zbud_shards: u8,
}

impl Config {
    /// The configuration of a module loaded without parameters.
    pub(crate) const DEFAULT: Config = Config {
        mode: Mode::Zcache,
        cleancache: true,
        frontswap: true,
        compressor: Compressor::Lz4Flex,
        test_messages: false,
        zbud_shards: 0,
    };
}

impl Default for Config {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A value a parameter does not accept.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParamError<'a> {
    /// The parameter being set.
    pub(crate) param: Param,
    /// The rejected value; `None` when the parameter was given without `=`.
    pub(crate) value: Option<&'a [u8]>,
}

impl fmt::Display for ParamError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Some(v) => write!(f, "invalid value \"{}\"", Escaped(v))?,
            None => f.write_str("missing value")?,
        }
        write!(
            f,
            " for parameter {}; allowed values: {}",
            self.param.name(),
            self.param.allowed()
        )
    }
}

/// Shows untrusted bytes safely in a log line: printable ASCII as is, the rest as `\xNN`,
/// at most 64 bytes.
struct Escaped<'a>(&'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 64;
        for &b in self.0.iter().take(MAX) {
            if b.is_ascii_graphic() || b == b' ' {
                if b == b'"' || b == b'\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        if self.0.len() > MAX {
            f.write_str("...")?;
        }
        Ok(())
    }
}

fn lookup<T: Copy>(table: &[(T, &str)], word: &[u8]) -> Option<T> {
    table
        .iter()
        .find(|(_, name)| name.as_bytes() == word)
        .map(|(value, _)| *value)
}

fn name_of<T: Copy + PartialEq>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or("?", |(_, name)| name)
}

/// `auto` (0), or a shard count from 1 to [`MAX_ZBUD_SHARDS`] in plain decimal digits.
fn parse_shards(word: &[u8]) -> Option<u8> {
    if word == b"auto" {
        return Some(0);
    }
    if word.is_empty() || word.len() > 2 || !word.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = word
        .iter()
        .fold(0u8, |n, d| n.saturating_mul(10).saturating_add(d - b'0'));
    (1..=MAX_ZBUD_SHARDS).contains(&n).then_some(n)
}

fn parse_bool(word: &[u8]) -> Option<bool> {
    let is = |words: &[&str]| words.iter().any(|w| w.as_bytes() == word);
    if is(&TRUE_WORDS) {
        Some(true)
    } else if is(&FALSE_WORDS) {
        Some(false)
    } else {
        None
    }
}

impl Config {
    /// Sets `param` from the value the kernel passes (`None` when given without `=`).
    ///
    /// On error `self` is unchanged. A boolean given without a value means "on", as for the
    /// kernel's own bool parameters.
    pub(crate) fn set<'a>(
        &mut self,
        param: Param,
        value: Option<&'a [u8]>,
    ) -> Result<(), ParamError<'a>> {
        let err = ParamError { param, value };
        let word = match value {
            Some(v) => v.strip_suffix(b"\n").unwrap_or(v),
            None if param.is_bool() => b"y",
            None => return Err(err),
        };
        match param {
            Param::Mode => self.mode = lookup(&MODE_NAMES, word).ok_or(err)?,
            Param::Compressor => self.compressor = lookup(&COMPRESSOR_NAMES, word).ok_or(err)?,
            Param::Cleancache => self.cleancache = parse_bool(word).ok_or(err)?,
            Param::Frontswap => self.frontswap = parse_bool(word).ok_or(err)?,
            Param::TestMessages => self.test_messages = parse_bool(word).ok_or(err)?,
            Param::ZbudShards => self.zbud_shards = parse_shards(word).ok_or(err)?,
        }
        Ok(())
    }

    /// The current value of `param` as /sys/module/ramster/parameters shows it (bools as Y/N).
    pub(crate) fn show(&self, param: Param) -> Shown {
        let yes_no = |b: bool| Shown::Word(if b { "Y" } else { "N" });
        match param {
            Param::Mode => Shown::Word(name_of(&MODE_NAMES, self.mode)),
            Param::Compressor => Shown::Word(name_of(&COMPRESSOR_NAMES, self.compressor)),
            Param::Cleancache => yes_no(self.cleancache),
            Param::Frontswap => yes_no(self.frontswap),
            Param::TestMessages => yes_no(self.test_messages),
            Param::ZbudShards => match self.zbud_shards {
                0 => Shown::Word("auto"),
                n => Shown::Number(n),
            },
        }
    }

    /// How many zbud shards the store gets on a machine of `cpus` possible CPUs: the
    /// parameter's value, or for `auto` the CPU count rounded up to a power of two, at most
    /// [`MAX_ZBUD_SHARDS`].
    pub(crate) fn zbud_shards_for(&self, cpus: usize) -> usize {
        match self.zbud_shards {
            0 => crate::zcache::shards::default_shards(cpus),
            n => usize::from(n),
        }
    }

    /// Packs the configuration into one word, so the kernel can keep it in an atomic.
    pub(crate) const fn encode(&self) -> u32 {
        let mode = match self.mode {
            Mode::Off => 0,
            Mode::Zcache => 1,
            Mode::Ramster => 2,
        };
        let compressor = match self.compressor {
            Compressor::Lz4Flex => 0,
            Compressor::Lz4C => 1,
        };
        mode | (self.cleancache as u32) << 4
            | (self.frontswap as u32) << 5
            | (self.test_messages as u32) << 6
            | compressor << 8
            | (self.zbud_shards as u32) << 12
    }

    /// Unpacks a word made by [`Config::encode`]; `None` for any other word.
    pub(crate) fn decode(word: u32) -> Option<Config> {
        let mode = match word & 0xf {
            0 => Mode::Off,
            1 => Mode::Zcache,
            2 => Mode::Ramster,
            _ => return None,
        };
        let compressor = match (word >> 8) & 0xf {
            0 => Compressor::Lz4Flex,
            1 => Compressor::Lz4C,
            _ => return None,
        };
        if word & !0xff_ff7f != 0 {
            return None;
        }
        let zbud_shards = u8::try_from(word >> 12).ok()?;
        if zbud_shards > MAX_ZBUD_SHARDS {
            return None;
        }
        Some(Config {
            mode,
            cleancache: word & 1 << 4 != 0,
            frontswap: word & 1 << 5 != 0,
            test_messages: word & 1 << 6 != 0,
            compressor,
            zbud_shards,
        })
    }
}

/// A parameter's value as shown: a word or a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shown {
    /// A word (`zcache`, `Y`, `auto`).
    Word(&'static str),
    /// A number (`zbud_shards=4`).
    Number(u8),
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Word(w) => f.write_str(w),
            Shown::Number(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, param) in Param::ALL.into_iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            write!(f, "{sep}{}={}", param.name(), self.show(param))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{format, string::ToString, vec::Vec};

    fn all_configs() -> Vec<Config> {
        let mut all = Vec::new();
        for (mode, _) in MODE_NAMES {
            for (compressor, _) in COMPRESSOR_NAMES {
                for bits in 0..8 {
                    for zbud_shards in [0, 1, 2, 3, 64] {
                        all.push(Config {
                            mode,
                            cleancache: bits & 1 != 0,
                            frontswap: bits & 2 != 0,
                            compressor,
                            test_messages: bits & 4 != 0,
                            zbud_shards,
                        });
                    }
                }
            }
        }
        all
    }

    #[test]
    fn defaults_are_zcache_with_both_backends_and_lz4_flex_and_no_test_messages() {
        assert_eq!(
            Config::default().to_string(),
            "mode=zcache cleancache=Y frontswap=Y compressor=lz4_flex test_messages=N \
             zbud_shards=auto"
        );
    }

    #[test]
    fn zbud_shards_is_auto_or_1_to_64() {
        let mut config = Config::default();
        assert_eq!(config.show(Param::ZbudShards).to_string(), "auto");
        for (word, n) in [("1", 1u8), ("2", 2), ("7", 7), ("64", 64), ("16\n", 16)] {
            config
                .set(Param::ZbudShards, Some(word.as_bytes()))
                .unwrap();
            assert_eq!(config.zbud_shards, n);
            assert_eq!(config.show(Param::ZbudShards).to_string(), n.to_string());
            assert_eq!(config.zbud_shards_for(8), usize::from(n));
        }
        config.set(Param::ZbudShards, Some(b"auto")).unwrap();
        assert_eq!(config.zbud_shards, 0);
        for bad in [
            &b"0"[..],
            b"65",
            b"100",
            b"256",
            b"-1",
            b"+2",
            b" 2",
            b"2 ",
            b"02a",
            b"0x4",
            b"",
            b"AUTO",
            b"4294967297",
        ] {
            let before = Config {
                zbud_shards: 8,
                ..Config::DEFAULT
            };
            let mut config = before;
            let err = config.set(Param::ZbudShards, Some(bad)).unwrap_err();
            assert_eq!(config, before);
            assert!(
                err.to_string()
                    .ends_with("for parameter zbud_shards; allowed values: auto, 1 to 64"),
                "{err}"
            );
        }
        assert!(config.set(Param::ZbudShards, None).is_err());
        // auto: the possible CPUs rounded up to a power of two, at most 64.
        let auto = Config::DEFAULT;
        for (cpus, shards) in [
            (0, 1),
            (1, 1),
            (2, 2),
            (3, 4),
            (6, 8),
            (64, 64),
            (65, 64),
            (4096, 64),
        ] {
            assert_eq!(auto.zbud_shards_for(cpus), shards, "{cpus} CPUs");
        }
        assert_eq!(Param::from_id(5), Some(Param::ZbudShards));
    }

    #[test]
    fn test_messages_is_a_boolean_off_by_default() {
        let mut config = Config::default();
        assert!(!config.test_messages);
        assert_eq!(config.show(Param::TestMessages).to_string(), "N");
        config.set(Param::TestMessages, Some(b"1")).unwrap();
        assert!(config.test_messages);
        assert_eq!(config.show(Param::TestMessages).to_string(), "Y");
        assert_eq!(
            config,
            Config {
                test_messages: true,
                ..Config::DEFAULT
            }
        );
        config.set(Param::TestMessages, Some(b"off\n")).unwrap();
        assert!(!config.test_messages);
        config.set(Param::TestMessages, None).unwrap();
        assert!(config.test_messages);
        let err = config.set(Param::TestMessages, Some(b"2")).unwrap_err();
        assert!(config.test_messages);
        assert_eq!(
            err.to_string(),
            "invalid value \"2\" for parameter test_messages; allowed values: y, n, 1, 0, on, off, \
             yes, no, true, false"
        );
        assert_eq!(Param::from_id(4), Some(Param::TestMessages));
        assert_eq!(Param::TestMessages.name(), "test_messages");
    }

    #[test]
    fn every_listed_value_is_accepted_and_shown_back() {
        for param in Param::ALL {
            // A range ("1 to 64") stands for its two ends.
            let words = param.allowed().split(", ").flat_map(|w| w.split(" to "));
            for word in words {
                let mut config = Config::default();
                config.set(param, Some(word.as_bytes())).unwrap();
                let shown = config.show(param).to_string();
                match param {
                    Param::Mode | Param::Compressor => assert_eq!(shown, word),
                    Param::ZbudShards => assert_eq!(shown, word),
                    _ => assert_eq!(shown == "Y", TRUE_WORDS.contains(&word), "{word}"),
                }
            }
        }
    }

    #[test]
    fn one_trailing_newline_is_accepted() {
        let mut config = Config::default();
        config.set(Param::Mode, Some(b"ramster\n")).unwrap();
        assert_eq!(config.mode, Mode::Ramster);
        config.set(Param::Frontswap, Some(b"0\n")).unwrap();
        assert!(!config.frontswap);
    }

    #[test]
    fn invalid_values_are_rejected_and_change_nothing() {
        let bad: [&[u8]; 10] = [
            b"",
            b"bogus",
            b"ZCACHE",
            b" zcache",
            b"zcache ",
            b"zcache\n\n",
            b"\xff\x00",
            b"lz4",
            b"maybe",
            b"2",
        ];
        for start in all_configs() {
            for param in Param::ALL {
                for value in bad {
                    if param == Param::ZbudShards && value == b"2" {
                        continue;
                    }
                    let mut config = start;
                    let err = config.set(param, Some(value)).unwrap_err();
                    assert_eq!(config, start);
                    assert_eq!(err.param, param);
                }
            }
        }
    }

    #[test]
    fn missing_value_means_on_for_booleans_and_is_an_error_otherwise() {
        let mut config = Config {
            cleancache: false,
            ..Config::DEFAULT
        };
        config.set(Param::Cleancache, None).unwrap();
        assert!(config.cleancache);
        config.set(Param::TestMessages, None).unwrap();
        assert!(config.test_messages);
        let before = config;
        assert!(config.set(Param::Mode, None).is_err());
        assert!(config.set(Param::Compressor, None).is_err());
        assert!(config.set(Param::ZbudShards, None).is_err());
        assert_eq!(config, before);
    }

    #[test]
    fn error_names_parameter_and_allowed_values_and_escapes_the_value() {
        let err = Config::default()
            .set(Param::Mode, Some(b"x\"y\xff"))
            .unwrap_err();
        assert_eq!(
            format!("{err}"),
            "invalid value \"x\\\"y\\xff\" for parameter mode; allowed values: ramster, zcache, off"
        );
        let long = [b'a'; 100];
        let msg = format!(
            "{}",
            Config::default()
                .set(Param::Compressor, Some(&long))
                .unwrap_err()
        );
        assert!(msg.contains(&format!("\"{}...\"", "a".repeat(64))), "{msg}");
        let msg = format!("{}", Config::default().set(Param::Mode, None).unwrap_err());
        assert_eq!(
            msg,
            "missing value for parameter mode; allowed values: ramster, zcache, off"
        );
    }

    #[test]
    fn encode_round_trips_and_decode_rejects_other_words() {
        let all = all_configs();
        for config in &all {
            assert_eq!(Config::decode(config.encode()), Some(*config));
        }
        // Every word below 2^20 decodes to nothing or to the one configuration it encodes.
        let mut decoded = 0;
        for word in 0..0x10_0000 {
            if let Some(config) = Config::decode(word) {
                assert_eq!(config.encode(), word, "{word:#x}");
                decoded += 1;
            }
        }
        // 3 modes x 2 compressors x 8 booleans x 65 shard settings (auto, 1 to 64).
        assert_eq!(decoded, 3 * 2 * 8 * 65);
        for word in [
            u32::MAX,
            1 << 31,
            0x1_0001 << 12,
            65 << 12 | 1,
            0xff << 12 | 1,
            0x3,
        ] {
            assert_eq!(Config::decode(word), None, "{word:#x}");
        }
    }

    #[test]
    fn ids_map_to_parameters() {
        for param in Param::ALL {
            assert_eq!(Param::from_id(param as u32), Some(param));
        }
        assert_eq!(Param::from_id(6), None);
        assert_eq!(Param::from_id(u32::MAX), None);
    }
}
