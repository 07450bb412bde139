// SPDX-License-Identifier: GPL-2.0
/*
 * threads.c - the registry of the program's threads, and execve's end of
 * all but one of them.
 *
 * POSIX execve ends every other thread of the process before the new
 * program exists: the kernel's de_thread() (fs/exec.c) sends them SIGKILL
 * and waits until they are gone.  Here the program's threads are threads of
 * the supervisor's process, which goes on, so the sandbox does the same
 * itself: a thread that would otherwise run on - in ring 3 in the new
 * program's memory, or blocked in a forwarded read() that would later
 * write into it - is ended before the old program's memory goes.
 *
 * The registry: the host tid of every program thread (the first one
 * too), under threads_lock, a leaf lock.  A tid stays until the kernel no
 * longer knows it (tgkill says ESRCH): a thread that exit()s is still
 * there while the kernel clears its clear_child_tid and walks its robust
 * list - writes into the program's memory that must not land in a new
 * image.  exec_owner is the tid of the
 * thread that passed execve's checks (0: none); the first one wins, as
 * in the kernel, and a second exec'ing thread ends like the others.
 *
 * The stop: exec_stop_others(), in the exec'ing thread with no lock of
 * ours held (run_loop, after it left ring 3 for good), sends each other
 * thread SIG_EXEC_STOP and waits until the kernel no longer knows its
 * tid.  The signal is a host-signal-as-guest-interrupt (libdune,
 * dune_register_signal_handler): it cuts short a forwarded call (EINTR:
 * registered without SA_RESTART) and reaches on_exec_stop() in the guest
 * once the thread can take an interrupt - in ring 3, since the supervisor
 * runs with interrupts off (SFMASK clears IF on SYSCALL).  There the
 * thread holds nothing of the supervisor's: it releases its copy arena,
 * leaves the registry, and exits (libdune closes its vCPU and frees its
 * stacks).  A thread in the supervisor when the exec starts ends the same
 * way at its next entry or exit (exec_stop_check(), syscall.c).  The
 * program cannot block, catch or ignore the signal: the masks it gives
 * the kernel lose that bit (copyin.c, signal.c) and rt_sigaction refuses
 * it.  If a thread is still there after EXEC_STOP_WAIT_MS anyway, the
 * whole process ends (SIGKILL): never a new program beside an old thread.
 *
 * A thread's end, and its supervisor stack.  The kernel has one "clear
 * child tid" word per thread, written with 0 and woken when the thread
 * ends (kernel/fork.c mm_release).  It stays glibc's, the supervisor
 * pthread's own (pthread_create gave it, CLONE_CHILD_CLEARTID): the
 * program's word - its clone's CLONE_CHILD_CLEARTID, its set_tid_address
 * - is kept here (clear_tid) and written by the supervisor at the
 * program thread's exit, through mem.c's checked copy, after its robust
 * list (the kernel's order), so that the program's pthread_join returns.
 * Then the supervisor thread ends with a raw exit (libdune frees its
 * vCPU and area), never through glibc's own end of a thread, and so
 * glibc would never take its 256 KiB stack back: each ended program
 * thread left one behind, until the process ran out of mappings.  The
 * threads are therefore joinable; an ending one puts itself on a list,
 * and thread_reap(), before each new thread, joins those the kernel has
 * finished with (pthread_tryjoin_np: glibc's word is 0), which gives their
 * stacks back to glibc's cache for the next pthread_create.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "call.h"
#include "dune-ext.h"		/* dune_is_in_dune_mode */

#define EXEC_STOP_WAIT_MS	5000

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static int thread_tids[MAX_THREADS];	/* threads_lock */
static int nthreads;			/* threads_lock */
static int exec_owner;			/* atomic: the exec'ing thread's tid, or 0 */

static __thread uint64_t clear_tid;	/* the program's tid word to clear at the end, or 0 */
static pthread_mutex_t ended_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t ended[MAX_THREADS];	/* ended_lock: threads to join */
static int nended;			/* ended_lock */

static int my_tid(void)
{
	return (int)syscall(SYS_gettid);
}

/* Entries of threads the kernel no longer knows (threads_lock held). */
static void prune_locked(void)
{
	int i, pid = getpid();

	for (i = 0; i < nthreads; )
		if (syscall(SYS_tgkill, pid, thread_tids[i], 0) && errno == ESRCH)
			thread_tids[i] = thread_tids[--nthreads];
		else
			i++;
}

int thread_register(int tid)
{
	int ret = 0;

	pthread_mutex_lock(&threads_lock);
	if (nthreads == MAX_THREADS)
		prune_locked();
	if (nthreads < MAX_THREADS)
		thread_tids[nthreads++] = tid;
	else
		ret = -EAGAIN;
	pthread_mutex_unlock(&threads_lock);
	return ret;
}

static void thread_unregister(int tid)
{
	int i;

	pthread_mutex_lock(&threads_lock);
	for (i = 0; i < nthreads; i++)
		if (thread_tids[i] == tid) {
			thread_tids[i] = thread_tids[--nthreads];
			break;
		}
	pthread_mutex_unlock(&threads_lock);
}

