// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_vmcs.c - the VMCS of a Dune vCPU: a process thread in ring 0.
 *
 * Every field below is set once, when the vCPU is created, except the
 * host-state area (per CPU: vcpu.c rewrites it whenever the VMCS lands on
 * a CPU) and RIP, RSP, RFLAGS, the FS/GS bases and event injection (per
 * entry).  Each value says why it is what it is; the SDM sections are
 * those of Vol. 3C (chapter 25 describes the fields, chapter 27 the checks
 * VM entry makes on them).
 *
 * The guest is the process itself, so the design rule is: the guest may
 * do to the process what the process could do to itself, and nothing to
 * the host.  Hence EPT + VPID (memory and TLB isolation), exits on
 * interrupts and NMIs (the host keeps its CPU), exits on HLT, MWAIT, I/O,
 * CR8, debug registers, RDPMC and every MSR we do not know to be harmless,
 * and the guest's own SYSCALL MSRs switched by the CPU on entry and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <asm/io.h>

#include "dune.h"
#include "vm.h"
#include "vmx_ops.h"

/* CR0 and CR4 must respect the fixed bits of VMX operation (SDM A.7, A.8). */
static u64 fixed_cr(u64 wanted, u64 fixed0, u64 fixed1)
{
	return (wanted | fixed0) & fixed1;
}

