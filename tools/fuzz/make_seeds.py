#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the frame decoder's seed inputs to seeds/frame_decoder/: valid streams the fuzzer
mutates from.

The frames follow Documentation/wire-protocol.rst (protocol version 2). The fuzz target's
connection (node 0 accepting node 1, cluster "fuzz", default timeouts) starts with a socket that
already passed the handshake, so most streams are frames of a link that is up. The handshake
seeds start its two sides: node 1's HELLO and PROVE for the acceptor, node 0's CHALLENGE (an
answer and a refusal) and WELCOME for the connector; their proofs are zeros, which no fuzzer
input can fix. Run it again after a protocol change.
"""

import struct
from pathlib import Path

MAGIC = 0x524D5354
VERSION = 2
NONCE_LEN = 32
MAC_LEN = 32


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def frame(msg_type: int, payload: bytes = b"", flags: int = 0, status: int = 0, rid: int = 0) -> bytes:
    return struct.pack(">IBBHIIQ", MAGIC, VERSION, msg_type, flags, len(payload), status, rid) + payload


# FRAME_MAC (bit 0) and PERIODS (bit 1): both required.
FEATURES = 3


def hello(sender: int, receiver: int) -> bytes:
    """Versions 2..=2, the frame MAC and periods features, the nodes, auth = none, a challenge."""
    return struct.pack(">HHIBBBB", 2, 2, FEATURES, sender, receiver, 0, 0) + bytes(range(NONCE_LEN))


def challenge() -> bytes:
    """Version 2, highest 2, the frame MAC and periods features, auth = none, a challenge, a proof."""
    return struct.pack(">HHIB3x", 2, 2, FEATURES, 0) + bytes(range(NONCE_LEN, 2 * NONCE_LEN)) + bytes(MAC_LEN)


def settings(sender: int, receiver: int) -> bytes:
    name = b"fuzz".ljust(56, b"\0")
    period = 0
    return struct.pack(">IBBHQIIII", 2, sender, receiver, 0, 7, 30000, 2000, 2000, 31) + name + struct.pack(">Q", period)


def key(pool: int = 1, oid=(1, 2, 3), index: int = 4) -> bytes:
    return struct.pack(">IIQQQII", pool, 1, *oid, index, 0)


def page(data: bytes) -> bytes:
    return struct.pack(">II", len(data), crc32c(data)) + data


def main() -> None:
    out = Path(__file__).resolve().parent / "seeds" / "frame_decoder"
    out.mkdir(parents=True, exist_ok=True)
    data = bytes(range(256)) * 4
    seeds = {
        "handshake": frame(0x01, hello(1, 0)) + frame(0x06, settings(1, 0) + bytes(MAC_LEN)),
        "handshake-answer": frame(0x02, challenge()) + frame(0x07, settings(0, 1) + bytes(MAC_LEN)),
        # VersionMismatch (16) names the versions the acceptor speaks.
        "handshake-refusal": frame(0x02, struct.pack(">HH", 2, 2) + bytes(72), status=16),
        "keepalive": frame(0x03, rid=1) + frame(0x04, rid=9),
        "echo-request": frame(0x20, b"hello", flags=1, rid=1),
        "one-way": frame(0x21, b"x" * 100),
        "replies": frame(0x05, page(data), rid=3) + frame(0x05, status=5, rid=4),
        "tmem-put": frame(0x40, key() + page(data), flags=1, rid=2),
        "tmem-get": frame(0x41, key(), flags=1, rid=5) + frame(0x44, key(index=0), rid=0),
        "tmem-destroy": frame(0x45, key(oid=(0, 0, 0), index=0), flags=1, rid=6),
        "truncated": frame(0x20, b"abcdef", flags=1, rid=1)[:-3],
    }
    for name, data in seeds.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
