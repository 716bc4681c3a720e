# Helpers the scenarios source. Each check prints "ok - WHAT" or "not ok - WHAT"; a scenario
# ends with `finish`, whose exit status is the number of failed checks.
FAILED=0
MODULE=ramster
PARAMS=/sys/module/$MODULE/parameters

# Each result ends with the guest's uptime in brackets: where a slow scenario spends its time.
pass() { read -r up _ < /proc/uptime; echo "ok - $* [${up} s]"; }
fail() { read -r up _ < /proc/uptime; echo "not ok - $* [${up} s]"; FAILED=$((FAILED + 1)); }

# check WHAT CMD...: CMD must succeed.
check() {
	what=$1; shift
	if "$@"; then pass "$what"; else fail "$what (command: $*)"; fi
}

# check_fails WHAT CMD...: CMD must fail.
check_fails() {
	what=$1; shift
	if "$@"; then fail "$what (command succeeded: $*)"; else pass "$what"; fi
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}

# dmesg_has WHAT TEXT: the kernel log contains TEXT (a fixed string).
dmesg_has() {
	if dmesg | grep -qF -- "$2"; then pass "$1"; else fail "$1 (no '$2' in dmesg)"; fi
}

# as_nobody 'SHELL COMMAND': runs it as user nobody (uid and gid 65534, no other group; busybox
# su with the image's /etc/passwd); its exit status.
as_nobody() { su -s /bin/sh -c "$1" nobody; }

loaded() { [ -d /sys/module/$MODULE ]; }
param() { cat "$PARAMS/$1"; }

# wait_for SECONDS CMD...: retries CMD once a second until it succeeds or time runs out.
wait_for() {
	tries=$1; shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 1
		tries=$((tries - 1))
	done
	return 1
}

finish() {
	echo "checks failed: $FAILED"
	# Let the last packets to the peer leave before this node's VM ends.
	[ "${NODES:-1}" -gt 1 ] && sleep 2
	exit "$FAILED"
}
