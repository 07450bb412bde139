// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - the policy: what the sandbox does with each system call and
 * path.  The format, one rule a line ('#' starts a comment):
 *
 *   default deny EPERM | default kill | default allow
 *   allow NAME...            forward these system calls to the host
 *   deny ERRNO NAME...       fail them with ERRNO (a name: EPERM, EACCES, ...,
 *                            or a number 0..4095)
 *   kill NAME...             end the program (SIGSYS) if it makes one
 *   emulate NAME...          answer in the supervisor (getpid, getppid,
 *                            gettid, uname, sethostname)
 *   ... NAME... if argN OP VALUE [and argN OP VALUE]...
 *                            only when the arguments match (OP: == != < <=
 *                            > >=, or "argN & MASK == VALUE"), compared as
 *                            seccomp does: unsigned, the full 64-bit register
 *   include FILE             the rules of FILE (relative to this file's
 *                            directory), at most 8 deep, no cycles
 *   path allow|deny|readonly PREFIX
 *                            for open/openat/stat/access/exec...: the longest
 *                            matching prefix decides; with no match, deny
 *   network on|off           sockets other than AF_UNIX
 *   hostname NAME            what uname() reports as the node name
 *   pid N                    what getpid() reports
 *   private-tmp DIR [SIZE]   DIR is a private, empty tmpfs (fsrules.c) of
 *                            at most SIZE (tmpfs's size=: 64m, 1g, 25%)
 *   max-processes N          fork/clone beyond N processes fail (EAGAIN)
 *
 * NAME is any x86-64 system call (sysnames.c: generated from the kernel's
 * list) or a group, "@file-system" (groups.c).  A name that is no system
 * call is an error ("did you mean ...?"); a real call the sandbox cannot
 * carry out (systab.c has no handler for it) may be named, but fails
 * whatever the policy says, and "allow" of one by name says so.
 *
 * Which rule decides a call: a conditional rule of the call whose
 * conditions hold (if several do, the strictest: kill, then deny, then
 * emulate, then allow); else the call's last unconditional rule; else
 * "default".  A later unconditional rule for a call replaces every
 * earlier rule for it, conditional or not.
 *
 * The address-space calls (mmap, brk, ...), arch_prctl and the signal
 * calls are always handled by the supervisor itself once allowed.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

/* An errno by name, or as a number 0..4095 (seccomp's SCMP_ACT_ERRNO range): -1 if neither. */
static int parse_errno(const char *word)
{
	char *end;
	long v;

	if (errno_by_name(word) >= 0)
		return errno_by_name(word);
	if (!isdigit((unsigned char)word[0]))
		return -1;
	v = strtol(word, &end, 10);
	return *end || v < 0 || v > 4095 ? -1 : (int)v;
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

/* The words of a rule's names: calls and @groups, marked in @set. */
static int resolve_names(char **w, int n, bool set[MAX_SYSCALLS], const char *verb,
			 const char *file, int lineno)
{
	static bool group[MAX_SYSCALLS];
	int i, nr;

	if (n == 0)
		return bad(file, lineno, "%s: no system call names", verb);
	memset(set, 0, MAX_SYSCALLS * sizeof(bool));
	for (i = 0; i < n; i++) {
		const char *hint, *broken;

		if (w[i][0] == '@') {
			if (group_calls(w[i], group, &broken))
				return bad(file, lineno, broken ? "group %s: a member is no x86-64 system call" :
					   "unknown group '%s' (dune-sandbox --help lists them)",
					   broken ? broken : w[i]);
			for (nr = 0; nr < MAX_SYSCALLS; nr++)
				set[nr] |= group[nr];
			continue;
		}
		nr = syscall_nr(w[i]);
		if (nr >= 0) {
			set[nr] = true;
			continue;
		}
		hint = sysname_suggest(w[i]);
		if (file)
			fprintf(stderr, "%s: %s:%d: ", progname, file, lineno);
		else
			fprintf(stderr, "%s: policy option: ", progname);
		fprintf(stderr, "unknown system call '%s': not an x86-64 system call", w[i]);
		if (hint)
			fprintf(stderr, " (did you mean '%s'?)", hint);
		fputc('\n', stderr);
		return -1;
	}
	return 0;
}

/* "allow NAME" of a call the sandbox cannot carry out: say so (once a name). */
static void warn_unsupported(char **w, int n, const char *file, int lineno)
{
	int i, nr, err;

	for (i = 0; i < n; i++) {
		if (w[i][0] == '@')
			continue;	/* a group names what it names */
		nr = syscall_nr(w[i]);
		err = nr < 0 ? 0 : systab_refusal(nr);
		if (!err)
			continue;
		if (file)
			fprintf(stderr, "%s: %s:%d: ", progname, file, lineno);
		else
			fprintf(stderr, "%s: policy option: ", progname);
		fprintf(stderr, "warning: %s is not supported by the sandbox: it fails with %s whatever the policy says\n",
			w[i], errno_name(err) ? errno_name(err) : "an error");
	}
}

static const struct {
	const char *text;
	enum cond_op op;
} cond_ops[] = {
	{ "==", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT }, { "<=", OP_LE },
	{ ">", OP_GT }, { ">=", OP_GE },
};

static bool parse_u64(const char *word, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)word[0]))
		return false;
	errno = 0;
	*v = strtoull(word, &end, 0);
	return !*end && !errno;
}

