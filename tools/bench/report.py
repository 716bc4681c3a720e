"""Turns the consoles of `make bench`'s runs into tables of numbers and ratios.

Guest scripts print `BENCH-RESULT: NAME VALUE` lines (and `BENCH-CODEC: ...`, the lines of
zcache/codec_bench); each table below reads the runs whose configuration names it (configs.py)
and prints one or more rows per run. A number that is missing makes its run fail: no row is
ever printed without a measurement behind it.
"""

import statistics
from dataclasses import dataclass, field

import configs

MIB = 1 << 20


class Missing(Exception):
    pass


@dataclass
class Run:
    config: configs.Config
    consoles: list
    problems: list
    seconds: float
    notes: list = field(default_factory=list)
    # Which of the interleaved rounds of a repeated configuration (0 for a single run).
    round: int = 0

    def lines(self, mark: str, node: int = 0) -> list:
        text = self.consoles[node] if node < len(self.consoles) else ""
        return [line.split(mark, 1)[1].strip() for line in text.splitlines() if mark in line]

    def results(self, node: int = 0) -> dict:
        out = {}
        for line in self.lines("BENCH-RESULT:", node):
            words = line.split()
            if len(words) >= 2:
                out[" ".join(words[:-1])] = words[-1]
        return out

    def num(self, name: str, node: int = 0) -> float:
        value = self.results(node).get(name)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise Missing(f"{self.config.name}: no number for '{name}' (got {value!r})")


def table(headers: list, rows: list) -> str:
    cells = [headers] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths)))
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(headers), rule] + [fmt(r) for r in cells[1:]])


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def r2(x: float) -> float:
    """A ratio as printed (two decimals), so that a printed 1.00x meets a 1.0x target."""
    return round(x, 2)


@dataclass
class Spread:
    """A measurement repeated over runs: its median, min and max (MMTests' compare reports
    print the same)."""
    median: float
    low: float
    high: float

    @staticmethod
    def of(values: list) -> "Spread":
        if not values:
            raise ValueError("no values")
        return Spread(statistics.median(values), min(values), max(values))

    def range(self, fmt: str = ".1f") -> str:
        """min-max, or the one value of a single run."""
        if self.low == self.high:
            return format(self.low, fmt)
        return f"{self.low:{fmt}}-{self.high:{fmt}}"

    def percent(self) -> str:
        """(max - min) / median, the spread relative to the median."""
        return f"{(self.high - self.low) / self.median * 100:.0f}%" if self.median else "-"


def grouped(runs: list) -> dict:
    """The runs of each configuration (in first-run order), each list in round order."""
    out = {}
    for r in runs:
        out.setdefault(r.config.name, []).append(r)
    return {name: sorted(g, key=lambda r: r.round) for name, g in out.items()}


def swap_seconds(r: Run) -> float:
    """The workload's run time: swapstress's write plus verify time."""
    return r.num("write_s") + r.num("verify_s")


def by_round(a: list, b: list, value) -> list:
    """value(a's run) / value(b's run) for every round both have."""
    rb = {r.round: r for r in b}
    return [value(r) / value(rb[r.round]) for r in a if r.round in rb]


def rounds_text(ratios: list) -> str:
    return " ".join(f"{x:.2f}x" for x in ratios)


