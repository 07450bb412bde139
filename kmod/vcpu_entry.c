// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_entry.c - the guest state DUNE_RUN takes from user space, checked
 * against the state the last VM exit left, so that no VM entry fails on
 * anything a process chooses.
 *
 * VM entry checks the guest-state area (SDM Vol. 3C, 27.3.1) and, when a
 * check fails, "exits" at once with reason 33: the guest never ran.  Most
 * of the area is ours (CR0, CR4, the segment registers as the config set
 * them up) or the guest's own, saved consistent by the CPU at the last VM
 * exit.  User space writes RIP and RFLAGS, and a few checks tie those to
 * the saved part:
 *
 *   - "blocking by STI" (the instruction after STI, interruptibility
 *     state bit 0) requires RFLAGS.IF = 1 (27.3.1.5);
 *   - an external interrupt to inject - a DUNE_RUN_F_INTERRUPT vector
 *     whose delivery a VM exit interrupted, delivered again
 *     (vcpu_requeue_event()) - requires RFLAGS.IF = 1 (27.3.1.4);
 *   - outside 64-bit mode (CS.L = 0: the guest far-jumped or IRETed to a
 *     32-bit code segment, compatibility mode), RIP bits 63:32 must be 0
 *     (27.3.1.4);
 *   - in an STI or MOV SS shadow, the BS bit of the pending debug
 *     exceptions must equal RFLAGS.TF (IA32_DEBUGCTL.BTF is 0 in the
 *     guest: it cannot write that MSR) (27.3.1.5).
 *
 * The first three are refused with EINVAL before any entry; the vCPU
 * stays usable and the process can run it with the values it had.  The
 * last is not user space's to know about: a debugger setting TF in a
 * MOV SS shadow asks for a single step, so BS follows TF, written right
 * before the entry (dune_vcpu_sync_pending_dbg()).
 *
 * The fourth user-controlled route into an unenterable state is
 * IA32_STAR: SYSCALL loads SS with STAR[47:32] + 8 without clearing its
 * RPL (SDM Vol. 2B, SYSCALL), and entry requires SS.RPL = CS.RPL = 0
 * after it (27.3.1.2).  The config's STAR is checked in
 * vcpu_check_config(); the guest's own WRMSR of STAR exits (vcpu.c's MSR
 * bitmap) and exits.c refuses the same values with #GP.
 *
 * dune_fuzz counts every failed VM entry as a failure of its run
 * (tests/fuzz); tests/kmod/dune_entry_test holds one test per check.
 */
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/vmx.h>

#include "dune.h"
#include "vm.h"
#include "vmx_ops.h"

int dune_vcpu_check_entry(const struct dune_vcpu *vcpu, const struct dune_regs *regs)
{
	u32 event = vcpu->inject_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK);
	bool if_set = regs->rflags & X86_EFLAGS_IF;

	if ((vcpu->exit.interruptibility & GUEST_INTR_STATE_STI) && !if_set)
		return -EINVAL;
	if (event == (INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR) && !if_set)
		return -EINVAL;
	if (!(vcpu->exit.cs_ar & VMX_AR_L_MASK) && regs->rip >> 32)
		return -EINVAL;
	return 0;
}

/* The VMCS is loaded, interrupts off; only called in an STI or MOV SS shadow. */
int dune_vcpu_sync_pending_dbg(struct dune_vcpu *vcpu)
{
	unsigned long dbg = vmcs_readnat(GUEST_PENDING_DBG_EXCEPTIONS);
	unsigned long want = dbg & ~DR_STEP;

	if (vcpu->regs.rflags & X86_EFLAGS_TF)
		want |= DR_STEP;
	if (want == dbg)
		return 0;
	return vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, want);
}
