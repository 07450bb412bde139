// SPDX-License-Identifier: GPL-2.0
/*
 * libdune_api_test - the parts of libdune's original-Dune API that need no
 * Dune mode, natively: the public headers' constants, macros and structure
 * layouts (docs/design/libdune-api.md §2, §3), the process-map iterator
 * (§5.6) and the ELF reader and loader (§5.7), including malformed files.
 *
 * Linked (dynamically, so that libc shows up in /proc/self/maps) with
 * build/libdune/libdune.a.  Expected values of the ELF tests come from an
 * independent reading of the files here (plain stdio and <elf.h>), and
 * the counts are cross-checked with readelf(1) when it is installed.
 */
#include "dune.h"
#include "cpu-x86.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gnu/libc-version.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "kselftest_harness.h"

#ifndef LIBDUNE_SRCDIR
#define LIBDUNE_SRCDIR "."
#endif

/* ---- headers: constants and macros ----------------------------------- */

TEST(mmu_paging_macros)
{
	static const uintptr_t addrs[] = {
		0, 0x1000, 0x1234, 0x7fffffffffff, 0x555555554abc,
		0x7ffff7dd1234, 0x200000000, 0x40201fff, 0x123456789abc,
	};
	unsigned int i;

	EXPECT_EQ(9, NPTBITS);
	EXPECT_EQ(3, NPTLVLS);
	EXPECT_EQ(6, PD_SKIP);
	EXPECT_EQ(511, PDXMASK);
	EXPECT_EQ(512, NPTENTRIES);
	EXPECT_EQ(12, PDSHIFT(0));
	EXPECT_EQ(21, PDSHIFT(1));
	EXPECT_EQ(30, PDSHIFT(2));
	EXPECT_EQ(39, PDSHIFT(3));
	EXPECT_EQ(12, PGSHIFT);
	EXPECT_EQ(4096, PGSIZE);
	EXPECT_EQ(sizeof(int), sizeof(PGSIZE));	/* an int, as the original */
	EXPECT_EQ(4095, PGMASK);
	EXPECT_EQ(21, BIG_PGSHIFT);
	EXPECT_EQ(2 * 1024 * 1024, BIG_PGSIZE);
	EXPECT_EQ(sizeof(int), sizeof(BIG_PGSIZE));
	EXPECT_EQ(BIG_PGSIZE - 1, BIG_PGMASK);

	EXPECT_EQ(0x234u, PGOFF(0x1234));
	EXPECT_EQ(0x1000u, PGADDR(0x1fff));
	EXPECT_EQ(0xffffffffff000ull, PGADDR(0xfffffffffffffull));
	EXPECT_EQ(0x40200000u, BIG_PGADDR(0x40201fff));
	EXPECT_EQ(0x1fffu, BIG_PGOFF(0x40201fff));
	EXPECT_EQ(0x12345u, PPN(0x12345678ul));
	/* 0x7ffff7dd1234: PML4 255, PDPT 511, PD 446, PT 465, offset 0x234 */
	EXPECT_EQ(255u, PDX(3, 0x7ffff7dd1234ul));
	EXPECT_EQ(511u, PDX(2, 0x7ffff7dd1234ul));
	EXPECT_EQ(446u, PDX(1, 0x7ffff7dd1234ul));
	EXPECT_EQ(465u, PDX(0, 0x7ffff7dd1234ul));
	EXPECT_EQ(8u, PDX(2, PAGEBASE));
	EXPECT_EQ(0u, PDX(1, PAGEBASE));

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		uintptr_t la = addrs[i], back;

		back = (PDX(3, la) << PDSHIFT(3)) | (PDX(2, la) << PDSHIFT(2)) |
		       (PDX(1, la) << PDSHIFT(1)) | (PDX(0, la) << PDSHIFT(0)) |
		       PGOFF(la);
		EXPECT_EQ(la, back);
		EXPECT_EQ(la, PGADDR(la) + PGOFF(la));
		EXPECT_EQ(la, BIG_PGADDR(la) + BIG_PGOFF(la));
		EXPECT_EQ(PGADDR(la), PPN(la) << PGSHIFT);
		EXPECT_EQ(0u, PGOFF(PGADDR(la)));
	}
}

TEST(mmu_entry_bits)
{
	EXPECT_EQ(0x1, PTE_P);
	EXPECT_EQ(0x2, PTE_W);
	EXPECT_EQ(0x4, PTE_U);
	EXPECT_EQ(0x8, PTE_PWT);
	EXPECT_EQ(0x10, PTE_PCD);
	EXPECT_EQ(0x20, PTE_A);
	EXPECT_EQ(0x40, PTE_D);
	EXPECT_EQ(0x80, PTE_PS);
	EXPECT_EQ(0x80, PTE_PAT);
	EXPECT_EQ(0x100, PTE_G);
	EXPECT_EQ(0xE00, PTE_AVAIL);
	EXPECT_EQ(0x1000, PTE_PAT_PS);
	EXPECT_EQ(0x7FF0000000000000ull, PTE_AVAIL2);
	EXPECT_EQ(0x8000000000000000ull, PTE_NX);
	EXPECT_EQ(0x200, PTE_COW);
	EXPECT_EQ(0x4000000000000000ull, PTE_USR1);
	EXPECT_EQ(0x2000000000000000ull, PTE_USR2);
	EXPECT_EQ(0x1000000000000000ull, PTE_USR3);
	EXPECT_EQ(0x123456789a000ull, PTE_ADDR(0xfff123456789afffull));
	EXPECT_EQ(0xfff0000000000fffull, PTE_FLAGS(0xfff123456789afffull));
	EXPECT_EQ(0x8000000000000067ull,
		  PTE_FLAGS(PTE_NX | 0x123000 | PTE_D | PTE_A | PTE_U | PTE_W | PTE_P));
	EXPECT_EQ(sizeof(uint64_t), sizeof(ptent_t));
	EXPECT_EQ(sizeof(unsigned long), sizeof(physaddr_t));
}