/*
 * The conditions after "if": "argN OP VALUE" or "argN & MASK == VALUE",
 * joined by "and".  The count, or -1.
 */
static int parse_conds(char **w, int n, struct cond c[MAX_CONDS], const char *file, int lineno)
{
	int i = 0, nc = 0;
	size_t k;

	if (n == 0)
		return bad(file, lineno, "%s: no condition after 'if'", "if");
	while (i < n) {
		struct cond *x = &c[nc];

		if (nc == MAX_CONDS)
			return bad(file, lineno, "if: at most %s conditions", "6");
		if (strncmp(w[i], "arg", 3) || w[i][3] < '0' || w[i][3] > '5' || w[i][4])
			return bad(file, lineno, "if: expected arg0..arg5, got '%s'", w[i]);
		x->arg = (unsigned char)(w[i][3] - '0');
		i++;
		if (i + 1 < n && !strcmp(w[i], "&")) {
			if (!parse_u64(w[i + 1], &x->mask))
				return bad(file, lineno, "if: '%s' is not a number", w[i + 1]);
			x->op = OP_MASKED_EQ;
			i += 2;
			if (i >= n || strcmp(w[i], "=="))
				return bad(file, lineno, "if: expected 'argN & MASK == VALUE'%s", "");
			i++;
		} else {
			for (k = 0; k < sizeof(cond_ops) / sizeof(cond_ops[0]); k++)
				if (i < n && !strcmp(w[i], cond_ops[k].text))
					break;
			if (k == sizeof(cond_ops) / sizeof(cond_ops[0]))
				return bad(file, lineno, "if: expected == != < <= > >= or &, got '%s'",
					   i < n ? w[i] : "");
			x->op = cond_ops[k].op;
			i++;
		}
		if (i >= n || !parse_u64(w[i], &x->value))
			return bad(file, lineno, "if: expected a number, got '%s'", i < n ? w[i] : "");
		i++;
		nc++;
		if (i < n) {
			if (strcmp(w[i], "and") || i + 1 == n)
				return bad(file, lineno, "if: expected 'and' between conditions, got '%s'",
					   w[i]);
			i++;
		}
	}
	return nc;
}

/* Drop the conditional rules of @nr: a later unconditional rule replaces them. */
static void drop_conds(struct policy *p, int nr)
{
	int i, j = 0;

	for (i = 0; i < p->nconds; i++)
		if (p->cond[i].nr != nr)
			p->cond[j++] = p->cond[i];
	p->nconds = j;
}

void policy_set_calls_cond(struct policy *p, int nr, struct rule r, const struct cond *c,
			   int nconds)
{
	struct cond_rule *cr;

	if (nconds == 0) {
		drop_conds(p, nr);
		p->sys[nr] = r;
		return;
	}
	cr = &p->cond[p->nconds++];
	memset(cr, 0, sizeof(*cr));
	cr->nr = (short)nr;
	cr->r = r;
	cr->nconds = (unsigned char)nconds;
	memcpy(cr->c, c, nconds * sizeof(*c));
}

