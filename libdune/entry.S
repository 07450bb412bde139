/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - the few places where libdune needs exact control of the
 * registers and the stack.
 *
 *  dune_enter          native -> Dune mode: capture the caller's state and
 *                      move to the host stack, where the host loop runs
 *  dune_native_resume  Dune mode -> native: load a complete register set
 *                      and jump, without touching the target's stack
 *  dune_raw_clone      clone/clone3 whose child starts on a stack we chose
 *  dune_thread_exit    munmap the thread's own stack, then exit
 *  dune_syscall_entry  the guest's LSTAR: SYSCALL in Dune mode lands here
 *  dune_exc_stubs      the guest's IDT targets, one per vector
 *
 * Two facts shape all of it.  First, in Dune mode the guest runs at ring 0
 * on the thread's own stack, and SYSCALL, exceptions and VM exits do not
 * switch stacks by themselves: a guest exception without an IST stack
 * would push its frame right into the red zone (the 128 bytes below RSP
 * that leaf functions use without moving RSP).  So the guest never pushes
 * anything on its own stack, and the host side never uses it.  Second, the
 * guest resumes with every general-purpose register it had: the host loop
 * decides them all, in a struct dune_regs, and the code below only moves
 * them between that structure and the CPU.
 */
#include <asm/unistd.h>
#include "internal.h"

	.text

/*
 * int dune_enter(void)
 *
 * Called natively like any C function.  It asks dune_enter_prepare() for
 * the thread's state (creating its vCPU if needed), records in it the
 * state the caller will have right after "ret" - callee-saved registers,
 * RSP above the return address, RIP = the return address, RAX = 0 - and
 * starts the host loop on the thread's host stack.  The host loop's first
 * DUNE_RUN resumes exactly there, in Dune mode: to the caller, dune_enter
 * returned 0.  Caller-saved registers are not preserved by a call anyway;
 * prepare zeroed them, so no host pointers leak into the guest.
 */
	.globl	dune_enter
	.type	dune_enter, @function
	.balign	16
dune_enter:
	/*
	 * Already in Dune mode?  Linux's user code segment has RPL 3, libdune's
	 * guest code segment RPL 0.
	 */
	xorl	%eax, %eax
	movw	%cs, %ax
	testb	$3, %al
	jnz	1f
	xorl	%eax, %eax
	ret
1:
	subq	$8, %rsp			/* 16-byte alignment for the call */
	call	dune_enter_prepare
	addq	$8, %rsp
	cmpq	$-4095, %rax
	jae	2f				/* -errno: return it */

	movq	%rbx, DUNE_T_REGS+DUNE_R_RBX(%rax)
	movq	%rbp, DUNE_T_REGS+DUNE_R_RBP(%rax)
	movq	%r12, DUNE_T_REGS+DUNE_R_R12(%rax)
	movq	%r13, DUNE_T_REGS+DUNE_R_R13(%rax)
	movq	%r14, DUNE_T_REGS+DUNE_R_R14(%rax)
	movq	%r15, DUNE_T_REGS+DUNE_R_R15(%rax)
	leaq	8(%rsp), %rcx			/* RSP after "ret" */
	movq	%rcx, DUNE_T_REGS+DUNE_R_RSP(%rax)
	movq	(%rsp), %rcx			/* the return address */
	movq	%rcx, DUNE_T_REGS+DUNE_R_RIP(%rax)
	pushfq
	popq	%rcx
	movq	%rcx, DUNE_T_REGS+DUNE_R_RFLAGS(%rax)
	movq	$0, DUNE_T_REGS+DUNE_R_RAX(%rax)

	/* From here on, never the guest's stack again. */
	movq	DUNE_T_HOST_STACK_TOP(%rax), %rsp
	movq	%rax, %rdi
	xorl	%ebp, %ebp
	call	dune_host_loop_enter		/* does not return */
	ud2
2:
	ret
	.size	dune_enter, . - dune_enter

/*
 * void dune_native_resume(const struct dune_regs *regs)
 *
 * Continue natively (ring 3, host mode) with exactly the registers in
 * @regs.  The difficulty is the last three - RFLAGS, RSP, RIP - which must
 * change together, after every general-purpose register is already loaded,
 * and without writing below the target RSP (the red zone).  IRETQ does
 * exactly that: it pops RIP, CS, RFLAGS, RSP, SS from the *current* stack,
 * which is the host stack (or a scratch stack), never the target's.  At
 * CPL 3 IRETQ to CPL 3 is an ordinary instruction; it ignores IF and IOPL
 * in the image, and the C caller cleared what it must not contain (NT).
 */
	.globl	dune_native_resume
	.hidden	dune_native_resume
	.type	dune_native_resume, @function
	.balign	16
