#!/bin/sh
# scenario: a node-down callback that takes 3 s (cluster_selftest slow_down, as the walk of a large store) runs on the node callbacks' own thread: the ticker still delivers every timer on time (ticker_late_max_ms under 1 s), the callbacks see the down before the next up, and no thread is left after rmmod
# nodes: 2
# timeout: 420
. /scenarios/lib.sh
. /scenarios/cluster.inc

# keepalive 500 ms, dead_threshold 6 (a silent node is down after 3 s), reconnect every 500 ms:
# while node 0 is away, node 1 (the connector) has a timer due every 500 ms.
write_conf ramster 7777 500 4000 6 500
C=$CFS/ramster
SLOW_MS=3000

link_not_up() { ! link_is "$1" up; }
slow_down_done() { [ "$(selftest_value slow_node_downs)" -ge 1 ]; }
seen_up_twice() { [ "$(counter_value node_up)" -ge 2 ]; }

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node alpha
	check "the link to beta comes up" wait_for 90 link_is $C/node/beta up
	sleep 2
	check "ramster-tools down (beta declares this node down)" ramster-tools down
	# Beta's slow callback takes 3 s after the 3 s dead window; come back after it.
	sleep 15
	check "ramster-tools up again" ramster-tools up --node alpha
	check "beta is declared up again" wait_for 90 seen_up_twice
	check "beta is done with its checks (its link goes down)" wait_for 120 link_not_up $C/node/beta
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "node 0's downs take ${SLOW_MS} ms in a test callback" \
		sh -c "echo 'slow_down 0 $SLOW_MS' > $SELFTEST"
	check_fails "a slow_down of more than 60 s is refused" \
		sh -c "echo 'slow_down 0 60001' > $SELFTEST"
	check "the node callbacks run on their own kernel thread" kthread ramster_nodes
	check "ramster-tools up" ramster-tools up --node beta
	check "the link to alpha comes up" wait_for 90 link_is $C/node/alpha up
	check "alpha is declared down" \
		wait_for 60 sh -c "dmesg | grep -qF 'cluster: node 0 is down: not heard from'"
	check "the slow node-down callback ran to its end" wait_for 30 slow_down_done
	cat $COUNTERS
	late=$(counter_value ticker_late_max_ms)
	check "the ticker delivered every timer within 1 s of its deadline meanwhile (${late} ms)" \
		[ "$late" -lt 1000 ]
	check_eq "one down was seen" 1 "$(counter_value node_down)"
	check "alpha comes back up" wait_for 90 link_is $C/node/alpha up
	check "the up after the down reached the callbacks" wait_for 10 seen_up_twice
	check_eq "slow_node_downs counted the one down" 1 "$(selftest_value slow_node_downs)"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
	check_fails "no ramster_nodes thread is left" kthread ramster_nodes
fi
finish
