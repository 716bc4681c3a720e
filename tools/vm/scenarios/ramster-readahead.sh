#!/bin/sh
# scenario: RAMster mode: node 0 reads back in order, with swap readahead on (page-cluster 3), a held workload (in a memory cgroup) of which more than 3000 pages are on node 1: every page verifies, and its faults wait for node 1 fewer than a quarter as many times as they load pages from it (the other pages of a readahead window come back in the same round trip); prints the read-back time
# nodes: 2
# memory: 128M
# timeout: 2400
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777 500 4000 6 500
PAGES=3000

# rc0 NAME: a ramster/ counter, 0 if the module has no such counter.
rc0() { cat "$RD/$1" 2>/dev/null || echo 0; }
# waits: how many times faulting threads waited for a peer (each remote get waits once, whether
# it brings one page or a window's).
waits() { echo $(($(rc0 remote_pers_pages_succ_get) + $(rc0 remote_pers_pages_unsucc_get))); }

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	check "swap readahead of up to 8 pages" sh -c "echo 3 > /proc/sys/vm/page-cluster"
	# The workload swaps in a memory cgroup, into the store; the extra workloads of
	# push_until_remote (ramster.inc), in the same cgroup, fill the store past its remotify
	# threshold, and its least recently used frames, the workload's, move to node 1. Only the
	# cgroup swaps: the system's own pages (the initramfs) stay in memory.
	check "a memory cgroup of 12 MiB" memcg 12
	PUSH_WRAP=in_cgroup
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	in_cgroup swapstress 40 31 --hold --partial --sequential > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	check "more than $PAGES swap pages move to node 1" push_until_remote $PAGES
	remote=$(rc remote_pers_pages)
	waits0=$(waits); got0=$(rc0 remote_pers_pages_succ_get); hits0=$(rc0 pers_prefetch_hits)
	hold_finish "the in-order read-back verifies every page"
	show_ramster
	waited=$(($(waits) - waits0))
	hits=$(($(rc0 pers_prefetch_hits) - hits0))
	loaded=$(($(rc0 remote_pers_pages_succ_get) - got0 + hits))
	echo "  $remote pages on node 1 at the start; the read-back loaded $loaded pages from node 1" \
		"($hits of them prefetched) and waited for node 1 $waited times"
	check_gt "most of them came back from node 1" "$loaded" $((remote / 2))
	# One wait per page without prefetch; an 8-page window takes one for up to 8 pages.
	check_gt "a fault waits for node 1 once for several pages (waits x 4 < pages loaded)" \
		"$loaded" $((4 * waited))
	check_eq "no remote get failed" 0 "$(rc remote_pers_pages_unsucc_get)"
	node0_done
else
	node1_keeps_pages $PAGES 1800
fi
finish
