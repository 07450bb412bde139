// SPDX-License-Identifier: GPL-2.0
/*
 * signal.c - host signals for programs written for the original Dune:
 * dune_register_signal_handler() and dune_signal() (docs/libdune-api.md).
 *
 * A thread in Dune mode never sees a signal itself: the kernel delivers
 * signals to the thread's host half, natively, when DUNE_RUN (or a system
 * call the host loop makes for the guest) returns to user space.  A
 * handler installed with plain signal() or sigaction() - and so
 * dune_signal()'s - runs there, on the host stack, before the guest goes
 * on: it has run by the time the guest's kill() returns, for instance.
 *
 * dune_register_signal_handler(n, cb) wants more: cb runs *in the guest*,
 * as the handler of vector DUNE_SIGNAL_INTR_BASE + n, with a struct
 * dune_tf describing the guest where the signal found it, in ring 0 or
 * ring 3.  Its native handler, signal_to_guest() below, only marks the
 * signal pending for the thread when it interrupted the host loop; the
 * host loop has the module inject the vector (intr.c, K4 in the design).
 * A thread that is not in Dune mode when the signal arrives - it never
 * entered, left it, or is still on its way in - gets cb called natively,
 * right in the signal handler, with a dune_tf built from the signal's
 * ucontext (changes to it are written back).
 *
 * Guest-side code (libdune.mk): it calls libc's sigaction() and signal()
 * from program context.  signal_to_guest() itself, which runs in signal
 * context, calls no libc function.
 */
#include <signal.h>
#include <ucontext.h>

#include "dune.h"
#include "internal.h"
#include "sys.h"

extern dune_intr_cb dune_intr_cbs[256] __attribute__((visibility("hidden")));

DUNE_STATIC_ASSERT(DUNE_SIGNAL_INTR_BASE == 200, "intr.c's DUNE_SIGNAL_VECTOR_BASE");

/* The signals that have a vector: 1-55 (200 + n < 256). */
#define DUNE_SIGNAL_MAX		(256 - DUNE_SIGNAL_INTR_BASE - 1)

static bool on_host_stack(const struct dune_thread *t, uint64_t rsp)
{
	uint64_t base = (uint64_t)t + DUNE_T_HOST_STACK;

	return rsp >= base && rsp < (uint64_t)t + DUNE_THREAD_AREA;
}

/* The interrupted native context as a dune_tf, and back (user flags only). */
static void tf_from_ucontext(struct dune_tf *tf, const ucontext_t *uc)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	uint64_t csgsfs = (uint64_t)g[REG_CSGSFS];

	dune_zero(tf, sizeof(*tf));
	tf->rdi = (uint64_t)g[REG_RDI];
	tf->rsi = (uint64_t)g[REG_RSI];
	tf->rdx = (uint64_t)g[REG_RDX];
	tf->rcx = (uint64_t)g[REG_RCX];
	tf->r8 = (uint64_t)g[REG_R8];
	tf->r9 = (uint64_t)g[REG_R9];
	tf->r10 = (uint64_t)g[REG_R10];
	tf->r11 = (uint64_t)g[REG_R11];
	tf->rbx = (uint64_t)g[REG_RBX];
	tf->rbp = (uint64_t)g[REG_RBP];
	tf->r12 = (uint64_t)g[REG_R12];
	tf->r13 = (uint64_t)g[REG_R13];
	tf->r14 = (uint64_t)g[REG_R14];
	tf->r15 = (uint64_t)g[REG_R15];
	tf->rax = (uint64_t)g[REG_RAX];
	tf->rip = (uint64_t)g[REG_RIP];
	tf->rflags = (uint64_t)g[REG_EFL];
	tf->rsp = (uint64_t)g[REG_RSP];
	tf->cs = (uint16_t)csgsfs;
	/* The kernel saves SS in the last 16 bits when it says so (UC_SIGCONTEXT_SS). */
	tf->ss = uc->uc_flags & 0x2 ? (uint16_t)(csgsfs >> 48) : 0x2b;
}

