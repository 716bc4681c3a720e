#!/bin/sh
# scenario: zcache with a tiny budget (max_pool_percent=1): puts beyond it are refused cleanly, the refused pages go to the swap device or are re-read from disk, and both workloads verify
# memory: 128M
# timeout: 1200
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check_fails "max_pool_percent=0 is refused" modprobe ramster max_pool_percent=0
check_fails "max_pool_percent=101 is refused" modprobe ramster max_pool_percent=101
check "ramster loads with max_pool_percent=1" modprobe ramster max_pool_percent=1
check_eq "the parameter reads back" 1 "$(param max_pool_percent)"
budget=$(($(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 4 / 100 + 1))
check "swapon" swap_on
check "192 MiB of compressible pages, each verified twice" swapstress 192 4 --sparse
show_zcache
check_gt "persistent puts were refused" "$(zc failed_pers_puts)" 0
check_gt "for want of a frame" "$(zc failed_get_free_pages)" 0
check_gt "then refused before compressing while full" "$(zc refused_full)" 0
check_gt "some pages were stored" "$(zc puts)" 0
check_lt "frames never exceeded the budget" "$(zc pers_pageframes_max)" $((budget + 1))
check_gt "refused pages went to the swap device" "$(vmstat pswpout)" 0
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check "swapoff" swapoff /dev/vda
check_eq "nothing held after swapoff" 0 "$(zc pers_zpages)"

check "mkext4" mkext4 /dev/vda
check "mount ext4" mount -t ext4 /dev/vda /mnt
check "write a 160 MiB file" hookfile write /mnt/big sparse5 0 $((160 * 1048576))
echo 3 > /proc/sys/vm/drop_caches
check "first read pass matches" hookfile check /mnt/big sparse5 0 $((160 * 1048576))
check "second read pass matches" hookfile check /mnt/big sparse5 0 $((160 * 1048576))
show_zcache
check_lt "ephemeral frames never exceeded the budget" "$(zc eph_pageframes_max)" $((budget + 1))
check_gt "ephemeral puts evicted older frames or were refused" \
	"$(($(zc eph_ate_tail) + $(zc failed_eph_puts)))" 0
check "umount" umount /mnt
check "rmmod ramster" rmmod ramster
finish
