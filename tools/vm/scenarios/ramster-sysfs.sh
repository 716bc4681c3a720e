#!/bin/sh
# scenario: /sys/kernel/mm/ramster/: with mode=zcache only mm_stat, which user nobody reads and which equals debugfs zcache/mm_stat with thousands of swap pages stored; with mode=ramster the settings too: documented defaults; good writes take effect; bad writes and writes to read-only files refused with their errno, logged, changing nothing; peer_stat lists the peers, read by nobody, equal to debugfs nodes/<num>/; ramster-tools status runs as nobody; debugfs ramster/ counters and nodes/<num>/ files
# timeout: 300
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc

SYS=/sys/kernel/mm/ramster
DBG=/sys/kernel/debug/ramster
mode_of() { stat -c %a "$SYS/$1"; }
files() { ls $SYS | sort | tr '\n' ' ' | sed 's/ $//'; }
# stats_agree: nobody's read of sysfs mm_stat shows what root's read of debugfs shows.
stats_agree() {
	user=$(as_nobody "cat $SYS/mm_stat") && [ -n "$user" ] && [ "$user" = "$(cat $ZC/mm_stat)" ]
}

check "modprobe ramster mode=zcache" modprobe $MODULE mode=zcache
check_eq "mode=zcache: $SYS holds mm_stat only" mm_stat "$(files)"
check_eq "mm_stat is 0444" 444 "$(mode_of mm_stat)"
check_fails "mode=zcache: no debugfs ramster/" test -e $DBG
check_fails "nobody cannot read debugfs zcache/mm_stat" as_nobody "cat $ZC/mm_stat"
check_eq "nobody reads mm_stat: 5 numbers, all 0" "0 0 0 0 0" "$(as_nobody "cat $SYS/mm_stat" | xargs)"
check "swapon" swap_on
check "a memory cgroup of 8 MiB" memcg 8
check "a 24 MiB workload held in it swaps into the store" hold_in_cgroup 24 7 --sparse
check "sysfs mm_stat (read by nobody) equals debugfs zcache/mm_stat" wait_for 5 stats_agree
echo "  mm_stat: $(cat $SYS/mm_stat)"
check_gt "mm_stat: more than 1000 pages stored" "$(awk '{ print $4 }' $SYS/mm_stat)" 1000
check_eq "mm_stat: pages_stored is orig_data_size / 4096" \
	"$(awk '{ print $1 / 4096 }' $SYS/mm_stat)" "$(awk '{ print $4 }' $SYS/mm_stat)"
refused "root writing mm_stat" $SYS/mm_stat 0 "Permission denied"
check_fails "nobody cannot write mm_stat" as_nobody "echo 0 > $SYS/mm_stat"
hold_finish "the held pages verify"
check "swapoff" swapoff /dev/vda
check "rmdir the cgroup" rmdir $CG
check "rmmod (mode=zcache)" rmmod $MODULE
check_fails "after rmmod: no $SYS" test -e $SYS

check "modprobe ramster mode=ramster" modprobe $MODULE mode=ramster
check "$SYS exists" test -d $SYS
for f in interface_revision remote_pers_pages manual_node_up remote_target_nodenum \
	pers_remotify_enable eph_remotify_enable pers_prefetch_enable; do
	check "$f exists" test -f $SYS/$f
done
check_eq "the files are the documented nine" \
	"eph_remotify_enable interface_revision manual_node_up mm_stat peer_stat pers_prefetch_enable pers_remotify_enable remote_pers_pages remote_target_nodenum" \
	"$(files)"
check_eq "modes: ro files 444, the others 644" "444 444 644 644 644 644 644 444 444" \
	"$(mode_of interface_revision) $(mode_of remote_pers_pages) $(mode_of manual_node_up) $(mode_of remote_target_nodenum) $(mode_of pers_remotify_enable) $(mode_of eph_remotify_enable) $(mode_of pers_prefetch_enable) $(mode_of mm_stat) $(mode_of peer_stat)"
for f in interface_revision remote_pers_pages mm_stat peer_stat; do
	check "nobody reads $f" as_nobody "cat $SYS/$f > /dev/null"
done
check "sysfs mm_stat (read by nobody) equals debugfs zcache/mm_stat" wait_for 5 stats_agree
check_eq "peer_stat is empty without a cluster" "" "$(as_nobody "cat $SYS/peer_stat")"

# Defaults.
check_eq "interface_revision is 5" 5 "$(cat $SYS/interface_revision)"
check_eq "remote_pers_pages is 0" 0 "$(cat $SYS/remote_pers_pages)"
check_eq "manual_node_up is an empty line" "" "$(cat $SYS/manual_node_up)"
check_eq "manual_node_up reads exactly one newline" 1 "$(wc -c < $SYS/manual_node_up)"
check_eq "remote_target_nodenum is -1 (automatic)" -1 "$(cat $SYS/remote_target_nodenum)"
check_eq "pers_remotify_enable is 1" 1 "$(cat $SYS/pers_remotify_enable)"
check_eq "eph_remotify_enable is 1" 1 "$(cat $SYS/eph_remotify_enable)"
check_eq "pers_prefetch_enable is 1" 1 "$(cat $SYS/pers_prefetch_enable)"

