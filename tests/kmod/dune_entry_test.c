// SPDX-License-Identifier: GPL-2.0
/*
 * dune_entry_test - no state user space chooses makes a VM entry fail.
 *
 * VM entry checks the guest state it loads (SDM Vol. 3C, 27.3.1: "Checks
 * on the Guest State Area") and fails with exit reason 33 when a check
 * does not hold.  Some of that state is user space's (struct dune_run:
 * RIP, RFLAGS; struct dune_vcpu_config: the SYSCALL MSRs), some is the
 * guest's own, saved by the last VM exit (its interruptibility state, its
 * code segment).  Where the two must agree, dune.ko checks the user's part
 * in the ioctl and refuses with EINVAL, before any entry; the vCPU keeps
 * working.  Each case here was a failed VM entry that dune_fuzz counted
 * (issue 12):
 *
 *   - RFLAGS.IF cleared while the guest sits in an STI shadow (27.3.1.5:
 *     "blocking by STI" requires IF = 1);
 *   - RFLAGS.IF cleared while an external interrupt waits to be delivered
 *     again (27.3.1.4: an injected external interrupt requires IF = 1);
 *   - RIP above 4 GiB while the guest runs in compatibility mode (27.3.1.4:
 *     RIP bits 63:32 must be 0 unless CS.L = 1);
 *   - IA32_STAR with an RPL in bits 33:32, from the config or the guest's
 *     WRMSR: SYSCALL puts it into SS (SDM Vol. 2B, SYSCALL: SS.Selector is
 *     STAR[47:32] + 8, RPL kept), and entry requires SS.RPL = CS.RPL
 *     (27.3.1.2);
 *   - RFLAGS.TF changed in a MOV SS shadow: the pending debug exceptions'
 *     BS bit must equal TF there (27.3.1.5); dune.ko sets BS itself.  Bochs
 *     does not check this one: only real hardware can fail it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/dune.h>

#include "kselftest_harness.h"
#include "guestlib.h"
#include "testlib.h"

#define RFLAGS_TF	0x100ULL
#define RFLAGS_IF	0x200ULL
#define TRAP_GP		(0xdead0000ULL | 13)
#define TRAP_DB		(0xdead0000ULL | 1)
#define MSR_STAR	0xc0000081U
#define IDT_GVA		0x40000000ULL	/* a guest page whose GPA no chunk maps */
#define UNMAPPED_GPA	(512 * CHUNK)

extern char ge_sti_vmcall[], ge_movss_vmcall[], ge_compat[], ge_compat32_next[],
	    ge_syscall[], ge_lstar[], ge_wrmsr_star[], ge_vmcall[];
asm(".text\n"
    /* VMCALL in the STI shadow (IF was 0): the exit saves "blocking by STI" */
    "ge_sti_vmcall: sti\n vmcall\n mov $2, %eax\n vmcall\n ud2\n"
    /* VMCALL in the MOV SS shadow */
    "ge_movss_vmcall: mov %ss, %ax\n mov %ax, %ss\n vmcall\n mov $2, %eax\n vmcall\n ud2\n"
    /* far return to the 32-bit code segment 0x38, VMCALL in compatibility mode */
    "ge_compat: push $0x38\n lea ge_compat32(%rip), %rax\n push %rax\n lretq\n"
    ".code32\n"
    "ge_compat32: vmcall\n"
    "ge_compat32_next: mov $2, %eax\n vmcall\n ud2\n"
    ".code64\n"
    /* SYSCALL in ring 0, to LSTAR = ge_lstar */
    "ge_syscall: syscall\n ud2\n"
    "ge_lstar: mov $3, %eax\n vmcall\n ud2\n"
    /* WRMSR(STAR) = rsi, then SYSCALL */
    "ge_wrmsr_star: mov $0xc0000081, %ecx\n mov %rsi, %rax\n mov %rsi, %rdx\n"
    " shr $32, %rdx\n wrmsr\n syscall\n ud2\n"
    "ge_vmcall: mov $4, %eax\n vmcall\n ud2\n");

/* Run again as the last exit left it, after EINTR too. */
static int rerun(struct guest *g)
{
	int r;

	do
		r = ioctl(g->vcpu, DUNE_RUN, &g->run);
	while (r == -1 && errno == EINTR);
	return r;
}

static const char *outcome(struct guest *g, int r)
{
	static char buf[128];

	if (r)
		snprintf(buf, sizeof(buf), "-1 (%s)", strerror(errno));
	else
		snprintf(buf, sizeof(buf), "exit %u (hardware exit reason %#x, rax %#llx)",
			 g->run.exit_reason, g->run.u.fail.hw_exit_reason,
			 (unsigned long long)g->run.regs.rax);
	return buf;
}

FIXTURE(entry) {
	struct guest g;
};

FIXTURE_SETUP(entry)
{
	ASSERT_EQ(0, guest_setup(&self->g)) TH_LOG("setup: %s", strerror(errno));
	ASSERT_EQ(0, guest_map_text(&self->g, ge_sti_vmcall)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, guest_map_text(&self->g, ge_vmcall)) TH_LOG("%s", strerror(errno));
}

FIXTURE_TEARDOWN(entry)
{
	guest_teardown(&self->g);
}

