// SPDX-License-Identifier: GPL-2.0
/*
 * process.c - programs, processes and threads inside the sandbox.
 *
 * execve: the new program is loaded into this same process, inside the
 * sandbox: the handler checks the path and the new file, copies argv and
 * envp, and leaves ring 3 for good (dune_ret_from_user); run_loop() then
 * drops every mapping of the old program, closes its close-on-exec
 * descriptors, resets its signal handlers, loads the new one and jumps.
 *
 * fork/vfork/clone without CLONE_VM: the host makes a real child process,
 * with glibc's fork() (fork_locked below: every lock the child will need
 * is taken first, and is free in the child).  libdune lets a fork child
 * continue *natively* (its VM belongs to the parent), right after the
 * system call in our handler.
 * The child enters Dune mode afresh, gives the program's mappings their
 * PTE_U entries again in its new page tables, and resumes the program in
 * ring 3 with 0 in RAX: a sandboxed child under the same policy.  vfork is
 * a fork here (the parent does not wait; the memory is not shared).
 *
 * clone with CLONE_VM|CLONE_THREAD: a thread, see below.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "sandbox.h"
#include "dune-ext.h"		/* dune_set_fork_signal */
#include "tracebuf.h"

#define EXEC_RET	0x5eec

char prog_path[4096];
char **prog_argv, **prog_envp;

void run_loop(struct dune_tf *tf) __attribute__((noreturn));

/*
 * max-processes: the sandbox's live processes, in a table shared by all of
 * them (MAP_SHARED, inherited by every fork child), one slot per process
 * holding its pid.  A process counts until it has been reaped - zombies
 * count, as for RLIMIT_NPROC - by whoever reaps it: its parent's wait, or
 * init once the parent is gone (so no call of ours has to see the exit or
 * the wait).  Then kill(pid, 0) fails with ESRCH, and the next fork frees
 * its slot.  A slot is claimed with a compare-and-swap from 0 to
 * SLOT_FORKING, so that forks racing in different processes never exceed
 * the limit; parent and child both write the child's pid into it (whoever
 * comes first), and a failed fork gives it back.  (A pid reused by an
 * unrelated process after the reaping keeps its slot taken until that
 * process ends: the error is on the safe side.)
 */
#define SLOT_FORKING	(-1)

static int *procs;		/* policy.max_procs slots, or NULL: no limit */
static long nprocs_slots;

/* ---- execve ---------------------------------------------------------------- */

