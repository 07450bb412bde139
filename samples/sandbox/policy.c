// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - the policy: what the sandbox does with each system call and
 * path.  The format, one rule a line ('#' starts a comment):
 *
 *   default deny EPERM | default kill | default allow
 *   allow NAME...            forward these system calls to the host
 *   deny ERRNO NAME...       fail them with ERRNO (a name: EPERM, EACCES, ...)
 *   kill NAME...             end the program (SIGSYS) if it makes one
 *   emulate NAME...          answer in the supervisor (getpid, getppid,
 *                            gettid, uname, sethostname)
 *   path allow|deny|readonly PREFIX
 *                            for open/openat/stat/access/exec...: the longest
 *                            matching prefix decides; with no match, deny
 *   network on|off           sockets other than AF_UNIX
 *   hostname NAME            what uname() reports as the node name
 *   pid N                    what getpid() reports
 *   private-tmp DIR          DIR is a private, in-memory directory
 *   max-processes N          fork/clone beyond N processes fail (EAGAIN)
 *
 * The address-space calls (mmap, brk, ...), arch_prctl and the signal
 * calls are always handled by the supervisor itself once allowed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "sandbox.h"

struct policy policy;

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH }, { "EINTR", EINTR },
	{ "EIO", EIO }, { "ENXIO", ENXIO }, { "E2BIG", E2BIG }, { "ENOEXEC", ENOEXEC },
	{ "EBADF", EBADF }, { "ECHILD", ECHILD }, { "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM },
	{ "EACCES", EACCES }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY }, { "EEXIST", EEXIST },
	{ "EXDEV", EXDEV }, { "ENODEV", ENODEV }, { "ENOTDIR", ENOTDIR }, { "EISDIR", EISDIR },
	{ "EINVAL", EINVAL }, { "ENFILE", ENFILE }, { "EMFILE", EMFILE }, { "ENOTTY", ENOTTY },
	{ "EFBIG", EFBIG }, { "ENOSPC", ENOSPC }, { "ESPIPE", ESPIPE }, { "EROFS", EROFS },
	{ "EMLINK", EMLINK }, { "EPIPE", EPIPE }, { "EDOM", EDOM }, { "ERANGE", ERANGE },
	{ "EDEADLK", EDEADLK }, { "ENAMETOOLONG", ENAMETOOLONG }, { "ENOSYS", ENOSYS },
	{ "ENOTEMPTY", ENOTEMPTY }, { "ELOOP", ELOOP }, { "ENODATA", ENODATA },
	{ "ENOTSOCK", ENOTSOCK }, { "EAFNOSUPPORT", EAFNOSUPPORT }, { "EADDRINUSE", EADDRINUSE },
	{ "ECONNREFUSED", ECONNREFUSED }, { "ETIMEDOUT", ETIMEDOUT }, { "ENOTSUP", ENOTSUP },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "ENETUNREACH", ENETUNREACH },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT }, { "ECONNRESET", ECONNRESET },
	{ "ENOTCONN", ENOTCONN }, { "EINPROGRESS", EINPROGRESS }, { "EALREADY", EALREADY },
	{ "EOVERFLOW", EOVERFLOW }, { "ERESTARTSYS", 512 }, { "ERESTARTNOINTR", 513 },
	{ "ERESTARTNOHAND", 514 }, { "ERESTART_RESTARTBLOCK", 516 }, { "ESTALE", ESTALE },
	{ "EDQUOT", EDQUOT }, { "ENOLCK", ENOLCK }, { "ETXTBSY", ETXTBSY },
	{ "ENOMSG", ENOMSG }, { "EIDRM", EIDRM }, { "ENOBUFS", ENOBUFS },
};

int errno_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].err;
	return -1;
}

const char *errno_name(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return NULL;
}

void policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->def.act = ACT_DENY;
	p->def.err = ENOSYS;
	p->network = false;
}

static int bad(const char *file, int lineno, const char *fmt, const char *what)
{
	if (file)
		fprintf(stderr, "%s: %s:%d: ", progname, file, lineno);
	else
		fprintf(stderr, "%s: policy option: ", progname);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return -1;
}

/* Split @line into at most 64 words (in place). */
static int words(char *line, char *w[64])
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#' || n == 64)
			return n;
		w[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
}

static int set_calls(struct policy *p, char **w, int n, struct rule r,
		     const char *file, int lineno)
{
	int i, nr;

	if (n == 0)
		return bad(file, lineno, "%s: no system call names", "rule");
	for (i = 0; i < n; i++) {
		nr = syscall_nr(w[i]);
		if (nr < 0)
			return bad(file, lineno, "unknown system call '%s'", w[i]);
		p->sys[nr] = r;
	}
	return 0;
}

