#!/bin/sh
# scenario: a peer that stops reading and sending right after its handshake, while a sender waits on its full socket, is declared down within the dead window (6 keepalive delays of 1 s), not after the 30 s send timeout: the ticker never waits on a peer's socket
# nodes: 2
# timeout: 420
. /scenarios/lib.sh
. /scenarios/cluster.inc

write_conf ramster 7777 1000 30000 6 500
C=$CFS/ramster

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node alpha
	check "the stalling peer's link comes up" wait_for 120 link_is $C/node/beta up
	start=$(date +%s)
	# One-way messages of 4 KiB until the peer's receive buffer and ours are full; the sender
	# then waits in the send, holding the connection's send lock, up to the 30 s send timeout.
	sh -c "echo 'flood 1 100000' > $SELFTEST" 2> /dev/null &
	FLOOD=$!
	check "node 1 is declared down within 15 s" \
		wait_for 15 sh -c "dmesg | grep -qF 'cluster: node 1 is down: not heard from'"
	echo "  declared down $(($(date +%s) - start)) s after the flood began"
	echo "  one-way messages sent before the sender blocked: $(selftest_value one_way_sent)"
	check "the flood ends with the link" wait_for 60 sh -c "! kill -0 $FLOOD 2> /dev/null"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "badpeer: a good handshake, then 45 s without reading or sending" \
		badpeer 169.254.0.1 7777 ramster 1 0 1000 30000 500 6 --key-file /etc/ramster.key --stall=45
fi
finish
