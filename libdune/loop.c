// SPDX-License-Identifier: GPL-2.0
/*
 * loop.c - the host loop: what a thread in Dune mode does whenever its
 * guest half needs the host.
 *
 * Each thread in Dune mode is two halves of one Linux thread.  The guest
 * half runs the program in VMX non-root ring 0; the host half is this
 * loop, running natively on the thread's host stack:
 *
 *	for (;;) {
 *		ioctl(vcpu_fd, DUNE_RUN, &run);	   guest runs until it exits
 *		look at run.exit_reason, act, adjust run.regs
 *	}
 *
 * The guest exits on purpose with VMCALL, from one of two places in
 * entry.S, told apart by the RIP after the VMCALL:
 *
 *  - dune_syscall_entry: the guest executed SYSCALL.  The loop makes the
 *    same system call natively - same number, same argument registers,
 *    same pointers (GVA == HVA) - so the kernel applies all its usual
 *    rules: permissions, seccomp, signals, restarts.  Then it puts the
 *    result in RAX and resumes at RCX with RFLAGS = R11, as SYSRET would.
 *    A few calls need more (handle_syscall): those that create or end
 *    threads and processes, and those that change the thread's FS/GS base.
 *  - dune_exc_common: the guest took an exception.  The only one libdune
 *    resolves itself is a page fault on a chunk it has not mapped yet
 *    (chunks.c).  Everything else - a #GP for HLT, a #UD, a page fault
 *    the process's own mappings refuse - is *replayed natively*: the thread
 *    leaves Dune mode and executes the faulting instruction again as a
 *    normal user thread, so the kernel raises the genuine signal (SIGSEGV,
 *    SIGILL, ...) with the usual semantics.  If a handler repairs the cause,
 *    the thread simply continues natively; it may call dune_enter() again.
 *
 * The other exits: an EPT fault (an access the process's memory does not
 * allow yet) is probed natively from the host loop - the kernel grows the
 * stack, or delivers the genuine signal to a handler that may repair the
 * mapping - and the guest retries (handle_ept_fault); a triple fault, a failed VM entry or an
 * exit the module cannot handle are fatal (message, register dump,
 * SIGKILL).  DUNE_RUN returning EINTR means a signal arrived: the kernel
 * has run the handler natively, on this host stack, by the time the ioctl
 * returns, and the loop simply runs the guest again.
 *
 * Rule R1.  The guest may have been stopped anywhere: inside malloc()
 * holding the arena lock while calling mmap, inside printf() holding the
 * stdout lock, between a system call and its errno check.  The host half
 * shares the thread's TLS, locks and FPU registers with it.  So everything
 * the host loop does must be async-signal-safe and invisible to the
 * guest: no libc calls at all (raw system calls from sys.h, formatting
 * from printf.c), no malloc (libdune's memory comes from mmap), no errno,
 * and no vector registers (the whole library is compiled with
 * -mgeneral-regs-only; the vector registers hold the guest's values).
 */
#include <fcntl.h>
#include <signal.h>
#include <asm/prctl.h>
#include <linux/sched.h>

#include "internal.h"
#include "sys.h"

/*
 * Flags SYSRET keeps from R11 (SDM Vol. 2, SYSRET: all but RF and VM),
 * less VIF and VIP, which dune.ko refuses in a guest.
 */
#define SYSRET_RFLAGS_MASK	(DUNE_RFLAGS_GUEST & ~DUNE_RFLAGS_RF)

/* PF error code: the page was present (a protection fault). */
#define PF_PROT			0x1

static bool debug(void)
{
	return dune_vm.debug;
}

/*
 * Is the guest in ring 3, or in the entry code where the FS/GS bases may
 * be ring 3's (or the thread pointer) although the CPL is 0?
 */
static bool in_ring3_state(const struct dune_thread *t)
{
	uint64_t rip = t->run.regs.rip;

	return t->run.cpl != 0 ||
	       (rip >= (uint64_t)dune_syscall_entry && rip < (uint64_t)dune_syscall_vmcall_ret) ||
	       (rip >= (uint64_t)dune_r3_text_start && rip < (uint64_t)dune_r3_text_end);
}

/*
 * Keep the thread's native FS/GS bases equal to the guest's ring-0 ones
 * (native signal handlers run with them).  Not while ring 3's are loaded:
 * the native ones stay ring 0's, as they were at the last exit (§7.7.5).
 */
static void sync_bases(struct dune_thread *t)
{
	if (in_ring3_state(t))
		return;
	if (t->run.fs_base != t->native_fs &&
	    !dune_sys_arch_prctl(ARCH_SET_FS, t->run.fs_base))
		t->native_fs = t->run.fs_base;
	if (t->run.gs_base != t->native_gs &&
	    !dune_sys_arch_prctl(ARCH_SET_GS, t->run.gs_base))
		t->native_gs = t->run.gs_base;
}

