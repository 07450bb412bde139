// SPDX-License-Identifier: GPL-2.0
/*
 * dune_vm_test - the VM and vCPU ABI of /dev/dune, driven by hand.
 *
 * No libdune here: each test builds the smallest guest that exercises one
 * rule of the ABI.  The guest is this very process: its page tables map
 * every virtual address to the same address (GVA == HVA), using 2 MiB
 * pages whose guest-physical addresses are chunks we register; the guest
 * code is a few instructions of this program run in VMX non-root ring 0.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/time.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dune.h>

#include "kselftest_harness.h"
#include "testlib.h"

#define CHUNK		DUNE_CHUNK_SIZE
#define PTE_P		0x1ULL
#define PTE_W		0x2ULL
#define PTE_U		0x4ULL		/* ring 3 may use it too (the ring-3 tests) */
#define PTE_PS		0x80ULL

/* Guest code: each routine ends in VMCALL (or worse), never returns. */
extern char guest_vmcall[], guest_vmcall_end[], guest_store[], guest_cpuid[],
	    guest_hlt[], guest_load_far[], guest_wrmsr_lstar[], guest_rdmsr_apic[],
	    guest_touch[], guest_touch_stride[], guest_cpus[], guest_forever[],
	    guest_rdmsr_lstar[], guest_to_ring3[], ring3_vmcall[], ring3_load[],
	    guest_intr_handler[], guest_defer[], guest_defer_after[],
	    guest_to_ring3_if[], ring3_spin[];
asm(".text\n"
    "guest_vmcall: mov $42, %eax\n vmcall\n guest_vmcall_end: ud2\n"
    /* *rdi = rsi, then read it back into rax */
    "guest_store: mov %rsi, (%rdi)\n mov (%rdi), %rax\n vmcall\n ud2\n"
    "guest_cpuid: xor %ecx, %ecx\n mov $1, %eax\n cpuid\n vmcall\n ud2\n"
    "guest_hlt: hlt\n vmcall\n ud2\n"
    "guest_load_far: mov (%rdi), %rax\n vmcall\n ud2\n"
    "guest_wrmsr_lstar: mov $0xc0000082, %ecx\n mov $0x1234, %eax\n xor %edx, %edx\n"
    " wrmsr\n rdmsr\n vmcall\n ud2\n"
    "guest_rdmsr_apic: mov $0x1b, %ecx\n rdmsr\n vmcall\n ud2\n"
    "guest_rdmsr_lstar: mov $0xc0000082, %ecx\n rdmsr\n vmcall\n ud2\n"
    /* write rdx to one byte of each of rsi pages from rdi */
    "guest_touch: movb %dl, (%rdi)\n add $4096, %rdi\n dec %rsi\n jnz guest_touch\n"
    " vmcall\n ud2\n"
    /* the same with a stride of rcx bytes */
    "guest_touch_stride: movb %dl, (%rdi)\n add %rcx, %rdi\n dec %rsi\n"
    " jnz guest_touch_stride\n vmcall\n ud2\n"
    /* rsi times: rax |= 1 << (TSC_AUX & 63), i.e. the CPUs we ran on */
    "guest_cpus: xor %eax, %eax\n mov %rax, %r8\n"
    "1: rdtscp\n and $63, %ecx\n mov $1, %edx\n shl %cl, %rdx\n or %rdx, %r8\n"
    " dec %rsi\n jnz 1b\n mov %r8, %rax\n vmcall\n ud2\n"
    "guest_forever: jmp guest_forever\n"
    /* IRET to ring 3 at rdi with stack rsi */
    "guest_to_ring3: push $0x2b\n push %rsi\n push $0x2\n push $0x33\n push %rdi\n iretq\n"
    "ring3_vmcall: mov $42, %eax\n vmcall\n ud2\n"
    "ring3_load: mov (%rdx), %rax\n ud2\n"
    /* an interrupt handler: rbx = the interrupted RIP, rcx = its CS, rdx = its RFLAGS */
    "guest_intr_handler: mov (%rsp), %rbx\n mov 8(%rsp), %rcx\n mov 16(%rsp), %rdx\n"
    " mov $0x77, %eax\n vmcall\n ud2\n"
    /* interrupts off until the second half: STI, one instruction in its shadow */
    "guest_defer: mov $1, %eax\n vmcall\n sti\n nop\n"
    "guest_defer_after: mov $2, %eax\n vmcall\n ud2\n"
    /* IRET to ring 3 at rdi with stack rsi, interrupts on */
    "guest_to_ring3_if: push $0x2b\n push %rsi\n push $0x202\n push $0x33\n push %rdi\n iretq\n"
    "ring3_spin: jmp ring3_spin\n");

struct guest {
	int dev, vm, vcpu;
	uint64_t *pool;			/* 2 MiB: page tables, GDT, TSS, stack */
	uint64_t pool_gpa;
	uint64_t next_gpa;
	unsigned int next_page;
	uint64_t *pml4;
	struct dune_vcpu_config config;
	struct dune_run run;
};

static uint64_t *pool_page(struct guest *g)
{
	return (uint64_t *)((char *)g->pool + 4096 * g->next_page++);
}

static uint64_t pool_gpa(struct guest *g, void *p)
{
	return g->pool_gpa + ((char *)p - (char *)g->pool);
}

