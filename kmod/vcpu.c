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
 * The other parts of a vCPU live beside it:
 *   vmcs.c        where its VMCS is active ("Where the VMCS lives"): the
 *                 per-CPU lists, VMCLEAR by IPI and before VMXOFF
 *   vcpu_vmcs.c   its VMCS's controls and guest state, filled at creation
 *   vcpu_event.c  events for the guest: injected exceptions, re-queued
 *                 events, DUNE_RUN_F_INTERRUPT vectors
 *   vcpu_abi.c    struct dune_vcpu_config and struct dune_run in and out,
 *                 and their checks
 * This file keeps what is left: create, load, enter, run, release.
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
#include "trace.h"

/*
 * One MSR bitmap for every vCPU (SDM Vol. 3C, 25.6.9): a set bit makes
 * RDMSR/WRMSR of that MSR exit.  All bits are set except for the MSRs the
 * CPU switches between guest and host on every entry and exit: FS_BASE
 * and GS_BASE (in the VMCS), and the SYSCALL MSRs and KERNEL_GS_BASE (in
 * the MSR lists, vcpu_vmcs.c).  The guest reads and writes its own copies
 * of those at full speed - libdune switches LSTAR and swaps GS when it
 * enters and leaves its ring 3 - except for writes of STAR, which
 * nothing writes on a hot path and exits.c checks (vcpu_entry.c); every
 * other MSR is decided by exits.c.
 */
static unsigned long *dune_msr_bitmap;

/* Read bitmap for MSRs C0000000H-C0001FFFH at byte 1024, write at 3072. */
static void msr_bitmap_allow_read(u32 msr)
{
	__clear_bit(msr & 0x1fff, (unsigned long *)((char *)dune_msr_bitmap + 1024));
}

static void msr_bitmap_allow(u32 msr)
{
	msr_bitmap_allow_read(msr);
	__clear_bit(msr & 0x1fff, (unsigned long *)((char *)dune_msr_bitmap + 3072));
}

int dune_vcpu_init(void)
{
	dune_msr_bitmap = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!dune_msr_bitmap)
		return -ENOMEM;
	memset(dune_msr_bitmap, 0xff, PAGE_SIZE);
	msr_bitmap_allow(MSR_FS_BASE);
	msr_bitmap_allow(MSR_GS_BASE);
	/* A STAR write exits: exits.c refuses an RPL for SYSCALL's SS (vcpu_entry.c). */
	msr_bitmap_allow_read(MSR_STAR);
	msr_bitmap_allow(MSR_LSTAR);
	msr_bitmap_allow(MSR_SYSCALL_MASK);
	msr_bitmap_allow(MSR_KERNEL_GS_BASE);
	return 0;
}

void dune_vcpu_exit(void)
{
	free_page((unsigned long)dune_msr_bitmap);
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
		if (dune_vmcs_activate(vcpu))	/* vmcs.c: onto this CPU's list */
			return -EIO;
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
	e->interruptibility = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	e->cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);
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

/* The per-entry part of the guest state, and any event to inject. */
static int vcpu_write_entry_state(struct dune_vcpu *vcpu)
{
	int err = dune_vcpu_inject_pending(vcpu);	/* vcpu_event.c */

	err |= vmcs_writenat(GUEST_RIP, vcpu->regs.rip);
	err |= vmcs_writenat(GUEST_RSP, vcpu->regs.rsp);
	err |= vmcs_writenat(GUEST_RFLAGS, vcpu->regs.rflags);
	err |= vmcs_writenat(GUEST_FS_BASE, vcpu->fs_base);
	err |= vmcs_writenat(GUEST_GS_BASE, vcpu->gs_base);
	if (vcpu->preemption_timer)
		err |= vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, vcpu->preemption_timer);
	/* In a shadow, BS must follow RFLAGS.TF (vcpu_entry.c). */
	if (unlikely(vcpu->exit.interruptibility &
		     (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)))
		err |= dune_vcpu_sync_pending_dbg(vcpu);
	return err ? -EIO : 0;
}

/*
 * Work the kernel does on the way back to user space (task work, rseq's
 * CPU number, memory cgroup throttling): TIF_NOTIFY_RESUME.  KVM runs it
 * inside its loop (xfer_to_guest_mode_handle_work(), not for modules); we
 * return to user space, whose exit path runs it, and user space calls
 * DUNE_RUN again.
 *
 * But not before the first entry of a DUNE_RUN: the flag can be set again
 * between any two calls, and then no guest instruction would ever run.
 * A tracer does exactly that: every PTRACE_SYSCALL stop schedules the
 * thread out, and the scheduler sets the flag on each switch of a thread
 * with rseq registered (glibc registers it for every thread), so the stop
 * at DUNE_RUN's own entry set it each time (docs/05, 5.10; measured:
 * 82,145 DUNE_RUN calls under strace -f, every one -EINTR, none entered).
 * The work waits one guest run at most: the next exit (an interrupt, at
 * the latest the next timer tick) sees the flag and returns.
 */
