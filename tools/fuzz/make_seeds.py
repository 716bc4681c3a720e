#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the frame decoder's seed inputs to seeds/: valid streams the fuzzer mutates from.

The frames follow Documentation/wire-protocol.rst; the handshake is the one the fuzz target's
acceptor (node 0, cluster "fuzz", default timeouts) takes from node 1, so mutations start from
a connection that is up. Run it again after a protocol change.
"""

import struct
from pathlib import Path

MAGIC = 0x524D5354


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def frame(msg_type: int, payload: bytes = b"", flags: int = 0, status: int = 0, rid: int = 0) -> bytes:
    return struct.pack(">IBBHIIQ", MAGIC, 1, msg_type, flags, len(payload), status, rid) + payload


def handshake(sender: int, receiver: int) -> bytes:
    name = b"fuzz".ljust(56, b"\0")
    return struct.pack(">IBBHQIIII", 1, sender, receiver, 0, 7, 30000, 2000, 2000, 31) + name


def key(pool: int = 1, oid=(1, 2, 3), index: int = 4) -> bytes:
    return struct.pack(">IIQQQII", pool, 1, *oid, index, 0)


def page(data: bytes) -> bytes:
    return struct.pack(">II", len(data), crc32c(data)) + data


def main() -> None:
    out = Path(__file__).resolve().parent / "seeds"
    out.mkdir(exist_ok=True)
    hello = frame(0x01, handshake(1, 0))
    data = bytes(range(256)) * 4
    seeds = {
        "handshake": hello,
        "keepalive": hello + frame(0x03, rid=1) + frame(0x04, rid=9),
        "echo-request": hello + frame(0x20, b"hello", flags=1, rid=1),
        "one-way": hello + frame(0x21, b"x" * 100),
        "replies": hello + frame(0x05, page(data), rid=3) + frame(0x05, status=5, rid=4),
        "tmem-put": hello + frame(0x40, key() + page(data), flags=1, rid=2),
        "tmem-get": hello + frame(0x41, key(), flags=1, rid=5) + frame(0x44, key(index=0), rid=0),
        "tmem-destroy": hello + frame(0x45, key(oid=(0, 0, 0), index=0), flags=1, rid=6),
        "truncated": hello + frame(0x20, b"abcdef", flags=1, rid=1)[:-3],
    }
    for name, data in seeds.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
