#!/bin/sh
# scenario: zcache frontswap on a SWP_SYNCHRONOUS_IO swap device (brd): swap-ins that skip the swap cache and lose the race with a change of their swap PTE (clear_refs soft-dirty) never lose the page; every byte of every round verified
# memory: 128M
# timeout: 900
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check "ramster loads" modprobe ramster
check "swap on a brd RAM disk (SWP_SYNCHRONOUS_IO)" sh -c "mkswap /dev/ram0 > /dev/null && swapon /dev/ram0"
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
echo "swaprace seed $seed (replay: swaprace 256 300 $seed)"
check "swap-ins racing swap PTE changes get every page back" swaprace 256 300 "$seed"
show_zcache
check_gt "the store took the pages" "$(zc puts)" 0
check_gt "and gave them back" "$(zc gets_found)" 0
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check "swapoff" swapoff /dev/ram0
check "rmmod ramster" rmmod ramster
finish
