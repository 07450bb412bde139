// SPDX-License-Identifier: GPL-2.0
/*
 * decode_signal.c - signals as strace shows them: names (from glibc's
 * sigabbrev_np, and the kernel's real-time range), signal sets,
 * struct sigaction, sigaltstack's stack_t and the mask rt_sigreturn
 * restores.
 */
#include <signal.h>
#include <string.h>

#include "decode_priv.h"

/* A kernel value glibc does not define (arch/x86/include/uapi/asm/signal.h) */
#ifndef SA_RESTORER
#define SA_RESTORER		0x04000000
#endif

static const struct xval sig_hows[] = { XV(SIG_BLOCK), XV(SIG_UNBLOCK), XV(SIG_SETMASK) };

static const struct xval sa_flags[] = {
	XV(SA_RESTORER), XV(SA_ONSTACK), XV(SA_RESTART), XV(SA_NODEFER), XV(SA_RESETHAND),
	XV(SA_SIGINFO), XV(SA_NOCLDSTOP), XV(SA_NOCLDWAIT),
};

/*
 * strace's names: glibc's for the classic signals (sigabbrev_np), then the
 * kernel's real-time range from 32: SIGRTMIN, SIGRT_1, ... (glibc keeps
 * 32 and 33 for itself, so its SIGRTMIN prints as SIGRT_2).
 */
#define KERNEL_SIGRTMIN	32
#define KERNEL_NSIG	64

const char *signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev;

	if (sig <= 0 || sig > KERNEL_NSIG)
		return NULL;
	if (sig == KERNEL_SIGRTMIN)
		return "SIGRTMIN";
	if (sig > KERNEL_SIGRTMIN) {
		snprintf(buf, len, "SIGRT_%d", sig - KERNEL_SIGRTMIN);
		return buf;
	}
	/*
	 * glibc names 29 by its System V alias, POLL; strace and the kernel's
	 * headers by the BSD name, IO (SIGIO == SIGPOLL).
	 */
	abbrev = sig == SIGIO ? "IO" : sigabbrev_np(sig);
	if (!abbrev)
		return NULL;
	snprintf(buf, len, "SIG%s", abbrev);
	return buf;
}

int signal_by_name(const char *name)
{
	char buf[16];
	int sig;

	for (sig = 1; sig <= KERNEL_NSIG; sig++) {
		const char *s = signal_name(sig, buf, sizeof(buf));

		if (s && (!strcasecmp(s, name) || !strcasecmp(s + 3, name)))
			return sig;
	}
	return -1;
}

void put_sig(struct tbuf *f, long sig)
{
	char buf[16];
	const char *s = signal_name((int)sig, buf, sizeof(buf));

	if (s)
		tb_puts(f, s);
	else
		tb_printf(f, "%d", (int)sig);
}

/*
 * A signal set as strace prints it: names without "SIG", or "~[...]"
 * with the signals missing when at least two thirds are in (its
 * sprintsigmask_n).
 */
void put_sigmask(struct tbuf *f, uint64_t mask)
{
	bool inv = __builtin_popcountll(mask) >= KERNEL_NSIG * 2 / 3;
	bool first = true;
	char buf[16];
	int sig;

	if (inv) {
		tb_putc(f, '~');
		mask = ~mask;
	}
	tb_putc(f, '[');
	for (sig = 1; sig <= KERNEL_NSIG; sig++) {
		const char *s;

		if (!(mask & (1ULL << (sig - 1))))
			continue;
		s = signal_name(sig, buf, sizeof(buf));
		if (s)
			tb_printf(f, "%s%s", first ? "" : " ", s + 3);
		else
			tb_printf(f, "%s%d", first ? "" : " ", sig);
		first = false;
	}
	tb_putc(f, ']');
}

void p_sig(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_sig(f, (long)t->a[i]);
}

void p_sighow(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], sig_hows, "SIG_???");
}

void p_sigset(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t mask;

	if (!t->a[i])
		tb_puts(f, "NULL");
	else if (!get_arg(t, i, &mask, sizeof(mask)))
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
	else
		put_sigmask(f, mask);
}

void p_sigset_out(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret < 0 && t->a[i])
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
	else
		p_sigset(f, t, i, l);
}

/* The kernel's struct sigaction on x86-64 (arch/x86/include/asm/signal.h). */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

void p_sigact(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	struct k_sigaction sa;

	if (!t->a[i]) {
		tb_puts(f, "NULL");
		return;
	}
	if (!get_arg(t, i, &sa, sizeof(sa))) {
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
		return;
	}
	tb_puts(f, "{sa_handler=");
	if (sa.handler == (uint64_t)SIG_DFL)
		tb_puts(f, "SIG_DFL");
	else if (sa.handler == (uint64_t)SIG_IGN)
		tb_puts(f, "SIG_IGN");
	else
		tb_printf(f, "%#lx", (unsigned long)sa.handler);
	tb_puts(f, ", sa_mask=");
	put_sigmask(f, sa.mask);
	tb_puts(f, ", sa_flags=");
	PUT_FLAGS(f, sa.flags, sa_flags, NULL);
	if (sa.flags & SA_RESTORER)
		tb_printf(f, ", sa_restorer=%#lx", (unsigned long)sa.restorer);
	tb_putc(f, '}');
}

void p_sigact_out(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret < 0 && t->a[i])
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
	else
		p_sigact(f, t, i, l);
}

#ifndef SS_AUTODISARM
#define SS_AUTODISARM		(1U << 31)	/* include/uapi/linux/signal.h */
#endif
static const struct xval ss_flags[] = { XV(SS_ONSTACK), XV(SS_DISABLE), XV(SS_AUTODISARM) };

/* sigaltstack's stack_t. */
void p_stack(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	stack_t ss;

	if (!t->a[i]) {
		tb_puts(f, "NULL");
		return;
	}
	if (!get_arg(t, i, &ss, sizeof(ss))) {
		put_ptr(f, t->a[i]);
		return;
	}
	tb_puts(f, "{ss_sp=");
	put_ptr(f, (uint64_t)ss.ss_sp);
	tb_puts(f, ", ss_flags=");
	PUT_FLAGS(f, (unsigned int)ss.ss_flags, ss_flags, NULL);
	tb_printf(f, ", ss_size=%zu}", ss.ss_size);
}

void p_stack_out(struct tbuf *f, const struct tcall *t, int i, int l)
{
	if (t->ret < 0 && t->a[i])
		put_ptr(f, t->a[i]);
	else
		p_stack(f, t, i, l);
}

/*
 * rt_sigreturn: strace shows the signal mask the frame restores.  The
 * argument is the frame's ucontext (signal.c); its uc_sigmask follows
 * uc_flags, uc_link, uc_stack and the 256-byte sigcontext
 * (arch/x86/include/uapi/asm/ucontext.h, sigcontext.h).
 */
#define UC_SIGMASK_OFFSET	(8 + 8 + 24 + 256)

void p_sigframe(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t mask;

	if (mem_read(&mask, t->a[i] + UC_SIGMASK_OFFSET, sizeof(mask))) {
		put_ptr(f, t->a[i]);
		return;
	}
	tb_puts(f, "{mask=");
	put_sigmask(f, mask);
	tb_putc(f, '}');
}
