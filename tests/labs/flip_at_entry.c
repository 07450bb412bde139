// SPDX-License-Identifier: GPL-2.0
/*
 * flip_at_entry - lab 6's deterministic attacker: wins hostile_copy's race
 * every time, by timing it with ptrace instead of chance (flip.h).
 *
 *   flip_at_entry -o FLIPS -- dune-sandbox [OPTIONS] -- hostile_copy flip-at-entry [N]
 *
 * Runs the command traced, following every process and thread it makes
 * (the sandbox's supervisor is the program's own process: in Dune mode
 * each forwarded system call is an ordinary host system call of that
 * process, made after the supervisor's checks in ring 0).  At the entry of
 * each host writev, readv, sendmsg, recvmsg, sendmmsg, recvmmsg, pwritev,
 * preadv, pwritev2 or preadv2 (a syscall-enter stop: every check is done,
 * the kernel has read no argument yet), if the stopped process's
 * FLIP_PAGE holds FLIP_MAGIC, its iov_base is changed to supervisor memory
 * - libdune's page-table pool, where the race mode's thread points it -
 * and at the call's exit stop put back.  The program then checks, as in
 * the race mode, that what was sent was its bytes and what was received
 * reached its buffer.
 *
 * Writes "flipped NAME COUNT" for each of the ten calls to FLIPS (a zero
 * count means the check proved nothing for that call); exits with the
 * command's status.  Needs CAP_SYS_PTRACE over the sandbox once it has
 * dropped to its user (root in the emulated machine: tests/labs/toctou_check).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../sandbox/progs/flip.h"

/* hostile_copy.c's SUP and SUP_WRITE: supervisor memory to read, to write. */
#define SUP		0x200000000UL
#define SUP_WRITE	(SUP + 0x800)

static const struct {
	long nr;
	const char *name;
	int kernel_writes;	/* the kernel writes through the iovec */
} calls[] = {
	{ SYS_writev, "writev", 0 },	{ SYS_readv, "readv", 1 },
	{ SYS_sendmsg, "sendmsg", 0 },	{ SYS_recvmsg, "recvmsg", 1 },
	{ SYS_sendmmsg, "sendmmsg", 0 }, { SYS_recvmmsg, "recvmmsg", 1 },
	{ SYS_pwritev, "pwritev", 0 },	{ SYS_preadv, "preadv", 1 },
	{ SYS_pwritev2, "pwritev2", 0 }, { SYS_preadv2, "preadv2", 1 },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static unsigned long flips[NCALLS];

/* A tracee with a flip to undo at its syscall-exit stop. */
#define MAX_TRACEES 256
static struct {
	pid_t tid;
	long saved;	/* the program's iov_base */
} pending[MAX_TRACEES];

static const long iov_base_at = FLIP_PAGE + offsetof(struct flip_page, iov) +
				offsetof(struct iovec, iov_base);

static int call_index(long nr)
{
	unsigned int i;

	for (i = 0; i < NCALLS; i++)
		if (calls[i].nr == nr)
			return (int)i;
	return -1;
}

static int slot_of(pid_t tid, int make)
{
	int i, free_slot = -1;

	for (i = 0; i < MAX_TRACEES; i++) {
		if (pending[i].tid == tid)
			return i;
		if (!pending[i].tid && free_slot < 0)
			free_slot = i;
	}
	if (make && free_slot >= 0)
		pending[free_slot].tid = tid;
	return make ? free_slot : -1;
}

/* A syscall stop of @tid: flip at the entry of one of the calls, undo at its exit. */
static void syscall_stop(pid_t tid)
{
	struct __ptrace_syscall_info info;	/* glibc's name for the uapi structure */
	long magic, base;
	int c, s;

	memset(&info, 0, sizeof(info));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) <= 0)
		return;
	if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		s = slot_of(tid, 0);
		if (s >= 0) {
			ptrace(PTRACE_POKEDATA, tid, (void *)iov_base_at, (void *)pending[s].saved);
			pending[s].tid = 0;
		}
		return;
	}
	if (info.op != PTRACE_SYSCALL_INFO_ENTRY)
		return;
	c = call_index((long)info.entry.nr);
	if (c < 0)
		return;
	/*
	 * Only in a process whose FLIP_PAGE is the program's: elsewhere
	 * (the sandbox's other processes, a window still PROT_NONE) the
	 * magic is not there - and a PTRACE_POKEDATA would write anyway.
	 */
	errno = 0;
	magic = ptrace(PTRACE_PEEKDATA, tid, (void *)FLIP_PAGE, NULL);
	if (errno || (unsigned long)magic != FLIP_MAGIC)
		return;
	base = ptrace(PTRACE_PEEKDATA, tid, (void *)iov_base_at, NULL);
	if (errno)
		return;
	s = slot_of(tid, 1);
	if (s < 0)
		return;
	if (ptrace(PTRACE_POKEDATA, tid, (void *)iov_base_at,
		   (void *)(calls[c].kernel_writes ? SUP_WRITE : SUP))) {
		pending[s].tid = 0;
		return;
	}
	pending[s].saved = base;
	flips[c]++;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	int status, i = 1, code = 1;
	pid_t child, tid;
	unsigned int c;
	FILE *f;

	if (argc > 2 && !strcmp(argv[1], "-o")) {
		out = argv[2];
		i = 3;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (!out || i >= argc) {
		fprintf(stderr, "usage: flip_at_entry -o FLIPS -- COMMAND [ARGS...]\n");
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		execvp(argv[i], argv + i);
		perror(argv[i]);
		_exit(127);
	}
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
		fprintf(stderr, "flip_at_entry: the child did not stop\n");
		return 1;
	}
	if (ptrace(PTRACE_SETOPTIONS, child, NULL,
		   (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
			    PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL))) {
		perror("flip_at_entry: PTRACE_SETOPTIONS");
		return 1;
	}
	ptrace(PTRACE_SYSCALL, child, NULL, NULL);

	while ((tid = waitpid(-1, &status, __WALL)) > 0) {
		int sig = 0;

		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			int s = slot_of(tid, 0);

			if (s >= 0)
				pending[s].tid = 0;
			if (tid == child)
				code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			syscall_stop(tid);
		} else if (status >> 16) {
			/* an event stop (clone, fork, exec): nothing to pass on */
		} else {
			siginfo_t si;

			sig = WSTOPSIG(status);
			/* a new tracee's first SIGSTOP, or a group stop: not delivered */
			if (sig == SIGSTOP || ptrace(PTRACE_GETSIGINFO, tid, NULL, &si))
				sig = 0;
		}
		ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)sig);
	}

	f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 1;
	}
	for (c = 0; c < NCALLS; c++)
		fprintf(f, "flipped %s %lu\n", calls[c].name, flips[c]);
	fclose(f);
	return code;
}
