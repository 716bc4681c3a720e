#!/bin/sh
# scenario: the module's longest interrupts-off section (irqsoff tracer, and the module's own sections from the preemptirq events) while it walks a whole store stays below 15 ms: a cleancache pool of 32768 pages destroyed at umount and at unload (and, as a control, dropped 256 pages at a time), an unload draining 90000 swap pages, a peer's 10000 pages dropped when it goes down; every page verified
# nodes: 2
# memory: 384M
# timeout: 1800
. /scenarios/lib.sh
. /scenarios/hooks.inc
. /scenarios/zcache.inc
. /scenarios/cluster.inc
. /scenarios/ramster.inc
MIB=1048576
T=/sys/kernel/tracing

# The longest the module may keep interrupts off, in microseconds. Measured on this test kernel
# under TCG (2.3 GHz host TSC, one CPU per guest) before the walks were split, over several runs:
#   walk                                  pages   module's longest section   per page
#   umount: destroy_pool                  32768   103-371 ms                 3.1-11 us
#   rmmod, filesystem mounted: its pool   32768   94-435 ms                  2.9-13 us
#   rmmod, swap store: a drain round      90353   19-27 ms (12-15 rounds     0.21-0.30 us
#                                                 of 10 ms or more)
#   node 0 down: drop_client on node 1    10286   53-83 ms                   5.1-8.1 us
# For single-page operations the module's longest out of tens of thousands was 1.3-4.2 ms
# (cleancache puts and gets, frontswap puts), 6 ms on a host loaded by other VMs and once
# 30 ms when both nodes were busy at once; the control below (a 256-page flush_object per file)
# 1.9-3.5 ms. 15 ms fails every whole-store walk above (the drain's cheap rounds by 1.3x at
# least) and leaves batches of a few hundred pages (1-3 ms) room for the host's noise.
BOUND=15000

# ---- the irqsoff tracer -----------------------------------------------------------------------
# tracing_max_latency is the longest interrupts-off section since it was last reset, on any CPU
# (the guests have one: without ACPI the MP table shows one of -smp 2), and `trace` describes
# it: "=> started at:" is where interrupts went off (the function that inlined local_irq_save()
# and so called trace_hardirqs_off()), "=> ended at:" where they came back on, then the stack at
# the end. Every store operation of the module
# disables interrupts through the C shim (IrqsOff in src/zcache_kernel/ffi.rs), so a section of
# the module reads
#     started at: ramster_zc_irq_save+0x20/0x30 [ramster]
#     ended at:   ramster_zc_irq_restore+0xd/0x10 [ramster]
# (the sym-offset option adds the module's name); the stack above them names the walk (the
# module's Rust frames, as mangled _RNv... names, and the kernel's, e.g. cleancache_invalidate_fs
# for umount, __x64_sys_delete_module for rmmod). The Rust spinlocks of 6.12 do not touch the
# interrupt flag, so the store's own locks never start or end a section. A section is the
# module's when its start or end is in the module's text: its "[ramster]" name while the module
# is loaded or, once it is unloaded (rmmod's own walks), its address inside the text the module
# had (the tracer keeps addresses and names them only when `trace` is read).
#
# The longest section of all is often not the module's: under TCG on a busy 2-core host the
# vCPU thread is descheduled now and then, and whatever section it is in when that happens
# lasts that much longer (measured: 1-2 ms idle; 7-45 ms in timer interrupts, page faults,
# reclaim, memcg charges and exit; 100-300 ms, once 1.7 s, when other VMs loaded the host).
# Note that a cleancache put runs inside a section the kernel started (__remove_mapping holds
# the i_pages lock with interrupts off): the module's work there, one page, is the kernel's
# section by its sites (_raw_spin_lock_irq/_raw_spin_unlock_irq). So the module's own
# sections are also timed apart, with the preemptirq tracepoints: a tracing instance records
# irq_disable/irq_enable only where the caller is in the module's text (an event filter on
# caller_offs), which gives every section of the module with its start and end time. The check
# is on the longest of those, so a long unrelated section can neither hide nor fail it. If the
# module ever disabled interrupts other than through its shim (a kernel spin_lock_irqsave),
# those sections would start in kernel text: check_bound then fails for seeing none, rather
# than passing blind.
#
# Clock: both time sections with the x86-tsc trace clock, in TSC cycles (tracing_max_latency
# then reads kilocycles), converted to microseconds with the TSC rate measured against the
# kernel's monotonic clock (tsc_calibrate). The default clock, sched_clock, is only as fine as a
# jiffy (4 ms) when the kernel could not calibrate the TSC at boot: without ACPI the guests have
# no HPET or PM timer, and PIT calibration under TCG on a busy host often fails ("tsc: Marking
# TSC unstable due to could not calculate TSC khz"); every section then reads 0 or 4000 us.
# Under TCG the guest's TSC is the host's, so it runs at real time; the monotonic clock it is
# measured against follows the guest's timer ticks, which a starved vCPU can lose (measured:
# 2.30-2.39 GHz for a 2.30 GHz host TSC), so microseconds may read a few percent high.
E=$T/instances/ramster

