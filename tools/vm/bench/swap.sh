#!/bin/sh
# bench: the swap workload: SWAP_MIB MiB of anonymous pages (swapstress $SWAP_PAGES: the page
# corpus on the read-only disk /dev/vdb by default, every page verified twice) behind whatever
# bench_setup enabled (nothing: disk swap; zswap; zram; ramster.ko), with /dev/vda as the swap
# disk; measured on node 0, with a snapshot of the compressed store once every page was written.
# A second node, if any, only serves node 0 (e.g. as a remote target).
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /bench/lib.inc

bench_start
# swap_start: starts the held workload; HOLD_PID is its pid, hold_finish verifies it.
swap_start() {
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	# shellcheck disable=SC2086 # SWAP_PAGES is swapstress's options
	swapstress "$SWAP_MIB" 5 --hold ${SWAP_PAGES:---corpus /dev/vdb} > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	wait_for 900 test -f /tmp/swapstress.filled
}
check "swapon" swap_on
out0=$(disk_pages 7)
in0=$(disk_pages 3)
swpout0=$(vmstat pswpout)
zout0=$(vmstat zswpout)
check "$SWAP_MIB MiB of pages written" swap_start

# The store once every page is written (most of them are swapped out now).
ZSW=/sys/kernel/debug/zswap
ZRAM=/sys/block/zram0
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
elif [ -f $ZRAM/disksize ] && [ "$(cat $ZRAM/disksize)" != 0 ]; then
	# orig_data_size compr_data_size mem_used_total ... same_pages (6th)
	set -- $(cat $ZRAM/mm_stat)
	result stored_pages $(($1 / 4096))
	result orig_bytes "$1"
	result compr_bytes "$2"
	result mem_used_bytes "$3"
	result zram_same_pages "$6"
else
	result stored_pages 0
	result orig_bytes 0
	result mem_used_bytes 0
fi
result disk_out_at_fill $(($(disk_pages 7) - out0))

hold_finish "every page verified twice"
result write_s "$(sed -n 's/.* written in \([0-9.]*\) s.*/\1/p' /tmp/hold.out)"
result verify_s "$(sed -n 's/.* verified twice in \([0-9.]*\) s.*/\1/p' /tmp/hold.out)"
result disk_out_pages $(($(disk_pages 7) - out0))
result disk_in_pages $(($(disk_pages 3) - in0))
result swap_out_pages $(($(vmstat pswpout) - swpout0))
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
check "swapoff" swapoff_all
bench_peer_release
finish
