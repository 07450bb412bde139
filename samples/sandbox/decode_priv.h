/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decode_priv.h - what the trace's decoders share (decode*.c): the kinds
 * of argument and their printers, the flag and value sets, and the
 * helpers that read an argument's structure.
 */
#ifndef DECODE_PRIV_H
#define DECODE_PRIV_H

#include "call.h"
#include "decode.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- value and flag sets (decode_flags.c) ---------------------------------------- */

struct xval {
	unsigned long v;
	const char *name;
};

#define XV(x)	{ (unsigned long)(x), #x }

/* Flags in the table's order; a row of several bits matches only all of them. */
void put_flags(struct tbuf *f, unsigned long v, const struct xval *t, size_t n,
	       const char *zero);
const char *xlookup(const struct xval *t, size_t n, unsigned long v);
/* A value by name, else the number and (for codes) strace's comment. */
void put_val(struct tbuf *f, const struct xval *t, size_t n, unsigned long v, const char *unknown);

#define PUT_FLAGS(f, v, t, zero)	put_flags(f, v, t, ARRAY_SIZE(t), zero)
#define PUT_VAL(f, v, t, unknown)	put_val(f, t, ARRAY_SIZE(t), v, unknown)

/* ---- the printers, one per kind of argument ---------------------------------------- */

enum pk {
	PK_NONE, PK_INT, PK_LONG, PK_ULONG, PK_HEX, PK_PTR, PK_DIRFD, PK_PATH, PK_STR,
	PK_BUF_IN, PK_BUF_OUT, PK_RAND_OUT, PK_OFLAGS, PK_OFLAGS_NOACC, PK_MODE,
	PK_PROT, PK_MFLAGS, PK_AT, PK_AT_UNLINK, PK_AT_ACCESS, PK_ACCESS, PK_SIG,
	PK_SIGHOW, PK_SIGSET, PK_SIGSET_OUT, PK_SIGACT, PK_SIGACT_OUT, PK_AF,
	PK_SOCKTYPE, PK_SOCKPROTO, PK_SOCKADDR, PK_RLIMRES, PK_RLIM, PK_RLIM_OUT,
	PK_STAT, PK_TS, PK_TS_REM, PK_IOV, PK_IOV_OUT, PK_WHENCE, PK_GRND, PK_MADV,
	PK_CLOCK, PK_TIMER_FLAGS, PK_IOCTL, PK_FDPAIR, PK_WSTATUS, PK_WOPTIONS,
	PK_DENTS, PK_UNAME, PK_ENVP, PK_ARCH_CODE, PK_ARCH_ADDR, PK_STRV,
	PK_NAME_OUT, PK_STATFS, PK_STACK, PK_STACK_OUT, PK_FADV, PK_CPUSET, PK_SYSINFO, PK_STATX_FLAGS, PK_STATX_MASK, PK_STATX, PK_SIGFRAME,
	PK_NR
};

/*
 * Argument @i of @t; @len_arg, for buffers, iovecs and sockaddrs, the
 * argument that holds the length.
 */
typedef void (*printer)(struct tbuf *f, const struct tcall *t, int i, int len_arg);

#define DECODE_PRINTER(name)	void name(struct tbuf *f, const struct tcall *t, int i, int len_arg)
DECODE_PRINTER(p_int);
DECODE_PRINTER(p_long);
DECODE_PRINTER(p_ulong);
DECODE_PRINTER(p_hex);
DECODE_PRINTER(p_ptr);
DECODE_PRINTER(p_dirfd);
DECODE_PRINTER(p_path);
DECODE_PRINTER(p_str);
DECODE_PRINTER(p_buf_in);
DECODE_PRINTER(p_buf_out);
DECODE_PRINTER(p_rand_out);
DECODE_PRINTER(p_oflags);
DECODE_PRINTER(p_oflags_noacc);
DECODE_PRINTER(p_mode);
DECODE_PRINTER(p_prot);
DECODE_PRINTER(p_mflags);
DECODE_PRINTER(p_at);
DECODE_PRINTER(p_at_unlink);
DECODE_PRINTER(p_at_access);
DECODE_PRINTER(p_access);
DECODE_PRINTER(p_sig);
DECODE_PRINTER(p_sighow);
DECODE_PRINTER(p_sigset);
DECODE_PRINTER(p_sigset_out);
DECODE_PRINTER(p_sigact);
DECODE_PRINTER(p_sigact_out);
DECODE_PRINTER(p_af);
DECODE_PRINTER(p_socktype);
DECODE_PRINTER(p_sockproto);
DECODE_PRINTER(p_sockaddr);
DECODE_PRINTER(p_rlimres);
DECODE_PRINTER(p_rlim);
DECODE_PRINTER(p_rlim_out);
DECODE_PRINTER(p_stat);
DECODE_PRINTER(p_ts);
DECODE_PRINTER(p_ts_rem);
DECODE_PRINTER(p_iov);
DECODE_PRINTER(p_iov_out);
DECODE_PRINTER(p_whence);
DECODE_PRINTER(p_grnd);
DECODE_PRINTER(p_madv);
DECODE_PRINTER(p_clock);
DECODE_PRINTER(p_timer_flags);
DECODE_PRINTER(p_ioctl);
DECODE_PRINTER(p_fdpair);
DECODE_PRINTER(p_wstatus);
DECODE_PRINTER(p_woptions);
DECODE_PRINTER(p_dents);
DECODE_PRINTER(p_uname);
DECODE_PRINTER(p_envp);
DECODE_PRINTER(p_arch_code);
DECODE_PRINTER(p_arch_addr);
DECODE_PRINTER(p_strv);
DECODE_PRINTER(p_name_out);
DECODE_PRINTER(p_statfs);
DECODE_PRINTER(p_stack);
DECODE_PRINTER(p_stack_out);
DECODE_PRINTER(p_fadv);
DECODE_PRINTER(p_cpuset);
DECODE_PRINTER(p_sysinfo);
DECODE_PRINTER(p_statx_flags);
DECODE_PRINTER(p_statx_mask);
DECODE_PRINTER(p_statx);
DECODE_PRINTER(p_sigframe);

/* ---- helpers ------------------------------------------------------------------------ */

/* @len bytes of argument @i: our copy, else program memory; false if neither (decode_text.c). */
bool get_arg(const struct tcall *t, int i, void *dst, size_t len);
/* A pointer: NULL or its address in hex. */
void put_ptr(struct tbuf *f, uint64_t v);
/* A signal by name, a signal set (decode_signal.c). */
void put_sig(struct tbuf *f, long sig);
void put_sigmask(struct tbuf *f, uint64_t mask);
/* Argument @i as a struct timespec (decode_struct.c). */
void put_ts(struct tbuf *f, const struct tcall *t, int i);

#endif
