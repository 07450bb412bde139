// SPDX-License-Identifier: GPL-2.0
/*
 * decode_text.c - the trace's strings and numbers: strace's quoting of
 * strings and buffers (put_quoted), decimal numbers without printf
 * (put_dec), program memory read through mem.c (put_mem_str, get_arg),
 * and the printers of the arguments that are strings or buffers.
 */
#include <limits.h>
#include <string.h>

#include "decode_priv.h"

int trace_strsize = 32;		/* strace's default -s */

/*
 * strace's quoting (its util.c, string_quote): C escapes for the usual
 * controls, octal for the rest - three digits when a digit follows, so
 * that "\0" "1" does not read as "\01" - or \xNN throughout for calls
 * whose bytes are binary by nature (getrandom).  The caller holds the
 * buffer's lock (tb_line_begin; trace.c, a whole line).
 */
void put_quoted(struct tbuf *f, const void *buf, long n, long len, bool hex)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *s = buf;	/* supervisor memory: a copy */
	static const char esc[256] = {
		['\n'] = 'n', ['\t'] = 't', ['\r'] = 'r', ['\v'] = 'v', ['\f'] = 'f',
		['"'] = '"', ['\\'] = '\\',
	};
	char out[4 * 64 + 8];	/* a run of bytes, each at most 4 characters */
	int o = 0;
	long i;

	/* by hand, not printf's: this is the inner loop of every traced buffer */
	out[o++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (o > (int)sizeof(out) - 8) {
			tb_write(f, out, o);
			o = 0;
		}
		if (hex) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = digits[c >> 4];
			out[o++] = digits[c & 15];
		} else if (esc[c]) {
			out[o++] = '\\';
			out[o++] = esc[c];
		} else if (c >= ' ' && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			if ((i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') || c >= 0100)
				out[o++] = digits[c >> 6];
			if ((i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') || c >= 010)
				out[o++] = digits[(c >> 3) & 7];
			out[o++] = digits[c & 7];
		}
	}
	out[o++] = '"';
	tb_write(f, out, o);
	if (n < len)
		tb_puts(f, "...");
}

/*
 * A number in decimal: by hand, not printf's (one per argument of most
 * lines).  Like put_quoted, for a caller that holds the buffer's lock.
 */
void put_udec(struct tbuf *f, unsigned long v)
{
	char buf[24];
	int i = sizeof(buf);

	if (v < 10) {		/* most descriptors, counts of one, results of 0 */
		tb_putc(f, (char)('0' + v));
		return;
	}
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	tb_write(f, buf + i, sizeof(buf) - i);
}

void put_dec(struct tbuf *f, long v)
{
	if (v < 0) {
		tb_putc(f, '-');
		put_udec(f, -(unsigned long)v);
	} else {
		put_udec(f, (unsigned long)v);
	}
}

/*
 * A program string or buffer: @len bytes, or NUL-terminated if @nul.  A
 * path is shown whole (strace's printpath), anything else up to -s.
 */
void put_mem_str(struct tbuf *f, uint64_t addr, long len, bool nul, bool path)
{
	long max = path ? PATH_MAX : trace_strsize, n;
	char buf[PATH_MAX];

	if (!addr) {
		tb_puts(f, "NULL");
		return;
	}
	/* a string: copied once, its length from the copy (not fetched twice) */
	if (nul)
		len = mem_copy_str(buf, addr, sizeof(buf));
	n = len < max ? len : max;
	if (len < 0 || (!nul && mem_read(buf, addr, n))) {
		tb_printf(f, "%#lx", (unsigned long)addr);
		return;
	}
	put_quoted(f, buf, n, len, false);
}

/* @len bytes of argument @i: our copy, else program memory; false if neither. */
bool get_arg(const struct tcall *t, int i, void *dst, size_t len)
{
	if (t->copy && t->copy[i]) {
		memcpy(dst, t->copy[i], len);
		return true;
	}
	return t->a[i] && !mem_read(dst, t->a[i], len);
}

void put_ptr(struct tbuf *f, uint64_t v)
{
	if (v)
		tb_printf(f, "%#lx", (unsigned long)v);
	else
		tb_puts(f, "NULL");
}

/* A path: our copy (what the kernel saw), shown whole. */
void p_path(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	const char *s = t->copy ? t->copy[i] : NULL;

	if (s)
		put_quoted(f, s, strlen(s), strlen(s), false);
	else
		put_mem_str(f, t->a[i], 0, true, true);
}

void p_str(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	const char *s = t->copy ? t->copy[i] : NULL;

	if (s) {
		long n = strlen(s);

		put_quoted(f, s, n < trace_strsize ? n : trace_strsize, n,
			   false);
	} else {
		put_mem_str(f, t->a[i], 0, true, false);
	}
}

void p_buf_in(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_mem_str(f, t->a[i], (long)t->a[l], false, false);
}

void p_buf_out(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret < 0)
		put_ptr(f, t->a[i]);
	else
		put_mem_str(f, t->a[i], t->ret, false, false);
}

void p_rand_out(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned char buf[PATH_MAX];
	long n = t->ret < trace_strsize ? t->ret : trace_strsize;

	if (t->ret < 0 || mem_read(buf, t->a[i], n))
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
	else
		put_quoted(f, buf, n, t->ret, true);
}