TEST(mmu_x86_constants)
{
	EXPECT_EQ(0x80000000u, CR0_PG);
	EXPECT_EQ(0x10000, CR0_WP);
	EXPECT_EQ(0x10, CR3_PCD);
	EXPECT_EQ(0x400, CR4_OSX);
	EXPECT_EQ(0x200, CR4_OSFXSR);
	EXPECT_EQ(0x20e, MTRR_BASE(7));
	EXPECT_EQ(0x20f, MTRR_MASK(7));
	EXPECT_EQ(0xffffff000ull, MTRR_MASK_FULL);
	EXPECT_EQ(0xc0000080u, EFER);
	EXPECT_EQ(0x800, EFER_NXE);
	EXPECT_EQ(0xc0000100u, MSR_FS_BASE);
	EXPECT_EQ(0xc0000101u, MSR_GS_BASE);
	EXPECT_EQ(0x1d9, MSR_DEBUG_CTL);
	EXPECT_EQ(0x1de, MSR_LEX_TO_IP);
	EXPECT_EQ(0x40ull, DR7_L(3));
	EXPECT_EQ(0x80ull, DR7_G(3));
	EXPECT_EQ(0x2000ull, DR7_GD);
	EXPECT_EQ(28, DR7_RW_SHIFT(3));
	EXPECT_EQ(30, DR7_LEN_SHIFT(3));
	EXPECT_EQ(0x3, DR7_LEN_4);
	EXPECT_EQ(0x200, FL_IF);
	EXPECT_EQ(0x3000, FL_IOPL_MASK);
	EXPECT_EQ(0x200000, FL_ID);
	EXPECT_EQ(0x10, FEC_I);
	EXPECT_EQ(0x8, FEC_RSV);

	/* Segment descriptors: Linux's well-known GDT values. */
	EXPECT_EQ(0x0000200000000000ull, SEG_DPL(1));
	EXPECT_EQ(0x0000600000000000ull, SEG_DPL(3));
	EXPECT_EQ(0x00af9a000000ffffull,
		  SEG64(SEG_X | SEG_R, 0));			/* __KERNEL_CS, not accessed */
	EXPECT_EQ(0x00affa000000ffffull, SEG64(SEG_X | SEG_R, 3));	/* __USER_CS */
	EXPECT_EQ(0x00cf92000000ffffull, SEG32(SEG_W, 0, 0xffffffff, 0));
	EXPECT_EQ(0x0000890000000067ull | SEG_BASELO(0x12345678),
		  SEG_TSSA | SEG_P | SEG_LIM(0x67) | SEG_BASELO(0x12345678));
	EXPECT_EQ(0x1200345678ull >> 32, SEG_BASEHI(0x1200345678ull));
	EXPECT_EQ(0x00000e0000000000ull, SEG_IG);
	EXPECT_EQ(0x1200003456780000ull, SEG_BASELO(0x12345678));
	EXPECT_EQ(0x000f00000000ffffull, SEG_LIM(0xfffff));

	/* A gate, and its split target. */
	{
		struct Gatedesc g;

		SETGATE(g, SEG_IG, GD_KT, 0xffffffff81234567ull, 3);
		EXPECT_EQ(0x8123ee0000104567ull, g.gd_lo);
		EXPECT_EQ(0xffffffffull, g.gd_hi);
	}
}

TEST(dune_h_constants)
{
	EXPECT_EQ(0x10, GD_KT);
	EXPECT_EQ(0x18, GD_KD);
	EXPECT_EQ(0x28, GD_UD);
	EXPECT_EQ(0x30, GD_UT);
	EXPECT_EQ(0x38, GD_TSS);
	EXPECT_EQ(0x40, GD_TSS2);
	EXPECT_EQ(9, NR_GDT_ENTRIES);
	EXPECT_EQ(0, PERM_NONE);
	EXPECT_EQ(1, PERM_R);
	EXPECT_EQ(2, PERM_W);
	EXPECT_EQ(4, PERM_X);
	EXPECT_EQ(8, PERM_U);
	EXPECT_EQ(0x10, PERM_UC);
	EXPECT_EQ(0x20, PERM_COW);
	EXPECT_EQ(0x1000, PERM_USR1);
	EXPECT_EQ(0x2000, PERM_USR2);
	EXPECT_EQ(0x3000, PERM_USR3);
	EXPECT_EQ(0x100, PERM_BIG);
	EXPECT_EQ(0x200, PERM_BIG_1GB);
	EXPECT_EQ(5, PERM_SCODE);
	EXPECT_EQ(3, PERM_STEXT);
	EXPECT_EQ(3, PERM_SSTACK);
	EXPECT_EQ(0xd, PERM_UCODE);
	EXPECT_EQ(0xb, PERM_UTEXT);
	EXPECT_EQ(0xb, PERM_USTACK);
	EXPECT_EQ(0, CREATE_NONE);
	EXPECT_EQ(1, CREATE_NORMAL);
	EXPECT_EQ(2, CREATE_BIG);
	EXPECT_EQ(3, CREATE_BIG_1GB);
	EXPECT_EQ(NULL, VA_START);
	EXPECT_EQ((void *)~0ul, VA_END);
	EXPECT_EQ(0x8000000000000000ul, CR3_NOFLUSH);
	EXPECT_EQ(0x200000000ul, PAGEBASE);
	EXPECT_EQ(1ul << 20, MAX_PAGES);
	EXPECT_EQ(200, DUNE_SIGNAL_INTR_BASE);
	EXPECT_EQ(0, PROCMAP_TYPE_UNKNOWN);
	EXPECT_EQ(1, PROCMAP_TYPE_FILE);
	EXPECT_EQ(2, PROCMAP_TYPE_ANONYMOUS);
	EXPECT_EQ(3, PROCMAP_TYPE_HEAP);
	EXPECT_EQ(4, PROCMAP_TYPE_STACK);
	EXPECT_EQ(5, PROCMAP_TYPE_VSYSCALL);
	EXPECT_EQ(6, PROCMAP_TYPE_VDSO);
	EXPECT_EQ(7, PROCMAP_TYPE_VVAR);

	/* kern/dune.h */
	EXPECT_EQ(1ul << 30, GPA_STACK_SIZE);
	EXPECT_EQ(63ul << 30, GPA_MAP_SIZE);
	EXPECT_EQ(0x7f0000000000ul, LG_ALIGN(0x7effc0000001ul));
	EXPECT_EQ(0x40000000ul, LG_ALIGN(0x40000000ul));
	EXPECT_EQ(1, DUNE_RET_EXIT);
	EXPECT_EQ(2, DUNE_RET_EPT_VIOLATION);
	EXPECT_EQ(3, DUNE_RET_INTERRUPT);
	EXPECT_EQ(4, DUNE_RET_SIGNAL);
	EXPECT_EQ(5, DUNE_RET_UNHANDLED_VMEXIT);
	EXPECT_EQ(6, DUNE_RET_NOENTER);
	EXPECT_EQ(offsetof(struct dune_config, ret), DUNE_CFG_RET);
	EXPECT_EQ(offsetof(struct dune_config, rax), DUNE_CFG_RAX);
	EXPECT_EQ(offsetof(struct dune_config, rbx), DUNE_CFG_RBX);
	EXPECT_EQ(offsetof(struct dune_config, rcx), DUNE_CFG_RCX);
	EXPECT_EQ(offsetof(struct dune_config, rdx), DUNE_CFG_RDX);
	EXPECT_EQ(offsetof(struct dune_config, rsi), DUNE_CFG_RSI);
	EXPECT_EQ(offsetof(struct dune_config, rdi), DUNE_CFG_RDI);
	EXPECT_EQ(offsetof(struct dune_config, rsp), DUNE_CFG_RSP);
	EXPECT_EQ(offsetof(struct dune_config, rbp), DUNE_CFG_RBP);
	EXPECT_EQ(offsetof(struct dune_config, r8), DUNE_CFG_R8);
	EXPECT_EQ(offsetof(struct dune_config, r15), DUNE_CFG_R15);
	EXPECT_EQ(offsetof(struct dune_config, rip), DUNE_CFG_RIP);
	EXPECT_EQ(offsetof(struct dune_config, rflags), DUNE_CFG_RFLAGS);
	EXPECT_EQ(offsetof(struct dune_config, cr3), DUNE_CFG_CR3);
	EXPECT_EQ(offsetof(struct dune_config, status), DUNE_CFG_STATUS);
	EXPECT_EQ(offsetof(struct dune_config, vcpu), DUNE_CFG_VCPU);
}

