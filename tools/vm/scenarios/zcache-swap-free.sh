#!/bin/sh
# scenario: zcache frontswap forgets freed swap entries at once: after a program exits with its pages in the store (pushed there with MADV_PAGEOUT, nothing else swapped) the store holds no swap page, frees parked in the per-CPU swap slots cache included, and rmmod ends
# memory: 128M
# kasan: 384M
# timeout: 600
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check "ramster loads" modprobe ramster
check "swapon" swap_on
check_eq "the store starts empty" 0 "$(zc pers_zpages)"
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
# 1000 pages: not a multiple of the slots cache's batch of 64, so some frees stay parked there.
check "a program pushes 1000 pages into the store, verifies them once and exits with them swapped" \
	swaprace 1000 1 "$seed" --exit-swapped
check_gt "the store took its pages" "$(zc puts)" 999
empty() { [ "$(zc pers_zpages)" = 0 ]; }
check "the store holds no swap page after the program exited" wait_for 10 empty
echo "  pers_zpages = $(zc pers_zpages), swap in use: $(awk '/SwapTotal/ { t = $2 } /SwapFree/ { f = $2 } END { print t - f }' /proc/meminfo) KiB"
# rmmod drains what the store holds; it must end whatever the store holds.
rmmod ramster &
gone() { ! loaded; }
check "rmmod ramster ends" wait_for 120 gone
check "swapoff" swapoff /dev/vda
finish
