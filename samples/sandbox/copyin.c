// SPDX-License-Identifier: GPL-2.0
/*
 * copyin.c - the second stage of a call (call.h): every argument the host
 * kernel would dereference becomes either
 *
 *  - a copy in supervisor memory (the thread's arena), checked where it
 *    lies in the copy: strings, fixed-size structures, and every
 *    structure that holds pointers (iovec, msghdr, mmsghdr, sockaddr,
 *    socklen_t, fd_set, pollfd, pselect6's sigset pair...).  The kernel is
 *    given the copy; a program thread that changes its memory after the
 *    check changes nothing the kernel reads;
 *  - or a flat buffer (read/write data, futex words, kept tid pointers)
 *    that mem_check() says is the program's: mem.c keeps such a range the
 *    program's (or nothing) for as long as the call runs, so the kernel
 *    can only reach program memory through it.
 *
 * Descriptor arguments, also those inside structures (SCM_RIGHTS, pollfd,
 * fd_set), are checked against the supervisor's (fds.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "call.h"

/* ---- the arena --------------------------------------------------------------- */

static __thread char *thread_arena;

void *arena_alloc(struct call *c, size_t len)
{
	void *p;

	len = (len + 15) & ~(size_t)15;
	if (!c->arena) {
		if (!thread_arena)
			thread_arena = malloc(ARENA_SIZE);	/* once per thread */
		c->arena = thread_arena;
		c->used = 0;
		if (!c->arena)
			return NULL;
	}
	if (len > ARENA_SIZE - c->used)
		return NULL;
	p = c->arena + c->used;
	c->used += len;
	return p;
}

/* The thread ends (exit): its arena goes with it. */
void arena_release(void)
{
	free(thread_arena);
	thread_arena = NULL;
}

/* A copy of @len program bytes at @u (writable too if @write), or -errno. */
static long cp_in(struct call *c, uint64_t u, uint64_t len, bool write, void **out)
{
	void *p;

	p = arena_alloc(c, len);
	if (!p)		/* too big for the arena: EFAULT first, as the kernel would */
		return mem_check(u, len, write) ? -ENOMEM : -EFAULT;
	/* checked and copied under mem.c's lock: no page leaves in between */
	if (mem_copy_in(p, u, len, write))
		return -EFAULT;
	*out = p;
	return 0;
}

/* ---- structures with pointers ------------------------------------------------------ */

/* The iovec array at @u: copied, each element checked on the copy. */
static long copy_iov(struct call *c, uint64_t u, uint64_t cnt, bool write, struct iovec **out)
{
	struct iovec *v;
	uint64_t i;
	long r;

	if (cnt > MAX_IOV)
		return -EINVAL;
	if (!cnt) {
		*out = NULL;
		return 0;
	}
	/* LAB(6) BEGIN: check every iov_base/iov_len - on memory the program cannot change */
	r = cp_in(c, u, cnt * sizeof(*v), false, (void **)&v);
	if (r)
		return r;
	for (i = 0; i < cnt; i++)
		if (!mem_check((uint64_t)v[i].iov_base, v[i].iov_len, write))
			return -EFAULT;
	/* LAB(6) STUB
	 * (void)r;
	 * if (!mem_check(u, cnt * sizeof(*v), false))
	 *	return -EFAULT;
	 * memcpy(&v, &u, sizeof(v));
	 * for (i = 0; i < cnt; i++)
	 *	if (!mem_check((uint64_t)v[i].iov_base, v[i].iov_len, write))
	 *		return -EFAULT;
	 * LAB(6) END
	 */
	*out = v;
	return 0;
}

/* SCM_RIGHTS in a message being sent (our copy): no supervisor descriptor. */
static long check_rights(struct call *c, struct msghdr *m)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		size_t n, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		if (cm->cmsg_len < CMSG_LEN(0))
			return -EINVAL;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (is_supervisor_fd(fd))
				return -EBADF;
		}
		c->scm_rights = true;
	}
	return 0;
}

/*
 * The msghdr @m (already a copy of ours): its name, iovec and control
 * copied and the copy's pointers replaced.  @recv: the kernel writes them.
 */
