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
 *   - a KVM guest (64-bit, making SYSCALLs of its own: see kvm_guest_loop()),
 *     the whole dune_mode_test suite and a Dune-mode spinner that never
 *     returns to user space (dune_spin) run at the same time, all pinned
 *     to CPU 0, each to a correct end;
 *   - meanwhile CPU 1 goes offline and online again (our VMCSs must be
 *     cleared before KVM's VMXOFF there), and "rmmod kvm_intel" fails:
 *     dune.ko pins it;
 *   - dune.ko refuses to share a root kvm_intel runs with ept=0.
 *
 * Where dune.ko takes its own VMXON (6.1) there is nothing to share and
 * the test says so (SKIP): this suite runs only on kernels that share.
 * Needs tools/vm/run --kvm (kvm-load).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "testlib.h"

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
 * The KVM guest, in 64-bit mode, makes SYSCALLs of its own:
 *
 *   0x1000: 1: mov $SYSCALLS_PER_OUT, %ebx
 *           2: syscall              -> LSTAR = 0x2000, in the guest
 *              dec %ebx
 *              jnz 2b
 *              out %al, $0x10       -> one exit to us: the counter
 *              jmp 1b
 *   0x2000:    inc %eax             the SYSCALL handler: count,
 *              push %r11; popfq     restore RFLAGS,
 *              jmp *%rcx            and return (still ring 0: no SYSRET)
 *
 * KVM loads the guest's LSTAR/STAR/SFMASK as "user-return" MSRs and leaves
 * them loaded until its thread returns to user space; a timer tick that
 * preempts the thread inside KVM_RUN lets the Dune-mode process run on
 * this CPU meanwhile.  If a Dune VM exit then restored the host's LSTAR,
 * KVM would not reload the guest's, the guest's next SYSCALL would jump
 * to a host address, and the guest would triple-fault
 * (KVM_EXIT_SHUTDOWN): checked by the counter at every OUT.
 *
 * Not yet a proven regression test for that hazard: in the emulated
 * machine a module built without the per-entry MSR read
 * (dune_root_read_host_msrs()) passed this test too, twice (7.2, with and
 * without dune_spin).  The KVM thread must be preempted inside KVM_RUN
 * with its guest's MSRs loaded, and only dune.ko entries run on that CPU
 * before it enters again; the runs did not show that interleaving.
 */
#define SYSCALLS_PER_OUT	50000
/*
 * OUT exits per KVM guest run.  One stretch of SYSCALLs is about 1.75 ms
 * of emulated time, a scheduler tick 4 ms: a few hundred stretches give
 * the scheduler hundreds of chances to switch from the KVM thread to a
 * Dune vCPU and back while the guest's MSRs are loaded.  (4000 made the
 * test take half an hour of wall-clock time on a loaded 2-core host.)
 */
#define KVM_OUTS		400
#define GUEST_MEM		0x200000	/* one 2 MiB page, identity-mapped */
#define PML4_PA			0x3000
#define PDPT_PA			0x4000
#define PD_PA			0x5000
#define HANDLER_PA		0x2000

static int kvm_long_mode(int kvm, int vcpu, unsigned char *mem)
{
	static const unsigned char loop[] = {
		0xbb, SYSCALLS_PER_OUT & 0xff, (SYSCALLS_PER_OUT >> 8) & 0xff,
		(SYSCALLS_PER_OUT >> 16) & 0xff, 0,	/* mov $n, %ebx */
		0x0f, 0x05,				/* syscall */
		0xff, 0xcb,				/* dec %ebx */
		0x75, 0xfa,				/* jnz syscall */
		0xe6, GUEST_PORT,			/* out %al, $port */
		0xeb, 0xf1,				/* jmp to mov */
	};
	static const unsigned char handler[] = {
		0xff, 0xc0,				/* inc %eax */
		0x41, 0x53,				/* push %r11 */
		0x9d,					/* popfq */
		0xff, 0xe1,				/* jmp *%rcx */
	};
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[3];
	} msrs = { .hdr.nmsrs = 3, .e = {
		{ .index = 0xc0000081, .data = 0x0010000800000000ULL },	/* STAR */
		{ .index = 0xc0000082, .data = HANDLER_PA },		/* LSTAR */
		{ .index = 0xc0000084, .data = 0 },			/* SFMASK */
	} };
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = 16, .type = 3, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	/* The handler pushes: a stack at the top of the 2 MiB page. */
	struct kvm_regs regs = { .rip = GUEST_PA, .rflags = 0x2, .rsp = GUEST_MEM };
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	unsigned long long *pt;

	memcpy(mem + GUEST_PA, loop, sizeof(loop));
	memcpy(mem + HANDLER_PA, handler, sizeof(handler));
	pt = (unsigned long long *)(mem + PML4_PA);
	pt[0] = PDPT_PA | 3;
	pt = (unsigned long long *)(mem + PDPT_PA);
	pt[0] = PD_PA | 3;
	pt = (unsigned long long *)(mem + PD_PA);
	pt[0] = 0x83;				/* 2 MiB page at 0: P, RW, PS */

	/* Long mode and SYSCALL must be in the guest's CPUID for KVM. */
	cpuid = calloc(1, sizeof(*cpuid) + 100 * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return 20;
	cpuid->nent = 100;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) || ioctl(vcpu, KVM_SET_CPUID2, cpuid))
		return 21;
	free(cpuid);
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		return 22;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = 0x80000031;			/* PG, NE, ET, PE */
	sregs.cr3 = PML4_PA;
	sregs.cr4 = 0x20;			/* PAE */
	sregs.efer = 0x501;			/* LMA, LME, SCE */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		return 23;
	if (ioctl(vcpu, KVM_SET_MSRS, &msrs) != 3)
		return 24;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		return 25;
	return 0;
}

