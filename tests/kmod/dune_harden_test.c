// SPDX-License-Identifier: GPL-2.0
/*
 * dune_harden_test - what a hostile user of /dev/dune must not be able to
 * do to the host (issue 12): host state after a VM exit (LDT, DR6), device
 * memory in the EPT, EPT tables freed and accounted, per-user and per-VM
 * limits, VPIDs past a user's share, RLIMIT_MEMLOCK for pinned pages, and
 * guest SMEP/SMAP.
 *
 * The guest is guestlib's (tests/kmod/guestlib.h): this process's own
 * code and memory, identity-mapped (GVA == HVA) with 2 MiB pages.
 */
#include <asm/ldt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dune.h>

#include "kselftest_harness.h"
#include "guestlib.h"
#include "testlib.h"

#define RFLAGS_AC	0x40000ULL
#define PARAMS		"/sys/module/dune/parameters/"

extern char hg_vmcall[], hg_load[], hg_single_step[], hg_db_handler[];
asm(".text\n"
    "hg_vmcall: mov $42, %eax\n vmcall\n ud2\n"
    "hg_load: mov (%rdi), %rax\n vmcall\n ud2\n"
    /* ring 0 single-steps one instruction: a #DB through the guest's IDT */
    "hg_single_step: pushfq\n orq $0x100, (%rsp)\n popfq\n nop\n nop\n"
    " mov $7, %eax\n vmcall\n ud2\n"
    /* the #DB handler: TF off in the interrupted RFLAGS, count, back */
    "hg_db_handler: andq $~0x100, 16(%rsp)\n inc %rbx\n iretq\n");

/* guestlib's guest, with this file's code mapped too; leaves PTE_U or not. */
static int harden_setup(struct guest *g, uint64_t leaf_user)
{
	if (guest_setup_leaves(g, leaf_user))
		return -1;
	return guest_map_text(g, hg_vmcall);
}

static int run_vcpu(int vcpu, struct dune_run *run)
{
	int r;

	do
		r = ioctl(vcpu, DUNE_RUN, run);
	while (r == -1 && errno == EINTR);
	return r;
}

FIXTURE(vm) {
	struct guest g;
};

FIXTURE_SETUP(vm)
{
	ASSERT_EQ(0, harden_setup(&self->g, 0)) TH_LOG("setup: %s", strerror(errno));
}

FIXTURE_TEARDOWN(vm)
{
	guest_teardown(&self->g);
}

/* ---- chunk publication (defect 1) ------------------------------------ */

struct publisher {
	struct guest *g;
	uint64_t hva, gpa;
	volatile int done, result, err;
};

static void *publish_failing(void *arg)
{
	struct publisher *p = arg;

	write_text(DUNE_DEBUGFS "/chunk_store_fail", "1");
	write_text(DUNE_DEBUGFS "/chunk_store_delay_ms", "300");
	p->result = guest_map_chunk(p->g, p->hva, p->gpa);
	p->err = errno;
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * DUNE_MAP_CHUNKS stores the chunk in two maps: GPA->HVA, which EPT faults
 * use, and HVA->GPA, which the MMU notifier uses to zap.  Here the second
 * store fails (debugfs fault injection, after a 300 ms pause between the
 * two) while a vCPU keeps reading the chunk's GPA.  Whatever the vCPU
 * could map in that window must still be zapped when the process unmaps
 * the memory: after munmap the guest must get an EPT fault, never the
 * freed page (its old contents are the oracle).
 */
TEST_F(vm, chunk_failing_half_way_leaves_no_stale_translation)
{
	struct guest *g = &self->g;
	struct publisher p = { .g = g, .gpa = 7ULL << 30 };
	char *hole = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int saw_chunk = 0, runs = 0;
	pthread_t thread;
	char *data;

	ASSERT_EQ(0, ensure_debugfs());
	ASSERT_EQ(0, access(DUNE_DEBUGFS "/chunk_store_fail", W_OK));
	ASSERT_NE(MAP_FAILED, hole);
	data = (char *)(((uintptr_t)hole + CHUNK - 1) & ~(CHUNK - 1));
	ASSERT_EQ(0, madvise(data, CHUNK, MADV_NOHUGEPAGE));
	memset(data, 0x11, 4096);
	p.hva = (uintptr_t)data;
	guest_map_gva(g, p.hva, p.gpa);		/* GVA data -> GPA 7 GiB */
	ASSERT_EQ(0, guest_create_vcpu(g));

	ASSERT_EQ(0, pthread_create(&thread, NULL, publish_failing, &p));
	while (!__atomic_load_n(&p.done, __ATOMIC_ACQUIRE)) {
		ASSERT_EQ(0, guest_run(g, hg_load, p.hva, 0, 0));
		runs++;
		if (g->run.exit_reason == DUNE_EXIT_VMCALL)
			saw_chunk++;
		else
			ASSERT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason);
	}
	pthread_join(thread, NULL);
	ASSERT_EQ(-1, p.result);
	ASSERT_EQ(ENOMEM, p.err);
	TH_LOG("%d runs during the publication, %d read the chunk", runs, saw_chunk);

	ASSERT_EQ(0, munmap(hole, 2 * CHUNK));		/* the page goes back to the kernel */
	ASSERT_EQ(0, guest_run(g, hg_load, p.hva, 0, 0));
	EXPECT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason)
		TH_LOG("the guest read %#llx from a page the process unmapped",
		       (unsigned long long)g->run.regs.rax);
}