static uint64_t user_rflags(uint64_t rflags)
{
	return (rflags & DUNE_RFLAGS_USER) | DUNE_RFLAGS_RESERVED1 | DUNE_RFLAGS_IF;
}

/*
 * Leave Dune mode for good (until dune_enter() again): drop the vCPU and
 * continue natively with @regs.  The thread keeps its area: the IRET frame
 * goes on the host stack, and a later dune_enter() reuses it all.
 */
static void __attribute__((noreturn))
leave_dune_mode(struct dune_thread *t, struct dune_regs *regs)
{
	dune_sigctx_leave(t, regs);	/* signals held back: delivered now (sigctx.c) */
	regs->rflags = user_rflags(regs->rflags);
	dune_tlb_thread_end(t);		/* no vCPU: no TLB to shoot down */
	dune_sys_close(t->vcpu_fd);
	t->vcpu_fd = -1;
	dune_native_resume(regs);
}

/* ---- clone, fork, vfork ----------------------------------------------- */

/*
 * A clone-family call, in the form the raw clone helper wants.  The guest
 * chose the child's stack; the kernel gets one of libdune's instead, so
 * that the child starts in libdune's code, which then puts the guest's
 * registers - with the guest's stack pointer - into effect.
 */
struct clone_call {
	struct dune_thread *t;		/* the parent */
	uint64_t flags;
	unsigned long req[8];		/* see dune_raw_clone() */
	uint64_t *args;			/* clone3: our copy of struct clone_args */
	struct dune_regs child;		/* the child's guest registers */
};

/* The kernel-side stack of the child: [base, base + size), or none. */
static void set_child_stack(struct clone_call *c, uint64_t base, uint64_t size)
{
	if (c->req[0] == __NR_clone) {
		c->req[2] = base ? base + size : 0;
	} else {
		c->args[5] = base;		/* clone_args.stack */
		c->args[6] = size;		/* clone_args.stack_size */
	}
}

/* A vfork child: on the parent's scratch stack, go native at once. */
static void __attribute__((noreturn)) vfork_child(void *arg)
{
	struct dune_thread *t = dune_self;
	struct dune_regs regs;

	/* The parent is suspended until we exec or exit: its memory is ours. */
	dune_copy(&regs, arg, sizeof(regs));
	/* Signals the parent held back (sigctx.c) are not blocked for us. */
	if (t && t->sig_deferred)
		dune_sigctx_unblock(t->sig_deferred);
	dune_native_resume(&regs);
}

/*
 * A fork child: its own copy of everything, including this host stack and
 * libdune's state, but the VM and vCPU belong to the parent's address
 * space (their ioctls fail with EIO here).  Let go of them and continue
 * natively.  If the child shares the parent's file table (CLONE_FILES),
 * the descriptors are the parent's: only forget them.
 *
 * The /dev/dune descriptor is kept (it is close-on-exec): a child that
 * calls dune_init() again creates its VM on it, so it needs no right to
 * open /dev/dune - it may have dropped that privilege, as dune-sandbox
 * does (docs/sandbox.md, "Least privilege").
 */
static void __attribute__((noreturn)) fork_child(void *arg)
{
	struct clone_call *c = arg;

	if (!(c->flags & CLONE_FILES)) {
		dune_sys_close(c->t->vcpu_fd);
		dune_sys_close(dune_vm.vm_fd);
	}
	c->t->vcpu_fd = -1;
	dune_vm.vm_fd = -1;
	dune_tlb_fork_reset(c->t);	/* the parent's threads are not ours */
	/* Signals the parent held back at the fork (sigctx.c): ours are not blocked. */
	if (c->t->sig_deferred) {
		dune_sigctx_unblock(c->t->sig_deferred);
		c->t->sig_deferred = 0;
	}
	dune_vm.ready = 0;
	/* dune_vm.pid stays the parent's: dune_enter() re-creates the VM. */
	dune_native_resume(&c->child);
}