/* 27.3.1.5: blocking by STI and RFLAGS.IF = 0 cannot enter. */
TEST_F(entry, sti_shadow_if_cleared)
{
	struct guest *g = &self->g;
	int r;

	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, ge_sti_vmcall, 0, 0, 0));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	ASSERT_TRUE(g->run.regs.rflags & RFLAGS_IF);
	g->run.regs.rflags &= ~RFLAGS_IF;
	r = rerun(g);
	EXPECT_EQ(-1, r) TH_LOG("IF cleared in the STI shadow: %s, want EINVAL", outcome(g, r));
	if (r)
		EXPECT_EQ(EINVAL, errno);
	/* refused, not broken: with IF as it was, the guest goes on */
	g->run.regs.rflags |= RFLAGS_IF;
	ASSERT_EQ(0, rerun(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(2, g->run.regs.rax);
}

/* 27.3.1.4: an external interrupt to deliver again needs RFLAGS.IF = 1. */
TEST_F(entry, requeued_interrupt_if_cleared)
{
	struct guest *g = &self->g;
	int r;

	/* The IDT on a guest page no chunk backs: delivery takes an EPT exit. */
	guest_map_gva(g, IDT_GVA, UNMAPPED_GPA);
	g->config.idtr_base = IDT_GVA;
	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)ge_vmcall;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 8192;
	g->run.regs.rflags = 0x2 | RFLAGS_IF;
	g->run.flags = DUNE_RUN_F_INTERRUPT;
	g->run.interrupt_vector = 0x40;
	ASSERT_EQ(0, rerun(g)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason) TH_LOG("%s", outcome(g, 0));
	g->run.regs.rflags &= ~RFLAGS_IF;
	r = rerun(g);
	EXPECT_EQ(-1, r) TH_LOG("IF cleared with an interrupt to redeliver: %s, want EINVAL",
				outcome(g, r));
	if (r)
		EXPECT_EQ(EINVAL, errno);
	/* the interrupt is still there: the same EPT exit again */
	g->run.regs.rflags |= RFLAGS_IF;
	ASSERT_EQ(0, rerun(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason) TH_LOG("%s", outcome(g, 0));
}

/* 27.3.1.4: in compatibility mode (CS.L = 0), RIP bits 63:32 must be 0. */
TEST_F(entry, compat_mode_rip_above_4g)
{
	struct guest *g = &self->g;
	int r;

	ASSERT_LT((uintptr_t)ge_compat32_next, 1ULL << 32) TH_LOG("text above 4 GiB");
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, ge_compat, 0, 0, 0));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason) TH_LOG("%s", outcome(g, 0));
	ASSERT_EQ((uintptr_t)ge_compat32_next, g->run.regs.rip);
	g->run.regs.rip |= 1ULL << 32;
	r = rerun(g);
	EXPECT_EQ(-1, r) TH_LOG("RIP %#llx in compatibility mode: %s, want EINVAL",
				(unsigned long long)g->run.regs.rip, outcome(g, r));
	if (r)
		EXPECT_EQ(EINVAL, errno);
	g->run.regs.rip = (uintptr_t)ge_compat32_next;
	ASSERT_EQ(0, rerun(g)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(2, g->run.regs.rax);
}

/* STAR[33:32] is SS.RPL after SYSCALL: refused in the config. */
TEST_F(entry, star_rpl_in_config)
{
	struct guest *g = &self->g;
	int r;

	g->config.star = (uint64_t)(SEL_CODE0 | 3) << 32;
	g->config.lstar = (uintptr_t)ge_lstar;
	r = guest_create_vcpu(g);
	EXPECT_EQ(-1, r) TH_LOG("DUNE_CREATE_VCPU accepted STAR %#llx (RPL 3 for SYSCALL's SS)",
				(unsigned long long)g->config.star);
	if (r) {
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	/* the fault it leads to, for the record */
	ASSERT_EQ(0, guest_run(g, ge_syscall, 0, 0, 0));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	r = rerun(g);
	TH_LOG("after SYSCALL with that STAR, the next entry: %s", outcome(g, r));
}

/* ... and the guest's own WRMSR of it is a #GP. */
TEST_F(entry, star_rpl_from_guest)
{
	struct guest *g = &self->g;
	uint64_t star = (uint64_t)(SEL_CODE0 | 3) << 32;
	int r;

	g->config.lstar = (uintptr_t)ge_lstar;
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, ge_wrmsr_star, 0, star, 0));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(TRAP_GP, g->run.regs.rax) TH_LOG("WRMSR(STAR, %#llx) in the guest: rax %#llx, "
					 "want the #GP report %#llx",
					 (unsigned long long)star,
					 (unsigned long long)g->run.regs.rax,
					 (unsigned long long)TRAP_GP);
	if (g->run.regs.rax != TRAP_GP) {
		r = rerun(g);
		TH_LOG("the next entry: %s", outcome(g, r));
	}
	/* an RPL-0 STAR is the guest's to write */
	ASSERT_EQ(0, guest_run(g, ge_wrmsr_star, 0, (uint64_t)SEL_CODE0 << 32, 0));
	EXPECT_EQ(3, g->run.regs.rax) TH_LOG("%s", outcome(g, 0));
	ASSERT_EQ(0, rerun(g));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason) TH_LOG("%s", outcome(g, 0));
}

/*
 * 27.3.1.5: in a MOV SS shadow, pending debug exception BS = RFLAGS.TF.
 * Setting TF there single-steps the next instruction: a #DB after it.
 */
TEST_F(entry, movss_shadow_tf_set)
{
	struct guest *g = &self->g;
	int r;

	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, ge_movss_vmcall, 0, 0, 0));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	g->run.regs.rflags |= RFLAGS_TF;
	r = rerun(g);
	ASSERT_EQ(0, r) TH_LOG("TF set in the MOV SS shadow: %s", outcome(g, r));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason) TH_LOG("%s", outcome(g, r));
	EXPECT_EQ(TRAP_DB, g->run.regs.rax) TH_LOG("%s, want the #DB report", outcome(g, r));
}

TEST_HARNESS_MAIN