static bool vcpu_resume_work(bool entered)
{
	return entered && test_thread_flag(TIF_NOTIFY_RESUME);
}

/* Something the thread must do before we may enter the guest? */
static bool vcpu_work_pending(bool entered)
{
	return signal_pending(current) || need_resched() ||
	       vcpu_resume_work(entered);
}

/*
 * One VM entry and exit.  Returns 1 after a VM exit (vcpu->exit holds
 * it), -EINTR if the thread must return to user space first, -EIO if the
 * entry failed (reported).  @entered: this DUNE_RUN has entered the guest
 * before.
 */
static int vcpu_enter_guest(struct dune_vcpu *vcpu, bool entered)
{
	struct dune_host_state host_state;
	u64 debugctl, root_saved;
	int ret, err;

	for (;;) {
		/*
		 * A signal, or work for the return to user space (above):
		 * return, and let user space call DUNE_RUN again.  The state
		 * is saved in struct dune_run.
		 */
		if (signal_pending(current) || vcpu_resume_work(entered))
			return -EINTR;
		if (cond_resched())
			vcpu->l1d_flush = true;		/* another task ran here */

		preempt_disable();
		/*
		 * The thread moved since its VMCS was last active: VMCLEAR it
		 * on the old CPU first, which takes an IPI and so interrupts.
		 */
		/* LAB(4) BEGIN: the thread moved: its VMCS is still active on the old CPU */
		if (vcpu->cpu >= 0 && vcpu->cpu != smp_processor_id())
			dune_vmcs_clear(vcpu);
		/* LAB(4) STUB
		 * if (vcpu->cpu >= 0 && vcpu->cpu != smp_processor_id()) {
		 *	preempt_enable();
		 *	return -EIO;
		 * }
		 * LAB(4) END
		 */
		local_irq_disable();
		/*
		 * Checked again with interrupts off: a signal or a reschedule
		 * request arriving after this point comes with an IPI, which
		 * stays pending and makes the entry exit at once.
		 */
		if (!vcpu_work_pending(entered))
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

	/*
	 * The guest runs on the thread's own FPU state: it must be loaded
	 * (or, where we may not load it, user space calls again: compat.h).
	 */
	if (!dune_fpu_ready()) {
		err = -EINTR;
		goto out_window;
	}
	/* Last before the entry: the SYSCALL MSRs the exit restores (vmx_root.c). */
	dune_root_read_host_msrs(vcpu->msrs->host, NR_SWITCHED_MSRS);

	err = vcpu_write_entry_state(vcpu);
	if (err)
		goto out_window;
	/* before CR2 and the hardening: a probe on it may fault or run code */
	trace_dune_entry(vcpu->vpid, vcpu->regs.rip);

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
			dune_vcpu_requeue_event(vcpu);
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

static long vcpu_run(struct dune_vcpu *vcpu, struct dune_run __user *urun)
{
	struct dune_run run;
	bool entered;
	int r;

	r = dune_vcpu_run_in(&run, urun);	/* vcpu_abi.c: copied and checked */
	if (r)
		return r;
	if (vcpu->dead)
		return -EIO;
	/* What the last exit left and user space's part must agree (vcpu_entry.c). */
	r = dune_vcpu_check_entry(vcpu, &run.regs);
	if (r)
		return r;
	/* DUNE_RUN_F_EXCEPTION, _F_INTERRUPT: all or nothing (vcpu_event.c) */
	r = dune_vcpu_queue_run_events(vcpu, &run);
	if (r)
		return r;

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

	for (entered = false; ; entered = true) {
		r = vcpu_enter_guest(vcpu, entered);
		if (r > 0)
			r = dune_handle_exit(vcpu);
		if (r <= 0)
			break;
	}
	vcpu->run = NULL;

	run.regs = vcpu->regs;
	run.fs_base = vcpu->fs_base;
	run.gs_base = vcpu->gs_base;
	run.cpl = vcpu->exit.cpl;
	run.flags = 0;
	run.interrupt_vector = 0;
	run.interrupt_pending = vcpu->pending_vector;
	run.event_pending = !!(vcpu->inject_info & INTR_INFO_VALID_MASK);
	if (dune_vcpu_run_out(urun, &run))
		return -EFAULT;
	return r;
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
		r = dune_vcpu_get_exit_stats(vcpu, (struct dune_exit_stats __user *)arg);
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
	dune_vmcs_clear(vcpu);
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

	err = dune_vcpu_config_in(&config, uconfig);	/* vcpu_abi.c */
	if (err)
		return err;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->exit.cs_ar = VMX_AR_L_MASK;	/* it starts in 64-bit mode */
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
