//! `pattern gen SEED LEN` writes LEN bytes of the stream SEED to stdout;
//! `pattern verify SEED LEN` reads stdin and checks that it is exactly those LEN bytes.
//! Exit status 0 on success, 1 on a mismatch or short/long input, 2 on bad usage.

use ramster_guest::pattern;
use std::io::{self, Read, Write};
use std::process::ExitCode;

const CHUNK: usize = 64 * 1024;

fn gen(seed: u64, len: u64) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let mut buf = vec![0u8; CHUNK];
    let mut pos = 0;
    while pos < len {
        let n = CHUNK.min((len - pos) as usize);
        pattern::fill(seed, pos, &mut buf[..n]);
        out.write_all(&buf[..n])?;
        pos += n as u64;
    }
    out.flush()
}

fn verify(seed: u64, len: u64) -> io::Result<Result<(), String>> {
    let mut input = io::stdin().lock();
    let mut buf = vec![0u8; CHUNK];
    let mut pos = 0u64;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if pos + n as u64 > len {
            return Ok(Err(format!("input longer than {len} bytes")));
        }
        if let Some(at) = pattern::first_mismatch(seed, pos, &buf[..n]) {
            return Ok(Err(format!("mismatch at byte {at}")));
        }
        pos += n as u64;
    }
    if pos != len {
        return Ok(Err(format!("short input: {pos} of {len} bytes")));
    }
    Ok(Ok(()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let parsed = match args.as_slice() {
        [_, cmd, seed, len] => seed
            .parse::<u64>()
            .ok()
            .zip(len.parse::<u64>().ok())
            .map(|(s, l)| (cmd.as_str(), s, l)),
        _ => None,
    };
    let result = match parsed {
        Some(("gen", seed, len)) => gen(seed, len).map(Ok),
        Some(("verify", seed, len)) => verify(seed, len),
        _ => {
            eprintln!("usage: pattern gen|verify SEED LEN");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(msg)) => {
            eprintln!("pattern: {msg}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("pattern: {e}");
            ExitCode::FAILURE
        }
    }
}
