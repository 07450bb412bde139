// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - a vCPU is a thread of the process, running in VMX non-root
 * ring 0, and the loop that runs it.
 *
 * DUNE_CREATE_VCPU on a VM gives the calling thread a vCPU: a VMCS, a VPID
 * and a file.  DUNE_RUN enters the guest and stays in a loop, handling VM
 * exits in the kernel, until one needs user space (a VMCALL, an access the
 * process may not make, an exit we do not handle) or the thread has
 * something else to do: a pending signal, a reschedule, work for the
 * return to user space.  Then it returns, with the guest's registers in
 * struct dune_run, and user space calls DUNE_RUN again.
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
 *   - the thread runs on another CPU: the run loop VMCLEARs it on the old
 *     CPU by IPI (VMCLEAR works on the CPU's own cached copy), then
 *     VMPTRLDs it here and rewrites the per-CPU host state;
 *   - the old CPU goes offline, suspends or reboots: everything active
 *     there is VMCLEARed before VMXOFF (dune_vcpus_clear_this_cpu());
 *   - the vCPU's file is released.
 *
 * Each CPU's list of active VMCSs is changed only on that CPU with
 * interrupts off, so the IPI and the hotplug callback need no lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/cpu.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/apic.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/segment.h>
#include <asm/fpu/api.h>
#include <asm/io.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>
#include <asm/sync_core.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include "dune.h"
#include "vm.h"
#include "vmx_ops.h"

/* The vCPUs whose VMCS is active on each CPU (see "Where the VMCS lives"). */
static DEFINE_PER_CPU(struct list_head, dune_loaded_vcpus);

/*
 * One MSR bitmap for every vCPU (SDM Vol. 3C, 25.6.9): a set bit makes
 * RDMSR/WRMSR of that MSR exit.  All bits are set except for the MSRs the
 * CPU switches between guest and host on every entry and exit: FS_BASE
 * and GS_BASE (in the VMCS), and the SYSCALL MSRs and KERNEL_GS_BASE (in
 * the MSR lists, vcpu_vmcs.c).  The guest reads and writes its own copies
 * of those at full speed - libdune switches LSTAR and swaps GS when it
 * enters and leaves its ring 3 - and every other MSR is decided by
 * exits.c.
 */
static unsigned long *dune_msr_bitmap;

static void msr_bitmap_allow(u32 msr)
{
	/* Read bitmap for MSRs C0000000H-C0001FFFH at byte 1024, write at 3072. */
	unsigned long bit = msr & 0x1fff;

	__clear_bit(bit, (unsigned long *)((char *)dune_msr_bitmap + 1024));
	__clear_bit(bit, (unsigned long *)((char *)dune_msr_bitmap + 3072));
}

int dune_vcpu_init(void)
{
	int cpu;

	dune_msr_bitmap = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!dune_msr_bitmap)
		return -ENOMEM;
	memset(dune_msr_bitmap, 0xff, PAGE_SIZE);
	msr_bitmap_allow(MSR_FS_BASE);
	msr_bitmap_allow(MSR_GS_BASE);
	msr_bitmap_allow(MSR_STAR);
	msr_bitmap_allow(MSR_LSTAR);
	msr_bitmap_allow(MSR_SYSCALL_MASK);
	msr_bitmap_allow(MSR_KERNEL_GS_BASE);
	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(per_cpu_ptr(&dune_loaded_vcpus, cpu));
	return 0;
}

void dune_vcpu_exit(void)
{
	free_page((unsigned long)dune_msr_bitmap);
}

/* VMCLEAR the VMCS if it is active on this CPU.  Interrupts are off. */
static void vcpu_clear_here(struct dune_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	if (vcpu->cpu != smp_processor_id())
		return;
	dune_vmclear(vcpu->vmcs_pa);		/* a failure is reported */
	list_del(&vcpu->loaded_link);
	vcpu->cpu = -1;
	vcpu->launched = false;	/* VMCLEAR resets the launch state */
}

static void vcpu_clear_ipi(void *info)
{
	vcpu_clear_here(info);
}

/*
 * VMCLEAR the VMCS wherever it is active (interrupts on: an IPI, waited
 * for).  A CPU that went offline has cleared it already, and the IPI then
 * fails harmlessly.
 */
static void vcpu_clear(struct dune_vcpu *vcpu)
{
	int cpu = READ_ONCE(vcpu->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vcpu_clear_ipi, vcpu, 1);
}

/* Before VMXOFF on this CPU (hotplug, suspend, reboot): interrupts off. */
void dune_vcpus_clear_this_cpu(void)
{
	struct dune_vcpu *vcpu, *next;

	list_for_each_entry_safe(vcpu, next, this_cpu_ptr(&dune_loaded_vcpus), loaded_link)
		vcpu_clear_here(vcpu);
}

