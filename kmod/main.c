// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - loading and unloading dune.ko.
 *
 * Load order matters; each step relies on the ones before it:
 *
 *   1. capabilities   is VMX there, usable, and does it have what we need?
 *      root           our own VMXON, or kvm_intel's VMX root (vmx_root.c)?
 *   2. emergency      the kernel knows how to turn our VMX off in a crash
 *                     before any CPU is in VMX operation;
 *   3. CPUs           VMXON on every online CPU (all or nothing), and on
 *                     each CPU that comes online later;
 *   4. debugfs        state for tests;
 *   5. /dev/dune      last: once user space can open it, everything works.
 *
 * Unload runs the same steps backwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/module.h>

#include "dune.h"
#include "vm.h"

static int __init dune_init(void)
{
	int err;

	err = dune_vmx_caps_init();
	if (err)
		return err;

	cpus_read_lock();
	err = dune_root_init();
	cpus_read_unlock();
	if (err)
		return err;

	err = dune_emergency_init();
	if (err)
		goto out_root;

	/* Before any CPU's VMX-off callback can walk them (vmcs.c). */
	dune_vmcs_loaded_init();
	err = dune_vmx_cpus_init();
	if (err)
		goto out_emergency;

	err = dune_vcpu_init();
	if (err)
		goto out_cpus;

	err = dune_mitigations_init();
	if (err)
		goto out_vcpu;

	dune_debugfs_init();

	err = dune_dev_init();
	if (err)
		goto out_debugfs;

	pr_info("VMX operation on CPUs %*pbl (root: %s, VMCS revision %#x, API %d)\n",
		cpumask_pr_args(dune_vmx_cpumask()), dune_root_name(),
		dune_vmx.vmcs_revision_id, DUNE_API_VERSION);
	return 0;

out_debugfs:
	dune_debugfs_exit();
	dune_mitigations_exit();
out_vcpu:
	dune_vcpu_exit();
out_cpus:
	dune_vmx_cpus_exit();
out_emergency:
	dune_emergency_exit();
out_root:
	dune_root_exit();
	return err;
}

static void __exit dune_exit(void)
{
	dune_dev_exit();
	dune_debugfs_exit();
	dune_mitigations_exit();
	dune_limits_exit();
	dune_vcpu_exit();
	dune_vmx_cpus_exit();
	dune_emergency_exit();
	dune_root_exit();
	pr_info("VMX operation ended on all CPUs\n");
}

module_init(dune_init);
module_exit(dune_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The Dune for modern Linux authors");
MODULE_DESCRIPTION("Dune: run Linux processes in VMX non-root ring 0");
MODULE_VERSION("0.1");
