#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The build dkms.conf runs: tools/dkms-make.sh KERNEL_SOURCE_DIR KERNELRELEASE [clean].
# ramster.ko builds with the toolchain its kernel was built with, LLVM=-19 (clang-19, ld.lld-19).
# DKMS appends "CC=clang LD=ld.lld" to the make command of a clang-built kernel; Debian's
# clang-19 has no unversioned clang, so those words are ignored here rather than passed to make.
set -eu
kdir=$1
release=$2
target=modules
[ "${3:-}" = clean ] && target=clean
exec make -C "$kdir" M="$(cd "$(dirname "$0")/.." && pwd)" KERNELRELEASE="$release" LLVM=-19 "$target"
