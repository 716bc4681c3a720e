// SPDX-License-Identifier: GPL-2.0

//! Test fixtures: temporary directories (removed when dropped), a fake configfs, a sample
//! configuration.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh empty directory under the system's temporary directory.
pub struct TestDir(PathBuf);

impl TestDir {
    /// Creates it.
    pub fn new() -> TestDir {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("ramster-tools-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TestDir(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Two nodes, alpha (0) and beta (1), on ports 7777 and 7778, the key in [`KEY_FILE`];
/// beta's `number` is on line 14.
pub const TWO_NODES: &str = "cluster:\n\tname = ramster\n\tnode_count = 2\n\tkey_file = /etc/ramster.key\n\
    node:\n\tname = alpha\n\tcluster = ramster\n\tnumber = 0\n\tip_address = 169.254.0.1\n\tip_port = 7777\n\
    node:\n\tname = beta\n\tcluster = ramster\n\tnumber = 1\n\tip_address = 169.254.0.2\n\tip_port = 7778\n";

/// A fake configfs root with the `cluster` subsystem directory, as ramster.ko provides it.
pub fn fake_configfs() -> TestDir {
    let dir = TestDir::new();
    std::fs::create_dir(dir.path().join("cluster")).unwrap();
    dir
}

/// The `key_file` of [`TWO_NODES`].
pub const KEY_FILE: &str = "/etc/ramster.key";

/// A key file's content (the bytes 0, 1, ..., 31).
pub const KEY_LINE: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

/// Writes `text` to a new file `path` with mode `mode`.
pub fn write_file(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether files this process creates are owned by root (key files must be).
pub fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let dir = TestDir::new();
    let path = dir.path().join("owner");
    std::fs::write(&path, "").unwrap();
    std::fs::metadata(&path).unwrap().uid() == 0
}
