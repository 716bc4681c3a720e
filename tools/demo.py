#!/usr/bin/env python3
"""`make demo`: boots the two-node test cluster, brings RAMster up on both nodes with
ramster-tools, swaps about twice node 0's RAM while its compressed pages move into node 1's
RAM, shows `ramster-tools status` on both nodes while it runs, verifies every page and prints a
summary (tools/vm/demo/demo.sh). Builds whatever is missing first."""

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "vm"))

import artifacts  # noqa: E402
import cluster  # noqa: E402
import run  # noqa: E402
import verdict  # noqa: E402


def follow(logs, stop):
    """Prints the demo's own lines (DEMO:, ok, not ok) from each node's console as they come."""
    offsets = [0] * len(logs)
    while not stop.is_set():
        for node, log in enumerate(logs):
            if not log.exists():
                continue
            text = log.read_text(errors="replace")
            new, offsets[node] = text[offsets[node]:], len(text)
            for line in new.splitlines():
                if line.startswith(("DEMO:", "ok - ", "not ok - ")):
                    print(f"node{node} | {line.removeprefix('DEMO: ')}", flush=True)
        time.sleep(0.5)


def main() -> int:
    print("demo: preparing the test kernel, ramster.ko and the initramfs ...", flush=True)
    kdir = Path(os.environ["KDIR"]) if os.environ.get("KDIR") else artifacts.kernel_tree()
    build = artifacts.build_module(kdir, clippy=False)
    if build.returncode != 0:
        print(build.stdout)
        return 1
    image = run.prepare(kdir)
    log_dir = run.LOGS / "demo"
    stop = threading.Event()
    watcher = []

    def on_start(_procs, logs):
        print("demo: booting node0 and node1 (QEMU, linked over host loopback) ...", flush=True)
        t = threading.Thread(target=follow, args=(logs, stop), daemon=True)
        t.start()
        watcher.append(t)

    runs = cluster.boot(2, kdir / "arch/x86/boot/bzImage", image, log_dir,
                        memory="128M", append="scenario=demo", timeout=1800, on_start=on_start)
    time.sleep(1)
    stop.set()
    for t in watcher:
        t.join()
    ok = True
    print("demo: summary")
    for r in runs:
        v = verdict.judge(r.log.read_text(errors="replace"), r.timed_out)
        ok &= v.passed
        print(f"  node{r.node}: {'ok' if v.passed else 'FAILED: ' + '; '.join(v.reasons)}"
              f" (console: {r.log})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
