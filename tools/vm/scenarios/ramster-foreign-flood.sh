#!/bin/sh
# scenario: RAMster mode: a peer that holds the cluster key floods node 0 with 100 000 tiny pages, each in an object of its own, over all 16 pool ids (badpeer --flood), then destroys every pool; what its pages cost node 0, frames and index, stays within the client's share (max_pool_percent=4 of RAM) in node 0's own accounting and in its MemFree, and all of it comes back
# nodes: 2
# memory: 128M
# timeout: 1800
. /scenarios/lib.sh
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777 500 4000 6 500
PAGES=100000

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster max_pool_percent=4" \
		modprobe $MODULE mode=ramster max_pool_percent=4
	# The baseline before the node listens: the flood begins as soon as it does.
	base_kib=$(memfree)
	check "ramster-tools up" ramster-tools up --node alpha
	share_kib=$(($(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) / 4 / 100 * 4 * 4))
	check "the flood begins" wait_for 600 counter_above foreign_pers_pages 0
	# The lowest MemFree while the flood lasts (until its pools are destroyed).
	low_kib=$(mf)
	while [ "$(rc foreign_pers_pages)" -gt 0 ]; do
		now=$(mf); [ "$now" -lt "$low_kib" ] && low_kib=$now
		sleep 1
	done
	check "the pools were destroyed with the link up" link_is $CFS/ramster/node/beta up
	show_ramster
	echo "  share ${share_kib} KiB; MemFree ${base_kib} KiB before, lowest ${low_kib} KiB"
	echo "  foreign_bytes_max $(rc foreign_bytes_max)"
	check "some of the flood was refused" counter_above foreign_puts_refused 0
	check "node 0's own count stayed within the share" \
		[ "$(rc foreign_bytes_max)" -le $((share_kib * 1024)) ]
	# 2 MiB of slack for what MemFree does on its own and the socket buffers of the flood.
	check "MemFree dropped by at most the share" [ $((base_kib - low_kib)) -le $((share_kib + 2048)) ]
	check_eq "no foreign page left" 0 "$(rc foreign_pers_pages)"
	# The client's pool bodies stay until it goes: node 1 closes the link.
	check "the link to node 1 goes down" wait_for 60 sh -c "[ \$(cat $CFS/ramster/node/beta/link) != up ]"
	check "foreign_bytes back to 0" wait_for 30 sh -c "[ \$(cat $RD/foreign_bytes) = 0 ]"
	after_kib=$(memfree)
	check "MemFree came back" [ $((base_kib - after_kib)) -le 1024 ]
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "badpeer: the flood is answered, then every pool destroyed" \
		badpeer 169.254.0.1 7777 ramster 1 0 500 4000 500 6 --key-file /etc/ramster.key \
		--flood=$PAGES
fi
finish