static long do_clone_call(struct clone_call *c)
{
	struct dune_thread *t = c->t, *ct;
	long ret;

	if ((c->flags & CLONE_VM) && !(c->flags & CLONE_VFORK)) {
		/*
		 * A thread (or a process sharing our memory): it enters Dune
		 * mode with a vCPU of its own.  Its area is ready before the
		 * clone, so the child needs nothing from the parent's stack.
		 */
		ct = dune_thread_alloc();
		if (!ct)
			return -ENOMEM;
		dune_copy(&ct->run.regs, &c->child, sizeof(ct->run.regs));
		ct->clone_flags = c->flags;
		/* blocked by sigctx.c, not by the guest: the child unblocks them */
		ct->sig_deferred = __atomic_load_n(&t->sig_deferred, __ATOMIC_RELAXED);
		set_child_stack(c, (uint64_t)ct + DUNE_T_HOST_STACK,
				DUNE_THREAD_AREA - DUNE_T_HOST_STACK);
		c->req[6] = (unsigned long)dune_thread_start;
		c->req[7] = (unsigned long)ct;
		ret = dune_raw_clone(c->req);
		if (ret < 0)
			dune_thread_free(ct);
		return ret;
	}
	if (c->flags & CLONE_VM) {
		/* vfork: shares our memory, runs natively; we wait. */
		set_child_stack(c, (uint64_t)t + DUNE_T_IST_TOP,
				DUNE_T_SCRATCH_TOP - DUNE_T_IST_TOP);
		c->req[6] = (unsigned long)vfork_child;
		c->req[7] = (unsigned long)&c->child;
	} else {
		/* fork: the child starts on its copy of this stack. */
		set_child_stack(c, 0, 0);
		c->req[6] = (unsigned long)fork_child;
		c->req[7] = (unsigned long)c;
	}
	return dune_raw_clone(c->req);
}

/* The child's guest registers: the parent's, returning 0 from the call. */
static void clone_child_regs(struct clone_call *c, uint64_t guest_sp)
{
	struct dune_regs *r = &c->t->run.regs;

	dune_copy(&c->child, r, sizeof(c->child));
	c->child.rax = 0;
	c->child.rip = r->rcx;
	c->child.rflags = user_rflags(r->r11);
	c->child.rsp = guest_sp ? guest_sp : r->rsp;
}

/* clone(flags, newsp, parent_tid, child_tid, tls) and fork/vfork. */
static long do_clone(struct dune_thread *t, uint64_t flags, uint64_t newsp,
		     uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	struct clone_call c;

	/* dune_set_fork_signal(): this fork's exit signal, once */
	if (t->fork_signal && !(flags & CLONE_VM)) {
		flags = (flags & ~(uint64_t)CSIGNAL) | (uint64_t)(t->fork_signal - 1);
		t->fork_signal = 0;
	}
	dune_zero(&c, sizeof(c));
	c.t = t;
	c.flags = flags;
	c.req[0] = __NR_clone;
	c.req[1] = flags;
	c.req[3] = ptid;
	c.req[4] = ctid;
	c.req[5] = tls;
	clone_child_regs(&c, newsp);
	return do_clone_call(&c);
}

/* clone3(args, size): the arguments are copied, so they can be changed. */
#define CLONE3_MAX_SIZE	4096

static long do_clone3(struct dune_thread *t, uint64_t uargs, uint64_t size)
{
	uint64_t args[CLONE3_MAX_SIZE / 8];
	struct clone_call c;
	struct dune_regs *r = &t->run.regs;
	uint64_t stack, stack_size;

	/* Sizes the kernel refuses before doing anything: let it say so. */
	if (size < 64 || size > CLONE3_MAX_SIZE)
		return dune_syscall6(r->rax, r->rdi, r->rsi, r->rdx, r->r10,
				     r->r8, r->r9);
	dune_zero(args, sizeof(args));
	if (dune_copy_from_guest(args, uargs, size))
		return -EFAULT;
	stack = args[5];
	stack_size = args[6];
	if (!stack != !stack_size)
		return -EINVAL;

	dune_zero(&c, sizeof(c));
	c.t = t;
	c.flags = args[0];
	c.args = args;
	c.req[0] = __NR_clone3;
	c.req[1] = (unsigned long)args;
	c.req[2] = size;
	clone_child_regs(&c, stack ? stack + stack_size : 0);
	return do_clone_call(&c);
}

/* ---- the system-call exit ------------------------------------------- */

/* exit(2) of one thread: free its vCPU and area, then really exit. */
static void __attribute__((noreturn)) do_exit(struct dune_thread *t, long status)
{
	uint64_t all = ~0ULL;

	/* Signals held back for the guest (sigctx.c): theirs before the end. */
	dune_sigctx_leave(t, &t->run.regs);
	/* From the munmap on, a signal handler would have no stack. */
	dune_sys_sigprocmask(SIG_BLOCK, &all, NULL);
	dune_tlb_thread_end(t);
	dune_sys_close(t->vcpu_fd);
	dune_thread_exit(t, DUNE_THREAD_AREA, status);
}

/*
 * rt_sigprocmask may not block DUNE_TLB_SIGNAL: a TLB shootdown could not
 * reach the thread (tlb.c).  The kernel drops SIGKILL and SIGSTOP from a
 * mask the same way.  Returns the registers to make the call with.
 */
