// SPDX-License-Identifier: GPL-2.0
/*
 * printf.c - formatted output that is safe anywhere: dune_printf(), and
 * the host side's messages and fatal errors.
 *
 * libc's printf family may take locks, call malloc (for wide characters,
 * positional arguments, large precisions) and use vector registers - all
 * forbidden on libdune's host side by rule R1 (see loop.c).  So libdune
 * has its own small formatter: integers, strings, characters and pointers,
 * with printf(3)'s flags, widths, precisions and lengths, into a caller's
 * buffer, then one raw write(2) to standard error.  One
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

/*
 * One conversion's flags, width and precision, as printf(3) reads them:
 * "%-+ #0" flags, a width (digits or '*'), a precision ('.' then digits
 * or '*'; -1 when there is none) and a length (hh, h, l, ll, j, z, t).
 */
struct spec {
	bool left, plus, space, alt, zero;
	int width;
	int prec;
	int size;		/* -2 hh, -1 h, 0 int, 1 long, 2 long long */
};

static void put_padded(struct out *o, const char *s, int len, const struct spec *sp)
{
	int pad = sp->width - len;

	if (!sp->left)
		put_n(o, ' ', pad);
	while (len-- > 0)
		put(o, *s++);
	if (sp->left)
		put_n(o, ' ', pad);
}

/*
 * An integer: @sign is '-', '+', ' ' or 0; @prefix "0x", "0X" or "".  The
 * precision is the minimum number of digits (0 with the value 0: none);
 * the 0 flag pads with zeroes only without a precision and without '-'.
 */
static void put_integer(struct out *o, unsigned long long v, unsigned int base, bool upper,
			char sign, const char *prefix, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, zeros, plen = (int)dune_strlen(prefix) + (sign ? 1 : 0), pad;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	if (n == 0 && sp->prec != 0)
		tmp[n++] = '0';
	zeros = sp->prec > n ? sp->prec - n : 0;
	/* %#o: the first digit is a 0 */
	if (base == 8 && sp->alt && zeros == 0 && (n == 0 || tmp[n - 1] != '0'))
		zeros = 1;
	pad = sp->width - plen - zeros - n;
	if (sp->zero && !sp->left && sp->prec < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		put_n(o, ' ', pad);
	if (sign)
		put(o, sign);
	while (*prefix)
		put(o, *prefix++);
	put_n(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		put_n(o, ' ', pad);
}

static long long signed_arg(va_list *ap, int size)
{
	switch (size) {
	case -2:
		return (signed char)va_arg(*ap, int);
	case -1:
		return (short)va_arg(*ap, int);
	case 0:
		return va_arg(*ap, int);
	case 1:
		return va_arg(*ap, long);
	default:
		return va_arg(*ap, long long);
	}
}

static unsigned long long unsigned_arg(va_list *ap, int size)
{
	switch (size) {
	case -2:
		return (unsigned char)va_arg(*ap, unsigned int);
	case -1:
		return (unsigned short)va_arg(*ap, unsigned int);
	case 0:
		return va_arg(*ap, unsigned int);
	case 1:
		return va_arg(*ap, unsigned long);
	default:
		return va_arg(*ap, unsigned long long);
	}
}

/* Reads flags, width, precision and length at *@fmt; leaves it at the conversion. */
static void parse_spec(const char **fmt, va_list *ap, struct spec *sp)
{
	const char *f = *fmt;

	dune_zero(sp, sizeof(*sp));
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;		/* as if omitted */
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	for (;; f++) {
		if (*f == 'h')
			sp->size = sp->size < 0 ? -2 : -1;
		else if (*f == 'l')
			sp->size = sp->size > 0 ? 2 : 1;
		else if (*f == 'z' || *f == 't' || *f == 'j')
			sp->size = 1;		/* all 64-bit on x86-64 */
		else if (*f != 'L' && *f != 'q')
			break;
	}
	*fmt = f;
}

/*
 * The printf(3) subset libdune and its users need: d i u x X o c s p %,
 * with flags, width, precision and length as C specifies them, so that
 * every conversion consumes exactly the arguments printf(3) would.
 * Floating point (no vector registers here) and %n are not supported:
 * they print as written, and a floating-point argument is not consumed.
 */
int dune_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		const char *start = fmt;
		struct spec sp;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		parse_spec(&fmt, &args, &sp);
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = signed_arg(&args, sp.size);
			char sign = v < 0 ? '-' : sp.plus ? '+' : sp.space ? ' ' : 0;

			put_integer(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v,
				    10, false, sign, "", &sp);
			break;
		}
		case 'u':
			put_integer(&o, unsigned_arg(&args, sp.size), 10, false, 0, "", &sp);
			break;
		case 'o':
			put_integer(&o, unsigned_arg(&args, sp.size), 8, false, 0, "", &sp);
			break;
		case 'x':
		case 'X': {
			unsigned long long v = unsigned_arg(&args, sp.size);
			bool upper = *fmt == 'X';

			put_integer(&o, v, 16, upper, 0,
				    sp.alt && v ? (upper ? "0X" : "0x") : "", &sp);
			break;
		}
		case 'p': {
			unsigned long long v = (unsigned long)va_arg(args, void *);

			if (!v) {		/* as glibc */
				put_padded(&o, "(nil)", 5, &sp);
				break;
			}
			sp.alt = false;
			put_integer(&o, v, 16, false, sp.plus ? '+' : sp.space ? ' ' : 0,
				    "0x", &sp);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);

			put_padded(&o, &c, 1, &sp);
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);
			int len = 0;

			if (!s)			/* as glibc: all or nothing */
				s = sp.prec < 0 || sp.prec >= 6 ? "(null)" : "";
			while (s[len] && (sp.prec < 0 || len < sp.prec))
				len++;
			put_padded(&o, s, len, &sp);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;		/* a lone '%' at the end */
			break;
		default:		/* unknown: print it as it was */
			while (start <= fmt)
				put(&o, *start++);
			break;
		}
	}
	va_end(args);
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
