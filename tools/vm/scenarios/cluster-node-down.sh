#!/bin/sh
# scenario: a node that stops (ramster-tools down and rmmod, or its VM ending) is declared down by the survivor within dead_threshold keepalive delays, without hang or warning; it comes back up after a fresh handshake and messages flow; a connected node's directory cannot be removed
# nodes: 2
# timeout: 420
. /scenarios/lib.sh
. /scenarios/cluster.inc

# keepalive 500 ms, dead_threshold 6: a silent node is down after 3 s.
write_conf ramster 7777 500 4000 6 500
C=$CFS/ramster

# seconds_between FIRST SECOND: seconds from the last log line with FIRST to the last with SECOND.
seconds_between() {
	a=$(dmesg | grep -F -- "$1" | tail -n1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	b=$(dmesg | grep -F -- "$2" | tail -n1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	echo "$a $b" | awk '{ printf "%d", ($2 - $1) * 1000 }'
}

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node alpha
	check "the link to beta comes up" wait_for 90 link_is $C/node/beta up

	# 1. beta runs ramster-tools down and rmmod.
	check "beta's link goes down" wait_for 60 sh -c "[ \$(cat $C/node/beta/link) != up ]"
	check "beta is declared down" wait_for 10 sh -c "dmesg | grep -qF 'cluster: node 1 is down: not heard from'"
	ms=$(seconds_between "cluster: node 1: link down" "cluster: node 1 is down")
	check "down within the 3 s threshold (+1 s scheduling slack) of the close (${ms} ms)" [ "$ms" -le 4000 ]
	check "the node-down callback ran" [ "$(counter_value node_down)" -ge 1 ]

	# 2. beta comes back.
	check "beta reconnects" wait_for 90 link_is $C/node/beta up
	check "beta is declared up again (fresh handshake)" [ "$(counter_value node_up)" -ge 2 ]

	# 3. A connected node's directory cannot be removed; messages flow after the reconnect.
	check_eq "rmdir node/beta while connected is refused" "Device or resource busy" \
		"$(rmdir $C/node/beta 2>&1 | sed 's/.*: //')"
	check_eq "rmdir the local node while a peer is connected is refused" \
		"Device or resource busy" "$(rmdir $C/node/alpha 2>&1 | sed 's/.*: //')"
	check_eq "beta's link stayed up" up "$(cat $C/node/beta/link)"
	check "beta's messages arrived intact" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	check "messages to beta flow" sh -c "echo '1 64' > $SELFTEST"

	# 4. beta's VM ends.
	downs=$(counter_value node_down)
	check "beta's VM ends: declared down" \
		wait_for 120 sh -c "[ \$(sed -n 's/^node_down //p' $COUNTERS) -gt $downs ]"
	check_eq "beta's link is down" down "$(cat $C/node/beta/link)"
	ms=$(seconds_between "cluster: node 1: link down" "cluster: node 1 is down")
	check "down within the 3 s threshold (+1 s scheduling slack) of the close (${ms} ms)" [ "$ms" -le 4000 ]
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node beta
	check "the link to alpha comes up" wait_for 90 link_is $C/node/alpha up
	sleep 2
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
	sleep 5
	check "modprobe ramster again" modprobe $MODULE mode=ramster
	check "ramster-tools up again" ramster-tools up --node beta
	check "the link to alpha comes up again" wait_for 90 link_is $C/node/alpha up
	check "messages flow after reconnecting" sh -c "echo '0 64' > $SELFTEST"
	check_eq "echo replies verified" 65 "$(selftest_value echo_ok)"
	check "alpha's messages arrived intact" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	# Now this VM ends without a word to alpha.
fi
finish
