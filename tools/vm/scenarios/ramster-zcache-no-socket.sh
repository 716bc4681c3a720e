#!/bin/sh
# scenario: mode=zcache on the RAMster kernel never opens a socket and has no cluster, no RAMster sysfs settings (only mm_stat) and no ramster/ debugfs: a swap workload runs with no TCP socket in the system
# memory: 128M
# timeout: 900
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc

# sockets: TCP and UDP sockets of any state, IPv4 and IPv6 (header lines excluded).
sockets() { cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null | grep -vc 'local_address'; }

check "modprobe ramster mode=zcache" modprobe $MODULE mode=zcache
check "swapon" swap_on
check "128 MiB of compressible pages, each verified" swapstress 128 3 --sparse
check_gt "pages were stored" "$(zc puts)" 0
check_eq "no socket exists" 0 "$(sockets)"
check_fails "no configfs cluster" test -e /sys/kernel/config/cluster
check_eq "/sys/kernel/mm/ramster holds mm_stat only" mm_stat "$(ls /sys/kernel/mm/ramster)"
check_fails "no debugfs ramster/" test -e /sys/kernel/debug/ramster
check "swapoff" swapoff /dev/vda
check "rmmod" rmmod $MODULE
finish
