// SPDX-License-Identifier: GPL-2.0
/*
 * limits.c - how much of the host one user of /dev/dune may take.
 *
 * Like /dev/kvm, /dev/dune asks nothing of its opener beyond the file's
 * permissions (docs/security.md).  What an opener can then take is
 * bounded, so that no user can deny the others:
 *
 *   memory    every page the module allocates for a VM - VMCS, MSR area,
 *             EPT tables, chunk maps - is charged to the caller's memory
 *             cgroup (GFP_KERNEL_ACCOUNT); EPT tables also count as the
 *             process's page tables (ept.c), and the one page a vCPU pins
 *             for DUNE_VCPU_F_CPUNODE is charged to RLIMIT_MEMLOCK (vcpu.c);
 *   files     every VM and vCPU is a file: RLIMIT_NOFILE;
 *   VMs       max_vms_per_user per user (real UID) at a time - each VM is
 *             an MMU notifier on the process's address space, which every
 *             change to that address space then calls;
 *   vCPUs     max_vcpus_per_vm per VM;
 *   VPIDs     the CPU has 65,535 (SDM Vol. 3C, 29.1).  A user gets at most
 *             max_vpids_per_user of them; past that share, or when they are
 *             all taken, a vCPU runs without one - as KVM does when it runs
 *             out (allocate_vpid() returning 0): VM entry and exit then
 *             flush the guest's TLB entries (29.1), slower but correct.
 *
 * Past a limit, DUNE_CREATE_VM and DUNE_CREATE_VCPU fail with EAGAIN, as
 * fork() does at RLIMIT_NPROC.  The limits are module parameters, and root
 * may change them at run time in /sys/module/dune/parameters/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "dune.h"
#include "vm.h"

static unsigned int max_vms_per_user = 256;
module_param(max_vms_per_user, uint, 0644);
MODULE_PARM_DESC(max_vms_per_user, "VMs one user may have at a time (default 256)");

static unsigned int max_vcpus_per_vm = 4096;
module_param(max_vcpus_per_vm, uint, 0644);
MODULE_PARM_DESC(max_vcpus_per_vm, "vCPUs (threads in Dune mode) per VM (default 4096)");

static unsigned int max_vpids_per_user = 8192;
module_param(max_vpids_per_user, uint, 0644);
MODULE_PARM_DESC(max_vpids_per_user,
		 "VPIDs one user may hold; more vCPUs run without one (default 8192)");

/* VPIDs tag TLB entries per vCPU; 0 is the host's (SDM Vol. 3C, 29.1). */
#define DUNE_VPID_MAX	0xffff
static DEFINE_IDA(dune_vpids);
/* VPIDs held by vCPUs now: debugfs "vpids", for the fuzzers' leak check. */
static atomic_t dune_vpids_in_use = ATOMIC_INIT(0);

/* What each user holds now, by UID; an entry lives while it holds anything. */
struct dune_user {
	unsigned int vms;
	unsigned int vpids;
};

static DEFINE_XARRAY(dune_users);
static DEFINE_MUTEX(dune_users_lock);

static unsigned long uid_index(kuid_t uid)
{
	return from_kuid(&init_user_ns, uid);
}

/* The user's entry, created if @create (lock held). */
static struct dune_user *user_get(kuid_t uid, bool create)
{
	struct dune_user *u = xa_load(&dune_users, uid_index(uid));

	lockdep_assert_held(&dune_users_lock);
	if (u || !create)
		return u;
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return NULL;
	if (xa_err(xa_store(&dune_users, uid_index(uid), u, GFP_KERNEL_ACCOUNT))) {
		kfree(u);
		return NULL;
	}
	return u;
}

static void user_put(kuid_t uid, struct dune_user *u)
{
	lockdep_assert_held(&dune_users_lock);
	if (u->vms || u->vpids)
		return;
	xa_erase(&dune_users, uid_index(uid));
	kfree(u);
}

int dune_limit_vm_charge(struct dune_vm *vm)
{
	struct dune_user *u;
	int err = 0;

	vm->uid = current_uid();
	mutex_lock(&dune_users_lock);
	u = user_get(vm->uid, true);
	if (!u)
		err = -ENOMEM;
	else if (u->vms >= READ_ONCE(max_vms_per_user))
		err = -EAGAIN;
	else
		u->vms++;
	if (u)
		user_put(vm->uid, u);
	mutex_unlock(&dune_users_lock);
	vm->charged = !err;
	return err;
}

void dune_limit_vm_uncharge(struct dune_vm *vm)
{
	struct dune_user *u;

	if (!vm->charged)
		return;
	mutex_lock(&dune_users_lock);
	u = user_get(vm->uid, false);
	if (!WARN_ON_ONCE(!u || !u->vms)) {
		u->vms--;
		user_put(vm->uid, u);
	}
	mutex_unlock(&dune_users_lock);
	vm->charged = false;
}

int dune_limit_vcpu_charge(struct dune_vm *vm)
{
	if (atomic_inc_return(&vm->nr_vcpus) > READ_ONCE(max_vcpus_per_vm)) {
		atomic_dec(&vm->nr_vcpus);
		return -EAGAIN;
	}
	return 0;
}

void dune_limit_vcpu_uncharge(struct dune_vm *vm)
{
	atomic_dec(&vm->nr_vcpus);
}

/* A VPID for a new vCPU of @vm, or 0: run without one.  Never fails. */
int dune_limit_vpid_alloc(struct dune_vm *vm)
{
	struct dune_user *u;
	int vpid = 0;

	mutex_lock(&dune_users_lock);
	u = user_get(vm->uid, true);
	if (u && u->vpids < READ_ONCE(max_vpids_per_user)) {
		vpid = ida_alloc_range(&dune_vpids, dune_root_vpid_min(), DUNE_VPID_MAX, GFP_KERNEL);
		if (vpid > 0) {
			u->vpids++;
			atomic_inc(&dune_vpids_in_use);
		} else {
			vpid = 0;
		}
	}
	if (u)
		user_put(vm->uid, u);
	mutex_unlock(&dune_users_lock);
	return vpid;
}

void dune_limit_vpid_free(struct dune_vm *vm, int vpid)
{
	struct dune_user *u;

	if (!vpid)
		return;
	mutex_lock(&dune_users_lock);
	ida_free(&dune_vpids, vpid);
	atomic_dec(&dune_vpids_in_use);
	u = user_get(vm->uid, false);
	if (!WARN_ON_ONCE(!u || !u->vpids)) {
		u->vpids--;
		user_put(vm->uid, u);
	}
	mutex_unlock(&dune_users_lock);
}

unsigned int dune_limit_vpids_in_use(void)
{
	return atomic_read(&dune_vpids_in_use);
}

void dune_limits_exit(void)
{
	ida_destroy(&dune_vpids);
	xa_destroy(&dune_users);
}