TEST(cpu_x86_constants)
{
	EXPECT_EQ(0, T_DIVIDE);
	EXPECT_EQ(1, T_DEBUG);
	EXPECT_EQ(2, T_NMI);
	EXPECT_EQ(3, T_BRKPT);
	EXPECT_EQ(4, T_OFLOW);
	EXPECT_EQ(5, T_BOUND);
	EXPECT_EQ(6, T_ILLOP);
	EXPECT_EQ(7, T_DEVICE);
	EXPECT_EQ(8, T_DBLFLT);
	EXPECT_EQ(10, T_TSS);
	EXPECT_EQ(11, T_SEGNP);
	EXPECT_EQ(12, T_STACK);
	EXPECT_EQ(13, T_GPFLT);
	EXPECT_EQ(14, T_PGFLT);
	EXPECT_EQ(16, T_FPERR);
	EXPECT_EQ(17, T_ALIGN);
	EXPECT_EQ(18, T_MCHK);
	EXPECT_EQ(19, T_SIMDERR);
	EXPECT_EQ(48, T_SYSCALL);
#if defined(T_COPROC) || defined(T_RES)
	EXPECT_EQ(0, 1);	/* commented out in the original */
#endif
	EXPECT_EQ(0xc0000102u, MSR_KERNEL_GS_BASE);
	EXPECT_EQ(0xc0000082u, MSR_LSTAR);
	EXPECT_EQ(0x80, IDTD_P);
	EXPECT_EQ(0x60, IDTD_CPL3);
	EXPECT_EQ(0xf, IDTD_TRAP_GATE);
	EXPECT_EQ(0xe, IDTD_INTERRUPT_GATE);
	EXPECT_EQ(256, IDT_ENTRIES);
	EXPECT_EQ(10u, sizeof(struct tptr));
	EXPECT_EQ(16u, sizeof(struct idtd));
	EXPECT_EQ(8u, sizeof(u64));
	EXPECT_EQ(0x123456789abcdef0ull, EAX_EDX_VAL(v, 0x9abcdef0u, 0x12345678u));
}

/* ---- headers: structure layouts --------------------------------------- */

TEST(struct_layouts)
{
	/* struct dune_tf, §3.1 */
	EXPECT_EQ(168u, sizeof(struct dune_tf));
	EXPECT_EQ(0u, offsetof(struct dune_tf, rdi));
	EXPECT_EQ(8u, offsetof(struct dune_tf, rsi));
	EXPECT_EQ(16u, offsetof(struct dune_tf, rdx));
	EXPECT_EQ(24u, offsetof(struct dune_tf, rcx));
	EXPECT_EQ(32u, offsetof(struct dune_tf, r8));
	EXPECT_EQ(40u, offsetof(struct dune_tf, r9));
	EXPECT_EQ(48u, offsetof(struct dune_tf, r10));
	EXPECT_EQ(56u, offsetof(struct dune_tf, r11));
	EXPECT_EQ(64u, offsetof(struct dune_tf, rbx));
	EXPECT_EQ(72u, offsetof(struct dune_tf, rbp));
	EXPECT_EQ(80u, offsetof(struct dune_tf, r12));
	EXPECT_EQ(88u, offsetof(struct dune_tf, r13));
	EXPECT_EQ(96u, offsetof(struct dune_tf, r14));
	EXPECT_EQ(104u, offsetof(struct dune_tf, r15));
	EXPECT_EQ(112u, offsetof(struct dune_tf, rax));
	EXPECT_EQ(120u, offsetof(struct dune_tf, err));
	EXPECT_EQ(124u, offsetof(struct dune_tf, pad1));
	EXPECT_EQ(128u, offsetof(struct dune_tf, rip));
	EXPECT_EQ(136u, offsetof(struct dune_tf, cs));
	EXPECT_EQ(138u, offsetof(struct dune_tf, pad2));
	EXPECT_EQ(144u, offsetof(struct dune_tf, rflags));
	EXPECT_EQ(152u, offsetof(struct dune_tf, rsp));
	EXPECT_EQ(160u, offsetof(struct dune_tf, ss));
	EXPECT_EQ(162u, offsetof(struct dune_tf, pad3));
	EXPECT_EQ(4u, sizeof(((struct dune_tf *)0)->err));
	EXPECT_EQ(2u, sizeof(((struct dune_tf *)0)->cs));
	{
		struct dune_tf tf = { .rdi = 1, .rsi = 2, .rdx = 3, .rcx = 4,
				      .r8 = 5, .r9 = 6, .r10 = 7 };

		EXPECT_EQ(1u, ARG0(&tf));
		EXPECT_EQ(2u, ARG1(&tf));
		EXPECT_EQ(3u, ARG2(&tf));
		EXPECT_EQ(4u, ARG3(&tf));	/* rcx, not r10 */
		EXPECT_EQ(5u, ARG4(&tf));
		EXPECT_EQ(6u, ARG5(&tf));
	}

	/* §3.2 - §3.4 */
	EXPECT_EQ(16u, sizeof(struct page));
	EXPECT_EQ(8u, offsetof(struct page, ref));
	EXPECT_EQ(8u, sizeof(struct page_head));
	EXPECT_EQ(48u, sizeof(struct dune_procmap_entry));
	EXPECT_EQ(16u, offsetof(struct dune_procmap_entry, offset));
	EXPECT_EQ(24u, offsetof(struct dune_procmap_entry, r));
	EXPECT_EQ(27u, offsetof(struct dune_procmap_entry, p));
	EXPECT_EQ(32u, offsetof(struct dune_procmap_entry, path));
	EXPECT_EQ(40u, offsetof(struct dune_procmap_entry, type));
	EXPECT_EQ(120u, sizeof(struct dune_elf));
	EXPECT_EQ(0u, offsetof(struct dune_elf, fd));
	EXPECT_EQ(8u, offsetof(struct dune_elf, mem));
	EXPECT_EQ(16u, offsetof(struct dune_elf, len));
	EXPECT_EQ(24u, offsetof(struct dune_elf, hdr));
	EXPECT_EQ(88u, offsetof(struct dune_elf, phdr));
	EXPECT_EQ(96u, offsetof(struct dune_elf, shdr));
	EXPECT_EQ(104u, offsetof(struct dune_elf, shdrstr));
	EXPECT_EQ(112u, offsetof(struct dune_elf, priv));

	/* mmu.h */
	EXPECT_EQ(16u, sizeof(struct Pseudodesc));
	EXPECT_EQ(6u, offsetof(struct Pseudodesc, pd_lim));
	EXPECT_EQ(8u, offsetof(struct Pseudodesc, pd_base));
	EXPECT_EQ(104u, sizeof(struct Tss));
	EXPECT_EQ(4u, offsetof(struct Tss, tss_rsp));
	EXPECT_EQ(28u, offsetof(struct Tss, tss_ist));
	EXPECT_EQ(36u, offsetof(struct Tss, tss_ist[1]));	/* IST1 */
	EXPECT_EQ(102u, offsetof(struct Tss, tss_iomb));
	EXPECT_EQ(104u, offsetof(struct Tss, tss_iopb));
	EXPECT_EQ(16u, sizeof(struct Gatedesc));
	EXPECT_EQ(168u, sizeof(struct Trapframe));
	EXPECT_EQ(104u, offsetof(struct Trapframe, tf_rsi));
	EXPECT_EQ(104u, offsetof(struct Trapframe, tf__trapentry_rip));
	EXPECT_EQ(128u, offsetof(struct Trapframe, tf_rip));
	EXPECT_EQ(160u, offsetof(struct Trapframe, tf_ss));
	EXPECT_EQ(512u, sizeof(struct Fpregs));

	/* fpu.h */
	EXPECT_EQ(512u, sizeof(struct fxsave_area));
	EXPECT_EQ(24u, offsetof(struct fxsave_area, mxcsr));
	EXPECT_EQ(32u, offsetof(struct fxsave_area, st_regs));
	EXPECT_EQ(160u, offsetof(struct fxsave_area, xmm_regs));
	EXPECT_EQ(64u, sizeof(struct xsave_header));
	EXPECT_EQ(832u, sizeof(struct xsave_area));
	EXPECT_EQ(512u, offsetof(struct xsave_area, header));
	EXPECT_EQ(576u, offsetof(struct xsave_area, ymm_regs));
	EXPECT_EQ(64u, _Alignof(struct xsave_area));
	EXPECT_EQ(832u, sizeof(struct fpu_area));

	/* kern/dune.h */
	EXPECT_EQ(176u, sizeof(struct dune_config));
	EXPECT_EQ(24u, sizeof(struct dune_layout));
	EXPECT_EQ(144u, sizeof(struct dune_trap_regs));
	EXPECT_EQ(41u, sizeof(struct dune_trap_config));
	EXPECT_EQ(40u, offsetof(struct dune_trap_config, delay));
}

