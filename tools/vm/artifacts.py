"""Builds what the VMs boot: the test kernel (cached), ramster.ko, the static test programs and
the initramfs. Shared by check.py, demo.py and bench scripts."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("RAMSTER_CACHE", Path.home() / ".cache/ramster"))
CARGO_TARGET = Path(os.environ.get("CARGO_TARGET_DIR", CACHE / "cargo-target"))
HOST_TRIPLE = "x86_64-unknown-linux-gnu"
GUEST_PROGRAMS = ["pattern", "netcheck", "swapstress", "swaprace", "swaplost", "hookfile",
                  "mkext4", "badpeer", "pingpong", "anonfuzz", "fsx", "addkey", "zerorewrite"]
# Userspace tools the guests run too, linked statically the same way.
GUEST_TOOLS = ["ramster-tools"]
# Guest programs only make bench's images hold (the test images stay as small as they are).
BENCH_ONLY_PROGRAMS = ["memload"]


def env() -> dict:
    e = dict(os.environ)
    e["PATH"] = f"{Path.home() / '.cargo/bin'}:{e.get('PATH', '')}"
    e["CARGO_TARGET_DIR"] = str(CARGO_TARGET)
    return e


def kernel_tree(flavor: str = "") -> Path:
    """Builds (or finds cached) the test kernel, or its `flavor` (e.g. "kasan"); returns its
    build tree."""
    e = env()
    e["FLAVOR"] = flavor
    out = subprocess.run([str(REPO / "tools/kernel/build.sh")], check=True, env=e,
                         stdout=subprocess.PIPE, text=True).stdout
    return Path(out.strip().splitlines()[-1])


def bench_kernel_tree() -> Path:
    """Builds (or finds cached) the benchmark kernel (tools/kernel/bench-kernel.sh: the test
    kernel without its debugging options); returns its build tree."""
    out = subprocess.run([str(REPO / "tools/kernel/bench-kernel.sh")], check=True, env=env(),
                         stdout=subprocess.PIPE, text=True).stdout
    return Path(out.strip().splitlines()[-1])


def kernel_release(kdir: Path) -> str:
    return (kdir / "include/config/kernel.release").read_text().strip()


def build_module(kdir: Path, clippy: bool = True) -> subprocess.CompletedProcess:
    """Builds ramster.ko (with clippy-driver when `clippy`); output in .stdout."""
    cmd = ["make", "-C", str(kdir), f"M={REPO}", "LLVM=-19", "modules"]
    if clippy:
        cmd.append("CLIPPY=1")
    return subprocess.run(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def build_hooktest(kdir: Path) -> list:
    """Builds tools/hooktest/hooktest.ko (the hooks' test backend, with clippy); returns [path],
    or [] with a note when `kdir` has no frontswap/cleancache hooks to build against."""
    cmd = ["make", "-C", str(kdir), f"M={REPO / 'tools/hooktest'}", "LLVM=-19", "CLIPPY=1",
           "modules"]
    out = subprocess.run(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    if out.returncode != 0:
        print(f"note: hooktest.ko not built against {kdir}; hooks-* scenarios will fail\n"
              + "\n".join(out.stdout.splitlines()[-15:]))
        return []
    return [REPO / "tools/hooktest/hooktest.ko"]


def build_warnings(output: str) -> list:
    """The warning lines of a kernel or module build (rustc, clippy, cc, objtool, modpost)."""
    return [line for line in output.splitlines() if "warning" in line.lower()]


def build_guest_programs(extra: list = ()) -> list:
    """Builds the guest programs statically linked; returns the paths of the test programs,
    the tools and `extra` (e.g. BENCH_ONLY_PROGRAMS)."""
    e = env()
    e["RUSTFLAGS"] = "-C target-feature=+crt-static"
    subprocess.run(["cargo", "build", "--quiet", "--release", "--locked", "-p", "ramster-guest",
                    "-p", "ramster-tools", "--target", HOST_TRIPLE], cwd=REPO, env=e, check=True)
    return [CARGO_TARGET / HOST_TRIPLE / "release" / p
            for p in GUEST_PROGRAMS + GUEST_TOOLS + list(extra)]
