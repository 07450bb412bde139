// SPDX-License-Identifier: GPL-2.0
/*
 * carry.c - the fourth stage of a call (call.h): carry it out.
 *
 * The entry's handler (systab.c) runs:
 *
 *   h_fwd          forward the copies: dune_passthrough_syscall() makes
 *                  the same call for real, with c->k, not the program's
 *                  pointers;
 *   h_open, h_path...  the path rules on the copied path, then forward;
 *   h_fdref        calls that make a new reference to a descriptor, under
 *                  fds.c's lock against a new vCPU taking a checked number;
 *   h_mmap, h_clone, h_rt_sigaction...  the calls the supervisor carries
 *                  out itself: mem.c, process.c, signal.c, which read
 *                  what they need of the program's memory themselves.
 *
 * The emulations (policy "emulate") are here too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <linux/close_range.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "call.h"

long forward(long nr, const uint64_t a[6])
{
	struct dune_tf tf;

	memset(&tf, 0, sizeof(tf));
	tf.rax = nr;
	tf.rdi = a[0];
	tf.rsi = a[1];
	tf.rdx = a[2];
	tf.rcx = a[3];
	tf.r8 = a[4];
	tf.r9 = a[5];
	dune_passthrough_syscall(&tf);
	return (long)tf.rax;
}

long fwd(struct call *c)
{
	return forward(c->nr, c->k);
}

long carry_out(struct call *c)
{
	if (c->copy_err)
		return c->copy_err;
	c->carried = true;
	return c->d->run(c);
}

/* ---- forwarded --------------------------------------------------------------- */

long h_fwd(struct call *c)
{
	return fwd(c);
}

long h_fdref(struct call *c)
{
	long r;

	fdref_lock();
	/* checked again under the lock: a vCPU may have taken the number */
	if ((c->kind[0].k == A_FD && is_supervisor_fd((int)c->a[0])) ||
	    (c->kind[1].k == A_FD && is_supervisor_fd((int)c->a[1])))
		r = -EBADF;
	else
		r = fwd(c);
	fdref_unlock();
	return r;
}

/*
 * close_range(2) (glibc's closefrom, Python's subprocess, posix_spawn's
 * file actions): the range is cut around the supervisor's descriptors
 * (fds.c), and each piece is closed (or, with CLOSE_RANGE_CLOEXEC, marked)
 * by the kernel, under fdref_lock as close(2) is.  CLOSE_RANGE_UNSHARE is
 * refused (EINVAL, as a kernel without it): it would give the calling host
 * thread - supervisor and program alike - a table of its own behind
 * libdune's back.  Programs then close one by one, as on older kernels.
 */
long h_close_range(struct call *c)
{
	unsigned int first = (unsigned int)c->a[0], last = (unsigned int)c->a[1], lo;
	unsigned int flags = (unsigned int)c->a[2];
	uint64_t a[6] = { 0 };
	long r = 0;
	int fd;

	if (flags & ~CLOSE_RANGE_CLOEXEC)
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	a[2] = flags;
	fdref_lock();
	for (lo = first;;) {
		/* the next supervisor descriptor in [lo, last], or none */
		fd = sup_fd_next((int)(lo > INT_MAX ? INT_MAX : lo), last);
		if (fd < 0 || (unsigned int)fd > last) {
			a[0] = lo;
			a[1] = last;
			r = forward(SYS_close_range, a);
			break;
		}
		if ((unsigned int)fd > lo) {
			a[0] = lo;
			a[1] = (unsigned int)fd - 1;
			r = forward(SYS_close_range, a);
			if (r)
				break;
		}
		if ((unsigned int)fd == last)
			break;
		lo = (unsigned int)fd + 1;
	}
	fdref_unlock();
	return r;
}

long h_sendmsg(struct call *c)
{
	long r;

	if (!c->scm_rights)
		return fwd(c);
	fdref_lock();
	r = recheck_rights(c);
	if (!r)
		r = fwd(c);
	fdref_unlock();
	return r;
}

