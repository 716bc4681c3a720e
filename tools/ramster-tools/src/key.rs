// SPDX-License-Identifier: GPL-2.0

//! The cluster's pre-shared key (`auth = psk`): the key file and `keygen`.
//!
//! A key file holds either the cluster key, one line of 64 hexadecimal digits (32 bytes) with or
//! without a final newline and nothing else, or a node key set ([`crate::keyset`]), whose first
//! line that is not a comment starts with `cluster`. Like ssh's private keys it must be a
//! regular file owned by root and neither readable nor writable by group or others (`chmod
//! 600`); anything else is refused before configfs is touched. Error messages never show the
//! file's content.

use crate::error::ToolError;
use crate::keyset::{self, KeySet};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The key's length in bytes.
pub const KEY_BYTES: usize = 32;

/// The longest key file read: a key set of 255 nodes has about 20 KiB.
const MAX_READ: u64 = 64 * 1024;

/// What to do about a key file that is refused.
const KEYGEN_HINT: &str = "make one with 'ramster-tools keygen --output PATH'";

/// A cluster key. Its `Debug` does not show the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; KEY_BYTES]);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(..)")
    }
}

impl Key {
    /// A key of these bytes.
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> Key {
        Key(bytes)
    }

    /// The raw bytes (what the kernel gets).
    pub fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.0
    }

    /// 64 lower-case hexadecimal digits.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The key file's content: 64 lower-case hexadecimal digits and a newline.
    pub fn to_line(&self) -> String {
        self.to_hex() + "\n"
    }
}

/// What a key file holds.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyFile {
    /// The cluster key, from which the kernel derives every pair's key.
    Cluster(Key),
    /// One node's key set: only the keys of its own pairs.
    Set(KeySet),
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses a key file's content: exactly 64 hexadecimal digits, optionally followed by one
/// newline. `Err` says what is wrong without quoting the content.
pub fn parse_key(text: &[u8]) -> Result<Key, String> {
    const WANTED: &str = "expected one line of 64 hexadecimal digits (32 bytes)";
    let digits = text.strip_suffix(b"\n").unwrap_or(text);
    if digits.is_empty() {
        return Err(format!("is empty: {WANTED}"));
    }
    if let Some(at) = digits.iter().position(|&c| hex_digit(c).is_none()) {
        let what = match digits[at] {
            b'\n' => "a second line".to_string(),
            b'\r' => "a carriage return".to_string(),
            b' ' | b'\t' => "white space".to_string(),
            _ => "a character that is not a hexadecimal digit".to_string(),
        };
        return Err(format!("has {what} at byte {}: {WANTED}", at + 1));
    }
    if digits.len() != 2 * KEY_BYTES {
        return Err(format!("has {} hexadecimal digits: {WANTED}", digits.len()));
    }
    let mut key = [0u8; KEY_BYTES];
    for (byte, pair) in key.iter_mut().zip(digits.chunks_exact(2)) {
        // Both are digits: checked above.
        *byte = (hex_digit(pair[0]).unwrap_or(0) << 4) | hex_digit(pair[1]).unwrap_or(0);
    }
    Ok(Key(key))
}

/// Whether a key file with this type, owner and mode may be used: a regular file owned by root
/// (uid 0) that group and others can neither read, write nor execute. A pure function of the
/// metadata, so that it can be tested without root.
pub fn check_key_file_metadata(
    path: &Path,
    is_regular_file: bool,
    uid: u32,
    mode: u32,
) -> Result<(), ToolError> {
    let path = path.display();
    if !is_regular_file {
        return Err(ToolError(format!(
            "key file {path} is not a regular file: {KEYGEN_HINT}"
        )));
    }
    if uid != 0 {
        return Err(ToolError(format!(
            "key file {path} is owned by uid {uid}, not by root: only root may own the \
             cluster key ('chown root: {path}', then 'chmod 600 {path}')"
        )));
    }
    if mode & 0o077 != 0 {
        return Err(ToolError(format!(
            "key file {path} has mode {:04o}: group and others must not be able to read or \
             write the cluster key ('chmod 600 {path}')",
            mode & 0o7777
        )));
    }
    Ok(())
}

