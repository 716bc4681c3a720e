#!/bin/sh
# scenario: a program on node 1's address sends a valid HELLO one byte every 2 s (half the idle timeout): node 0 drops the handshake about one idle timeout (4 s) after the connect, as the spec's deadline for the whole handshake says, so a trickler cannot hold one of the 8 handshake places for minutes
# nodes: 2
# timeout: 300
. /scenarios/lib.sh
. /scenarios/cluster.inc

write_conf ramster 7777 500 4000 6 500

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node alpha
	check "the trickling handshake is refused" \
		wait_for 200 sh -c "dmesg | grep -qF 'cluster: node 1: refused a connection: '"
	dmesg_has "for its deadline" "cluster: node 1: refused a connection: handshake not finished in time"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "badpeer: a HELLO trickled one byte every 2 s is dropped within the idle timeout" \
		badpeer 169.254.0.1 7777 ramster 1 0 500 4000 500 6 --key-file /etc/ramster.key --trickle
fi
finish
