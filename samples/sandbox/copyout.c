// SPDX-License-Identifier: GPL-2.0
/*
 * copyout.c - the fifth stage of a call (call.h): what the kernel (or an
 * emulation) wrote into the supervisor's copies goes back to the program,
 * to the addresses copyin.c checked, taken from its own record of the
 * program's structures (c->orig), never read again from program memory.
 *
 * Fixed-size structures the kernel fills were copied in first (A_OUT),
 * so writing the whole copy back leaves unchanged what the kernel did not
 * write, also when a call fails after writing (nanosleep's remaining time
 * on EINTR).  Variable results are written as far as the kernel says.
 */
#include <stddef.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>

#include "call.h"

/*
 * Write @len bytes back to the program at @u, checked and written under
 * mem.c's lock: another thread may have unmapped the range while the call
 * ran (the bytes are then lost, as the kernel's copy_to_user would fail).
 */
static void put(uint64_t u, const void *k, size_t len)
{
	if (len)
		(void)mem_write(u, k, len);
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * A received message: the name and control data the kernel wrote, and
 * the lengths and flags in the program's msghdr at @u (whose fields the
 * program gave as @orig).
 */
static void put_msg(uint64_t u, const struct msghdr *orig, const struct msghdr *k)
{
	if (orig->msg_name)
		put((uint64_t)orig->msg_name, k->msg_name,
		    min3(orig->msg_namelen, k->msg_namelen, MAX_SOCKLEN));
	put(u + offsetof(struct msghdr, msg_namelen), &k->msg_namelen, sizeof(k->msg_namelen));
	if (orig->msg_control && k->msg_controllen)
		put((uint64_t)orig->msg_control, k->msg_control,
		    min3(orig->msg_controllen, k->msg_controllen, MAX_CONTROL));
	put(u + offsetof(struct msghdr, msg_controllen), &k->msg_controllen,
	    sizeof(k->msg_controllen));
	put(u + offsetof(struct msghdr, msg_flags), &k->msg_flags, sizeof(k->msg_flags));
}

static void out_arg(struct call *c, int i)
{
	struct argdesc ad = c->kind[i];
	uint64_t u = c->a[i];
	long ret = c->ret;
	long j;

	if (!c->copied[i] || !u)
		return;
	switch (ad.k) {
	case A_OUT:
		put(u, (const void *)c->k[i], ad.n);
		break;
	case A_INOUT:
		/* the kernel ignores a read-only timeout it cannot update */
		if (mem_check(u, ad.n, true))
			put(u, (const void *)c->k[i], ad.n);
		break;
	case A_LENBUF: {
		int said, now;

		if (ret < 0)
			break;
		memcpy(&said, c->orig[ad.n], sizeof(said));
		memcpy(&now, (const void *)c->k[ad.n], sizeof(now));
		if (now < 0)
			now = 0;
		put(u, (const void *)c->k[i], min3(said, now, MAX_SOCKLEN));
		break;
	}
	case A_LENP:
		if (ret >= 0)
			put(u, (const void *)c->k[i], sizeof(socklen_t));
		break;
	case A_MSGW:
		if (ret >= 0)
			put_msg(u, c->orig[i], (const struct msghdr *)c->k[i]);
		break;
	case A_MMSG:
	case A_MMSGW: {
		const struct mmsghdr *k = (const struct mmsghdr *)c->k[i];
		const struct mmsghdr *o = c->orig[i];

		for (j = 0; j < ret; j++) {
			uint64_t e = u + j * sizeof(*k);

			if (ad.k == A_MMSGW)
				put_msg(e, &o[j].msg_hdr, &k[j].msg_hdr);
			put(e + offsetof(struct mmsghdr, msg_len), &k[j].msg_len,
			    sizeof(k[j].msg_len));
		}
		break;
	}
	case A_FDSET:
		if (ret >= 0) {
			uint64_t bits = (unsigned int)(int)c->k[ad.n];	/* <= MAX_FDSET_BITS */

			put(u, (const void *)c->k[i], (bits + 63) / 64 * 8);
		}
		break;
	case A_POLL: {
		const struct pollfd *k = (const struct pollfd *)c->k[i];

		if (ret < 0)
			break;
		for (j = 0; j < (long)c->a[ad.n]; j++)
			put(u + j * sizeof(*k) + offsetof(struct pollfd, revents), &k[j].revents,
			    sizeof(k[j].revents));
		break;
	}
	case A_EPEV:
		if (ret > 0)
			put(u, (const void *)c->k[i], (size_t)ret * EPEV_SIZE);
		break;
	default:
		break;
	}
}

void copy_out(struct call *c)
{
	int i;

	for (i = 0; i < 6; i++)
		out_arg(c, i);
}
