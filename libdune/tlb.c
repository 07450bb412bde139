// SPDX-License-Identifier: GPL-2.0
/*
 * tlb.c - TLB shootdown across the process's vCPUs.
 *
 * All the threads of a process in Dune mode walk the same guest page
 * tables (one CR3, libdune's pgroot or the program's own root), but each
 * vCPU has a TLB of its own, tagged with its VPID, which VM exits and
 * entries leave alone (SDM Vol. 3C, 29.1: with VPIDs enabled, VM entry
 * and exit do not invalidate).  A dune_vm_* call that removes or weakens
 * a present translation flushes its own CPU (INVLPG, MOV CR3 in vm.c); the
 * other vCPUs must flush too, before the call returns - or a thread in
 * the guest goes on reading a page another thread unmapped, or writing
 * one it made read-only.  Linux has the same problem between CPUs of one
 * mm, and this file follows its answer (arch/x86/mm/tlb.c):
 *
 *   Linux                                 libdune
 *   mm->context.tlb_gen                   tlb_gen, one per process
 *   cpu_tlbstate.loaded_mm_asid ...gen    slot->flushed, one per thread
 *   mm_cpumask(mm)                        the slots in state GUEST
 *   lazy TLB (is_lazy): skip, flush on    state OUT: the thread is not
 *     switch back to the mm                 running guest code; it flushes
 *                                           before its next VM entry
 *   flush_tlb_multi(): IPI, wait          tgkill(DUNE_TLB_SIGNAL), wait
 *   flush_tlb_func() in the IPI handler   the host loop, before DUNE_RUN,
 *                                           injects DUNE_TLB_VECTOR, whose
 *                                           IDT stub is MOV CR3 (entry.S)
 *
 * The target.  A thread's host loop calls dune_tlb_before_run() right
 * before every DUNE_RUN: it says GUEST (a sequentially consistent store),
 * then reads tlb_gen; if the thread has not flushed up to it, it asks
 * dune.ko to inject DUNE_TLB_VECTOR (DUNE_RUN_F_INTERRUPT), which the CPU
 * delivers as part of the VM entry, before any guest instruction - the
 * stub on its own exception stack (IST3) reloads CR3 and returns.  If the
 * guest has IF = 0, IF is set for the entry and the stub is
 * DUNE_TLB_VECTOR_CLI's, which clears IF again in the frame it returns
 * with: the guest never sees the difference.  Only when another vector is
 * already waiting (a signal vector the guest, with IF = 0, has not taken
 * yet) must the flush wait: the thread stays GUEST without flushing, and
 * the initiator waits, as Linux waits for a CPU with interrupts off.
 * When DUNE_RUN returns the loop says OUT (dune_tlb_after_run).
 *
 * The initiator, after changing the tables and flushing its own CPU,
 * bumps tlb_gen (sequentially consistent), then reads every slot: a thread
 * that has flushed far enough, or is OUT, is done - the store/load pairs
 * on both sides (Dekker) make sure that a thread read as OUT will read
 * the new generation before it enters.  A thread in GUEST gets
 * DUNE_TLB_SIGNAL: the signal makes its DUNE_RUN return (EINTR, the
 * module's vcpu_enter_guest), its loop comes round to
 * dune_tlb_before_run() and flushes.  The initiator waits until it has
 * (slot->flushed) or is OUT, sending the signal again now and then.
 *
 * With only one thread in Dune mode this costs the host loop one locked
 * store and one load per DUNE_RUN, and the initiator a look at how many
 * slots are used: no system call, no VM exit (docs/06-your-first-dune-
 * program.md, 6.10, has the measurements).
 *
 * Deadlock.  The initiator waits holding vm.c's page-table lock.  A
 * target never needs that lock to acknowledge: the acknowledgement is in
 * its host loop, which takes no lock.  A target that is blocked somewhere
 * else - in a forwarded system call, in a program's signal handler that
 * waits for the page-table lock - is OUT: sigctx.c's wrapper says so when
 * a handler interrupts DUNE_RUN's return (dune_tlb_handler_entry).
 *
 * Host side (rule R1): no libc.
 */
#include <signal.h>

#include "internal.h"
#include "sys.h"

enum { TLB_OUT = 0, TLB_GUEST = 1 };

struct dune_tlb_slot {
	int tid;				/* 0: free */
	int state;				/* TLB_OUT, TLB_GUEST */
	uint64_t flushed;			/* tlb_gen the vCPU has flushed to */
};

