// SPDX-License-Identifier: GPL-2.0
/*
 * ticks - run a program and print, on standard error, the TSC ticks from
 * before its fork to after its end: "ticks N".  dune_trace_test times the
 * same program natively, under strace -f and under dune-trace with it, in
 * one boot.  (In Bochs the TSC counts instructions; on hardware, cycles.)
 *
 * Both readings are taken on one CPU, and everything the program starts
 * runs there too: the TSCs of two CPUs need not agree (in one emulated
 * run, a reading before the fork on one CPU and after the wait on the
 * other gave strace -f a negative cost), and on one CPU the ticks are the
 * whole work - the tracer's and the program's - not what two CPUs overlap.
 *
 *   ticks PROGRAM [ARGS...]     exit status: the program's
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
#include <x86intrin.h>

int main(int argc, char **argv)
{
	uint64_t t0, t1;
	cpu_set_t one;
	int status, cpu;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: ticks PROGRAM [ARGS...]\n");
		return 2;
	}
	cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		perror("ticks: sched_setaffinity");
		return 125;
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
	if (t1 < t0) {
		fprintf(stderr, "ticks: the TSC went back on one CPU\n");
		return 125;
	}
	fprintf(stderr, "ticks %llu\n", (unsigned long long)(t1 - t0));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
