// SPDX-License-Identifier: GPL-2.0
/*
 * sigctx.c - a signal handler sees the guest's registers, not the host
 * loop's, and its changes to them take effect, as a native signal's would.
 *
 * In Dune mode the kernel delivers a signal to the thread's host half
 * (loop.c): the handler runs natively, on the host stack, while the guest
 * is stopped, and the ucontext the kernel builds describes where the
 * *host loop* was - inside the DUNE_RUN ioctl, or making a forwarded
 * system call.  Handlers that read or edit ucontext (a JVM's or .NET's
 * null-pointer and safepoint handlers, Go's asynchronous preemption, V8,
 * libsigsegv, SECCOMP_RET_TRAP emulators) need the guest's instead.
 *
 * So libdune stands between the kernel and the program's handlers:
 *
 *  - rt_sigaction from the guest is a forwarded system call, and the host
 *    loop hands it here (dune_sigctx_sigaction): the program's handler is
 *    recorded in acts[] and the kernel gets sigctx_handler() in its place,
 *    with the program's flags, mask and restorer.  The program reads back
 *    its own handler.  dune_init() adopts the handlers installed before it
 *    the same way (dune_sigctx_adopt).  SIG_DFL and SIG_IGN go through.
 *  - sigctx_handler() finds out where the host loop was from the RIP in
 *    the kernel's ucontext: the host loop makes the calls a signal can
 *    interrupt through stubs in entry.S (dune_run_call, dune_fwd_call,
 *    dune_probe_*, dune_unblock_call).  From that and the run structure it
 *    builds the guest's registers as a native signal at that point would
 *    show them, in a copy of the ucontext, calls the program's handler
 *    with it, and writes back what the handler changed - into run.regs,
 *    and into the host's ucontext where the host loop must change course.
 *  - Anywhere else in the host loop the guest state is in flux (an exit
 *    half handled): the signal is queued again for this thread
 *    (rt_tgsigqueueinfo, with its siginfo) and blocked until the next
 *    dune_run_call, which unblocks it with the guest state complete.
 *
 * Where                              the handler sees            its changes
 * dune_run_call, before the SYSCALL  run.regs (about to run)     run.regs
 * DUNE_RUN returned -EINTR           run.regs (interrupted)      run.regs
 * DUNE_RUN returned an exit          the guest before the event  run.regs; the exit is dropped
 * dune_fwd_call                      the guest in its SYSCALL    run.regs; the call's result is dropped
 * dune_probe_* (SIGSEGV, SIGBUS)     the faulting instruction    run.regs; the probe is skipped
 *
 * "Before the event": for a system call, RIP at the SYSCALL instruction
 * and RAX its number (as if the signal came just before it); for an
 * exception, the interrupted state in its frame.  In a forwarded call:
 * after it, RIP after the SYSCALL and RAX its result (-EINTR if the signal
 * cut it short); set up for a restart (SA_RESTART), RIP at the SYSCALL
 * and RAX its number - what Linux's own signal frame holds
 * (arch/x86/kernel/signal.c, handle_signal).  A handler that changes
 * nothing changes nothing: the host loop goes on as before (the kernel
 * restarts the call, or returns EINTR).
 *
 * Not editable (the handler sees them, its changes are ignored): a guest
 * inside libdune's entry code (entry.S, dune_entry_text_start to
 * dune_r3_text_end: a few instructions around each guest event), and a
 * system call made with the original's raw VMCALL.  In ring 3
 * (dune_jump_to_user) the registers are ring 3's, and editable.  The
 * segment registers, ERR, TRAPNO, CR2 and the FPU state are the kernel's:
 * the host loop never touches vector registers (rule R1), so the FPU state
 * in the frame is the guest's, and so are changes to it.
 *
 * Host side (rule R1): no libc, though the types come from <signal.h>.
 */
#include <signal.h>
#include <ucontext.h>

#include "internal.h"
#include "sys.h"

#define KSIG_MAX	64		/* _NSIG */
#define SYS_SECCOMP_CODE 1		/* si_code of a seccomp SIGSYS */
#define SYSCALL_INSN_LEN 2		/* 0f 05 */
#define VMCALL_INSN_LEN	3		/* 0f 01 c1 */

/* Flags SYSRET keeps from R11, as loop.c's handle_syscall. */
#define SYSRET_RFLAGS	(DUNE_RFLAGS_GUEST & ~DUNE_RFLAGS_RF)

void *dune_sigctx_exempt;

