#!/bin/sh
# scenario: every valid parameter value loads and reads back; every invalid one fails with EINVAL and a clear message
# timeout: 300
. /scenarios/lib.sh

# load_with EXPECTED_PARAM_VALUE PARAM ARG: loads with PARAM=ARG, checks the value, unloads.
load_with() {
	expected=$1 name=$2 arg=$3
	if out=$(insmod /lib/modules/$(uname -r)/extra/ramster.ko "$name=$arg" 2>&1); then
		check_eq "$name=$arg reads back as $expected" "$expected" "$(param "$name")"
		rmmod $MODULE || fail "rmmod after $name=$arg"
	else
		fail "$name=$arg should load ($out)"
	fi
}

# refuse PARAM ARG ALLOWED: loading with PARAM=ARG fails with EINVAL, the log names PARAM and
# its allowed values, and nothing stays loaded.
refuse() {
	name=$1 arg=$2 allowed=$3
	dmesg -c > /dev/null
	if out=$(insmod /lib/modules/$(uname -r)/extra/ramster.ko "$name=$arg" 2>&1); then
		fail "$name='$arg' should be refused"
		rmmod $MODULE
		return
	fi
	case "$out" in
	*"Invalid argument"*) pass "$name='$arg' refused with EINVAL" ;;
	*) fail "$name='$arg' refused, but not with EINVAL: $out" ;;
	esac
	if dmesg | grep -F "for parameter $name; allowed values: $allowed" > /dev/null; then
		pass "$name='$arg': message names the parameter and allowed values"
	else
		fail "$name='$arg': no clear message in dmesg: $(dmesg | tail -n 3)"
	fi
	check_fails "$name='$arg': module not loaded" loaded
}

for m in ramster zcache off; do load_with $m mode $m; done
for c in lz4_flex lz4-c; do load_with $c compressor $c; done
for p in cleancache frontswap test_messages; do
	for v in y Y 1 on yes true; do load_with Y $p $v; done
	for v in n N 0 off no false; do load_with N $p $v; done
done

# insmod's argument string is split on spaces by the kernel, so "mode=zcache " never reaches
# the module with the space: the host tests cover such values.

# A boolean given without a value means "on".
check "frontswap without a value loads" insmod /lib/modules/$(uname -r)/extra/ramster.ko frontswap=0 cleancache
check_eq "cleancache without a value is Y" Y "$(param cleancache)"
check_eq "frontswap=0 is N" N "$(param frontswap)"
rmmod $MODULE

# test_messages: N unless asked for. insmod reads no modprobe.d; modprobe reads the test
# image's /etc/modprobe.d/ramster.conf (test_messages=1), and an explicit value on its command
# line comes after those options, so it wins.
check "insmod without parameters loads" insmod /lib/modules/$(uname -r)/extra/ramster.ko
check_eq "test_messages defaults to N" N "$(param test_messages)"
rmmod $MODULE
check "modprobe loads with modprobe.d's options" modprobe $MODULE
check_eq "modprobe.d's test_messages=1 reads back Y" Y "$(param test_messages)"
rmmod $MODULE
check "modprobe test_messages=0 loads" modprobe $MODULE test_messages=0
check_eq "an explicit test_messages=0 overrides modprobe.d" N "$(param test_messages)"
check_fails "test_messages is read-only at run time" sh -c "echo 1 > $PARAMS/test_messages"
check_eq "test_messages unchanged after the refused write" N "$(param test_messages)"
rmmod $MODULE

for v in bogus ZCACHE Zcache "zcache,off" "" lz4; do refuse mode "$v" "ramster, zcache, off"; done
for v in zstd lzo LZ4_FLEX ""; do refuse compressor "$v" "lz4_flex, lz4-c"; done
for p in cleancache frontswap test_messages; do
	for v in maybe 2 "" yess; do refuse $p "$v" "y, n, 1, 0, on, off, yes, no, true, false"; done
done

# One bad parameter among good ones refuses the whole load.
dmesg -c > /dev/null
check_fails "a bad value among good ones refuses the load" \
	insmod /lib/modules/$(uname -r)/extra/ramster.ko mode=off compressor=zstd
check_fails "nothing loaded after the mixed refusal" loaded
finish
