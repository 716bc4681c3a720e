"""Tests of cluster.py's QEMU command line: the scratch disk first, then read-only disks."""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster  # noqa: E402


def drives(cmd: list) -> list:
    return [cmd[i + 1] for i, word in enumerate(cmd) if word == "-drive"]


class QemuCommandTest(unittest.TestCase):
    def command(self, **kw):
        return cluster.qemu_command(0, 1, Path("bzImage"), Path("initrd"), "80M",
                                    Path("node0.img"), Path("node0.log"), "", None, **kw)

    def test_scratch_disk_alone_by_default(self):
        self.assertEqual(drives(self.command()),
                         ["file=node0.img,if=virtio,format=raw,cache=unsafe"])

    def test_readonly_disks_follow_the_scratch_disk(self):
        cmd = self.command(readonly_disks=[Path("/c/corpus.pages"), Path("/d/other")])
        self.assertEqual(drives(cmd), ["file=node0.img,if=virtio,format=raw,cache=unsafe",
                                       "file=/c/corpus.pages,if=virtio,format=raw,readonly=on",
                                       "file=/d/other,if=virtio,format=raw,readonly=on"])


if __name__ == "__main__":
    unittest.main()
