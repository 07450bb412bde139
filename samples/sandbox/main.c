// SPDX-License-Identifier: GPL-2.0
/*
 * dune-sandbox - run an untrusted, unmodified Linux program in guest
 * ring 3, with every system call decided by this supervisor in ring 0 of
 * the same process.
 *
 *   dune-sandbox [OPTIONS] -- PROGRAM [ARGS...]
 *
 * See docs/sandbox.md for the user guide and the policy format.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sandbox.h"
#include "cpu-x86.h"

const char *progname = "dune-sandbox";
int verbose;
pid_t real_pid;

void register_handlers(void);
extern char **environ;

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
	"allow epoll_ctl epoll_wait epoll_pwait getpriority setpriority memfd_create",
	"allow getxattr lgetxattr fgetxattr listxattr llistxattr sched_getparam sched_getscheduler",
	"deny ENOSYS rseq clone3",
	NULL,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] -- PROGRAM [ARGS...]\n"
		"\n"
		"Runs PROGRAM (a static or dynamically linked x86-64 ELF) in guest ring 3,\n"
		"with every system call decided by a policy in the ring-0 supervisor.\n"
		"\n"
		"Options:\n"
		"  --policy FILE      the policy (default: a built-in one for ordinary programs)\n"
		"  --rule LINE        one more policy line, e.g. --rule 'deny EACCES socket'\n"
		"  --allow NAME[,..]  allow these system calls\n"
		"  --deny NAME[,..]   deny these system calls (EPERM)\n"
		"  --hostname NAME    the host name uname() reports (emulated uname)\n"
		"  --network on|off   sockets other than AF_UNIX (default off)\n"
		"  --private-tmp DIR  DIR is a private in-memory directory\n"
		"  --trace            one strace-style line per system call, to stderr\n"
		"  --trace-file FILE  ... to FILE\n"
		"  -v                 say what the sandbox does\n"
		"  -h, --help         this text\n"
		"\n"
		"Exit status: the program's, or 128+N if a signal N ended it; 127 if it\n"
		"could not be started, 2 for bad options or a bad policy.\n", progname);
}

static int add_list(const char *verb, const char *list)
{
	char line[1100];
	char *p;

	snprintf(line, sizeof(line), "%s %s", verb, list);
	for (p = line; *p; p++)
		if (*p == ',')
			*p = ' ';
	return policy_line(&policy, line, NULL, 0);
}

/* PROGRAM as execvp would find it. */
static int find_program(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *e = strchr(path, ':');
		size_t n = e ? (size_t)(e - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", name);
		if (access(buf, X_OK) == 0) {
			snprintf(out, len, "%s", buf);
			return 0;
		}
		path += n + (e ? 1 : 0);
		if (!e)
			break;
	}
	return -ENOENT;
}

/* ---- ring-3 exceptions ------------------------------------------------------ */

static void on_pgflt(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	if (!(tf->cs & 3)) {
		dune_printf("%s: supervisor page fault at %#lx (rip %#lx, error %#lx)\n",
			    progname, (unsigned long)addr, (unsigned long)tf->rip,
			    (unsigned long)fec);
		dune_dump_trap_frame(tf);
		dune_die();
	}
	signal_fault(tf, SIGSEGV, (fec & 1) ? SEGV_ACCERR : SEGV_MAPERR, addr);
}

static void on_trap(struct dune_tf *tf, int vec)
{
	int sig = SIGSEGV, code = SI_KERNEL;

	if (!(tf->cs & 3)) {
		dune_printf("%s: exception %d in the supervisor at rip %#lx\n", progname, vec,
			    (unsigned long)tf->rip);
		dune_dump_trap_frame(tf);
		dune_die();
	}
	switch (vec) {
	case T_DIVIDE: sig = SIGFPE; code = FPE_INTDIV; break;
	case T_DEBUG: case T_BRKPT: sig = SIGTRAP; code = TRAP_BRKPT; break;
	case T_ILLOP: sig = SIGILL; code = ILL_ILLOPN; break;
	case T_FPERR: case T_SIMDERR: sig = SIGFPE; code = FPE_FLTINV; break;
	case T_ALIGN: sig = SIGBUS; code = BUS_ADRALN; break;
	default: sig = SIGSEGV; code = SI_KERNEL; break;
	}
	if (verbose)
		fprintf(stderr, "%s: ring-3 exception %d at rip %#lx -> %s\n", progname, vec,
			(unsigned long)tf->rip, strsignal(sig));
	signal_fault(tf, sig, code, tf->rip);
}