static int vmcs_setup_controls(struct dune_vcpu *vcpu, u64 msr_bitmap_pa)
{
	u32 pin, proc, proc2, exit, entry, proc2_wanted;
	int err;

	/*
	 * Pin-based (25.6.1): external interrupts and NMIs exit, so the host
	 * sees every interrupt at once, whatever the guest's RFLAGS.IF
	 * (26.4.1).  The VMX-preemption timer (25.6.1, 26.5.1) bounds every
	 * stay in the guest as well: Bochs 2.7 holds external interrupts
	 * back while the guest runs with IF=0, so a guest that executes CLI
	 * and spins would otherwise keep its CPU from the host forever.
	 */
	err = vmx_ctl_value(dune_vmx.pinbased_ctls,
			    PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
			    (vcpu->preemption_timer ? PIN_BASED_VMX_PREEMPTION_TIMER : 0), &pin);
	/*
	 * Primary processor-based (25.6.2):
	 *  HLT, MWAIT, MONITOR: ring 0 must not park or idle the host's CPU;
	 *  CR8 load/store: without a TPR shadow, MOV to CR8 would write the
	 *    real local APIC's task priority and mask host interrupts;
	 *  unconditional I/O exiting: ring 0 must not reach real ports;
	 *  MOV DR, RDPMC: debug registers and counters belong to the host;
	 *  MSR bitmaps: exit on every MSR except the few in the bitmap;
	 *  no CR3 exits: the guest owns its page tables (EPT contains it).
	 */
	err = err ?: vmx_ctl_value(dune_vmx.procbased_ctls,
				   CPU_BASED_HLT_EXITING | CPU_BASED_MWAIT_EXITING |
				   CPU_BASED_MONITOR_EXITING | CPU_BASED_CR8_LOAD_EXITING |
				   CPU_BASED_CR8_STORE_EXITING | CPU_BASED_UNCOND_IO_EXITING |
				   CPU_BASED_MOV_DR_EXITING | CPU_BASED_RDPMC_EXITING |
				   CPU_BASED_USE_MSR_BITMAPS |
				   CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, &proc);
	/*
	 * Secondary (25.6.2): EPT and VPID; WBINVD exits (it would stall
	 * the machine); RDTSCP where the CPU has it, or that instruction
	 * (the kernel's time readers, user code asking for the CPU number)
	 * would #UD.  The vDSO's getcpu() uses RDPID or LSL on GDT entry 15,
	 * which DUNE_VCPU_F_CPUNODE keeps up to date (vcpu.c).
	 */
	proc2_wanted = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_WBINVD_EXITING;
	if (vmx_ctl_may_be_1(dune_vmx.procbased_ctls2) & SECONDARY_EXEC_ENABLE_RDTSCP)
		proc2_wanted |= SECONDARY_EXEC_ENABLE_RDTSCP;
	/*
	 * A vCPU past its user's VPID share has VPID 0 (limits.c): VPID off,
	 * so that VM entry and exit flush its TLB entries (29.1), as KVM runs
	 * a vCPU it has no VPID for.
	 */
	if (vcpu->vpid)
		proc2_wanted |= SECONDARY_EXEC_ENABLE_VPID;
	/*
	 * ENCLS exiting with every leaf set in the bitmap (25.6.16): on an SGX
	 * host, ring 0 of the guest must not build or enter enclaves with the
	 * host's EPC behind the kernel's back; ENCLS is a #UD, as for a
	 * process (exits.c).  The control exists on every CPU with SGX.
	 */
	if (boot_cpu_has(X86_FEATURE_SGX) &&
	    (vmx_ctl_may_be_1(dune_vmx.procbased_ctls2) & SECONDARY_EXEC_ENCLS_EXITING))
		proc2_wanted |= SECONDARY_EXEC_ENCLS_EXITING;
	err = err ?: vmx_ctl_value(dune_vmx.procbased_ctls2, proc2_wanted, &proc2);
	/*
	 * VM-exit controls (25.7.1): a 64-bit host; save the guest's debug
	 * controls.  Interrupts are NOT acknowledged on exit: they stay
	 * pending in the local APIC and the kernel takes them the normal way
	 * as soon as the run loop enables interrupts.
	 */
	err = err ?: vmx_ctl_value(dune_vmx.exit_ctls,
				   VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_DEBUG_CONTROLS, &exit);
	/* VM-entry controls (25.8.1): a 64-bit guest with its debug controls. */
	err = err ?: vmx_ctl_value(dune_vmx.entry_ctls,
				   VM_ENTRY_IA32E_MODE | VM_ENTRY_LOAD_DEBUG_CONTROLS, &entry);
	if (err)
		return err;

	err |= vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, pin);
	err |= vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	vcpu->proc_ctls = proc;		/* vcpu_event.c adds interrupt-window exiting */
	err |= vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	if (proc2 & SECONDARY_EXEC_ENCLS_EXITING)
		err |= vmcs_write64(ENCLS_EXITING_BITMAP, ~0ULL);
	err |= vmcs_write32(VM_EXIT_CONTROLS, exit);
	err |= vmcs_write32(VM_ENTRY_CONTROLS, entry);

	/* Exceptions go to the guest's IDT, except machine checks (host). */
	err |= vmcs_write32(EXCEPTION_BITMAP, 1U << X86_TRAP_MC);
	err |= vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	err |= vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	err |= vmcs_write32(CR3_TARGET_COUNT, 0);
	err |= vmcs_write64(MSR_BITMAP, msr_bitmap_pa);
	err |= vmcs_write64(EPT_POINTER, vcpu->vm->eptp);
	err |= vmcs_write16(VIRTUAL_PROCESSOR_ID, vcpu->vpid);

	/*
	 * The SYSCALL MSRs and KERNEL_GS_BASE are not part of the VMCS: the
	 * CPU stores the guest's values in a list on exit and loads them
	 * back from the same list on entry, and loads the host's from
	 * another list on exit (25.7.2, 25.8.2).  The guest may write them
	 * without exiting (the MSR bitmap in vcpu.c), and SWAPGS changes
	 * KERNEL_GS_BASE: whatever the guest left is what it finds again.
	 */
	err |= vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, NR_SWITCHED_MSRS);
	err |= vmcs_write64(VM_ENTRY_MSR_LOAD_ADDR, virt_to_phys(vcpu->msrs->guest));
	err |= vmcs_write32(VM_EXIT_MSR_STORE_COUNT, NR_SWITCHED_MSRS);
	err |= vmcs_write64(VM_EXIT_MSR_STORE_ADDR, virt_to_phys(vcpu->msrs->guest));
	err |= vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, NR_SWITCHED_MSRS);
	err |= vmcs_write64(VM_EXIT_MSR_LOAD_ADDR, virt_to_phys(vcpu->msrs->host));
	err |= vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	return err ? -EIO : 0;
}

