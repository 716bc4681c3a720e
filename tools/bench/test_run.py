"""Tests of run.py's schedule: repeated swap-bound rows interleaved, the others once."""

import importlib.util
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "vm"))
sys.path.insert(0, str(HERE))

import configs  # noqa: E402

# Loaded by path under a name of its own: tools/vm has a run.py too, and make check runs both
# folders' tests in one process.
_spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run)


class ScheduleTest(unittest.TestCase):
    def test_swap_rows_interleave_then_the_others_once(self):
        chosen = [c for c in configs.CONFIGS if c.name in ("disk", "zswap", "codec", "zram")]
        order = [(c.name, n) for c, n in run.schedule(chosen, 3)]
        self.assertEqual(order, [("disk", 0), ("zswap", 0), ("zram", 0),
                                 ("disk", 1), ("zswap", 1), ("zram", 1),
                                 ("disk", 2), ("zswap", 2), ("zram", 2), ("codec", 0)])

    def test_one_run_is_the_old_order(self):
        order = [(c.name, n) for c, n in run.schedule(configs.CONFIGS, 1)]
        self.assertEqual(order, [(c.name, 0) for c in configs.CONFIGS])

    def test_log_dirs(self):
        zswap = next(c for c in configs.CONFIGS if c.name == "zswap")
        codec = next(c for c in configs.CONFIGS if c.name == "codec")
        self.assertEqual(run.log_dir(zswap, 1, 3), run.LOGS / "zswap/run2")
        self.assertEqual(run.log_dir(zswap, 0, 1), run.LOGS / "zswap")
        self.assertEqual(run.log_dir(codec, 0, 3), run.LOGS / "codec")

    def test_swap_bound_rows_get_the_corpus(self):
        for table in ("swap", "memcached"):
            self.assertTrue(all(c.corpus for c in configs.CONFIGS if c.table == table))
        self.assertFalse(any(c.corpus for c in configs.CONFIGS
                             if c.table not in ("swap", "memcached")))

    def test_memcached_rows_mirror_the_swap_rows(self):
        swap = {c.name: c for c in configs.CONFIGS if c.table == "swap"}
        mc = {c.name.removeprefix("memcached-"): c for c in configs.CONFIGS
              if c.table == "memcached"}
        self.assertEqual(set(mc), set(swap))
        for name, c in mc.items():
            self.assertEqual((c.setup, c.nodes), (swap[name].setup, swap[name].nodes))

    def test_bench_programs_are_guest_programs(self):
        self.assertLessEqual(run.BENCH_PROGRAMS,
                             set(run.artifacts.GUEST_PROGRAMS + run.artifacts.GUEST_TOOLS
                                 + run.artifacts.BENCH_ONLY_PROGRAMS))


if __name__ == "__main__":
    unittest.main()
