// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_root.c - where our VMX root operation comes from.
 *
 * A VMCS can be used only in VMX root operation (SDM Vol. 3C, 24.7).  We
 * get there one of two ways, chosen once, at load:
 *
 *   own     VMX is off on every CPU and this kernel lets a module turn it
 *           on (6.1; 6.12 without kvm_intel): vmx_cpu.c executes VMXON on
 *           each CPU and VMXOFF when done.  Nothing else uses VMX meanwhile
 *           (kvm_intel then refuses to load: it finds CR4.VMXE set).
 *
 *   kvm     VMX is on already, because kvm_intel holds it: on 6.12 it turns
 *           VMX on at load (kvm.enable_virt_at_load=1, the default), and on
 *           7.x the kernel core owns VMXON (x86_virt_get_ref(), exported to
 *           the kvm modules only) - a module cannot turn VMX on there at
 *           all.  We execute no VMXON or VMXOFF; our VMCSs live inside
 *           kvm_intel's VMX root operation:
 *
 *     CPU n, interrupts off for the whole window:
 *
 *       KVM's current VMCS ──VMPTRST──> saved
 *                          ──VMPTRLD──> ours: VMWRITEs, VMRESUME ... VM exit
 *                          ──VMPTRLD──> saved (KVM's again)
 *       interrupts on
 *
 *     KVM caches the current VMCS per CPU and skips VMPTRLD when its cache
 *     says its VMCS is loaded (arch/x86/kvm/vmx/vmx.c, vmx_vcpu_load_vmcs());
 *     it VMCLEARs a VMCS on another CPU by IPI and then forgets it.  With
 *     interrupts off across the window, neither can see our VMCS current.
 *     A VMCS may be active on a CPU without being current, so ours stays
 *     active there between windows (VMPTRLD keeps its launch state: SDM
 *     Vol. 3C, 25.11.3), and VMRESUME works as in own mode.
 *
 * The hazards of sharing, and what handles each (see also docs/):
 *   - kvm_intel unloading (VMXOFF with our VMCSs active): we pin it by
 *     holding /dev/kvm open - its file operations belong to kvm_intel -
 *     and check CR4.VMXE before every entry.
 *   - CPU offline: our cpuhp state (CPUHP_AP_ONLINE_DYN) is torn down
 *     before KVM's (CPUHP_AP_KVM_ONLINE), so our VMCSs are VMCLEARed
 *     before KVM's VMXOFF; reboot and suspend likewise clear them first.
 *   - KVM's user-return MSRs: a KVM vCPU thread preempted in the kernel
 *     leaves its guest's STAR, LSTAR and SFMASK loaded until some task
 *     returns to user space on that CPU.  Our VM exit restores the values
 *     read just before the entry, never values cached earlier.
 *   - VPIDs: KVM allocates from 1 up; ours come from the upper half.
 *   - Refused: kvm_intel.ept=0 (KVM then tags guest translations by VPID
 *     only), an enlightened VMCS (Hyper-V), FRED hosts (the NMI path after
 *     a VM exit is unverified there), and VMX on only on some CPUs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/hypervisor.h>
#include <asm/msr.h>
#include <asm/special_insns.h>

#include "dune.h"
#include "vmx_ops.h"

enum dune_root dune_root_mode = DUNE_ROOT_OWN;
static struct file *kvm_pin;		/* /dev/kvm, held open in kvm mode */
static u64 kernel_lstar;		/* the kernel's SYSCALL entry point */
atomic_t dune_root_kvm_msrs_at_entry;	/* debugfs: kvm_msrs_at_entry */

static const char *const root_names[] = {
	[DUNE_ROOT_OWN] = "own",
	[DUNE_ROOT_KVM] = "kvm",
};

const char *dune_root_name(void)
{
	return root_names[dune_root_mode];
}

/* /sys/module/dune/parameters/vmx_root: which root was chosen (read only). */
static int vmx_root_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", dune_root_name());
}