/* The FPU helpers work natively (XSAVE is not privileged). */
TEST(fpu_helpers_natively)
{
	static struct fpu_area saved, changed, check;
	unsigned int a, b, c, d, mxcsr;

	__asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)))
		SKIP(return, "no OSXSAVE");

	dune_fpu_init(&check);
	EXPECT_EQ(0x37f, check.xsave.fxsave.cwd);
	EXPECT_EQ(0x1f80u, check.xsave.fxsave.mxcsr);
	EXPECT_EQ(0u, check.xsave.header.xstate_bv);

	dune_fpu_save_safe(&saved);
	changed = saved;
	changed.xsave.fxsave.mxcsr |= 0x8000;	/* flush to zero */
	dune_fpu_load(&changed);
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	dune_fpu_load(&saved);
	EXPECT_EQ(saved.xsave.fxsave.mxcsr | 0x8000, mxcsr);
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	EXPECT_EQ(saved.xsave.fxsave.mxcsr, mxcsr);
	/* Nothing beyond AVX is saved into the 832-byte area. */
	EXPECT_EQ(0u, saved.xsave.header.xstate_bv & ~0x7ull);
}

/* ---- process maps --------------------------------------------------------- */

#define MAX_MAPS 4096

struct map_copy {
	uintptr_t begin, end;
	uint64_t offset;
	bool r, w, x, p;
	int type;
	char path[PATH_MAX + 32];
};

static struct map_copy maps[MAX_MAPS];
static int nmaps;

static void record_map(const struct dune_procmap_entry *e)
{
	struct map_copy *m;

	if (nmaps >= MAX_MAPS)
		return;
	m = &maps[nmaps++];
	m->begin = e->begin;
	m->end = e->end;
	m->offset = e->offset;
	m->r = e->r;
	m->w = e->w;
	m->x = e->x;
	m->p = e->p;
	m->type = e->type;
	snprintf(m->path, sizeof(m->path), "%s", e->path);
}

static void read_maps(void)
{
	nmaps = 0;
	dune_procmap_iterate(record_map);
}

static const struct map_copy *map_of(const void *addr)
{
	int i;

	for (i = 0; i < nmaps; i++)
		if ((uintptr_t)addr >= maps[i].begin && (uintptr_t)addr < maps[i].end)
			return &maps[i];
	return NULL;
}

static const char rodata_string[] = "a constant";
static int writable_global = 1;

TEST(procmap_sees_this_process)
{
	char exe[PATH_MAX];
	const struct map_copy *m;
	int local = 0, i, nlibc_x = 0;
	ssize_t n;
	void *heap;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = '\0';
	heap = malloc(64);
	read_maps();
	ASSERT_LT(5, nmaps);

	for (i = 0; i < nmaps; i++) {
		EXPECT_LT(maps[i].begin, maps[i].end);
		EXPECT_EQ(0u, PGOFF(maps[i].begin));
		EXPECT_EQ(0u, PGOFF(maps[i].end));
		if (i > 0)
			EXPECT_LE(maps[i - 1].end, maps[i].begin);
		if (strcmp(maps[i].path, "[heap]") == 0)
			EXPECT_EQ(PROCMAP_TYPE_HEAP, maps[i].type);
		if (strcmp(maps[i].path, "[vvar]") == 0)
			EXPECT_EQ(PROCMAP_TYPE_VVAR, maps[i].type);
		if (strcmp(maps[i].path, "[vsyscall]") == 0)
			EXPECT_EQ(PROCMAP_TYPE_VSYSCALL, maps[i].type);
		if (maps[i].path[0] == '\0')
			EXPECT_EQ(PROCMAP_TYPE_ANONYMOUS, maps[i].type);
		if (maps[i].path[0] == '/')
			EXPECT_EQ(PROCMAP_TYPE_FILE, maps[i].type);
		if (strstr(maps[i].path, "/libc.so") && maps[i].x)
			nlibc_x++;
	}

	/* The stack: a local variable. */
	m = map_of(&local);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(PROCMAP_TYPE_STACK, m->type);
	EXPECT_STREQ("[stack]", m->path);
	EXPECT_TRUE(m->r && m->w && !m->x && m->p);

	/* The executable: its text, read-only data and data. */
	m = map_of((void *)(uintptr_t)read_maps);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(PROCMAP_TYPE_FILE, m->type);
	EXPECT_STREQ(exe, m->path);
	EXPECT_TRUE(m->r && !m->w && m->x && m->p);
	m = map_of(rodata_string);
	ASSERT_NE(NULL, m);
	EXPECT_STREQ(exe, m->path);
	EXPECT_TRUE(m->r && !m->w && !m->x);
	m = map_of(&writable_global);
	ASSERT_NE(NULL, m);
	EXPECT_STREQ(exe, m->path);
	EXPECT_TRUE(m->r && m->w && !m->x && m->p);

	/* libc (this test is linked dynamically): its rodata and its text. */
	m = map_of(gnu_get_libc_version());
	ASSERT_NE(NULL, m);
	EXPECT_EQ(PROCMAP_TYPE_FILE, m->type);
	EXPECT_NE(NULL, strstr(m->path, "libc.so"));
	EXPECT_TRUE(m->r && !m->w && !m->x && m->p);
	EXPECT_LE(1, nlibc_x);

	/* The vDSO. */
	m = map_of((void *)getauxval(AT_SYSINFO_EHDR));
	ASSERT_NE(NULL, m);
	EXPECT_EQ(PROCMAP_TYPE_VDSO, m->type);
	EXPECT_STREQ("[vdso]", m->path);
	EXPECT_TRUE(m->r && !m->w && m->x);

	/* The heap, if malloc used brk. */
	m = map_of(heap);
	ASSERT_NE(NULL, m);
	if (strcmp(m->path, "[heap]") == 0)
		EXPECT_TRUE(m->r && m->w && !m->x && m->p);
	free(heap);
}

