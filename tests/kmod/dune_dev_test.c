// SPDX-License-Identifier: GPL-2.0
/*
 * dune_dev_test - /dev/dune and what the module reports about VMX.
 *
 * Runs in the emulated VMX machine with dune.ko loaded.  Wherever possible
 * a value from the module is checked against an independent source: CPUID
 * from user space, the kernel's own /proc/cpuinfo "vmx flags", sysfs.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/dune.h>

#include "kselftest_harness.h"
#include "testlib.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/dune", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/dune: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/* The module is there, with the metadata modinfo shows. */
TEST(module_is_loaded)
{
	char buf[64];

	ASSERT_TRUE(module_loaded("dune"));
	ASSERT_EQ(0, read_line("/sys/module/dune/initstate", buf, sizeof(buf)));
	EXPECT_STREQ("live", buf);
	ASSERT_EQ(0, read_line("/sys/module/dune/version", buf, sizeof(buf)));
	EXPECT_STREQ("0.1", buf);
	ASSERT_EQ(0, read_line("/sys/module/dune/parameters/dev_mode", buf, sizeof(buf)));
	EXPECT_EQ(0600, atoi(buf));
}

/* A root-only character device. */
TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/dune", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

/* An unprivileged user cannot open it. */
TEST(device_denies_other_users)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open("/dev/dune", O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(dev, api_version)
{
	EXPECT_EQ(DUNE_API_VERSION, ioctl(self->fd, DUNE_GET_API_VERSION, 0));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DUNE_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

static unsigned int cpuid_maxphyaddr(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(0x80000008, &eax, &ebx, &ecx, &edx))
		return 0;
	return eax & 0xff;
}

/* Capabilities agree with the kernel's own reading of the VMX MSRs. */
TEST_F(dev, check_extension)
{
	EXPECT_EQ(1, ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_EPT));
	EXPECT_EQ(1, ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_VPID));
	EXPECT_EQ(cpuinfo_vmx_flag("ept_1gb"),
		  ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_EPT_1G));
	EXPECT_EQ(cpuinfo_vmx_flag("ept_ad"),
		  ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_EPT_AD));
	EXPECT_EQ(cpuinfo_vmx_flag("unrestricted_guest"),
		  ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_UNRESTRICTED_GUEST));
	EXPECT_EQ(cpuinfo_vmx_flag("preemption_timer"),
		  ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_PREEMPTION_TIMER));
	EXPECT_EQ(cpuinfo_vmx_flag("shadow_vmcs"),
		  ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_VMCS_SHADOWING));
	EXPECT_EQ((int)cpuid_maxphyaddr(),
		  ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_MAXPHYADDR));
	EXPECT_EQ(online_cpus(), ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_NR_VMX_CPUS));
	/* Unknown capabilities are "absent", as in KVM. */
	EXPECT_EQ(0, ioctl(self->fd, DUNE_CHECK_EXTENSION, 0));
	EXPECT_EQ(0, ioctl(self->fd, DUNE_CHECK_EXTENSION, DUNE_CAP_MAX + 1));
	EXPECT_EQ(0, ioctl(self->fd, DUNE_CHECK_EXTENSION, ~0UL));
}

TEST_F(dev, vmx_info)
{
	struct dune_vmx_info info;
	unsigned int i;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, ioctl(self->fd, DUNE_GET_VMX_INFO, &info));
	EXPECT_EQ(DUNE_API_VERSION, info.api_version);
	EXPECT_EQ(0, info.flags);
	/* SDM Vol. 3D, A.1: revision in bits 30:0, size in bits 44:32. */
	EXPECT_EQ(info.basic & 0x7fffffff, info.vmcs_revision_id);
	EXPECT_EQ((info.basic >> 32) & 0x1fff, info.vmcs_size);
	EXPECT_LT(0, info.vmcs_size);
	EXPECT_GE(4096, info.vmcs_size);
	EXPECT_TRUE(info.basic & (1ULL << 55));		/* true controls */
	EXPECT_EQ(cpuid_maxphyaddr(), info.maxphyaddr);
	EXPECT_EQ(online_cpus(), (int)info.nr_vmx_cpus);
	/* EPT 1G pages are bit 17 of IA32_VMX_EPT_VPID_CAP. */
	EXPECT_EQ(cpuinfo_vmx_flag("ept_1gb"), !!(info.ept_vpid_cap & (1ULL << 17)));
	/* CR0.PE/PG and CR4.VMXE are fixed to 1 in VMX operation. */
	EXPECT_EQ(0x80000001ULL, info.cr0_fixed0 & 0x80000001ULL);
	EXPECT_TRUE(info.cr4_fixed0 & (1ULL << 13));
	for (i = 0; i < sizeof(info.reserved) / sizeof(info.reserved[0]); i++)
		EXPECT_EQ(0, info.reserved[i]);
}

/* Nonzero flags or reserved fields are rejected: they belong to later versions. */
TEST_F(dev, vmx_info_rejects_nonzero_reserved)
{
	struct dune_vmx_info info;

	memset(&info, 0, sizeof(info));
	info.flags = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DUNE_GET_VMX_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	memset(&info, 0, sizeof(info));
	info.reserved[7] = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DUNE_GET_VMX_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, info.reserved[7]);		/* and nothing was written back */
	EXPECT_EQ(0, info.basic);
}

TEST_F(dev, vmx_info_rejects_bad_pointers)
{
	void *page;

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DUNE_GET_VMX_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DUNE_GET_VMX_INFO, (void *)-4096L));
	EXPECT_EQ(EFAULT, errno);

	/* Readable but not writable: the copy back must fail, not the kernel. */
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DUNE_GET_VMX_INFO, page));
	EXPECT_EQ(EFAULT, errno);
	munmap(page, 4096);
}

