#!/bin/sh
# scenario: a program on a configured peer address sending garbage, truncated frames, oversized lengths, wrong versions and bad handshakes is dropped every time without an Oops; a connection from an unconfigured address is refused; real messages still flow afterwards
# nodes: 2
# kasan: 256M
# timeout: 420
. /scenarios/lib.sh
. /scenarios/cluster.inc

write_conf ramster 7777 500 4000 6 500
C=$CFS/ramster

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node alpha
	# beta's badpeer runs first, then the unconfigured address, then the real beta.
	check "a connection from 169.254.0.99 is refused" \
		wait_for 240 sh -c "dmesg | grep -qF 'refused a connection from 169.254.0.99: not a configured peer node'"
	for reason in "bad magic 0x" "peer speaks protocol version 2, we speak 1" \
		"payload length 4294967295 for message type 0x01" "unknown message type 0x99" \
		"reserved flag bits set: 0x8000" "unexpected message type 0x03" \
		"closed by the peer" "handshake reserved field is 0x0101" \
		"handshake refused: peer is in cluster 'not-our-cluster'" \
		"handshake refused: peer timeouts idle 4001" "request id 0 not allowed" \
		"unknown status code 99" "unexpected message type 0x01"; do
		dmesg_has "dropped and logged: $reason" "$reason"
	done
	check "the real beta connects" wait_for 120 link_is $C/node/beta up
	check "beta's messages arrived intact" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	check_eq "no payload arrived damaged" 0 "$(selftest_value received_bad)"
	check "messages to beta flow" sh -c "echo '1 64' > $SELFTEST"
	# beta ends when it saw this node's messages.
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "badpeer: every violation is dropped" \
		badpeer 169.254.0.1 7777 ramster 1 0 500 4000 500 6
	check "add the unconfigured address 169.254.0.99" sh -c \
		"ip addr add 169.254.0.99/16 dev eth0 && ip route add 169.254.0.1/32 dev eth0 src 169.254.0.99"
	check "badpeer: a valid handshake from 169.254.0.99 is refused" \
		badpeer 169.254.0.1 7777 ramster 1 0 500 4000 500 6 --unconfigured
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
