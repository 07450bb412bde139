// SPDX-License-Identifier: GPL-2.0
/*
 * host_state.c - what a VM exit leaves wrong in the host, put right at
 * once, with interrupts still off.
 *
 * A VM exit loads the host-state area of the VMCS (SDM Vol. 3C, 28.5), and
 * that area has no room for everything the host may be using:
 *
 *   LDTR    is loaded with the null selector on every exit (28.5.2).  A
 *           process that installed an LDT with modify_ldt() - Wine, old
 *           threading libraries, 16-bit emulators - would find it gone
 *           until its next context switch, and a segment load through it
 *           would fault.  The selector is read before entry and loaded
 *           again after the exit if it was not null (KVM does the same,
 *           vmx_prepare_switch_to_host()).
 *   DR6     is not switched at all: a #DB the guest takes through its own
 *           IDT (single-step, ICEBP) sets bits in the real DR6, and the
 *           host's #DB handler would read them as its own - a bogus
 *           single-step report to the next ptrace or perf user on this
 *           CPU.  It is reset to its architectural idle value
 *           (DR6_RESERVED, what the kernel leaves there after every #DB).
 *   PKRU    is not switched either, and the guest runs with the thread's
 *           XCR0, which on a CPU with protection keys includes the PKRU
 *           component: ring 0 (or ring 3) can change PKRU with XRSTOR even
 *           though the guest's CR4.PKE is off (so PKRU means nothing in the
 *           guest).  The process's own value is restored after the exit,
 *           as KVM does (kvm_load_host_xsave_state()), so that the host
 *           loop and the kernel's user accesses keep the process's key
 *           permissions.  Writing it only when it changed keeps the cost
 *           at one RDPKRU.
 *
 * And a machine check that arrives while the guest runs is a VM exit
 * (reason 0 with vector 18, or reason 41 when it hit VM entry itself,
 * 26.8 / 28.1): the host's machine-check handler has not seen it, and must
 * - right away, with interrupts off, as KVM's kvm_machine_check() does - so
 * that the kernel logs it, poisons the page and kills what must die.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/mce.h>
#include <asm/pkru.h>
#include <asm/ptrace.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "dune.h"
#include "vm.h"

/* Before VM entry, interrupts off. */
void dune_host_state_save(struct dune_host_state *hs)
{
	asm volatile("sldt %0" : "=rm"(hs->ldt_sel));
	hs->pkru = cpu_feature_enabled(X86_FEATURE_OSPKE) ? read_pkru() : 0;
}

static bool exit_is_machine_check(const struct dune_exit_info *e)
{
	u32 basic = e->reason & 0xffff;

	if (basic == EXIT_REASON_MCE_DURING_VMENTRY)
		return true;
	return basic == EXIT_REASON_EXCEPTION_NMI &&
	       (e->intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
				INTR_INFO_VECTOR_MASK)) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | X86_TRAP_MC);
}

/*
 * Hand the machine check to the kernel as if it had interrupted user
 * space: the guest is the process, and the kernel's user-mode handling
 * (kill_me_maybe() and friends) is what applies to it.
 */
static void dune_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,			/* "user mode", whatever the guest's CPL was */
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

/* After every VM entry attempt, interrupts off; @e is the fresh exit, or NULL. */
void dune_host_state_restore(const struct dune_host_state *hs, const struct dune_exit_info *e)
{
	unsigned long dr6;

	if (unlikely(hs->ldt_sel))
		asm volatile("lldt %0" : : "rm"(hs->ldt_sel));
	get_debugreg(dr6, 6);
	if (unlikely(dr6 != DR6_RESERVED))
		set_debugreg(DR6_RESERVED, 6);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE))
		write_pkru(hs->pkru);		/* a no-op if it did not change */
	if (e && unlikely(exit_is_machine_check(e)))
		dune_machine_check();
}