dune_native_resume:
	andq	$-16, %rsp
	xorl	%eax, %eax
	movw	%ss, %ax
	pushq	%rax				/* SS */
	pushq	DUNE_R_RSP(%rdi)		/* RSP */
	pushq	DUNE_R_RFLAGS(%rdi)		/* RFLAGS */
	movw	%cs, %ax
	pushq	%rax				/* CS */
	pushq	DUNE_R_RIP(%rdi)		/* RIP */

	movq	DUNE_R_RAX(%rdi), %rax
	movq	DUNE_R_RBX(%rdi), %rbx
	movq	DUNE_R_RCX(%rdi), %rcx
	movq	DUNE_R_RDX(%rdi), %rdx
	movq	DUNE_R_RSI(%rdi), %rsi
	movq	DUNE_R_RBP(%rdi), %rbp
	movq	DUNE_R_R8(%rdi), %r8
	movq	DUNE_R_R9(%rdi), %r9
	movq	DUNE_R_R10(%rdi), %r10
	movq	DUNE_R_R11(%rdi), %r11
	movq	DUNE_R_R12(%rdi), %r12
	movq	DUNE_R_R13(%rdi), %r13
	movq	DUNE_R_R14(%rdi), %r14
	movq	DUNE_R_R15(%rdi), %r15
	movq	DUNE_R_RDI(%rdi), %rdi
	iretq
	.size	dune_native_resume, . - dune_native_resume

/*
 * long dune_raw_clone(const unsigned long req[8])
 *
 * req[0] = __NR_clone or __NR_clone3, req[1..5] = its arguments,
 * req[6] = child function, req[7] = its argument.
 *
 * The kernel starts the child right after the SYSCALL instruction, with
 * the parent's registers except RAX = 0 (and RCX, R11), on the stack the
 * caller put in the arguments - or, when it put none, on the parent's
 * stack at the parent's RSP (then the child has its own copy of it: fork).
 * The child must not return into C code that the compiler arranged for the
 * parent, so it calls the child function, which never returns.  The
 * function and its argument travel in R12 and R13, which the system call
 * preserves.
 */
	.globl	dune_raw_clone
	.hidden	dune_raw_clone
	.type	dune_raw_clone, @function
	.balign	16
dune_raw_clone:
	pushq	%r12
	pushq	%r13
	movq	48(%rdi), %r12
	movq	56(%rdi), %r13
	movq	0(%rdi), %rax
	movq	16(%rdi), %rsi
	movq	24(%rdi), %rdx
	movq	32(%rdi), %r10
	movq	40(%rdi), %r8
	movq	8(%rdi), %rdi
	syscall
	testq	%rax, %rax
	jz	1f
	popq	%r13				/* parent, or error */
	popq	%r12
	ret
1:
	xorl	%ebp, %ebp			/* child: outermost frame */
	andq	$-16, %rsp
	movq	%r13, %rdi
	call	*%r12				/* does not return */
	ud2
	.size	dune_raw_clone, . - dune_raw_clone

/*
 * void dune_thread_exit(void *area, size_t len, long status)
 *
 * The end of a thread that called exit(2) in Dune mode.  Its host stack,
 * on which this runs, is part of @area: after the munmap nothing may touch
 * the stack, so the status waits in R12 (SYSCALL preserves it) and the
 * exit follows at once.  The caller blocked all signals: a handler could
 * not run without a stack.
 */
	.globl	dune_thread_exit
	.hidden	dune_thread_exit
	.type	dune_thread_exit, @function
	.balign	16
dune_thread_exit:
	movq	%rdx, %r12
	movl	$__NR_munmap, %eax
	syscall
	movq	%r12, %rdi
1:
	movl	$__NR_exit, %eax
	syscall
	jmp	1b
	.size	dune_thread_exit, . - dune_thread_exit

