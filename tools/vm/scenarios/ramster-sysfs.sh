#!/bin/sh
# scenario: /sys/kernel/mm/ramster/ only with mode=ramster: documented defaults; good writes take effect; bad writes and writes to read-only files refused with their errno, logged, changing nothing; debugfs ramster/ counters and nodes/<num>/ files
# timeout: 240
. /scenarios/lib.sh
. /scenarios/cluster.inc

SYS=/sys/kernel/mm/ramster
DBG=/sys/kernel/debug/ramster

check "modprobe ramster mode=zcache" modprobe $MODULE mode=zcache
check_fails "mode=zcache: no $SYS" test -e $SYS
check_fails "mode=zcache: no debugfs ramster/" test -e $DBG
check "rmmod (mode=zcache)" rmmod $MODULE

check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
check "$SYS exists" test -d $SYS
for f in interface_revision remote_pers_pages manual_node_up remote_target_nodenum \
	pers_remotify_enable eph_remotify_enable; do
	check "$f exists" test -f $SYS/$f
done
check_eq "the files are the documented six" \
	"eph_remotify_enable interface_revision manual_node_up pers_remotify_enable remote_pers_pages remote_target_nodenum" \
	"$(ls $SYS | sort | tr '\n' ' ' | sed 's/ $//')"
mode_of() { stat -c %a "$SYS/$1"; }
check_eq "modes: ro files 444, the others 644" "444 444 644 644 644 644" \
	"$(mode_of interface_revision) $(mode_of remote_pers_pages) $(mode_of manual_node_up) $(mode_of remote_target_nodenum) $(mode_of pers_remotify_enable) $(mode_of eph_remotify_enable)"

# Defaults.
check_eq "interface_revision is 5" 5 "$(cat $SYS/interface_revision)"
check_eq "remote_pers_pages is 0" 0 "$(cat $SYS/remote_pers_pages)"
check_eq "manual_node_up is an empty line" "" "$(cat $SYS/manual_node_up)"
check_eq "manual_node_up reads exactly one newline" 1 "$(wc -c < $SYS/manual_node_up)"
check_eq "remote_target_nodenum is -1 (automatic)" -1 "$(cat $SYS/remote_target_nodenum)"
check_eq "pers_remotify_enable is 1" 1 "$(cat $SYS/pers_remotify_enable)"
check_eq "eph_remotify_enable is 1" 1 "$(cat $SYS/eph_remotify_enable)"

state() {
	echo "$(cat $SYS/manual_node_up)|$(cat $SYS/remote_target_nodenum)|$(cat $SYS/pers_remotify_enable)|$(cat $SYS/eph_remotify_enable)"
}

# Good writes.
check "manual_node_up 1" sh -c "echo 1 > $SYS/manual_node_up"
check "manual_node_up 0 (no newline)" sh -c "printf 0 > $SYS/manual_node_up"
check "manual_node_up 254" sh -c "echo 254 > $SYS/manual_node_up"
check "manual_node_up 1 again" sh -c "echo 1 > $SYS/manual_node_up"
check_eq "manual_node_up lists the marked nodes" "0 1 254" "$(cat $SYS/manual_node_up)"
check "remote_target_nodenum 1" sh -c "echo 1 > $SYS/remote_target_nodenum"
check_eq "remote_target_nodenum reads 1" 1 "$(cat $SYS/remote_target_nodenum)"
check "remote_target_nodenum 254" sh -c "echo 254 > $SYS/remote_target_nodenum"
check_eq "remote_target_nodenum reads 254" 254 "$(cat $SYS/remote_target_nodenum)"
check "remote_target_nodenum -1" sh -c "echo -1 > $SYS/remote_target_nodenum"
check_eq "remote_target_nodenum reads -1" -1 "$(cat $SYS/remote_target_nodenum)"
check "remote_target_nodenum 0" sh -c "echo 0 > $SYS/remote_target_nodenum"
check_eq "remote_target_nodenum reads 0" 0 "$(cat $SYS/remote_target_nodenum)"
for f in pers_remotify_enable eph_remotify_enable; do
	check "$f 0" sh -c "echo 0 > $SYS/$f"
	check_eq "$f reads 0" 0 "$(cat $SYS/$f)"
	check "$f 1" sh -c "echo 1 > $SYS/$f"
	check_eq "$f reads 1" 1 "$(cat $SYS/$f)"
done
check "pers_remotify_enable 0 (kept for the checks below)" sh -c "echo 0 > $SYS/pers_remotify_enable"
BEFORE="0 1 254|0|0|1"
check_eq "state before the bad writes" "$BEFORE" "$(state)"

# Bad writes: EINVAL, nothing changes.
for v in garbage 255 256 -2 "1 2" "" " 1" +1 01 0x1 1.0 -; do
	refused "manual_node_up '$v'" $SYS/manual_node_up "$v" "Invalid argument"
	refused "remote_target_nodenum '$v'" $SYS/remote_target_nodenum "$v" "Invalid argument"