#define TRAP(n) static void on_trap_##n(struct dune_tf *tf) { on_trap(tf, n); }
TRAP(0) TRAP(1) TRAP(3) TRAP(4) TRAP(5) TRAP(6) TRAP(7) TRAP(10) TRAP(11) TRAP(12)
TRAP(13) TRAP(16) TRAP(17) TRAP(19)

void register_handlers(void)
{
	dune_register_syscall_handler(on_syscall);
	dune_register_pgflt_handler(on_pgflt);
	dune_register_intr_handler(0, on_trap_0);
	dune_register_intr_handler(1, on_trap_1);
	dune_register_intr_handler(3, on_trap_3);
	dune_register_intr_handler(4, on_trap_4);
	dune_register_intr_handler(5, on_trap_5);
	dune_register_intr_handler(6, on_trap_6);
	dune_register_intr_handler(7, on_trap_7);
	dune_register_intr_handler(10, on_trap_10);
	dune_register_intr_handler(11, on_trap_11);
	dune_register_intr_handler(12, on_trap_12);
	dune_register_intr_handler(13, on_trap_13);
	dune_register_intr_handler(16, on_trap_16);
	dune_register_intr_handler(17, on_trap_17);
	dune_register_intr_handler(19, on_trap_19);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ "rule", required_argument, NULL, 'r' },
		{ "allow", required_argument, NULL, 'a' },
		{ "deny", required_argument, NULL, 'd' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "network", required_argument, NULL, 'n' },
		{ "private-tmp", required_argument, NULL, 't' },
		{ "trace", no_argument, NULL, 'T' },
		{ "trace-file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trace_file = NULL, *policy_path = NULL;
	char *rules[256], err[512];
	int nrules = 0, c, i, ret;
	bool trace = false;
	char line[300];

	policy_defaults(&policy);
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			policy_path = optarg;
			break;
		case 'r':
		case 'a':
		case 'd':
		case 'H':
		case 'n':
		case 't':
			if (nrules == 256)
				return 2;
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
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (policy_path) {
		if (policy_file(&policy, policy_path))
			return 2;
	} else {
		for (i = 0; builtin_policy[i]; i++)
			if (policy_line(&policy, builtin_policy[i], "(built-in policy)", i + 1))
				return 2;
	}
	for (i = 0; i < nrules; i++)
		if (policy_line(&policy, rules[i], NULL, 0))
			return 2;
	(void)add_list;
	(void)line;

	/* The program: found, readable, an x86-64 ELF (or a script). */
	if (find_program(argv[optind], prog_path, sizeof(prog_path))) {
		fprintf(stderr, "%s: %s: command not found\n", progname, argv[optind]);
		return 127;
	}
	{
		char abs[PATH_MAX];

		if (!abs_path(AT_FDCWD, prog_path, abs, sizeof(abs)))
			snprintf(prog_path, sizeof(prog_path), "%s", abs);
	}
	ret = check_program(prog_path, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return 127;
	}
	prog_argv = calloc(argc - optind + 1, sizeof(char *));
	for (i = optind; i < argc; i++)
		prog_argv[i - optind] = strdup(argv[i]);
	for (i = 0; environ[i]; i++)
		;
	prog_envp = calloc(i + 1, sizeof(char *));
	for (i = 0; environ[i]; i++)
		prog_envp[i] = strdup(environ[i]);

	sup_fds_begin();
	if (trace) {
		if (trace_file) {
			int fd = open(trace_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			if (fd < 0 || !(trace_out = fdopen(fd, "w"))) {
				fprintf(stderr, "%s: cannot open %s: %s\n", progname, trace_file,
					strerror(errno));
				return 2;
			}
		} else {
			int fd = fcntl(2, F_DUPFD_CLOEXEC, 10);

			trace_out = fd >= 0 ? fdopen(fd, "w") : NULL;
			if (!trace_out)
				trace_out = stderr;
		}
	}
	/*
	 * dune_init(false): the supervisor's own memory stays supervisor-only
	 * in the guest page tables; only what the loader and the memory calls
	 * map for the program gets PTE_U.  (dune_init_and_enter() would be
	 * dune_init(true): everything user-accessible, the original's
	 * map_full.)
	 */
	ret = dune_init(false);
	if (!ret)
		ret = dune_enter();
	if (ret) {
		fprintf(stderr, "%s: cannot enter Dune mode (%s): is dune.ko loaded?\n", progname,
			strerror(-ret));
		return 127;
	}
	sup_fds_end();
	real_pid = getpid();
	register_handlers();
	if (policy.tmpdir[0] && tmpfs_init()) {
		fprintf(stderr, "%s: cannot set up the private %s\n", progname, policy.tmpdir);
		return 127;
	}
	run_program();
}
