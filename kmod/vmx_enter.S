/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx_enter.S - the VM entry and the VM exit: where the CPU goes into the
 * guest and where it comes back.
 *
 *	int __dune_vmx_enter(struct dune_regs *regs, bool launched);
 *
 * Loads the guest's general-purpose registers from @regs and executes
 * VMLAUNCH (first entry since the last VMCLEAR) or VMRESUME.  The guest
 * runs until a VM exit; the CPU then loads the host-state area of the VMCS
 * (SDM Vol. 3C, 28.5), which sends it to dune_vmx_vmexit below with RSP
 * equal to HOST_RSP.  That is why this is assembly: between VMLAUNCH and
 * dune_vmx_vmexit no register except RSP and RIP survives, so the host's
 * callee-saved registers and the @regs pointer wait on the stack, and
 * HOST_RSP is written here, with the stack exactly as the exit will find
 * it.  RSP, RIP and RFLAGS of the guest live in the VMCS, not in @regs.
 *
 * Returns 0 after a VM exit, 1 for VMfailInvalid, 2 for VMfailValid (the
 * caller reads the VM-instruction error), 3 if VMLAUNCH/VMRESUME faulted
 * (VMX is off: an emergency shutdown is under way) and 4 if HOST_RSP could
 * not be written.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "compat.h"

/* The VMCS field encoding of HOST_RSP (SDM Vol. 3D, B.4.4); vcpu.c checks it. */
#define VMCS_HOST_RSP	0x6c14

/* Offsets in struct dune_regs (uapi/linux/dune.h); vcpu.c checks them. */
#define REG_RAX		0
#define REG_RBX		8
#define REG_RCX		16
#define REG_RDX		24
#define REG_RSI		32
#define REG_RDI		40
#define REG_RBP		48
#define REG_R8		64
#define REG_R9		72
#define REG_R10		80
#define REG_R11		88
#define REG_R12		96
#define REG_R13		104
#define REG_R14		112
#define REG_R15		120

.section .noinstr.text, "ax"

SYM_FUNC_START(__dune_vmx_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* @regs, for the exit path; HOST_RSP points here. */
	push	%rdi

	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lhost_rsp_failed	/* CF=1 or ZF=1: VMfailInvalid/Valid */

	/*
	 * CF = @launched.  MOV leaves RFLAGS alone and VERW (the CPU-buffer
	 * clearing) changes only ZF, so CF survives to the JC below.
	 */
	bt	$0, %esi
	mov	REG_RBX(%rdi), %rbx
	mov	REG_RCX(%rdi), %rcx
	mov	REG_RDX(%rdi), %rdx
	mov	REG_RBP(%rdi), %rbp
	mov	REG_R8(%rdi), %r8
	mov	REG_R9(%rdi), %r9
	mov	REG_R10(%rdi), %r10
	mov	REG_R11(%rdi), %r11
	mov	REG_R12(%rdi), %r12
	mov	REG_R13(%rdi), %r13
	mov	REG_R14(%rdi), %r14
	mov	REG_R15(%rdi), %r15
	mov	REG_RAX(%rdi), %rax
	mov	REG_RSI(%rdi), %rsi
	mov	REG_RDI(%rdi), %rdi	/* last: this kills @regs */

	DUNE_VMENTER_CLEAR_CPU_BUFFERS
	jc	.Lvmresume

	/*
	 * A successful VMLAUNCH/VMRESUME "returns" at dune_vmx_vmexit, via
	 * HOST_RIP: tell objtool the stack is as it is here.
	 */
	UNWIND_HINT_SAVE
.Lvmlaunch:
	vmlaunch
	jmp	.Lvmfail
.Lvmresume:
	vmresume
	jmp	.Lvmfail

	_ASM_EXTABLE(.Lvmlaunch, .Lvmfault)
	_ASM_EXTABLE(.Lvmresume, .Lvmfault)

SYM_INNER_LABEL(dune_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	/* Save the guest's RAX, then use RAX for @regs. */
	push	%rax
	mov	8(%rsp), %rax
	pop	REG_RAX(%rax)
	mov	%rbx, REG_RBX(%rax)
	mov	%rcx, REG_RCX(%rax)
	mov	%rdx, REG_RDX(%rax)
	mov	%rsi, REG_RSI(%rax)
	mov	%rdi, REG_RDI(%rax)
	mov	%rbp, REG_RBP(%rax)
	mov	%r8, REG_R8(%rax)
	mov	%r9, REG_R9(%rax)
	mov	%r10, REG_R10(%rax)
	mov	%r11, REG_R11(%rax)
	mov	%r12, REG_R12(%rax)
	mov	%r13, REG_R13(%rax)
	mov	%r14, REG_R14(%rax)
	mov	%r15, REG_R15(%rax)
	xor	%ebx, %ebx		/* return 0: a VM exit */

.Lclear_regs:
	pop	%rax			/* drop @regs */
	/*
	 * No guest value may linger in a register, even for speculation:
	 * clear them all (RSP came from the VMCS, RBX holds the result).
	 */
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d

	/*
	 * The guest filled the return stack buffer with its own call sites:
	 * overwrite it before the first RET that could consume an entry,
	 * as the kernel does on every VM exit for KVM.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	DUNE_VMEXIT_CLEAR_BRANCH_HISTORY

	mov	%rbx, %rax
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

.Lvmfail:
	/* VMfailInvalid sets CF, VMfailValid sets ZF (SDM Vol. 3C, 31.2). */
	mov	$1, %ebx
	jc	.Lclear_regs
	mov	$2, %ebx
	jmp	.Lclear_regs

.Lvmfault:
	/* VMLAUNCH/VMRESUME raised #UD: VMX operation is off. */
	mov	$3, %ebx
	jmp	.Lclear_regs

.Lhost_rsp_failed:
	mov	$4, %ebx
	jmp	.Lclear_regs
SYM_FUNC_END(__dune_vmx_enter)
