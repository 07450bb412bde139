// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_copy - attacks on how the sandbox hands a call's arguments to
 * the host kernel (issue 11, findings 2, 4, 5 and 8):
 *
 *   race-*       a second thread flips an indirect argument (an iov_base
 *                inside an iovec or msghdr) between the program's buffer
 *                and supervisor memory while the first thread makes the
 *                call in a loop.  If the supervisor checked the argument
 *                where it lies and let the kernel read it again, the
 *                kernel reads (writev, sendmsg) or writes (readv, recvmsg)
 *                supervisor memory: detected as foreign bytes in the pipe
 *                or as data that never reached the program's buffer.
 *   flip-at-entry  the same calls, each made RACES times (default 3) with
 *                its iovec at FLIP_PAGE and no racing thread: run under
 *                tests/labs/flip_at_entry, which flips iov_base at the
 *                entry of every forwarded call (flip.h) - the race, won
 *                every time.
 *   kept-pointers  pointers the kernel keeps or writes (tid address, robust
 *                list, wait status, rusage, siginfo, socket lengths...)
 *                aimed at supervisor memory: each must fail with EFAULT,
 *                and the policy must still hold after a thread's exit.
 *   scm-rights   every descriptor the program did not open (the
 *                supervisor's: /dev/dune, the VM, every thread's vCPU, the
 *                trace file, one at >= 1024) sent in SCM_RIGHTS: refused.
 *   fd-routes    the same descriptors reached by other routes: dup,
 *                fcntl(F_DUPFD), poll, epoll_ctl, /proc/self/fd/N,
 *                /proc/thread-self/fd/N, /proc/PID/fd/N, /dev/fd/N.
 *
 * Prints "contained ..." for each attempt refused, "NOT contained ..." for
 * each that got through; exits 0 if it ran to the end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "flip.h"
#include "race.h"

/* libdune's page-table pool (libdune/dune.h PAGEBASE): supervisor memory. */
#define SUP		0x200000000UL
/* A target in the pool's first page where stray 'B' bytes (bit 0 clear:
 * "not present" if it is a page-table entry) do the least harm. */
#define SUP_WRITE	(SUP + 0x800)
#define LEN		64

static int failures;
static long races = 20000;	/* iterations per race; argv[2] overrides */

static void contained(const char *what)
{
	printf("contained %s\n", what);
}

static void escaped(const char *what)
{
	printf("NOT contained %s\n", what);
	failures++;
}

/* ---- the racing thread ------------------------------------------------------ */

static void *volatile *flip_slot;	/* the pointer it flips */
static void *flip_good;
static volatile int flip_stop;
/* flip-at-entry: the iovec lives in FLIP_PAGE, a tracer flips it (flip.h) */
static struct flip_page *flip_page;

static void *flipper(void *arg)
{
	unsigned int seed = 1;

	race_pin(1);		/* the other CPU than the caller's (race.h) */
	while (!flip_stop) {
		*flip_slot = (void *)(arg ? SUP_WRITE : SUP);
		race_hold(&seed, 63);
		*flip_slot = flip_good;
		race_hold(&seed, 63);
	}
	return NULL;
}

static pthread_t start_flip(void *volatile *slot, void *good, bool write)
{
	pthread_t t = 0;

	flip_slot = slot;
	flip_good = good;
	flip_stop = 0;
	*slot = good;
	if (!flip_page)		/* flip-at-entry: the tracer flips */
		pthread_create(&t, NULL, flipper, write ? (void *)1 : NULL);
	return t;
}

static void stop_flip(pthread_t t)
{
	flip_stop = 1;
	if (!flip_page)
		pthread_join(t, NULL);
}

/* The iovec of a raced call: on the caller's stack, or in FLIP_PAGE. */
static struct iovec *race_iov(struct iovec *local, void *buf)
{
	struct iovec *iov = flip_page ? &flip_page->iov : local;

	iov->iov_base = buf;
	iov->iov_len = LEN;
	return iov;
}

