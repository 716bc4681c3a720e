#!/bin/sh
# scenario: zcache finds swap pages corrupt (injected with zcache/inject_corrupt_gets): their reads fail, rmmod still ends (frontswap remembers them as lost instead of waiting for them), and the owner is killed by SIGBUS on them rather than handed the swap device's bytes
# memory: 128M
# kasan: 384M
# timeout: 600
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

check "ramster loads" modprobe ramster
check "swapon" swap_on
check_eq "inject_corrupt_gets reads 0" 0 "$(zc inject_corrupt_gets)"
check_fails "a bad count is refused" sh -c "echo lots > $ZC/inject_corrupt_gets"
check_fails "a count over the limit is refused" sh -c "echo 2000000 > $ZC/inject_corrupt_gets"
check_eq "and changes nothing" 0 "$(zc inject_corrupt_gets)"

rm -f /tmp/swaplost.*
swaplost 256 5 > /tmp/swaplost.log 2>&1 &
LOST_PID=$!
check "256 pages go into the store" wait_for 120 test -f /tmp/swaplost.out
check_gt "the store holds them" "$(zc pers_zpages)" 255
check "the next 3 gets find their page corrupt" sh -c "echo 3 > $ZC/inject_corrupt_gets"
touch /tmp/swaplost.read
check "the program reads its pages into the swap cache" wait_for 120 test -f /tmp/swaplost.cached
check_eq "3 pages were found corrupt" 3 "$(zc corrupt_pages)"
check_eq "no injection left" 0 "$(zc inject_corrupt_gets)"

# The lost pages are still the program's: unloading must not wait for them.
rmmod ramster &
gone() { ! loaded; }
check "rmmod ramster ends" wait_for 120 gone
touch /tmp/swaplost.check
wait "$LOST_PID"
status=$?
cat /tmp/swaplost.log
check_eq "the program died of SIGBUS on a lost page (128 + 7)" 135 "$status"
check "swapoff" swapoff /dev/vda
finish
