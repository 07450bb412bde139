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
 * The host loop's system calls that a signal may interrupt with the guest
 * in a known state (sigctx.c).  A signal reaches the host half of the
 * thread, and its ucontext shows where the host loop was: sigctx.c
 * recognises these stubs by the RIP in it, and so knows which guest
 * registers the handler must see and how its edits take effect.
 *
 * long dune_run_call(long fd, unsigned long cmd, struct dune_run *run,
 *                    struct dune_thread *t)
 *
 * ioctl(fd, DUNE_RUN, run), after what host signals ask for first - one
 * test of two words on the way to the SYSCALL when they ask nothing:
 *  - t->sig_pending: signals for the guest's own handlers, to inject
 *    (intr.c: dune_intr_before_run sets up the run structure);
 *  - t->sig_deferred: signals sigctx.c held back, blocked meanwhile: they
 *    are unblocked here, and the kernel delivers them right away, with the
 *    guest state in *run complete.  Checked last, with nothing after it
 *    but the SYSCALL, so that none stays blocked while the guest runs.
 * From dune_run_call up to the SYSCALL, and in the slow path, the guest is
 * about to run with run->regs; at dune_run_call_done the ioctl has
 * returned (RAX).
 */
	.globl	dune_run_call
	.hidden	dune_run_call
	.globl	dune_run_call_insn
	.hidden	dune_run_call_insn
	.globl	dune_run_call_done
	.hidden	dune_run_call_done
	.globl	dune_run_call_end
	.hidden	dune_run_call_end
	.globl	dune_run_call_unblocked
	.hidden	dune_run_call_unblocked
	.type	dune_run_call, @function
	.balign	16
dune_run_call:
	movq	DUNE_T_SIG_PENDING(%rcx), %rax
	orq	DUNE_T_SIG_DEFERRED(%rcx), %rax
	jnz	2f
1:	movl	$__NR_ioctl, %eax
dune_run_call_insn:
	syscall
dune_run_call_done:
	ret
2:	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	subq	$8, %rsp			/* 16-byte aligned; 0(%rsp): a set */
	/* 0 set, 8 t, 16 run, 24 cmd, 32 fd */
	cmpq	$0, DUNE_T_SIG_PENDING(%rcx)
	je	3f
	movq	%rcx, %rdi
	call	dune_intr_before_run
3:	movq	8(%rsp), %rcx
	xorl	%eax, %eax
	xchgq	%rax, DUNE_T_SIG_DEFERRED(%rcx)	/* take the set: it may grow again */
	testq	%rax, %rax
	jz	4f
	movq	%rax, (%rsp)
	movl	$1, %edi			/* SIG_UNBLOCK */
	movq	%rsp, %rsi
	xorl	%edx, %edx
	movl	$8, %r10d
	movl	$__NR_rt_sigprocmask, %eax
	syscall
dune_run_call_unblocked:
	jmp	3b
	/*
	 * The handlers of the signals just unblocked ran here, out of the
	 * guest (tlb.c's state OUT): the TLB generation is checked again.
	 */
4:	movq	8(%rsp), %rdi
	call	dune_tlb_before_run
	addq	$8, %rsp
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	jmp	1b
dune_run_call_end:
	.size	dune_run_call, . - dune_run_call

/*
 * long dune_fwd_call(const struct dune_regs *r)
 *
 * The guest's system call, made natively with its number and arguments:
 * before dune_fwd_call_insn it has not started; at it, the kernel has set
 * it up for a restart (a handler with SA_RESTART); at dune_fwd_call_done
 * it has returned, with its result in RAX.
 */
	.globl	dune_fwd_call
	.hidden	dune_fwd_call
	.globl	dune_fwd_call_insn
	.hidden	dune_fwd_call_insn
	.globl	dune_fwd_call_done
	.hidden	dune_fwd_call_done
	.type	dune_fwd_call, @function
	.balign	16
dune_fwd_call:
	movq	DUNE_R_RAX(%rdi), %rax
	movq	DUNE_R_RSI(%rdi), %rsi
	movq	DUNE_R_RDX(%rdi), %rdx
	movq	DUNE_R_R10(%rdi), %r10
	movq	DUNE_R_R8(%rdi), %r8
	movq	DUNE_R_R9(%rdi), %r9
	movq	DUNE_R_RDI(%rdi), %rdi
