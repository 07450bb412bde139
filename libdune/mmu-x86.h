/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmu-x86.h - x86-64 paging, control-register, MSR, segment and flag
 * constants, with the names and values of the original Dune's header
 * (inherited from JOS).  Usable from assembly (__ASSEMBLER__).
 *
 * Note that PGSIZE and BIG_PGSIZE are ints, as in the original: PGSIZE * n
 * is computed in int arithmetic.
 */
#ifndef JOS_MACHINE_MMU_X86_H
#define JOS_MACHINE_MMU_X86_H

/* UINT64, CAST64, ONE, NPTBITS and the types (mmu.h includes us back). */
#include "mmu.h"

/* ---- Paging geometry ------------------------------------------------ */

/*
 * PDX(n, la): the index into the level-n table for address la, where level
 * 0 is the page table, 1 the page directory, 2 the PDPT and 3 the PML4.
 */
#define PDXMASK		((1 << NPTBITS) - 1)
#define PDSHIFT(n)	(12 + NPTBITS * (n))
#define PDX(n, la)	((((uintptr_t) (la)) >> PDSHIFT(n)) & PDXMASK)
#define NPTENTRIES	(1 << NPTBITS)

/* 4 KiB pages. */
#define PGSHIFT		12
#define PGSIZE		(1 << PGSHIFT)
#define PGMASK		(PGSIZE - 1)
#define PGOFF(la)	(((uintptr_t) (la)) & PGMASK)
#define PGADDR(la)	(((uintptr_t) (la)) & ~CAST64(PGMASK))
#define PPN(la)		((la) >> PGSHIFT)

/* 2 MiB pages. */
#define BIG_PGSHIFT	21
#define BIG_PGSIZE	(1 << BIG_PGSHIFT)
#define BIG_PGMASK	(BIG_PGSIZE - 1)
#define BIG_PGOFF(la)	(((uintptr_t) (la)) & BIG_PGMASK)
#define BIG_PGADDR(la)	(((uintptr_t) (la)) & ~CAST64(BIG_PGMASK))

/* ---- Page-table entry bits ------------------------------------------- */

#define PTE_P		0x0001		/* present */
#define PTE_W		0x0002		/* writable */
#define PTE_U		0x0004		/* user (CPL 3) access */
#define PTE_PWT		0x0008		/* write-through */
#define PTE_PCD		0x0010		/* cache disable */
#define PTE_A		0x0020		/* accessed */
#define PTE_D		0x0040		/* dirty */
#define PTE_PS		0x0080		/* large page (in a PD or PDPT entry) */
#define PTE_PAT		0x0080		/* PAT (in a 4 KiB PTE) */
#define PTE_G		0x0100		/* global */
#define PTE_AVAIL	0x0E00		/* bits 9-11, free for software */
#define PTE_PAT_PS	0x1000		/* PAT (in a large-page entry) */
#define PTE_AVAIL2	0x7FF0000000000000	/* bits 52-62, free for software */
#define PTE_NX		0x8000000000000000	/* no execute */

/* libdune's software bits. */
#define PTE_COW		0x0200		/* copy on write; must also be read-only */
#define PTE_USR1	0x4000000000000000
#define PTE_USR2	0x2000000000000000
#define PTE_USR3	0x1000000000000000

/* The frame address (bits 51:12) and the flags of an entry. */
#define PTE_ADDR(pte)	((physaddr_t) (pte) & 0xffffffffff000)
#define PTE_FLAGS(pte)	((physaddr_t) (pte) & 0xfff0000000000fff)

/* ---- Control registers ----------------------------------------------- */

#define CR0_PE		0x1		/* protection enable */
#define CR0_MP		0x2		/* monitor coprocessor */
#define CR0_EM		0x4		/* emulation */
#define CR0_TS		0x8		/* task switched */
#define CR0_ET		0x10		/* extension type */
#define CR0_NE		0x20		/* numeric error */
#define CR0_WP		0x10000		/* write protect */
#define CR0_AM		0x40000		/* alignment mask */
#define CR0_NW		0x20000000	/* not write-through */
#define CR0_CD		0x40000000	/* cache disable */
#define CR0_PG		0x80000000	/* paging */

#define CR3_PWT		0x8		/* page-level write-through */
#define CR3_PCD		0x10		/* page-level cache disable */