static const struct dune_regs *sigmask_filter(const struct dune_regs *r,
					      struct dune_regs *copy, uint64_t *set)
{
	const uint64_t tlb = 1ULL << (DUNE_TLB_SIGNAL - 1);

	if ((int)r->rax != __NR_rt_sigprocmask || !r->rsi || r->r10 != sizeof(*set) ||
	    ((int)r->rdi != SIG_BLOCK && (int)r->rdi != SIG_SETMASK) ||
	    dune_copy_from_guest(set, r->rsi, sizeof(*set)) || !(*set & tlb))
		return r;
	*set &= ~tlb;
	dune_copy(copy, r, sizeof(*copy));
	copy->rsi = (uint64_t)set;
	return copy;
}

static void handle_syscall(struct dune_thread *t)
{
	struct dune_regs *r = &t->run.regs, copy;
	/* The kernel looks at the low 32 bits of RAX only, and so do we. */
	int nr = (int)r->rax;
	uint64_t set;
	long ret;

	switch (nr) {
	case __NR_clone:
		ret = do_clone(t, r->rdi, r->rsi, r->rdx, r->r10, r->r8);
		break;
	case __NR_clone3:
		ret = do_clone3(t, r->rdi, r->rsi);
		break;
	case __NR_fork:
		ret = do_clone(t, SIGCHLD, 0, 0, 0, 0);
		break;
	case __NR_vfork:
		ret = do_clone(t, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
		break;
	case __NR_exit:
		do_exit(t, (long)r->rdi);
	case __NR_rt_sigaction:
		/* handlers are wrapped to see the guest's registers (sigctx.c) */
		ret = dune_sigctx_sigaction(t, r);
		break;
	case __NR_rt_sigreturn:
		/*
		 * Signal frames are built natively, so only a natively running
		 * thread can return from one: replay the SYSCALL natively, with
		 * the flags it had (SYSCALL saved them in R11).
		 */
		dune_copy(&t->resume, r, sizeof(t->resume));
		t->resume.rip = r->rcx - 2;
		t->resume.rflags = r->r11;
		if (debug())
			dune_printf("dune: rt_sigreturn in Dune mode at rip 0x%llx: replaying natively\n",
				    (unsigned long long)t->resume.rip);
		leave_dune_mode(t, &t->resume);
	default:
		/* LAB(5) BEGIN: make the call for the guest, with SYSCALL's registers; FS/GS bases follow */
		/* entry.S: sigctx.c knows where it is */
		ret = dune_fwd_call(sigmask_filter(r, &copy, &set));
		/* The new base is the thread's now; the guest must use it too. */
		if (nr == __NR_arch_prctl && ret == 0) {
			if ((int)r->rdi == ARCH_SET_FS)
				t->run.fs_base = t->native_fs = r->rsi;
			else if ((int)r->rdi == ARCH_SET_GS)
				t->run.gs_base = t->native_gs = r->rsi;
		}
		/* LAB(5) STUB
		 * ret = -ENOSYS;
		 * LAB(5) END
		 */
		/* A signal handler moved the guest on: its registers stand (sigctx.c). */
		if (t->sig_taken) {
			t->sig_taken = 0;
			return;
		}
		break;
	}
	r->rax = (uint64_t)ret;
	r->rip = r->rcx;
	r->rflags = (r->r11 & SYSRET_RFLAGS_MASK) | DUNE_RFLAGS_RESERVED1;
}

/*
 * The original Dune's hypercall ABI (section 7.5.2 of
 * docs/design/libdune-api.md): a VMCALL anywhere else in ring 0 is a
 * system call with RAX = its number and the arguments in RDI, RSI, RDX,
 * R10, R8, R9, as its bench_dune's raw "vmcall" with RAX = 39 expects.
 * Unlike SYSCALL it clobbers nothing: RCX, R11 and RFLAGS stay, and the
 * guest resumes after the VMCALL.  handle_syscall() is reused by making
 * the registers look as SYSCALL would have left them, and undoing that.
 * A clone child made this way starts with RCX = its RIP and R11 = its
 * RFLAGS; rt_sigreturn has no meaning here and gets -ENOSYS.
 */
static void handle_raw_vmcall(struct dune_thread *t)
{
	struct dune_regs *r = &t->run.regs;
	uint64_t rcx = r->rcx, r11 = r->r11, rip = r->rip, rflags = r->rflags;

	if ((int)r->rax == __NR_rt_sigreturn) {
		r->rax = (uint64_t)-ENOSYS;
		return;
	}
	r->rcx = rip;
	r->r11 = rflags;
	handle_syscall(t);
	r->rcx = rcx;
	r->r11 = r11;
	r->rip = rip;
	r->rflags = rflags;
}

/* ---- the exception exit --------------------------------------------- */

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "coprocessor segment overrun", "#TS", "#NP", "#SS", "#GP", "#PF", "reserved",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "reserved", "reserved",
	"reserved", "reserved", "reserved", "reserved", "#HV", "#VC", "#SX", "reserved",
};

