#!/bin/sh
# scenario: zcache cleancache never serves data older than the page cache held, nor newer than the device holds: an inode evicted with its pages while still linked (I_DONTCACHE on ext4), an inode generation changed back and forth (SETVERSION on ext2), and a file whose writeback failed (fail_make_request on ext2), each read back byte for byte
# memory: 128M
# kasan: 384M
# timeout: 900
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
MIB=1048576
len=$((4 * MIB))

# evict: drop the clean page cache. `echo 1` only: `echo 3` also runs the shrinkers, which empty
# the store, and the reads below must be able to hit it.
evict() { sync; echo 1 > /proc/sys/vm/drop_caches; }

# in_store PATH SEED: the file is written with SEED and read back from the disk (only folios read
# from the disk are put), evicted into the store, read back from it (hits counted) and evicted
# again, so the store holds its pages.
in_store() {
	hookfile write "$1" "$2" 0 $len && evict && hookfile check "$1" "$2" 0 $len && evict &&
		found=$(zc gets_found) && hookfile check "$1" "$2" 0 $len &&
		[ "$(zc gets_found)" -gt "$found" ] && evict
}

# fail_writes on|off: every bio to the scratch disk fails (fail_make_request), or none does.
fail_writes() {
	if [ "$1" = on ]; then
		echo 100 > /sys/kernel/debug/fail_make_request/probability &&
			echo -1 > /sys/kernel/debug/fail_make_request/times &&
			echo 0 > /sys/kernel/debug/fail_make_request/verbose &&
			echo 1 > /sys/block/vda/make-it-fail
	else
		echo 0 > /sys/block/vda/make-it-fail
	fi
}

# fails_with_eio CMD...: CMD fails, and says "Input/output error".
fails_with_eio() {
	out=$("$@" 2>&1) && return 1
	echo "$out" | grep -q "Input/output error"
}

check "ramster loads (frontswap=N)" modprobe ramster frontswap=N

# ext4: a linked inode evicted from memory with pages in its page cache. The store holds the old
# contents (seed 31); the file is overwritten in full and fsynced (seed 32), so only the page cache
# holds the new contents; then the inode is marked I_DONTCACHE and goes when its last user closes
# it, page cache and all. Reading it again must return seed 32, not the store's seed 31.
check "mkext4" mkext4 /dev/vda
check "mount ext4" mount -t ext4 /dev/vda /mnt
check "ext4: old contents in the store" in_store /mnt/f sparse31
check "ext4: overwrite in full, fsync" hookfile write /mnt/f sparse32 0 $len
check "ext4: the inode is evicted with its pages (FS_DAX_FL toggled)" hookfile dontcache /mnt/f
check "ext4: read after the inode's eviction returns the new contents" \
	hookfile check /mnt/f sparse32 0 $len
evict
found=$(zc gets_found)
check "ext4: and again, from the store" hookfile check /mnt/f sparse32 0 $len
check_gt "ext4: that read hit the store" "$(($(zc gets_found) - found))" 0
# The pages the inode takes with it are put (a folio read from disk and rewritten in part is
# newer than anything the store had): the first MiB is rewritten with seed 33 after a read.
check "ext4: rewrite the first MiB (seed 33), fsync" hookfile write /mnt/f sparse33 0 $MIB
check "ext4: the inode is evicted again with its pages" hookfile dontcache /mnt/f
found=$(zc gets_found)
check "ext4: the rewritten MiB reads back" hookfile check /mnt/f sparse33 0 $MIB
check "ext4: the rest reads back" hookfile check /mnt/f sparse32 $MIB $((len - MIB))
check_gt "ext4: the evicted inode's pages were put and found" "$(($(zc gets_found) - found))" 0
check "umount ext4" umount /mnt

# ext2: the inode generation is part of the store's key. Copies put under one generation must
# not come back after it changes and changes back: seed 41 is put under generation G, seed 42
# under G+1, then G is set again and the file read.
check "mke2fs" sh -c "mke2fs -F -b 4096 /dev/vda > /dev/null"
check "mount ext2" mount -t ext2 /dev/vda /mnt
check "ext2: contents under the first generation in the store" in_store /mnt/g sparse41
gen=$(hookfile getversion /mnt/g)
check "ext2: generation changed" hookfile setversion /mnt/g $((gen + 1))
check "ext2: new contents under the second generation in the store" in_store /mnt/g sparse42
check "ext2: the first generation again" hookfile setversion /mnt/g "$gen"
check "ext2: read returns the newest contents" hookfile check /mnt/g sparse42 0 $len
evict
check "ext2: and again after eviction" hookfile check /mnt/g sparse42 0 $len

# ext2 (no journal, so a failed data write leaves the filesystem usable): a file whose writeback
# failed. The device keeps the old contents (seed 43), the page cache has the new ones (seed 44)
# in clean folios read from the disk. Once they are evicted a read must return what the device
# holds, as it does without cleancache: the store must not keep the unwritten copy.
check "ext2: old contents on the disk and in the store" in_store /mnt/w sparse43
check "ext2: read into the page cache" hookfile check /mnt/w sparse43 0 $len
check "ext2: writes to the disk fail" fail_writes on
check "ext2: overwrite in full, fsync fails with EIO" fails_with_eio hookfile write /mnt/w sparse44 0 $len
check "ext2: writes to the disk succeed again" fail_writes off
evict
check "ext2: read after the failed writeback returns the device's contents" \
	hookfile check /mnt/w sparse43 0 $len
evict
check "ext2: and again after eviction" hookfile check /mnt/w sparse43 0 $len
check "umount ext2" umount /mnt
show_zcache
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check_eq "unmounting dropped every file page" 0 "$(zc eph_zpages)"
check "rmmod ramster" rmmod ramster
finish