def swap_table(runs: list) -> list:
    groups = grouped(runs)
    most = max(len(g) for g in groups.values())
    out = [f"Swap workload: twice RAM of pages of real data (the page corpus), written once, "
           f"verified twice (node 0); {most} interleaved run{'s' if most > 1 else ''} per row: "
           f"median and min-max"]
    rows, times = [], {}
    for name, g in groups.items():
        c = g[0].config
        secs = times[name] = Spread.of([swap_seconds(r) for r in g])
        med = lambda key: statistics.median(r.num(key) for r in g)  # noqa: E731
        used, orig = med("mem_used_bytes"), med("orig_bytes")
        compr = [r.results().get("compr_bytes") for r in g]
        compr = statistics.median(float(x) for x in compr) if all(compr) else None
        ratios = [r.num("orig_bytes") / r.num("mem_used_bytes") for r in g
                  if r.num("mem_used_bytes")]
        rows.append([name, str(len(g)), f"{c.vars.get('SWAP_MIB', '?')} MiB / {c.memory}",
                     f"{secs.median:.1f}", secs.range(), secs.percent(), None,
                     f"{med('stored_pages'):.0f}", f"{orig / MIB:.1f}",
                     f"{compr / MIB:.1f}" if compr is not None else "-", f"{used / MIB:.1f}",
                     f"{(orig - used) / MIB:.1f}",
                     f"{statistics.median(ratios):.2f}" if ratios else "-",
                     f"{med('disk_out_pages'):.0f}", f"{med('disk_in_pages'):.0f}"])
    base = times.get(configs.SWAP_BASELINE)
    for row in rows:
        row[6] = f"{times[row[0]].median / base.median:.2f}x" if base else "-"
    out.append(table(["config", "runs", "workload/RAM", "run s", "min-max s", "spread",
                      f"vs {configs.SWAP_BASELINE}", "stored pages", "orig MiB", "compr MiB",
                      "used MiB", "saved MiB", "orig/used", "disk out pg", "disk in pg"],
                     rows))
    out.append("run s: write + verify time, median over the runs; spread: (max - min) / median; "
               f"vs {configs.SWAP_BASELINE}: ratio of the medians. stored/orig/compr/used: the "
               "compressed store once every page was written (zcache/mm_stat; zram: mm_stat; "
               "zswap: stored_pages, pool_total_size); saved = orig - used; disk pages: pages "
               "written to and read from the swap disk over the run (medians)")
    if "zram" in groups:
        algo = groups["zram"][0].results().get("zram_compressor", "?")
        note = "" if algo == "lz4" else " (the kernel's zram has no lz4: CONFIG_ZRAM_BACKEND_LZ4)"
        out.append(f"zram: compressor {algo}{note}, 40 MiB of pages in front of the swap disk")
    if base:
        for name in groups:
            if name != configs.SWAP_BASELINE and len(groups[name]) > 1:
                out.append(f"{name} vs {configs.SWAP_BASELINE} by round: " + rounds_text(
                    by_round(groups[name], groups[configs.SWAP_BASELINE], swap_seconds)))
    if base and "zcache" in times:
        ratio = times["zcache"].median / base.median
        out.append(f"target: zcache run time within 1.0x of zswap's: {ratio:.2f}x (medians), "
                   f"{verdict(r2(ratio) <= 1.0)}")
    return out


