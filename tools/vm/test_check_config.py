"""Tests of tools/kernel/check-config.sh, the check package.sh runs after olddefconfig: an
option of the fragment that is missing or has another value fails it, naming the option; an
option the fragment turns off may also be absent (its dependencies are off)."""

import subprocess
import tempfile
import unittest
from pathlib import Path

CHECK = Path(__file__).resolve().parents[1] / "kernel/check-config.sh"
DISTRO = Path(__file__).resolve().parents[1] / "kernel/distro.fragment"


class CheckConfigTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def check(self, config: str, fragment: str) -> subprocess.CompletedProcess:
        (self.dir / ".config").write_text(config)
        (self.dir / "f.fragment").write_text(fragment)
        return subprocess.run([str(CHECK), str(self.dir / ".config"), str(self.dir / "f.fragment")],
                              text=True, capture_output=True)

    def test_all_applied_passes(self):
        config = 'CONFIG_RUST=y\n# CONFIG_MODVERSIONS is not set\nCONFIG_LOCALVERSION="-r"\n'
        out = self.check(config, "# comment\n\n" + config)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_missing_option_fails_naming_it(self):
        out = self.check("CONFIG_SWAP=y\n", "CONFIG_SWAP=y\nCONFIG_FRONTSWAP=y\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("CONFIG_FRONTSWAP=y (have: unset)", out.stderr)
        self.assertNotIn("CONFIG_SWAP=y (", out.stderr)

    def test_other_value_fails(self):
        out = self.check("CONFIG_CONFIGFS_FS=m\n", "CONFIG_CONFIGFS_FS=y\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("have: CONFIG_CONFIGFS_FS=m", out.stderr)

    def test_option_turned_off_may_be_absent_but_not_on(self):
        out = self.check("CONFIG_A=y\n", "# CONFIG_CFI_CLANG is not set\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.check("CONFIG_CFI_CLANG=y\n", "# CONFIG_CFI_CLANG is not set\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("# CONFIG_CFI_CLANG is not set", out.stderr)

    def test_distro_fragment_is_all_options(self):
        """Every line of distro.fragment is an option, a comment or blank: a typo such as
        `CONFIG_RUST y` would be skipped by the check instead of failing it."""
        for line in DISTRO.read_text().splitlines():
            ok = (line == "" or line.startswith("CONFIG_") and "=" in line
                  or line.startswith("# CONFIG_") and line.endswith(" is not set")
                  or line.startswith("# ") and not line.startswith("# CONFIG_") or line == "#")
            self.assertTrue(ok, line)


if __name__ == "__main__":
    unittest.main()
