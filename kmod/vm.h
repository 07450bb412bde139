/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm.h - the objects of Dune mode: a VM per address space, a vCPU per
 * thread, and the EPT that gives the VM the process's memory.
 *
 *   vm.c         the VM: its file, its chunk maps, the MMU notifier that
 *                keeps the EPT coherent with the process's page tables
 *   ept.c        the EPT: building it lazily on EPT violations, zapping it
 *   vcpu.c       the vCPU: its file, the run loop, CPU migration
 *   vcpu_event.c events for the guest: injection, re-queueing, interrupts
 *   vcpu_abi.c   the vCPU's structs of the user ABI, copied and checked
 *   vcpu_vmcs.c  the VMCS of a vCPU: controls and guest state
 *   exits.c      the VM-exit handlers, one per exit reason
 */
#ifndef DUNE_VM_H
#define DUNE_VM_H

#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/uidgid.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <asm/vmx.h>

#include "uapi/linux/dune.h"

struct dune_vm {
	struct mm_struct *mm;		/* mmgrab()bed: the mm_struct, not the memory */
	struct mmu_notifier mmu_notifier;

	/*
	 * Chunk maps, both keyed by chunk number (address >> 21) and both
	 * holding chunk numbers as xarray values.  Entries are added under
	 * chunk_mutex, hva_to_gpa first (vm.c, dune_chunk_publish()), and
	 * never removed while the VM lives once gpa_to_hva has one; readers
	 * use RCU.
	 */
	struct mutex chunk_mutex;
	struct xarray gpa_to_hva;	/* EPT violations: GPA -> HVA */
	struct xarray hva_to_gpa;	/* MMU notifiers: HVA -> GPA */

	/*
	 * The EPT (SDM Vol. 3C, 29.3).  ept_lock protects the tables and the
	 * invalidation counters: an EPT entry is only installed if no
	 * invalidation ran since its page was looked up (the protocol of
	 * KVM's mmu_invalidate_seq).
	 */
	spinlock_t ept_lock;
	u64 *ept_root;			/* the PML4 */
	struct list_head ept_freed;	/* tables a zap emptied, freed after INVEPT */
	u64 eptp;			/* EPT pointer for the VMCS */
	unsigned long mmu_seq;
	long mmu_in_progress;
	bool dead;			/* the address space is gone */

	/* Bounds (limits.c) and mitigations (mitigations.c). */
	u64 id;				/* unique for the module's life: IBPB between VMs */
	kuid_t uid;			/* the user charged for it */
	bool charged;
	atomic_t nr_vcpus;

	/* Exit statistics in debugfs (stats.c). */
	struct dune_exit_counters __percpu *stats;
	struct dentry *debugfs;
};

/* The per-vCPU page of MSR lists that VM entry and exit load and store. */
enum {
	MSR_SLOT_STAR,
	MSR_SLOT_LSTAR,
	MSR_SLOT_SFMASK,
	MSR_SLOT_KERNEL_GS_BASE,
	NR_SWITCHED_MSRS
};

struct dune_msr_area {
	struct vmx_msr_entry guest[NR_SWITCHED_MSRS];	/* VM-exit store, VM-entry load */
	struct vmx_msr_entry host[NR_SWITCHED_MSRS];	/* VM-exit MSR load */
};

/* What the last VM exit reported, read while it was fresh (IRQs off). */
struct dune_exit_info {
	u32 reason;			/* full exit reason (bit 31: entry failed) */
	u32 intr_info;			/* VM-exit interruption information */
	u32 intr_error_code;
	u32 idt_vectoring_info;
	u32 idt_vectoring_error_code;
	u32 instruction_len;
	u64 qualification;
	u64 guest_linear_address;
	u64 guest_physical_address;
	u32 cpl;			/* SS.DPL: the privilege level (SDM 25.4.1) */
	/* Guest state the next entry checks against user space's (vcpu_entry.c). */
	u32 interruptibility;		/* STI / MOV SS shadow (SDM 25.4.2) */
	u32 cs_ar;			/* CS access rights: L = 0 is compatibility mode */
};

/* Host state a VM exit does not restore (host_state.c). */
struct dune_host_state {
	u16 ldt_sel;
	u32 pkru;
};

/* Paging-structure pages one EPT fault may need: every level but the root. */
#define DUNE_EPT_SPARES		3

struct dune_vcpu {
	struct dune_vm *vm;
	struct file *vm_file;		/* a reference: the VM outlives its vCPUs */
	struct task_struct *owner;	/* the only thread that may run it */

	void *vmcs;			/* the VMCS region (SDM Vol. 3C, 25.2) */
	u64 vmcs_pa;
	int cpu;			/* where the VMCS is active, or -1 */
	int last_cpu;			/* where it last ran: VPID flush on a move */
	bool launched;			/* VMLAUNCH done since the last VMCLEAR */
	bool dead;			/* a VM entry failed in a way we cannot fix */
	u16 vpid;			/* 0: none, past the user's share (limits.c) */
	bool counted;			/* in vm->nr_vcpus */
	bool l1d_flush;			/* host code ran since the last entry (mitigations.c) */
	u32 preemption_timer;		/* VMX-preemption timer value, 0 if unused */

	struct dune_msr_area *msrs;
	struct page *cpunode_page;	/* DUNE_VCPU_F_CPUNODE: the pinned GDT page */
	unsigned int cpunode_offset;	/* ... and where entry 15 is in it */
	int cpunode_cpu;		/* the CPU entry 15 describes now, or -1 */
	struct list_head loaded_link;	/* on the list of the CPU in ->cpu */
	/* Host state last written to the VMCS, rewritten on change. */
	unsigned long host_cr3, host_cr4, host_fs_base;
	unsigned long run_fs_base;	/* the thread's FS base in this DUNE_RUN */

