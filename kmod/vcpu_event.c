// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_event.c - events for the guest: what the next VM entry injects.
 *
 * VM entry can deliver one event through the guest's IDT (SDM Vol. 3C,
 * 27.6, "Event Injection"), described by the VM-entry interruption-
 * information field (25.8.3).  Three things want that slot, in this
 * order of precedence:
 *
 *   - an event whose delivery a VM exit interrupted (the IDT-vectoring
 *     information, 28.2.4), which must be delivered again
 *     (dune_vcpu_requeue_event());
 *   - an exception an exit handler raises for the guest, a #GP or #UD
 *     where the CPU would refuse a process (exits.c, through
 *     dune_vcpu_inject_exception());
 *   - a DUNE_RUN_F_EXCEPTION from user space (dune_vcpu_queue_run_events()),
 *     refused with EBUSY while one of the two above still waits: the CPU
 *     would combine two exceptions (SDM Vol. 3A, 6.15, Table 6-5), user
 *     space can tell from struct dune_run.event_pending and decide;
 *   - a DUNE_RUN_F_INTERRUPT vector from user space, queued
 *     (dune_vcpu_queue_interrupt()) and delivered as an external interrupt
 *     when the guest can take one.
 *
 * The first three set vcpu->inject_info before an entry; the entry path
 * (vcpu.c) calls dune_vcpu_inject_pending() with interrupts off and the
 * VMCS loaded, which adds the interrupt if the slot is free and writes
 * the event to the VMCS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/errno.h>
#include <asm/cpufeature.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "dune.h"
#include "vm.h"
#include "vmx_ops.h"

/*
 * A hardware exception (type 3) for the next entry, with an error code
 * if @has_error: the CPU pushes one for the vectors that define one (SDM
 * Vol. 3A, 6.13), and the injected event must say so (27.2.1.3).
 */
void dune_vcpu_inject_exception(struct dune_vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	vcpu->inject_info = INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | vector |
			    (has_error ? INTR_INFO_DELIVER_CODE_MASK : 0);
	vcpu->inject_error_code = error;
	vcpu->inject_instruction_len = 0;
}

/*
 * An exit that interrupted the delivery of an event through the guest's
 * IDT (e.g. an EPT violation on the exception stack) loses that event
 * unless we deliver it again on the next entry (SDM 28.2.4, 27.6).
 */
void dune_vcpu_requeue_event(struct dune_vcpu *vcpu)
{
	u32 info = vcpu->exit.idt_vectoring_info;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	vcpu->inject_info = info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
				    INTR_INFO_DELIVER_CODE_MASK | INTR_INFO_VECTOR_MASK);
	vcpu->inject_error_code = vcpu->exit.idt_vectoring_error_code;
	vcpu->inject_instruction_len = vcpu->exit.instruction_len;
}

/*
 * DUNE_RUN_F_EXCEPTION's vectors, as tables of bits (SDM Vol. 3A, 6.3.1,
 * Table 6-1, and 6.15 for each vector's class and error code):
 *
 * - injectable: the exceptions a CPU raises for a guest in IA-32e mode.
 *   Not NMI (2: an interrupt, with its own blocking rules), not 9 (the
 *   CPU has not raised it since the Intel386), not the reserved 15 and
 *   22-31, not #MC (18: a machine check is the host's, mitigations.c),
 *   not #VE (20: only with EPT-violation #VE, which dune.ko never turns
 *   on, so the guest has no information area), and #CP (21) only where
 *   exception_cp_ok() says so.
 * - error code: the CPU pushes one for these (6.13), and VM entry fails
 *   unless "deliver error code" says so exactly (Vol. 3C, 27.2.1.3).
 * - no RF: trap- and abort-class exceptions.  For a fault the CPU pushes
 *   RFLAGS with RF = 1 (so that the IRET back does not hit an instruction
 *   breakpoint twice, 18.3.1.1); VM entry pushes the guest's RFLAGS as
 *   they are, so RF is set here, as KVM does (kvm_check_and_inject_events()).
 *   #DB counts as a trap: an injected one has no instruction breakpoint.
 */
