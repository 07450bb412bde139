// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_emergency.c - VMXOFF when the kernel reboots in a hurry.
 *
 * A panic with reboot, sysrq-b, or a kdump crash kernel does not run the
 * reboot notifiers: it stops the other CPUs with an NMI and resets.  A CPU
 * left in VMX operation blocks INIT, so the machine would hang instead.
 * The kernel therefore calls a "virtualization emergency" callback on every
 * CPU on those paths (cpu_emergency_disable_virtualization()).
 *
 * The kernel holds exactly one such callback, and registering a second one
 * is a WARN.  kvm_intel registers one when it loads, and its callback turns
 * VMX off on any CPU that has CR4.VMXE set, which covers our CPUs too.  So:
 *
 *   - if kvm_intel is not loaded, we register ours;
 *   - when kvm_intel starts loading, a module notifier hands the slot over
 *     (we unregister before kvm_intel's init runs);
 *   - when kvm_intel goes away, we take the slot back.
 *
 * "Is kvm_intel loaded?" is answered by looking for its directory in
 * /sys/module, through the module kset our own module belongs to.
 *
 * Kernels without the callback (older 6.1.y) run VMXOFF themselves on any
 * CPU with CR4.VMXE set, and there is nothing to do (see compat.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>

#include "compat.h"
#include "dune.h"

#ifdef DUNE_HAVE_EMERGENCY_VIRT_CB

static DEFINE_MUTEX(emergency_lock);
static bool registered;			/* our callback is the kernel's */

static void dune_emergency_callback(void)
{
	dune_vmx_cpu_emergency_off();
}

static bool kvm_intel_loaded(void)
{
	struct kobject *kobj;

	kobj = kset_find_obj(THIS_MODULE->mkobj.kobj.kset, "kvm_intel");
	if (!kobj)
		return false;
	kobject_put(kobj);
	return true;
}

static void take_slot(void)
{
	lockdep_assert_held(&emergency_lock);
	if (!registered) {
		cpu_emergency_register_virt_callback(dune_emergency_callback);
		registered = true;
	}
}

static void release_slot(void)
{
	lockdep_assert_held(&emergency_lock);
	if (registered) {
		cpu_emergency_unregister_virt_callback(dune_emergency_callback);
		registered = false;
	}
}

static int dune_module_notify(struct notifier_block *nb, unsigned long state,
			      void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "kvm_intel"))
		return NOTIFY_DONE;

	mutex_lock(&emergency_lock);
	if (state == MODULE_STATE_COMING) {
		pr_info("kvm_intel is loading: handing it the emergency VMXOFF callback\n");
		release_slot();
	} else if (state == MODULE_STATE_GOING) {
		take_slot();
	}
	mutex_unlock(&emergency_lock);
	return NOTIFY_OK;
}

static struct notifier_block dune_module_nb = {
	.notifier_call = dune_module_notify,
};

int dune_emergency_init(void)
{
	int err;

	/* Notifier first, so a kvm_intel load racing with us is seen. */
	err = register_module_notifier(&dune_module_nb);
	if (err)
		return err;

	mutex_lock(&emergency_lock);
	if (!kvm_intel_loaded())
		take_slot();
	mutex_unlock(&emergency_lock);
	return 0;
}

/* Called only after dune_emergency_init() succeeded. */
void dune_emergency_exit(void)
{
	unregister_module_notifier(&dune_module_nb);
	mutex_lock(&emergency_lock);
	release_slot();
	mutex_unlock(&emergency_lock);
}

bool dune_emergency_callback_ours(void)
{
	return READ_ONCE(registered);
}

#else /* !DUNE_HAVE_EMERGENCY_VIRT_CB */

int dune_emergency_init(void)
{
	return 0;
}

void dune_emergency_exit(void)
{
}

bool dune_emergency_callback_ours(void)
{
	return false;
}

#endif
