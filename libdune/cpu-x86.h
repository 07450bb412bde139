/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu-x86.h - x86-64 trap numbers, descriptor-table structures and MSR
 * access, with the names of the original Dune's header.  Programs include
 * it directly (dune.h does not).  Unlike the original, it has an include
 * guard and includes what it uses.
 *
 * The MSR helpers execute RDMSR/WRMSR: in Dune mode, FS_BASE and GS_BASE
 * work; STAR, LSTAR, FMASK and KERNEL_GS_BASE belong to libdune and must
 * not be written by programs; any other MSR raises #GP.  Natively, every
 * one of them raises #GP (SIGSEGV).
 */
#ifndef LIBDUNE_CPU_X86_H
#define LIBDUNE_CPU_X86_H

#include <stdint.h>

typedef uint64_t u64;

/* ---- MSRs ------------------------------------------------------------ */

#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_LSTAR		0xc0000082

/* How a 64-bit value travels in EDX:EAX. */
#define DECLARE_ARGS(val, low, high)	unsigned low, high
#define EAX_EDX_VAL(val, low, high)	((low) | ((u64) (high) << 32))
#define EAX_EDX_ARGS(val, low, high)	"a" (low), "d" (high)
#define EAX_EDX_RET(val, low, high)	"=a" (low), "=d" (high)

static inline unsigned long long native_read_msr(unsigned int msr)
{
	DECLARE_ARGS(val, low, high);

	__asm__ __volatile__("rdmsr" : EAX_EDX_RET(val, low, high) : "c" (msr));
	return EAX_EDX_VAL(val, low, high);
}

static inline void native_write_msr(unsigned int msr, unsigned low, unsigned high)
{
	__asm__ __volatile__("wrmsr" : : "c" (msr), "a" (low), "d" (high) : "memory");
}

/* rdmsrl assigns the MSR's value to val; wrmsrl writes a 64-bit value. */
#define rdmsrl(msr, val)	((val) = native_read_msr((msr)))
#define wrmsrl(msr, val)						\
	native_write_msr((msr), (unsigned) ((u64) (val)),		\
			 (unsigned) ((u64) (val) >> 32))

/* ---- Descriptor tables ----------------------------------------------- */

/* The operand of LGDT/LIDT/SGDT/SIDT. */
struct tptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define IDTD_P			(1 << 7)
#define IDTD_CPL3		(3 << 5)
#define IDTD_TRAP_GATE		0xF
#define IDTD_INTERRUPT_GATE	0xE

#define IDT_ENTRIES		256

/* A 64-bit IDT gate. */
struct idtd {
	uint16_t low;		/* target 15:0 */
	uint16_t selector;
	uint8_t ist;		/* IST index in bits 2:0 */
	uint8_t type;		/* type, DPL, P */
	uint16_t middle;	/* target 31:16 */
	uint32_t high;		/* target 63:32 */
	uint32_t zero;
} __attribute__((packed, aligned));

/* ---- Trap numbers (vectors) -------------------------------------------- */

#define T_DIVIDE	0	/* divide error */
#define T_DEBUG		1	/* debug exception */
#define T_NMI		2	/* non-maskable interrupt */
#define T_BRKPT		3	/* breakpoint */
#define T_OFLOW		4	/* overflow */
#define T_BOUND		5	/* bounds check */
#define T_ILLOP		6	/* illegal opcode */
#define T_DEVICE	7	/* device not available */
#define T_DBLFLT	8	/* double fault */
#define T_TSS		10	/* invalid task-switch segment */
#define T_SEGNP		11	/* segment not present */
#define T_STACK		12	/* stack exception */
#define T_GPFLT		13	/* general protection fault */
#define T_PGFLT		14	/* page fault */
#define T_FPERR		16	/* x87 floating-point error */
#define T_ALIGN		17	/* alignment check */
#define T_MCHK		18	/* machine check */
#define T_SIMDERR	19	/* SIMD floating-point error */

/* Defined by the original, used by nothing ("arbitrarily chosen"). */
#define T_SYSCALL	48

#endif /* LIBDUNE_CPU_X86_H */