def memcached_table(runs: list) -> list:
    """memcached behind each swap configuration (tools/vm/bench/memcached.sh): throughput and
    latency of the Zipfian run, medians over the interleaved runs."""
    groups = grouped(runs)
    first = next(iter(groups.values()))[0]
    base_name = f"memcached-{configs.SWAP_BASELINE}"
    out = [f"memcached: {first.config.vars.get('MEMC_MIB')} MiB of keys and values (ETC sizes, "
           f"values from the page corpus) in a {first.config.memory} guest, "
           f"{first.num('memload_requests'):.0f} Zipfian requests one at a time (30 gets : 1 "
           f"set), every value verified; median and min-max of the runs"]
    rows, med = [], {}
    for name, g in groups.items():
        ops = Spread.of([r.num("memload_ops_per_s") for r in g])
        m = med[name] = {k: statistics.median(r.num(k) for r in g) for k in (
            "memload_ops_per_s", "memload_p50_us", "memload_p99_us", "memload_p999_us",
            "memload_load_s", "memload_check_s", "disk_out_pages", "disk_in_pages")}
        rows.append([name.removeprefix("memcached-"), str(len(g)), f"{ops.median:.0f}",
                     ops.range(".0f"), ops.percent(), None, f"{m['memload_p50_us']:.0f}",
                     f"{m['memload_p99_us']:.0f}", f"{m['memload_p999_us']:.0f}", None,
                     f"{m['memload_load_s']:.0f}", f"{m['memload_check_s']:.0f}",
                     f"{m['disk_out_pages']:.0f}", f"{m['disk_in_pages']:.0f}"])
    base = med.get(base_name)
    for row, name in zip(rows, groups):
        if base:
            row[5] = f"{med[name]['memload_ops_per_s'] / base['memload_ops_per_s']:.2f}x"
            row[9] = f"{med[name]['memload_p99_us'] / base['memload_p99_us']:.2f}x"
        else:
            row[5] = row[9] = "-"
    b = configs.SWAP_BASELINE
    out.append(table(["config", "runs", "ops/s", "min-max", "spread", f"vs {b}", "p50 us",
                      "p99 us", "p99.9 us", f"p99 vs {b}", "load s", "check s", "disk out pg",
                      "disk in pg"], rows))
    out.append(f"ops/s and latencies: the run phase; vs {b}: ratio of the medians (ops/s: "
               "higher is better; p99: lower is better); load, check: the time to store every "
               "key, and to read every key back once at the end; disk pages: over the whole run")
    if base and "memcached-zcache" in med:
        ratio = med["memcached-zcache"]["memload_p99_us"] / base["memload_p99_us"]
        out.append(f"target: zcache's memcached p99 within 1.0x of zswap's: {ratio:.2f}x "
                   f"(medians), {verdict(r2(ratio) <= 1.0)}")
    if "memcached-ramster" in med and "memcached-disk" in med:
        ratio = (med["memcached-ramster"]["memload_ops_per_s"]
                 / med["memcached-disk"]["memload_ops_per_s"])
        failed = max(r.num("remote_pers_pages_unsucc_get") for r in groups["memcached-ramster"])
        out.append(f"target: RAMster's memcached throughput at least 2x disk swap's: "
                   f"{ratio:.2f}x (medians), {verdict(r2(ratio) >= 2.0)}; every value "
                   f"verified, failed remote gets: {failed:.0f} (most in a run)")
    return out


def cleancache_table(runs: list) -> list:
    """The file set read twice (tools/vm/bench/cleancache.sh): each pass's time, the second
    pass's cleancache hit rate and disk reads, medians over the interleaved runs."""
    groups = grouped(runs)
    first = next(iter(groups.values()))[0]
    out = [f"cleancache: a file set of {first.num('fileset_mib'):.0f} MiB (Linux sources on "
           f"ext4, read-only) in a {first.config.memory} guest, read twice in the same order, "
           "every byte checked; median and min-max of the runs"]
    rows, second = [], {}
    for name, g in groups.items():
        med = lambda key: statistics.median(r.num(key) for r in g)  # noqa: E731
        p2 = second[name] = Spread.of([r.num("pass2_s") for r in g])
        found, missed = med("pass2_gets_found"), med("pass2_gets_missed")
        hits = f"{found / (found + missed) * 100:.0f}%" if found + missed else "-"
        rows.append([name, str(len(g)), f"{med('pass1_s'):.1f}", f"{p2.median:.1f}",
                     p2.range(), p2.percent(), None, f"{found:.0f}", hits,
                     f"{med('pass2_disk_read_pages'):.0f}"])
    off = second.get("cleancache-off")
    for row in rows:
        row[6] = f"{off.median / second[row[0]].median:.2f}x" if off else "-"
    out.append(table(["config", "runs", "1st read s", "2nd read s", "min-max s", "spread",
                      "2nd speedup", "hits", "hit rate", "disk pages"], rows))
    out.append("2nd speedup: the second read without cleancache / with it (medians); hits, hit "
               "rate: cleancache gets of the second read that found their page; disk pages: "
               "read from the disk by the second read")
    if off and "cleancache-zcache" in second:
        ratio = off.median / second["cleancache-zcache"].median
        out.append(f"target: with cleancache the second read at least 1.5x faster than "
                   f"without: {ratio:.2f}x (medians), {verdict(r2(ratio) >= 1.5)}")
    return out


