// SPDX-License-Identifier: GPL-2.0
/*
 * dune_kvm_test - dune.ko and kvm_intel share the machine politely.
 *
 * Only one hypervisor can be in VMX operation on a CPU.  On 6.1, kvm_intel
 * enters VMX operation while at least one VM exists.  Checked here, with a
 * real KVM guest in the emulated machine (the guest runs "hlt"):
 *
 *   - kvm_intel loads next to dune.ko and takes over the kernel's
 *     emergency-VMXOFF callback from it (no WARN);
 *   - with dune.ko loaded, KVM cannot create a VM (-EBUSY): dune.ko's
 *     CR4.VMXE tells KVM the CPU is taken;
 *   - with a KVM VM running, dune.ko refuses to load (-EBUSY) with a message
 *     saying how to free VMX; it loads once the VM is gone;
 *   - when kvm_intel unloads, dune.ko takes the callback back.
 *
 * Needs tools/vm/run --kvm (the kernel's kvm modules in /lib/modules/kvm).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "testlib.h"

struct kvm_guest {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	int run_size;
	void *mem;
};

/* Create a VM; returns 0 or -errno of KVM_CREATE_VM. */
static int kvm_guest_create(struct kvm_guest *g)
{
	memset(g, 0, sizeof(*g));
	g->vm = g->vcpu = -1;
	g->run = MAP_FAILED;
	g->mem = MAP_FAILED;
	g->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (g->kvm < 0)
		return -errno;
	g->vm = ioctl(g->kvm, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return -errno;
	return 0;
}

/* One page at guest-physical 0x1000 holding "hlt"; real mode; run it. */
static int kvm_guest_run_hlt(struct kvm_guest *g)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 0x2 };
	g->mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		return -errno;
	((unsigned char *)g->mem)[0] = 0xf4;	/* hlt */
	region.userspace_addr = (unsigned long)g->mem;
	if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		return -errno;
	g->run_size = ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	if (g->run == MAP_FAILED)
		return -errno;
	if (ioctl(g->vcpu, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(g->vcpu, KVM_SET_SREGS, &sregs) || ioctl(g->vcpu, KVM_SET_REGS, &regs))
		return -errno;
	if (ioctl(g->vcpu, KVM_RUN, 0))
		return -errno;
	return g->run->exit_reason;
}

/*
 * The VM, and with it KVM's VMX operation, lives until its last reference
 * goes: the vCPU's kvm_run mapping holds the vCPU file, which holds the VM.
 */
static void kvm_guest_destroy(struct kvm_guest *g)
{
	if (g->run != MAP_FAILED)
		munmap(g->run, g->run_size);
	if (g->mem != MAP_FAILED)
		munmap(g->mem, 0x1000);
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->kvm >= 0)
		close(g->kvm);
	g->run = g->mem = MAP_FAILED;
	g->vcpu = g->vm = g->kvm = -1;
}

static bool emergency_callback_is_dune(void)
{
	char *cpus;
	bool ours;

	if (ensure_debugfs())
		return false;
	cpus = read_text(DUNE_DEBUGFS "/cpus");
	ours = cpus && strstr(cpus, "emergency_vmxoff_callback: dune");
	free(cpus);
	return ours;
}

static int load_kvm(void)
{
	static const char * const mods[] = { "irqbypass", "kvm", "kvm-intel" };
	char path[128];
	unsigned int i;
	int err;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), KVM_KO_DIR "/%s.ko", mods[i]);
		err = load_module(path, NULL);
		if (err && err != -EEXIST)
			return err;
	}
	return 0;
}

FIXTURE(kvm) {
	int unused;
};

FIXTURE_SETUP(kvm)
{
}

/* Whatever happened, leave dune.ko loaded and KVM unloaded. */
FIXTURE_TEARDOWN(kvm)
{
	unload_module("kvm_intel");
	unload_module("kvm");
	unload_module("irqbypass");
	if (!module_loaded("dune"))
		load_module(DUNE_KO, NULL);
}

/*
 * One scenario, in order: every step depends on the one before, so this is
 * one test with many assertions rather than many tests.  Loading KVM's
 * large modules is slow under emulation: allow 5 minutes.
 */
TEST_F_TIMEOUT(kvm, coexistence_with_kvm_intel, 300)
{
	struct kvm_guest g;
	char out[1024];
	size_t log;
	int ret;

	ASSERT_TRUE(module_loaded("dune"));
	ASSERT_TRUE(emergency_callback_is_dune());

	/* 1. kvm_intel loads beside dune.ko and gets the callback. */
	log = klog_size();
	ASSERT_EQ(0, load_kvm());
	ASSERT_TRUE(module_loaded("kvm_intel"));
	EXPECT_FALSE(emergency_callback_is_dune());
	EXPECT_TRUE(klog_contains_since(log, "handing it the emergency VMXOFF callback"));

	/* 2. dune.ko holds VMX: KVM cannot create a VM. */
	ret = kvm_guest_create(&g);
	EXPECT_EQ(-EBUSY, ret);
	kvm_guest_destroy(&g);

	/* 3. Without dune.ko, a KVM guest runs to its hlt. */
	ASSERT_EQ(0, unload_module("dune"));
	ASSERT_EQ(0, kvm_guest_create(&g));
	EXPECT_EQ(KVM_EXIT_HLT, kvm_guest_run_hlt(&g));

	/* 4. While the VM exists, dune.ko refuses to load, and says why. */
	log = klog_size();
	EXPECT_EQ(-EBUSY, load_module(DUNE_KO, NULL));
	EXPECT_FALSE(module_loaded("dune"));
	EXPECT_TRUE(klog_contains_since(log, "rmmod kvm_intel"));
	EXPECT_NE(0, access("/dev/dune", F_OK));
	/* dune-sandbox: one line naming the hypervisor, exit 125 */
	EXPECT_EQ(125, run_capture(DUNE_SANDBOX " -- /bin/true", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "VMX is in use by another hypervisor (kvm_intel)"))
		TH_LOG("%s", out);
	EXPECT_EQ(1, count_lines_starting(out, "")) TH_LOG("%s", out);

	/* 5. Once the VM is gone, dune.ko loads; kvm_intel keeps the callback. */
	kvm_guest_destroy(&g);
	ASSERT_EQ(0, load_module(DUNE_KO, NULL));
	EXPECT_FALSE(emergency_callback_is_dune());
	EXPECT_EQ(0, access("/dev/dune", F_OK));

	/* 6. kvm_intel leaves: dune.ko takes the callback back. */
	ASSERT_EQ(0, unload_module("kvm_intel"));
	EXPECT_TRUE(emergency_callback_is_dune());
	EXPECT_EQ(0, unload_module("kvm"));
	EXPECT_EQ(0, unload_module("irqbypass"));

	/* 7. Neither loaded: dune-sandbox says how to load dune.ko, in one line. */
	ASSERT_EQ(0, unload_module("dune"));
	EXPECT_EQ(125, run_capture(DUNE_SANDBOX " -- /bin/true", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "dune.ko is not loaded (no /dev/dune): load it with sudo modprobe dune"))
		TH_LOG("%s", out);
	EXPECT_EQ(1, count_lines_starting(out, "")) TH_LOG("%s", out);
	ASSERT_EQ(0, load_module(DUNE_KO, NULL));
}

TEST_HARNESS_MAIN
