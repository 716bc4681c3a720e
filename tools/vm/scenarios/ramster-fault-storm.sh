#!/bin/sh
# scenario: RAMster mode: 256 threads fault node 0's pages back from node 1 at once, more than the cluster's request slots: every remote get waits its turn and succeeds, every page verifies, and node 1 keeps none of node 0's pages once node 0 has freed its swap
# nodes: 2
# memory: 128M
# timeout: 2400
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777 500 4000 6 500
# Remote pages when the threads start. 256 threads keep far more remote gets in flight than the
# 32 request slots (64 threads did only in some runs).
PAGES=1500

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	# No swap readahead: a fault loads only its own page, so the threads' faults do not queue on
	# each other's readahead folios but each waits for its own remote get.
	check "swap readahead off" sh -c "echo 0 > /proc/sys/vm/page-cluster"
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	swapstress 192 21 --hold --partial --threads=256 > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	check "more than $PAGES swap pages move to node 1" push_until_remote $PAGES
	echo "  remote_pers_pages = $(rc remote_pers_pages) when the 256 threads start"
	failed=$(rc remote_pers_pages_unsucc_get)
	hold_finish "256 threads faulting at once: every page verified"
	show_ramster
	check_eq "no remote get failed" "$failed" "$(rc remote_pers_pages_unsucc_get)"
	node0_done
else
	node1_keeps_pages $PAGES 1800
fi
finish
