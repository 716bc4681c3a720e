#!/bin/sh
# scenario: ramster.<param>= on the kernel command line reaches the module when modprobe loads it
# append: ramster.mode=off ramster.frontswap=n ramster.compressor=lz4-c
# timeout: 120
. /scenarios/lib.sh

check "modprobe ramster succeeds" modprobe $MODULE
check_eq "mode from the command line" off "$(param mode)"
check_eq "frontswap from the command line" N "$(param frontswap)"
check_eq "compressor from the command line" lz4-c "$(param compressor)"
check_eq "cleancache keeps its default" Y "$(param cleancache)"
dmesg_has "init logs the command-line configuration" "ramster: loaded: mode=off cleancache=Y frontswap=N compressor=lz4-c"
check "rmmod succeeds" rmmod $MODULE
finish
