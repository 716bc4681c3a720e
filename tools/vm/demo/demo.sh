#!/bin/sh
# The demo run on each node of the two-node cluster: load ramster, show its state, check the
# link to the peer. Later issues add the cluster configuration and the RAM-hungry workload.
. /scenarios/lib.sh

PEER=169.254.0.$((2 - NODE))
echo "DEMO: loading ramster on node $NODE"
check "modprobe ramster" modprobe $MODULE
echo "DEMO: node $NODE module state:"
for p in mode cleancache frontswap compressor; do
	echo "DEMO:   $p = $(param $p)"
done
echo "DEMO:   $(dmesg | grep -F 'ramster: ' | tail -n 2 | sed 's/^\[[^]]*\] //' | tr '\n' ' ')"
check "peer $PEER reachable" wait_for 60 ping -c 1 -W 1 "$PEER"
# Stay up until the peer has also had the chance to reach this node.
sleep 5
finish