def corpus_table(runs: list) -> list:
    """The swap workload's page corpus (tools/bench/corpus.py) compressed page by page on the
    host (cargo bench --bench corpus)."""
    out = []
    for r in runs:
        head = [line for line in r.consoles[0].splitlines() if line.startswith("corpus:")]
        res = r.results()
        kinds = [k[len("corpus_"):-len("_pages")] for k in res
                 if k.startswith("corpus_") and k.endswith("_pages") and k != "corpus_all_pages"]
        if not kinds:
            raise Missing(f"{r.config.name}: no corpus results")
        total = r.num("corpus_all_pages")
        rows = [[k, f"{r.num(f'corpus_{k}_pages'):.0f}",
                 f"{r.num(f'corpus_{k}_pages') / total * 100:.0f}%",
                 f"{r.num(f'corpus_{k}_flex_ratio'):.2f}", f"{r.num(f'corpus_{k}_c_ratio'):.2f}"]
                for k in kinds]
        rows.append(["all", f"{total:.0f}", "100%", f"{r.num('corpus_all_flex_ratio'):.2f}",
                     f"{r.num('corpus_all_c_ratio'):.2f}"])
        out += ["Page corpus of the swap workload, compressed page by page on the host "
                "(cargo bench --bench corpus)"] + head[:1]
        out.append(table(["kind", "pages", "share", "lz4_flex ratio", "C LZ4 ratio"], rows))
        out.append(f"ratio: 4 KiB per page / compressed size (at most a page); with the "
                   f"{r.num('corpus_all_same_filled'):.0f} same-filled pages stored as nothing "
                   f"(zswap, zram, zcache): {r.num('corpus_all_flex_ratio_same_free'):.2f}:1 "
                   f"with lz4_flex")
    return out


def codec_table(runs: list) -> list:
    return codec_rows(runs, "Per-page LZ4 in the kernel: lz4_flex vs the kernel's C LZ4 "
                      "({pages} pages of each kind, each codec; zcache/codec_bench)")


def native_codec_table(runs: list) -> list:
    """The same pages natively on the host against the C LZ4 library (cargo bench --bench lz4):
    the figure issue 15's 0.85x target holds on, since TCG costs instruction mixes unevenly."""
    out = []
    for r in runs:
        head = [line for line in r.consoles[0].splitlines() if line.startswith("lz4 native:")]
        out += head[:1]
    return out + codec_rows(runs, "Per-page LZ4 natively on this host: lz4_flex vs the C LZ4 "
                            "library ({pages} pages of each kind; cargo bench --bench lz4)")


def codec_rows(runs: list, title: str) -> list:
    out = []
    for r in runs:
        lines = r.lines("BENCH-CODEC:")
        per = {}
        pages = None
        for line in lines:
            w = line.split()
            if w[:1] == ["pages_per_kind"]:
                pages = int(w[1])
            elif len(w) >= 6 and w[2] == "compress_ns":
                per[(w[0], w[1])] = (int(w[3]), int(w[5]), int(w[7]) if len(w) > 7 else None)
        kinds = [k for k, codec in per if codec == "lz4_flex"]
        if not pages or "all" not in kinds:
            raise Missing(f"{r.config.name}: no codec_bench results")
        out.append(title.format(pages=pages))
        rows = []
        for kind in kinds:
            (fc, fd, fz), (cc, cd, cz) = per[(kind, "lz4_flex")], per[(kind, "lz4-c")]
            rows.append([kind, fc, cc, f"{cc / fc:.2f}x", fd, cd, f"{cd / fd:.2f}x",
                         fz if fz is not None else "-", cz if cz is not None else "-"])
        out.append(table(["pages", "flex comp ns", "C comp ns", "flex speed",
                          "flex decomp ns", "C decomp ns", "flex speed", "flex bytes",
                          "C bytes"], rows))
        (fc, fd, _), (cc, cd, _) = per[("all", "lz4_flex")], per[("all", "lz4-c")]
        out.append("flex speed = C LZ4 ns / lz4_flex ns (1.00x = as fast; higher = faster)")
        out.append(f"target: lz4_flex at least 0.85x of C LZ4's speed: compress {cc / fc:.2f}x "
                   f"{verdict(r2(cc / fc) >= 0.85)}, decompress {cd / fd:.2f}x "
                   f"{verdict(r2(cd / fd) >= 0.85)}")
    return out