tracer_on() {
	[ -e $T/current_tracer ] || mount -t tracefs nodev $T || return 1
	# No function tracer in the test kernel: the option may not exist.
	{ echo 0 > $T/options/function-trace; } 2>/dev/null
	echo 1 > $T/options/sym-offset || return 1
	echo x86-tsc > $T/trace_clock || return 1
	echo irqsoff > $T/current_tracer || return 1
	echo 1 > $T/tracing_on || return 1
	mkdir -p $E && echo 0 > $E/options/latency-format && echo x86-tsc > $E/trace_clock &&
		echo 16384 > $E/buffer_size_kb
}

# tsc_calibrate: TSC_KHZ, TSC cycles per millisecond, from the timestamps of two trace markers
# 3 s apart in two tracing instances, one clocked by the TSC and one by the monotonic clock.
tsc_calibrate() {
	[ -e $T/current_tracer ] || mount -t tracefs nodev $T || return 1
	for i in tsc mono; do
		mkdir -p $T/instances/$i && echo 0 > $T/instances/$i/options/latency-format || return 1
	done
	echo x86-tsc > $T/instances/tsc/trace_clock && echo mono > $T/instances/mono/trace_clock || return 1
	stamp() { echo "$1" > $T/instances/tsc/trace_marker; echo "$1" > $T/instances/mono/trace_marker; }
	stamp a; sleep 3; stamp b
	# The TSC's timestamps are cycles, the monotonic clock's seconds.microseconds.
	at() {
		sed -n "/: tracing_mark_write[^:]*: $2\$/{s/ *: tracing_mark_write.*//;s/.* //;p}" \
			$T/instances/$1/trace | tail -n 1 | tr -cd 0-9 | sed "s/^0*//"
	}
	cycles=$(($(at tsc b) - $(at tsc a)))
	us=$(($(at mono b) - $(at mono a)))
	[ "$us" -gt 0 ] 2>/dev/null || return 1
	TSC_KHZ=$((cycles * 1000 / us))
	echo "  TSC: $cycles cycles in $us us of the monotonic clock: $TSC_KHZ kHz" \
		"(clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource))"
	rmdir $T/instances/tsc $T/instances/mono
	[ "$TSC_KHZ" -gt 0 ]
}

# module_loaded: after each modprobe: saves the module's text range and symbols (to name its
# sites after an rmmod) and points the preemptirq events of instance E at that range.
module_loaded() {
	set -- $(awk '$1 == "ramster" { print $2, $6 }' /proc/modules)
	MOD_SIZE=$1; MOD_BASE=$2
	grep -E '^[0-9a-f]+ [tT] .*\[ramster\]' /proc/kallsyms | sort > /tmp/ramster.syms
	stext=$(awk '$3 == "_stext" { print $1; exit }' /proc/kallsyms)
	[ -n "$MOD_BASE" ] && [ -n "$stext" ] || return 1
	lo=$((MOD_BASE - 0x$stext))
	for ev in irq_disable irq_enable; do
		echo "caller_offs >= $lo && caller_offs < $((lo + MOD_SIZE))" \
			> $E/events/preemptirq/$ev/filter || return 1
		echo 1 > $E/events/preemptirq/$ev/enable || return 1
	done
}

# in_module ADDR: ADDR (0x...) is inside the text of the module as module_loaded saw it.
in_module() {
	[ -n "$MOD_BASE" ] && [ $(($1)) -ge $((MOD_BASE)) ] && [ $(($1)) -lt $((MOD_BASE + MOD_SIZE)) ]
}

