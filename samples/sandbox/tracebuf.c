// SPDX-License-Identifier: GPL-2.0
/*
 * tracebuf.c - the trace's buffer (tracebuf.h): its lock, its writes.
 *
 * Each write is a host call of the supervisor - a forwarded system call,
 * one VM exit - so the buffer goes out whole, when traceflush.c says so
 * or when it is full, never a piece of a line at a time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <x86intrin.h>

#include "tracebuf.h"

struct tbuf trace_tb = { .fd = -1 };

/* One lock for every thread of the process: held for whole lines. */
static pthread_mutex_t tb_lock = PTHREAD_MUTEX_INITIALIZER;

/* All of @n bytes, through short writes and signals; an error drops them (as stdio). */
static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

void tb_flush(struct tbuf *b)
{
	if (b->n && b->fd >= 0)
		write_all(b->fd, b->buf, b->n);
	b->n = 0;
	b->since = 0;
}

void tb_write_slow(struct tbuf *b, const void *p, size_t n)
{
	tb_flush(b);
	if (n <= TRACE_BUF) {
		memcpy(b->buf, p, n);
		b->n = n;
	} else if (b->fd >= 0) {
		write_all(b->fd, p, n);
	}
}

/* printf's formats, for the rare pieces that need them: straight into the buffer. */
void tb_printf(struct tbuf *b, const char *fmt, ...)
{
	va_list ap, again;
	int len;

	va_start(ap, fmt);
	va_copy(again, ap);
	len = vsnprintf(b->buf + b->n, TRACE_BUF - b->n, fmt, ap);
	va_end(ap);
	if (len >= 0 && (size_t)len < TRACE_BUF - b->n) {
		b->n += (size_t)len;
	} else if (len >= 0) {
		/* it did not fit: out with the rest, then again in an empty buffer */
		tb_flush(b);
		if ((size_t)len < TRACE_BUF) {
			vsnprintf(b->buf, TRACE_BUF, fmt, again);
			b->n = (size_t)len;
		} else if (b->fd >= 0) {
			vdprintf(b->fd, fmt, again);
		}
	}
	va_end(again);
}

void tb_line_begin(struct tbuf *b)
{
	(void)b;
	pthread_mutex_lock(&tb_lock);
}

void tb_line_end(struct tbuf *b)
{
	unsigned long long now;

	if (!b->buffered) {
		tb_flush(b);
	} else if (b->n) {
		now = __rdtsc();
		if (!b->since)
			b->since = now;
		else if (now - b->since > TRACE_MAX_AGE)
			tb_flush(b);
	}
	pthread_mutex_unlock(&tb_lock);
}

void tb_fork_prepare(void)
{
	pthread_mutex_lock(&tb_lock);
	tb_flush(&trace_tb);
}

void tb_fork_done(void)
{
	pthread_mutex_unlock(&tb_lock);
}