def rounds(r: Run, name: str) -> list:
    """NAME's value in each of the cluster run's interleaved rounds (`roundN NAME`)."""
    values, results = [], r.results()
    while f"round{len(values) + 1} {name}" in results:
        values.append(r.num(f"round{len(values) + 1} {name}"))
    if not values:
        raise Missing(f"{r.config.name}: no number for 'round1 {name}'")
    return values


@dataclass
class Latency:
    """One path's timings over every round: the mean of all its operations, and the median of
    the rounds' p50 and p99 (the rounds keep no raw times)."""
    count: float
    mean_ns: float
    p50_ns: float
    p99_ns: float
    round_means: list


def latency(r: Run, count: str, prefix: str) -> Latency:
    counts, means = rounds(r, count), rounds(r, f"{prefix}_mean_ns")
    total = sum(counts)
    return Latency(total, sum(c * m for c, m in zip(counts, means)) / total,
                   statistics.median(rounds(r, f"{prefix}_p50_ns")),
                   statistics.median(rounds(r, f"{prefix}_p99_ns")), means)


def us(ns: float) -> str:
    return f"{ns / 1e3:.1f}"


def per_round(a: Latency, b: Latency) -> str:
    return " ".join(f"{x / y:.2f}x" for x, y in zip(a.round_means, b.round_means))


def cluster_table(runs: list) -> list:
    out = []
    for r in runs:
        rows, paths = [], {}
        for label, prefix in [("in-kernel messaging (ramster)", "bench"),
                              ("userspace TCP (pingpong)", "pingpong")]:
            payload = r.num(f"round1 {prefix}_payload")
            path = paths[prefix] = latency(r, f"{prefix}_count", f"{prefix}_rtt")
            stream = sum(rounds(r, f"{prefix}_stream_ns"))
            rows.append([label, f"{path.count:.0f}", us(path.mean_ns), us(path.p50_ns),
                         us(path.p99_ns), f"{payload / (path.mean_ns / 1e9) / 1e6:.2f}",
                         f"{path.count * payload / (stream / 1e9) / 1e6:.2f}"])
        n = len(paths["bench"].round_means)
        out.append(f"Cluster: 4096-byte messages between the two VMs (node 0 -> node 1), "
                   f"{n} interleaved rounds")
        out.append(table(["path", "count", "rtt mean us", "p50 us", "p99 us",
                          "rr MB/s", "stream MB/s"], rows))
        out.append("rr MB/s: one request at a time (payload / mean round trip); stream: count "
                   "messages back to back, then one round trip; p50, p99: median over rounds")
        out += [f"link (busybox ping, 56 bytes): {line}" for line in r.lines("BENCH-INFO:")]
        noauth = latency(r, "noauth_count", "noauth_rtt")
        cost = paths["bench"].mean_ns / noauth.mean_ns
        out.append(f"authentication (a HMAC-SHA256 tag on every frame, auth = psk) against "
                   f"auth = none, same link, same rounds: round trip {us(paths['bench'].mean_ns)} "
                   f"us vs {us(noauth.mean_ns)} us = {cost:.2f}x (rounds: "
                   f"{per_round(paths['bench'], noauth)})")
        encrypted = latency(r, "encrypted_count", "encrypted_rtt")
        cost = encrypted.mean_ns / paths["bench"].mean_ns
        out.append(f"encryption (encryption = aes-256-ctr) against auth = psk alone, same link, "
                   f"same rounds: round trip {us(encrypted.mean_ns)} us vs "
                   f"{us(paths['bench'].mean_ns)} us = {cost:.2f}x (rounds: "
                   f"{per_round(encrypted, paths['bench'])})")
        ratio = paths["bench"].mean_ns / paths["pingpong"].mean_ns
        out.append(f"target: in-kernel round trip no slower than userspace: "
                   f"{ratio:.2f}x userspace's mean (rounds: "
                   f"{per_round(paths['bench'], paths['pingpong'])}), {verdict(r2(ratio) <= 1.0)}")
        out += [""] + remote_get_table(r, paths["bench"])
    return out