TEST(procmap_paths_offsets_and_sharing)
{
	char name[] = "/tmp/dune procmap  test (x) XXXXXX";
	char deleted[sizeof(name) + 16];
	const struct map_copy *m;
	char *file, *anon;
	int fd;

	fd = mkstemp(name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 3 * 4096));
	/* A shared mapping of the file's pages 1-2, with spaces in the path. */
	file = (char *)mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	ASSERT_NE(MAP_FAILED, file);
	anon = (char *)mmap(NULL, 3 * 4096, PROT_READ | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);

	read_maps();
	m = map_of(file);
	ASSERT_NE(NULL, m);
	EXPECT_EQ((uintptr_t)file, m->begin);
	EXPECT_EQ((uintptr_t)file + 2 * 4096, m->end);
	EXPECT_EQ(4096u, m->offset);
	EXPECT_STREQ(name, m->path);
	EXPECT_EQ(PROCMAP_TYPE_FILE, m->type);
	EXPECT_TRUE(m->r && m->w && !m->x && !m->p);

	m = map_of(anon + 4096);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(PROCMAP_TYPE_ANONYMOUS, m->type);
	EXPECT_STREQ("", m->path);
	EXPECT_TRUE(m->r && !m->w && m->x && m->p);

	/* Removed file: the path keeps its " (deleted)". */
	ASSERT_EQ(0, unlink(name));
	snprintf(deleted, sizeof(deleted), "%s (deleted)", name);
	read_maps();
	m = map_of(file);
	ASSERT_NE(NULL, m);
	EXPECT_STREQ(deleted, m->path);
	EXPECT_EQ(PROCMAP_TYPE_FILE, m->type);

	/* A named anonymous mapping (Linux 5.17+ with CONFIG_ANON_VMA_NAME). */
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)anon,
		  3 * 4096, (unsigned long)"dune test") == 0) {
		read_maps();
		m = map_of(anon);
		ASSERT_NE(NULL, m);
		EXPECT_STREQ("[anon:dune test]", m->path);
		EXPECT_EQ(PROCMAP_TYPE_ANONYMOUS, m->type);
	}
	munmap(file, 2 * 4096);
	munmap(anon, 3 * 4096);
	close(fd);
}

/* Run @fn with standard output and error going to a temporary file. */
static char *capture_output(void (*fn)(void *), void *arg)
{
	char name[] = "/tmp/dune-capture-XXXXXX";
	int fd = mkstemp(name), out = dup(1), err = dup(2);
	struct stat st;
	char *buf;

	if (fd < 0 || out < 0 || err < 0)
		return NULL;
	unlink(name);
	fflush(stdout);
	fflush(stderr);
	dup2(fd, 1);
	dup2(fd, 2);
	fn(arg);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	if (fstat(fd, &st) < 0)
		return NULL;
	buf = (char *)calloc(1, st.st_size + 1);
	if (buf && pread(fd, buf, st.st_size, 0) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

static void run_procmap_dump(void *arg)
{
	(void)arg;
	dune_procmap_dump();
}

TEST(procmap_dump_format)
{
	char *out = capture_output(run_procmap_dump, NULL), *line, *save;
	int lines = 0, good = 0;

	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, strncmp(out, "--- Process Map Dump ---\n", 25));
	for (line = strtok_r(out + 25, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long b, e, off;
		char r, w, x, p;
		int n = 0;

		lines++;
		if (sscanf(line, "0x%16lx-0x%16lx %c%c%c%c %8lx %n", &b, &e,
			   &r, &w, &x, &p, &off, &n) == 7 && n >= 48 &&
		    strlen(line) >= 48 && line[18] == '-' && b < e &&
		    (r == 'R' || r == '-') && (w == 'W' || w == '-') &&
		    (x == 'X' || x == '-') && (p == 'P' || p == 'S'))
			good++;
		else
			TH_LOG("bad line: %s", line);
	}
	EXPECT_LT(5, lines);
	EXPECT_EQ(lines, good);
	free(out);
}

/* ---- ELF ------------------------------------------------------------------ */

/* What an independent reading of the file says. */
struct elf_expect {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	Elf64_Shdr sh[128];
	char names[128][64];
};

static int read_expect(const char *path, struct elf_expect *x)
{
	FILE *f = fopen(path, "rb");
	char *strtab = NULL;
	int i, ok = -1;

	memset(x, 0, sizeof(*x));
	if (!f)
		return -1;
	if (fread(&x->eh, sizeof(x->eh), 1, f) != 1 || x->eh.e_phnum > 64 ||
	    x->eh.e_shnum > 128)
		goto out;
	if (fseek(f, (long)x->eh.e_phoff, SEEK_SET) ||
	    fread(x->ph, sizeof(Elf64_Phdr), x->eh.e_phnum, f) != x->eh.e_phnum)
		goto out;
	if (fseek(f, (long)x->eh.e_shoff, SEEK_SET) ||
	    fread(x->sh, sizeof(Elf64_Shdr), x->eh.e_shnum, f) != x->eh.e_shnum)
		goto out;
	if (x->eh.e_shnum) {
		Elf64_Shdr *s = &x->sh[x->eh.e_shstrndx];

		strtab = (char *)calloc(1, s->sh_size + 1);
		if (!strtab || fseek(f, (long)s->sh_offset, SEEK_SET) ||
		    fread(strtab, 1, s->sh_size, f) != s->sh_size)
			goto out;
		for (i = 0; i < x->eh.e_shnum; i++)
			snprintf(x->names[i], sizeof(x->names[i]), "%s",
				 strtab + x->sh[i].sh_name);
	}
	ok = 0;
out:
	free(strtab);
	fclose(f);
	return ok;
}

/* readelf's counts, or -1 without readelf. */
static void readelf_counts(const char *path, int *nph, int *nsh)
{
	char cmd[PATH_MAX + 64], line[512];
	FILE *p;

	*nph = *nsh = -1;
	if (access("/usr/bin/readelf", X_OK) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "LC_ALL=C /usr/bin/readelf -lSW '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		int n;

		if (sscanf(line, "There are %d", &n) != 1 &&
		    sscanf(line, "There is %d", &n) != 1)
			continue;
		if (strstr(line, " section header"))
			*nsh = n;
		else if (strstr(line, " program header"))
			*nph = n;
	}
	pclose(p);
}

struct ph_log {
	int n;
	Elf64_Phdr ph[64];
	int stop_at;
};

static int log_ph(struct dune_elf *elf, Elf64_Phdr *ph)
{
	struct ph_log *log = (struct ph_log *)elf->priv;

	if (log->n < 64)
		log->ph[log->n] = *ph;
	log->n++;
	return log->n == log->stop_at ? 7 : 0;
}

struct sh_log {
	int n;
	int idx[128];
	char names[128][64];
	Elf64_Shdr sh[128];
	int stop_at;
};

static int log_sh(struct dune_elf *elf, const char *sname, int snum, Elf64_Shdr *sh)
{
	struct sh_log *log = (struct sh_log *)elf->priv;

	if (log->n < 128) {
		log->idx[log->n] = snum;
		snprintf(log->names[log->n], sizeof(log->names[0]), "%s", sname);
		log->sh[log->n] = *sh;
	}
	log->n++;
	return log->n == log->stop_at ? 9 : 0;
}

/* Check dune_elf_iter_ph and _iter_sh on an opened file against @x. */
static void check_elf_tables(struct __test_metadata *_metadata,
			     struct dune_elf *elf, const struct elf_expect *x)
{
	static struct ph_log pl;
	static struct sh_log sl;
	int i;

	memset(&pl, 0, sizeof(pl));
	memset(&sl, 0, sizeof(sl));
	elf->priv = &pl;
	EXPECT_EQ(0, dune_elf_iter_ph(elf, log_ph));
	EXPECT_EQ(x->eh.e_phnum, pl.n);
	for (i = 0; i < pl.n && i < 64; i++) {
		EXPECT_EQ(x->ph[i].p_type, pl.ph[i].p_type);
		EXPECT_EQ(x->ph[i].p_vaddr, pl.ph[i].p_vaddr);
		EXPECT_EQ(x->ph[i].p_memsz, pl.ph[i].p_memsz);
	}
	/* Again, from the cached table. */
	pl.n = 0;
	EXPECT_EQ(0, dune_elf_iter_ph(elf, log_ph));
	EXPECT_EQ(x->eh.e_phnum, pl.n);

	elf->priv = &sl;
	EXPECT_EQ(0, dune_elf_iter_sh(elf, log_sh));
	EXPECT_EQ(x->eh.e_shnum, sl.n);
	for (i = 0; i < sl.n && i < 128; i++) {
		EXPECT_EQ(i, sl.idx[i]);
		EXPECT_STREQ(x->names[i], sl.names[i]);
		EXPECT_EQ(x->sh[i].sh_type, sl.sh[i].sh_type);
		EXPECT_EQ(x->sh[i].sh_offset, sl.sh[i].sh_offset);
	}
	elf->priv = NULL;
}

static void check_elf_file(struct __test_metadata *_metadata, const char *path)
{
	static struct elf_expect x;
	struct dune_elf elf;
	int nph, nsh, nload = 0, i;

	ASSERT_EQ(0, read_expect(path, &x));
	readelf_counts(path, &nph, &nsh);
	if (nph >= 0)
		EXPECT_EQ(x.eh.e_phnum, nph);
	if (nsh >= 0)
		EXPECT_EQ(x.eh.e_shnum, nsh);
	for (i = 0; i < x.eh.e_phnum; i++)
		nload += x.ph[i].p_type == PT_LOAD;
	EXPECT_LE(2, nload);
	EXPECT_LE(10, x.eh.e_shnum);

	ASSERT_EQ(0, dune_elf_open(&elf, path));
	EXPECT_LE(0, elf.fd);
	EXPECT_EQ(NULL, elf.mem);
	EXPECT_EQ(EM_X86_64, elf.hdr.e_machine);
	EXPECT_EQ(x.eh.e_entry, elf.hdr.e_entry);
	EXPECT_EQ(NULL, elf.phdr);
	EXPECT_EQ(NULL, elf.shdr);
	EXPECT_EQ(NULL, elf.shdrstr);
	check_elf_tables(_metadata, &elf, &x);
	{
		int fd = elf.fd;

		EXPECT_EQ(0, dune_elf_close(&elf));
		EXPECT_EQ(-1, fcntl(fd, F_GETFD));	/* closed */
		EXPECT_EQ(NULL, elf.phdr);
		EXPECT_EQ(NULL, elf.shdr);
		EXPECT_EQ(NULL, elf.shdrstr);
		EXPECT_EQ(0, dune_elf_close(&elf));	/* twice is harmless */
	}
}

TEST(elf_this_binary)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ASSERT_LT(0, n);
	exe[n] = '\0';
	check_elf_file(_metadata, exe);
}

TEST(elf_system_binaries)
{
	check_elf_file(_metadata, "/bin/true");
	check_elf_file(_metadata, "/bin/sh");
}

/* The whole file in a malloc'ed buffer (with @extra zero bytes after). */
static unsigned char *slurp(const char *path, int *len, int extra)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	buf = (unsigned char *)calloc(1, st.st_size + extra);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = (int)st.st_size;
	return buf;
}

