// SPDX-License-Identifier: GPL-2.0
/*
 * seccomp.c - --seccomp-profile FILE.json: the system-call rules of an
 * OCI runtime seccomp profile (the "linux.seccomp" object of the OCI
 * runtime specification, config-linux.md), with the extensions Docker's
 * profiles use (moby's profiles/seccomp/default.json): "names" (or the
 * older "name"), "includes"/"excludes" by "arches", "caps" and
 * "minKernel", "archMap", "comment".  Docker's default profile loads
 * unchanged.
 *
 * What the profile gives replaces the policy's system-call rules and its
 * default; the files, network, names and limits stay the policy's
 * (--policy, or the built-in one), and --rule options still come after.
 *
 * Read as runc reads it (libcontainer/seccomp):
 *   - a name that is no x86-64 system call (an i386 or ARM name such as
 *     "_llseek" or "arm_fadvise64_64") is skipped, as libseccomp cannot
 *     resolve it for this architecture;
 *   - the conditions of one entry ("args") are ANDed; but if one argument
 *     index appears more than once, each condition is a rule of its own
 *     (ORed);
 *   - "value" and "valueTwo": for SCMP_CMP_MASKED_EQ, (arg & value) ==
 *     valueTwo (libseccomp's datum_a and datum_b);
 *   - "errnoRet" (and "defaultErrnoRet") default to EPERM.
 * The program runs with no capabilities (confine.c makes sure of it): an
 * entry that "includes" capabilities does not apply, one that "excludes"
 * them does.  The architecture is amd64 ("SCMP_ARCH_X86_64"); the kernel
 * version for "minKernel" is the running one's.
 *
 * Actions: SCMP_ACT_ALLOW is allow, SCMP_ACT_ERRNO deny, the three KILLs
 * kill.  Those the sandbox cannot express take the safe side, with one
 * line each: SCMP_ACT_TRAP (SIGSYS to the program's handler) kills with
 * SIGSYS; SCMP_ACT_TRACE (a ptrace tracer decides; with none the kernel
 * fails the call with ENOSYS) is deny ENOSYS; SCMP_ACT_NOTIFY (a
 * listener decides) is deny EPERM; SCMP_ACT_LOG (allowed, and logged by
 * the kernel's audit) is allowed, logged by --trace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "json.h"
#include "sandbox.h"

struct ctx {
	const char *path;
	int skipped;		/* names that are no x86-64 calls */
	int notes;		/* unexpressible actions reported */
};

static int err_at(struct ctx *x, const struct json *j, const char *fmt, const char *what)
{
	fprintf(stderr, "%s: %s:%d: ", progname, x->path, j ? j->line : 0);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return -1;
}

/* ---- actions ---- */

static const struct {
	const char *name;
	enum action act;
	int err;		/* -1: "errnoRet", else fixed */
	const char *note;	/* said once: what the sandbox does instead */
} actions[] = {
	{ "SCMP_ACT_ALLOW", ACT_ALLOW, 0, NULL },
	{ "SCMP_ACT_ERRNO", ACT_DENY, -1, NULL },
	{ "SCMP_ACT_KILL", ACT_KILL, 0, NULL },
	{ "SCMP_ACT_KILL_PROCESS", ACT_KILL, 0, NULL },
	{ "SCMP_ACT_KILL_THREAD", ACT_KILL, 0,
	  "SCMP_ACT_KILL_THREAD: the whole program is killed (SIGSYS)" },
	{ "SCMP_ACT_TRAP", ACT_KILL, 0,
	  "SCMP_ACT_TRAP: no SIGSYS handler call in the sandbox; the program is killed (SIGSYS)" },
	{ "SCMP_ACT_TRACE", ACT_DENY, ENOSYS,
	  "SCMP_ACT_TRACE: no tracer in the sandbox; the call fails with ENOSYS, as the kernel's does without one" },
	{ "SCMP_ACT_NOTIFY", ACT_DENY, EPERM,
	  "SCMP_ACT_NOTIFY: no listener in the sandbox; the call fails with EPERM" },
	{ "SCMP_ACT_LOG", ACT_ALLOW, 0,
	  "SCMP_ACT_LOG: allowed; the sandbox logs calls with --trace, not to the audit log" },
};

