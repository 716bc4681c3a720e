#!/bin/sh
# scenario: RAMster mode: node 1 holds the cluster key but lies: it answers node 0's gets with another of node 0's pages (valid compressed data, valid CRC-32C); node 0's page tags catch every lie, those swap pages are read from the swap device instead, and every page of the workload verifies
# nodes: 2
# memory: 128M
# timeout: 2400
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777 500 4000 6 500
# Markers (ramster.inc): node 0 sends 1 once its pages are on node 1; node 1 sends 1 once it
# lies; node 0 sends 2 when it is done, node 1 sends 2 when it has checked.

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	swapstress 192 23 --hold --partial > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	check "more than 1000 swap pages move to node 1" push_until_remote 1000
	check "tell node 1 to lie" marker
	check "node 1 lies from now on" wait_for 120 markers 1
	hold_finish "every page verified: no wrong page reached memory"
	show_zcache; show_ramster
	check "the lies were caught by the page tags" counter_above remote_pages_bad_tag 0
	check "those pages came from the swap device" counter_above remote_pers_pages_unsucc_get 0
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	check "swapoff" swapoff /dev/vda
	check_eq "no remote page left" 0 "$(rc remote_pers_pages)"
	check_eq "no remote flush was dropped" 0 \
		"$(($(rc remote_page_flushes_failed) + $(rc remote_object_flushes_failed)))"
	check "tell node 1 that node 0 is done" marker
	check "node 1 has checked what it can" wait_for 300 markers 2
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	ramster_up beta
	check "node 0's pages are here" wait_for 1500 markers 1
	check "lie from now on" sh -c "echo 1000000 > $RD/inject_wrong_pages"
	check "tell node 0" marker
	check "node 0 is done" wait_for 1500 markers 2
	check "node 1 lied" sh -c "[ \$(cat $RD/inject_wrong_pages) -lt 1000000 ]"
	# Node 0 has no page here any more (swapoff): every flush reached this node, none was
	# dropped on the way (a burst of them once overflowed node 0's outbox).
	check "none of node 0's pages is left here while node 0 is up" wait_for 60 sh -c \
		"[ \$(cat $RD/foreign_pers_pages) = 0 ] && [ \$(cat $RD/foreign_eph_pages) = 0 ]"
	check "junk written to inject_wrong_pages is refused" sh -c \
		"! echo junk > $RD/inject_wrong_pages"
	check "echo 0 stops the lies" sh -c "echo 0 > $RD/inject_wrong_pages"
	check "tell node 0" marker
	check "node 0 goes down" wait_for 120 sh -c "[ \$(cat $CFS/ramster/node/alpha/link) != up ]"
	check "none of node 0's pages is left here after it went down" wait_for 60 sh -c \
		"[ \$(cat $RD/foreign_pers_pages) = 0 ] && [ \$(cat $RD/foreign_eph_pages) = 0 ]"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