static bool all(const char *b, char c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != c)
			return false;
	return true;
}

/*
 * Out of the supervisor: the kernel reads what it sends from the iovec.
 * @send: one call with the iovec (@iov, its base flipping); the bytes that
 * arrive at @rfd must be the program's 'A's, never the supervisor's.
 */
static void race_out(const char *name, long (*send)(int fd, struct iovec *iov), int wfd, int rfd,
		     bool file)
{
	static char buf[LEN], got[LEN];
	struct iovec local, *iov = race_iov(&local, buf);
	long i, ok = 0, efault = 0;
	char what[128];
	pthread_t t;

	memset(buf, 'A', LEN);
	t = start_flip((void *volatile *)&iov->iov_base, buf, false);
	for (i = 0; i < races; i++) {
		long r;

		if (flip_page)		/* the tracer's flip of the last call stays */
			iov->iov_base = buf;
		r = send(wfd, iov);

		if (r == LEN) {
			ok++;
			memset(got, 0, LEN);
			if ((file ? pread(rfd, got, LEN, 0) : read(rfd, got, LEN)) != LEN ||
			    !all(got, 'A', LEN)) {
				stop_flip(t);
				snprintf(what, sizeof(what),
					 "%s: supervisor bytes came out after %ld calls", name, i + 1);
				escaped(what);
				return;
			}
		} else if (r == -EFAULT) {
			efault++;
		} else {
			stop_flip(t);
			snprintf(what, sizeof(what), "%s: unexpected result %ld", name, r);
			escaped(what);
			return;
		}
	}
	stop_flip(t);
	snprintf(what, sizeof(what), "%s: %ld calls raced (%ld sent the program's bytes, %ld EFAULT)",
		 name, races, ok, efault);
	contained(what);
}

/*
 * Into the supervisor: the kernel writes what it receives through the
 * iovec.  Each call that says it received LEN bytes must have put them in
 * the program's buffer.
 */
static void race_in(const char *name, long (*recv)(int fd, struct iovec *iov), int wfd, int rfd,
		    bool file)
{
	static char buf[LEN], src[LEN];
	struct iovec local, *iov = race_iov(&local, buf);
	long i, ok = 0, efault = 0;
	char what[128];
	pthread_t t;

	memset(src, 'B', LEN);
	t = start_flip((void *volatile *)&iov->iov_base, buf, true);
	for (i = 0; i < races; i++) {
		long r;

		memset(buf, 0, LEN);
		if (flip_page)		/* the tracer's flip of the last call stays */
			iov->iov_base = buf;
		if ((file ? pwrite(wfd, src, LEN, 0) : write(wfd, src, LEN)) != LEN) {
			stop_flip(t);
			escaped("cannot fill the pipe");
			return;
		}
		r = recv(rfd, iov);
		if (r == LEN) {
			ok++;
			if (!all(buf, 'B', LEN)) {
				stop_flip(t);
				snprintf(what, sizeof(what),
					 "%s: data went to supervisor memory after %ld calls",
					 name, i + 1);
				escaped(what);
				return;
			}
		} else if (r == -EFAULT) {
			efault++;
			/* drain what the failed call left */
			if (!file && read(rfd, buf, LEN) != LEN) {
				stop_flip(t);
				escaped("cannot drain the pipe");
				return;
			}
		} else {
			stop_flip(t);
			snprintf(what, sizeof(what), "%s: unexpected result %ld", name, r);
			escaped(what);
			return;
		}
	}
	stop_flip(t);
	snprintf(what, sizeof(what), "%s: %ld calls raced (%ld received into the program, %ld EFAULT)",
		 name, races, ok, efault);
	contained(what);
}

static long err(long r)
{
	return r < 0 ? -errno : r;
}

static long do_writev(int fd, struct iovec *v)
{
	return err(writev(fd, v, 1));
}

static long do_readv(int fd, struct iovec *v)
{
	return err(readv(fd, v, 1));
}

