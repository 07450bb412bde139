// SPDX-License-Identifier: GPL-2.0
/*
 * newcalls - the system calls modern glibc and runtimes make that the
 * sandbox carries since issue 16, each natively and in the sandbox
 * (dune_sandbox_calls_test), and with hostile arguments:
 *
 *   clone3       a fork-like child (exit status, CLONE_PARENT_SETTID),
 *                threads (glibc's pthread_create tries clone3 first),
 *                posix_spawn (glibc: clone3 with CLONE_VM|CLONE_VFORK and
 *                a stack of its own), and the kernel's refusals: a short
 *                or oversized structure with bytes set past the known
 *                fields, an exit signal in the flags, a bad exit signal,
 *                a stack without a size, CLONE_PIDFD, set_tid, a pointer
 *                to nothing or into the supervisor
 *   clone3-race  a second thread flips the structure's child_tid between
 *                the program's variable and supervisor memory, and its
 *                exit_signal between SIGCHLD and an invalid one, while
 *                clone3 is called in a loop: every call must give EFAULT,
 *                EINVAL or a child that exits as asked (the structure is
 *                read once; the tid goes where the checked copy says)
 *   close_range  the program's descriptors closed (or marked close-on-exec),
 *                the supervisor's kept: a thread and a child made after
 *                close_range(3, ~0U, 0) still work; the kernel's EINVALs
 *   epoll_pwait2 a timeout, a ready pipe, a NULL timeout, the EINVAL of a
 *                bad tv_nsec, EFAULT for pointers into the supervisor
 *   epoll-race   a second thread flips the timeout's tv_nsec between 0
 *                and an invalid value while epoll_pwait2 waits on a ready
 *                pipe: every call must give 1 or EINVAL
 *   vfork        the parent is suspended until its child ends or execs:
 *                a child that writes after a delay writes first
 *   io_uring     io_uring_setup is refused (EPERM in the sandbox)
 *
 * Prints "ok WHAT" / "FAIL WHAT" lines; exits 0 if every check passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "race.h"

/* libdune's page-table pool (libdune/dune.h PAGEBASE): supervisor memory in the sandbox */
#define SUP		0x200000000UL
#define SUP_WRITE	(SUP + 0x800)
#define BAD_SIGNAL	0x1ff			/* above CSIGNAL's byte: refused */
#define CLONE_RACE_DIVISOR	10

extern char **environ;
static int failures;
static long races = 2000;
static const char *self;		/* argv[0]: this program, for posix_spawn */

static void check(int ok, const char *what, long r)
{
	if (ok) {
		printf("ok %s\n", what);
	} else {
		printf("FAIL %s (got %ld, errno %s)\n", what, r, strerrorname_np(errno) ?: "?");
		failures++;
	}
	fflush(stdout);
}

static long sys_clone3(struct clone_args *ca, size_t size)
{
	return syscall(SYS_clone3, ca, size);
}

/* the status a child exited with, or -1 */
static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* ---- clone3 ---- */

static volatile int counter;

