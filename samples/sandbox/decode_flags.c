// SPDX-License-Identifier: GPL-2.0
/*
 * decode_flags.c - numbers as strace names them: flag sets (O_*, MAP_*,
 * PROT_*, AT_*, ...) and value sets (SEEK_*, MADV_*, CLOCK_*, ioctl and
 * arch_prctl codes, ...), one table each, and the printers of the
 * arguments that are plain numbers.  A table lists its names in strace's
 * order; put_flags and put_val (here) print any of them.
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "decode_priv.h"

/* Flags in strace's order; a row of several bits matches only all of them. */
void put_flags(struct tbuf *f, unsigned long v, const struct xval *t, size_t n,
		      const char *zero)
{
	bool first = true;
	size_t i;

	if (!v) {
		tb_puts(f, zero ? zero : "0");
		return;
	}
	for (i = 0; i < n; i++) {
		if ((v & t[i].v) == t[i].v) {
			tb_printf(f, "%s%s", first ? "" : "|", t[i].name);
			v &= ~t[i].v;
			first = false;
		}
	}
	if (v)
		tb_printf(f, "%s%#lx", first ? "" : "|", v);
}

const char *xlookup(const struct xval *t, size_t n, unsigned long v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}

/* A value by name, else the number and (for codes) strace's comment. */
void put_val(struct tbuf *f, const struct xval *t, size_t n, unsigned long v, const char *unknown)
{
	const char *s = xlookup(t, n, v);

	if (s)
		tb_puts(f, s);
	else if (unknown)
		tb_printf(f, "%#lx /* %s */", v, unknown);
	else
		tb_printf(f, "%ld", (long)v);
}

/* Kernel values glibc does not define (include/uapi/asm-generic/mman-common.h) */
#ifndef PROT_SEM
#define PROT_SEM		0x8
#endif
#define KERNEL_O_LARGEFILE	0100000	/* glibc's x86-64 O_LARGEFILE is 0 */

static const struct xval open_flags[] = {
	XV(O_CREAT), XV(O_EXCL), XV(O_NOCTTY), XV(O_TRUNC), XV(O_APPEND), XV(O_NONBLOCK),
	XV(O_SYNC), XV(O_DSYNC), XV(O_DIRECT), { KERNEL_O_LARGEFILE, "O_LARGEFILE" },
	XV(O_NOFOLLOW), XV(O_NOATIME), XV(O_CLOEXEC), XV(O_PATH), XV(O_TMPFILE),
	XV(O_DIRECTORY), { O_ASYNC, "FASYNC" },
};

static const struct xval prot_flags[] = {
	XV(PROT_READ), XV(PROT_WRITE), XV(PROT_EXEC), XV(PROT_SEM), XV(PROT_GROWSDOWN),
	XV(PROT_GROWSUP),
};

static const struct xval map_types[] = {
	XV(MAP_SHARED), XV(MAP_PRIVATE), XV(MAP_SHARED_VALIDATE),
};

static const struct xval map_flags[] = {
	XV(MAP_FIXED), XV(MAP_ANONYMOUS), XV(MAP_32BIT), XV(MAP_NORESERVE), XV(MAP_POPULATE),
	XV(MAP_NONBLOCK), XV(MAP_GROWSDOWN), XV(MAP_DENYWRITE), XV(MAP_EXECUTABLE),
	XV(MAP_LOCKED), XV(MAP_STACK), XV(MAP_HUGETLB), XV(MAP_SYNC),
	XV(MAP_FIXED_NOREPLACE),
};

static const struct xval at_flags[] = {
	XV(AT_SYMLINK_NOFOLLOW), XV(AT_SYMLINK_FOLLOW), XV(AT_NO_AUTOMOUNT),
	XV(AT_EMPTY_PATH), XV(AT_RECURSIVE),
};

static const struct xval at_unlink_flags[] = { XV(AT_REMOVEDIR) };

static const struct xval at_access_flags[] = {
	XV(AT_SYMLINK_NOFOLLOW), XV(AT_EACCESS), XV(AT_EMPTY_PATH),
};

static const struct xval access_modes[] = { XV(R_OK), XV(W_OK), XV(X_OK) };

static const struct xval arch_prctls[] = {
	XV(ARCH_SET_GS), XV(ARCH_SET_FS), XV(ARCH_GET_FS), XV(ARCH_GET_GS),
	XV(ARCH_GET_CPUID), XV(ARCH_SET_CPUID), XV(ARCH_MAP_VDSO_X32),
	XV(ARCH_MAP_VDSO_32), XV(ARCH_MAP_VDSO_64),
};

static const struct xval whences[] = {
	XV(SEEK_SET), XV(SEEK_CUR), XV(SEEK_END), XV(SEEK_DATA), XV(SEEK_HOLE),
};

static const struct xval grnd_flags[] = { { 1, "GRND_NONBLOCK" }, { 2, "GRND_RANDOM" },
					   { 4, "GRND_INSECURE" } };

static const struct xval madvices[] = {
	XV(MADV_NORMAL), XV(MADV_RANDOM), XV(MADV_SEQUENTIAL), XV(MADV_WILLNEED),
	XV(MADV_DONTNEED), XV(MADV_FREE), XV(MADV_REMOVE), XV(MADV_DONTFORK), XV(MADV_DOFORK),
	XV(MADV_MERGEABLE), XV(MADV_UNMERGEABLE), XV(MADV_HUGEPAGE), XV(MADV_NOHUGEPAGE),
	XV(MADV_DONTDUMP), XV(MADV_DODUMP), XV(MADV_WIPEONFORK), XV(MADV_KEEPONFORK),
	XV(MADV_COLD), XV(MADV_PAGEOUT), XV(MADV_HWPOISON),
};