# site NAME: a site as the trace names it; an address in the unloaded module's text gets its
# symbol back from the saved table (16-digit lowercase hex compares as text).
site() {
	case "$1" in
	0x*)
		if in_module "$1"; then
			set -- $(awk -v a="${1#0x}" '$1 <= a { b = $1; s = $3 } END { print a, b, s }' \
				/tmp/ramster.syms)
			printf '%s+0x%x [ramster, unloaded]\n' "$3" $((0x$1 - 0x$2))
		else
			echo "$1"
		fi
		;;
	*) echo "$1" ;;
	esac
}

irqsoff_reset() {
	echo 0 > $T/tracing_max_latency
	echo > $E/trace
	echo 1 > $E/tracing_on
}

# irqsoff_report WHAT PAGES: prints the longest section since irqsoff_reset (MAX microseconds,
# START, END) with the trace around it, and the module's own sections (MOD_MAX microseconds,
# the longest); PAGES: what the store held before WHAT.
irqsoff_report() {
	r_what=$1; r_pages=$2
	echo 0 > $E/tracing_on
	kcycles=$(cat $T/tracing_max_latency)
	MAX=$((kcycles * 1000000 / TSC_KHZ))
	cat $T/trace > /tmp/irqsoff.trace
	START=$(site "$(sed -n 's/^#  => started at: //p' /tmp/irqsoff.trace)")
	END=$(site "$(sed -n 's/^#  => ended at:   //p' /tmp/irqsoff.trace)")
	# The module's sections: each irq_disable of the module is followed by its irq_enable.
	set -- $(awk -v khz="$TSC_KHZ" '
		{
			for (i = 2; i <= NF; i++)
				if ($i == "irq_disable:" || $i == "irq_enable:") {
					t = $(i - 1); sub(/:$/, "", t)
					if ($i == "irq_disable:") { t0 = t; on = 1 }
					else if (on) {
						d = (t - t0) * 1000 / khz; n++; on = 0; sum += d
						if (d > m1) { m3 = m2; m2 = m1; m1 = d }
						else if (d > m2) { m3 = m2; m2 = d }
						else if (d > m3) m3 = d
						if (d >= 1000) over1++
						if (d >= 10000) over10++
					}
					break
				}
		}
		END { printf "%d %d %d %d %d %d %d\n", n, m1, m2, m3, over1, over10, sum }' $E/trace)
	MOD_N=$1; MOD_MAX=$2
	lost=$(sed -n 's/^overrun: //p' $E/per_cpu/cpu0/stats)
	echo "  irqsoff: $r_what: store held $r_pages pages"
	echo "  irqsoff:   longest section $MAX us ($kcycles kcycles), started at $START, ended at $END"
	echo "  irqsoff:   the module's $MOD_N sections: longest $MOD_MAX us, then $3 us and $4 us;" \
		"$5 of 1 ms or more, $6 of 10 ms or more; $7 us in all${lost:+ (overrun $lost)}"
	[ "$r_pages" -gt 0 ] 2>/dev/null &&
		echo "  irqsoff:   $((MOD_MAX * 1000 / r_pages)) ns a page of the store"
	grep -E '^#  => |^#    \| task|^ => ' /tmp/irqsoff.trace | while read -r arrow at; do
		echo "    $arrow $(site "$at")"
	done
}

# measure WHAT PAGES CMD...: runs CMD (its status in STATUS) and reports the sections.
measure() {
	m_what=$1; m_pages=$2; shift 2
	irqsoff_reset
	"$@"; STATUS=$?
	irqsoff_report "$m_what" "$m_pages"
}

# check_bound WHAT: the module's longest section (and the longest of all, the irqsoff tracer's,
# when it started or ended in the module: the same section) is below BOUND.
check_bound() {
	check_gt "$1: the module's interrupts-off sections are traced" "$MOD_N" 0
	longest=$MOD_MAX
	case "$START $END" in *"[ramster"*) [ "$MAX" -gt "$longest" ] && longest=$MAX ;; esac
	check_lt "$1: the module kept interrupts off for less than $BOUND us" "$longest" $BOUND
}