static int map_chunk(struct guest *g, uint64_t hva, uint64_t gpa)
{
	struct dune_chunk c = { .hva = hva, .gpa = gpa };
	struct dune_map_chunks arg = { .count = 1, .chunks = (uintptr_t)&c };

	return ioctl(g->vm, DUNE_MAP_CHUNKS, &arg);
}

/* Map the 2 MiB chunk holding @addr at a fresh GPA, GVA == HVA. */
static int map_identity(struct guest *g, uintptr_t addr)
{
	uint64_t hva = addr & ~(CHUNK - 1), gpa = g->next_gpa;
	uint64_t *table = g->pml4;
	int level;

	for (level = 3; level > 1; level--) {
		unsigned int i = (hva >> (12 + 9 * level)) & 511;

		if (!(table[i] & PTE_P))
			table[i] = pool_gpa(g, pool_page(g)) | PTE_P | PTE_W | PTE_U;
		table = (uint64_t *)((char *)g->pool + ((table[i] & ~0xfffULL) - g->pool_gpa));
	}
	if (table[(hva >> 21) & 511] & PTE_P)
		return 0;
	if (map_chunk(g, hva, gpa))
		return -1;
	g->next_gpa += CHUNK;
	table[(hva >> 21) & 511] = gpa | PTE_P | PTE_W | PTE_U | PTE_PS;
	return 0;
}

static int guest_setup(struct guest *g)
{
	uint64_t *gdt, *tss;
	char *p;

	memset(g, 0, sizeof(*g));
	g->dev = open("/dev/dune", O_RDWR | O_CLOEXEC);
	if (g->dev < 0)
		return -1;
	g->vm = ioctl(g->dev, DUNE_CREATE_VM, 0);
	if (g->vm < 0)
		return -1;
	/* A 2 MiB-aligned pool, so it is exactly one chunk. */
	p = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	g->pool = (uint64_t *)(((uintptr_t)p + CHUNK - 1) & ~(CHUNK - 1));
	g->pool_gpa = 0;		/* map_identity() gives the pool GPA 0 */
	g->next_gpa = 0;
	g->pml4 = pool_page(g);
	if (map_identity(g, (uintptr_t)g->pool) || map_identity(g, (uintptr_t)guest_vmcall))
		return -1;

	gdt = pool_page(g);
	gdt[1] = 0x00af9b000000ffffULL;		/* 0x08: 64-bit code, ring 0 */
	gdt[2] = 0x00cf93000000ffffULL;		/* 0x10: data, ring 0 */
	tss = pool_page(g);
	gdt[3] = 0x0000890000000067ULL |	/* 0x18: 64-bit TSS */
		 (((uintptr_t)tss & 0xffffff) << 16) | (((uintptr_t)tss >> 24 & 0xff) << 56);
	gdt[4] = (uintptr_t)tss >> 32;
	gdt[5] = 0x00cff3000000ffffULL;		/* 0x28 (0x2b): data, ring 3 */
	gdt[6] = 0x00affb000000ffffULL;		/* 0x30 (0x33): 64-bit code, ring 3 */

	g->config.cr3 = pool_gpa(g, g->pml4);
	g->config.gdtr_base = (uintptr_t)gdt;
	g->config.gdtr_limit = 7 * 8 - 1;
	g->config.idtr_base = 0;
	g->config.idtr_limit = 0;		/* no IDT: any exception triple-faults */
	g->config.tr_base = (uintptr_t)tss;
	g->config.cs = 0x08;
	g->config.ss = 0x10;
	g->config.tr = 0x18;
	g->config.star = 0x08ULL << 32;
	g->config.lstar = (uintptr_t)guest_vmcall;
	return 0;
}

/*
 * DUNE_RUN, again after EINTR: the kernel returns to user space whenever
 * the thread has a signal or other work pending (e.g. rseq after a
 * migration), with the state saved in *run.
 */
static int run_vcpu(int vcpu, struct dune_run *run)
{
	int r;

	do
		r = ioctl(vcpu, DUNE_RUN, run);
	while (r == -1 && errno == EINTR);
	return r;
}

static int guest_create_vcpu(struct guest *g)
{
	g->vcpu = ioctl(g->vm, DUNE_CREATE_VCPU, &g->config);
	return g->vcpu < 0 ? -1 : 0;
}

/* Run @code with a stack at the end of the pool; return DUNE_RUN's result. */
static int guest_run(struct guest *g, void *code)
{
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)code;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	return run_vcpu(g->vcpu, &g->run);
}

static void guest_teardown(struct guest *g)
{
	if (g->vcpu > 0)
		close(g->vcpu);
	if (g->vm > 0)
		close(g->vm);
	if (g->dev > 0)
		close(g->dev);
}

FIXTURE(vm) {
	struct guest g;
};

FIXTURE_SETUP(vm)
{
	ASSERT_EQ(0, guest_setup(&self->g)) TH_LOG("setup: %s", strerror(errno));
}

FIXTURE_TEARDOWN(vm)
{
	guest_teardown(&self->g);
}

TEST(create_vm_checks_its_argument)
{
	int dev = open("/dev/dune", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, dev);
	EXPECT_EQ(1, ioctl(dev, DUNE_CHECK_EXTENSION, DUNE_CAP_VM));
	EXPECT_EQ(-1, ioctl(dev, DUNE_CREATE_VM, 1));
	EXPECT_EQ(EINVAL, errno);
	close(dev);
}

