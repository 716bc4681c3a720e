#!/bin/sh
# scenario: two nodes boot, load ramster, and reach each other over the link (ping and 4 MiB TCP each way, verified byte for byte)
# nodes: 2
# timeout: 240
. /scenarios/lib.sh

SELF=169.254.0.$((NODE + 1))
PEER=169.254.0.$((2 - NODE))
SIZE=4194304
PORT=7000

check "modprobe ramster succeeds" modprobe $MODULE
check "eth0 has $SELF" sh -c "ip addr show eth0 | grep -qF $SELF/16"
check "peer $PEER answers ping" wait_for 60 ping -c 1 -W 1 "$PEER"

# Each node serves the stream seeded by its own number and fetches the peer's; netcheck ends
# only when the peer acknowledged what it received.
check "4 MiB each way arrive intact" netcheck $NODE $((1 - NODE)) "$PEER" $PORT $SIZE
check "rmmod succeeds" rmmod $MODULE
finish
