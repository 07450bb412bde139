// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_cpu.c - VMX operation on every CPU.
 *
 * VMX is a per-CPU mode.  Each logical CPU enters "VMX root operation" by
 * itself, with VMXON, and leaves it with VMXOFF (SDM Vol. 3C, 24.7 and
 * 24.8).  So dune.ko turns VMX on:
 *
 *   - on every online CPU at load, and on each CPU that comes online later,
 *     through the CPU-hotplug state machine (cpuhp): one "online" callback
 *     and one "offline" callback, each run on the CPU concerned;
 *   - off at unload, when a CPU goes offline, before reboot or kexec
 *     (reboot notifier), around suspend (syscore ops), and in an emergency
 *     (vmx_emergency.c).
 *
 * A CPU in VMX operation blocks INIT (SDM Vol. 3C, 24.8), which is what a
 * reboot sends to the other CPUs: forgetting VMXOFF hangs the machine.
 *
 * Turning VMX on, for one CPU (SDM Vol. 3C, 24.7):
 *   1. IA32_FEATURE_CONTROL must allow VMXON outside SMX, and be locked.
 *   2. A 4 KiB-aligned "VMXON region" of IA32_VMX_BASIC[44:32] bytes, its
 *      first 31 bits holding the VMCS revision identifier (25.11.5).
 *   3. CR4.VMXE = 1, and CR0/CR4 obeying IA32_VMX_CR{0,4}_FIXED{0,1}
 *      (24.8, A.7, A.8).
 *   4. VMXON with the region's physical address.
 *
 * CR4 is changed only through the kernel's cr4_set_bits()/cr4_clear_bits(),
 * which keep the kernel's per-CPU copy of CR4 (its "shadow") correct.
 *
 * Another hypervisor may own VMX on a CPU already: kvm_intel does while a
 * VM runs on 6.1, from the moment it loads on 6.12, and always on 7.x.  Then
 * vmx_root.c chose "kvm" mode at load: we execute no VMXON or VMXOFF, and
 * run our VMCSs inside kvm_intel's VMX root; the callbacks here only track
 * the CPUs and clear our VMCSs.  In "own" mode we never execute VMXON over
 * someone else's CR4.VMXE; the same test keeps kvm_intel away from us: it
 * refuses to enable virtualization on a CPU whose CR4.VMXE is set.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>

#include "dune.h"
#include "vmx_ops.h"

struct dune_cpu {
	struct page *vmxon_region;	/* SDM Vol. 3C, 25.11.5 */
	u64 feature_control;		/* IA32_FEATURE_CONTROL as we left it */
};

static DEFINE_PER_CPU(struct dune_cpu, dune_cpu);
static struct cpumask vmx_cpus;		/* CPUs where we executed VMXON */
static enum cpuhp_state hotplug_state;
static bool shutting_down;		/* reboot notifier has run */
static bool resume_boot_cpu;		/* suspend turned VMX off on it */

const struct cpumask *dune_vmx_cpumask(void)
{
	return &vmx_cpus;
}

bool dune_vmx_cpu_on(unsigned int cpu)
{
	return cpumask_test_cpu(cpu, &vmx_cpus);
}

u64 dune_vmxon_region_pa(unsigned int cpu)
{
	struct page *region = per_cpu(dune_cpu, cpu).vmxon_region;

	return region ? page_to_phys(region) : 0;
}

u64 dune_cpu_feature_control(unsigned int cpu)
{
	return per_cpu(dune_cpu, cpu).feature_control;
}

/*
 * Step 1.  Firmware normally locks IA32_FEATURE_CONTROL at boot (and 6.1
 * locks it itself if firmware did not).  If we find it unlocked, we allow
 * VMXON outside SMX and lock it, as KVM did: the MSR is per CPU.
 */
