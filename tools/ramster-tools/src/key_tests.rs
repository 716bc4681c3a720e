// SPDX-License-Identifier: GPL-2.0

//! Tests of the key file: its format, its permissions, keygen's files.

use super::*;
use crate::test_fixtures::{running_as_root, write_file, TestDir, KEY_LINE};
use std::os::unix::fs::PermissionsExt;

const DIGITS: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn counting() -> Key {
    let mut bytes = [0u8; KEY_BYTES];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = i as u8;
    }
    Key(bytes)
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn parses_64_hex_digits_with_or_without_a_newline() {
    assert_eq!(parse_key(DIGITS.as_bytes()).unwrap(), counting());
    assert_eq!(parse_key(KEY_LINE.as_bytes()).unwrap(), counting());
    assert_eq!(
        parse_key(DIGITS.to_uppercase().as_bytes()).unwrap(),
        counting()
    );
    assert_eq!(counting().to_line(), KEY_LINE);
    assert_eq!(format!("{:?}", counting()), "Key(..)");
}

#[test]
fn refuses_anything_else_without_quoting_it() {
    let wanted = "expected one line of 64 hexadecimal digits (32 bytes)";
    let cases = [
        (String::new(), format!("is empty: {wanted}")),
        ("\n".to_string(), format!("is empty: {wanted}")),
        (
            DIGITS[..62].to_string(),
            format!("has 62 hexadecimal digits: {wanted}"),
        ),
        (
            format!("{DIGITS}ab\n"),
            format!("has 66 hexadecimal digits: {wanted}"),
        ),
        (
            format!("{DIGITS}\n\n"),
            format!("has a second line at byte 65: {wanted}"),
        ),
        (
            format!("{DIGITS}\n{DIGITS}\n"),
            format!("has a second line at byte 65: {wanted}"),
        ),
        (
            format!("{DIGITS}\r\n"),
            format!("has a carriage return at byte 65: {wanted}"),
        ),
        (
            format!(" {DIGITS}"),
            format!("has white space at byte 1: {wanted}"),
        ),
        (
            format!("{DIGITS} \n"),
            format!("has white space at byte 65: {wanted}"),
        ),
        (
            DIGITS.replacen('0', "g", 1),
            format!("has a character that is not a hexadecimal digit at byte 1: {wanted}"),
        ),
        (
            format!("0x{}", &DIGITS[2..]),
            format!("has a character that is not a hexadecimal digit at byte 2: {wanted}"),
        ),
        (
            "é".repeat(32),
            format!("has a character that is not a hexadecimal digit at byte 1: {wanted}"),
        ),
    ];
    for (text, message) in cases {
        let error = parse_key(text.as_bytes()).unwrap_err();
        assert_eq!(error, message, "{text:?}");
    }
}

#[test]
fn metadata_check_wants_a_root_owned_private_regular_file() {
    let path = Path::new("/etc/ramster.key");
    for mode in [0o100600, 0o100400, 0o100700, 0o100000] {
        check_key_file_metadata(path, true, 0, mode).unwrap();
    }
    for mode in [0o100644, 0o100640, 0o100604, 0o100610, 0o100601, 0o100666] {
        let error = check_key_file_metadata(path, true, 0, mode).unwrap_err().0;
        assert_eq!(
            error,
            format!(
                "key file /etc/ramster.key has mode {:04o}: group and others must not be able \
                 to read or write the cluster key ('chmod 600 /etc/ramster.key')",
                mode & 0o7777
            )
        );
    }
    assert_eq!(
        check_key_file_metadata(path, true, 1000, 0o100600)
            .unwrap_err()
            .0,
        "key file /etc/ramster.key is owned by uid 1000, not by root: only root may own the \
         cluster key ('chown root: /etc/ramster.key', then 'chmod 600 /etc/ramster.key')"
    );
    assert_eq!(
        check_key_file_metadata(path, false, 0, 0o040700)
            .unwrap_err()
            .0,
        "key file /etc/ramster.key is not a regular file: make one with 'ramster-tools keygen \
         --output PATH'"
    );
}