static int vmcs_setup_guest(struct dune_vcpu *vcpu, const struct dune_vcpu_config *config)
{
	u64 cr0, cr4;
	int err = 0;

	/*
	 * CR0: protected mode, paging, write protection in ring 0, native
	 * FPU errors, no TS (the guest uses the thread's live FPU state).
	 */
	cr0 = fixed_cr(X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
		       X86_CR0_PG, dune_vmx.cr0_fixed0, dune_vmx.cr0_fixed1);
	/*
	 * CR4: PAE (long mode), SSE enabled, and the host's XSAVE and
	 * FSGSBASE settings so that the thread's code (glibc checks XGETBV)
	 * runs as it does natively.  VMXE is forced by CR4_FIXED0; the read
	 * shadow hides it.  SMEP and SMAP only when asked for
	 * (DUNE_VCPU_F_SMEP/_SMAP, checked against the CPU in vcpu_abi.c): ring 0
	 * here is the process itself, and a program that runs its own code
	 * at CPL 3 from pages it also runs in ring 0 (libdune's "full" mode)
	 * would break.  PKE stays off: protection keys would apply to the
	 * guest's accesses with PKRU values the guest can set (host_state.c).
	 */
	cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |
	      (dune_read_cr4() & (X86_CR4_OSXSAVE | X86_CR4_FSGSBASE));
	if (config->flags & DUNE_VCPU_F_SMEP)
		cr4 |= X86_CR4_SMEP;
	if (config->flags & DUNE_VCPU_F_SMAP)
		cr4 |= X86_CR4_SMAP;
	cr4 = fixed_cr(cr4, dune_vmx.cr4_fixed0, dune_vmx.cr4_fixed1);

	err |= vmcs_writenat(GUEST_CR0, cr0);
	err |= vmcs_writenat(GUEST_CR4, cr4);
	err |= vmcs_writenat(GUEST_CR3, config->cr3);
	/*
	 * Guest/host masks all ones (25.6.6): every CR0/CR4 bit is ours, a
	 * guest write that would change one exits, and reads return the
	 * shadow.
	 */
	err |= vmcs_writenat(CR0_GUEST_HOST_MASK, ~0UL);
	err |= vmcs_writenat(CR0_READ_SHADOW, cr0);
	err |= vmcs_writenat(CR4_GUEST_HOST_MASK, ~0UL);
	err |= vmcs_writenat(CR4_READ_SHADOW, cr4 & ~X86_CR4_VMXE);

	/* Flat 64-bit ring-0 segments from the caller's GDT (25.4.1). */
	err |= dune_vmcs_write_guest_segment(GUEST_CS_SELECTOR, config->cs, 0, 0xffffffff,
					     VMCS_AR_CODE64_RING0);
	err |= dune_vmcs_write_guest_segment(GUEST_SS_SELECTOR, config->ss, 0, 0xffffffff,
					     VMCS_AR_DATA_RING0);
	err |= dune_vmcs_write_guest_segment(GUEST_DS_SELECTOR, config->ss, 0, 0xffffffff,
					     VMCS_AR_DATA_RING0);
	err |= dune_vmcs_write_guest_segment(GUEST_ES_SELECTOR, config->ss, 0, 0xffffffff,
					     VMCS_AR_DATA_RING0);
	/* FS and GS: null selectors, as in a process; the bases are per entry. */
	err |= dune_vmcs_write_guest_segment(GUEST_FS_SELECTOR, 0, 0, 0, VMCS_AR_UNUSABLE);
	err |= dune_vmcs_write_guest_segment(GUEST_GS_SELECTOR, 0, 0, 0, VMCS_AR_UNUSABLE);
	err |= dune_vmcs_write_guest_segment(GUEST_LDTR_SELECTOR, 0, 0, 0, VMCS_AR_UNUSABLE);
	err |= dune_vmcs_write_guest_segment(GUEST_TR_SELECTOR, config->tr, config->tr_base, 0x67,
					     VMCS_AR_TSS64_BUSY);
	err |= vmcs_writenat(GUEST_GDTR_BASE, config->gdtr_base);
	err |= vmcs_write32(GUEST_GDTR_LIMIT, config->gdtr_limit);
	err |= vmcs_writenat(GUEST_IDTR_BASE, config->idtr_base);
	err |= vmcs_write32(GUEST_IDTR_LIMIT, config->idtr_limit);

	err |= dune_vmcs_write_guest_quiet_state();
	return err ? -EIO : 0;
}

/*
 * Fill the VMCS of a new vCPU.  It is current on this CPU (VMPTRLD) and
 * preemption is off.
 */
int dune_vcpu_vmcs_setup(struct dune_vcpu *vcpu, const struct dune_vcpu_config *config,
			 u64 msr_bitmap_pa)
{
	int err = vmcs_setup_controls(vcpu, msr_bitmap_pa);

	err = err ?: vmcs_setup_guest(vcpu, config);
	if (!err && vmcs_writenat(HOST_RIP, (unsigned long)dune_vmx_vmexit))
		err = -EIO;
	return err;
}