static bool has_error_code(uint64_t vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 ||
	       vector == 21 || vector == 29 || vector == 30;
}

/*
 * Where to replay an exception natively.  Faults report the faulting
 * instruction, which runs again.  Traps from INT3, INT1 and INT n report
 * the next one: step back over the instruction, so that it runs natively
 * and raises its own signal (INT3 -> SIGTRAP, INT n -> SIGSEGV).
 */
static uint64_t replay_rip(uint64_t vector, uint64_t rip, bool software)
{
	unsigned char b[2];

	if (!(software || vector == 1 || vector == 2 || vector == 3 ||
	      vector == 4 || vector >= 32))
		return rip;
	if (dune_copy_from_guest(b, rip - 2, 2))
		return rip;
	if (vector == 3 && b[1] == 0xcc)		/* int3 */
		return rip - 1;
	if (vector == 1 && b[1] == 0xf1)		/* int1 */
		return rip - 1;
	if (b[0] == 0xcd && b[1] == vector)		/* int $vector */
		return rip - 2;
	return rip;
}

/*
 * The CPL-0 exceptions the native CPU raises the same way (§7.6.4): with
 * no handler, these are replayed natively for the genuine signal.  So is
 * any INT n (@rip is replay_rip()'s, before the instruction for INT n).
 */
static bool replayable(const struct dune_exc_frame *f, bool software, uint64_t rip)
{
	static const uint32_t native = 1u << 0 | 1u << 1 | 1u << 3 | 1u << 4 |
				       1u << 5 | 1u << 6 | 1u << 7 | 1u << 10 |
				       1u << 11 | 1u << 12 | 1u << 13 | 1u << 16 |
				       1u << 17 | 1u << 19;

	if (software || f->vector >= 32 || rip != f->rip)
		return true;
	return (native >> f->vector) & 1;
}

/* Both exception stacks, IST2 below IST1 (internal.h). */
static bool on_exception_stack(const struct dune_thread *t, uint64_t rsp)
{
	return rsp >= (uint64_t)t + DUNE_T_IST_BASE && rsp <= (uint64_t)t + DUNE_T_IST_TOP;
}

/*
 * Before sending an exception back to the guest's dispatch path: map the
 * chunks under the room it takes below the interrupted stack (entry.S,
 * .Ldispatch: red zone, then 64-byte alignment, then the XSAVE area and
 * the frame).  The frame is written while still on the exception stack,
 * and for a page fault that is IST2, which a second page fault would
 * overwrite.  A chunk a dune_vm_* call claimed is the program's: if its
 * page is missing there, the second fault is fatal (on_exception_stack).
 */
#define DISPATCH_ROOM	(128 + 63 + 4096 + 8 + 168)

static void map_handler_stack(struct dune_thread *t, uint64_t rsp)
{
	uint64_t va;

	for (va = (rsp - DISPATCH_ROOM) & ~DUNE_CHUNK_MASK; va < rsp; va += DUNE_CHUNK_SIZE) {
		if (va >= DUNE_USER_TOP || dune_chunk_claimed(va))
			continue;
		if (dune_map_fault(va) < 0)
			dune_fatal(t, "cannot map the stack at 0x%llx for an exception handler",
				   (unsigned long long)va);
	}
}