TEST(elf_open_mem)
{
	static struct elf_expect x;
	struct dune_elf elf;
	struct ph_log pl = { 0 };
	unsigned char *img;
	int len;

	ASSERT_EQ(0, read_expect("/bin/true", &x));
	img = slurp("/bin/true", &len, 0);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, dune_elf_open_mem(&elf, img, len));
	EXPECT_EQ(-1, elf.fd);
	EXPECT_EQ(img, elf.mem);
	EXPECT_EQ(len, elf.len);
	check_elf_tables(_metadata, &elf, &x);

	/* The first nonzero callback result stops the walk. */
	pl.stop_at = 2;
	elf.priv = &pl;
	EXPECT_EQ(7, dune_elf_iter_ph(&elf, log_ph));
	EXPECT_EQ(2, pl.n);
	{
		static struct sh_log sl;

		memset(&sl, 0, sizeof(sl));
		sl.stop_at = 3;
		elf.priv = &sl;
		EXPECT_EQ(9, dune_elf_iter_sh(&elf, log_sh));
		EXPECT_EQ(3, sl.n);
	}

	/* A memory image cannot be mapped. */
	ASSERT_NE(NULL, elf.phdr);
	EXPECT_EQ(-EINVAL, dune_elf_load_ph(&elf, &elf.phdr[0], 0));
	EXPECT_EQ(0, dune_elf_close(&elf));
	free(img);
}

static void run_elf_dump(void *arg)
{
	dune_elf_dump((struct dune_elf *)arg);
}

TEST(elf_dump)
{
	struct dune_elf elf;
	char *out;

	ASSERT_EQ(0, dune_elf_open(&elf, "/bin/true"));
	out = capture_output(run_elf_dump, &elf);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "--- ELF Dump ---"));
	EXPECT_NE(NULL, strstr(out, ".text"));
	EXPECT_NE(NULL, strstr(out, "PROGBITS"));
	EXPECT_NE(NULL, strstr(out, "LOAD"));
	EXPECT_NE(NULL, strstr(out, "GNU_STACK"));
	free(out);
	dune_elf_close(&elf);
}

/* ---- dune_elf_load_ph ---------------------------------------------------- */

struct load_ctx {
	off_t off;
	int nseg, err;
	Elf64_Phdr seg[16];
};

static int load_seg(struct dune_elf *elf, Elf64_Phdr *ph)
{
	struct load_ctx *c = (struct load_ctx *)elf->priv;
	int ret;

	if (ph->p_type != PT_LOAD)
		return 0;
	ret = dune_elf_load_ph(elf, ph, c->off);
	if (ret)
		return ret;
	if (c->nseg < 16)
		c->seg[c->nseg] = *ph;
	c->nseg++;
	return 0;
}

static void check_load(struct __test_metadata *_metadata, const char *path)
{
	static struct elf_expect x;
	static struct load_ctx ctx;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	unsigned char *img, *base;
	struct dune_elf elf;
	int i, len, nload = 0;

	ASSERT_EQ(0, read_expect(path, &x));
	img = slurp(path, &len, 0);
	ASSERT_NE(NULL, img);
	for (i = 0; i < x.eh.e_phnum; i++) {
		if (x.ph[i].p_type != PT_LOAD)
			continue;
		nload++;
		if (PGADDR(x.ph[i].p_vaddr) < lo)
			lo = PGADDR(x.ph[i].p_vaddr);
		if (x.ph[i].p_vaddr + x.ph[i].p_memsz > hi)
			hi = x.ph[i].p_vaddr + x.ph[i].p_memsz;
	}
	hi = (hi + PGSIZE - 1) & ~(uintptr_t)PGMASK;
	/* A reservation to load into: the segments replace parts of it. */
	base = (unsigned char *)mmap(NULL, hi - lo, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, base);

	memset(&ctx, 0, sizeof(ctx));
	ctx.off = (off_t)((uintptr_t)base - lo);
	ASSERT_EQ(0, dune_elf_open(&elf, path));
	elf.priv = &ctx;
	ASSERT_EQ(0, dune_elf_iter_ph(&elf, load_seg));
	EXPECT_EQ(nload, ctx.nseg);

	read_maps();
	for (i = 0; i < ctx.nseg && i < 16; i++) {
		Elf64_Phdr *ph = &ctx.seg[i];
		unsigned char *va = base + (ph->p_vaddr - lo);
		const struct map_copy *m;
		uint64_t j, nonzero = 0;

		/* The file's bytes, then zeroes up to the end of the page. */
		EXPECT_EQ(0, memcmp(va, img + ph->p_offset, ph->p_filesz));
		for (j = ph->p_filesz; j < ph->p_memsz; j++)
			nonzero += va[j] != 0;
		EXPECT_EQ(0u, nonzero);
		for (j = ph->p_memsz; PGOFF(va + j) != 0; j++)
			nonzero += va[j] != 0;
		if (ph->p_memsz > ph->p_filesz)
			EXPECT_EQ(0u, nonzero);
		/* The protections of p_flags, on every page. */
		for (j = 0; j < ph->p_memsz; j += PGSIZE) {
			m = map_of(va + j);
			ASSERT_NE(NULL, m);
			EXPECT_EQ(!!(ph->p_flags & PF_R), m->r);
			EXPECT_EQ(!!(ph->p_flags & PF_W), m->w);
			EXPECT_EQ(!!(ph->p_flags & PF_X), m->x);
			EXPECT_TRUE(m->p);
		}
	}
	dune_elf_close(&elf);
	munmap(base, hi - lo);
	free(img);
}