done
refused "manual_node_up -1" $SYS/manual_node_up -1 "Invalid argument"
for v in garbage 2 -1 Y N "" "1 2" " 1" 10; do
	refused "pers_remotify_enable '$v'" $SYS/pers_remotify_enable "$v" "Invalid argument"
	refused "eph_remotify_enable '$v'" $SYS/eph_remotify_enable "$v" "Invalid argument"
done
refused "a write of two lines" $SYS/remote_target_nodenum "$(printf '1\n2')" "Invalid argument"

# Read-only files: EACCES.
for f in interface_revision remote_pers_pages; do
	refused "writing $f" $SYS/$f 1 "Permission denied"
	refused "writing garbage to $f" $SYS/$f garbage "Permission denied"
done
check_eq "refused writes changed nothing" "$BEFORE" "$(state)"
check_eq "interface_revision still 5" 5 "$(cat $SYS/interface_revision)"
dmesg_has "an out-of-range target is logged" \
	"write refused: remote_target_nodenum: out of range; allowed: a node number 0..254, or -1 to choose automatically"
dmesg_has "a bad switch value is logged" "write refused: eph_remotify_enable: not 0 or 1; allowed: 0 or 1"
dmesg_has "a bad node number is logged" "write refused: manual_node_up: not a decimal number"

# debugfs ramster/ counters.
for f in eph_pages_remoted pers_pages_remoted eph_pages_remote_failed pers_pages_remote_failed \
	remote_eph_pages_succ_get remote_pers_pages_succ_get remote_eph_pages_unsucc_get \
	remote_pers_pages_unsucc_get pers_pages_remote_nomem remote_objects_flushed \
	remote_pages_flushed remote_object_flushes_failed remote_page_flushes_failed \
	foreign_eph_pages foreign_eph_pages_max foreign_pers_pages foreign_pers_pages_max \
	remote_eph_pages remote_pers_pages remote_pers_pages_max remote_get_us_total; do
	check_eq "debugfs ramster/$f reads 0" 0 "$(cat $DBG/$f)"
done
check "debugfs ramster/ holds at least 26 counters, cluster_selftest and nodes/" \
	test "$(ls $DBG | wc -l)" -ge 28
check_eq "debugfs ramster/cluster_counters starts at zero" \
	"connections_refused 0|replies_unmatched 0|one_way_discarded 0|node_up 0|node_down 0|ticker_late_max_ms 0" \
	"$(tr '\n' '|' < $DBG/cluster_counters | sed 's/|$//')"
check_fails "cluster_counters cannot be written" sh -c "echo 1 > $DBG/cluster_counters"
check_fails "a counter file cannot be written" sh -c "echo 1 > $DBG/eph_pages_remoted"
check "debugfs ramster/nodes/ exists" test -d $DBG/nodes
check_eq "no node, no node folder" "" "$(ls $DBG/nodes)"
check "a cluster with node a" mkdir -p $CFS/test/node/a
N=$CFS/test/node/a
check "node a: 127.0.0.1:7777, num 3" sh -c \
	"echo 127.0.0.1 > $N/ipv4_address && echo 7777 > $N/ipv4_port && echo 3 > $N/num"
check_eq "node 3's folder appears" 3 "$(ls $DBG/nodes)"
check_eq "nodes/3/remote_pages reads 0" 0 "$(cat $DBG/nodes/3/remote_pages)"
check_eq "nodes/3/foreign_pages reads 0" 0 "$(cat $DBG/nodes/3/foreign_pages)"
check "node a: local 1" sh -c "echo 1 > $N/local"
check "ramster-tools status runs" sh -c "ramster-tools status > /tmp/status"
cat /tmp/status
check "ramster-tools status shows LOCAL_PAGES" grep -q LOCAL_PAGES /tmp/status
check "ramster-tools status shows node 3's counters" \
	sh -c "grep -E '^3 +a +127.0.0.1 +7777 +local +[0-9]+ +0 +0\$' /tmp/status"
check "ramster-tools status --watch 1 --count 2 prints two tables" \
	sh -c "[ \$(ramster-tools status --watch 1 --count 2 | grep -c '^NUM') = 2 ]"
check "rmdir node a" rmdir $N
check_fails "node 3's folder is gone" test -e $DBG/nodes/3
check "rmdir the cluster" rmdir $CFS/test

check "rmmod ramster" rmmod $MODULE
check_fails "after rmmod: no $SYS" test -e $SYS
check_fails "after rmmod: no debugfs ramster/" test -e $DBG
check "modprobe ramster mode=ramster again" modprobe $MODULE mode=ramster
check_eq "settings start from the defaults again" "|-1|1|1" "$(state)"
check "rmmod ramster again" rmmod $MODULE
finish