/* ---- host state after a VM exit ------------------------------------- */

/* LAR: is @sel a selector the CPU can load a descriptor for right now? */
static bool selector_loads(uint16_t sel)
{
	uint32_t ar = 0;
	uint8_t ok;

	asm volatile("lar %2, %0\n setz %1" : "=r"(ar), "=q"(ok) : "r"((uint32_t)sel) : "cc");
	return ok;
}

/*
 * A VM exit loads LDTR with the null selector (SDM 28.5.2): a process that
 * has an LDT (modify_ldt) must find it again after every DUNE_RUN - here a
 * data segment at LDT index 0, loaded into ES and read through.
 */
TEST_F(vm, ldt_survives_dune_run)
{
	struct guest *g = &self->g;
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff, .seg_32bit = 1,
		.contents = 0, .read_exec_only = 0, .limit_in_pages = 1, .useable = 1,
	};
	const uint16_t sel = (0 << 3) | 4 | 3;	/* LDT index 0, TI = 1, RPL 3 */
	static volatile uint64_t word = 0x5eed;
	uint64_t v;
	int i;

	ASSERT_EQ(0, syscall(SYS_modify_ldt, 1, &d, sizeof(d))) TH_LOG("%s", strerror(errno));
	ASSERT_TRUE(selector_loads(sel));
	ASSERT_EQ(0, guest_create_vcpu(g));
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, guest_run(g, hg_vmcall, 0, 0, 0));
		ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
		ASSERT_TRUE(selector_loads(sel)) TH_LOG("LDT gone after DUNE_RUN %d", i);
	}
	asm volatile("mov %1, %%es\n mov %%es:(%2), %0\n mov %3, %%es"
		     : "=r"(v) : "r"(sel), "r"(&word), "r"(0) : "memory");
	EXPECT_EQ(0x5eed, v);
}

static volatile int trap_code = -1;

static void on_sigtrap(int sig, siginfo_t *si, void *uc)
{
	trap_code = si->si_code;
}

/*
 * The guest single-steps through its own IDT, which sets DR6.BS in the
 * real DR6; DR6 is not part of the VMCS.  Left there, the host's next #DB
 * - here an ICEBP (INT1) in this process, natively - would be reported as
 * a single step (si_code TRAP_TRACE) instead of the breakpoint it is
 * (TRAP_BRKPT: DR6 has no reason bits, arch/x86/kernel/traps.c).
 */
TEST_F(vm, dr6_guest_bits_do_not_reach_the_host)
{
	struct guest *g = &self->g;
	struct sigaction sa = { .sa_sigaction = on_sigtrap, .sa_flags = SA_SIGINFO };

	ASSERT_EQ(0, sigaction(SIGTRAP, &sa, NULL));
	guest_set_gate(g, 1, hg_db_handler);	/* #DB */
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, hg_single_step, 0, 0, 0));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	ASSERT_EQ(7, g->run.regs.rax);
	ASSERT_EQ(1, g->run.regs.rbx);		/* exactly one #DB in the guest */

	trap_code = -1;
	asm volatile(".byte 0xf1");		/* ICEBP */
	EXPECT_EQ(TRAP_BRKPT, trap_code) TH_LOG("si_code %d: the guest's DR6.BS leaked", trap_code);
	signal(SIGTRAP, SIG_DFL);
}

/* ---- device memory in the EPT ---------------------------------------- */

/*
 * Legacy VGA memory (0xa0000) through /dev/mem: VM_IO | VM_PFNMAP, not RAM,
 * uncached by the MTRRs.  The EPT must not map it write-back: the guest's
 * read becomes an EPT fault for user space (which replays it natively).
 * With O_SYNC the process's own mapping is uncached: refused as well.
 */
