// SPDX-License-Identifier: GPL-2.0
/*
 * dune-sandbox - run an untrusted, unmodified Linux program in guest
 * ring 3, with every system call decided by this supervisor in ring 0 of
 * the same process.
 *
 *   dune-sandbox [OPTIONS] -- PROGRAM [ARGS...]
 *
 * See docs/sandbox.md for the user guide and the policy format.  This
 * file reads the options and the policy; start.c does the rest.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

#ifndef DUNE_VERSION
#define DUNE_VERSION "0.1"
#endif

const char *progname = "dune-sandbox";

/*
 * The policy when none is given: a default-deny list that lets ordinary
 * programs (and a shell) do their work on files, without network.
 */
static const char *const builtin_policy[] = {
	"default deny ENOSYS",
	"allow read write open openat close stat fstat lstat newfstatat statx poll ppoll lseek",
	"allow mmap mprotect munmap brk mremap madvise msync mincore",
	"allow rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigsuspend sigaltstack",
	"allow ioctl pread64 pwrite64 readv writev access faccessat faccessat2 pipe pipe2",
	"allow select pselect6 sched_yield dup dup2 dup3 nanosleep clock_nanosleep",
	"allow getitimer setitimer alarm getpid getppid gettid getuid geteuid getgid getegid",
	"allow getresuid getresgid getgroups getpgrp getpgid setpgid getsid setsid",
	"allow clone fork vfork execve exit exit_group wait4 waitid kill tgkill tkill",
	"allow uname fcntl flock fsync fdatasync truncate ftruncate getdents64 getcwd chdir fchdir",
	"allow rename renameat renameat2 mkdir mkdirat rmdir creat link linkat unlink unlinkat",
	"allow symlink symlinkat readlink readlinkat chmod fchmod fchmodat chown fchown lchown fchownat",
	"allow umask gettimeofday getrlimit setrlimit prlimit64 getrusage sysinfo times",
	"allow arch_prctl prctl futex set_tid_address set_robust_list sched_getaffinity",
	"allow clock_gettime clock_getres time utime utimes utimensat statfs fstatfs",
	"allow getrandom sendfile splice copy_file_range fadvise64 pause getcpu",
	"allow socket socketpair connect sendto recvfrom sendmsg recvmsg shutdown",
	"allow getsockname getpeername setsockopt getsockopt eventfd2 epoll_create1",
	"allow epoll_ctl epoll_wait epoll_pwait epoll_pwait2 getpriority setpriority memfd_create",
	"allow getxattr lgetxattr fgetxattr listxattr llistxattr sched_getparam sched_getscheduler",
	/*
	 * clone3 is carried (clone3.c) but not allowed by default: once, in
	 * an emulated run, a 4-thread program hung under it, not reproduced
	 * since (docs/sandbox.md).  ENOSYS, and glibc falls back to clone.
	 */
	"allow close_range",
	"deny ENOSYS clone3",
	/* setting the IDs it holds (creds.c: nothing changes, nothing forwarded) */
	"allow @setuid setfsuid setfsgid",
	"deny ENOSYS rseq",
	/*
	 * Files: the system readable, /tmp writable, nothing private; of
	 * /dev only the harmless nodes; /proc only through the supervisor.
	 */
	"path readonly /",
	"path allow /tmp",
	"path allow /var/tmp",
	"path deny /root",
	"path deny /run",
	"path deny /var/run",
	"path deny /sys",
	"path deny /proc",
	"path deny /dev",
	"path allow /dev/null",
	"path allow /dev/zero",
	"path allow /dev/full",
	"path allow /dev/random",
	"path allow /dev/urandom",
	"path allow /dev/tty",
	NULL,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] -- PROGRAM [ARGS...]\n"
		"       %s [OPTIONS] --print-policy\n"
		"\n"
		"Runs PROGRAM (a static or dynamically linked x86-64 ELF) in guest ring 3,\n"
		"with every system call decided by a policy in the ring-0 supervisor.\n"
		"\n"
		"Options:\n"
		"  --policy FILE      the policy (default: a built-in one for ordinary programs)\n"
		"  --seccomp-profile FILE.json\n"
		"                     the system calls from an OCI/Docker seccomp profile\n"
		"                     (Docker's default.json runs unchanged); files, network\n"
		"                     and names still from the policy\n"
		"  --rule LINE        one more policy line, e.g. --rule 'deny EACCES socket'\n"
		"  --allow NAME[,..]  allow these system calls or @groups\n"
		"  --deny NAME[,..]   deny these system calls or @groups (EPERM)\n"
		"  --hostname NAME    the host name uname() reports (emulated uname)\n"
		"  --network on|off   sockets other than AF_UNIX (default off)\n"
		"  --private-tmp DIR  DIR is a private, empty tmpfs (needs the namespaces)\n"
		"  --user NAME|UID    run as this user (default: nobody; a non-root caller\n"
		"                     always runs as itself)\n"
		"  --no-landlock      run even if the kernel has no Landlock (weaker)\n"
		"  --no-namespaces    no pid, mount or network namespace (much weaker)\n"
		"  --trace            one strace-style line per system call, to stderr\n"
		"  --trace-file FILE  ... to FILE\n"
		"  --print-policy     print the effective policy (after every option) and exit\n"
		"  -v                 say what the sandbox does\n"
		"  -h, --help         this text\n"
		"  --version          the version, and how many system calls it knows\n"
		"\n"
		"System call groups (after systemd's SystemCallFilter=):\n", progname, progname);
	group_list(f);
	fprintf(f,
		"\n"
		"Exit status: the program's, or 128+N if a signal N ended it;\n"
		"  125 the sandbox itself failed (a bad option or policy, no Dune mode),\n"
		"  126 PROGRAM was found but cannot run (not executable, not an x86-64 ELF),\n"
		"  127 PROGRAM was not found.\n");
}

