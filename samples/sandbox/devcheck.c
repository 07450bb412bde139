// SPDX-License-Identifier: GPL-2.0
/*
 * devcheck.c - before libdune's dune_init(): can this process have Dune
 * mode at all, and if not, why - one line, one cause, what to do.
 *
 * The causes, and how each shows itself to an unprivileged process:
 *
 *   no VMX          dune.ko refuses to load (kmod/vmx_caps.c), so there is
 *                   no /dev/dune; /proc/cpuinfo has no "vmx" flag (the
 *                   kernel also clears it when the firmware locked VMX
 *                   off: arch/x86/kernel/cpu/feat_ctl.c)
 *   VMX taken       dune.ko refused to load with EBUSY because another
 *                   hypervisor holds VMX (kmod/vmx_root.c): no /dev/dune,
 *                   and kvm_intel in use (/sys/module/kvm_intel/refcnt > 0:
 *                   each open /dev/kvm holds it) or VirtualBox's vboxdrv
 *   not loaded      no /dev/dune, VMX free: modprobe dune
 *   permission      open() fails with EACCES: /dev/dune is 0660 root:dune
 *                   (the udev rule), the user is not in the group
 *   not Dune        open() works but DUNE_GET_API_VERSION does not (the
 *                   node is something else), or gives another version
 *
 * libdune reports the same failures in its own words (entry.c); checking
 * first keeps the sandbox's message to one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/dune.h>

#include "sandbox.h"

#define DUNE_DEV	"/dev/dune"

/* Does /proc/cpuinfo's first "flags" line have the word @flag? -1 if unreadable. */
static int cpu_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[8192];
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *save = NULL;

		if (strncmp(line, "flags", 5))
			continue;
		found = 0;
		p = strchr(line, ':');
		for (p = p ? strtok_r(p + 1, " \t\n", &save) : NULL; p;
		     p = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(p, flag))
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A number from a sysfs file, or -1. */
static long sysfs_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Which hypervisor holds VMX, if one visibly does: its module's name, or NULL. */
static const char *vmx_holder(void)
{
	if (sysfs_long("/sys/module/kvm_intel/refcnt") > 0)
		return "kvm_intel";
	if (exists("/sys/module/vboxdrv"))
		return "vboxdrv";
	return NULL;
}

static int no_device(void)
{
	const char *holder;

	if (cpu_flag("vmx") == 0) {
		fprintf(stderr, "%s: this CPU has no VMX (Intel VT-x), or the firmware turned it off: Dune mode needs it (enable VT-x in the firmware, or use a VM with nested VMX, or the emulated machine: tools/vm/run)\n",
			progname);
		return -1;
	}
	if (exists("/sys/module/dune")) {
		fprintf(stderr, "%s: dune.ko is loaded but there is no %s: udev did not make it (see /sys/class/misc/dune/dev; make install puts the rule in place)\n",
			progname, DUNE_DEV);
		return -1;
	}
	holder = vmx_holder();
	if (holder) {
		fprintf(stderr, "%s: dune.ko is not loaded and VMX is in use by another hypervisor (%s): stop its VMs or unload it (sudo rmmod %s), then sudo modprobe dune\n",
			progname, holder, holder);
		return -1;
	}
	fprintf(stderr, "%s: dune.ko is not loaded (no %s): load it with sudo modprobe dune (or sudo insmod kmod/dune.ko in the build tree)\n",
		progname, DUNE_DEV);
	return -1;
}

static int no_permission(void)
{
	struct stat st;
	struct group *g;
	char grp[64];

	if (stat(DUNE_DEV, &st)) {
		fprintf(stderr, "%s: no permission to open %s\n", progname, DUNE_DEV);
		return -1;
	}
	g = getgrgid(st.st_gid);
	if (g)
		snprintf(grp, sizeof(grp), "%s", g->gr_name);
	else
		snprintf(grp, sizeof(grp), "%u", (unsigned int)st.st_gid);
	fprintf(stderr, "%s: no permission to open %s (mode %04o, group %s): add yourself to the dune group (sudo usermod -aG dune $USER, then log in again); /dev/dune should be 0660 root:dune\n",
		progname, DUNE_DEV, (unsigned int)(st.st_mode & 07777), grp);
	return -1;
}

int dune_preflight(void)
{
	long v;
	int fd = open(DUNE_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		switch (errno) {
		case ENOENT:
		case ENXIO:	/* a node left over, no driver behind it */
		case ENODEV:
			return no_device();
		case EACCES:
		case EPERM:
			return no_permission();
		default:
			fprintf(stderr, "%s: cannot open %s: %s\n", progname, DUNE_DEV, strerror(errno));
			return -1;
		}
	}
	v = ioctl(fd, DUNE_GET_API_VERSION, 0);
	if (v < 0) {
		fprintf(stderr, "%s: %s is not the Dune device (DUNE_GET_API_VERSION: %s): see what it is with ls -l %s; dune.ko makes it as misc device \"dune\"\n",
			progname, DUNE_DEV, strerror(errno), DUNE_DEV);
		close(fd);
		return -1;
	}
	if (v != DUNE_API_VERSION) {
		fprintf(stderr, "%s: dune.ko speaks API version %ld, this %s version %d: build and load both from the same source\n",
			progname, v, progname, DUNE_API_VERSION);
		close(fd);
		return -1;
	}
	if (ioctl(fd, DUNE_CHECK_EXTENSION, DUNE_CAP_VM) <= 0) {
		fprintf(stderr, "%s: this dune.ko has no Dune mode (DUNE_CAP_VM): build and load both from the same source\n",
			progname);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
