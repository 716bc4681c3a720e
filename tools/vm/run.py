#!/usr/bin/env python3
"""Runs VM scenarios and reports a verdict for each.

    python3 tools/vm/run.py [NAME ...]     build everything needed, run the named scenarios
                                          (default: all), print PASS/FAIL per scenario
    python3 tools/vm/run.py --kasan [NAME ...]
                                          the same on the KASAN kernel (KASAN_KDIR, or built),
                                          for scenarios with a `# kasan:` header, with that RAM

Console logs are kept in $RAMSTER_LOGS (default <repo>/logs/vm)/<scenario>/node<N>.log.
"""

import dataclasses
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import artifacts  # noqa: E402
import cluster  # noqa: E402
import initramfs  # noqa: E402
import scenario as scenarios  # noqa: E402
import schedule  # noqa: E402
import verdict  # noqa: E402
import wire  # noqa: E402

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
LOGS = Path(os.environ.get("RAMSTER_LOGS", artifacts.REPO / "logs/vm"))
VM_JOBS = int(os.environ.get("RAMSTER_VM_JOBS", os.cpu_count() or 1))


@dataclass
class Outcome:
    name: str
    passed: bool
    seconds: float
    details: list


def prepare(kdir: Path) -> Path:
    """Builds the guest programs and the initramfs for `kdir`'s ramster.ko; returns its path."""
    programs = artifacts.build_guest_programs()
    return initramfs.build(LOGS / "initramfs.cpio.gz", artifacts.kernel_release(kdir),
                           [artifacts.REPO / "ramster.ko", *artifacts.build_hooktest(kdir)],
                           programs)


def run_one(s: scenarios.Scenario, kdir: Path, image: Path, label: str = "") -> Outcome:
    """Boots `s` on `kdir`; its outcome is named `label` + its name (logs under that too)."""
    start = time.monotonic()
    name = label + s.name
    log_dir = logs_of(name)
    runs = cluster.boot(s.nodes, kdir / "arch/x86/boot/bzImage", image, log_dir,
                        memory=s.memory, disk_size=s.disk,
                        append=f"scenario={s.name} {s.append}", timeout=s.timeout,
                        capture=bool(s.wire), cpus=s.cpus)
    details = []
    if s.wire:
        details += wire.check(log_dir / "link.pcap", *s.wire)
    for run in runs:
        v = verdict.judge(run.log.read_text(errors="replace") if run.log.exists() else "",
                          run.timed_out)
        details += [f"node{run.node}: {r}" for r in v.reasons]
        details += [f"node{run.node}: {c}" for c in v.failed_checks]
    if s.expect_failure:
        caught = any(s.expect_failure in d for d in details)
        details = [] if caught else [f"expected a failure for '{s.expect_failure}', got: "
                                     f"{details or 'a pass'}"]
    return Outcome(name, not details, time.monotonic() - start, details)


def on_kasan(s: scenarios.Scenario) -> scenarios.Scenario:
    """`s` as the KASAN pass runs it: its `# kasan:` RAM, three times its time (KASAN costs
    2-3x under TCG)."""
    return dataclasses.replace(s, memory=s.kasan, timeout=3 * s.timeout)


def run_all(kdir: Path, names=None, report=print, kasan: bool = False) -> list:
    """Runs the named scenarios (default: all) on `kdir`; with `kasan`, `kdir` is the KASAN
    kernel and only the scenarios with a `# kasan:` header run, with that RAM."""
    image = prepare(kdir)
    chosen = scenarios.load_all(SCENARIOS)
    label = "kasan:" if kasan else ""
    if kasan:
        chosen = [on_kasan(s) for s in chosen if s.kasan]
    if names:
        unknown = set(names) - {s.name for s in chosen}
        if unknown:
            raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
        chosen = [s for s in chosen if s.name in names]
    outcomes = []

    def done(o: Outcome):
        report(f"{'PASS' if o.passed else 'FAIL'} vm:{o.name} ({o.seconds:.0f} s)")
        for d in o.details:
            report(f"     {d}")
        if not o.passed:
            report(f"     console logs: {logs_of(o.name)}/")
        outcomes.append(o)

    schedule.run_scheduled(chosen, VM_JOBS, lambda s: run_one(s, kdir, image, label), done)
    return outcomes


def logs_of(name: str) -> Path:
    """Where the console logs of scenario `name` go (`kasan:NAME` under kasan/NAME)."""
    return LOGS / name.replace(":", "/")


def main() -> int:
    args = sys.argv[1:]
    kasan = "--kasan" in args
    names = [a for a in args if a != "--kasan"]
    if kasan:
        kdir = (Path(os.environ["KASAN_KDIR"]) if os.environ.get("KASAN_KDIR")
                else artifacts.kernel_tree("kasan"))
    else:
        kdir = Path(os.environ["KDIR"]) if os.environ.get("KDIR") else artifacts.kernel_tree()
    build = artifacts.build_module(kdir)
    if build.returncode != 0:
        print(build.stdout)
        return 1
    outcomes = run_all(kdir, names, kasan=kasan)
    failed = sum(not o.passed for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
