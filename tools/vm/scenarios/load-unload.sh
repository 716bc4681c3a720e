#!/bin/sh
# scenario: ramster.ko loads with defaults, unloads, and loads again
# timeout: 120
. /scenarios/lib.sh

check "modprobe ramster succeeds" modprobe $MODULE
check "module is listed in /sys/module" loaded
check_eq "default mode is zcache" zcache "$(param mode)"
check_eq "default cleancache is Y" Y "$(param cleancache)"
check_eq "default frontswap is Y" Y "$(param frontswap)"
check_eq "default compressor is lz4_flex" lz4_flex "$(param compressor)"
dmesg_has "init logs its configuration" "ramster: loaded: mode=zcache cleancache=Y frontswap=Y compressor=lz4_flex"
check_fails "parameters are read-only at run time" sh -c "echo off > $PARAMS/mode"
check_eq "mode unchanged after refused write" zcache "$(param mode)"
check "rmmod ramster succeeds" rmmod $MODULE
check_fails "module is gone after rmmod" loaded
dmesg_has "exit logs the unload" "ramster: unloaded (mode=zcache)"
for round in 1 2 3; do
	check "reload round $round" modprobe $MODULE mode=off
	check "unload round $round" rmmod $MODULE
done
check_fails "module is gone at the end" loaded
finish