/*
 * DUNE_VCPU_F_CPUNODE: copy this CPU's "CPUNODE" GDT entry - a data
 * segment whose limit is the CPU and node number, which the vDSO reads
 * with LSL - into the guest's GDT, through the kernel's mapping of the
 * pinned page (interrupts are off: nothing here may fault).
 */
static void vcpu_update_cpunode(struct dune_vcpu *vcpu, int cpu)
{
	struct desc_struct *gdt = get_current_gdt_ro();
	u64 *entry;

	if (!vcpu->cpunode_page || vcpu->cpunode_cpu == cpu)
		return;
	entry = page_address(vcpu->cpunode_page) + vcpu->cpunode_offset;
	WRITE_ONCE(*entry, *(u64 *)&gdt[GDT_ENTRY_CPUNODE]);
	vcpu->cpunode_cpu = cpu;
}

/*
 * Make the VMCS current on this CPU (interrupts off; it is active nowhere
 * else), with this CPU's host state.
 *
 * - Not active here yet: VMPTRLD makes it active and current; the
 *   host-state area gets this CPU's GDT, TSS and GS base.  A vCPU that
 *   moved here may find TLB entries tagged with its VPID from an earlier
 *   visit, made stale by page-table changes it flushed on another CPU:
 *   flush them (INVVPID single context).
 * - Active here: another VMCS (another vCPU's, the self-test's, KVM's) may
 *   have become current since; VMPTRST tells, and VMPTRLD makes ours
 *   current again without losing its launch state.
 *
 * Three host values can change between entries on the same CPU: CR3 (the
 * kernel gives an address space a different PCID after running others),
 * CR4 (per-task bits such as TSD) and the thread's FS base (user space may
 * change it between DUNE_RUNs): they are compared and written on change.
 */
static int vcpu_load(struct dune_vcpu *vcpu)
{
	int cpu = smp_processor_id();
	unsigned long cr3, cr4;
	int err = 0;

	dune_ibpb_on_vcpu_load(vcpu->vm->id);	/* mitigations.c */
	if (vcpu->cpu != cpu) {
		if (dune_vmptrld(vcpu->vmcs_pa))
			return -EIO;
		vcpu->cpu = cpu;
		list_add(&vcpu->loaded_link, this_cpu_ptr(&dune_loaded_vcpus));
		if (dune_vmcs_write_host_state())
			return -EIO;
		vcpu->host_cr3 = __read_cr3();
		vcpu->host_cr4 = dune_read_cr4();
		vcpu->host_fs_base = vcpu->run_fs_base;	/* what it just wrote */
		if (vcpu->last_cpu != cpu) {
			/* Without a VPID, every entry and exit flushes (limits.c). */
			if (vcpu->vpid &&
			    dune_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vcpu->vpid, 0))
				return -EIO;
			vcpu->last_cpu = cpu;
		}
		vcpu_update_cpunode(vcpu, cpu);
		return 0;
	}

	if (dune_vmptrst() != vcpu->vmcs_pa && dune_vmptrld(vcpu->vmcs_pa))
		return -EIO;
	cr3 = __read_cr3();
	if (unlikely(cr3 != vcpu->host_cr3)) {
		err |= vmcs_writenat(HOST_CR3, cr3);
		vcpu->host_cr3 = cr3;
	}
	cr4 = dune_read_cr4();
	if (unlikely(cr4 != vcpu->host_cr4)) {
		err |= vmcs_writenat(HOST_CR4, cr4);
		vcpu->host_cr4 = cr4;
	}
	if (unlikely(vcpu->run_fs_base != vcpu->host_fs_base)) {
		err |= vmcs_writenat(HOST_FS_BASE, vcpu->run_fs_base);
		vcpu->host_fs_base = vcpu->run_fs_base;
	}
	return err ? -EIO : 0;
}

/*
 * An NMI arrived while the guest ran and caused the exit (pin-based "NMI
 * exiting").  The CPU now blocks NMIs until the next IRET (SDM 26.2):
 * send the NMI again to this CPU, then IRET to ourselves, which unblocks
 * it, and the kernel's own NMI handler takes it.  Interrupts are off.
 */
static void vcpu_handle_nmi_irqoff(void)
{
	apic->send_IPI_mask(cpumask_of(smp_processor_id()), NMI_VECTOR);
	iret_to_self();
}