static long copy_msg_parts(struct call *c, struct msghdr *m, bool recv)
{
	struct iovec *v;
	void *p;
	long r;

	if (m->msg_name) {
		if (m->msg_namelen > MAX_SOCKLEN)
			return -EINVAL;
		r = cp_in(c, (uint64_t)m->msg_name, m->msg_namelen, recv, &p);
		if (r)
			return r;
		m->msg_name = p;
		if (!recv) {
			r = check_sockaddr(p, m->msg_namelen, false);
			if (r)
				return r;
		}
	}
	r = copy_iov(c, (uint64_t)m->msg_iov, m->msg_iovlen, recv, &v);
	if (r)
		return r;
	m->msg_iov = v;
	if (m->msg_control && m->msg_controllen) {
		if (m->msg_controllen > MAX_CONTROL) {
			if (!recv)
				return -ENOBUFS;
			m->msg_controllen = MAX_CONTROL;	/* the rest: MSG_CTRUNC */
		}
		r = cp_in(c, (uint64_t)m->msg_control, m->msg_controllen, recv, &p);
		if (r)
			return r;
		m->msg_control = p;
		if (!recv)
			return check_rights(c, m);
	}
	return 0;
}

/* An array of @n @size-byte structures: the kernel's copy and the original. */
static long cp_both(struct call *c, int i, uint64_t size, bool write)
{
	void *p;
	long r = cp_in(c, c->a[i], size, write, &p);

	if (r)
		return r;
	c->orig[i] = arena_alloc(c, size);
	if (!c->orig[i])
		return -ENOMEM;
	memcpy(c->orig[i], p, size);
	c->k[i] = (uint64_t)p;
	c->copied[i] = true;
	return 0;
}

static long copy_mmsg(struct call *c, int i, bool recv)
{
	struct argdesc ad = c->kind[i];
	uint64_t n = (unsigned int)c->a[ad.n], j;
	struct mmsghdr *mm;
	long r;

	if (n > MAX_MMSG)
		n = c->k[ad.n] = MAX_MMSG;	/* fewer at a time is a valid answer */
	if (!n)
		return 0;
	r = cp_both(c, i, n * sizeof(*mm), true);
	if (r)
		return r;
	mm = (struct mmsghdr *)c->k[i];
	for (j = 0; j < n; j++) {
		r = copy_msg_parts(c, &mm[j].msg_hdr, recv);
		if (r)
			return r;
	}
	return 0;
}

/* A buffer and its socklen_t: the length copied, then a buffer that long. */
static long copy_lenbuf(struct call *c, int i)
{
	int lp = c->kind[i].n;
	void *kl, *kb;
	int len;
	long r;

	c->k[i] = c->k[lp] = 0;
	if (!c->a[lp])
		return c->a[i] ? -EFAULT : 0;
	r = cp_in(c, c->a[lp], sizeof(socklen_t), true, &kl);
	if (r)
		return r;
	c->k[lp] = (uint64_t)kl;
	c->copied[lp] = true;
	memcpy(&len, kl, sizeof(len));
	if (len < 0)
		return -EINVAL;
	if (len > MAX_SOCKLEN) {
		len = MAX_SOCKLEN;
		memcpy(kl, &len, sizeof(len));
	}
	/* what the program said, for copy_out */
	c->orig[lp] = arena_alloc(c, sizeof(len));
	if (!c->orig[lp])
		return -ENOMEM;
	memcpy(c->orig[lp], &len, sizeof(len));
	if (!c->a[i])
		return 0;
	r = cp_in(c, c->a[i], len, true, &kb);
	if (r)
		return r;
	c->k[i] = (uint64_t)kb;
	c->copied[i] = true;
	return 0;
}

