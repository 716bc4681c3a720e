#!/bin/sh
# scenario: the module's longest interrupts-off section (irqsoff.inc) stays below 15 ms while node 1 drops the 10000 swap pages node 0 kept there when node 0 goes down (drop_client); node 0 reads nothing back (ramster-foreign-leak and ramster-peer-death verify that path)
# nodes: 2
# memory: 384M
# timeout: 1500
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
. /scenarios/irqsoff.inc

# Node 0 sends node 1 its pages and stays idle while node 1 measures, so that the other VM's work
# does not add to the sections (the host has 2 cores).
write_conf ramster 7777 500 4000 6 500
PAGES=10000
# Node 1 tells node 0 it is ready to measure with a marker (ramster.inc).

if [ "$NODE" = 0 ]; then
	# ---- thousands of swap pages moved to node 1, then node 0 goes down ---------------------
	# A small store (5% of RAM) fills soon, and remotify moves its frames to node 1.
	check "modprobe ramster mode=ramster max_pool_percent=5" \
		modprobe $MODULE mode=ramster max_pool_percent=5
	check "ramster-tools up" ramster-tools up --node alpha
	check "the link to beta comes up" wait_for 300 link_is "$CFS/ramster/node/beta" up
	check "swapon" swap_on
	check "a memory cgroup of 96 MiB" memcg 96
	# push_until_remote (ramster.inc) runs its extra workloads in the cgroup too.
	PUSH_WRAP=in_cgroup
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	in_cgroup swapstress 256 11 --hold --partial > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	check "more than $PAGES swap pages move to node 1" push_until_remote $PAGES
	echo "  remote_pers_pages = $(rc remote_pers_pages)"
	check "node 1 is ready to measure" wait_for 300 markers 1
	# Down for good: node 1 drops everything node 0 keeps there.
	check "cut the network" ip link set eth0 down
	check "node 1 is declared down" wait_for 120 sh -c "dmesg | grep -qF 'cluster: node 1 is down'"
	# Node 1 declares node 0 down within 3 s, drops its pages and measures: stay idle.
	sleep 20
	# Its pages are not read back here (that would double this scenario's time):
	# ramster-foreign-leak and ramster-peer-death verify every page after the same kind of down.
	# Everything in the memory cgroup (HOLD_PID is the shell that started the workload).
	check "the workload is killed" sh -c "echo 1 > $CG/cgroup.kill"
	wait "$HOLD_PID" 2>/dev/null
	show_ramster
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	check "swapoff" swapoff /dev/vda
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
	finish
fi

check "the TSC's rate is measured" tsc_calibrate
check "irqsoff tracer" tracer_on
check_eq "the tracer is irqsoff" irqsoff "$(cat $T/current_tracer)"

# ---- a peer's pages dropped when it goes down (drop_client) ----------------------------------
# Only a server of node 0's pages: no frontswap or cleancache of its own.
ramster_up beta frontswap=N cleancache=N
check "trace the module's sections" module_loaded
check "more than $PAGES of node 0's pages arrive" wait_for 1500 counter_above foreign_pers_pages $PAGES
gone() { [ "$(rc foreign_pers_pages)" = 0 ] && [ "$(rc foreign_eph_pages)" = 0 ]; }
held=$(($(rc foreign_pers_pages) + $(rc foreign_eph_pages)))
irqsoff_reset
check "tell node 0 to go" marker
check "node 0 goes down" wait_for 300 sh -c "[ \$(cat $CFS/ramster/node/alpha/link) != up ]"
check "node 0's pages are dropped" wait_for 60 gone
irqsoff_report "node 0 down (drop_client of node 0's store)" "$held"
dmesg_has "node 0's pages were freed" "pages node 0 kept here"
check_bound "drop_client"
check "ramster-tools down" ramster-tools down
check "rmmod ramster" rmmod $MODULE
finish