TEST(elf_load_ph)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ASSERT_LT(0, n);
	exe[n] = '\0';
	check_load(_metadata, exe);
	check_load(_metadata, "/bin/true");
}

static int ph_noop(struct dune_elf *elf, Elf64_Phdr *ph)
{
	(void)elf;
	(void)ph;
	return 0;
}

TEST(elf_load_ph_refuses)
{
	struct dune_elf elf;
	Elf64_Phdr ph, good;
	int i;

	ASSERT_EQ(0, dune_elf_open(&elf, "/bin/true"));
	ASSERT_EQ(0, dune_elf_iter_ph(&elf, ph_noop));
	for (i = 0; i < elf.hdr.e_phnum; i++)
		if (elf.phdr[i].p_type == PT_LOAD)
			break;
	ASSERT_LT(i, elf.hdr.e_phnum);
	good = elf.phdr[i];

	ph = good;
	ph.p_type = PT_NOTE;
	EXPECT_EQ(-EINVAL, dune_elf_load_ph(&elf, &ph, 0));
	ph = good;
	ph.p_filesz = ph.p_memsz + 1;
	EXPECT_EQ(-EINVAL, dune_elf_load_ph(&elf, &ph, 0));
	ph = good;
	ph.p_offset += 8;	/* different page offsets */
	EXPECT_EQ(-EINVAL, dune_elf_load_ph(&elf, &ph, 0));
	ph = good;
	EXPECT_EQ(-EINVAL, dune_elf_load_ph(&elf, &ph, 100));	/* unaligned off */
	ph = good;
	ph.p_vaddr = 0xfffffffffffff000ull;
	EXPECT_EQ(-EINVAL, dune_elf_load_ph(&elf, &ph, 0));	/* wraps */
	dune_elf_close(&elf);
}

/* ---- malformed ELF files ---------------------------------------------- */

static int sh_noop(struct dune_elf *elf, const char *sname, int snum, Elf64_Shdr *sh)
{
	(void)elf;
	(void)sname;
	(void)snum;
	(void)sh;
	return 0;
}

/*
 * libdune's error messages (dune_printf) would fill the log: send standard
 * output and error to /dev/null around the calls that print them.
 */
static int quiet_begin(void)
{
	int saved = dup(2) << 16 | dup(1), null = open("/dev/null", O_WRONLY);

	fflush(stdout);
	fflush(stderr);
	dup2(null, 1);
	dup2(null, 2);
	close(null);
	return saved;
}

static void quiet_end(int saved)
{
	dup2(saved & 0xffff, 1);
	dup2(saved >> 16, 2);
	close(saved & 0xffff);
	close(saved >> 16);
}

static int q_open_mem(struct dune_elf *elf, void *mem, int len)
{
	int saved = quiet_begin(), ret = dune_elf_open_mem(elf, mem, len);

	quiet_end(saved);
	return ret;
}

static int q_open(struct dune_elf *elf, const char *path)
{
	int saved = quiet_begin(), ret = dune_elf_open(elf, path);

	quiet_end(saved);
	return ret;
}

/* A copy of /bin/true to corrupt; its headers at known places. */
struct image {
	unsigned char *buf;
	int len;
	Elf64_Ehdr *eh;
};

static void image_load(struct __test_metadata *_metadata, struct image *im)
{
	im->buf = slurp("/bin/true", &im->len, 0);
	ASSERT_NE(NULL, im->buf);
	im->eh = (Elf64_Ehdr *)im->buf;
	ASSERT_LT(0, (int)im->eh->e_shnum);
	ASSERT_GE((uint64_t)im->len, im->eh->e_shoff + im->eh->e_shnum * sizeof(Elf64_Shdr));
}

static Elf64_Shdr *image_sh(struct image *im, int i)
{
	return (Elf64_Shdr *)(im->buf + im->eh->e_shoff) + i;
}

/* open_mem, then both iterations: the three results; messages hidden. */
static void try_image(struct image *im, int len, int *open, int *ph, int *sh)
{
	struct dune_elf elf;
	int saved = quiet_begin();

	*ph = *sh = 1;
	*open = dune_elf_open_mem(&elf, im->buf, len);
	if (!*open) {
		*ph = dune_elf_iter_ph(&elf, ph_noop);
		*sh = dune_elf_iter_sh(&elf, sh_noop);
		dune_elf_close(&elf);
	}
	quiet_end(saved);
}

