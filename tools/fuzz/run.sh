#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the frame decoder fuzz target for SECONDS (default 60) and exits non-zero on a crash.
#
#   tools/fuzz/run.sh [SECONDS]
#
# Installs cargo-fuzz (pinned) if it is missing. cargo-fuzz needs nightly compiler flags; the
# machine's stable toolchain accepts them with RUSTC_BOOTSTRAP=1, so no nightly is needed.
# The corpus lives in $RAMSTER_CACHE/fuzz-corpus (default ~/.cache/ramster/fuzz-corpus) so it
# grows across runs without entering the repository; crash inputs are written to
# tools/fuzz/artifacts/frame_decoder/ (ignored by git) and their names are printed.
set -eu

SECONDS_TO_RUN=${1:-60}
CARGO_FUZZ_VERSION=0.13.2
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${RAMSTER_CACHE:-$HOME/.cache/ramster}
CORPUS=$CACHE/fuzz-corpus/frame_decoder
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$CACHE/cargo-target}/fuzz

case $SECONDS_TO_RUN in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
	echo "installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
	cargo install --locked --version "$CARGO_FUZZ_VERSION" cargo-fuzz
fi

mkdir -p "$CORPUS"
cd "$HERE"
# -s none: no sanitizer. The target is safe Rust, and overflow and bounds checks are on (debug
# assertions), so a bug shows as a panic; ASan would only slow the search down.
# seeds/ (valid streams from make_seeds.py) is read; new inputs go to the cached corpus.
exec cargo fuzz run --fuzz-dir "$HERE" -s none --debug-assertions frame_decoder \
	"$CORPUS" "$HERE/seeds" -- \
	-max_total_time="$SECONDS_TO_RUN" -max_len=16384 -print_final_stats=1
