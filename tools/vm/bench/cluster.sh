#!/bin/sh
# bench: 4096-byte round trips and stream between the two nodes, through ramster's in-kernel
# messaging (cluster_selftest's `bench NODE COUNT`) and through userspace TCP (pingpong), in
# the same run, and the remote get (ramster/remote_get_bench: puts, then gets through the
# fault path's remote get) over the same link, in CLUSTER_ROUNDS interleaved rounds of
# CLUSTER_COUNT/CLUSTER_ROUNDS each. Node 0 measures; node 1 answers.
# nodes: 2
. /scenarios/lib.sh
. /scenarios/cluster.inc
. /bench/lib.inc

NAMES="alpha beta"
SELF_NAME=$(echo $NAMES | cut -d' ' -f$((NODE + 1)))
PEER_NAME=$(echo $NAMES | cut -d' ' -f$((2 - NODE)))
write_conf ramster 7777

check "setup of $BENCH" bench_setup
check "ramster-tools up" ramster-tools up --node $SELF_NAME
check "the link to $PEER_NAME comes up" wait_for 90 link_is $CFS/ramster/node/$PEER_NAME up
if [ "$NODE" != 0 ]; then
	check "userspace pingpong server" pingpong server 7790
	finish
fi
# The link's own round trip, for scale (busybox ping, 56-byte ICMP echo).
ping -c 20 -i 0.2 169.254.0.2 | tail -n 1 | sed 's/^/BENCH-INFO: /'
# Interleaved rounds, so that the host's changing load falls on every path alike; the order
# of the two round-trip paths alternates from round to round.
GETBENCH=/sys/kernel/debug/ramster/remote_get_bench
PER_ROUND=$((CLUSTER_COUNT / CLUSTER_ROUNDS))
userspace() {
	pingpong client 169.254.0.2 7790 $PER_ROUND > /tmp/pingpong.out
	check "round $r, userspace: $PER_ROUND round trips and streamed messages" test $? = 0
	sed "s/^/BENCH-RESULT: round$r /" /tmp/pingpong.out
}
in_kernel() {
	check "round $r, in-kernel: $PER_ROUND round trips and streamed messages" \
		sh -c "echo bench 1 $PER_ROUND > $SELFTEST"
	grep '^bench_' $SELFTEST | sed "s/^/BENCH-RESULT: round$r /"
}
for r in $(seq 1 $CLUSTER_ROUNDS); do
	if [ $((r % 2)) = 1 ]; then userspace; in_kernel; else in_kernel; userspace; fi
	check "round $r, remote get: $PER_ROUND pages put on node 1 and got back, byte for byte" \
		sh -c "echo 1 $PER_ROUND > $GETBENCH"
	grep '^getbench_' $GETBENCH | sed "s/^/BENCH-RESULT: round$r /"
done
check "node 1's server ends" pingpong quit 169.254.0.2 7790
finish
