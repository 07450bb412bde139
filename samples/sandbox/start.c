// SPDX-License-Identifier: GPL-2.0
/*
 * start.c - what dune-sandbox and dune-trace share after their options
 * are read: find the program and check it is an x86-64 ELF, open the trace,
 * enter Dune mode, install the ring-0 handlers (system calls, page faults,
 * the other exceptions of ring 3), and run the program.
 *
 * The two commands differ only in their main(): main.c reads a policy,
 * tracer.c sets an allow-everything policy and always traces.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "sandbox.h"
#include "cpu-x86.h"
#include "dune-ext.h"		/* dune_set_ring0_protection */

int verbose;
pid_t real_pid;
extern char **environ;

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


/*
 * Run @argv (argv[0] is the program, looked up in PATH) under the current
 * policy.  With @trace, one strace-style line per system call goes to
 * @trace_file, or to stderr when that is NULL; @trace_exec also writes the
 * initial execve() line strace would show.  Returns only on failure, with
 * the exit status of GNU env (sandbox.h): EXIT_NOTFOUND (127) if there is
 * no such program, EXIT_NOEXEC (126) if it cannot run, EXIT_SANDBOX (125)
 * if the sandbox itself cannot start.
 */
int start_program(char **argv, bool trace, const char *trace_file, bool trace_exec)
{
	char err[512];
	int argc, i, ret;

	/* sb-copy: the table describes every forwarded call's pointers (systab.c) */
	if (systab_verify()) {
		fprintf(stderr, "%s: system call %d: a forwarded entry with undescribed pointers\n",
			progname, systab_verify());
		return EXIT_SANDBOX;
	}
	/* The program: found, readable, an x86-64 ELF (or a script). */
	if (find_program(argv[0], prog_path, sizeof(prog_path))) {
		fprintf(stderr, "%s: %s: command not found\n", progname, argv[0]);
		return EXIT_NOTFOUND;
	}
	{
		char abs[PATH_MAX];

		if (!abs_path(AT_FDCWD, prog_path, abs, sizeof(abs)))
			snprintf(prog_path, sizeof(prog_path), "%s", abs);
	}
	ret = check_program(prog_path, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return ret == -ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
	}
	/* Dune mode possible at all?  If not, one line saying why (devcheck.c). */
	if (dune_preflight())
		return EXIT_SANDBOX;
	for (argc = 0; argv[argc]; argc++)
		;
	prog_argv = calloc(argc + 1, sizeof(char *));
	for (i = 0; i < argc; i++)
		prog_argv[i] = strdup(argv[i]);
	for (i = 0; environ[i]; i++)
		;
	prog_envp = calloc(i + 1, sizeof(char *));
	for (i = 0; environ[i]; i++)
		prog_envp[i] = strdup(environ[i]);

	sup_fds_begin();
	if (trace || trace_file) {
		if (trace_file) {
			int fd = open(trace_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			if (fd < 0 || !(trace_out = fdopen(fd, "w"))) {
				fprintf(stderr, "%s: cannot open %s: %s\n", progname, trace_file,
					strerror(errno));
				return EXIT_SANDBOX;
			}
		} else {
			int fd = fcntl(2, F_DUPFD_CLOEXEC, 10);

			trace_out = fd >= 0 ? fdopen(fd, "w") : NULL;
			if (!trace_out)
				trace_out = stderr;
		}
		trace_buffer_init();
	}
	/*
	 * Start-up order (docs/sandbox.md, "The layers"):
	 *   0. /dev/dune opened, with the caller's credentials (confine.c);
	 *   1. a pid namespace (confine.c; for a non-root caller inside a
	 *      user namespace of its own): this process stays outside and
	 *      waits; what follows runs as pid 2 of the new namespace;
	 *   2. the program windows reserved on the host (mem.c), before
	 *      libdune or anyone else can get memory there;
	 *   3. dune_init(false) - still privileged: it creates the VM on the
	 *      descriptor of step 0.  The supervisor's own memory stays
	 *      supervisor-only in the guest page tables; only what the
	 *      loader and the memory calls map for the program gets PTE_U.
	 *      (dune_init_and_enter() would be dune_init(true), the
	 *      original's map_full.);
	 *   4. the mount and network namespaces and the new root, and the
	 *      Landlock ruleset built on it (fsrules.c);
	 *   5. the drop: unprivileged uid, no_new_privs, Landlock enforced,
	 *      the host seccomp filter (confine.c, hostfilter.c);
	 *   6. dune_enter(): the vCPU, created on the VM descriptor - allowed
	 *      by the filter like every later thread's.
	 */
	/* /dev/dune first, with the caller's own credentials (confine.c) */
	if (confine_open_device())
		return 127;
	/* the private tmpfs is a mount in the sandbox's mount namespace */
	if (policy.tmpdir[0] && (!confine.enabled || confine.no_namespaces)) {
		fprintf(stderr, "%s: private-tmp %s needs the sandbox's mount namespace%s\n",
			progname, policy.tmpdir,
			confine.enabled ? " (drop --no-namespaces, or the private-tmp rule)" : "");
		return EXIT_SANDBOX;
	}
	if (confine.enabled && confine_pidns())
		return EXIT_SANDBOX;
	/*
	 * The program windows, reserved before libdune maps anything: from
	 * here on nothing but the program gets memory there (mem.c).
	 */
	ret = mem_reserve_windows();
	if (ret) {
		fprintf(stderr, "%s: cannot reserve the program windows (0x%lx-0x%lx, 0x%lx-0x%lx): %s%s\n",
			progname, LOW_START, LOW_END, HIGH_START, HIGH_END, strerror(-ret),
			ret == -EEXIST ? " (something of the supervisor is there: an unlimited stack size?)" : "");
		return EXIT_SANDBOX;
	}
	ret = dune_init(false);
	if (ret) {
		fprintf(stderr, "%s: cannot enter Dune mode: %s\n", progname, strerror(-ret));
		return EXIT_SANDBOX;
	}
	/* a copy of program memory the host cannot back fails with EFAULT */
	ret = uaccess_init();
	if (ret) {
		fprintf(stderr, "%s: cannot register the copy routines' fixup: %s\n", progname,
			strerror(-ret));
		return EXIT_SANDBOX;
	}
	/*
	 * SMEP: ring 0 never runs program memory; SMAP: ring 0 reads and
	 * writes it only inside uaccess.c's brackets (STAC/CLAC).  Both where
	 * the CPU (and dune.ko) have them; SMEP alone where there is no SMAP.
	 */
	if (dune_set_ring0_protection(DUNE_RING0_SMEP | DUNE_RING0_SMAP))
		(void)dune_set_ring0_protection(DUNE_RING0_SMEP);
	if (verbose)
		fprintf(stderr, "%s: ring 0: SMEP %s, SMAP %s\n", progname,
			dune_ring0_protection() & DUNE_RING0_SMEP ? "on" : "off (not in this CPU)",
			dune_ring0_protection() & DUNE_RING0_SMAP ? "on" : "off (not in this CPU)");
	/* the host's vDSO, found in /proc/self/maps while it can be read */
	vdso_probe();
	if (confine.enabled && (fsrules_setup() || landlock_prepare() || confine_drop()))
		return EXIT_SANDBOX;
	ret = dune_enter();
	if (ret) {
		fprintf(stderr, "%s: cannot enter Dune mode (%s)\n", progname, strerror(-ret));
		return EXIT_SANDBOX;
	}
	sup_fds_end();
	real_pid = getpid();
	register_handlers();
	if (trace_out && trace_exec)
		trace_exec_start(prog_path, prog_argv, i);
	/* the program's name, as the kernel's exec of it would have set it */
	prctl(PR_SET_NAME, strrchr(prog_path, '/') ? strrchr(prog_path, '/') + 1 : prog_path);
	run_program();
}
