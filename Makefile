# SPDX-License-Identifier: GPL-2.0
#
# Top-level Makefile.
#
#   make                 build dune.ko (against KDIR) and the user-space parts
#   make libdune         only build/libdune/libdune.a
#   make W=1             ... with the kernel's extra warnings
#   make check           run every test: host tests, build checks, and the
#                        suites inside the emulated VMX machine (tools/vm/run)
#   make demo            boot the emulated VMX machine: dune.ko at work, then the sandbox
#   make bench           the benchmarks (bench/): in the emulated machine, or
#                        natively where /dev/dune exists; table on stdout,
#                        JSON and chart in build/bench/ (tools/bench-run)
#   make corpus-cost     real programs natively, in the sandbox, under dune-trace,
#                        strace -f and a seccomp-notify supervisor: ticks, VM
#                        exits (bench/corpus-cost, tools/corpus-cost)
#   make fuzz            the fuzzers (tests/fuzz) on the fuzz kernel in the emulated
#                        machine: ioctl fuzzer, chunk/notifier races, lifecycle,
#                        allocation-failure injection; figures and dune.ko gcov
#                        coverage in build/fuzz/fuzz-<seed>.json (tools/fuzz-run;
#                        SEED=, OPS=, KASAN=1 for the fuzz kernel with KASAN);
#                        its short mode is make check's dune_fuzz_test suite
#   make checkpatch      the kernel's checkpatch.pl over kmod/
#   make tools           only what a user runs: dune-sandbox, dune-trace, libdune
#   make install         dune-sandbox, dune-trace, policies, man pages, libdune
#                        (headers in $(PREFIX)/include/libdune, libdune.a, libdune.so,
#                        libdune.pc), the udev rule and the dune group
#                        (PREFIX=/usr/local, DESTDIR for staging); make uninstall
#   make modules_install dune.ko into /lib/modules/KVER/updates for KDIR's kernel
#   make dkms            dune.ko under DKMS (dkms.conf) for every installed kernel
#                        (packaging/install.mk; debian/ builds the Debian packages)
#   make lab-N       lab N's starter tree; make grade LAB=N grades it (labs/labs.mk)
#   make clean
#
# KDIR is the kernel build tree to compile the module against.  It defaults
# to the running kernel's (/lib/modules/$(uname -r)/build); where that does
# not exist (a build machine or container without the running kernel's
# headers) it falls back to the newest installed Debian headers package.
# For the emulated machine, tests pick KDIR themselves from tools/vm/kernel.

KERNEL_RUNNING_BUILD := /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard $(KERNEL_RUNNING_BUILD)/Makefile),)
    KDIR := $(KERNEL_RUNNING_BUILD)
  else
    KDIR := $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
    $(info note: no headers for the running kernel; building against $(KDIR))
  endif
endif

# The release: dkms.conf's PACKAGE_VERSION and debian/changelog's say the same.
VERSION := 0.1

BUILD   := $(CURDIR)/build
GUEST   := $(BUILD)/guest
CC      ?= cc
CFLAGS  ?= -O2 -g
USER_CFLAGS := $(CFLAGS) -Wall -Werror=implicit-function-declaration \
	       -I$(CURDIR)/kmod/uapi -I$(BUILD)/kselftest -D_GNU_SOURCE

KSELFTEST_HDRS := $(BUILD)/kselftest/kselftest.h $(BUILD)/kselftest/kselftest_harness.h