def remote_get_table(r: Run, raw: Latency) -> list:
    """The remote get (ramster/remote_get_bench) against the raw in-kernel round trip, both
    measured between the same two VMs in the same interleaved rounds."""
    zbytes = statistics.mean(rounds(r, "getbench_zbytes_mean"))
    rows = [["raw 4 KiB round trip (in-kernel echo)", f"{raw.count:.0f}", "4096",
             us(raw.mean_ns), us(raw.p50_ns), us(raw.p99_ns)]]
    ops = {}
    for label, op in [("remote get (request, sleep, check, decompress)", "get"),
                      ("remote put (for scale)", "put")]:
        lat = ops[op] = latency(r, "getbench_count", f"getbench_{op}")
        rows.append([label, f"{lat.count:.0f}", f"{zbytes:.0f}", us(lat.mean_ns),
                     us(lat.p50_ns), us(lat.p99_ns)])
    get = ops["get"]
    ratio = get.mean_ns / raw.mean_ns
    return [
        "Remote get: test pages (text, mixed, sparse in turn) put on node 1, then got back "
        "through the fault path's remote get, every byte verified (ramster/remote_get_bench)",
        table(["operation", "count", "bytes on wire", "mean us", "p50 us", "p99 us"], rows),
        "bytes on wire: the echo carries 4096 bytes each way; a get or put carries the "
        "compressed page (mean size) one way and a key or status the other",
        f"target: remote get within 1.5x of the raw in-kernel round trip: {ratio:.2f}x "
        f"(rounds: {per_round(get, raw)}; p99: {get.p99_ns / raw.p99_ns:.2f}x), "
        f"{verdict(r2(ratio) <= 1.5)}",
    ]


def tmem_table(runs: list) -> list:
    out = ["Host: tmem index microbenchmark (cargo bench --bench tmem)"]
    for r in runs:
        out += [line for line in r.consoles[0].splitlines()
                if "ops/s" in line or line.startswith("tmem index")]
    return out


STORE_THREADS = (1, 2, 4)


def store_table(runs: list) -> list:
    """The zcache store's swap path on the host (cargo bench --bench store): ops/s with 1, 2 and
    4 threads on one shard (one zbud lock per kind: before) and on a shard per thread (after),
    each against its own 1-thread figure, measured in one run."""
    out = []
    for r in runs:
        head = [line for line in r.consoles[0].splitlines()
                if line.startswith("zcache store, swap path:")]
        before, after = r.num("store_before_shards"), r.num("store_after_shards")
        base = {c: r.num(f"store_{c}_t1_ops_per_s") for c in ("before", "after")}
        rows = []
        for t in STORE_THREADS:
            b, a = r.num(f"store_before_t{t}_ops_per_s"), r.num(f"store_after_t{t}_ops_per_s")
            bw, aw = (r.num(f"store_{c}_t{t}_waits_per_1000") for c in ("before", "after"))
            rows.append([f"{t} thread{'s' if t > 1 else ''}", f"{b:.0f}",
                         f"{b / base['before']:.2f}x", f"{bw:.2f}", f"{a:.0f}",
                         f"{a / base['after']:.2f}x", f"{aw:.2f}", f"{a / b:.2f}x"])
        out += [f"Host: zcache store swap path, {before:.0f} shard vs {after:.0f} shards "
                "(cargo bench --bench store)"] + head[:1]
        out.append(table(["threads", "1 shard ops/s", "vs 1 thread", "waits", f"{after:.0f} shards "
                          "ops/s", "vs 1 thread", "waits", "after/before"], rows))
        out.append("waits: shard-lock acquisitions that found the lock held, per 1000")
        cpus = r.num("store_host_cpus")
        two = [r.num(f"store_{c}_t2_ops_per_s") / base[c] for c in ("before", "after")]
        out.append(f"2 threads against 1: {two[0]:.2f}x before, {two[1]:.2f}x after "
                   f"(at most {min(cpus, 2):.2f}x on this host's {cpus:.0f} CPUs)")
    return out