static void tf_to_ucontext(ucontext_t *uc, const struct dune_tf *tf)
{
	greg_t *g = uc->uc_mcontext.gregs;

	g[REG_RDI] = (greg_t)tf->rdi;
	g[REG_RSI] = (greg_t)tf->rsi;
	g[REG_RDX] = (greg_t)tf->rdx;
	g[REG_RCX] = (greg_t)tf->rcx;
	g[REG_R8] = (greg_t)tf->r8;
	g[REG_R9] = (greg_t)tf->r9;
	g[REG_R10] = (greg_t)tf->r10;
	g[REG_R11] = (greg_t)tf->r11;
	g[REG_RBX] = (greg_t)tf->rbx;
	g[REG_RBP] = (greg_t)tf->rbp;
	g[REG_R12] = (greg_t)tf->r12;
	g[REG_R13] = (greg_t)tf->r13;
	g[REG_R14] = (greg_t)tf->r14;
	g[REG_R15] = (greg_t)tf->r15;
	g[REG_RAX] = (greg_t)tf->rax;
	g[REG_RIP] = (greg_t)tf->rip;
	g[REG_RSP] = (greg_t)tf->rsp;
	g[REG_EFL] = (greg_t)(((uint64_t)g[REG_EFL] & ~DUNE_RFLAGS_USER) |
			      (tf->rflags & DUNE_RFLAGS_USER));
}

/* The native handler of every signal registered with dune_register_signal_handler(). */
static void signal_to_guest(int sig, siginfo_t *si, void *ucv)
{
	struct dune_thread *t = dune_self;
	ucontext_t *uc = ucv;
	dune_intr_cb cb;
	struct dune_tf tf;

	(void)si;
	if (t && t->vcpu_fd >= 0 && dune_vm.intr_cap &&
	    on_host_stack(t, (uint64_t)uc->uc_mcontext.gregs[REG_RSP])) {
		__atomic_fetch_or(&t->sig_pending, 1ULL << sig, __ATOMIC_RELAXED);
		return;
	}
	cb = __atomic_load_n(&dune_intr_cbs[DUNE_SIGNAL_INTR_BASE + sig], __ATOMIC_ACQUIRE);
	if (!cb)
		return;
	tf_from_ucontext(&tf, uc);
	cb(&tf);
	tf_to_ucontext(uc, &tf);
}

int dune_register_signal_handler(int signum, dune_intr_cb cb)
{
	struct sigaction sa;

	if (signum < 1 || signum > DUNE_SIGNAL_MAX || signum == SIGKILL || signum == SIGSTOP)
		return -EINVAL;
	dune_zero(&sa, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (!cb) {
		/* Unregister: the default action again, then no handler. */
		sa.sa_handler = SIG_DFL;
		if (sigaction(signum, &sa, NULL))
			return -errno;
		return dune_register_intr_handler(DUNE_SIGNAL_INTR_BASE + signum, NULL);
	}
	dune_register_intr_handler(DUNE_SIGNAL_INTR_BASE + signum, cb);
	/* Natively it must see the host loop: never wrapped by sigctx.c. */
	dune_sigctx_exempt = (void *)signal_to_guest;
	/*
	 * Without SA_RESTART: a system call that the signal interrupts - the
	 * host loop making it for the guest - returns EINTR, so cb runs at
	 * once instead of after the call completes.
	 */
	sa.sa_sigaction = signal_to_guest;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(signum, &sa, NULL)) {
		int err = -errno;

		dune_register_intr_handler(DUNE_SIGNAL_INTR_BASE + signum, NULL);
		return err;
	}
	return 0;
}

sighandler_t dune_signal(int sig, sighandler_t cb)
{
	dune_intr_cb intr = NULL;

	if (signal(sig, cb) == SIG_ERR)
		return SIG_ERR;
	/*
	 * As the original: cb also becomes the handler of vector 200 + sig,
	 * which only `int $(200 + sig)` raises (the native handler is cb
	 * itself, so the host loop never injects it).  SIG_DFL and SIG_IGN
	 * are not functions: no handler for them.
	 */
	if (cb != SIG_DFL && cb != SIG_IGN)
		intr = (dune_intr_cb)(void (*)(void))cb;
	if (sig > 0 && sig <= DUNE_SIGNAL_MAX)
		dune_register_intr_handler(DUNE_SIGNAL_INTR_BASE + sig, intr);
	return NULL;
}
