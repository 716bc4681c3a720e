//! Formats an empty ext4 file system with the host's mkfs.ext4 (e2fsprogs) for the `mkext4`
//! guest program, which writes it to a VM's scratch disk: busybox has no ext4 mkfs. The image is
//! kept sparse: a header line, then each non-zero 4 KiB block as its 8-byte little-endian block
//! number followed by its contents. Without mkfs.ext4 the image is empty and `mkext4` says so.

use std::env;
use std::fs::{self, File};
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

const BLOCK: usize = 4096;
/// Fits the scenarios' default 1 GiB scratch disk.
const SIZE: &str = "768M";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let image = out.join("ext4.img");
    let sparse = out.join("ext4.sparse");
    let _ = fs::remove_file(&image);
    let formatted = ["mkfs.ext4", "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"]
        .iter()
        .any(|mkfs| {
            Command::new(mkfs)
                .args(["-q", "-F", "-b", "4096", "-E"])
                .arg("lazy_itable_init=1,lazy_journal_init=1,nodiscard")
                .arg(&image)
                .arg(SIZE)
                .status()
                .is_ok_and(|s| s.success())
        });
    let mut data = Vec::new();
    if formatted {
        let mut file = File::open(&image).expect("mkfs.ext4 wrote the image");
        let size = file.metadata().expect("image metadata").len();
        data.extend_from_slice(format!("ext4-sparse {size}\n").as_bytes());
        let mut block = vec![0u8; BLOCK];
        let mut index = 0u64;
        while file.read_exact(&mut block).is_ok() {
            if block.iter().any(|b| *b != 0) {
                data.extend_from_slice(&index.to_le_bytes());
                data.extend_from_slice(&block);
            }
            index += 1;
        }
        let _ = fs::remove_file(&image);
    } else {
        println!("cargo:warning=mkfs.ext4 not found: the mkext4 guest program will have no image");
    }
    fs::write(&sparse, data).expect("write the sparse image");
}
