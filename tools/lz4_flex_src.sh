#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Prints the path of lz4_flex's src/lib.rs, the crate that ramster.ko compiles
# into its own rlib (see Kbuild). The version is the one Cargo.lock pins; cargo
# fetches it into its registry cache if it is not there yet, so no lz4_flex
# source is kept in this repository.
set -e
cd "$(dirname "$0")/.."
PATH="$HOME/.cargo/bin:$PATH"
meta() {
	cargo metadata --locked --format-version 1 "$@" 2>/dev/null
}
json=$(meta --offline) || { cargo fetch --locked >&2 && json=$(meta); } || {
	echo "lz4_flex_src.sh: cargo metadata failed in $PWD" >&2
	exit 1
}
printf '%s' "$json" | python3 -c '
import json, os, sys
pkgs = [p for p in json.load(sys.stdin)["packages"] if p["name"] == "lz4_flex"]
if len(pkgs) != 1:
    sys.exit("lz4_flex_src.sh: expected one lz4_flex package in Cargo.lock")
print(os.path.join(os.path.dirname(pkgs[0]["manifest_path"]), "src", "lib.rs"))
'
