#!/bin/sh
# scenario: RAMster mode at the edge of OOM: node 0 runs with min_free_kbytes at its minimum and the hung-task detector at 30 s while three workloads of together three times its RAM write, fault back and verify their pages, pages moving to node 1 and back the whole time: no hung task, no OOM kill, no failed remote get, every byte verified
# nodes: 2
# memory: 128M
# timeout: 1800
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777 500 4000 6 500

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	# The smallest reserve the kernel allows: atomic allocations (zbud frames, socket buffers)
	# fail first, and reclaim runs with almost nothing in hand.
	check "min_free_kbytes at its minimum" sh -c "echo 128 > /proc/sys/vm/min_free_kbytes"
	check "hung-task detector at 30 s" sh -c "echo 30 > /proc/sys/kernel/hung_task_timeout_secs"
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	# Held: written, then verified in 16 threads once node 1 holds some of it.
	swapstress 160 31 --hold --partial --threads=16 > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	check "more than 1000 swap pages move to node 1" push_until_remote 1000
	gets_before=$(rc remote_pers_pages_succ_get)
	failed=$(rc remote_pers_pages_unsucc_get)
	# While the held workload faults its pages back, two more write and verify theirs.
	swapstress 96 32 --partial > /tmp/second.out 2>&1 &
	SECOND_PID=$!
	touch /tmp/swapstress.go
	third=0
	for seed in 33 34 35 36; do
		swapstress 48 $seed --partial > /tmp/third.out 2>&1 || { cat /tmp/third.out; third=1; }
	done
	check_eq "the short workloads verified every page" 0 "$third"
	wait "$SECOND_PID"
	second=$?
	cat /tmp/second.out
	check_eq "the second workload verified every page" 0 "$second"
	wait "$HOLD_PID"
	held=$?
	cat /tmp/hold.out
	check_eq "16 threads faulting the held pages back verified every page" 0 "$held"
	show_ramster
	check_gt "pages came back from node 1 under pressure" \
		"$(rc remote_pers_pages_succ_get)" "$gets_before"
	check_eq "no remote get failed" "$failed" "$(rc remote_pers_pages_unsucc_get)"
	check_eq "no OOM kill" 0 "$(awk '/^oom_kill / { print $2 }' /proc/vmstat)"
	echo "  allocation failures reported: $(dmesg | grep -c 'page allocation failure')"
	node0_done
else
	node1_keeps_pages 1000 1700
fi
finish