static int action(struct ctx *x, const struct json *a, const struct json *errno_ret,
		  struct rule *r)
{
	static bool said[sizeof(actions) / sizeof(actions[0])];
	uint64_t e = EPERM;
	size_t i;

	if (!a || a->type != JSON_STRING)
		return err_at(x, a, "%s: expected an action string (SCMP_ACT_...)", "action");
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(actions[i].name, a->str))
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return err_at(x, a, "unknown action '%s'", a->str);
	if (errno_ret && errno_ret->type != JSON_NULL &&
	    (!json_u64(errno_ret, &e) || e > 4095))
		return err_at(x, errno_ret, "%s: expected a number 0..4095", "errnoRet");
	r->act = actions[i].act;
	r->err = actions[i].err < 0 ? (int)e : actions[i].err;
	if (actions[i].note && !said[i]) {
		said[i] = true;
		x->notes++;
		fprintf(stderr, "%s: %s: %s\n", progname, x->path, actions[i].note);
	}
	return 0;
}

/* ---- includes / excludes ---- */

/* Is @s in the string array @list? */
static bool listed(const struct json *list, const char *const *names)
{
	size_t i, k;

	if (!list || list->type != JSON_ARRAY)
		return false;
	for (i = 0; i < list->n; i++)
		for (k = 0; names[k]; k++)
			if (list->item[i]->type == JSON_STRING && !strcmp(list->item[i]->str, names[k]))
				return true;
	return false;
}

static bool nonempty(const struct json *list)
{
	return list && list->type == JSON_ARRAY && list->n > 0;
}

/* "4.8" against the running kernel: is the kernel at least that? */
static int kernel_at_least(struct ctx *x, const struct json *v, bool *yes)
{
	static int have[3] = { -1 };
	unsigned int want[3] = { 0, 0, 0 };
	int i;

	if (v->type != JSON_STRING || sscanf(v->str, "%u.%u.%u", &want[0], &want[1], &want[2]) < 2)
		return err_at(x, v, "%s: expected a kernel version such as \"4.8\"", "minKernel");
	if (have[0] < 0) {
		struct utsname u;

		have[1] = have[2] = 0;
		if (uname(&u) || sscanf(u.release, "%d.%d.%d", &have[0], &have[1], &have[2]) < 2)
			return err_at(x, v, "%s: cannot read the running kernel's version", "minKernel");
	}
	*yes = true;
	for (i = 0; i < 3; i++)
		if ((unsigned int)have[i] != want[i]) {
			*yes = (unsigned int)have[i] > want[i];
			break;
		}
	return 0;
}

/* Does entry @e apply here (amd64, no capabilities, this kernel)?  1, 0, or -1. */
static int applies(struct ctx *x, const struct json *e)
{
	static const char *const arch[] = { "amd64", "x86_64", "SCMP_ARCH_X86_64", NULL };
	const struct json *inc = json_get(e, "includes"), *exc = json_get(e, "excludes");
	const struct json *k;
	bool ok;

	if (inc && inc->type == JSON_OBJECT) {
		if (nonempty(json_get(inc, "arches")) && !listed(json_get(inc, "arches"), arch))
			return 0;
		if (nonempty(json_get(inc, "caps")))
			return 0;	/* the program holds none */
		k = json_get(inc, "minKernel");
		if (k && k->type != JSON_NULL) {
			if (kernel_at_least(x, k, &ok))
				return -1;
			if (!ok)
				return 0;
		}
	}
	if (exc && exc->type == JSON_OBJECT) {
		if (listed(json_get(exc, "arches"), arch))
			return 0;
		/* excludes.caps: none held, never excluded */
		k = json_get(exc, "minKernel");
		if (k && k->type != JSON_NULL) {
			if (kernel_at_least(x, k, &ok))
				return -1;
			if (ok)
				return 0;
		}
	}
	return 1;
}

/* ---- args ---- */

