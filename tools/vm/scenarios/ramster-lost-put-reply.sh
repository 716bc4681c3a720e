#!/bin/sh
# scenario: RAMster mode: node 1 stores three of node 0's swap pages but the link breaks before each answer (cluster_selftest lose_put_replies) and heals inside the dead window, so no node goes down; node 0 keeps those pages and flushes them on node 1 before any new page, so once node 0 has swapped off node 1 holds none of its pages (no orphans), every page verified
# nodes: 2
# memory: 128M
# timeout: 1500
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
# keepalive 500 ms, dead_threshold 6: a silent node is down after 3 s; reconnect every 500 ms.
write_conf ramster 7777 500 4000 6 500
LOST=3

lost_replies() { [ "$(selftest_value lost_put_replies)" = "$LOST" ]; }
no_foreign_page() { [ "$(rc foreign_pers_pages)" = 0 ] && [ "$(rc foreign_eph_pages)" = 0 ]; }

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	check "node 1 is ready" wait_for 300 markers 1
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	swapstress 224 17 --hold --partial > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	check "more than 300 swap pages move to node 1" push_until_remote 300
	check "node 1 lost $LOST put replies" wait_for 300 markers 2
	echo "  pers_pages_remote_failed = $(rc pers_pages_remote_failed), remote_pages_flushed = $(rc remote_pages_flushed)"
	check "the lost puts failed here" counter_above pers_pages_remote_failed $((LOST - 1))
	check_eq "node 1 was never declared down" 0 "$(counter_value node_down)"
	hold_finish "every page verified"
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	check "swapoff" swapoff /dev/vda
	check_eq "no remote page left" 0 "$(rc remote_pers_pages)"
	check_eq "no flush was given up" 0 "$(rc remote_page_flushes_failed)"
	check "tell node 1 that node 0 is done" marker
	check "node 1 has checked" wait_for 300 markers 3
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	ramster_up beta
	check "lose the replies to node 0's next $LOST puts" \
		sh -c "echo 'lose_put_replies 0 $LOST' > $SELFTEST"
	check_fails "more than 1000 is refused" sh -c "echo 'lose_put_replies 0 1001' > $SELFTEST"
	check "tell node 0 to start" marker
	check "$LOST put replies are lost" wait_for 1500 lost_replies
	# The last lost reply broke the link: the marker goes once it is back.
	check "tell node 0" wait_for 30 marker
	check "node 0 is done" wait_for 1200 markers 1
	check "none of node 0's pages is left here (no orphans)" wait_for 60 no_foreign_page
	show_ramster
	check_eq "node 0 was never declared down" 0 "$(counter_value node_down)"
	check "tell node 0" marker
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
