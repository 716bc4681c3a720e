#!/bin/sh
# scenario: zcache cleancache on ext4: a compressible file larger than RAM is read twice with hits from the compressed store and every byte verified; writes, truncation and remounts never read stale data
# memory: 128M
# timeout: 1200
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
MIB=1048576

# drop: evict the clean page cache; reclaim offers every folio to the backend. `echo 1` only:
# `echo 3` also runs the shrinkers, which empty the store, and the reads must be able to hit it.
drop() { sync; echo 1 > /proc/sys/vm/drop_caches; }

check "mkext4" mkext4 /dev/vda
check "mount ext4" mount -t ext4 /dev/vda /mnt
check "ramster loads (frontswap=N)" modprobe ramster frontswap=N
dmesg_has "the cleancache backend registers" "cleancache: backend zc_cleancache_ops"

big=$((192 * MIB))
check "write a 192 MiB file" hookfile write /mnt/big sparse11 0 $big
drop
exec 3< /mnt/big # keep the inode (and its pages in the store) between the passes
check "first read pass matches" hookfile check /mnt/big sparse11 0 $big
hits=$(zc gets_found)
# The store keeps the most recently evicted pages (LRU), the end of the file: a second forward
# pass would evict each page just before it is read. Read it backwards, 4 MiB at a time.
backwards() {
	chunk=$((4 * MIB)); at=$((big - chunk))
	while [ $at -ge 0 ]; do
		hookfile check /mnt/big sparse11 $at $chunk || return 1
		at=$((at - chunk))
	done
}
check "second read pass (backwards) matches" backwards
show_zcache
check_gt "evicted pages were put" "$(zc puts)" 0
check_gt "the second pass was served partly by the store" "$(($(zc gets_found) - hits))" 0
check_compressed eph
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
exec 3<&-
rm /mnt/big

len=$((4 * MIB))
# cached PATH: the file is written and read back from the disk (only folios read from the disk
# are put), evicted into the store, read back with hits from it, and evicted again.
cached() {
	hookfile write "$1" sparse21 0 $len && drop && hookfile check "$1" sparse21 0 $len && drop &&
		found=$(zc gets_found) && hookfile check "$1" sparse21 0 $len &&
		[ "$(zc gets_found)" -gt "$found" ] && drop
}
# read_hits WHAT PATH SEED OFFSET LEN: the range reads back as SEED, partly from the store.
read_hits() {
	found=$(zc gets_found)
	check "$1" hookfile check "$2" "$3" "$4" "$5"
	check_gt "$1: served partly by the store" "$(($(zc gets_found) - found))" 0
}
check "write: file in the store" cached /mnt/w
check "write: overwrite 1 MiB at 1 MiB" hookfile write /mnt/w sparse22 $MIB $MIB
drop
check "write: new data read back" hookfile check /mnt/w sparse22 $MIB $MIB
read_hits "write: old data around it intact" /mnt/w sparse21 0 $MIB
check "truncate: file in the store" cached /mnt/t
check "truncate: to 1 MiB and back to 4 MiB" sh -c "truncate -s $MIB /mnt/t && truncate -s $len /mnt/t"
drop
check "truncate: head intact" hookfile check /mnt/t sparse21 0 $MIB
check "truncate: the truncated part reads as zeros" hookfile check /mnt/t zero $MIB $((3 * MIB))
check "remount: file in the store" cached /mnt/r
check "umount" umount /mnt
check_eq "umount dropped the filesystem's pages" 0 "$(zc eph_zpages)"
check "mount again" mount -t ext4 /dev/vda /mnt
check "remount: data read back" hookfile check /mnt/r sparse21 0 $len
drop
read_hits "remount: data read back after eviction" /mnt/r sparse21 0 $len
check "umount" umount /mnt
check "rmmod ramster" rmmod ramster
dmesg_has "cleancache unregisters" "cleancache: backend zc_cleancache_ops [ramster] unregistered"
finish