#define EXC(v)			BIT(X86_TRAP_##v)
#define EXC_INJECTABLE		(EXC(DE) | EXC(DB) | EXC(BP) | EXC(OF) | EXC(BR) | EXC(UD) | \
				 EXC(NM) | EXC(DF) | EXC(TS) | EXC(NP) | EXC(SS) | EXC(GP) | \
				 EXC(PF) | EXC(MF) | EXC(AC) | EXC(XF) | EXC(CP))
#define EXC_ERROR_CODE		(EXC(DF) | EXC(TS) | EXC(NP) | EXC(SS) | EXC(GP) | EXC(PF) | \
				 EXC(AC) | EXC(CP))
#define EXC_NO_RF		(EXC(DB) | EXC(BP) | EXC(OF) | EXC(DF))
/* VMX refuses an injected error code with bits 31:16 set (KVM: nested.c). */
#define EXC_ERROR_CODE_MASK	GENMASK(15, 0)
/*
 * IA32_VMX_BASIC bit 56: VM entry accepts "deliver error code" set or
 * clear for any hardware exception (SDM Vol. 3D, A.1).
 */
#define VMX_BASIC_ANY_ERROR_CODE	BIT_ULL(56)

/*
 * #CP (21, CET) pushes an error code, but which CPUs' VM entry checks say
 * so depends on when they came (the list in 27.2.1.3 grew with CET).
 * Only where the CPU has CET - so #CP is an exception it raises - and
 * its VM entry takes any error-code setting can it never fail.
 */
bool dune_exception_cp_ok(void)
{
	return boot_cpu_has(X86_FEATURE_IBT) && (dune_vmx.basic & VMX_BASIC_ANY_ERROR_CODE);
}

/* struct dune_run's exception fields, alone: 0 or -EINVAL (vcpu_abi.c). */
int dune_check_run_exception(const struct dune_run *run)
{
	unsigned int vector = run->exception_vector;
	bool has_error = run->flags & DUNE_RUN_F_ERROR_CODE;

	if (!(run->flags & DUNE_RUN_F_EXCEPTION)) {
		if (has_error || vector || run->exception_error_code || run->exception_cr2)
			return -EINVAL;
		return 0;
	}
	if (!dune_cap_value(DUNE_CAP_RUN_EXCEPTION) || vector >= 32 ||
	    !(EXC_INJECTABLE & BIT(vector)))
		return -EINVAL;
	if (vector == X86_TRAP_CP && !dune_exception_cp_ok())
		return -EINVAL;
	if (has_error != !!(EXC_ERROR_CODE & BIT(vector)))
		return -EINVAL;
	if (run->exception_error_code & ~EXC_ERROR_CODE_MASK)
		return -EINVAL;
	if (vector == X86_TRAP_DF && run->exception_error_code)
		return -EINVAL;
	if (!has_error && run->exception_error_code)
		return -EINVAL;
	/* CR2 only for #PF, and only an address: native_write_cr2() of anything else */
	if (vector != X86_TRAP_PF ? run->exception_cr2 != 0 : !dune_canonical(run->exception_cr2))
		return -EINVAL;
	return 0;
}

/*
 * DUNE_RUN's events, all or nothing: the exception for the next entry and
 * the interrupt for when the guest can take one (uapi/linux/dune.h).
 * Called before the guest state is taken from @run, whose RFLAGS.RF a
 * fault-class exception sets.  -EBUSY changes nothing.
 */
