#!/bin/sh
# scenario: RAMster mode: node 1 dies (its network cut, then its ramster restarted empty) in the middle of node 0's swap workload; node 0 keeps running, declares it down, reads its swap pages from the swap device, loses none (every page verifies), without hang or warning; node 1 comes back and is used again
# nodes: 2
# memory: 128M
# timeout: 2400
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777 500 4000 6 500

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	swapstress 256 7 --partial > /tmp/stress.out 2>&1 &
	STRESS=$!
	check "node 1 dies: declared down" wait_for 1200 sh -c "dmesg | grep -qF 'cluster: node 1 is down'"
	check "its swap pages fall back to the swap device" wait_for 30 counter_above pers_pages_peer_died 0
	remoted=$(rc pers_pages_remoted)
	check "node 1 comes back" wait_for 600 link_is $CFS/ramster/node/beta up
	check "node 1 is used again" wait_for 900 counter_above pers_pages_remoted "$remoted"
	wait $STRESS
	status=$?
	cat /tmp/stress.out
	check_eq "every page verified: none lost" 0 "$status"
	show_zcache; show_ramster
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	check "swapoff" swapoff /dev/vda
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	ramster_up beta
	check "node 0's pages arrive" wait_for 1200 counter_above foreign_pers_pages 100
	# Death: the network goes, then the module (and the pages it kept) with it.
	check "cut the network" ip link set eth0 down
	sleep 8
	check "ramster-tools down while cut off" ramster-tools down
	check "rmmod ramster while cut off" rmmod $MODULE
	check "restore the network" ip link set eth0 up
	ramster_up beta
	check "node 0 uses node 1 again" wait_for 900 counter_above foreign_pers_pages 0
	check "node 0 leaves" wait_for 1500 sh -c "[ \$(cat $CFS/ramster/node/alpha/link) != up ]"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
