"""Tests of wire.py: the header, the self-test pattern, the capture search."""

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wire  # noqa: E402


class WireTest(unittest.TestCase):
    def test_header(self):
        self.assertEqual(wire.parse("clear=40 hidden=4144"), (40, 4144))
        for bad in ["clear=64", "clear=8 hidden=4144", "hidden=1 clear=2", "clear=0 hidden=64",
                    "clear=64 hidden=4144"]:
            with self.assertRaises(ValueError):
                wire.parse(bad)

    def test_pattern_is_the_kernels(self):
        # src/net/selftest.rs pattern(64, i) for i = 0, 1, 2: 0x5a ^ 448, then i * 131 mixed in.
        self.assertEqual(wire.pattern(64)[:3], bytes([0x9a, 0x19, 0x9c]))
        self.assertNotEqual(wire.pattern(64), wire.pattern(4144))

    def test_check_finds_clear_and_hidden_payloads(self):
        with tempfile.TemporaryDirectory() as d:
            capture = Path(d) / "link.pcap"
            capture.write_bytes(b"\x00" * 100 + wire.pattern(64) + b"\x01" * 100)
            self.assertEqual(wire.check(capture, 64, 4144), [])
            capture.write_bytes(wire.pattern(64) + wire.pattern(4144))
            [problem] = wire.check(capture, 64, 4144)
            self.assertIn("an on-path observer reads it", problem)
            capture.write_bytes(b"nothing")
            [problem] = wire.check(capture, 64, 4144)
            self.assertIn("does not see the clear traffic", problem)
            self.assertIn("no capture", wire.check(Path(d) / "none.pcap", 64, 4144)[0])


if __name__ == "__main__":
    unittest.main()
