/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decode.h - the argument decoders of the trace (decode.c), shared with
 * trace.c.  A traced call as the formatter sees it: the program's
 * arguments, the supervisor's copies the kernel was given (NULL where
 * there is none), and the result.
 */
#ifndef DECODE_H
#define DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include "tracebuf.h"

struct tcall {
	long nr;
	const uint64_t *a;		/* the program's six arguments */
	const void *const *copy;	/* per argument: our copy, or NULL */
	long ret;
};

/* How many bytes of a string or buffer are shown (strace -s). */
extern int trace_strsize;

/*
 * The printers below append to the trace's buffer, whose lock the
 * caller holds (tb_line_begin: trace.c holds it for a whole line).
 */
/* Quote @n bytes of @s as strace does; "..." if the real length @len is more. */
void put_quoted(struct tbuf *f, const void *buf, long n, long len, bool hex);
/* Numbers in decimal, without printf's cost. */
void put_dec(struct tbuf *f, long v);
void put_udec(struct tbuf *f, unsigned long v);
/* A program string or buffer at @addr: at most trace_strsize bytes (all of a path). */
void put_mem_str(struct tbuf *f, uint64_t addr, long len, bool nul, bool path);

/*
 * The whole argument list of @t, as strace prints it, if decode.c knows
 * this call (its table): true; false to let trace.c print it from the
 * system-call table's kinds.
 */
bool decode_args(struct tbuf *f, const struct tcall *t);
/* What strace adds after some results: " (flags FD_CLOEXEC)" etc. */
void decode_ret_note(struct tbuf *f, const struct tcall *t);

/* Signal names as strace prints them: SIGINT, SIGRTMIN, SIGRT_3; NULL if none. */
const char *signal_name(int sig, char *buf, size_t len);
int signal_by_name(const char *name);

/* The system-call classes of strace's -e trace=%CLASS; -1 if unknown. */
int trace_class_mark(const char *cls, bool *set, int nset);

#endif
