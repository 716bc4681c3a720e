#!/bin/sh
# scenario: an unprivileged process (uid 65534) on node 1 attacks node 0's cluster port while the authenticated link is up: 5 connections of 64 bytes of junk, a HELLO and PROVE under a wrong key, a try to read the key, a storm of 200 junk connections; the live link stays up throughout, every refusal is counted and the log is rate-limited, and messages flow both ways afterwards (issue 14)
# nodes: 2
# timeout: 600
. /scenarios/lib.sh
. /scenarios/cluster.inc

write_conf ramster 7777 500 4000 6 500
C=$CFS/ramster
BADPEER="badpeer 169.254.0.1 7777 ramster 1 0 500 4000 500 6 --as-nobody"
STORM=200

# refusals: the "refused a connection" lines of node 1 in the log.
refusals() {
	dmesg | grep -c 'cluster: node 1: refused a connection: '
}

# unlogged: the refusals that the rate limit held back, as the log says.
unlogged() {
	dmesg | sed -n 's/.*cluster: \([0-9]*\) more refused connections were not logged.*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node alpha
	check "the link to beta comes up" wait_for 120 link_is $C/node/beta up
	# Watch the link through the attack, which beta starts
	# once this node's messages arrived: one sample every 0.2 s.
	( while :; do cat $C/node/beta/link; sleep 0.2; done ) > /tmp/link-samples 2>&1 &
	WATCH=$!
	check "messages to beta flow before the attack" sh -c "echo '1 64' > $SELFTEST"
	check "beta's messages arrive before the attack" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	# beta sends its second messages once its attack is over.
	check "the attack ends and beta's messages arrive after it" \
		wait_for 400 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 134 ]"
	kill $WATCH
	samples=$(wc -l < /tmp/link-samples)
	echo "  link samples during the attack: $samples; not 'up': $(grep -vc '^up$' /tmp/link-samples)"
	check "the link was sampled through the attack" [ "$samples" -ge 20 ]
	check_eq "the link to beta stayed up in every sample" 0 "$(grep -vc '^up$' /tmp/link-samples)"
	check_eq "the link never went down" 0 "$(dmesg | grep -c 'cluster: node 1: link down')"
	check_eq "the connection was never closed" 0 \
		"$(dmesg | grep -c 'cluster: node 1: connection closed')"
	dmesg_has "junk is refused" "cluster: node 1: refused a connection: protocol violation: bad magic 0x"
	dmesg_has "the wrong key is refused" \
		"cluster: node 1: refused a connection: authentication failed: the peer's proof does not match our key and cluster name"
	dmesg_has "the rate limit held lines back and said so" "more refused connections were not logged"
	logged=$(refusals)
	held=$(unlogged)
	echo "  refused connections: $logged logged, $held held back by the rate limit"
	# 5 + 1 + STORM + 1 refused connections, each either logged or counted as held back.
	check_eq "every refused connection is logged or counted" $((5 + 1 + STORM + 1)) $((logged + held))
	check_eq "connections_refused counts them too" $((5 + 1 + STORM + 1)) \
		"$(counter_value connections_refused)"
	check "fewer than 40 lines for $((STORM + 7)) refusals" [ "$logged" -lt 40 ]
	check_eq "beta's messages arrived intact" 0 "$(selftest_value received_bad)"
	check "messages to beta flow after the attack" sh -c "echo '1 64' > $SELFTEST"
	check_eq "every echo was verified" 130 "$(selftest_value echo_ok)"
	check_eq "the link is still the first one" 1 "$(dmesg | grep -c 'cluster: node 1: link up')"
	# beta ends when it saw this node's messages.
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up" ramster-tools up --node beta
	check "the link to alpha comes up" wait_for 120 link_is $C/node/alpha up
	check "messages to alpha flow before the attack" sh -c "echo '0 64' > $SELFTEST"
	check "alpha's messages arrive before the attack" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	check "the key file is mode 0600, owned by root" sh -c "ls -ln /etc/ramster.key | grep -Eq '^-rw------- +1 +0 +0 '"
	$BADPEER --junk=5 > /tmp/junk.out; rc=$?
	cat /tmp/junk.out
	check_eq "(a) 5 connections of 64 bytes of junk, as nobody, each dropped" 0 $rc
	check "(a) badpeer ran as uid 65534" grep -qF "running as uid 65534 euid 65534 gid 65534" /tmp/junk.out
	check "(b) a HELLO and a PROVE under a wrong key are dropped" $BADPEER --wrong-key
	$BADPEER --key-file /etc/ramster.key --junk=0 > /tmp/key.out; rc=$?
	cat /tmp/key.out
	check_eq "(c) nobody cannot read the key file" 3 $rc
	check "(c) because permission is denied" grep -qF "Permission denied" /tmp/key.out
	sleep 6
	check "(d) a storm of $STORM junk connections, each dropped" $BADPEER --junk=$STORM
	# The rate limit says how many lines it held back with the next line it prints.
	sleep 6
	check "one more junk connection after the window" $BADPEER --junk=1
	check_eq "the link to alpha stayed up" up "$(cat $C/node/alpha/link)"
	check_eq "the link to alpha never went down" 0 "$(dmesg | grep -c 'cluster: node 0: link down')"
	check "messages to alpha flow after the attack" sh -c "echo '0 64' > $SELFTEST"
	check_eq "every echo was verified" 130 "$(selftest_value echo_ok)"
	check "alpha's messages arrive after the attack" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 134 ]"
	check_eq "alpha's messages arrived intact" 0 "$(selftest_value received_bad)"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