def smp_table(runs: list) -> list:
    """Two swap workers on a 2-CPU guest (tools/vm/bench/smp.sh): zcache with zbud_shards=1
    against the default, rounds alternating in one VM."""
    out = []
    for r in runs:
        rounds = int(r.num("smp_rounds"))
        rows, total = [], {"one": 0.0, "default": 0.0}
        for i in range(1, rounds + 1):
            one, default = (r.num(f"smp_shards_{c}_s_round{i}") for c in ("one", "default"))
            total["one"] += one
            total["default"] += default
            rows.append([f"round {i}", f"{one:.1f}", f"{default:.1f}", f"{one / default:.2f}x"])
        rows.append(["total", f"{total['one']:.1f}", f"{total['default']:.1f}",
                     f"{total['one'] / total['default']:.2f}x"])
        out.append(f"Two swap workers of {r.num('smp_mib_per_worker'):.0f} MiB each on a "
                   f"{r.num('smp_cpus'):.0f}-CPU guest: zcache with zbud_shards=1 vs the default "
                   "(a shard per CPU), alternating in one VM")
        out.append(table(["", "1 shard s", "default s", "speedup"], rows))
        out.append("speedup = 1-shard time / default time (above 1.00x: the shards are faster)")
    return out


def crypto_native_table(runs: list) -> list:
    """The frame MAC with and without payload encryption natively on this host (cargo bench
    --bench frame_crypto): what encryption costs where the CPU has AES-NI and SHA-NI."""
    out = []
    for r in runs:
        cpu = [line for line in r.consoles[0].splitlines()
               if line.startswith("frame crypto native:")]
        size = int(r.num("frame_crypto_payload_bytes"))
        rows = []
        for step in ("seal", "open"):
            mac = r.num(f"frame_{step}_mac_ns")
            enc = r.num(f"frame_{step}_encrypted_ns")
            rows.append([step, f"{mac / 1000:.2f}", f"{enc / 1000:.2f}", f"{enc / mac:.2f}x",
                         f"{size / enc:.2f}"])
        out += [f"Host: one {size}-byte frame, MAC alone vs MAC and AES-256-CTR, natively "
                "(cargo bench --bench frame_crypto)"] + cpu[:1]
        out.append(table(["frame", "MAC us", "encrypted us", "ratio", "encrypted GB/s"], rows))
    return out


def ramster_summary(runs: list) -> list:
    """RAMster mode against disk swap (same workload), and the workload's own remote gets;
    medians over the runs."""
    groups = grouped([r for r in runs if r.config.table == "swap"])
    if "ramster" not in groups:
        return []
    ram = groups["ramster"]
    med = lambda key: statistics.median(r.num(key) for r in ram)  # noqa: E731
    n = f" (medians of {len(ram)} runs)" if len(ram) > 1 else ""
    out = [f"RAMster mode (node 0 swaps into node 1's RAM){n}"]
    gets = med("remote_pers_pages_succ_get")
    out.append(f"pages moved to node 1: {med('pers_pages_remoted'):.0f} (each written to the "
               f"swap device first: {med('pers_pages_written_through'):.0f}); fetched back: "
               f"{gets:.0f}; failed gets: {max(r.num('remote_pers_pages_unsucc_get') for r in ram):.0f}"
               " (most in a run)")
    if "disk" in groups:
        secs = {name: Spread.of([swap_seconds(r) for r in groups[name]])
                for name in ("ramster", "disk")}
        ratio = secs["ramster"].median / secs["disk"].median
        by = by_round(ram, groups["disk"], swap_seconds)
        rounds = f"; rounds: {rounds_text(by)}" if len(by) > 1 else ""
        out.append(f"target: ramster mode faster than disk swap: {secs['ramster'].median:.1f} s "
                   f"vs {secs['disk'].median:.1f} s = {ratio:.2f}x{rounds}, "
                   f"{verdict(r2(ratio) < 1.0)}")
    per_get = [r.num("remote_get_us_total") / r.num("remote_pers_pages_succ_get") for r in ram
               if r.num("remote_pers_pages_succ_get")]
    if per_get:
        out.append(f"the workload's own remote gets: mean {statistics.median(per_get):.0f} us, "
                   "taken while node 0 swaps hard (for information; the target is measured in "
                   "the cluster run)")
    return out


