// SPDX-License-Identifier: GPL-2.0
/*
 * decide.c - the third stage of a call (call.h): what the policy says.
 *
 *   allow    carry it out (carry.c), if the table has a handler for it;
 *   deny     fail with the rule's errno;
 *   kill     end the sandbox with SIGSYS, saying why;
 *   emulate  the supervisor answers (the entry's .emulate), on the copies.
 *
 * Ending (exit, exit_group) and returning from a signal handler are always
 * allowed.  A call the table cannot describe never gets here (ENOSYS in
 * syscall.c); an entry without a handler is never forwarded, whatever the
 * policy says.  The path rules are decided on the supervisor's copy of each
 * path, by the entry's handler (paths.c), just before the kernel gets the
 * same copy.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "call.h"

/* The verdict on @c: *go if it is to be carried out, else its result. */
long decide(struct call *c, bool *go)
{
	/* the program's own argument values, as seccomp compares them (policy.c) */
	struct rule r = policy_rule(c->nr, c->a);

	*go = false;
	if (c->nr == SYS_exit || c->nr == SYS_exit_group || c->nr == SYS_rt_sigreturn)
		r.act = ACT_ALLOW;
	switch (r.act) {
	case ACT_KILL: {
		char why[96];

		c->ret = -EPERM;
		trace_of(c);
		snprintf(why, sizeof(why), "system call %s is not allowed", c->d->name);
		kill_program(why, SIGSYS);
	}
	case ACT_DENY:
		return -r.err;
	case ACT_EMULATE:
		if (!c->d->emulate)
			return -ENOSYS;
		if (c->copy_err)
			return c->copy_err;
		c->carried = true;
		return c->d->emulate(c);
	default:
		break;
	}
	if (!c->d->run)
		return -c->d->refuse;
	/*
	 * Arguments that name another process, or a dangerous madvise advice
	 * (policy.c): refused here, on the arguments the kernel will get; the
	 * program's own pid becomes 0, the form the host filter allows.
	 */
	if (!c->copy_err) {
		long err = policy_check_target(c->nr, c->k);

		if (err)
			return err;
	}
	*go = true;
	return 0;
}