dune_fwd_call_insn:
	syscall
dune_fwd_call_done:
	ret
	.size	dune_fwd_call, . - dune_fwd_call

/*
 * void dune_probe_write(uint64_t addr), void dune_probe_read(uint64_t addr)
 *
 * Touch @addr the way the guest tried to (loop.c, handle_ept_fault): a
 * locked OR of 0, or a load.  A SIGSEGV or SIGBUS there is the guest's
 * fault; a handler that moves the guest on makes sigctx.c resume here at
 * dune_probe_done instead of touching the address again.
 */
	.globl	dune_probe_write
	.hidden	dune_probe_write
	.globl	dune_probe_read
	.hidden	dune_probe_read
	.globl	dune_probe_done
	.hidden	dune_probe_done
	.type	dune_probe_write, @function
	.balign	16
dune_probe_write:
	lock orb $0, (%rdi)
	ret
	.size	dune_probe_write, . - dune_probe_write
	.type	dune_probe_read, @function
dune_probe_read:
	movb	(%rdi), %al
dune_probe_done:
	ret
	.size	dune_probe_read, . - dune_probe_read

/*
 * void dune_unblock_call(uint64_t *bits)
 *
 * rt_sigprocmask(SIG_UNBLOCK, bits, NULL, 8), with the guest state
 * complete in the run structure (sigctx.c: dune_sigctx_leave).
 */
	.globl	dune_unblock_call
	.hidden	dune_unblock_call
	.globl	dune_unblock_call_end
	.hidden	dune_unblock_call_end
	.type	dune_unblock_call, @function
	.balign	16
dune_unblock_call:
	movq	%rdi, %rsi
	movl	$1, %edi			/* SIG_UNBLOCK */
	xorl	%edx, %edx
	movl	$8, %r10d
	movl	$__NR_rt_sigprocmask, %eax
	syscall
	ret
dune_unblock_call_end:
	.size	dune_unblock_call, . - dune_unblock_call

/*
 * void dune_sigreturn(void): the restorer of the signal handlers libdune
 * installs itself (tlb.c), as libc's __restore_rt.
 */
	.globl	dune_sigreturn
	.hidden	dune_sigreturn
	.type	dune_sigreturn, @function
	.balign	16
dune_sigreturn:
	movl	$__NR_rt_sigreturn, %eax
	syscall
	ud2
	.size	dune_sigreturn, . - dune_sigreturn

/*
 * The guest's first instructions on a new vCPU (the host loop starts it
 * here once): KERNEL_GS_BASE = the thread (§7.4, invariant I3: it holds
 * the thread at every instruction outside the entry code, so that SWAPGS
 * finds it), then the registers the guest should have had.  The host loop
 * put the thread in EDX:EAX and the MSR number in ECX, and the guest's own
 * RAX, RDX and RIP in the thread.  RCX ends up equal to RIP, which is what
 * both cases need: dune_enter's caller does not care (RCX is caller-saved)
 * and a clone child has RCX = RIP, as after SYSCALL.  WRMSR of this MSR
 * causes no VM exit.
 */
	.globl	dune_guest_init
	.hidden	dune_guest_init
	.globl	dune_entry_text_start
	.hidden	dune_entry_text_start
	.balign	16
dune_entry_text_start:
dune_guest_init:
	wrmsr
	swapgs					/* GS = the thread */
	movq	%gs:DUNE_T_INIT_RAX, %rax
	movq	%gs:DUNE_T_INIT_RDX, %rdx
	movq	%gs:DUNE_T_INIT_RIP, %rcx
	swapgs
	jmp	*%rcx

/*
 * The guest's system-call entry (IA32_LSTAR).  SYSCALL arrives here with
 * RCX = the return RIP and R11 = RFLAGS, on the same stack, at CPL 0,
 * from ring 0 or ring 3: the thread's in_usermode flag tells which (I4),
 * found through SWAPGS, never through the GS base ring 3 may have set.
 *
 * From ring 0, VMCALL leaves the guest; the host loop recognises it by
 * the RIP after the VMCALL (dune_syscall_vmcall_ret), re-issues the system
 * call natively, and resumes the guest at RCX as SYSRET would.  The guest
 * never executes the ud2.  This path touches no memory but the flag (no
 * red zone).  From ring 3: .Lsys_user (ring-3 code, below).
 */
	.globl	dune_syscall_entry
	.hidden	dune_syscall_entry
	.globl	dune_syscall_vmcall_ret
	.hidden	dune_syscall_vmcall_ret
	.balign	16
