/* SPDX-License-Identifier: GPL-2.0 */
/*
 * call.h - one system call of the program, on its way through the
 * supervisor.  syscall.c drives it through the stages in one direction:
 *
 *   decode    systab.c   which call, what its arguments are (struct sysdesc)
 *   copy in   copyin.c   every argument the kernel would dereference is
 *                        copied into supervisor memory (the copy is what
 *                        the kernel gets), or is a flat program buffer that
 *                        mem_check() says is the program's for the call
 *   decide    decide.c   the policy: allow, deny, kill, emulate
 *   carry out carry.c    the entry's handler: forward the copies to the
 *                        host, or answer in the supervisor (mem.c,
 *                        process.c, signal.c, creds.c)
 *   copy out  copyout.c  what the kernel wrote into the copies, back to
 *                        the program
 *   trace     trace.c    the strace line, from the copies: what the
 *                        kernel saw
 *   signals   signal.c   pending signals to the program's handlers
 *
 * The host kernel never reads a structure of the program's twice: a racing
 * program thread can change its memory after the check, but not the copy.
 */
#ifndef CALL_H
#define CALL_H

#include "sandbox.h"

/*
 * The per-thread copy area: supervisor memory (malloc'd once per thread,
 * never mapped for ring 3), reset at each call.  Bounds below keep one
 * call's copies inside it.
 */
#define ARENA_SIZE	(512 * 1024)
#define MAX_IOV		1024		/* UIO_MAXIOV (include/uapi/linux/uio.h) */
#define MAX_CONTROL	(64 * 1024)	/* msg_control; the kernel caps at optmem_max */
#define MAX_SOCKLEN	(64 * 1024)	/* a socket address or option value */
#define MAX_MMSG	64		/* mmsghdrs per call: fewer is a valid answer */
#define MAX_POLLFD	16384		/* pollfds per call */
#define MAX_EPEV	4096		/* epoll events per call: fewer is valid */
#define MAX_FDSET_BITS	65536		/* select's nfds */
#define EPEV_SIZE	12		/* struct epoll_event is packed on x86-64 */

struct call {
	long nr;
	const struct sysdesc *d;
	struct argdesc kind[6];		/* d->a, or what .sub chose for this call */
	uint64_t a[6];			/* the program's arguments, as it passed them */
	uint64_t k[6];			/* what the kernel gets: copies in place of pointers */
	void *orig[6];			/* a copy of the program's structure before the call */
	bool copied[6];			/* k[i] points to a copy of ours */
	struct dune_tf *tf;
	long ret;
	long copy_err;			/* copy in failed: this errno, no call */
	bool carried;			/* a handler ran on the copies: copy them out */
	bool scm_rights;		/* a message carries descriptors (SCM_RIGHTS) */
	char *arena;
	size_t used;
};

/* copyin.c */
void *arena_alloc(struct call *c, size_t len);
void arena_release(void);
long copy_in(struct call *c);
long recheck_rights(struct call *c);
/* decide.c */
long decide(struct call *c, bool *go);
/* carry.c */
long carry_out(struct call *c);
long fwd(struct call *c);
/* copyout.c */
void copy_out(struct call *c);
/* trace.c */
void trace_of(const struct call *c);
void trace_before(const struct call *c);

/* Handlers (carry.c, paths.c's callers) named in systab.c */
long h_fwd(struct call *c);
long h_fdref(struct call *c);
long h_sendmsg(struct call *c);
long h_mmap(struct call *c);
long h_munmap(struct call *c);
long h_mprotect(struct call *c);
long h_brk(struct call *c);
long h_mremap(struct call *c);
long h_madvise(struct call *c);
long h_mincore(struct call *c);
long h_arch_prctl(struct call *c);
long h_rt_sigaction(struct call *c);
long h_rt_sigreturn(struct call *c);
long h_sigaltstack(struct call *c);
long h_clone(struct call *c);
long h_clone3(struct call *c);
long carry_clone(struct dune_tf *tf, const struct clone_req *req);
long h_fork(struct call *c);
long h_close_range(struct call *c);
/* creds.c */
long h_setid(struct call *c);
long h_setfsid(struct call *c);
long h_setgroups(struct call *c);
long h_execve(struct call *c);
long h_exit_group(struct call *c);
long h_exit(struct call *c);
long h_set_tid_address(struct call *c);
long h_set_robust_list(struct call *c);
long h_kill(struct call *c);
long h_socket(struct call *c);
long h_setsockopt(struct call *c);
long h_open(struct call *c);
long h_path(struct call *c);
long h_path_w(struct call *c);
long h_path2(struct call *c);
long h_symlink(struct call *c);
long h_readlink(struct call *c);
long h_fstatat(struct call *c);
long h_utimensat(struct call *c);
long h_personality(struct call *c);
long e_getpid(struct call *c);
long e_getppid(struct call *c);
long e_uname(struct call *c);
long e_sethostname(struct call *c);

/* Sub-command tables (systab.c) */
const struct argdesc *sub_ioctl(const uint64_t a[6], long *err);
const struct argdesc *sub_fcntl(const uint64_t a[6], long *err);
const struct argdesc *sub_prctl(const uint64_t a[6], long *err);
const struct argdesc *sub_futex(const uint64_t a[6], long *err);
const struct argdesc *sub_setsockopt(const uint64_t a[6], long *err);
const struct argdesc *sub_getsockopt(const uint64_t a[6], long *err);

#endif
