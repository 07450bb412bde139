// SPDX-License-Identifier: GPL-2.0
/*
 * ops_run.c - DUNE_RUN with random registers and guest code, and DUNE_GET_EXIT_STATS (fuzzer.h).
 */
#include <string.h>
#include <sys/ioctl.h>

#include "guestcode.h"
#include "hoststate.h"

#include "fuzzer.h"

static void arm_timer(struct thread *t)
{
	struct itimerspec its = { .it_value = { 0, RUN_TIMEOUT_NS } };

	timer_settime(t->timer, 0, &its, NULL);
}

static void disarm_timer(struct thread *t)
{
	struct itimerspec its = { 0 };

	timer_settime(t->timer, 0, &its, NULL);
}

/*
 * DUNE_RUN_F_EXCEPTION: a vector, the error-code flag, an error code and
 * CR2, usually near the valid ones, sometimes anything.  exception_bad()
 * says whether the ABI (kmod/uapi/linux/dune.h) must refuse them - the
 * fuzzer's own model, written from the SDM, not from vcpu_event.c: the
 * exceptions an IA-32e CPU raises (Table 6-1) minus NMI, 9, #MC, #VE and
 * #CP (DUNE_CAP_RUN_EXCEPTION_CP is 0 in the emulated machine; where it
 * is 1 the model calls #CP bad and may report a false alarm there), the
 * error code exactly for 8, 10-14 and 17, bits 31:16 clear, 0 for #DF,
 * CR2 only for #PF and canonical.
 */
#define EXC_INJECTABLE	0x000b7dfbu	/* 0, 1, 3-8, 10-14, 16, 17, 19 */
#define EXC_HAS_CODE	0x00027d00u	/* 8, 10-14, 17 */

static bool exception_bad(const struct dune_run *run);

static void random_exception(struct thread *t, struct rng *r, struct dune_run *run)
{
	unsigned int v;
	bool code;

	v = rng_one_in(r, 4) ? rng_next(r) & 0xff : rng_below(r, 32);
	code = v < 32 && (EXC_HAS_CODE >> v & 1);
	if (rng_one_in(r, 8))
		code = !code;
	run->flags |= DUNE_RUN_F_EXCEPTION | (code ? DUNE_RUN_F_ERROR_CODE : 0);
	run->exception_vector = v;
	if (code && !rng_one_in(r, 4))
		run->exception_error_code = v == 8 ? 0 : rng_next(r) & 0xffff;
	else if (rng_one_in(r, 4))
		run->exception_error_code = rng_next(r);
	if (v == 14 && !rng_one_in(r, 8))
		run->exception_cr2 = rng_one_in(r, 2) ? rng_next(r) & 0x7fffffffffffULL : 0x1000;
	else if (rng_one_in(r, 8))
		run->exception_cr2 = any_value(t, r);
}

static bool exception_bad(const struct dune_run *run)
{
	unsigned int v = run->exception_vector;
	bool code = run->flags & DUNE_RUN_F_ERROR_CODE;
	int64_t cr2 = (int64_t)(run->exception_cr2 << 16) >> 16;

	if (!(run->flags & DUNE_RUN_F_EXCEPTION))
		return code || v || run->exception_error_code || run->exception_cr2;
	return v >= 32 || !(EXC_INJECTABLE >> v & 1) || code != !!(EXC_HAS_CODE >> v & 1) ||
	       (run->exception_error_code >> 16) || (v == 8 && run->exception_error_code) ||
	       (!code && run->exception_error_code) ||
	       (v == 14 ? (uint64_t)cr2 != run->exception_cr2 : run->exception_cr2 != 0);
}

/*
 * The guest runs on this thread's own FPU state (docs/04-vm-exits.md,
 * 4.7).  Random guest code - an FXRSTOR or XRSTOR of a zeroed area - can
 * leave every x87 and SSE exception unmasked (FCW = 0, MXCSR = 0), and the
 * worker's next floating-point operation (fz_now()'s division) then dies
 * of SIGFPE: a worker "killed by signal 8", on main as well (seed 11).
 * Give the host side the x86-64 ABI's default environment back after
 * every run: FNINIT (FCW 0x37f) and MXCSR 0x1f80.
 */
static void reset_fp_env(void)
{
	static const uint32_t mxcsr_default = 0x1f80;

	asm volatile("fninit\n\tldmxcsr %0" : : "m"(mxcsr_default));
}