static void handle_exception(struct dune_thread *t)
{
	struct dune_regs *r = &t->run.regs;
	const uint64_t *w = (const uint64_t *)r->rsp;
	uint64_t pf_top = (uint64_t)t + DUNE_T_PF_IST_TOP, top;
	struct dune_exc_frame f;
	bool software = false, pgroot;
	uint64_t rip;

	/*
	 * Each IST puts every frame at the same place: 88 bytes below its
	 * top, or 80 when INT n used a vector for which the CPU itself would
	 * have pushed an error code (software interrupts push none).  Page
	 * faults, and INT $14, use IST2; the rest IST1.
	 */
	if (r->rsp == t->ist_top - 88 || r->rsp == t->ist_top - 80) {
		top = t->ist_top;
	} else if (r->rsp == pf_top - 88 || r->rsp == pf_top - 80) {
		top = pf_top;
	} else {
		dune_fatal(t, "exception VMCALL with RSP 0x%llx, not on the thread's exception stacks (tops 0x%llx, 0x%llx)",
			   (unsigned long long)r->rsp, (unsigned long long)t->ist_top,
			   (unsigned long long)pf_top);
	}
	if (r->rsp == top - 88) {
		dune_copy(&f, w, sizeof(f));
	} else {
		software = true;
		f.cr3 = w[0];
		f.cr2 = w[1];
		f.rdx = w[2];
		f.rax = w[3];
		f.vector = w[4];
		f.error_code = 0;
		f.rip = w[5];
		f.cs = w[6];
		f.rflags = w[7];
		f.rsp = w[8];
		f.ss = w[9];
	}
	if (f.cs != DUNE_GDT_CS || f.vector > 255 || (f.vector == 14) != (top == pf_top) ||
	    (software && !has_error_code(f.vector)))
		dune_fatal(t, "corrupt exception frame: vector %llu, cs 0x%llx, rip 0x%llx",
			   (unsigned long long)f.vector, (unsigned long long)f.cs,
			   (unsigned long long)f.rip);
	/* CR3 may carry a PCID in its low 12 bits. */
	pgroot = (f.cr3 & ~0xfffULL & ((1ULL << 52) - 1)) == dune_vm.cr3;

	/* A signal's vector whose handler went away before delivery (intr.c). */
	if (!software && dune_intr_dropped(t, f.vector)) {
		r->rip = f.rip;
		r->rsp = f.rsp;
		r->rflags = (f.rflags & DUNE_RFLAGS_GUEST) | DUNE_RFLAGS_RESERVED1;
		r->rax = f.rax;
		r->rdx = f.rdx;
		return;
	}

	/*
	 * A page fault on a chunk not mapped yet: map it, and "IRET".  Not
	 * in a chunk the program's own page-table calls (dune_vm_*) claimed:
	 * there, a missing entry is the program's business.  Nor on a root
	 * other than libdune's: libdune writes only pgroot (§7.3.4).
	 */
	if (f.vector == 14 && !software && !(f.error_code & PF_PROT) &&
	    f.cr2 < DUNE_USER_TOP && pgroot && !dune_chunk_claimed(f.cr2)) {
		int ret = dune_map_fault(f.cr2);

		if (ret < 0)
			dune_fatal(t, "cannot map the chunk of address 0x%llx for a guest page fault at rip 0x%llx (error %d)",
				   (unsigned long long)f.cr2,
				   (unsigned long long)f.rip, -ret);
		if (ret == 0 && f.cr2 == t->pf_addr) {
			if (++t->pf_repeat >= 3)
				dune_fatal(t, "page fault loop at address 0x%llx, rip 0x%llx: the entry is present but the fault repeats",
					   (unsigned long long)f.cr2,
					   (unsigned long long)f.rip);
		} else {
			t->pf_repeat = 0;
		}
		t->pf_addr = f.cr2;
		r->rip = f.rip;
		r->rsp = f.rsp;
		r->rflags = (f.rflags & DUNE_RFLAGS_GUEST) | DUNE_RFLAGS_RESERVED1;
		r->rax = f.rax;
		r->rdx = f.rdx;
		return;
	}

	/*
	 * Anything else while the guest was still on an exception stack -
	 * moving a frame to a handler's stack that is not there - has no
	 * frame left to return to.
	 */
	if (on_exception_stack(t, f.rsp))
		dune_fatal(t, "%s (vector %llu, address 0x%llx) at rip 0x%llx while libdune was building an exception handler's frame: is the interrupted stack mapped?",
			   f.vector < 32 ? exc_names[f.vector] : "interrupt",
			   (unsigned long long)f.vector, (unsigned long long)f.cr2,
			   (unsigned long long)f.rip);

	/* No use replaying these: they describe a broken guest, not an access. */
	if (f.vector == 8 || f.vector == 18)
		dune_fatal(t, "%s (vector %llu) in Dune mode at rip 0x%llx",
			   exc_names[f.vector], (unsigned long long)f.vector,
			   (unsigned long long)f.rip);

	/*
	 * Back to the guest's dispatch path (entry.S), with RSP at the frame
	 * as it is: a page fault - or INT $14 - when the program has a
	 * handler for it (other vectors with a handler never come here), and
	 * the original's defaults (trap.c: message, dump, death) where a
	 * native replay would be wrong (§7.6.4):
	 *  - a page fault below 2^47 comes from the guest's page tables
	 *    (dune_vm_mprotect, dune_vm_unmap, ...), which the native CPU does
	 *    not have: replayed, it would silently succeed, out of Dune mode;
	 *  - on a root other than pgroot, native memory differs anyway;
	 *  - vectors the native CPU never raises the same way.
	 */
	rip = replay_rip(f.vector, f.rip, software);
	if (dune_trap_has_handler(f.vector) ||
	    (f.vector == 14 && !software && f.cr2 < DUNE_USER_TOP) ||
	    !pgroot || !replayable(&f, software, rip)) {
		map_handler_stack(t, f.rsp);
		r->rip = (uint64_t)dune_exc_redispatch;
		return;
	}

	if (f.vector != 14 || software || debug()) {
		char what[48];

		if (f.vector < 32 && !software)
			dune_snprintf(what, sizeof(what), "%s", exc_names[f.vector]);
		else
			dune_snprintf(what, sizeof(what), "int $0x%llx",
				      (unsigned long long)f.vector);
		if (has_error_code(f.vector) && !software)
			dune_printf("dune: %s (vector %llu, error code 0x%llx) at rip 0x%llx in Dune mode: replaying natively\n",
				    what, (unsigned long long)f.vector,
				    (unsigned long long)f.error_code,
				    (unsigned long long)rip);
		else
			dune_printf("dune: %s (vector %llu) at rip 0x%llx in Dune mode: replaying natively\n",
				    what, (unsigned long long)f.vector,
				    (unsigned long long)rip);
	}
	dune_copy(&t->resume, r, sizeof(t->resume));
	t->resume.rip = rip;
	t->resume.rsp = f.rsp;
	t->resume.rflags = f.rflags;
	t->resume.rax = f.rax;
	t->resume.rdx = f.rdx;
	leave_dune_mode(t, &t->resume);
}