/*
 * The guest's system-call entry (IA32_LSTAR).  SYSCALL at ring 0 arrives
 * here with RCX = the return RIP and R11 = RFLAGS, and the same stack.
 * VMCALL leaves the guest; the host loop recognises it by the RIP after it
 * (dune_syscall_vmcall_ret), re-issues the system call natively, and
 * resumes the guest at RCX as SYSRET would.  The guest never executes
 * the ud2.
 */
	.globl	dune_syscall_entry
	.hidden	dune_syscall_entry
	.globl	dune_syscall_vmcall_ret
	.hidden	dune_syscall_vmcall_ret
	.balign	16
dune_syscall_entry:
	vmcall
dune_syscall_vmcall_ret:
	ud2

/*
 * Exception stubs: the IDT points vector N at dune_exc_stubs + 16 * N.
 * All gates use IST1, so the CPU switches to the thread's exception stack
 * before pushing SS, RSP, RFLAGS, CS, RIP (and an error code for vectors
 * 8, 10-14, 17, 21, 29 and 30).  Each stub makes the frame uniform - a 0
 * where there is no error code - pushes its vector and joins the common
 * stub.  The .org at the end of each pads it to 16 bytes and stops the
 * build if a stub ever outgrows its slot.
 */
	.globl	dune_exc_stubs
	.hidden	dune_exc_stubs
	.balign	16
dune_exc_stubs:
	.set	.Lvec, 0
	.rept	256
	.if	(.Lvec == 8) || ((.Lvec >= 10) && (.Lvec <= 14)) || (.Lvec == 17) || (.Lvec == 21) || (.Lvec == 29) || (.Lvec == 30)
	.else
	pushq	$0
	.endif
	pushq	$.Lvec
	jmp	dune_exc_common
	.org	dune_exc_stubs + DUNE_EXC_STUB_SIZE * (.Lvec + 1), 0xcc
	.set	.Lvec, .Lvec + 1
	.endr

/*
 * The common part.  If the program registered a handler for the vector
 * (trap.c), the exception is handled right here in the guest, without a
 * VM exit (.Ldispatch).  A page fault always goes to the host loop first,
 * and so does any vector without a handler: save what the host loop needs
 * and cannot read from the VMCS - CR2 (the #PF address) - and the two
 * registers this code uses, then leave the guest with VMCALL.  The host
 * loop reads the whole frame (struct dune_exc_frame) at the guest RSP, and
 * either fixes the cause and "returns" from the exception by loading RIP,
 * RSP, RFLAGS, RAX and RDX from the frame, or sends a page fault back to
 * the dispatch path below (dune_exc_redispatch), or replays the faulting
 * instruction natively.
 */
	.globl	dune_exc_vmcall_ret
	.hidden	dune_exc_vmcall_ret
	.globl	dune_exc_redispatch
	.hidden	dune_exc_redispatch
	.balign	16
dune_exc_common:
	pushq	%rax
	movq	8(%rsp), %rax			/* the vector */
	cmpq	$14, %rax
	je	.Lto_host
	pushq	%rdx
	leaq	dune_intr_cbs(%rip), %rdx
	cmpq	$0, (%rdx,%rax,8)
	popq	%rdx
	jne	.Ldispatch
.Lto_host:
	pushq	%rdx
	movq	%cr2, %rax
	pushq	%rax
	vmcall
dune_exc_vmcall_ret:
	ud2

/*
 * The host loop resumes a page fault here, with RSP at the frame it left
 * (CR2, RDX, RAX, vector, error code, IRET frame) and RAX, RDX as at the
 * VMCALL: undo the two pushes and dispatch.
 */
dune_exc_redispatch:
	addq	$8, %rsp			/* CR2: the register still holds it */
	popq	%rdx
	movq	8(%rsp), %rax

/*
 * Dispatch in the guest.  On IST1: [RAX][vector]([error code])[RIP][CS]
 * [RFLAGS][RSP][SS], RAX = the vector.
 *
 * 1. Give the frame an error code if it has none: an INT n on a vector for
 *    which the CPU pushes one (a software interrupt pushes none) lands 8
 *    bytes higher, which the 16-byte alignment of the IST frame shows.
 * 2. Build struct dune_tf (dune.h, the original's layout) and the vector
 *    on the interrupted stack, below its 128-byte red zone, 64-byte
 *    aligned and with room for an XSAVE area: from then on IST1 is free,
 *    and a handler may take exceptions of its own.
 * 3. XSAVE the interrupted FPU state (the handler is ordinary C and may
 *    use SSE and AVX), call dune_trap_dispatch(vector, tf), XRSTOR.
 * 4. Load every register from the frame, which the handler may have
 *    changed, and IRETQ.
 *
 * Handler stack, from the top down: XSAVE area (4096 bytes, 64-aligned),
 * struct dune_tf (168 bytes), the vector (8 bytes) at the new RSP.
 */