TEST_F(vm, map_chunks_validates_everything)
{
	struct guest *g = &self->g;
	struct dune_chunk c[2] = { { .hva = 0x10000000, .gpa = 0x40000000 } };
	struct dune_map_chunks arg = { .count = 1, .chunks = (uintptr_t)c };
	uint64_t maxphy = ioctl(g->dev, DUNE_CHECK_EXTENSION, DUNE_CAP_MAXPHYADDR);

	ASSERT_EQ(0, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	/* the same pair again is fine; a clash is not */
	EXPECT_EQ(0, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	c[0].gpa += CHUNK;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EEXIST, errno);
	c[0] = (struct dune_chunk){ .hva = 0x10000000 + 4096, .gpa = 0x80000000 };
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EINVAL, errno);		/* misaligned */
	c[0] = (struct dune_chunk){ .hva = 0x20000000, .gpa = 1ULL << maxphy };
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EINVAL, errno);		/* beyond MAXPHYADDR */
	c[0] = (struct dune_chunk){ .hva = 0xffff800000000000ULL, .gpa = 0x80000000 };
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EINVAL, errno);		/* kernel address */
	c[0] = (struct dune_chunk){ .hva = 0x30000000, .gpa = 0x80000000 };
	c[1] = (struct dune_chunk){ .hva = 0x30000000, .gpa = 0xa0000000 };
	arg.count = 2;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EEXIST, errno);		/* clash inside one batch: nothing mapped */
	arg.count = 0;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EINVAL, errno);
	arg.count = 1;
	arg.flags = 1;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EINVAL, errno);
	arg.flags = 0;
	arg.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EINVAL, errno);
	arg.reserved[1] = 0;
	arg.chunks = 16;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_MAP_CHUNKS, &arg));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(vm, create_vcpu_validates_config)
{
	struct guest *g = &self->g;
	struct dune_vcpu_config good = g->config, c;

	c = good; c.flags = 1u << 3;		/* unknown flag */
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.flags = DUNE_VCPU_F_CPUNODE;	/* GDT too short for entry 15 */
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.reserved[7] = 1;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.reserved1[0] = 1;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.cr3 |= 0x800;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.cr3 = 1ULL << 52;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.cs = 0x0b;			/* RPL 3 */
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.tr = 0x30;			/* runs past the GDT limit */
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.lstar = 0x0000800000000000ULL;	/* not canonical */
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	c = good; c.sfmask = 1ULL << 40;
	EXPECT_EQ(-1, ioctl(g->vm, DUNE_CREATE_VCPU, &c));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, guest_create_vcpu(g));
}

/* The first real run: enter ring 0 of the VM, VMCALL back out. */
TEST_F(vm, vmcall_exits_to_user_space)
{
	struct guest *g = &self->g;
	struct dune_exit_stats st = { 0 };

	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, guest_vmcall)) TH_LOG("DUNE_RUN: %s", strerror(errno));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(42, g->run.regs.rax);
	EXPECT_EQ((uintptr_t)guest_vmcall_end, g->run.regs.rip);
	ASSERT_EQ(0, ioctl(g->vcpu, DUNE_GET_EXIT_STATS, &st));
	EXPECT_EQ(DUNE_EXIT_STATS_NR, st.nr);
	EXPECT_LE(1, st.runs);		/* more if a run returned EINTR */
	EXPECT_EQ(1, st.exits[18]);
	st.flags = 1;
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_GET_EXIT_STATS, &st));
	EXPECT_EQ(EINVAL, errno);
}

/* The guest writes the process's memory through the EPT, and reads it back. */
TEST_F(vm, guest_memory_is_process_memory)
{
	struct guest *g = &self->g;
	static volatile uint64_t cell;

	ASSERT_EQ(0, map_identity(g, (uintptr_t)&cell));
	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_store;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	g->run.regs.rdi = (uintptr_t)&cell;
	g->run.regs.rsi = 0x1122334455667788ULL;
	ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0x1122334455667788ULL, cell);
	EXPECT_EQ(0x1122334455667788ULL, g->run.regs.rax);
}

/* CPUID answers like the host, minus VMX. */
TEST_F(vm, cpuid_hides_vmx)
{
	struct guest *g = &self->g;

	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, guest_cpuid));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0, g->run.regs.rcx & (1 << 5));
	EXPECT_NE(0, g->run.regs.rdx & (1 << 0));	/* FPU */
}

/* HLT becomes a #GP; with no IDT the guest triple-faults, and only it. */
TEST_F(vm, hlt_without_idt_triple_faults)
{
	struct guest *g = &self->g;

	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, guest_hlt));
	EXPECT_EQ(DUNE_EXIT_TRIPLE_FAULT, g->run.exit_reason);
}

/* An unmapped address behind a registered chunk: an EPT fault for user space. */
TEST_F(vm, unmapped_memory_is_an_ept_fault)
{
	struct guest *g = &self->g;
	char *p = mmap(NULL, 4 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t target;

	ASSERT_NE(MAP_FAILED, p);
	target = ((uintptr_t)p + CHUNK - 1) & ~(CHUNK - 1);
	ASSERT_EQ(0, map_identity(g, target));
	ASSERT_EQ(0, munmap((void *)target, CHUNK));
	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_load_far;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	g->run.regs.rdi = target + 0x1230;
	ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run));
	EXPECT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason);
	EXPECT_EQ(target + 0x1000, g->run.u.ept.hva);
	EXPECT_EQ(DUNE_EPT_READ, g->run.u.ept.flags & (DUNE_EPT_READ | DUNE_EPT_WRITE));
	EXPECT_TRUE(g->run.u.ept.flags & DUNE_EPT_GVA_VALID);
	EXPECT_EQ(target + 0x1230, g->run.u.ept.gva);
	EXPECT_EQ((uintptr_t)guest_load_far, g->run.regs.rip);
	munmap(p, 4 * CHUNK);
}

