#!/bin/sh
# scenario: mode=off: ramster loads, registers no backend and no counters (debugfs or sysfs), swap and files work without it, and it unloads
# memory: 128M
# timeout: 600
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check "ramster loads with mode=off" modprobe ramster mode=off
check_eq "mode reads back" off "$(param mode)"
check_fails "no frontswap backend" sh -c 'dmesg | grep -q "frontswap: backend zc_frontswap_ops"'
check_fails "no cleancache backend" sh -c 'dmesg | grep -q "cleancache: backend zc_cleancache_ops"'
check_fails "no zcache counters" test -e "$ZC"
check_fails "no sysfs statistics" test -e /sys/kernel/mm/ramster
check "swapon" swap_on
check "160 MiB of pages through plain swap" swapstress 160 8 --sparse
check_gt "they went to the swap device" "$(vmstat pswpout)" 0
check "swapoff" swapoff /dev/vda
check "rmmod ramster" rmmod ramster
finish
