#!/bin/sh
# scenario: the module's longest interrupts-off section (irqsoff tracer, and the module's own sections from the preemptirq events) while it walks a whole store stays below 15 ms: a cleancache pool of 32768 pages destroyed at umount and at unload (and, as a control, dropped 256 pages at a time), an unload draining 90000 swap pages; every cleancache page verified (zcache-unload verifies the drain's swap pages). ramster-irqsoff measures a peer's store dropped
# memory: 384M
# quiet: yes
# timeout: 1500
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/irqsoff.inc
MIB=1048576

check "the TSC's rate is measured" tsc_calibrate
check "irqsoff tracer" tracer_on
check_eq "the tracer is irqsoff" irqsoff "$(cat $T/current_tracer)"

# ---- baseline: the longest section of an idle kernel ------------------------------------------
measure "idle 5 s, no module" 0 sleep 5

# ---- 1. cleancache: a whole pool destroyed at umount (invalidate_fs -> destroy_pool) and at
#         unload (the backend's pools freed after cleancache is unregistered); then, as a
#         control, the same number of pages dropped 256 at a time (one file's flush_object) ----
# drop: evict the clean page cache; every folio read from the disk is put. `echo 1` only: 3 also
# runs the shrinkers, which empty the store.
drop() { sync; echo 1 > /proc/sys/vm/drop_caches; }
# 128 files of 1 MiB (256 pages each), file i written with stream sparse<i>: 32768 pages.
FILES=128
each_file() {
	i=1
	while [ $i -le $FILES ]; do
		hookfile "$1" /mnt/f$i sparse$i 0 $MIB > /dev/null || { echo "  /mnt/f$i: $1 failed"; return 1; }
		i=$((i + 1))
	done
}
# fill: reads every file from the disk (verified) and puts all of them in the store; the first
# four come back from the store, verified, and go back in.
fill() {
	drop
	check "read the files from the disk" each_file check
	drop
	found=$(zc gets_found)
	check "4 files read back from the store" sh -c \
		"for i in 1 2 3 4; do hookfile check /mnt/f\$i sparse\$i 0 $MIB > /dev/null || exit 1; done"
	check_gt "the store served them" $(($(zc gets_found) - found)) 0
	drop
	EPH=$(zc eph_zpages)
	check_gt "the store holds tens of thousands of cleancache pages" "$EPH" 20000
}
check "mkext4" mkext4 /dev/vda
check "mount ext4" mount -t ext4 /dev/vda /mnt
# 40% of RAM: room for every file (16384 frames, two pages each).
check "ramster loads (frontswap=N, max_pool_percent=40)" modprobe ramster frontswap=N max_pool_percent=40
check "trace the module's sections" module_loaded
check "write $FILES files of 1 MiB" each_file write
# Not checked against the bound: thousands of single-page sections, where a host that
# deschedules the vCPU for a while inside one of them makes it look long.
measure "read them (single-page puts and gets)" 0 fill
measure "umount (destroy_pool of the filesystem's pool)" "$EPH" umount /mnt
check "umount" test $STATUS = 0
check_bound "umount"
check_eq "umount dropped the filesystem's pages" 0 "$(zc eph_zpages)"
check "mount ext4 again" mount -t ext4 /dev/vda /mnt
fill
measure "rmmod with the filesystem mounted (its pool freed at unload)" "$EPH" rmmod ramster
check "rmmod ramster" test $STATUS = 0
check_bound "rmmod with a full cleancache pool"
dmesg_has "cleancache unregisters" "cleancache: backend zc_cleancache_ops [ramster] unregistered"
# Control: the files' pages leave the store one file (256 pages, one flush_object under one
# interrupts-off section) at a time when the files are removed: a walk in batches of 256 pages,
# which the bound must let through.
check "ramster loads again" modprobe ramster frontswap=N max_pool_percent=40
check "trace the module's sections" module_loaded
fill
measure "rm the files (control: flush_object of 256 pages each)" "$EPH" rm /mnt/f*
check "rm" test $STATUS = 0
check_bound "rm, 256 pages at a time"
check_eq "rm dropped the files' pages" 0 "$(zc eph_zpages)"
check "umount" umount /mnt
check "rmmod ramster" rmmod ramster

# ---- 2. unload with a full frontswap store (drain: walk, write back, then destroy) -------------
check "ramster loads" modprobe ramster
check "trace the module's sections" module_loaded
check "swapon" swap_on
check "a memory cgroup of 32 MiB" memcg 32
measure "a workload swaps into the store (single-page puts)" 0 hold_in_cgroup 384 6 --sparse
check "a workload swaps into the store and waits" test $STATUS = 0
show_zcache
held=$(mm_stat 4)
check_gt "the store holds tens of thousands of swap pages" "$held" 50000
measure "rmmod (drain and destroy the store)" "$held" rmmod ramster
check "rmmod ramster while it holds them" test $STATUS = 0
check_bound "rmmod with a full frontswap store"
dmesg_has "unload wrote them back" "swap pages back to their swap devices"
# The pages the drain wrote back are not read again here: zcache-unload verifies every page of
# the same unload path, and reading 384 MiB back would double this scenario's time.
# Everything in the memory cgroup (HOLD_PID is the shell that started the workload).
check "the workload is killed" sh -c "echo 1 > $CG/cgroup.kill"
wait "$HOLD_PID" 2>/dev/null
check "swapoff" swapoff /dev/vda
finish