/*
 * As many slots as dune.ko allows vCPUs per VM by default
 * (max_vcpus_per_vm); a thread that finds none left runs natively.
 */
#define DUNE_TLB_SLOTS		4096
/* The initiator sends the signal again after this many rounds of waiting. */
#define DUNE_TLB_REKICK		64
/* ... and polls this often before it yields its CPU. */
#define DUNE_TLB_SPIN		2000

static struct dune_tlb_slot slots[DUNE_TLB_SLOTS];
static unsigned int slots_used;			/* high-water mark */
static uint64_t tlb_gen;
static int kick_installed;

static void kick_handler(int sig, siginfo_t *si, void *ucv);

void *const dune_tlb_kick = (void *)kick_handler;

static bool is_outside_run(uint64_t rip)
{
	return rip == (uint64_t)dune_run_call_done ||
	       rip == (uint64_t)dune_run_call_unblocked;
}

/*
 * DUNE_TLB_SIGNAL's handler.  The signal's work is done by the time it
 * runs: it made DUNE_RUN return, and the host loop will flush before the
 * next entry.  If it interrupted DUNE_RUN's return, the thread is out of
 * the guest from here on.
 */
static void kick_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	dune_tlb_handler_entry(dune_self, (uint64_t)uc->uc_mcontext.gregs[REG_RIP]);
}

void dune_tlb_handler_entry(struct dune_thread *t, uint64_t rip)
{
	if (t && t->tlb_slot && is_outside_run(rip))
		__atomic_store_n(&t->tlb_slot->state, TLB_OUT, __ATOMIC_SEQ_CST);
}

