// SPDX-License-Identifier: GPL-2.0
/*
 * policyprobe - for dune_sandbox_policy_test.
 *
 *   policyprobe calls           makes the calls a seccomp profile decides by
 *                               their arguments (and two the sandbox has no
 *                               row for), one line each: NAME ok | NAME ERRNO
 *   policyprobe runas UID PROG [ARGS...]
 *                               (natively) PROG as user and group UID, no
 *                               supplementary groups
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define AF_VSOCK_NR	40	/* AF_VSOCK, the family Docker's profile refuses */

static void report(const char *name, long ret)
{
	if (ret < 0)
		printf("%s %s\n", name, strerrorname_np(errno));
	else
		printf("%s ok\n", name);
	fflush(stdout);
}

/* clone(2) as fork: the child leaves at once; the parent reaps it. */
static long raw_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	int st;

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, &st, 0);
	return pid;
}

static void calls(void)
{
	long r;

	report("clone-fork", raw_clone(0));
	report("clone-newuser", raw_clone(CLONE_NEWUSER));
	report("clone-newns", raw_clone(CLONE_NEWNS));
	r = socket(AF_UNIX, SOCK_STREAM, 0);
	report("socket-unix", r);
	if (r >= 0)
		close((int)r);
	report("socket-vsock", socket(AF_VSOCK_NR, SOCK_STREAM, 0));
	report("personality-query", syscall(SYS_personality, 0xffffffffUL));
	report("personality-norandom", syscall(SYS_personality, ADDR_NO_RANDOMIZE));
	report("clone3", syscall(SYS_clone3, NULL, 0));
	r = syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	report("timerfd_create", r);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "calls")) {
		calls();
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "runas")) {
		uid_t id = (uid_t)atoi(argv[2]);

		if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id)) {
			perror("policyprobe: runas");
			return 1;
		}
		execv(argv[3], argv + 3);
		perror("policyprobe: exec");
		return 1;
	}
	fprintf(stderr, "usage: policyprobe calls | runas UID PROG [ARGS...]\n");
	return 2;
}
