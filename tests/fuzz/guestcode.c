// SPDX-License-Identifier: GPL-2.0
/*
 * guestcode.c - see guestcode.h.  A table of instruction templates, each
 * a byte string with optional random immediates after it; the generator
 * strings random templates together, with some fully random bytes.
 */
#include <string.h>

#include "guestcode.h"

/* MSRs the guest may write without an exit, and a few it may not. */
static const unsigned int msrs[] = {
	0xc0000100, 0xc0000101, 0xc0000102,	/* FS_BASE, GS_BASE, KERNEL_GS_BASE */
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,	/* STAR, LSTAR, CSTAR, FMASK */
	0xc0000103,				/* TSC_AUX */
	0x174, 0x175, 0x176,			/* SYSENTER_CS/ESP/EIP */
	0xc0000080, 0x277, 0x1d9,		/* EFER, PAT, DEBUGCTL */
	0x48, 0x49, 0x10b,			/* SPEC_CTRL, PRED_CMD, FLUSH_CMD */
	0x1b, 0x3a, 0x480, 0x10,		/* APIC_BASE, FEATURE_CONTROL, VMX_BASIC, TSC */
	0x6e0, 0xda0, 0x8b,			/* TSC_DEADLINE, XSS, BIOS_SIGN_ID */
};

struct insn {
	const char *name;
	unsigned char len;
	unsigned char bytes[8];
	unsigned char imm;		/* random immediate bytes that follow */
};

/*
 * Encodings from the SDM Vol. 2 opcode tables.  Registers are whatever
 * the generator last put there (see the MOV-immediate templates).
 */
