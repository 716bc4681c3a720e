#!/bin/sh
# scenario: zcache on two CPUs with the zbud shards: the default is a shard per CPU (zbud/shards); two swap workers at once (zbud and packed pages), every page verified twice; again on one shard; bad zbud_shards values fail the load with EINVAL and a message; lockdep watches every lock
# memory: 128M
# cpus: 2
# timeout: 2400
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check_eq "the guest has two CPUs online" 0-1 "$(cat /sys/devices/system/cpu/online)"

for bad in 0 65 -1 x 2x; do
	check_fails "zbud_shards=$bad is refused" modprobe ramster zbud_shards=$bad
	dmesg_has "zbud_shards=$bad: the message names the parameter and its values" \
		"invalid value \"$bad\" for parameter zbud_shards; allowed values: auto, 1 to 64"
done
check_fails "and nothing stays loaded" loaded

# two_workers MIB SEED: a --sparse worker (packed frames) and a --partial one (zbud, two to a
# frame) at once; both must verify every page twice.
two_workers() {
	swapstress "$1" "$2" --sparse > /tmp/w1.out 2>&1 &
	w1=$!
	swapstress "$1" $(($2 + 1)) --partial > /tmp/w2.out 2>&1 &
	w2=$!
	wait $w1
	s1=$?
	wait $w2
	s2=$?
	cat /tmp/w1.out /tmp/w2.out
	[ "$s1" = 0 ] && [ "$s2" = 0 ]
}

check "ramster loads with the default shards" modprobe ramster
check_eq "zbud_shards shows auto" auto "$(param zbud_shards)"
check_eq "zbud/shards: one per CPU" 2 "$(zb shards)"
dmesg_has "the store logs its shards" "2 zbud shards"
check "swapon" swap_on
check "two workers of 80 MiB at once, every page verified twice" two_workers 80 21
show_zcache
check_gt "pages were stored" "$(zc puts)" 0
check_gt "zbud pages were stored" "$(zc pers_zpages_max)" 0
check_gt "packed pages were stored" "$(zc packed_zpages_max)" 0
check_gt "and loaded back" "$(zc gets_found)" 0
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check "swapoff" swapoff /dev/vda
check_eq "the store is empty" "0 0" "$(mm_stat 4) $(mm_stat 3)"
check "rmmod ramster" rmmod ramster

check "ramster loads with zbud_shards=1" modprobe ramster zbud_shards=1
check_eq "zbud_shards shows 1" 1 "$(param zbud_shards)"
check_eq "zbud/shards: 1" 1 "$(zb shards)"
check "swapon" swap_on
check "two workers of 48 MiB at once on one shard, every page verified twice" two_workers 48 31
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check "swapoff" swapoff /dev/vda
check "rmmod ramster" rmmod ramster

check "ramster loads with zbud_shards=3" modprobe ramster zbud_shards=3
check_eq "zbud/shards: 3 (more shards than CPUs is allowed)" 3 "$(zb shards)"
check "rmmod ramster" rmmod ramster
finish
