#!/usr/bin/env bash
# Usage: install-deps.sh [DEBIAN_PACKAGE...]
#
# Installs what the test kernel, the packaged kernel (package.sh), the module and the VM harness
# need, only when missing, and the Debian packages named (make bench: python3-matplotlib).
# Debian packages with --no-install-recommends, rustup's rust-src, and a pinned bindgen-cli.
set -euo pipefail

BINDGEN_VERSION=0.73.2
DEBS=(linux-source-6.12 clang-19 lld-19 llvm-19 libclang-19-dev flex bison bc libelf-dev
      libssl-dev dwarves cpio qemu-system-x86 busybox-static xz-utils patch e2fsprogs
      python3-sphinx dkms systemd linux-config-6.12 debhelper rsync "$@")

missing=()
for p in "${DEBS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	rustup component add rust-src
fi

if ! command -v bindgen >/dev/null || [ "$(bindgen --version | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
	echo "install-deps: installing bindgen-cli $BINDGEN_VERSION (takes a few minutes)"
	cargo install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION"
fi