TEST_F(dev, unknown_ioctls_are_enotty)
{
	struct termios t;
	unsigned int small = 0;

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, _IO(DUNE_IOC_TYPE, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* Same number as DUNE_GET_VMX_INFO, different size: a different command. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(DUNE_IOC_TYPE, 0x02, unsigned int), &small));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, TCGETS, &t));
	EXPECT_EQ(ENOTTY, errno);
}

/* Every online CPU is in VMX operation: sysfs and debugfs agree with sysfs cpu/online. */
TEST(every_cpu_in_vmx_operation)
{
	char online[64], vmx[64], *cpus, *line;
	int ncpus = online_cpus(), on = 0;

	ASSERT_EQ(0, online_cpu_list(online, sizeof(online)));
	ASSERT_EQ(0, read_line("/sys/class/misc/dune/vmx_cpus", vmx, sizeof(vmx)));
	EXPECT_STREQ(online, vmx);

	ASSERT_EQ(0, ensure_debugfs());
	cpus = read_text(DUNE_DEBUGFS "/cpus");
	ASSERT_NE(NULL, cpus);
	for (line = strchr(cpus, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		unsigned int cpu;
		char is_online[8], state[8];
		unsigned long long fc;

		if (sscanf(line + 1, "%u %7s %7s %llx", &cpu, is_online, state, &fc) != 4)
			continue;
		if (strcmp(is_online, "yes"))
			continue;
		EXPECT_STREQ("on", state) TH_LOG("cpu%u", cpu);
		/* IA32_FEATURE_CONTROL: locked, VMXON outside SMX allowed. */
		EXPECT_EQ(0x5ULL, fc & 0x5ULL) TH_LOG("cpu%u", cpu);
		on++;
	}
	EXPECT_EQ(ncpus, on);
	EXPECT_NE(NULL, strstr(cpus, "emergency_vmxoff_callback: dune"));
	free(cpus);
}

/*
 * The in-module self-test drives every VMX instruction wrapper through
 * success and through the SDM's failures, on every CPU.
 */
TEST(vmx_instruction_selftest)
{
	char *out, *summary, needle[32];
	int pass = 0, fail = -1, cpu, ncpus = online_cpus(), per_cpu = -1;

	ASSERT_EQ(0, ensure_debugfs());
	/* reading never runs it; a write does, and the next read shows the report */
	ASSERT_EQ(0, write_text(DUNE_DEBUGFS "/selftest", "1\n"));
	out = read_text(DUNE_DEBUGFS "/selftest");
	ASSERT_NE(NULL, out);
	summary = strstr(out, "selftest:");
	ASSERT_NE(NULL, summary) TH_LOG("%s", out);
	ASSERT_EQ(2, sscanf(summary, "selftest: %d passed, %d failed", &pass, &fail));
	EXPECT_EQ(0, fail) TH_LOG("%s", out);
	EXPECT_EQ(0, count_lines_starting(out, "FAIL"));
	EXPECT_EQ(pass, count_lines_starting(out, "PASS"));
	for (cpu = 0; cpu < ncpus; cpu++) {
		int n;

		snprintf(needle, sizeof(needle), "PASS cpu%d:", cpu);
		n = count_lines_starting(out, needle);
		EXPECT_LE(10, n) TH_LOG("cpu%d ran %d steps", cpu, n);
		if (per_cpu < 0)
			per_cpu = n;
		EXPECT_EQ(per_cpu, n);
	}
	/* A real VM entry and exit on every CPU: a guest runs to its VMCALL. */
	for (cpu = 0; cpu < ncpus; cpu++) {
		char line[96];

		snprintf(line, sizeof(line),
			 "PASS cpu%d: vmlaunch a guest that exits with VMCALL: VMsucceed", cpu);
		EXPECT_NE(NULL, strstr(out, line)) TH_LOG("cpu%d", cpu);
	}
	/* The expected failures carry the SDM's error numbers. */
	EXPECT_NE(NULL, strstr(out, "vmlaunch again without vmclear: VMfailValid (error 4)"));
	EXPECT_NE(NULL, strstr(out, "vmptrld VMXON region: VMfailValid (error 10)"));
	EXPECT_NE(NULL, strstr(out, "invept bad type: VMfailValid (error 28)"));
	EXPECT_NE(NULL, strstr(out, "vmread without current VMCS: VMfailInvalid"));
	free(out);
}

/*
 * dune.ko's tracepoint (kmod/trace.h): one event per VM exit, like KVM's
 * kvm_exit, in tracefs for perf and trace-cmd.  bench/run-bench checks
 * that it records exits; here, that it is there with its fields.
 */
TEST(exit_tracepoint_in_tracefs)
{
	const char *fmt = "/sys/kernel/tracing/events/dune/dune_exit/format";
	char *text;

	if (access("/sys/kernel/tracing/events", F_OK) &&
	    mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno == ENODEV)
		SKIP(return, "no tracefs in this kernel");
	text = read_text(fmt);
	ASSERT_NE(NULL, text) TH_LOG("%s: %s", fmt, strerror(errno));
	EXPECT_NE(NULL, strstr(text, "name: dune_exit"));
	EXPECT_NE(NULL, strstr(text, "field:u32 reason;"));
	EXPECT_NE(NULL, strstr(text, "field:u16 vcpu_id;"));
	EXPECT_NE(NULL, strstr(text, "field:u64 rip;"));
	EXPECT_NE(NULL, strstr(text, "field:u64 qualification;")) TH_LOG("%s", text);
	free(text);
}

TEST_HARNESS_MAIN
