//! `mkext4 DEVICE`: writes an empty ext4 file system (768 MiB, 4 KiB blocks, journal, extents,
//! metadata checksums), made at build time by the host's mkfs.ext4 (see `build.rs`), to DEVICE,
//! which must read as zeros (a fresh scratch disk): only the non-zero blocks are written.
//!
//! Exit status 0 on success, 1 on an error or when no image was built in, 2 on bad usage.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::process::ExitCode;

static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ext4.sparse"));
const BLOCK: usize = 4096;

fn write(device: &str) -> Result<u64, String> {
    let newline = IMAGE
        .iter()
        .position(|b| *b == b'\n')
        .ok_or("no ext4 image was built in (mkfs.ext4 missing on the build host)")?;
    let header = std::str::from_utf8(&IMAGE[..newline]).map_err(|e| e.to_string())?;
    let size: u64 = header
        .strip_prefix("ext4-sparse ")
        .and_then(|s| s.parse().ok())
        .ok_or("bad image header")?;
    let dev = OpenOptions::new()
        .write(true)
        .open(device)
        .map_err(|e| format!("{device}: {e}"))?;
    let mut written = 0;
    for record in IMAGE[newline + 1..].chunks(8 + BLOCK) {
        let (index, data) = record.split_at(8);
        let index = u64::from_le_bytes(index.try_into().map_err(|_| "truncated image")?);
        if data.len() != BLOCK {
            return Err("truncated image".into());
        }
        dev.write_all_at(data, index * BLOCK as u64)
            .map_err(|e| format!("{device}: {e}"))?;
        written += 1;
    }
    dev.sync_all().map_err(|e| format!("{device}: {e}"))?;
    println!("mkext4: {size} byte ext4 file system on {device} ({written} blocks written)");
    Ok(written)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, device] = args.as_slice() else {
        eprintln!("usage: mkext4 DEVICE");
        return ExitCode::from(2);
    };
    match write(device) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mkext4: {e}");
            ExitCode::FAILURE
        }
    }
}
