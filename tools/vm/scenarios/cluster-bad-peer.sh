#!/bin/sh
# scenario: a program on a configured peer address speaking protocol v2 badly (garbage, a wrong magic, a v1 frame, oversized lengths, unknown types, frames out of order, bad HELLOs, a wrong key, other settings, silence, and after a good handshake altered, replayed, reordered, untagged and handshake frames) is dropped every time without an Oops, answered only as the spec says; a connection from an unconfigured address is refused; real messages still flow afterwards
# nodes: 2
# kasan: 256M
# timeout: 480
. /scenarios/lib.sh
. /scenarios/cluster.inc

write_conf ramster 7777 500 4000 6 500
C=$CFS/ramster
ARGS="169.254.0.1 7777 ramster 1 0 500 4000 500 6 --key-file /etc/ramster.key"

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node alpha
	# beta's badpeer runs first, then the unconfigured address, then the real beta.
	check "a connection from 169.254.0.99 is refused" \
		wait_for 300 sh -c "dmesg | grep -qF 'refused a connection from 169.254.0.99: not a configured peer node'"
	# Refused before the handshake: "cluster: node 1: refused a connection: REASON" (badpeer
	# paces them under the log's rate limit, so each is printed).
	for reason in "protocol violation: bad magic 0x0d6ecf30" \
		"protocol violation: bad magic 0xdeadbeef" \
		"protocol violation: peer speaks protocol version 1, we speak 2" \
		"protocol violation: payload length 4294967295 for message type 0x01 (allowed 44..=44)" \
		"protocol violation: payload length 4145 for message type 0x20 (allowed 0..=4144)" \
		"protocol violation: unknown message type 0x99" \
		"protocol violation: reserved flag bits set: 0x8000" \
		"unexpected handshake frame 0x03" "unexpected handshake frame 0x20" \
		"unexpected handshake frame 0x02" \
		"socket error -32 during the handshake" \
		"bad handshake: handshake reserved field is 0x0081" \
		"peer says node 1 talking to node 3, expected node 1 talking to node 0" \
		"the peer runs with auth = none, this node with auth = psk without encryption" \
		"authentication failed: the peer's proof does not match our key and cluster name" \
		"handshake refused: peer is in cluster 'not-our-cluster', not ours" \
		"handshake refused: peer timeouts idle 4001 keepalive 500 reconnect 500 dead_threshold 6, ours 4000 500 500 6" \
		"handshake not finished in time"; do
		dmesg_has "refused and logged: $reason" "cluster: node 1: refused a connection: $reason"
	done
	check_eq "no refusal went unlogged" 0 \
		"$(dmesg | grep -c 'more refused connections were not logged')"
	# After a good handshake: "cluster: node 1: connection closed: REASON".
	for reason in "frame 0 failed authentication (altered, replayed, reordered or forged)" \
		"frame 1 failed authentication (altered, replayed, reordered or forged)" \
		"protocol violation: unexpected message type 0x01" \
		"protocol violation: request id 0 not allowed in message type 0x20" \
		"protocol violation: unknown status code 99"; do
		dmesg_has "closed and logged: $reason" "cluster: node 1: connection closed: $reason"
	done
	check_eq "three frames failed authentication as frame 0 (altered, swapped, untagged)" 3 \
		"$(dmesg | grep -c 'connection closed: frame 0 failed authentication')"
	check "the real beta connects" wait_for 120 link_is $C/node/beta up
	# 18 cases refused before the handshake, and the unconfigured address.
	check_eq "every refused connection is counted" 19 "$(counter_value connections_refused)"
	check "beta's messages arrived intact" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	check_eq "no payload arrived damaged" 0 "$(selftest_value received_bad)"
	check "messages to beta flow" sh -c "echo '1 64' > $SELFTEST"
	# beta ends when it saw this node's messages.
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "badpeer: every violation is dropped" badpeer $ARGS
	# Let the node's refusal log window end before the next refusal.
	sleep 6
	check "add the unconfigured address 169.254.0.99" sh -c \
		"ip addr add 169.254.0.99/16 dev eth0 && ip route add 169.254.0.1/32 dev eth0 src 169.254.0.99"
	check "badpeer: a valid HELLO from 169.254.0.99 is refused" badpeer $ARGS --unconfigured
	check "back to 169.254.0.2" ip route del 169.254.0.1/32
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node beta
	check "the link to alpha comes up" wait_for 120 link_is $C/node/alpha up
	check "messages to alpha flow" sh -c "echo '0 64' > $SELFTEST"
	check "alpha's messages arrived intact" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