static long copy_fdset(struct call *c, int i)
{
	int nfds = (int)c->a[c->kind[i].n];
	uint64_t bits, bytes, b;
	const uint64_t *w;
	long r;

	if (!c->a[i])
		return 0;
	if (nfds < 0)
		return -EINVAL;
	bits = nfds > MAX_FDSET_BITS ? MAX_FDSET_BITS : nfds;
	if (nfds > MAX_FDSET_BITS)
		c->k[c->kind[i].n] = MAX_FDSET_BITS;
	bytes = (bits + 63) / 64 * 8;
	r = cp_both(c, i, bytes, true);
	if (r)
		return r;
	w = (const uint64_t *)c->k[i];
	for (b = 0; b < bits; b++)
		if ((w[b / 64] >> (b % 64)) & 1 && is_supervisor_fd((int)b))
			return -EBADF;
	return 0;
}

/* pselect6's sixth argument: { const sigset_t *ss; size_t ss_len }. */
static long copy_sigpair(struct call *c, int i)
{
	uint64_t *pair;
	void *ss;
	long r;

	if (!c->a[i])
		return 0;
	r = cp_in(c, c->a[i], 2 * sizeof(uint64_t), false, (void **)&pair);
	if (r)
		return r;
	if (pair[0]) {
		if (pair[1] != sizeof(uint64_t))
			return -EINVAL;		/* as the kernel: sizeof(sigset_t) */
		r = cp_in(c, pair[0], pair[1], false, &ss);
		if (r)
			return r;
		*(uint64_t *)ss &= ~SIG_EXEC_STOP_BIT;	/* never blocked (process.c) */
		pair[0] = (uint64_t)ss;
	}
	c->k[i] = (uint64_t)pair;
	c->copied[i] = true;
	return 0;
}

static long copy_poll(struct call *c, int i)
{
	uint64_t n = c->a[c->kind[i].n], j;
	struct pollfd *p;
	long r;

	if (n > MAX_POLLFD)
		return -EINVAL;
	if (!n)
		return 0;
	r = cp_both(c, i, n * sizeof(*p), true);
	if (r)
		return r;
	p = (struct pollfd *)c->k[i];
	for (j = 0; j < n; j++)
		if (is_supervisor_fd(p[j].fd))
			p[j].fd = INT_MAX;	/* no such descriptor: POLLNVAL */
	return 0;
}

static long copy_epev(struct call *c, int i)
{
	int max = (int)c->a[c->kind[i].n];
	void *p;

	if (max <= 0) {
		c->k[i] = 0;
		return 0;		/* the kernel says EINVAL */
	}
	if (!mem_check(c->a[i], (uint64_t)max * EPEV_SIZE, true))
		return -EFAULT;
	if (max > MAX_EPEV)
		c->k[c->kind[i].n] = max = MAX_EPEV;
	p = arena_alloc(c, (uint64_t)max * EPEV_SIZE);
	if (!p)
		return -ENOMEM;
	c->k[i] = (uint64_t)p;
	c->copied[i] = true;
	return 0;
}

/*
 * The descriptors in the copies of the messages being sent, checked again
 * (carry.c, under fds.c's lock: a number checked before may have become a
 * new thread's vCPU since).
 */
