"""The order and overlap in which the VM scenarios of a run boot.

The host has `jobs` cores (2 here) and every guest is one TCG vCPU thread. A single-node
scenario keeps about one core busy; a two-node one about 1.2, since one node mostly waits for the
other (measured: the host was 40% idle through ramster-remotify). So:

- scenarios marked `# alone: yes` (they time microseconds: the irqsoff bounds) run first, one at a
  time, with no other VM;
- then lane 0 runs the two-node scenarios one after another, while the other jobs - 1 lanes run
  single-node ones; lane 0 joins them once its two-node scenarios are done. No two two-node
  scenarios ever overlap: their heartbeat deadlines should not compete with each other;
- each list runs longest first (by its timeout), so that no long scenario starts last.
"""

import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor


def longest_first(scenarios) -> list:
    return sorted(scenarios, key=lambda s: (-s.timeout, s.name))


def run_scheduled(chosen: list, jobs: int, run, done) -> None:
    """Runs each scenario of `chosen` once with `run(s)` and passes what it returns to `done`
    (called from one thread at a time)."""
    alone = longest_first(s for s in chosen if s.alone)
    pairs = longest_first(s for s in chosen if s.nodes > 1 and not s.alone)
    singles = deque(longest_first(s for s in chosen if s.nodes == 1 and not s.alone))
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

    for s in alone:
        report(run(s))
    jobs = max(jobs, 1)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        lanes = [pool.submit(lane, pairs)] + [pool.submit(lane, []) for _ in range(jobs - 1)]
        for finished in lanes:
            finished.result()