static int enable_feature_control(struct dune_cpu *c)
{
	u64 fc;

	if (rdmsrq_safe(MSR_IA32_FEAT_CTL, &fc))
		return -ENODEV;
	if (!(fc & FEAT_CTL_LOCKED)) {
		fc |= FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX | FEAT_CTL_LOCKED;
		if (wrmsrq_safe(MSR_IA32_FEAT_CTL, fc))
			return -EIO;
	}
	c->feature_control = fc;
	if (!(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		return -EOPNOTSUPP;
	return 0;
}

/* Step 3: a bit that FIXED0 has set must be 1; one FIXED1 has clear, 0. */
static bool cr_fixed_ok(unsigned long cr, u64 fixed0, u64 fixed1)
{
	return (cr & fixed0) == fixed0 && (cr & ~fixed1) == 0;
}

/* Turn VMX on for this CPU.  Interrupts are off: nothing may interleave. */
static int vmx_on_this_cpu(void)
{
	struct dune_cpu *c = this_cpu_ptr(&dune_cpu);
	int cpu = smp_processor_id();
	int err;

	lockdep_assert_irqs_disabled();
	if (cpumask_test_cpu(cpu, &vmx_cpus))
		return 0;

	/* kvm_intel's root (vmx_root.c): it turned VMX on here, or nobody did. */
	if (dune_root_mode == DUNE_ROOT_KVM) {
		if (!(__read_cr4() & X86_CR4_VMXE))
			return -ENODEV;
		cpumask_set_cpu(cpu, &vmx_cpus);
		return 0;
	}

	if (dune_read_cr4() & X86_CR4_VMXE)
		return -EBUSY;
	if (!DUNE_CAN_VMXON)
		return -EOPNOTSUPP;

	err = enable_feature_control(c);
	if (err)
		return err;

	/* Step 2: bit 31 of the first word must be 0 (25.11.5). */
	*(u32 *)page_address(c->vmxon_region) = dune_vmx.vmcs_revision_id;

	dune_cr4_set_vmxe();
	if (!cr_fixed_ok(read_cr0(), dune_vmx.cr0_fixed0, dune_vmx.cr0_fixed1) ||
	    !cr_fixed_ok(__read_cr4(), dune_vmx.cr4_fixed0, dune_vmx.cr4_fixed1)) {
		pr_err("CPU %d: CR0=%#lx CR4=%#lx violate the VMX fixed bits\n",
		       cpu, read_cr0(), __read_cr4());
		err = -EINVAL;
		goto clear_vmxe;
	}

	err = dune_vmxon(page_to_phys(c->vmxon_region));
	if (err)
		goto clear_vmxe;

	/*
	 * Drop any EPT- and VPID-tagged translations a previous VMX user of
	 * this CPU (a kexec'd-from kernel, say) may have left behind
	 * (SDM Vol. 3C, 29.4.3.1: such mappings survive VMXOFF).  If that
	 * fails, this CPU is not fit for guests: leave VMX operation again.
	 */
	if (dune_vmx.ept_vpid_cap & VMX_EPT_EXTENT_GLOBAL_BIT)
		err = dune_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	if (!err && (dune_vmx.ept_vpid_cap & ((u64)VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT << 32)))
		err = dune_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0);
	if (err) {
		if (dune_vmxoff())
			return err;	/* still in VMX operation: keep CR4.VMXE */
		goto clear_vmxe;
	}

	cpumask_set_cpu(cpu, &vmx_cpus);
	return 0;

clear_vmxe:
	dune_cr4_clear_vmxe();
	return err;
}

/* Turn VMX off for this CPU.  Interrupts are off. */
static void vmx_off_this_cpu(void)
{
	int cpu = smp_processor_id();

	lockdep_assert_irqs_disabled();
	if (!cpumask_test_cpu(cpu, &vmx_cpus))
		return;
	/* VMCSs still active here must be written back first (SDM 25.11.1). */
	dune_vmcs_clear_this_cpu();
	/* kvm_intel's root: it does its own VMXOFF, after this (cpuhp order). */
	if (dune_root_mode == DUNE_ROOT_KVM) {
		cpumask_clear_cpu(cpu, &vmx_cpus);
		return;
	}
	/*
	 * VMXOFF can fail only under the SMM dual-monitor treatment
	 * (VMfailValid 23).  It is reported; the CPU then stays in VMX
	 * operation, where clearing CR4.VMXE would #GP, so we leave CR4 and
	 * our state as they are.
	 */
	if (dune_vmxoff())
		return;
	dune_cr4_clear_vmxe();
	cpumask_clear_cpu(cpu, &vmx_cpus);
}

/*
 * Emergency path (NMI or crash context, on each CPU in turn): no locks,
 * no printing.  A fault is impossible to report here and harmless.
 */
void dune_vmx_cpu_emergency_off(void)
{
	int cpu = raw_smp_processor_id();

	if (!cpumask_test_cpu(cpu, &vmx_cpus))
		return;
	/* kvm_intel's root: the kernel's VMXOFF for KVM covers it. */
	if (dune_root_mode == DUNE_ROOT_KVM) {
		cpumask_clear_cpu(cpu, &vmx_cpus);
		return;
	}
	if (__vmxoff() == VMX_SUCCEED)
		dune_cr4_clear_vmxe();
	cpumask_clear_cpu(cpu, &vmx_cpus);
}

static const char *vmx_on_error_hint(int err)
{
	switch (err) {
	case -EBUSY:
		return "VMX is already in use by another hypervisor (kvm_intel with running VMs?); "
		       "stop its VMs or unload it (rmmod kvm_intel) and retry";
	case -ENODEV:
		return "VMX is off on this CPU although kvm_intel's VMX root is shared";
	case -EOPNOTSUPP:
		return "IA32_FEATURE_CONTROL forbids VMXON outside SMX; "
		       "enable VT-x in the firmware";
	default:
		return "VMXON failed";
	}
}

/* cpuhp "online" callback: runs on @cpu, in process context. */
static int dune_cpu_online(unsigned int cpu)
{
	struct dune_cpu *c = per_cpu_ptr(&dune_cpu, cpu);
	int err;

	if (READ_ONCE(shutting_down))
		return 0;

	if (!c->vmxon_region) {
		c->vmxon_region = alloc_pages_node(cpu_to_node(cpu),
						   GFP_KERNEL | __GFP_ZERO, 0);
		if (!c->vmxon_region)
			return -ENOMEM;
	}

	err = dune_vmx_caps_check_this_cpu();
	if (err)
		return err;

	local_irq_disable();
	err = vmx_on_this_cpu();
	local_irq_enable();

	if (err)
		pr_err("CPU %u: cannot enter VMX operation (%d): %s\n",
		       cpu, err, vmx_on_error_hint(err));
	return err;
}

/* cpuhp "offline" callback: runs on @cpu before it goes away. */
static int dune_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	vmx_off_this_cpu();
	local_irq_enable();
	return 0;
}