static long do_pwritev(int fd, struct iovec *v)
{
	return err(syscall(SYS_pwritev, fd, v, 1, 0, 0));
}

static long do_preadv(int fd, struct iovec *v)
{
	return err(syscall(SYS_preadv, fd, v, 1, 0, 0));
}

static long do_sendmsg(int fd, struct iovec *v)
{
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 1 };

	return err(sendmsg(fd, &m, 0));
}

static long do_recvmsg(int fd, struct iovec *v)
{
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 1 };

	return err(recvmsg(fd, &m, 0));
}

static long do_pwritev2(int fd, struct iovec *v)
{
	return err(syscall(SYS_pwritev2, fd, v, 1, 0, 0, 0));
}

static long do_preadv2(int fd, struct iovec *v)
{
	return err(syscall(SYS_preadv2, fd, v, 1, 0, 0, 0));
}

static long do_sendmmsg(int fd, struct iovec *v)
{
	struct mmsghdr m = { .msg_hdr = { .msg_iov = v, .msg_iovlen = 1 } };
	long r = err(syscall(SYS_sendmmsg, fd, &m, 1, 0));

	return r == 1 ? (long)m.msg_len : r;
}

static long do_recvmmsg(int fd, struct iovec *v)
{
	struct mmsghdr m = { .msg_hdr = { .msg_iov = v, .msg_iovlen = 1 } };
	long r = err(syscall(SYS_recvmmsg, fd, &m, 1, 0, 0));

	return r == 1 ? (long)m.msg_len : r;
}

static int m_race(void)
{
	int p[2], s[2], fd;

	if (!flip_page && !race_pin(0))
		printf("# sched_setaffinity: %s: the threads are not pinned\n", strerror(errno));

	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, s)) {
		perror("pipe");
		return 2;
	}
	race_out("writev", do_writev, p[1], p[0], false);
	race_in("readv", do_readv, p[1], p[0], false);
	race_out("sendmsg", do_sendmsg, s[0], s[1], false);
	race_in("recvmsg", do_recvmsg, s[0], s[1], false);
	race_out("sendmmsg", do_sendmmsg, s[0], s[1], false);
	race_in("recvmmsg", do_recvmmsg, s[0], s[1], false);
	/* positioned calls need a file: a memfd is a real host file */
	fd = (int)syscall(SYS_memfd_create, "hostile_copy", 0);
	if (fd < 0) {
		printf("# memfd_create: %s\n", strerror(errno));
		escaped("no file for pwritev/preadv");
		return 0;
	}
	race_out("pwritev", do_pwritev, fd, fd, true);
	race_in("preadv", do_preadv, fd, fd, true);
	race_out("pwritev2", do_pwritev2, fd, fd, true);
	race_in("preadv2", do_preadv2, fd, fd, true);
	return 0;
}

/* The race mode's calls, their iovec in FLIP_PAGE for the tracer to flip. */
static int m_flip_at_entry(void)
{
	void *p = mmap((void *)FLIP_PAGE, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)FLIP_PAGE) {
		printf("# mmap at %#lx: %s\n", FLIP_PAGE, p == MAP_FAILED ? strerror(errno) : "elsewhere");
		escaped("no FLIP_PAGE for the tracer");
		return 0;
	}
	flip_page = p;
	flip_page->magic = FLIP_MAGIC;
	return m_race();
}

/* ---- pointers the kernel writes or keeps ------------------------------------ */

static void want_efault(const char *what, long r)
{
	char line[160];

	if (r == -EFAULT) {
		snprintf(line, sizeof(line), "%s: EFAULT", what);
		contained(line);
	} else {
		snprintf(line, sizeof(line), "%s: returned %ld", what, r);
		escaped(line);
	}
}

static volatile int kept_done;
static long kept_tid, kept_robust, kept_self;

