#!/bin/sh
# bench: the cleancache workload: a file set of FILESET_MIB MiB (part of the Linux source tree,
# about 1.5x RAM; tools/bench/fileset.py) on an ext4 image mounted read-only from /dev/vdb,
# read twice in the same order (every file, checked against the SHA-256 the host computed),
# behind whatever bench_setup enabled (nothing: no cleancache; ramster.ko: its cleancache
# backend). The first pass reads the disk; the second finds whatever the page cache and
# cleancache kept of the first. No swap.
. /scenarios/lib.sh
. /scenarios/zcache.inc
. /bench/lib.inc

check "setup of $BENCH" bench_setup
result fileset_mib "$FILESET_MIB"
check "mount the file set read-only" mount -t ext4 -o ro /dev/vdb /mnt
# Nothing of the file set in the page cache (mount read its metadata); drop_caches 1 leaves
# the shrinkers (and cleancache's store) alone.
echo 1 > /proc/sys/vm/drop_caches
now() { cut -d' ' -f1 /proc/uptime; }
counter() { if [ -f "$ZC/$1" ]; then zc "$1"; else echo 0; fi; }
disk_reads() { echo $(($(awk '{ print $3 }' /sys/block/vdb/stat) / 8)); }
# read_pass N: reads every file in .files order, timed; the SHA-256 must be the host's.
read_pass() {
	found=$(counter gets_found) missed=$(counter gets_missed) disk=$(disk_reads) start=$(now)
	sum=$(cd /mnt && xargs cat < .files | sha256sum | cut -d' ' -f1)
	end=$(now)
	result "pass$1_s" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')"
	result "pass$1_gets_found" $(($(counter gets_found) - found))
	result "pass$1_gets_missed" $(($(counter gets_missed) - missed))
	result "pass$1_disk_read_pages" $(($(disk_reads) - disk))
	[ "$sum" = "$FILESET_SHA256" ]
}
check "first read: every byte as the host has it" read_pass 1
check "second read: every byte as the host has it" read_pass 2
if [ -f "$ZC/mm_stat" ]; then
	result eph_zpages_max "$(zc eph_zpages_max)"
	result evicted_eph_zpages "$(zc evicted_eph_zpages)"
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
fi
check "umount" umount /mnt
finish
