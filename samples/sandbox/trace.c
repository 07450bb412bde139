// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - one line per system call, in strace's format:
 *
 *   openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
 *   read(3, "root:x:0:0:root:/root:/bin/bash\n"..., 4096) = 1203
 *   open("/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
 *
 * Arguments are decoded as strace does by decode.c's tables, or, for a
 * call they have no row for, from systab.c's kinds.  The trace of a
 * call shows what the kernel saw: strings are printed from the
 * supervisor's copies (copyin.c), which are what the kernel was given.
 * Flat buffers are read only where mem.c says the program may read them
 * (an invalid pointer prints as a number, as strace does).  Output
 * buffers are shown after the call, with what the kernel put there.
 *
 * dune-trace's strace options live here too (struct trace_opts): the
 * calls and signals shown (-e trace=, -e signal=), the string size (-s),
 * times of day (-tt), durations (-T) and the summary table (-c).
 */
#include <errno.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <time.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "call.h"
#include "decode.h"

FILE *trace_out;
struct trace_opts trace_opts;

/* strace -c: per call counts, errors and time, shared by every process of the program. */
struct trace_count {
	unsigned long calls, errors, nsec;
};
static struct trace_count *counts;

static __thread struct timespec call_start;

/*
 * This process's pid, for the "[pid N] " of a child's lines: asked once
 * per process, not per line (getpid is a forwarded call, a VM exit).
 */
static pid_t my_pid;

void trace_fork_child(void)
{
	my_pid = getpid();
	/*
	 * What is in the buffer now are other threads' lines, written after
	 * the parent's flush before the fork: the parent writes them, not
	 * this copy (glibc's fork() made the stream's lock free here).
	 */
	if (trace_out)
		__fpurge(trace_out);
}

static pid_t trace_pid(void)
{
	if (!my_pid)
		my_pid = getpid();
	return my_pid;
}

static long ts_nsec(const struct timespec *t)
{
	return t->tv_sec * 1000000000L + t->tv_nsec;
}

/*
 * Before options take effect: the summary's counters live in a shared
 * mapping made before the program starts, so forked children count into
 * the same table (as strace -f -c sums every process).
 */
int trace_setup(void)
{
	if (!trace_opts.summary)
		return 0;
	counts = mmap(NULL, sizeof(*counts) * MAX_SYSCALLS, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED) {
		counts = NULL;
		return -1;
	}
	return 0;
}

/* A call begins: its start time, for -T and -c. */
void trace_begin(void)
{
	if (trace_out && (trace_opts.durations || trace_opts.summary))
		clock_gettime(CLOCK_MONOTONIC, &call_start);
}

static bool traced(long nr)
{
	return !trace_opts.filter || (nr >= 0 && nr < MAX_SYSCALLS && trace_opts.calls[nr]);
}

/* The start of a line: the pid of a child, the time of day with -t/-tt. */
static void line_prefix(struct tbuf *f)
{
	if (trace_pid() != real_pid)
		tb_printf(f, "[pid %d] ", trace_pid());
	if (trace_opts.timestamps) {
		struct timespec now;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &now);
		localtime_r(&now.tv_sec, &tm);
		tb_printf(f, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (trace_opts.timestamps > 1)
			tb_printf(f, ".%06ld", now.tv_nsec / 1000);
		tb_putc(f, ' ');
	}
}

/* @n bytes of @s as a C string literal; "..." if the real length @len is more. */
static void put_bytes(struct tbuf *f, const unsigned char *s, long n, long len)
{
	put_quoted(f, s, n, len, false);
}

/* A string or buffer of the program's, if mem.c says it may be read. */
static void put_str(struct tbuf *f, uint64_t addr, long len, bool nul)
{
	put_mem_str(f, addr, len, nul, false);
}

static const char *const restart_names[] = {
	/* the kernel's own restart codes (include/linux/errno.h), which no libc names */
	[512 - 512] = "ERESTARTSYS", [513 - 512] = "ERESTARTNOINTR",
	[514 - 512] = "ERESTARTNOHAND", [516 - 512] = "ERESTART_RESTARTBLOCK",
};

/* An errno's name: glibc's (strerrorname_np), or the kernel's restart codes. */
static const char *err_name(int err)
{
	if (err >= 512 && err < 512 + (int)(sizeof(restart_names) / sizeof(restart_names[0])))
		return restart_names[err - 512];
	return strerrorname_np(err);
}

/*
 * Argument @i: its kind @ad, the program's value @a[i], and @copy, the
 * supervisor's copy the kernel was given for it (NULL if none).  For the
 * calls decode.c has no row for.
 */
static void put_arg(struct tbuf *f, struct argdesc ad, int i, const uint64_t a[6], const void *copy,
		    long ret)
{
	uint64_t v = a[i];

	switch (ad.k) {
	case A_INT:
	case A_FD:
	case A_SIG:
		tb_printf(f, "%ld", (long)(ad.k == A_FD || ad.k == A_SIG ? (int)v : (long)v));
		break;
	case A_DIRFD:
		if ((int)v == AT_FDCWD)
			tb_puts(f, "AT_FDCWD");
		else
			tb_printf(f, "%d", (int)v);
		break;
	case A_STR:
		if (!v)
			tb_puts(f, "NULL");
		else if (copy)
			put_bytes(f, copy, strlen(copy), strlen(copy));
		else
			put_mem_str(f, v, 0, true, true);
		break;
	case A_INC:
		if (copy) {
			long len = (long)a[ad.n];

			put_bytes(f, copy, len < trace_strsize ? len : trace_strsize, len);
			break;
		}
		/* fall through */
	case A_INL:
		put_str(f, v, (long)a[ad.n], false);
		break;
	case A_OUTL:
		if (ret < 0)
			tb_printf(f, "%#lx", (unsigned long)v);
		else
			put_str(f, v, ret, false);
		break;
	case A_HEX:
		tb_printf(f, "%#lx", (unsigned long)v);
		break;
	case A_MODE:
		tb_printf(f, "%#03lo", (unsigned long)v);
		break;
	default:
		if (v)
			tb_printf(f, "%#lx", (unsigned long)v);
		else
			tb_puts(f, "NULL");
	}
}

/* -c: count the call; its time since trace_begin(). */
static void count_call(long nr, long ret)
{
	struct timespec now;

	if (!counts || nr < 0 || nr >= MAX_SYSCALLS)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	__atomic_add_fetch(&counts[nr].calls, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&counts[nr].nsec, ts_nsec(&now) - ts_nsec(&call_start),
			   __ATOMIC_RELAXED);
	if (ret < 0 && ret > -4096)
		__atomic_add_fetch(&counts[nr].errors, 1, __ATOMIC_RELAXED);
}

static void trace_line(long nr, const struct argdesc kind[6], const uint64_t args[6],
		       const void *const copy[6], long ret)
{
	const struct sysdesc *d = sys_desc(nr);
	struct tcall t = { .nr = nr, .a = args, .copy = copy, .ret = ret };
	struct tbuf *f = &trace_tb;
	struct timespec now;
	char buf[32];
	int i, n = 0;

	if (!traced(nr))
		return;
	if (trace_opts.summary) {
		count_call(nr, ret);
		return;
	}
	/* the whole line under the buffer's lock: threads' lines do not mix */
	tb_line_begin(f);
	line_prefix(f);
	tb_puts(f, sys_name(nr, buf, sizeof(buf)));
	tb_putc(f, '(');
	if (decode_args(f, &t)) {
		/* decode.c knows this call */
	} else if (d) {
		while (n < 6 && d->a[n].k != A_NONE)
			n++;
		for (i = 0; i < n; i++) {
			if (i)
				tb_puts(f, ", ");
			put_arg(f, kind[i], i, args, copy ? copy[i] : NULL, ret);
		}
	} else {
		for (i = 0; i < 6; i++)
			tb_printf(f, "%s%#lx", i ? ", " : "", (unsigned long)args[i]);
	}
	if (nr == SYS_exit_group || nr == SYS_exit) {
		tb_puts(f, ") = ?\n");
		tb_flush(f);		/* the process ends */
		tb_line_end(f);
		return;
	}
	if (ret < 0 && ret > -4096) {
		const char *name = err_name((int)-ret);

		if (name)
			tb_printf(f, ") = -1 %s (%s)", name, strerror((int)-ret));
		else
			tb_printf(f, ") = -1 E%ld (%s)", -ret, strerror((int)-ret));
	} else if ((d && d->ret_ptr) ||
		   (nr == SYS_fcntl && ((int)args[1] == F_GETFD || (int)args[1] == F_GETFL))) {
		tb_printf(f, ") = %#lx", (unsigned long)ret);
		decode_ret_note(f, &t);
	} else if (nr == SYS_umask) {
		tb_printf(f, ") = %#03lo", (unsigned long)ret);
	} else {
		tb_puts(f, ") = ");
		put_dec(f, ret);
	}
	if (trace_opts.durations) {
		long ns;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ns = ts_nsec(&now) - ts_nsec(&call_start);
		tb_printf(f, " <%ld.%06ld>", ns / 1000000000L, ns % 1000000000L / 1000);
	}
	tb_putc(f, '\n');
	tb_line_end(f);
}

/* A call made outside the pipeline (execve): its arguments in program memory. */
void trace_call(long nr, const uint64_t args[6], long ret)
{
	const struct sysdesc *d = sys_desc(nr);
	static const struct argdesc none[6];

	if (!trace_out)
		return;
	trace_line(nr, d ? d->a : none, args, NULL, ret);
}

/* A call of the pipeline: strings and structures from the copies the kernel was given. */
void trace_of(const struct call *c)
{
	const void *copy[6];
	int i;

	if (!trace_out)
		return;
	if (!c->d) {
		trace_call(c->nr, c->a, c->ret);
		return;
	}
	/*
	 * Our copies where they are the argument's whole structure (the
	 * table's kind, or a sub-command's, of a copied kind); else decode.c
	 * reads the program's memory.
	 */
	for (i = 0; i < 6; i++) {
		int k = c->kind[i].k;

		copy[i] = c->copied[i] && c->kind[i].k == c->d->a[i].k &&
			  (k == A_STR || k == A_INC || k == A_IN || k == A_OUT || k == A_INOUT ||
			   k == A_IOV || k == A_IOVW) ? (const void *)c->k[i] : NULL;
	}
	trace_line(c->nr, c->d->a, c->a, copy, c->ret);
}

/*
 * The first line of a trace, as strace writes it: the execve() that started
 * the program.  Here no execve() happened - the supervisor's loader did its
 * work in the same process (loader.c) - but the program sees the same
 * result, so dune-trace shows the same line.  The strings are the
 * supervisor's copies, not the program's memory.
 */
void trace_exec_start(const char *path, char *const argv[], int envc)
{
	struct tbuf *f = &trace_tb;
	int i;

	if (!trace_out || !traced(SYS_execve))
		return;
	if (trace_opts.summary) {
		if (counts)
			counts[SYS_execve].calls++;
		return;
	}
	tb_line_begin(f);
	line_prefix(f);
	tb_puts(f, "execve(");
	put_bytes(f, (const unsigned char *)path, strlen(path), strlen(path));
	tb_puts(f, ", [");
	for (i = 0; argv[i]; i++) {
		long len = strlen(argv[i]);

		if (i == trace_strsize) {
			tb_puts(f, ", ...");
			break;
		}
		if (i)
			tb_puts(f, ", ");
		put_bytes(f, (const unsigned char *)argv[i],
			  len < trace_strsize ? len : trace_strsize, len);
	}
	tb_printf(f, "], %p /* %d var%s */) = 0\n", (void *)prog_envp, envc, envc == 1 ? "" : "s");
	tb_line_end(f);
}

/* "--- SIGCHLD ... ---": a signal delivered to the program's handler (-e signal=). */
void trace_signal(int sig)
{
	char buf[16];
	const char *name = signal_name(sig, buf, sizeof(buf));

	if (!trace_out || trace_opts.summary ||
	    (trace_opts.sig_filter && (sig <= 0 || sig > 64 || !trace_opts.sigs[sig])))
		return;
	tb_line_begin(&trace_tb);
	line_prefix(&trace_tb);
	if (name)
		tb_printf(&trace_tb, "--- %s {si_signo=%s, ...} ---\n", name, name);
	else
		tb_printf(&trace_tb, "--- %d {si_signo=%d, ...} ---\n", sig, sig);
	tb_line_end(&trace_tb);
}

static int by_time(const void *x, const void *y)
{
	const struct trace_count *a = &counts[*(const int *)x], *b = &counts[*(const int *)y];

	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? 1 : -1;
	if (a->calls != b->calls)
		return a->calls < b->calls ? 1 : -1;
	return *(const int *)x - *(const int *)y;
}

/*
 * strace -c's table: calls by time spent in them, the most first.  Time
 * here is wall time from the SYSCALL in ring 3 to the trace, supervisor
 * work included (strace -c -w is the comparable view).
 */
static void print_summary(struct tbuf *f)
{
	static const char rule[] =
		"------ ----------- ----------- --------- --------- ----------------\n";
	unsigned long total_ns = 0, total_calls = 0, total_err = 0;
	int order[MAX_SYSCALLS], n = 0, i;
	char buf[32];

	for (i = 0; i < MAX_SYSCALLS; i++) {
		if (!counts[i].calls)
			continue;
		order[n++] = i;
		total_ns += counts[i].nsec;
		total_calls += counts[i].calls;
		total_err += counts[i].errors;
	}
	qsort(order, n, sizeof(order[0]), by_time);
	tb_printf(f, "%% time     seconds  usecs/call     calls    errors syscall\n%s", rule);
	for (i = 0; i < n; i++) {
		const struct trace_count *c = &counts[order[i]];

		tb_printf(f, "%6.2f %11.6f %11lu %9lu ",
			total_ns ? 100.0 * c->nsec / total_ns : 0.0, c->nsec / 1e9,
			c->nsec / 1000 / c->calls, c->calls);
		if (c->errors)
			tb_printf(f, "%9lu ", c->errors);
		else
			tb_printf(f, "%9s ", "");
		tb_printf(f, "%s\n", sys_name(order[i], buf, sizeof(buf)));
	}
	tb_printf(f, "%s%6.2f %11.6f %11lu %9lu ", rule, 100.0, total_ns / 1e9,
		total_calls ? total_ns / 1000 / total_calls : 0, total_calls);
	if (total_err)
		tb_printf(f, "%9lu total\n", total_err);
	else
		tb_printf(f, "%9s total\n", "");
}

/*
 * A process of the program ends ("+++ exited with N +++", "+++ killed by
 * SIGX +++"); when it is the first one, the -c summary.
 */
void trace_exit(int status, int sig)
{
	struct tbuf *f = &trace_tb;
	char buf[16];
	const char *name;

	if (!trace_out)
		return;
	tb_line_begin(f);
	if (!trace_opts.summary) {
		line_prefix(f);
		name = sig ? signal_name(sig, buf, sizeof(buf)) : NULL;
		if (sig)
			tb_printf(f, "+++ killed by %s +++\n", name ? name : "?");
		else
			tb_printf(f, "+++ exited with %d +++\n", status & 0xff);
	} else if (counts && trace_pid() == real_pid) {
		print_summary(f);
	}
	tb_flush(f);		/* the process ends */
	tb_line_end(f);
}

void trace_note(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!trace_out || trace_opts.summary)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	tb_line_begin(&trace_tb);
	tb_puts(&trace_tb, line);
	tb_line_end(&trace_tb);
}

/*
 * The supervisor ends the program (kill_program: a fault, a policy
 * kill): its line, and every buffered line out before the end.
 */
void trace_killed(const char *signame, const char *why)
{
	if (!trace_out)
		return;
	tb_line_begin(&trace_tb);
	tb_printf(&trace_tb, "+++ killed by %s (%s) +++\n", signame, why);
	tb_flush(&trace_tb);
	tb_line_end(&trace_tb);
}