/* ---- the loop ------------------------------------------------------- */

/*
 * Touch @addr natively, from the host loop, the way the guest tried to:
 * a load, or a locked OR of 0 (a write that changes nothing, even with
 * other threads writing the same byte).  The kernel's page-fault handler
 * does whatever the access needs - grow the stack, read the file, break
 * copy-on-write - or delivers the genuine SIGSEGV or SIGBUS, with the
 * right si_addr, to the process's handler, which may repair the mapping
 * and return, and then the probe succeeds.
 */
static void probe_natively(uint64_t addr, bool write)
{
	/* In entry.S, where sigctx.c finds them: the signal is the guest's. */
	if (write)
		dune_probe_write(addr);
	else
		dune_probe_read(addr);
}

/*
 * A ring-0 access at an instruction with a fault fixup (fixup.c): fault
 * the page in without touching it, once per page in a row, and retry; if
 * the host cannot back it - or it faults again right away - resume at the
 * fixup with RAX = -EFAULT, as the kernel's exception table does for
 * copy_from_user().  False if the instruction has no fixup.
 */
static bool ept_fault_fixed_up(struct dune_thread *t, uint64_t addr, uint32_t flags)
{
	struct dune_regs *r = &t->run.regs;
	uint64_t fixup = dune_fixup_of(r->rip), page = addr & ~(DUNE_PAGE_SIZE - 1);
	long ret;

	if (!fixup)
		return false;
	if (page != t->probed_page) {
		ret = dune_fixup_populate(addr, flags & DUNE_EPT_WRITE);
		if (ret == 0 || ret == -EINTR || ret == -EAGAIN) {
			t->probed_page = ret ? 0 : page;
			return true;		/* the guest tries again */
		}
	}
	if (debug())
		dune_printf("dune: EPT fault (%s) at 0x%llx, rip 0x%llx: the host cannot back it, fixup 0x%llx\n",
			    flags & DUNE_EPT_WRITE ? "w" : "r", (unsigned long long)addr,
			    (unsigned long long)r->rip, (unsigned long long)fixup);
	t->probed_page = 0;
	r->rip = fixup;
	r->rax = (uint64_t)-EFAULT;
	return true;
}

