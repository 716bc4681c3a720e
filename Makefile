# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of ramster.ko and the project's commands.
#
#   make                 build ramster.ko against KDIR (default: the cached test kernel,
#                        built first if needed by tools/kernel/build.sh)
#   make KDIR=/path      build against any Rust-enabled 6.12 kernel build tree
#   make check           host tests, lints, then every VM scenario; ends "N passed, N failed"
#   make demo           boot the two-node test cluster and show ramster on both nodes
#   make bench          benchmarks (not tests) on the benchmark kernel (tools/kernel/bench-kernel.sh):
#                       swap and memcached behind disk swap, zswap, zram, zcache and ramster, a
#                       cleancache re-read (RAMSTER_BENCH_RUNS rounds), lz4_flex vs C LZ4,
#                       in-kernel messaging vs userspace TCP, host benchmarks; tables and a chart
#   make install         ramster.ko (modules_install, into extra/), ramster-tools, its manual
#                        page and shell completions; DESTDIR and PREFIX (default /usr/local)
#   make dkms-add        the sources (git HEAD) into /usr/src/ramster-VERSION, added to DKMS
#                        (then: dkms build/install ramster/VERSION; see Documentation/install.rst)
#   make kernel-debs     Debian packages (bindeb-pkg) of the patched 6.12 kernel for a real
#                        machine, into DEBDIR (default: the current directory); a long build
#                        (tools/kernel/package.sh, Documentation/install.rst)
#   make clean

LLVM ?= -19
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CARGO_TARGET_DIR ?= $(or $(RAMSTER_CACHE),$(HOME)/.cache/ramster)/cargo-target

ifeq ($(KDIR),)
KDIR = $(shell tools/kernel/build.sh | tail -n1)
endif

# The version DKMS and the tools carry: the workspace's.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all modules clippy clean check demo bench install install-module install-tools \
	install-service dkms-add kernel-debs

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) modules

# The same build with clippy-driver in place of rustc (the kernel's CLIPPY=1).
clippy:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) CLIPPY=1 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) clean

install: install-module install-tools install-service

# modules_install puts ramster.ko under $(DESTDIR)/lib/modules/<release>/extra/ and runs depmod
# there.
install-module: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra modules_install

TOOLS_BIN = $(CARGO_TARGET_DIR)/release/ramster-tools
install-tools:
	cargo build --release --locked -p ramster-tools
	install -D -m 0755 $(TOOLS_BIN) $(DESTDIR)$(PREFIX)/sbin/ramster-tools
	install -D -m 0644 tools/ramster-tools/ramster-tools.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/ramster-tools.8
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(TOOLS_BIN) completions bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ramster-tools
	$(TOOLS_BIN) completions zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ramster-tools
	$(TOOLS_BIN) completions fish > \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ramster-tools.fish

# The service (Documentation/install.rst): the script both the systemd unit and the init script
# run, and their settings in /etc/default/ramster (kept if it exists).
SYSTEMD_UNIT_DIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
install-service:
	install -D -m 0755 tools/service/ramster-service $(DESTDIR)$(PREFIX)/lib/ramster/ramster-service
	install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)/etc/init.d
	sed 's|@LIBDIR@|$(PREFIX)/lib|g' tools/service/ramster.service.in > \
		$(DESTDIR)$(SYSTEMD_UNIT_DIR)/ramster.service
	sed 's|@LIBDIR@|$(PREFIX)/lib|g' tools/service/ramster.init.in > $(DESTDIR)/etc/init.d/ramster
	chmod 0755 $(DESTDIR)/etc/init.d/ramster
	[ -e $(DESTDIR)/etc/default/ramster ] || \
		install -D -m 0644 tools/service/ramster.default $(DESTDIR)/etc/default/ramster

# DKMS builds from /usr/src/ramster-$(VERSION): the committed sources (git archive of HEAD).
dkms-add:
	rm -rf $(DESTDIR)/usr/src/ramster-$(VERSION)
	install -d $(DESTDIR)/usr/src
	git archive --prefix=ramster-$(VERSION)/ HEAD | tar -x -C $(DESTDIR)/usr/src
	dkms add ramster/$(VERSION)

# The patched kernel as installable packages: Debian's configuration, Rust, the hook series.
DEBDIR ?= $(CURDIR)
kernel-debs:
	tools/kernel/package.sh $(DEBDIR)

check:
	python3 tools/check.py

demo:
	python3 tools/demo.py

bench:
	python3 tools/bench/run.py
