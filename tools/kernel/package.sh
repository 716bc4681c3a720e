#!/usr/bin/env bash
# Usage: package.sh [--config-only] [OUTDIR]
#
# Builds installable Debian packages (make bindeb-pkg) of the 6.12 kernel with the hook series of
# tools/kernel/patches (and the packaging fix of deb-patches/), for a real machine: Debian's own
# amd64 configuration (linux-config-6.12) with tools/kernel/distro.fragment on top (Rust on,
# MODVERSIONS off, the hooks, what ramster.ko uses, LOCALVERSION -ramster), built with clang 19
# (ARCH=x86_64 LLVM=-19) as build.sh builds the test kernel. The .deb files (linux-image,
# linux-headers, linux-libc-dev) are moved to OUTDIR (default: the current directory).
# Documentation/install.rst, "A patched kernel".
#
#   --config-only  unpack, apply the series, configure and check the configuration, then stop
#                  (what make check runs; 20 to 90 s)
#
# The tree lives in a cache outside the repository, keyed by a hash of every input (the Debian
# source and config package versions, the series, the fragment, these scripts, the toolchain):
#   $RAMSTER_CACHE/kernel-deb/config-<key>            --config-only (made afresh every time)
#   $RAMSTER_CACHE/kernel-deb/linux-6.12-deb-<key>/src the full build (kept: an interrupted build
#                                                      resumes, and it is a KDIR for ramster.ko)
#   RAMSTER_CACHE  cache root (default ~/.cache/ramster)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${RAMSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ramster}
make_flags=(ARCH=x86_64 LLVM=-19)
# No -dbg package: the debug copies of Debian's ~4000 modules cost disk and packing time; the
# image keeps BTF (CONFIG_DEBUG_INFO_BTF) for BPF tools.
dpkg_flags="-Ppkg.linux-upstream.nokerneldbg"
debian_config=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
fragment=$here/distro.fragment
export PATH="$HOME/.cargo/bin:$PATH"

log() { echo "kernel-deb: $*" >&2; }
usage() { sed -n '2s/^# //p' "$0"; }

config_only=0
outdir=
while [ $# -gt 0 ]; do
	case "$1" in
	--config-only) config_only=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) [ -z "$outdir" ] || { usage >&2; exit 2; }; outdir=$1 ;;
	esac
	shift
done
if [ "$config_only" = 0 ]; then
	outdir=$(mkdir -p "${outdir:-.}" && cd "${outdir:-.}" && pwd)
fi

"$here/install-deps.sh" >&2

[ -f "$debian_config" ] || { log "no $debian_config (package linux-config-6.12)"; exit 1; }
shopt -s nullglob
# The hook series, then the packaging fixes (deb-patches/: the Rust crates' metadata in
# linux-headers, so out-of-tree Rust modules build against the headers package).
patches=("$here"/patches/*.patch "$here"/deb-patches/*.patch)
shopt -u nullglob

src_version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
cfg_version=$(dpkg-query -W -f='${Version}' linux-config-6.12)
key=$(
	{
		echo "linux-source-6.12 $src_version linux-config-6.12 $cfg_version"
		rustc --version
		clang-19 --version | head -n1
		bindgen --version
		pahole --version
		cat "$0" "$fragment" "$here/check-config.sh"
		for p in "${patches[@]}"; do echo "patch ${p#"$here"/}"; cat "$p"; done
	} | sha256sum | cut -c1-16
)
deb_cache="$cache_root/kernel-deb"
mkdir -p "$deb_cache"

# A fresh tree in $1: the source, the series, Debian's configuration with the fragment merged,
# olddefconfig, and the check that every option of the fragment is in .config.
prepare() {
	local tree=$1 p
	rm -rf "$tree"
	mkdir -p "$tree"
	cd "$tree"
	tar -xf /usr/src/linux-source-6.12.tar.xz --strip-components=1
	for p in "${patches[@]}"; do
		log "applying ${p#"$here"/}"
		if ! patch -p1 --forward --batch --quiet < "$p" >> patch.log 2>&1; then
			cat patch.log >&2
			log "patch ${p#"$here"/} does not apply to linux-source-6.12 $src_version"
			exit 1
		fi
	done
	xz -dc "$debian_config" > .config
	log "configuring: Debian's $(basename "$debian_config") ($cfg_version) + $(basename "$fragment")"
	{
		scripts/kconfig/merge_config.sh -m .config "$fragment"
		make "${make_flags[@]}" olddefconfig
	} > config.log 2>&1 || {
		tail -n 20 config.log >&2
		log "configuration failed; log in $tree/config.log"
		exit 1
	}
	if ! "$here/check-config.sh" .config "$fragment"; then
		if ! grep -qx 'CONFIG_RUST=y' .config; then
			log "why Rust is off (make rustavailable):"
			make "${make_flags[@]}" rustavailable >&2 || true
		fi
		log "$(basename "$fragment") not fully applied; tree in $tree (config.log)"
		exit 1
	fi
	touch .configured
}

if [ "$config_only" = 1 ]; then
	exec 9>"$deb_cache/.lock-config"
	flock 9
	tree="$deb_cache/config-$key"
	# Only the newest configuration tree is kept (each is 1.7 GB of source).
	find "$deb_cache" -mindepth 1 -maxdepth 1 -name 'config-*' ! -name "config-$key" \
		-exec rm -rf {} +
	start=$(date +%s)
	prepare "$tree"
	release=$(make -s "${make_flags[@]}" kernelrelease)
	log "configured in $(( $(date +%s) - start )) s, release $release"
	log "tree: $tree"
	log ".config: $tree/.config"
	exit 0
fi

name="linux-6.12-deb-$key"
dir="$deb_cache/$name"
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
# Keep the two newest full builds (this one included); older ones only cost disk.
ls -1dt "$deb_cache"/linux-6.12-deb-???????????????? | { grep -vxF "$dir" || true; } | tail -n +2 |
	while IFS= read -r old; do rm -rf "$old" "$old.lock"; done

start=$(date +%s)
run="from scratch"
if [ -f "$dir/src/.configured" ]; then
	log "resuming the build in $dir/src"
	run="resumed"
else
	prepare "$dir/src"
fi
cd "$dir/src"
release=$(make -s "${make_flags[@]}" kernelrelease)
jobs=$(nproc)
log "building packages of $release with $jobs jobs; log in $dir/src/build.log"
rm -f "$dir"/*.deb "$dir"/*.buildinfo "$dir"/*.changes
if ! make "${make_flags[@]}" -j"$jobs" DPKG_FLAGS="$dpkg_flags" bindeb-pkg > build.log 2>&1; then
	tail -n 40 build.log >&2
	log "package build failed; full log in $dir/src/build.log (run again to resume)"
	exit 1
fi
seconds=$(( $(date +%s) - start ))
echo "$seconds" > .build-seconds
touch .complete
shopt -s nullglob
debs=("$dir"/*.deb)
shopt -u nullglob
[ ${#debs[@]} -gt 0 ] || { log "bindeb-pkg made no .deb in $dir"; exit 1; }
mv -f "${debs[@]}" "$outdir"/
rm -f "$dir"/*.buildinfo "$dir"/*.changes
log "built $release in $seconds s ($(( seconds / 60 )) min, $run); packages in $outdir:"
for d in "${debs[@]}"; do echo "$outdir/$(basename "$d")"; done
log "build tree (a KDIR for ramster.ko against this kernel): $dir/src"
