"""Host tests of schedule.py: every scenario runs once, alone ones with no other VM, never two
two-node scenarios at once, and the longest first."""

import threading
import time
import unittest
from dataclasses import dataclass

import schedule


@dataclass
class Fake:
    name: str
    nodes: int = 1
    timeout: int = 100
    alone: bool = False


class Recorder:
    """A `run` that records which scenarios overlap."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = []
        self.overlaps = []
        self.started = []

    def run(self, s):
        with self.lock:
            self.overlaps.append((s.name, [r.name for r in self.running]))
            self.running.append(s)
            self.started.append(s.name)
        time.sleep(0.01 * (1 + s.timeout / 100))
        with self.lock:
            self.running.remove(s)
        return s.name


class ScheduleTest(unittest.TestCase):
    SCENARIOS = [Fake("a"), Fake("b", timeout=300), Fake("c"), Fake("d", nodes=2),
                 Fake("e", nodes=2, timeout=400), Fake("f", alone=True), Fake("g", nodes=2),
                 Fake("h", timeout=50), Fake("i", nodes=2, alone=True)]

    def schedule(self, jobs):
        rec, done = Recorder(), []
        schedule.run_scheduled(self.SCENARIOS, jobs, rec.run, done.append)
        return rec, done

    def test_every_scenario_runs_once(self):
        for jobs in (1, 2, 3):
            with self.subTest(jobs=jobs):
                rec, done = self.schedule(jobs)
                self.assertEqual(sorted(done), sorted(s.name for s in self.SCENARIOS))
                self.assertEqual(sorted(rec.started), sorted(done))

    def test_alone_scenarios_overlap_nothing(self):
        rec, _ = self.schedule(2)
        by_name = {s.name: s for s in self.SCENARIOS}
        for name, others in rec.overlaps:
            if by_name[name].alone:
                self.assertEqual(others, [], name)
            for other in others:
                self.assertFalse(by_name[other].alone, (name, other))

    def test_two_node_scenarios_never_overlap(self):
        rec, _ = self.schedule(3)
        two_node = {s.name for s in self.SCENARIOS if s.nodes > 1}
        for name, others in rec.overlaps:
            if name in two_node:
                self.assertFalse(two_node & set(others), (name, others))

    def test_singles_run_beside_two_node_scenarios(self):
        rec, _ = self.schedule(2)
        # After the alone ones, the longest two-node scenario and the longest single start
        # together.
        self.assertTrue(any({name, *others} == {"b", "e"} for name, others in rec.overlaps),
                        rec.overlaps)

    def test_longest_first(self):
        rec, _ = self.schedule(1)
        self.assertEqual(rec.started, ["f", "i", "e", "d", "g", "b", "a", "c", "h"])


if __name__ == "__main__":
    unittest.main()