#define CR4_VME		0x1		/* V86 mode extensions */
#define CR4_PVI		0x2		/* protected-mode virtual interrupts */
#define CR4_TSD		0x4		/* time-stamp disable */
#define CR4_DE		0x8		/* debugging extensions */
#define CR4_PSE		0x10		/* page-size extensions */
#define CR4_PAE		0x20		/* physical-address extension */
#define CR4_MCE		0x40		/* machine-check enable */
#define CR4_PGE		0x80		/* page-global enable */
#define CR4_PCE		0x100		/* performance-counter enable */
#define CR4_OSFXSR	0x200		/* FXSAVE/FXRSTOR support */
#define CR4_OSX		0x400		/* unmasked SIMD exceptions */

/* ---- MSRs ------------------------------------------------------------- */

#define MTRR_CAP		0xfe
#define MTRR_CAP_VCNT_MASK	0xff
#define MTRR_CAP_FIX		0x100
#define MTRR_CAP_WC		0x400
#define MTRR_BASE(i)		(0x200 + 2 * (i))
#define MTRR_BASE_UC		0x00
#define MTRR_BASE_WC		0x01
#define MTRR_BASE_WT		0x04
#define MTRR_BASE_WP		0x05
#define MTRR_BASE_WB		0x06
#define MTRR_MASK(i)		(0x201 + 2 * (i))
#define MTRR_MASK_FULL		PGADDR((ONE << 36) - 1)
#define MTRR_MASK_VALID		0x800

#define EFER		0xc0000080
#define EFER_SCE	0x1		/* SYSCALL enable */
#define EFER_LME	0x100		/* long mode enable */
#define EFER_LMA	0x400		/* long mode active */
#define EFER_NXE	0x800		/* no-execute enable */
#define EFER_FFXSR	0x4000		/* fast FXSAVE/FXRSTOR */

#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101

#define MSR_DEBUG_CTL	0x1d9
#define DEBUG_CTL_LBR	(1 << 0)
#define MSR_LBR_FROM_IP	0x1db
#define MSR_LBR_TO_IP	0x1dc
#define MSR_LEX_FROM_IP	0x1dd
#define MSR_LEX_TO_IP	0x1de

/* ---- Debug register 7 ------------------------------------------------- */

#define DR7_L(n)	(ONE << ((n) * 2))
#define DR7_G(n)	(ONE << ((n) * 2 + 1))
#define DR7_LE		(ONE << 8)
#define DR7_GE		(ONE << 9)
#define DR7_GD		(ONE << 13)
#define DR7_RW_SHIFT(n)	((n) * 4 + 16)
#define DR7_LEN_SHIFT(n) ((n) * 4 + 18)
#define DR7_RW_EXEC	0x0
#define DR7_RW_WRITE	0x1
#define DR7_RW_IO	0x2
#define DR7_RW_RW	0x3
#define DR7_LEN_1	0x0
#define DR7_LEN_2	0x1
#define DR7_LEN_8	0x2
#define DR7_LEN_4	0x3

/* ---- RFLAGS ------------------------------------------------------------ */

#define FL_CF		0x1		/* carry */
#define FL_PF		0x4		/* parity */
#define FL_AF		0x10		/* auxiliary carry */
#define FL_ZF		0x40		/* zero */
#define FL_SF		0x80		/* sign */
#define FL_TF		0x100		/* trap */
#define FL_IF		0x200		/* interrupt enable */
#define FL_DF		0x400		/* direction */
#define FL_OF		0x800		/* overflow */
#define FL_IOPL_MASK	0x3000		/* I/O privilege level */
#define FL_IOPL_0	0x0
#define FL_IOPL_1	0x1000
#define FL_IOPL_2	0x2000
#define FL_IOPL_3	0x3000
#define FL_NT		0x4000		/* nested task */
#define FL_RF		0x10000		/* resume */
#define FL_VM		0x20000		/* virtual-8086 mode */
#define FL_AC		0x40000		/* alignment check */
#define FL_VIF		0x80000		/* virtual interrupt */
#define FL_VIP		0x100000	/* virtual interrupt pending */
#define FL_ID		0x200000	/* CPUID available */

/* ---- Page-fault error code --------------------------------------------- */

#define FEC_P		0x1		/* protection violation (page present) */
#define FEC_W		0x2		/* write access */
#define FEC_U		0x4		/* access at CPL 3 */
#define FEC_RSV		0x8		/* reserved bit set in an entry */
#define FEC_I		0x10		/* instruction fetch */

/* ---- Segment descriptors ----------------------------------------------- */

