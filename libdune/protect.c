// SPDX-License-Identifier: GPL-2.0
/*
 * protect.c - SMEP and SMAP for libdune's ring 0 (dune-ext.h).
 *
 * A supervisor in ring 0 that runs an untrusted program in ring 3 (the
 * sandbox) must never execute the program's memory, and should touch it
 * only where it means to: SMEP makes an instruction fetch from a user
 * page (PTE_U) in ring 0 a page fault, SMAP a data access too - unless
 * RFLAGS.AC is set, which STAC and CLAC do (SDM Vol. 3A, 4.6).  The kernel
 * does the same with its user_access_begin()/user_access_end() brackets.
 *
 * dune.ko sets them in the guest's CR4 per vCPU (DUNE_VCPU_F_SMEP/_SMAP);
 * libdune asks for them on every vCPU it creates once the program called
 * dune_set_ring0_protection().  They need dune_init(false): with
 * dune_init(true) ring 0 runs the program's own code on user pages.
 */
#include <errno.h>

#include "internal.h"
#include "sys.h"
#include "dune-ext.h"

int dune_set_ring0_protection(unsigned int flags)
{
	uint32_t vcpu_flags = 0;
	long cap;

	if (flags & ~(DUNE_RING0_SMEP | DUNE_RING0_SMAP))
		return -EINVAL;
	if (!dune_vm.ready || dune_vm.auto_user)
		return -EINVAL;			/* before dune_init, or map_full */
	if (dune_self && dune_self->vcpu_fd >= 0)
		return -EBUSY;			/* this thread's vCPU exists already */
	if (flags & DUNE_RING0_SMEP) {
		cap = dune_sys_ioctl(dune_vm.dev_fd, DUNE_CHECK_EXTENSION, DUNE_CAP_GUEST_SMEP);
		if (cap <= 0)
			return -EOPNOTSUPP;
		vcpu_flags |= DUNE_VCPU_F_SMEP;
	}
	if (flags & DUNE_RING0_SMAP) {
		cap = dune_sys_ioctl(dune_vm.dev_fd, DUNE_CHECK_EXTENSION, DUNE_CAP_GUEST_SMAP);
		if (cap <= 0)
			return -EOPNOTSUPP;
		vcpu_flags |= DUNE_VCPU_F_SMAP;
	}
	dune_vm.vcpu_flags = vcpu_flags;
	return 0;
}

unsigned int dune_ring0_protection(void)
{
	return ((dune_vm.vcpu_flags & DUNE_VCPU_F_SMEP) ? DUNE_RING0_SMEP : 0) |
	       ((dune_vm.vcpu_flags & DUNE_VCPU_F_SMAP) ? DUNE_RING0_SMAP : 0);
}

/*
 * STAC/CLAC exist only on CPUs with SMAP, and only ring 0 may use them
 * (#UD elsewhere): natively, or without SMAP, there is nothing to open.
 */
static int smap_active(void)
{
	return (dune_vm.vcpu_flags & DUNE_VCPU_F_SMAP) && dune_is_in_dune_mode();
}

void dune_user_access_begin(void)
{
	if (smap_active())
		__asm__ __volatile__("stac" ::: "memory");
}

void dune_user_access_end(void)
{
	if (smap_active())
		__asm__ __volatile__("clac" ::: "memory");
}
