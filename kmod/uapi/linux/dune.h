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

/*
 * DUNE_CREATE_VM: argument must be 0.  Creates a VM for the address space
 * of the calling process and returns its file descriptor (close-on-exec).
 * The VM's guest-physical memory is the process's own memory, mapped in
 * 2 MiB chunks (DUNE_MAP_CHUNKS); its vCPUs run the process's threads.
 * Every ioctl on the VM and its vCPUs must come from that same process
 * (the same mm): anything else, e.g. a child after fork, gets -EIO.
 */
#define DUNE_CREATE_VM		_IO(DUNE_IOC_TYPE, 0x03)

/* ioctls on a VM file descriptor */
#define DUNE_MAP_CHUNKS		_IOW(DUNE_IOC_TYPE, 0x10, struct dune_map_chunks)
#define DUNE_CREATE_VCPU	_IOW(DUNE_IOC_TYPE, 0x11, struct dune_vcpu_config)

/* ioctls on a vCPU file descriptor */
#define DUNE_RUN		_IOWR(DUNE_IOC_TYPE, 0x20, struct dune_run)
#define DUNE_GET_EXIT_STATS	_IOWR(DUNE_IOC_TYPE, 0x21, struct dune_exit_stats)

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
	DUNE_CAP_VM = 11,		/* DUNE_CREATE_VM and Dune mode */
	DUNE_CAP_RUN_CPL = 12,		/* struct dune_run reports the guest's CPL */
	DUNE_CAP_RUN_INTERRUPT = 13,	/* DUNE_RUN_F_INTERRUPT: inject an interrupt */
	DUNE_CAP_GUEST_SMEP = 14,	/* DUNE_VCPU_F_SMEP */
	DUNE_CAP_GUEST_SMAP = 15,	/* DUNE_VCPU_F_SMAP */
	DUNE_CAP_RUN_EXCEPTION = 16,	/* DUNE_RUN_F_EXCEPTION: inject an exception */
	DUNE_CAP_RUN_EXCEPTION_CP = 17,	/* ... and #CP (21) among its vectors */
	DUNE_CAP_MAX = DUNE_CAP_RUN_EXCEPTION_CP
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
 * Guest-physical memory comes in chunks: a 2 MiB-aligned range of the
 * process's virtual addresses (host virtual, "HVA") appears at a 2 MiB-
 * aligned guest-physical address ("GPA").  User space chooses the GPAs
 * (below 2^MAXPHYADDR) and writes the guest page tables that use them; the
 * module fills the EPT from the process's page tables on first access.  A
 * chunk stays mapped for the life of the VM, whatever happens to the
 * memory behind it: accesses follow the process's current mappings and
 * permissions (see docs/03-memory.md).
 */
#define DUNE_CHUNK_SHIFT	21
#define DUNE_CHUNK_SIZE		(1ULL << DUNE_CHUNK_SHIFT)

struct dune_chunk {
	__u64 hva;			/* 2 MiB aligned, user address */
	__u64 gpa;			/* 2 MiB aligned, below 2^MAXPHYADDR */
};

/*
 * DUNE_MAP_CHUNKS: map @count chunks (at most DUNE_MAP_CHUNKS_MAX) from the
 * array at @chunks.  All or nothing: -EINVAL for a misaligned or out-of-range
 * address, -EEXIST if an HVA or GPA is already mapped to something else.
 * Mapping a pair that already exists is not an error.
 */
struct dune_map_chunks {
	__u32 flags;			/* must be 0 */
	__u32 count;
	__u64 chunks;			/* user pointer to struct dune_chunk[count] */
	__u64 reserved[2];		/* must be 0 */
};

#define DUNE_MAP_CHUNKS_MAX	4096

/*
 * DUNE_CREATE_VCPU: a vCPU for the calling thread, returned as a file
 * descriptor (close-on-exec).  Only the thread that created a vCPU may run
 * it.  The vCPU starts in 64-bit ring 0 with the descriptor tables and page
 * tables given here (addresses are guest-virtual, @cr3 is guest-physical);
 * the segment registers are loaded as if from flat 64-bit descriptors at
 * the given selectors, which the GDT must also hold.
 *
 * The SYSCALL MSRs (@star, @lstar, @sfmask) are the guest's own: they are
 * loaded on every VM entry and the host's restored on every VM exit, so
 * SYSCALL in the guest reaches the guest's handler without a VM exit.
 */