/* Type bits, as in the type field (STA_*) and shifted into place (SEG_*). */
#define STA_A		(ONE << 0)	/* accessed */
#define STA_W		(ONE << 1)	/* writable (data) */
#define STA_E		(ONE << 2)	/* expand down (data) */
#define STA_X		(ONE << 3)	/* executable (code) */
#define STA_R		(ONE << 1)	/* readable (code) */
#define STA_C		(ONE << 2)	/* conforming (code) */

#define SEG_A		(STA_A << 40)
#define SEG_W		(STA_W << 40)
#define SEG_E		(STA_E << 40)
#define SEG_X		(STA_X << 40)
#define SEG_R		(STA_R << 40)
#define SEG_C		(STA_C << 40)

#define SEG_S		(ONE << 44)	/* code or data (not system) */
#define SEG_DPL(x)	(((x) & UINT64(3)) << 45)
#define SEG_P		(ONE << 47)	/* present */
#define SEG_L		(ONE << 53)	/* 64-bit code */
#define SEG_D		(ONE << 54)	/* default operand size 32 */
#define SEG_G		(ONE << 55)	/* limit in 4 KiB units */

/* System-descriptor types. */
#define SEG_LDT		(UINT64(0x2) << 40)
#define SEG_TSSA	(UINT64(0x9) << 40)	/* available 64-bit TSS */
#define SEG_TSSB	(UINT64(0xa) << 40)	/* busy 64-bit TSS */
#define SEG_CG		(UINT64(0xc) << 40)	/* call gate */
#define SEG_IG		(UINT64(0xe) << 40)	/* interrupt gate */
#define SEG_TG		(UINT64(0xf) << 40)	/* trap gate */

/* A 20-bit limit and a base, spread over the descriptor's fields. */
#define SEG_LIM(x)	((CAST64(x) & 0xffff) | ((CAST64(x) & 0xf0000) << 32))
#define SEG_BASELO(x)	(((CAST64(x) & 0xffffff) << 16) | \
			 ((CAST64(x) & 0xff000000) << 32))
#define SEG_BASEHI(x)	(CAST64(x) >> 32)	/* the second quadword of a system descriptor */

#ifdef __ASSEMBLER__
/* A flat 32-bit code or data descriptor, in the assembler's syntax. */
#define SEG32_ASM(type, base, lim)					\
	.word (((lim) >> 12) & 0xffff), ((base) & 0xffff);		\
	.byte (((base) >> 16) & 0xff), (0x90 | (type)),			\
		(0xc0 | (((lim) >> 28) & 0xf)), (((base) >> 24) & 0xff)
#else
/* A 32-bit code or data descriptor: lim in bytes, 4 KiB granularity. */
#define SEG32(type, base, lim, dpl)					\
	((type) | SEG_S | SEG_P | SEG_D | SEG_G | SEG_DPL(dpl) |	\
	 SEG_BASELO(base) | SEG_LIM((lim) >> 12))
/* A 64-bit code or data descriptor (base and limit are ignored). */
#define SEG64(type, dpl)						\
	((type) | SEG_S | SEG_P | SEG_G | SEG_L | SEG_DPL(dpl) |	\
	 SEG_LIM(0xfffff))
#endif

/* Gates: a selector and a 64-bit target, spread over two quadwords. */
#define SEG_SEL(x)	((CAST64(x) & 0xffff) << 16)
#define SEG_TARGETLO(x)	((CAST64(x) & 0xffff) | ((CAST64(x) & 0xffff0000) << 32))
#define SEG_TARGETHI(x)	(CAST64(x) >> 32)
#define GATE32(type, sel, target, dpl)					\
	((type) | SEG_DPL(dpl) | SEG_P | SEG_SEL(sel) | SEG_TARGETLO(target))
#define SETGATE(gate, type, sel, target, dpl)				\
	do {								\
		(gate).gd_lo = GATE32(type, sel, target, dpl);		\
		(gate).gd_hi = SEG_TARGETHI(target);			\
	} while (0)

#ifndef __ASSEMBLER__
/* The FXSAVE image (512 bytes). */
struct Fpregs {
	uint16_t cwd;
	uint16_t swd;
	uint16_t twd;
	uint16_t fop;
	uint64_t rip;
	uint64_t rdp;
	uint32_t mxcsr;
	uint32_t mxcsr_mask;
	uint32_t st_space[32];
	uint32_t xmm_space[64];
	uint32_t padding[24];
};
#endif

#endif /* JOS_MACHINE_MMU_X86_H */