long h_socket(struct call *c)
{
	if (!policy.network && (int)c->a[0] != AF_UNIX)
		return -EACCES;
	return fwd(c);
}

long h_personality(struct call *c)
{
	return c->a[0] == 0xffffffff || c->a[0] == 0 ? fwd(c) : -EPERM;
}

/* ---- the supervisor's own: the address space, signals, processes --------- */

long h_mmap(struct call *c)
{
	const uint64_t *a = c->a;

	return sys_mmap(a[0], a[1], (int)a[2], (int)a[3], (int)a[4], (off_t)a[5]);
}

long h_munmap(struct call *c)
{
	return sys_munmap(c->a[0], c->a[1]);
}

long h_mprotect(struct call *c)
{
	return sys_mprotect(c->a[0], c->a[1], (int)c->a[2]);
}

long h_brk(struct call *c)
{
	return sys_brk(c->a[0]);
}

long h_mremap(struct call *c)
{
	const uint64_t *a = c->a;

	return sys_mremap(a[0], a[1], a[2], (int)a[3], a[4]);
}

long h_madvise(struct call *c)
{
	return sys_madvise(c->a[0], c->a[1], (int)c->a[2]);
}

/*
 * mincore() tells mapped from unmapped (ENOMEM): programs probe with it (grep
 * walks down its stack in 4 MiB steps until ENOMEM).  The host sees the
 * reserved windows as mapped (PROT_NONE, mem.c), so the answer comes from
 * the program's own mappings.
 */
long h_mincore(struct call *c)
{
	if (!(c->a[0] & (PAGE_SIZE - 1)) && !mem_mapped(c->a[0], c->a[1]))
		return -ENOMEM;
	return fwd(c);
}

