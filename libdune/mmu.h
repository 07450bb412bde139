/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmu.h - page-table entries and x86-64 system structures, with the names
 * of the original Dune's header (inherited from JOS).  The constants are in
 * mmu-x86.h, which this header includes.
 */
#ifndef JOS_MACHINE_MMU_H
#define JOS_MACHINE_MMU_H

#ifndef __ASSEMBLER__
#include "types.h"
#endif

#define UINT64(x)	((uint64_t) x)
#define CAST64(x)	((uint64_t) x)
#define ONE		UINT64(1)

#include "mmu-x86.h"

/* Page-table geometry as the original counts it (levels below the root). */
#define NPTBITS		9
#define NPTLVLS		3
#define PD_SKIP		6

#ifndef __ASSEMBLER__

/* One entry of a page table, at any level. */
typedef uint64_t ptent_t;

/*
 * The operand of LGDT/LIDT, padded so that pd_lim..pd_base are contiguous
 * and pd_base is 8-byte aligned: pass &pd_lim to the instruction.
 */
struct Pseudodesc {
	uint16_t pd__garbage1;
	uint16_t pd__garbage2;
	uint16_t pd__garbage3;
	uint16_t pd_lim;
	uint64_t pd_base;
} __attribute__((packed));

/*
 * The 64-bit task-state segment (104 bytes).  tss_ist[0] overlays the
 * reserved quadword before IST1, so tss_ist[n] is ISTn.
 */
struct Tss {
	char tss__ign1[4];
	uint64_t tss_rsp[3];
	uint64_t tss_ist[8];
	char tss__ign2[10];
	uint16_t tss_iomb;
	__extension__ uint8_t tss_iopb[];
} __attribute__((packed));

/* A 16-byte gate descriptor of the IDT, as two quadwords. */
struct Gatedesc {
	uint64_t gd_lo, gd_hi;
};

/* Extra trap-frame state; empty (a GNU extension in C). */
__extension__ struct Trapframe_aux {
};

/* The trap frame of JOS, 168 bytes; libdune uses struct dune_tf instead. */
struct Trapframe {
	uint64_t tf_rcx;
	uint64_t tf_rdx;
	uint64_t tf_rdi;
	uint64_t tf_r8;
	uint64_t tf_r9;
	uint64_t tf_r10;
	uint64_t tf_r11;
	uint64_t tf_rbx;
	uint64_t tf_rbp;
	uint64_t tf_r12;
	uint64_t tf_r13;
	uint64_t tf_r14;
	uint64_t tf_r15;
	__extension__ union {
		uint64_t tf_rsi;
		uint64_t tf__trapentry_rip;
	};
	uint64_t tf_rax;
	uint32_t tf_err;
	uint32_t tf__pad1;
	uint64_t tf_rip;
	uint16_t tf_cs;
	uint16_t tf_ds;
	uint16_t tf_es;
	uint16_t tf_fs;
	uint64_t tf_rflags;
	uint64_t tf_rsp;
	uint16_t tf_ss;
	uint16_t tf_gs;
	uint16_t tf__pad3[2];
};

#endif /* !__ASSEMBLER__ */

#endif /* JOS_MACHINE_MMU_H */
