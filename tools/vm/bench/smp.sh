#!/bin/sh
# bench: zbud locks on two CPUs: two swap workers at once (swapstress SMP_MIB MiB --sparse
# each, every page verified twice) on zcache with zbud_shards=1 (one lock per kind of zbud, as
# before the shards) and with the default (a shard per CPU), for SMP_ROUNDS rounds in this one
# VM (odd rounds one shard first, even rounds the default first); each run is timed from the
# workers' start to the last one's end.
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /bench/lib.inc

check "setup of $BENCH" bench_setup
check_eq "the guest has two CPUs online" 0-1 "$(cat /sys/devices/system/cpu/online)"
result smp_cpus "$(grep -c ^processor /proc/cpuinfo)"

# now: the guest's uptime in hundredths of a second.
now() { awk '{ sub(/\./, "", $1); print $1 + 0 }' /proc/uptime; }

# workers SHARDS ROUND: one round on a fresh store with zbud_shards=SHARDS; prints its
# BENCH-RESULT line (seconds).
workers() {
	modprobe ramster mode=zcache zbud_shards="$1" || return 1
	echo "  zbud/shards = $(zb shards)"
	swap_on || return 1
	start=$(now)
	swapstress "$SMP_MIB" $((10 * $2 + 1)) --sparse > /tmp/w1.out 2>&1 &
	w1=$!
	swapstress "$SMP_MIB" $((10 * $2 + 2)) --sparse > /tmp/w2.out 2>&1 &
	w2=$!
	wait $w1
	s1=$?
	wait $w2
	s2=$?
	end=$(now)
	cat /tmp/w1.out /tmp/w2.out
	echo "  puts $(zc puts), gets $(zc gets_found), mm_stat max pages $(zc pers_zpages_max)"
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	swapoff /dev/vda && rmmod ramster || return 1
	[ "$s1" = 0 ] && [ "$s2" = 0 ] || return 1
	secs=$(awk -v t=$((end - start)) 'BEGIN { printf "%.2f", t / 100 }')
	result "smp_shards_$3_s_round$2" "$secs"
}

# one_round ROUND SHARDS LABEL: one timed round.
one_round() {
	check "round $1: $3 shards, two workers of $SMP_MIB MiB, every page verified twice" \
		workers "$2" "$1" "$3"
}

# Odd rounds run one shard first, even rounds the default first (ABBA...): a host that slows
# down or speeds up through the run weighs on both alike.
round=1
while [ "$round" -le "$SMP_ROUNDS" ]; do
	if [ $((round % 2)) = 1 ]; then
		one_round "$round" 1 one
		one_round "$round" auto default
	else
		one_round "$round" auto default
		one_round "$round" 1 one
	fi
	round=$((round + 1))
done
result smp_rounds "$SMP_ROUNDS"
result smp_mib_per_worker "$SMP_MIB"
finish
