#!/bin/sh
# scenario: RAMster mode: node 1 stores one of node 0's swap pages but the link breaks before its answer (cluster_selftest lose_put_replies) and heals inside the dead window, so no node goes down; node 0 keeps the page and flushes it on node 1 before anything else, so once node 0's workload is gone node 1 holds none of its pages while its swap pool still lives (no orphan); every page verified
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
SYS=/sys/kernel/mm/ramster

failed_puts() { echo $(($(rc pers_pages_remote_failed) + $(rc eph_pages_remote_failed))); }
no_remote_page() { [ "$(rc remote_pers_pages)" = 0 ] && [ "$(rc remote_eph_pages)" = 0 ]; }
no_foreign_page() { [ "$(rc foreign_pers_pages)" = 0 ] && [ "$(rc foreign_eph_pages)" = 0 ]; }
reply_lost() { [ "$(selftest_value lost_put_replies)" = 1 ]; }

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	check "node 1 is ready" wait_for 300 markers 1
	check "more than 300 swap pages move to node 1" hold_remote 17 300
	# Once a put fails, nothing moves any more: a page put again under the same key would
	# replace the copy the lost answer left behind (remotify waits 1 s after a failure).
	base=$(failed_puts)
	( while [ "$(failed_puts)" -le "$base" ]; do :; done
	  echo 0 > $SYS/pers_remotify_enable; echo 0 > $SYS/eph_remotify_enable ) &
	STOPPER=$!
	check "tell node 1 to lose the next put reply" marker
	check "a put failed here, and remotify stopped" wait_for 300 sh -c "! kill -0 $STOPPER 2>/dev/null"
	check "node 1 lost the reply" wait_for 300 markers 2
	check_eq "node 1 was never declared down" 0 "$(counter_value node_down)"
	hold_finish "every page verified"
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	# The workload's pages are freed (and flushed on node 1); self-shrink brings home the rest.
	check "no page of node 0 is kept on node 1 any more" wait_for 180 no_remote_page
	echo "  pers_pages_remote_failed = $(rc pers_pages_remote_failed), remote_pages_flushed = $(rc remote_pages_flushed)"
	check "tell node 1 to look (the swap pool still lives)" marker
	check "node 1 has checked" wait_for 300 markers 3
	check "swapoff" swapoff /dev/vda
	check_eq "no flush was given up" 0 "$(rc remote_page_flushes_failed)"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	ramster_up beta
	check "tell node 0 to start" marker
	check "node 0 has pages here" wait_for 1500 markers 1
	check "lose the reply to node 0's next put" sh -c "echo 'lose_put_replies 0 1' > $SELFTEST"
	check_fails "more than 1000 is refused" sh -c "echo 'lose_put_replies 0 1001' > $SELFTEST"
	check "a put reply is lost" wait_for 300 reply_lost
	# The lost reply broke the link: the marker goes once it is back.
	check "tell node 0" wait_for 30 marker
	check "node 0 keeps nothing here any more" wait_for 900 markers 2
	check "none of node 0's pages is left here (no orphan)" wait_for 30 no_foreign_page
	show_ramster
	check_eq "node 0 was never declared down" 0 "$(counter_value node_down)"
	check "tell node 0" marker
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
