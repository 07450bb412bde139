// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs.c - filling a VMCS: control fields and the host-state area.
 *
 * A VMCS (SDM Vol. 3C, chapter 25) has six parts: guest state, host
 * state, VM-execution, VM-exit and VM-entry controls, and VM-exit
 * information.  This file holds what every VMCS of ours shares:
 *
 *  - vmx_ctl_value(): a 32-bit control field from the bits we want and the
 *    capability MSR that says which bits may (and must) be 1;
 *  - dune_vmcs_write_host_state(): the host-state area, i.e. the state the
 *    CPU loads on every VM exit (SDM Vol. 3C, 25.5 and 28.5), read from the
 *    running kernel on the CPU where the VMCS is current;
 *  - dune_vmcs_write_guest_segment() and dune_vmcs_write_guest_quiet_state():
 *    the parts of the guest-state area every guest of ours fills the same way;
 *  - dune_vmcs_after_exit(): what a VM exit leaves for us to repair;
 *  - the per-CPU lists of the vCPU VMCSs active on each CPU, and their
 *    VMCLEAR: on another CPU by IPI, or all of one CPU's before its VMXOFF
 *    (vmx_cpu.c), as KVM keeps its loaded_vmcss_on_cpu in vmx.c.
 *
 * Where the VMCS lives.  A VMCS is "active" on at most one CPU at a time
 * and must be VMCLEARed there before it is used anywhere else (SDM Vol.
 * 3C, 25.11.1); a CPU may hold several active VMCSs, one of them current.
 * As in KVM, a vCPU's VMCS stays active on the CPU it last ran on -
 * across DUNE_RUN returns, sleeps and other threads' runs - because a
 * forwarded system call returns to user space once per call, and a
 * VMCLEAR, VMPTRLD and host-state rewrite each time would double the
 * kernel's share of its cost.  It is VMCLEARed only when it must be:
 *
 *   - the thread runs on another CPU: the run loop (vcpu.c) VMCLEARs it on
 *     the old CPU by IPI (VMCLEAR works on the CPU's own cached copy), then
 *     VMPTRLDs it here and rewrites the per-CPU host state;
 *   - the old CPU goes offline, suspends or reboots: everything active
 *     there is VMCLEARed before VMXOFF (dune_vmcs_clear_this_cpu());
 *   - the vCPU's file is released.
 *
 * Each CPU's list of active VMCSs is changed only on that CPU with
 * interrupts off, so the IPI and the hotplug callback need no lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "dune.h"
#include "vm.h"
#include "vmx_ops.h"

/*
 * A control field's value: the bits we want, plus the bits the CPU
 * insists on (allowed-0 settings).  A wanted bit the CPU does not allow
 * (allowed-1 settings) is an error: we never silently run without it.
 */
int vmx_ctl_value(u64 ctl_msr, u32 wanted, u32 *value)
{
	u32 missing = wanted & ~vmx_ctl_may_be_1(ctl_msr);

	if (missing) {
		pr_err("VMX control bits %#x are not supported by this CPU\n", missing);
		return -EOPNOTSUPP;
	}
	*value = wanted | vmx_ctl_must_be_1(ctl_msr);
	return 0;
}

/*
 * The host-state area: on VM exit the CPU loads CR0, CR3, CR4, RSP, RIP,
 * the segment selectors, the FS/GS/TR/GDTR/IDTR bases and the SYSENTER
 * MSRs from here (SDM Vol. 3C, 28.5.1-28.5.2).  Everything else (the
 * other MSRs, debug registers, general-purpose registers) keeps the value
 * the guest left.  HOST_RSP and HOST_RIP are written by the entry code.
 *
 * Called with interrupts off on the CPU whose VMCS is current: several
 * values (GDT, TSS, GS base) are per CPU.
 */
int dune_vmcs_write_host_state(void)
{
	int cpu = smp_processor_id();
	struct desc_ptr gdt, idt;
	u64 fs_base, gs_base, sysenter_cs, sysenter_esp, sysenter_eip;
	int err = 0;

	lockdep_assert_irqs_disabled();
	native_store_gdt(&gdt);
	store_idt(&idt);
	rdmsrq(MSR_FS_BASE, fs_base);
	rdmsrq(MSR_GS_BASE, gs_base);
	rdmsrq(MSR_IA32_SYSENTER_CS, sysenter_cs);
	rdmsrq(MSR_IA32_SYSENTER_ESP, sysenter_esp);
	rdmsrq(MSR_IA32_SYSENTER_EIP, sysenter_eip);

	/* Control registers (CR4 from the kernel's copy, which is exact). */
	err |= vmcs_writenat(HOST_CR0, read_cr0());
	err |= vmcs_writenat(HOST_CR3, __read_cr3());
	err |= vmcs_writenat(HOST_CR4, dune_read_cr4());

	/*
	 * Selectors: the kernel's code and stack segments; DS, ES, FS and GS
	 * as 0 (SDM 26.2.3: RPL and TI must be 0; a 64-bit kernel does not
	 * use them, and their bases come from the MSR values below).
	 */
	err |= vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	err |= vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	err |= vmcs_write16(HOST_DS_SELECTOR, 0);
	err |= vmcs_write16(HOST_ES_SELECTOR, 0);
	err |= vmcs_write16(HOST_FS_SELECTOR, 0);
	err |= vmcs_write16(HOST_GS_SELECTOR, 0);
	err |= vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);

	err |= vmcs_writenat(HOST_FS_BASE, fs_base);
	err |= vmcs_writenat(HOST_GS_BASE, gs_base);
	err |= vmcs_writenat(HOST_TR_BASE,
			     (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	err |= vmcs_writenat(HOST_GDTR_BASE, gdt.address);
	err |= vmcs_writenat(HOST_IDTR_BASE, idt.address);

	err |= vmcs_write32(HOST_IA32_SYSENTER_CS, sysenter_cs);
	err |= vmcs_writenat(HOST_IA32_SYSENTER_ESP, sysenter_esp);
	err |= vmcs_writenat(HOST_IA32_SYSENTER_EIP, sysenter_eip);
	return err ? -EIO : 0;
}

/*
 * One segment of the guest-state area: selector, base, limit and access
 * rights (SDM Vol. 3C, 25.4.1).  The fields of one segment are 2 apart in
 * the encoding: ES at +0, then CS, SS, DS, FS, GS, LDTR, TR.
 */
int dune_vmcs_write_guest_segment(unsigned long selector_field, u16 selector, u64 base,
				  u32 limit, u32 ar)
{
	unsigned long n = (selector_field - GUEST_ES_SELECTOR) / 2;
	int err = 0;

	err |= vmcs_write16(selector_field, selector);
	err |= __vmcs_write(GUEST_ES_BASE + 2 * n, base);
	err |= __vmcs_write(GUEST_ES_LIMIT + 2 * n, limit);
	err |= __vmcs_write(GUEST_ES_AR_BYTES + 2 * n, ar);
	return err ? -EIO : 0;
}

/*
 * The guest state that starts quiet for every guest: no debug registers
 * armed, no SYSENTER, active, nothing blocked or pending, and no shadow
 * VMCS - the link pointer must then be all ones (27.3.1.5).
 */
int dune_vmcs_write_guest_quiet_state(void)
{
	int err = 0;

	err |= vmcs_writenat(GUEST_DR7, 0x400);	/* bit 10 reads as 1 */
	err |= vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	err |= vmcs_write32(GUEST_SYSENTER_CS, 0);
	err |= vmcs_writenat(GUEST_SYSENTER_ESP, 0);
	err |= vmcs_writenat(GUEST_SYSENTER_EIP, 0);
	err |= vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	err |= vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	err |= vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	err |= vmcs_write64(VMCS_LINK_POINTER, -1ULL);
	return err ? -EIO : 0;
}

/*
 * A VM exit sets the GDTR and IDTR limits to 0xffff and the TR limit to
 * 0x67 (SDM Vol. 3C, 28.5.2).  The short TR limit cuts off the TSS I/O
 * bitmap, so tell the kernel to reload it before returning to a process
 * that uses ioperm(); and reload the GDT with its real limit.
 */
void dune_vmcs_after_exit(void)
{
	invalidate_tss_limit();
	load_fixmap_gdt(smp_processor_id());
}

/* The vCPUs whose VMCS is active on each CPU (see "Where the VMCS lives"). */
static DEFINE_PER_CPU(struct list_head, dune_loaded_vcpus);

/*
 * Before the first CPU enters VMX operation: its offline callback walks
 * its list (dune_vmcs_clear_this_cpu()), even when the load fails later.
 */
void dune_vmcs_loaded_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(per_cpu_ptr(&dune_loaded_vcpus, cpu));
}

/*
 * VMPTRLD the vCPU's VMCS, active nowhere, on this CPU: it becomes active
 * and current here, and joins this CPU's list.  Interrupts are off.
 */
int dune_vmcs_activate(struct dune_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	if (dune_vmptrld(vcpu->vmcs_pa))
		return -EIO;
	vcpu->cpu = smp_processor_id();
	list_add(&vcpu->loaded_link, this_cpu_ptr(&dune_loaded_vcpus));
	return 0;
}

/* VMCLEAR the VMCS if it is active on this CPU.  Interrupts are off. */
static void vmcs_clear_here(struct dune_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	if (vcpu->cpu != smp_processor_id())
		return;
	dune_vmclear(vcpu->vmcs_pa);		/* a failure is reported */
	list_del(&vcpu->loaded_link);
	vcpu->cpu = -1;
	vcpu->launched = false;	/* VMCLEAR resets the launch state */
}

static void vmcs_clear_ipi(void *info)
{
	vmcs_clear_here(info);
}

/*
 * VMCLEAR the VMCS wherever it is active (interrupts on: an IPI, waited
 * for).  A CPU that went offline has cleared it already, and the IPI then
 * fails harmlessly.
 */
void dune_vmcs_clear(struct dune_vcpu *vcpu)
{
	int cpu = READ_ONCE(vcpu->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmcs_clear_ipi, vcpu, 1);
}

/* Before VMXOFF on this CPU (hotplug, suspend, reboot): interrupts off. */
void dune_vmcs_clear_this_cpu(void)
{
	struct dune_vcpu *vcpu, *next;

	list_for_each_entry_safe(vcpu, next, this_cpu_ptr(&dune_loaded_vcpus), loaded_link)
		vmcs_clear_here(vcpu);
}