static void handle_ept_fault(struct dune_thread *t)
{
	const struct dune_run *run = &t->run;
	uint32_t flags = run->u.ept.flags;
	uint64_t addr = flags & DUNE_EPT_GVA_VALID ? run->u.ept.gva : run->u.ept.hva;

	/* Ring 3 never runs natively, and the host never acts for it (I2). */
	if (run->cpl != 0)
		dune_fatal(t, "EPT fault from ring 3 at GVA %s0x%llx (GPA 0x%llx), rip 0x%llx",
			   flags & DUNE_EPT_GVA_VALID ? "" : "unknown, ",
			   (unsigned long long)run->u.ept.gva,
			   (unsigned long long)run->u.ept.gpa,
			   (unsigned long long)run->regs.rip);
	if (flags & DUNE_EPT_NO_CHUNK)
		dune_fatal(t, "EPT fault on GPA 0x%llx, which no chunk maps (GVA %s0x%llx, rip 0x%llx): the guest page tables or CR3 are corrupt",
			   (unsigned long long)run->u.ept.gpa,
			   flags & DUNE_EPT_GVA_VALID ? "" : "unknown, ",
			   (unsigned long long)run->u.ept.gva,
			   (unsigned long long)run->regs.rip);
	/*
	 * An access the process's mappings do not allow yet.  Data accesses
	 * are probed natively, once per page in a row, and the guest retries:
	 * it stays in Dune mode, and the kernel's own rules decide (the main
	 * thread's stack grows only this way: the module may not grow it).
	 * If the same page faults again right after a successful probe, or for
	 * an instruction fetch (a native read would not check execute
	 * permission), the instruction is replayed natively instead.
	 */
	if (!(flags & DUNE_EPT_EXEC) && addr && ept_fault_fixed_up(t, addr, flags))
		return;
	if (!(flags & DUNE_EPT_EXEC) && addr && (addr & ~4095ULL) != t->probed_page) {
		t->probed_page = addr & ~4095ULL;
		if (debug())
			dune_printf("dune: EPT fault (%s) at 0x%llx, rip 0x%llx: probing natively\n",
				    flags & DUNE_EPT_WRITE ? "w" : "r",
				    (unsigned long long)addr,
				    (unsigned long long)run->regs.rip);
		probe_natively(addr, flags & DUNE_EPT_WRITE);
		return;
	}
	if (debug())
		dune_printf("dune: EPT fault (%s%s%s) at GVA 0x%llx, HVA 0x%llx, rip 0x%llx: replaying natively\n",
			    flags & DUNE_EPT_READ ? "r" : "",
			    flags & DUNE_EPT_WRITE ? "w" : "",
			    flags & DUNE_EPT_EXEC ? "x" : "",
			    (unsigned long long)run->u.ept.gva,
			    (unsigned long long)run->u.ept.hva,
			    (unsigned long long)run->regs.rip);
	dune_copy(&t->resume, &run->regs, sizeof(t->resume));
	leave_dune_mode(t, &t->resume);
}

void dune_host_loop(struct dune_thread *t)
{
	struct dune_run *run = &t->run;

	/*
	 * A new vCPU: its guest starts in dune_guest_init (entry.S), which
	 * sets KERNEL_GS_BASE to the thread (I3) and then continues with the
	 * registers below.
	 */
	t->init_rax = run->regs.rax;
	t->init_rdx = run->regs.rdx;
	t->init_rip = run->regs.rip;
	run->regs.rax = (uint32_t)(uint64_t)t;
	run->regs.rdx = (uint64_t)t >> 32;
	run->regs.rcx = MSR_KERNEL_GS_BASE;
	run->regs.rip = (uint64_t)dune_guest_init;
	dune_tlb_thread_start(t);	/* tlb.c: a slot for the shootdown */

	for (;;) {
		long ret;

		/*
		 * In entry.S: a signal for the guest's handler is set up for
		 * injection (intr.c), those sigctx.c held back are unblocked,
		 * then the guest runs.
		 */
		dune_tlb_before_run(t);	/* flush what other threads unmapped */
		ret = dune_run_call(t->vcpu_fd, DUNE_RUN, run, t);
		dune_tlb_after_run(t);

		if (ret == -EINTR)		/* the handler has run: go on */
			continue;
		if (ret < 0)
			dune_fatal(t, "DUNE_RUN failed (error %ld)", -ret);
		sync_bases(t);
		if (run->exit_reason != DUNE_EXIT_EPT_FAULT)
			t->probed_page = 0;

		switch (run->exit_reason) {
		case DUNE_EXIT_VMCALL:
			if (run->regs.rip == (uint64_t)dune_syscall_vmcall_ret)
				handle_syscall(t);
			else if (run->regs.rip == (uint64_t)dune_exc_vmcall_ret)
				handle_exception(t);
			else if (run->cpl == 0)
				handle_raw_vmcall(t);
			else	/* dune.ko turns these into #UD (K2) */
				dune_fatal(t, "VMCALL at CPL %u, rip 0x%llx",
					   run->cpl, (unsigned long long)run->regs.rip - 3);
			break;
		case DUNE_EXIT_EPT_FAULT:
			handle_ept_fault(t);
			continue;		/* keeps probed_page */
		case DUNE_EXIT_TRIPLE_FAULT:
			dune_fatal(t, "triple fault in Dune mode (an exception while delivering a double fault) at rip 0x%llx",
				   (unsigned long long)run->regs.rip);
		case DUNE_EXIT_ENTRY_FAILED:
			dune_fatal(t, "VM entry failed: hw exit reason %u, qualification 0x%llx",
				   run->u.fail.hw_exit_reason & 0xffff,
				   (unsigned long long)run->u.fail.qualification);
		case DUNE_EXIT_UNHANDLED:
			dune_fatal(t, "unhandled VM exit: hw exit reason %u, qualification 0x%llx, interruption info 0x%llx",
				   run->u.fail.hw_exit_reason,
				   (unsigned long long)run->u.fail.qualification,
				   (unsigned long long)run->u.fail.intr_info);
		default:
			dune_fatal(t, "DUNE_RUN returned an unknown exit reason %u",
				   run->exit_reason);
		}
	}
}
