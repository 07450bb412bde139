/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel-version difference the module cares about.
 *
 * The module is built against the kernel the user already runs.  Kernel
 * interfaces move between releases, so anything that differs between the
 * kernels we support lives here, behind one name, and nowhere else.
 *
 * Supported and tested: Debian 6.1.  Planned: 6.12 and 7.x (GUP,
 * mmu_notifier, FPU and VMX-ownership interfaces changed there).
 */
#ifndef DUNE_COMPAT_H
#define DUNE_COMPAT_H

#ifdef __ASSEMBLY__
/*
 * vmx_enter.S: the speculation barriers the kernel uses around VM entry
 * and exit.  Their names changed as mitigations were added and backported.
 */
#include <asm/nospec-branch.h>

#if defined(VM_CLEAR_CPU_BUFFERS)
#define DUNE_VMENTER_CLEAR_CPU_BUFFERS	VM_CLEAR_CPU_BUFFERS
#elif defined(CLEAR_CPU_BUFFERS)
#define DUNE_VMENTER_CLEAR_CPU_BUFFERS	CLEAR_CPU_BUFFERS
#else
#define DUNE_VMENTER_CLEAR_CPU_BUFFERS
#endif

/* Branch-history clearing (BHI): upstream 6.9, in 6.1.y since 6.1.85. */
#define DUNE_VMEXIT_CLEAR_BRANCH_HISTORY	CLEAR_BRANCH_HISTORY_VMEXIT

#else /* !__ASSEMBLY__ */

#include <linux/mm.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>

/*
 * IA32_VMX_BASIC fields (SDM Vol. 3D, A.1 "Basic VMX Information").
 * 6.1 spells these as shift/mask macros in msr-index.h; later kernels
 * replaced them with helpers in asm/vmx.h.  Test for the macros, not for
 * a version number: distributions backport.
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
#error "this kernel's asm/vmx.h is not supported yet (6.12+): see compat.h"
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
#error "dune_follow_pfnmap() is not written for this kernel yet: see compat.h"
#endif

#endif /* !__ASSEMBLY__ */
#endif /* DUNE_COMPAT_H */