dune_syscall_entry:
	swapgs
	testb	$1, %gs:DUNE_T_IN_USERMODE
	jnz	.Lsys_user
	swapgs
	vmcall
dune_syscall_vmcall_ret:
	ud2

/*
 * Exception stubs: the IDT points vector N at dune_exc_stubs + 16 * N.
 * Every gate has an IST: the CPU switches to one of the thread's exception
 * stacks - IST2 for a page fault, IST1 for the rest - before pushing SS,
 * RSP, RFLAGS, CS, RIP (and an error code for vectors 8, 10-14, 17, 21,
 * 29 and 30).  Each stub makes the frame uniform - a 0
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
	/*
	 * The TLB shootdown's vectors (tlb.c), on IST3: reload CR3, which
	 * flushes every non-global translation (SDM Vol. 3A, 4.10.4.1), and
	 * return.  The _CLI one was injected into a guest with IF = 0, which
	 * the host loop set for the entry: it clears IF (bit 9, in the second
	 * byte of the saved RFLAGS) before returning.  No VM exit, no C.
	 */
	.if	(.Lvec == DUNE_TLB_VECTOR) || (.Lvec == DUNE_TLB_VECTOR_CLI)
	pushq	%rax
	movq	%cr3, %rax
	movq	%rax, %cr3
	popq	%rax
	.if	.Lvec == DUNE_TLB_VECTOR_CLI
	andb	$0xfd, 17(%rsp)
	.endif
	iretq
	.else
	.if	(.Lvec == 8) || ((.Lvec >= 10) && (.Lvec <= 14)) || (.Lvec == 17) || (.Lvec == 21) || (.Lvec == 29) || (.Lvec == 30)
	.else
	pushq	$0
	.endif
	pushq	$.Lvec
	jmp	dune_exc_common
	.endif
	.org	dune_exc_stubs + DUNE_EXC_STUB_SIZE * (.Lvec + 1), 0xcc
	.set	.Lvec, .Lvec + 1
	.endr

/*
 * The common part.  If the program registered a handler for the vector
 * (trap.c), the exception is handled right here in the guest, without a
 * VM exit (.Ldispatch).  A page fault always goes to the host loop first,
 * and so does any vector without a handler: save what the host loop needs
 * and cannot read from the VMCS - CR2 (the #PF address), CR3 (are these
 * libdune's page tables?) - and the two registers this code uses, then
 * leave the guest with VMCALL.  The host
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
	/*
	 * From ring 3?  Then .Lexc_user: no VM exit, ever.  The frame is
	 * regular there (INT n at CPL 3 reaches only the DPL-3 gates 3 and 4,
	 * which have no error code), so RSP is 8 modulo 16 and CS at 24(%rsp).
	 */
	testq	$8, %rsp
	jz	1f
	testb	$3, 24(%rsp)
	jnz	.Lexc_user
1:	pushq	%rax
	/*
	 * Ring 0, but still on the stack ring 3 chose?  SYSCALL from ring 3
	 * switches to CPL 0 without switching stacks, and until .Lsys_user
	 * has loaded thread->r0_sp, RSP (and, before the SWAPGS, the GS
	 * base) are ring 3's.  The one exception that can arrive there is a
	 * #DB on the first instruction: a single-step trap ring 3 armed with
	 * TF, or one it held back past the SYSCALL with MOV SS (SDM Vol. 3A,
	 * 6.8.3; CVE-2018-8897).  This frame is on IST1, but .Ldispatch would
	 * build the handler's frame on the interrupted stack - ring 3's
	 * choice, any address libdune can write.  So: a #DB there is ring 3's
	 * own single step, which ring 3 gets back anyway (its TF is in R11
	 * and returns with it): drop it and resume the entry.  Anything else
	 * there goes to the host loop, never to .Ldispatch.
	 * 0 RAX, 8 vector, 16 error, 24 RIP, 32 CS, 40 RFLAGS, 48 RSP, 56 SS.
	 */
	leaq	dune_syscall_entry(%rip), %rax
	cmpq	%rax, 24(%rsp)
	jb	2f
	leaq	dune_syscall_vmcall_ret(%rip), %rax
	cmpq	%rax, 24(%rsp)
	jb	.Lexc_on_user_stack
	leaq	.Lsys_user(%rip), %rax
	cmpq	%rax, 24(%rsp)
	jb	2f
	leaq	.Lsys_user_stacked(%rip), %rax
	cmpq	%rax, 24(%rsp)
	jb	.Lexc_on_user_stack