/* "VERB NAME... [if COND...]" with the rule @r. */
static int set_calls(struct policy *p, char **w, int n, struct rule r, const char *verb,
		     const char *file, int lineno)
{
	static bool set[MAX_SYSCALLS];
	struct cond c[MAX_CONDS];
	int i, names = n, nc = 0, count = 0;

	for (i = 0; i < n; i++)
		if (!strcmp(w[i], "if")) {
			names = i;
			nc = parse_conds(w + i + 1, n - i - 1, c, file, lineno);
			if (nc < 0)
				return -1;
			break;
		}
	if (resolve_names(w, names, set, verb, file, lineno))
		return -1;
	if (nc && r.act == ACT_EMULATE)
		return bad(file, lineno, "%s: no conditions on emulated calls", "emulate");
	for (i = 0; i < MAX_SYSCALLS; i++)
		count += set[i];
	if (nc && p->nconds + count > MAX_COND_RULES)
		return bad(file, lineno, "if: more than %s conditional rules", "128");
	if (r.act == ACT_ALLOW)
		warn_unsupported(w, names, file, lineno);
	for (i = 0; i < MAX_SYSCALLS; i++)
		if (set[i])
			policy_set_calls_cond(p, i, r, c, nc);
	return 0;
}

/* ---- include FILE ----------------------------------------------------------------- */

#define INCLUDE_DEPTH	8

/* "/a/b": absolute, below "/", no empty, "." or ".." component. */
static bool normal_below_root(const char *path)
{
	const char *c = path, *e;

	if (*c != '/' || !c[1])
		return false;
	while (*c == '/') {
		e = strchrnul(c + 1, '/');
		if (e == c + 1 || (e - c == 2 && c[1] == '.') ||
		    (e - c == 3 && c[1] == '.' && c[2] == '.'))
			return false;
		c = e;
	}
	return true;
}

/*
 * tmpfs's size= (mm/shmem.c, shmem_parse_one): digits and one of k, m, g,
 * t, p, e or %, at most 18 digits; not 0 ("no limit" is tmpfs's own default,
 * asked for by leaving SIZE out).
 */
bool tmpfs_size_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 18 || strspn(s, "0") == n)
		return false;
	return !s[n] || (strchr("kKmMgGtTpPeE%", s[n]) && !s[n + 1]);
}

/* The files being read, outermost first: an include of one of them is a cycle. */
static struct {
	dev_t dev;
	ino_t ino;
	const char *path;
} reading[INCLUDE_DEPTH + 1];
static int nreading;

static int policy_include(struct policy *p, const char *name, const char *file, int lineno)
{
	char path[PATH_MAX];

	if (name[0] == '/' || !file) {
		if (snprintf(path, sizeof(path), "%s", name) >= (int)sizeof(path))
			return bad(file, lineno, "include: %s: path too long", name);
	} else {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", file);
		if (snprintf(path, sizeof(path), "%s/%s", dirname(dir), name) >= (int)sizeof(path))
			return bad(file, lineno, "include: %s: path too long", name);
	}
	if (nreading >= INCLUDE_DEPTH)
		return bad(file, lineno, "include: %s: more than 8 files deep", name);
	return policy_file(p, path);
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
		return set_calls(p, w + 1, n - 1, r, w[0], file, lineno);
	}
	if (!strcmp(w[0], "kill")) {
		r.act = ACT_KILL;
		return set_calls(p, w + 1, n - 1, r, w[0], file, lineno);
	}
	if (!strcmp(w[0], "include")) {
		if (n != 2)
			return bad(file, lineno, "%s: expected 'include FILE'", "include");
		return policy_include(p, w[1], file, lineno);
	}
	if (!strcmp(w[0], "emulate")) {
		static const char *const ok[] = { "getpid", "getppid", "gettid", "uname",
						  "sethostname", NULL };
		int i, j;

		for (i = 1; i < n && strcmp(w[i], "if"); i++) {
			for (j = 0; ok[j] && strcmp(ok[j], w[i]); j++)
				;
			if (!ok[j])
				return bad(file, lineno,
					   "no emulation for '%s' (there is one for getpid, getppid, gettid, uname, sethostname)",
					   w[i]);
		}
		r.act = ACT_EMULATE;
		return set_calls(p, w + 1, n - 1, r, w[0], file, lineno);
	}
	if (!strcmp(w[0], "deny")) {
		if (n < 2 || parse_errno(w[1]) < 0)
			return bad(file, lineno, "deny: expected an errno name (EPERM, EACCES, ...), got '%s'",
				   n < 2 ? "" : w[1]);
		r.act = ACT_DENY;
		r.err = parse_errno(w[1]);
		return set_calls(p, w + 2, n - 2, r, w[0], file, lineno);
	}
	if (!strcmp(w[0], "default")) {
		if (n == 2 && !strcmp(w[1], "allow"))
			p->def.act = ACT_ALLOW;
		else if (n == 2 && !strcmp(w[1], "kill"))
			p->def.act = ACT_KILL;
		else if (n == 3 && !strcmp(w[1], "deny") && parse_errno(w[2]) >= 0) {
			p->def.act = ACT_DENY;
			p->def.err = parse_errno(w[2]);
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
		char dir[sizeof(p->tmpdir)];

		if (n < 2 || n > 3 || w[1][0] != '/' || strlen(w[1]) >= sizeof(p->tmpdir) - 1)
			return bad(file, lineno, "%s: expected an absolute directory and an optional size",
				   "private-tmp");
		if (n == 3 && !tmpfs_size_ok(w[2]))
			return bad(file, lineno, "private-tmp: '%s' is not a size (64m, 1g, 25%%...)", w[2]);
		strcpy(dir, w[1]);
		while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
			dir[strlen(dir) - 1] = 0;
		if (!normal_below_root(dir))
			return bad(file, lineno, "private-tmp: '%s' is not a normalised directory below /",
				   w[1]);
		strcpy(p->tmpdir, dir);
		snprintf(p->tmpsize, sizeof(p->tmpsize), "%s", n == 3 ? w[2] : "");
		return 0;
	}
	return bad(file, lineno, "unknown keyword '%s'", w[0]);
}

