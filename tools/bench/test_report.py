"""Tests of report.py: tables from console lines, ratios, and failure on a missing number.

    python3 -m unittest discover -s tools/bench -p 'test_*.py'
"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import configs  # noqa: E402
import report  # noqa: E402


def swap_run(name, write, verify, extra="", round=0, stored=1000):
    c = next(c for c in configs.CONFIGS if c.name == name)
    console = "\n".join([
        f"BENCH-RESULT: write_s {write}", f"BENCH-RESULT: verify_s {verify}",
        f"BENCH-RESULT: stored_pages {stored}", f"BENCH-RESULT: orig_bytes {stored * 4096}",
        "BENCH-RESULT: mem_used_bytes 2048000", "BENCH-RESULT: disk_out_pages 10",
        "BENCH-RESULT: disk_in_pages 5", extra])
    return report.Run(c, [console], [], 1.0, round=round)


def memcached_run(name, ops, p99, round=0, failed_gets=0):
    c = next(c for c in configs.CONFIGS if c.name == f"memcached-{name}")
    console = "\n".join([f"BENCH-RESULT: memload_{k} {v}" for k, v in [
        ("requests", 30000), ("ops_per_s", ops), ("p50_us", 100), ("p99_us", p99),
        ("p999_us", p99 * 3), ("load_s", 50), ("check_s", 40)]] + [
        "BENCH-RESULT: disk_out_pages 10", "BENCH-RESULT: disk_in_pages 5",
        f"BENCH-RESULT: remote_pers_pages_unsucc_get {failed_gets}"])
    return report.Run(c, [console], [], 1.0, round=round)


def cleancache_run(name, pass2, found, missed, round=0):
    c = next(c for c in configs.CONFIGS if c.name == name)
    console = "\n".join(f"BENCH-RESULT: {k} {v}" for k, v in [
        ("fileset_mib", 125), ("pass1_s", 40), ("pass2_s", pass2), ("pass2_gets_found", found),
        ("pass2_gets_missed", missed), ("pass2_disk_read_pages", 1000)])
    return report.Run(c, [console], [], 1.0, round=round)


CORPUS = """corpus: 10 pages in /cache/corpus/abc
BENCH-RESULT: corpus_text_pages 6
BENCH-RESULT: corpus_text_flex_ratio 1.600
BENCH-RESULT: corpus_text_c_ratio 1.610
BENCH-RESULT: corpus_zero_pages 4
BENCH-RESULT: corpus_zero_flex_ratio 150.000
BENCH-RESULT: corpus_zero_c_ratio 157.000
BENCH-RESULT: corpus_all_pages 10
BENCH-RESULT: corpus_all_same_filled 4
BENCH-RESULT: corpus_all_flex_ratio 2.630
BENCH-RESULT: corpus_all_c_ratio 2.640
BENCH-RESULT: corpus_all_flex_ratio_same_free 2.670
"""


def row(text, name):
    return next(line.split() for line in text.splitlines() if line.split()[:1] == [name])


CODEC = """[ 1.0] BENCH-CODEC: pages_per_kind 100
BENCH-CODEC: text lz4_flex compress_ns 2000 decompress_ns 500 zbytes_per_page 1500
BENCH-CODEC: text lz4-c compress_ns 1800 decompress_ns 450 zbytes_per_page 1490
BENCH-CODEC: all lz4_flex compress_ns 2000 decompress_ns 500
BENCH-CODEC: all lz4-c compress_ns 1800 decompress_ns 450
"""

def cluster_console(get_means=(250000, 250000)):
    """Two rounds of the cluster run; the remote get's mean in each round is given."""
    lines = []
    for n, get_mean in enumerate(get_means, 1):
        lines += [f"BENCH-RESULT: round{n} {p}_{k} {v}" for p in ("bench", "pingpong")
                  for k, v in [("payload", 4096), ("count", 50), ("rtt_mean_ns", 200000),
                               ("rtt_p50_ns", 190000), ("rtt_p99_ns", 400000),
                               ("rtt_total_ns", 10000000), ("stream_ns", 5000000)]]
        lines += [f"BENCH-RESULT: round{n} encrypted_{k} {v}"
                  for k, v in [("payload", 4096), ("count", 50), ("rtt_mean_ns", 220000),
                               ("rtt_p50_ns", 190000), ("rtt_p99_ns", 400000),
                               ("rtt_total_ns", 10000000), ("stream_ns", 5000000)]]
        lines += [f"BENCH-RESULT: round{n} noauth_{k} {v}"
                  for k, v in [("payload", 4096), ("count", 50), ("rtt_mean_ns", 160000),
                               ("rtt_p50_ns", 190000), ("rtt_p99_ns", 400000),
                               ("rtt_total_ns", 10000000), ("stream_ns", 5000000)]]
        lines += [f"BENCH-RESULT: round{n} getbench_{k} {v}" for k, v in
                  [("count", 50), ("zbytes_mean", 1600), ("get_mean_ns", get_mean),
                   ("get_p50_ns", 240000), ("get_p99_ns", 500000), ("put_mean_ns", 300000),
                   ("put_p50_ns", 290000), ("put_p99_ns", 600000)]]
    return "\n".join(lines)