/// Reads and checks the key file at `path`, which must hold the cluster key.
pub fn read_key_file(path: &Path) -> Result<Key, ToolError> {
    match read_any_key_file(path)? {
        KeyFile::Cluster(key) => Ok(key),
        KeyFile::Set(_) => Err(ToolError(format!(
            "key file {} holds a node key set, not the cluster key",
            path.display()
        ))),
    }
}

/// Reads and checks the key file at `path`: the cluster key or a node key set.
pub fn read_any_key_file(path: &Path) -> Result<KeyFile, ToolError> {
    // O_NONBLOCK: a FIFO in its place must not hang the tool (it is refused below).
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| {
            let error = ToolError::io("opening key file", path, &e);
            match e.kind() {
                io::ErrorKind::NotFound => ToolError(format!("{error}: {KEYGEN_HINT}")),
                _ => error,
            }
        })?;
    let meta = file
        .metadata()
        .map_err(|e| ToolError::io("reading key file", path, &e))?;
    check_key_file_metadata(path, meta.file_type().is_file(), meta.uid(), meta.mode())?;
    let mut text = Vec::new();
    Read::by_ref(&mut file)
        .take(MAX_READ)
        .read_to_end(&mut text)
        .map_err(|e| ToolError::io("reading key file", path, &e))?;
    if text.len() as u64 >= MAX_READ {
        return Err(ToolError(format!(
            "key file {} is too long: expected one line of 64 hexadecimal digits (32 bytes) \
             or a node key set",
            path.display()
        )));
    }
    if keyset::looks_like_a_key_set(&text) {
        return keyset::parse(&text)
            .map(KeyFile::Set)
            .map_err(|e| ToolError(format!("key set {}: {e}", path.display())));
    }
    parse_key(&text)
        .map(KeyFile::Cluster)
        .map_err(|e| ToolError(format!("key file {} {e}", path.display())))
}

/// A new random key from the kernel's random number generator (/dev/urandom).
pub fn generate() -> Result<Key, ToolError> {
    let path = Path::new("/dev/urandom");
    let mut key = [0u8; KEY_BYTES];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut key))
        .map_err(|e| ToolError::io("reading", path, &e))?;
    Ok(Key(key))
}

/// Creates `path` with mode 0600 and writes `text` into it; `Err` (and no file) if it exists.
fn create_secret_file(path: &Path, text: &str) -> Result<(), ToolError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| ToolError::io("creating", path, &e))?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(path);
        return Err(ToolError::io("writing", path, &e));
    }
    Ok(())
}

/// Writes `key` to a new file `path` with mode 0600 (see [`write_secret_file`]).
pub fn write_key_file(path: &Path, key: &Key, force: bool) -> Result<(), ToolError> {
    write_secret_file(path, &key.to_line(), force, "every node needs the same key")
}

/// Writes `text` (key material) to a new file `path` with mode 0600. An existing `path` is an
/// error, which ends with `hint`, unless `force`; then the text goes into a new file beside it
/// that replaces it (rename), so that the key is never in a file with another mode, and a
/// failure leaves the old file as it was.
pub fn write_secret_file(
    path: &Path,
    text: &str,
    force: bool,
    hint: &str,
) -> Result<(), ToolError> {
    if !force {
        return create_secret_file(path, text).map_err(|e| {
            if path.symlink_metadata().is_ok() {
                ToolError(format!(
                    "{} exists: give --force to replace it ({hint})",
                    path.display()
                ))
            } else {
                e
            }
        });
    }
    if path.is_dir() {
        return Err(ToolError(format!("{} is a directory", path.display())));
    }
    let name = path
        .file_name()
        .ok_or_else(|| ToolError(format!("{} is not a file name", path.display())))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".ramster-tools-{}", std::process::id()));
    let temp: PathBuf = path.with_file_name(temp_name);
    create_secret_file(&temp, text)?;
    fs::rename(&temp, path).map_err(|e| {
        let _ = fs::remove_file(&temp);
        ToolError::io("replacing", path, &e)
    })
}

#[cfg(test)]
#[path = "key_tests.rs"]
mod tests;
