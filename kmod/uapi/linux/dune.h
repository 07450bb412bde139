/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dune.h - the user ABI of /dev/dune.
 *
 * This is the only header shared by the kernel module (kmod/) and user
 * space (libdune/, tests/).  Every structure here crosses the user/kernel
 * boundary, so it follows the usual uapi rules:
 *
 *  - fixed-size types only (__u32, __u64), never long, pointers or enums;
 *  - explicit padding, so the layout is the same for every compiler and
 *    there are no holes that could leak kernel stack to user space;
 *  - reserved fields and flags must be zero on input: the module rejects
 *    anything else with -EINVAL, which keeps them usable by later versions;
 *  - the size of each structure is checked at compile time (bottom of file).
 *
 * The ioctl style follows KVM's: DUNE_GET_API_VERSION returns a number that
 * changes only on incompatible changes, and DUNE_CHECK_EXTENSION answers
 * "is feature N available?" so that new features never need a new version.
 */
#ifndef _UAPI_LINUX_DUNE_H
#define _UAPI_LINUX_DUNE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Returned by DUNE_GET_API_VERSION. */
#define DUNE_API_VERSION	1

/* ioctl "magic" type; 0xE9 is not claimed in ioctl-number.rst. */
#define DUNE_IOC_TYPE		0xE9

/*
 * DUNE_GET_API_VERSION: no argument (must be 0).
 * Returns DUNE_API_VERSION.
 */
#define DUNE_GET_API_VERSION	_IO(DUNE_IOC_TYPE, 0x00)

/*
 * DUNE_CHECK_EXTENSION: argument is one of DUNE_CAP_*.
 * Returns 0 if the capability is absent (or unknown to this module),
 * otherwise a positive value: 1 for yes/no capabilities, or the number
 * the capability asks for (e.g. DUNE_CAP_MAXPHYADDR).
 */
#define DUNE_CHECK_EXTENSION	_IO(DUNE_IOC_TYPE, 0x01)

/*
 * DUNE_GET_VMX_INFO: the raw VMX capability MSRs the module read at load
 * time, as one snapshot.  flags and reserved[] must be zero on input.
 */
#define DUNE_GET_VMX_INFO	_IOWR(DUNE_IOC_TYPE, 0x02, struct dune_vmx_info)

/* Capabilities for DUNE_CHECK_EXTENSION. */
enum dune_cap {
	DUNE_CAP_EPT = 1,		/* EPT (always 1: required to load) */
	DUNE_CAP_VPID = 2,		/* VPID (always 1: required to load) */
	DUNE_CAP_EPT_2M = 3,		/* EPT can map 2 MiB pages */
	DUNE_CAP_EPT_1G = 4,		/* EPT can map 1 GiB pages */
	DUNE_CAP_EPT_AD = 5,		/* EPT accessed and dirty flags */
	DUNE_CAP_UNRESTRICTED_GUEST = 6,
	DUNE_CAP_PREEMPTION_TIMER = 7,
	DUNE_CAP_MAXPHYADDR = 8,	/* value: physical-address width */
	DUNE_CAP_NR_VMX_CPUS = 9,	/* value: CPUs in VMX operation now */
	DUNE_CAP_VMCS_SHADOWING = 10,
	DUNE_CAP_MAX = DUNE_CAP_VMCS_SHADOWING
};

/*
 * A VMX control MSR describes which bits of a 32-bit VMCS control field
 * may be 0 and which may be 1 (SDM Vol. 3D, A.3-A.5): bits 31:0 are the
 * "allowed-0 settings" (a 1 there means the control must be 1), bits 63:32
 * the "allowed-1 settings" (a 0 there means the control must be 0).  The
 * values below are the "true" MSRs where the CPU has them.
 */
struct dune_vmx_info {
	__u32 flags;			/* in: must be 0 */
	__u32 api_version;		/* out: DUNE_API_VERSION */
	__u64 basic;			/* IA32_VMX_BASIC */
	__u64 pinbased_ctls;		/* IA32_VMX_(TRUE_)PINBASED_CTLS */
	__u64 procbased_ctls;		/* IA32_VMX_(TRUE_)PROCBASED_CTLS */
	__u64 procbased_ctls2;		/* IA32_VMX_PROCBASED_CTLS2 */
	__u64 exit_ctls;		/* IA32_VMX_(TRUE_)EXIT_CTLS */
	__u64 entry_ctls;		/* IA32_VMX_(TRUE_)ENTRY_CTLS */
	__u64 misc;			/* IA32_VMX_MISC */
	__u64 cr0_fixed0;		/* IA32_VMX_CR0_FIXED0 */
	__u64 cr0_fixed1;		/* IA32_VMX_CR0_FIXED1 */
	__u64 cr4_fixed0;		/* IA32_VMX_CR4_FIXED0 */
	__u64 cr4_fixed1;		/* IA32_VMX_CR4_FIXED1 */
	__u64 ept_vpid_cap;		/* IA32_VMX_EPT_VPID_CAP */
	__u64 vmfunc;			/* IA32_VMX_VMFUNC, 0 if absent */
	__u32 vmcs_revision_id;		/* bits 30:0 of IA32_VMX_BASIC */
	__u32 vmcs_size;		/* bytes for VMXON region and VMCS */
	__u32 maxphyaddr;		/* CPUID.80000008H:EAX[7:0] */
	__u32 nr_vmx_cpus;		/* CPUs in VMX operation */
	__u64 reserved[8];		/* in: must be 0; out: 0 */
};

#define DUNE_VMX_INFO_SIZE	192

/*
 * Layout checks: the same on both sides of the boundary, at compile time,
 * for every compiler that has static assertions (C11, C++11).
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define DUNE_UAPI_ASSERT(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define DUNE_UAPI_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#ifdef DUNE_UAPI_ASSERT
DUNE_UAPI_ASSERT(sizeof(struct dune_vmx_info) == DUNE_VMX_INFO_SIZE,
		 "struct dune_vmx_info changed size");
DUNE_UAPI_ASSERT(sizeof(struct dune_vmx_info) % 8 == 0,
		 "struct dune_vmx_info must have no tail padding");
#undef DUNE_UAPI_ASSERT
#endif

#endif /* _UAPI_LINUX_DUNE_H */