2:	movq	8(%rsp), %rax			/* the vector */
	cmpq	$14, %rax
	je	.Lpf_ring0
	pushq	%rdx
	leaq	dune_intr_cbs(%rip), %rdx
	cmpq	$0, (%rdx,%rax,8)
	popq	%rdx
	jne	.Ldispatch
.Lto_host:
	pushq	%rdx
	movq	%cr2, %rax
	pushq	%rax
	movq	%cr3, %rax
	pushq	%rax
	vmcall
dune_exc_vmcall_ret:
	ud2

.Lexc_on_user_stack:
	cmpq	$1, 8(%rsp)			/* #DB */
	jne	.Lto_host
	popq	%rax
	addq	$16, %rsp			/* the vector, the error code */
	iretq

/*
 * PGROOT_PRESENT va, fail: jump to \fail unless libdune's page tables
 * (pgroot, which the caller checked is CR3) have a present PD entry - or a
 * 1 GiB leaf - for the address in register \va.  A present entry is all a
 * chunk miss would have written.  The tables are pool pages, whose virtual
 * address is their physical one.  Uses RCX and RDX.
 */
.macro PGROOT_PRESENT va, fail
	movq	dune_vm+DUNE_VM_CR3(%rip), %rdx
	.irp	shift, 39, 30, 21
	movq	\va, %rcx
	shrq	$\shift, %rcx
	andl	$511, %ecx
	movq	(%rdx,%rcx,8), %rdx
	testb	$1, %dl				/* P */
	jz	\fail
	.if	\shift == 30
	testb	$0x80, %dl			/* PS: a 1 GiB leaf */
	jnz	.Lpresent\@
	.endif
	andq	.Lpte_addr(%rip), %rdx
	.endr
.Lpresent\@:
.endm

/*
 * A page fault in ring 0 with a handler registered, that cannot be a
 * chunk miss, is dispatched right here, like any other vector with a
 * handler: no VM exit.  Everything the host loop would have checked
 * before sending it back to .Ldispatch is checked, or the fault goes to
 * the host loop as before:
 *  - a #PF raised by the CPU (INT $14 has no error code, and RSP tells);
 *  - a handler: a vector-14 handler or a page-fault handler;
 *  - CR3 is pgroot (a chunk miss exists only there);
 *  - not a chunk miss: a protection fault (error code bit 0, P), an
 *    address above the user half, or one in a chunk a dune_vm_* call
 *    claimed (libdune never maps those: the program's own entries);
 *  - the interrupted RSP is not on an exception stack (a fault while
 *    .Ldispatch was building a frame there: the host loop's diagnosis);
 *  - the handler's stack - the room .Ldispatch takes below the
 *    interrupted RSP (loop.c, DISPATCH_ROOM) - is mapped in pgroot: its
 *    lowest and highest byte are in chunks with a present entry.  The
 *    frame is written from IST2, which a page fault there would overwrite.
 * On IST2: 0 RAX, 8 vector, 16 error code, 24 RIP, 32 CS, 40 RFLAGS,
 * 48 RSP, 56 SS at IST2's top - 64.
 */
#define PF_DISPATCH_ROOM	(128 + 63 + 4096 + 8 + 168)
.Lpf_ring0:
	testq	$8, %rsp			/* INT $14: 8 bytes higher */
	jnz	.Lto_host
	cmpq	$0, dune_intr_cbs+14*8(%rip)
	jne	1f
	cmpq	$0, dune_pgflt_handler(%rip)
	je	.Lto_host
