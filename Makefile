# SPDX-License-Identifier: GPL-2.0
#
# GICv5 IRS emulation for KVM/arm64: a patch series on Linux 7.3.
#
#   make          install what is missing, fetch the base, assemble the tree,
#                 cross-build the arm64 Image and the KVM selftests
#   make check    every test layer; ends with "check: N passed, N failed"
#
# See README.md for the other targets.

SHELL      := /bin/bash
TOP        := $(abspath .)
B          := $(TOP)/build
P          := $(TOP)/pipeline
TREE       := $(B)/linux
KOUT       := $(B)/kout
KST        := $(B)/kselftest
RES        := $(B)/results
ARCHFLAGS  := ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
JOBS       ?= $(shell nproc)
KMAKE      := $(MAKE) -s -C $(TREE) O=$(KOUT) $(ARCHFLAGS) -j$(JOBS)
QEMU11     := $(B)/qemu11-root
BUSYBOX    := $(B)/dl/busybox-static.deb
# W=1 for the whole Image keeps one set of object files for the Image and
# for the static layer's W=1 build of arch/arm64/kvm and drivers/irqchip.
KFLAGS     := W=1
# Long steps say what they do and, when they took 5 s or more, how long.
TIMED      := $(P)/timed.sh
# The cross gcc runs through ccache, which build/ccache-bin puts first in
# PATH under the compiler's own name: kbuild's command lines stay the same,
# and the static layer's builds at each prefix of the series take from the
# cache every object whose sources are as 'make' built them.
CCACHE_BIN := $(B)/ccache-bin
export PATH := $(CCACHE_BIN):$(PATH)
export CCACHE_DIR := $(B)/ccache
export CCACHE_MAXSIZE := 5G
export CCACHE_SLOPPINESS := include_file_mtime,include_file_ctime

.PHONY: all deps base assemble export kernel selftests series tools \
	check check-static check-harness check-boot-v3 check-boot-v5 \
	harness bench soak fuzz fresh-check clean distclean

all: kernel selftests tools

deps:
	@$(TIMED) deps $(P)/deps.sh

$(B)/apt/.updated: | deps
	@mkdir -p $(B)/apt
	@echo "apt: reading the trixie, trixie-backports and sid package lists"
	@$(TIMED) apt -l $(B)/apt-update.log $(P)/apt-extra.sh $(B)/apt update || \
		{ cat $(B)/apt-update.log; exit 1; }
	@touch $@

base: $(B)/apt/.updated
	@$(TIMED) fetch-base $(P)/fetch-base.sh $(B)

# Always re-run: overlay.py compares a fingerprint of the repository with
# what the tree was assembled from, and does nothing when they match.
assemble: base
	@$(TIMED) assemble python3 $(P)/overlay.py assemble $(TOP) $(B)/base/linux $(TREE)

# Turn commits made in build/linux back into patches/ and overlay files.
export:
	@python3 $(P)/overlay.py export $(TOP) $(TREE)

$(CCACHE_BIN)/aarch64-linux-gnu-gcc: | deps
	@mkdir -p $(CCACHE_BIN)
	@ln -sf /usr/bin/ccache $@

$(KOUT)/.config: $(P)/test-kernel.config | assemble $(CCACHE_BIN)/aarch64-linux-gnu-gcc
	@mkdir -p $(KOUT)
	@$(KMAKE) allnoconfig > /dev/null
	@cd $(TREE) && scripts/kconfig/merge_config.sh -m -O $(KOUT) \
		$(KOUT)/.config $(P)/test-kernel.config > /dev/null
	@$(KMAKE) olddefconfig > /dev/null
	@for c in KVM ARM_GIC_V3 ARM_GIC_V5 KUNIT PROVE_LOCKING; do \
		grep -q "^CONFIG_$$c=y" $@ || { echo "config: CONFIG_$$c is not y"; exit 1; }; \
	done

