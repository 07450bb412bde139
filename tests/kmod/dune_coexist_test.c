// SPDX-License-Identifier: GPL-2.0
/*
 * dune_coexist_test - dune.ko inside kvm_intel's VMX root, with a KVM guest
 * and Dune-mode processes running at the same time on the same CPU.
 *
 * Where kvm_intel holds VMX from its load on (6.12's enable_virt_at_load,
 * always on 7.x), dune.ko shares that VMX root operation (kmod/vmx_root.c):
 * it saves KVM's current VMCS around each use of its own.  Checked here:
 *
 *   - with kvm_intel loaded first, dune.ko loads and reports vmx_root=kvm;
 *   - a KVM guest (real mode, an OUT loop: one exit per iteration, whose
 *     data the test checks) and the whole dune_mode_test suite run at the
 *     same time, both pinned to CPU 0, each to a correct end;
 *   - meanwhile CPU 1 goes offline and online again (our VMCSs must be
 *     cleared before KVM's VMXOFF there), and "rmmod kvm_intel" fails:
 *     dune.ko pins it.
 *
 * Where dune.ko takes its own VMXON (6.1) there is nothing to share and
 * the test says so (SKIP): this suite runs only on kernels that share.
 * Needs tools/vm/run --kvm (kvm-load).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "testlib.h"

#define KVM_ITERATIONS	20000
#define GUEST_PORT	0x10
#define GUEST_PA	0x1000

/* Run @fn in a child pinned to CPU 0; returns its pid. */
static pid_t spawn_on_cpu0(int (*fn)(void))
{
	pid_t pid = fork();
	cpu_set_t set;

	if (pid)
		return pid;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	_exit(fn());
}

/*
 * The KVM guest: "1: out %al, $0x10; inc %ax; jmp 1b" in real mode.  Each
 * OUT exits to us with the counter, which must go up by one every time.
 * Returns 0 if all KVM_ITERATIONS exits were as expected.
 */
static int kvm_guest_loop(void)
{
	static const unsigned char code[] = { 0xe6, GUEST_PORT, 0x40, 0xeb, 0xfb };
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = GUEST_PA, .memory_size = 0x1000,
	};
	struct kvm_regs regs = { .rip = GUEST_PA, .rflags = 0x2 };
	struct kvm_sregs sregs;
	struct kvm_run *run;
	int kvm, vm, vcpu, size, i;
	unsigned char *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return 10;
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 11;
	memcpy(mem, code, sizeof(code));
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		return 12;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size <= 0)
		return 13;
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs))
		return 14;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) || ioctl(vcpu, KVM_SET_REGS, &regs))
		return 15;
	for (i = 0; i < KVM_ITERATIONS; i++) {
		unsigned char al;

		if (ioctl(vcpu, KVM_RUN, 0))
			return 16;
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != GUEST_PORT ||
		    run->io.direction != KVM_EXIT_IO_OUT)
			return 17;
		al = *((unsigned char *)run + run->io.data_offset);
		if (al != (unsigned char)i)
			return 18;
	}
	return 0;
}

/* The Dune-mode suite, as a whole. */
static int dune_mode_suite(void)
{
	int fd = open("/dev/null", O_WRONLY);

	if (fd >= 0) {		/* its TAP would confuse our own */
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execl("./dune_mode_test", "dune_mode_test", (char *)NULL);
	return 127;
}

static char *vmx_root(void)
{
	return read_text("/sys/module/dune/parameters/vmx_root");
}

FIXTURE(coexist) {
	bool shared;
};

FIXTURE_SETUP(coexist)
{
	char *root;

	/* kvm_intel first: then dune.ko finds VMX on and shares it. */
	if (!module_loaded("kvm_intel")) {
		if (module_loaded("dune"))
			unload_module("dune");
		if (system("kvm-load"))
			SKIP(return, "kvm-load failed (run with tools/vm/run --kvm)");
	}
	if (!module_loaded("dune"))
		ASSERT_EQ(0, load_module(DUNE_KO, NULL));
	root = vmx_root();
	self->shared = root && !strncmp(root, "kvm", 3);
	free(root);
}

/* Leave dune.ko loaded (kvm_intel stays: it holds VMX for dune.ko now). */
FIXTURE_TEARDOWN(coexist)
{
	write_text("/sys/devices/system/cpu/cpu1/online", "1");
	if (!module_loaded("dune"))
		load_module(DUNE_KO, NULL);
}

TEST_F_TIMEOUT(coexist, kvm_guest_and_dune_mode_together, 1200)
{
	pid_t kvm_pid, dune_pid;
	int status, round;
	bool cpu1 = online_cpus() > 1;

	if (!self->shared)
		SKIP(return, "dune.ko has its own VMX root here: nothing is shared");

	kvm_pid = spawn_on_cpu0(kvm_guest_loop);
	dune_pid = spawn_on_cpu0(dune_mode_suite);
	ASSERT_GT(kvm_pid, 0);
	ASSERT_GT(dune_pid, 0);

	for (round = 0; round < 3; round++) {
		/* dune.ko pins kvm_intel: it cannot go while we share its root. */
		EXPECT_NE(0, syscall(SYS_delete_module, "kvm_intel", O_NONBLOCK));
		EXPECT_TRUE(module_loaded("kvm_intel"));
		if (cpu1) {
			EXPECT_EQ(0, write_text("/sys/devices/system/cpu/cpu1/online", "0"));
			EXPECT_EQ(0, write_text("/sys/devices/system/cpu/cpu1/online", "1"));
		}
		usleep(200000);
	}

	ASSERT_EQ(kvm_pid, waitpid(kvm_pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("KVM guest loop failed at step %d", WEXITSTATUS(status));
	ASSERT_EQ(dune_pid, waitpid(dune_pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("dune_mode_test failed under sharing");
	EXPECT_TRUE(module_loaded("kvm_intel"));
}

TEST_HARNESS_MAIN