/* Returns 0 if all KVM_OUTS exits were as expected, else the failing step. */
static int kvm_guest_loop(void)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM,
	};
	struct kvm_run *run;
	int kvm, vm, vcpu, size, i, err;
	unsigned char *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return 10;
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 11;
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		return 12;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size <= 0)
		return 13;
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return 14;
	err = kvm_long_mode(kvm, vcpu, mem);
	if (err)
		return err;
	for (i = 1; i <= KVM_OUTS; i++) {
		unsigned char al;

		if (ioctl(vcpu, KVM_RUN, 0))
			return 16;
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != GUEST_PORT ||
		    run->io.direction != KVM_EXIT_IO_OUT) {
			fprintf(stderr, "KVM guest: exit reason %u after %d OUTs\n",
				run->exit_reason, i - 1);
			return 17;
		}
		al = *((unsigned char *)run + run->io.data_offset);
		if (al != (unsigned char)(i * SYSCALLS_PER_OUT))
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

/* Set by the test when the KVM guest is done: the spinner stops then. */
static volatile int *kvm_done;

/*
 * Dune mode without exits to user space (tests/libdune/dune_spin.c), round
 * after round for as long as the KVM guest runs: then the only thing
 * between the KVM thread's preemption inside KVM_RUN and its next VM entry
 * is dune.ko's own entries and exits.  Returns 0, or the failed round.
 *
 * Without rseq: glibc registers every thread for restartable sequences,
 * and the kernel then sets TIF_NOTIFY_RESUME on each preemption
 * (rseq_preempt(), kernel/sched/core.c), which makes dune.ko's run loop
 * return to user space - running KVM's user-return notifier - after every
 * switch.  A program without rseq (this tunable, another libc, an older
 * glibc) re-enters straight away: the case the hazard needs.
 */
