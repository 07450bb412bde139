// SPDX-License-Identifier: GPL-2.0
/*
 * guestlib.c - see guestlib.h.  One chunk of this process ("the pool") holds
 * the guest's page tables, GDT, TSS, IDT and stack at GPA 0; the chunk of
 * this program's text is mapped GVA == HVA, so guest code is our own
 * functions, run in VMX non-root ring 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guestlib.h"

/*
 * Every IDT vector lands in one of 256 two-instruction stubs: push the
 * vector, jump to the common part, which reports it with VMCALL.  The
 * stubs are 16 bytes apart (push imm32 and jmp rel32: 10 bytes, padded).
 */
asm(".text\n.balign 16\n"
    ".globl guest_read, guest_write_read, guest_read_loop, guest_trap\n"
    "guest_read: mov (%rdi), %rax\n vmcall\n ud2\n"
    "guest_write_read: mov %rsi, (%rdi)\n mov (%rdi), %rax\n vmcall\n ud2\n"
    "guest_read_loop: mov (%rdi), %rax\n dec %rsi\n jnz guest_read_loop\n vmcall\n ud2\n"
    ".balign 16\n"
    "guest_trap_stubs:\n"
    ".set v, 0\n"
    ".rept 256\n"
    " .balign 16\n push $v\n jmp guest_trap\n"
    " .set v, v + 1\n"
    ".endr\n"
    "guest_trap: pop %rax\n mov $0xdead0000, %ecx\n or %rcx, %rax\n vmcall\n ud2\n");
extern const char guest_trap_stubs[];

#define STUB_SIZE	16

void *mmap_chunk(void *hint, int prot)
{
	char *p = mmap(hint, 2 * CHUNK, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + CHUNK - 1) & ~(CHUNK - 1);
	/* Give back the unaligned head and tail. */
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	munmap((char *)a + CHUNK, (uintptr_t)p + 2 * CHUNK - a - CHUNK);
	return (void *)a;
}

static uint64_t *pool_page(struct guest *g)
{
	return (uint64_t *)((char *)g->pool + PAGE * g->next_page++);
}

static uint64_t pool_gpa(struct guest *g, const void *p)
{
	return (uint64_t)((const char *)p - (const char *)g->pool);
}

int guest_map_chunk(struct guest *g, uint64_t hva, uint64_t gpa)
{
	struct dune_chunk c = { .hva = hva, .gpa = gpa };
	struct dune_map_chunks arg = { .count = 1, .chunks = (uintptr_t)&c };

	return ioctl(g->vm, DUNE_MAP_CHUNKS, &arg);
}

void guest_map_gva(struct guest *g, uint64_t gva, uint64_t gpa)
{
	uint64_t *table = g->pml4;
	int level;

	for (level = 3; level > 1; level--) {
		unsigned int i = (gva >> (12 + 9 * level)) & 511;

		if (!(table[i] & PTE_P))
			table[i] = pool_gpa(g, pool_page(g)) | PTE_P | PTE_W | PTE_U;
		table = (uint64_t *)((char *)g->pool + (table[i] & ~0xfffULL));
	}
	table[(gva >> 21) & 511] = gpa | PTE_P | PTE_W | g->leaf_user | PTE_PS;
}

int guest_map_at(struct guest *g, uint64_t hva, uint64_t gpa)
{
	hva &= ~(CHUNK - 1);
	if (guest_map_chunk(g, hva, gpa))
		return -1;
	guest_map_gva(g, hva, gpa);
	return 0;
}

int guest_map_identity(struct guest *g, uint64_t hva)
{
	if (guest_map_at(g, hva, g->next_gpa))
		return -1;
	g->next_gpa += CHUNK;
	return 0;
}

/* The guest's PD entry for @gva, or NULL where no table covers it yet. */
static uint64_t *guest_pde(struct guest *g, uint64_t gva)
{
	uint64_t *table = g->pml4;
	int level;

	for (level = 3; level > 1; level--) {
		unsigned int i = (gva >> (12 + 9 * level)) & 511;

		if (!(table[i] & PTE_P))
			return NULL;
		table = (uint64_t *)((char *)g->pool + (table[i] & ~0xfffULL));
	}
	return &table[(gva >> 21) & 511];
}

int guest_map_text(struct guest *g, const void *code)
{
	uint64_t *pde = guest_pde(g, (uintptr_t)code);

	if (pde && (*pde & PTE_P))
		return 0;
	return guest_map_identity(g, (uintptr_t)code);
}

