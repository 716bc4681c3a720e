#!/bin/sh
# scenario: zcache cleancache under fsx, a random file exerciser (reads, writes, truncation, hole punching, O_DIRECT, mmap, fsync, evictions by fadvise, drop_caches and reclaim, remounts) on ext4 then ext2, every byte checked against a model of each file: the store serves reads and never stale data
# memory: 128M
# timeout: 600
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

# The seed: `fsx_seed=N` on the kernel command line (add `# append: fsx_seed=N` above to replay a
# failure), else a random one. fsx prints its own replay command too.
for word in $(cat /proc/cmdline); do
	case "$word" in fsx_seed=*) seed=${word#*=} ;; esac
done
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
echo "fsx seed $seed (replay: add '# append: fsx_seed=$seed' to this scenario's header)"

check "ramster loads (frontswap=N)" modprobe ramster frontswap=N

# pressure: reads 160 MiB of the scratch disk through the block device's page cache every few
# seconds until /tmp/pressure.stop exists, so that reclaim evicts fsx's pages too (the file
# system stays free to unmount).
pressure() {
	while [ ! -e /tmp/pressure.stop ]; do
		dd if=/dev/vda of=/dev/null bs=1M count=160 2> /dev/null
		sleep 3
	done
}

# fsx_on FS FLAGS...: fsx on /mnt (FS on /dev/vda) under memory pressure: 45 s alone with
# remounts, then 25 s as two instances side by side on their own files (a remount would find the
# other's files open), whose puts and invalidations race in the same pool. Clean pages went into
# the store and reads found them there.
fsx_on() {
	fs=$1
	shift
	puts=$(zc puts)
	found=$(zc gets_found)
	steal=$(($(vmstat pgsteal_kswapd) + $(vmstat pgsteal_direct)))
	rm -f /tmp/pressure.stop
	pressure &
	pid=$!
	check "$fs: fsx with remounts (seed $seed) read back every byte as written" \
		fsx /mnt 45 "$seed" --drop-caches --remount=/dev/vda:"$fs" "$@"
	fsx /mnt 25 $((seed + 1)) --prefix=a --drop-caches "$@" &
	a=$!
	fsx /mnt 25 $((seed + 2)) --prefix=b --drop-caches "$@"
	b=$?
	wait $a
	check_eq "$fs: fsx a (seed $((seed + 1))) beside b read back every byte as written" 0 $?
	check_eq "$fs: fsx b (seed $((seed + 2))) beside a read back every byte as written" 0 $b
	touch /tmp/pressure.stop
	wait $pid
	echo "  $fs: $(($(vmstat pgsteal_kswapd) + $(vmstat pgsteal_direct) - steal)) pages reclaimed"
	check_gt "$fs: evicted pages were put" $(($(zc puts) - puts)) 0
	check_gt "$fs: reads were served by the store" $(($(zc gets_found) - found)) 0
	check "umount $fs" umount /mnt
}

check "mkext4" mkext4 /dev/vda
check "mount ext4" mount -t ext4 /dev/vda /mnt
fsx_on ext4
check "mke2fs" sh -c "mke2fs -F -b 4096 /dev/vda > /dev/null"
check "mount ext2" mount -t ext2 /dev/vda /mnt
fsx_on ext2 --no-punch
show_zcache
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check_eq "unmounting dropped every file page" 0 "$(zc eph_zpages)"
check "rmmod ramster" rmmod ramster
dmesg_has "cleancache unregisters" "cleancache: backend zc_cleancache_ops [ramster] unregistered"
finish