kernel: assemble $(KOUT)/.config | $(CCACHE_BIN)/aarch64-linux-gnu-gcc
	@echo "kernel: building Image, W=1 -j$(JOBS) (from scratch: about 5 min on 2 cores)"
	@$(TIMED) kernel -e $(B)/kernel-warnings.log $(KMAKE) $(KFLAGS) Image || \
		{ tail -30 $(B)/kernel-warnings.log; exit 1; }
	@ls -la $(KOUT)/arch/arm64/boot/Image | awk '{print "kernel: Image " $$5 " bytes"}'

$(KOUT)/usr/include/linux/kvm.h: kernel
	@$(TIMED) headers_install -o /dev/null $(KMAKE) headers_install

selftests: $(KOUT)/usr/include/linux/kvm.h
	@echo "selftests: building the KVM selftests"
	@mkdir -p $(KST)
	@$(TIMED) selftests -l $(B)/selftests.log \
		$(MAKE) -s -C $(TREE)/tools/testing/selftests/kvm $(ARCHFLAGS) -j$(JOBS) \
		LDFLAGS=-static KHDR_INCLUDES="-isystem $(KOUT)/usr/include" \
		OUTPUT=$(KST) || \
		{ grep -E 'error|Error' $(B)/selftests.log | head -30; exit 1; }
	@touch $(KST)/.built

# The boot targets need the selftests but must not re-run the kernel and
# selftest makes that 'make all' already ran: depend on the stamp.
$(KST)/.built:
	@$(MAKE) -s selftests

# A git format-patch series with a cover letter, in build/series.
series: assemble
	@rm -rf $(B)/series
	@git -C $(TREE) format-patch -q --cover-letter --base=base -o $(B)/series base..HEAD
	@python3 $(P)/cover-letter.py $(P)/cover-letter.txt $(B)/series/0000-cover-letter.patch
	@ls $(B)/series | sed 's/^/series: /'

tools: deps $(B)/apt/.updated $(BUSYBOX)
	@$(TIMED) sparse -o /dev/null $(P)/sparse.sh $(B)/sparse $(B)/apt
	@$(TIMED) qemu11 $(P)/qemu11.sh $(QEMU11) $(B)/apt

$(BUSYBOX): | $(B)/apt/.updated
	@mkdir -p $(B)/dl
	@cd $(B)/dl && $(P)/apt-extra.sh $(B)/apt download busybox-static:arm64 2>&1 | \
		grep -v '^W:' ; mv busybox-static_*_arm64.deb $(BUSYBOX)

$(B)/initramfs.cpio.gz: $(P)/init $(P)/selftests.list $(P)/initramfs.sh $(KST)/.built $(BUSYBOX)
	@$(P)/initramfs.sh $@ $(BUSYBOX) $(KST) $(P)/selftests.list

# ---------------------------------------------------------------- tests

