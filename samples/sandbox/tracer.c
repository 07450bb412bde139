// SPDX-License-Identifier: GPL-2.0
/*
 * dune-trace - watch every system call of a program, as strace does, but
 * from ring 0 of the program's own process instead of from another
 * process through ptrace.
 *
 *   dune-trace [-f] [-c] [-t|-tt] [-T] [-s N] [-e trace=SET] [-e signal=SET]
 *              [-o FILE] [--] PROGRAM [ARGS...]
 *
 * The options are strace's, with its meanings: a strace user's command
 * line works unchanged, as long as it starts a program (-p, attaching to a
 * running process, cannot be done from inside the program's own process).
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
#include <time.h>

#include "sandbox.h"
#include "decode.h"

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
		"Usage: %s [OPTIONS] [--] PROGRAM [ARGS...]\n"
		"\n"
		"Runs PROGRAM (a static or dynamically linked x86-64 ELF) in guest ring 3\n"
		"and writes one strace-style line per system call; every call is\n"
		"forwarded to the host unchanged.  Forks, threads and execve are followed.\n"
		"The options are strace's:\n"
		"\n"
		"  -f              follow forks (always done; accepted for strace users)\n"
		"  -o FILE         write the trace to FILE (default: standard error)\n"
		"  -e trace=SET    only these calls: names, classes (%%file, %%process,\n"
		"                  %%network, %%signal, %%desc, %%memory, %%creds, %%clock,\n"
		"                  %%stat, %%lstat, %%fstat, %%%%stat, %%statfs, %%fstatfs,\n"
		"                  %%%%statfs), all, none; !SET for all but SET; -e SET alike\n"
		"  -e signal=SET   only these signals (names or numbers, all, none, !SET)\n"
		"  -s N            show at most N bytes of each string (default 32)\n"
		"  -t, -tt         prefix each line with the time of day (-tt: microseconds)\n"
		"  -T              show the time spent in each call, <seconds>\n"
		"  -c              no lines: a table of calls, errors and time at the end\n"
		"  -v              say what the supervisor does\n"
		"  -h, --help      this text\n"
		"\n"
		"-p PID is not supported: dune-trace watches from ring 0 of the traced\n"
		"program's own process, so it can only trace a program it starts.\n"
		"\n"
		"Exit status: the program's, or 128+N if a signal N ended it; 127 if it\n"
		"could not be started, 2 for bad options.\n", progname);
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
	return 2;
}

/*
 * strace's SET: comma-separated names or classes, "all", "none", and a
 * leading "!" for everything but the set.  @mark adds one element to
 * @set (of @n entries); -1 if it is unknown.
 */
static int parse_set(const char *spec, bool *set, int n, bool *filter,
		     int (*mark)(const char *name, bool *set, int n), const char *what)
{
	bool negate = spec[0] == '!';
	char *copy, *tok, *save = NULL;
	int i;

	if (negate)
		spec++;
	copy = strdup(spec);
	if (!copy)
		return 2;
	for (i = 0; i < n; i++)
		set[i] = false;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			for (i = 0; i < n; i++)
				set[i] = true;
		} else if (strcmp(tok, "none") && mark(tok, set, n)) {
			char msg[96];
			int r;

			snprintf(msg, sizeof(msg), "invalid %s '%%s'", what);
			r = bad(msg, tok);
			free(copy);
			return r;
		}
	}
	free(copy);
	if (negate)
		for (i = 0; i < n; i++)
			set[i] = !set[i];
	*filter = true;
	return 0;
}

static int mark_call(const char *name, bool *set, int n)
{
	int nr;

	if (name[0] == '%')
		return trace_class_mark(name, set, n);
	nr = syscall_nr(name);
	if (nr < 0 || nr >= n)
		return -1;
	set[nr] = true;
	return 0;
}

static int mark_signal(const char *name, bool *set, int n)
{
	char *end;
	long sig = strtol(name, &end, 10);

	if (*end || end == name)
		sig = signal_by_name(name);
	if (sig <= 0 || sig >= n)
		return -1;
	set[sig] = true;
	return 0;
}

/* -e EXPR: trace=SET, signal=SET, or a bare SET (trace=). */
static int parse_expr(const char *e)
{
	static const char *const unsupported[] = {
		"abbrev=", "verbose=", "raw=", "read=", "write=", "fault=", "inject=",
		"status=", "quiet=", "kvm=", "decode-fds=", "decode-pids=", NULL,
	};
	int i;

	if (!strncmp(e, "trace=", 6))
		return parse_set(e + 6, trace_opts.calls, MAX_SYSCALLS, &trace_opts.filter,
				 mark_call, "system call");
	if (!strncmp(e, "signal=", 7) || !strncmp(e, "signals=", 8))
		return parse_set(strchr(e, '=') + 1, trace_opts.sigs, 65, &trace_opts.sig_filter,
				 mark_signal, "signal");
	for (i = 0; unsupported[i]; i++)
		if (!strncmp(e, unsupported[i], strlen(unsupported[i])))
			return bad("-e %s: not supported by dune-trace (trace= and signal= are)", e);
	if (strchr(e, '='))
		return bad("invalid -e qualifier '%s'", e);
	return parse_set(e, trace_opts.calls, MAX_SYSCALLS, &trace_opts.filter, mark_call,
			 "system call");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trace_file = NULL;
	char *end;
	long n;
	int c, i, r;

	policy_defaults(&policy);
	for (i = 0; allow_all[i]; i++)
		if (policy_line(&policy, allow_all[i], "(dune-trace policy)", i + 1))
			return 2;
	while ((c = getopt_long(argc, argv, "+fo:e:s:tTcp:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			break;		/* children are always followed */
		case 'o':
			trace_file = optarg;
			break;
		case 'e':
			r = parse_expr(optarg);
			if (r)
				return r;
			break;
		case 's':
			n = strtol(optarg, &end, 10);
			if (*end || end == optarg || n < 0 || n > 65536)
				return bad("invalid -s argument: '%s'", optarg);
			trace_strsize = (int)n;
			break;
		case 't':
			trace_opts.timestamps++;
			break;
		case 'T':
			trace_opts.durations = true;
			break;
		case 'c':
			trace_opts.summary = true;
			break;
		case 'p':
			fprintf(stderr,
				"%s: -p %s: attaching to a running process is not supported: dune-trace\n"
				"traces from ring 0 of the program's own process, so only a program it\n"
				"starts (use strace -p for a running one)\n", progname, optarg);
			return 2;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", progname);
			return 2;
		}
	}
	if (optind >= argc)
		return bad("%s", "must have PROGRAM [ARGS]");
	if (trace_opts.timestamps > 2)
		return bad("%s", "-ttt is not supported (-t and -tt are)");
	if (trace_opts.timestamps)
		tzset();	/* the time zone read now, not by the first traced call */
	if (trace_setup()) {
		perror("dune-trace: the -c counters");
		return 2;
	}
	return start_program(argv + optind, true, trace_file, true);
}