TEST_F(vm, device_memory_is_not_mapped_write_back)
{
	struct guest *g = &self->g;
	int flags[] = { O_RDONLY, O_RDONLY | O_SYNC };
	char *holes[2];
	unsigned int i;

	if (access("/dev/mem", F_OK))
		ASSERT_EQ(0, mknod("/dev/mem", S_IFCHR | 0600, makedev(1, 1)));
	ASSERT_EQ(0, guest_create_vcpu(g));
	for (i = 0; i < 2; i++) {
		int fd = open("/dev/mem", flags[i]);
		/* both kept to the end: each mapping at its own address and GPA */
		char *hole = holes[i] = mmap(NULL, 2 * CHUNK, PROT_NONE,
					     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *at, *p;

		ASSERT_LE(0, fd) TH_LOG("/dev/mem: %s", strerror(errno));
		ASSERT_NE(MAP_FAILED, hole);
		at = (char *)(((uintptr_t)hole + CHUNK - 1) & ~(CHUNK - 1));
		p = mmap(at, 4096, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0xa0000);
		ASSERT_EQ(at, p) TH_LOG("mmap /dev/mem: %s", strerror(errno));
		ASSERT_EQ(0, guest_map_at(g, (uintptr_t)p, 0x40000000ULL + i * CHUNK));
		ASSERT_EQ(0, guest_run(g, hg_load, (uintptr_t)p, 0, 0));
		EXPECT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason)
			TH_LOG("%s: the guest read device memory through a write-back EPT entry",
			       i ? "O_SYNC" : "default");
		close(fd);
	}
	for (i = 0; i < 2; i++)
		munmap(holes[i], 2 * CHUNK);
}

/* ---- EPT tables: freed on zap, accounted ----------------------------- */

/* A /proc/meminfo value, with every CPU's pending vmstat deltas folded in first. */
static long meminfo_kb(const char *key)
{
	char *text, *line;
	long kb = -1;

	write_text("/proc/sys/vm/stat_refresh", "1");
	text = read_text("/proc/meminfo");

	if (!text)
		return -1;
	line = strstr(text, key);
	if (line)
		kb = strtol(line + strlen(key), NULL, 10);
	free(text);
	return kb;
}

/*
 * EPT table pages count as "SecPageTables", as KVM's do.  Touching memory
 * at a GPA in a fresh 1 GiB region needs a page directory and a page table
 * (taken from the vCPU's spares, which are accounted when allocated); when
 * the process unmaps the memory the zap empties both and frees them; and
 * when the VM goes, everything it had is given back.
 */
TEST(ept_tables_are_accounted_and_freed)
{
	struct guest g;
	char *hole = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long none, running, touched, unmapped, gone;
	char *p;

	ASSERT_NE(MAP_FAILED, hole);
	p = (char *)(((uintptr_t)hole + CHUNK - 1) & ~(CHUNK - 1));
	ASSERT_EQ(0, madvise(p, CHUNK, MADV_NOHUGEPAGE));
	memset(p, 1, 4096);
	none = meminfo_kb("SecPageTables:");
	ASSERT_LE(0, none);
	ASSERT_EQ(0, harden_setup(&g, 0));
	ASSERT_EQ(0, guest_create_vcpu(&g));
	ASSERT_EQ(0, guest_map_at(&g, (uintptr_t)p, 5ULL << 30));
	ASSERT_EQ(0, guest_run(&g, hg_vmcall, 0, 0, 0));	/* the pool and code are in */
	running = meminfo_kb("SecPageTables:");
	EXPECT_LE(none + 4 * 4, running) TH_LOG("SecPageTables %ld -> %ld kB", none, running);
	ASSERT_EQ(0, guest_run(&g, hg_load, (uintptr_t)p, 0, 0));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g.run.exit_reason);
	EXPECT_EQ(0x0101010101010101ULL, g.run.regs.rax);
	touched = meminfo_kb("SecPageTables:");
	ASSERT_EQ(0, munmap(hole, 2 * CHUNK));
	unmapped = meminfo_kb("SecPageTables:");
	EXPECT_LE(unmapped, touched - 8) TH_LOG("SecPageTables %ld -> %ld -> %ld kB: the empty "
						 "page directory and table stay", running, touched,
						 unmapped);
	guest_teardown(&g);
	gone = meminfo_kb("SecPageTables:");
	EXPECT_EQ(none, gone) TH_LOG("SecPageTables %ld before the VM, %ld after it", none, gone);
}