static const struct kernel_param_ops vmx_root_ops = {
	.get = vmx_root_get,
};
module_param_cb(vmx_root, &vmx_root_ops, NULL, 0444);
MODULE_PARM_DESC(vmx_root, "where VMX root operation comes from: own (our VMXON) or kvm (kvm_intel's)");

static void read_vmxe(void *info)
{
	if (!(__read_cr4() & X86_CR4_VMXE))
		cpumask_clear_cpu(smp_processor_id(), info);
}

/* Read a parameter of a loaded module into @buf; false if there is none. */
static bool kvm_param(const char *module, const char *name, char *buf, size_t size)
{
	char path[96];
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module, name);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return false;
	n = kernel_read(f, buf, size - 1, &pos);
	fput(f);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

/*
 * Roots we do not share, each refused with one line saying why.  The first
 * is tested in the emulated machine (dune_coexist_test); the other two
 * cannot occur in Bochs (no FRED, not Hyper-V) and are refused on the
 * kernel's own flags, untested (docs/security.md lists them for review).
 *
 *   - kvm_intel.ept=0: KVM tags its guests' translations by VPID only, so
 *     our VPIDs' disjointness would be all that keeps guests apart.
 *   - Hyper-V: kvm_intel may use an enlightened VMCS (vmx/hyperv_evmcs.h),
 *     made current through the VP assist page instead of VMPTRLD: VMPTRST
 *     does not see it, and our window would not put it back.  Refused on
 *     Hyper-V at all (x86_hyper_type), not only when kvm_intel reports
 *     enlightened_vmcs=Y - which it clears when it does not use one.
 *   - FRED: the NMI taken after a VM exit (vcpu_handle_nmi_irqoff()) is
 *     delivered as on IDT hosts, unverified with FRED's event delivery.
 */