/*
 * The guest's own SYSCALL MSRs are its to read and write, without exits,
 * and keep their values across exits (the host's are switched back in by
 * the CPU: this process's own system calls go on working); any other MSR
 * is a #GP.
 */
TEST_F(vm, msrs)
{
	struct guest *g = &self->g;
	struct dune_exit_stats st = { 0 };

	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, guest_wrmsr_lstar));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0x1234, g->run.regs.rax);
	ASSERT_EQ(getpid(), getpid());		/* the host's LSTAR is back */
	ASSERT_EQ(0, guest_run(g, guest_rdmsr_lstar));
	EXPECT_EQ(0x1234, g->run.regs.rax);
	ASSERT_EQ(0, ioctl(g->vcpu, DUNE_GET_EXIT_STATS, &st));
	EXPECT_EQ(0, st.exits[31] + st.exits[32]);
	ASSERT_EQ(0, guest_run(g, guest_rdmsr_apic));
	EXPECT_EQ(DUNE_EXIT_TRIPLE_FAULT, g->run.exit_reason);	/* #GP, no IDT */
}

TEST_F(vm, run_validates_its_input)
{
	struct guest *g = &self->g;

	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_vmcall;
	g->run.regs.rflags = 0x2 | (1 << 17);		/* VM86 */
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	g->run.regs.rflags = 0;				/* bit 1 clear */
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	g->run.regs.rflags = 0x2;
	g->run.regs.rip = 0x0000900000000000ULL;
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	g->run.regs.rip = (uintptr_t)guest_vmcall;
	g->run.flags = DUNE_RUN_FLAGS + 1;		/* the lowest unknown flag */
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	g->run.flags = DUNE_RUN_F_INTERRUPT;		/* vector 0: an exception's */
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	g->run.interrupt_vector = 31;
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	g->run.flags = 0;				/* a vector without the flag */
	g->run.interrupt_vector = 0x40;
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	g->run.interrupt_vector = 0;
	g->run.reserved0 = 1;
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	g->run.reserved0 = 0;
	g->run.reserved[3] = 1;
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, NULL));
	EXPECT_EQ(EFAULT, errno);
}

static void *run_from_other_thread(void *arg)
{
	struct guest *g = arg;
	long r = ioctl(g->vcpu, DUNE_RUN, &g->run);

	return (void *)(long)(r == -1 ? errno : 0);
}

/* A vCPU belongs to its thread; a VM to its process. */
TEST_F(vm, ownership)
{
	struct guest *g = &self->g;
	pthread_t t;
	void *ret;
	pid_t pid;
	int status;

	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_vmcall;
	g->run.regs.rflags = 0x2;
	ASSERT_EQ(0, pthread_create(&t, NULL, run_from_other_thread, g));
	pthread_join(t, &ret);
	EXPECT_EQ(EBUSY, (long)ret);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dune_chunk c = { 0x40000000, 0x40000000 };
		struct dune_map_chunks arg = { .count = 1, .chunks = (uintptr_t)&c };

		if (ioctl(g->vcpu, DUNE_RUN, &g->run) != -1 || errno != EIO)
			_exit(1);
		if (ioctl(g->vm, DUNE_MAP_CHUNKS, &arg) != -1 || errno != EIO)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* and the parent still runs */
	ASSERT_EQ(0, guest_run(g, guest_vmcall));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
}

/* 2 MiB of fresh, aligned anonymous memory, THP on or off. */
static char *alloc_2m(bool thp)
{
	char *p = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)p + CHUNK - 1) & ~(CHUNK - 1));
	madvise(p, CHUNK, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

/* Guest writes @value to the first byte of each of @pages pages at @p. */
static int guest_touch_pages(struct guest *g, char *p, unsigned long pages, char value)
{
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_touch;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	g->run.regs.rdi = (uintptr_t)p;
	g->run.regs.rsi = pages;
	g->run.regs.rdx = (unsigned char)value;
	return run_vcpu(g->vcpu, &g->run);
}

static uint64_t ept_violations(struct guest *g)
{
	struct dune_exit_stats st = { 0 };

	if (ioctl(g->vcpu, DUNE_GET_EXIT_STATS, &st))
		return ~0ULL;
	return st.exits[48];
}

/*
 * The EPT fills 4 KiB pages on demand.  A page the process already has
 * brings its present neighbours along (fault-around: 16 pages, aligned),
 * so 511 pages after the first cost 31 violations, one per 16-page window
 * but the first, which the first touch mapped.  A page the process does
 * not have yet costs one violation each: nothing is faulted in around it.
 */
TEST_F(vm, ept_fills_4k_pages_on_demand)
{
	struct guest *g = &self->g;
	char *p = alloc_2m(false), *fresh = alloc_2m(false);
	uint64_t before;
	unsigned int i;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, fresh);
	memset(p, 1, CHUNK);			/* present and writable natively */
	ASSERT_EQ(0, map_identity(g, (uintptr_t)p));
	ASSERT_EQ(0, map_identity(g, (uintptr_t)fresh));
	ASSERT_EQ(0, guest_create_vcpu(g));
	/* The first page, with the code, stack and page tables the guest uses. */
	ASSERT_EQ(0, guest_touch_pages(g, p, 1, 7));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	before = ept_violations(g);
	ASSERT_EQ(0, guest_touch_pages(g, p + 4096, 511, 7));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(511 / 16, ept_violations(g) - before);
	for (i = 0; i < 512; i++)
		ASSERT_EQ(7, p[i * 4096]);
	/* all mapped now: no more violations */
	before = ept_violations(g);
	ASSERT_EQ(0, guest_touch_pages(g, p, 512, 8));
	EXPECT_EQ(0, ept_violations(g) - before);
	EXPECT_EQ(8, p[4096 * 511]);
	/* never touched natively: one violation per page, the first write included */
	before = ept_violations(g);
	ASSERT_EQ(0, guest_touch_pages(g, fresh, 64, 9));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(64, ept_violations(g) - before);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(9, fresh[i * 4096]);
}

