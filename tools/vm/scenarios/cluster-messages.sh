#!/bin/sh
# scenario: two nodes configured with ramster-tools connect and exchange test messages of every payload size up to the limit (echo requests and one-way messages, plus sink requests every 64 sizes), verified byte for byte both ways
# nodes: 2
# kasan: 256M
# timeout: 900
. /scenarios/lib.sh
. /scenarios/cluster.inc

NAMES="alpha beta"
SELF_NAME=$(echo $NAMES | cut -d' ' -f$((NODE + 1)))
PEER_NAME=$(echo $NAMES | cut -d' ' -f$((2 - NODE)))
PEER_NUM=$((1 - NODE))
SIZES=4145	# payload sizes 0..=4144
write_conf ramster 7777

check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
check "ramster-tools up" ramster-tools up --node $SELF_NAME
C=$CFS/ramster
check_eq "the local node shows local" local "$(cat $C/node/$SELF_NAME/link)"
check "the link to $PEER_NAME comes up" wait_for 90 link_is $C/node/$PEER_NAME up
dmesg_has "the peer is declared up" "cluster: node $PEER_NUM is up"
check "the link's receive loop is a kernel thread of its own" kthread ramster_link/$PEER_NUM
check "ramster-tools status shows the link up" \
	sh -c "ramster-tools status | grep -E '^$PEER_NUM +$PEER_NAME +169.254.0.$((PEER_NUM + 1)) +7777 +up'"
refused "keepalive_delay_ms while connected" $C/keepalive_delay_ms 400 "Device or resource busy"
dmesg_has "a timeout write while connected is logged" "keepalive_delay_ms: cannot change while a peer is connected"
refused "auth while connected" $C/auth none "Device or resource busy"
dmesg_has "an auth write while connected is logged" "auth: cannot change while a peer is connected"
check_eq "auth is unchanged" psk "$(cat $C/auth)"
check "addkey: a logon key ramster:rotated" addkey ramster:rotated 0123456789abcdef0123456789abcdef
check "auth_key can be written while connected (key rotation)" \
	sh -c "echo ramster:rotated > $C/auth_key"
check_eq "the link stays up after a new key" up "$(cat $C/node/$PEER_NAME/link)"

check "every payload size 0..=4144 to node $PEER_NUM" sh -c "echo $PEER_NUM > $SELFTEST"
check_eq "echo requests verified" $SIZES "$(selftest_value echo_ok)"
check_eq "sink requests answered OK" 66 "$(selftest_value sink_ok)"
check_eq "one-way messages sent" $SIZES "$(selftest_value one_way_sent)"
check_eq "no failure" "0 0 0 0" "$(selftest_value echo_failed) $(selftest_value sink_failed) $(selftest_value one_way_failed) $(selftest_value first_error)"
echo "measured: $SIZES echo round trips in $(selftest_value last_run_echo_us) us; whole run $(selftest_value last_run_ms) ms"
# The peer's run ends when its sink messages of every size arrived here, verified.
check "the peer's messages of every size arrived intact" \
	wait_for 600 sh -c "[ \$(sed -n 's/^received_ok //p' $SELFTEST) -ge $((SIZES + 66)) ]"
check_eq "no payload arrived damaged" 0 "$(selftest_value received_bad)"
check_eq "no reply went unmatched" 0 "$(counter_value replies_unmatched)"
check_eq "no one-way message was discarded" 0 "$(counter_value one_way_discarded)"
grep -q . $SELFTEST && cat $SELFTEST
cat $COUNTERS
finish