static int kvm_root_checks(void)
{
	char v[8];

	if (dune_host_fred()) {
		pr_err("FRED is on: sharing VMX with KVM is not verified with FRED; boot with fred=off\n");
		return -EOPNOTSUPP;
	}
	if (kvm_param("kvm_intel", "ept", v, sizeof(v)) && v[0] != 'Y') {
		pr_err("kvm_intel runs with ept=N, which tags guest translations by VPID only; reload it with ept=1\n");
		return -EOPNOTSUPP;
	}
	if (hypervisor_is_type(X86_HYPER_MS_HYPERV) ||
	    (kvm_param("kvm_intel", "enlightened_vmcs", v, sizeof(v)) && v[0] == 'Y')) {
		pr_err("running on Hyper-V, where kvm_intel may use an enlightened VMCS, which dune.ko cannot share: not supported\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Choose the root: VMX enabled on every online CPU means kvm_intel holds it;
 * off on every CPU, our own VMXON where the kernel allows it.  Called with
 * the CPU-hotplug lock held (cpus_read_lock()).
 */
int dune_root_init(void)
{
	cpumask_var_t vmxe;
	bool all, none;
	char v[8];
	int err;

	if (!zalloc_cpumask_var(&vmxe, GFP_KERNEL))
		return -ENOMEM;
	cpumask_copy(vmxe, cpu_online_mask);
	on_each_cpu(read_vmxe, vmxe, 1);
	all = cpumask_equal(vmxe, cpu_online_mask);
	none = cpumask_empty(vmxe);
	free_cpumask_var(vmxe);

	if (none && DUNE_CAN_VMXON) {
		dune_root_mode = DUNE_ROOT_OWN;
		return 0;
	}
	if (none) {
		pr_err("VMX is off and this kernel lets only KVM turn it on: load kvm_intel (with kvm.enable_virt_at_load=1) first\n");
		return -EOPNOTSUPP;
	}
	/*
	 * Share only a root that stays: kvm_intel keeps VMX on from its load
	 * to its unload (which our pin prevents) only with
	 * kvm.enable_virt_at_load=Y (6.12+; the parameter does not exist on
	 * 6.1).  Otherwise VMX is on only while a KVM VM exists, and KVM's
	 * VMXOFF after the last one would pull the root from under our VMCSs.
	 */
	if (!all || !kvm_param("kvm", "enable_virt_at_load", v, sizeof(v)) || v[0] != 'Y') {
		pr_err("VMX is already in use by another hypervisor (kvm_intel with running VMs?); stop its VMs or unload it (rmmod kvm_intel) and retry, or load kvm_intel with kvm.enable_virt_at_load=1 to share its VMX root\n");
		return -EBUSY;
	}

	err = kvm_root_checks();
	if (err)
		return err;
	/*
	 * Pin kvm_intel: /dev/kvm's file operations are owned by it, so an
	 * open file keeps it loaded - and its VMX root operation with it.
	 */
	kvm_pin = filp_open("/dev/kvm", O_RDWR, 0);
	if (IS_ERR(kvm_pin)) {
		err = PTR_ERR(kvm_pin);
		kvm_pin = NULL;
		pr_err("VMX is on but /dev/kvm cannot be opened (%d): who holds VMX?\n", err);
		return err;
	}
	/* Ours: in a system call, the SYSCALL that brought us here used it. */
	rdmsrq(MSR_LSTAR, kernel_lstar);
	dune_root_mode = DUNE_ROOT_KVM;
	pr_info("VMX root operation: kvm_intel's (shared; kvm_intel pinned)\n");
	return 0;
}

void dune_root_exit(void)
{
	if (kvm_pin)
		fput(kvm_pin);
	kvm_pin = NULL;
}

/* VPIDs: KVM's come from 1 up (vmx.c, allocate_vpid()); in kvm mode ours from the top half. */
int dune_root_vpid_min(void)
{
	return dune_root_mode == DUNE_ROOT_KVM ? DUNE_KVM_ROOT_VPID_MIN : 1;
}

/*
 * Open a window in which our VMCS may be current (interrupts off).  In
 * kvm mode, check that VMX is still on here and remember KVM's current
 * VMCS; returns -EIO if VMX is gone (kvm_intel's VMX root ended anyway).
 */
int dune_root_window_begin(u64 *saved)
{
	lockdep_assert_irqs_disabled();
	*saved = DUNE_NO_VMCS;
	if (dune_root_mode != DUNE_ROOT_KVM)
		return 0;
	if (unlikely(!(__read_cr4() & X86_CR4_VMXE) || !dune_vmx_cpu_on(smp_processor_id())))
		return -EIO;
	*saved = dune_vmptrst();
	return 0;
}

/* Close it: KVM's VMCS is current again before interrupts come back. */
void dune_root_window_end(u64 saved)
{
	lockdep_assert_irqs_disabled();
	if (dune_root_mode == DUNE_ROOT_KVM && saved != DUNE_NO_VMCS)
		dune_vmptrld(saved);		/* a failure is reported */
}

/*
 * The host's SYSCALL MSRs for the VM-exit MSR-load list, read now
 * (interrupts off, right before the entry): in kvm mode they may be a KVM
 * guest's, which KVM restores at the next return to user space - and must
 * find there again.  In own mode they never change.
 */
void dune_root_read_host_msrs(struct vmx_msr_entry *host, unsigned int n)
{
	unsigned int i;
	u64 lstar;

	if (dune_root_mode != DUNE_ROOT_KVM)
		return;
	for (i = 0; i < n; i++)
		if (host[i].index != MSR_KERNEL_GS_BASE)	/* read per DUNE_RUN */
			rdmsrq(host[i].index, host[i].value);
	/*
	 * Count the entries that found another LSTAR than the kernel's - a
	 * KVM guest's, left for the user-return notifier: how often the
	 * hazard this read handles arose (debugfs, dune_coexist_test).
	 */
	rdmsrq(MSR_LSTAR, lstar);
	if (lstar != kernel_lstar)
		atomic_inc(&dune_root_kvm_msrs_at_entry);
}
