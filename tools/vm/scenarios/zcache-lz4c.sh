#!/bin/sh
# scenario: compressor=lz4-c: the kernel's C LZ4 compresses the store's pages; a swap workload of twice RAM verifies and the pages compress
# memory: 128M
# timeout: 1200
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check "ramster loads with compressor=lz4-c" modprobe ramster compressor=lz4-c
check_eq "compressor reads back" lz4-c "$(param compressor)"
check "swapon" swap_on
check "256 MiB of compressible pages, each verified twice" swapstress 256 9 --sparse
show_zcache
check_gt "pages were stored" "$(zc puts)" 0
check_gt "pages were loaded back" "$(zc gets_found)" 0
check_compressed pers
check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
check "swapoff" swapoff /dev/vda
check "rmmod ramster" rmmod ramster
finish