int dune_vcpu_queue_run_events(struct dune_vcpu *vcpu, struct dune_run *run)
{
	unsigned int vector = run->exception_vector;
	int r;

	if ((run->flags & DUNE_RUN_F_EXCEPTION) && (vcpu->inject_info & INTR_INFO_VALID_MASK))
		return -EBUSY;
	if (run->flags & DUNE_RUN_F_INTERRUPT) {
		r = dune_vcpu_queue_interrupt(vcpu, run->interrupt_vector);
		if (r)
			return r;
	}
	if (!(run->flags & DUNE_RUN_F_EXCEPTION))
		return 0;
	dune_vcpu_inject_exception(vcpu, vector, run->flags & DUNE_RUN_F_ERROR_CODE,
				   run->exception_error_code);
	/* CR2 is loaded into the register right before the entry (vcpu.c). */
	if (vector == X86_TRAP_PF)
		vcpu->cr2 = run->exception_cr2;
	if (!(EXC_NO_RF & BIT(vector)))
		run->regs.rflags |= X86_EFLAGS_RF;
	return 0;
}

/* DUNE_RUN_F_INTERRUPT: one pending interrupt at a time; the caller queues the rest. */
int dune_vcpu_queue_interrupt(struct dune_vcpu *vcpu, u8 vector)
{
	if (vcpu->pending_vector)
		return -EBUSY;
	vcpu->pending_vector = vector;
	return 0;
}

/*
 * DUNE_RUN_F_INTERRUPT: deliver the pending vector as an external
 * interrupt, the way the local APIC would deliver one to a real CPU.
 *
 * VM entry can inject one event, which the CPU then delivers through the
 * guest's IDT as if it had happened right after the entry (SDM Vol. 3C,
 * 27.6, "Event Injection"; the VM-entry interruption-information field,
 * 25.8.3).  An external interrupt may only be injected when the guest
 * could take one itself: RFLAGS.IF = 1 (else the entry fails, 27.3.1.4)
 * and no "blocking by STI" or "by MOV SS" in the interruptibility state
 * (27.3.1.5) - the one instruction after STI, or after a load of SS, runs
 * with interrupts held back.  And there is only one event per entry: one
 * that is being injected already (an exception from exits.c, or an event
 * whose delivery a VM exit interrupted, dune_vcpu_requeue_event())
 * goes first.
 *
 * When the guest cannot take the interrupt now, the vector stays pending
 * and "interrupt-window exiting" (bit 2 of the primary processor-based
 * controls, 25.6.2) makes the CPU exit at the first instruction boundary
 * where it could: IF = 1 and no blocking (27.7.5, exit reason 7).  That
 * exit's handler does nothing; the next pass here injects.  Interrupts
 * off, the VMCS loaded.
 */
static int vcpu_deliver_interrupt(struct dune_vcpu *vcpu)
{
	bool window = false;
	u32 blocking;

	if (vcpu->pending_vector) {
		blocking = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
			   (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
		if (!(vcpu->inject_info & INTR_INFO_VALID_MASK) &&
		    (vcpu->regs.rflags & X86_EFLAGS_IF) && !blocking) {
			vcpu->inject_info = INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR |
					    vcpu->pending_vector;
			vcpu->inject_error_code = 0;
			vcpu->inject_instruction_len = 0;
			vcpu->pending_vector = 0;
		} else {
			window = true;
		}
	}
	if (window == vcpu->intr_window)
		return 0;
	vcpu->intr_window = window;
	return vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vcpu->proc_ctls |
			    (window ? CPU_BASED_INTR_WINDOW_EXITING : 0));
}

/*
 * The event for this entry, if any: the pending interrupt if the guest
 * can take it now (else the interrupt window), then the VM-entry event
 * fields.  An injected event is delivered once: the next entry injects
 * nothing unless an exit queues something again.
 */
int dune_vcpu_inject_pending(struct dune_vcpu *vcpu)
{
	int err = vcpu_deliver_interrupt(vcpu);

	if (vcpu->inject_info & INTR_INFO_VALID_MASK) {
		err |= vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, vcpu->inject_info);
		err |= vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vcpu->inject_error_code);
		err |= vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, vcpu->inject_instruction_len);
		vcpu->inject_info = 0;
	}
	return err;
}