1:	pushq	%rdx
	pushq	%rcx
	/* 0 RCX, 8 RDX, 16 RAX, 24 vector, 32 error, 40 RIP, 48 CS, 56 RFLAGS, 64 RSP */
	movq	%cr3, %rax
	andq	.Lpte_addr(%rip), %rax		/* without a PCID */
	cmpq	dune_vm+DUNE_VM_CR3(%rip), %rax
	jne	.Lpf_host
	/* RAX = the thread's IST base: IST2's top is 80 bytes up. */
	leaq	(80 - DUNE_T_PF_IST_TOP + DUNE_T_IST_BASE)(%rsp), %rax
	movq	64(%rsp), %rdx
	subq	%rax, %rdx
	cmpq	$(DUNE_T_IST_TOP - DUNE_T_IST_BASE), %rdx
	jbe	.Lpf_host
	testb	$1, 32(%rsp)			/* P: a protection fault */
	jnz	2f
	movq	%cr2, %rax
	movq	%rax, %rdx
	shrq	$47, %rdx			/* not a user address */
	jnz	2f
	shrq	$21, %rax			/* the chunk's number (2 MiB) */
	movq	dune_claim_bitmap(%rip), %rdx
	testq	%rdx, %rdx
	jz	.Lpf_host
	btq	%rax, (%rdx)			/* claimed? */
	jnc	.Lpf_host
2:	movq	64(%rsp), %rax
	decq	%rax
	PGROOT_PRESENT %rax, .Lpf_host
	movq	64(%rsp), %rax
	subq	$PF_DISPATCH_ROOM, %rax
	PGROOT_PRESENT %rax, .Lpf_host
	popq	%rcx
	popq	%rdx
	movq	8(%rsp), %rax			/* the vector */
	jmp	.Ldispatch
.Lpf_host:
	popq	%rcx
	popq	%rdx
	jmp	.Lto_host

	.section .rodata
	.balign	8
.Lpte_addr:
	.quad	0x000ffffffffff000
	.text

/*
 * The host loop resumes an exception here when the guest is to handle it
 * (a handler, or the original's default: trap.c), with RSP at the frame it
 * left (CR3, CR2, RDX, RAX, vector, error code, IRET frame) and RAX, RDX
 * as at the VMCALL: undo the pushes and dispatch.  The host loop has made
 * sure that the handler's frame below the interrupted RSP is mapped: a
 * page fault there would land on IST2, where this frame still is.
 */
dune_exc_redispatch:
	addq	$16, %rsp			/* CR3, CR2: the registers hold them */
	popq	%rdx
	movq	8(%rsp), %rax

/* Save the FPU state (XCR0's components in dune_xsave_mask) to @area. */
.macro XSAVE_TO area
	/* XSAVE needs a zeroed header (bytes 512-575) to XRSTOR from later. */
	xorl	%eax, %eax
	.irp off, 512, 520, 528, 536, 544, 552, 560, 568
	movq	%rax, \off(\area)
	.endr
	movl	dune_xsave_mask(%rip), %eax
	movl	dune_xsave_mask+4(%rip), %edx
	xsave64	(\area)
.endm

/*
 * Dispatch in the guest.  On IST1 (IST2 for vector 14): [RAX][vector]
 * ([error code])[RIP][CS][RFLAGS][RSP][SS], RAX = the vector.
 *
 * 1. Give the frame an error code if it has none: an INT n on a vector for
 *    which the CPU pushes one (a software interrupt pushes none) lands 8
 *    bytes higher, which the 16-byte alignment of the IST frame shows.
 * 2. Build struct dune_tf (dune.h, the original's layout) and the vector
 *    on the interrupted stack, below its 128-byte red zone, 64-byte
 *    aligned and with room for an XSAVE area: from then on IST1 is free,
 *    and a handler may take exceptions of its own.  A page fault while
 *    writing it (a chunk libdune maps on first use) goes to IST2 and the
 *    host loop, which maps the chunk and resumes here; for vector 14 the
 *    host loop mapped the range before sending the fault here.
 * 3. XSAVE the interrupted FPU state (the handler is ordinary C and may
 *    use SSE and AVX), call dune_trap_dispatch(vector, tf), XRSTOR.
 * 4. Load every register from the frame, which the handler may have
 *    changed, and IRETQ.
 *
 * Handler stack, from the top down: XSAVE area (4096 bytes, 64-aligned),
 * struct dune_tf (168 bytes), the vector (8 bytes) at the new RSP.
 */
/*
 * struct dune_tf (dune.h) from the registers and an exception frame on the
 * stack: TF_SAVE_GPRS stores every general-purpose register but RAX and
 * RDX (which the callers have used) at \off(\tf); TF_COPY_HW_FRAME copies
 * the error code and the IRET frame from \err(%rsp) on, using RDI, so it
 * comes after TF_SAVE_GPRS.  TF_POP_AND_IRET, with RSP at a dune_tf, loads
 * every register from it and returns to its IRET frame.
 */
