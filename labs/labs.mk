# SPDX-License-Identifier: GPL-2.0
#
# labs/labs.mk - the self-grading labs (docs/labs/), included by the Makefile.
#
#   make lab-N        the starter tree of lab N in build/labs/labN/: this
#                     repository with lab N's marked regions replaced by
#                     their stubs (labs/mkstarter; LABDIR= elsewhere)
#   make grade LAB=N  build, run the host-simulator tests, then boot the
#                     fast kernel once and run lab N's tests: "lab N: X/Y
#                     points" (labs/grade).  In a starter tree LAB defaults
#                     to the tree's own lab.
#
# The project's own build and tests always use the solution: the markers
# are comments, and the code between them is the real code.

LAB_PROGS := $(GUEST)/labs/only_vm $(GUEST)/labs/only_syscall \
	     $(GUEST)/labs/exits_by_reason $(GUEST)/labs/checkpoint_check $(GUEST)/labs/race_check \
	     $(GUEST)/labs/attacks $(GUEST)/labs/attack_check \
	     $(GUEST)/labs/flip_at_entry $(GUEST)/labs/toctou_check

.PHONY: lab-programs grade
lab-programs: $(LAB_PROGS)

lab-%:
	labs/mkstarter $* $(if $(LABDIR),$(LABDIR),$(BUILD)/labs/lab$*)

grade:
	labs/grade $(LAB)

# The suites once more, each with tests/labs/only.h's main() (a test filter).
$(GUEST)/labs/only_vm: tests/labs/only_vm.c tests/labs/only.h tests/kmod/dune_vm_test.c \
		tests/kmod/testlib.h tests/kmod/testlib.c tests/kmod/guestlib.h \
		tests/kmod/guestlib.c kmod/uapi/linux/dune.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -static -o $@ $< tests/kmod/testlib.c tests/kmod/guestlib.c

$(GUEST)/labs/only_syscall: $(GUEST)/labs/only_%: tests/labs/only_%.c \
		tests/labs/only.h $(wildcard tests/libdune/*.c) tests/libdune/dune_child.h \
		$(LIBDUNE_A) $(LIBDUNE_HDRS) kmod/uapi/linux/dune.h $(KSELFTEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -isystem $(BUILD)/kselftest -I$(CURDIR)/libdune \
		-static -pthread -o $@ $< $(LIBDUNE_A)

# Lab 1's measurement: exits by reason of cpuid, hlt, mov from CR8, a forwarded getppid.
$(GUEST)/labs/exits_by_reason: tests/labs/exits_by_reason.c tests/kmod/guestlib.h \
		tests/kmod/guestlib.c kmod/uapi/linux/dune.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -static -o $@ $< tests/kmod/guestlib.c

# Lab 7's check of samples/checkpoint, lab 6's race (by chance, and won
# every time), lab 8's attacks: TAP.
$(GUEST)/labs/checkpoint_check $(GUEST)/labs/race_check $(GUEST)/labs/toctou_check \
		$(GUEST)/labs/attack_check: $(GUEST)/labs/%: tests/labs/%
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# Lab 6's deterministic attacker: flips hostile_copy's iovec at the entry
# of each forwarded call, on a seccomp user notification (tests/sandbox/progs/flip.h).
$(GUEST)/labs/flip_at_entry: tests/labs/flip_at_entry.c tests/sandbox/progs/flip.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -static -o $@ $<

# Lab 8's attacks (the student's), static: dune-sandbox's program.
$(GUEST)/labs/attacks: tests/labs/attacks.c kmod/uapi/linux/dune.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wextra -static -o $@ $<

# Lab 8's weakened sandbox: this tree with labs/lab8-weak.patch applied, in
# a copy (build/labs/weak-tree), built there; only the grader runs it
# (tests/labs/attack_check), from the guest's labs/weak/.
WEAK_TREE := $(BUILD)/labs/weak-tree
$(GUEST)/labs/weak/dune-sandbox: labs/lab8-weak.patch $(SANDBOX_SRCS) samples/sandbox/main.c \
		$(wildcard samples/sandbox/*.h) $(wildcard libdune/*.[chS]) libdune/libdune.mk
	rm -rf $(WEAK_TREE)
	mkdir -p $(WEAK_TREE)
	tar -C $(CURDIR) --exclude=./build --exclude=./.git -cf - . | tar -C $(WEAK_TREE) -xf -
	patch -s -d $(WEAK_TREE) -p1 <labs/lab8-weak.patch
	$(MAKE) -s -C $(WEAK_TREE) BUILD=$(WEAK_TREE)/build $(WEAK_TREE)/build/bin/dune-sandbox
	@mkdir -p $(dir $@)
	install -m 0755 $(WEAK_TREE)/build/bin/dune-sandbox $@