static const struct insn insns[] = {
	{ "swapgs", 3, { 0x0f, 0x01, 0xf8 } },
	{ "lldt ax", 3, { 0x0f, 0x00, 0xd0 } },
	{ "ltr ax", 3, { 0x0f, 0x00, 0xd8 } },
	{ "lgdt [rsp]", 4, { 0x0f, 0x01, 0x14, 0x24 } },
	{ "lidt [rsp]", 4, { 0x0f, 0x01, 0x1c, 0x24 } },
	{ "sgdt [rsp]", 4, { 0x0f, 0x01, 0x04, 0x24 } },
	{ "iretq", 2, { 0x48, 0xcf } },
	{ "mov ss,ax; sti; hlt", 4, { 0x8e, 0xd0, 0xfb, 0xf4 } },
	{ "mov ss,ax; syscall", 4, { 0x8e, 0xd0, 0x0f, 0x05 } },
	{ "mov ss,[rsp]; icebp", 4, { 0x8e, 0x14, 0x24, 0xf1 } },
	{ "sti; hlt", 2, { 0xfb, 0xf4 } },
	{ "cli", 1, { 0xfa } },
	{ "hlt", 1, { 0xf4 } },
	{ "xsetbv", 3, { 0x0f, 0x01, 0xd1 } },
	{ "xgetbv", 3, { 0x0f, 0x01, 0xd0 } },
	{ "xrstor [rsp]", 4, { 0x0f, 0xae, 0x2c, 0x24 } },
	{ "xsave [rsp]", 4, { 0x0f, 0xae, 0x24, 0x24 } },
	{ "fxrstor [rsp]", 4, { 0x0f, 0xae, 0x0c, 0x24 } },
	{ "mov cr0,rax", 3, { 0x0f, 0x22, 0xc0 } },
	{ "mov cr3,rax", 3, { 0x0f, 0x22, 0xd8 } },
	{ "mov cr4,rax", 3, { 0x0f, 0x22, 0xe0 } },
	{ "mov cr8,rax", 4, { 0x44, 0x0f, 0x22, 0xc0 } },
	{ "mov rax,cr2", 3, { 0x0f, 0x20, 0xd0 } },
	{ "mov rax,cr8", 4, { 0x44, 0x0f, 0x20, 0xc0 } },
	{ "mov dr7,rax", 3, { 0x0f, 0x23, 0xf8 } },
	{ "mov dr0,rax", 3, { 0x0f, 0x23, 0xc0 } },
	{ "mov dr6,rax", 3, { 0x0f, 0x23, 0xf0 } },
	{ "mov rax,dr6", 3, { 0x0f, 0x21, 0xf0 } },
	{ "clts", 2, { 0x0f, 0x06 } },
	{ "lmsw ax", 3, { 0x0f, 0x01, 0xf0 } },
	{ "invd", 2, { 0x0f, 0x08 } },
	{ "wbinvd", 2, { 0x0f, 0x09 } },
	{ "getsec", 2, { 0x0f, 0x37 } },
	{ "invlpg [rax]", 3, { 0x0f, 0x01, 0x38 } },
	{ "invpcid rax,[rsp]", 6, { 0x66, 0x0f, 0x38, 0x82, 0x04, 0x24 } },
	{ "vmxon [rsp]", 5, { 0xf3, 0x0f, 0xc7, 0x34, 0x24 } },
	{ "vmxoff", 3, { 0x0f, 0x01, 0xc4 } },
	{ "vmptrld [rsp]", 4, { 0x0f, 0xc7, 0x34, 0x24 } },
	{ "vmclear [rsp]", 5, { 0x66, 0x0f, 0xc7, 0x34, 0x24 } },
	{ "vmread rax,rax", 3, { 0x0f, 0x78, 0xc0 } },
	{ "vmwrite rax,rax", 3, { 0x0f, 0x79, 0xc0 } },
	{ "vmlaunch", 3, { 0x0f, 0x01, 0xc2 } },
	{ "vmresume", 3, { 0x0f, 0x01, 0xc3 } },
	{ "vmfunc", 3, { 0x0f, 0x01, 0xd4 } },
	{ "invept rax,[rsp]", 6, { 0x66, 0x0f, 0x38, 0x80, 0x04, 0x24 } },
	{ "invvpid rax,[rsp]", 6, { 0x66, 0x0f, 0x38, 0x81, 0x04, 0x24 } },
	{ "int n", 1, { 0xcd }, 1 },
	{ "int3", 1, { 0xcc } },
	{ "icebp", 1, { 0xf1 } },
	{ "ud2", 2, { 0x0f, 0x0b } },
	{ "cpuid", 2, { 0x0f, 0xa2 } },
	{ "rdtsc", 2, { 0x0f, 0x31 } },
	{ "rdtscp", 3, { 0x0f, 0x01, 0xf9 } },
	{ "rdpmc", 2, { 0x0f, 0x33 } },
	{ "rdmsr", 2, { 0x0f, 0x32 } },
	{ "wrmsr", 2, { 0x0f, 0x30 } },
	{ "in al,imm", 1, { 0xe4 }, 1 },
	{ "out imm,al", 1, { 0xe6 }, 1 },
	{ "in al,dx", 1, { 0xec } },
	{ "monitor", 3, { 0x0f, 0x01, 0xc8 } },
	{ "mwait", 3, { 0x0f, 0x01, 0xc9 } },
	{ "pause", 2, { 0xf3, 0x90 } },
	{ "syscall", 2, { 0x0f, 0x05 } },
	{ "sysretq", 3, { 0x48, 0x0f, 0x07 } },
	{ "sysenter", 2, { 0x0f, 0x34 } },
	{ "rdrand rax", 4, { 0x48, 0x0f, 0xc7, 0xf0 } },
	{ "push imm32", 1, { 0x68 }, 4 },
	{ "pushfq; popfq", 2, { 0x9c, 0x9d } },
	{ "popfq", 1, { 0x9d } },
	{ "mov rax,imm64", 2, { 0x48, 0xb8 }, 8 },
	{ "mov rcx,imm64", 2, { 0x48, 0xb9 }, 8 },
	{ "mov rdx,imm64", 2, { 0x48, 0xba }, 8 },
	{ "mov rsp,imm64", 2, { 0x48, 0xbc }, 8 },
	{ "mov eax,imm32", 1, { 0xb8 }, 4 },
	{ "mov edx,imm32", 1, { 0xba }, 4 },
	{ "mov [rax],rdx", 3, { 0x48, 0x89, 0x10 } },
	{ "mov rdx,[rax]", 3, { 0x48, 0x8b, 0x10 } },
	{ "mov es,ax", 2, { 0x8e, 0xc0 } },
	{ "mov fs,ax", 2, { 0x8e, 0xe0 } },
	{ "mov gs,ax", 2, { 0x8e, 0xe8 } },
	{ "jmp far [rsp]", 4, { 0x48, 0xff, 0x2c, 0x24 } },
	{ "call rax", 2, { 0xff, 0xd0 } },
	{ "vmcall", 3, { 0x0f, 0x01, 0xc1 } },
};

