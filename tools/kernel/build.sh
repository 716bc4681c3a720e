#!/usr/bin/env bash
# Builds the Rust-enabled 6.12 test kernel and prints the path of its build tree (the KDIR that
# out-of-tree modules build against) as the last line of stdout.
#
# The tree lives in a cache outside the repository, keyed by a hash of every input: the Debian
# linux-source package version, the patch series, the config fragment, this script and the
# toolchain versions. A warm call costs seconds; a change to any input builds a new tree.
#
#   RAMSTER_CACHE  cache root (default ~/.cache/ramster)
#   FLAVOR         extra fragment tools/kernel/<FLAVOR>.fragment merged last (e.g. kasan)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${RAMSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ramster}
flavor=${FLAVOR:-}
make_flags=(ARCH=x86_64 LLVM=-19)
export PATH="$HOME/.cargo/bin:$PATH"

log() { echo "kernel: $*" >&2; }

"$here/install-deps.sh" >&2

fragments=("$here/config.fragment")
if [ -n "$flavor" ]; then
	[ -f "$here/$flavor.fragment" ] || { log "no fragment $here/$flavor.fragment"; exit 1; }
	fragments+=("$here/$flavor.fragment")
fi
shopt -s nullglob
patches=("$here"/patches/*.patch)
shopt -u nullglob

src_version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(
	{
		echo "linux-source-6.12 $src_version"
		rustc --version
		clang-19 --version | head -n1
		bindgen --version
		cat "$0" "${fragments[@]}"
		for p in "${patches[@]}"; do echo "patch $(basename "$p")"; cat "$p"; done
	} | sha256sum | cut -c1-16
)
kernel_cache="$cache_root/kernel"
name="linux-6.12${flavor:+-$flavor}-$key"
tree="$kernel_cache/$name"
mkdir -p "$kernel_cache"

# One build per flavor at a time; other flavors may build alongside.
exec 9>"$kernel_cache/.lock-${flavor:-default}"
flock 9

if [ -f "$tree/.complete" ]; then
	log "cached build $tree"
	echo "$tree"
	exit 0
fi

log "building $name (linux-source-6.12 $src_version); log in $tree.tmp/build.log"
start=$(date +%s)
# A .tmp tree is an unfinished or failed build of this flavor (kept for reading its log until
# the next build).
rm -rf "$kernel_cache"/linux-6.12${flavor:+-$flavor}-????????????????.tmp
mkdir -p "$tree.tmp"
cd "$tree.tmp"
tar -xf /usr/src/linux-source-6.12.tar.xz --strip-components=1

for p in "${patches[@]}"; do
	log "applying $(basename "$p")"
	patch -p1 --quiet --forward < "$p"
done

{
	make "${make_flags[@]}" tinyconfig
	scripts/kconfig/merge_config.sh -m .config "${fragments[@]}"
	make "${make_flags[@]}" olddefconfig
} > build.log 2>&1

# merge_config.sh only warns when an option cannot be set; a test kernel that
# silently lost lockdep or Rust would be worse than no kernel, so check each one.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	if ! grep -qxF "$want" .config; then
		opt=${want#\# }; opt=${opt%%[= ]*}
		if [[ "$want" == "# "* ]] && ! grep -q "^$opt=" .config; then continue; fi
		log "config option not applied: $want (have: $(grep -E "^(# )?$opt[= ]" .config || echo unset))"
		missing=1
	fi
done < <(cat "${fragments[@]}")
[ "$missing" = 0 ] || { log "config fragment not fully applied"; exit 1; }

jobs=$(( $(nproc) + 1 ))
if ! make "${make_flags[@]}" -j"$jobs" bzImage modules >> build.log 2>&1; then
	tail -n 40 build.log >&2
	log "kernel build failed; full log in $tree.tmp/build.log"
	exit 1
fi
echo "$(( $(date +%s) - start ))" > .build-seconds
touch .complete
cd /
mv "$tree.tmp" "$tree"
log "built $name in $(cat "$tree/.build-seconds") s"

# Keep the two newest trees per flavor; older ones only cost disk.
ls -1dt "$kernel_cache"/linux-6.12${flavor:+-$flavor}-???????????????? 2>/dev/null | tail -n +3 | xargs -r rm -rf
echo "$tree"
