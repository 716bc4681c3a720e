#!/bin/sh
# scenario: the service (issue 16): both nodes start RAMster with ramster-service and /etc/default/ramster (mode=ramster); node 0 keeps swap pages on node 1 and stops the service as shutdown does, before its network goes down: pages stop leaving, the cluster goes down, the module unloads (its store written back to the swap device); node 1 drops node 0's pages; with node 0's network down, its held workload reads back every page byte for byte; bad settings are refused
# nodes: 2
# memory: 128M
# timeout: 1800
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777 500 4000 6 500
SVC=/usr/lib/ramster/ramster-service
name=alpha; [ "$NODE" = 1 ] && name=beta
mkdir -p /etc/default && printf 'RAMSTER_MODE=ramster\nRAMSTER_NODE=%s\n' $name > /etc/default/ramster
check "/etc/default/ramster says mode=ramster" grep -qx RAMSTER_MODE=ramster /etc/default/ramster

if [ "$NODE" = 0 ]; then
	RAMSTER_DEFAULTS=/tmp/bad $SVC stop; rc=$?
	check_eq "stop when not loaded succeeds" 0 "$rc"
	$SVC status; rc=$?
	check_eq "status when not loaded: 3 (LSB: not running)" 3 "$rc"
	echo "RAMSTER_MODE=fast" > /tmp/bad
	RAMSTER_DEFAULTS=/tmp/bad $SVC start > /tmp/bad.out 2>&1; rc=$?
	cat /tmp/bad.out
	check_eq "a bad RAMSTER_MODE is refused" 1 "$rc"
	check "saying why" grep -qF "RAMSTER_MODE in /tmp/bad is 'fast': it must be off, zcache or ramster" /tmp/bad.out
	check_fails "and nothing is loaded" loaded
	check "ramster-service start" $SVC start
	check_eq "loaded with mode=ramster" ramster "$(param mode)"
	check "the link to beta comes up" wait_for 120 link_is $CFS/ramster/node/beta up
	check "swapon" swap_on
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	swapstress 160 31 --hold --partial > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	check "node 1 keeps more than 300 of node 0's swap pages" push_until_remote 300
	echo "  remote_pers_pages = $(rc remote_pers_pages) before the stop"
	start=$(date +%s)
	check "ramster-service stop" $SVC stop
	took=$(($(date +%s) - start))
	echo "  the stop took $took s"
	check_fails "the module is unloaded" loaded
	dmesg_has "the link to node 1 was closed by the stop" "cluster: node 1: link down"
	# Shutdown stops the network after the service.
	check "the network goes down" ip link set eth0 down
	hold_finish "every page of the held workload verified, from the swap device"
	check "swapoff" swapoff /dev/vda
	check "a second stop is harmless" $SVC stop
else
	check "ramster-service start" $SVC start
	check "the link to alpha comes up" wait_for 120 link_is $CFS/ramster/node/alpha up
	check "node 0's pages arrive" wait_for 1500 counter_above foreign_pers_pages 300
	check "node 0 leaves" wait_for 1500 sh -c "[ \$(cat $CFS/ramster/node/alpha/link) != up ]"
	check "node 0's pages are dropped here" wait_for 60 sh -c \
		"[ \$(cat $RD/foreign_pers_pages) = 0 ] && [ \$(cat $RD/foreign_eph_pages) = 0 ]"
	$SVC status > /tmp/status.out; rc=$?
	cat /tmp/status.out
	check_eq "status while running: 0" 0 "$rc"
	check "status shows the cluster" grep -q "alpha" /tmp/status.out
	check "ramster-service stop" $SVC stop
	check_fails "the module is unloaded" loaded
fi
finish
