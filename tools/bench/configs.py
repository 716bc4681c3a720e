"""What `make bench` runs: one entry per VM run (a configuration), in order.

A configuration boots `nodes` fresh VMs with the test kernel and runs the guest script
tools/vm/bench/<script>.sh on each, with:

- `append`: extra kernel command line (module parameters can go here as ramster.<param>=...,
  modprobe reads them);
- `setup`: shell lines run on every node before the workload (`bench_setup` in the guest;
  $NODE is the node's number), e.g. enabling zswap or loading ramster.ko;
- `vars`: shell variables for the script (the workload's size);
- `corpus`: the page corpus (tools/bench/corpus.py) on a read-only disk, /dev/vdb.

Its results become rows of `table` (see report.py). To add a row, add an entry (the two-node
"ramster" swap row below is one).
"""

from dataclasses import dataclass, field


@dataclass
class Config:
    name: str
    script: str
    table: str
    nodes: int = 1
    memory: str = "128M"
    append: str = ""
    setup: str = ""
    vars: dict = field(default_factory=dict)
    timeout: int = 900
    # Two nodes' virtio-net link between the QEMUs: "udp" datagrams (no host-side TCP stalls;
    # see tools/vm/cluster.py) or "tcp" as make check.
    link: str = "udp"
    # The guest's CPUs (0: the harness's default, one CPU; see tools/vm/cluster.py).
    cpus: int = 0
    corpus: bool = False
    # The cleancache file set (tools/bench/fileset.py) on a read-only disk, /dev/vdb, and its
    # FILESET_SHA256 in the script's variables.
    fileset: bool = False


# The swap workload: twice the guest's RAM of pages of real data (the corpus on /dev/vdb:
# swapstress --corpus), written once and verified twice.
SWAP_MEMORY = "80M"
SWAP_VARS = {"SWAP_MIB": 160}
SWAP = dict(memory=SWAP_MEMORY, vars=SWAP_VARS, corpus=True)
ZSWAP_ON = """
echo lz4 > /sys/module/zswap/parameters/compressor
echo zsmalloc > /sys/module/zswap/parameters/zpool
echo Y > /sys/module/zswap/parameters/enabled
"""

# Both nodes of a cluster run, set up as the cluster-* scenarios do (tools/vm/bench/cluster.sh
# writes /etc/ramster.conf and runs ramster-tools up itself).
CLUSTER_UP = "modprobe ramster mode=ramster\n"

# RAMster mode on both nodes, configured with ramster-tools, the link up: node 0's pages move to
# node 1 (the automatic target), which keeps up to 60% of its RAM for them.
RAMSTER_UP = """
. /scenarios/cluster.inc
write_conf ramster 7777 500 4000 6 500
if [ "$NODE" = 0 ]; then percent=20; else percent=60; fi
modprobe ramster mode=ramster max_pool_percent=$percent
if [ "$NODE" = 0 ]; then me=alpha; peer=beta; else me=beta; peer=alpha; fi
ramster-tools up --node $me
wait_for 90 link_is $CFS/ramster/node/$peer up
"""

# zram as the first swap device (busybox swapon has no -p: swapped on before the disk, it gets
# the higher default priority), the swap disk behind it: zram takes pages until
# it is full, then the disk does (zram never moves its pages to the disk by itself). 40 MiB of
# pages, about 16 MiB compressed at the corpus's ratio: zswap's pool limit (20% of 80 MiB).
# lz4 when the kernel's zram has it; the test kernel's zram has only lzo-rle
# (CONFIG_ZRAM_BACKEND_LZ4 is off), and the row says which it used.
ZRAM_ON = """
Z=/sys/block/zram0
if grep -qw lz4 $Z/comp_algorithm; then echo lz4 > $Z/comp_algorithm; fi
result zram_compressor "$(sed 's/.*\\[\\(.*\\)\\].*/\\1/' $Z/comp_algorithm)"
echo 40M > $Z/disksize
mkswap /dev/zram0 > /dev/null
swapon /dev/zram0
"""

# The rows every swap-bound workload runs: (name, nodes, bench_setup).
SWAP_ROWS = [
    ("disk", 1, "true"),
    ("zswap", 1, ZSWAP_ON),
    ("zram", 1, ZRAM_ON),
    ("zcache", 1, "modprobe ramster mode=zcache compressor=lz4_flex"),
    ("zcache-lz4c", 1, "modprobe ramster mode=zcache compressor=lz4-c"),
    ("ramster", 2, RAMSTER_UP),
]

# The memcached workload (tools/vm/bench/memcached.sh): about twice RAM of keys and values
# (memcached's own bytes are 1.15x the keys and values), 30 000 Zipfian requests.
MEMCACHED = dict(memory=SWAP_MEMORY, vars={"MEMC_MIB": 128, "MEMC_REQUESTS": 30000},
                 corpus=True, timeout=1800)

# The cleancache workload (tools/vm/bench/cleancache.sh): a file set of 1.5x RAM read twice,
# without cleancache and with zcache's (its default budget, 20% of RAM, and 50%).
CLEANCACHE = dict(memory=SWAP_MEMORY, fileset=True, timeout=1200)
CLEANCACHE_ROWS = [
    ("cleancache-off", "true"),
    ("cleancache-zcache", "modprobe ramster mode=zcache"),
    ("cleancache-zcache-50", "modprobe ramster mode=zcache max_pool_percent=50"),
]

CONFIGS = [Config(name, "swap", "swap", nodes=nodes, setup=setup, **SWAP)
           for name, nodes, setup in SWAP_ROWS] + [
    Config(f"memcached-{name}", "memcached", "memcached", nodes=nodes, setup=setup, **MEMCACHED)
    for name, nodes, setup in SWAP_ROWS] + [
    Config(name, "cleancache", "cleancache", setup=setup, **CLEANCACHE)
    for name, setup in CLEANCACHE_ROWS] + [
    Config("codec", "codec", "codec", setup="modprobe ramster", vars={"CODEC_PAGES": 4000},
           timeout=600),
    Config("cluster", "cluster", "cluster", nodes=2, setup=CLUSTER_UP,
           vars={"CLUSTER_COUNT": 1000, "CLUSTER_ROUNDS": 5}, timeout=600),
    # Two CPUs, two swap workers at once: zcache with zbud_shards=1 (one lock per kind) against
    # the default (a shard per CPU), alternating, in one VM (tools/vm/bench/smp.sh).
    Config("smp", "smp", "smp", cpus=2, memory="128M", setup="true",
           vars={"SMP_MIB": 64, "SMP_ROUNDS": 2}, timeout=1800),
]

# The swap tables' baseline row: ratios are to it.
SWAP_BASELINE = "zswap"
# The tables whose configurations run RAMSTER_BENCH_RUNS times, interleaved (the others once).
REPEATED = {"swap", "memcached", "cleancache"}
