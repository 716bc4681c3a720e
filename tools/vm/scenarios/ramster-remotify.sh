#!/bin/sh
# scenario: RAMster mode: node 0 swaps twice its RAM and re-reads a file larger than RAM; compressed pages move to node 1 (its foreign counters grow, its per-client limit refuses the rest cleanly), come back on faults, and every page and byte verifies; node 1 frees them when node 0 leaves
# nodes: 2
# memory: 128M
# timeout: 2400
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
MIB=1048576
write_conf ramster 7777 500 4000 6 500

if [ "$NODE" = 0 ]; then
	check "mkext4" mkext4 /dev/vda
	check "mount ext4" mount -t ext4 /dev/vda /mnt
	ramster_up alpha
	check_eq "remotify targets: automatic" -1 "$(cat /sys/kernel/mm/ramster/remote_target_nodenum)"
	check "a 320 MiB swap file" sh -c "dd if=/dev/zero of=/mnt/swap bs=1M count=320 2>/dev/null && mkswap /mnt/swap >/dev/null && swapon /mnt/swap"

	# Swap: twice RAM of compressible pages, every page verified twice.
	check "256 MiB of pages compressing to 3/8, each verified twice" swapstress 256 5 --partial
	show_zcache; show_ramster
	check_gt "swap pages were written to the swap device before leaving" "$(rc pers_pages_written_through)" 0
	check_gt "swap pages moved to node 1" "$(rc pers_pages_remoted)" 0
	check_gt "swap pages came back from node 1" "$(rc remote_pers_pages_succ_get)" 0
	check_eq "no remote get failed" 0 "$(rc remote_pers_pages_unsucc_get)"
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	check_gt "node 1 refused pages past its limit; they stayed here" "$(rc pers_pages_remote_failed)" 0

	# Cleancache: a file larger than RAM, read forwards then backwards, every byte verified.
	check "write a 160 MiB file" hookfile write /mnt/big sparse11 0 $((160 * MIB))
	drop
	exec 3< /mnt/big
	check "first read pass matches" hookfile check /mnt/big sparse11 0 $((160 * MIB))
	check "clean pages moved to node 1" wait_for 60 counter_above eph_pages_remoted 0
	at=$((156 * MIB)); ok=0
	while [ $at -ge 0 ]; do
		hookfile check /mnt/big sparse11 $at $((4 * MIB)) || ok=1
		at=$((at - 4 * MIB))
	done
	check_eq "second read pass (backwards) matches" 0 "$ok"
	show_ramster
	check_gt "clean pages came back from node 1" "$(rc remote_eph_pages_succ_get)" 0
	exec 3<&-

	check "swapoff brings every page back" swapoff /mnt/swap
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
	check "umount" umount /mnt
else
	# A small per-client limit (2% of RAM) so that node 0 floods past it.
	ramster_up beta max_pool_percent=2
	check "node 0's pages arrive" wait_for 1200 counter_above foreign_pers_pages 0
	check "node 1 refuses node 0's pages past the limit" wait_for 1200 counter_above foreign_puts_refused 0
	check "node 0's clean pages arrive" wait_for 1200 counter_above foreign_eph_pages_max 0
	show_ramster
	check "node 0 leaves" wait_for 1500 sh -c "[ \$(cat $CFS/ramster/node/alpha/link) != up ]"
	check_eq "node 0's pages are freed when it goes" 0 \
		"$(wait_for 30 sh -c "[ \$(cat $RD/foreign_pers_pages) = 0 ]"; rc foreign_pers_pages)"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