/*
 * Read the policy file @path.  It must be a regular file we can read to
 * the end: a directory, a device or a read error is an error, never an
 * empty policy.
 */
int policy_file(struct policy *p, const char *path)
{
	char line[1100];
	struct stat st;
	FILE *f = fopen(path, "re");
	int lineno = 0, i, ret = -1;

	if (!f) {
		fprintf(stderr, "%s: cannot open policy %s: %s\n", progname, path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: policy %s: %s\n", progname, path,
			S_ISDIR(st.st_mode) ? "is a directory, not a policy file" : "not a regular file");
		fclose(f);
		return -1;
	}
	for (i = 0; i < nreading; i++)
		if (reading[i].dev == st.st_dev && reading[i].ino == st.st_ino) {
			fprintf(stderr, "%s: policy %s: include cycle (%s is already being read)\n",
				progname, path, reading[i].path);
			fclose(f);
			return -1;
		}
	reading[nreading].dev = st.st_dev;
	reading[nreading].ino = st.st_ino;
	reading[nreading].path = path;
	nreading++;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			bad(path, lineno, "%s", "line too long");
			goto out;
		}
		if (policy_line(p, line, path, lineno))
			goto out;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: cannot read policy %s: %s\n", progname, path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	nreading--;
	fclose(f);
	return ret;
}

/* ---- which rule decides a call ------------------------------------------------------ */

static bool cond_holds(const struct cond *c, const uint64_t a[6])
{
	uint64_t v = a[c->arg];

	switch (c->op) {
	case OP_EQ: return v == c->value;
	case OP_NE: return v != c->value;
	case OP_LT: return v < c->value;
	case OP_LE: return v <= c->value;
	case OP_GT: return v > c->value;
	case OP_GE: return v >= c->value;
	case OP_MASKED_EQ: return (v & c->mask) == c->value;
	}
	return false;
}

/* How strict an action is: a conditional match of several picks the strictest. */
static int strictness(enum action act)
{
	static const int order[] = {
		[ACT_UNSET] = 0, [ACT_ALLOW] = 1, [ACT_EMULATE] = 2, [ACT_DENY] = 3, [ACT_KILL] = 4,
	};

	return order[act];
}

/* The rule for call @nr with arguments @a (the header says which). */
struct rule policy_rule(long nr, const uint64_t a[6])
{
	struct rule r = { ACT_UNSET, 0 };
	int i, j;

