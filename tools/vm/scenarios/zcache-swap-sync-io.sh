#!/bin/sh
# scenario: zcache frontswap on SWP_SYNCHRONOUS_IO swap devices (brd, then zram): swap-ins that skip the swap cache and lose the race with a change of their swap PTE (userfaultfd write-protect toggles) never lose the page; every byte of every round verified
# memory: 128M
# kasan: 384M
# timeout: 900
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check "ramster loads" modprobe ramster
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
# race DEVICE: swap on DEVICE only, 300 rounds of racing swap-ins, swap off.
race() {
	check "swap on $1 (SWP_SYNCHRONOUS_IO)" sh -c "mkswap $1 > /dev/null && swapon $1"
	echo "swaprace seed $seed (replay: swaprace 256 300 $seed)"
	check "swap-ins from $1 racing swap PTE changes get every page back" \
		swaprace 256 300 "$seed"
	check "swapoff $1" swapoff "$1"
}
race /dev/ram0
check "zram0 gets a 16 MiB disk" sh -c "echo 16M > /sys/block/zram0/disksize"
race /dev/zram0
show_zcache
check_gt "the store took the pages" "$(zc puts)" 0
check_gt "and gave them back" "$(zc gets_found)" 0
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check "rmmod ramster" rmmod ramster
finish