static int version(void)
{
	int nr, known = 0, carried = 0;

	for (nr = 0; nr < MAX_SYSCALLS; nr++) {
		known += sysname(nr) != NULL;
		carried += sysname(nr) && !systab_refusal(nr);
	}
	printf("%s (Dune) %s\n"
	       "x86-64 system calls: %d known (from <asm/unistd_64.h>), %d carried out by the sandbox\n",
	       progname, DUNE_VERSION, known, carried);
	return 0;
}

/* One line, GNU style, and the way to the help text: exit status 125. */
static int bad_usage(const char *fmt, const char *what)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, what);
	fprintf(stderr, "; try '%s --help'\n", progname);
	return EXIT_SANDBOX;
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 0x100, OPT_PRINT_POLICY, OPT_SECCOMP };
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ "seccomp-profile", required_argument, NULL, OPT_SECCOMP },
		{ "rule", required_argument, NULL, 'r' },
		{ "allow", required_argument, NULL, 'a' },
		{ "deny", required_argument, NULL, 'd' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "network", required_argument, NULL, 'n' },
		{ "private-tmp", required_argument, NULL, 't' },
		{ "trace", no_argument, NULL, 'T' },
		{ "trace-file", required_argument, NULL, 'F' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-landlock", no_argument, NULL, 'L' },
		{ "no-namespaces", no_argument, NULL, 'N' },
		{ "print-policy", no_argument, NULL, OPT_PRINT_POLICY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *trace_file = NULL, *policy_path = NULL, *profile_path = NULL;
	char *rules[256];
	int nrules = 0, c, i;
	bool trace = false, print = false;

	policy_defaults(&policy);
	confine.enabled = true;
	opterr = 0;	/* our own one-line messages below */
	while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			policy_path = optarg;
			break;
		case OPT_SECCOMP:
			profile_path = optarg;
			break;
		case 'r':
		case 'a':
		case 'd':
		case 'H':
		case 'n':
		case 't':
			if (nrules >= 254)
				return bad_usage("%s: too many policy options", argv[optind - 1]);
			if (c == 'r')
				rules[nrules] = strdup(optarg);
			else {
				static const char *const verbs[] = {
					['a'] = "allow", ['d'] = "deny EPERM", ['H'] = "hostname",
					['n'] = "network", ['t'] = "private-tmp" };
				char *l = malloc(strlen(optarg) + 32);

				sprintf(l, "%s %s", verbs[c], optarg);
				if (c == 'a' || c == 'd') {
					char *p;

					for (p = l; *p; p++)
						if (*p == ',')
							*p = ' ';
				}
				if (c == 'H') {
					/* --hostname also emulates uname */
					rules[nrules++] = strdup("emulate uname");
				}
				rules[nrules] = l;
			}
			nrules++;
			break;
		case 'T':
			trace = true;
			break;
		case 'u':
			confine.user = optarg;
			break;
		case 'L':
			confine.no_landlock = true;
			break;
		case 'N':
			fprintf(stderr, "%s: WARNING: --no-namespaces: no pid, mount or network namespace; the path rules are not applied by mounts\n",
				progname);
			confine.no_namespaces = true;
			break;
		case 'F':
			trace = true;
			trace_file = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			return version();
		case OPT_PRINT_POLICY:
			print = true;
			break;
		case ':':
			return bad_usage("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				fprintf(stderr, "%s: unknown option '-%c'; try '%s --help'\n",
					progname, optopt, progname);
			else
				fprintf(stderr, "%s: unknown option '%s'; try '%s --help'\n",
					progname, argv[optind - 1], progname);
			return EXIT_SANDBOX;
		}
	}
	if (optind >= argc && !print)
		return bad_usage("no PROGRAM to run%s", "");
	if (policy_path) {
		if (policy_file(&policy, policy_path))
			return EXIT_SANDBOX;
	} else {
		for (i = 0; builtin_policy[i]; i++)
			if (policy_line(&policy, builtin_policy[i], "(built-in policy)", i + 1))
				return EXIT_SANDBOX;
	}
	/* the profile's system-call rules replace the policy's (seccomp.c) */
	if (profile_path && policy_seccomp_profile(&policy, profile_path))
		return EXIT_SANDBOX;
	for (i = 0; i < nrules; i++)
		if (policy_line(&policy, rules[i], NULL, 0))
			return EXIT_SANDBOX;
	if (print) {
		policy_print(stdout, &policy);
		return fflush(stdout) ? EXIT_SANDBOX : 0;
	}

	return start_program(argv + optind, trace, trace_file, false);
}
