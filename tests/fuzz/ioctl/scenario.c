// SPDX-License-Identifier: GPL-2.0
/*
 * scenario.c - guest programs aimed at one path of dune.ko each (fuzzer.h).
 *
 * Random code (guestcode.c) stops at its first privileged instruction:
 * the #GP or #UD goes through the guest's IDT to guest_trap and VMCALL,
 * so paths that need a state first (ring 3, an interrupt window, a loop
 * long enough for the VMX-preemption timer, an IDT the CPU cannot use)
 * are rare.  A scenario sets that state up and then does one thing, with
 * random operands; one per row of kmod/exits.c's table at least, and the
 * interrupt shadows and modes kmod/vcpu_entry.c checks.  Each ends in
 * VMCALL, like random code, and the same oracles apply.
 */
#include <string.h>

#include "fuzzer.h"

/* A guest page no chunk backs (mapped in op_create_vm()): EPT exits to user space. */
const uint64_t scenario_hole_gva = 0x40000000ULL;
const uint64_t scenario_hole_gpa = 0x7fe00000ULL;

struct emit {
	unsigned char *buf;
	size_t at, size;
};

static void put(struct emit *e, const void *p, size_t n)
{
	if (e->at + n > e->size)
		return;
	memcpy(e->buf + e->at, p, n);
	e->at += n;
}

#define PUT(e, ...) do { const unsigned char b_[] = { __VA_ARGS__ }; \
			 put((e), b_, sizeof(b_)); } while (0)

static void put_u32(struct emit *e, uint32_t v)
{
	put(e, &v, sizeof(v));
}

/* mov rax, imm64 */
static void mov_rax(struct emit *e, uint64_t v)
{
	PUT(e, 0x48, 0xb8);
	put(e, &v, sizeof(v));
}

/* mov ecx, imm32 / mov eax, imm32 / mov edx, imm32 */
static void mov_ecx(struct emit *e, uint32_t v) { PUT(e, 0xb9); put_u32(e, v); }
static void mov_eax(struct emit *e, uint32_t v) { PUT(e, 0xb8); put_u32(e, v); }
static void mov_edx(struct emit *e, uint32_t v) { PUT(e, 0xba); put_u32(e, v); }

/*
 * IRETQ to ring 3 at the next instruction, on the same stack: SS 0x2b,
 * CS 0x33 (guestlib's GDT), RFLAGS as they are.  The guest's exceptions
 * come back to ring 0 on the TSS's RSP0.
 */
static void to_ring3(struct emit *e)
{
	PUT(e, 0x48, 0x89, 0xe0,		/* mov rax, rsp */
	    0x6a, SEL_DATA3,			/* push 0x2b */
	    0x50,				/* push rax */
	    0x9c,				/* pushfq */
	    0x6a, SEL_CODE3,			/* push 0x33 */
	    0x48, 0x8d, 0x0d, 3, 0, 0, 0,	/* lea rcx, [rip + 3] */
	    0x51,				/* push rcx */
	    0x48, 0xcf);			/* iretq */
}

static const uint32_t cpuid_leaves[] = { 0, 1, 4, 7, 0xb, 0xd, 0x14, 0x80000000, 0x80000001,
					 0x80000008, 0x40000000 };
static const uint32_t msrs[] = {
	0xc0000081, 0xc0000082, 0xc0000084, 0xc0000102,	/* STAR, LSTAR, FMASK, KERNEL_GS_BASE */
	0xc0000100, 0xc0000101, 0x10, 0x1b, 0x3a, 0x174, 0x1d9, 0x277, 0x48, 0xc0000080,
};

