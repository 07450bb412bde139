// SPDX-License-Identifier: GPL-2.0
/*
 * exits.c - what happens after each VM exit, one handler per exit reason.
 *
 * The table below is indexed by the basic exit reason (bits 15:0 of the
 * exit reason, SDM Vol. 3D, Appendix C).  A handler returns 1 to resume
 * the guest, 0 to return to user space with run->exit_reason set, or a
 * negative errno.  A reason without a handler returns to user space as
 * DUNE_EXIT_UNHANDLED with the raw exit reason: an exit the module does
 * not understand ends the run, never the host.
 *
 * The policy, in one sentence: the guest is a process that happens to
 * run in ring 0, so what a process may not do natively is refused the way
 * the CPU refuses a process: a #GP (privileged instructions: HLT, I/O,
 * MSRs outside a small set, control and debug registers, WBINVD, INVD,
 * XSETBV, RDPMC) or a #UD (VMX instructions, MONITOR/MWAIT, GETSEC,
 * RSM), delivered through the guest's own IDT.  libdune's handlers then
 * report it.  CPUID is answered with the host's values; VMCALL and
 * unresolvable EPT violations go to user space.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <asm/processor.h>
#include <asm/traps.h>

#include "dune.h"
#include "vm.h"
#include "vmx_ops.h"

/* The tracepoints' definitions live here (trace.h); one per VM exit. */
#define CREATE_TRACE_POINTS
#include "trace.h"

/* Exceptions for the guest go through vcpu_event.c. */

/* Resume after the instruction that exited (SDM 28.2.5: its length). */
static int skip_instruction(struct dune_vcpu *vcpu)
{
	vcpu->regs.rip += vcpu->exit.instruction_len;
	vcpu->regs.rflags &= ~X86_EFLAGS_RF;
	return 1;
}

static int inject_gp(struct dune_vcpu *vcpu)
{
	dune_vcpu_inject_exception(vcpu, X86_TRAP_GP, true, 0);
	return 1;
}

static int inject_ud(struct dune_vcpu *vcpu)
{
	dune_vcpu_inject_exception(vcpu, X86_TRAP_UD, false, 0);
	return 1;
}

static int exit_to_user(struct dune_vcpu *vcpu, u32 dune_exit)
{
	struct dune_run *run = vcpu->run;

	run->exit_reason = dune_exit;
	run->u.fail.hw_exit_reason = vcpu->exit.reason;
	run->u.fail.qualification = vcpu->exit.qualification;
	run->u.fail.intr_info = vcpu->exit.intr_info;
	return 0;
}

static int handle_unhandled(struct dune_vcpu *vcpu)
{
	return exit_to_user(vcpu, DUNE_EXIT_UNHANDLED);
}

/*
 * Reason 0: an exception in the exception bitmap, or an NMI.  The NMI was
 * handed to the host already (vcpu.c), and so was a machine check - the
 * bitmap holds only #MC - to the kernel's machine-check handler, right
 * after the exit with interrupts off (host_state.c).  Whatever that
 * handler decided for the process (a signal, a kill) happens on the way
 * back to user space; the guest resumes as KVM resumes its guests.
 */
