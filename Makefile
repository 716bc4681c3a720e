# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of ramster.ko and the project's commands.
#
#   make                 build ramster.ko against KDIR (default: the cached test kernel,
#                        built first if needed by tools/kernel/build.sh)
#   make KDIR=/path      build against any Rust-enabled 6.12 kernel build tree
#   make check           host tests, lints, then every VM scenario; ends "N passed, N failed"
#   make demo           boot the two-node test cluster and show ramster on both nodes
#   make bench          benchmarks (not tests): zcache vs zswap vs disk swap, lz4_flex vs C LZ4,
#                       in-kernel messaging vs userspace TCP, tmem on the host; prints tables
#   make clean

LLVM ?= -19
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CARGO_TARGET_DIR ?= $(or $(RAMSTER_CACHE),$(HOME)/.cache/ramster)/cargo-target

ifeq ($(KDIR),)
KDIR = $(shell tools/kernel/build.sh | tail -n1)
endif

.PHONY: all modules clippy clean check demo bench

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) modules

# The same build with clippy-driver in place of rustc (the kernel's CLIPPY=1).
clippy:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) CLIPPY=1 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) clean

check:
	python3 tools/check.py

demo:
	python3 tools/demo.py

bench:
	python3 tools/bench/run.py