/* One of the instructions that exit unconditionally or by our controls. */
static void one_exiting_insn(struct emit *e, struct rng *r)
{
	switch (rng_below(r, 24)) {
	case 0: mov_eax(e, cpuid_leaves[rng_below(r, sizeof(cpuid_leaves) / 4)]);
		PUT(e, 0x31, 0xc9, 0x0f, 0xa2); break;		/* xor ecx,ecx; cpuid */
	case 1: PUT(e, 0xf4); break;				/* hlt */
	case 2: PUT(e, 0x0f, 0x08); break;			/* invd */
	case 3: PUT(e, 0x0f, 0x09); break;			/* wbinvd */
	case 4: PUT(e, 0x31, 0xc9, 0x0f, 0x33); break;		/* rdpmc */
	case 5: PUT(e, 0x0f, 0x31, 0x0f, 0x01, 0xf9); break;	/* rdtsc; rdtscp */
	case 6: mov_rax(e, rng_next(r)); PUT(e, 0x0f, 0x01, 0x38); break;	/* invlpg [rax] */
	case 7: PUT(e, 0x0f, 0x20, 0xc0, 0x0f, 0x22, 0xc0); break;	/* cr0 read, write */
	case 8: PUT(e, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8); break;	/* cr3 */
	case 9: PUT(e, 0x0f, 0x20, 0xe0, 0x0f, 0x22, 0xe0); break;	/* cr4 */
	case 10: PUT(e, 0x44, 0x0f, 0x20, 0xc0, 0x44, 0x0f, 0x22, 0xc0); break;	/* cr8 */
	case 11: PUT(e, 0x0f, 0x21, 0xf8, 0x0f, 0x23, 0xf8); break;	/* dr7 */
	case 12: PUT(e, 0xe4, (unsigned char)rng_next(r)); break;	/* in al, imm */
	case 13: PUT(e, 0xba, 0xf8, 0x03, 0, 0, 0x66, 0xed); break;	/* in ax, dx */
	case 14: PUT(e, 0xe6, 0x80); break;			/* out 0x80, al */
	case 15: PUT(e, 0x31, 0xc9, 0xb8, 7, 0, 0, 0, 0x31, 0xd2,
		     0x0f, 0x01, 0xd1); break;			/* xsetbv(0, 7) */
	case 16: PUT(e, 0x0f, 0x37); break;			/* getsec */
	case 17: PUT(e, 0x0f, 0x01, 0xc8); break;		/* monitor */
	case 18: PUT(e, 0x0f, 0x01, 0xc9); break;		/* mwait */
	case 19: {
		static const unsigned char vmx[][6] = {
			{ 5, 0xf3, 0x0f, 0xc7, 0x34, 0x24 },	/* vmxon [rsp] */
			{ 3, 0x0f, 0x01, 0xc4 },		/* vmxoff */
			{ 4, 0x0f, 0xc7, 0x34, 0x24 },		/* vmptrld */
			{ 4, 0x0f, 0xc7, 0x3c, 0x24 },		/* vmptrst */
			{ 5, 0x66, 0x0f, 0xc7, 0x34, 0x24 },	/* vmclear */
			{ 3, 0x0f, 0x78, 0xc0 },		/* vmread */
			{ 3, 0x0f, 0x79, 0xc0 },		/* vmwrite */
			{ 3, 0x0f, 0x01, 0xc2 },		/* vmlaunch */
			{ 3, 0x0f, 0x01, 0xc3 },		/* vmresume */
			{ 3, 0x0f, 0x01, 0xd4 },		/* vmfunc */
			{ 3, 0x0f, 0x01, 0xcf },		/* encls */
		};
		const unsigned char *v = vmx[rng_below(r, sizeof(vmx) / sizeof(vmx[0]))];

		put(e, v + 1, v[0]);
		break;
	}
	case 20: PUT(e, 0x66, 0x0f, 0x38, 0x80, 0x04, 0x24); break;	/* invept */
	case 21: PUT(e, 0x66, 0x0f, 0x38, 0x81, 0x04, 0x24); break;	/* invvpid */
	case 22: PUT(e, 0x0f, 0xaa); break;			/* rsm */
	default: {
		/* rdmsr/wrmsr; STAR written with and without an RPL */
		uint32_t msr = msrs[rng_below(r, sizeof(msrs) / 4)];
		uint32_t hi = rng_one_in(r, 2) ? 0x00100008 | (uint32_t)rng_below(r, 4) << 16 :
				(uint32_t)rng_next(r);

		mov_ecx(e, msr);
		if (rng_one_in(r, 3)) {
			PUT(e, 0x0f, 0x32);
		} else {
			mov_eax(e, rng_one_in(r, 2) ? 0 : (uint32_t)rng_next(r));
			mov_edx(e, msr == 0xc0000081 ? hi : rng_one_in(r, 2) ? 0 : (uint32_t)rng_next(r));
			PUT(e, 0x0f, 0x30);
		}
		break;
	}
	}
}

enum {
	SC_EXIT, SC_RING3, SC_WINDOW, SC_INTERRUPT, SC_SPIN, SC_TRIPLE, SC_HOLE, SC_REGION,
	SC_SHADOW, SC_SYSCALL, SC_EXCEPTION, SC_NR
};

static const char *const scenario_names[SC_NR] = {
	"exit", "ring3", "window", "interrupt", "spin", "triple", "hole", "region", "shadow",
	"syscall", "exception",
};

/*
 * DUNE_RUN_F_EXCEPTION with a vector and error code the ABI takes (the
 * fuzzer's IDT reports it with VMCALL), sometimes delivered in ring 3.
 */
static void valid_exception(struct rng *r, struct dune_run *run)
{
	static const unsigned char vectors[] = { 0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14,
						 16, 17, 19 };
	unsigned int v = vectors[rng_below(r, sizeof(vectors))];
	bool code = v == 8 || (v >= 10 && v <= 14) || v == 17;

	run->flags |= DUNE_RUN_F_EXCEPTION | (code ? DUNE_RUN_F_ERROR_CODE : 0);
	run->exception_vector = v;
	run->exception_error_code = code && v != 8 ? rng_next(r) & 0xffff : 0;
	if (v == 14)
		run->exception_cr2 = rng_next(r) & 0x7fffffffffffULL;
}

