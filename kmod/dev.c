// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - /dev/dune, the user ABI.
 *
 * A misc character device: user space opens /dev/dune and talks to the
 * module with ioctls defined in uapi/dune.h.  Nothing that arrives from
 * user space is trusted: arguments are checked before use, reserved fields
 * and flags must be zero, unknown commands get -ENOTTY, bad pointers
 * -EFAULT, bad values -EINVAL.
 *
 * The device is created with mode 0600 (root only): entering Dune mode
 * gives a process ring 0 in a VM, which is a privilege to hand out on
 * purpose.  The dev_mode module parameter (or a udev rule) changes it.
 * Like /dev/kvm, opening asks for nothing beyond the file's permissions:
 * the guest is the opener's own process, and every resource an opener
 * can take is bounded per user (limits.c).  docs/security.md has the model.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "dune.h"
#include "vm.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "permissions of /dev/dune (default 0600)");

static long dune_get_vmx_info(struct dune_vmx_info __user *uinfo)
{
	struct dune_vmx_info info;

	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	if (info.flags || memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;

	info = dune_vmx;
	info.nr_vmx_cpus = cpumask_weight(dune_vmx_cpumask());

	if (copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long dune_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case DUNE_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return DUNE_API_VERSION;
	case DUNE_CHECK_EXTENSION:
		return dune_cap_value(arg);
	case DUNE_GET_VMX_INFO:
		return dune_get_vmx_info((struct dune_vmx_info __user *)arg);
	case DUNE_CREATE_VM:
		if (arg)
			return -EINVAL;
		return dune_vm_create();
	default:
		return -ENOTTY;
	}
}

static int dune_dev_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static const struct file_operations dune_dev_fops = {
	.owner = THIS_MODULE,
	.open = dune_dev_open,
	.unlocked_ioctl = dune_dev_ioctl,
	.llseek = noop_llseek,
};

/* /sys/class/misc/dune/vmx_cpus: the CPUs in VMX operation, as a list. */
static ssize_t vmx_cpus_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return cpumap_print_to_pagebuf(true, buf, dune_vmx_cpumask());
}
static DEVICE_ATTR_RO(vmx_cpus);

static struct attribute *dune_dev_attrs[] = {
	&dev_attr_vmx_cpus.attr,
	NULL,
};
ATTRIBUTE_GROUPS(dune_dev);

static struct miscdevice dune_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dune",
	.fops = &dune_dev_fops,
	.groups = dune_dev_groups,
};

int dune_dev_init(void)
{
	if (dev_mode & ~0777) {
		pr_err("dev_mode=%#o: only permission bits (0..0777) are allowed\n", dev_mode);
		return -EINVAL;
	}
	dune_miscdev.mode = dev_mode;
	return misc_register(&dune_miscdev);
}

void dune_dev_exit(void)
{
	misc_deregister(&dune_miscdev);
}