static void vcpu_read_exit_info(struct dune_vcpu *vcpu)
{
	struct dune_exit_info *e = &vcpu->exit;

	e->reason = vmcs_read32(VM_EXIT_REASON);
	e->qualification = vmcs_readnat(EXIT_QUALIFICATION);
	e->intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
	e->intr_error_code = vmcs_read32(VM_EXIT_INTR_ERROR_CODE);
	e->idt_vectoring_info = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	e->idt_vectoring_error_code = vmcs_read32(IDT_VECTORING_ERROR_CODE);
	e->instruction_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	e->guest_linear_address = vmcs_readnat(GUEST_LINEAR_ADDRESS);
	e->guest_physical_address = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	e->cpl = (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
	vcpu->regs.rip = vmcs_readnat(GUEST_RIP);
	vcpu->regs.rsp = vmcs_readnat(GUEST_RSP);
	vcpu->regs.rflags = vmcs_readnat(GUEST_RFLAGS);
	vcpu->fs_base = vmcs_readnat(GUEST_FS_BASE);
	vcpu->gs_base = vmcs_readnat(GUEST_GS_BASE);
}

/*
 * A VM entry that fails after it started loading guest state ends like a
 * VM exit and loads the VM-exit MSR list (SDM 27.8), but a failure while
 * loading the VM-entry list leaves the MSRs half-switched on some CPUs:
 * put the kernel's SYSCALL MSRs back ourselves.  Rare, so cheap enough.
 */
static void vcpu_restore_host_msrs(struct dune_vcpu *vcpu)
{
	unsigned int i;

	for (i = 0; i < NR_SWITCHED_MSRS; i++)
		wrmsrq(vcpu->msrs->host[i].index, vcpu->msrs->host[i].value);
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
 * whose delivery a VM exit interrupted, vcpu_requeue_event()) goes first.
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

/* The per-entry part of the guest state, and any event to inject. */
static int vcpu_write_entry_state(struct dune_vcpu *vcpu)
{
	int err = vcpu_deliver_interrupt(vcpu);

	err |= vmcs_writenat(GUEST_RIP, vcpu->regs.rip);
	err |= vmcs_writenat(GUEST_RSP, vcpu->regs.rsp);
	err |= vmcs_writenat(GUEST_RFLAGS, vcpu->regs.rflags);
	err |= vmcs_writenat(GUEST_FS_BASE, vcpu->fs_base);
	err |= vmcs_writenat(GUEST_GS_BASE, vcpu->gs_base);
	if (vcpu->preemption_timer)
		err |= vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, vcpu->preemption_timer);
	if (vcpu->inject_info & INTR_INFO_VALID_MASK) {
		err |= vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, vcpu->inject_info);
		err |= vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vcpu->inject_error_code);
		err |= vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, vcpu->inject_instruction_len);
		vcpu->inject_info = 0;
	}
	return err ? -EIO : 0;
}

/*
 * An exit that interrupted the delivery of an event through the guest's
 * IDT (e.g. an EPT violation on the exception stack) loses that event
 * unless we deliver it again on the next entry (SDM 28.2.4, 27.6).
 */
static void vcpu_requeue_event(struct dune_vcpu *vcpu)
{
	u32 info = vcpu->exit.idt_vectoring_info;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	vcpu->inject_info = info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
				    INTR_INFO_DELIVER_CODE_MASK | INTR_INFO_VECTOR_MASK);
	vcpu->inject_error_code = vcpu->exit.idt_vectoring_error_code;
	vcpu->inject_instruction_len = vcpu->exit.instruction_len;
}

/* Something the thread must do before we may enter the guest? */
static bool vcpu_work_pending(void)
{
	return signal_pending(current) || need_resched() ||
	       test_thread_flag(TIF_NOTIFY_RESUME);
}

/*
 * One VM entry and exit.  Returns 1 after a VM exit (vcpu->exit holds
 * it), -EINTR if the thread must return to user space first, -EIO if the
 * entry failed (reported).
 */