void guest_set_gate(struct guest *g, unsigned int vector, const void *handler)
{
	uint64_t target = (uintptr_t)handler;

	/* a 64-bit interrupt gate (SDM Vol. 3A, 6.14.1), 16 bytes */
	g->idt[2 * vector] = (target & 0xffff) | ((uint64_t)SEL_CODE0 << 16) |
			     (0x8eULL << 40) | ((target >> 16 & 0xffff) << 48);
	g->idt[2 * vector + 1] = target >> 32;
}

int guest_setup(struct guest *g)
{
	return guest_setup_leaves(g, PTE_U);
}

int guest_setup_leaves(struct guest *g, uint64_t leaf_user)
{
	uint64_t *tss;
	unsigned int v;

	memset(g, 0, sizeof(*g));
	g->leaf_user = leaf_user;
	g->dev = g->vm = g->vcpu = -1;
	g->dev = open("/dev/dune", O_RDWR | O_CLOEXEC);
	if (g->dev < 0)
		return -1;
	g->vm = ioctl(g->dev, DUNE_CREATE_VM, 0);
	if (g->vm < 0)
		return -1;
	g->pool = mmap_chunk(NULL, PROT_READ | PROT_WRITE);
	if (!g->pool)
		return -1;
	g->pml4 = pool_page(g);
	if (guest_map_identity(g, (uintptr_t)g->pool) ||
	    guest_map_identity(g, (uintptr_t)guest_trap_stubs))
		return -1;
	/* The stubs may straddle a chunk boundary. */
	if (((uintptr_t)guest_trap_stubs & ~(CHUNK - 1)) !=
	    ((uintptr_t)(guest_trap + 16) & ~(CHUNK - 1)) &&
	    guest_map_identity(g, (uintptr_t)guest_trap + 16))
		return -1;

	g->gdt = pool_page(g);
	g->gdt[1] = 0x00af9b000000ffffULL;	/* 0x08: 64-bit code, ring 0 */
	g->gdt[2] = 0x00cf93000000ffffULL;	/* 0x10: data, ring 0 */
	tss = pool_page(g);
	g->gdt[3] = 0x0000890000000067ULL |	/* 0x18: 64-bit TSS */
		    (((uintptr_t)tss & 0xffffff) << 16) | (((uintptr_t)tss >> 24 & 0xff) << 56);
	g->gdt[4] = (uintptr_t)tss >> 32;
	g->gdt[5] = 0x00cff3000000ffffULL;	/* 0x28 (0x2b): data, ring 3 */
	g->gdt[6] = 0x00affb000000ffffULL;	/* 0x30 (0x33): 64-bit code, ring 3 */
	g->gdt[7] = 0x00cf9b000000ffffULL;	/* 0x38: 32-bit code, ring 0 */
	/* IST1 and RSP0: the top of the pool's stack area */
	tss[0] = ((uintptr_t)g->pool + CHUNK - 4096) << 32;	/* rsp0 low at +4 */
	tss[1] = ((uintptr_t)g->pool + CHUNK - 4096) >> 32;

	g->idt = pool_page(g);
	for (v = 0; v < 256; v++)
		guest_set_gate(g, v, guest_trap_stubs + v * STUB_SIZE);

	g->config.cr3 = pool_gpa(g, g->pml4);
	g->config.gdtr_base = (uintptr_t)g->gdt;
	g->config.gdtr_limit = GDT_ENTRIES * 8 - 1;
	g->config.idtr_base = (uintptr_t)g->idt;
	g->config.idtr_limit = 256 * 16 - 1;
	g->config.tr_base = (uintptr_t)tss;
	g->config.cs = SEL_CODE0;
	g->config.ss = SEL_DATA0;
	g->config.tr = SEL_TSS;
	g->config.star = (uint64_t)SEL_CODE0 << 32;
	g->config.lstar = (uintptr_t)guest_trap;
	return 0;
}

int guest_create_vcpu(struct guest *g)
{
	g->vcpu = ioctl(g->vm, DUNE_CREATE_VCPU, &g->config);
	return g->vcpu < 0 ? -1 : 0;
}

int guest_run(struct guest *g, const void *code, uint64_t rdi, uint64_t rsi, uint64_t rdx)
{
	int r;

	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)code;
	g->run.regs.rsp = g->stack_top ? g->stack_top : (uintptr_t)g->pool + CHUNK - 8192;
	g->run.regs.rflags = 0x2 | g->rflags;
	g->run.regs.rdi = rdi;
	g->run.regs.rsi = rsi;
	g->run.regs.rdx = rdx;
	do
		r = ioctl(g->vcpu, DUNE_RUN, &g->run);
	while (r == -1 && errno == EINTR);
	return r;
}

void guest_teardown(struct guest *g)
{
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->dev >= 0)
		close(g->dev);
	if (g->pool)
		munmap(g->pool, CHUNK);
	g->dev = g->vm = g->vcpu = -1;
	g->pool = NULL;
}