.macro TF_SAVE_GPRS tf, off
	movq	%rdi, \off+0(\tf)
	movq	%rsi, \off+8(\tf)
	movq	%rcx, \off+24(\tf)
	movq	%r8, \off+32(\tf)
	movq	%r9, \off+40(\tf)
	movq	%r10, \off+48(\tf)
	movq	%r11, \off+56(\tf)
	movq	%rbx, \off+64(\tf)
	movq	%rbp, \off+72(\tf)
	movq	%r12, \off+80(\tf)
	movq	%r13, \off+88(\tf)
	movq	%r14, \off+96(\tf)
	movq	%r15, \off+104(\tf)
.endm

.macro TF_COPY_HW_FRAME tf, off, err
	.irp	i, 0, 1, 2, 3, 4, 5		/* error code, RIP, CS, RFLAGS, RSP, SS */
	movq	\err+8*\i(%rsp), %rdi
	movq	%rdi, \off+120+8*\i(\tf)
	.endr
.endm

.macro TF_POP_AND_IRET
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
.endm

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
	TF_SAVE_GPRS %rdx, 8
	movq	(%rsp), %rdi
	movq	%rdi, 8+16(%rdx)		/* RDX */
	movq	8(%rsp), %rdi
	movq	%rdi, 8+112(%rdx)		/* RAX */
	TF_COPY_HW_FRAME %rdx, 8, 24
	movq	16(%rsp), %rdi
	movq	%rdi, (%rdx)			/* the vector */
	movq	%rdx, %rsp			/* off IST1 */

	leaq	TRAP_FRAME(%rsp), %rdi
	XSAVE_TO %rdi

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
	TF_POP_AND_IRET

/*
 * Ring 3 (docs/design/libdune-api.md §7.5.3, §7.6.2, §7.7).
 *
 * Ring 3 runs only between dune_jump_to_user() and the matching
 * dune_ret_from_user(), with the thread's in_usermode flag set.  Its
 * events - SYSCALL, exceptions - reach ring 0 here, without a VM exit:
 *
 *  1. a full struct dune_tf goes on the ring-0 stack of the innermost jump
 *     context (thread->r0_sp), never on a stack ring 3 chose;
 *  2. in_usermode = 0; ring 3's FS and GS bases are saved and ring 0's
 *     (saved by dune_jump_to_user) loaded, so the handler has its TLS.
 *     KERNEL_GS_BASE keeps the thread: the syscall entry SWAPGSes back
 *     before this, and exceptions find the thread from the IST1 address;
 *  3. ring 3's FPU state is saved (XSAVE) and a clean one loaded for the
 *     handler (§7.7.4);
 *  4. dune_r3_dispatch() (trap.c) calls the handler, or dies with the
 *     original's messages, and sanitises the frame for the return;
 *  5. back: XRSTOR, ring 3's FS and GS, in_usermode = 1, IRETQ.
 *
 * Unless the handler called dune_ret_from_user(), which unwinds to the
 * jump context instead.  The host loop treats RIPs in [dune_r3_text_start,
 * dune_r3_text_end), and the syscall entry up to its VMCALL, like CPL 3: it
 * does not copy the guest's FS/GS bases to the native thread there.
 *
 * Throughout: R12 = the thread, RBX = the frame, R13 = the vector (-1: a
 * system call), R15 = CR2, R14 = the XSAVE area.
 */

	.globl	dune_r3_text_start
	.hidden	dune_r3_text_start
	.balign	16
dune_r3_text_start:

/* SYSCALL from ring 3: GS = the thread (SWAPGS above), RCX = RIP, R11 = RFLAGS. */
.Lsys_user:
	movq	%rsp, %gs:DUNE_T_USCRATCH
	movq	%gs:DUNE_T_R0_SP, %rsp
.Lsys_user_stacked:				/* on libdune's stack: dune_exc_common */
	pushq	$DUNE_USER_SS			/* ss */
	pushq	%gs:DUNE_T_USCRATCH		/* rsp */
	pushq	%r11				/* rflags */
	pushq	$DUNE_USER_CS			/* cs */
	pushq	%rcx				/* rip */
	pushq	$0				/* err, pad1 */
	pushq	%rax
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%rbp
	pushq	%rbx
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%r10				/* rcx: ARG3 */
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	movq	%gs:DUNE_T_SELF, %r12
	movq	$0, %gs:DUNE_T_IN_USERMODE
	swapgs					/* GS = ring 3's, KGS = the thread */
	movq	%rsp, %rbx
	movq	$-1, %r13
	xorl	%r15d, %r15d
	jmp	.Lr3_common

