// SPDX-License-Identifier: GPL-2.0
/*
 * intercept.c - what a sandbox would use instead of Dune's ring 3: the
 * same getpid, intercepted by another process.
 *
 *   ptrace_syscall   PTRACE_SYSCALL: the tracer is woken at entry and at
 *                    exit of every system call (two stops), and lets the
 *                    call run
 *   ptrace_sysemu    PTRACE_SYSEMU: one stop per call, which the kernel
 *                    does not run; the tracer answers (writes RAX)
 *   seccomp_notify   a seccomp filter returns SECCOMP_RET_USER_NOTIF for
 *                    getpid; a supervisor thread receives the notification
 *                    and answers it (SECCOMP_IOCTL_NOTIF_RECV/SEND), with
 *                    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP where the kernel
 *                    has it (6.6 and later)
 *   seccomp_allow    getpid under a filter that allows it: the cost of
 *                    running a small BPF program on every call
 *
 * Every measurement runs in a child, timed by the child itself; the whole
 * benchmark is pinned to one CPU, so the ticks include the tracer's or
 * supervisor's work and both context switches.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "bench.h"

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU		31
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS	SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP	(1UL << 0)
#endif

#define SYS_DETACH_ME	9999	/* the tracee is done: the tracer detaches */

/* The child's loop: @n getpids, each timed, into @r. */
static void getpid_loop(struct row *r, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint64_t t0 = t_start();

		raw_syscall0(SYS_getpid);
		row_add(r, t_stop() - t0, 1);
	}
}

/* ---- ptrace ------------------------------------------------------------- */

static void ptrace_row(struct row *r, bool sysemu)
{
	long req = sysemu ? PTRACE_SYSEMU : PTRACE_SYSCALL;
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		syscall(SYS_kill, getpid(), SIGSTOP);
		getpid_loop(r, B->iters / 4);
		raw_syscall0(SYS_DETACH_ME);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		return;
	ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	for (;;) {
		long nr;

		if (ptrace(req, pid, 0, 0) < 0 || waitpid(pid, &status, 0) < 0)
			break;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return;
		if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue;
		nr = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, orig_rax), 0);
		if (nr == SYS_DETACH_ME) {
			ptrace(PTRACE_DETACH, pid, 0, 0);
			break;
		}
		/* SYSEMU: the call does not run; we are the kernel. */
		if (sysemu && nr == SYS_getpid)
			ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, rax), pid);
	}
	waitpid(pid, &status, 0);
}

/* ---- seccomp -------------------------------------------------------------- */

static int seccomp(unsigned int op, unsigned int flags, void *args)
{
	return (int)syscall(SYS_seccomp, op, flags, args);
}

/* Allow everything; getpid gets @action. */
static int install_filter(unsigned int action, unsigned int flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static volatile int listener = -1;

/* The supervisor: answer every notification with our pid. */
static void *supervisor(void *arg)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	(void)arg;
	while (listener < 0)
		sched_yield();
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req))
			continue;
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.val = req.pid;
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	return NULL;
}

static void seccomp_notify_row(struct row *r)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		pthread_t th;
		int fd;

		if (pthread_create(&th, NULL, supervisor, NULL))
			_exit(1);
		/* This thread only: the supervisor stays unfiltered. */
		fd = install_filter(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
		if (fd < 0)
			_exit(2);
		B->sync_wakeup = ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
				       SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
		listener = fd;
		getpid_loop(r, B->iters / 4);
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && status)
		row_note(r, "the child failed (status 0x%x)", status);
	if (B->sync_wakeup == 0)
		row_note(r, "no SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP on this kernel (6.6+)");
	else if (B->sync_wakeup == 1)
		row_note(r, "with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP");
}

static void seccomp_allow_row(struct row *r)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (install_filter(SECCOMP_RET_ALLOW, 0))
			_exit(2);
		getpid_loop(r, B->iters);
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && status)
		row_note(r, "the child failed (status 0x%x)", status);
}

void bench_intercept(void)
{
	ptrace_row(row_new(G_INTERCEPT, "ptrace_syscall", "getpid under PTRACE_SYSCALL (passed)"),
		   false);
	ptrace_row(row_new(G_INTERCEPT, "ptrace_sysemu", "getpid under PTRACE_SYSEMU (answered)"),
		   true);
	seccomp_notify_row(row_new(G_INTERCEPT, "seccomp_notify",
				   "getpid via seccomp user notification (answered)"));
	seccomp_allow_row(row_new(G_INTERCEPT, "seccomp_allow", "getpid under a seccomp-bpf allow"));
}