state() {
	echo "$(cat $SYS/manual_node_up)|$(cat $SYS/remote_target_nodenum)|$(cat $SYS/pers_remotify_enable)|$(cat $SYS/eph_remotify_enable)|$(cat $SYS/pers_prefetch_enable)"
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
for f in pers_remotify_enable eph_remotify_enable pers_prefetch_enable; do
	check "$f 0" sh -c "echo 0 > $SYS/$f"
	check_eq "$f reads 0" 0 "$(cat $SYS/$f)"
	check "$f 1" sh -c "echo 1 > $SYS/$f"
	check_eq "$f reads 1" 1 "$(cat $SYS/$f)"
done
check "pers_remotify_enable 0 (kept for the checks below)" sh -c "echo 0 > $SYS/pers_remotify_enable"
BEFORE="0 1 254|0|0|1|1"
check_eq "state before the bad writes" "$BEFORE" "$(state)"
check_fails "nobody cannot write remote_target_nodenum" as_nobody "echo 1 > $SYS/remote_target_nodenum"

# Bad writes: EINVAL, nothing changes.
for v in garbage 255 256 -2 "1 2" "" " 1" +1 01 0x1 1.0 -; do
	refused "manual_node_up '$v'" $SYS/manual_node_up "$v" "Invalid argument"
	refused "remote_target_nodenum '$v'" $SYS/remote_target_nodenum "$v" "Invalid argument"
done
refused "manual_node_up -1" $SYS/manual_node_up -1 "Invalid argument"
for v in garbage 2 -1 Y N "" "1 2" " 1" 10; do
	refused "pers_remotify_enable '$v'" $SYS/pers_remotify_enable "$v" "Invalid argument"
	refused "eph_remotify_enable '$v'" $SYS/eph_remotify_enable "$v" "Invalid argument"
	refused "pers_prefetch_enable '$v'" $SYS/pers_prefetch_enable "$v" "Invalid argument"
done
refused "a write of two lines" $SYS/remote_target_nodenum "$(printf '1\n2')" "Invalid argument"

# Read-only files: EACCES.
for f in interface_revision remote_pers_pages mm_stat peer_stat; do
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
	"connections_refused 0|replies_unmatched 0|one_way_discarded 0|node_up 0|node_down 0|ticker_late_max_ms 0|room_waits 0|room_wakeups_futile 0|send_longest_ms 0" \
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
check_eq "nodes/3/foreign_bytes reads 0" 0 "$(cat $DBG/nodes/3/foreign_bytes)"
check_eq "peer_stat: node 3, networking stopped" "3 stopped 0 0 0" "$(peer_line 3)"
check "a node b" mkdir -p $CFS/test/node/b
B=$CFS/test/node/b
check "node b: 127.0.0.2:7778, num 4" sh -c \
	"echo 127.0.0.2 > $B/ipv4_address && echo 7778 > $B/ipv4_port && echo 4 > $B/num"
check "node a: local 1" sh -c "echo 1 > $N/local"
check_eq "peer_stat has one line, for the peer (not the local node)" 1 \
	"$(as_nobody "cat $SYS/peer_stat" | wc -l)"
check "peer_stat: node 4, its configfs link word, debugfs nodes/4/'s counters" \
	peer_agrees 4 "$(cat $B/link)"
as_nobody "ramster-tools status" > /tmp/status
check_eq "ramster-tools status runs as nobody" 0 $?
cat /tmp/status
check "ramster-tools status shows LOCAL_PAGES" grep -q LOCAL_PAGES /tmp/status
check "ramster-tools status shows the local node 3: its store's pages, no peer counters" \
	sh -c "grep -E '^3 +a +127.0.0.1 +7777 +local +[0-9]+ +- +-\$' /tmp/status"
check "ramster-tools status shows node 4's counters from peer_stat" \
	sh -c "grep -E '^4 +b +127.0.0.2 +7778 +[a-z]+ +- +0 +0\$' /tmp/status"
check "ramster-tools status --watch 1 --count 2 prints two tables" \
	sh -c "[ \$(ramster-tools status --watch 1 --count 2 | grep -c '^NUM') = 2 ]"
check "rmdir node a" rmdir $N
check_fails "node 3's folder is gone" test -e $DBG/nodes/3
check_eq "peer_stat: node 4, networking stopped" "4 stopped 0 0 0" "$(peer_line 4)"
check "rmdir node b" rmdir $B
check_eq "peer_stat is empty again" "" "$(as_nobody "cat $SYS/peer_stat")"
check "rmdir the cluster" rmdir $CFS/test

check "rmmod ramster" rmmod $MODULE
check_fails "after rmmod: no $SYS" test -e $SYS
check_fails "after rmmod: no debugfs ramster/" test -e $DBG
check "modprobe ramster mode=ramster again" modprobe $MODULE mode=ramster
check_eq "settings start from the defaults again" "|-1|1|1|1" "$(state)"
check "rmmod ramster again" rmmod $MODULE
finish