	if (nr < 0 || nr >= MAX_SYSCALLS)
		return policy.def;
	for (i = 0; i < policy.nconds; i++) {
		const struct cond_rule *cr = &policy.cond[i];

		if (cr->nr != nr)
			continue;
		for (j = 0; j < cr->nconds && cond_holds(&cr->c[j], a); j++)
			;
		if (j == cr->nconds && strictness(cr->r.act) > strictness(r.act))
			r = cr->r;
	}
	if (r.act == ACT_UNSET)
		r = policy.sys[nr];
	if (r.act == ACT_UNSET)
		r = policy.def;
	return r;
}

/*
 * Is call @nr allowed whatever its arguments: no conditional rule of it,
 * and its rule (or the default) allows it?  What vdso.c asks before it
 * lets the program make a call without the supervisor seeing it.
 */
bool policy_allows_always(long nr)
{
	struct rule r;
	int i;

	if (nr < 0 || nr >= MAX_SYSCALLS)
		return false;
	for (i = 0; i < policy.nconds; i++)
		if (policy.cond[i].nr == nr)
			return false;
	r = policy.sys[nr].act != ACT_UNSET ? policy.sys[nr] : policy.def;
	return r.act == ACT_ALLOW;
}

/*
 * May call @nr be allowed, for some arguments?  Its rule without
 * conditions, or any conditional rule of it.  The supervisor's host
 * filter (hostfilter.c) lets through what this says.
 */
bool policy_may_allow(long nr)
{
	struct rule r;
	int i;

	if (nr < 0 || nr >= MAX_SYSCALLS)
		return false;
	for (i = 0; i < policy.nconds; i++)
		if (policy.cond[i].nr == nr && policy.cond[i].r.act == ACT_ALLOW)
			return true;
	r = policy.sys[nr].act == ACT_UNSET ? policy.def : policy.sys[nr];
	return r.act == ACT_ALLOW;
}

/*
 * A call the table does not describe (syscall.c): never carried out, but
 * the policy's deny and kill still hold - its errno, or the end of the
 * program.  Allowed, it fails with ENOSYS.
 */
long policy_no_entry(long nr, const uint64_t a[6])
{
	struct rule r = policy_rule(nr, a);
	char why[96];

	switch (r.act) {
	case ACT_KILL:
		trace_call(nr, a, -EPERM);
		snprintf(why, sizeof(why), "system call %s is not allowed",
			 sysname(nr) ? sysname(nr) : "(unknown)");
		kill_program(why, SIGSYS);
	case ACT_DENY:
		return -r.err;
	default:
		return -ENOSYS;
	}
}

/* ---- --print-policy ----------------------------------------------------------------- */

static const char *const act_verb[] = {
	[ACT_ALLOW] = "allow", [ACT_DENY] = "deny", [ACT_KILL] = "kill", [ACT_EMULATE] = "emulate",
};

static void put_errno(FILE *f, int err)
{
	if (errno_name(err))
		fprintf(f, " %s", errno_name(err));
	else
		fprintf(f, " %d", err);
}

/*
 * One line per rule kind (and errno), the calls in number order, wrapped.
 * @unsupported: the calls allowed that the sandbox cannot carry out, as
 * what happens to them - "deny ERRNO" with the errno they fail with
 * (want.err).
 */
static void print_calls(FILE *f, const struct policy *p, struct rule want, bool unsupported)
{
	int nr, col = 0;

	for (nr = 0; nr < MAX_SYSCALLS; nr++) {
		const struct rule *r = &p->sys[nr];
		const char *name = sysname(nr);

		if (!name)
			continue;
		if (unsupported) {
			if (r->act != ACT_ALLOW || systab_refusal(nr) != want.err)
				continue;
		} else {
			if (r->act != want.act || (r->act == ACT_DENY && r->err != want.err))
				continue;
			if (r->act == ACT_ALLOW && systab_refusal(nr))
				continue;
		}
		if (col && col + strlen(name) + 1 > 78) {
			fputc('\n', f);
			col = 0;
		}
		if (!col) {
			col += fprintf(f, "%s", act_verb[want.act]);
			if (want.act == ACT_DENY) {
				put_errno(f, want.err);
				col += 6;
			}
		}
		col += fprintf(f, " %s", name);
	}
	if (col)
		fputc('\n', f);
}

