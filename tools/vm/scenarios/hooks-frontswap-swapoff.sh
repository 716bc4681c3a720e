#!/bin/sh
# scenario: frontswap: a backend registered after swapon gets init and stores; swapoff with pages in the backend returns them all intact
# memory: 192M
# timeout: 1500
. /scenarios/lib.sh
. /scenarios/hooks.inc

check "swapon before the backend exists" swap_on
check "hooktest loads after swapon" modprobe hooktest cleancache=0
check_eq "registration calls init for the active area" 1 "$(ht fs_inits)"
check "a 96 MiB workload writes its memory and waits" hold_start 96 7
check "a 256 MiB workload pushes it out to swap" swapstress 256 8
show_counters
check_gt "the backend stored pages" "$(ht fs_stores)" 0
check_gt "the backend holds pages of the waiting workload" "$(ht fs_stored_pages)" 0
check "swapoff with pages in the backend" swapoff /dev/vda
check_eq "nothing held after swapoff" 0 "$(ht fs_stored_pages)"
check_eq "swapoff invalidates the area" 1 "$(ht fs_invalidate_areas)"
hold_finish "every page of the waiting workload is intact after swapoff"
check "rmmod hooktest" rmmod hooktest
finish