TEST(elf_malformed_headers)
{
	struct image im;
	unsigned char saved[64];
	struct dune_elf elf;
	char name[] = "/tmp/dune-elf-XXXXXX";
	int fd, o, p, s;

	image_load(_metadata, &im);
	memcpy(saved, im.buf, 64);

	/* Truncated: in memory and as a file. */
	EXPECT_EQ(-EIO, q_open_mem(&elf, im.buf, 0));
	EXPECT_EQ(-EIO, q_open_mem(&elf, im.buf, 63));
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, im.buf, -1));
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, NULL, 100));
	fd = mkstemp(name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(40, write(fd, im.buf, 40));
	EXPECT_EQ(-EIO, q_open(&elf, name));
	EXPECT_EQ(-1, elf.fd);
	ASSERT_EQ(0, ftruncate(fd, 0));
	EXPECT_EQ(-EIO, q_open(&elf, name));
	unlink(name);
	close(fd);
	EXPECT_EQ(-EIO, q_open(&elf, "/nonexistent/dune-elf"));
	{
		char text_name[] = "/tmp/dune-elf-XXXXXX", text[100];

		memset(text, '.', sizeof(text));
		memcpy(text, "#!/bin/sh\n", 10);	/* not an ELF file */
		fd = mkstemp(text_name);
		ASSERT_LE(0, fd);
		ASSERT_EQ(100, write(fd, text, sizeof(text)));
		EXPECT_EQ(-EINVAL, q_open(&elf, text_name));
		EXPECT_EQ(-1, elf.fd);
		unlink(text_name);
		close(fd);
	}

	/* Bad identification or machine: -EINVAL. */
	im.buf[0] = 0x7e;
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, im.buf, im.len));
	memcpy(im.buf, saved, 64);
	im.buf[EI_MAG3] = 'G';
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, im.buf, im.len));
	memcpy(im.buf, saved, 64);
	im.buf[EI_CLASS] = ELFCLASS32;
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, im.buf, im.len));
	memcpy(im.buf, saved, 64);
	im.buf[EI_DATA] = ELFDATA2MSB;
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, im.buf, im.len));
	memcpy(im.buf, saved, 64);
	im.buf[EI_VERSION] = 2;
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, im.buf, im.len));
	memcpy(im.buf, saved, 64);
	im.eh->e_machine = EM_386;
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, im.buf, im.len));
	memcpy(im.buf, saved, 64);
	im.eh->e_machine = EM_AARCH64;
	EXPECT_EQ(-EINVAL, q_open_mem(&elf, im.buf, im.len));
	memcpy(im.buf, saved, 64);

	/* Intact: all three succeed. */
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(0, o);
	EXPECT_EQ(0, p);
	EXPECT_EQ(0, s);

	/* Program headers. */
	im.eh->e_phoff = im.len - 10;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(0, o);
	EXPECT_EQ(-EIO, p);
	EXPECT_EQ(0, s);
	im.eh->e_phoff = ~0ull;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EIO, p);
	im.eh->e_phoff = ~0ull - 8;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EIO, p);
	memcpy(im.buf, saved, 64);
	im.eh->e_phentsize = sizeof(Elf64_Phdr) - 8;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, p);
	memcpy(im.buf, saved, 64);
	im.eh->e_phnum = 41;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, p);
	im.eh->e_phnum = 0xffff;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, p);
	memcpy(im.buf, saved, 64);

	/* Section headers. */
	im.eh->e_shoff = im.len - 10;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(0, p);
	EXPECT_EQ(-EIO, s);
	im.eh->e_shoff = ~0ull - 16;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EIO, s);
	memcpy(im.buf, saved, 64);
	im.eh->e_shentsize = 32;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, s);
	memcpy(im.buf, saved, 64);
	im.eh->e_shnum = 101;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, s);
	memcpy(im.buf, saved, 64);
	im.eh->e_shstrndx = im.eh->e_shnum;	/* the original's off-by-one */
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, s);
	im.eh->e_shstrndx = SHN_XINDEX;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, s);
	im.eh->e_shstrndx = 0;			/* SHT_NULL, not a string table */
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, s);
	memcpy(im.buf, saved, 64);
	/* No section table at all is not an error. */
	im.eh->e_shnum = 0;
	im.eh->e_shstrndx = 0;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(0, s);
	memcpy(im.buf, saved, 64);
	/* Cut in the middle of the section headers. */
	try_image(&im, (int)(im.eh->e_shoff + sizeof(Elf64_Shdr) + 3), &o, &p, &s);
	EXPECT_EQ(0, o);
	EXPECT_EQ(0, p);
	EXPECT_EQ(-EIO, s);
	free(im.buf);
}

TEST(elf_malformed_string_table)
{
	struct image im;
	Elf64_Shdr *str, saved_str, *sh1;
	uint32_t saved_name;
	int o, p, s;

	image_load(_metadata, &im);
	str = image_sh(&im, im.eh->e_shstrndx);
	saved_str = *str;
	sh1 = image_sh(&im, 1);
	saved_name = sh1->sh_name;

	str->sh_offset = im.len - 4;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EIO, s);
	str->sh_offset = ~0ull - 2;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EIO, s);
	*str = saved_str;
	str->sh_size = 1ull << 40;		/* no huge allocation, no read */
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EIO, s);
	*str = saved_str;
	str->sh_type = SHT_PROGBITS;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, s);
	*str = saved_str;

	/* A name offset outside the table. */
	sh1->sh_name = (uint32_t)saved_str.sh_size + 1;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, s);
	sh1->sh_name = 0xffffffffu;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(-EINVAL, s);
	/* Exactly at the end: the appended NUL, an empty name. */
	sh1->sh_name = (uint32_t)saved_str.sh_size;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(0, s);
	sh1->sh_name = saved_name;

	/* A table without its final NUL: the last name stops at its end. */
	str->sh_size -= 1;
	try_image(&im, im.len, &o, &p, &s);
	EXPECT_EQ(0, s);
	*str = saved_str;

	/* A name of 40 characters or more: -EINVAL, as the original. */
	{
		unsigned char *tab = im.buf + saved_str.sh_offset;
		uint64_t i, run = 0;

		/* Join names by overwriting NULs until one is 40+ long. */
		for (i = 0; i + 1 < saved_str.sh_size && run < 40; i++) {
			if (tab[i] == '\0') {
				tab[i] = 'x';
			}
			run++;
		}
		sh1->sh_name = 0;
		try_image(&im, im.len, &o, &p, &s);
		EXPECT_EQ(-EINVAL, s);
	}
	free(im.buf);
}

/* Random corruption of the headers and tables: never a crash. */
TEST(elf_fuzz_headers)
{
	struct image im;
	unsigned char *orig;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int iter, o, p, s, ok = 0;

	image_load(_metadata, &im);
	orig = (unsigned char *)malloc(im.len);
	ASSERT_NE(NULL, orig);
	memcpy(orig, im.buf, im.len);
	for (iter = 0; iter < 3000; iter++) {
		int k, nflip = 1 + iter % 8;

		memcpy(im.buf, orig, im.len);
		for (k = 0; k < nflip; k++) {
			uint64_t where;

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			switch ((seed >> 60) % 3) {
			case 0:		/* the ELF header */
				where = (seed >> 20) % 64;
				break;
			case 1:		/* the section headers */
				where = im.eh->e_shoff + (seed >> 20) %
					(im.eh->e_shnum * sizeof(Elf64_Shdr));
				break;
			default:	/* the program headers */
				where = 64 + (seed >> 20) % (13 * sizeof(Elf64_Phdr));
				break;
			}
			if (where < (uint64_t)im.len)
				im.buf[where] = (unsigned char)(seed >> 8);
		}
		try_image(&im, im.len - (iter % 5 == 0 ? (int)(seed % 4096) : 0),
			  &o, &p, &s);
		ok += (o == 0 && p == 0 && s == 0);
	}
	TH_LOG("%d of 3000 corrupted images still parsed", ok);
	free(orig);
	free(im.buf);
}

/* ---- the headers as C11 and C++11 -------------------------------------- */

static int compile(const char *cc, const char *std, const char *lang)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "printf '#include \"dune.h\"\\n#include \"cpu-x86.h\"\\n"
		 "#include \"cpu-x86.h\"\\n#include \"elf.h\"\\n"
		 "#include \"dune.h\"\\nint main(void) { return 0; }\\n' | "
		 "%s -std=%s -Wall -Wextra -pedantic -Werror -I'%s/libdune' "
		 "-fsyntax-only -x %s - >&2", cc, std, LIBDUNE_SRCDIR, lang);
	return system(cmd);
}

TEST(headers_compile_c11_cxx11)
{
	struct stat st;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/libdune/dune.h", LIBDUNE_SRCDIR);
	if (stat(path, &st) != 0)
		SKIP(return, "no source tree at %s", LIBDUNE_SRCDIR);
	if (system("command -v gcc >/dev/null && command -v g++ >/dev/null") != 0)
		SKIP(return, "no gcc/g++");
	EXPECT_EQ(0, compile("gcc", "c11", "c"));
	EXPECT_EQ(0, compile("gcc", "gnu11", "c"));
	EXPECT_EQ(0, compile("g++", "c++11", "c++"));
	EXPECT_EQ(0, compile("g++", "gnu++17", "c++"));
}

TEST_HARNESS_MAIN