/* A thread that aims its kept pointers at the supervisor, then exits. */
static void *kept_thread(void *arg)
{
	(void)arg;
	kept_self = syscall(SYS_gettid);
	kept_tid = err(syscall(SYS_set_tid_address, SUP_WRITE));
	kept_robust = err(syscall(SYS_set_robust_list, SUP_WRITE, 24));
	kept_done = 1;
	syscall(SYS_exit, 0);
	return NULL;
}

static int m_kept(void)
{
	struct sockaddr_un a;
	socklen_t alen = sizeof(a);
	int s[2], l, futex_word = 0, st;
	char buf[16];
	pthread_attr_t at;
	pthread_t t;
	pid_t pid;
	long r;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_create(&t, &at, kept_thread, NULL);
	while (!kept_done)
		usleep(1000);
	usleep(200000);		/* the thread's exit: the kernel uses what it kept */
	/*
	 * set_tid_address never fails natively: it returns the caller's tid
	 * and the kernel writes 0 to the word when the thread ends, ignoring
	 * a fault.  The sandbox keeps the word itself (threads.c) and writes
	 * it through its checked copy: the call succeeds, and the write at
	 * the exit above must not have reached the supervisor (the policy
	 * check below; a 0 in libdune's pool would also have unmapped part of
	 * it).
	 */
	if (kept_tid == kept_self) {
		contained("set_tid_address(supervisor): the thread's tid, as natively (the word kept by the supervisor)");
	} else {
		char line[160];

		snprintf(line, sizeof(line), "set_tid_address(supervisor): returned %ld, not the tid %ld",
			 kept_tid, kept_self);
		escaped(line);
	}
	want_efault("set_robust_list(supervisor)", kept_robust);
	/* the policy (run with --rule 'deny EPERM getpgrp') still holds */
	r = err(syscall(SYS_getpgrp));
	if (r == -EPERM)
		contained("policy after the thread's exit: getpgrp still EPERM");
	else
		escaped("policy after the thread's exit: getpgrp allowed");

	want_efault("clone(CLONE_PARENT_SETTID -> supervisor)",
		    (r = err(syscall(SYS_clone, SIGCHLD | CLONE_PARENT_SETTID, 0, SUP_WRITE, 0, 0))));
	if (r == 0)
		_exit(0);
	want_efault("clone(CLONE_CHILD_SETTID -> supervisor)",
		    (r = err(syscall(SYS_clone, SIGCHLD | CLONE_CHILD_SETTID, 0, 0, SUP_WRITE, 0))));
	if (r == 0)
		_exit(0);
	want_efault("clone(CLONE_CHILD_CLEARTID -> supervisor)",
		    (r = err(syscall(SYS_clone, SIGCHLD | CLONE_CHILD_CLEARTID, 0, 0, SUP_WRITE, 0))));
	if (r == 0)
		_exit(0);
	while (waitpid(-1, &st, WNOHANG) > 0)
		;

	pid = fork();
	if (pid == 0)
		_exit(3);
	usleep(100000);
	want_efault("wait4(status -> supervisor)", err(syscall(SYS_wait4, pid, SUP_WRITE, 0, 0)));
	want_efault("wait4(rusage -> supervisor)", err(syscall(SYS_wait4, pid, &st, 0, SUP_WRITE)));
	want_efault("waitid(siginfo -> supervisor)",
		    err(syscall(SYS_waitid, P_PID, pid, SUP_WRITE, WEXITED, 0)));
	waitpid(pid, &st, 0);

	want_efault("futex(WAKE_OP, uaddr2 -> supervisor)",
		    err(syscall(SYS_futex, &futex_word, FUTEX_WAKE_OP, 1, 1, SUP_WRITE, 0)));
	want_efault("futex(CMP_REQUEUE, uaddr2 -> supervisor)",
		    err(syscall(SYS_futex, &futex_word, FUTEX_CMP_REQUEUE, 1, 1, SUP_WRITE, 0)));

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		return 2;
	want_efault("getsockname(len -> supervisor)",
		    err(syscall(SYS_getsockname, s[0], &a, SUP_WRITE)));
	want_efault("getsockname(addr -> supervisor)",
		    err(syscall(SYS_getsockname, s[0], SUP_WRITE, &alen)));
	want_efault("getpeername(len -> supervisor)",
		    err(syscall(SYS_getpeername, s[0], &a, SUP_WRITE)));
	want_efault("getsockopt(optlen -> supervisor)",
		    err(syscall(SYS_getsockopt, s[0], SOL_SOCKET, SO_TYPE, buf, SUP_WRITE)));
	alen = 4;
	want_efault("getsockopt(optval -> supervisor)",
		    err(syscall(SYS_getsockopt, s[0], SOL_SOCKET, SO_TYPE, SUP_WRITE, &alen)));
	if (write(s[1], "x", 1) != 1)
		return 2;
	want_efault("recvfrom(addrlen -> supervisor)",
		    err(syscall(SYS_recvfrom, s[0], buf, 1, MSG_DONTWAIT, &a, SUP_WRITE)));
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	want_efault("accept4(addrlen -> supervisor)",
		    err(syscall(SYS_accept4, l, &a, SUP_WRITE, 0)));
	want_efault("prlimit64(old -> supervisor)",
		    err(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, SUP_WRITE)));
	want_efault("rt_sigprocmask(old -> supervisor)",
		    err(syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, SUP_WRITE, 8)));
	{
		uint64_t pair[2] = { SUP, 8 };
		struct timespec ts = { 0, 0 };

		want_efault("pselect6(sigset pair -> supervisor)",
			    err(syscall(SYS_pselect6, 0, 0, 0, 0, &ts, SUP)));
		want_efault("pselect6(sigset in the pair -> supervisor)",
			    err(syscall(SYS_pselect6, 0, 0, 0, 0, &ts, pair)));
	}
	return 0;
}

