// SPDX-License-Identifier: GPL-2.0
/*
 * notify_run - run a command with every system call of it, and of every
 * process it makes, supervised through seccomp user notification: the
 * way a supervisor in another process (gVisor's seccomp-notify
 * alternatives, container runtimes' syscall interceptors) sees a
 * program's calls.  The supervisor here decides nothing - it lets each
 * call go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE) - so what it costs is the
 * supervision itself: two context switches and two ioctls per call.  The
 * baseline for the sandbox's own per-call cost on real programs
 * (bench/corpus-cost, docs/performance.md).
 *
 *   notify_run COMMAND [ARGS...]
 *
 * The child installs the filter (every call: SECCOMP_RET_USER_NOTIF) with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, tells the parent the listener's number
 * through shared memory (a system call would wait for a supervisor not
 * yet there), marks it close-on-exec and execs the command; the parent takes the listener with
 * pidfd_getfd(2) and answers until no process holds the filter any more
 * (POLLHUP).  Its exit status is the command's.  NOTIFY_COUNT=FILE writes
 * the number of calls it saw to FILE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

struct shared {
	volatile int listener;	/* the child's descriptor number, -1 until then */
	volatile int error;	/* errno of a failed setup in the child */
};

static int install(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static int supervise(int fd, unsigned long *calls)
{
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes))
		return -1;
	req = calloc(1, sizes.seccomp_notif);
	resp = calloc(1, sizes.seccomp_notif_resp);
	if (!req || !resp)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!(p.revents & POLLIN))
			return 0;	/* POLLHUP: no process holds the filter */
		memset(req, 0, sizes.seccomp_notif);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req))
			continue;	/* the caller went away (ENOENT), or EINTR */
		(*calls)++;
		memset(resp, 0, sizes.seccomp_notif_resp);
		resp->id = req->id;
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);	/* ENOENT: it died meanwhile */
	}
}

int main(int argc, char **argv)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long calls = 0;
	const char *count = getenv("NOTIFY_COUNT");
	int pidfd, fd, status;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: notify_run COMMAND [ARGS...]\n");
		return 125;
	}
	if (sh == MAP_FAILED)
		return 125;
	sh->listener = -1;
	child = fork();
	if (child < 0)
		return 125;
	if (child == 0) {
		int l = install();

		if (l < 0) {
			sh->error = errno;
			__atomic_store_n(&sh->listener, -2, __ATOMIC_RELEASE);
			_exit(125);
		}
		__atomic_store_n(&sh->listener, l, __ATOMIC_RELEASE);
		/* supervised already: the command must not inherit the listener */
		fcntl(l, F_SETFD, FD_CLOEXEC);
		execvp(argv[1], argv + 1);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (__atomic_load_n(&sh->listener, __ATOMIC_ACQUIRE) == -1)
		sched_yield();
	if (sh->listener < 0) {
		fprintf(stderr, "notify_run: seccomp filter: %s\n", strerror(sh->error));
		waitpid(child, &status, 0);
		return 125;
	}
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	fd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, sh->listener, 0);
	if (fd < 0) {
		fprintf(stderr, "notify_run: the child's listener: %s\n", strerror(errno));
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return 125;
	}
	if (supervise(fd, &calls))
		fprintf(stderr, "notify_run: supervising: %s\n", strerror(errno));
	if (waitpid(child, &status, 0) != child)
		return 125;
	if (count) {
		FILE *f = fopen(count, "w");

		if (f) {
			fprintf(f, "%lu\n", calls);
			fclose(f);
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
