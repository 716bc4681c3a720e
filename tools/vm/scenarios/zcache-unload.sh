#!/bin/sh
# scenario: zcache unload with swap pages held: rmmod writes every page back to the swap device, the workload still verifies; a reload starts with an empty store and works
# memory: 128M
# timeout: 2100
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check "ramster loads" modprobe ramster
check "swapon" swap_on
check "a workload swaps into the store and waits" swap_hold 192 6
show_zcache
held=$(zc pers_zpages)
check_gt "the store holds swap pages" "$held" 0
check "rmmod ramster while it holds them" rmmod ramster
dmesg_has "unload wrote them back" "swap pages back to their swap devices"
check_fails "the counters are gone" test -e "$ZC"
hold_finish "every page is intact after the unload"

check "ramster loads again" modprobe ramster
check_eq "the new store is empty" "0 0 0 0 0" "$(mm_stat 1) $(mm_stat 2) $(mm_stat 3) $(mm_stat 4) $(mm_stat 5)"
check_eq "no puts yet" 0 "$(zc puts)"
check "192 MiB of compressible pages through the reloaded store" swapstress 192 7 --sparse
check_gt "the reloaded store stored pages" "$(zc puts)" 0
check_gt "and loaded them back" "$(zc gets_found)" 0
check "rmmod ramster" rmmod ramster
check "swapoff" swapoff /dev/vda
finish