GUEST_TESTS := $(patsubst tests/kmod/%.c,$(GUEST)/tests/%,$(wildcard tests/kmod/*_test.c))
GUEST_SCRIPTS := $(GUEST)/tests/run-guest-tests
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/*_test.c))
LIBDUNE_TESTS := $(patsubst tests/libdune/%.c,$(GUEST)/tests/%,$(wildcard tests/libdune/*_test.c))
LIBDUNE_SIM := $(BUILD)/host/libdune_sim_test
# The Dune-mode suite once more, as a dynamically linked PIE: glibc's loader,
# shared libraries, and text near 0x555555554000 (far above MAXPHYADDR);
# and once more against libdune.so (found through $ORIGIN/../lib).
LIBDUNE_DYN_TESTS := $(GUEST)/tests/dune_mode_dyn_test $(GUEST)/tests/dune_mode_so_test
# Programs written only from the original Dune's documentation and headers
# (tests/orig), as their users build them: "libdune/dune.h" from the source
# tree, -Wall, libdune.a; hello also against libdune.so.  Run by
# dune_orig_test.
ORIG_PROGS := $(patsubst tests/orig/%.c,$(GUEST)/tests/orig/%,$(wildcard tests/orig/*.c)) \
	      $(GUEST)/tests/orig/hello-shared

.PHONY: all module user guest-tests host-tests samples bench bench-build corpus-cost check demo checkpatch docs \
	clean install fuzz fuzz-tests uninstall

all: module user

# libdune.a (after "all", so that "all" stays the default goal)
include libdune/libdune.mk
include packaging/install.mk
# the labs: make lab-N, make grade LAB=N (docs/labs/)
include labs/labs.mk

# A KDIR inside a build environment of tools/kbuild-env (a chroot of the
# kernel's Debian release, for 6.12 and 7.x: their kbuild tools need their
# own glibc and gcc) is built in there; the chroot's root holds a stamp
# naming its suite.
KBUILD_ROOT := $(shell d='$(KDIR)'; while [ -n "$$d" ] && [ "$$d" != / ] && [ "$$d" != . ]; do \
	[ -f "$$d/.dune-kbuild-env" ] && { echo "$$d"; break; }; d=$$(dirname "$$d"); done)
ifneq ($(KBUILD_ROOT),)
  KBUILD := $(CURDIR)/tools/kbuild-env $(shell cat $(KBUILD_ROOT)/.dune-kbuild-env) run \
	    make -C $(patsubst $(KBUILD_ROOT)%,%,$(KDIR)) $(if $(W),W=$(W))
else
  KBUILD := $(MAKE) -C $(KDIR)
endif

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || \
		{ echo "KDIR not found: install linux-headers-$$(uname -r) or set KDIR=" >&2; exit 1; }
	$(KBUILD) M=$(CURDIR) modules

user: libdune guest-tests host-tests samples bench-build

# Samples: dynamically linked programs, staged for the emulated machine.
# dune-sandbox and dune-trace: the same sources, each with its own main
# (main.c, tracer.c).  They are tools, not guest things: they land in
# build/bin/ and their example policies in build/share/dune/policies/, the
# layout "make install" gives them under PREFIX (tools/vm/run puts both
# under /opt/dune/ in the emulated machine).
SANDBOX_SRCS := $(filter-out samples/sandbox/main.c samples/sandbox/tracer.c,\
		$(wildcard samples/sandbox/*.c))
SANDBOX_POLICIES := $(patsubst samples/sandbox/policies/%,$(BUILD)/share/dune/policies/%,\
		    $(wildcard samples/sandbox/policies/*.policy))
C_SAMPLES := $(GUEST)/samples/hello $(GUEST)/samples/checkpoint
# The book's programs (docs/), static, as a reader builds them (chapter 6).
TEACH_SAMPLES := $(patsubst samples/teach/%.c,$(GUEST)/samples/teach/%,$(wildcard samples/teach/*.c))
SAMPLES := $(C_SAMPLES) $(TEACH_SAMPLES) $(BUILD)/bin/dune-sandbox $(BUILD)/bin/dune-trace \
	   $(SANDBOX_POLICIES)

samples: $(SAMPLES)

# dune-sandbox: a PIE (its text near 0x55..., far from the program windows).
$(BUILD)/bin/dune-sandbox: samples/sandbox/main.c
$(BUILD)/bin/dune-trace: samples/sandbox/tracer.c
$(BUILD)/bin/dune-sandbox $(BUILD)/bin/dune-trace: $(SANDBOX_SRCS) $(wildcard samples/sandbox/*.h) \
		$(LIBDUNE_A) $(LIBDUNE_HDRS) $(BUILD)/sandbox/sysnames.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -I$(CURDIR)/libdune -I$(BUILD)/sandbox \
		-DDUNE_VERSION='"$(DUNE_VERSION)"' -pie -fPIE -pthread -o $@ \
		$(filter %.c,$^) $(LIBDUNE_A)

# Every x86-64 system call name, from the kernel's own list (the uapi
# header linux-libc-dev installs): SYSNAME(name, number) per line, for the
# policy language (samples/sandbox/sysnames.c).
DUNE_VERSION ?= $(VERSION)
UNISTD_64 := $(firstword $(wildcard /usr/include/x86_64-linux-gnu/asm/unistd_64.h \
		/usr/include/asm/unistd_64.h))
$(BUILD)/sandbox/sysnames.h: $(UNISTD_64)
	@test -n "$(UNISTD_64)" || { echo "no asm/unistd_64.h: install linux-libc-dev" >&2; exit 1; }
	@mkdir -p $(dir $@)
	sed -n 's/^#define __NR_\([a-z0-9_]*\)[[:space:]]\+\([0-9]\+\)$$/SYSNAME(\1, \2)/p' \
		$< >$@.tmp
	@test -s $@.tmp && mv $@.tmp $@

$(BUILD)/share/dune/policies/%: samples/sandbox/policies/%
	@mkdir -p $(dir $@)
	cp $< $@

$(TEACH_SAMPLES): $(GUEST)/samples/teach/%: samples/teach/%.c $(LIBDUNE_A) $(LIBDUNE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wall -Wextra -Werror=implicit-function-declaration -static \
		-I$(CURDIR) -I$(CURDIR)/kmod/uapi -o $@ $< $(LIBDUNE_A)

# samples/NAME/NAME.c -> $(GUEST)/samples/NAME
.SECONDEXPANSION:
$(C_SAMPLES): $(GUEST)/samples/%: samples/$$*/$$*.c $(LIBDUNE_A) $(LIBDUNE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -I$(CURDIR)/libdune -o $@ $< $(LIBDUNE_A)

guest-tests: $(GUEST_TESTS) $(LIBDUNE_TESTS) $(LIBDUNE_DYN_TESTS) $(ORIG_PROGS) $(GUEST_SCRIPTS) \
	     $(GUEST)/tests/dune_spin \
	     sandbox-tests fuzz-tests

# The fuzzers (tests/fuzz): one static program per tests/fuzz/dune_*.c, each
# linked with the shared pieces (the other .c files there), and the suite
# script that runs them briefly in `make check` (dune_fuzz_test).
FUZZ_MAINS := $(wildcard tests/fuzz/dune_*.c)
FUZZ_COMMON := $(filter-out $(FUZZ_MAINS),$(wildcard tests/fuzz/*.c)) tests/kmod/testlib.c \
	       tests/kmod/guestlib.c
FUZZ_PROGS := $(patsubst tests/fuzz/%.c,$(GUEST)/tests/fuzz/%,$(FUZZ_MAINS))

fuzz-tests: $(FUZZ_PROGS) $(GUEST)/tests/dune_fuzz_test $(GUEST)/tests/fuzz/fuzz-all

$(GUEST)/tests/fuzz/fuzz-all: tests/fuzz/fuzz-all
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# dune_fuzz's ops, one file per kind, in tests/fuzz/ioctl/ (FUZZ_EXTRA_dune_fuzz).
FUZZ_EXTRA_dune_fuzz := $(wildcard tests/fuzz/ioctl/*.c)
$(GUEST)/tests/fuzz/dune_fuzz: $(FUZZ_EXTRA_dune_fuzz) $(wildcard tests/fuzz/ioctl/*.h)

$(GUEST)/tests/fuzz/%: tests/fuzz/%.c $(FUZZ_COMMON) $(wildcard tests/fuzz/*.h) \
		tests/kmod/testlib.h tests/kmod/guestlib.h kmod/uapi/linux/dune.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -Wno-missing-field-initializers -Itests/kmod -Itests/fuzz \
		-static -pthread -o $@ $< $(FUZZ_COMMON) $(FUZZ_EXTRA_$*)

$(GUEST)/tests/dune_fuzz_test: tests/fuzz/dune_fuzz_test
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

fuzz:
	tools/fuzz-run

# The sandbox's suites (tests/sandbox): shell scripts printing TAP, the
# programs they run in the sandbox (static, and one dynamic), and Debian's
# own dynamically linked programs (tools/vm/run copies their libraries).
SANDBOX_PROGS := $(patsubst tests/sandbox/progs/%.c,$(GUEST)/tests/sandbox/%,\
		 $(wildcard tests/sandbox/progs/*.c)) $(GUEST)/tests/sandbox/hello_dyn
SANDBOX_SUITES := $(patsubst tests/sandbox/%,$(GUEST)/tests/%,$(wildcard tests/sandbox/*_test))
SANDBOX_DEBIAN := ls cat sort md5sum sha256sum wc head tail tr seq gzip tar grep sed find \
		  diff base64 cut uniq xargs od echo true mawk
SANDBOX_DEBIAN_BINS := $(addprefix $(GUEST)/debian/,$(SANDBOX_DEBIAN))

SANDBOX_PROFILES := $(patsubst tests/sandbox/profiles/%,$(GUEST)/tests/sandbox/profiles/%,\
		    $(wildcard tests/sandbox/profiles/*.json))

.PHONY: sandbox-tests guest-strace
sandbox-tests: $(SANDBOX_PROGS) $(SANDBOX_SUITES) $(SANDBOX_DEBIAN_BINS) $(SANDBOX_PROFILES) \
	       samples guest-strace $(GUEST)/tests/sandbox/race-trials corpus

# seccomp profiles for dune_sandbox_policy_test (--seccomp-profile)
$(GUEST)/tests/sandbox/profiles/%: tests/sandbox/profiles/%
	@mkdir -p $(dir $@)
	cp $< $@

# race-trials: not a suite, the race attacks trial by trial (docs/sandbox.md)
$(GUEST)/tests/sandbox/race-trials: tests/sandbox/race-trials
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# strace, perf and trace-cmd, if the host has them (tools/setup installs
# them), for dune_trace_test: dune-trace next to strace, dune.ko's
# tracepoints with perf and trace-cmd (that suite fails without them;
# dune_sandbox_test skips its strace comparison).
GUEST_TOOLS := strace perf trace-cmd
guest-strace:
	@mkdir -p $(GUEST)/debian && for t in $(GUEST_TOOLS); do \
		if [ -x /usr/bin/$$t ]; then cp -L -u /usr/bin/$$t $(GUEST)/debian/$$t; fi; done

$(GUEST)/tests/sandbox/%: tests/sandbox/progs/%.c tests/sandbox/progs/race.h \
		tests/sandbox/progs/flip.h tests/sandbox/progs/checks.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -static -pthread -o $@ $<

$(GUEST)/tests/sandbox/hello_dyn: tests/sandbox/progs/hello.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -o $@ $<

$(GUEST)/tests/%_test: tests/sandbox/%_test
	@mkdir -p $(dir $@)
	cp $< $@

$(GUEST)/debian/%:
	@mkdir -p $(dir $@)
	cp -L /usr/bin/$* $@

# ---- dune_corpus_test: real programs natively, in the sandbox, in Dune mode ----
# libdune-preload.so (samples/preload) puts an unmodified dynamic program in
# plain Dune mode before main; self-contained: libdune's objects linked in.
# The corpus's inputs go to tests/corpus/; what its programs need from the
# host's Debian packages (binaries, the parts of their library trees they
# use) is traced and staged by tests/sandbox/corpus-stage into build/corpus,
# a tree the runs with the suite add to the guest (--add build/corpus:/):
# kept out of build/guest so that other boots do not carry its ~80 MB.
CORPUS := $(BUILD)/corpus
CORPUS_SRCS := $(shell find tests/sandbox/corpus -type f)
CORPUS_GUEST := $(patsubst tests/sandbox/corpus/%,$(GUEST)/tests/corpus/%,$(CORPUS_SRCS))
PRELOAD_SO := $(GUEST)/lib/libdune-preload.so

.PHONY: corpus
corpus: $(CORPUS)/.staged $(CORPUS_GUEST) $(PRELOAD_SO)

$(PRELOAD_SO): samples/preload/dune_preload.c $(LIBDUNE_A) $(LIBDUNE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -I$(CURDIR)/libdune -shared -fPIC -Wl,-z,now \
		-Wl,-z,noexecstack -o $@ $< $(LIBDUNE_OBJS)

$(GUEST)/tests/corpus/%: tests/sandbox/corpus/%
	@mkdir -p $(dir $@)
	cp $< $@

$(CORPUS)/.staged: tests/sandbox/corpus-stage $(CORPUS_SRCS)
	tests/sandbox/corpus-stage $(CORPUS)
	@touch $@

# The benchmark (bench/): one static program, the static binary its
# fork+exec row runs, and the script that starts it in the guest.
BENCH_SRCS := bench/bench.c bench/native.c bench/dune.c bench/intercept.c bench/sandbox.c
BENCH_BINS := $(GUEST)/bench/bench $(GUEST)/bench/bench-nop $(GUEST)/bench/run-bench \
	      $(GUEST)/bench/notify_run $(GUEST)/bench/corpus-cost

bench-build: $(BENCH_BINS)

$(GUEST)/bench/bench: $(BENCH_SRCS) bench/bench.h $(LIBDUNE_A) $(LIBDUNE_HDRS) kmod/uapi/linux/dune.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -I$(CURDIR)/libdune -static -pthread -o $@ \
		$(BENCH_SRCS) $(LIBDUNE_A)

$(GUEST)/bench/bench-nop: bench/nop.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -static -o $@ $<

$(GUEST)/bench/run-bench: bench/run-bench
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# The seccomp-notify supervisor that bench/corpus-cost compares with.
$(GUEST)/bench/notify_run: bench/notify_run.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -static -o $@ $<

$(GUEST)/bench/corpus-cost: bench/corpus-cost
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

bench: $(BENCH_BINS)
	tools/bench-run

# Real programs, five ways (bench/corpus-cost): docs/performance.md's table.
corpus-cost: $(BENCH_BINS)
	tools/corpus-cost

host-tests: $(HOST_TESTS) $(LIBDUNE_SIM)

# dune-sandbox's policy language and seccomp-profile import, natively: the
# sandbox's own policy files compiled in (tests/host/sandbox_policy_test.c).
SANDBOX_POLICY_SRCS := $(addprefix samples/sandbox/,policy.c sysnames.c groups.c json.c seccomp.c)
$(BUILD)/host/sandbox_policy_test: tests/host/sandbox_policy_test.c $(SANDBOX_POLICY_SRCS) \
		$(wildcard samples/sandbox/*.h) $(BUILD)/sandbox/sysnames.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -isystem $(BUILD)/kselftest -I$(CURDIR)/libdune \
		-I$(CURDIR)/samples/sandbox -I$(BUILD)/sandbox -o $@ $< $(SANDBOX_POLICY_SRCS)

# The supervisor's host seccomp filter (hostfilter.c): its two layouts
# against each other and the installed one against this kernel
# (tests/host/hostfilter_test.c); the whole sandbox linked in, main() the test's.
$(BUILD)/host/hostfilter_test: tests/host/hostfilter_test.c $(SANDBOX_SRCS) \
		$(wildcard samples/sandbox/*.h) $(LIBDUNE_A) $(LIBDUNE_HDRS) \
		$(BUILD)/sandbox/sysnames.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -isystem $(BUILD)/kselftest -I$(CURDIR)/libdune \
		-I$(CURDIR)/samples/sandbox -I$(BUILD)/sandbox \
		-DPOLICY_DIR='"$(CURDIR)/samples/sandbox/policies"' -DDUNE_VERSION='"$(DUNE_VERSION)"' \
		-pthread -o $@ $(filter %.c,$^) $(LIBDUNE_A)

$(KSELFTEST_HDRS):
	tools/linux-source-files $(BUILD)/kselftest \
		tools/testing/selftests/kselftest.h \
		tools/testing/selftests/kselftest_harness.h

# Tests run inside the emulated machine: link them statically so the guest
# needs no shared libraries.
$(GUEST)/tests/%: tests/kmod/%.c tests/kmod/testlib.h tests/kmod/testlib.c tests/kmod/guestlib.h \
		tests/kmod/guestlib.c kmod/uapi/linux/dune.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -static -o $@ $< tests/kmod/testlib.c tests/kmod/guestlib.c

# The libdune suites: programs that enter Dune mode, linked statically
# with libdune.a, warning-free with -Wextra (the kselftest harness itself is
# not, hence -isystem for it).
$(LIBDUNE_TESTS): $(GUEST)/tests/%: tests/libdune/%.c tests/libdune/dune_child.h \
		$(LIBDUNE_A) $(LIBDUNE_HDRS) kmod/uapi/linux/dune.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -isystem $(BUILD)/kselftest -I$(CURDIR)/libdune \
		-static -pthread -o $@ $< $(LIBDUNE_A)

# A helper of dune_coexist_test (not a suite): spins in Dune mode.
$(GUEST)/tests/dune_spin: tests/libdune/dune_spin.c $(LIBDUNE_A) $(LIBDUNE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -I$(CURDIR)/libdune -static -pthread -o $@ $< $(LIBDUNE_A)

$(GUEST)/tests/orig/%: tests/orig/%.c $(LIBDUNE_A) $(LIBDUNE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wall -I$(CURDIR) -static -pthread -o $@ $< $(LIBDUNE_A)

$(GUEST)/tests/orig/hello-shared: tests/orig/hello.c $(GUEST)/lib/libdune.so.0 $(LIBDUNE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wall -I$(CURDIR) -o $@ $< -L$(BUILD)/libdune -l:libdune.so \
		-Wl,-rpath,'$$ORIGIN/../../lib'

$(GUEST)/lib/libdune.so.0: $(LIBDUNE_SO)
	@mkdir -p $(dir $@)
	cp $(LIBDUNE_SO) $@

$(GUEST)/tests/dune_mode_so_test: tests/libdune/dune_mode_test.c tests/libdune/dune_child.h \
		$(GUEST)/lib/libdune.so.0 $(LIBDUNE_HDRS) kmod/uapi/linux/dune.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -isystem $(BUILD)/kselftest -I$(CURDIR)/libdune \
		-pie -fPIE -pthread -o $@ $< -L$(BUILD)/libdune -l:libdune.so \
		-Wl,-rpath,'$$ORIGIN/../lib'

$(GUEST)/tests/dune_mode_dyn_test: tests/libdune/dune_mode_test.c tests/libdune/dune_child.h \
		$(LIBDUNE_A) $(LIBDUNE_HDRS) kmod/uapi/linux/dune.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -isystem $(BUILD)/kselftest -I$(CURDIR)/libdune \
		-pie -fPIE -pthread -o $@ $< $(LIBDUNE_A)

# libdune against a simulated dune.ko, natively: it compiles libdune's C
# files itself (with a fake ioctl) and links the assembly and the formatter.
$(LIBDUNE_SIM): tests/libdune/host_sim.c $(LIBDUNE_A) $(LIBDUNE_HDRS) $(wildcard libdune/*.c) \
		kmod/uapi/linux/dune.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -isystem $(BUILD)/kselftest -I$(CURDIR)/libdune \
		-fno-stack-protector -o $@ $< $(BUILD)/libdune/entry.S.o $(BUILD)/libdune/printf.c.o \
		$(BUILD)/libdune/trap.c.o \
		$(BUILD)/libdune/page.c.o $(BUILD)/libdune/vm.c.o

# libdune's original-Dune API pieces that need no Dune mode (headers,
# procmap, ELF), natively: linked dynamically with libdune.a, so that libc
# shows up in /proc/self/maps.
$(BUILD)/host/libdune_api_test: tests/host/libdune_api_test.c $(LIBDUNE_A) $(LIBDUNE_HDRS) \
		$(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -isystem $(BUILD)/kselftest -I$(CURDIR)/libdune \
		-DLIBDUNE_SRCDIR='"$(CURDIR)"' -o $@ $< $(LIBDUNE_A)

# Host-side unit tests: no VMX needed.
$(BUILD)/host/%: tests/host/%.c kmod/uapi/linux/dune.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(GUEST)/tests/run-guest-tests: tests/kmod/run-guest-tests
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# The book against the code (tools/docs/check.py, tests/host/docs_test.sh):
# run the chapters' programs in the emulated machine (tools/docs/outputs.sh,
# one boot), then splice the recorded outputs, the program listings and the
# figures of docs/performance.json into the chapters, and check.
# DOCS_OFFLINE=1 splices what is recorded, without a run.
docs:
	$(if $(DOCS_OFFLINE),,tools/docs/outputs.sh)
	python3 tools/docs/check.py --fix >/dev/null || true
	python3 tools/docs/check.py

check:
	tests/run

demo:
	tools/demo

checkpatch:
	tools/checkpatch

clean:
	-$(KBUILD) M=$(CURDIR) clean
	rm -rf $(BUILD)
