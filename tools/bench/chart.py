#!/usr/bin/python3
"""The benchmark report's chart (PNG): memcached's latency distribution per configuration and
the memory each configuration saved on the swap workload, from the medians report.chart_data
wrote as JSON.

    /usr/bin/python3 tools/bench/chart.py DATA.json OUT.png

Runs under Debian's python3 with Debian's python3-matplotlib, not a virtualenv's: run.py calls
it so, after tools/kernel/install-deps.sh python3-matplotlib.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PERCENTILES = [("p10", 10), ("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90), ("p95", 95),
               ("p99", 99), ("p999", 99.9), ("p9999", 99.99)]


def latency(ax, memcached: dict):
    """Latency (log) against percentile (as 1 / (1 - p), so the tail spreads out)."""
    ticks = [1 / (1 - p / 100) for _, p in PERCENTILES]
    for name, pct in memcached.items():
        ax.plot(ticks, [pct[k] for k, _ in PERCENTILES], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"p{p:g}" for _, p in PERCENTILES], rotation=45)
    ax.minorticks_off()
    ax.set_ylabel("request latency (us)")
    ax.set_title("memcached, Zipfian ETC load: latency by percentile (medians of the runs)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small")


def saved(ax, swap: dict):
    names = list(swap)
    values = [swap[n]["saved_mib"] for n in names]
    bars = ax.bar(names, values)
    for bar, n in zip(bars, names):
        per = swap[n]["saved_bytes_per_page"]
        ax.annotate(f"{per:.0f} B/page" if per else "", (bar.get_x() + bar.get_width() / 2,
                    bar.get_height()), ha="center", va="bottom", fontsize="small")
    ax.set_ylabel("memory saved (MiB)")
    ax.set_title("swap workload (page corpus): memory saved once every page was written, "
                 "and per stored page")
    ax.grid(True, axis="y", alpha=0.3)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    data = json.loads(open(sys.argv[1]).read())
    panels = [(latency, data.get("memcached")), (saved, data.get("swap"))]
    panels = [(draw, d) for draw, d in panels if d]
    if not panels:
        print("chart: nothing to draw", file=sys.stderr)
        return 1
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 5 * len(panels)), squeeze=False)
    for ax, (draw, d) in zip(axes[:, 0], panels):
        draw(ax, d)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=90)
    return 0


if __name__ == "__main__":
    sys.exit(main())