static void free_vec(char **v)
{
	int i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/*
 * A copy of a NULL-terminated string array in the program's memory.  Each
 * pointer is read once (a racing thread may change the array, never what
 * we checked); sizes are counted into *@total against execve's limits
 * (sandbox.h) before anything is copied, less room for what the loader
 * adds (a script's interpreter and argument, the file name, "x86_64").
 */
#define EXEC_SLACK	(4 * PAGE_SIZE)

static long copy_vec(uint64_t uv, char ***out, uint64_t *total)
{
	uint64_t p;
	char **r;
	int n = 0, i;

	if (uv) {
		for (;;) {
			if (mem_read(&p, uv + 8 * (uint64_t)n, 8))
				return -EFAULT;
			if (!p)
				break;
			*total += sizeof(char *);
			if (++n > 65536 || *total > ARG_MAX_BYTES - EXEC_SLACK)
				return -E2BIG;
		}
	}
	r = calloc(n + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		long len;

		if (mem_read(&p, uv + 8 * (uint64_t)i, 8) || !p) {
			free_vec(r);
			return -EFAULT;	/* changed under us: as the kernel would see it */
		}
		len = mem_strlen(p, MAX_ARG_STRLEN);
		if (len < 0) {
			free_vec(r);
			return len == -ENAMETOOLONG ? -E2BIG : len;
		}
		*total += (uint64_t)len + 1;
		if (*total > ARG_MAX_BYTES - EXEC_SLACK) {
			free_vec(r);
			return -E2BIG;
		}
		r[i] = calloc(1, (size_t)len + 1);
		if (!r[i]) {
			free_vec(r);
			return -ENOMEM;
		}
		if (mem_read(r[i], p, (uint64_t)len)) {
			free_vec(r);
			return -EFAULT;
		}
	}
	*out = r;
	return 0;
}

long sys_execve(struct dune_tf *tf, int dirfd, uint64_t path, uint64_t argv, uint64_t envp)
{
	char abs[PATH_MAX], err[512], comm[16];
	char **nargv = NULL, **nenvp = NULL;
	uint64_t a[6] = { path, argv, envp, 0, 0, 0 }, total = 0;
	long ret;

	(void)tf;
	ret = check_path(dirfd, path, false, abs, sizeof(abs));
	/*
	 * busybox runs its applets by exec'ing /proc/self/exe: the program,
	 * whatever the path rules say of /proc (its own file passed them).
	 */
	if (ret == -EACCES && is_self_exe(abs))
		ret = 0;
	if (ret)
		return ret;
	/*
	 * The thread's name after the exec, as the kernel's: the last part of
	 * the path as the program gave it ("exe" for /proc/self/exe, which
	 * busybox checks), fs/exec.c's __set_task_comm(kbasename(filename)).
	 */
	snprintf(comm, sizeof(comm), "%.15s", strrchr(abs, '/') ? strrchr(abs, '/') + 1 : abs);
	if (is_self_exe(abs))
		snprintf(abs, sizeof(abs), "%s", prog_path);
	ret = check_program(abs, err, sizeof(err));
	if (ret)
		return ret;
	ret = copy_vec(argv, &nargv, &total);
	if (ret)
		return ret;
	ret = copy_vec(envp, &nenvp, &total);
	if (ret) {
		free_vec(nargv);
		return ret;
	}
	if (!nargv[0]) {	/* as Linux does for an empty argv */
		free(nargv);
		nargv = calloc(2, sizeof(*nargv));
		nargv[0] = strdup("");
	}
	exec_claim();
	vfork_release();		/* the point of no return: a vfork parent goes on */
	trace_call(SYS_execve, a, 0);
	prctl(PR_SET_NAME, comm);
	snprintf(prog_path, sizeof(prog_path), "%s", abs);
	free_vec(prog_argv);
	free_vec(prog_envp);
	prog_argv = nargv;
	prog_envp = nenvp;
	dune_ret_from_user(EXEC_RET);
}

/* The descriptors an exec closes. */
static void close_cloexec(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[1024], n = 0, i;

	if (!d)
		return;
	while ((e = readdir(d)) && n < 1024) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d) || is_supervisor_fd(fd))
			continue;
		fds[n++] = fd;
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		int fl = fcntl(fds[i], F_GETFD);

		if (fl >= 0 && (fl & FD_CLOEXEC))
			close(fds[i]);
	}
}

