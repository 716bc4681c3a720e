#!/bin/sh
# scenario: with test_messages=0 (explicitly, over the test image's modprobe.d) node 0 has cluster_counters but no cluster_selftest, remote_get_bench, inject_wrong_pages, zcache/codec_bench or zcache/inject_corrupt_gets; node 1's echo requests are answered NO_HANDLER (the sender's write fails with ENOPROTOOPT) and its one-way sink messages are discarded and counted, silently, and the link stays up
# nodes: 2
# timeout: 300
. /scenarios/lib.sh
. /scenarios/cluster.inc

write_conf ramster 7777
C=$CFS/ramster
D=/sys/kernel/debug/ramster
FLOOD=3

# discarded_at_least N: node 0 counted at least N discarded one-way messages.
discarded_at_least() { [ "$(counter_value one_way_discarded)" -ge "$1" ]; }
# link_not_up NODE_DIR: the link is no longer up (the peer went away).
link_not_up() { ! link_is "$1" up; }

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster test_messages=0" \
		modprobe $MODULE mode=ramster test_messages=0
	check_eq "the explicit test_messages=0 wins over modprobe.d's test_messages=1" N \
		"$(param test_messages)"
	check "cluster_counters exists" [ -f $COUNTERS ]
	check_eq "cluster_counters lists the messaging counters" \
		"connections_refused replies_unmatched one_way_discarded node_up node_down ticker_late_max_ms room_waits room_wakeups_futile send_longest_ms" \
		"$(cut -d' ' -f1 $COUNTERS | tr '\n' ' ' | sed 's/ $//')"
	for f in cluster_selftest remote_get_bench inject_wrong_pages; do
		check_fails "no debugfs ramster/$f without test_messages" [ -e $D/$f ]
	done
	check "debugfs zcache/ exists" [ -d /sys/kernel/debug/zcache ]
	for f in codec_bench inject_corrupt_gets; do
		check_fails "no debugfs zcache/$f without test_messages" [ -e /sys/kernel/debug/zcache/$f ]
	done
	check "ramster-tools up" ramster-tools up --node alpha
	check "the link to beta comes up" wait_for 90 link_is $C/node/beta up
	check "beta's $FLOOD one-way sink messages are discarded and counted" \
		wait_for 120 discarded_at_least $FLOOD
	check_eq "exactly $FLOOD discarded" $FLOOD "$(counter_value one_way_discarded)"
	check_eq "no reply went unmatched" 0 "$(counter_value replies_unmatched)"
	check_eq "the link is still up" up "$(cat $C/node/beta/link)"
	check_eq "nothing logged about the test types" 0 \
		"$(dmesg | grep -ciE 'message type 0x2[01]|no handler')"
	cat $COUNTERS
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "modprobe ramster mode=ramster (test_messages=1 from modprobe.d)" \
		modprobe $MODULE mode=ramster
	check_eq "test_messages reads back Y" Y "$(param test_messages)"
	check "cluster_selftest exists with test_messages" [ -f $SELFTEST ]
	check "cluster_counters exists too" [ -f $COUNTERS ]
	check "ramster-tools up" ramster-tools up --node beta
	check "the link to alpha comes up" wait_for 90 link_is $C/node/alpha up
	check_eq "an echo request to alpha is refused: no handler" "Protocol not available" \
		"$(write_err $SELFTEST "0 0")"
	check_eq "the echo failed with ENOPROTOOPT" "1 -92" \
		"$(selftest_value echo_failed) $(selftest_value first_error)"
	check "$FLOOD one-way sink messages to alpha are sent" sh -c "echo 'flood 0 $FLOOD' > $SELFTEST"
	check_eq "the link is still up" up "$(cat $C/node/alpha/link)"
	# alpha takes its link down once it counted the sink messages.
	check "alpha is done" wait_for 180 link_not_up $C/node/alpha
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