CG=/sys/fs/cgroup/work
# memcg MIB: a memory cgroup of MIB MiB, so that a workload swaps without being larger than RAM.
memcg() {
	{ [ -e /sys/fs/cgroup/cgroup.procs ] || mount -t cgroup2 none /sys/fs/cgroup; } &&
		echo +memory > /sys/fs/cgroup/cgroup.subtree_control && mkdir -p $CG &&
		echo $(($1 * MIB)) > $CG/memory.max
}
# in_cgroup CMD...: runs CMD in the memory cgroup.
in_cgroup() { sh -c "echo \$\$ > $CG/cgroup.procs && exec \"\$@\"" sh "$@"; }
# hold_in_cgroup MIB SEED MODE: as swap_hold (zcache.inc), in the memory cgroup.
hold_in_cgroup() {
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	in_cgroup swapstress "$1" "$2" --hold "$3" > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	wait_for 900 test -f /tmp/swapstress.filled
}

# Node 1 measures; node 0 only sends it pages for part 3, and stays idle while node 1 measures,
# so that the other VM's work does not add to the sections (the host has 2 cores).
write_conf ramster 7777 500 4000 6 500
PAGES=10000
# Node 1 tells node 0 it is ready to measure with a marker (ramster.inc).

if [ "$NODE" = 0 ]; then
	# ---- 3. (node 0's side) thousands of swap pages moved to node 1, then node 0 goes down ---
	# A small store (5% of RAM) fills soon, and remotify moves its frames to node 1.
	check "modprobe ramster mode=ramster max_pool_percent=5" \
		modprobe $MODULE mode=ramster max_pool_percent=5
	check "ramster-tools up" ramster-tools up --node alpha
	# Node 1 comes up once it has measured parts 1 and 2.
	check "the link to beta comes up" wait_for 1500 link_is "$CFS/ramster/node/beta" up
	check "swapon" swap_on
	check "a memory cgroup of 96 MiB" memcg 96
	# push_until_remote (ramster.inc) runs its extra workloads in the cgroup too.
	PUSH_WRAP=in_cgroup
	rm -f /tmp/swapstress.filled /tmp/swapstress.go
	in_cgroup swapstress 256 11 --hold --partial > /tmp/hold.out 2>&1 &
	HOLD_PID=$!
	check "more than $PAGES swap pages move to node 1" push_until_remote $PAGES
	echo "  remote_pers_pages = $(rc remote_pers_pages)"
	check "node 1 is ready to measure" wait_for 300 markers 1
	# Down for good: node 1 drops everything node 0 keeps there.
	check "cut the network" ip link set eth0 down
	check "node 1 is declared down" wait_for 120 sh -c "dmesg | grep -qF 'cluster: node 1 is down'"
	# Node 1 declares node 0 down within 3 s, drops its pages and measures: stay idle.
	sleep 20
	hold_finish "every page verified, those node 1 held read from the swap device"
	show_ramster
	check_eq "no page failed to decompress" 0 "$(zc corrupt_pages)"
	check "swapoff" swapoff /dev/vda
	check "ramster-tools down" ramster-tools down
	check "rmmod ramster" rmmod $MODULE
	finish
fi

check "the TSC's rate is measured" tsc_calibrate
check "irqsoff tracer" tracer_on
check_eq "the tracer is irqsoff" irqsoff "$(cat $T/current_tracer)"

# ---- baseline: the longest section of an idle kernel ------------------------------------------
measure "idle 5 s, no module" 0 sleep 5