static const struct {
	const char *name;
	enum cond_op op;
} ops[] = {
	{ "SCMP_CMP_EQ", OP_EQ }, { "SCMP_CMP_NE", OP_NE }, { "SCMP_CMP_LT", OP_LT },
	{ "SCMP_CMP_LE", OP_LE }, { "SCMP_CMP_GT", OP_GT }, { "SCMP_CMP_GE", OP_GE },
	{ "SCMP_CMP_MASKED_EQ", OP_MASKED_EQ },
};

static int condition(struct ctx *x, const struct json *a, struct cond *c)
{
	const struct json *op = json_get(a, "op"), *v2 = json_get(a, "valueTwo");
	uint64_t index, value, two = 0;
	size_t i;

	if (a->type != JSON_OBJECT)
		return err_at(x, a, "%s: expected an object", "args");
	if (!json_u64(json_get(a, "index"), &index) || index > 5)
		return err_at(x, a, "%s: index: expected 0..5", "args");
	if (!json_u64(json_get(a, "value"), &value))
		return err_at(x, a, "%s: value: expected an unsigned 64-bit number", "args");
	if (v2 && v2->type != JSON_NULL && !json_u64(v2, &two))
		return err_at(x, a, "%s: valueTwo: expected an unsigned 64-bit number", "args");
	if (!op || op->type != JSON_STRING)
		return err_at(x, a, "%s: op: expected SCMP_CMP_...", "args");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, op->str))
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return err_at(x, op, "unknown comparison '%s'", op->str);
	c->arg = (unsigned char)index;
	c->op = (unsigned char)ops[i].op;
	if (ops[i].op == OP_MASKED_EQ) {
		c->mask = value;
		c->value = two;
	} else {
		c->mask = 0;
		c->value = value;
	}
	return 0;
}

/* ---- an entry of "syscalls" ---- */

static int add_rule(struct ctx *x, struct policy *p, const struct json *at, int nr,
		    struct rule r, const struct cond *c, int nc)
{
	if (nc && p->nconds == MAX_COND_RULES)
		return err_at(x, at, "more than %s conditional rules", "128");
	policy_set_calls_cond(p, nr, r, c, nc);
	return 0;
}

static int entry(struct ctx *x, struct policy *p, const struct json *e)
{
	const struct json *names, *one, *args;
	struct cond c[MAX_CONDS];
	struct rule r;
	int nc = 0, count[6] = { 0 }, split = 0, ok;
	size_t i, k;

	if (e->type != JSON_OBJECT)
		return err_at(x, e, "%s: expected an object", "syscalls");
	ok = applies(x, e);
	if (ok <= 0)
		return ok;
	if (action(x, json_get(e, "action"), json_get(e, "errnoRet"), &r))
		return -1;
	args = json_get(e, "args");
	if (args && args->type != JSON_NULL) {
		if (args->type != JSON_ARRAY)
			return err_at(x, args, "%s: expected an array", "args");
		if (args->n > MAX_CONDS)
			return err_at(x, args, "args: more than %s conditions", "6");
		for (i = 0; i < args->n; i++) {
			if (condition(x, args->item[i], &c[i]))
				return -1;
			if (++count[c[i].arg] > 1)
				split = 1;
		}
		nc = (int)args->n;
	}
	names = json_get(e, "names");
	one = json_get(e, "name");
	if ((!names || names->type != JSON_ARRAY) && (!one || one->type != JSON_STRING))
		return err_at(x, e, "%s: expected \"names\": [...]", "syscalls");
	for (i = 0; i < (names && names->type == JSON_ARRAY ? names->n : 1); i++) {
		const struct json *n = names && names->type == JSON_ARRAY ? names->item[i] : one;
		int nr;

		if (n->type != JSON_STRING)
			return err_at(x, n, "%s: expected a system call name", "names");
		nr = syscall_nr(n->str);
		if (nr < 0) {
			x->skipped++;
			if (verbose)
				fprintf(stderr, "%s: %s:%d: %s is no x86-64 system call: skipped\n",
					progname, x->path, n->line, n->str);
			continue;
		}
		if (!split) {
			if (add_rule(x, p, n, nr, r, c, nc))
				return -1;
			continue;
		}
		/* one index more than once: each condition alone (runc) */
		for (k = 0; k < (size_t)nc; k++)
			if (add_rule(x, p, n, nr, r, &c[k], 1))
				return -1;
	}
	return 0;
}

