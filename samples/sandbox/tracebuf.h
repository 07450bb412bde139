/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracebuf.h - where the trace's lines are built: one buffer for the
 * whole process, written to the trace's descriptor in large pieces
 * (tracebuf.c; traceflush.c says when).
 *
 * Not stdio: with a FILE, every piece of a line - a name, a "(", a
 * number, ", " - went through fwrite's general path (about 90
 * instructions each, half of a traced call's formatting).  Here a piece
 * is a bounds check and a memcpy into the buffer, inline.  A line is
 * built in place under the buffer's lock (tb_line_begin/tb_line_end),
 * so the lines of threads do not mix; it may cross a write when the
 * buffer fills (as with stdio), it is never cut.
 */
#ifndef TRACEBUF_H
#define TRACEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Bytes per write: about 370 lines of "read(0, \"\\0\", 1) = 1". */
#define TRACE_BUF	8192

/*
 * How long a line may wait, in TSC ticks: about 0.1 s at 2.7 GHz (in
 * Bochs the TSC counts instructions).  Checked as each line ends, with
 * one RDTSC (the guest's RDTSC does not exit: kmod/vcpu_vmcs.c): a
 * program that keeps making calls - whose descriptors never wait, so
 * traceflush.c never flushes - shows its trace at least this often, and
 * a kill from outside (SIGKILL) loses at most the lines of this long.
 */
#define TRACE_MAX_AGE	(1ULL << 28)

struct tbuf {
	int fd;			/* the trace's descriptor; -1: no trace */
	bool buffered;		/* lines wait for traceflush.c; else out at each line's end */
	size_t n;		/* bytes waiting in buf */
	unsigned long long since;	/* TSC when the oldest waiting line ended; 0: none */
	char buf[TRACE_BUF];
};

/* The trace (tracebuf.c); its fd is -1 until trace_buffer_init(). */
extern struct tbuf trace_tb;

/* Out with what waits: the caller holds the lock (or is alone). */
void tb_flush(struct tbuf *b);
/* More than fits: written in pieces. */
void tb_write_slow(struct tbuf *b, const void *p, size_t n);
void tb_printf(struct tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void tb_write(struct tbuf *b, const void *p, size_t n)
{
	if (n <= TRACE_BUF - b->n) {
		memcpy(b->buf + b->n, p, n);
		b->n += n;
	} else {
		tb_write_slow(b, p, n);
	}
}

static inline void tb_putc(struct tbuf *b, char c)
{
	if (b->n == TRACE_BUF)
		tb_flush(b);
	b->buf[b->n++] = c;
}

static inline void tb_puts(struct tbuf *b, const char *s)
{
	tb_write(b, s, strlen(s));
}

/*
 * A line, or lines, under the lock: nothing else is written between
 * them.  tb_line_end writes the line at once when the trace is not
 * buffered (a terminal: someone is watching).
 */
void tb_line_begin(struct tbuf *b);
void tb_line_end(struct tbuf *b);
/* Around fork: no thread is inside a line, nothing waits (process.c). */
void tb_fork_prepare(void);
void tb_fork_done(void);

#endif
