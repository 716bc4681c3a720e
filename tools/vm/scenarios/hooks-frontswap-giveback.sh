#!/bin/sh
# scenario: frontswap give-back: pages drained to memory and pages written back when the backend unloads all come back intact
# memory: 192M
# timeout: 1500
. /scenarios/lib.sh
. /scenarios/hooks.inc

check "swapon" swap_on
check "hooktest loads" modprobe hooktest cleancache=0
check "a 96 MiB workload writes its memory and waits" hold_start 96 7
check "a 256 MiB workload pushes it out to swap" swapstress 256 8
held=$(ht fs_stored_pages)
check_gt "the backend holds pages of the waiting workload" "$held" 0
check "drain to memory" sh -c "echo 2 > $HT/drain"
check_gt "drain gave pages back" "$(cat $HT/drain)" 0
check_gt "drain wrote them back" "$(ht fs_writebacks)" 0
echo "held $held, drained $(cat $HT/drain), now $(ht fs_stored_pages)"
check "another 256 MiB workload pushes the waiting one out again" swapstress 256 9
check_gt "the backend holds pages again" "$(ht fs_stored_pages)" 0
out_before=$(vmstat pswpout)
check "rmmod with pages in the backend" rmmod hooktest
dmesg_has "unload gave the pages back" "hooktest: unloaded: gave back"
dmesg | grep -F "hooktest: unloaded" | tail -n 1
check_gt "unload wrote them to the swap device" "$(vmstat pswpout)" "$out_before"
check_fails "hooktest is gone" test -d /sys/module/hooktest
hold_finish "every page of the waiting workload is intact after give-back and unload"
finish
