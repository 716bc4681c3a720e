"""Host tests of schedule.py: every scenario runs once, quiet ones never beside a two-node
scenario, never two two-node scenarios at once, and the longest first."""

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
    quiet: bool = False
    cpus: int = 0


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
                 Fake("e", nodes=2, timeout=400), Fake("f", quiet=True), Fake("g", nodes=2),
                 Fake("h", timeout=50), Fake("i", nodes=2, quiet=True), Fake("j", cpus=2)]

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

    def test_quiet_scenarios_have_single_node_neighbours_only(self):
        by_name = {s.name: s for s in self.SCENARIOS}
        for jobs in (2, 3):
            rec, _ = self.schedule(jobs)
            for name, others in rec.overlaps:
                together = {name, *others}
                for quiet in (n for n in together if by_name[n].quiet):
                    neighbours = together - {quiet}
                    self.assertTrue(all(by_name[n].nodes == 1 and by_name[n].cpus <= 1
                                        for n in neighbours), (quiet, neighbours))

    def test_two_node_and_multi_cpu_scenarios_never_overlap(self):
        rec, _ = self.schedule(3)
        two_node = {s.name for s in self.SCENARIOS if s.nodes > 1 or s.cpus > 1}
        for name, others in rec.overlaps:
            if name in two_node:
                self.assertFalse(two_node & set(others), (name, others))

    def test_singles_run_beside_two_node_scenarios(self):
        rec, _ = self.schedule(2)
        # The longest two-node scenario runs beside single-node ones.
        self.assertTrue(any("e" in {name, *others} and len({name, *others}) == 2
                            for name, others in rec.overlaps), rec.overlaps)

    def test_longest_first(self):
        rec, _ = self.schedule(1)
        self.assertEqual(rec.started, ["f", "i", "e", "d", "g", "j", "b", "a", "c", "h"])


if __name__ == "__main__":
    unittest.main()