static void *bump(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void t_clone3(void)
{
	struct clone_args ca;
	unsigned char big[sizeof(ca) + 64];
	pthread_t th[4];
	pid_t ptid = 0, sp;
	char *argv[] = { "newcalls", "exit", "9", NULL };
	long r;
	int i, st;

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.flags = CLONE_PARENT_SETTID;
	ca.parent_tid = (uintptr_t)&ptid;
	r = sys_clone3(&ca, sizeof(ca));
	if (r == 0)
		_exit(7);
	check(r > 0 && reap((pid_t)r) == 7, "clone3: a fork-like child exits 7", r);
	check(r > 0 && ptid == r, "clone3: CLONE_PARENT_SETTID wrote the child's pid", ptid);

	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, bump, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	check(counter == 4, "clone3: four pthreads ran and were joined", counter);

	r = posix_spawn(&sp, "/proc/self/exe", NULL, NULL, argv, environ);
	st = r ? -1 : reap(sp);
	check(!r && st == 9, "clone3: posix_spawn of a program that exits 9", r ? r : st);

	r = sys_clone3(&ca, 32);
	check(r == -1 && errno == EINVAL, "clone3: a structure below CLONE_ARGS_SIZE_VER0: EINVAL", r);
	memset(big, 0, sizeof(big));
	memcpy(big, &ca, sizeof(ca));
	((struct clone_args *)big)->flags = 0;
	big[sizeof(ca) + 8] = 1;
	r = sys_clone3((struct clone_args *)big, sizeof(big));
	check(r == -1 && errno == E2BIG, "clone3: a byte set past the known fields: E2BIG", r);
	big[sizeof(ca) + 8] = 0;
	r = sys_clone3((struct clone_args *)big, sizeof(big));
	if (r == 0)
		_exit(5);
	check(r > 0 && reap((pid_t)r) == 5, "clone3: a larger structure, zero past the fields: a child", r);
	ca.flags = SIGCHLD;
	r = sys_clone3(&ca, sizeof(ca));
	check(r == -1 && errno == EINVAL, "clone3: an exit signal in the flags: EINVAL", r);
	ca.flags = 0;
	ca.exit_signal = BAD_SIGNAL;
	r = sys_clone3(&ca, sizeof(ca));
	check(r == -1 && errno == EINVAL, "clone3: an invalid exit signal: EINVAL", r);
	ca.exit_signal = SIGCHLD;
	ca.stack = (uintptr_t)big;
	r = sys_clone3(&ca, sizeof(ca));
	check(r == -1 && errno == EINVAL, "clone3: a stack without a size: EINVAL", r);
	ca.stack = 0;
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uintptr_t)&ptid;
	r = sys_clone3(&ca, sizeof(ca));
	if (r == 0)
		_exit(0);
	if (r > 0)
		reap((pid_t)r);
	/* natively a pidfd is made; the sandbox refuses it */
	check(r > 0 || (r == -1 && errno == EINVAL), "clone3: CLONE_PIDFD: a child or EINVAL", r);
	/* pidfd is read only with CLONE_PIDFD: glibc's pthread_create fills it regardless */
	ca.flags = 0;
	r = sys_clone3(&ca, sizeof(ca));
	if (r == 0)
		_exit(8);
	check(r > 0 && reap((pid_t)r) == 8, "clone3: a pidfd field without CLONE_PIDFD: ignored", r);
	ca.pidfd = 0;
	r = sys_clone3(NULL, sizeof(ca));
	check(r == -1 && errno == EFAULT, "clone3: a NULL structure: EFAULT", r);
}

/* The sandbox only: supervisor memory is not the program's. */
static void t_clone3_sup(void)
{
	long r = sys_clone3((struct clone_args *)SUP_WRITE, sizeof(struct clone_args));

	check(r == -1 && errno == EFAULT, "clone3: a structure in supervisor memory: EFAULT", r);
}

static struct clone_args race_ca;
static volatile int race_stop;
static volatile pid_t race_tid;

static void *flip_clone3(void *arg)
{
	unsigned int seed = 1;

	(void)arg;
	race_pin(1);
	while (!race_stop) {
		race_ca.child_tid = SUP_WRITE;
		race_ca.exit_signal = BAD_SIGNAL;
		race_hold(&seed, 255);
		race_ca.child_tid = (uintptr_t)&race_tid;
		race_ca.exit_signal = SIGCHLD;
		race_hold(&seed, 255);
	}
	return NULL;
}

static void t_clone3_race(void)
{
	long i, r, children = 0, refused = 0, other = 0, bad_exit = 0;
	pthread_t t;
	char what[160];

	race_ca.flags = CLONE_CHILD_SETTID;
	race_ca.exit_signal = SIGCHLD;
	race_ca.child_tid = (uintptr_t)&race_tid;
	pthread_create(&t, NULL, flip_clone3, NULL);
	race_pin(0);
	/* a child per success: a tenth of the iterations (a fork costs ~10^7 instructions) */
	races /= CLONE_RACE_DIVISOR;
	for (i = 0; i < races; i++) {
		r = sys_clone3(&race_ca, sizeof(race_ca));
		if (r == 0)
			_exit(3);
		if (r > 0) {
			children++;
			if (reap((pid_t)r) != 3)
				bad_exit++;
		} else if (errno == EFAULT || errno == EINVAL) {
			refused++;
		} else {
			other++;
		}
	}
	race_stop = 1;
	pthread_join(t, NULL);
	snprintf(what, sizeof(what),
		 "clone3-race: %ld children (all exit 3: %s), %ld EFAULT/EINVAL, %ld other", children,
		 bad_exit ? "no" : "yes", refused, other);
	check(!other && !bad_exit && children + refused == races, what, other);
}

/* ---- close_range ---- */