static int handle_exception_nmi(struct dune_vcpu *vcpu)
{
	u32 info = vcpu->exit.intr_info;
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (type == INTR_TYPE_NMI_INTR)
		return 1;
	if (type == INTR_TYPE_HARD_EXCEPTION && (info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC)
		return 1;
	return handle_unhandled(vcpu);
}

/* Reason 1: the interrupt is still pending; enabling interrupts took it. */
static int handle_external_interrupt(struct dune_vcpu *vcpu)
{
	return 1;
}

/*
 * Reason 7: the guest can take an interrupt again - RFLAGS.IF is 1 and no
 * STI or MOV SS blocks it (SDM Vol. 3C, 27.7.5) - and vcpu_event.c asked
 * to be told, because a DUNE_RUN_F_INTERRUPT vector is waiting.  The exit
 * comes before the guest executes anything more; the next entry injects
 * the vector and turns the exiting off again (vcpu_event.c).
 */
static int handle_interrupt_window(struct dune_vcpu *vcpu)
{
	return 1;
}

static int handle_triple_fault(struct dune_vcpu *vcpu)
{
	return exit_to_user(vcpu, DUNE_EXIT_TRIPLE_FAULT);
}

/*
 * Reason 10: CPUID always exits (SDM 26.1.2).  Answer with this CPU's
 * values, as the process sees them natively, except that VMX is hidden:
 * the guest cannot use it.
 */
static int handle_cpuid(struct dune_vcpu *vcpu)
{
	/* LAB(1) BEGIN: answer CPUID(rax, rcx) from this CPU, VMX hidden; skip the instruction */
	struct dune_regs *r = &vcpu->regs;
	unsigned int eax, ebx, ecx, edx;

	cpuid_count((u32)r->rax, (u32)r->rcx, &eax, &ebx, &ecx, &edx);
	if ((u32)r->rax == 1)
		ecx &= ~(1U << (X86_FEATURE_VMX & 31));
	r->rax = eax;
	r->rbx = ebx;
	r->rcx = ecx;
	r->rdx = edx;
	return skip_instruction(vcpu);
	/* LAB(1) STUB
	 * return handle_unhandled(vcpu);
	 * LAB(1) END
	 */
}

/*
 * Reason 52: the VMX-preemption timer ran out.  Nothing to do: going
 * around the run loop lets the host handle its pending interrupts and
 * reschedule.
 */
static int handle_preemption_timer(struct dune_vcpu *vcpu)
{
	return 1;
}

/*
 * Reason 18: VMCALL is how the guest's ring 0 asks user space for
 * something.  VMCALL exits from any privilege level (SDM Vol. 2, VMCALL),
 * but user space must only ever hear from ring 0: from rings 1-3 it is a
 * #UD, what the instruction raises outside VMX operation (KVM refuses
 * hypercalls from CPL > 0 too).  A sandbox in the guest's ring 3 cannot
 * talk past its supervisor.
 */
static int handle_vmcall(struct dune_vcpu *vcpu)
{
	if (vcpu->exit.cpl)
		return inject_ud(vcpu);
	skip_instruction(vcpu);
	vcpu->run->exit_reason = DUNE_EXIT_VMCALL;
	return 0;
}

/*
 * Reasons 31/32: RDMSR/WRMSR of an MSR the bitmap does not pass through
 * (vcpu.c dune_vcpu_init; SDM Vol. 3C, 25.6.9).  Every MSR not
 * switched between guest and host belongs to the host: #GP, as for a
 * process.  Of the switched ones (the SYSCALL MSRs and KERNEL_GS_BASE, in
 * the MSR list) the bitmap passes every read and every write through but
 * a write of STAR, which exits for the values whose SYSCALL leaves a state
 * VM entry refuses (vcpu_entry.c): so no RDMSR that exits is the guest's,
 * and the only WRMSR that is, is of STAR.
 */
static int handle_rdmsr(struct dune_vcpu *vcpu)
{
	return inject_gp(vcpu);
}

static int handle_wrmsr(struct dune_vcpu *vcpu)
{
	u64 value = (u32)vcpu->regs.rax | (vcpu->regs.rdx << 32);

	if ((u32)vcpu->regs.rcx != MSR_STAR)
		return inject_gp(vcpu);
	/* Our own refusal: an SS no VM entry would take (vcpu_entry.c). */
	if (!dune_star_ok(value))
		return inject_gp(vcpu);
	vcpu->msrs->guest[MSR_SLOT_STAR].value = value;
	return skip_instruction(vcpu);
}

/*
 * Reason 33 (bit 31 set): VM entry failed on the guest state, reason 34
 * on the MSR list, 41 on a machine check (which the host's handler has
 * seen already, host_state.c).  The guest did not run; this is user
 * space's state, not a host problem (27.8).
 */
static int handle_entry_failure(struct dune_vcpu *vcpu)
{
	return exit_to_user(vcpu, DUNE_EXIT_ENTRY_FAILED);
}

/*
 * Reason 48: the EPT (ept.c).  Resolving it walks the process's page
 * tables: host data in L1D before the next entry (mitigations.c).
 */
static int handle_ept_violation(struct dune_vcpu *vcpu)
{
	vcpu->l1d_flush = true;
	return dune_ept_fault(vcpu);
}

/* Reason 49: an EPT entry we wrote is malformed.  Our bug: say so. */
static int handle_ept_misconfig(struct dune_vcpu *vcpu)
{
	pr_err_ratelimited("EPT misconfiguration at GPA %#llx\n",
			   vcpu->exit.guest_physical_address);
	return handle_unhandled(vcpu);
}

typedef int (*dune_exit_handler)(struct dune_vcpu *vcpu);

/* GETSEC (11) and RSM (17) have no name in asm/vmx.h. */
#define EXIT_REASON_GETSEC	11
#define EXIT_REASON_RSM		17

static const dune_exit_handler dune_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]		= handle_interrupt_window,
	[EXIT_REASON_CPUID]			= handle_cpuid,
	/* LAB(2) BEGIN: what a process may not do natively: #GP, or #UD where the CPU says so */
	[EXIT_REASON_GETSEC]			= inject_ud,
	[EXIT_REASON_HLT]			= inject_gp,
	[EXIT_REASON_INVD]			= inject_gp,
	[EXIT_REASON_RDPMC]			= inject_gp,
	[EXIT_REASON_RSM]			= inject_ud,
	/* LAB(2) END */
	[EXIT_REASON_VMCALL]			= handle_vmcall,
	/* LAB(2) BEGIN: VMX instructions, control and debug registers, port I/O */
	[EXIT_REASON_VMCLEAR]			= inject_ud,
	[EXIT_REASON_VMLAUNCH]			= inject_ud,
	[EXIT_REASON_VMPTRLD]			= inject_ud,
	[EXIT_REASON_VMPTRST]			= inject_ud,
	[EXIT_REASON_VMREAD]			= inject_ud,
	[EXIT_REASON_VMRESUME]			= inject_ud,
	[EXIT_REASON_VMWRITE]			= inject_ud,
	[EXIT_REASON_VMOFF]			= inject_ud,
	[EXIT_REASON_VMON]			= inject_ud,
	[EXIT_REASON_CR_ACCESS]			= inject_gp,
	[EXIT_REASON_DR_ACCESS]			= inject_gp,
	[EXIT_REASON_IO_INSTRUCTION]		= inject_gp,
	/* LAB(2) END */
	[EXIT_REASON_MSR_READ]			= handle_rdmsr,
	[EXIT_REASON_MSR_WRITE]			= handle_wrmsr,
	[EXIT_REASON_INVALID_STATE]		= handle_entry_failure,
	[EXIT_REASON_MSR_LOAD_FAIL]		= handle_entry_failure,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= inject_ud,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= inject_ud,
	[EXIT_REASON_MCE_DURING_VMENTRY]	= handle_entry_failure,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= handle_ept_misconfig,
	[EXIT_REASON_INVEPT]			= inject_ud,
	[EXIT_REASON_INVVPID]			= inject_ud,
	[EXIT_REASON_PREEMPTION_TIMER]		= handle_preemption_timer,
	[EXIT_REASON_WBINVD]			= inject_gp,
	[EXIT_REASON_XSETBV]			= inject_gp,
	[EXIT_REASON_VMFUNC]			= inject_ud,
	[EXIT_REASON_ENCLS]			= inject_ud,
};


int dune_handle_exit(struct dune_vcpu *vcpu)
{
	u32 basic = vcpu->exit.reason & 0xffff;
	dune_exit_handler handler = NULL;

	trace_dune_exit(vcpu->exit.reason, vcpu->regs.rip, vcpu->exit.qualification, vcpu->vpid);
	/* LAB(1) BEGIN: count the exit by its basic reason (DUNE_GET_EXIT_STATS reads vcpu->exits) */
	if (basic < DUNE_EXIT_STATS_NR)
		vcpu->exits[basic]++;
	/* LAB(1) END */
	dune_stats_count_exit(vcpu->vm, basic);
	if (vcpu->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		return handle_entry_failure(vcpu);
	if (basic < ARRAY_SIZE(dune_exit_handlers))
		handler = dune_exit_handlers[basic];
	return handler ? handler(vcpu) : handle_unhandled(vcpu);
}