void op_run(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int s = o->slot % NSLOTS;
	struct vm_slot *v = &t->vm[t->vcpu_vm[s]];
	struct dune_run run;
	unsigned long off;
	bool bad = false;
	char why[200];
	int ret, e;

	if (t->vcpu[s] < 0)
		return;
	memset(&run, 0, sizeof(run));
	off = rng_below(r, CODE_SPAN - 256);
	guestcode_generate(r, t->code + off, 256);
	run.regs.rip = rng_one_in(r, 16) ? any_value(t, r) : (uintptr_t)t->code + off;
	run.regs.rsp = v->g.pool && !rng_one_in(r, 16) ? (uintptr_t)v->g.pool + CHUNK - 8192 :
		       any_value(t, r);
	run.regs.rax = any_value(t, r);
	run.regs.rcx = any_value(t, r);
	run.regs.rdx = any_value(t, r);
	run.regs.rbx = any_value(t, r);
	run.regs.rdi = any_value(t, r);
	run.regs.rsi = any_value(t, r);
	run.regs.r8 = any_value(t, r);
	run.regs.r11 = any_value(t, r);
	/* RFLAGS: bit 1 set, then the flags a guest may have, sometimes anything */
	run.regs.rflags = 0x2 | (rng_next(r) & 0x254fd5);
	if (rng_one_in(r, 16)) {
		/* reserved bits (SDM Vol. 1, 3.4.3), bit 1 clear, or VM: EINVAL */
		run.regs.rflags = rng_next(r);
		bad = run.regs.rflags & ~RFLAGS_DEFINED;
		bad |= !(run.regs.rflags & RFLAGS_FIXED1);
		bad |= !!(run.regs.rflags & RFLAGS_VM);
	}
	if (rng_one_in(r, 8))
		run.fs_base = any_value(t, r);
	if (rng_one_in(r, 8))
		run.gs_base = any_value(t, r);
	if (rng_one_in(r, 8)) {
		run.flags = DUNE_RUN_F_INTERRUPT;
		run.interrupt_vector = rng_next(r);
	}
	if (rng_one_in(r, 8))
		random_exception(t, r, &run);
	if (rng_one_in(r, 32)) {
		run.flags = 1u << rng_below(r, 32);
		bad |= run.flags & ~DUNE_RUN_FLAGS;
	}
	bad |= exception_bad(&run);
	if (rng_one_in(r, 32)) {
		run.reserved[rng_below(r, sizeof(run.reserved) / sizeof(run.reserved[0]))] = 1;
		bad = true;
	}
	if (rng_one_in(r, 64)) {
		run.reserved1 = 1;
		bad = true;
	}
	if (rng_one_in(r, 32)) {
		run.reserved0 = 1;
		bad = true;
	}
	/* Half the runs of a full guest: a scenario (scenario.c) instead. */
	if (v->g.pool && t->vcpu_valid[s] && rng_one_in(r, 2)) {
		memset(run.reserved, 0, sizeof(run.reserved));
		run.reserved0 = 0;
		bad = false;
		scenario_prepare(t, v, r, t->code + off, 256, &run);
	}
	arm_timer(t);
	ret = ioctl(t->vcpu[s], DUNE_RUN, &run);
	e = errno;
	reset_fp_env();
	disarm_timer(t);
	fz_count(st, FZ_RUN, ret, e);
	if (ret == 0) {
		__atomic_add_fetch(&st->guest_runs, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&st->dune_exits[run.exit_reason & 7], 1, __ATOMIC_RELAXED);
		/*
		 * A failed VM entry is state user space could choose that
		 * dune.ko let through: a validation gap (kmod/vcpu_entry.c).
		 */
		if (run.exit_reason == DUNE_EXIT_ENTRY_FAILED) {
			__atomic_add_fetch(&st->entry_failures, 1, __ATOMIC_RELAXED);
			fail(t, "VM entry failed (hardware exit reason %#x, qualification %#llx) "
			     "on rip %#llx rflags %#llx after the exit before",
			     run.u.fail.hw_exit_reason, (unsigned long long)run.u.fail.qualification,
			     (unsigned long long)run.regs.rip, (unsigned long long)run.regs.rflags);
		}
		if (bad)
			fail(t, "DUNE_RUN accepted rflags %#llx flags %#x reserved fields",
			     (unsigned long long)run.regs.rflags, run.flags);
	}
	/* EIO from our own vCPU: an entry VMfailed and the vCPU is dead. */
	if (ret == -1 && e == EIO) {
		__atomic_add_fetch(&st->entry_failures, 1, __ATOMIC_RELAXED);
		fail(t, "DUNE_RUN failed with EIO: a VM entry VMfailed (see the kernel log)");
	}
	__atomic_add_fetch(&st->host_state_checks, 1, __ATOMIC_RELAXED);
	if (!hoststate_check(t->nops % 4 == 0, why, sizeof(why)))
		fail(t, "host state changed by DUNE_RUN (exit %u, hw %u): %s", run.exit_reason,
		     run.u.fail.hw_exit_reason, why);
}

void collect_exits(int fd)
{
	struct dune_exit_stats s = { 0 };
	unsigned int i;

	if (ioctl(fd, DUNE_GET_EXIT_STATS, &s))
		return;
	for (i = 0; i < FZ_HW_EXITS; i++)
		if (s.exits[i])
			__atomic_add_fetch(&st->hw_exits[i], s.exits[i], __ATOMIC_RELAXED);
}

void op_get_exit_stats(struct thread *t, struct op *o, struct rng *r)
{
	int fd = t->vcpu[o->slot % NSLOTS];
	struct dune_exit_stats s = { 0 };
	bool bad = false;
	int ret;

	if (fd < 0)
		return;
	if (rng_one_in(r, 8)) {
		s.flags = 1u << rng_below(r, 32);
		bad = true;
	}
	if (rng_one_in(r, 8)) {
		s.reserved[rng_below(r, 4)] = 1;
		bad = true;
	}
	if (rng_one_in(r, 16)) {
		ret = ioctl(fd, DUNE_GET_EXIT_STATS, (void *)any_value(t, r));
		bad = false;	/* whatever is at that address decides */
	} else {
		ret = ioctl(fd, DUNE_GET_EXIT_STATS, &s);
	}
	fz_count(st, FZ_GET_EXIT_STATS, ret, errno);
	if (ret == 0 && bad)
		fail(t, "DUNE_GET_EXIT_STATS accepted flags %#x or a reserved field", s.flags);
}
