#!/bin/sh
# scenario: RAMster mode: node 1 keeps thousands of node 0's swap pages (both nodes' sysfs peer_stat, read by nobody, agree with debugfs); node 0 goes down for good (its network cut) and reads them from its swap device, every page verified; node 1 frees them: its counters say 0 and its MemFree comes back to the baseline, again after rmmod
# nodes: 2
# memory: 128M
# timeout: 2400
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777 500 4000 6 500
# Pages node 1 must hold before node 0 goes away: a few thousand, about 1 KiB of node 1's RAM
# each at least (two of the workload's pages fill a 4 KiB frame).
PAGES=3000
# Node 1 tells node 0 it has measured with a marker (ramster.inc).

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "swapon" swap_on
	check "node 1 has measured its baseline" wait_for 300 markers 1
	check "more than $PAGES swap pages move to node 1" hold_remote 11 $PAGES
	check "sysfs peer_stat (read by nobody): node 1 up, as debugfs nodes/1/ counts it" \
		wait_for 10 peer_agrees 1 up
	check_gt "peer_stat: more than $PAGES pages kept on node 1" \
		"$(peer_line 1 | awk '{ print $3 }')" $PAGES
	check "node 1 has measured what they cost it" wait_for 300 markers 2
	echo "  remote_pers_pages = $(rc remote_pers_pages) when node 0 goes down"
	# Down for good: node 0 never comes back.
	check "cut the network" ip link set eth0 down
	check "node 1 is declared down" wait_for 120 sh -c "dmesg | grep -qF 'cluster: node 1 is down'"
	check "its swap pages fall back to the swap device" wait_for 30 counter_above pers_pages_peer_died 0
	hold_finish "every page verified, those node 1 held read from the swap device"
	show_zcache; show_ramster
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	check_eq "no remote page left" 0 "$(rc remote_pers_pages)"
	check "swapoff" swapoff /dev/vda
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	# MemFree moves by some hundred KiB on its own (per-CPU free lists, slabs, network buffers):
	# 1 MiB of slack, where the pages held cost several MiB.
	SLACK=1024
	boot_kib=$(memfree)
	ramster_up beta
	base_kib=$(memfree)
	check_eq "no foreign page at the baseline" 0 "$(rc foreign_pers_pages)"
	check "tell node 0 to start" marker
	check "more than $PAGES of node 0's pages arrive" wait_for 1500 counter_above foreign_pers_pages $PAGES
	hold_kib=$(memfree)
	held=$(rc foreign_pers_pages)
	check "sysfs peer_stat (read by nobody): node 0 up, as debugfs nodes/0/ counts it" \
		wait_for 10 peer_agrees 0 up
	echo "  peer_stat: $(peer_line 0)"
	check_gt "peer_stat: more than $PAGES of node 0's pages here" \
		"$(peer_line 0 | awk '{ print $4 }')" $PAGES
	check_gt "peer_stat: they take more than 1 KiB each here" \
		"$(peer_line 0 | awk '{ print $5 }')" $((PAGES * 1024))
	check "tell node 0 to go" marker
	show_ramster
	echo "  MemFree: $boot_kib KiB before modprobe, $base_kib KiB after, $hold_kib KiB holding $held pages"
	check_gt "holding them costs MemFree (KiB)" $((base_kib - hold_kib)) "$held"
	check "node 0 goes down" wait_for 300 sh -c "[ \$(cat $CFS/ramster/node/alpha/link) != up ]"
	check "node 0's pages are freed: counters" wait_for 60 sh -c \
		"[ \$(cat $RD/foreign_pers_pages) = 0 ] && [ \$(cat $RD/foreign_eph_pages) = 0 ]"
	down_kib=$(memfree)
	echo "  MemFree: $down_kib KiB after node 0 went down (baseline $base_kib KiB)"
	check_lt "node 0's pages are freed: MemFree back to the baseline (KiB missing)" \
		$((base_kib - down_kib)) $SLACK
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
	unboot_kib=$(memfree)
	# Against the loaded baseline: MemFree before modprobe, this soon after boot, is no reference
	# (measured 1 to 6 MiB below what it is once the module is loaded).
	echo "  MemFree: $unboot_kib KiB after rmmod (baseline $base_kib KiB, $boot_kib before modprobe)"
	check_lt "after rmmod MemFree is back to the baseline or above (KiB missing)" \
		$((base_kib - unboot_kib)) $SLACK
fi
finish