/*
 * Write scenario code at @buf (@size bytes) and set @run's RIP, RSP,
 * RFLAGS and flags for it; the registers the code does not set stay as
 * the caller drew them.  Returns the scenario's name.
 */
const char *scenario_prepare(struct thread *t, struct vm_slot *v, struct rng *r,
			     unsigned char *buf, size_t size, struct dune_run *run)
{
	struct emit e = { .buf = buf, .size = size - 5 };
	unsigned int k = rng_below(r, SC_NR + 4);
	uint64_t off;

	if (k >= SC_NR)
		k = SC_EXIT;	/* the exit table, most often */
	run->regs.rip = (uintptr_t)buf;
	run->regs.rsp = (uintptr_t)v->g.pool + CHUNK - 8192;
	run->regs.rflags = 0x2;
	run->flags = 0;
	run->interrupt_vector = 0;
	run->exception_vector = 0;
	run->exception_error_code = 0;
	run->exception_cr2 = 0;
	run->reserved1 = 0;
	switch (k) {
	case SC_EXIT:
		one_exiting_insn(&e, r);
		break;
	case SC_RING3:
		to_ring3(&e);
		if (rng_one_in(r, 4))
			PUT(&e, 0x0f, 0x01, 0xc1);	/* vmcall in ring 3: #UD */
		else if (rng_one_in(r, 3))
			PUT(&e, 0x0f, 0x05);		/* syscall to ring 0 */
		else
			one_exiting_insn(&e, r);
		break;
	case SC_WINDOW:
		/* IF = 0: the vector waits for STI, then an interrupt-window exit */
		run->flags = DUNE_RUN_F_INTERRUPT;
		run->interrupt_vector = 32 + rng_below(r, 224);
		PUT(&e, 0x90, 0x90, 0xfb, 0x90, 0x90);		/* nop; nop; sti; nop; nop */
		if (rng_one_in(r, 2))
			PUT(&e, 0x8c, 0xd0, 0x8e, 0xd0, 0x90);	/* mov ax,ss; mov ss,ax; nop */
		break;
	case SC_INTERRUPT:
		run->flags = DUNE_RUN_F_INTERRUPT;
		run->interrupt_vector = 32 + rng_below(r, 224);
		run->regs.rflags |= 0x200;
		if (rng_one_in(r, 2))
			to_ring3(&e);				/* delivered in ring 3 */
		PUT(&e, 0x90, 0x90);
		break;
	case SC_SPIN:
		/* the VMX-preemption timer, then the run's own timer (EINTR) */
		PUT(&e, 0xfa, 0xeb, 0xfe);			/* cli; jmp . */
		break;
	case SC_TRIPLE:
		/* an IDT of limit 0: #UD, #GP, #DF, shutdown (SDM Vol. 3A, 6.15) */
		PUT(&e, 0x6a, 0x00, 0x6a, 0x00, 0x0f, 0x01, 0x1c, 0x24, 0x0f, 0x0b);
		break;
	case SC_HOLE:
		mov_rax(&e, scenario_hole_gva + rng_below(r, CHUNK / 8) * 8);
		if (rng_one_in(r, 2))
			PUT(&e, 0x48, 0x8b, 0x10);		/* mov rdx, [rax] */
		else
			PUT(&e, 0x48, 0x89, 0x10);		/* mov [rax], rdx */
		break;
	case SC_REGION:
		/* the thread's regions, which the host maps, unmaps and protects */
		off = rng_below(r, CHUNK / 8) * 8;
		mov_rax(&e, region_addr(t, rng_below(r, NREGIONS)) + off);
		switch (rng_below(r, 3)) {
		case 0: PUT(&e, 0x48, 0x8b, 0x10); break;	/* read */
		case 1: PUT(&e, 0x48, 0x89, 0x10); break;	/* write */
		default: PUT(&e, 0x48, 0x0f, 0x18, 0x08, 0x48, 0x8b, 0x50, 0x40); break;
		}
		break;
	case SC_SHADOW:
		/* VMCALL in an STI or MOV SS shadow: the next run's RFLAGS are random */
		if (rng_one_in(r, 2))
			PUT(&e, 0xfb, 0x0f, 0x01, 0xc1);	/* sti; vmcall */
		else
			PUT(&e, 0x8c, 0xd0, 0x8e, 0xd0, 0x0f, 0x01, 0xc1);
		break;
	case SC_EXCEPTION:
		/* delivered at the entry, before the code; or later, in ring 3 after a window */
		valid_exception(r, run);
		if (rng_one_in(r, 2)) {
			run->flags |= DUNE_RUN_F_INTERRUPT;
			run->interrupt_vector = 32 + rng_below(r, 224);
			run->regs.rflags |= 0x200;
		}
		PUT(&e, 0x90, 0x90);
		break;
	default:
		PUT(&e, 0x0f, 0x05);				/* syscall in ring 0 */
		break;
	}
	e.size += 5;
	PUT(&e, 0x0f, 0x01, 0xc1, 0x0f, 0x0b);			/* vmcall; ud2 */
	return scenario_names[k];
}
