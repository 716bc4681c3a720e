#!/bin/sh
# scenario: zcache frontswap: twice RAM of compressible anonymous memory swaps into the compressed store and back, every page verified twice; counters show stores, loads and compression; incompressible pages are refused and go to the swap device
# memory: 192M
# timeout: 2400
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check "ramster loads (mode=zcache by default)" modprobe ramster
dmesg_has "the frontswap backend registers" "frontswap: backend zc_frontswap_ops"
dmesg_has "the cleancache backend registers" "cleancache: backend zc_cleancache_ops"
check "debugfs zcache/ and zbud/" test -f "$ZC/mm_stat" -a -f "$ZB/pers_zpages"
check "swapon" swap_on
check "384 MiB of compressible pages, each verified twice" swapstress 384 1 --sparse
show_zcache
check_gt "pages were stored" "$(zc puts)" 0
check_gt "pages were loaded back" "$(zc gets_found)" 0
check_compressed pers
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
out=$(vmstat pswpout)

check "192 MiB of random pages, each verified twice" swapstress 192 2
check_gt "incompressible pages were refused (compress_poor)" "$(zc compress_poor)" 0
check_gt "refused pages went to the swap device" "$(($(vmstat pswpout) - out))" 0
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"

check "swap held while swapoff runs" swap_hold 96 3
check "swapoff brings every page back" swapoff /dev/vda
hold_finish "the held pages are intact after swapoff"
show_zcache
check_eq "nothing held after swapoff" 0 "$(zc pers_zpages)"
check_eq "no frame held after swapoff" 0 "$(zc pers_pageframes)"
check "rmmod ramster" rmmod ramster
dmesg_has "frontswap unregisters" "frontswap: backend zc_frontswap_ops [ramster] unregistered"
finish
