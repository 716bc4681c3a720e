#!/bin/sh
# scenario: a swapped page rewritten with zeros while its folio kept its swap entry leaves no older copy in a frontswap backend (non-exclusive hooktest): the zero-filled swap-out drops it, so giving the backend's pages back to the swap device cannot write the old contents over the zeros (issue 12, item 2)
# memory: 128M
# kasan: 384M
# timeout: 600
. /scenarios/lib.sh
. /scenarios/hooks.inc

check "swapon" swap_on
check "hooktest loads with non-exclusive loads" modprobe hooktest cleancache=0 exclusive=0
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
echo "zerorewrite seed $seed (replay: zerorewrite 256 $seed)"
rm -f /tmp/zerorewrite.rewritten /tmp/zerorewrite.go
zerorewrite 256 "$seed" > /tmp/zerorewrite.out 2>&1 &
pid=$!
check "256 pages are swapped out, read back, rewritten with zeros and swapped out again" \
	wait_for 300 test -f /tmp/zerorewrite.rewritten
check_gt "the backend stored the first contents" "$(ht fs_stores)" 255
check_gt "the read faults loaded them without dropping the copies" "$(ht fs_loads)" 255
check_eq "no load was exclusive" 0 "$(ht fs_loads_exclusive)"
check_eq "the zero-filled swap-outs left no copy in the backend" 0 "$(ht fs_stored_pages)"
check "the backend gives every page it holds back to the swap device" sh -c "echo 1 > $HT/drain"
echo "drain gave back $(cat $HT/drain) pages"
touch /tmp/zerorewrite.go
wait "$pid"
status=$?
cat /tmp/zerorewrite.out
check_eq "every rewritten page reads as zeros" 0 "$status"
show_counters
check "rmmod hooktest" rmmod hooktest
check "swapoff" swapoff /dev/vda
finish
