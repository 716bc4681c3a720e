#!/bin/sh
# scenario: zcache under a randomized anonymous-memory fuzzer (anonfuzz: 4 threads rewrite, check, MADV_PAGEOUT, MADV_DONTNEED and fork over shared, private and mTHP memory of twice the RAM, every byte checked against a model): on two virtio swap partitions with one swapped off mid-run, then on zram (SWP_SYNCHRONOUS_IO); prints its seed for replay
# memory: 128M
# timeout: 900
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

SECS=60
THREADS=4
THP=/sys/kernel/mm/transparent_hugepage
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')

# fuzz MIB SEED: runs anonfuzz over MIB MiB in the background (its output goes to the console
# as it comes); FUZZ_PID is its pid.
fuzz() {
	echo "anonfuzz seed $2 (replay: anonfuzz $1 $SECS $2 --threads=$THREADS)"
	anonfuzz "$1" "$SECS" "$2" --threads="$THREADS" &
	FUZZ_PID=$!
}

# fuzz_done WHAT: waits for anonfuzz; it must have found every byte as the model says.
fuzz_done() {
	wait "$FUZZ_PID"
	check_eq "$1" 0 "$?"
}

# swap_used DEVICE: KiB of DEVICE in use, from /proc/swaps.
swap_used() { awk -v d="$1" '$1 == d { print $4 }' /proc/swaps; }

# mthp STAT: the sum of an mTHP counter (hugepages-*kB/stats/STAT) over every size.
mthp() { cat "$THP"/hugepages-*kB/stats/"$1" 2> /dev/null | awk '{ n += $1 } END { print n + 0 }'; }

check "ramster loads (mode=zcache by default)" modprobe ramster
echo "  MemAvailable: $(awk '/MemAvailable/ { print $2 }' /proc/meminfo) kB"
# Huge pages where anonfuzz asks for them (MADV_HUGEPAGE), of every size the kernel offers.
check "THP on madvise" sh -c "echo madvise > $THP/enabled"
# (hugepages-8kB is for files only: its write fails.)
for size in "$THP"/hugepages-*kB; do { echo inherit > "$size/enabled"; } 2> /dev/null; done
echo "  mTHP sizes: $(ls -d "$THP"/hugepages-*kB | sed 's/.*hugepages-//' | tr '\n' ' ')"

# Phase 1: 128 MiB (over twice the memory available) on two swap partitions of the virtio disk;
# the first (higher priority, used first) is swapped off while anonfuzz runs, so its pages come
# back through the store.
printf 'n\np\n1\n\n+96M\nn\np\n2\n\n\nw\n' | fdisk /dev/vda > /dev/null 2>&1
check "two partitions on the virtio disk" wait_for 5 test -b /dev/vda2
check "swapon both" sh -c "mkswap /dev/vda1 > /dev/null && mkswap /dev/vda2 > /dev/null &&
	swapon /dev/vda1 && swapon /dev/vda2"
fuzz 128 "$seed"
sleep $((SECS / 2))
cat /proc/swaps
check_gt "the first partition holds pages mid-run (KiB)" "$(swap_used /dev/vda1)" 0
check "swapoff of the first partition while anonfuzz runs" swapoff /dev/vda1
fuzz_done "anonfuzz on the virtio disk: every byte as the model says"
check "swapoff of the second partition" swapoff /dev/vda2
show_zcache

# Phase 2: zram, a SWP_SYNCHRONOUS_IO device (swap-ins skip the swap cache). zram keeps what
# the store refuses in RAM too: 64 MiB, not twice the memory, or the two leave none for the
# workload (OOM); MADV_PAGEOUT makes up for the smaller pressure.
check "zram0 gets a 256 MiB disk" sh -c "echo 256M > /sys/block/zram0/disksize"
check "swapon zram0" sh -c "mkswap /dev/zram0 > /dev/null && swapon /dev/zram0"
fuzz 64 $((seed + 1))
fuzz_done "anonfuzz on zram: every byte as the model says"
check "swapoff zram0" swapoff /dev/zram0

show_zcache
echo "  vmstat: $(grep -E '^(pswpin|pswpout|thp_fault_alloc|thp_swpout|thp_swpout_fallback|thp_split_page) ' /proc/vmstat | tr '\n' ' ')"
for size in "$THP"/hugepages-*kB; do
	echo "  ${size##*/}: $(cd "$size/stats" && grep -H . anon_fault_alloc swpout swpout_fallback split 2> /dev/null | tr '\n' ' ')"
done
check_gt "large folios were faulted in (mTHP, THP)" "$(mthp anon_fault_alloc)" 0
check_gt "large folios were swapped out (whole or split)" \
	"$(($(mthp swpout) + $(mthp swpout_fallback)))" 0
check_gt "the store took pages" "$(zc puts)" 0
check_gt "and gave them back" "$(zc gets_found)" 0
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check_eq "nothing held after swapoff" 0 "$(zc pers_zpages)"
check "rmmod ramster" rmmod ramster
finish