#[test]
fn reads_a_good_key_file() {
    let dir = TestDir::new();
    let path = dir.path().join("key");
    write_file(&path, KEY_LINE, 0o600);
    if !running_as_root() {
        let error = read_key_file(&path).unwrap_err().0;
        assert!(error.contains("not by root"), "{error}");
        return;
    }
    assert_eq!(read_key_file(&path).unwrap(), counting());
    write_file(&path, DIGITS, 0o400);
    assert_eq!(read_key_file(&path).unwrap(), counting());
    // A symbolic link is followed; the file it leads to is checked.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    assert_eq!(read_key_file(&link).unwrap(), counting());
}

#[test]
fn refuses_bad_key_files_saying_why() {
    let dir = TestDir::new();
    let path = dir.path().join("key");
    let shown = path.display().to_string();

    let error = read_key_file(&path).unwrap_err().0;
    assert!(error.starts_with(&format!("opening key file {shown}: No such file")));
    assert!(error.ends_with("make one with 'ramster-tools keygen --output PATH'"));

    write_file(&path, KEY_LINE, 0o644);
    let error = read_key_file(&path).unwrap_err().0;
    if running_as_root() {
        assert!(error.contains("has mode 0644"), "{error}");
        assert!(
            error.ends_with(&format!("('chmod 600 {shown}')")),
            "{error}"
        );
    }

    let error = read_key_file(dir.path()).unwrap_err().0;
    assert!(error.contains("is not a regular file"), "{error}");

    if running_as_root() {
        write_file(&path, &KEY_LINE.repeat(1100), 0o600);
        assert_eq!(
            read_key_file(&path).unwrap_err().0,
            format!(
                "key file {shown} is too long: expected one line of 64 hexadecimal digits \
                 (32 bytes) or a node key set"
            )
        );
        write_file(&path, &KEY_LINE.repeat(3), 0o600);
        assert_eq!(
            read_key_file(&path).unwrap_err().0,
            format!(
                "key file {shown} has a second line at byte 65: expected one line of 64 \
                 hexadecimal digits (32 bytes)"
            )
        );
        write_file(&path, "cluster ramster\nnode 1\n", 0o600);
        assert_eq!(
            read_any_key_file(&path).unwrap_err().0,
            format!("key set {shown}: has no pair line")
        );
        let set = format!("cluster ramster\nnode 1\npair 0 {KEY_LINE}");
        write_file(&path, &set, 0o600);
        assert!(matches!(read_any_key_file(&path), Ok(KeyFile::Set(_))));
        assert_eq!(
            read_key_file(&path).unwrap_err().0,
            format!("key file {shown} holds a node key set, not the cluster key")
        );
        write_file(&path, &KEY_LINE[2..], 0o600);
        assert_eq!(
            read_key_file(&path).unwrap_err().0,
            format!(
                "key file {shown} has 62 hexadecimal digits: expected one line of 64 \
                 hexadecimal digits (32 bytes)"
            )
        );
    }
}

#[test]
fn generated_keys_are_random() {
    let a = generate().unwrap();
    let b = generate().unwrap();
    assert_ne!(a, b);
    assert_eq!(parse_key(a.to_line().as_bytes()).unwrap(), a);
}

#[test]
fn keygen_files_are_new_and_private() {
    let dir = TestDir::new();
    let path = dir.path().join("ramster.key");
    let first = generate().unwrap();
    write_key_file(&path, &first, false).unwrap();
    assert_eq!(mode_of(&path), 0o600);
    assert_eq!(fs::read_to_string(&path).unwrap(), first.to_line());

    let second = generate().unwrap();
    let error = write_key_file(&path, &second, false).unwrap_err().0;
    assert_eq!(
        error,
        format!(
            "{} exists: give --force to replace it (every node needs the same key)",
            path.display()
        )
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), first.to_line());

    // --force replaces it, with mode 0600 even where the old file had another.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    write_key_file(&path, &second, true).unwrap();
    assert_eq!(mode_of(&path), 0o600);
    assert_eq!(fs::read_to_string(&path).unwrap(), second.to_line());
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left");

    let error = write_key_file(dir.path(), &second, true).unwrap_err().0;
    assert!(error.ends_with("is a directory"), "{error}");
    let error = write_key_file(&dir.path().join("no/such/dir"), &second, false)
        .unwrap_err()
        .0;
    assert!(error.starts_with("creating "), "{error}");
    assert!(error.contains("No such file or directory"), "{error}");
}
