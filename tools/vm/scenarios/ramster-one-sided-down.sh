#!/bin/sh
# scenario: RAMster mode: node 0 declares node 1 down on its side only (cluster_selftest expire, what a one-way loss does) while node 1 keeps hundreds of its swap pages, and the link heals inside node 1's dead window; the next handshake shows the two sides in different up periods, so node 1 declares node 0 down and up too and frees the pages node 0 forgot (no orphans); node 0 reads every page back from its swap device
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
PAGES=300

no_foreign_page() { [ "$(rc foreign_pers_pages)" = 0 ] && [ "$(rc foreign_eph_pages)" = 0 ]; }
link_up_again() { [ "$(counter_value node_up)" -ge 2 ] && link_is "$CFS/ramster/node/$1" up; }

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	check "node 1 is ready" wait_for 300 markers 1
	check "more than $PAGES swap pages move to node 1" hold_remote 13 $PAGES
	# Nothing moves from here on: what node 1 holds afterwards can only be an orphan.
	check "remotify off" sh -c "echo 0 > $SYS/pers_remotify_enable && echo 0 > $SYS/eph_remotify_enable"
	echo "  remote_pers_pages = $(rc remote_pers_pages) when node 0 declares node 1 down"
	check "declare node 1 down on this side only" sh -c "echo 'expire 1' > $SELFTEST"
	dmesg_has "node 1 is down here" "cluster: node 1 is down: not heard from"
	check "its swap pages fall back to the swap device" wait_for 30 counter_above pers_pages_peer_died 0
	check_eq "no remote page left here" 0 "$(rc remote_pers_pages)"
	check "the link to node 1 heals (node 1 up again)" wait_for 60 link_up_again beta
	check "tell node 1 to look" marker
	hold_finish "every page verified, those node 1 held read from the swap device"
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	check "node 1 has checked" wait_for 300 markers 2
	check "swapoff" swapoff /dev/vda
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	ramster_up beta
	check "tell node 0 to start" marker
	check "more than $PAGES of node 0's pages arrive" wait_for 1500 counter_above foreign_pers_pages $PAGES
	echo "  foreign_pers_pages = $(rc foreign_pers_pages) before node 0's one-sided down"
	check "node 0 says the link healed" wait_for 300 markers 1
	check "node 0's forgotten pages are freed here (no orphans)" wait_for 30 no_foreign_page
	show_ramster
	dmesg_has "node 0 was declared down here by the handshake" \
		"cluster: node 0 is down: its handshake shows it declared this node down meanwhile"
	check_fails "node 1 never found node 0 silent" \
		sh -c "dmesg | grep -qF 'cluster: node 0 is down: not heard from'"
	check "tell node 0" marker
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