/* A transparent huge page is mapped with one 2 MiB EPT entry: one violation. */
TEST_F(vm, ept_maps_thp_with_one_entry)
{
	struct guest *g = &self->g;
	uint64_t before;
	char *p;

	/* Small machines boot with THP off; this test needs it on request. */
	write_text("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	p = alloc_2m(true);
	ASSERT_NE(NULL, p);
	memset(p, 1, CHUNK);
	ASSERT_EQ(0, map_identity(g, (uintptr_t)p));
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_touch_pages(g, p, 1, 9));
	before = ept_violations(g);
	ASSERT_EQ(0, guest_touch_pages(g, p + 4096, 511, 9));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0, ept_violations(g) - before)
		TH_LOG("the first touch should have mapped all 2 MiB (AnonHugePages in /proc/meminfo?)");
	EXPECT_EQ(9, p[4096 * 300]);
	/* Splitting the THP (mprotect of one page) zaps the entry; all still works. */
	ASSERT_EQ(0, mprotect(p + 4096, 4096, PROT_READ));
	ASSERT_EQ(0, mprotect(p + 4096, 4096, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, guest_touch_pages(g, p, 512, 10));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(10, p[4096 * 511]);
}

/*
 * The EPT keeps the 4 KiB table of a range the guest once used at 4 KiB.
 * If the process later maps a transparent huge page there (here: munmap,
 * then a new THP mapping at the same address), the EPT must still map the
 * page the guest touches - through the old table - and not go round
 * faulting forever (it once did, and the run hung).
 */
TEST_F_TIMEOUT(vm, thp_over_an_old_4k_table, 120)
{
	struct guest *g = &self->g;
	char *p, *q;

	write_text("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	p = alloc_2m(false);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, map_identity(g, (uintptr_t)p));
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_touch_pages(g, p, 4, 1));	/* a 4 KiB table now */
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	ASSERT_EQ(0, munmap(p, CHUNK));
	q = mmap(p, CHUNK, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(p, q);
	madvise(p, CHUNK, MADV_HUGEPAGE);
	memset(p, 2, CHUNK);			/* a THP, if the kernel gives one */
	ASSERT_EQ(0, guest_touch_pages(g, p, 512, 3));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(3, p[0]);
	EXPECT_EQ(3, p[511 * 4096]);
}

/* mprotect(PROT_READ) takes write access away from the guest at once. */
TEST_F(vm, mprotect_is_coherent)
{
	struct guest *g = &self->g;
	char *p = alloc_2m(false);

	ASSERT_NE(NULL, p);
	memset(p, 1, CHUNK);
	ASSERT_EQ(0, map_identity(g, (uintptr_t)p));
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_touch_pages(g, p, 4, 2));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	ASSERT_EQ(0, mprotect(p + 2 * 4096, 4096, PROT_READ));
	ASSERT_EQ(0, guest_touch_pages(g, p, 4, 3));
	ASSERT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason);
	EXPECT_EQ((uintptr_t)p + 2 * 4096, g->run.u.ept.hva);
	EXPECT_TRUE(g->run.u.ept.flags & DUNE_EPT_WRITE);
	EXPECT_EQ(3, p[4096]);			/* the pages before were written */
	EXPECT_EQ(2, p[2 * 4096]);		/* the read-only one was not */
	ASSERT_EQ(0, mprotect(p + 2 * 4096, 4096, PROT_NONE));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_load_far;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	g->run.regs.rdi = (uintptr_t)p + 2 * 4096;
	ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run));
	EXPECT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason);	/* PROT_NONE: no read either */
}