long recheck_rights(struct call *c)
{
	int i;
	uint64_t j, n;
	long r;

	for (i = 0; i < 6; i++) {
		if (!c->copied[i])
			continue;
		if (c->kind[i].k == A_MSG) {
			r = check_rights(c, (struct msghdr *)c->k[i]);
			if (r)
				return r;
		} else if (c->kind[i].k == A_MMSG) {
			struct mmsghdr *mm = (struct mmsghdr *)c->k[i];

			n = (unsigned int)c->k[c->kind[i].n];
			for (j = 0; j < n; j++) {
				r = check_rights(c, &mm[j].msg_hdr);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

/* ---- one argument ----------------------------------------------------------------- */

static long copy_arg(struct call *c, int i)
{
	struct argdesc ad = c->kind[i];
	uint64_t v = c->a[i];
	void *p;
	long r, n;

	switch (ad.k) {
	case A_FD:
		return is_supervisor_fd((int)v) ? -EBADF : 0;
	case A_DIRFD:
		return (int)v != AT_FDCWD && is_supervisor_fd((int)v) ? -EBADF : 0;
	case A_STR:
		if (!v) {
			c->k[i] = 0;	/* the kernel says EFAULT */
			return 0;
		}
		/* one pass under the lock: the length and the bytes of one moment */
		p = arena_alloc(c, PATH_MAX);
		if (!p)
			return -ENOMEM;
		n = mem_copy_str(p, v, PATH_MAX);
		if (n < 0)
			return n == -EFAULT ? -EFAULT : -ENAMETOOLONG;
		c->k[i] = (uint64_t)p;
		c->copied[i] = true;
		return 0;
	case A_IN:
	case A_OUT:
	case A_INOUT:
		if (!v)
			return 0;
		r = cp_in(c, v, ad.n, ad.k == A_OUT, &p);
		if (r)
			return r;
		c->k[i] = (uint64_t)p;
		c->copied[i] = true;
		return 0;
	case A_MASK:
		if (!v)
			return 0;
		r = cp_in(c, v, ad.n, false, &p);
		if (r)
			return r;
		*(uint64_t *)p &= ~SIG_EXEC_STOP_BIT;	/* never blocked (process.c) */
		c->k[i] = (uint64_t)p;
		c->copied[i] = true;
		return 0;
	case A_INC:
		if (!v)
			return 0;
		if (c->a[ad.n] > MAX_SOCKLEN)
			return -EINVAL;
		r = cp_in(c, v, c->a[ad.n], false, &p);
		if (r)
			return r;
		c->k[i] = (uint64_t)p;
		c->copied[i] = true;
		/* a pathname AF_UNIX address is a file: the path rules, on the copy */
		return check_sockaddr(p, c->a[ad.n], c->nr == SYS_bind);
	case A_INL:
	case A_OUTL:
		if ((v || c->a[ad.n]) && !mem_check(v, c->a[ad.n], ad.k == A_OUTL))
			return -EFAULT;
		return 0;
	case A_IOV:
	case A_IOVW:
		r = copy_iov(c, v, c->a[ad.n], ad.k == A_IOVW, (struct iovec **)&p);
		if (r)
			return r;
		c->k[i] = (uint64_t)p;
		c->copied[i] = true;
		return 0;
	case A_MSG:
	case A_MSGW:
		r = cp_both(c, i, sizeof(struct msghdr), ad.k == A_MSGW);
		if (r)
			return r;
		return copy_msg_parts(c, (struct msghdr *)c->k[i], ad.k == A_MSGW);
	case A_MMSG:
	case A_MMSGW:
		return copy_mmsg(c, i, ad.k == A_MMSGW);
	case A_LENBUF:
		return copy_lenbuf(c, i);
	case A_FDSET:
		return copy_fdset(c, i);
	case A_SIGPAIR:
		return copy_sigpair(c, i);
	case A_POLL:
		return copy_poll(c, i);
	case A_EPEV:
		return copy_epev(c, i);
	case A_KEEP:
		/* kept by the kernel: program memory (mem.c keeps it so); NULL unsets */
		return v && !mem_check(v, ad.n, true) ? -EFAULT : 0;
	case A_FLAT:
		return mem_check(v, ad.n, true) ? 0 : -EFAULT;
	case A_OUTN: {
		uint64_t bytes;

		if (ad.sz == 0) {			/* one byte per page of argument .n */
			bytes = PAGE_UP(c->a[ad.n]) / PAGE_SIZE;
		} else {
			if ((int)c->a[ad.n] < 0)
				return -EINVAL;
			bytes = (uint64_t)(unsigned int)c->a[ad.n] * ad.sz;
		}
		return !bytes || mem_check(v, bytes, true) ? 0 : -EFAULT;
	}
	default:		/* numbers, flags, A_PTR, A_RAW, A_STRV, A_LENP */
		return 0;
	}
}

/*
 * Copy in every argument of @c by its kind: 0, or the -errno the call
 * fails with (then nothing is forwarded).
 */
long copy_in(struct call *c)
{
	long r = 0;
	int i;

	memcpy(c->k, c->a, sizeof(c->k));
	if (c->d->sub) {
		const struct argdesc *sub = c->d->sub(c->a, &r);

		if (!sub)
			return r;
		memcpy(c->kind, sub, sizeof(c->kind));
	}
	for (i = 0; i < 6 && !r; i++)
		r = copy_arg(c, i);
	return r;
}
