// SPDX-License-Identifier: GPL-2.0
/*
 * dune-trace - watch every system call of a program, as strace does, but
 * from ring 0 of the program's own process instead of from another
 * process through ptrace.
 *
 *   dune-trace [-o FILE] [--] PROGRAM [ARGS...]
 *
 * It is dune-sandbox with a policy that allows everything: the same loader
 * puts the program in guest ring 3, the same handler (syscall.c) receives
 * each SYSCALL in ring 0 without a VM exit and forwards it to the host, the
 * same formatter (trace.c) writes the strace-style line.  Only this main()
 * is its own.  Compare:
 *
 *   strace -f -o a.txt PROGRAM      a second process stops the program
 *                                   twice per call (ptrace, two context
 *                                   switches each)
 *   dune-trace -o b.txt PROGRAM     no second process, no VM exit for the
 *                                   interception; one host syscall per call
 *
 * "Only observes" has the limits of the sandbox's design (docs/sandbox.md):
 * the address-space calls (mmap, brk, ...) are carried out by the
 * supervisor, not the host, so their results (addresses) differ from a
 * native run; the calls that would reach around the supervisor (ptrace,
 * seccomp, rseq, clone3, ...) are still refused, which glibc handles by
 * falling back (clone3 -> clone, rseq unused).  Children, threads and
 * execve'd programs are always followed, as with strace -f.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

const char *progname = "dune-trace";

/* Everything is allowed, sockets of every family too; no path rules. */
static const char *const allow_all[] = {
	"default allow",
	"network on",
	NULL,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-o FILE] [--] PROGRAM [ARGS...]\n"
		"\n"
		"Runs PROGRAM (a static or dynamically linked x86-64 ELF) in guest ring 3\n"
		"and writes one strace-style line per system call; every call is\n"
		"forwarded to the host unchanged.  Forks, threads and execve are followed.\n"
		"\n"
		"  -o FILE     write the trace to FILE (default: standard error)\n"
		"  -v          say what the supervisor does\n"
		"  -h, --help  this text\n"
		"\n"
		"Exit status: the program's, or 128+N if a signal N ended it; 127 if it\n"
		"could not be started, 2 for bad options.\n", progname);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trace_file = NULL;
	int c, i;

	policy_defaults(&policy);
	for (i = 0; allow_all[i]; i++)
		if (policy_line(&policy, allow_all[i], "(dune-trace policy)", i + 1))
			return 2;
	while ((c = getopt_long(argc, argv, "+o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			trace_file = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	return start_program(argv + optind, true, trace_file, true);
}