/* ---- limits ----------------------------------------------------------- */

static int param_set(const char *name, unsigned int value)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	snprintf(buf, sizeof(buf), "%u", value);
	return write_text(path, buf);
}

static unsigned int param_get(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	if (read_line(path, buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 10);
}

/* A user's VMs are bounded; one closed makes room for the next. */
TEST(vms_per_user_are_bounded)
{
	unsigned int old = param_get("max_vms_per_user");
	int dev = open("/dev/dune", O_RDWR), vms[4], i;

	ASSERT_LT(0, old);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, param_set("max_vms_per_user", 3));
	for (i = 0; i < 3; i++)
		ASSERT_LE(0, vms[i] = ioctl(dev, DUNE_CREATE_VM, 0));
	EXPECT_EQ(-1, ioctl(dev, DUNE_CREATE_VM, 0));
	EXPECT_EQ(EAGAIN, errno);
	close(vms[0]);
	vms[0] = ioctl(dev, DUNE_CREATE_VM, 0);
	EXPECT_LE(0, vms[0]);
	for (i = 0; i < 3; i++)
		close(vms[i]);
	ASSERT_EQ(0, param_set("max_vms_per_user", old));
	close(dev);
}

/* vCPUs per VM are bounded too. */
TEST_F(vm, vcpus_per_vm_are_bounded)
{
	struct guest *g = &self->g;
	unsigned int old = param_get("max_vcpus_per_vm");
	int v[3], i;

	ASSERT_EQ(0, param_set("max_vcpus_per_vm", 2));
	for (i = 0; i < 2; i++)
		ASSERT_LE(0, v[i] = ioctl(g->vm, DUNE_CREATE_VCPU, &g->config));
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &g->config));
	EXPECT_EQ(EAGAIN, errno);
	close(v[1]);
	v[2] = ioctl(g->vm, DUNE_CREATE_VCPU, &g->config);
	EXPECT_LE(0, v[2]);
	close(v[0]);
	close(v[2]);
	ASSERT_EQ(0, param_set("max_vcpus_per_vm", old));
}

/*
 * Past a user's share of VPIDs a vCPU still works, without one (KVM's
 * fallback): every vCPU runs, and memory stays coherent for all of them.
 */
TEST_F(vm, vcpus_past_the_vpid_share_still_run)
{
	struct guest *g = &self->g;
	unsigned int old = param_get("max_vpids_per_user");
	static volatile uint64_t word;
	struct dune_run run;
	int v[4], i, round;

	ASSERT_EQ(0, param_set("max_vpids_per_user", 1));
	for (i = 0; i < 4; i++)
		ASSERT_LE(0, v[i] = ioctl(g->vm, DUNE_CREATE_VCPU, &g->config));
	ASSERT_EQ(0, param_set("max_vpids_per_user", old));
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 4; i++) {
			word = round * 10 + i;
			memset(&run, 0, sizeof(run));
			run.regs.rip = (uintptr_t)hg_load;
			run.regs.rdi = (uintptr_t)&word;
			run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
			run.regs.rflags = 0x2;
			ASSERT_EQ(0, run_vcpu(v[i], &run)) TH_LOG("vCPU %d: %s", i, strerror(errno));
			ASSERT_EQ(DUNE_EXIT_VMCALL, run.exit_reason);
			EXPECT_EQ(round * 10 + i, run.regs.rax);
		}
	}
	for (i = 0; i < 4; i++)
		close(v[i]);
}

/*
 * DUNE_VCPU_F_CPUNODE pins a page for the vCPU's life: locked memory,
 * charged to RLIMIT_MEMLOCK.  An unprivileged user (no CAP_IPC_LOCK) with
 * a limit of 0 cannot pin it; with one page, it can.
 */
TEST(cpunode_pin_is_charged_to_memlock)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct guest g;
		struct rlimit none = { 0, 0 };
		int fd;

		if (harden_setup(&g, 0))
			_exit(10);
		g.config.flags = DUNE_VCPU_F_CPUNODE;
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(11);
		if (setrlimit(RLIMIT_MEMLOCK, &none))
			_exit(12);
		fd = ioctl(g.vm, DUNE_CREATE_VCPU, &g.config);
		if (fd >= 0)
			_exit(1);			/* pinned past RLIMIT_MEMLOCK */
		if (errno != ENOMEM)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child: %d (1: pinned past RLIMIT_MEMLOCK)",
						 WEXITSTATUS(status));
}