static void t_close_range(void)
{
	int fds[4], i, closed = 0, st;
	pthread_t th;
	pid_t pid;
	long r;

	for (i = 0; i < 4; i++)
		fds[i] = open("/dev/null", O_RDONLY);
	r = syscall(SYS_close_range, fds[0], fds[3], CLOSE_RANGE_CLOEXEC);
	check(!r && (fcntl(fds[2], F_GETFD) & FD_CLOEXEC),
	      "close_range: CLOSE_RANGE_CLOEXEC marks the range", r);
	r = syscall(SYS_close_range, 3, ~0U, 0);
	for (i = 0; i < 4; i++)
		closed += fcntl(fds[i], F_GETFD) == -1 && errno == EBADF;
	check(!r && closed == 4, "close_range(3, ~0U, 0): the program's descriptors are closed", r);
	check(write(1, "", 0) == 0, "close_range: standard output still open", 0);
	counter = 0;
	r = pthread_create(&th, NULL, bump, NULL);
	if (!r)
		pthread_join(th, NULL);
	check(!r && counter == 1, "close_range: a thread made afterwards runs (a new vCPU)", r);
	pid = fork();
	if (pid == 0)
		_exit(4);
	st = pid > 0 ? reap(pid) : -1;
	check(st == 4, "close_range: a child forked afterwards runs", st);
	r = syscall(SYS_close_range, 5, 4, 0);
	check(r == -1 && errno == EINVAL, "close_range: first > last: EINVAL", r);
	r = syscall(SYS_close_range, 3, ~0U, 0x80);
	check(r == -1 && errno == EINVAL, "close_range: an unknown flag: EINVAL", r);
}

/* ---- epoll_pwait2 ---- */

static long pwait2(int ep, struct epoll_event *ev, int n, const struct timespec *ts)
{
	return syscall(SYS_epoll_pwait2, ep, ev, n, ts, NULL, 8);
}

static int ep_make(int p[2])
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0x1234 };
	int ep = epoll_create1(0);

	if (ep < 0 || pipe(p) || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e))
		return -1;
	return ep;
}

static void t_epoll(bool sandboxed)
{
	struct timespec ms = { 0, 1000000 }, bad = { 0, 2000000000 };
	struct epoll_event ev[4];
	int p[2], ep = ep_make(p);
	long r;

	r = pwait2(ep, ev, 4, &ms);
	check(r == 0, "epoll_pwait2: 1 ms on an idle pipe: 0", r);
	r = write(p[1], "x", 1);
	r = pwait2(ep, ev, 4, &ms);
	check(r == 1 && ev[0].data.u64 == 0x1234, "epoll_pwait2: a ready pipe: its event", r);
	r = pwait2(ep, ev, 4, NULL);
	check(r == 1, "epoll_pwait2: no timeout, a ready pipe: 1", r);
	r = pwait2(ep, ev, 4, &bad);
	check(r == -1 && errno == EINVAL, "epoll_pwait2: tv_nsec >= 1e9: EINVAL", r);
	if (sandboxed) {
		r = pwait2(ep, ev, 4, (struct timespec *)SUP_WRITE);
		check(r == -1 && errno == EFAULT, "epoll_pwait2: a timeout in supervisor memory: EFAULT", r);
		r = pwait2(ep, (struct epoll_event *)SUP_WRITE, 4, &ms);
		check(r == -1 && errno == EFAULT, "epoll_pwait2: events into supervisor memory: EFAULT", r);
	}
}

static struct timespec race_ts;

static void *flip_ts(void *arg)
{
	unsigned int seed = 7;

	(void)arg;
	race_pin(1);
	while (!race_stop) {
		race_ts.tv_nsec = 2000000000;
		race_hold(&seed, 255);
		race_ts.tv_nsec = 0;
		race_hold(&seed, 255);
	}
	return NULL;
}

static void t_epoll_race(void)
{
	struct epoll_event ev[4];
	long i, r, ready = 0, inval = 0, other = 0;
	int p[2], ep = ep_make(p);
	pthread_t t;
	char what[128];

	r = write(p[1], "x", 1);
	race_stop = 0;
	pthread_create(&t, NULL, flip_ts, NULL);
	race_pin(0);
	for (i = 0; i < races; i++) {
		r = pwait2(ep, ev, 4, &race_ts);
		if (r == 1)
			ready++;
		else if (r == -1 && errno == EINVAL)
			inval++;
		else
			other++;
	}
	race_stop = 1;
	pthread_join(t, NULL);
	snprintf(what, sizeof(what), "epoll-race: %ld ready, %ld EINVAL, %ld other", ready, inval,
		 other);
	check(!other, what, other);
}

/* ---- vfork ---- */

static void t_vfork(void)
{
	struct timespec delay = { 0, 200 * 1000 * 1000 };
	char order[3] = { 0 }, *argv[] = { "newcalls", "exit", "6", NULL };
	int p[2], st;
	pid_t pid;
	long r;

	if (pipe(p))
		return;
	pid = vfork();
	if (pid == 0) {
		/* only calls, as a vfork child may: the parent must wait for us */
		syscall(SYS_nanosleep, &delay, NULL);
		syscall(SYS_write, p[1], "c", 1);
		syscall(SYS_exit, 3);
	}
	r = write(p[1], "p", 1);
	r = read(p[0], order, 2);
	st = reap(pid);
	check(!strcmp(order, "cp") && st == 3, "vfork: the parent waits for its child's exit", r);
	if (strcmp(order, "cp"))
		printf("# order: %s\n", order);
	pid = vfork();
	if (pid == 0) {
		syscall(SYS_execve, "/proc/self/exe", argv, environ);
		syscall(SYS_exit, 127);
	}
	st = reap(pid);
	check(st == 6, "vfork: the child execs, the parent goes on", st);
}