/* dune_init(): the signal's handler, once per process (natively). */
int dune_tlb_init(void)
{
	struct ksigaction ka;
	long err;

	if (__atomic_load_n(&kick_installed, __ATOMIC_ACQUIRE))
		return 0;
	dune_zero(&ka, sizeof(ka));
	ka.handler = (uint64_t)kick_handler;
	/* SA_RESTART: a forwarded call the signal catches goes on. */
	ka.flags = KSA_SIGINFO | KSA_RESTART | KSA_RESTORER;
	ka.restorer = (uint64_t)dune_sigreturn;
	err = dune_ksigaction(DUNE_TLB_SIGNAL, &ka, NULL);
	if (err)
		return (int)err;
	__atomic_store_n(&kick_installed, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * A thread about to run its vCPU for the first time (dune_host_loop):
 * a slot, DUNE_TLB_SIGNAL unblocked.  The new vCPU's TLB is empty (a VPID
 * is flushed everywhere before it is reused: kmod/vcpu.c), so it starts
 * flushed up to the current generation.
 */
void dune_tlb_thread_start(struct dune_thread *t)
{
	uint64_t bit = 1ULL << (DUNE_TLB_SIGNAL - 1);
	unsigned int i;

	if (t->tlb_slot)
		return;
	dune_sys_sigprocmask(SIG_UNBLOCK, &bit, NULL);
	for (i = 0; i < DUNE_TLB_SLOTS; i++) {
		int free = 0;

		if (__atomic_load_n(&slots[i].tid, __ATOMIC_RELAXED) ||
		    !__atomic_compare_exchange_n(&slots[i].tid, &free, t->tid, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&slots[i].state, TLB_OUT, __ATOMIC_SEQ_CST);
		__atomic_store_n(&slots[i].flushed,
				 __atomic_load_n(&tlb_gen, __ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);
		/* Visible to initiators from here on (they scan up to slots_used). */
		{
			unsigned int used = __atomic_load_n(&slots_used, __ATOMIC_RELAXED);

			while (used < i + 1 &&
			       !__atomic_compare_exchange_n(&slots_used, &used, i + 1, false,
							    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				;
		}
		t->tlb_slot = &slots[i];
		return;
	}
	dune_fatal(t, "more than %d threads in Dune mode: no TLB shootdown slot left",
		   DUNE_TLB_SLOTS);
}

/* The thread leaves Dune mode (exit, native replay): its slot is free. */
void dune_tlb_thread_end(struct dune_thread *t)
{
	struct dune_tlb_slot *s = t->tlb_slot;

	if (!s)
		return;
	t->tlb_slot = NULL;
	__atomic_store_n(&s->state, TLB_OUT, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->tid, 0, __ATOMIC_SEQ_CST);
}

/* A fork child: the parent's threads are not ours. */
void dune_tlb_fork_reset(struct dune_thread *t)
{
	dune_zero(slots, sizeof(slots));
	__atomic_store_n(&slots_used, 0, __ATOMIC_SEQ_CST);
	if (t)
		t->tlb_slot = NULL;
}

/* The host loop, right before DUNE_RUN (see the top of the file). */
void dune_tlb_before_run(struct dune_thread *t)
{
	struct dune_tlb_slot *s = t->tlb_slot;
	struct dune_run *run = &t->run;
	uint64_t gen;

	__atomic_store_n(&s->state, TLB_GUEST, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&tlb_gen, __ATOMIC_SEQ_CST);
	if (__builtin_expect(s->flushed == gen, 1))
		return;
	/* One vector per entry: another is waiting, so this flush waits too. */
	if (run->interrupt_pending || (run->flags & DUNE_RUN_F_INTERRUPT))
		return;
	run->flags |= DUNE_RUN_F_INTERRUPT;
	if (run->regs.rflags & DUNE_RFLAGS_IF) {
		run->interrupt_vector = DUNE_TLB_VECTOR;
	} else {
		/* Its stub clears IF again in the frame it returns with. */
		run->interrupt_vector = DUNE_TLB_VECTOR_CLI;
		run->regs.rflags |= DUNE_RFLAGS_IF;
	}
	__atomic_store_n(&s->flushed, gen, __ATOMIC_RELEASE);
}

/* The host loop, right after DUNE_RUN returned. */
void dune_tlb_after_run(struct dune_thread *t)
{
	__atomic_store_n(&t->tlb_slot->state, TLB_OUT, __ATOMIC_RELEASE);
}

static bool slot_done(const struct dune_tlb_slot *s, int tid, uint64_t gen)
{
	return __atomic_load_n(&s->tid, __ATOMIC_SEQ_CST) != tid ||
	       (int64_t)(__atomic_load_n(&s->flushed, __ATOMIC_ACQUIRE) - gen) >= 0 ||
	       __atomic_load_n(&s->state, __ATOMIC_SEQ_CST) != TLB_GUEST;
}

/*
 * The initiator: the tables changed (a present translation removed or
 * weakened), the caller's own TLB is flushed if @self_flushed.  Returns
 * when every other vCPU of the process has flushed too, or will before it
 * runs guest code again.
 */
void dune_tlb_shootdown(bool self_flushed)
{
	struct dune_thread *me = dune_self;
	struct dune_tlb_slot *self = me ? me->tlb_slot : NULL;
	unsigned int i, used;
	uint64_t gen;
	long tgid = 0;

	/*
	 * The one thread in Dune mode, which flushed itself: nothing to do.
	 * A thread that takes a slot meanwhile has a new vCPU, whose TLB
	 * holds nothing yet.  (slots_used never goes down.)
	 */
	used = __atomic_load_n(&slots_used, __ATOMIC_SEQ_CST);
	if (!used || (used == 1 && self == &slots[0] && self_flushed))
		return;
	gen = __atomic_add_fetch(&tlb_gen, 1, __ATOMIC_SEQ_CST);
	if (self && self_flushed)
		__atomic_store_n(&self->flushed, gen, __ATOMIC_RELEASE);
	used = __atomic_load_n(&slots_used, __ATOMIC_SEQ_CST);
	for (i = 0; i < used; i++) {
		struct dune_tlb_slot *s = &slots[i];
		int tid = __atomic_load_n(&s->tid, __ATOMIC_SEQ_CST);
		unsigned int round;

		if (s == self || !tid || slot_done(s, tid, gen))
			continue;
		if (!tgid)
			tgid = dune_sys_getpid();
		for (round = 0; !slot_done(s, tid, gen); round++) {
			unsigned int spin;

			if (round % DUNE_TLB_REKICK == 0 &&
			    dune_syscall3(__NR_tgkill, tgid, tid, DUNE_TLB_SIGNAL) == -ESRCH)
				break;		/* gone (or never ours: a fork child) */
			/* The target exits and enters again: a few thousand instructions. */
			for (spin = 0; spin < DUNE_TLB_SPIN && !slot_done(s, tid, gen); spin++)
				__builtin_ia32_pause();
			if (!slot_done(s, tid, gen))
				dune_sys_sched_yield();
		}
	}
}

uint64_t dune_tlb_generation(void)
{
	return __atomic_load_n(&tlb_gen, __ATOMIC_SEQ_CST);
}
