#!/bin/sh
# scenario: an invalid ramster.mode= on the kernel command line makes modprobe fail cleanly
# append: ramster.mode=turbo
# timeout: 120
. /scenarios/lib.sh

check_fails "modprobe ramster fails" modprobe $MODULE
check_fails "module is not loaded" loaded
dmesg_has "the log names the parameter and allowed values" \
	'ramster: invalid value "turbo" for parameter mode; allowed values: ramster, zcache, off'
# modprobe puts the command-line options first, so an explicit good value does not rescue it.
check_fails "modprobe with an explicit valid mode still fails" modprobe $MODULE mode=zcache
check_fails "module is still not loaded" loaded
# insmod does not read the command line.
check "insmod with an explicit valid mode loads" insmod /lib/modules/$(uname -r)/extra/ramster.ko mode=zcache
check_eq "mode is the explicit one" zcache "$(param mode)"
check "rmmod succeeds" rmmod $MODULE
finish
