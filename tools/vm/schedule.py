"""The order and overlap in which the VM scenarios of a run boot.

The host has `jobs` cores (2 here) and every guest is one TCG vCPU thread. A single-node
scenario keeps about one core busy; a two-node one about 1.2, since one node mostly waits for the
other (measured: the host was 40% idle through ramster-remotify). So `jobs` lanes run at once:

- lane 0 runs the scenarios marked `# quiet: yes` (they time microseconds: the irqsoff bounds),
  then the two-node scenarios and those of a guest with several CPUs (`# cpus: N`, one vCPU
  thread each), one after another, then single-node ones;
- the other lanes run single-node, single-CPU scenarios only.

So a quiet scenario only ever has single-node neighbours (never more busy vCPUs than cores), and
no two two-node scenarios overlap: their heartbeat deadlines do not compete with each other.
Each list runs longest first (by its timeout), so that no long scenario starts last.
"""

import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor


def longest_first(scenarios) -> list:
    return sorted(scenarios, key=lambda s: (-s.timeout, s.name))


def run_scheduled(chosen: list, jobs: int, run, done) -> None:
    """Runs each scenario of `chosen` once with `run(s)` and passes what it returns to `done`
    (called from one thread at a time)."""
    quiet = longest_first(s for s in chosen if s.quiet)
    wide = [s for s in chosen if (s.nodes > 1 or s.cpus > 1) and not s.quiet]
    pairs = longest_first(wide)
    singles = deque(longest_first(s for s in chosen if s not in wide and not s.quiet))
    lock = threading.Lock()

    def report(outcome) -> None:
        with lock:
            done(outcome)

    def next_single():
        with lock:
            return singles.popleft() if singles else None

    def lane(first: list) -> None:
        for s in first:
            report(run(s))
        while (s := next_single()) is not None:
            report(run(s))

    jobs = max(jobs, 1)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        lanes = [pool.submit(lane, quiet + pairs)]
        lanes += [pool.submit(lane, []) for _ in range(jobs - 1)]
        for finished in lanes:
            finished.result()
