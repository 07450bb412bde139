/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx_mitigate.S - our own copies of two speculation mitigations for the
 * VM entry and exit path, for kernels that export the kernel's own only to
 * KVM (7.x: x86_verw_sel and clear_bhb_loop, see compat.h).  Elsewhere
 * this file is empty and vmx_enter.S uses the kernel's.
 *
 * Both are used through ALTERNATIVE, keyed on the feature flags the kernel
 * sets for KVM's VM entries and exits (X86_FEATURE_CLEAR_CPU_BUF_VM,
 * X86_FEATURE_CLEAR_BHB_VMEXIT): on a CPU or a command line that does not
 * need them, the call sites are NOPs.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>

#include "compat.h"

#ifdef DUNE_PRIVATE_VERW_SEL
/*
 * VERW's memory operand.  On CPUs affected by MDS and related issues,
 * microcode makes VERW with a memory operand overwrite the CPU's fill
 * buffers, store buffers and load ports as a side effect (Intel, "Microarchitectural
 * Data Sampling", VERW instruction behaviour).  The operand must be a
 * valid, readable selector: the kernel's data segment.
 */
	.section .rodata, "a"
	.balign 2
SYM_DATA(dune_verw_sel, .word __KERNEL_DS)
	.text
#endif

#ifdef DUNE_PRIVATE_BHB_LOOP
/*
 * Branch History Injection (Intel, "Branch History Injection and
 * Intra-mode Branch Target Injection", the software sequence): the guest
 * chose the last taken branches, and the branch history buffer (BHB)
 * steers the host's indirect branches until enough of the host's own
 * branches replaced them.  So we take enough taken branches at once:
 * OUTER times a call followed by INNER taken jumps, each group in its own
 * 64-byte block so that the jumps land on distinct BHB entries: 5 x 5,
 * the counts 7.2's own sequence (arch/x86/entry/entry_64.S) uses.
 *
 * Clobbers RAX and RCX (the VM-exit path has just cleared them and holds
 * nothing there).  The calls are deliberate and return to where they came
 * from: each one pushes one return-stack entry that its RET pops.
 */
#define BHB_OUTER	5
#define BHB_INNER	5

SYM_FUNC_START(dune_clear_bhb_loop)
	ANNOTATE_NOENDBR		/* only called directly */
	push	%rbp
	mov	%rsp, %rbp
	movl	$BHB_OUTER, %ecx
	ANNOTATE_INTRA_FUNCTION_CALL
	call	.Louter
	jmp	.Ldone

	.balign	64, 0xcc
.Louter:
	ANNOTATE_INTRA_FUNCTION_CALL
	call	.Linner
	RET

	.balign	64, 0xcc
.Linner:
	movl	$BHB_INNER, %eax
.Ljump:
	jmp	.Lcount
	nop
.Lcount:
	sub	$1, %eax
	jnz	.Ljump
	sub	$1, %ecx
	jnz	.Louter
	RET

.Ldone:
	/* No speculation past the sequence before it has retired. */
	lfence
	pop	%rbp
	RET
SYM_FUNC_END(dune_clear_bhb_loop)
/* The calls nest on purpose: not a frame objtool can follow. */
STACK_FRAME_NON_STANDARD(dune_clear_bhb_loop)
#endif