/* fork makes the memory copy-on-write: the guest's later writes stay ours. */
TEST_F(vm, fork_copy_on_write_is_coherent)
{
	struct guest *g = &self->g;
	char *p = alloc_2m(false);
	int to_child[2], to_parent[2], status;
	char c;
	pid_t pid;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, map_identity(g, (uintptr_t)p));
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_touch_pages(g, p, 8, 'A'));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (read(to_child[0], &c, 1) != 1)
			_exit(3);
		_exit(p[0] == 'A' && p[7 * 4096] == 'A' ? 0 : 1);
	}
	/* The parent's guest writes after the fork must not reach the child. */
	ASSERT_EQ(0, guest_touch_pages(g, p, 8, 'B'));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ('B', p[0]);
	EXPECT_EQ('B', p[7 * 4096]);
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* MAP_SHARED memory written by the guest is seen by another process. */
TEST_F(vm, shared_memory_reaches_other_processes)
{
	struct guest *g = &self->g;
	char *raw = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *p;
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, raw);
	p = (char *)(((uintptr_t)raw + CHUNK - 1) & ~(CHUNK - 1));
	ASSERT_EQ(0, map_identity(g, (uintptr_t)p));
	ASSERT_EQ(0, guest_create_vcpu(g));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int i;

		for (i = 0; i < 3000 && p[4096] != 'S'; i++)
			usleep(1000);
		_exit(p[4096] == 'S' ? 0 : 1);
	}
	ASSERT_EQ(0, guest_touch_pages(g, p, 2, 'S'));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * No page reference outlives its EPT entry: map 1 GiB, let the guest
 * touch it (one page per 2 MiB: 512 EPT violations, 512 pages allocated),
 * unmap it, 50 times; the machine's free memory ends where it began.
 */
TEST(leak_loop_1gib)
{
	const unsigned long size = 1UL << 30, stride = CHUNK;
	long before, after;
	struct guest g;
	int i;

	settle();
	before = free_and_pcp_pages();
	ASSERT_EQ(0, guest_setup(&g));
	ASSERT_EQ(0, guest_create_vcpu(&g));
	for (i = 0; i < 50; i++) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		uintptr_t a;

		ASSERT_NE(MAP_FAILED, p);
		madvise(p, size, MADV_NOHUGEPAGE);
		/* whole chunks only: start at the first 2 MiB boundary */
		a = ((uintptr_t)p + CHUNK - 1) & ~(CHUNK - 1);
		for (uintptr_t c = a; c + CHUNK <= (uintptr_t)p + size; c += CHUNK)
			ASSERT_EQ(0, map_identity(&g, c)) TH_LOG("map_identity: %s", strerror(errno));
		memset(&g.run, 0, sizeof(g.run));
		g.run.regs.rip = (uintptr_t)guest_touch_stride;
		g.run.regs.rsp = (uintptr_t)g.pool + CHUNK - 64;
		g.run.regs.rflags = 0x2;
		g.run.regs.rdi = a;
		g.run.regs.rsi = (size - (a - (uintptr_t)p)) / stride;
		g.run.regs.rcx = stride;
		g.run.regs.rdx = i;
		ASSERT_EQ(0, run_vcpu(g.vcpu, &g.run));
		ASSERT_EQ(DUNE_EXIT_VMCALL, g.run.exit_reason);
		ASSERT_EQ((char)i, *(char *)(a + (g.run.regs.rdi - a) - stride));
		ASSERT_EQ(0, munmap(p, size));
	}
	guest_teardown(&g);
	munmap(g.pool, CHUNK);
	settle();
	after = free_and_pcp_pages();
	TH_LOG("free pages: %ld before, %ld after", before, after);
	EXPECT_GT(64, before - after);
}

struct flipper {
	pid_t tid;
	volatile int stop;
};

/* Move thread @tid between CPU 0 and CPU 1 until told to stop. */
static void *flip_affinity(void *arg)
{
	struct flipper *f = arg;
	int i;

	for (i = 0; !f->stop; i++) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(i & 1, &set);
		sched_setaffinity(f->tid, sizeof(set), &set);
		usleep(5000);
	}
	return NULL;
}

/*
 * The scheduler moves a thread in Dune mode between CPUs: its VMCS is
 * VMCLEARed on one and loaded on the other, and the guest runs on both
 * (RDTSCP tells the CPU: Linux keeps its number in TSC_AUX).
 */
TEST_F(vm, vcpu_migrates_between_cpus)
{
	struct guest *g = &self->g;
	struct flipper f = { .tid = gettid() };
	uint64_t cpus = 0;
	pthread_t t;
	int rounds;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs");
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, pthread_create(&t, NULL, flip_affinity, &f));
	for (rounds = 0; rounds < 50 && cpus != 3; rounds++) {
		memset(&g->run, 0, sizeof(g->run));
		g->run.regs.rip = (uintptr_t)guest_cpus;
		g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
		g->run.regs.rflags = 0x2;
		g->run.regs.rsi = 200000;
		ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run));
		ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
		cpus |= g->run.regs.rax;
	}
	f.stop = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(3, cpus) TH_LOG("the guest ran on CPUs %#llx in %d rounds",
				  (unsigned long long)cpus, rounds);
}

static void *toggle_cpu1(void *arg)
{
	struct flipper *f = arg;

	while (!f->stop) {
		write_text("/sys/devices/system/cpu/cpu1/online", "0");
		usleep(20000);
		write_text("/sys/devices/system/cpu/cpu1/online", "1");
		usleep(20000);
	}
	return NULL;
}

/*
 * CPU1 goes offline and online while a vCPU runs: the thread is pushed off
 * the dying CPU (its VMCS is cleared there), CPU1 leaves and re-enters VMX
 * operation, and the guest goes on, on whichever CPU.
 */
