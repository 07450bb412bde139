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

#endif /* DUNE_COMPAT_H */