# The harness runs beside the QEMU boots, which keep one core busy, at a
# lower priority; the static layer, which checks out every prefix in the
# tree and rebuilds the Image the boots run, comes last.
check:
	@mkdir -p $(RES); rm -f $(RES)/*.res
	@start=$$(date +%s); rc=0; \
	$(MAKE) -s all || rc=1; \
	if [ $$rc = 0 ]; then \
		nice -n 10 $(MAKE) -s check-harness & harness=$$!; \
		$(MAKE) -s check-boot-v3 || rc=1; \
		$(MAKE) -s check-boot-v5 || rc=1; \
		wait $$harness || rc=1; \
		$(MAKE) -s check-static || rc=1; \
	else \
		echo "FAIL build (make all)" > $(RES)/build.res; \
	fi; \
	python3 $(P)/summary.py $(RES) $$(( $$(date +%s) - start )) || rc=1; \
	exit $$rc

# The model's own tests, then the harness (driver code against the model),
# then the KVM selftests built on the harness, then the harness's threaded
# tests again under ThreadSanitizer.
check-harness: assemble
	@mkdir -p $(RES)
	@rc=0; : > $(RES)/harness.res; \
	for s in model harness selftests tsan; do \
		d=$(TREE)/tools/testing/vgic-v5; [ $$s = model ] && d=$$d/model; \
		t=check; [ $$s = tsan ] && t=tsan; [ $$s = selftests ] && t=check-selftests; \
		$(MAKE) -s -j$(JOBS) -C $$d $$t > $(RES)/$$s.log 2>&1 || rc=1; \
		grep -E '^(not ok|# FAIL)' $(RES)/$$s.log | head -40; \
		python3 $(P)/tap-results.py $(RES)/$$s.log $$s >> $(RES)/harness.res; \
		echo "$$s: $$(tail -1 $(RES)/$$s.log)"; \
	done; exit $$rc

check-static: series tools | $(CCACHE_BIN)/aarch64-linux-gnu-gcc
	@mkdir -p $(RES)
	@$(P)/static-check.sh $(B) $(RES)/static.res

check-boot-v3: $(B)/initramfs.cpio.gz
	@mkdir -p $(RES)
	@python3 $(P)/boot-test.py v3 $(RES)/boot-v3.res $(RES)/boot-v3.log 1500 \
		$(P)/selftests.list -- \
		qemu-system-aarch64 -M virt,gic-version=3,virtualization=on -cpu max \
		-smp 2 -m 2G -nographic -no-reboot -nic none -kernel $(KOUT)/arch/arm64/boot/Image \
		-initrd $(B)/initramfs.cpio.gz \
		-append "console=ttyAMA0 panic=-1 vt.mode=v3 vt.timeout=600"

check-boot-v5: $(B)/initramfs.cpio.gz
	@mkdir -p $(RES)
	@python3 $(P)/boot-test.py v5 $(RES)/boot-v5.res $(RES)/boot-v5.log 300 \
		$(P)/selftests.list -- \
		$(P)/qemu11-run.sh $(QEMU11) -M virt,gic-version=x-5 -cpu max \
		-smp 2 -m 1G -nographic -no-reboot -nic none -kernel $(KOUT)/arch/arm64/boot/Image \
		-initrd $(B)/initramfs.cpio.gz \
		-append "console=ttyAMA0 panic=-1 vt.mode=v5"

# The userland harness alone: needs the base tree, no cross toolchain and
# no kernel build.
harness: assemble
	@$(MAKE) -s -C $(TREE)/tools/testing/vgic-v5/model check
	@$(MAKE) -s -C $(TREE)/tools/testing/vgic-v5 check
	@$(MAKE) -s -C $(TREE)/tools/testing/vgic-v5 check-selftests

bench: assemble
	@$(MAKE) -s -C $(TREE)/tools/testing/vgic-v5 bench

# The harness's soak test for SOAK_SECONDS (default 120) under ThreadSanitizer.
soak: assemble
	@$(MAKE) -s -C $(TREE)/tools/testing/vgic-v5 soak $(if $(SOAK_SECONDS),SOAK_SECONDS=$(SOAK_SECONDS))

# The harness's libFuzzer target for FUZZ_SECONDS (default 300), with clang
# and libFuzzer's runtime from Debian packages (installed if missing). A
# finding's reproducer lands in the tree's tools/testing/vgic-v5/fuzz/crashes/.
fuzz: assemble
	@$(MAKE) -s -C $(TREE)/tools/testing/vgic-v5 fuzz $(if $(FUZZ_SECONDS),FUZZ_SECONDS=$(FUZZ_SECONDS))

# The README's two commands on a fresh Debian 12 system: a minimal bookworm
# root made with debootstrap under build/fresh-root, a clean clone of this
# repository's HEAD in it, then 'make' and 'make check' inside it as root.
# About an hour on 2 cores; not part of 'make check'.
fresh-check: deps
	@$(P)/fresh-check.sh $(B) $(TOP)

clean:
	rm -rf $(KOUT) $(KST) $(RES) $(B)/series $(B)/static $(B)/initramfs.cpio.gz

distclean:
	rm -rf $(B)