TEST_F_TIMEOUT(vm, cpu_hotplug_while_running, 300)
{
	struct guest *g = &self->g;
	struct flipper f = { .tid = gettid() };
	pthread_t t;
	char online[16];
	int rounds;

	if (sysconf(_SC_NPROCESSORS_CONF) < 2)
		SKIP(return, "needs 2 CPUs");
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, pthread_create(&t, NULL, toggle_cpu1, &f));
	for (rounds = 0; rounds < 20; rounds++) {
		memset(&g->run, 0, sizeof(g->run));
		g->run.regs.rip = (uintptr_t)guest_cpus;
		g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
		g->run.regs.rflags = 0x2;
		g->run.regs.rsi = 100000;
		ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run));
		ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	}
	f.stop = 1;
	pthread_join(t, NULL);
	write_text("/sys/devices/system/cpu/cpu1/online", "1");
	ASSERT_EQ(0, read_line("/sys/class/misc/dune/vmx_cpus", online, sizeof(online)));
	EXPECT_STREQ("0-1", online);
}

static volatile int alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* A signal interrupts the guest: DUNE_RUN returns EINTR, the handler ran. */
TEST_F(vm, signal_interrupts_the_guest)
{
	struct guest *g = &self->g;
	struct itimerval it = { .it_interval = { 0, 10000 }, .it_value = { 0, 10000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	int eintr = 0, r;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_cpus;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	g->run.regs.rsi = 2000000;
	alarms = 0;
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	while ((r = ioctl(g->vcpu, DUNE_RUN, &g->run)) == -1 && errno == EINTR)
		eintr++;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	ASSERT_EQ(0, r);
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_LE(1, alarms);
	EXPECT_LE(1, eintr);
	TH_LOG("%d alarms, %d EINTR returns", alarms, eintr);
}

/* SIGKILL ends a process spinning in the guest, promptly, 100 times. */
TEST(sigkill_during_run)
{
	int i;

	for (i = 0; i < 100; i++) {
		int ready[2], status;
		char c;
		pid_t pid;

		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct guest g;

			if (guest_setup(&g) || guest_create_vcpu(&g))
				_exit(1);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			memset(&g.run, 0, sizeof(g.run));
			g.run.regs.rip = (uintptr_t)guest_forever;
			g.run.regs.rsp = (uintptr_t)g.pool + CHUNK - 64;
			g.run.regs.rflags = 0x2;	/* IF=0: see vcpu_vmcs.c */
			run_vcpu(g.vcpu, &g.run);
			_exit(2);
		}
		close(ready[1]);
		ASSERT_EQ(1, read(ready[0], &c, 1));
		close(ready[0]);
		if (i & 1)
			usleep(2000);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("round %d: status %#x", i, status);
	}
}

/* Run @code in the guest's ring 3 (via an IRET from ring 0). */
static int guest_run_ring3(struct guest *g, void *code, uint64_t rdx)
{
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_to_ring3;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	g->run.regs.rdi = (uintptr_t)code;
	g->run.regs.rsi = (uintptr_t)g->pool + CHUNK - 4096;
	g->run.regs.rdx = rdx;
	return run_vcpu(g->vcpu, &g->run);
}

/*
 * The exits report the guest's privilege level, and only ring 0 may call
 * user space: VMCALL from ring 3 is a #UD in the guest (here, with no IDT,
 * a triple fault), never a DUNE_EXIT_VMCALL.
 */
TEST_F(vm, ring3_cannot_vmcall_and_cpl_is_reported)
{
	struct guest *g = &self->g;
	char *p = alloc_2m(false);
	struct dune_exit_stats st = { 0 };

	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, ioctl(g->dev, DUNE_CHECK_EXTENSION, DUNE_CAP_RUN_CPL));
	ASSERT_EQ(0, guest_create_vcpu(g));
	ASSERT_EQ(0, guest_run(g, guest_vmcall));
	EXPECT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0, g->run.cpl);

	/* ring 3 touching memory the process unmapped: an EPT fault at CPL 3 */
	ASSERT_EQ(0, map_identity(g, (uintptr_t)p));
	ASSERT_EQ(0, munmap(p, CHUNK));
	ASSERT_EQ(0, guest_run_ring3(g, ring3_load, (uintptr_t)p + 8));
	EXPECT_EQ(DUNE_EXIT_EPT_FAULT, g->run.exit_reason);
	EXPECT_EQ(3, g->run.cpl);
	EXPECT_EQ((uintptr_t)ring3_load, g->run.regs.rip);

	ASSERT_EQ(0, guest_run_ring3(g, ring3_vmcall, 0));
	EXPECT_EQ(DUNE_EXIT_TRIPLE_FAULT, g->run.exit_reason);
	ASSERT_EQ(0, ioctl(g->vcpu, DUNE_GET_EXIT_STATS, &st));
	EXPECT_EQ(2, st.exits[18]);		/* ring 0's, and ring 3's (refused) */
}

/* ---- DUNE_RUN_F_INTERRUPT: event injection ----------------------------- */

#define TEST_VECTOR	0xc8		/* 200: libdune's first signal vector */

/*
 * An IDT with one present gate, TEST_VECTOR -> guest_intr_handler (a 64-bit
 * interrupt gate, DPL 0, no IST): any other vector would find no gate and
 * end in a triple fault, so a VMCALL from the handler proves the vector.
 * The TSS gets an RSP0 for interrupts from ring 3.
 */
