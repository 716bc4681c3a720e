#!/bin/sh
# scenario: the cluster configfs tree: only with mode=ramster; defaults; every bad mkdir and write refused with its errno and a log line, changing nothing; auth and the write-only auth_key of the cluster and of each node (logon keys from the keyring); local starts and stops the listener
# timeout: 240
. /scenarios/lib.sh
. /scenarios/cluster.inc

for mode in zcache off; do
	check "modprobe ramster mode=$mode" modprobe $MODULE mode=$mode
	check_fails "mode=$mode: no configfs cluster/" test -e $CFS
	check_fails "mode=$mode: no cluster self-test file" test -e $SELFTEST
	check "rmmod (mode=$mode)" rmmod $MODULE
done

check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
check "configfs cluster/ exists" test -d $CFS
check_eq "a name longer than 56 bytes is refused" "File name too long" \
	"$(mkdir_err $CFS/aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffg)"
check "mkdir cluster/test" mkdir $CFS/test
C=$CFS/test
check_eq "a second cluster is refused" "No space left on device" "$(mkdir_err $CFS/other)"
dmesg_has "the second cluster is logged" "only one cluster can be configured"
check "heartbeat/ and node/ exist" test -d $C/heartbeat -a -d $C/node
check_eq "idle_timeout_ms defaults to 30000" 30000 "$(cat $C/idle_timeout_ms)"
check_eq "keepalive_delay_ms defaults to 2000" 2000 "$(cat $C/keepalive_delay_ms)"
check_eq "reconnect_delay_ms defaults to 2000" 2000 "$(cat $C/reconnect_delay_ms)"
check_eq "dead_threshold defaults to 31" 31 "$(cat $C/heartbeat/dead_threshold)"

# Timeouts.
refused "idle_timeout_ms 0" $C/idle_timeout_ms 0 "Numerical result out of range"
refused "idle_timeout_ms -1" $C/idle_timeout_ms -1 "Invalid argument"
refused "idle_timeout_ms 0x10" $C/idle_timeout_ms 0x10 "Invalid argument"
refused "idle_timeout_ms above a day" $C/idle_timeout_ms 86400001 "Numerical result out of range"
refused "keepalive_delay_ms not below idle_timeout_ms" $C/keepalive_delay_ms 30000 "Invalid argument"
refused "dead_threshold 2" $C/heartbeat/dead_threshold 2 "Numerical result out of range"
refused "dead_threshold 65536" $C/heartbeat/dead_threshold 65536 "Numerical result out of range"
dmesg_has "a refused timeout is logged" "keepalive_delay_ms (30000) must be below idle_timeout_ms (30000)"
check_eq "refused writes changed nothing" "30000 2000 31" \
	"$(cat $C/idle_timeout_ms) $(cat $C/keepalive_delay_ms) $(cat $C/heartbeat/dead_threshold)"
check "idle_timeout_ms 10000 is accepted" sh -c "echo 10000 > $C/idle_timeout_ms"
check "dead_threshold 5 is accepted" sh -c "echo 5 > $C/heartbeat/dead_threshold"
check_eq "accepted values read back" "10000 5" \
	"$(cat $C/idle_timeout_ms) $(cat $C/heartbeat/dead_threshold)"

# Authentication: auth and the pre-shared key.
check_fails "the HMAC-SHA256 self-test did not fail" sh -c "dmesg | grep -q 'cluster: .*hmac(sha256)'"
check_eq "auth defaults to psk" psk "$(cat $C/auth)"
check "auth none is accepted" sh -c "echo none > $C/auth"
check_eq "auth reads back none" none "$(cat $C/auth)"
refused "auth junk" $C/auth junk "Invalid argument"
refused "auth PSK (upper case)" $C/auth PSK "Invalid argument"
dmesg_has "a refused auth is logged" "auth: must be psk or none"
check_eq "the refused auth changed nothing" none "$(cat $C/auth)"
check "auth psk is accepted" sh -c "echo psk > $C/auth"
check_eq "auth reads back psk" psk "$(cat $C/auth)"
check_eq "auth_key is write-only (mode 0200)" "--w-------" "$(ls -l $C/auth_key | cut -c1-10)"
refused "auth_key naming a missing key" $C/auth_key ramster:missing "Required key not available"
dmesg_has "a missing key is logged with how to add one" \
	'auth_key: no logon key "ramster:missing" in the writer'"'"'s keyrings; add it first'
