#!/bin/sh
# bench: the memcached workload: Debian's memcached (one thread, -m far above the data, so it
# evicts nothing) loaded with MEMC_MIB MiB of keys and values (ETC sizes, values cut from the
# page corpus on /dev/vdb), then MEMC_REQUESTS Zipfian requests one at a time (30 gets to a
# set), then every value read back (memload: throughput, p50/p99/p99.9 latency, every byte
# verified), behind whatever bench_setup enabled, with /dev/vda as the swap disk. Measured on
# node 0; a second node, if any, only serves node 0.
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /bench/lib.inc

bench_start
check "swapon" swap_on
out0=$(disk_pages 7)
in0=$(disk_pages 3)
memcached -u nobody -m 1024 -t 1 -p 11211 -l 127.0.0.1 > /tmp/memcached.log 2>&1 &
MEMCACHED_PID=$!
# memload_run: the load generator, its output on the console as it goes and in
# /tmp/memload.out.
memload_run() {
	{
		memload "$MEMC_MIB" 17 --corpus /dev/vdb --requests "$MEMC_REQUESTS"
		echo $? > /tmp/memload.status
	} 2>&1 | tee /tmp/memload.out
	[ "$(cat /tmp/memload.status)" = 0 ]
}
check "memload: $MEMC_MIB MiB of keys and values, every value verified" memload_run
grep '^memload_' /tmp/memload.out | while read -r name value; do result "$name" "$value"; done
result disk_out_pages $(($(disk_pages 7) - out0))
result disk_in_pages $(($(disk_pages 3) - in0))
if [ -f "$ZC/mm_stat" ]; then
	show_zcache
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
fi
RD=/sys/kernel/debug/ramster
if [ -d "$RD" ]; then
	for f in pers_pages_remoted remote_pers_pages_succ_get remote_pers_pages_unsucc_get; do
		result "$f" "$(cat $RD/$f)"
	done
fi
kill "$MEMCACHED_PID"
wait "$MEMCACHED_PID"
check "swapoff" swapoff_all
bench_peer_release
finish