/* Load prog_path into a fresh address space; the frame to start it. */
static void load(struct dune_tf *tf, bool first)
{
	struct loaded l;
	char err[512];

	if (!first) {
		exec_stop_others();
		robust_exec();
		thread_set_clear_tid(0);	/* exec forgets it (kernel/fork.c exec_mm_release) */
		mem_reset();
		close_cloexec();
		signals_exec_reset();
	}
	dune_set_user_fs(0);
	if (load_program(prog_path, prog_argv, prog_envp, &l, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", progname, err);
		if (first)
			exit(EXIT_NOEXEC);	/* checked before (start.c), gone or changed since */
		kill_program("execve failed after the old program was gone", SIGKILL);
	}
	memset(tf, 0, sizeof(*tf));
	tf->rip = l.entry;
	tf->rsp = l.sp;
	tf->rflags = 0x202;
}

void run_loop(struct dune_tf *tf)
{
	for (;;) {
		int ret = dune_jump_to_user(tf);

		if (ret != EXEC_RET) {
			fprintf(stderr, "%s: unexpected return from ring 3 (%d)\n", progname, ret);
			_exit(EXIT_SANDBOX);
		}
		load(tf, false);
	}
}

static void procs_init(void)
{
	size_t bytes;

	if (policy.max_procs <= 0)
		return;
	nprocs_slots = policy.max_procs;
	bytes = PAGE_UP(nprocs_slots * sizeof(int));
	procs = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (procs == MAP_FAILED) {
		fprintf(stderr, "%s: cannot set up the process table for max-processes\n", progname);
		exit(EXIT_SANDBOX);
	}
	procs[0] = getpid();
}

/* A slot for a new process (freeing those of reaped ones); -1: the limit; -2: none. */
static long procs_claim(void)
{
	long i, free_slot = -1;

	if (!procs)
		return -2;
	for (i = 0; i < nprocs_slots; i++) {
		int pid = __atomic_load_n(&procs[i], __ATOMIC_ACQUIRE);

		if (pid > 0 && kill(pid, 0) && errno == ESRCH)
			__atomic_compare_exchange_n(&procs[i], &pid, 0, false, __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE);
	}
	for (i = 0; i < nprocs_slots && free_slot < 0; i++) {
		int zero = 0;

		if (__atomic_compare_exchange_n(&procs[i], &zero, SLOT_FORKING, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			free_slot = i;
	}
	return free_slot;
}

static void procs_set(long slot, int pid)
{
	if (slot >= 0)
		__atomic_store_n(&procs[slot], pid, __ATOMIC_RELEASE);
}

void run_program(void)
{
	struct dune_tf tf;

	procs_init();
	if (threads_init())
		exit(127);
	load(&tf, true);
	run_loop(&tf);
}

/* ---- fork ------------------------------------------------------------------ */

/*
 * vfork(2) and CLONE_VFORK: the parent is suspended until the child has
 * exec'd or ended, as Linux does it (kernel/fork.c, wait_for_vfork_done).
 * The child's memory is a copy, as for fork, not the parent's: what a
 * vfork child writes (POSIX leaves it undefined) is not seen by the
 * parent.  The child releases the parent through a word in a shared
 * anonymous page of the supervisor (never mapped for ring 3): set and
 * futex-woken when its execve commits (process.c sys_execve) or when it
 * exits (h_exit_group); a child killed by a signal releases it by dying,
 * which the parent sees with waitid(WNOWAIT) between futex waits.
 */
#define VFORK_POLL_NS	(20 * 1000 * 1000)

static uint32_t *vfork_word;		/* in a vfork child: its parent's word */

void vfork_release(void)
{
	uint32_t *w = vfork_word;

	if (!w)
		return;
	vfork_word = NULL;
	__atomic_store_n(w, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
	munmap(w, PAGE_SIZE);
}

static void vfork_wait(uint32_t *w, pid_t pid)
{
	const struct timespec poll = { 0, VFORK_POLL_NS };
	siginfo_t si;

	while (!__atomic_load_n(w, __ATOMIC_ACQUIRE)) {
		syscall(SYS_futex, w, FUTEX_WAIT, 0, &poll, NULL, 0);
		memset(&si, 0, sizeof(si));
		if (!waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid)
			break;		/* ended without saying so: killed */
	}
	munmap(w, PAGE_SIZE);
}

/*
 * A fork of a threaded supervisor.  The child has one thread, and a copy
 * of every lock as it was at the clone: one that another thread held then
 * is held for ever in the child, by nobody.  A raw clone (what sys_fork
 * did first) left the child with them: the next malloc, stdio call or
 * pthread_create in glibc, or the next close()/dup() of the program
 * (fdref, held by a thread being created) or new thread (fdref, held
 * shared by a close()), waited for ever - a vfork parent with it, in a
 * loop of timed futex waits (Go's os/exec spun so).  So the child is made
 * as any threaded program must make one: glibc's fork() takes and
 * releases libc's locks (malloc arenas, stdio, the thread-stack list,
 * the dynamic loader's), and every lock of ours that a child takes is
 * taken before it - in this order, the order of the other paths:
 * fdref (a thread creation holds it while the new thread takes the
 * others), sig_lock, mem_lock, sup_mu - and made new in the child, whose
 * thread is not the one that took them (glibc's rwlock tells a writer by
 * its thread id).  libdune's own locks are made new by its dune_init()
 * in the child.  The exit signal the program asked for replaces fork()'s
 * SIGCHLD in libdune (dune_set_fork_signal).
 */
static pid_t fork_locked(int exit_signal)
{
	pid_t pid;
	int err;

	fds_fork_prepare();
	signals_fork_prepare();
	mem_fork_prepare();
	sup_fds_fork_prepare();
	err = dune_set_fork_signal(exit_signal);
	pid = err ? -1 : fork();
	err = err ? -err : errno;
	dune_set_fork_signal(-1);
	if (pid == 0) {
		sup_fds_fork_child();
		robust_fork_child();
		mem_fork_child();
		signals_fork_child();
		fds_fork_child();
		return 0;
	}
	sup_fds_fork_done();
	mem_fork_done();
	signals_fork_done();
	fds_fork_done();
	errno = err;
	return pid;
}

long sys_fork(struct dune_tf *tf, const struct clone_req *req)
{
	const unsigned long ok = CSIGNAL | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |
				 CLONE_PARENT_SETTID | CLONE_VM | CLONE_VFORK;
	unsigned long flags = SIGCHLD;
	uint64_t newsp = 0, fs, ptid = 0, ctid = 0;
	uint32_t *vw = NULL;
	struct dune_tf ctf;
	long ret, slot;
	int tid;

	if ((int)tf->rax == SYS_vfork)
		flags |= CLONE_VFORK;
	if (req) {
		flags = req->flags;
		newsp = req->sp;
		if (flags & ~ok)
			return -EINVAL;
		if ((flags & CLONE_PARENT_SETTID) && !mem_check(req->ptid, 4, true))
			return -EFAULT;
		if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) &&
		    !mem_check(req->ctid, 4, true))
			return -EFAULT;
		ptid = req->ptid;
		ctid = req->ctid;
	}
	if (flags & CLONE_VFORK) {
		vw = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			  -1, 0);
		if (vw == MAP_FAILED)
			return -ENOMEM;
	}
	slot = procs_claim();
	if (slot == -1) {
		trace_note("%s: fork refused: max-processes %ld\n", progname, policy.max_procs);
		if (vw)
			munmap(vw, PAGE_SIZE);
		return -EAGAIN;
	}
	fs = dune_get_user_fs();
	ctf = *tf;
	fflush(NULL);
	/*
	 * The trace's lines out, and no thread inside one, across the fork:
	 * the trace's lock first (a line being written may read program
	 * memory: tb_lock, then mem_lock), then fork_locked's.
	 */
	tb_fork_prepare();
	ret = fork_locked((int)(flags & CSIGNAL));
	if (ret < 0)
		ret = -errno;
	tb_fork_done();		/* in the child too: its copy of the lock, taken by this thread */
	if (ret != 0) {
		procs_set(slot, ret > 0 ? (int)ret : 0);
		/* into the parent's memory, as the kernel does (kernel/fork.c kernel_clone) */
		if (ret > 0 && (flags & CLONE_PARENT_SETTID)) {
			tid = (int)ret;
			(void)mem_write(ptid, &tid, sizeof(tid));
		}
		if (vw && ret > 0)
			vfork_wait(vw, (pid_t)ret);
		else if (vw)
			munmap(vw, PAGE_SIZE);
		return ret;
	}
	vfork_word = vw;
	procs_set(slot, (int)getpid());
	trace_fork_child();
	/* The child, running natively: into a sandbox of its own. */
	sup_fds_begin();
	ret = dune_init(false);		/* keeps the parent's tables (a fork child) */
	if (!ret)
		ret = dune_enter();
	if (ret) {
		fprintf(stderr, "%s: fork child: cannot enter Dune mode (%ld)\n", progname, ret);
		_exit(EXIT_SANDBOX);
	}
	sup_fds_end();
	register_handlers();
	threads_fork_child();
	if (mem_remap_all()) {
		fprintf(stderr, "%s: fork child: cannot map the program\n", progname);
		_exit(EXIT_SANDBOX);
	}
	/*
	 * The child's tid words, before it runs (the kernel writes
	 * CLONE_CHILD_SETTID's at the child's first schedule_tail): into
	 * the child's memory, now its own.  CLONE_CHILD_CLEARTID's word,
	 * or none, is written by the supervisor at the end (threads.c); the
	 * kernel's stays glibc's own, as fork() set it.
	 */
	tid = (int)syscall(SYS_gettid);
	if (flags & CLONE_CHILD_SETTID)
		(void)mem_write(ctid, &tid, sizeof(tid));
	thread_set_clear_tid(flags & CLONE_CHILD_CLEARTID ? ctid : 0);	/* threads.c */
	dune_set_user_fs(fs);
	ctf.rax = 0;
	if (newsp)
		ctf.rsp = newsp;
	run_loop(&ctf);
}

/* ---- threads ----------------------------------------------------------------- */

/*
 * The supervisor half of a program thread is a pthread of ours (so that it
 * has its own TLS for our libc), created in Dune mode: libdune gives it a
 * vCPU.  It takes the program thread's identity (CLONE_CHILD_CLEARTID's
 * word, which threads.c clears at its exit so that the program's
 * pthread_join returns) and jumps to ring 3 on the program's stack with the program's
 * thread pointer.
 */
struct thread_start {
	struct dune_tf tf;
	uint64_t fs;
	uint64_t ptid;		/* the parent's tid address (CLONE_PARENT_SETTID) */
	uint64_t ctid;		/* the child's tid address (CLONE_CHILD_*) */
	unsigned long flags;
	volatile int tid;
};

static void *thread_main(void *arg)
{
	struct thread_start *ts = arg;
	struct dune_tf tf = ts->tf;
	unsigned long flags = ts->flags;
	uint64_t fs = ts->fs, ctid = ts->ctid;
	int tid = (int)syscall(SYS_gettid);

	if (thread_register(tid)) {
		thread_ended();
		__atomic_store_n(&ts->tid, -EAGAIN, __ATOMIC_RELEASE);
		syscall(SYS_exit, 0);
	}
	/*
	 * The parent's tid word, before this thread runs a single
	 * instruction of the program, as the kernel writes it
	 * (kernel/fork.c: before the child is woken).  glibc's
	 * pthread_create gives the word of CLONE_CHILD_CLEARTID here too -
	 * the one pthread_join waits on until the kernel clears it at the
	 * thread's end.  Written by the parent after this thread was
	 * released (as it was first), it came too late whenever the new
	 * thread had run to its end meanwhile: the word said "running"
	 * again after the kernel's clear and wake, and the join waited for
	 * ever (dune_sandbox_test's threads hung so once, under load).
	 */
	if (flags & CLONE_PARENT_SETTID)
		(void)mem_write(ts->ptid, &tid, sizeof(tid));
	if (flags & CLONE_CHILD_SETTID)
		(void)mem_write(ctid, &tid, sizeof(tid));	/* checked again: it may be gone */
	/* written at the end by the supervisor, not the kernel (threads.c) */
	thread_set_clear_tid(flags & CLONE_CHILD_CLEARTID ? ctid : 0);
	__atomic_store_n(&ts->tid, tid, __ATOMIC_RELEASE);	/* ts is the parent's now */
	exec_stop_check();		/* an execve began while we were born */
	dune_set_user_fs(fs);
	run_loop(&tf);
}

long sys_clone_thread(struct dune_tf *tf, const struct clone_req *req)
{
	const unsigned long ok = CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				 CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
				 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;
	unsigned long flags = req->flags;
	struct thread_start *ts;
	pthread_attr_t attr;
	pthread_t th;
	int tid, err;

	if ((flags & ~ok) || !(flags & CLONE_THREAD) || !req->sp)
		return -EINVAL;
	if ((flags & CLONE_PARENT_SETTID) && !mem_check(req->ptid, 4, true))
		return -EFAULT;
	if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !mem_check(req->ctid, 4, true))
		return -EFAULT;
	if ((flags & CLONE_SETTLS) && req->tls >= (1UL << 47))
		return -EINVAL;
	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	ts->tf = *tf;
	ts->tf.rax = 0;
	ts->tf.rsp = req->sp;
	ts->ptid = req->ptid;
	ts->ctid = req->ctid;
	ts->flags = flags;
	ts->fs = flags & CLONE_SETTLS ? req->tls : dune_get_user_fs();
	thread_reap();		/* ended threads' stacks back to glibc (threads.c) */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);	/* joinable: thread_reap() */
	err = pthread_create(&th, &attr, thread_main, ts);
	pthread_attr_destroy(&attr);
	if (err) {
		free(ts);
		return -err;
	}
	while (!(tid = __atomic_load_n(&ts->tid, __ATOMIC_ACQUIRE)))
		sched_yield();
	free(ts);
	return tid;	/* the thread wrote CLONE_PARENT_SETTID's word */
}