#define NR_INSNS (sizeof(insns) / sizeof(insns[0]))
#define NR_MSRS (sizeof(msrs) / sizeof(msrs[0]))

static size_t put(unsigned char *buf, size_t at, size_t size, const void *p, size_t n)
{
	if (at + n > size)
		return at;
	memcpy(buf + at, p, n);
	return at + n;
}

static size_t put_imm(struct rng *r, unsigned char *buf, size_t at, size_t size, unsigned int n)
{
	uint64_t v = rng_next(r);

	/* small values are more interesting than uniform ones */
	if (rng_one_in(r, 2))
		v &= rng_one_in(r, 2) ? 0xff : 0xffff;
	return put(buf, at, size, &v, n);
}

/* mov ecx, msr; mov eax/edx, random; wrmsr (or rdmsr) */
static size_t put_msr_access(struct rng *r, unsigned char *buf, size_t at, size_t size)
{
	unsigned char mov_ecx = 0xb9, mov_eax = 0xb8, mov_edx = 0xba;
	unsigned int msr = rng_one_in(r, 8) ? (unsigned int)rng_next(r) : msrs[rng_below(r, NR_MSRS)];
	static const unsigned char wrmsr[] = { 0x0f, 0x30 }, rdmsr[] = { 0x0f, 0x32 };

	at = put(buf, at, size, &mov_ecx, 1);
	at = put(buf, at, size, &msr, 4);
	at = put(buf, at, size, &mov_eax, 1);
	at = put_imm(r, buf, at, size, 4);
	at = put(buf, at, size, &mov_edx, 1);
	at = put_imm(r, buf, at, size, 4);
	return put(buf, at, size, rng_one_in(r, 4) ? rdmsr : wrmsr, 2);
}

/* push a 5-word IRETQ frame of random (mostly plausible) values, iretq */
static size_t put_iret_frame(struct rng *r, unsigned char *buf, size_t at, size_t size)
{
	static const unsigned char sels[] = { 0x08, 0x10, 0x18, 0x2b, 0x33, 0x00, 0x07, 0x3b };
	unsigned int i;

	for (i = 0; i < 5; i++) {
		unsigned char push = 0x68;
		uint32_t v;

		switch (i) {
		case 0: case 3: v = sels[rng_below(r, sizeof(sels))]; break;	/* ss, cs */
		case 2: v = rng_one_in(r, 2) ? 0x2 | (rng_next(r) & 0x40ed5) : (uint32_t)rng_next(r); break;
		default: v = (uint32_t)rng_next(r); break;
		}
		at = put(buf, at, size, &push, 1);
		at = put(buf, at, size, &v, 4);
	}
	return put(buf, at, size, insns[6].bytes, insns[6].len);
}

size_t guestcode_generate(struct rng *r, unsigned char *buf, size_t size)
{
	static const unsigned char vmcall[] = { 0x0f, 0x01, 0xc1, 0x0f, 0x0b };
	unsigned int n = 1 + rng_below(r, 12), i;
	size_t at = 0;

	if (size < sizeof(vmcall))
		return 0;
	size -= sizeof(vmcall);
	for (i = 0; i < n; i++) {
		unsigned int what = rng_below(r, 16);

		if (what == 0) {
			at = put_msr_access(r, buf, at, size);
		} else if (what == 1) {
			at = put_iret_frame(r, buf, at, size);
		} else if (what == 2) {
			unsigned int k = 1 + rng_below(r, 8);

			while (k-- && at < size)
				buf[at++] = rng_next(r);
		} else {
			const struct insn *in = &insns[rng_below(r, NR_INSNS)];

			at = put(buf, at, size, in->bytes, in->len);
			if (in->imm)
				at = put_imm(r, buf, at, size, in->imm);
		}
	}
	memcpy(buf + at, vmcall, sizeof(vmcall));
	return at + sizeof(vmcall);
}