static const struct xval fadvices[] = {
	XV(POSIX_FADV_NORMAL), XV(POSIX_FADV_RANDOM), XV(POSIX_FADV_SEQUENTIAL),
	XV(POSIX_FADV_WILLNEED), XV(POSIX_FADV_DONTNEED), XV(POSIX_FADV_NOREUSE),
};

static const struct xval clocks[] = {
	XV(CLOCK_REALTIME), XV(CLOCK_MONOTONIC), XV(CLOCK_PROCESS_CPUTIME_ID),
	XV(CLOCK_THREAD_CPUTIME_ID), XV(CLOCK_MONOTONIC_RAW), XV(CLOCK_REALTIME_COARSE),
	XV(CLOCK_MONOTONIC_COARSE), XV(CLOCK_BOOTTIME), XV(CLOCK_REALTIME_ALARM),
	XV(CLOCK_BOOTTIME_ALARM), XV(CLOCK_TAI),
};

static const struct xval timer_flags[] = { XV(TIMER_ABSTIME) };

static const struct xval wait_options[] = {
	XV(WNOHANG), XV(WUNTRACED), XV(WCONTINUED), XV(__WNOTHREAD), XV(__WALL), XV(__WCLONE),
};

/* The ioctls systab.c forwards (asm-generic/ioctls.h values on x86-64). */
static const struct xval ioctls[] = {
	{ 0x5401, "TCGETS" }, { 0x5402, "TCSETS" }, { 0x5403, "TCSETSW" },
	{ 0x5404, "TCSETSF" }, { 0x540f, "TIOCGPGRP" }, { 0x5410, "TIOCSPGRP" },
	{ 0x5413, "TIOCGWINSZ" }, { 0x5414, "TIOCSWINSZ" }, { 0x541b, "FIONREAD" },
	{ 0x5421, "FIONBIO" }, { 0x5450, "FIONCLEX" }, { 0x5451, "FIOCLEX" },
};

static const struct xval statx_sync[] = {
	XV(AT_STATX_SYNC_AS_STAT), XV(AT_STATX_FORCE_SYNC), XV(AT_STATX_DONT_SYNC),
};

void p_int(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_dec(f, (int)t->a[i]);
}

void p_long(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_dec(f, (long)t->a[i]);
}

void p_ulong(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_udec(f, (unsigned long)t->a[i]);
}

void p_hex(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	tb_printf(f, "%#lx", (unsigned long)t->a[i]);
}

void p_ptr(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_ptr(f, t->a[i]);
}

void p_dirfd(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if ((int)t->a[i] == AT_FDCWD)
		tb_puts(f, "AT_FDCWD");
	else
		tb_printf(f, "%d", (int)t->a[i]);
}

void p_oflags(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	unsigned long v = t->a[i];

	tb_puts(f, acc[v & O_ACCMODE]);
	if (v & ~(unsigned long)O_ACCMODE) {
		tb_putc(f, '|');
		PUT_FLAGS(f, v & ~(unsigned long)O_ACCMODE, open_flags, NULL);
	}
}

void p_oflags_noacc(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], open_flags, NULL);
}

void p_mode(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	tb_printf(f, "%#03lo", (unsigned long)t->a[i]);
}

void p_prot(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], prot_flags, "PROT_NONE");
}

void p_mflags(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned long v = t->a[i], rest = v & ~(unsigned long)MAP_TYPE;
	const char *type = xlookup(map_types, ARRAY_SIZE(map_types), v & MAP_TYPE);

	if (type)
		tb_puts(f, type);
	else
		tb_printf(f, "%#lx /* MAP_??? */", v & MAP_TYPE);
	if (rest) {
		tb_putc(f, '|');
		PUT_FLAGS(f, rest, map_flags, NULL);
	}
}

void p_at(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], at_flags, NULL);
}

void p_at_unlink(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], at_unlink_flags, NULL);
}

void p_at_access(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], at_access_flags, NULL);
}

void p_access(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], access_modes, "F_OK");
}

void p_whence(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], whences, NULL);
}

void p_grnd(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], grnd_flags, NULL);
}

void p_madv(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], madvices, NULL);
}

void p_clock(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], clocks, NULL);
}

void p_timer_flags(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], timer_flags, NULL);
}

void p_ioctl(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	const char *s = xlookup(ioctls, ARRAY_SIZE(ioctls), (unsigned int)t->a[i]);

	if (s)
		tb_puts(f, s);
	else
		tb_printf(f, "%#x", (unsigned int)t->a[i]);
}

void p_woptions(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], wait_options, NULL);
}

void p_arch_code(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], arch_prctls, "ARCH_???");
}

void p_fadv(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], fadvices, NULL);
}

/* statx's flags: the sync type by name (0 is AT_STATX_SYNC_AS_STAT), then the AT_ flags. */
void p_statx_flags(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned long v = t->a[i], rest = v & ~(unsigned long)AT_STATX_SYNC_TYPE;

	PUT_VAL(f, v & AT_STATX_SYNC_TYPE, statx_sync, NULL);
	if (rest) {
		tb_putc(f, '|');
		PUT_FLAGS(f, rest, at_flags, NULL);
	}
}
