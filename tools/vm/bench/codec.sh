#!/bin/sh
# bench: lz4_flex against the kernel's C LZ4 in the kernel: zcache/codec_bench with
# CODEC_PAGES pages of each kind; the file's lines go to the console as BENCH-CODEC lines.
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /bench/lib.inc

check "setup of $BENCH" bench_setup
check "codec_bench of $CODEC_PAGES pages per kind (every page verified)" \
	sh -c "echo $CODEC_PAGES > $ZC/codec_bench"
sed 's/^/BENCH-CODEC: /' "$ZC/codec_bench"
check "rmmod ramster" rmmod ramster
finish
