"""Scenario files: a guest shell script with a header of `# key: value` lines.

    # scenario: what the scenario shows, in one line
    # nodes: 1 or 2                  (default 1)
    # memory: guest RAM, e.g. 256M   (default 256M)
    # timeout: seconds               (default 180)
    # cpus: 1 to 8                    (optional: the guest's CPUs, each a socket of its own;
    #                                 without it QEMU's `-smp 2`, which this ACPI-less kernel
    #                                 boots as one CPU)
    # append: extra kernel command line for every node (optional)
    # disk: scratch disk size per node, e.g. 1G (default 1G)
    # kasan: guest RAM for a second run on the KASAN kernel, e.g. 384M (optional: the
    #        scenario is part of make check's KASAN pass; KASAN's shadow and quarantine take
    #        much of a small guest's memory, so it names its own size)
    # quiet: yes                     (optional: no two-node scenario runs meanwhile, only
    #                                 single-node ones; for scenarios that time microseconds)
    # expect-failure: text a failure reason must contain (harness self-tests only: the
    #                 scenario passes when the verdict fails for that reason)
    # wire: clear=N hidden=M          (two nodes: node 0's link is captured, and the self-test
    #                                 payload of N bytes must be in it, that of M bytes not;
    #                                 see wire.py)
"""

import re
from dataclasses import dataclass
from pathlib import Path

import wire

KEYS = {"scenario", "nodes", "memory", "timeout", "append", "disk", "expect-failure", "kasan",
        "quiet", "wire", "cpus"}
SIZE = re.compile(r"^[1-9][0-9]*[MG]$")


@dataclass
class Scenario:
    name: str
    path: Path
    description: str
    nodes: int = 1
    memory: str = "256M"
    timeout: int = 180
    append: str = ""
    disk: str = "1G"
    expect_failure: str = ""
    kasan: str = ""
    quiet: bool = False
    # (clear, hidden) self-test payload lengths the link capture is checked for, if any.
    wire: tuple = ()
    # The guest's CPUs (0: the harness's default, one CPU).
    cpus: int = 0


def load(path: Path) -> Scenario:
    """Parses the header of a scenario file; a malformed header raises ValueError."""
    fields = {}
    for line in path.read_text().splitlines()[1:]:
        if not line.startswith("# ") or ":" not in line:
            break
        key, value = line[2:].split(":", 1)
        if key not in KEYS:
            raise ValueError(f"{path}: unknown header key {key!r}")
        fields[key] = value.strip()
    if "scenario" not in fields:
        raise ValueError(f"{path}: missing '# scenario:' line")
    s = Scenario(path.stem, path, fields["scenario"])
    if "nodes" in fields:
        s.nodes = int(fields["nodes"])
        if s.nodes not in (1, 2):
            raise ValueError(f"{path}: nodes must be 1 or 2")
    for key in ("memory", "disk", "kasan"):
        if key in fields:
            if not SIZE.match(fields[key]):
                raise ValueError(f"{path}: {key} must look like 256M or 1G")
            setattr(s, key, fields[key])
    if "timeout" in fields:
        s.timeout = int(fields["timeout"])
    if "cpus" in fields:
        if not fields["cpus"].isdigit() or not 1 <= int(fields["cpus"]) <= 8:
            raise ValueError(f"{path}: cpus must be 1 to 8")
        s.cpus = int(fields["cpus"])
    if fields.get("quiet", "yes") != "yes":
        raise ValueError(f"{path}: quiet must be yes (or left out)")
    s.quiet = "quiet" in fields
    s.append = fields.get("append", "")
    s.expect_failure = fields.get("expect-failure", "")
    if "wire" in fields:
        if s.nodes != 2:
            raise ValueError(f"{path}: wire needs nodes: 2")
        s.wire = wire.parse(fields["wire"])
    return s


def load_all(folder: Path) -> list:
    return [load(p) for p in sorted(folder.glob("*.sh")) if p.name != "lib.sh"]