CLUSTER = cluster_console()


def config(name):
    return next(c for c in configs.CONFIGS if c.name == name)


class ReportTest(unittest.TestCase):
    def test_swap_ratios_and_target(self):
        runs = [swap_run("zswap", 10.0, 10.0), swap_run("zcache", 11.0, 11.0,
                                                        "BENCH-RESULT: compr_bytes 1024000")]
        text, ok = report.render(runs, "6.12", "make bench")
        assert ok
        assert "target: zcache run time within 1.0x of zswap's: 1.10x (medians), NOT met" in text

    def test_spread_median_min_max(self):
        s = report.Spread.of([3.0, 1.0, 2.0])
        self.assertEqual((s.median, s.low, s.high), (2.0, 1.0, 3.0))
        self.assertEqual(s.range(), "1.0-3.0")
        self.assertEqual(s.percent(), "100%")
        even = report.Spread.of([4.0, 1.0, 2.0, 10.0])
        self.assertEqual((even.median, even.low, even.high), (3.0, 1.0, 10.0))
        one = report.Spread.of([5.0])
        self.assertEqual((one.median, one.range(), one.percent()), (5.0, "5.0", "0%"))
        with self.assertRaises(ValueError):
            report.Spread.of([])

    def test_repeated_swap_runs_print_medians_and_rounds(self):
        # Three interleaved rounds, given out of order: medians, min-max and round ratios.
        runs = []
        for n, (zswap, zcache, zram) in enumerate([(10, 12, 9), (20, 18, 30), (15, 15, 12)]):
            runs += [swap_run("zcache", zcache, zcache, round=n, stored=1000 + n),
                     swap_run("zswap", zswap, zswap, round=n),
                     swap_run("zram", zram, zram, "BENCH-RESULT: compr_bytes 1024000\n"
                              "BENCH-RESULT: zram_compressor lzo-rle", round=n)]
        text, ok = report.render(runs[::-1], "6.12", "make bench", repeats=3)
        self.assertTrue(ok, text)
        self.assertIn("RAMSTER_BENCH_RUNS=3", text)
        self.assertIn("3 interleaved runs per row", text)
        # zcache: 24, 36, 30 s -> median 30, 24-36, spread 40%, vs zswap's median 30: 1.00x.
        self.assertEqual(row(text, "zcache")[:8],
                         ["zcache", "3", "160", "MiB", "/", "80M", "30.0", "24.0-36.0"])
        self.assertEqual(row(text, "zcache")[8:11], ["40%", "1.00x", "1001"])
        self.assertEqual(row(text, "zram")[6:10], ["24.0", "18.0-60.0", "175%", "0.80x"])
        self.assertIn("zcache vs zswap by round: 1.20x 0.90x 1.00x", text)
        self.assertIn("zram vs zswap by round: 0.90x 1.50x 0.80x", text)
        self.assertIn("zram: compressor lzo-rle (the kernel's zram has no lz4", text)
        self.assertIn("target: zcache run time within 1.0x of zswap's: 1.00x (medians), met",
                      text)

    def test_a_missing_number_in_one_run_fails_the_table(self):
        runs = [swap_run("zswap", 10, 10, round=n) for n in range(3)]
        runs[1].consoles = [runs[1].consoles[0].replace("BENCH-RESULT: verify_s 10", "")]
        text, ok = report.render(runs, "6.12", "make bench", repeats=3)
        self.assertFalse(ok)
        self.assertIn("no number for 'verify_s'", text)

    def test_a_failed_run_is_named_with_its_round(self):
        runs = [swap_run("zswap", 10, 10, round=n) for n in range(2)]
        runs[1].problems = ["node0: not ok - every page verified twice"]
        text, ok = report.render(runs, "6.12", "make bench", repeats=2)
        self.assertFalse(ok)
        self.assertIn("FAILED: zswap (logs: logs/bench/zswap/run2/)", text)

    def test_memcached_medians_ratios_and_targets(self):
        runs = [memcached_run("zswap", 1000, 2000, round=n) for n in range(3)]
        runs += [memcached_run("zcache", ops, p99, round=n)
                 for n, (ops, p99) in enumerate([(900, 2100), (1100, 1900), (950, 1950)])]
        runs += [memcached_run("disk", 300, 9000, round=n) for n in range(3)]
        runs += [memcached_run("ramster", 700, 3000, round=n, failed_gets=n) for n in range(3)]
        text, ok = report.render(runs, kernel="k", command="make bench", repeats=3)
        self.assertTrue(ok, text)
        zcache = row(text, "zcache")
        self.assertEqual(zcache[1:10], ["3", "950", "900-1100", "21%", "0.95x", "100", "1950",
                                        "5850", "0.97x"])
        self.assertIn("zcache's memcached p99 within 1.0x of zswap's: 0.97x (medians), met", text)
        self.assertIn("at least 2x disk swap's: 2.33x (medians), met; every value verified, "
                      "failed remote gets: 2 (most in a run)", text)

    def test_chart_data_takes_medians_and_skips_failed_runs(self):
        runs = [memcached_run("zswap", 1000, p99, round=n) for n, p99 in enumerate([10, 30, 20])]
        for r in runs:
            r.consoles[0] += "\n" + "\n".join(f"BENCH-RESULT: memload_{p}_us 5"
                                               for p in report.CHART_PERCENTILES if p != "p99")
        broken = memcached_run("zcache", 900, 2100)
        broken.problems = ["node0: a check failed"]
        swap = [swap_run("zswap", 10, 5, stored=1000)]
        data = report.chart_data(runs + [broken] + swap)
        self.assertEqual(set(data["memcached"]), {"zswap"})
        self.assertEqual(data["memcached"]["zswap"]["p99"], 20)
        self.assertEqual(data["memcached"]["zswap"]["p50"], 5)
        saved = 1000 * 4096 - 2048000
        self.assertEqual(data["swap"]["zswap"], {"saved_mib": saved / report.MIB,
                                                 "saved_bytes_per_page": saved / 1000})

    def test_memcached_target_missed(self):
        runs = [memcached_run("zswap", 1000, 2000), memcached_run("zcache", 900, 2100)]
        text, ok = report.render(runs, kernel="k", command="make bench")
        self.assertTrue(ok, text)
        self.assertIn("p99 within 1.0x of zswap's: 1.05x (medians), NOT met", text)

    def test_cleancache_speedup_hit_rate_and_target(self):
        runs = [cleancache_run("cleancache-off", 40, 0, 0, round=n) for n in range(2)]
        runs += [cleancache_run("cleancache-zcache", t, 300, 700, round=n)
                 for n, t in enumerate([30, 34])]
        text, ok = report.render(runs, kernel="k", command="make bench", repeats=2)
        self.assertTrue(ok, text)
        self.assertEqual(row(text, "cleancache-zcache")[1:10],
                         ["2", "40.0", "32.0", "30.0-34.0", "12%", "1.25x", "300", "30%",
                          "1000"])
        self.assertEqual(row(text, "cleancache-off")[8], "-")
        self.assertIn("at least 1.5x faster than without: 1.25x (medians), NOT met", text)

    def test_corpus_table(self):
        c = configs.Config("corpus", "host", "corpus")
        text, ok = report.render([report.Run(c, [CORPUS], [], 0.0)], "6.12", "make bench")
        self.assertTrue(ok, text)
        self.assertEqual(row(text, "text"), ["text", "6", "60%", "1.60", "1.61"])
        self.assertEqual(row(text, "all"), ["all", "10", "100%", "2.63", "2.64"])
        self.assertIn("4 same-filled pages stored as nothing (zswap, zram, zcache): 2.67:1", text)
        text, ok = report.render([report.Run(c, ["corpus: nothing"], [], 0.0)], "6.12", "x")
        self.assertFalse(ok)

    def test_codec_and_cluster_tables(self):
        runs = [report.Run(config("codec"), [CODEC], [], 1.0),
                report.Run(config("cluster"), [CLUSTER, ""], [], 1.0)]
        text, ok = report.render(runs, "6.12", "make bench")
        assert ok, text
        assert "compress 0.90x met, decompress 0.90x met" in text
        assert "1.00x userspace's mean (rounds: 1.00x 1.00x), met" in text
        assert "auth = none, same link, same rounds: round trip 200.0 us vs 160.0 us = 1.25x " \
            "(rounds: 1.25x 1.25x)" in text
        assert "same rounds: round trip 220.0 us vs 200.0 us = 1.10x (rounds: 1.10x 1.10x)" in text
        missing = CLUSTER.replace("BENCH-RESULT: round1 noauth_rtt_mean_ns 160000", "")
        text, ok = report.render([report.Run(config("cluster"), [missing, ""], [], 1.0)],
                                 "6.12", "make bench")
        assert not ok and "no number for 'round1 noauth_rtt_mean_ns'" in text

    def test_native_codec_table(self):
        native = configs.Config("lz4-native", "host", "codec-native")
        console = ("lz4 native: lz4_flex vs C LZ4 1.10.0 on this host\n"
                   + CODEC.replace("compress_ns 2000", "compress_ns 1500"))
        text, ok = report.render([report.Run(native, [console], [], 0.0)], "6.12", "make bench")
        assert ok, text
        assert "lz4 native: lz4_flex vs C LZ4 1.10.0 on this host" in text
        assert "Per-page LZ4 natively on this host" in text
        assert "compress 1.20x met, decompress 0.90x met" in text
        empty = report.Run(native, ["lz4 native: nothing measured\n"], [], 0.0)
        text, ok = report.render([empty], "6.12", "make bench")
        assert not ok and "no codec_bench results" in text

    def test_crypto_native_table(self):
        crypto = configs.Config("crypto-native", "host", "crypto-native")
        console = "\n".join(["frame crypto native: cpu: aes-ni true, sha-ni true",
                             "BENCH-RESULT: frame_crypto_payload_bytes 4144",
                             "BENCH-RESULT: frame_seal_mac_ns 2000",
                             "BENCH-RESULT: frame_open_mac_ns 2000",
                             "BENCH-RESULT: frame_seal_encrypted_ns 3000",
                             "BENCH-RESULT: frame_open_encrypted_ns 2500"])
        text, ok = report.render([report.Run(crypto, [console], [], 0.0)], "6.12", "make bench")
        self.assertTrue(ok)
        self.assertIn("cpu: aes-ni true, sha-ni true", text)
        seal = next(line for line in text.splitlines() if line.startswith("seal"))
        self.assertEqual(seal.split(), ["seal", "2.00", "3.00", "1.50x", "1.38"])
        opened = next(line for line in text.splitlines() if line.startswith("open"))
        self.assertEqual(opened.split(), ["open", "2.00", "2.50", "1.25x", "1.66"])
        short = report.Run(crypto, ["BENCH-RESULT: frame_crypto_payload_bytes 4144"], [], 0.0)
        text, ok = report.render([short], "6.12", "make bench")
        self.assertFalse(ok)

    def test_store_table(self):
        store = configs.Config("store", "host", "store")
        numbers = [("store_host_cpus", 2), ("store_before_shards", 1), ("store_after_shards", 4),
                   ("store_before_t1_ops_per_s", 100000), ("store_before_t2_ops_per_s", 140000),
                   ("store_before_t4_ops_per_s", 130000), ("store_after_t1_ops_per_s", 100000),
                   ("store_after_t2_ops_per_s", 190000), ("store_after_t4_ops_per_s", 185000)]
        waits = {"before": (0, 12.5, 40), "after": (0, 0, 0.25)}
        numbers += [(f"store_{c}_t{t}_waits_per_1000", w)
                    for c, ws in waits.items() for t, w in zip((1, 2, 4), ws)]
        console = "\n".join(["zcache store, swap path: 1536 pages per thread"]
                            + [f"BENCH-RESULT: {k} {v}" for k, v in numbers])
        text, ok = report.render([report.Run(store, [console], [], 0.0)], "6.12", "make bench")
        self.assertTrue(ok, text)
        self.assertIn("1 shard vs 4 shards (cargo bench --bench store)", text)
        self.assertIn("zcache store, swap path: 1536 pages per thread", text)
        two = next(line for line in text.splitlines() if line.startswith("2 threads "))
        self.assertEqual(two.split(), ["2", "threads", "140000", "1.40x", "12.50", "190000",
                                       "1.90x", "0.00", "1.36x"])
        self.assertIn("2 threads against 1: 1.40x before, 1.90x after (at most 2.00x", text)
        short = report.Run(store, [console.replace("BENCH-RESULT: store_after_t4_ops_per_s", "")],
                           [], 0.0)
        text, ok = report.render([short], "6.12", "make bench")
        self.assertFalse(ok)
        self.assertIn("no number for 'store_after_t4_ops_per_s'", text)

    def test_smp_table(self):
        numbers = [("smp_cpus", 2), ("smp_rounds", 2), ("smp_mib_per_worker", 64),
                   ("smp_shards_one_s_round1", 30.0), ("smp_shards_default_s_round1", 20.0),
                   ("smp_shards_one_s_round2", 34.0), ("smp_shards_default_s_round2", 20.0)]
        console = "\n".join(f"BENCH-RESULT: {k} {v}" for k, v in numbers)
        text, ok = report.render([report.Run(config("smp"), [console], [], 1.0)], "6.12",
                                 "make bench smp")
        self.assertTrue(ok, text)
        self.assertIn("Two swap workers of 64 MiB each on a 2-CPU guest", text)
        self.assertEqual(next(l for l in text.splitlines() if l.startswith("round 2")).split(),
                         ["round", "2", "34.0", "20.0", "1.70x"])
        self.assertEqual(next(l for l in text.splitlines() if l.startswith("total")).split(),
                         ["total", "64.0", "40.0", "1.60x"])
        short = console.replace("BENCH-RESULT: smp_shards_default_s_round2 20.0", "")
        text, ok = report.render([report.Run(config("smp"), [short], [], 1.0)], "6.12", "x")
        self.assertFalse(ok)

    def test_ramster_summary_targets(self):
        ramster = "\n".join(f"BENCH-RESULT: {k} {v}" for k, v in [
            ("pers_pages_remoted", 500), ("remote_pers_pages_succ_get", 100),
            ("remote_pers_pages_unsucc_get", 0), ("remote_get_us_total", 25000),
            ("pers_pages_written_through", 500)])
        runs = [swap_run("disk", 20.0, 20.0), swap_run("ramster", 15.0, 15.0, ramster),
                report.Run(config("cluster"), [CLUSTER, ""], [], 1.0)]
        text, ok = report.render(runs, "6.12", "make bench")
        assert ok, text
        assert "ramster mode faster than disk swap: 30.0 s vs 40.0 s = 0.75x, met" in text, text
        assert "the workload's own remote gets: mean 250 us" in text

    def test_remote_get_target(self):
        runs = [report.Run(config("cluster"), [CLUSTER, ""], [], 1.0)]
        text, ok = report.render(runs, "6.12", "make bench")
        assert ok, text
        assert "2 interleaved rounds" in text
        assert "raw in-kernel round trip: 1.25x (rounds: 1.25x 1.25x; p99: 1.25x), met" in text
        slow = cluster_console((250000, 370000))
        text, ok = report.render([report.Run(config("cluster"), [slow, ""], [], 1.0)],
                                 "6.12", "make bench")
        assert ok and "round trip: 1.55x (rounds: 1.25x 1.85x; p99: 1.25x), NOT met" in text
        missing = CLUSTER.replace("BENCH-RESULT: round1 getbench_get_p99_ns 500000", "")
        text, ok = report.render([report.Run(config("cluster"), [missing, ""], [], 1.0)],
                                 "6.12", "make bench")
        assert not ok and "no number for 'round1 getbench_get_p99_ns'" in text

    def test_missing_number_fails(self):
        run = swap_run("zswap", 10.0, 10.0)
        run.consoles = [run.consoles[0].replace("BENCH-RESULT: verify_s 10.0", "")]
        text, ok = report.render([run], "6.12", "make bench")
        assert not ok and "no number for 'verify_s'" in text

    def test_failed_run_shows_no_numbers(self):
        run = swap_run("zswap", 10.0, 10.0)
        run.problems = ["node0: not ok - every page verified twice"]
        text, ok = report.render([run], "6.12", "make bench")
        assert not ok and "FAILED: zswap" in text and "Swap workload" not in text


if __name__ == "__main__":
    unittest.main()