static const char *const op_text[] = {
	[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
};

void policy_print(FILE *f, const struct policy *p)
{
	static const char *const path_verb[] = {
		[PATH_ALLOW] = "allow", [PATH_DENY] = "deny", [PATH_READONLY] = "readonly",
	};
	struct rule r = { ACT_DENY, 0 };
	bool done[4096 + 1] = { false };
	int nr, i, j;

	fprintf(f, "# the effective policy (dune-sandbox --print-policy)\n");
	if (p->def.act == ACT_DENY) {
		fprintf(f, "default deny");
		put_errno(f, p->def.err);
		fputc('\n', f);
	} else {
		fprintf(f, "default %s\n", act_verb[p->def.act]);
	}
	r.act = ACT_ALLOW;
	print_calls(f, p, r, false);
	r.act = ACT_DENY;
	for (nr = 0; nr < MAX_SYSCALLS; nr++)
		if (p->sys[nr].act == ACT_DENY && !done[p->sys[nr].err]) {
			done[p->sys[nr].err] = true;
			r.err = p->sys[nr].err;
			print_calls(f, p, r, false);
		}
	r.act = ACT_KILL;
	print_calls(f, p, r, false);
	r.act = ACT_EMULATE;
	print_calls(f, p, r, false);
	for (i = 0; i < p->nconds; i++) {
		const struct cond_rule *cr = &p->cond[i];

		fprintf(f, "%s", act_verb[cr->r.act]);
		if (cr->r.act == ACT_DENY)
			put_errno(f, cr->r.err);
		fprintf(f, " %s if", sysname(cr->nr));
		for (j = 0; j < cr->nconds; j++) {
			const struct cond *c = &cr->c[j];

			fprintf(f, "%s arg%d", j ? " and" : "", c->arg);
			if (c->op == OP_MASKED_EQ)
				fprintf(f, " & %#llx ==", (unsigned long long)c->mask);
			else
				fprintf(f, " %s", op_text[c->op]);
			fprintf(f, " %llu", (unsigned long long)c->value);
		}
		fputc('\n', f);
	}
	/* allowed, but never carried out: what really happens to them */
	memset(done, 0, sizeof(done));
	r.act = ACT_DENY;
	for (nr = 0; nr < MAX_SYSCALLS; nr++) {
		int err = sysname(nr) && p->sys[nr].act == ACT_ALLOW ? systab_refusal(nr) : 0;

		if (!err || done[err])
			continue;
		if (!done[0])
			fprintf(f, "# allowed, but not supported by the sandbox: they fail whatever the policy says\n");
		done[0] = done[err] = true;
		r.err = err;
		print_calls(f, p, r, true);
	}
	fprintf(f, "network %s\n", p->network ? "on" : "off");
	if (p->hostname[0])
		fprintf(f, "hostname %s\n", p->hostname);
	if (p->pid)
		fprintf(f, "pid %ld\n", p->pid);
	if (p->max_procs)
		fprintf(f, "max-processes %ld\n", p->max_procs);
	if (p->tmpdir[0])
		fprintf(f, "private-tmp %s%s%s\n", p->tmpdir, p->tmpsize[0] ? " " : "", p->tmpsize);
	for (i = 0; i < p->npaths; i++)
		fprintf(f, "path %s %s\n", path_verb[p->paths[i].rule], p->paths[i].prefix);
	if (!p->npaths)
		fprintf(f, "# no path rules: every path the kernel lets the user reach\n");
}

/* The rule for an absolute, normalised path: the longest prefix wins. */
enum path_rule path_check(const char *path)
{
	size_t best = 0, tn = strlen(policy.tmpdir);
	enum path_rule r = PATH_DENY;
	int i;

	/* the private tmpfs, mounted over whatever a rule says of DIR */
	if (tn && !strncmp(path, policy.tmpdir, tn) && (path[tn] == 0 || path[tn] == '/'))
		return PATH_ALLOW;
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
	case SYS_tkill:
		/* the pid the sandbox reports (pid N) is the program itself */
		if (policy.pid && (long)(int)a[0] == policy.pid)
			a[0] = (uint64_t)getpid();
		if (nr == SYS_tgkill && policy.pid && (long)(int)a[1] == policy.pid)
			a[1] = (uint64_t)getpid();
		/* every process, or the namespace's init (its thread, for tkill) */
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