/* ---- the supervisor's descriptors ------------------------------------------- */

static const char *trace_file;	/* argv[2] of scm-rights/fd-routes, if any */

/* Is @fd one of the supervisor's?  By what it is, not by its number. */
static bool supervisor_fd(int fd, char *link, size_t len)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, link, len - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strcmp(link, "/dev/dune") || !strncmp(link, "anon_inode:dune", 15) ||
	       (trace_file && !strcmp(link, trace_file));
}

static volatile int parked;

static void *park(void *arg)
{
	(void)arg;
	parked = 1;
	for (;;)
		pause();
	return NULL;
}

/* Threads, so that later threads' vCPU descriptors exist, one at >= 1024. */
static void make_threads(void)
{
	struct rlimit rl = { 2048, 2048 };
	pthread_t t;
	int fd, last = -1;

	parked = 0;
	pthread_create(&t, NULL, park, NULL);
	while (!parked)
		usleep(1000);
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		printf("# setrlimit(NOFILE, 2048): %s: no descriptor at >= 1024\n", strerror(errno));
		return;
	}
	/* take every number below 1024, then the next thread's vCPU lands above */
	while ((fd = dup(0)) >= 0 && fd < 1024)
		last = fd;
	if (fd >= 0)
		close(fd);
	parked = 0;
	pthread_create(&t, NULL, park, NULL);
	while (!parked)
		usleep(1000);
	(void)last;
}

/* The supervisor's descriptors, found by what they are: up to @max. */
static int find_supervisor_fds(int *fds, int max, bool show)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char link[512];
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (supervisor_fd(fd, link, sizeof(link))) {
			if (show)
				printf("# supervisor fd %d -> %s\n", fd, link);
			fds[n++] = fd;
		}
	}
	closedir(d);
	return n;
}