refused "auth_key without a prefix" $C/auth_key nocolon "Invalid argument"
refused "auth_key with a space" $C/auth_key "ramster: x" "Invalid argument"
check "addkey: a 32-byte logon key ramster:test" addkey ramster:test 0123456789abcdef0123456789abcdef
check "auth_key ramster:test is accepted" sh -c "echo ramster:test > $C/auth_key"
dmesg_has "the new key is logged" "cluster: test: new pre-shared key"
check "addkey: a 4-byte logon key ramster:short" addkey ramster:short abcd
refused "a 4-byte key" $C/auth_key ramster:short "Invalid argument"
dmesg_has "the short key is logged" \
	'auth_key: logon key "ramster:short": the key is 4 bytes; it must be 16 to 64 bytes'
check "addkey: a 65-byte logon key ramster:long" addkey ramster:long \
	0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefX
refused "a 65-byte key" $C/auth_key ramster:long "Invalid argument"
check_fails "reading auth_key fails" cat $C/auth_key
check_eq "reading auth_key shows nothing" "" "$(cat $C/auth_key 2>/dev/null)"
check_eq "reading auth_key is refused: Permission denied" "Permission denied" \
	"$(cat $C/auth_key 2>&1 | sed 's/.*: //')"

# Nodes.
N=$C/node
check_eq "a node name longer than 64 bytes is refused" "File name too long" \
	"$(mkdir_err $N/aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffggggg)"
check "mkdir node/a" mkdir $N/a
check_eq "a new node's num is empty" "" "$(cat $N/a/num)"
check_eq "a new node is not local" 0 "$(cat $N/a/local)"
refused "num before address and port" $N/a/num 0 "Invalid argument"
dmesg_has "num before address and port is logged" "num: write ipv4_address and ipv4_port first"
refused "local before num" $N/a/local 1 "Invalid argument"
refused "a node's auth_key before its num" $N/a/auth_key ramster:test "Invalid argument"
dmesg_has "a node's auth_key before its num is logged" "auth_key: write the node's num first"
refused "address 1.2.3" $N/a/ipv4_address 1.2.3 "Invalid argument"
refused "address 256.1.1.1" $N/a/ipv4_address 256.1.1.1 "Invalid argument"
refused "address 010.0.0.1" $N/a/ipv4_address 010.0.0.1 "Invalid argument"
refused "port 0" $N/a/ipv4_port 0 "Invalid argument"
dmesg_has "port 0 is logged" "ipv4_port: 0 is not a port"
refused "port 65536" $N/a/ipv4_port 65536 "Numerical result out of range"
refused "port abc" $N/a/ipv4_port abc "Invalid argument"
check_eq "refused writes left the node empty" "||" \
	"$(cat $N/a/ipv4_address)|$(cat $N/a/ipv4_port)|$(cat $N/a/num)"
