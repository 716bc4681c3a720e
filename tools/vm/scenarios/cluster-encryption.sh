#!/bin/sh
# scenario: payload encryption (issue 14): with encryption = none an observer of the link (node 0's QEMU capture) reads the self-test payloads (up to 40 bytes); node 1 turns encryption = aes-256-ctr on alone and node 0 refuses it, saying both modes; with it on at both ends echoes and 4144-byte one-way messages arrive intact both ways, and none of their plaintext is on the wire
# nodes: 2
# timeout: 400
# wire: clear=40 hidden=4144
. /scenarios/lib.sh
. /scenarios/cluster.inc

C=$CFS/ramster
# received N: at least N self-test sink messages arrived (`echo '0 N'` sends N + 1 one-way ones, and
# a sink request for every 64th size: N + 2 for N below 128).
received() { [ "$(selftest_value received_ok)" -ge "$1" ]; }

write_conf ramster 7777
if [ "$NODE" = 0 ]; then
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up, encryption none" ramster-tools up --node alpha
	check_eq "encryption reads none" none "$(cat $C/encryption)"
	check "the link to beta comes up" wait_for 120 link_is $C/node/beta up
	check "messages of 0 to 40 bytes to beta, in the clear" sh -c "echo '1 40' > $SELFTEST"
	ups=$(dmesg | grep -c 'cluster: node 1: link up')
	check "beta turns encryption on alone: refused here" wait_for 120 sh -c "dmesg | grep -qF \
'the peer runs with auth = psk with encryption, this node with auth = psk without encryption'"
	check_eq "no link with beta meanwhile" "$ups" "$(dmesg | grep -c 'cluster: node 1: link up')"
	check "encryption aes-256-ctr here too" cluster_reup alpha psk aes-256-ctr
	check_eq "encryption reads aes-256-ctr" aes-256-ctr "$(cat $C/encryption)"
	check "the encrypted link to beta comes up" wait_for 120 link_is $C/node/beta up
	check "echoes of 0 to 64 bytes, encrypted" sh -c "echo '1 64' > $SELFTEST"
	check_eq "every echo came back intact" $((41 + 65)) "$(selftest_value echo_ok)"
	check "20 one-way messages of 4144 bytes, encrypted" sh -c "echo 'flood 1 20' > $SELFTEST"
	check "beta's encrypted messages arrive" wait_for 120 received 67
	check_eq "intact" 0 "$(selftest_value received_bad)"
	check_eq "no frame failed its check" 0 "$(dmesg | grep -c 'failed authentication')"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
else
	check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
	check "ramster-tools up, encryption none" ramster-tools up --node beta
	check "the link to alpha comes up" wait_for 120 link_is $C/node/alpha up
	check "alpha's clear messages arrive" wait_for 120 received 42
	check "encryption on here only" cluster_reup beta psk aes-256-ctr
	check "alpha refuses us with a status" wait_for 120 sh -c \
		"dmesg | grep -qF 'peer refused the handshake: '"
	check "once alpha has it too, the encrypted link comes up" wait_for 200 link_is $C/node/alpha up
	check "alpha's encrypted echoes and messages arrive" wait_for 200 received $((42 + 67 + 20))
	check_eq "every one intact" 0 "$(selftest_value received_bad)"
	check "messages to alpha, encrypted" sh -c "echo '0 64' > $SELFTEST"
	check_eq "every echo came back intact" 65 "$(selftest_value echo_ok)"
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
fi
finish
