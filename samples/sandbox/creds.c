// SPDX-License-Identifier: GPL-2.0
/*
 * creds.c - the calls that set user and group IDs, answered without the
 * host: setuid, setgid, setreuid, setregid, setresuid, setresgid,
 * setfsuid, setfsgid, setgroups.
 *
 * The program runs with no capabilities and with its real, effective and
 * saved IDs all one value (confine.c, confine_drop(), checks that none can
 * be undone).  For such a process the kernel's answer is fixed
 * (kernel/sys.c, __sys_setresuid() and friends, without CAP_SETUID or
 * CAP_SETGID): an ID may only be set to one it already holds, so a request
 * that names only that value (or -1, "unchanged") succeeds and changes
 * nothing, and any other is EPERM; setfsuid returns the current
 * filesystem ID whatever it is given; setgroups is EPERM
 * (may_setgroups(), before the list is read).  So nothing is forwarded:
 * the supervisor's own filter never needs these calls, and what a program
 * can do with them here is exactly what it could do outside.
 *
 * This is what real programs need: glibc's posix_spawn with
 * POSIX_SPAWN_RESETIDS (GNU make runs every command that way) calls
 * seteuid(getuid()), and dies with status 127 if that fails.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "call.h"

/* The one ID the program holds (r, e and s equal), or -1 if they differ. */
static long held_id(bool gid)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (gid) {
		if (getresgid(&gr, &ge, &gs))
			return -1;
		return gr == ge && ge == gs ? (long)gr : -1;
	}
	if (getresuid(&r, &e, &s))
		return -1;
	return r == e && e == s ? (long)r : -1;
}

static bool is_gid_call(long nr)
{
	return nr == SYS_setgid || nr == SYS_setregid || nr == SYS_setresgid ||
	       nr == SYS_setfsgid;
}

/* How many of the call's arguments are IDs. */
static int id_args(long nr)
{
	switch (nr) {
	case SYS_setresuid:
	case SYS_setresgid:
		return 3;
	case SYS_setreuid:
	case SYS_setregid:
		return 2;
	default:
		return 1;
	}
}

long h_setid(struct call *c)
{
	long held = held_id(is_gid_call(c->nr));
	int i, n = id_args(c->nr);

	if (held < 0)
		return -EPERM;		/* not the state confine.c leaves: change nothing */
	for (i = 0; i < n; i++) {
		uint32_t v = (uint32_t)c->a[i];

		/* -1 is "unchanged" for the re/res forms; setuid(-1) is EINVAL */
		if (v == (uint32_t)-1 && n > 1)
			continue;
		if (v == (uint32_t)-1)
			return -EINVAL;
		if (v != (uint32_t)held)
			return -EPERM;
	}
	return 0;
}

/* The previous filesystem ID, which is the effective one here; nothing changes. */
long h_setfsid(struct call *c)
{
	return c->nr == SYS_setfsgid ? (long)getegid() : (long)geteuid();
}

long h_setgroups(struct call *c)
{
	(void)c;
	return -EPERM;
}
