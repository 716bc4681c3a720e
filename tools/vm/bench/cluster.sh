#!/bin/sh
# bench: 4096-byte round trips and stream between the two nodes, through ramster's in-kernel
# messaging (cluster_selftest's `bench NODE COUNT`) and through userspace TCP (pingpong), in
# the same run, and the remote get (ramster/remote_get_bench: puts, then gets through the
# fault path's remote get) over the same link, in CLUSTER_ROUNDS interleaved rounds of
# CLUSTER_COUNT/CLUSTER_ROUNDS each. Each round also measures the in-kernel round trip with
# auth = none and with encryption = aes-256-ctr, for the cost of authentication and of
# encryption: node 0 brings the cluster down and up again in that mode and back to the default
# (auth = psk without encryption); node 1 follows, taking the next mode of the same cycle
# whenever its link goes down. Node 0 measures; node 1 answers.
# nodes: 2
. /scenarios/lib.sh
. /scenarios/cluster.inc
. /bench/lib.inc

NAMES="alpha beta"
SELF_NAME=$(echo $NAMES | cut -d' ' -f$((NODE + 1)))
PEER_NAME=$(echo $NAMES | cut -d' ' -f$((2 - NODE)))
LINK=$CFS/ramster/node/$PEER_NAME/link
write_conf ramster 7777

check "setup of $BENCH" bench_setup
check "ramster-tools up" ramster-tools up --node $SELF_NAME
check "the link to $PEER_NAME comes up" wait_for 90 link_is $CFS/ramster/node/$PEER_NAME up

# The modes node 0 switches through in every round, from and back to psk.
CYCLE="none psk encrypted psk"

# with_mode MODE: brings the cluster down and up again with MODE: psk (the default), none
# (auth = none) or encrypted (encryption = aes-256-ctr).
with_mode() {
	case $1 in
	none) cluster_reup $SELF_NAME none none ;;
	encrypted) cluster_reup $SELF_NAME psk aes-256-ctr ;;
	*) cluster_reup $SELF_NAME psk none ;;
	esac
}

# follow_modes: node 1's side: whenever node 0 brought the link down, take the next mode.
follow_modes() {
	set -- $CYCLE
	while wait_for 300 link_is $CFS/ramster/node/$PEER_NAME up; do
		while [ "$(cat $LINK)" = up ]; do sleep 0.1; done
		[ -e /tmp/bench-over ] && return
		[ $# -eq 0 ] && set -- $CYCLE
		with_mode $1 || echo "follow_modes: switching to $1 failed"
		shift
	done
}

if [ "$NODE" != 0 ]; then
	follow_modes &
	FOLLOWER=$!
	check "userspace pingpong server" pingpong server 7790
	touch /tmp/bench-over
	kill $FOLLOWER
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
# in_mode MODE PREFIX: the in-kernel round trip in MODE, its bench_ numbers as PREFIX_.
in_mode() {
	check "round $r: $1" with_mode $1
	check "round $r: the link comes up ($1)" wait_for 90 link_is $CFS/ramster/node/$PEER_NAME up
	check "round $r, in-kernel, $1: $PER_ROUND round trips" \
		sh -c "echo bench 1 $PER_ROUND > $SELFTEST"
	grep '^bench_' $SELFTEST | sed "s/^bench_/BENCH-RESULT: round$r $2_/"
	check "round $r: psk again" with_mode psk
	check "round $r: the link comes up (psk)" wait_for 90 link_is $CFS/ramster/node/$PEER_NAME up
	# Node 1's follower polls the link once a second: a link up for less than that, switched
	# again at once, goes unseen there and the two nodes' modes part.
	sleep 2
}
for r in $(seq 1 $CLUSTER_ROUNDS); do
	if [ $((r % 2)) = 1 ]; then userspace; in_kernel; else in_kernel; userspace; fi
	check "round $r, remote get: $PER_ROUND pages put on node 1 and got back, byte for byte" \
		sh -c "echo 1 $PER_ROUND > $GETBENCH"
	grep '^getbench_' $GETBENCH | sed "s/^/BENCH-RESULT: round$r /"
	in_mode none noauth
	in_mode encrypted encrypted
done
check "node 1's server ends" pingpong quit 169.254.0.2 7790
finish
