#!/bin/sh
# scenario: node key sets (issue 14): beta holds only its own pairs' keys (ramster-tools keyset), not the cluster key, and its link with alpha, which holds the cluster key, comes up and carries messages both ways; with the key of another pair (gamma's with alpha, from gamma's key set) beta's host cannot pose as beta: the node's proof does not verify under it and its PROVE is refused
# nodes: 2
# timeout: 400
. /scenarios/lib.sh
. /scenarios/cluster.inc

write_conf ramster 7777 500 4000 6 500
# gamma never starts: its key set is what an attacker who took gamma over would hold.
sed -i 's/node_count = 2/node_count = 3/' /etc/ramster.conf
cat >> /etc/ramster.conf <<CONF

node:
	name = gamma
	cluster = ramster
	number = 2
	ip_address = 169.254.0.3
	ip_port = 7777
CONF
C=$CFS/ramster
BADPEER="badpeer 169.254.0.1 7777 ramster 1 0 500 4000 500 6"

if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up with the cluster key" ramster-tools up --node alpha
	check_eq "the cluster key went to the kernel" 1 "$(dmesg | grep -c 'cluster: ramster: new pre-shared key')"
	check "beta's messages arrive" \
		wait_for 240 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	check_eq "the link to beta is up" up "$(cat $C/node/beta/link)"
	check "messages to beta flow" sh -c "echo '1 64' > $SELFTEST"
	check_eq "every echo was verified" 65 "$(selftest_value echo_ok)"
	check_eq "beta's messages arrived intact" 0 "$(selftest_value received_bad)"
	dmesg_has "gamma's pair key, posing as beta, is refused" \
		"cluster: node 1: refused a connection: authentication failed: the peer's proof does not match our key and cluster name"
	check_eq "nothing else was refused" 1 "$(counter_value connections_refused)"
	# beta ends when it saw this node's messages.
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	# What an administrator does once, with the cluster key, for every node.
	check "keyset for beta" ramster-tools keyset --master /etc/ramster.key --node beta \
		--output /etc/ramster-beta.keys
	check "keyset for gamma" ramster-tools keyset --master /etc/ramster.key --node gamma \
		--output /tmp/gamma.keys
	cat /etc/ramster-beta.keys | sed 's/^\(pair [0-9]* \).*/\1(key)/'
	check "the key set is mode 0600, owned by root" \
		sh -c "ls -ln /etc/ramster-beta.keys | grep -Eq '^-rw------- +1 +0 +0 '"
	check_eq "beta's set has a key for alpha and for gamma" "0 2" \
		"$(sed -n 's/^pair \([0-9]*\) .*/\1/p' /etc/ramster-beta.keys | tr '\n' ' ' | sed 's/ $//')"
	check_eq "the cluster key is not in it" 0 "$(grep -c "$RAMSTER_TEST_KEY" /etc/ramster-beta.keys)"
	check_eq "beta and gamma share one key" \
		"$(sed -n 's/^pair 2 //p' /etc/ramster-beta.keys)" "$(sed -n 's/^pair 1 //p' /tmp/gamma.keys)"
	check "alpha's keys differ in beta's and gamma's sets" [ \
		"$(sed -n 's/^pair 0 //p' /etc/ramster-beta.keys)" != "$(sed -n 's/^pair 0 //p' /tmp/gamma.keys)" ]
	# beta keeps only its key set.
	rm /etc/ramster.key
	sed -i 's|key_file = /etc/ramster.key|key_file = /etc/ramster-beta.keys|' /etc/ramster.conf
	check "ramster-tools check reads the key set" sh -c \
		"ramster-tools check --node beta | grep -qF 'key set /etc/ramster-beta.keys of node 1 with 2 pair keys): ok'"
	ramster-tools check --node gamma > /tmp/check-gamma.out 2>&1; rc=$?
	cat /tmp/check-gamma.out
	check "check refuses beta's set for gamma" [ "$rc" -ne 0 ]
	check "because it is node 1's" grep -qF "is node 1's (beta), not the local node 2's (gamma)" /tmp/check-gamma.out
	( umask 077 && sed -n 's/^pair 0 //p' /tmp/gamma.keys > /tmp/stolen.key &&
		sed -n 's/^pair 0 //p' /etc/ramster-beta.keys > /tmp/beta-alpha.key )
	check "gamma's key with alpha does not pose as beta" $BADPEER --pair-key-file /tmp/stolen.key --wrong-key
	check "control: beta's key with alpha authenticates as beta" \
		$BADPEER --pair-key-file /tmp/beta-alpha.key --stall=0
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up with the key set" ramster-tools up --node beta
	check_eq "the kernel got a pair key for alpha and one for gamma" 2 \
		"$(dmesg | grep -cE 'cluster: node (alpha \(0\)|gamma \(2\)): new pair key')"
	check_eq "and no cluster key" 0 "$(dmesg | grep -c 'new pre-shared key')"
	check "a node's auth_key cannot be read" sh -c "! cat $C/node/alpha/auth_key"
	check "the link to alpha comes up" wait_for 120 link_is $C/node/alpha up
	check "messages to alpha flow" sh -c "echo '0 64' > $SELFTEST"
	check_eq "every echo was verified" 65 "$(selftest_value echo_ok)"
	check "alpha's messages arrive" \
		wait_for 120 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge 67 ]"
	check_eq "alpha's messages arrived intact" 0 "$(selftest_value received_bad)"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