/* The program's handlers: acts[sig].handler is 0 where none is wrapped. */
static struct ksigaction acts[KSIG_MAX + 1];
static int acts_lock;

static void sigctx_handler(int sig, siginfo_t *si, void *ucv);

static bool is_handler(uint64_t h)
{
	return h != (uint64_t)SIG_DFL && h != (uint64_t)SIG_IGN;
}

static bool wrappable(uint64_t h)
{
	return is_handler(h) && h != (uint64_t)sigctx_handler &&
	       h != (uint64_t)dune_sigctx_exempt && h != (uint64_t)dune_tlb_kick;
}

long dune_ksigaction(int sig, const struct ksigaction *act, struct ksigaction *old)
{
	return dune_syscall6(__NR_rt_sigaction, sig, (long)act, (long)old,
			     sizeof(uint64_t), 0, 0);
}

/* What the kernel gets for the program's @ka. */
static void wrapped(struct ksigaction *k, const struct ksigaction *ka)
{
	dune_copy(k, ka, sizeof(*k));
	k->handler = (uint64_t)sigctx_handler;
	k->flags |= KSA_SIGINFO;
}

static void lock(void)
{
	while (__atomic_exchange_n(&acts_lock, 1, __ATOMIC_ACQUIRE))
		dune_sys_sched_yield();
}

static void unlock(void)
{
	__atomic_store_n(&acts_lock, 0, __ATOMIC_RELEASE);
}

