// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - one line per system call, in strace's format:
 *
 *   openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
 *   read(3, "root:x:0:0:root:/root:/bin/bash\n"..., 4096) = 1203
 *   open("/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
 *
 * Arguments are decoded from systab.c's descriptions.  The trace of a
 * call shows what the kernel saw: strings are printed from the
 * supervisor's copies (copyin.c), which are what the kernel was given.
 * Flat buffers are read only where mem.c says the program may read them
 * (an invalid pointer prints as a number, as strace does).  Output
 * buffers are shown after the call, with what the kernel put there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "call.h"

FILE *trace_out;

/* @n bytes of @s as a C string literal; "..." if the real length @len is more. */
static void put_bytes(FILE *f, const unsigned char *s, long n, long len)
{
	long i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		default:
			if (c >= 32 && c < 127)
				fputc(c, f);
			else
				fprintf(f, "\\%o", c);
		}
	}
	fputc('"', f);
	if (n < len)
		fputs("...", f);
}

/*
 * A string or buffer of the program's, if mem.c says it may be read: its
 * first bytes copied under mem.c's lock (mem_read), printed from the copy.
 */
static void put_str(FILE *f, uint64_t addr, long len, bool nul)
{
	unsigned char buf[32];
	long max = sizeof(buf);

	if (nul) {
		len = mem_strlen(addr, 4096);
		if (len < 0) {
			fprintf(f, "%#lx", (unsigned long)addr);
			return;
		}
	}
	if (len < 0 || mem_read(buf, addr, len < max ? len : max)) {
		fprintf(f, "%#lx", (unsigned long)addr);
		return;
	}
	put_bytes(f, buf, len < max ? len : max, len);
}

struct flagname {
	unsigned long bit;
	const char *name;
};

static void put_flags(FILE *f, unsigned long v, const struct flagname *t, const char *zero)
{
	bool first = true;
	int i;

	if (!v && zero) {
		fputs(zero, f);
		return;
	}
	for (i = 0; t[i].name; i++) {
		if (t[i].bit && (v & t[i].bit) == t[i].bit) {
			fprintf(f, "%s%s", first ? "" : "|", t[i].name);
			v &= ~t[i].bit;
			first = false;
		}
	}
	if (v || first)
		fprintf(f, "%s%#lx", first ? "" : "|", v);
}

static const struct flagname oflags[] = {
	{ O_CREAT, "O_CREAT" },
	{ O_EXCL, "O_EXCL" }, { O_NOCTTY, "O_NOCTTY" }, { O_TRUNC, "O_TRUNC" },
	{ O_APPEND, "O_APPEND" }, { O_NONBLOCK, "O_NONBLOCK" }, { O_DIRECTORY, "O_DIRECTORY" },
	{ O_NOFOLLOW, "O_NOFOLLOW" }, { O_CLOEXEC, "O_CLOEXEC" }, { O_PATH, "O_PATH" },
	{ 0, NULL },
};

static const struct flagname prots[] = {
	{ PROT_READ, "PROT_READ" }, { PROT_WRITE, "PROT_WRITE" }, { PROT_EXEC, "PROT_EXEC" },
	{ 0, NULL },
};

