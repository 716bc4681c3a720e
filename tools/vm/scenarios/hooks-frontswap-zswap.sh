#!/bin/sh
# scenario: frontswap with zswap enabled: the backend gets pages first, zswap gets what it refuses, every page comes back intact
# memory: 192M
# timeout: 1500
. /scenarios/lib.sh
. /scenarios/hooks.inc

check "zswap enables" sh -c "echo Y > /sys/module/zswap/parameters/enabled"
check "swapon" swap_on
check "hooktest loads with room for 4096 pages" modprobe hooktest cleancache=0 max_pages=4096
check "384 MiB of compressible pages, each verified twice" swapstress 384 3 --sparse
show_counters
stores=$(ht fs_stores)
check_gt "the backend stored pages" "$stores" 0
check_gt "zswap stored what the full backend refused" "$(vmstat zswpout)" 0
check_gt "zswap loaded pages" "$(vmstat zswpin)" 0
check "the backend refuses every store" sh -c "echo 1 > $HT/refuse_stores"
zout=$(vmstat zswpout)
check "256 MiB more, verified twice" swapstress 256 4 --sparse
check_eq "no store reached the backend" "$stores" "$(ht fs_stores)"
check_gt "zswap took the refused pages" "$(vmstat zswpout)" "$zout"
check "swapoff" swapoff /dev/vda
check "rmmod hooktest" rmmod hooktest
finish
