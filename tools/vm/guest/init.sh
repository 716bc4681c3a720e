#!/bin/busybox sh
# PID 1 of a test node: mounts the kernel filesystems, brings up the link to the other node,
# runs the scenario named on the kernel command line (scenario=NAME; a scenario, a demo or a
# benchmark script), prints its result and
# ends the VM (reboot -f; QEMU runs with -no-reboot).
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mount -t debugfs debugfs /sys/kernel/debug
/bin/busybox mount -t configfs configfs /sys/kernel/config
export PATH=/usr/bin:/bin
export HOME=/root

cmdline_value() {
	for word in $(cat /proc/cmdline); do
		case "$word" in "$1="*) echo "${word#*=}"; return ;; esac
	done
}
NODE=$(cmdline_value node)
NODES=$(cmdline_value nodes)
SCENARIO=$(cmdline_value scenario)
export NODE NODES SCENARIO

ip link set lo up
if [ "${NODES:-1}" -gt 1 ]; then
	ip link set eth0 up
	ip addr add "169.254.0.$((NODE + 1))/16" dev eth0
fi

echo "RAMSTER-NODE: node $NODE of $NODES, scenario $SCENARIO, kernel $(uname -r)"
script=/scenarios/$SCENARIO.sh
[ -f "$script" ] || script=/demo/$SCENARIO.sh
[ -f "$script" ] || script=/bench/$SCENARIO.sh
if [ -f "$script" ]; then
	sh "$script"
	status=$?
	if [ "$status" = 0 ]; then
		echo "RAMSTER-SCENARIO: PASS"
	else
		echo "RAMSTER-SCENARIO: FAIL ($status failed checks)"
	fi
else
	echo "RAMSTER-SCENARIO: FAIL (no scenario named '$SCENARIO')"
fi
sync
reboot -f
