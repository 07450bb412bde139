// SPDX-License-Identifier: GPL-2.0
/*
 * signal.c - the program's signal handlers, run in ring 3.
 *
 * The host must never run program code: a handler address passed to the
 * real rt_sigaction would be called natively, outside the sandbox.  So
 * rt_sigaction is emulated: we remember the program's handler and install
 * our own host handler (catch_signal), which only marks the signal
 * pending.  Since a signal interrupts the host side of a forwarded system
 * call (or the DUNE_RUN ioctl), the program learns of it at the end of its
 * current system call: signals_deliver() then builds a frame on the
 * program's stack - the kernel's rt_sigframe layout: return address
 * (sa_restorer), ucontext with the interrupted registers and signal mask,
 * siginfo - and points ring 3 at the handler.  rt_sigreturn restores the
 * registers from that frame, exactly (dune_pop_trap_frame).
 *
 * SIG_DFL and SIG_IGN go to the host as they are: their meaning needs no
 * program code.  Faults in ring 3 (#PF, #GP, #UD, #DE...) become SIGSEGV,
 * SIGILL, SIGFPE... for the program's handler, or end the sandbox with
 * that signal as the program would have ended.
 *
 * Not done: the FPU/SSE state is not saved in the frame (a handler that
 * changes vector registers changes them for the interrupted code);
 * signals are delivered only at system calls and faults, not while the
 * program computes without making any.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "sandbox.h"

struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define KSA_RESTORER	0x04000000

struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved[8];
};

struct kucontext {
	uint64_t flags;
	uint64_t link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct ksigcontext mc;
	uint64_t sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct kucontext uc;
	siginfo_t info;
};

static struct ksigaction actions[65];
static volatile sig_atomic_t pending[65];
static siginfo_t pending_info[65];
static uint64_t alt_sp, alt_size;
static int alt_flags = SS_DISABLE;

static void catch_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	pending_info[sig] = *si;
	pending[sig] = 1;
}

static bool is_handler(uint64_t h)
{
	return h != (uint64_t)SIG_DFL && h != (uint64_t)SIG_IGN;
}

long sys_rt_sigaction(int sig, uint64_t act, uint64_t oact, uint64_t size)
{
	struct ksigaction ka;
	struct sigaction sa;

	if (size != 8 || sig < 1 || sig > 64)
		return -EINVAL;
	if (act && !mem_check(act, sizeof(ka), false))
		return -EFAULT;
	if (oact && !mem_check(oact, sizeof(ka), true))
		return -EFAULT;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (!act) {
		if (oact) {
			if (!is_handler(actions[sig].handler)) {
				/* what the host has (SIG_IGN may be inherited) */
				struct sigaction cur;

				sigaction(sig, NULL, &cur);
				actions[sig].handler = (uint64_t)cur.sa_handler ==
					(uint64_t)SIG_IGN ? (uint64_t)SIG_IGN : (uint64_t)SIG_DFL;
			}
			memcpy((void *)oact, &actions[sig], sizeof(ka));
		}
		return 0;
	}
	memcpy(&ka, (void *)act, sizeof(ka));
	if (is_handler(ka.handler) && !(ka.flags & KSA_RESTORER))
		return -EINVAL;		/* every libc sets a restorer */
	memset(&sa, 0, sizeof(sa));
	if (is_handler(ka.handler)) {
		sa.sa_sigaction = catch_signal;
		sa.sa_flags = SA_SIGINFO | (ka.flags & SA_RESTART);
	} else {
		sa.sa_handler = (void (*)(int))ka.handler;
		sa.sa_flags = ka.flags & (SA_RESTART | SA_NOCLDSTOP | SA_NOCLDWAIT);
	}
	sigfillset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		return -errno;
	if (oact) {
		struct ksigaction old = actions[sig];

		memcpy((void *)oact, &old, sizeof(old));
	}
	actions[sig] = ka;
	return 0;
}

long sys_sigaltstack(uint64_t ss, uint64_t oss)
{
	if (ss && !mem_check(ss, 24, false))
		return -EFAULT;
	if (oss && !mem_check(oss, 24, true))
		return -EFAULT;
	if (oss) {
		stack_t o = { (void *)alt_sp, alt_flags, alt_size };

		memcpy((void *)oss, &o, sizeof(o));
	}
	if (ss) {
		stack_t n;

		memcpy(&n, (void *)ss, sizeof(n));
		if (n.ss_flags & SS_DISABLE) {
			alt_flags = SS_DISABLE;
		} else {
			if (n.ss_size < (size_t)MINSIGSTKSZ)
				return -ENOMEM;
			alt_sp = (uint64_t)n.ss_sp;
			alt_size = n.ss_size;
			alt_flags = 0;
		}
	}
	return 0;
}

