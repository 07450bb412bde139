// SPDX-License-Identifier: GPL-2.0
/*
 * robust.c - the program's robust futex lists, kept and walked here.
 *
 * set_robust_list(2) gives the kernel the head of a list it walks much
 * later, at the thread's end (and at execve): for each entry E it reads
 * E->next and marks the futex word at E + futex_offset "owner died" if
 * it holds the thread's id (kernel/futex/core.c: exit_robust_list,
 * handle_futex_death).  The head is one checked range; the entries are
 * not: they are pointers the program writes into its list whenever it
 * likes, and the kernel follows them into whatever this process has at
 * those addresses - the supervisor too, the program being this process.
 * A forwarded set_robust_list thus let the host kernel read supervisor
 * memory and write FUTEX_OWNER_DIED over any supervisor word holding the
 * thread's id (tests/sandbox/progs/hostile.c, robust-list).  No check of
 * the list when it is given could hold: it changes after.
 *
 * So the kernel is never given a program's list.  The head is recorded
 * here (per thread, by tid); when a program thread ends - exit, the whole
 * process's exit_group, the end of the other threads at an execve, the
 * execve itself - the supervisor walks its list as the kernel would,
 * every access through mem.c's checked copies (mem_read, the atomic
 * mem_cmpxchg32): an entry or a word outside the program's memory ends
 * the walk, as a fault ends the kernel's.  Not walked: a thread killed by
 * a signal (the supervisor does not run then); its robust mutexes stay
 * locked, as if the thread had not registered them.
 *
 * Lock discipline: robust_lock is a leaf (the walk runs after it is
 * dropped); a fork child starts with no lists and a new lock, as the
 * kernel clears a child's list (kernel/fork.c copy_process).
 */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "sandbox.h"

#define ROBUST_HEAD_SIZE	sizeof(struct robust_list_head)	/* <linux/futex.h> */
#define ROBUST_SLOTS		MAX_THREADS			/* one per program thread */

/* Where the head's fields are, in program memory (read with mem_read, never dereferenced). */
#define HEAD_NEXT		offsetof(struct robust_list_head, list)
#define HEAD_OFFSET		offsetof(struct robust_list_head, futex_offset)
#define HEAD_PENDING		offsetof(struct robust_list_head, list_op_pending)

static pthread_mutex_t robust_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int tid;
	uint64_t head;
} slots[ROBUST_SLOTS];			/* robust_lock; tid 0: free */

static int my_tid(void)
{
	return (int)syscall(SYS_gettid);
}

/* The slot of @tid, or a free one if @add (robust_lock held); -1: none. */
static int slot_of(int tid, bool add)
{
	int i, free_slot = -1;

	for (i = 0; i < ROBUST_SLOTS; i++) {
		if (slots[i].tid == tid)
			return i;
		if (!slots[i].tid && free_slot < 0)
			free_slot = i;
	}
	return add ? free_slot : -1;
}

/* Take @tid's head out of the table: 0 if it had none. */
static uint64_t take(int tid)
{
	uint64_t head = 0;
	int i;

	pthread_mutex_lock(&robust_lock);
	i = slot_of(tid, false);
	if (i >= 0) {
		head = slots[i].head;
		slots[i].tid = 0;
		slots[i].head = 0;
	}
	pthread_mutex_unlock(&robust_lock);
	return head;
}

long sys_set_robust_list(uint64_t head, uint64_t len)
{
	int tid = my_tid(), i;

	if (len != ROBUST_HEAD_SIZE)
		return -EINVAL;
	/* (the kernel takes any head; a head outside the program's memory is refused, as before) */
	if (head && !mem_check(head, ROBUST_HEAD_SIZE, true))
		return -EFAULT;
	pthread_mutex_lock(&robust_lock);
	i = slot_of(tid, true);
	if (i >= 0) {
		slots[i].tid = head ? tid : 0;
		slots[i].head = head;
	}
	pthread_mutex_unlock(&robust_lock);
	return i >= 0 ? 0 : -ENOMEM;
}

/* One futex word of a dead owner (handle_futex_death): 0 to go on, -1 to stop. */
static int futex_death(uint64_t uaddr, int tid, bool pi, bool pending)
{
	uint32_t v, n;
	int r;

	if (uaddr & (sizeof(uint32_t) - 1))
		return -1;
	do {
		if (mem_read(&v, uaddr, sizeof(v)))
			return -1;
		if (pending && !pi && !v) {
			/* an unlock under way: wake a waiter, as the kernel does */
			syscall(SYS_futex, uaddr, FUTEX_WAKE, 1, NULL, NULL, 0);
			return 0;
		}
		if ((v & FUTEX_TID_MASK) != (uint32_t)tid)
			return 0;
		n = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		r = mem_cmpxchg32(uaddr, &v, n);
		if (r < 0)
			return -1;
	} while (r);		/* changed meanwhile: look again */
	if (!pi && (v & FUTEX_WAITERS))
		syscall(SYS_futex, uaddr, FUTEX_WAKE, 1, NULL, NULL, 0);
	return 0;
}

/* A list pointer: the entry, and the PI flag in its bit 0. */
static int fetch(uint64_t *entry, bool *pi, uint64_t addr)
{
	uint64_t v;

	if (mem_read(&v, addr, sizeof(v)))
		return -1;
	*entry = v & ~1ULL;
	*pi = v & 1;
	return 0;
}

/* Walk @head's list as thread @tid's end (kernel/futex/core.c exit_robust_list). */
static void walk(uint64_t head, int tid)
{
	uint64_t entry, next, pending;
	unsigned int limit = ROBUST_LIST_LIMIT;
	bool pi, next_pi, ppi;
	int64_t off;

	if (!head || fetch(&entry, &pi, head + HEAD_NEXT) ||
	    mem_read(&off, head + HEAD_OFFSET, sizeof(off)) ||
	    fetch(&pending, &ppi, head + HEAD_PENDING))
		return;
	while (entry != head + HEAD_NEXT) {
		/*
		 * An entry that is not the program's memory ends the walk
		 * before its word is touched (the kernel marks the word
		 * first, then stops): a list through the supervisor is no
		 * list of the program's.
		 */
		if (fetch(&next, &next_pi, entry))
			return;
		if (entry != pending && futex_death(entry + (uint64_t)off, tid, pi, false))
			return;
		entry = next;
		pi = next_pi;
		if (!--limit)
			break;
	}
	if (pending)
		futex_death(pending + (uint64_t)off, tid, ppi, true);
}

/* The calling thread ends (exit, or ended for another thread's execve). */
void robust_thread_exit(void)
{
	int tid = my_tid();

	walk(take(tid), tid);
}

/* exit_group: every thread of the program ends with the process. */
void robust_exit_group(void)
{
	int i, tid;
	uint64_t head;

	for (i = 0; i < ROBUST_SLOTS; i++) {
		pthread_mutex_lock(&robust_lock);
		tid = slots[i].tid;
		head = slots[i].head;
		slots[i].tid = 0;
		slots[i].head = 0;
		pthread_mutex_unlock(&robust_lock);
		if (tid)
			walk(head, tid);
	}
}

/* execve: the caller's list walked (fs/exec.c exec_mm_release), then none. */
void robust_exec(void)
{
	robust_thread_exit();
	robust_fork_child();
}

/* fork: the child has no list (and a lock of its own). */
void robust_fork_child(void)
{
	int i;

	pthread_mutex_init(&robust_lock, NULL);
	for (i = 0; i < ROBUST_SLOTS; i++) {
		slots[i].tid = 0;
		slots[i].head = 0;
	}
}
