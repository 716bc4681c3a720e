"""Tests of the console verdict: a clean PASS passes; every kind of trouble fails it."""

import unittest

from verdict import judge

BOOT = """[    0.000000] Linux version 6.12.117 (root@host) (Debian clang version 19)
[    0.120000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    1.100000] ramster: loaded: mode=zcache cleancache=Y frontswap=Y compressor=lz4_flex
ok - module loads
"""


class JudgeTest(unittest.TestCase):
    def test_clean_pass_passes(self):
        verdict = judge(BOOT + "RAMSTER-SCENARIO: PASS\n")
        self.assertTrue(verdict.passed, verdict.reasons)

    def test_reported_failure_fails_and_lists_failed_checks(self):
        verdict = judge(BOOT + "not ok - mode=bogus is refused\nRAMSTER-SCENARIO: FAIL (1 checks)\n")
        self.assertFalse(verdict.passed)
        self.assertEqual(verdict.failed_checks, ["not ok - mode=bogus is refused"])

    def test_missing_result_fails(self):
        self.assertFalse(judge(BOOT).passed)

    def test_timeout_fails_even_after_pass(self):
        self.assertFalse(judge(BOOT + "RAMSTER-SCENARIO: PASS\n", timed_out=True).passed)

    def test_kernel_trouble_fails_a_passing_script(self):
        troubles = [
            "BUG: kernel NULL pointer dereference, address: 0000000000000000",
            "Oops: general protection fault, probably for non-canonical address",
            "WARNING: CPU: 1 PID: 80 at mm/page_alloc.c:4700 __alloc_pages+0x1/0x2",
            "------------[ cut here ]------------",
            "WARNING: possible circular locking dependency detected",
            "BUG: sleeping function called from invalid context at mm/slub.c:4100",
            "rust_kernel: panicked at src/zbud.rs:10:5:",
            "Kernel panic - not syncing: Fatal exception",
            "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
            "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kworker/1:1:40]",
            "watchdog: CPU1: Watchdog detected hard LOCKUP on cpu 0",
            "INFO: task modprobe:90 blocked for more than 120 seconds.",
        ]
        for trouble in troubles:
            with self.subTest(trouble=trouble):
                verdict = judge(BOOT + trouble + "\nRAMSTER-SCENARIO: PASS\n")
                self.assertFalse(verdict.passed)
                self.assertTrue(any(trouble[:40] in r for r in verdict.reasons), verdict.reasons)


if __name__ == "__main__":
    unittest.main()