long h_arch_prctl(struct call *c)
{
	uint64_t fs;

	switch ((int)c->a[0]) {
	case ARCH_SET_FS:
		if (c->a[1] >= (1UL << 47))
			return -EPERM;
		dune_set_user_fs(c->a[1]);
		return 0;
	case ARCH_GET_FS:
		fs = dune_get_user_fs();
		return mem_write(c->a[1], &fs, sizeof(fs)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

long h_rt_sigaction(struct call *c)
{
	return sys_rt_sigaction((int)c->a[0], c->a[1], c->a[2], c->a[3]);
}

long h_rt_sigreturn(struct call *c)
{
	return sys_rt_sigreturn(c->tf);
}

long h_sigaltstack(struct call *c)
{
	return sys_sigaltstack(c->a[0], c->a[1]);
}

/* clone(2)'s request, from the registers (x86-64 argument order: flags, stack, ptid, ctid, tls) */
long h_clone(struct call *c)
{
	const struct clone_req req = {
		.flags = c->a[0], .sp = c->a[1], .ptid = c->a[2], .ctid = c->a[3], .tls = c->a[4],
	};

	return carry_clone(c->tf, &req);
}

/* clone(2) and clone3(2) alike: a process (fork, vfork) or a thread */
long carry_clone(struct dune_tf *tf, const struct clone_req *req)
{
	long r;

	if (!(req->flags & CLONE_VM) || (req->flags & CLONE_VFORK))
		return sys_fork(tf, req);
	/* a thread: its vCPU is known before any reference call goes on */
	fdref_lock_new();
	r = sys_clone_thread(tf, req);
	sup_fds_rescan();
	fdref_unlock();
	return r;
}

/* fork(2), vfork(2): sys_fork tells them apart by the call number */
long h_fork(struct call *c)
{
	return sys_fork(c->tf, NULL);
}

long h_execve(struct call *c)
{
	return sys_execve(c->tf, AT_FDCWD, c->a[0], c->a[1], c->a[2]);
}

/* A thread's end: exit has no copies; the thread's arena is freed first. */
long h_exit(struct call *c)
{
	robust_thread_exit();
	arena_release();
	thread_exit_prepare();	/* the tid word, then our stack for reuse (threads.c) */
	return fwd(c);
}

/* The word the thread's end clears: the supervisor's to write (threads.c), not the kernel's. */
long h_set_tid_address(struct call *c)
{
	thread_set_clear_tid(c->a[0]);
	return syscall(SYS_gettid);
}

/*
 * kill(0, sig): the caller's process group.  A group is not bounded by
 * the pid namespace - the kernel takes pid 0 as task_pgrp(current)
 * itself, not as a number looked up in the namespace (kernel/signal.c
 * kill_something_info) - and the sandbox starts in the group of whoever
 * ran it, so that ^C reaches the program: the shell script that ran it,
 * the other side of a pipe, dune-sandbox's own waiting parent.  A
 * group that reaches outside the namespace has no number in it
 * (getpgrp() is 0 there); then the signal goes to every process of the
 * namespace but its init - kill(-1) inside a pid namespace reaches no
 * further (task_pid_vnr() is 0 outside it) - and to the caller.  A
 * group the program made (setsid, setpgid) is wholly inside: forwarded
 * as it is.  Without the namespaces (--no-namespaces, and its warning)
 * kill reaches what the uid reaches.
 */
long h_kill(struct call *c)
{
	uint64_t k[6] = { (uint64_t)-1, c->k[1] };
	long others, self;

	if ((int)c->k[0] != 0 || !confine.in_pidns || syscall(SYS_getpgrp) != 0)
		return fwd(c);
	others = forward(SYS_kill, k);
	k[0] = (uint64_t)getpid();
	self = forward(SYS_kill, k);
	return others && self ? self : 0;
}

/* The program's robust list is the supervisor's to walk, never the kernel's (robust.c). */
long h_set_robust_list(struct call *c)
{
	return sys_set_robust_list(c->a[0], c->a[1]);
}

long h_exit_group(struct call *c)
{
	robust_exit_group();
	c->ret = 0;
	trace_of(c);
	trace_exit((int)c->a[0], 0);
	fflush(NULL);
	vfork_release();
	_exit((int)c->a[0]);
}

/* ---- paths: checked on the copies, which the kernel then gets ---------------- */

/*
 * The @nth path argument (0: the first) and the directory it is relative
 * to (the A_DIRFD just before it, or the cwd).
 */
static const char *path_arg(const struct call *c, int nth, int *dirfd)
{
	int i;

	*dirfd = AT_FDCWD;
	for (i = 0; i < 6; i++) {
		if (c->kind[i].k == A_DIRFD)
			*dirfd = (int)c->a[i];
		if (c->kind[i].k != A_STR)
			continue;
		if (nth-- == 0)
			return (const char *)c->k[i];
		*dirfd = AT_FDCWD;
	}
	return NULL;
}

static long path_then(struct call *c, int nth, bool write)
{
	char abs[PATH_MAX];
	int dirfd;
	const char *p = path_arg(c, nth, &dirfd);
	long r = check_path_str(dirfd, p, write, abs, sizeof(abs));

	return r ? r : fwd(c);
}

long h_path(struct call *c)
{
	return path_then(c, 0, false);
}

long h_path_w(struct call *c)
{
	return path_then(c, 0, true);
}

/* rename, link: both paths are written */
long h_path2(struct call *c)
{
	char abs[PATH_MAX];
	int dirfd;
	const char *p = path_arg(c, 0, &dirfd);
	long r = check_path_str(dirfd, p, true, abs, sizeof(abs));

	return r ? r : path_then(c, 1, true);
}

/* symlink: the target is only text; the new link's path is written */
long h_symlink(struct call *c)
{
	return path_then(c, 1, true);
}

/* fstatat(fd, "", AT_EMPTY_PATH) is an fstat */
long h_fstatat(struct call *c)
{
	int dirfd;
	const char *p = path_arg(c, 0, &dirfd);

	if (p && !*p)
		return fwd(c);
	return h_path(c);
}

long h_utimensat(struct call *c)
{
	int dirfd;

	if (!path_arg(c, 0, &dirfd))
		return fwd(c);		/* futimens(fd) */
	return h_path_w(c);
}

/* /proc/self/exe is the program, not the sandbox */
long h_readlink(struct call *c)
{
	char abs[PATH_MAX];
	int dirfd, bi = c->nr == SYS_readlink ? 1 : 2;
	const char *p = path_arg(c, 0, &dirfd);
	long r = check_path_str(dirfd, p, false, abs, sizeof(abs));
	size_t n;

	if (r)
		return r;
	if (!is_self_exe(abs))
		return fwd(c);
	n = strlen(prog_path);
	if (n > c->a[bi + 1])
		n = c->a[bi + 1];
	/* A_OUTL was checked; written under the lock: it may be gone since */
	return mem_write(c->a[bi], prog_path, n) ? -EFAULT : (long)n;
}

static bool open_writes(long flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

/*
 * The forwarded open: without O_TRUNC, so that nothing is truncated before
 * check_opened() has seen where the descriptor really leads; then the
 * truncation asked for, on that file (open_finish).  creat() is an open
 * with O_WRONLY|O_CREAT|O_TRUNC.  The trace shows the flags as given.
 */
static long open_checked(struct call *c, long flags, bool write)
{
	int fi = c->nr == SYS_openat ? 2 : 1;
	uint64_t saved = c->k[fi];
	long fd;

	if (c->nr == SYS_creat) {
		uint64_t k[6] = { c->k[0], (uint64_t)open_flags_forwarded(flags), c->k[1] };

		fd = forward(SYS_open, k);
	} else {
		c->k[fi] = (uint64_t)open_flags_forwarded(flags);
		fd = fwd(c);
		c->k[fi] = saved;
	}
	return open_finish(check_opened(fd, write), flags);
}

long h_open(struct call *c)
{
	char abs[PATH_MAX];
	int dirfd;
	const char *p = path_arg(c, 0, &dirfd);
	long flags = c->nr == SYS_openat ? (long)c->a[2] : c->nr == SYS_open ? (long)c->a[1] :
		     O_WRONLY | O_CREAT | O_TRUNC;
	bool write = open_writes(flags);
	long r;

	/* the program's own /proc/self/maps (maps.c), whatever the rules say of /proc */
	if (p && !abs_path(dirfd, p, abs, sizeof(abs)) && is_self_maps(abs))
		return maps_open(flags);
	r = check_path_str(dirfd, p, write, abs, sizeof(abs));
	if (r)
		return r;
	/* opening /proc/self/exe opens the program */
	if (is_self_exe(abs)) {
		if (write)
			return -ETXTBSY;
		r = open(prog_path, O_RDONLY | (int)(flags & O_CLOEXEC));
		return r < 0 ? -errno : check_opened(r, false);
	}
	return open_checked(c, flags, write);
}

/* ---- emulations -------------------------------------------------------------- */

long e_getpid(struct call *c)
{
	(void)c;
	if (policy.pid && getpid() == real_pid)
		return policy.pid;
	return getpid();
}

long e_getppid(struct call *c)
{
	(void)c;
	if (policy.pid && getpid() == real_pid)
		return 0;
	if (policy.pid && getppid() == real_pid)
		return policy.pid;
	return getppid();
}

long e_uname(struct call *c)
{
	struct utsname u;

	if (!c->k[0])
		return -EFAULT;
	if (uname(&u))
		return -errno;
	if (policy.hostname[0])
		snprintf(u.nodename, sizeof(u.nodename), "%s", policy.hostname);
	memcpy((void *)c->k[0], &u, sizeof(u));	/* the copy: copyout.c returns it */
	return 0;
}

long e_sethostname(struct call *c)
{
	char name[sizeof(policy.hostname)];

	if (c->a[1] >= sizeof(name))
		return -EINVAL;
	if (mem_read(name, c->a[0], c->a[1]))	/* A_INL, read under the lock */
		return -EFAULT;
	name[c->a[1]] = 0;
	memcpy(policy.hostname, name, sizeof(name));
	return 0;
}