/*
 * An exception from ring 3.  IST1, or IST2 for a page fault (ring 3 cannot
 * INT 14: its gate has DPL 0): 0 vector, 8 error code, 16 RIP, 24 CS, ...
 */
.Lexc_user:
	pushq	%rax
	/* now 0 RAX, 8 vector, 16 error, 24 RIP, 32 CS, 40 RFLAGS, 48 RSP, 56 SS = IST top - 8 */
	leaq	(64 - DUNE_T_IST_TOP)(%rsp), %rax	/* the thread */
	cmpq	$14, 8(%rsp)
	jne	1f
	leaq	(64 - DUNE_T_PF_IST_TOP)(%rsp), %rax
1:	movq	DUNE_T_R0_SP(%rax), %rax
	subq	$DUNE_TF_SIZE, %rax
	TF_SAVE_GPRS %rax, 0
	movq	%rdx, 16(%rax)			/* rdx */
	movq	0(%rsp), %rdi
	movq	%rdi, 112(%rax)			/* rax */
	TF_COPY_HW_FRAME %rax, 0, 16
	movq	8(%rsp), %r13			/* the vector */
	leaq	(64 - DUNE_T_IST_TOP)(%rsp), %r12
	cmpq	$14, %r13
	jne	2f
	leaq	(64 - DUNE_T_PF_IST_TOP)(%rsp), %r12
2:	movq	%cr2, %r15
	movq	%rax, %rsp			/* off IST1 */
	movq	%rax, %rbx
	movq	$0, DUNE_T_IN_USERMODE(%r12)

.Lr3_common:
	movl	$MSR_FS_BASE, %ecx
	rdmsr
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, DUNE_T_UFS(%r12)
	movl	$MSR_GS_BASE, %ecx
	rdmsr
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, DUNE_T_UGS(%r12)
	movq	DUNE_T_KFS(%r12), %rax
	movq	%rax, %rdx
	shrq	$32, %rdx
	movl	$MSR_FS_BASE, %ecx
	wrmsr
	movq	DUNE_T_KGS(%r12), %rax
	movq	%rax, %rdx
	shrq	$32, %rdx
	movl	$MSR_GS_BASE, %ecx
	wrmsr

	leaq	-TRAP_XSAVE_SIZE(%rsp), %r14
	andq	$-64, %r14
	movq	%r14, %rsp
	XSAVE_TO %r14
	xrstor64 dune_fpu_clean(%rip)

	cld
	sti
	movq	%r13, %rdi
	movq	%rbx, %rsi
	movq	%r15, %rdx
	call	dune_r3_dispatch
	cli
	movl	dune_xsave_mask(%rip), %eax
	movl	dune_xsave_mask+4(%rip), %edx
	xrstor64 (%r14)

/* Into ring 3: R12 = the thread, RBX = a sanitised frame, FPU state loaded, IF = 0. */
.Lr3_return:
	movq	DUNE_T_UFS(%r12), %rax
	movq	%rax, %rdx
	shrq	$32, %rdx
	movl	$MSR_FS_BASE, %ecx
	wrmsr
	movq	DUNE_T_UGS(%r12), %rax
	movq	%rax, %rdx
	shrq	$32, %rdx
	movl	$MSR_GS_BASE, %ecx
	wrmsr
	movq	$1, DUNE_T_IN_USERMODE(%r12)
.Lpop_iret:
	movq	%rbx, %rsp
	TF_POP_AND_IRET

	.globl	dune_r3_text_end
	.hidden	dune_r3_text_end
dune_r3_text_end:

/*
 * int dune_jump_to_user(struct dune_tf *tf)
 *
 * Pushes a jump context (struct dune_jump_ctx: callee-saved registers,
 * return address, MXCSR and x87 control word; dune_jump_prepare() adds
 * the FS/GS bases and links it to the previous one) and runs @tf in ring
 * 3 with a clean FPU state.  Returns when a handler calls
 * dune_ret_from_user(ret), with ret; -EINVAL for a frame whose RIP or RSP
 * is not a user address, or natively.
 */
	.globl	dune_jump_to_user
	.type	dune_jump_to_user, @function
	.balign	16