check "address 127.0.0.1 is accepted" sh -c "echo 127.0.0.1 > $N/a/ipv4_address"
check "port 7777 is accepted" sh -c "echo 7777 > $N/a/ipv4_port"
refused "num 255" $N/a/num 255 "Numerical result out of range"
check "num 3 is accepted" sh -c "echo 3 > $N/a/num"
refused "a second address" $N/a/ipv4_address 127.0.0.2 "Device or resource busy"
refused "a second port" $N/a/ipv4_port 7778 "Device or resource busy"
refused "a second num" $N/a/num 4 "Device or resource busy"
dmesg_has "write-once is logged" "num: already set; it can be written only once"
check "mkdir node/b" mkdir $N/b
refused "an address taken by node a" $N/b/ipv4_address 127.0.0.1 "File exists"
check "node b: address 10.9.9.9, port 7777" sh -c "echo 10.9.9.9 > $N/b/ipv4_address && echo 7777 > $N/b/ipv4_port"
refused "num taken by node a" $N/b/num 3 "File exists"
dmesg_has "a taken num is logged" "num: node number 3 is taken"
check "node b: num 1" sh -c "echo 1 > $N/b/num"
check_eq "a node's auth_key is write-only (mode 0200)" "--w-------" "$(ls -l $N/b/auth_key | cut -c1-10)"
refused "a node's auth_key naming a missing key" $N/b/auth_key ramster:missing "Required key not available"
refused "a node's auth_key with a 4-byte key" $N/b/auth_key ramster:short "Invalid argument"
check "node b's auth_key ramster:test is accepted" sh -c "echo ramster:test > $N/b/auth_key"
dmesg_has "node b's pair key is logged" "cluster: node b (1): new pair key"
check_eq "reading a node's auth_key is refused: Permission denied" "Permission denied" \
	"$(cat $N/b/auth_key 2>&1 | sed 's/.*: //')"
refused "local 2" $N/b/local 2 "Invalid argument"
refused "local on an address this machine does not have" $N/b/local 1 "Cannot assign requested address"
check_eq "node b stayed not local" 0 "$(cat $N/b/local)"
check_eq "node b's link is stopped" stopped "$(cat $N/b/link)"
refused "writing link" $N/b/link up "Permission denied"

# local starts the listener, and only one node is local.
check "node a: local 1" sh -c "echo 1 > $N/a/local"
dmesg_has "node a listens" "node 3 is local: listening on 127.0.0.1:7777"
check "something listens on 127.0.0.1:7777" sh -c "netstat -ltn | grep -q '127.0.0.1:7777'"
check "the listener is a kernel thread of its own" kthread ramster_listen/3
check "so is the ticker" kthread ramster_tick
check "so is the node callbacks' thread" kthread ramster_nodes
check_eq "node a's link is local" local "$(cat $N/a/link)"
check_eq "node b (lower number, acceptor side) waits" down "$(cat $N/b/link)"
refused "a second local node" $N/b/local 1 "Device or resource busy"
check "timeouts can change while no peer is connected" sh -c "echo 3000 > $C/keepalive_delay_ms"
check "auth can change while no peer is connected" sh -c "echo none > $C/auth && echo psk > $C/auth"
check "auth_key can be written while networking is up" sh -c "echo ramster:test > $C/auth_key"
check "node a: local 0" sh -c "echo 0 > $N/a/local"
check_fails "nothing listens after local 0" sh -c "netstat -ltn | grep -q '127.0.0.1:7777'"
check "the listener thread exits" wait_for 10 sh -c "! cat /proc/[0-9]*/comm | grep -qx ramster_listen/3"
check "node a: local 1 again" sh -c "echo 1 > $N/a/local"
check "rmdir the local node" rmdir $N/a
check_fails "nothing listens once the local node is gone" sh -c "netstat -ltn | grep -q ':7777'"
check "rmdir node b" rmdir $N/b
check_fails "rmmod is refused while a cluster exists" rmmod $MODULE
check "rmdir the cluster" rmdir $C
check "rmmod ramster" rmmod $MODULE
check "modprobe ramster mode=ramster again" modprobe $MODULE mode=ramster
check "mkdir cluster/again" mkdir $CFS/again
check "rmdir cluster/again" rmdir $CFS/again
check "rmmod ramster again" rmmod $MODULE
check_fails "no thread of the module is left" sh -c "cat /proc/[0-9]*/comm | grep -q '^ramster_'"
finish