static void guest_add_idt(struct guest *g)
{
	uint64_t *idt = pool_page(g), handler = (uintptr_t)guest_intr_handler;
	uint64_t rsp0 = (uintptr_t)g->pool + CHUNK - 8192;

	idt[2 * TEST_VECTOR] = (handler & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
			       ((handler >> 16 & 0xffff) << 48);
	idt[2 * TEST_VECTOR + 1] = handler >> 32;
	g->config.idtr_base = (uintptr_t)idt;
	g->config.idtr_limit = 4095;
	memcpy((char *)g->config.tr_base + 4, &rsp0, sizeof(rsp0));	/* TSS.RSP0 */
}

static uint64_t exit_count(struct guest *g, unsigned int reason)
{
	struct dune_exit_stats st = { 0 };

	if (ioctl(g->vcpu, DUNE_GET_EXIT_STATS, &st))
		return ~0ULL;
	return st.exits[reason];
}

/* With IF = 1 the vector is delivered at once, through the guest's IDT. */
TEST_F(vm, interrupt_is_delivered_through_the_idt)
{
	struct guest *g = &self->g;

	ASSERT_EQ(1, ioctl(g->dev, DUNE_CHECK_EXTENSION, DUNE_CAP_RUN_INTERRUPT));
	guest_add_idt(g);
	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_vmcall;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x202;
	g->run.flags = DUNE_RUN_F_INTERRUPT;
	g->run.interrupt_vector = TEST_VECTOR;
	ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run)) TH_LOG("DUNE_RUN: %s", strerror(errno));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0x77, g->run.regs.rax);		/* the handler ran ... */
	EXPECT_EQ((uintptr_t)guest_vmcall, g->run.regs.rbx);	/* ... before any guest instruction */
	EXPECT_EQ(0x08, g->run.regs.rcx);
	EXPECT_EQ(0x200, g->run.regs.rdx & 0x200);	/* it interrupted IF = 1 */
	EXPECT_EQ(0, g->run.regs.rflags & 0x200);	/* the interrupt gate cleared IF */
	EXPECT_EQ(0, g->run.interrupt_pending);
	EXPECT_EQ(0, g->run.flags);
	EXPECT_EQ(0, g->run.interrupt_vector);
	EXPECT_EQ(0, exit_count(g, 7));			/* no interrupt window needed */
}

/*
 * With IF = 0 the vector waits - across DUNE_RUN calls, a second request
 * is EBUSY - and arrives right after STI and the one instruction in its
 * shadow, through an interrupt-window exit.
 */
TEST_F(vm, interrupt_waits_for_sti)
{
	struct guest *g = &self->g;

	guest_add_idt(g);
	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_defer;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	g->run.flags = DUNE_RUN_F_INTERRUPT;
	g->run.interrupt_vector = TEST_VECTOR;
	ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(1, g->run.regs.rax);			/* the first half ran, undisturbed */
	EXPECT_EQ(TEST_VECTOR, g->run.interrupt_pending);

	g->run.flags = DUNE_RUN_F_INTERRUPT;		/* one at a time */
	g->run.interrupt_vector = 0x40;
	EXPECT_EQ(-1, ioctl(g->vcpu, DUNE_RUN, &g->run));
	EXPECT_EQ(EBUSY, errno);
	g->run.flags = 0;
	g->run.interrupt_vector = 0;

	ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0x77, g->run.regs.rax);
	EXPECT_EQ((uintptr_t)guest_defer_after, g->run.regs.rbx);
	EXPECT_EQ(0, g->run.interrupt_pending);
	EXPECT_LE(1, exit_count(g, 7));
}

/*
 * Requested while ring 0 runs with IF = 0, the vector arrives once the
 * guest is in ring 3 with IF = 1: on the TSS's RSP0 stack, CS = ring 3's.
 */
TEST_F(vm, interrupt_reaches_ring3)
{
	struct guest *g = &self->g;

	guest_add_idt(g);
	ASSERT_EQ(0, guest_create_vcpu(g));
	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)guest_to_ring3_if;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 64;
	g->run.regs.rflags = 0x2;
	g->run.regs.rdi = (uintptr_t)ring3_spin;
	g->run.regs.rsi = (uintptr_t)g->pool + CHUNK - 4096;
	g->run.flags = DUNE_RUN_F_INTERRUPT;
	g->run.interrupt_vector = TEST_VECTOR;
	ASSERT_EQ(0, run_vcpu(g->vcpu, &g->run));
	ASSERT_EQ(DUNE_EXIT_VMCALL, g->run.exit_reason);
	EXPECT_EQ(0x77, g->run.regs.rax);
	EXPECT_EQ((uintptr_t)ring3_spin, g->run.regs.rbx);
	EXPECT_EQ(0x33, g->run.regs.rcx);
	EXPECT_EQ(0, g->run.cpl);			/* the handler's VMCALL */
	EXPECT_EQ((uintptr_t)g->pool + CHUNK - 8192 - 40, g->run.regs.rsp);
}

/* Many entries and exits, many VMs and vCPUs created and destroyed. */
TEST(many_vms)
{
	int i;

	for (i = 0; i < 20; i++) {
		struct guest g;

		ASSERT_EQ(0, guest_setup(&g));
		ASSERT_EQ(0, guest_create_vcpu(&g));
		ASSERT_EQ(0, guest_run(&g, guest_vmcall))
			TH_LOG("run %d: %s", i, strerror(errno));
		ASSERT_EQ(DUNE_EXIT_VMCALL, g.run.exit_reason);
		guest_teardown(&g);
		munmap(g.pool, CHUNK);
	}
}

TEST_HARNESS_MAIN
