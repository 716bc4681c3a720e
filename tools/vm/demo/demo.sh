#!/bin/sh
# The demo run on each node of the two-node cluster. Node 0 (little RAM) swaps a workload of
# about twice its RAM while RAMster moves its compressed pages into node 1's RAM; both nodes
# show `ramster-tools status` (local, remote and foreign pages) while it runs; node 0 verifies
# every page at the end and prints a summary.
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
CLUSTER=demo
write_conf $CLUSTER 7777 500 4000 6 500

say() { echo "DEMO: $*"; }

# status_table: ramster-tools status, each line a DEMO line.
status_table() { ramster-tools status | sed 's/^/DEMO:   /'; }

if [ "$NODE" = 0 ]; then name=alpha; else name=beta; fi
say "node $NODE: modprobe ramster mode=ramster; ramster-tools up --node $name (/etc/ramster.conf)"
ramster_up $name
say "node $NODE: cluster up"
status_table

if [ "$NODE" = 0 ]; then
	check "swapon" swap_on
	say "node 0: swapping 256 MiB of compressible memory with $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB of RAM"
	swapstress 256 11 --partial > /tmp/stress.out 2>&1 &
	STRESS=$!
	while kill -0 $STRESS 2>/dev/null; do
		sleep 10
		status_table
	done
	wait $STRESS
	status=$?
	sed 's/^/DEMO:   /' /tmp/stress.out
	check_eq "every page of the workload verified" 0 "$status"
	say "summary (node 0):"
	say "  pages stored locally (compressed): $(zc puts)   written to the swap device: $(vmstat pswpout) ($(rc pers_pages_written_through) of them copies of pages sent to node 1)"
	say "  swap pages moved to node 1: $(rc pers_pages_remoted)   fetched back: $(rc remote_pers_pages_succ_get)   failed: $(rc remote_pers_pages_unsucc_get)"
	gets=$(rc remote_pers_pages_succ_get)
	[ "$gets" -gt 0 ] && say "  mean remote get: $(( $(rc remote_get_us_total) / gets )) us (QEMU TCG, not a LAN)"
	say "  zcache mm_stat: $(cat $ZC/mm_stat)"
	check "swapoff" swapoff /dev/vda
	check "ramster-tools down" ramster-tools down
else
	say "node 1: keeping node 0's pages while it runs"
	while link_is $CFS/$CLUSTER/node/alpha up; do
		sleep 10
		status_table
	done
	sleep 5
	say "summary (node 1): at most $(rc foreign_pers_pages_max) of node 0's swap pages were kept here; $(rc foreign_pers_pages) left after it went"
	check "ramster-tools down" ramster-tools down
fi
finish
