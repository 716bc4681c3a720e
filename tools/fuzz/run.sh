#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs fuzz targets for SECONDS each (default 60) and exits non-zero if any crashed.
#
#   tools/fuzz/run.sh [SECONDS [TARGET...]]
#
# With no TARGET, every target in fuzz_targets/ runs, one after the other: frame_decoder (the
# wire decoder, handshake and connection), frame_mac, peer (connection with heartbeat), waiters
# and foreign (the foreign-page server); each file's header says what it checks. One line
# `PASS fuzz TARGET` or `FAIL fuzz TARGET` per target ends the output.
#
# Installs cargo-fuzz (pinned) if it is missing. cargo-fuzz needs nightly compiler flags; the
# machine's stable toolchain accepts them with RUSTC_BOOTSTRAP=1, so no nightly is needed.
# Each target's corpus lives in $RAMSTER_CACHE/fuzz-corpus/TARGET (default
# ~/.cache/ramster/fuzz-corpus/TARGET) so it grows across runs without entering the repository;
# its seeds, if any, are read from seeds/TARGET/. Crash inputs are written to
# tools/fuzz/artifacts/TARGET/ (ignored by git) and their names are printed; replay one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tools/fuzz -s none --debug-assertions TARGET FILE
set -eu

SECONDS_TO_RUN=${1:-60}
[ $# -gt 0 ] && shift
CARGO_FUZZ_VERSION=0.13.2
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${RAMSTER_CACHE:-$HOME/.cache/ramster}
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$CACHE/cargo-target}/fuzz

case $SECONDS_TO_RUN in
''|*[!0-9]*) echo "usage: $0 [SECONDS [TARGET...]]" >&2; exit 2 ;;
esac

ALL=$(cd "$HERE/fuzz_targets" && ls -- *.rs | sed 's/\.rs$//')
TARGETS=${*:-$ALL}
for target in $TARGETS; do
	if [ ! -f "$HERE/fuzz_targets/$target.rs" ]; then
		echo "$0: no fuzz target '$target' (targets: $(echo $ALL))" >&2
		exit 2
	fi
done

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
	echo "installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
	cargo install --locked --version "$CARGO_FUZZ_VERSION" cargo-fuzz
fi

cd "$HERE"
# -s none: no sanitizer. The targets are safe Rust, and overflow and bounds checks are on (debug
# assertions), so a bug shows as a panic; ASan would only slow the search down.
FUZZ_FLAGS="--fuzz-dir $HERE -s none --debug-assertions"
# The dependencies are the ones in Cargo.lock: fails if it would have to change.
cargo fetch --locked --manifest-path "$HERE/Cargo.toml"
# One build of every target first, so that a compile error fails at once and each run's time is
# spent fuzzing.
# shellcheck disable=SC2086
cargo fuzz build $FUZZ_FLAGS

failed=""
summary=""
for target in $TARGETS; do
	corpus=$CACHE/fuzz-corpus/$target
	mkdir -p "$corpus"
	seeds=""
	[ -d "$HERE/seeds/$target" ] && seeds="$HERE/seeds/$target"
	echo "=== fuzz $target for $SECONDS_TO_RUN s (corpus $corpus)" >&2
	# The cached corpus is written to; seeds/TARGET (valid inputs, see make_seeds.py) is read.
	# shellcheck disable=SC2086
	if cargo fuzz run $FUZZ_FLAGS "$target" "$corpus" $seeds -- \
		-max_total_time="$SECONDS_TO_RUN" -max_len=16384 -print_final_stats=1; then
		summary="$summary
PASS fuzz $target: $SECONDS_TO_RUN s without a crash"
	else
		failed="$failed $target"
		summary="$summary
FAIL fuzz $target: crash inputs in $HERE/artifacts/$target/: $(ls "$HERE/artifacts/$target" 2>/dev/null | tr '\n' ' ')"
	fi
done
echo "$summary" | sed '/^$/d'
[ -z "$failed" ]