static const struct flagname mflags[] = {
	{ MAP_SHARED, "MAP_SHARED" }, { MAP_PRIVATE, "MAP_PRIVATE" }, { MAP_FIXED, "MAP_FIXED" },
	{ MAP_ANONYMOUS, "MAP_ANONYMOUS" }, { MAP_NORESERVE, "MAP_NORESERVE" },
	{ MAP_DENYWRITE, "MAP_DENYWRITE" }, { MAP_STACK, "MAP_STACK" },
	{ MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE" }, { 0, NULL },
};

/*
 * Argument @i: its kind @ad, the program's value @a[i], and @copy, the
 * supervisor's copy the kernel was given for it (NULL if none).
 */
static void put_arg(FILE *f, struct argdesc ad, int i, const uint64_t a[6], const void *copy,
		    long ret)
{
	uint64_t v = a[i];

	switch (ad.k) {
	case A_INT:
	case A_FD:
	case A_SIG:
		fprintf(f, "%ld", (long)(ad.k == A_FD || ad.k == A_SIG ? (int)v : (long)v));
		break;
	case A_DIRFD:
		if ((int)v == AT_FDCWD)
			fputs("AT_FDCWD", f);
		else
			fprintf(f, "%d", (int)v);
		break;
	case A_STR:
		if (!v)
			fputs("NULL", f);
		else if (copy)
			put_bytes(f, copy, strlen(copy) < 32 ? (long)strlen(copy) : 32, strlen(copy));
		else
			put_str(f, v, 0, true);
		break;
	case A_INC:
		if (copy) {
			long len = (long)a[ad.n];

			put_bytes(f, copy, len < 32 ? len : 32, len);
			break;
		}
		/* fall through */
	case A_INL:
		put_str(f, v, (long)a[ad.n], false);
		break;
	case A_OUTL:
		if (ret < 0)
			fprintf(f, "%#lx", (unsigned long)v);
		else
			put_str(f, v, ret, false);
		break;
	case A_OFLAGS: {
		unsigned long acc = v & O_ACCMODE, rest = v & ~(unsigned long)O_ACCMODE;

		fputs(acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" :
		      acc == O_RDWR ? "O_RDWR" : "O_ACCMODE", f);
		if (rest) {
			fputc('|', f);
			put_flags(f, rest, oflags, NULL);
		}
		break;
	}
	case A_PROT:
		put_flags(f, v, prots, "PROT_NONE");
		break;
	case A_MFLAGS:
		put_flags(f, v, mflags, NULL);
		break;
	case A_STRV: {
		uint64_t p;
		int n;

		if (!mem_check(v, 8, false)) {
			fprintf(f, "%#lx", (unsigned long)v);
			break;
		}
		fputc('[', f);
		/* each pointer read once, under mem.c's lock */
		for (n = 0; n < 16 && !mem_read(&p, v + 8 * (uint64_t)n, 8) && p; n++) {
			if (n)
				fputs(", ", f);
			put_str(f, p, 0, true);
		}
		if (n == 16)
			fputs(", ...", f);
		fputc(']', f);
		break;
	}
	case A_HEX:
		fprintf(f, "%#lx", (unsigned long)v);
		break;
	case A_MODE:
		fprintf(f, "%#03lo", (unsigned long)v);
		break;
	default:
		if (v)
			fprintf(f, "%#lx", (unsigned long)v);
		else
			fputs("NULL", f);
	}
}

static bool open_creates(uint64_t flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

static void trace_line(long nr, const struct argdesc kind[6], const uint64_t args[6],
		       const void *const copy[6], long ret)
{
	const struct sysdesc *d = sys_desc(nr);
	FILE *f = trace_out;
	char buf[32];
	int i, n = 0;

	if (getpid() != real_pid)
		fprintf(f, "[pid %d] ", getpid());
	fprintf(f, "%s(", sys_name(nr, buf, sizeof(buf)));
	if (d) {
		while (n < 6 && d->a[n].k != A_NONE)
			n++;
		/* as strace: open's mode only when the call may create a file */
		if ((nr == SYS_open && !open_creates(args[1])) ||
		    (nr == SYS_openat && !open_creates(args[2])))
			n--;
		for (i = 0; i < n; i++) {
			if (i)
				fputs(", ", f);
			put_arg(f, kind[i], i, args, copy ? copy[i] : NULL, ret);
		}
	} else {
		for (i = 0; i < 6; i++)
			fprintf(f, "%s%#lx", i ? ", " : "", (unsigned long)args[i]);
	}
	if (nr == SYS_exit_group || nr == SYS_exit) {
		fputs(") = ?\n", f);
		fflush(f);
		return;
	}
	if (ret < 0 && ret > -4096) {
		const char *name = errno_name((int)-ret);

		if (name)
			fprintf(f, ") = -1 %s (%s)\n", name, strerror((int)-ret));
		else
			fprintf(f, ") = -1 E%ld (%s)\n", -ret, strerror((int)-ret));
	} else if (d && d->ret_ptr) {
		fprintf(f, ") = %#lx\n", (unsigned long)ret);
	} else {
		fprintf(f, ") = %ld\n", ret);
	}
	fflush(f);
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

/* A call of the pipeline: strings from the copies the kernel was given. */
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
	/* the table's kinds (as strace prints them), the strings from our copies */
	for (i = 0; i < 6; i++)
		copy[i] = c->copied[i] && c->kind[i].k == c->d->a[i].k &&
			  (c->kind[i].k == A_STR || c->kind[i].k == A_INC) ? (const void *)c->k[i] : NULL;
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
	FILE *f = trace_out;
	int i;

	if (!f)
		return;
	fputs("execve(", f);
	put_bytes(f, (const unsigned char *)path, strlen(path), strlen(path));
	fputs(", [", f);
	for (i = 0; argv[i]; i++) {
		long len = strlen(argv[i]);

		if (i)
			fputs(", ", f);
		put_bytes(f, (const unsigned char *)argv[i], len < 32 ? len : 32, len);
	}
	fprintf(f, "], %p /* %d vars */) = 0\n", (void *)prog_envp, envc);
	fflush(f);
}

void trace_note(const char *fmt, ...)
{
	va_list ap;

	if (!trace_out)
		return;
	va_start(ap, fmt);
	vfprintf(trace_out, fmt, ap);
	va_end(ap);
	fflush(trace_out);
}