/* ---- the profile ---- */

static int arch_ok(struct ctx *x, const struct json *top)
{
	static const char *const native[] = { "SCMP_ARCH_X86_64", NULL };
	const struct json *archs = json_get(top, "architectures"), *map = json_get(top, "archMap");
	size_t i;

	if (nonempty(archs) && !listed(archs, native))
		return err_at(x, archs, "%s: the profile is not for x86-64 (no SCMP_ARCH_X86_64)",
			      "architectures");
	if (nonempty(map)) {
		for (i = 0; i < map->n; i++) {
			const struct json *a = json_get(map->item[i], "architecture");

			if (a && a->type == JSON_STRING && !strcmp(a->str, native[0]))
				return 0;
		}
		return err_at(x, map, "%s: the profile is not for x86-64 (no SCMP_ARCH_X86_64)",
			      "archMap");
	}
	return 0;
}

static char *read_all(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t got;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open seccomp profile %s: %s\n", progname, path,
			strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > JSON_MAX_SIZE) {
		fprintf(stderr, "%s: seccomp profile %s: %s\n", progname, path,
			S_ISDIR(st.st_mode) ? "is a directory" :
			!S_ISREG(st.st_mode) ? "not a regular file" : "too large");
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && n < (size_t)st.st_size) {
		got = read(fd, buf + n, (size_t)st.st_size - n);
		if (got <= 0) {
			fprintf(stderr, "%s: cannot read seccomp profile %s: %s\n", progname, path,
				got ? strerror(errno) : "it shrank");
			free(buf);
			buf = NULL;
			break;
		}
		n += (size_t)got;
	}
	close(fd);
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

int policy_seccomp_profile(struct policy *p, const char *path)
{
	struct ctx x = { path, 0, 0 };
	const struct json *calls, *flags, *listener;
	struct json *top;
	struct rule def;
	char err[160];
	size_t len, i;
	char *text = read_all(path, &len);
	int ret = -1;

	if (!text)
		return -1;
	top = json_parse(text, len, err, sizeof(err));
	free(text);
	if (!top) {
		fprintf(stderr, "%s: %s: not valid JSON: %s\n", progname, path, err);
		return -1;
	}
	if (top->type != JSON_OBJECT) {
		err_at(&x, top, "%s: expected a JSON object", "profile");
		goto out;
	}
	if (arch_ok(&x, top))
		goto out;
	listener = json_get(top, "listenerPath");
	if (listener && listener->type == JSON_STRING && listener->str[0])
		fprintf(stderr, "%s: %s: listenerPath: no seccomp agent in the sandbox; SCMP_ACT_NOTIFY calls fail with EPERM\n",
			progname, path);
	flags = json_get(top, "flags");
	if (nonempty(flags) && verbose)
		fprintf(stderr, "%s: %s: flags (SECCOMP_FILTER_FLAG_*) have no meaning here: ignored\n",
			progname, path);
	if (action(&x, json_get(top, "defaultAction"), json_get(top, "defaultErrnoRet"), &def))
		goto out;
	/* the profile's rules replace the policy's system-call rules */
	memset(p->sys, 0, sizeof(p->sys));
	p->nconds = 0;
	p->def = def;
	calls = json_get(top, "syscalls");
	if (calls && calls->type != JSON_NULL) {
		if (calls->type != JSON_ARRAY) {
			err_at(&x, calls, "%s: expected an array", "syscalls");
			goto out;
		}
		for (i = 0; i < calls->n; i++)
			if (entry(&x, p, calls->item[i]))
				goto out;
	}
	if (verbose && x.skipped)
		fprintf(stderr, "%s: %s: %d names are no x86-64 system calls (other architectures'): skipped\n",
			progname, path, x.skipped);
	ret = 0;
out:
	json_free(top);
	return ret;
}
