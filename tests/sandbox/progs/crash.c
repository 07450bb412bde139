// SPDX-License-Identifier: GPL-2.0
/*
 * crash - a program that dies of a signal right after a system call, for
 * dune_trace_test: the trace (buffered, samples/sandbox/traceflush.c) must
 * still hold the calls before the end.
 *
 *   crash segv     write(1, "last words\n", 11), then a write to address 0
 *   crash abort    the same write, then abort() (a tgkill of itself)
 *   crash term     the same write, then kill(getpid(), SIGTERM)
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	return 2;
}
