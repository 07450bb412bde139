// SPDX-License-Identifier: GPL-2.0
/*
 * ticks - run a program and print, on standard error, the TSC ticks from
 * before its fork to after its end: "ticks N".  dune_trace_test times the
 * same program natively, under strace -f and under dune-trace with it, in
 * one boot.  (In Bochs the TSC counts instructions; on hardware, cycles.)
 *
 *   ticks PROGRAM [ARGS...]     exit status: the program's
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
#include <x86intrin.h>

int main(int argc, char **argv)
{
	uint64_t t0, t1;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: ticks PROGRAM [ARGS...]\n");
		return 2;
	}
	t0 = __rdtsc();
	pid = fork();
	if (pid < 0) {
		perror("ticks: fork");
		return 125;
	}
	if (!pid) {
		execvp(argv[1], argv + 1);
		perror("ticks: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("ticks: waitpid");
		return 125;
	}
	t1 = __rdtsc();
	fprintf(stderr, "ticks %llu\n", (unsigned long long)(t1 - t0));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