static int vcpu_enter_guest(struct dune_vcpu *vcpu)
{
	struct dune_host_state host_state;
	u64 debugctl, root_saved;
	int ret, err;

	for (;;) {
		/*
		 * A signal, or work the kernel does on the way back to user
		 * space (task work, rseq): return, and let user space call
		 * DUNE_RUN again.  The state is saved in struct dune_run.
		 */
		if (signal_pending(current) || test_thread_flag(TIF_NOTIFY_RESUME))
			return -EINTR;
		if (cond_resched())
			vcpu->l1d_flush = true;		/* another task ran here */

		preempt_disable();
		/*
		 * The thread moved since its VMCS was last active: VMCLEAR it
		 * on the old CPU first, which takes an IPI and so interrupts.
		 */
		if (vcpu->cpu >= 0 && vcpu->cpu != smp_processor_id())
			vcpu_clear(vcpu);
		local_irq_disable();
		/*
		 * Checked again with interrupts off: a signal or a reschedule
		 * request arriving after this point comes with an IPI, which
		 * stays pending and makes the entry exit at once.
		 */
		if (!vcpu_work_pending())
			break;
		local_irq_enable();
		preempt_enable();
	}

	/* kvm_intel's VMX root: its VMCS is saved here, back before IRQs (vmx_root.c). */
	err = dune_root_window_begin(&root_saved);
	if (err)
		goto out_irq;
	err = vcpu_load(vcpu);
	if (err)
		goto out_window;
	dune_root_read_host_msrs(vcpu->msrs->host, NR_SWITCHED_MSRS);

	/*
	 * The guest runs on the thread's own FPU state: it must be loaded
	 * (or, where we may not load it, user space calls again: compat.h).
	 */
	if (!dune_fpu_ready()) {
		err = -EINTR;
		goto out_window;
	}

	err = vcpu_write_entry_state(vcpu);
	if (err)
		goto out_window;

	/*
	 * CR2 is not part of the VMCS: the guest's value (its last page-fault
	 * address) lives in the register.  Put it back if the host changed
	 * it, and take it right after the exit, before the host can fault.
	 */
	if (native_read_cr2() != vcpu->cr2)
		native_write_cr2(vcpu->cr2);
	debugctl = get_debugctlmsr();
	/* ---- hardening: host_state.c, mitigations.c ---- */
	dune_host_state_save(&host_state);
	dune_l1d_flush_before_entry(vcpu->l1d_flush);
	vcpu->l1d_flush = false;
	/* ---- */
	ret = __dune_vmx_enter(&vcpu->regs, vcpu->launched);
	vcpu->cr2 = native_read_cr2();
	dune_vmcs_after_exit();
	/*
	 * A VM exit sets DR7 to 0x400 and clears IA32_DEBUGCTL (SDM 28.5.1):
	 * re-arm the host's hardware breakpoints (ptrace, perf) if it had any.
	 */
	if (hw_breakpoint_active())
		set_debugreg(__this_cpu_read(cpu_dr7), 7);
	if (debugctl)
		update_debugctlmsr(debugctl);

	if (ret == 0) {
		vcpu->launched = true;
		vcpu_read_exit_info(vcpu);
		/* LDTR, DR6, PKRU, and a machine check for the host (host_state.c). */
		dune_host_state_restore(&host_state, &vcpu->exit);
		if (vcpu->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
			vcpu_restore_host_msrs(vcpu);
		if ((vcpu->exit.reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI &&
		    (vcpu->exit.intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) ==
		    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
			vcpu_handle_nmi_irqoff();
	} else {
		dune_host_state_restore(&host_state, NULL);
	}
	/*
	 * A failed VMLAUNCH/VMRESUME is reported here, while this CPU and
	 * our VMCS are still current: the VM-instruction error field is read
	 * from the current VMCS (SDM 30.4), and after preempt_enable() the
	 * thread may be on another CPU, with another VMCS current.
	 */
	if (ret == 1 || ret == 2)
		dune_vmx_failed(vcpu->launched ? VMX_INSN_VMRESUME : VMX_INSN_VMLAUNCH,
				ret == 1 ? VMX_FAIL_INVALID : VMX_FAIL_VALID, vcpu->vmcs_pa);
	dune_root_window_end(root_saved);
	local_irq_enable();
	preempt_enable();

	switch (ret) {
	case 0:
		/*
		 * A failed VM entry (bit 31) delivered nothing: its IDT-vectoring
		 * field is not valid (SDM 27.8) and still describes the exit
		 * before.  Re-injecting that would deliver an old event twice.
		 */
		if (!(vcpu->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			vcpu_requeue_event(vcpu);
		return 1;
	case 1:
	case 2:
		break;		/* reported above */
	default:
		pr_err_ratelimited("VM entry impossible (%d): VMX is off on this CPU\n", ret);
		break;
	}
	vcpu->dead = true;
	return -EIO;

out_window:
	dune_root_window_end(root_saved);
out_irq:
	local_irq_enable();
	preempt_enable();
	return err;
}

/* RFLAGS bits a guest may hold: the arithmetic flags, TF, IF, DF, IOPL, NT, RF, AC, ID. */
#define DUNE_RFLAGS_ALLOWED	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
				 X86_EFLAGS_SF | X86_EFLAGS_TF | X86_EFLAGS_IF | X86_EFLAGS_DF | \
				 X86_EFLAGS_OF | X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
				 X86_EFLAGS_AC | X86_EFLAGS_ID | X86_EFLAGS_FIXED)

static int vcpu_check_run(const struct dune_run *run)
{
	/* cpl and interrupt_pending are output only: a reused struct may hold the last ones. */
	if ((run->flags & ~DUNE_RUN_FLAGS) || run->reserved0 ||
	    memchr_inv(run->reserved, 0, sizeof(run->reserved)))
		return -EINVAL;
	if (run->flags & DUNE_RUN_F_INTERRUPT) {
		/* Vectors 0-31 are the CPU's exceptions (SDM Vol. 3A, 6.2). */
		if (run->interrupt_vector < FIRST_EXTERNAL_VECTOR ||
		    !dune_cap_value(DUNE_CAP_RUN_INTERRUPT))
			return -EINVAL;
	} else if (run->interrupt_vector) {
		return -EINVAL;
	}
	if (!dune_canonical(run->regs.rip) || !dune_canonical(run->fs_base) ||
	    !dune_canonical(run->gs_base))
		return -EINVAL;
	if ((run->regs.rflags & ~DUNE_RFLAGS_ALLOWED) || !(run->regs.rflags & X86_EFLAGS_FIXED))
		return -EINVAL;
	return 0;
}

/*
 * struct dune_run in and out, one field at a time inside a single
 * user_access_begin() window instead of copy_from_user()/copy_to_user():
 * this is the forwarded system call's path, taken twice per call.  The
 * copies would move all 296 bytes (the exit union too, which is output
 * only) and each does its own might_fault() checks, which on a debug
 * kernel take lockdep's mmap_lock annotation.  Every input field is still
 * read and checked (vcpu_check_run()); every output field is written.
 */
#define RUN_WORDS(field)	(sizeof(field) / sizeof(u64))

static int vcpu_run_in(struct dune_run *run, const struct dune_run __user *urun)
{
	const u64 __user *uregs = (const u64 __user *)&urun->regs;
	const u64 __user *ureserved = urun->reserved;
	u64 *regs = (u64 *)&run->regs;
	u64 *reserved = run->reserved;
	unsigned int i;

	/*
	 * Words through plain pointers: no array bounds check (a sanitizer
	 * call) may run with user access open.
	 */
	BUILD_BUG_ON(sizeof(run->regs) % sizeof(u64));
	if (!user_access_begin(urun, sizeof(*urun)))
		return -EFAULT;
	unsafe_get_user(run->flags, &urun->flags, efault);
	for (i = 0; i < RUN_WORDS(run->regs); i++)
		unsafe_get_user(regs[i], &uregs[i], efault);
	unsafe_get_user(run->fs_base, &urun->fs_base, efault);
	unsafe_get_user(run->gs_base, &urun->gs_base, efault);
	unsafe_get_user(run->interrupt_vector, &urun->interrupt_vector, efault);
	unsafe_get_user(run->reserved0, &urun->reserved0, efault);
	for (i = 0; i < ARRAY_SIZE(run->reserved); i++)
		unsafe_get_user(reserved[i], &ureserved[i], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static int vcpu_run_out(struct dune_run __user *urun, const struct dune_run *run)
{
	u64 __user *uregs = (u64 __user *)&urun->regs;
	u64 __user *uu = (u64 __user *)&urun->u;
	u64 __user *ureserved = urun->reserved;
	const u64 *regs = (const u64 *)&run->regs;
	const u64 *u = (const u64 *)&run->u;
	unsigned int i;

	BUILD_BUG_ON(sizeof(run->u) % sizeof(u64));
	if (!user_access_begin(urun, sizeof(*urun)))
		return -EFAULT;
	unsafe_put_user(run->flags, &urun->flags, efault);
	unsafe_put_user(run->exit_reason, &urun->exit_reason, efault);
	for (i = 0; i < RUN_WORDS(run->regs); i++)
		unsafe_put_user(regs[i], &uregs[i], efault);
	unsafe_put_user(run->fs_base, &urun->fs_base, efault);
	unsafe_put_user(run->gs_base, &urun->gs_base, efault);
	for (i = 0; i < RUN_WORDS(run->u); i++)
		unsafe_put_user(u[i], &uu[i], efault);
	unsafe_put_user(run->cpl, &urun->cpl, efault);
	unsafe_put_user(run->interrupt_vector, &urun->interrupt_vector, efault);
	unsafe_put_user(run->interrupt_pending, &urun->interrupt_pending, efault);
	unsafe_put_user(0, &urun->reserved0, efault);
	for (i = 0; i < ARRAY_SIZE(run->reserved); i++)
		unsafe_put_user(0, &ureserved[i], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static long vcpu_run(struct dune_vcpu *vcpu, struct dune_run __user *urun)
{
	struct dune_run run;
	int r;

	if (vcpu_run_in(&run, urun))
		return -EFAULT;
	r = vcpu_check_run(&run);
	if (r)
		return r;
	if (vcpu->dead)
		return -EIO;
	/* One pending interrupt at a time: the caller queues the rest. */
	if (run.flags & DUNE_RUN_F_INTERRUPT) {
		if (vcpu->pending_vector)
			return -EBUSY;
		vcpu->pending_vector = run.interrupt_vector;
	}

	vcpu->regs = run.regs;
	vcpu->fs_base = run.fs_base;
	vcpu->gs_base = run.gs_base;
	run.exit_reason = DUNE_EXIT_NONE;
	memset(&run.u, 0, sizeof(run.u));
	vcpu->run = &run;
	vcpu->runs++;
	vcpu->l1d_flush = true;		/* user space ran since the last entry */
	/*
	 * The user's GS base lives in KERNEL_GS_BASE while we are in the
	 * kernel; its FS base stays in FS_BASE, which the exit must restore.
	 */
	rdmsrq(MSR_KERNEL_GS_BASE, vcpu->msrs->host[MSR_SLOT_KERNEL_GS_BASE].value);
	rdmsrq(MSR_FS_BASE, vcpu->run_fs_base);

	do {
		r = vcpu_enter_guest(vcpu);
		if (r > 0)
			r = dune_handle_exit(vcpu);
	} while (r > 0);
	vcpu->run = NULL;

	run.regs = vcpu->regs;
	run.fs_base = vcpu->fs_base;
	run.gs_base = vcpu->gs_base;
	run.cpl = vcpu->exit.cpl;
	run.flags = 0;
	run.interrupt_vector = 0;
	run.interrupt_pending = vcpu->pending_vector;
	if (vcpu_run_out(urun, &run))
		return -EFAULT;
	return r;
}

static long vcpu_get_exit_stats(struct dune_vcpu *vcpu, struct dune_exit_stats __user *ustats)
{
	struct dune_exit_stats *stats;
	long err = 0;

	stats = memdup_user(ustats, sizeof(*stats));
	if (IS_ERR(stats))
		return PTR_ERR(stats);
	if (stats->flags || memchr_inv(stats->reserved, 0, sizeof(stats->reserved))) {
		err = -EINVAL;
		goto out;
	}
	stats->nr = DUNE_EXIT_STATS_NR;
	stats->runs = vcpu->runs;
	memcpy(stats->exits, vcpu->exits, sizeof(stats->exits));
	if (copy_to_user(ustats, stats, sizeof(*stats)))
		err = -EFAULT;
out:
	kfree(stats);
	return err;
}

static long dune_vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct dune_vcpu *vcpu = file->private_data;
	long r;

	if (current->mm != vcpu->vm->mm)
		return -EIO;
	/*
	 * Only the owner gets past here, and a thread is in at most one
	 * system call at a time: no two of these ioctls on one vCPU can
	 * overlap, so they need no lock (release comes only after the last
	 * one, as it holds the file).
	 */
	if (current != vcpu->owner)
		return -EBUSY;
	switch (cmd) {
	case DUNE_RUN:
		r = vcpu_run(vcpu, (struct dune_run __user *)arg);
		break;
	case DUNE_GET_EXIT_STATS:
		r = vcpu_get_exit_stats(vcpu, (struct dune_exit_stats __user *)arg);
		break;
	default:
		r = -ENOTTY;
	}
	return r;
}

static void vcpu_free(struct dune_vcpu *vcpu)
{
	dune_ept_free_spares(vcpu);
	dune_limit_vpid_free(vcpu->vm, vcpu->vpid);
	if (vcpu->counted)
		dune_limit_vcpu_uncharge(vcpu->vm);
	if (vcpu->vmcs)
		free_page((unsigned long)vcpu->vmcs);
	if (vcpu->msrs)
		free_page((unsigned long)vcpu->msrs);
	if (vcpu->cpunode_page) {
		unpin_user_page(vcpu->cpunode_page);
		account_locked_vm(vcpu->vm->mm, 1, false);
	}
	if (vcpu->owner)
		put_task_struct(vcpu->owner);
	if (vcpu->vm_file)
		fput(vcpu->vm_file);
	kfree(vcpu);
}

static void vcpu_flush_vpid_this_cpu(void *info)
{
	u16 vpid = *(u16 *)info;

	if (dune_vmx_cpu_on(smp_processor_id()))
		dune_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid, 0);
}

/*
 * No DUNE_RUN is in progress (it holds the file), but the VMCS may still
 * be active on the CPU it last ran on: VMCLEAR it there before its memory
 * is freed.  Before the VPID can tag another vCPU's translations, every
 * CPU forgets this one's.  A DUNE_RUN_F_INTERRUPT vector still pending
 * goes with the vCPU: it was meant for this guest only.
 */
static int dune_vcpu_release(struct inode *inode, struct file *file)
{
	struct dune_vcpu *vcpu = file->private_data;

	cpus_read_lock();
	vcpu_clear(vcpu);
	cpus_read_unlock();
	if (vcpu->vpid)
		on_each_cpu_mask(dune_vmx_cpumask(), vcpu_flush_vpid_this_cpu, &vcpu->vpid, 1);
	vcpu_free(vcpu);
	return 0;
}

static const struct file_operations dune_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = dune_vcpu_release,
	.unlocked_ioctl = dune_vcpu_ioctl,
	.llseek = noop_llseek,
};

static bool selector_ok(u16 sel, unsigned int size, u16 gdt_limit)
{
	/* RPL 0, GDT (TI 0), not null, inside the GDT. */
	return sel && !(sel & 7) && (u32)sel + size - 1 <= gdt_limit;
}

static int vcpu_check_config(const struct dune_vcpu_config *c)
{
	if ((c->flags & ~DUNE_VCPU_FLAGS) || c->reserved0 ||
	    memchr_inv(c->reserved1, 0, sizeof(c->reserved1)) ||
	    memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return -EINVAL;
	if ((c->cr3 & ~PAGE_MASK) || c->cr3 >> dune_vmx.maxphyaddr)
		return -EINVAL;
	if (!dune_canonical(c->gdtr_base) || !dune_canonical(c->idtr_base) ||
	    !dune_canonical(c->tr_base) || !dune_canonical(c->lstar))
		return -EINVAL;
	if (!selector_ok(c->cs, 8, c->gdtr_limit) || !selector_ok(c->ss, 8, c->gdtr_limit) ||
	    !selector_ok(c->tr, 16, c->gdtr_limit))
		return -EINVAL;
	if (c->sfmask >> 32)	/* IA32_FMASK bits 63:32 are reserved */
		return -EINVAL;
	/* Guest SMEP/SMAP only where the CPU has them (vcpu_vmcs.c). */
	if (((c->flags & DUNE_VCPU_F_SMEP) && !dune_cap_value(DUNE_CAP_GUEST_SMEP)) ||
	    ((c->flags & DUNE_VCPU_F_SMAP) && !dune_cap_value(DUNE_CAP_GUEST_SMAP)))
		return -EOPNOTSUPP;
	if (c->flags & DUNE_VCPU_F_CPUNODE) {
		u64 entry = c->gdtr_base + GDT_ENTRY_CPUNODE * 8;

		if (c->gdtr_limit < GDT_ENTRY_CPUNODE * 8 + 7 || (entry & 7) ||
		    entry >= TASK_SIZE_MAX)
			return -EINVAL;
	}
	return 0;
}

/* DUNE_VCPU_F_CPUNODE: pin the page of the guest's GDT that holds entry 15. */
static int vcpu_pin_cpunode(struct dune_vcpu *vcpu, const struct dune_vcpu_config *c)
{
	unsigned long entry = c->gdtr_base + GDT_ENTRY_CPUNODE * 8;
	int n;

	vcpu->cpunode_cpu = -1;
	if (!(c->flags & DUNE_VCPU_F_CPUNODE))
		return 0;
	/* A long-term pin is locked memory: RLIMIT_MEMLOCK, as for io_uring, vfio. */
	n = account_locked_vm(current->mm, 1, true);
	if (n)
		return n;
	n = pin_user_pages_fast(entry & PAGE_MASK, 1, FOLL_WRITE | FOLL_LONGTERM,
				&vcpu->cpunode_page);
	if (n != 1) {
		vcpu->cpunode_page = NULL;
		account_locked_vm(current->mm, 1, false);
		return n < 0 ? n : -EFAULT;
	}
	vcpu->cpunode_offset = entry & ~PAGE_MASK;
	return 0;
}

/*
 * The VMX-preemption timer counts down at the TSC rate divided by
 * 2^IA32_VMX_MISC[4:0] (SDM Vol. 3C, 26.5.1) and forces a VM exit at 0.
 * One millisecond: about a timer tick, so a guest that blocks interrupts
 * still gives its CPU back as often as the scheduler expects.
 */
static u32 dune_preemption_timer_value(void)
{
	u64 ticks;

	if (!(vmx_ctl_may_be_1(dune_vmx.pinbased_ctls) & PIN_BASED_VMX_PREEMPTION_TIMER))
		return 0;
	ticks = (u64)(tsc_khz ?: 1000000) >> vmx_misc_preemption_timer_rate(dune_vmx.misc);
	return clamp_t(u64, ticks, 1, U32_MAX);
}

static void vcpu_setup_msrs(struct dune_vcpu *vcpu, const struct dune_vcpu_config *c)
{
	static const u32 index[NR_SWITCHED_MSRS] = {
		[MSR_SLOT_STAR] = MSR_STAR,
		[MSR_SLOT_LSTAR] = MSR_LSTAR,
		[MSR_SLOT_SFMASK] = MSR_SYSCALL_MASK,
		[MSR_SLOT_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	};
	struct dune_msr_area *m = vcpu->msrs;
	unsigned int i;

	for (i = 0; i < NR_SWITCHED_MSRS; i++) {
		m->guest[i].index = index[i];
		m->host[i].index = index[i];
	}
	m->guest[MSR_SLOT_STAR].value = c->star;
	m->guest[MSR_SLOT_LSTAR].value = c->lstar;
	m->guest[MSR_SLOT_SFMASK].value = c->sfmask;
	m->guest[MSR_SLOT_KERNEL_GS_BASE].value = 0;
	/* The kernel's SYSCALL MSRs are the same on every CPU. */
	rdmsrq(MSR_STAR, m->host[MSR_SLOT_STAR].value);
	rdmsrq(MSR_LSTAR, m->host[MSR_SLOT_LSTAR].value);
	rdmsrq(MSR_SYSCALL_MASK, m->host[MSR_SLOT_SFMASK].value);
}

long dune_vcpu_create(struct dune_vm *vm, struct file *vm_file,
		      const struct dune_vcpu_config __user *uconfig)
{
	struct dune_vcpu_config config;
	struct dune_vcpu *vcpu;
	int err, fd;
	u64 root_saved;

	BUILD_BUG_ON(offsetof(struct dune_regs, rax) != 0 ||
		     offsetof(struct dune_regs, rbx) != 8 ||
		     offsetof(struct dune_regs, rbp) != 48 ||
		     offsetof(struct dune_regs, r8) != 64 ||
		     offsetof(struct dune_regs, r15) != 120);
	BUILD_BUG_ON(sizeof(struct dune_msr_area) > PAGE_SIZE);
	BUILD_BUG_ON(HOST_RSP != 0x6c14);	/* VMCS_HOST_RSP in vmx_enter.S */

	if (copy_from_user(&config, uconfig, sizeof(config)))
		return -EFAULT;
	err = vcpu_check_config(&config);
	if (err)
		return err;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->cpu = -1;
	vcpu->last_cpu = -1;
	INIT_LIST_HEAD(&vcpu->loaded_link);
	vcpu->owner = get_task_struct(current);
	vcpu->vm_file = get_file(vm_file);
	vcpu->preemption_timer = dune_preemption_timer_value();

	/* Bounded per VM, and a VPID from the user's share or none (limits.c). */
	err = dune_limit_vcpu_charge(vm);
	if (err)
		goto out_free;
	vcpu->counted = true;
	vcpu->vpid = dune_limit_vpid_alloc(vm);

	err = -ENOMEM;
	vcpu->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->msrs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->vmcs || !vcpu->msrs)
		goto out_free;
	/* A VMCS region starts with the VMCS revision identifier (SDM 25.2). */
	*(u32 *)vcpu->vmcs = dune_vmx.vmcs_revision_id;
	vcpu->vmcs_pa = virt_to_phys(vcpu->vmcs);
	vcpu_setup_msrs(vcpu, &config);
	err = vcpu_pin_cpunode(vcpu, &config);
	if (err)
		goto out_free;

	/*
	 * Fill the VMCS on this CPU, then leave it clear for the run loop
	 * (which puts it on a CPU's list).
	 */
	local_irq_disable();
	err = dune_root_window_begin(&root_saved);
	if (!err) {
		err = -EIO;
		if (!dune_vmclear(vcpu->vmcs_pa) && !dune_vmptrld(vcpu->vmcs_pa)) {
			err = dune_vcpu_vmcs_setup(vcpu, &config, virt_to_phys(dune_msr_bitmap));
			dune_vmclear(vcpu->vmcs_pa);
		}
		dune_root_window_end(root_saved);
	}
	local_irq_enable();
	if (err)
		goto out_free;

	fd = anon_inode_getfd("dune-vcpu", &dune_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto out_free;
	}
	return fd;

out_free:
	vcpu_free(vcpu);
	return err;
}
