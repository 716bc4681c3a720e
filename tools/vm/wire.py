"""What an on-path observer of the two-node link sees: node 0's link is captured to a pcap file
(QEMU's filter-dump) when a scenario has a `# wire:` header, and the capture is searched for the
cluster self-test's payload pattern (src/net/selftest.rs: byte i of a payload of length n is
(i * 131) ^ (n * 7) ^ 0x5a, low 8 bits).

    # wire: clear=40 hidden=4144

says that the pattern of a 40-byte self-test payload must appear in the capture (the link
carried it in the clear: the capture works and the test can see plaintext) and that of a
4144-byte payload must not (it went out encrypted). The pattern depends on the length only
modulo 256, and a clear run (`echo '1 N'`) sends every length up to N: so `hidden` modulo 256
must be above `clear`, or the clear run itself would carry the hidden pattern.
"""

import re
from pathlib import Path

# Bytes of a payload's start that are looked for: long enough never to match by chance.
PROBE = 32
HEADER = re.compile(r"^clear=([1-9][0-9]*) hidden=([1-9][0-9]*)$")


def parse(value: str) -> tuple:
    """(clear, hidden) payload lengths of a `# wire:` header; ValueError if malformed."""
    m = HEADER.match(value)
    if not m:
        raise ValueError(f"wire must be 'clear=N hidden=M', not {value!r}")
    clear, hidden = int(m.group(1)), int(m.group(2))
    if min(clear, hidden) < PROBE:
        raise ValueError(f"wire: payload lengths must be at least {PROBE} bytes")
    if hidden % 256 <= clear:
        raise ValueError(f"wire: hidden={hidden} has the pattern of length {hidden % 256}, "
                         f"which a clear run up to {clear} bytes sends")
    return clear, hidden


def pattern(length: int) -> bytes:
    """The first PROBE bytes of the self-test payload of `length` bytes."""
    return bytes(((i * 131) ^ (length * 7) ^ 0x5A) & 0xFF for i in range(PROBE))


def check(capture: Path, clear: int, hidden: int) -> list:
    """What is wrong with the capture (empty: the observer saw the clear payload and not the
    hidden one)."""
    if not capture.is_file():
        return [f"wire: no capture at {capture}"]
    data = capture.read_bytes()
    problems = []
    if pattern(clear) not in data:
        problems.append(f"wire: the {clear}-byte self-test payload is not in the capture "
                        f"({len(data)} bytes): the observer does not see the clear traffic")
    if pattern(hidden) in data:
        problems.append(f"wire: the {hidden}-byte self-test payload is in the capture in the "
                        f"clear: an on-path observer reads it")
    return problems