static bool try_scm(int sock, int peer, int fd, char *got, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c = 'x';
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int rfd;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) < 0)
		return false;
	memset(cbuf, 0, sizeof(cbuf));
	m.msg_controllen = sizeof(cbuf);
	if (recvmsg(peer, &m, 0) < 0)
		return true;
	cm = CMSG_FIRSTHDR(&m);
	snprintf(got, len, "?");
	if (cm && cm->cmsg_type == SCM_RIGHTS) {
		char p[64];
		ssize_t n;

		memcpy(&rfd, CMSG_DATA(cm), sizeof(int));
		snprintf(p, sizeof(p), "/proc/self/fd/%d", rfd);
		n = readlink(p, got, len - 1);
		got[n > 0 ? n : 0] = 0;
		close(rfd);
	}
	return true;
}

static int m_scm(void)
{
	int s[2], fds[64], n, i;
	char what[600], got[256];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		return 2;
	make_threads();
	n = find_supervisor_fds(fds, 64, true);
	if (n < 3)
		escaped("fewer than 3 supervisor descriptors found");
	for (i = 0; i < n; i++) {
		if (try_scm(s[0], s[1], fds[i], got, sizeof(got))) {
			snprintf(what, sizeof(what), "SCM_RIGHTS of supervisor fd %d: sent (%s)",
				 fds[i], got);
			escaped(what);
		} else {
			snprintf(what, sizeof(what), "SCM_RIGHTS of supervisor fd %d: %s", fds[i],
				 strerror(errno));
			contained(what);
		}
	}
	return 0;
}

static void route(const char *what, int fd, long r)
{
	char line[256];

	if (r >= 0) {
		snprintf(line, sizeof(line), "%s (supervisor fd %d): got %ld", what, fd, r);
		escaped(line);
	} else {
		snprintf(line, sizeof(line), "%s (supervisor fd %d): %s", what, fd, strerror((int)-r));
		contained(line);
	}
}

static int m_routes(void)
{
	int fds[64], n, i, ep, spare;

	make_threads();
	n = find_supervisor_fds(fds, 64, true);
	if (n < 3)
		escaped("fewer than 3 supervisor descriptors found");
	ep = epoll_create1(0);
	spare = dup(1);
	for (i = 0; i < n; i++) {
		int fd = fds[i];
		struct pollfd pfd = { fd, POLLIN | POLLOUT, 0 };
		struct epoll_event ev = { .events = EPOLLIN };
		const char *fmt[] = { "/proc/self/fd/%d", "/proc/thread-self/fd/%d", "/dev/fd/%d",
				      "/proc/%d/fd/%d" };
		char p[96];
		unsigned int k;
		long r;

		route("dup", fd, err(dup(fd)));
		route("dup2", fd, err(dup2(fd, spare)));
		route("dup3", fd, err(syscall(SYS_dup3, fd, spare, 0)));
		route("fcntl(F_DUPFD)", fd, err(fcntl(fd, F_DUPFD, 0)));
		route("fcntl(F_DUPFD_CLOEXEC)", fd, err(fcntl(fd, F_DUPFD_CLOEXEC, 0)));
		route("epoll_ctl(ADD)", fd, err(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)));
		r = err(poll(&pfd, 1, 0));
		route("poll", fd, r >= 0 && !(pfd.revents & POLLNVAL) ? r : -EBADF);
		for (k = 0; k < sizeof(fmt) / sizeof(fmt[0]); k++) {
			if (k == 3)
				snprintf(p, sizeof(p), fmt[k], (int)syscall(SYS_getpid), fd);
			else
				snprintf(p, sizeof(p), fmt[k], fd);
			route(p, fd, err(open(p, O_RDONLY)));
			route(p, fd, err(open(p, O_WRONLY | O_APPEND)));
		}
	}
	/* last: closing them */
	for (i = 0; i < n; i++)
		route("close", fds[i], err(close(fds[i])));
	return 0;
}

/* ---- calls whose pointers the table cannot describe: never forwarded ---------- */

static void want(const char *what, long r, long e)
{
	char line[160];

	snprintf(line, sizeof(line), "%s: %s", what, r < 0 ? strerror((int)-r) : "succeeded");
	if (r == -e)
		contained(line);
	else
		escaped(line);
}