/* rt_sigaction(sig, act, oact, size) from the guest, in ring 0. */
long dune_sigctx_sigaction(struct dune_thread *t, const struct dune_regs *r)
{
	int sig = (int)r->rdi;
	uint64_t act = r->rsi, oact = r->rdx;
	struct ksigaction ka, k, old, prev;
	bool wrap;
	long ret;

	(void)t;
	/* What the kernel refuses anyway: let it say so, unchanged. */
	if (r->r10 != sizeof(uint64_t) || sig < 1 || sig > KSIG_MAX)
		return dune_syscall6(__NR_rt_sigaction, sig, (long)act, (long)oact,
				     (long)r->r10, 0, 0);
	/* libdune's own (tlb.c), as glibc keeps 32 and 33: it may only be read. */
	if (act && sig == DUNE_TLB_SIGNAL)
		return -EINVAL;
	if (act && dune_copy_from_guest(&ka, act, sizeof(ka)))
		return -EFAULT;
	wrap = act && wrappable(ka.handler);
	if (wrap)
		wrapped(&k, &ka);
	else if (act)
		dune_copy(&k, &ka, sizeof(k));

	lock();
	prev = acts[sig];
	/* Recorded first: a signal arriving meanwhile finds its handler. */
	if (wrap)
		dune_copy(&acts[sig], &ka, sizeof(ka));
	ret = dune_ksigaction(sig, act ? &k : NULL, oact ? &old : NULL);
	if (ret)
		dune_copy(&acts[sig], &prev, sizeof(prev));
	else if (act && !wrap && ka.handler != (uint64_t)sigctx_handler)
		dune_zero(&acts[sig], sizeof(acts[sig]));	/* ours, read back natively: kept */
	unlock();
	if (ret)
		return ret;
	/* The program reads back its own handler, not ours. */
	if (oact && old.handler == (uint64_t)sigctx_handler && is_handler(prev.handler))
		dune_copy(&old, &prev, sizeof(old));
	if (oact && dune_copy_to_guest(oact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* dune_init(): wrap the handlers the process installed before it. */
void dune_sigctx_adopt(void)
{
	struct ksigaction ka, k;
	int sig;

	lock();
	for (sig = 1; sig <= KSIG_MAX; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || dune_ksigaction(sig, NULL, &ka))
			continue;
		if (!wrappable(ka.handler))
			continue;
		dune_copy(&acts[sig], &ka, sizeof(ka));
		wrapped(&k, &ka);
		if (dune_ksigaction(sig, &k, NULL))
			dune_zero(&acts[sig], sizeof(acts[sig]));
	}
	unlock();
}

void dune_sigctx_unblock(uint64_t bits)
{
	dune_sys_sigprocmask(SIG_UNBLOCK, &bits, NULL);
}

/*
 * The thread leaves Dune mode with @regs, or ends (loop.c): deliver what
 * was held back first, with @regs as the guest's state, which handlers
 * may change.
 */
void dune_sigctx_leave(struct dune_thread *t, struct dune_regs *regs)
{
	uint64_t bits = __atomic_exchange_n(&t->sig_deferred, 0, __ATOMIC_RELAXED);

	if (!bits)
		return;
	if (regs != &t->run.regs)
		dune_copy(&t->run.regs, regs, sizeof(*regs));
	dune_unblock_call(&bits);
	if (regs != &t->run.regs)
		dune_copy(regs, &t->run.regs, sizeof(*regs));
}

/* ---- the handler ------------------------------------------------------ */

enum where {
	W_ELSEWHERE,		/* the guest state is in flux: hold back */
	W_CLEAN,		/* about to run run.regs */
	W_EINTR,		/* DUNE_RUN returned -EINTR: run.regs */
	W_EXIT,			/* DUNE_RUN returned an exit */
	W_FWD,			/* in the guest's forwarded system call */
	W_PROBE,		/* touching the address of the guest's EPT fault */
};

struct view {
	enum where where;
	struct dune_regs regs;	/* what the handler sees */
	bool editable;
	bool executed;		/* W_FWD: the call ran (RAX is its result) */
};

static const int greg_of[] = {
	[DUNE_R_RAX / 8] = REG_RAX, [DUNE_R_RBX / 8] = REG_RBX,
	[DUNE_R_RCX / 8] = REG_RCX, [DUNE_R_RDX / 8] = REG_RDX,
	[DUNE_R_RSI / 8] = REG_RSI, [DUNE_R_RDI / 8] = REG_RDI,
	[DUNE_R_RBP / 8] = REG_RBP, [DUNE_R_RSP / 8] = REG_RSP,
	[DUNE_R_R8 / 8] = REG_R8, [DUNE_R_R9 / 8] = REG_R9,
	[DUNE_R_R10 / 8] = REG_R10, [DUNE_R_R11 / 8] = REG_R11,
	[DUNE_R_R12 / 8] = REG_R12, [DUNE_R_R13 / 8] = REG_R13,
	[DUNE_R_R14 / 8] = REG_R14, [DUNE_R_R15 / 8] = REG_R15,
	[DUNE_R_RIP / 8] = REG_RIP, [DUNE_R_RFLAGS / 8] = REG_EFL,
};

_Static_assert(sizeof(struct dune_regs) == sizeof(greg_of) / sizeof(int) * 8,
	       "struct dune_regs: one general register per slot");

static void regs_to_gregs(greg_t *g, const struct dune_regs *r)
{
	const uint64_t *v = (const uint64_t *)r;
	unsigned int i;

	for (i = 0; i < sizeof(greg_of) / sizeof(greg_of[0]); i++)
		g[greg_of[i]] = (greg_t)v[i];
}

static void gregs_to_regs(struct dune_regs *r, const greg_t *g)
{
	uint64_t *v = (uint64_t *)r;
	unsigned int i;

	for (i = 0; i < sizeof(greg_of) / sizeof(greg_of[0]); i++)
		v[i] = (uint64_t)g[greg_of[i]];
}

static bool same_regs(const struct dune_regs *a, const struct dune_regs *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	unsigned int i;

	for (i = 0; i < sizeof(*a) / sizeof(*x); i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static bool on_host_stack(const struct dune_thread *t, uint64_t rsp)
{
	return rsp >= (uint64_t)t + DUNE_T_HOST_STACK && rsp < (uint64_t)t + DUNE_THREAD_AREA;
}

static bool in_entry_code(uint64_t rip)
{
	return rip >= (uint64_t)dune_entry_text_start && rip < (uint64_t)dune_r3_text_end;
}

/* The guest in the SYSCALL the host loop is making for it. */
static void syscall_view(struct view *v, const struct dune_regs *r, bool before, uint64_t rax)
{
	bool raw_vmcall = r->rip != (uint64_t)dune_syscall_vmcall_ret;

	dune_copy(&v->regs, r, sizeof(v->regs));
	v->regs.rip = r->rcx - (before ? (raw_vmcall ? VMCALL_INSN_LEN : SYSCALL_INSN_LEN) : 0);
	v->regs.rflags = (r->r11 & SYSRET_RFLAGS) | DUNE_RFLAGS_RESERVED1;
	v->regs.rax = rax;
	/* loop.c's handle_raw_vmcall puts RCX and R11 back over any change */
	v->editable = !raw_vmcall;
}

/* DUNE_RUN returned an exit: the guest just before its event. */
static void exit_view(struct view *v, const struct dune_thread *t)
{
	const struct dune_run *run = &t->run;
	const struct dune_regs *r = &run->regs;

	dune_copy(&v->regs, r, sizeof(v->regs));
	v->editable = true;
	if (run->exit_reason == DUNE_EXIT_VMCALL && r->rip == (uint64_t)dune_syscall_vmcall_ret) {
		syscall_view(v, r, true, r->rax);
	} else if (run->exit_reason == DUNE_EXIT_VMCALL && r->rip == (uint64_t)dune_exc_vmcall_ret) {
		uint64_t top1 = t->ist_top - sizeof(struct dune_exc_frame);
		uint64_t top2 = (uint64_t)t + DUNE_T_PF_IST_TOP - sizeof(struct dune_exc_frame);
		const struct dune_exc_frame *f = (const void *)r->rsp;

		/* Only a hardware frame where the CPU puts it (loop.c checks more). */
		if ((r->rsp != top1 && r->rsp != top2) || f->cs != DUNE_GDT_CS) {
			v->editable = false;
			return;
		}
		v->regs.rip = f->rip;
		v->regs.rsp = f->rsp;
		v->regs.rflags = f->rflags;
		v->regs.rax = f->rax;
		v->regs.rdx = f->rdx;
	} else if (run->exit_reason == DUNE_EXIT_VMCALL && run->cpl == 0) {
		v->regs.rip = r->rip - VMCALL_INSN_LEN;	/* the original's hypercall */
	} else if (run->exit_reason != DUNE_EXIT_EPT_FAULT) {
		v->editable = false;			/* fatal anyway */
	}
}

static enum where where_is(const struct dune_thread *t, const greg_t *hg)
{
	uint64_t rip = (uint64_t)hg[REG_RIP];

	if (rip >= (uint64_t)dune_run_call && rip < (uint64_t)dune_run_call_end)
		return rip != (uint64_t)dune_run_call_done ? W_CLEAN :
		       hg[REG_RAX] == -EINTR ? W_EINTR :
		       hg[REG_RAX] == 0 ? W_EXIT : W_ELSEWHERE;
	if (rip >= (uint64_t)dune_unblock_call && rip <= (uint64_t)dune_unblock_call_end)
		return W_CLEAN;
	if (rip >= (uint64_t)dune_fwd_call && rip <= (uint64_t)dune_fwd_call_done)
		return t->run.exit_reason == DUNE_EXIT_VMCALL ? W_FWD : W_ELSEWHERE;
	if (rip == (uint64_t)dune_probe_write || rip == (uint64_t)dune_probe_read)
		return t->run.exit_reason == DUNE_EXIT_EPT_FAULT ? W_PROBE : W_ELSEWHERE;
	return W_ELSEWHERE;
}

static void build_view(struct view *v, const struct dune_thread *t, const greg_t *hg)
{
	uint64_t hrip = (uint64_t)hg[REG_RIP];

	dune_copy(&v->regs, &t->run.regs, sizeof(v->regs));
	v->editable = true;
	switch (v->where) {
	case W_EXIT:
		exit_view(v, t);
		break;
	case W_FWD:
		v->executed = hrip == (uint64_t)dune_fwd_call_done;
		syscall_view(v, &t->run.regs, !v->executed,
			     hrip == (uint64_t)dune_fwd_call_insn || v->executed ?
			     (uint64_t)hg[REG_RAX] : t->run.regs.rax);
		break;
	default:		/* W_CLEAN, W_EINTR, W_PROBE: run.regs as they are */
		break;
	}
	if (in_entry_code(v->regs.rip) && t->run.cpl == 0)
		v->editable = false;
}

/* The handler's changes, into the run structure and the host's context. */
static void commit(struct dune_thread *t, const struct view *v,
		   const struct dune_regs *now, greg_t *hg)
{
	struct dune_regs *r = &t->run.regs;

	dune_copy(r, now, sizeof(*r));
	r->rflags = (v->regs.rflags & ~DUNE_RFLAGS_USER) | (now->rflags & DUNE_RFLAGS_USER);
	switch (v->where) {
	case W_EXIT:
		hg[REG_RAX] = -EINTR;		/* the loop runs the guest again */
		break;
	case W_FWD:
		t->sig_taken = 1;		/* handle_syscall keeps run.regs */
		hg[REG_RIP] = (greg_t)dune_fwd_call_done;
		if (!v->executed)
			hg[REG_RAX] = -EINTR;	/* for arch_prctl's check */
		break;
	case W_PROBE:
		hg[REG_RIP] = (greg_t)dune_probe_done;
		t->probed_page = 0;
		break;
	default:
		break;
	}
}

/* Queue the signal again, blocked until dune_run_call unblocks it. */
static bool hold_back(struct dune_thread *t, int sig, siginfo_t *si, ucontext_t *uc,
		      const struct ksigaction *ka)
{
	uint64_t bit = 1ULL << (sig - 1);
	struct ksigaction k;

	/* Not a fault of the host loop's own: it would fault again. */
	if (si->si_code > 0 && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
				sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS))
		return false;
	/*
	 * Blocked first: with SA_NODEFER it would come back at once, right
	 * here.  The mask returns to uc_sigmask when this handler does.
	 */
	dune_sys_sigprocmask(SIG_BLOCK, &bit, NULL);
	/* The kernel reset the disposition for this delivery: not for the next. */
	if (ka->flags & KSA_RESETHAND) {
		wrapped(&k, ka);
		dune_ksigaction(sig, &k, NULL);
	}
	if (dune_syscall6(__NR_rt_tgsigqueueinfo, dune_sys_getpid(), dune_sys_gettid(),
			  sig, (long)si, 0, 0))
		return false;
	*(uint64_t *)&uc->uc_sigmask |= bit;
	__atomic_or_fetch(&t->sig_deferred, bit, __ATOMIC_RELAXED);
	return true;
}

typedef void (*sigaction_fn)(int, siginfo_t *, void *);

static void sigctx_handler(int sig, siginfo_t *si, void *ucv)
{
	struct dune_thread *t = dune_self;
	ucontext_t *uc = ucv, guc;
	greg_t *hg = uc->uc_mcontext.gregs;
	struct ksigaction ka;
	struct dune_regs now;
	struct view v;

	if (sig < 1 || sig > KSIG_MAX)
		return;
	/* Out of the guest for the whole handler: no TLB shootdown waits for us. */
	dune_tlb_handler_entry(t, (uint64_t)hg[REG_RIP]);
	ka.handler = __atomic_load_n(&acts[sig].handler, __ATOMIC_ACQUIRE);
	ka.flags = acts[sig].flags;
	ka.restorer = acts[sig].restorer;
	ka.mask = acts[sig].mask;
	if (!is_handler(ka.handler))
		return;

	/*
	 * Natively - a thread not in Dune mode, or one whose handler is
	 * running (a nested signal interrupts the handler, as natively).
	 */
	if (!t || t->vcpu_fd < 0 || t->sig_depth || !on_host_stack(t, (uint64_t)hg[REG_RSP])) {
		if (ka.flags & KSA_RESETHAND)
			dune_zero(&acts[sig], sizeof(acts[sig]));
		((sigaction_fn)ka.handler)(sig, si, uc);
		return;
	}

	dune_zero(&v, sizeof(v));
	v.where = where_is(t, hg);
	if (v.where == W_ELSEWHERE && hold_back(t, sig, si, uc, &ka))
		return;
	if (ka.flags & KSA_RESETHAND)
		dune_zero(&acts[sig], sizeof(acts[sig]));
	if (v.where == W_ELSEWHERE) {		/* could not hold it back */
		((sigaction_fn)ka.handler)(sig, si, uc);
		return;
	}

	build_view(&v, t, hg);
	dune_copy(&guc, uc, sizeof(guc));
	regs_to_gregs(guc.uc_mcontext.gregs, &v.regs);
	/* SECCOMP_RET_TRAP: the guest's SYSCALL, not the host loop's. */
	if (sig == SIGSYS && si->si_code == SYS_SECCOMP_CODE && v.where == W_FWD)
		si->si_call_addr = (void *)t->run.regs.rcx;

	t->sig_depth++;
	((sigaction_fn)ka.handler)(sig, si, &guc);
	t->sig_depth--;

	/*
	 * The mask to restore, which the handler may change, is the thread's.
	 * The kernel's frame holds 64 bits of it (struct ucontext), glibc's
	 * sigset_t is longer: siginfo follows in the frame.
	 */
	dune_copy(&uc->uc_sigmask, &guc.uc_sigmask, sizeof(uint64_t));
	gregs_to_regs(&now, guc.uc_mcontext.gregs);
	if (v.editable && !same_regs(&now, &v.regs))
		commit(t, &v, &now, hg);
}