int policy_line(struct policy *p, const char *text, const char *file, int lineno)
{
	char line[1024], *w[64];
	struct rule r = { ACT_UNSET, 0 };
	int n;

	if (strlen(text) >= sizeof(line))
		return bad(file, lineno, "%s", "line too long");
	strcpy(line, text);
	n = words(line, w);
	if (n == 0)
		return 0;
	if (!strcmp(w[0], "allow")) {
		r.act = ACT_ALLOW;
		return set_calls(p, w + 1, n - 1, r, file, lineno);
	}
	if (!strcmp(w[0], "kill")) {
		r.act = ACT_KILL;
		return set_calls(p, w + 1, n - 1, r, file, lineno);
	}
	if (!strcmp(w[0], "emulate")) {
		static const char *const ok[] = { "getpid", "getppid", "gettid", "uname",
						  "sethostname", NULL };
		int i, j;

		for (i = 1; i < n; i++) {
			for (j = 0; ok[j] && strcmp(ok[j], w[i]); j++)
				;
			if (!ok[j])
				return bad(file, lineno,
					   "no emulation for '%s' (there is one for getpid, getppid, gettid, uname, sethostname)",
					   w[i]);
		}
		r.act = ACT_EMULATE;
		return set_calls(p, w + 1, n - 1, r, file, lineno);
	}
	if (!strcmp(w[0], "deny")) {
		if (n < 2 || errno_by_name(w[1]) < 0)
			return bad(file, lineno, "deny: expected an errno name (EPERM, EACCES, ...), got '%s'",
				   n < 2 ? "" : w[1]);
		r.act = ACT_DENY;
		r.err = errno_by_name(w[1]);
		return set_calls(p, w + 2, n - 2, r, file, lineno);
	}
	if (!strcmp(w[0], "default")) {
		if (n == 2 && !strcmp(w[1], "allow"))
			p->def.act = ACT_ALLOW;
		else if (n == 2 && !strcmp(w[1], "kill"))
			p->def.act = ACT_KILL;
		else if (n == 3 && !strcmp(w[1], "deny") && errno_by_name(w[2]) >= 0) {
			p->def.act = ACT_DENY;
			p->def.err = errno_by_name(w[2]);
		} else
			return bad(file, lineno, "%s: expected 'default allow', 'default kill' or 'default deny ERRNO'",
				   "default");
		return 0;
	}
	if (!strcmp(w[0], "path")) {
		enum path_rule pr;

		if (n != 3)
			return bad(file, lineno, "%s: expected 'path allow|deny|readonly PREFIX'", "path");
		if (!strcmp(w[1], "allow"))
			pr = PATH_ALLOW;
		else if (!strcmp(w[1], "deny"))
			pr = PATH_DENY;
		else if (!strcmp(w[1], "readonly"))
			pr = PATH_READONLY;
		else
			return bad(file, lineno, "path: unknown rule '%s' (allow, deny, readonly)", w[1]);
		if (w[2][0] != '/')
			return bad(file, lineno, "path: '%s' is not an absolute path", w[2]);
		if (p->npaths == MAX_PATHS || strlen(w[2]) >= sizeof(p->paths[0].prefix))
			return bad(file, lineno, "%s: too many or too long", "path");
		strcpy(p->paths[p->npaths].prefix, w[2]);
		p->paths[p->npaths++].rule = pr;
		return 0;
	}
	if (!strcmp(w[0], "network")) {
		if (n != 2 || (strcmp(w[1], "on") && strcmp(w[1], "off")))
			return bad(file, lineno, "%s: expected 'network on' or 'network off'", "network");
		p->network = !strcmp(w[1], "on");
		return 0;
	}
	if (!strcmp(w[0], "hostname")) {
		if (n != 2 || strlen(w[1]) > 64)
			return bad(file, lineno, "%s: expected one name of at most 64 characters", "hostname");
		strcpy(p->hostname, w[1]);
		return 0;
	}
	if (!strcmp(w[0], "pid") || !strcmp(w[0], "max-processes")) {
		char *end;
		long v;

		if (n != 2)
			return bad(file, lineno, "%s: expected a number", w[0]);
		v = strtol(w[1], &end, 10);
		if (*end || v <= 0 || v > 4194304)
			return bad(file, lineno, "'%s' is not a positive number", w[1]);
		if (w[0][0] == 'p')
			p->pid = v;
		else
			p->max_procs = v;
		return 0;
	}
	if (!strcmp(w[0], "private-tmp")) {
		if (n != 2 || w[1][0] != '/' || strlen(w[1]) >= sizeof(p->tmpdir) - 1)
			return bad(file, lineno, "%s: expected an absolute directory", "private-tmp");
		strcpy(p->tmpdir, w[1]);
		while (strlen(p->tmpdir) > 1 && p->tmpdir[strlen(p->tmpdir) - 1] == '/')
			p->tmpdir[strlen(p->tmpdir) - 1] = 0;
		return 0;
	}
	return bad(file, lineno, "unknown keyword '%s'", w[0]);
}