static int m_undescribed(void)
{
	struct { unsigned short len; void *filter; } prog = { 1, (void *)SUP };
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);

	/* harmless if forwarded: no such mount point, no such reboot command */
	want("mount(data -> supervisor)",
	     err(syscall(SYS_mount, "none", "/nonexistent/dir", "tmpfs", 0, SUP)), EPERM);
	want("reboot(arg -> supervisor)",
	     err(syscall(SYS_reboot, 0xfee1dead, 672274793, 0x12345678, SUP)), EPERM);
	want("setsockopt(SO_ATTACH_FILTER, filter -> supervisor)",
	     err(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))), ENOPROTOOPT);
	want("ioctl(unknown request, arg -> supervisor)",
	     err(syscall(SYS_ioctl, 1, 0x80085a01, SUP)), ENOTTY);
	want("fcntl(F_SETOWN_EX, arg -> supervisor)",
	     err(syscall(SYS_fcntl, 1, 15 /* F_SETOWN_EX */, SUP)), EINVAL);
	want("prctl(PR_SET_MM, arg -> supervisor)",
	     err(syscall(SYS_prctl, 35 /* PR_SET_MM */, 13, SUP, 0, 0)), EINVAL);
	return 0;
}

static int m_fdsets(void)
{
	int fds[64], n, i, p[2];

	make_threads();
	n = find_supervisor_fds(fds, 64, false);
	if (n < 3 || pipe(p))
		escaped("fewer than 3 supervisor descriptors found");
	for (i = 0; i < n; i++) {
		int fd = fds[i];
		fd_set rs;
		struct timeval tv = { 0, 0 };
		off_t off = 0;

		if (fd < FD_SETSIZE) {
			FD_ZERO(&rs);
			FD_SET(fd, &rs);
			route("select", fd, err(select(fd + 1, &rs, NULL, NULL, &tv)));
		}
		route("sendfile(out)", fd, err(syscall(SYS_sendfile, fd, p[0], &off, 1)));
		route("sendfile(in)", fd, err(syscall(SYS_sendfile, p[1], fd, &off, 1)));
		route("splice", fd, err(syscall(SYS_splice, fd, 0, p[1], 0, 1, 0)));
		route("tee", fd, err(syscall(SYS_tee, fd, p[1], 1, 0)));
		route("mmap", fd, (long)mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == -1 ?
		      -errno : 0);
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
	const char *what;
} modes[] = {
	{ "race", m_race, "a thread flips iov_base under every call with an iovec" },
	{ "flip-at-entry", m_flip_at_entry, "the same calls, for tests/labs/flip_at_entry to flip" },
	{ "kept-pointers", m_kept, "kernel-written and kernel-kept pointers at supervisor memory" },
	{ "scm-rights", m_scm, "every supervisor descriptor sent in SCM_RIGHTS" },
	{ "fd-routes", m_routes, "every supervisor descriptor by dup/fcntl/poll/epoll/proc" },
	{ "fd-sets", m_fdsets, "every supervisor descriptor in select/sendfile/splice/tee/mmap" },
	{ "undescribed", m_undescribed, "mount, reboot, unknown ioctl/fcntl/prctl/socket options" },
};

int main(int argc, char **argv)
{
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "flip-at-entry"))
		races = 3;	/* no chance involved: a few calls show it */
	if (argc >= 3 && argv[2][0])
		races = atol(argv[2]);
	if (argc >= 4)
		trace_file = argv[3];
	for (i = 0; argc >= 2 && i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!strcmp(argv[1], modes[i].name)) {
			int r = modes[i].fn();

			if (r)
				return r;
			printf("# %s: %d not contained\n", modes[i].name, failures);
			return 0;
		}
	}
	fprintf(stderr, "usage: hostile_copy MODE [RACES [TRACE-FILE]]\n");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		fprintf(stderr, "  %-14s %s\n", modes[i].name, modes[i].what);
	return 2;
}