/* CLONE_CHILD_CLEARTID's or set_tid_address's word of this program thread (0: none). */
void thread_set_clear_tid(uint64_t addr)
{
	clear_tid = addr;
}

/* What the kernel does at a thread's end with the word: 0 into it, and a wake. */
static void clear_program_tid(void)
{
	const uint32_t zero = 0;

	if (clear_tid && !mem_write(clear_tid, &zero, sizeof(zero)))
		syscall(SYS_futex, clear_tid, FUTEX_WAKE, 1, NULL, NULL, 0);
	clear_tid = 0;
}

/* This supervisor thread ends now: thread_reap() joins it once it is gone. */
void thread_ended(void)
{
	if (getpid() == my_tid())
		return;		/* the process's first thread: nobody joins it */
	pthread_mutex_lock(&ended_lock);
	if (nended < MAX_THREADS)
		ended[nended++] = pthread_self();
	pthread_mutex_unlock(&ended_lock);
}

/* A program thread's exit (exit(2)): its tid word, then the supervisor thread's end. */
void thread_exit_prepare(void)
{
	clear_program_tid();
	thread_ended();
}

/* Join the ended supervisor threads the kernel is done with: their stacks go back to glibc. */
void thread_reap(void)
{
	int i;

	pthread_mutex_lock(&ended_lock);
	for (i = 0; i < nended; )
		if (!pthread_tryjoin_np(ended[i], NULL))
			ended[i] = ended[--nended];
		else
			i++;
	pthread_mutex_unlock(&ended_lock);
}

/*
 * Ended by another thread's execve: nothing of ours stays behind (the
 * registry entry goes when the kernel no longer knows the tid), and the
 * kernel writes nothing into the program's memory at the exit: the tid
 * word stays unwritten, and the kernel's robust list and tid word are the
 * supervisor glibc's own (robust.c: the program's are never given to it).
 */
static void __attribute__((noreturn)) exit_for_exec(void)
{
	robust_thread_exit();	/* as the kernel's end of the thread would */
	arena_release();
	clear_tid = 0;		/* the kernel's word is glibc's: it writes nothing of the program's */
	thread_ended();
	syscall(SYS_exit, 0);
	__builtin_unreachable();
}

/* Is another thread's execve under way? */
static bool exec_by_other(void)
{
	int owner = __atomic_load_n(&exec_owner, __ATOMIC_ACQUIRE);

	return owner && owner != my_tid();
}

void exec_stop_check(void)
{
	if (exec_by_other())
		exit_for_exec();
}

/*
 * SIG_EXEC_STOP as a guest interrupt: from ring 3, end here; from ring 0,
 * at the call's end.  Only in the guest: where libdune calls this natively
 * (a dune.ko without DUNE_CAP_RUN_INTERRUPT), tf is the host loop's, which
 * may be anywhere in the supervisor - then the thread ends at its next
 * system call, or the exec's bounded wait ends the process.
 */
static void on_exec_stop(struct dune_tf *tf)
{
	if ((tf->cs & 3) && dune_is_in_dune_mode() && exec_by_other())
		exit_for_exec();
}

int threads_init(void)
{
	int ret = dune_register_signal_handler(SIG_EXEC_STOP, on_exec_stop);

	if (ret) {
		fprintf(stderr, "%s: cannot reserve signal %d for execve: %s\n", progname,
			SIG_EXEC_STOP, strerror(-ret));
		return ret;
	}
	return thread_register(my_tid());
}

/* A fork child: one thread, this one; the lock as fresh as the rest of it. */
void threads_fork_child(void)
{
	pthread_mutex_init(&threads_lock, NULL);
	nthreads = 0;
	/* the parent's ended threads are not the child's (glibc took their stacks back) */
	pthread_mutex_init(&ended_lock, NULL);
	nended = 0;
	__atomic_store_n(&exec_owner, 0, __ATOMIC_RELEASE);
	(void)thread_register(my_tid());
}

/* execve's point of no return: this thread's, or it ends as the kernel would end it. */
void exec_claim(void)
{
	int none = 0, me = my_tid();

	if (!__atomic_compare_exchange_n(&exec_owner, &none, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE) && none != me)
		exit_for_exec();
}

/* Every other program thread gone, or the process ends. */
void exec_stop_others(void)
{
	int me = my_tid(), pid = getpid(), waited, i, n, tids[MAX_THREADS];

	for (waited = 0;; waited++) {
		pthread_mutex_lock(&threads_lock);
		for (i = n = 0; i < nthreads; i++)
			if (thread_tids[i] != me)
				tids[n++] = thread_tids[i];
		pthread_mutex_unlock(&threads_lock);
		/* gone from the registry and from the kernel (its exit wrote nothing late) */
		for (i = 0; i < n; i++)
			if (syscall(SYS_tgkill, pid, tids[i], SIG_EXEC_STOP) && errno == ESRCH)
				thread_unregister(tids[i]);
		if (!n)
			break;
		if (waited >= EXEC_STOP_WAIT_MS)
			kill_program("execve: another thread of the program would not end", SIGKILL);
		usleep(1000);
	}
	__atomic_store_n(&exec_owner, 0, __ATOMIC_RELEASE);
}