static void vmx_off_ipi(void *unused)
{
	vmx_off_this_cpu();
}

/*
 * Reboot, halt, power-off and kexec all run the reboot notifiers first:
 * leave VMX on every CPU, and stay off (a CPU onlined now keeps VMX off).
 */
static int dune_reboot_notify(struct notifier_block *nb, unsigned long code,
			      void *unused)
{
	WRITE_ONCE(shutting_down, true);
	on_each_cpu(vmx_off_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block dune_reboot_nb = {
	.notifier_call = dune_reboot_notify,
};

/*
 * Suspend: syscore ops run on the last online CPU with interrupts off,
 * after every other CPU went offline (and left VMX via cpuhp).
 */
static int dune_suspend(void)
{
	resume_boot_cpu = cpumask_test_cpu(smp_processor_id(), &vmx_cpus);
	vmx_off_this_cpu();
	return 0;
}

static void dune_resume(void)
{
	int err;

	if (!resume_boot_cpu)
		return;
	err = vmx_on_this_cpu();
	if (err)
		pr_err("CPU %d: cannot re-enter VMX operation after resume (%d)\n",
		       smp_processor_id(), err);
}

DUNE_SYSCORE(dune_syscore, dune_suspend, dune_resume);

int dune_vmx_cpus_init(void)
{
	int ret;

	register_reboot_notifier(&dune_reboot_nb);
	dune_register_syscore(&dune_syscore);

	/*
	 * cpuhp_setup_state() runs dune_cpu_online() on every online CPU
	 * now; if one fails it undoes the others (dune_cpu_offline()) and
	 * returns the error, so load is all-or-nothing.
	 */
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "dune/vmx:online",
				dune_cpu_online, dune_cpu_offline);
	if (ret < 0) {
		dune_unregister_syscore(&dune_syscore);
		unregister_reboot_notifier(&dune_reboot_nb);
		dune_vmx_cpus_exit();
		return ret;
	}
	hotplug_state = ret;
	return 0;
}

void dune_vmx_cpus_exit(void)
{
	unsigned int cpu;

	if (hotplug_state) {
		cpuhp_remove_state(hotplug_state);	/* VMXOFF everywhere */
		dune_unregister_syscore(&dune_syscore);
		unregister_reboot_notifier(&dune_reboot_nb);
		hotplug_state = 0;
	}
	for_each_possible_cpu(cpu) {
		struct dune_cpu *c = per_cpu_ptr(&dune_cpu, cpu);

		if (!c->vmxon_region)
			continue;
		/*
		 * A CPU whose VMXOFF failed may still use its VMXON region:
		 * leaking one page is better than handing it to someone else.
		 */
		if (cpumask_test_cpu(cpu, &vmx_cpus)) {
			pr_err("CPU %u is still in VMX operation; leaking its VMXON region\n", cpu);
			continue;
		}
		__free_page(c->vmxon_region);
		c->vmxon_region = NULL;
	}
}