static void t_io_uring(void)
{
	unsigned char params[120] = { 0 };	/* struct io_uring_params */
	long r = syscall(SYS_io_uring_setup, 8, params);

	check(r == -1 && errno == EPERM, "io_uring_setup: refused (EPERM)", r);
	if (r >= 0)
		close((int)r);
}

/*
 * The ID-setting calls (creds.c): setting the IDs the program holds
 * succeeds and changes nothing - what glibc's posix_spawn does with
 * POSIX_SPAWN_RESETIDS (GNU make), checked with a real posix_spawn - and,
 * in the sandbox (no capabilities), any other ID is EPERM, as is
 * setgroups.  Natively this runs as root: only the first part there.
 */
static void t_creds(bool sandboxed)
{
	uid_t u = getuid();
	gid_t g = getgid();
	char *argv[] = { "newcalls", "exit", "5", NULL };
	posix_spawnattr_t at;
	int st = -1;
	pid_t pid;
	long r;

	check(setresuid(-1, u, -1) == 0 && geteuid() == u, "setresuid(-1, own, -1): 0", -1);
	check(setreuid(-1, -1) == 0, "setreuid(-1, -1): 0", -1);
	check(setuid(u) == 0 && getuid() == u, "setuid(own): 0", -1);
	check(setresgid(g, -1, g) == 0 && getgid() == g, "setresgid(own, -1, own): 0", -1);
	check(setgid(g) == 0, "setgid(own): 0", -1);
	r = syscall(SYS_setuid, -1);
	check(r == -1 && errno == EINVAL, "setuid(-1): EINVAL", r);
	r = syscall(SYS_setfsuid, -1);
	check(r == (long)geteuid(), "setfsuid(-1): the filesystem ID, unchanged", r);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_RESETIDS);
	r = posix_spawn(&pid, self, NULL, &at, argv, environ);
	if (r == 0)
		waitpid(pid, &st, 0);
	posix_spawnattr_destroy(&at);
	check(r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5,
	      "posix_spawn with POSIX_SPAWN_RESETIDS: the child runs (status 5)", st);
	if (!sandboxed)
		return;
	check(u != 0, "the program is not root", u);
	r = syscall(SYS_setresuid, -1, 0, -1);
	check(r == -1 && errno == EPERM && geteuid() == u, "setresuid(-1, 0, -1): EPERM", r);
	r = syscall(SYS_setuid, 0);
	check(r == -1 && errno == EPERM && getuid() == u, "setuid(0): EPERM", r);
	r = syscall(SYS_setregid, 0, 0);
	check(r == -1 && errno == EPERM && getgid() == g, "setregid(0, 0): EPERM", r);
	r = syscall(SYS_setgroups, 0, NULL);
	check(r == -1 && errno == EPERM, "setgroups(0, NULL): EPERM", r);
	r = syscall(SYS_setfsuid, 0);
	check(r == (long)u && syscall(SYS_setfsuid, -1) == (long)u,
	      "setfsuid(0): the old ID returned, nothing changed", r);
}

int main(int argc, char **argv)
{
	bool sandboxed = argc > 2 && !strcmp(argv[2], "sandboxed");
	const char *what = argc > 1 ? argv[1] : "";

	self = argv[0];

	if (!strcmp(what, "exit"))
		return argc > 2 ? atoi(argv[2]) : 0;
	if (argc > 3)
		races = atol(argv[3]);
	if (!strcmp(what, "clone3")) {
		t_clone3();
		if (sandboxed)
			t_clone3_sup();
	} else if (!strcmp(what, "clone3-race")) {
		t_clone3_race();
	} else if (!strcmp(what, "close_range")) {
		t_close_range();
	} else if (!strcmp(what, "epoll")) {
		t_epoll(sandboxed);
	} else if (!strcmp(what, "epoll-race")) {
		t_epoll_race();
	} else if (!strcmp(what, "vfork")) {
		t_vfork();
	} else if (!strcmp(what, "io_uring")) {
		t_io_uring();
	} else if (!strcmp(what, "creds")) {
		t_creds(sandboxed);
	} else {
		fprintf(stderr, "usage: newcalls clone3|clone3-race|close_range|epoll|epoll-race|vfork|io_uring|creds [sandboxed [RACES]]\n");
		return 2;
	}
	return failures ? 1 : 0;
}
