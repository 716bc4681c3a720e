#!/bin/sh
# scenario: a peer that reads 512 bytes a second after its handshake and sends a keepalive request with each read while node 0 floods it with 4 KiB messages: node 0 keeps hearing it (its keepalive replies go out from work items, never blocking the receive worker behind the stuck send), no frame's send takes longer than the send timeout (the idle timeout, 4 s) in all, however the peer paces its reads, and the slow link is closed instead
# nodes: 2
# timeout: 300
. /scenarios/lib.sh
. /scenarios/cluster.inc

write_conf ramster 7777 500 4000 6 500
C=$CFS/ramster

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node alpha
	check "the slow reader's link comes up" wait_for 120 link_is $C/node/beta up
	# One-way messages of 4 KiB until the socket buffers are full; then each message waits for
	# the reader, which frees 512 bytes a second: about 8 s per message.
	sh -c "echo 'flood 1 100000' > $SELFTEST" 2> /dev/null &
	FLOOD=$!
	check "the flood ends (the slow link is closed)" wait_for 90 sh -c "! kill -0 $FLOOD 2> /dev/null"
	longest=$(counter_value send_longest_ms)
	echo "  one-way messages sent: $(selftest_value one_way_sent); longest send: $longest ms"
	check "no send took longer than the 4 s send timeout (and 0.5 s of slack)" [ "$longest" -le 4500 ]
	check "the log says a send timed out, not that the peer closed the link" \
		sh -c "dmesg | grep -F 'cluster: node 1: connection closed: a send timed out (the peer stopped reading)'"
	# It sent a keepalive every 500 ms: a receive worker that waited on the blocked send side
	# to answer one stopped hearing it and found it silent.
	check_fails "node 1 was never declared down for silence" \
		sh -c "dmesg | grep -qF 'cluster: node 1 is down: not heard from'"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "badpeer: a good handshake, then 60 s of reading 512 bytes a second" \
		badpeer 169.254.0.1 7777 ramster 1 0 500 4000 500 6 --key-file /etc/ramster.key --slow-read=60
fi
finish
