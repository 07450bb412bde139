// SPDX-License-Identifier: GPL-2.0
/*
 * clone3.c - clone3(2), which glibc (2.34 and later) tries first for every
 * pthread_create and posix_spawn, carried out as clone(2) is.
 *
 * struct clone_args (include/uapi/linux/sched.h) is read once, into
 * supervisor memory, and every decision is made on that copy: the host
 * kernel never sees the program's structure, because the supervisor makes
 * the process or thread itself (carry_clone: sys_fork, sys_clone_thread),
 * as for clone(2).  The kernel's own rules for the structure are kept
 * (kernel/fork.c, copy_clone_args_from_user): a size below
 * CLONE_ARGS_SIZE_VER0 is EINVAL, bytes past the fields we know must be
 * zero (E2BIG otherwise, copy_struct_from_user), no exit signal in the
 * flags, a stack and its size together.  What the supervisor cannot carry
 * is refused, never half done: set_tid (choosing pids, a namespace
 * administrator's call), CLONE_INTO_CGROUP, CLONE_PIDFD and the flags
 * clone(2) refuses here too (sys_fork, sys_clone_thread) are EINVAL.
 * (The first run in the emulated machine refused a non-zero pidfd field
 * without CLONE_PIDFD, and so every pthread_create: glibc fills it.)
 */
#include <errno.h>
#include <string.h>
#include <linux/sched.h>

#include "call.h"

/* The largest struct clone_args a program may pass: one page (kernel/fork.c) */
#define CLONE_ARGS_MAX	PAGE_SIZE
/* The kernel's signal count: valid_signal() allows 0..64 (include/linux/signal.h) */
#define KERNEL_NSIG	64

/* Are the @len bytes at program address @addr all zero? (read in pieces) */
static long tail_is_zero(uint64_t addr, uint64_t len)
{
	unsigned char buf[256];
	uint64_t n, i;

	while (len) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		if (mem_copy_in(buf, addr, n, false))
			return -EFAULT;
		for (i = 0; i < n; i++)
			if (buf[i])
				return -E2BIG;
		addr += n;
		len -= n;
	}
	return 0;
}

long h_clone3(struct call *c)
{
	struct clone_args ca;
	struct clone_req req;
	uint64_t size = c->a[1];
	long r;

	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (size > CLONE_ARGS_MAX)
		return -E2BIG;
	memset(&ca, 0, sizeof(ca));
	if (mem_copy_in(&ca, c->a[0], size < sizeof(ca) ? size : sizeof(ca), false))
		return -EFAULT;
	if (size > sizeof(ca)) {
		r = tail_is_zero(c->a[0] + sizeof(ca), size - sizeof(ca));
		if (r)
			return r;
	}
	/* from here on, only the copy */
	if ((ca.flags & CSIGNAL) || ca.exit_signal > KERNEL_NSIG)
		return -EINVAL;
	if (!ca.stack != !ca.stack_size || ca.stack + ca.stack_size < ca.stack)
		return -EINVAL;
	/*
	 * pidfd and cgroup are read only with their flags (CLONE_PIDFD,
	 * CLONE_INTO_CGROUP), which carry_clone refuses: glibc's
	 * pthread_create fills pidfd without CLONE_PIDFD.
	 */
	if (ca.set_tid || ca.set_tid_size)
		return -EINVAL;
	req.flags = ca.flags | ca.exit_signal;
	req.sp = ca.stack ? ca.stack + ca.stack_size : 0;	/* the stack grows down */
	req.ptid = ca.parent_tid;
	req.ctid = ca.child_tid;
	req.tls = ca.tls;
	return carry_clone(c->tf, &req);
}
