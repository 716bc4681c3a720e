"""Tests of scenario headers: every shipped scenario parses; malformed headers are refused."""

import tempfile
import unittest
from pathlib import Path

import scenario

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


class ScenarioTest(unittest.TestCase):
    def write(self, text: str) -> Path:
        path = Path(self.tmp.name) / "s.sh"
        path.write_text(text)
        return path

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_every_shipped_scenario_parses(self):
        loaded = scenario.load_all(SCENARIOS)
        self.assertGreaterEqual(len(loaded), 5)
        for s in loaded:
            self.assertTrue(s.description, s.name)

    def test_header_fields(self):
        s = scenario.load(self.write("#!/bin/sh\n# scenario: x\n# nodes: 2\n# memory: 512M\n"
                                     "# timeout: 30\n# append: a=b c=d\n# disk: 2G\n# kasan: 384M\n"
                                     "body\n"))
        self.assertEqual((s.nodes, s.memory, s.timeout, s.append, s.disk, s.kasan),
                         (2, "512M", 30, "a=b c=d", "2G", "384M"))

    def test_kasan_is_optional(self):
        s = scenario.load(self.write("#!/bin/sh\n# scenario: x\nbody\n"))
        self.assertEqual(s.kasan, "")

    def test_bad_headers_are_refused(self):
        for header in ["# nodes: 3\n", "# memory: lots\n", "# kasan: yes\n", "# colour: red\n", "# timeout: x\n"]:
            with self.subTest(header=header):
                with self.assertRaises(ValueError):
                    scenario.load(self.write("#!/bin/sh\n# scenario: x\n" + header))
        with self.assertRaises(ValueError):
            scenario.load(self.write("#!/bin/sh\n# nodes: 1\n"))


if __name__ == "__main__":
    unittest.main()