	/* Guest state that lives here between VM exit and VM entry. */
	struct dune_regs regs;		/* GPRs, RIP, RSP, RFLAGS */
	u64 fs_base, gs_base;
	unsigned long cr2;		/* not switched by VMX: kept here */
	u32 inject_info;		/* event to inject at the next entry */
	u32 inject_error_code;
	u32 inject_instruction_len;
	u8 pending_vector;		/* DUNE_RUN_F_INTERRUPT: not delivered yet, or 0 */
	bool intr_window;		/* "interrupt-window exiting" is on in the VMCS */
	u32 proc_ctls;			/* the primary processor-based controls, without it */

	struct dune_exit_info exit;
	struct dune_run *run;		/* DUNE_RUN's copy of the user's struct */
	/* Zeroed pages for new EPT tables, kept between faults (ept.c). */
	struct page *ept_spare[DUNE_EPT_SPARES];

	u64 runs;
	u64 exits[DUNE_EXIT_STATS_NR];
};

/* vm.c */
int dune_vm_create(void);
bool dune_vm_gpa_to_hva(struct dune_vm *vm, u64 gpa, unsigned long *hva);
bool dune_canonical(u64 addr);

/* ept.c */
int dune_ept_init(struct dune_vm *vm);
void dune_ept_free(struct dune_vm *vm);
bool dune_ept_zap(struct dune_vm *vm, u64 gpa_start, u64 gpa_end);
void dune_ept_flush(struct dune_vm *vm);
void dune_ept_zap_done(struct dune_vm *vm, bool zapped);
struct page *dune_ept_alloc_page(struct dune_vm *vm);
void dune_ept_free_page(struct dune_vm *vm, struct page *page);
int dune_ept_fault(struct dune_vcpu *vcpu);
void dune_ept_free_spares(struct dune_vcpu *vcpu);

/* limits.c */
int dune_limit_vm_charge(struct dune_vm *vm);
void dune_limit_vm_uncharge(struct dune_vm *vm);
int dune_limit_vcpu_charge(struct dune_vm *vm);
void dune_limit_vcpu_uncharge(struct dune_vm *vm);
int dune_limit_vpid_alloc(struct dune_vm *vm);
void dune_limit_vpid_free(struct dune_vm *vm, int vpid);
unsigned int dune_limit_vpids_in_use(void);
void dune_limits_exit(void);

/* mitigations.c */
int dune_mitigations_init(void);
void dune_mitigations_exit(void);
u64 dune_mitigations_vm_id(void);
void dune_l1d_flush_before_entry(bool host_ran);
bool dune_l1d_flush_enabled(void);
void dune_ibpb_on_vcpu_load(u64 vm_id);

/* host_state.c */
void dune_host_state_save(struct dune_host_state *hs);
void dune_host_state_restore(const struct dune_host_state *hs, const struct dune_exit_info *e);

/* vcpu.c */
long dune_vcpu_create(struct dune_vm *vm, struct file *vm_file,
		      const struct dune_vcpu_config __user *uconfig);
int dune_vcpu_init(void);
void dune_vcpu_exit(void);

/* vmx_enter.S */
int __dune_vmx_enter(struct dune_regs *regs, bool launched);
extern char dune_vmx_vmexit[];		/* where every VM exit lands (HOST_RIP) */

/* vcpu_vmcs.c */
int dune_vcpu_vmcs_setup(struct dune_vcpu *vcpu, const struct dune_vcpu_config *config,
			 u64 msr_bitmap_pa);

/* exits.c: > 0 resume the guest, 0 return to user space, < 0 error */
int dune_handle_exit(struct dune_vcpu *vcpu);
/* vcpu_entry.c */
/*
 * IA32_STAR with no RPL in bits 33:32: SYSCALL loads SS from STAR[47:32] + 8
 * keeping the RPL, and VM entry requires SS.RPL = CS.RPL (SDM Vol. 3C, 27.3.1.2).
 */
static inline bool dune_star_ok(u64 star)
{
	return !((star >> 32) & SEGMENT_RPL_MASK);
}
int dune_vcpu_check_entry(const struct dune_vcpu *vcpu, const struct dune_regs *regs);
int dune_vcpu_sync_pending_dbg(struct dune_vcpu *vcpu);

/* vcpu_event.c: the event the next VM entry injects */
void dune_vcpu_inject_exception(struct dune_vcpu *vcpu, u8 vector, bool has_error, u32 error);
void dune_vcpu_requeue_event(struct dune_vcpu *vcpu);
int dune_vcpu_queue_interrupt(struct dune_vcpu *vcpu, u8 vector);
int dune_check_run_exception(const struct dune_run *run);
int dune_vcpu_queue_run_events(struct dune_vcpu *vcpu, struct dune_run *run);
int dune_vcpu_inject_pending(struct dune_vcpu *vcpu);

/* vcpu_abi.c: 0, -EFAULT, or the check's error */
int dune_vcpu_run_in(struct dune_run *run, const struct dune_run __user *urun);
int dune_vcpu_run_out(struct dune_run __user *urun, const struct dune_run *run);
int dune_vcpu_config_in(struct dune_vcpu_config *config,
			const struct dune_vcpu_config __user *uconfig);
long dune_vcpu_get_exit_stats(struct dune_vcpu *vcpu, struct dune_exit_stats __user *ustats);

/* vmcs.c: where a vCPU's VMCS is active (dune.h has the rest of vmcs.c) */
int dune_vmcs_activate(struct dune_vcpu *vcpu);
void dune_vmcs_clear(struct dune_vcpu *vcpu);

#endif /* DUNE_VM_H */
