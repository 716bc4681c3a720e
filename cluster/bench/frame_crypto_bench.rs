// SPDX-License-Identifier: GPL-2.0

//! Host benchmark: what payload encryption costs a link, natively, on this machine's CPU. Not a
//! test; it prints ns per frame. Run with `cargo bench --bench frame_crypto` (optionally
//! followed by `-- <rounds>`).
//!
//! Times the module's own frame code (`cluster/frame_mac.rs`) on the largest frame (a 4144-byte
//! payload: a page with its tmem header): sealing and opening with the frame MAC alone
//! (HMAC-SHA256, `auth = psk`) against the MAC with AES-256-CTR (`encryption = aes-256-ctr`).
//! The host build's crypto is RustCrypto's (sha2, aes), which uses SHA-NI and AES-NI when the CPU
//! has them, as the kernel's sha256-ni and aesni-intel drivers do; the line `cpu:` says which
//! this CPU has. Under QEMU TCG (`make bench cluster`) the kernel uses generic C code, so this is
//! the figure for a real machine. Each round times [`FRAMES_PER_ROUND`] frames per mode, the
//! modes alternating; the median round is reported. Every frame opened is compared with the
//! payload sent, outside the timed part.

use ramster::cluster::frame_mac::FrameKey;
use ramster::cluster::wire::MAX_PAYLOAD_LEN;
use std::hint::black_box;
use std::time::Instant;

/// Frames sealed and opened per mode in one round.
const FRAMES_PER_ROUND: usize = 20_000;
const MAC_KEY: [u8; 32] = [0x5a; 32];
const CIPHER_KEY: [u8; 32] = [0xc3; 32];
const HEADER: [u8; 24] = [0x11; 24];

fn key(encrypt: bool) -> FrameKey {
    let key = FrameKey::new(&MAC_KEY).expect("HMAC key");
    if encrypt {
        key.with_cipher(&CIPHER_KEY).expect("AES key")
    } else {
        key
    }
}

/// A page-like payload: text with some structure, not zeros.
fn payload() -> Vec<u8> {
    (0..MAX_PAYLOAD_LEN as usize)
        .map(|i| b"ramster frame payload "[i % 22] ^ (i / 97) as u8)
        .collect()
}

/// Seals, then opens, `FRAMES_PER_ROUND` frames; returns the ns per frame of each.
fn round(encrypt: bool, data: &[u8]) -> (f64, f64) {
    let mut sender = key(encrypt);
    let mut frame = data.to_vec();
    let start = Instant::now();
    for _ in 0..FRAMES_PER_ROUND {
        frame.copy_from_slice(data);
        black_box(
            sender
                .seal_in_place(&HEADER, black_box(&mut frame))
                .expect("seal"),
        );
    }
    let seal_ns = start.elapsed().as_nanos();
    // The receiver opens the same sequence of frames: each is sealed again (untimed) by a
    // second sender with the same key, which gives the same bytes and tag.
    let mut again = key(encrypt);
    let mut receiver = key(encrypt);
    let mut open_ns = 0u128;
    for _ in 0..FRAMES_PER_ROUND {
        frame.copy_from_slice(data);
        let tag = again.seal_in_place(&HEADER, &mut frame).expect("seal");
        let start = Instant::now();
        receiver
            .open(&HEADER, black_box(&mut frame), &tag)
            .expect("a sealed frame opens");
        open_ns += start.elapsed().as_nanos();
        assert!(frame == data, "the opened payload is the sent one");
    }
    let n = FRAMES_PER_ROUND as f64;
    (seal_ns as f64 / n, open_ns as f64 / n)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let data = payload();
    #[cfg(target_arch = "x86_64")]
    println!(
        "frame crypto native: cpu: aes-ni {}, sha-ni {}",
        std::is_x86_feature_detected!("aes"),
        std::is_x86_feature_detected!("sha")
    );
    let (mut mac, mut enc) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(1) {
        mac.push(round(false, &data));
        enc.push(round(true, &data));
    }
    let seal_mac = median(mac.iter().map(|r| r.0).collect());
    let open_mac = median(mac.iter().map(|r| r.1).collect());
    let seal_enc = median(enc.iter().map(|r| r.0).collect());
    let open_enc = median(enc.iter().map(|r| r.1).collect());
    println!("BENCH-RESULT: frame_crypto_payload_bytes {}", data.len());
    println!("BENCH-RESULT: frame_crypto_rounds {}", rounds.max(1));
    println!("BENCH-RESULT: frame_seal_mac_ns {seal_mac:.0}");
    println!("BENCH-RESULT: frame_open_mac_ns {open_mac:.0}");
    println!("BENCH-RESULT: frame_seal_encrypted_ns {seal_enc:.0}");
    println!("BENCH-RESULT: frame_open_encrypted_ns {open_enc:.0}");
}