# ---- 1. cleancache: a whole pool destroyed at umount (invalidate_fs -> destroy_pool) and at
#         unload (the backend's pools freed after cleancache is unregistered); then, as a
#         control, the same number of pages dropped 256 at a time (one file's flush_object) ----
# drop: evict the clean page cache; every folio read from the disk is put. `echo 1` only: 3 also
# runs the shrinkers, which empty the store.
drop() { sync; echo 1 > /proc/sys/vm/drop_caches; }
# 128 files of 1 MiB (256 pages each), file i written with stream sparse<i>: 32768 pages.
FILES=128
each_file() {
	i=1
	while [ $i -le $FILES ]; do
		hookfile "$1" /mnt/f$i sparse$i 0 $MIB > /dev/null || { echo "  /mnt/f$i: $1 failed"; return 1; }
		i=$((i + 1))
	done
}
# fill: reads every file from the disk (verified) and puts all of them in the store; the first
# four come back from the store, verified, and go back in.
fill() {
	drop
	check "read the files from the disk" each_file check
	drop
	found=$(zc gets_found)
	check "4 files read back from the store" sh -c \
		"for i in 1 2 3 4; do hookfile check /mnt/f\$i sparse\$i 0 $MIB > /dev/null || exit 1; done"
	check_gt "the store served them" $(($(zc gets_found) - found)) 0
	drop
	EPH=$(zc eph_zpages)
	check_gt "the store holds tens of thousands of cleancache pages" "$EPH" 20000
}
check "mkext4" mkext4 /dev/vda
check "mount ext4" mount -t ext4 /dev/vda /mnt
# 40% of RAM: room for every file (16384 frames, two pages each).
check "ramster loads (frontswap=N, max_pool_percent=40)" modprobe ramster frontswap=N max_pool_percent=40
check "trace the module's sections" module_loaded
check "write $FILES files of 1 MiB" each_file write
# Not checked against the bound: thousands of single-page sections, where a host that
# deschedules the vCPU for a while inside one of them makes it look long.
measure "read them (single-page puts and gets)" 0 fill
measure "umount (destroy_pool of the filesystem's pool)" "$EPH" umount /mnt
check "umount" test $STATUS = 0
check_bound "umount"
check_eq "umount dropped the filesystem's pages" 0 "$(zc eph_zpages)"
check "mount ext4 again" mount -t ext4 /dev/vda /mnt
fill
measure "rmmod with the filesystem mounted (its pool freed at unload)" "$EPH" rmmod ramster
check "rmmod ramster" test $STATUS = 0
check_bound "rmmod with a full cleancache pool"
dmesg_has "cleancache unregisters" "cleancache: backend zc_cleancache_ops [ramster] unregistered"
# Control: the files' pages leave the store one file (256 pages, one flush_object under one
# interrupts-off section) at a time when the files are removed: a walk in batches of 256 pages,
# which the bound must let through.
check "ramster loads again" modprobe ramster frontswap=N max_pool_percent=40
check "trace the module's sections" module_loaded
fill
measure "rm the files (control: flush_object of 256 pages each)" "$EPH" rm /mnt/f*
check "rm" test $STATUS = 0
check_bound "rm, 256 pages at a time"
check_eq "rm dropped the files' pages" 0 "$(zc eph_zpages)"
check "umount" umount /mnt
check "rmmod ramster" rmmod ramster

# ---- 2. unload with a full frontswap store (drain: walk, write back, then destroy) -------------
check "ramster loads" modprobe ramster
check "trace the module's sections" module_loaded
check "swapon" swap_on
check "a memory cgroup of 32 MiB" memcg 32
measure "a workload swaps into the store (single-page puts)" 0 hold_in_cgroup 384 6 --sparse
check "a workload swaps into the store and waits" test $STATUS = 0
show_zcache
held=$(mm_stat 4)
check_gt "the store holds tens of thousands of swap pages" "$held" 50000
measure "rmmod (drain and destroy the store)" "$held" rmmod ramster
check "rmmod ramster while it holds them" test $STATUS = 0
check_bound "rmmod with a full frontswap store"
dmesg_has "unload wrote them back" "swap pages back to their swap devices"
# The workload verifies its pages (now on the swap device) while part 3 runs.
touch /tmp/swapstress.go

# ---- 3. a peer's pages dropped when it goes down (drop_client) -------------------------------
# Only a server of node 0's pages: no frontswap or cleancache of its own, so the workload of
# part 2 swaps to the device and nothing of node 1's moves to node 0.
ramster_up beta frontswap=N cleancache=N
check "trace the module's sections" module_loaded
check "more than $PAGES of node 0's pages arrive" wait_for 1500 counter_above foreign_pers_pages $PAGES
gone() { [ "$(rc foreign_pers_pages)" = 0 ] && [ "$(rc foreign_eph_pages)" = 0 ]; }
held=$(($(rc foreign_pers_pages) + $(rc foreign_eph_pages)))
irqsoff_reset
check "tell node 0 to go" marker
check "node 0 goes down" wait_for 300 sh -c "[ \$(cat $CFS/ramster/node/alpha/link) != up ]"
check "node 0's pages are dropped" wait_for 60 gone
irqsoff_report "node 0 down (drop_client of node 0's store)" "$held"
dmesg_has "node 0's pages were freed" "pages node 0 kept here"
check_bound "drop_client"
check "ramster-tools down" ramster-tools down
check "rmmod ramster" rmmod $MODULE
hold_finish "every page of part 2 is intact after the unload"
check "swapoff" swapoff /dev/vda
finish