/*
 * dune_vcpu_config.flags:
 *
 * DUNE_VCPU_F_CPUNODE: the GDT is also at host address @gdtr_base of this
 * process (as when guest-virtual equals host-virtual), covers entry 15
 * (selector 0x7b), and entry 15 lies within one page.  The module keeps
 * that entry equal to the kernel's own per-CPU "CPUNODE" descriptor for
 * the CPU the vCPU runs on, so that the vDSO's getcpu() - which reads it
 * with LSL where the CPU has no RDPID - answers in the guest as it does
 * natively.  The page is pinned for the life of the vCPU.
 */
#define DUNE_VCPU_F_CPUNODE	(1u << 0)
/*
 * DUNE_VCPU_F_SMEP, DUNE_VCPU_F_SMAP (if DUNE_CAP_GUEST_SMEP/_SMAP, else
 * EOPNOTSUPP): the guest runs with CR4.SMEP / CR4.SMAP set (SDM Vol. 3A,
 * 4.6).  With SMEP, ring 0 cannot execute pages ring 3 may access (user
 * pages: U/S = 1 in the guest's page tables); with SMAP, ring 0 cannot
 * read or write them either unless RFLAGS.AC is 1 (STAC ... CLAC).  A
 * ring-3 program then cannot lure its ring-0 supervisor into running or
 * trusting memory it controls.
 */
#define DUNE_VCPU_F_SMEP	(1u << 1)
#define DUNE_VCPU_F_SMAP	(1u << 2)
#define DUNE_VCPU_FLAGS		(DUNE_VCPU_F_CPUNODE | DUNE_VCPU_F_SMEP | DUNE_VCPU_F_SMAP)

struct dune_vcpu_config {
	__u32 flags;			/* DUNE_VCPU_F_*, others must be 0 */
	__u32 reserved0;		/* must be 0 */
	__u64 cr3;			/* GPA of the PML4, 4 KiB aligned */
	__u64 gdtr_base;
	__u64 idtr_base;
	__u64 tr_base;			/* a 64-bit TSS */
	__u16 gdtr_limit;
	__u16 idtr_limit;
	__u16 cs;			/* 64-bit ring-0 code segment */
	__u16 ss;			/* ring-0 data segment (SS, DS, ES) */
	__u16 tr;			/* the TSS descriptor */
	__u16 reserved1[3];		/* must be 0 */
	__u64 star;			/* IA32_STAR; bits 33:32 (SYSCALL's SS RPL) 0 */
	__u64 lstar;			/* IA32_LSTAR */
	__u64 sfmask;			/* IA32_FMASK */
	__u64 reserved[8];		/* must be 0 */
};

/* The general-purpose registers, RIP, RSP and RFLAGS of a vCPU. */
struct dune_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/* Why DUNE_RUN returned (struct dune_run.exit_reason). */
enum dune_exit {
	DUNE_EXIT_NONE = 0,
	/*
	 * The guest executed VMCALL in ring 0; regs.rip is past it.  (VMCALL
	 * in rings 1-3 raises #UD in the guest, as it would outside VMX: only
	 * the guest's ring 0 may call user space.)
	 */
	DUNE_EXIT_VMCALL = 1,
	/*
	 * An access the process's own mappings do not allow, or a GPA no
	 * chunk maps: u.ept says which.  Nothing was changed.
	 */
	DUNE_EXIT_EPT_FAULT = 2,
	/* The guest triple-faulted (SDM Vol. 3C, 26.2 / exit reason 2). */
	DUNE_EXIT_TRIPLE_FAULT = 3,
	/* VM entry failed on the guest state (u.fail); nothing ran. */
	DUNE_EXIT_ENTRY_FAILED = 4,
	/* Any other VM exit the module does not handle (u.fail). */
	DUNE_EXIT_UNHANDLED = 5
};

/* u.ept.flags: the access that faulted, and what the mapping allows. */
#define DUNE_EPT_READ		(1u << 0)
#define DUNE_EPT_WRITE		(1u << 1)
#define DUNE_EPT_EXEC		(1u << 2)
#define DUNE_EPT_NO_CHUNK	(1u << 3)	/* no chunk maps this GPA */
#define DUNE_EPT_GVA_VALID	(1u << 4)	/* u.ept.gva: the address accessed */