TABLES = [("tmem", tmem_table), ("store", store_table), ("corpus", corpus_table),
          ("codec-native", native_codec_table),
          ("crypto-native", crypto_native_table), ("swap", swap_table),
          ("memcached", memcached_table), ("cleancache", cleancache_table),
          ("codec", codec_table), ("cluster", cluster_table), ("smp", smp_table)]


CHART_PERCENTILES = ("p10", "p25", "p50", "p75", "p90", "p95", "p99", "p999", "p9999")


def chart_data(runs: list) -> dict:
    """What tools/bench/chart.py draws, medians over each configuration's runs: memcached's
    latency percentiles (us) and the swap workload's memory saved (MiB, and bytes per stored
    page). Configurations with a failed run or a missing number are left out."""
    out = {}
    ok = [r for r in runs if not r.problems]
    med = lambda g, key: statistics.median(r.num(key) for r in g)  # noqa: E731
    for name, g in grouped([r for r in ok if r.config.table == "memcached"]).items():
        try:
            out.setdefault("memcached", {})[name.removeprefix("memcached-")] = {
                p: med(g, f"memload_{p}_us") for p in CHART_PERCENTILES}
        except Missing:
            continue
    for name, g in grouped([r for r in ok if r.config.table == "swap"]).items():
        try:
            saved = med(g, "orig_bytes") - med(g, "mem_used_bytes")
            stored = med(g, "stored_pages")
        except Missing:
            continue
        out.setdefault("swap", {})[name] = {
            "saved_mib": saved / MIB, "saved_bytes_per_page": saved / stored if stored else 0}
    return out


def render(runs: list, kernel: str, command: str, repeats: int = 1) -> tuple:
    """The report's text, and whether every run succeeded with every number. `repeats`: how
    many times each swap row ran (RAMSTER_BENCH_RUNS)."""
    again = f", RAMSTER_BENCH_RUNS={repeats}" if repeats > 1 else ""
    out = [f"RAMster benchmarks: `{command}`{again}, kernel {kernel}, QEMU TCG", ""]
    ok = True
    for name, make in TABLES:
        chosen = [r for r in runs if r.config.table == name and not r.problems]
        if not chosen:
            continue
        try:
            out += make(chosen) + [""]
        except Missing as e:
            ok = False
            out += [f"{name}: FAILED: {e}", ""]
    try:
        summary = ramster_summary([r for r in runs if not r.problems])
    except Missing as e:
        ok = False
        summary = [f"ramster: FAILED: {e}"]
    if summary:
        out += summary + [""]
    for r in runs:
        if r.problems:
            ok = False
            where = r.config.name + (f"/run{r.round + 1}" if repeats > 1 and
                                     r.config.table in configs.REPEATED else "")
            out.append(f"FAILED: {r.config.name} (logs: logs/bench/{where}/)")
            out += [f"  {p}" for p in r.problems[:10]]
    out.append("all runs verified" if ok else "SOME RUNS FAILED: their numbers are not shown")
    return "\n".join(out), ok
