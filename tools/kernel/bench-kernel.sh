#!/usr/bin/env bash
# Builds the benchmark kernel and prints the path of its build tree as the last line of stdout:
# the test kernel (tools/kernel/build.sh: same source, hook series and toolchain) with
# tools/kernel/bench.fragment merged over its configuration (no lockdep, no Rust debug
# assertions or overflow checks, no irqsoff tracer; zram with lz4). make bench boots it; make
# check boots the debug kernel.
#
# The tree lives beside the test kernel's, keyed by the test kernel's tree (whose name holds
# the hash of all its inputs), the fragment and this script:
#   $RAMSTER_CACHE/kernel/linux-6.12-bench-<key>
# It starts as a copy of the test kernel's patched sources (make mrproper drops the copied
# objects) and takes about 15 minutes to build on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
make_flags=(ARCH=x86_64 LLVM=-19)
fragment=$here/bench.fragment
export PATH="$HOME/.cargo/bin:$PATH"

log() { echo "bench-kernel: $*" >&2; }

base=$("$here/build.sh" | tail -n1)
key=$(
	{
		basename "$base"
		cat "$0" "$here/config.fragment" "$fragment"
	} | sha256sum | cut -c1-16
)
kernel_cache=$(dirname "$base")
tree="$kernel_cache/linux-6.12-bench-$key"

exec 9>"$kernel_cache/.lock-bench"
flock 9

if [ -f "$tree/.complete" ]; then
	log "cached build $tree"
	echo "$tree"
	exit 0
fi

log "building $(basename "$tree") from $(basename "$base"); log in $tree.tmp/build.log"
start=$(date +%s)
rm -rf "$kernel_cache"/linux-6.12-bench-????????????????.tmp
cp -a "$base" "$tree.tmp"
cd "$tree.tmp"
# Configured as build.sh configures the test kernel, with the fragment merged last (its lines
# win), so that what only the debugging options selected (lockdep's helpers) goes too.
{
	make "${make_flags[@]}" mrproper
	make "${make_flags[@]}" tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$here/config.fragment" "$fragment"
	make "${make_flags[@]}" olddefconfig
} > build.log 2>&1
"$here/check-config.sh" .config "$fragment"

if ! make "${make_flags[@]}" -j"$(( $(nproc) + 1 ))" bzImage modules >> build.log 2>&1; then
	tail -n 40 build.log >&2
	log "kernel build failed; full log in $tree.tmp/build.log"
	exit 1
fi
echo "$(( $(date +%s) - start ))" > .build-seconds
touch .complete
cd /
mv "$tree.tmp" "$tree"
log "built $(basename "$tree") in $(cat "$tree/.build-seconds") s"

# Keep the two newest trees; older ones only cost disk.
ls -1dt "$kernel_cache"/linux-6.12-bench-???????????????? 2>/dev/null | tail -n +3 | xargs -r rm -rf
echo "$tree"
