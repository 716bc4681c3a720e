#!/bin/sh
# scenario: debugfs ramster/remote_get_bench: bad writes are refused with EINVAL and change nothing; a run to an unknown node fails cleanly; a run puts pages on node 1 and gets every one back through the fault path's remote get, verified byte for byte, without touching the workload's counters; node 1 keeps none of them afterwards
# nodes: 2
# timeout: 900
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
GB=$RD/remote_get_bench
write_conf ramster 7777

# gb NAME: a number of the last benchmark run.
gb() { sed -n "s/^getbench_$1 //p" $GB; }

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check_eq "before a run every number is 0" "0 0 0" "$(gb count) $(gb get_mean_ns) $(gb put_p99_ns)"
	for bad in "" "1" "1 0" "1 20001" "x 5" "1 5 7" "-1 5" "255 5" "1 5x" "1  "; do
		refused "'$bad'" $GB "$bad" "Invalid argument"
	done
	check_fails "a run to node 7, which is not in the cluster" sh -c "echo 7 10 > $GB"
	check_eq "nothing changed" "0 0" "$(gb count) $(gb get_mean_ns)"

	check "300 pages put on node 1 and got back, every byte verified" sh -c "echo 1 300 > $GB"
	cat $GB
	check_eq "the run counted 300 pages" 300 "$(gb count)"
	check_gt "gets were timed" "$(gb get_mean_ns)" 0
	check "p50 <= p99 for gets and puts" \
		test "$(gb get_p50_ns)" -le "$(gb get_p99_ns)" -a "$(gb put_p50_ns)" -le "$(gb put_p99_ns)"
	check "the pages were compressed (mean size below a page)" test "$(gb zbytes_mean)" -lt 4096
	check_gt "... and not empty" "$(gb zbytes_mean)" 0
	check_eq "the workload's counters did not move" "0 0 0" \
		"$(rc remote_pers_pages_succ_get) $(rc remote_pers_pages_unsucc_get) $(rc pers_pages_remoted)"
	check "a second run (one partial batch)" sh -c "echo 1 10 > $GB"
	check_eq "it replaced the first run's numbers" 10 "$(gb count)"
	# A message after the runs: node 1 checks its foreign pages once it arrived (in order).
	check "a marker message to node 1" sh -c "echo 1 0 > $SELFTEST"
	check "node 1 has checked" wait_for 120 sh -c "[ \$(cat $CFS/ramster/node/beta/link) != up ]"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
	dmesg_has "the run is logged" "remote_get_bench: 300 pages put on node 1 and got back"
else
	ramster_up beta
	marker_arrived() { [ "$(selftest_value received_ok)" -ge 2 ]; }
	check "node 0's marker arrives" wait_for 600 marker_arrived
	check "node 0's pages were here" test "$(rc foreign_pers_pages_max)" -ge 64
	check_eq "node 1 keeps none of them" 0 "$(rc foreign_pers_pages)"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
