/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel-version difference the module cares about.
 *
 * The module is built against the kernel the user already runs.  Kernel
 * interfaces move between releases, so anything that differs between the
 * kernels we support lives here, behind one name, and nowhere else.
 *
 * Supported and tested: Debian 12's 6.1, Debian 13's 6.12 and sid's 7.2.
 * Differences are found by testing for the feature (a macro, a Kbuild
 * probe of a header or of the kernel's Module.symvers), never by version
 * number: distributions backport.
 *
 * Exports.  From 7.x some symbols KVM uses are exported to the kvm
 * modules only (EXPORT_SYMBOL_FOR_KVM: namespace "module:kvm,..." in
 * Module.symvers): cr4_read_shadow, cr4_update_irqsoff (cr4_set_bits),
 * switch_fpu_return, clear_bhb_loop, x86_verw_sel.  Kbuild defines
 * DUNE_EXPORTED_<NAME> for each that this kernel exports to every GPL
 * module; where it does not, we use a private equivalent below (or, for
 * switch_fpu_return, return to user space, which reloads the FPU).
 */
#ifndef DUNE_COMPAT_H
#define DUNE_COMPAT_H

#ifdef __ASSEMBLY__
/*
 * vmx_enter.S: the speculation barriers the kernel uses around VM entry
 * and exit.  Their names changed as mitigations were added and backported,
 * and 7.x exports the data and code behind them to KVM only.
 */
#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/nospec-branch.h>

/*
 * VERW with a memory operand clears the CPU buffers on affected CPUs
 * before VM entry (MDS, MMIO stale data).  The kernel sets
 * X86_FEATURE_CLEAR_CPU_BUF_VM where VM entries need it.
 */
#if defined(DUNE_EXPORTED_X86_VERW_SEL) && defined(VM_CLEAR_CPU_BUFFERS)
#define DUNE_VMENTER_CLEAR_CPU_BUFFERS	VM_CLEAR_CPU_BUFFERS
#elif defined(DUNE_EXPORTED_X86_VERW_SEL) && defined(CLEAR_CPU_BUFFERS)
#define DUNE_VMENTER_CLEAR_CPU_BUFFERS	CLEAR_CPU_BUFFERS
#elif defined(X86_FEATURE_CLEAR_CPU_BUF_VM_MMIO)
/*
 * Our own selector (vmx_mitigate.S): any valid one clears the buffers.
 * 7.x: CLEAR_CPU_BUF_VM for MDS-class bugs, CLEAR_CPU_BUF_VM_MMIO where
 * only MMIO stale data needs it for guests that can reach host MMIO -
 * which a Dune process can (VM_IO mappings go into the EPT): both.
 */
#define DUNE_VMENTER_CLEAR_CPU_BUFFERS	\
	ALTERNATIVE_2 "", "verw dune_verw_sel(%rip)", X86_FEATURE_CLEAR_CPU_BUF_VM_MMIO, \
		      "verw dune_verw_sel(%rip)", X86_FEATURE_CLEAR_CPU_BUF_VM
#define DUNE_PRIVATE_VERW_SEL
#elif defined(X86_FEATURE_CLEAR_CPU_BUF_VM)
#define DUNE_VMENTER_CLEAR_CPU_BUFFERS	\
	ALTERNATIVE "", "verw dune_verw_sel(%rip)", X86_FEATURE_CLEAR_CPU_BUF_VM
#define DUNE_PRIVATE_VERW_SEL
#else
#define DUNE_VMENTER_CLEAR_CPU_BUFFERS
#endif

/*
 * Branch-history clearing (BHI) after VM exit: upstream 6.9, in 6.1.y
 * since 6.1.85.  The feature flag was renamed in 7.x.
 */
#if defined(X86_FEATURE_CLEAR_BHB_VMEXIT)
#define DUNE_FEATURE_CLEAR_BHB_VMEXIT	X86_FEATURE_CLEAR_BHB_VMEXIT
#elif defined(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT)
#define DUNE_FEATURE_CLEAR_BHB_VMEXIT	X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT
#endif

#if defined(DUNE_EXPORTED_CLEAR_BHB_LOOP)
#define DUNE_VMEXIT_CLEAR_BRANCH_HISTORY	CLEAR_BRANCH_HISTORY_VMEXIT
#elif defined(DUNE_FEATURE_CLEAR_BHB_VMEXIT)
/* Our own clearing sequence (vmx_mitigate.S). */
#define DUNE_VMEXIT_CLEAR_BRANCH_HISTORY	\
	ALTERNATIVE "", "call dune_clear_bhb_loop", DUNE_FEATURE_CLEAR_BHB_VMEXIT
#define DUNE_PRIVATE_BHB_LOOP
#else
#define DUNE_VMEXIT_CLEAR_BRANCH_HISTORY
#endif

#else /* !__ASSEMBLY__ */

#include <linux/mm.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>
#include <asm/cpufeature.h>

#include <linux/syscore_ops.h>
#include <asm/fpu/api.h>
#include <asm/tlbflush.h>
/* 7.x moved the cpuid_*() helpers out of <asm/processor.h> (Kbuild probe). */
#ifdef DUNE_HAVE_ASM_CPUID_API
#include <asm/cpuid/api.h>
#endif

/*
 * MSR accessors: 6.16 renamed rdmsrl()/wrmsrl() (and the _safe variants)
 * to rdmsrq()/wrmsrq(), 7.x dropped the old names.  We use the new ones.
 */
#ifndef rdmsrq
#define rdmsrq(msr, val)		rdmsrl(msr, val)
#define wrmsrq(msr, val)		wrmsrl(msr, val)
#define rdmsrq_safe(msr, p)		rdmsrl_safe(msr, p)
#define wrmsrq_safe(msr, val)		wrmsrl_safe(msr, val)
#endif

/*
 * IA32_VMX_BASIC fields (SDM Vol. 3D, A.1 "Basic VMX Information").
 * 6.1 spells these as shift/mask macros in msr-index.h; later kernels
 * replaced them with helpers in asm/vmx.h.
 */
#ifdef VMX_BASIC_VMCS_SIZE_SHIFT
static inline u32 dune_basic_revision_id(u64 basic)
{
	return basic & 0x7fffffffU;			/* bits 30:0 */
}

static inline u32 dune_basic_vmcs_size(u64 basic)
{
	return (basic >> VMX_BASIC_VMCS_SIZE_SHIFT) & 0x1fff;	/* bits 44:32 */
}

static inline u32 dune_basic_mem_type(u64 basic)
{
	return (basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT;
}

#define DUNE_BASIC_MEM_TYPE_WB		VMX_BASIC_MEM_TYPE_WB
#define DUNE_BASIC_32BIT_PHYS_ONLY	VMX_BASIC_64	/* bit 48 */
#else
static inline u32 dune_basic_revision_id(u64 basic)
{
	return vmx_basic_vmcs_revision_id(basic);
}

static inline u32 dune_basic_vmcs_size(u64 basic)
{
	return vmx_basic_vmcs_size(basic);
}

static inline u32 dune_basic_mem_type(u64 basic)
{
	return vmx_basic_vmcs_mem_type(basic);
}

#define DUNE_BASIC_MEM_TYPE_WB		X86_MEMTYPE_WB
#define DUNE_BASIC_32BIT_PHYS_ONLY	VMX_BASIC_32BIT_PHYS_ADDR_ONLY
#endif

/*
 * This CPU's CR4.  The kernel keeps a per-CPU copy (cr4_read_shadow());
 * where it is not exported to us, read the register: the same value,
 * because every CR4 change goes through the kernel's helpers.
 */
static inline unsigned long dune_read_cr4(void)
{
#ifdef DUNE_EXPORTED_CR4_READ_SHADOW
	return cr4_read_shadow();
#else
	return __read_cr4();
#endif
}

/*
 * Can this module set and clear CR4 bits (cr4_set_bits(), through
 * cr4_update_irqsoff())?  Only then can it execute VMXON itself; from 7.x
 * the kernel core owns VMX operation (x86_virt_get_ref(), for KVM only),
 * and dune.ko runs inside the VMX root operation kvm_intel holds.
 */
#ifdef DUNE_EXPORTED_CR4_UPDATE_IRQSOFF
#define DUNE_CAN_VMXON			1
static inline void dune_cr4_set_vmxe(void)
{
	cr4_set_bits(X86_CR4_VMXE);
}

static inline void dune_cr4_clear_vmxe(void)
{
	cr4_clear_bits(X86_CR4_VMXE);
}
#else
#define DUNE_CAN_VMXON			0
static inline void dune_cr4_set_vmxe(void)
{
}

static inline void dune_cr4_clear_vmxe(void)
{
}
#endif

/*
 * The guest runs on the thread's own FPU state, so it must be in the
 * registers (TIF_NEED_FPU_LOAD clear) at VM entry.  Where
 * switch_fpu_return() is exported, load it; elsewhere return false, and
 * the caller returns to user space (-EINTR), whose exit path loads it.
 * Interrupts and preemption are off: nothing can unload it again.
 */
static inline bool dune_fpu_ready(void)
{
	if (!test_thread_flag(TIF_NEED_FPU_LOAD))
		return true;
#ifdef DUNE_EXPORTED_SWITCH_FPU_RETURN
	switch_fpu_return();
	return true;
#else
	return false;
#endif
}

/*
 * Is the kernel using FRED (flexible return and event delivery, 6.9+) for
 * its exceptions and interrupts?  Kernels before it have no feature flag.
 */
static inline bool dune_host_fred(void)
{
#ifdef X86_FEATURE_FRED
	return cpu_feature_enabled(X86_FEATURE_FRED);
#else
	return false;
#endif
}

/*
 * Syscore ops (suspend/resume) got a context pointer and a separate
 * registration struct in 6.17 (backported to 6.12.y): Kbuild defines
 * DUNE_HAVE_STRUCT_SYSCORE.  DUNE_SYSCORE(name, suspend, resume) defines
 * the registration; the callbacks are written as int f(void), void g(void).
 */
#ifdef DUNE_HAVE_STRUCT_SYSCORE
#define DUNE_SYSCORE(name, suspend_fn, resume_fn)			\
	static int name##_suspend(void *data) { return suspend_fn(); }	\
	static void name##_resume(void *data) { resume_fn(); }		\
	static const struct syscore_ops name##_ops = {			\
		.suspend = name##_suspend, .resume = name##_resume,	\
	};								\
	static struct syscore name = { .ops = &name##_ops }
#define dune_register_syscore(s)	register_syscore(s)
#define dune_unregister_syscore(s)	unregister_syscore(s)
#else
#define DUNE_SYSCORE(name, suspend_fn, resume_fn)			\
	static struct syscore_ops name = {				\
		.suspend = suspend_fn, .resume = resume_fn,		\
	}
#define dune_register_syscore(s)	register_syscore_ops(s)
#define dune_unregister_syscore(s)	unregister_syscore_ops(s)
#endif

/*
 * Emergency reboot and kdump must turn VMX off on every CPU, or INIT is
 * blocked and the machine hangs instead of rebooting.  Kernels with
 * cpu_emergency_register_virt_callback() (upstream 6.6, and backported to
 * Debian's 6.1) call one registered hypervisor callback for that; older
 * ones executed VMXOFF themselves on any CPU with CR4.VMXE set.  Kbuild
 * probes the header and defines DUNE_HAVE_EMERGENCY_VIRT_CB.
 */
#ifdef DUNE_HAVE_EMERGENCY_VIRT_CB
#include <asm/reboot.h>
#endif

/*
 * One page of the current process, faulted in as a user access would be
 * (mmap lock held).  6.5 dropped the vmas argument of get_user_pages();
 * Kbuild probes the prototype and defines DUNE_GUP_HAS_VMAS.
 */
static inline long dune_get_user_page(unsigned long addr, unsigned int gup_flags,
				      struct page **page)
{
#ifdef DUNE_GUP_HAS_VMAS
	return get_user_pages(addr, 1, gup_flags, page, NULL);
#else
	return get_user_pages(addr, 1, gup_flags, page);
#endif
}

/*
 * The frame behind a VM_PFNMAP/VM_IO address (the vDSO's vvar page, for
 * one), which has no struct page to take.  follow_pte() took a vma in
 * 6.10 and gave way to follow_pfnmap_start() in 6.12; Kbuild defines
 * DUNE_FOLLOW_PTE_TAKES_MM where it still takes the mm.
 */
#ifdef DUNE_FOLLOW_PTE_TAKES_MM
static inline int dune_follow_pfnmap(struct vm_area_struct *vma, unsigned long addr,
				     u64 *pfn, bool *writable)
{
	spinlock_t *ptl;
	pte_t *ptep;
	int err = follow_pte(vma->vm_mm, addr, &ptep, &ptl);

	if (err)
		return err;
	*pfn = pte_pfn(*ptep);
	*writable = pte_write(*ptep);
	pte_unmap_unlock(ptep, ptl);
	return 0;
}
#else
static inline int dune_follow_pfnmap(struct vm_area_struct *vma, unsigned long addr,
				     u64 *pfn, bool *writable)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	int err = follow_pfnmap_start(&args);

	if (err)
		return err;
	*pfn = args.pfn;
	*writable = args.writable;
	follow_pfnmap_end(&args);
	return 0;
}
#endif

#endif /* !__ASSEMBLY__ */

/*
 * IBPB (mitigations.c).  indirect_branch_prediction_barrier() writes
 * x86_pred_cmd (6.1, 6.12) or calls write_ibpb() (7.x); 7.x exports the
 * latter to the kvm modules only.  Without it, the same barrier by hand:
 * PRED_CMD.IBPB where the CPU has it (SDM Vol. 4, IA32_PRED_CMD).
 */
#ifndef __ASSEMBLY__
#if defined(DUNE_EXPORTED_X86_PRED_CMD) || defined(DUNE_EXPORTED_WRITE_IBPB)
#define dune_ibpb()	indirect_branch_prediction_barrier()
#else
static inline void dune_ibpb(void)
{
	if (boot_cpu_has(X86_FEATURE_IBPB))
		wrmsrq(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
}
#endif

/*
 * The host's l1tf= choice (mitigations.c).  7.x exports l1tf_mitigation to
 * the kvm modules only; without it, KVM's default: flush conditionally.
 */
#ifdef DUNE_EXPORTED_L1TF_MITIGATION
#define dune_l1tf_flush_always() \
	(l1tf_mitigation == L1TF_MITIGATION_FULL || l1tf_mitigation == L1TF_MITIGATION_FULL_FORCE)
#define dune_l1tf_off()		(l1tf_mitigation == L1TF_MITIGATION_OFF)
#else
#define dune_l1tf_flush_always()	false
#define dune_l1tf_off()			false
#endif
#endif /* !__ASSEMBLY__ */

#endif /* DUNE_COMPAT_H */
