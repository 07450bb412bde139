// SPDX-License-Identifier: GPL-2.0
/*
 * printf.c - formatted output that is safe anywhere: dune_printf(), and
 * the host side's messages and fatal errors.
 *
 * libc's printf family may take locks, call malloc (for wide characters,
 * positional arguments, large precisions) and use vector registers - all
 * forbidden on libdune's host side by rule R1 (see loop.c).  So libdune
 * has its own small formatter: integers, strings, characters and pointers,
 * into a caller's buffer, then one raw write(2) to standard error.  One
 * write per message also keeps lines of different threads from mixing.
 */
#include <stdarg.h>
#include <signal.h>

#include "internal.h"
#include "sys.h"

struct out {
	char *buf;
	size_t size;		/* including the terminating NUL */
	size_t len;		/* characters produced, even past size */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* Format one number: @neg adds a '-', @prefix is "0x", "0" or "". */
static void put_number(struct out *o, unsigned long long v, unsigned int base,
		       bool upper, bool neg, const char *prefix, int width,
		       bool left, bool zero)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)dune_strlen(prefix) + (neg ? 1 : 0), pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	pad = width - n - plen;
	if (!left && !zero)
		put_n(o, ' ', pad);
	if (neg)
		put(o, '-');
	while (*prefix)
		put(o, *prefix++);
	if (!left && zero)
		put_n(o, '0', pad);
	while (n)
		put(o, tmp[--n]);
	if (left)
		put_n(o, ' ', pad);
}

int dune_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };

	for (; *fmt; fmt++) {
		bool left = false, zero = false, alt = false, upper = false;
		int width = 0, lng = 0;
		unsigned long long v;
		const char *s;
		int len;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		/* flags */
		for (fmt++; ; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		/* width */
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				width = -width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		/* length: h and hh read an int like the default */
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 2;
			else if (*fmt != 'h')
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			long long sv;

			if (lng >= 2)
				sv = va_arg(ap, long long);
			else if (lng == 1)
				sv = va_arg(ap, long);
			else
				sv = va_arg(ap, int);
			v = sv < 0 ? -(unsigned long long)sv : (unsigned long long)sv;
			put_number(&o, v, 10, false, sv < 0, "", width, left, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 2)
				v = va_arg(ap, unsigned long long);
			else if (lng == 1)
				v = va_arg(ap, unsigned long);
			else
				v = va_arg(ap, unsigned int);
			if (*fmt == 'u') {
				put_number(&o, v, 10, false, false, "", width, left, zero);
			} else if (*fmt == 'o') {
				put_number(&o, v, 8, false, false, alt && v ? "0" : "",
					   width, left, zero);
			} else {
				upper = *fmt == 'X';
				put_number(&o, v, 16, upper, false,
					   alt && v ? (upper ? "0X" : "0x") : "",
					   width, left, zero);
			}
			break;
		case 'p':
			v = (unsigned long)va_arg(ap, void *);
			put_number(&o, v, 16, false, false, "0x", width, left, zero);
			break;
		case 'c':
			put_n(&o, ' ', left ? 0 : width - 1);
			put(&o, (char)va_arg(ap, int));
			put_n(&o, ' ', left ? width - 1 : 0);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = (int)dune_strlen(s);
			put_n(&o, ' ', left ? 0 : width - len);
			while (*s)
				put(&o, *s++);
			put_n(&o, ' ', left ? width - len : 0);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;		/* a lone '%' at the end */
			break;
		default:		/* unknown: print it as it was */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int dune_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = dune_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#define DUNE_PRINTF_MAX	1024

static int write_formatted(const char *fmt, va_list ap)
{
	char buf[DUNE_PRINTF_MAX];
	int n = dune_vsnprintf(buf, sizeof(buf), fmt, ap);
	long ret;

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	ret = dune_sys_write(2, buf, n);
	return (int)ret;
}

int dune_printf(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = write_formatted(fmt, ap);
	va_end(ap);
	return ret;
}

void dune_die(void)
{
	dune_sys_exit_group(1);
}

static const char *const reg_names[18] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	"rip", "rflags",
};

static void dump_registers(struct dune_thread *t)
{
	const uint64_t *r = (const uint64_t *)&t->run.regs;
	char line[256];
	int i, n = 0;

	for (i = 0; i < 18; i++) {
		n += dune_snprintf(line + n, sizeof(line) - n, "%s%6s 0x%016llx",
				   i % 3 ? "  " : "dune:  ", reg_names[i],
				   (unsigned long long)r[i]);
		if (i % 3 == 2 || i == 17) {
			dune_printf("%s\n", line);
			n = 0;
		}
	}
	dune_printf("dune:  fs_base 0x%016llx  gs_base 0x%016llx\n",
		    (unsigned long long)t->run.fs_base,
		    (unsigned long long)t->run.gs_base);
}

void dune_fatal(struct dune_thread *t, const char *fmt, ...)
{
	char buf[DUNE_PRINTF_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = dune_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	dune_printf("dune: fatal: %s\n", buf);
	if (t) {
		dune_printf("dune: registers of thread %ld at the last VM exit:\n",
			    dune_sys_gettid());
		dump_registers(t);
	}
	dune_printf("dune: killing process %ld\n", dune_sys_getpid());
	dune_sys_kill((int)dune_sys_getpid(), SIGKILL);
	dune_sys_exit_group(128 + SIGKILL);
}
