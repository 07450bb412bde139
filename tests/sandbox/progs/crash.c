// SPDX-License-Identifier: GPL-2.0
/*
 * crash - a program that dies of a signal right after a system call, for
 * dune_trace_test: the trace (buffered, samples/sandbox/traceflush.c) must
 * still hold the calls before the end.
 *
 *   crash segv     write(1, "last words\n", 11), then a write to address 0
 *   crash abort    the same write, then abort() (a tgkill of itself)
 *   crash term     the same write, then kill(getpid(), SIGTERM)
 *   crash slow     the same write, then forever: SLOW_TICKS of computing,
 *                  a getppid() (a call that never waits, which does not
 *                  flush the trace); the test kills it from outside
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>

/* Twice the trace's TRACE_MAX_AGE (samples/sandbox/tracebuf.h): TSC ticks. */
#define SLOW_TICKS	(1ULL << 29)

int main(int argc, char **argv)
{
	static const char words[] = "last words\n";

	if (argc < 2)
		return 2;
	if (write(1, words, sizeof(words) - 1) < 0)
		return 1;
	if (!strcmp(argv[1], "segv"))
		*(volatile int *)0 = 1;
	else if (!strcmp(argv[1], "abort"))
		abort();
	else if (!strcmp(argv[1], "term"))
		kill(getpid(), SIGTERM);
	else if (!strcmp(argv[1], "slow"))
		for (;;) {
			unsigned long long t = __rdtsc();

			while (__rdtsc() - t < SLOW_TICKS)
				;
			getppid();
		}
	return 2;
}