int policy_file(struct policy *p, const char *path)
{
	char line[1100];
	FILE *f = fopen(path, "r");
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "%s: cannot open policy %s: %s\n", progname, path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			return bad(path, lineno, "%s", "line too long");
		}
		if (policy_line(p, line, path, lineno)) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* The rule for an absolute, normalised path: the longest prefix wins. */
enum path_rule path_check(const char *path)
{
	size_t best = 0;
	enum path_rule r = PATH_DENY;
	int i;

	if (policy.npaths == 0)
		return PATH_ALLOW;
	for (i = 0; i < policy.npaths; i++) {
		const char *pre = policy.paths[i].prefix;
		size_t n = strlen(pre);

		if (n == 1 || (!strncmp(path, pre, n) && (path[n] == 0 || path[n] == '/'))) {
			if (n >= best) {
				best = n;
				r = policy.paths[i].rule;
			}
		}
	}
	return r;
}

/* ---- arguments the policy layer refuses, whatever the rules allow ---------------- */

/*
 * madvise advice a program may give: what glibc, allocators and runtimes
 * use.  Not MADV_HWPOISON / MADV_SOFT_OFFLINE (they offline host RAM),
 * MADV_REMOVE (punches holes in shared files), MADV_DONTFORK (a fork
 * child would lose pages the supervisor maps back in), MADV_MERGEABLE
 * (KSM: a timing channel to other processes' pages).  The host seccomp
 * filter (hostfilter.c) holds the same list.
 */
static const int madvise_ok[] = {
	MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
	MADV_DOFORK, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP,
	MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT,
	MADV_POPULATE_READ, MADV_POPULATE_WRITE,
};

int policy_madvise_list(int *out, int max)
{
	int i, n = (int)(sizeof(madvise_ok) / sizeof(madvise_ok[0]));

	for (i = 0; i < n && i < max; i++)
		out[i] = madvise_ok[i];
	return i;
}

bool policy_madvise_ok(int advice)
{
	size_t i;

	for (i = 0; i < sizeof(madvise_ok) / sizeof(madvise_ok[0]); i++)
		if (madvise_ok[i] == advice)
			return true;
	return false;
}

/* Is @pid (as the program gave it) the program's own process? */
static bool own_pid(long pid)
{
	return pid == 0 || pid == getpid() || (policy.pid && pid == policy.pid);
}

/*
 * Calls that name another process or a dangerous argument: 0 to go on
 * (with the pid of "myself" rewritten to 0, the form the host seccomp
 * filter allows), or the errno to fail with.  The pid namespace
 * (confine.c) already hides every process outside the sandbox; this
 * gives clear errors, and holds without it (--no-namespaces).
 */
long policy_check_target(long nr, uint64_t a[6])
{
	switch (nr) {
	case SYS_kill:
	case SYS_tgkill:
		/* the pid the sandbox reports (pid N) is the program itself */
		if (policy.pid && (long)(int)a[0] == policy.pid)
			a[0] = (uint64_t)getpid();
		if (nr == SYS_tgkill && policy.pid && (long)(int)a[1] == policy.pid)
			a[1] = (uint64_t)getpid();
		/* every process, or the namespace's init */
		if (nr == SYS_kill && ((int)a[0] == -1 || (int)a[0] == 1))
			return -EPERM;
		if (nr == SYS_kill)
			return 0;
		if ((int)a[0] == 1 || (int)a[0] <= 0)
			return (int)a[0] <= 0 ? -EINVAL : -EPERM;
		return 0;
	case SYS_prlimit64:
	case SYS_sched_setaffinity: case SYS_sched_getaffinity:
	case SYS_sched_setscheduler: case SYS_sched_getscheduler:
	case SYS_sched_setparam: case SYS_sched_getparam:
	case SYS_sched_setattr: case SYS_sched_getattr: case SYS_sched_rr_get_interval:
		if (!own_pid((int)a[0]))
			return -EPERM;
		a[0] = 0;
		return 0;
	case SYS_setpriority:
	case SYS_getpriority:
		if ((int)a[0] != PRIO_PROCESS || !own_pid((int)a[1]))
			return -EPERM;
		a[1] = 0;
		return 0;
	case SYS_madvise:
		return policy_madvise_ok((int)a[2]) ? 0 : -EINVAL;
	}
	return 0;
}