/* Build the frame for @sig and send ring 3 to its handler. */
static void deliver(struct dune_tf *tf, int sig, const siginfo_t *si, bool from_syscall)
{
	struct ksigaction *ka = &actions[sig];
	struct rt_sigframe *f;
	uint64_t sp = tf->rsp - 128;	/* the red zone */
	sigset_t old, block;

	if ((ka->flags & SA_ONSTACK) && alt_flags == 0 &&
	    !(tf->rsp > alt_sp && tf->rsp <= alt_sp + alt_size))
		sp = alt_sp + alt_size;
	sp = ((sp - sizeof(*f)) & ~15UL) - 8;
	f = (struct rt_sigframe *)sp;
	if (!mem_check(sp, sizeof(*f), true))
		kill_program("no room for a signal frame on the program's stack", SIGSEGV);
	memset(f, 0, sizeof(*f));
	f->pretcode = ka->restorer;
	f->info = *si;
	f->uc.ss_sp = alt_sp;
	f->uc.ss_size = alt_size;
	f->uc.ss_flags = alt_flags;
	f->uc.mc.r8 = tf->r8;
	f->uc.mc.r9 = tf->r9;
	/* after SYSCALL, R10 is the fourth argument and RCX/R11 are clobbered */
	f->uc.mc.r10 = from_syscall ? tf->rcx : tf->r10;
	f->uc.mc.r11 = from_syscall ? tf->rflags : tf->r11;
	f->uc.mc.rcx = from_syscall ? tf->rip : tf->rcx;
	f->uc.mc.r12 = tf->r12;
	f->uc.mc.r13 = tf->r13;
	f->uc.mc.r14 = tf->r14;
	f->uc.mc.r15 = tf->r15;
	f->uc.mc.rdi = tf->rdi;
	f->uc.mc.rsi = tf->rsi;
	f->uc.mc.rbp = tf->rbp;
	f->uc.mc.rbx = tf->rbx;
	f->uc.mc.rdx = tf->rdx;
	f->uc.mc.rax = tf->rax;
	f->uc.mc.rsp = tf->rsp;
	f->uc.mc.rip = tf->rip;
	f->uc.mc.eflags = tf->rflags;
	f->uc.mc.cs = 0x33;
	f->uc.mc.ss = 0x2b;
	sigprocmask(SIG_SETMASK, NULL, &old);
	memcpy(&f->uc.sigmask, &old, 8);
	memcpy(&block, &old, sizeof(block));
	{
		uint64_t m;

		memcpy(&m, &block, 8);
		m |= ka->mask;
		if (!(ka->flags & SA_NODEFER))
			m |= 1UL << (sig - 1);
		memcpy(&block, &m, 8);
	}
	sigprocmask(SIG_SETMASK, &block, NULL);
	tf->rdi = sig;
	tf->rsi = (uint64_t)&f->info;
	tf->rdx = (uint64_t)&f->uc;
	tf->rax = 0;
	tf->rip = ka->handler;
	tf->rsp = sp;
	tf->rflags &= ~0x400UL;		/* DF clear */
	if (trace_out)
		trace_note("--- %s {si_signo=%d} ---\n", sigabbrev_np(sig) ? sigabbrev_np(sig) : "SIG?",
			   sig);
	if (ka->flags & SA_RESETHAND) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(sig, &sa, NULL);
		ka->handler = (uint64_t)SIG_DFL;
	}
}

void signals_deliver(struct dune_tf *tf)
{
	int sig;

	for (sig = 1; sig <= 64; sig++) {
		if (!pending[sig])
			continue;
		pending[sig] = 0;
		if (is_handler(actions[sig].handler)) {
			deliver(tf, sig, &pending_info[sig], true);
			return;		/* one at a time: the rest at the next call */
		}
	}
}

/* A fault in ring 3: the program's handler, or the end. */
void signal_fault(struct dune_tf *tf, int sig, int code, uint64_t addr)
{
	siginfo_t si;
	sigset_t cur;

	sigprocmask(SIG_SETMASK, NULL, &cur);
	if (is_handler(actions[sig].handler) && !sigismember(&cur, sig)) {
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = code;
		si.si_addr = (void *)addr;
		deliver(tf, sig, &si, false);
		return;
	}
	{
		char why[128];

		snprintf(why, sizeof(why), "%s at rip %#lx, address %#lx", strsignal(sig),
			 (unsigned long)tf->rip, (unsigned long)addr);
		kill_program(why, sig);
	}
}

long sys_rt_sigreturn(struct dune_tf *tf)
{
	struct kucontext *uc = (struct kucontext *)(tf->rsp - 8 + 8);
	struct ksigcontext mc;
	sigset_t mask;
	uint64_t a[6] = { 0 };

	/* the handler's "ret" popped pretcode: rsp points at the ucontext */
	if (!mem_check((uint64_t)uc, sizeof(*uc), false))
		kill_program("rt_sigreturn with a bad frame", SIGSEGV);
	mc = uc->mc;
	memcpy(&mask, &uc->sigmask, 8);
	sigdelset(&mask, SIGKILL);
	sigdelset(&mask, SIGSTOP);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	tf->r8 = mc.r8;
	tf->r9 = mc.r9;
	tf->r10 = mc.r10;
	tf->r11 = mc.r11;
	tf->r12 = mc.r12;
	tf->r13 = mc.r13;
	tf->r14 = mc.r14;
	tf->r15 = mc.r15;
	tf->rdi = mc.rdi;
	tf->rsi = mc.rsi;
	tf->rbp = mc.rbp;
	tf->rbx = mc.rbx;
	tf->rdx = mc.rdx;
	tf->rax = mc.rax;
	tf->rcx = mc.rcx;
	tf->rsp = mc.rsp;
	tf->rip = mc.rip;
	tf->rflags = mc.eflags;
	tf->cs = 0x33;
	tf->ss = 0x2b;
	trace_call(SYS_rt_sigreturn, a, (long)mc.rax);
	if (tf->rip >= (1UL << 47) || tf->rsp >= (1UL << 47))
		kill_program("rt_sigreturn to a non-user address", SIGSEGV);
	signals_deliver(tf);
	dune_pop_trap_frame(tf);
	return 0;
}

/* execve: caught signals go back to their default action. */
void signals_exec_reset(void)
{
	struct sigaction sa;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig <= 64; sig++) {
		if (is_handler(actions[sig].handler)) {
			sigaction(sig, &sa, NULL);
			memset(&actions[sig], 0, sizeof(actions[sig]));
		}
		pending[sig] = 0;
	}
	alt_flags = SS_DISABLE;
}

void signals_install_host(void)
{
}
