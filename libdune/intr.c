// SPDX-License-Identifier: GPL-2.0
/*
 * intr.c - the host loop's half of host signals as guest interrupts
 * (docs/design/libdune-api.md §7.6.5).
 *
 * dune_register_signal_handler(n, cb) (signal.c) installs a native handler
 * for signal n that, when the signal interrupts a thread's host loop,
 * only sets bit n of the thread's sig_pending.  Before each DUNE_RUN the
 * host loop calls dune_intr_before_run(), which turns one such bit into a
 * DUNE_RUN_F_INTERRUPT request for vector DUNE_SIGNAL_INTR_BASE + n.  The
 * module injects it as an external interrupt as soon as the guest can take
 * one (RFLAGS.IF = 1, docs/04-vm-exits.md), so the guest's IDT delivers it
 * wherever the guest is - ring 0 or ring 3 - and the stubs in entry.S call
 * intr_cbs[200 + n] with a struct dune_tf, as for `int $(200 + n)`.
 *
 * One vector at a time: while the module reports one still pending
 * (run.interrupt_pending), the others wait in sig_pending.  Signals of the
 * same number that arrive before their vector is delivered merge into one,
 * as standard signals do.
 *
 * Host side (rule R1, loop.c): no libc.
 */
#include "internal.h"
#include "sys.h"

#define DUNE_SIGNAL_VECTOR_BASE	200	/* DUNE_SIGNAL_INTR_BASE (dune-orig-kern.h) */

void dune_intr_before_run(struct dune_thread *t)
{
	struct dune_run *run = &t->run;
	uint64_t pending = __atomic_load_n(&t->sig_pending, __ATOMIC_RELAXED);
	unsigned int sig;

	/* One vector per entry: the TLB flush's (tlb.c) may be queued already. */
	if (!pending || run->interrupt_pending || (run->flags & DUNE_RUN_F_INTERRUPT))
		return;
	/*
	 * Not inside dune_guest_init (entry.S, right before the syscall
	 * entry): until it has set KERNEL_GS_BASE and swapped GS back, a
	 * handler's system call would find no thread through SWAPGS.  The
	 * signal waits for the next run.
	 */
	if (run->regs.rip >= (uint64_t)dune_guest_init &&
	    run->regs.rip < (uint64_t)dune_syscall_entry &&
	    (uint64_t)dune_syscall_entry - (uint64_t)dune_guest_init < 256)
		return;
	sig = (unsigned int)__builtin_ctzll(pending);
	/* The signal handler sets bits on this same thread: clear atomically. */
	__atomic_fetch_and(&t->sig_pending, ~(1ULL << sig), __ATOMIC_RELAXED);
	if (sig == 0 || sig + DUNE_SIGNAL_VECTOR_BASE > 255)
		return;
	/* Unregistered meanwhile: nothing to call. */
	if (!dune_trap_has_handler(sig + DUNE_SIGNAL_VECTOR_BASE))
		return;
	run->flags |= DUNE_RUN_F_INTERRUPT;
	run->interrupt_vector = (uint8_t)(sig + DUNE_SIGNAL_VECTOR_BASE);
	t->intr_inflight = run->interrupt_vector;
}

/*
 * An exception exit (loop.c) for @vector, from ring 0, without a handler:
 * if it is the vector we injected last, its handler was unregistered
 * between the request and the delivery.  The signal is dropped - the
 * guest just resumes - rather than "replayed natively" like an INT n.
 */
bool dune_intr_dropped(struct dune_thread *t, uint64_t vector)
{
	if (!t->intr_inflight || vector != t->intr_inflight)
		return false;
	t->intr_inflight = 0;
	return true;
}

/*
 * After a handler of a signal vector ran in the guest (trap.c): if more
 * signals wait, leave the guest once - a cheap system call - so that the
 * host loop can inject the next one.  Otherwise a guest that makes no
 * system call would keep them waiting: the module returns to the host
 * loop only when it has to.  The next vector nests inside this handler's
 * dispatch, as a real interrupt would.
 */
void dune_intr_after_handler(uint64_t vector)
{
	struct dune_thread *t = dune_self;

	if (vector > DUNE_SIGNAL_VECTOR_BASE && t &&
	    __atomic_load_n(&t->sig_pending, __ATOMIC_RELAXED))
		dune_syscall0(__NR_getpid);
}
