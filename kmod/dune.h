/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dune.h - how the files of dune.ko talk to each other.
 *
 * One concept per file:
 *   main.c           module load and unload: the order things happen in
 *   vmx_caps.c       what this CPU's VMX can do (capability MSRs)
 *   vmx_ops.[ch]     the VMX instructions, checked, and their reporter
 *   vmx_cpu.c        VMX operation on every CPU: VMXON/VMXOFF, hotplug,
 *                    reboot, suspend
 *   vmx_emergency.c  VMXOFF when the kernel crashes or reboots in a hurry
 *   vmx_root.c       where VMX root operation comes from: our VMXON, or
 *                    kvm_intel's, shared (the VMCS window)
 *   vmcs.c           VMCS control fields and the host-state area; which
 *                    VMCSs are active on each CPU, and their VMCLEAR
 *   vmx_selftest.c   exercises every VMX instruction wrapper on every CPU
 *   dev.c            /dev/dune and its ioctls (the user ABI)
 *   debugfs.c        /sys/kernel/debug/dune: state for tests and humans
 *   stats.c          VM exits by reason in debugfs, per VM and in all
 */
#ifndef DUNE_H
#define DUNE_H

#include <linux/cpumask.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "compat.h"
#include "uapi/linux/dune.h"

/* vmx_caps.c: the capability MSRs, read once at load (SDM Vol. 3D, App. A) */
extern struct dune_vmx_info dune_vmx;

int dune_vmx_caps_init(void);
int dune_vmx_caps_check_this_cpu(void);
long dune_cap_value(unsigned long cap);
bool dune_exception_cp_ok(void);	/* vcpu_event.c: #CP for DUNE_RUN_F_EXCEPTION */
void dune_vmx_caps_show(struct seq_file *m);

/*
 * A VMX control MSR: the low 32 bits are the allowed-0 settings (a 1 bit
 * means "this control must be 1"), the high 32 bits the allowed-1
 * settings (a 0 bit means "this control must be 0").  SDM Vol. 3D, A.3.
 */
static inline u32 vmx_ctl_must_be_1(u64 ctl_msr)
{
	return (u32)ctl_msr;
}

static inline u32 vmx_ctl_may_be_1(u64 ctl_msr)
{
	return ctl_msr >> 32;
}

/* vmx_cpu.c: VMX operation on each CPU */
int dune_vmx_cpus_init(void);
void dune_vmx_cpus_exit(void);
const struct cpumask *dune_vmx_cpumask(void);
bool dune_vmx_cpu_on(unsigned int cpu);
u64 dune_vmxon_region_pa(unsigned int cpu);
u64 dune_cpu_feature_control(unsigned int cpu);
void dune_vmx_cpu_emergency_off(void);

/* vmx_root.c: our own VMX root operation, or kvm_intel's (shared) */
enum dune_root {
	DUNE_ROOT_OWN,
	DUNE_ROOT_KVM,
};

extern enum dune_root dune_root_mode;
#define DUNE_NO_VMCS		(~0ULL)		/* VMPTRST with no current VMCS */
#define DUNE_KVM_ROOT_VPID_MIN	0x8000		/* KVM allocates VPIDs from 1 up */
struct vmx_msr_entry;

int dune_root_init(void);
void dune_root_exit(void);
const char *dune_root_name(void);
int dune_root_vpid_min(void);
int dune_root_window_begin(u64 *saved);
void dune_root_window_end(u64 saved);
void dune_root_read_host_msrs(struct vmx_msr_entry *host, unsigned int n);
extern atomic_t dune_root_kvm_msrs_at_entry;

/*
 * vmcs.c: control fields and the host-state area; the per-CPU lists of
 * active vCPU VMCSs (the rest in vm.h: they take a struct dune_vcpu)
 */
int vmx_ctl_value(u64 ctl_msr, u32 wanted, u32 *value);
int dune_vmcs_write_host_state(void);
int dune_vmcs_write_guest_segment(unsigned long selector_field, u16 selector, u64 base,
				  u32 limit, u32 ar);
int dune_vmcs_write_guest_quiet_state(void);
void dune_vmcs_after_exit(void);
void dune_vmcs_loaded_init(void);
void dune_vmcs_clear_this_cpu(void);	/* VMCLEAR all active here; IRQs off */

/* Segment access rights (SDM Vol. 3C, 25.4.1): type, S, DPL, P, L, D/B, G. */
#define VMCS_AR_CODE64_RING0	0xa09b	/* execute/read, accessed; L=1, G=1 */
#define VMCS_AR_DATA_RING0	0xc093	/* read/write, accessed; D/B=1, G=1 */
#define VMCS_AR_TSS64_BUSY	0x008b	/* 64-bit TSS, busy (required, 27.3.1.2) */
#define VMCS_AR_UNUSABLE	VMX_AR_UNUSABLE_MASK	/* asm/vmx.h */

/* vmx_emergency.c: the kernel's emergency-VMXOFF callback */
int dune_emergency_init(void);
void dune_emergency_exit(void);
bool dune_emergency_callback_ours(void);

/* vmx_selftest.c */
void dune_vmx_selftest(struct seq_file *m);

/* dev.c */
int dune_dev_init(void);
void dune_dev_exit(void);

/* debugfs.c */
void dune_debugfs_init(void);
void dune_debugfs_exit(void);
int dune_debug_chunk_store_fault(void);

/* stats.c */
struct dentry;
struct dune_vm;
void dune_stats_debugfs_init(struct dentry *dir);
void dune_stats_vm_init(struct dune_vm *vm);
void dune_stats_vm_exit(struct dune_vm *vm);
void dune_stats_count_exit(struct dune_vm *vm, u32 basic);

#endif /* DUNE_H */