dune_jump_to_user:
	movw	%cs, %ax
	testb	$3, %al
	jnz	2f
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$56, %rsp			/* the context, 16-aligned */
	stmxcsr	0(%rsp)
	fnstcw	4(%rsp)
	movq	%rdi, %rbx
	movq	%rsp, %rsi
	call	dune_jump_prepare		/* the thread, or -EINVAL */
	cmpq	$-4095, %rax
	jae	1f
	movq	%rax, %r12
	cli
	movl	dune_xsave_mask(%rip), %eax
	movl	dune_xsave_mask+4(%rip), %edx
	xrstor64 dune_fpu_clean(%rip)
	/* the frame, copied just below the context, for IRETQ */
	leaq	-DUNE_TF_SIZE(%rsp), %rdi
	movq	%rbx, %rsi
	movl	$(DUNE_TF_SIZE / 8), %ecx
	cld
	rep movsq
	leaq	-DUNE_TF_SIZE(%rsp), %rbx
	jmp	.Lr3_return
1:	addq	$56, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
2:	movl	$-22, %eax			/* -EINVAL: not in Dune mode */
	ret
	.size	dune_jump_to_user, . - dune_jump_to_user

/*
 * void dune_ret_from_user(int ret)
 *
 * Unwinds to the innermost jump context (dune_ret_prepare() unlinks it and
 * puts ring 0's FS/GS back), restores MXCSR and the x87 control word, and
 * returns @ret from its dune_jump_to_user().
 */
	.globl	dune_ret_from_user
	.type	dune_ret_from_user, @function
	.balign	16
dune_ret_from_user:
	movslq	%edi, %rbx
	subq	$8, %rsp
	call	dune_ret_prepare		/* the context; dies without one */
	movq	%rax, %rsp
	ldmxcsr	0(%rsp)
	fldcw	4(%rsp)
	movq	%rbx, %rax
	addq	$56, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	dune_ret_from_user, . - dune_ret_from_user

/*
 * void dune_pop_trap_frame(struct dune_tf *tf)
 *
 * Resume @tf: in ring 3 with the full transition if its CS says so (only
 * inside a dune_jump_to_user: dune_pop_prepare() checks, and sanitises),
 * else in ring 0.  The frame is copied below the current stack first.
 */
	.globl	dune_pop_trap_frame
	.type	dune_pop_trap_frame, @function
	.balign	16
dune_pop_trap_frame:
	xorl	%esi, %esi			/* no extended state: the clean one */
	jmp	dune_pop_trap_frame_fpu
	.size	dune_pop_trap_frame, . - dune_pop_trap_frame

/*
 * void dune_pop_trap_frame_fpu(struct dune_tf *tf, const void *xsave)
 *
 * dune_pop_trap_frame(), but ring 3 gets the extended state in @xsave
 * (NULL: the clean one).  @xsave lies above the stack used here (the
 * ring-3 event's XSAVE area, dune_user_fpu()), so the copy of the frame
 * below RSP leaves it alone.
 */
	.globl	dune_pop_trap_frame_fpu
	.type	dune_pop_trap_frame_fpu, @function
	.balign	16
dune_pop_trap_frame_fpu:
	movq	%rdi, %rbx
	leaq	dune_fpu_clean(%rip), %r14
	testq	%rsi, %rsi
	cmovnzq	%rsi, %r14
	andq	$-16, %rsp
	call	dune_pop_prepare		/* the thread for ring 3, or 0 */
	cli
	movq	%rax, %r12
	leaq	-(128 + DUNE_TF_SIZE)(%rsp), %rdi
	andq	$-16, %rdi
	movq	%rdi, %r13
	movq	%rbx, %rsi
	movl	$(DUNE_TF_SIZE / 8), %ecx
	cld
	rep movsq
	movq	%r13, %rbx
	testq	%r12, %r12
	jz	.Lpop_iret
	movl	dune_xsave_mask(%rip), %eax
	movl	dune_xsave_mask+4(%rip), %edx
	xrstor64 (%r14)
	jmp	.Lr3_return
	.size	dune_pop_trap_frame_fpu, . - dune_pop_trap_frame_fpu

	.section .note.GNU-stack, "", @progbits
