#!/bin/sh
# scenario: 64 senders on node 0 send echo requests to node 1 at once while node 1 answers one request every 5 ms (cluster_selftest slow_requests): they outrun node 1's 32 request slots, wait for room and all succeed, and a freed slot wakes one waiting sender, not all of them (at most one wakeup per request finds no room)
# nodes: 2
# timeout: 600
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
write_conf ramster 7777
SENDERS=64
SIZES=65	# each sender: echo requests of payload sizes 0..=64

if [ "$NODE" = 0 ]; then
	ramster_up alpha
	check "node 1 answers slowly now" wait_for 120 markers 1
	before=$(selftest_value echo_ok)
	i=0; PIDS=
	while [ $i -lt $SENDERS ]; do
		sh -c "echo '1 64' > $SELFTEST" & PIDS="$PIDS $!"
		i=$((i + 1))
	done
	failed=0
	for p in $PIDS; do wait $p || failed=$((failed + 1)); done
	check_eq "every sender's run succeeded" 0 "$failed"
	check_eq "every echo request was answered and verified" $((SENDERS * SIZES)) \
		$(($(selftest_value echo_ok) - before))
	check_eq "no echo failed" 0 "$(selftest_value echo_failed)"
	waits=$(counter_value room_waits); futile=$(counter_value room_wakeups_futile)
	echo "  room_waits = $waits, room_wakeups_futile = $futile"
	check "senders waited for room (64 senders, 32 slots)" [ "$waits" -gt 0 ]
	# A freed slot wakes one sender, so a wakeup that finds no room (another sender took it
	# first) happens at most once per request; waking every waiting sender made it dozens.
	requests=$(($(selftest_value echo_ok) + $(selftest_value sink_ok)))
	echo "  requests sent: $requests"
	check "at most one wakeup per request found no room" [ "$futile" -le "$requests" ]
	check "tell node 1" marker
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	ramster_up beta
	check "answer node 0's requests one every 5 ms" sh -c "echo 'slow_requests 0 5' > $SELFTEST"
	check_fails "more than 1000 ms is refused" sh -c "echo 'slow_requests 0 1001' > $SELFTEST"
	check "tell node 0" marker
	# Each sender's run brings 67 messages that count as received here (65 one-way, 2 sink
	# requests), a marker 2: node 0's marker after the storm is the one that completes this.
	check "node 0 is done" wait_for 500 markers $((SENDERS * 67 / 2 + 1))
	echo "  slowed_requests = $(selftest_value slowed_requests)"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