#define SPIN_PER_ROUND	"5000000"
static int dune_spinner(void)
{
	static char *const env[] = { "GLIBC_TUNABLES=glibc.pthread.rseq=0", NULL };
	int round, status;

	for (round = 1; round == 1 || !*kvm_done; round++) {
		pid_t pid = fork();

		if (!pid) {
			execle("./dune_spin", "dune_spin", SPIN_PER_ROUND, (char *)NULL, env);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			return round < 255 ? round : 255;
	}
	return 0;
}

/* Wait for child @pid; its exit status, or -1 if it did not exit. */
static int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* debugfs: Dune entries that found another LSTAR than the kernel's. */
static long kvm_msrs_at_entry(void)
{
	char *text;
	long n;

	ensure_debugfs();
	text = read_text(DUNE_DEBUGFS "/kvm_msrs_at_entry");
	n = text ? strtol(text, NULL, 10) : -1;
	free(text);
	return n;
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
	kvm_done = mmap(NULL, sizeof(*kvm_done), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, kvm_done);
	*kvm_done = 0;
}

/* Leave dune.ko loaded (kvm_intel stays: it holds VMX for dune.ko now). */
FIXTURE_TEARDOWN(coexist)
{
	write_text("/sys/devices/system/cpu/cpu1/online", "1");
	if (!module_loaded("dune"))
		load_module(DUNE_KO, NULL);
}

/*
 * The user-return-MSR hazard alone (vmx_root.c): the KVM guest and the
 * Dune-mode spinner, nothing else, on CPU 0.  Every switch between the two
 * comes from a preemption inside KVM_RUN (the guest's STAR/LSTAR/SFMASK
 * loaded, KVM's cache saying so) or inside dune.ko's run loop, and no
 * task returns to user space in between - where the kernel lets dune.ko
 * reload the FPU itself (switch_fpu_return exported: 6.1, 6.12) and the
 * spinner has no rseq (dune_spinner()).  On 7.x dune.ko returns to user
 * space after every switch to reload the FPU, which runs KVM's
 * user-return notifier first: there the hazard cannot arise, and this
 * test passes with or without the per-entry MSR read.
 *
 * Not yet a regression test for that read: on 6.12, a dune.ko without it
 * made 117 entries with the KVM guest's LSTAR loaded (debugfs
 * kvm_msrs_at_entry, logged below) in one run, and the KVM guest still
 * passed - the triple fault (exit reason 8, KVM_EXIT_SHUTDOWN) predicted
 * from KVM's source did not happen.  What re-syncs KVM there is not yet
 * understood; the count at least shows the condition is reached.
 */
TEST_F_TIMEOUT(coexist, kvm_user_return_msrs_survive_dune_entries, 600)
{
	long seen = kvm_msrs_at_entry();
	pid_t kvm_pid, spin_pid;
	double t0 = now_s();
	int kvm, spin;

	if (!self->shared)
		SKIP(return, "dune.ko has its own VMX root here: nothing is shared");

	kvm_pid = spawn_on_cpu0(kvm_guest_loop);
	ASSERT_GT(kvm_pid, 0);
	spin_pid = spawn_on_cpu0(dune_spinner);
	ASSERT_GT(spin_pid, 0);
	kvm = child_status(kvm_pid);
	*kvm_done = 1;
	spin = child_status(spin_pid);
	EXPECT_EQ(0, kvm) TH_LOG("KVM guest loop failed at step %d", kvm);
	EXPECT_EQ(0, spin) TH_LOG("dune_spin failed in round %d", spin);
	/* How often a Dune entry found the KVM guest's LSTAR loaded (vmx_root.c). */
	TH_LOG("%d OUTs of %d SYSCALLs beside dune_spin: %.1f s; Dune entries with KVM's LSTAR loaded: %ld",
	       KVM_OUTS, SYSCALLS_PER_OUT, now_s() - t0, kvm_msrs_at_entry() - seen);
}

/*
 * Everything at once on CPU 0 - the KVM guest, the whole Dune-mode suite
 * and the spinner - while CPU 1 goes offline and online and kvm_intel is
 * asked to unload.
 */
TEST_F_TIMEOUT(coexist, kvm_guest_and_dune_mode_together, 900)
{
	pid_t kvm_pid, dune_pid, spin_pid;
	bool cpu1 = online_cpus() > 1;
	double t0 = now_s();
	int kvm, spin, mode, round;

	if (!self->shared)
		SKIP(return, "dune.ko has its own VMX root here: nothing is shared");

	kvm_pid = spawn_on_cpu0(kvm_guest_loop);
	ASSERT_GT(kvm_pid, 0);
	dune_pid = spawn_on_cpu0(dune_mode_suite);
	ASSERT_GT(dune_pid, 0);
	spin_pid = spawn_on_cpu0(dune_spinner);
	ASSERT_GT(spin_pid, 0);

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

	kvm = child_status(kvm_pid);
	*kvm_done = 1;
	spin = child_status(spin_pid);
	mode = child_status(dune_pid);
	EXPECT_EQ(0, kvm) TH_LOG("KVM guest loop failed at step %d", kvm);
	EXPECT_EQ(0, spin) TH_LOG("dune_spin failed in round %d", spin);
	EXPECT_EQ(0, mode) TH_LOG("dune_mode_test failed under sharing (%d)", mode);
	EXPECT_TRUE(module_loaded("kvm_intel"));
	TH_LOG("KVM guest, dune_mode_test, dune_spin, 3 hotplug rounds: %.1f s", now_s() - t0);
}

/*
 * What dune.ko will not share: with kvm_intel.ept=0, KVM tags its guests'
 * translations by VPID only, and a VPID mix-up between the two hypervisors
 * would then hand one guest another's mappings (vmx_root.c).  dune.ko must
 * refuse to load: one line in the kernel log saying why and what to do,
 * and EOPNOTSUPP from finit_module().  kvm_intel is put back as it was.
 */
#define KVM_INTEL_KO	KVM_KO_DIR "/kvm-intel.ko"

/* Only for the timeout: module loads take a while in the emulated machine. */
FIXTURE(refusal) {
};

FIXTURE_SETUP(refusal)
{
}

FIXTURE_TEARDOWN(refusal)
{
}

TEST_F_TIMEOUT(refusal, kvm_intel_with_ept_off, 600)
{
	char ept[8] = "";
	size_t since;
	char *root;
	int err;

	if (!module_loaded("kvm_intel") && system("kvm-load"))
		SKIP(return, "kvm-load failed (run with tools/vm/run --kvm)");
	if (!module_loaded("dune"))
		ASSERT_EQ(0, load_module(DUNE_KO, NULL));
	root = vmx_root();
	if (!root || strncmp(root, "kvm", 3)) {
		free(root);
		SKIP(return, "dune.ko has its own VMX root here: nothing is shared");
	}
	free(root);

	ASSERT_EQ(0, unload_module("dune"));
	ASSERT_EQ(0, unload_module("kvm_intel"));
	ASSERT_EQ(0, load_module(KVM_INTEL_KO, "ept=0"));
	ASSERT_EQ(0, read_line("/sys/module/kvm_intel/parameters/ept", ept, sizeof(ept)));
	EXPECT_STREQ("N", ept);

	since = klog_size();
	err = load_module(DUNE_KO, NULL);
	EXPECT_EQ(-EOPNOTSUPP, err);
	EXPECT_FALSE(module_loaded("dune"));
	EXPECT_TRUE(klog_contains_since(since, "dune: kvm_intel runs with ept=N"));
	/* One line, nothing else from us: the reason is the whole message. */
	EXPECT_EQ(1, klog_count_since(since, "dune: "));

	/* kvm_intel as tools/vm/run loads it, and dune.ko sharing it again. */
	if (module_loaded("dune"))
		unload_module("dune");
	ASSERT_EQ(0, unload_module("kvm_intel"));
	ASSERT_EQ(0, load_module(KVM_INTEL_KO, NULL));
	ASSERT_EQ(0, load_module(DUNE_KO, NULL));
	root = vmx_root();
	EXPECT_TRUE(root && !strncmp(root, "kvm", 3));
	free(root);
}

TEST_HARNESS_MAIN
