#!/bin/sh
# bench: the swap workload: SWAP_MIB MiB of compressible anonymous pages (swapstress --sparse,
# every page verified twice) behind whatever bench_setup enabled (nothing: disk swap; zswap;
# ramster.ko); measured on node 0, with a snapshot of the compressed store once every page was
# written. A second node, if any, only serves node 0 (e.g. as a remote target).
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /bench/lib.inc

check "setup of $BENCH" bench_setup
if [ "$NODE" != 0 ]; then
	check "node $NODE serves until node 0 is done" bench_peer_serve
	finish
fi
check "swapon" swap_on
out0=$(vmstat pswpout)
in0=$(vmstat pswpin)
zout0=$(vmstat zswpout)
check "$SWAP_MIB MiB of compressible pages written" swap_hold "$SWAP_MIB" 5

# The store once every page is written (most of them are swapped out now).
ZSW=/sys/kernel/debug/zswap
if [ -f "$ZC/mm_stat" ]; then
	result stored_pages "$(mm_stat 4)"
	result orig_bytes "$(mm_stat 1)"
	result compr_bytes "$(mm_stat 2)"
	result mem_used_bytes "$(mm_stat 3)"
elif [ "$(cat /sys/module/zswap/parameters/enabled)" = Y ]; then
	stored=$(cat $ZSW/stored_pages)
	result stored_pages "$stored"
	result orig_bytes $((stored * 4096))
	result mem_used_bytes "$(cat $ZSW/pool_total_size)"
else
	result stored_pages 0
	result orig_bytes 0
	result mem_used_bytes 0
fi
result disk_out_at_fill $(($(vmstat pswpout) - out0))

hold_finish "every page verified twice"
result write_s "$(sed -n 's/.* written in \([0-9.]*\) s.*/\1/p' /tmp/hold.out)"
result verify_s "$(sed -n 's/.* verified twice in \([0-9.]*\) s.*/\1/p' /tmp/hold.out)"
result disk_out_pages $(($(vmstat pswpout) - out0))
result disk_in_pages $(($(vmstat pswpin) - in0))
result zswap_out_pages $(($(vmstat zswpout) - zout0))
if [ -f "$ZC/mm_stat" ]; then
	show_zcache
	result zcache_puts "$(zc puts)"
	result zcache_compress_poor "$(zc compress_poor)"
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
fi
RD=/sys/kernel/debug/ramster
if [ -d "$RD" ]; then
	for f in pers_pages_remoted remote_pers_pages_succ_get remote_pers_pages_unsucc_get \
		remote_get_us_total pers_pages_written_through; do
		result "$f" "$(cat $RD/$f)"
	done
fi
check "swapoff" swapoff /dev/vda
bench_peer_release
finish