/*
 * DUNE_RUN: run the vCPU until something needs user space.  In: flags,
 * interrupt_vector, regs, fs_base, gs_base.  Out: everything.  Returns 0
 * with an exit_reason, or -1 with errno: EINTR when a signal is pending
 * (the state in *run is saved and valid: handle the signal, run again),
 * EIO from another process, EBUSY from another thread, EINVAL for a non-
 * canonical RIP, FS or GS base, RFLAGS with a reserved or VM bit set (or
 * bit 1 clear), an unknown flag, or a nonzero reserved field; EINVAL also
 * for what the guest's state at the last exit cannot be entered with (SDM
 * Vol. 3C, 27.3.1): RFLAGS.IF clear when the guest exited right after STI
 * or when an interrupt whose delivery an exit interrupted is still to be
 * delivered, and RIP above 4 GiB when the guest runs in compatibility
 * mode.  Nothing changes; run it with the values it exited with.
 *
 * DUNE_RUN_F_INTERRUPT (if DUNE_CAP_RUN_INTERRUPT): deliver an external
 * interrupt with vector @interrupt_vector (32-255, else EINVAL) through
 * the guest's IDT, at whatever privilege level the guest is, as soon as
 * the guest can take one: at once if its RFLAGS.IF is 1 and nothing
 * blocks interrupts, else when it enables them (an "interrupt window",
 * docs/04-vm-exits.md).  Until then the vCPU keeps the vector pending,
 * across DUNE_RUN calls, and reports it in @interrupt_pending; a second
 * request while one is pending fails with EBUSY and changes nothing.
 * Without the flag, interrupt_vector must be 0.  On the way out, flags
 * and interrupt_vector are 0, so the same struct can be run again.
 */
#define DUNE_RUN_F_INTERRUPT	(1u << 0)
/*
 * DUNE_RUN_F_EXCEPTION (if DUNE_CAP_RUN_EXCEPTION): deliver the hardware
 * exception @exception_vector through the guest's IDT at the next VM
 * entry, before the guest executes anything, as if the instruction at
 * regs.rip had raised it (SDM Vol. 3C, 27.6): what a library OS or a
 * sandbox that emulates an instruction or resolves a fault in user space
 * needs to hand the guest a #PF, #GP, #UD, ... of its own.  The handler
 * finds on its stack exactly what the CPU pushes: SS, RSP, RFLAGS (with
 * RF set for a fault-class exception, SDM Vol. 3A, 6.12.1 and 18.3.1.1),
 * CS, RIP = regs.rip, and the error code where the vector has one.
 *
 *  - @exception_vector: one a CPU raises as an exception in IA-32e mode
 *    (SDM Vol. 3A, Table 6-1): #DE 0, #DB 1, #BP 3, #OF 4, #BR 5, #UD 6,
 *    #NM 7, #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #MF 16,
 *    #AC 17, #XM 19, and #CP 21 where DUNE_CAP_RUN_EXCEPTION_CP says so
 *    (a CPU with CET, whose VM entry takes any error-code setting:
 *    IA32_VMX_BASIC bit 56; the entry checks for #CP differ before CET).
 *    Refused (EINVAL): NMI 2 (an interrupt, not an exception), 9 (not
 *    raised since the Intel386), the reserved 15 and 22-31, #MC 18 (a
 *    hardware error is the host's to report) and #VE 20 (dune.ko never
 *    enables EPT-violation #VE, so a guest has no information area).
 *  - DUNE_RUN_F_ERROR_CODE must be given exactly for the vectors that push
 *    an error code (#DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP; SDM Vol. 3A,
 *    6.13): VM entry fails on a mismatch (Vol. 3C, 27.2.1.3), so the
 *    module refuses one first.  @exception_error_code must have bits
 *    31:16 clear (VMX refuses others, and no CPU pushes them for these
 *    vectors), and be 0 for #DF (the CPU pushes 0).  Without the flag it
 *    must be 0.
 *  - @exception_cr2: for #PF, the faulting linear address, written to the
 *    guest's CR2 before the delivery (VM entry does not do it: 27.6.1);
 *    canonical.  For every other vector it must be 0 and CR2 is untouched.
 *    DR6 is never changed, also not for #DB.
 *
 * Precedence.  VM entry delivers one event.  An event still to be
 * delivered at the next entry - one whose delivery the last exit
 * interrupted (delivered again, SDM 28.2.4), or an exception dune.ko
 * raised for the guest before returning - goes first: DUNE_RUN_F_EXCEPTION
 * then fails with EBUSY and changes nothing (the CPU would combine the
 * two, possibly into a #DF, SDM Vol. 3A, Table 6-5; dune.ko does not
 * guess), and @event_pending reports it on every return.  A
 * DUNE_RUN_F_INTERRUPT vector - given in the same call or earlier - waits
 * behind the exception: the exception is delivered at the entry, the
 * interrupt once the guest can take one (after the handler's IRET if an
 * interrupt gate cleared IF).  If the delivery itself faults (a bad IDT
 * entry, an unmapped handler stack), the guest gets what the CPU makes of
 * it: #GP, #NP or #DF through its IDT, or a DUNE_EXIT_TRIPLE_FAULT.
 *
 * The exception is accepted once DUNE_RUN gets past its checks: after
 * EINTR (a signal before the entry) it is still pending (@event_pending
 * is 1) and the next DUNE_RUN delivers it; do not ask again.  Every
 * other error leaves the vCPU as it was.  Without DUNE_RUN_F_EXCEPTION,
 * @exception_vector, @exception_error_code and @exception_cr2 must be 0;
 * on the way out they are 0.
 */
