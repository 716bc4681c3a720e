"""Tests of scenario headers: every shipped scenario parses and has its row in
Documentation/testing.rst; malformed headers are refused."""

import tempfile
import unittest
from pathlib import Path

import scenario

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
TESTING_RST = Path(__file__).resolve().parents[2] / "Documentation/testing.rst"


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

    def test_every_shipped_scenario_has_a_row_in_testing_rst(self):
        rows = {line.split()[0] for line in TESTING_RST.read_text().splitlines()
                if line[:1].isalpha() and "  " in line}
        missing = [s.name for s in scenario.load_all(SCENARIOS) if s.name not in rows]
        self.assertEqual(missing, [], "scenarios without a row in the table of testing.rst")

    def test_header_fields(self):
        s = scenario.load(self.write("#!/bin/sh\n# scenario: x\n# nodes: 2\n# memory: 512M\n"
                                     "# timeout: 30\n# append: a=b c=d\n# disk: 2G\n# kasan: 384M\n"
                                     "# quiet: yes\n# cpus: 2\nbody\n"))
        self.assertEqual((s.nodes, s.memory, s.timeout, s.append, s.disk, s.kasan, s.quiet,
                          s.cpus), (2, "512M", 30, "a=b c=d", "2G", "384M", True, 2))

    def test_kasan_and_quiet_are_optional(self):
        s = scenario.load(self.write("#!/bin/sh\n# scenario: x\nbody\n"))
        self.assertEqual((s.kasan, s.quiet, s.cpus), ("", False, 0))

    def test_bad_headers_are_refused(self):
        for header in ["# nodes: 3\n", "# memory: lots\n", "# kasan: yes\n", "# colour: red\n", "# timeout: x\n",
                       "# quiet: no\n", "# cpus: 0\n", "# cpus: 9\n", "# cpus: two\n"]:
            with self.subTest(header=header):
                with self.assertRaises(ValueError):
                    scenario.load(self.write("#!/bin/sh\n# scenario: x\n" + header))
        with self.assertRaises(ValueError):
            scenario.load(self.write("#!/bin/sh\n# nodes: 1\n"))


if __name__ == "__main__":
    unittest.main()
