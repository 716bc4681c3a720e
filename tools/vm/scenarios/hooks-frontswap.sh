#!/bin/sh
# scenario: frontswap: twice RAM of distinct pages swap out and back intact through the test backend, which counts stores, loads and invalidations
# memory: 192M
# timeout: 1500
. /scenarios/lib.sh
. /scenarios/hooks.inc

check "hooktest loads before any swap area exists" modprobe hooktest cleancache=0
dmesg_has "the backend registers" "frontswap: backend hooktest_frontswap_ops"
check_eq "no swap area yet: no init" 0 "$(ht fs_inits)"
check "swapon" swap_on
check_eq "swapon calls init" 1 "$(ht fs_inits)"
check "384 MiB of distinct pages, each verified twice" swapstress 384 1
show_counters
check_gt "the backend stored pages" "$(ht fs_stores)" 0
check_gt "the backend loaded pages" "$(ht fs_loads)" 0
check_gt "loads were exclusive" "$(ht fs_loads_exclusive)" 0
check_gt "freed swap entries invalidated held pages" "$(ht fs_invalidates)" 0
check_gt "pages the full backend refused went to the swap device" "$(vmstat pswpout)" 0
check "swapoff" swapoff /dev/vda
check_eq "swapoff invalidates the area" 1 "$(ht fs_invalidate_areas)"
check_eq "nothing held after swapoff" 0 "$(ht fs_stored_pages)"
check "rmmod hooktest" rmmod hooktest
dmesg_has "the backend unregisters" "hooktest_frontswap_ops [hooktest] unregistered"
finish