#define DUNE_RUN_F_EXCEPTION	(1u << 1)
#define DUNE_RUN_F_ERROR_CODE	(1u << 2)	/* with _F_EXCEPTION: push the error code */
#define DUNE_RUN_FLAGS		(DUNE_RUN_F_INTERRUPT | DUNE_RUN_F_EXCEPTION | \
				 DUNE_RUN_F_ERROR_CODE)

struct dune_run {
	__u32 flags;			/* in: DUNE_RUN_F_*; out: 0 */
	__u32 exit_reason;		/* out: enum dune_exit */
	struct dune_regs regs;		/* in/out */
	__u64 fs_base;			/* in/out */
	__u64 gs_base;			/* in/out */
	union {
		struct {		/* DUNE_EXIT_EPT_FAULT */
			__u64 gpa;
			__u64 gva;
			__u64 hva;	/* if a chunk maps the GPA */
			__u32 flags;	/* DUNE_EPT_* */
			__u32 pad;
		} ept;
		struct {		/* DUNE_EXIT_ENTRY_FAILED, _UNHANDLED */
			__u32 hw_exit_reason;	/* SDM Vol. 3D, Appendix C */
			__u32 pad;
			__u64 qualification;
			__u64 intr_info;	/* VM-exit interruption info */
		} fail;
		__u64 pad[8];
	} u;
	__u32 cpl;			/* out: guest CPL at the exit; in: ignored */
	__u8 interrupt_vector;		/* in: DUNE_RUN_F_INTERRUPT's vector; out: 0 */
	__u8 interrupt_pending;		/* out: the vector still waiting, or 0; in: ignored */
	__u16 reserved0;		/* in: must be 0; out: 0 */
	__u32 exception_error_code;	/* in: with DUNE_RUN_F_ERROR_CODE; out: 0 */
	__u8 exception_vector;		/* in: DUNE_RUN_F_EXCEPTION's vector; out: 0 */
	__u8 event_pending;		/* out: 1 if the next entry delivers an event; in: ignored */
	__u16 reserved1;		/* in: must be 0; out: 0 */
	__u64 exception_cr2;		/* in: #PF's CR2; out: 0 */
	__u64 reserved[5];		/* in: must be 0; out: 0 */
};

/*
 * DUNE_GET_EXIT_STATS: how many VM exits of each basic exit reason (SDM
 * Vol. 3D, Appendix C) this vCPU has taken, and how many DUNE_RUN calls.
 */
#define DUNE_EXIT_STATS_NR	80

struct dune_exit_stats {
	__u32 flags;			/* in: must be 0 */
	__u32 nr;			/* out: DUNE_EXIT_STATS_NR */
	__u64 runs;			/* DUNE_RUN calls */
	__u64 exits[DUNE_EXIT_STATS_NR];
	__u64 reserved[4];		/* in: must be 0; out: 0 */
};

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
DUNE_UAPI_ASSERT(sizeof(struct dune_chunk) == 16, "struct dune_chunk changed size");
DUNE_UAPI_ASSERT(sizeof(struct dune_map_chunks) == 32,
		 "struct dune_map_chunks changed size");
DUNE_UAPI_ASSERT(sizeof(struct dune_vcpu_config) == 144,
		 "struct dune_vcpu_config changed size");
DUNE_UAPI_ASSERT(sizeof(struct dune_regs) == 144, "struct dune_regs changed size");
DUNE_UAPI_ASSERT(sizeof(struct dune_run) == 296, "struct dune_run changed size");
DUNE_UAPI_ASSERT(sizeof(struct dune_exit_stats) == 688,
		 "struct dune_exit_stats changed size");
#undef DUNE_UAPI_ASSERT
#endif

#endif /* _UAPI_LINUX_DUNE_H */