#define TRAP_XSAVE_SIZE		4096
#define TRAP_FRAME		(8 + DUNE_TF_SIZE)	/* vector + tf: 176 */
.Ldispatch:
	testq	$8, %rsp
	jz	1f
	subq	$8, %rsp			/* no error code: make room for one */
	movq	8(%rsp), %rax
	movq	%rax, (%rsp)			/* saved RAX */
	movq	16(%rsp), %rax
	movq	%rax, 8(%rsp)			/* the vector */
	movq	$0, 16(%rsp)			/* error code 0 */
1:	pushq	%rdx
	/* 0 RDX, 8 RAX, 16 vector, 24 error, 32 RIP, 40 CS, 48 RFLAGS, 56 RSP, 64 SS */
	movq	56(%rsp), %rdx
	subq	$128, %rdx
	andq	$-64, %rdx
	subq	$(TRAP_XSAVE_SIZE + TRAP_FRAME), %rdx
	movq	%rdi, 8+0(%rdx)
	movq	%rsi, 8+8(%rdx)
	movq	(%rsp), %rdi
	movq	%rdi, 8+16(%rdx)		/* RDX */
	movq	%rcx, 8+24(%rdx)
	movq	%r8, 8+32(%rdx)
	movq	%r9, 8+40(%rdx)
	movq	%r10, 8+48(%rdx)
	movq	%r11, 8+56(%rdx)
	movq	%rbx, 8+64(%rdx)
	movq	%rbp, 8+72(%rdx)
	movq	%r12, 8+80(%rdx)
	movq	%r13, 8+88(%rdx)
	movq	%r14, 8+96(%rdx)
	movq	%r15, 8+104(%rdx)
	movq	8(%rsp), %rdi
	movq	%rdi, 8+112(%rdx)		/* RAX */
	movq	24(%rsp), %rdi
	movq	%rdi, 8+120(%rdx)		/* error code */
	movq	32(%rsp), %rdi
	movq	%rdi, 8+128(%rdx)		/* RIP */
	movq	40(%rsp), %rdi
	movq	%rdi, 8+136(%rdx)		/* CS */
	movq	48(%rsp), %rdi
	movq	%rdi, 8+144(%rdx)		/* RFLAGS */
	movq	56(%rsp), %rdi
	movq	%rdi, 8+152(%rdx)		/* RSP */
	movq	64(%rsp), %rdi
	movq	%rdi, 8+160(%rdx)		/* SS */
	movq	16(%rsp), %rdi
	movq	%rdi, (%rdx)			/* the vector */
	movq	%rdx, %rsp			/* off IST1 */

	/* XSAVE needs a zeroed header (bytes 512-575) to XRSTOR from later. */
	leaq	TRAP_FRAME(%rsp), %rdi
	xorl	%eax, %eax
	movq	%rax, 512(%rdi)
	movq	%rax, 520(%rdi)
	movq	%rax, 528(%rdi)
	movq	%rax, 536(%rdi)
	movq	%rax, 544(%rdi)
	movq	%rax, 552(%rdi)
	movq	%rax, 560(%rdi)
	movq	%rax, 568(%rdi)
	movl	dune_xsave_mask(%rip), %eax
	movl	dune_xsave_mask+4(%rip), %edx
	xsave64	(%rdi)

	cld
	sti
	movq	(%rsp), %rdi			/* vector */
	leaq	8(%rsp), %rsi			/* tf */
	call	dune_trap_dispatch
	cli

	leaq	TRAP_FRAME(%rsp), %rdi
	movl	dune_xsave_mask(%rip), %eax
	movl	dune_xsave_mask+4(%rip), %edx
	xrstor64 (%rdi)

	addq	$8, %rsp			/* the vector: RSP = tf */
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%rbx
	popq	%rbp
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	popq	%rax
	addq	$8, %rsp			/* the error code */
	iretq

	.section .note.GNU-stack, "", @progbits