/* ... and with room for one page, the pin succeeds and is given back. */
TEST(cpunode_pin_within_memlock)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct guest g;
		struct rlimit page = { 4096, 4096 };
		int i, fd;

		if (harden_setup(&g, 0))
			_exit(10);
		g.config.flags = DUNE_VCPU_F_CPUNODE;
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(11);
		if (setrlimit(RLIMIT_MEMLOCK, &page))
			_exit(12);
		for (i = 0; i < 3; i++) {	/* the charge goes back with the vCPU */
			fd = ioctl(g.vm, DUNE_CREATE_VCPU, &g.config);
			if (fd < 0)
				_exit(20 + i);
			close(fd);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ---- guest SMEP and SMAP ---------------------------------------------- */

/*
 * With DUNE_VCPU_F_SMEP, ring 0 cannot execute a user page: here all the
 * guest's pages are user pages (PTE_U), so the first instruction fetch is
 * a #PF, whose handler is on a user page too: a #DF, and a triple fault.
 * Without the flag it runs.
 */
TEST(guest_smep)
{
	struct guest g;
	long cap;

	ASSERT_EQ(0, harden_setup(&g, PTE_U));
	cap = ioctl(g.dev, DUNE_CHECK_EXTENSION, DUNE_CAP_GUEST_SMEP);
	g.config.flags = 1u << 3;
	EXPECT_EQ(-1, ioctl(g.vm, DUNE_CREATE_VCPU, &g.config));
	EXPECT_EQ(EINVAL, errno);
	g.config.flags = DUNE_VCPU_F_SMEP;
	if (cap != 1) {
		EXPECT_EQ(-1, ioctl(g.vm, DUNE_CREATE_VCPU, &g.config));
		EXPECT_EQ(EOPNOTSUPP, errno);
		TH_LOG("this CPU has no SMEP: DUNE_VCPU_F_SMEP refused");
		guest_teardown(&g);
		return;
	}
	ASSERT_EQ(0, guest_create_vcpu(&g));
	ASSERT_EQ(0, guest_run(&g, hg_vmcall, 0, 0, 0));
	EXPECT_EQ(DUNE_EXIT_TRIPLE_FAULT, g.run.exit_reason);
	close(g.vcpu);
	g.config.flags = 0;
	ASSERT_EQ(0, guest_create_vcpu(&g));
	ASSERT_EQ(0, guest_run(&g, hg_vmcall, 0, 0, 0));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g.run.exit_reason);
	guest_teardown(&g);
}

/*
 * With DUNE_VCPU_F_SMAP, ring 0 reads a user page only with RFLAGS.AC set
 * (STAC): the code, stack and IDT handlers are on supervisor pages, the
 * data on a user page.  Without AC the read is a #PF, which the guest's
 * IDT reports (VMCALL with 0xdead000e).
 */
TEST(guest_smap)
{
	struct guest g;
	char *hole, *data;
	long cap;

	ASSERT_EQ(0, harden_setup(&g, 0));
	cap = ioctl(g.dev, DUNE_CHECK_EXTENSION, DUNE_CAP_GUEST_SMAP);
	g.config.flags = DUNE_VCPU_F_SMAP;
	if (cap != 1) {
		EXPECT_EQ(-1, ioctl(g.vm, DUNE_CREATE_VCPU, &g.config));
		EXPECT_EQ(EOPNOTSUPP, errno);
		TH_LOG("this CPU has no SMAP: DUNE_VCPU_F_SMAP refused");
		guest_teardown(&g);
		return;
	}
	hole = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	data = (char *)(((uintptr_t)hole + CHUNK - 1) & ~(CHUNK - 1));
	*(uint64_t *)data = 0xabcd;
	g.leaf_user = PTE_U;
	ASSERT_EQ(0, guest_map_identity(&g, (uintptr_t)data));
	g.leaf_user = 0;
	ASSERT_EQ(0, guest_create_vcpu(&g));
	g.rflags = RFLAGS_AC;
	ASSERT_EQ(0, guest_run(&g, hg_load, (uintptr_t)data, 0, 0));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g.run.exit_reason);
	EXPECT_EQ(0xabcd, g.run.regs.rax);
	g.rflags = 0;
	ASSERT_EQ(0, guest_run(&g, hg_load, (uintptr_t)data, 0, 0));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g.run.exit_reason);
	EXPECT_EQ(0xdead000eULL, g.run.regs.rax) TH_LOG("rax %#llx: not the #PF report",
							(unsigned long long)g.run.regs.rax);
	guest_teardown(&g);
	munmap(hole, 2 * CHUNK);
}

TEST_HARNESS_MAIN
