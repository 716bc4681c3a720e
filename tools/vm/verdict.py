"""Reads a node's console log and decides whether the scenario passed on that node.

A node passes when its scenario script reported PASS and the kernel printed nothing that
shows a bug: an Oops, BUG, WARNING, lockdep report, Rust panic, kernel panic, RCU stall or
hung task. A log that ends without a result (a hang killed at the timeout) fails.
"""

import re
from dataclasses import dataclass, field

RESULT_MARK = "RAMSTER-SCENARIO:"

# (pattern, what it means). Each is specific enough not to match a normal boot.
KERNEL_TROUBLE = [
    (re.compile(r"\bOops\b|\boops:"), "kernel Oops"),
    (re.compile(r"\bBUG:"), "kernel BUG"),
    (re.compile(r"\bWARNING:"), "kernel WARNING"),
    (re.compile(r"-+\[ cut here \]-+"), "kernel warning or bug report"),
    (re.compile(r"possible (recursive|circular) locking|inconsistent lock state|"
                r"suspicious RCU usage|lock held when returning|bad unlock balance|"
                r"INFO: lockdep|lockdep is turned off"), "lockdep report"),
    (re.compile(r"panicked at|rust_panic"), "Rust panic"),
    (re.compile(r"Kernel panic"), "kernel panic"),
    (re.compile(r"general protection fault|unable to handle (page fault|kernel)"), "kernel fault"),
    (re.compile(r"rcu: INFO: .*stall|INFO: task .* blocked for more than"), "stall or hung task"),
    (re.compile(r"soft lockup|hard LOCKUP"), "lockup"),
    (re.compile(r"UBSAN:|KASAN:"), "sanitizer report"),
]


@dataclass
class NodeVerdict:
    passed: bool
    reasons: list = field(default_factory=list)
    failed_checks: list = field(default_factory=list)


def judge(console: str, timed_out: bool = False) -> NodeVerdict:
    """Judges one node's console text."""
    reasons = []
    results = [line for line in console.splitlines() if RESULT_MARK in line]
    if timed_out:
        reasons.append("timed out (hang?)")
    if not results:
        reasons.append("no scenario result on the console")
    elif not results[-1].split(RESULT_MARK, 1)[1].strip().startswith("PASS"):
        reasons.append("scenario reported " + results[-1].split(RESULT_MARK, 1)[1].strip())
    for pattern, meaning in KERNEL_TROUBLE:
        match = pattern.search(console)
        if match:
            line = console[:match.start()].count("\n")
            reasons.append(f"{meaning} on the console (line {line + 1}: "
                           f"{console.splitlines()[line].strip()[:120]})")
    failed_checks = [line.strip() for line in console.splitlines()
                     if line.lstrip().startswith("not ok")]
    return NodeVerdict(not reasons, reasons, failed_checks)
