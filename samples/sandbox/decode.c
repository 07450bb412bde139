// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - arguments as strace prints them.
 *
 * systab.c says what each argument is to the kernel (how far a pointer
 * reaches, in which direction): enough to copy it, not enough to show it.
 * This file says how strace shows it: which numbers are flag sets
 * (O_*, MAP_*, PROT_*, CLONE_*, AT_*), which are signals, socket families,
 * types and protocols, arch_prctl/prctl/prlimit64 codes, and which
 * pointers are structures (stat, sockaddr, timespec, iovec, rlimit,
 * sigaction, sigset).  All of it is tables: one row per system call
 * (fmt[] below, its arguments' printers), one table per flag set or
 * value set, one printer per kind of argument (printers[]).
 *
 * The formats are strace's (6.1), checked against it on real programs in
 * tests/sandbox/dune_trace_test.  Names of errors and signals come from
 * glibc (strerrorname_np, sigabbrev_np), not from a table of ours.
 *
 * Structures are read from the supervisor's copies (what the kernel was
 * given or wrote), else from program memory through mem_read(), which
 * checks the range under mem.c's lock; an unreadable pointer prints as a
 * number, as strace does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <dirent.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "call.h"
#include "decode.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int trace_strsize = 32;		/* strace's default -s */

/* ---- strings --------------------------------------------------------------- */

/*
 * strace's quoting (its util.c, string_quote): C escapes for the usual
 * controls, octal for the rest - three digits when a digit follows, so
 * that "\0" "1" does not read as "\01" - or \xNN throughout for calls
 * whose bytes are binary by nature (getrandom).  The caller holds the
 * stream's lock (flockfile; trace.c, a whole line): the _unlocked stdio
 * calls here are the cheap ones.
 */
void put_quoted(FILE *f, const void *buf, long n, long len, bool hex)
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
			fwrite_unlocked(out, 1, o, f);
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
	fwrite_unlocked(out, 1, o, f);
	if (n < len)
		fputs_unlocked("...", f);
}

/*
 * A number in decimal: by hand, not printf's (one per argument of most
 * lines).  Like put_quoted, for a caller that holds the stream's lock.
 */
void put_udec(FILE *f, unsigned long v)
{
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite_unlocked(buf + i, 1, sizeof(buf) - i, f);
}

void put_dec(FILE *f, long v)
{
	if (v < 0) {
		putc_unlocked('-', f);
		put_udec(f, -(unsigned long)v);
	} else {
		put_udec(f, (unsigned long)v);
	}
}

/*
 * A program string or buffer: @len bytes, or NUL-terminated if @nul.  A
 * path is shown whole (strace's printpath), anything else up to -s.
 */
void put_mem_str(FILE *f, uint64_t addr, long len, bool nul, bool path)
{
	long max = path ? PATH_MAX : trace_strsize, n;
	char buf[PATH_MAX];

	if (!addr) {
		fputs("NULL", f);
		return;
	}
	/* a string: copied once, its length from the copy (not fetched twice) */
	if (nul)
		len = mem_copy_str(buf, addr, sizeof(buf));
	n = len < max ? len : max;
	if (len < 0 || (!nul && mem_read(buf, addr, n))) {
		fprintf(f, "%#lx", (unsigned long)addr);
		return;
	}
	put_quoted(f, buf, n, len, false);
}

/* ---- value and flag sets ------------------------------------------------------ */

struct xval {
	unsigned long v;
	const char *name;
};

/* Flags in strace's order; a row of several bits matches only all of them. */
static void put_flags(FILE *f, unsigned long v, const struct xval *t, size_t n,
		      const char *zero)
{
	bool first = true;
	size_t i;

	if (!v) {
		fputs(zero ? zero : "0", f);
		return;
	}
	for (i = 0; i < n; i++) {
		if ((v & t[i].v) == t[i].v) {
			fprintf(f, "%s%s", first ? "" : "|", t[i].name);
			v &= ~t[i].v;
			first = false;
		}
	}
	if (v)
		fprintf(f, "%s%#lx", first ? "" : "|", v);
}

static const char *xlookup(const struct xval *t, size_t n, unsigned long v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}

/* A value by name, else the number and (for codes) strace's comment. */
static void put_val(FILE *f, const struct xval *t, size_t n, unsigned long v, const char *unknown)
{
	const char *s = xlookup(t, n, v);

	if (s)
		fputs(s, f);
	else if (unknown)
		fprintf(f, "%#lx /* %s */", v, unknown);
	else
		fprintf(f, "%ld", (long)v);
}

#define XV(x)	{ (unsigned long)(x), #x }
/* Kernel values glibc does not define (include/uapi/asm-generic/mman-common.h, x86 signal.h) */
#ifndef PROT_SEM
#define PROT_SEM		0x8
#endif
#ifndef SA_RESTORER
#define SA_RESTORER		0x04000000
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
static const struct xval clone_flags[] = {
	XV(CLONE_VM), XV(CLONE_FS), XV(CLONE_FILES), XV(CLONE_SIGHAND), XV(CLONE_PIDFD),
	XV(CLONE_PTRACE), XV(CLONE_VFORK), XV(CLONE_PARENT), XV(CLONE_THREAD),
	XV(CLONE_NEWNS), XV(CLONE_SYSVSEM), XV(CLONE_SETTLS), XV(CLONE_PARENT_SETTID),
	XV(CLONE_CHILD_CLEARTID), XV(CLONE_UNTRACED), XV(CLONE_CHILD_SETTID),
	XV(CLONE_NEWCGROUP), XV(CLONE_NEWUTS), XV(CLONE_NEWIPC), XV(CLONE_NEWUSER),
	XV(CLONE_NEWPID), XV(CLONE_NEWNET), XV(CLONE_IO),
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
static const struct xval sig_hows[] = { XV(SIG_BLOCK), XV(SIG_UNBLOCK), XV(SIG_SETMASK) };
static const struct xval sa_flags[] = {
	XV(SA_RESTORER), XV(SA_ONSTACK), XV(SA_RESTART), XV(SA_NODEFER), XV(SA_RESETHAND),
	XV(SA_SIGINFO), XV(SA_NOCLDSTOP), XV(SA_NOCLDWAIT),
};
static const struct xval families[] = {
	XV(AF_UNSPEC), XV(AF_UNIX), XV(AF_INET), XV(AF_AX25), XV(AF_IPX), XV(AF_APPLETALK),
	XV(AF_BRIDGE), XV(AF_INET6), XV(AF_KEY), XV(AF_NETLINK), XV(AF_PACKET),
	XV(AF_RDS), XV(AF_CAN), XV(AF_TIPC), XV(AF_BLUETOOTH), XV(AF_ALG), XV(AF_VSOCK),
	XV(AF_XDP),
};
static const struct xval sock_types[] = {
	XV(SOCK_STREAM), XV(SOCK_DGRAM), XV(SOCK_RAW), XV(SOCK_RDM), XV(SOCK_SEQPACKET),
	XV(SOCK_DCCP), XV(SOCK_PACKET),
};
static const struct xval sock_flags[] = { XV(SOCK_CLOEXEC), XV(SOCK_NONBLOCK) };
static const struct xval inet_protos[] = {
	XV(IPPROTO_IP), XV(IPPROTO_ICMP), XV(IPPROTO_IGMP), XV(IPPROTO_TCP), XV(IPPROTO_UDP),
	XV(IPPROTO_IPV6), XV(IPPROTO_ICMPV6), XV(IPPROTO_SCTP), XV(IPPROTO_UDPLITE),
	XV(IPPROTO_RAW), XV(IPPROTO_MPTCP),
};
static const struct xval netlink_protos[] = {
	{ 0, "NETLINK_ROUTE" }, { 4, "NETLINK_SOCK_DIAG" }, { 6, "NETLINK_XFRM" },
	{ 9, "NETLINK_AUDIT" }, { 12, "NETLINK_NETFILTER" }, { 15, "NETLINK_KOBJECT_UEVENT" },
	{ 16, "NETLINK_GENERIC" },
};
static const struct xval arch_prctls[] = {
	XV(ARCH_SET_GS), XV(ARCH_SET_FS), XV(ARCH_GET_FS), XV(ARCH_GET_GS),
	XV(ARCH_GET_CPUID), XV(ARCH_SET_CPUID), XV(ARCH_MAP_VDSO_X32),
	XV(ARCH_MAP_VDSO_32), XV(ARCH_MAP_VDSO_64),
};
static const struct xval rlimits[] = {
	XV(RLIMIT_CPU), XV(RLIMIT_FSIZE), XV(RLIMIT_DATA), XV(RLIMIT_STACK), XV(RLIMIT_CORE),
	XV(RLIMIT_RSS), XV(RLIMIT_NPROC), XV(RLIMIT_NOFILE), XV(RLIMIT_MEMLOCK), XV(RLIMIT_AS),
	XV(RLIMIT_LOCKS), XV(RLIMIT_SIGPENDING), XV(RLIMIT_MSGQUEUE), XV(RLIMIT_NICE),
	XV(RLIMIT_RTPRIO), XV(RLIMIT_RTTIME),
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
static const struct xval fcntls[] = {
	XV(F_DUPFD), XV(F_GETFD), XV(F_SETFD), XV(F_GETFL), XV(F_SETFL), XV(F_GETLK),
	XV(F_SETLK), XV(F_SETLKW), XV(F_SETOWN), XV(F_GETOWN), XV(F_SETSIG), XV(F_GETSIG),
	XV(F_OFD_GETLK), XV(F_OFD_SETLK), XV(F_OFD_SETLKW), XV(F_SETLEASE), XV(F_GETLEASE),
	XV(F_NOTIFY), XV(F_DUPFD_CLOEXEC), XV(F_SETPIPE_SZ), XV(F_GETPIPE_SZ),
	XV(F_ADD_SEALS), XV(F_GET_SEALS),
};
static const struct xval fd_flags[] = { XV(FD_CLOEXEC) };
static const struct xval futex_ops[] = {
	XV(FUTEX_WAIT), XV(FUTEX_WAKE), XV(FUTEX_FD), XV(FUTEX_REQUEUE),
	XV(FUTEX_CMP_REQUEUE), XV(FUTEX_WAKE_OP), XV(FUTEX_LOCK_PI), XV(FUTEX_UNLOCK_PI),
	XV(FUTEX_TRYLOCK_PI), XV(FUTEX_WAIT_BITSET), XV(FUTEX_WAKE_BITSET),
	XV(FUTEX_WAIT_REQUEUE_PI), XV(FUTEX_CMP_REQUEUE_PI), XV(FUTEX_LOCK_PI2),
};
static const struct xval file_types[] = {
	XV(S_IFREG), XV(S_IFDIR), XV(S_IFCHR), XV(S_IFBLK), XV(S_IFIFO), XV(S_IFLNK),
	XV(S_IFSOCK),
};
static const struct xval mode_bits[] = { XV(S_ISUID), XV(S_ISGID), XV(S_ISVTX) };
static const struct xval statx_sync[] = {
	XV(AT_STATX_SYNC_AS_STAT), XV(AT_STATX_FORCE_SYNC), XV(AT_STATX_DONT_SYNC),
};
static const struct xval statx_masks[] = {
	XV(STATX_BASIC_STATS), XV(STATX_TYPE), XV(STATX_MODE), XV(STATX_NLINK), XV(STATX_UID),
	XV(STATX_GID), XV(STATX_ATIME), XV(STATX_MTIME), XV(STATX_CTIME), XV(STATX_INO),
	XV(STATX_SIZE), XV(STATX_BLOCKS), XV(STATX_BTIME), XV(STATX_MNT_ID),
	{ 0x2000, "STATX_DIOALIGN" },
};
static const struct xval statx_attrs[] = {
	XV(STATX_ATTR_COMPRESSED), XV(STATX_ATTR_IMMUTABLE), XV(STATX_ATTR_APPEND),
	XV(STATX_ATTR_NODUMP), XV(STATX_ATTR_ENCRYPTED), XV(STATX_ATTR_AUTOMOUNT),
	XV(STATX_ATTR_MOUNT_ROOT), XV(STATX_ATTR_VERITY), XV(STATX_ATTR_DAX),
};

#define PUT_FLAGS(f, v, t, zero)	put_flags(f, v, t, ARRAY_SIZE(t), zero)
#define PUT_VAL(f, v, t, unknown)	put_val(f, t, ARRAY_SIZE(t), v, unknown)

/* ---- signals ------------------------------------------------------------------ */

/*
 * strace's names: glibc's for the classic signals (sigabbrev_np), then the
 * kernel's real-time range from 32: SIGRTMIN, SIGRT_1, ... (glibc keeps
 * 32 and 33 for itself, so its SIGRTMIN prints as SIGRT_2).
 */
#define KERNEL_SIGRTMIN	32
#define KERNEL_NSIG	64

const char *signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev;

	if (sig <= 0 || sig > KERNEL_NSIG)
		return NULL;
	if (sig == KERNEL_SIGRTMIN)
		return "SIGRTMIN";
	if (sig > KERNEL_SIGRTMIN) {
		snprintf(buf, len, "SIGRT_%d", sig - KERNEL_SIGRTMIN);
		return buf;
	}
	/*
	 * glibc names 29 by its System V alias, POLL; strace and the kernel's
	 * headers by the BSD name, IO (SIGIO == SIGPOLL).
	 */
	abbrev = sig == SIGIO ? "IO" : sigabbrev_np(sig);
	if (!abbrev)
		return NULL;
	snprintf(buf, len, "SIG%s", abbrev);
	return buf;
}

int signal_by_name(const char *name)
{
	char buf[16];
	int sig;

	for (sig = 1; sig <= KERNEL_NSIG; sig++) {
		const char *s = signal_name(sig, buf, sizeof(buf));

		if (s && (!strcasecmp(s, name) || !strcasecmp(s + 3, name)))
			return sig;
	}
	return -1;
}

static void put_sig(FILE *f, long sig)
{
	char buf[16];
	const char *s = signal_name((int)sig, buf, sizeof(buf));

	if (s)
		fputs(s, f);
	else
		fprintf(f, "%d", (int)sig);
}

/*
 * A signal set as strace prints it: names without "SIG", or "~[...]"
 * with the signals missing when at least two thirds are in (its
 * sprintsigmask_n).
 */
static void put_sigmask(FILE *f, uint64_t mask)
{
	bool inv = __builtin_popcountll(mask) >= KERNEL_NSIG * 2 / 3;
	bool first = true;
	char buf[16];
	int sig;

	if (inv) {
		fputc('~', f);
		mask = ~mask;
	}
	fputc('[', f);
	for (sig = 1; sig <= KERNEL_NSIG; sig++) {
		const char *s;

		if (!(mask & (1ULL << (sig - 1))))
			continue;
		s = signal_name(sig, buf, sizeof(buf));
		if (s)
			fprintf(f, "%s%s", first ? "" : " ", s + 3);
		else
			fprintf(f, "%s%d", first ? "" : " ", sig);
		first = false;
	}
	fputc(']', f);
}

/* ---- reading an argument's structure ---------------------------------------------- */

/* @len bytes of argument @i: our copy, else program memory; false if neither. */
static bool get(const struct tcall *t, int i, void *dst, size_t len)
{
	if (t->copy && t->copy[i]) {
		memcpy(dst, t->copy[i], len);
		return true;
	}
	return t->a[i] && !mem_read(dst, t->a[i], len);
}

static void put_ptr(FILE *f, uint64_t v)
{
	if (v)
		fprintf(f, "%#lx", (unsigned long)v);
	else
		fputs("NULL", f);
}

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

typedef void (*printer)(FILE *f, const struct tcall *t, int i, int len_arg);

static void p_int(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_dec(f, (int)t->a[i]);
}

static void p_long(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_dec(f, (long)t->a[i]);
}

static void p_ulong(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_udec(f, (unsigned long)t->a[i]);
}

static void p_hex(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	fprintf(f, "%#lx", (unsigned long)t->a[i]);
}

static void p_ptr(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_ptr(f, t->a[i]);
}

static void p_dirfd(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if ((int)t->a[i] == AT_FDCWD)
		fputs("AT_FDCWD", f);
	else
		fprintf(f, "%d", (int)t->a[i]);
}

/* A path: our copy (what the kernel saw), shown whole. */
static void p_path(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	const char *s = t->copy ? t->copy[i] : NULL;

	if (s)
		put_quoted(f, s, strlen(s), strlen(s), false);
	else
		put_mem_str(f, t->a[i], 0, true, true);
}

static void p_str(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
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

static void p_buf_in(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_mem_str(f, t->a[i], (long)t->a[l], false, false);
}

static void p_buf_out(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret < 0)
		put_ptr(f, t->a[i]);
	else
		put_mem_str(f, t->a[i], t->ret, false, false);
}

static void p_rand_out(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned char buf[PATH_MAX];
	long n = t->ret < trace_strsize ? t->ret : trace_strsize;

	if (t->ret < 0 || mem_read(buf, t->a[i], n))
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
	else
		put_quoted(f, buf, n, t->ret, true);
}

static void p_oflags(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	unsigned long v = t->a[i];

	fputs(acc[v & O_ACCMODE], f);
	if (v & ~(unsigned long)O_ACCMODE) {
		fputc('|', f);
		PUT_FLAGS(f, v & ~(unsigned long)O_ACCMODE, open_flags, NULL);
	}
}

static void p_oflags_noacc(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], open_flags, NULL);
}

static void p_mode(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	fprintf(f, "%#03lo", (unsigned long)t->a[i]);
}

static void p_prot(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], prot_flags, "PROT_NONE");
}

static void p_mflags(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned long v = t->a[i], rest = v & ~(unsigned long)MAP_TYPE;
	const char *type = xlookup(map_types, ARRAY_SIZE(map_types), v & MAP_TYPE);

	if (type)
		fputs(type, f);
	else
		fprintf(f, "%#lx /* MAP_??? */", v & MAP_TYPE);
	if (rest) {
		fputc('|', f);
		PUT_FLAGS(f, rest, map_flags, NULL);
	}
}

static void p_at(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], at_flags, NULL);
}

static void p_at_unlink(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], at_unlink_flags, NULL);
}

static void p_at_access(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], at_access_flags, NULL);
}

static void p_access(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], access_modes, "F_OK");
}

static void p_sig(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_sig(f, (long)t->a[i]);
}

static void p_sighow(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], sig_hows, "SIG_???");
}

static void p_sigset(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t mask;

	if (!t->a[i])
		fputs("NULL", f);
	else if (!get(t, i, &mask, sizeof(mask)))
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
	else
		put_sigmask(f, mask);
}

static void p_sigset_out(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret < 0 && t->a[i])
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
	else
		p_sigset(f, t, i, l);
}

/* The kernel's struct sigaction on x86-64 (arch/x86/include/asm/signal.h). */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

static void p_sigact(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	struct k_sigaction sa;

	if (!t->a[i]) {
		fputs("NULL", f);
		return;
	}
	if (!get(t, i, &sa, sizeof(sa))) {
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
		return;
	}
	fputs("{sa_handler=", f);
	if (sa.handler == (uint64_t)SIG_DFL)
		fputs("SIG_DFL", f);
	else if (sa.handler == (uint64_t)SIG_IGN)
		fputs("SIG_IGN", f);
	else
		fprintf(f, "%#lx", (unsigned long)sa.handler);
	fputs(", sa_mask=", f);
	put_sigmask(f, sa.mask);
	fputs(", sa_flags=", f);
	PUT_FLAGS(f, sa.flags, sa_flags, NULL);
	if (sa.flags & SA_RESTORER)
		fprintf(f, ", sa_restorer=%#lx", (unsigned long)sa.restorer);
	fputc('}', f);
}

static void p_sigact_out(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret < 0 && t->a[i])
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
	else
		p_sigact(f, t, i, l);
}

static void p_af(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], families, NULL);
}

static void p_socktype(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned long v = t->a[i], flags = v & (SOCK_CLOEXEC | SOCK_NONBLOCK);

	PUT_VAL(f, v & ~(unsigned long)(SOCK_CLOEXEC | SOCK_NONBLOCK), sock_types, NULL);
	if (flags) {
		fputc('|', f);
		PUT_FLAGS(f, flags, sock_flags, NULL);
	}
}

/* The protocol's names depend on the family (argument 0). */
static void p_sockproto(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	int family = (int)t->a[0];

	if (family == AF_INET || family == AF_INET6)
		PUT_VAL(f, t->a[i], inet_protos, NULL);
	else if (family == AF_NETLINK)
		PUT_VAL(f, t->a[i], netlink_protos, NULL);
	else
		fprintf(f, "%d", (int)t->a[i]);
}

/* struct sockaddr of argument @i, its length in argument @l. */
static void p_sockaddr(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_un un;
	} u;
	size_t len = t->a[l] < sizeof(u) ? t->a[l] : sizeof(u);
	char ip[INET6_ADDRSTRLEN];

	if (!t->a[i]) {
		fputs("NULL", f);
		return;
	}
	memset(&u, 0, sizeof(u));
	if (len < sizeof(u.sa.sa_family) || !get(t, i, &u, len)) {
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
		return;
	}
	fputs("{sa_family=", f);
	PUT_VAL(f, u.sa.sa_family, families, NULL);
	switch (u.sa.sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &u.in.sin_addr, ip, sizeof(ip));
		fprintf(f, ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", ntohs(u.in.sin_port),
			ip);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &u.in6.sin6_addr, ip, sizeof(ip));
		fprintf(f, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), inet_pton(AF_INET6, \"%s\", &sin6_addr), sin6_scope_id=%u",
			ntohs(u.in6.sin6_port), ntohl(u.in6.sin6_flowinfo), ip, u.in6.sin6_scope_id);
		break;
	case AF_UNIX: {
		size_t n = len - offsetof(struct sockaddr_un, sun_path);
		const char *p = u.un.sun_path;

		fputs(", sun_path=", f);
		if (n && !p[0]) {		/* abstract: @ and the bytes after the NUL */
			fputc('@', f);
			put_quoted(f, p + 1, n - 1, n - 1, false);
		} else {
			n = strnlen(p, n);
			put_quoted(f, p, n, n, false);
		}
		break;
	}
	default:
		fputs(", sa_data=...", f);
	}
	fputc('}', f);
}

static void p_rlimres(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], rlimits, NULL);
}

/* strace's sprint_rlim64: the infinity by name, multiples of 1 KiB as N*1024. */
static void put_rlim_val(FILE *f, uint64_t v)
{
	if (v == RLIM_INFINITY)
		fputs("RLIM64_INFINITY", f);
	else if (v > 1024 && v % 1024 == 0)
		fprintf(f, "%lu*1024", (unsigned long)(v / 1024));
	else
		fprintf(f, "%lu", (unsigned long)v);
}

static void p_rlim(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	struct rlimit r;

	if (!t->a[i]) {
		fputs("NULL", f);
	} else if (!get(t, i, &r, sizeof(r))) {
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
	} else {
		fputs("{rlim_cur=", f);
		put_rlim_val(f, r.rlim_cur);
		fputs(", rlim_max=", f);
		put_rlim_val(f, r.rlim_max);
		fputc('}', f);
	}
}

static void p_rlim_out(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret < 0 && t->a[i])
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
	else
		p_rlim(f, t, i, l);
}

/* struct stat, abbreviated as strace does without -v. */
static void p_stat(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned int type, bits;
	struct stat st;

	if (t->ret < 0 || !get(t, i, &st, sizeof(st))) {
		put_ptr(f, t->a[i]);
		return;
	}
	type = st.st_mode & S_IFMT;
	bits = st.st_mode & (S_ISUID | S_ISGID | S_ISVTX);
	fputs("{st_mode=", f);
	PUT_VAL(f, type, file_types, NULL);
	if (bits) {
		fputc('|', f);
		PUT_FLAGS(f, bits, mode_bits, NULL);
	}
	fprintf(f, "|%#03o, ", st.st_mode & 0777);
	if (type == S_IFCHR || type == S_IFBLK)
		fprintf(f, "st_rdev=makedev(%#x, %#x), ...}", major(st.st_rdev),
			minor(st.st_rdev));
	else
		fprintf(f, "st_size=%ld, ...}", (long)st.st_size);
}

static void put_ts(FILE *f, const struct tcall *t, int i)
{
	struct timespec ts;

	if (!t->a[i])
		fputs("NULL", f);
	else if (!get(t, i, &ts, sizeof(ts)))
		fprintf(f, "%#lx", (unsigned long)t->a[i]);
	else
		fprintf(f, "{tv_sec=%ld, tv_nsec=%ld}", (long)ts.tv_sec, (long)ts.tv_nsec);
}

static void p_ts(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_ts(f, t, i);
}

/* nanosleep's remainder: written only when interrupted. */
static void p_ts_rem(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret == -EINTR)
		put_ts(f, t, i);
	else
		put_ptr(f, t->a[i]);
}

/*
 * An iovec array, count in argument @l: every iov_base's bytes up to -s
 * (for a read, only as many as the call returned, in order).
 */
static void put_iov(FILE *f, const struct tcall *t, int i, int l, bool out)
{
	long n = (long)t->a[l], left = t->ret, k;
	struct iovec v;

	if ((out && t->ret < 0) || n < 0 || n > MAX_IOV) {
		put_ptr(f, t->a[i]);
		return;
	}
	fputc('[', f);
	for (k = 0; k < n; k++) {
		const struct iovec *copy = t->copy ? t->copy[i] : NULL;

		if (k == trace_strsize) {
			fputs(", ...", f);
			break;
		}
		if (copy)
			v = copy[k];
		else if (mem_read(&v, t->a[i] + k * sizeof(v), sizeof(v)))
			break;
		fputs(k ? ", {iov_base=" : "{iov_base=", f);
		if (out) {
			long got = left < (long)v.iov_len ? left : (long)v.iov_len;

			put_mem_str(f, (uint64_t)v.iov_base, got, false, false);
			left -= got;
		} else {
			put_mem_str(f, (uint64_t)v.iov_base, v.iov_len, false, false);
		}
		fprintf(f, ", iov_len=%zu}", v.iov_len);
	}
	fputc(']', f);
}

static void p_iov(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_iov(f, t, i, l, false);
}

static void p_iov_out(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_iov(f, t, i, l, true);
}

static void p_whence(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], whences, NULL);
}

static void p_grnd(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], grnd_flags, NULL);
}

static void p_madv(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], madvices, NULL);
}

static void p_clock(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], clocks, NULL);
}

static void p_timer_flags(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], timer_flags, NULL);
}

static void p_ioctl(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	const char *s = xlookup(ioctls, ARRAY_SIZE(ioctls), (unsigned int)t->a[i]);

	if (s)
		fputs(s, f);
	else
		fprintf(f, "%#x", (unsigned int)t->a[i]);
}

static void p_fdpair(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	int fds[2];

	if (t->ret < 0 || !get(t, i, fds, sizeof(fds)))
		put_ptr(f, t->a[i]);
	else
		fprintf(f, "[%d, %d]", fds[0], fds[1]);
}

static void p_wstatus(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	char buf[16];
	int s;

	if (t->ret <= 0 || !t->a[i] || !get(t, i, &s, sizeof(s))) {
		put_ptr(f, t->a[i]);
		return;
	}
	if (WIFEXITED(s)) {
		fprintf(f, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", WEXITSTATUS(s));
	} else if (WIFSIGNALED(s)) {
		const char *n = signal_name(WTERMSIG(s), buf, sizeof(buf));

		fprintf(f, "[{WIFSIGNALED(s) && WTERMSIG(s) == %s%s}]", n ? n : "?",
			WCOREDUMP(s) ? " && WCOREDUMP(s)" : "");
	} else if (WIFSTOPPED(s)) {
		const char *n = signal_name(WSTOPSIG(s), buf, sizeof(buf));

		fprintf(f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == %s}]", n ? n : "?");
	} else {
		fprintf(f, "[%#x]", s);
	}
}

static void p_woptions(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, t->a[i], wait_options, NULL);
}

/* getdents64: the buffer's address and how many entries the call returned. */
static void p_dents(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	long off = 0, n = 0;

	put_ptr(f, t->a[i]);
	if (t->ret < 0)
		return;
	while (off + (long)offsetof(struct dirent64, d_name) <= t->ret) {
		unsigned short reclen;

		if (mem_read(&reclen, t->a[i] + off + offsetof(struct dirent64, d_reclen),
			     sizeof(reclen)) || !reclen)
			break;
		off += reclen;
		n++;
	}
	fprintf(f, " /* %ld entries */", n);
}

static void p_uname(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	struct utsname u;

	if (t->ret < 0 || !get(t, i, &u, sizeof(u))) {
		put_ptr(f, t->a[i]);
		return;
	}
	u.sysname[sizeof(u.sysname) - 1] = 0;
	u.nodename[sizeof(u.nodename) - 1] = 0;
	fputs("{sysname=", f);
	put_quoted(f, u.sysname, strlen(u.sysname), strlen(u.sysname), false);
	fputs(", nodename=", f);
	put_quoted(f, u.nodename, strlen(u.nodename), strlen(u.nodename), false);
	fputs(", ...}", f);
}

/* execve's environment: its address and how many variables (strace). */
static void p_envp(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t p;
	int n = 0;

	put_ptr(f, t->a[i]);
	if (!t->a[i])
		return;
	while (n < 65536 && !mem_read(&p, t->a[i] + n * sizeof(p), sizeof(p)) && p)
		n++;
	fprintf(f, " /* %d var%s */", n, n == 1 ? "" : "s");
}

/* execve's argv: up to -s strings of up to -s bytes. */
static void p_strv(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t p;
	int n;

	if (!t->a[i] || mem_read(&p, t->a[i], sizeof(p))) {
		put_ptr(f, t->a[i]);
		return;
	}
	fputc('[', f);
	for (n = 0; !mem_read(&p, t->a[i] + n * sizeof(p), sizeof(p)) && p; n++) {
		if (n == trace_strsize) {
			fputs(", ...", f);
			break;
		}
		if (n)
			fputs(", ", f);
		put_mem_str(f, p, 0, true, false);
	}
	fputc(']', f);
}

static void p_arch_code(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], arch_prctls, "ARCH_???");
}

/* arch_prctl's address: the value the kernel stored, for the ARCH_GET_*s. */
static void p_arch_addr(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t v;

	if ((t->a[0] == ARCH_GET_FS || t->a[0] == ARCH_GET_GS) && t->ret == 0 &&
	    !mem_read(&v, t->a[i], sizeof(v)))
		fprintf(f, "[%#lx]", (unsigned long)v);
	else
		put_ptr(f, t->a[i]);
}

/* PR_GET_NAME's 16 bytes, after the call. */
static void p_name_out(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	char name[16];

	if (t->ret < 0 || mem_read(name, t->a[i], sizeof(name))) {
		put_ptr(f, t->a[i]);
		return;
	}
	put_quoted(f, name, strnlen(name, sizeof(name)),
		   strnlen(name, sizeof(name)), false);
}

/* File system magics (include/uapi/linux/magic.h), the common ones. */
static const struct xval fs_magics[] = {
	{ 0x01021994, "TMPFS_MAGIC" }, { 0xef53, "EXT2_SUPER_MAGIC" },
	{ 0x9fa0, "PROC_SUPER_MAGIC" }, { 0x62656572, "SYSFS_MAGIC" },
	{ 0x858458f6, "RAMFS_MAGIC" }, { 0x1cd1, "DEVPTS_SUPER_MAGIC" },
	{ 0x64626720, "DEBUGFS_MAGIC" }, { 0x74726163, "TRACEFS_MAGIC" },
	{ 0x9123683e, "BTRFS_SUPER_MAGIC" }, { 0x58465342, "XFS_SUPER_MAGIC" },
	{ 0x6969, "NFS_SUPER_MAGIC" }, { 0x794c7630, "OVERLAYFS_SUPER_MAGIC" },
	{ 0x63677270, "CGROUP2_SUPER_MAGIC" }, { 0x9660, "ISOFS_SUPER_MAGIC" },
};
static const struct xval statfs_flags[] = {
	{ 0x1, "ST_RDONLY" }, { 0x2, "ST_NOSUID" }, { 0x4, "ST_NODEV" }, { 0x8, "ST_NOEXEC" },
	{ 0x10, "ST_SYNCHRONOUS" }, { 0x20, "ST_VALID" }, { 0x40, "ST_MANDLOCK" },
	{ 0x400, "ST_NOATIME" }, { 0x800, "ST_NODIRATIME" }, { 0x1000, "ST_RELATIME" },
	{ 0x2000, "ST_NOSYMFOLLOW" },
};

/* struct statfs, all of it, as strace prints it. */
static void p_statfs(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	const char *magic;
	struct statfs sf;
	int fsid[2];

	if (t->ret < 0 || !get(t, i, &sf, sizeof(sf))) {
		put_ptr(f, t->a[i]);
		return;
	}
	memcpy(fsid, &sf.f_fsid, sizeof(fsid));
	magic = xlookup(fs_magics, ARRAY_SIZE(fs_magics), (unsigned long)sf.f_type);
	fputs("{f_type=", f);
	if (magic)
		fputs(magic, f);
	else
		fprintf(f, "%#lx", (unsigned long)sf.f_type);
	fprintf(f, ", f_bsize=%ld, f_blocks=%lu, f_bfree=%lu, f_bavail=%lu, f_files=%lu, "
		"f_ffree=%lu, f_fsid={val=[%#x, %#x]}, f_namelen=%ld, f_frsize=%ld, f_flags=",
		(long)sf.f_bsize, (unsigned long)sf.f_blocks, (unsigned long)sf.f_bfree,
		(unsigned long)sf.f_bavail, (unsigned long)sf.f_files, (unsigned long)sf.f_ffree,
		fsid[0], fsid[1], (long)sf.f_namelen, (long)sf.f_frsize);
	PUT_FLAGS(f, (unsigned long)sf.f_flags, statfs_flags, NULL);
	fputc('}', f);
}

#ifndef SS_AUTODISARM
#define SS_AUTODISARM		(1U << 31)	/* include/uapi/linux/signal.h */
#endif
static const struct xval ss_flags[] = { XV(SS_ONSTACK), XV(SS_DISABLE), XV(SS_AUTODISARM) };

/* sigaltstack's stack_t. */
static void p_stack(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	stack_t ss;

	if (!t->a[i]) {
		fputs("NULL", f);
		return;
	}
	if (!get(t, i, &ss, sizeof(ss))) {
		put_ptr(f, t->a[i]);
		return;
	}
	fputs("{ss_sp=", f);
	put_ptr(f, (uint64_t)ss.ss_sp);
	fputs(", ss_flags=", f);
	PUT_FLAGS(f, (unsigned int)ss.ss_flags, ss_flags, NULL);
	fprintf(f, ", ss_size=%zu}", ss.ss_size);
}

static void p_stack_out(FILE *f, const struct tcall *t, int i, int l)
{
	if (t->ret < 0 && t->a[i])
		put_ptr(f, t->a[i]);
	else
		p_stack(f, t, i, l);
}

static void p_fadv(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], fadvices, NULL);
}

/* sched_getaffinity's mask: the CPUs in it, in the bytes the call returned. */
static void p_cpuset(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned char mask[1024];
	bool first = true;
	long cpu;

	if (t->ret <= 0 || t->ret > (long)sizeof(mask) || mem_read(mask, t->a[i], t->ret)) {
		put_ptr(f, t->a[i]);
		return;
	}
	fputc('[', f);
	for (cpu = 0; cpu < t->ret * 8; cpu++) {
		if (!(mask[cpu / 8] & (1u << (cpu % 8))))
			continue;
		fprintf(f, "%s%ld", first ? "" : " ", cpu);	/* strace: [0 1] */
		first = false;
	}
	fputc(']', f);
}

static void p_sysinfo(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	struct sysinfo si;

	if (t->ret < 0 || !get(t, i, &si, sizeof(si))) {
		put_ptr(f, t->a[i]);
		return;
	}
	fprintf(f, "{uptime=%ld, loads=[%lu, %lu, %lu], totalram=%lu, freeram=%lu, sharedram=%lu, "
		"bufferram=%lu, totalswap=%lu, freeswap=%lu, procs=%u, totalhigh=%lu, "
		"freehigh=%lu, mem_unit=%u}", si.uptime, si.loads[0], si.loads[1], si.loads[2],
		si.totalram, si.freeram, si.sharedram, si.bufferram, si.totalswap, si.freeswap,
		si.procs, si.totalhigh, si.freehigh, si.mem_unit);
}

/* statx's flags: the sync type by name (0 is AT_STATX_SYNC_AS_STAT), then the AT_ flags. */
static void p_statx_flags(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned long v = t->a[i], rest = v & ~(unsigned long)AT_STATX_SYNC_TYPE;

	PUT_VAL(f, v & AT_STATX_SYNC_TYPE, statx_sync, NULL);
	if (rest) {
		fputc('|', f);
		PUT_FLAGS(f, rest, at_flags, NULL);
	}
}

static void p_statx_mask(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, (unsigned int)t->a[i], statx_masks, NULL);
}

/* struct statx, abbreviated as strace does without -v. */
static void p_statx(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned int type, bits;
	struct statx sx;

	if (t->ret < 0 || !get(t, i, &sx, sizeof(sx))) {
		put_ptr(f, t->a[i]);
		return;
	}
	type = sx.stx_mode & S_IFMT;
	bits = sx.stx_mode & (S_ISUID | S_ISGID | S_ISVTX);
	fputs("{stx_mask=", f);
	PUT_FLAGS(f, sx.stx_mask, statx_masks, NULL);
	fputs(", stx_attributes=", f);
	PUT_FLAGS(f, sx.stx_attributes, statx_attrs, NULL);
	fputs(", stx_mode=", f);
	PUT_VAL(f, type, file_types, NULL);
	if (bits) {
		fputc('|', f);
		PUT_FLAGS(f, bits, mode_bits, NULL);
	}
	fprintf(f, "|%#03o, stx_size=%llu, ...}", sx.stx_mode & 0777,
		(unsigned long long)sx.stx_size);
}

/*
 * rt_sigreturn: strace shows the signal mask the frame restores.  The
 * argument is the frame's ucontext (signal.c); its uc_sigmask follows
 * uc_flags, uc_link, uc_stack and the 256-byte sigcontext
 * (arch/x86/include/uapi/asm/ucontext.h, sigcontext.h).
 */
#define UC_SIGMASK_OFFSET	(8 + 8 + 24 + 256)

static void p_sigframe(FILE *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t mask;

	if (mem_read(&mask, t->a[i] + UC_SIGMASK_OFFSET, sizeof(mask))) {
		put_ptr(f, t->a[i]);
		return;
	}
	fputs("{mask=", f);
	put_sigmask(f, mask);
	fputc('}', f);
}

static const printer printers[PK_NR] = {
	[PK_INT] = p_int, [PK_LONG] = p_long, [PK_ULONG] = p_ulong, [PK_HEX] = p_hex,
	[PK_PTR] = p_ptr, [PK_DIRFD] = p_dirfd, [PK_PATH] = p_path, [PK_STR] = p_str,
	[PK_BUF_IN] = p_buf_in, [PK_BUF_OUT] = p_buf_out, [PK_RAND_OUT] = p_rand_out,
	[PK_OFLAGS] = p_oflags, [PK_OFLAGS_NOACC] = p_oflags_noacc, [PK_MODE] = p_mode,
	[PK_PROT] = p_prot, [PK_MFLAGS] = p_mflags, [PK_AT] = p_at,
	[PK_AT_UNLINK] = p_at_unlink, [PK_AT_ACCESS] = p_at_access, [PK_ACCESS] = p_access,
	[PK_SIG] = p_sig, [PK_SIGHOW] = p_sighow, [PK_SIGSET] = p_sigset,
	[PK_SIGSET_OUT] = p_sigset_out, [PK_SIGACT] = p_sigact,
	[PK_SIGACT_OUT] = p_sigact_out, [PK_AF] = p_af, [PK_SOCKTYPE] = p_socktype,
	[PK_SOCKPROTO] = p_sockproto, [PK_SOCKADDR] = p_sockaddr, [PK_RLIMRES] = p_rlimres,
	[PK_RLIM] = p_rlim, [PK_RLIM_OUT] = p_rlim_out, [PK_STAT] = p_stat, [PK_TS] = p_ts,
	[PK_TS_REM] = p_ts_rem, [PK_IOV] = p_iov, [PK_IOV_OUT] = p_iov_out,
	[PK_WHENCE] = p_whence, [PK_GRND] = p_grnd, [PK_MADV] = p_madv, [PK_CLOCK] = p_clock,
	[PK_TIMER_FLAGS] = p_timer_flags, [PK_IOCTL] = p_ioctl, [PK_FDPAIR] = p_fdpair,
	[PK_WSTATUS] = p_wstatus, [PK_WOPTIONS] = p_woptions, [PK_DENTS] = p_dents,
	[PK_UNAME] = p_uname, [PK_ENVP] = p_envp, [PK_ARCH_CODE] = p_arch_code,
	[PK_ARCH_ADDR] = p_arch_addr, [PK_STRV] = p_strv, [PK_NAME_OUT] = p_name_out,
	[PK_STATFS] = p_statfs, [PK_STACK] = p_stack, [PK_STACK_OUT] = p_stack_out, [PK_FADV] = p_fadv, [PK_CPUSET] = p_cpuset, [PK_SYSINFO] = p_sysinfo, [PK_STATX_FLAGS] = p_statx_flags,
	[PK_STATX_MASK] = p_statx_mask, [PK_STATX] = p_statx, [PK_SIGFRAME] = p_sigframe,
};

/* ---- calls whose argument list depends on their values ------------------------------ */

typedef void (*whole_printer)(FILE *f, const struct tcall *t);

/* clone(2), x86-64 order: flags, stack, parent_tid, child_tid, tls; strace names them. */
static void w_clone(FILE *f, const struct tcall *t)
{
	unsigned long flags = t->a[0], sig = flags & CSIGNAL;

	fputs("child_stack=", f);
	put_ptr(f, t->a[1]);
	fputs(", flags=", f);
	if (flags & ~(unsigned long)CSIGNAL) {
		PUT_FLAGS(f, flags & ~(unsigned long)CSIGNAL, clone_flags, NULL);
		if (sig)
			fputc('|', f);
	}
	if (sig || !(flags & ~(unsigned long)CSIGNAL))
		put_sig(f, (long)sig);
	if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) {
		fputs(", parent_tid=", f);
		put_ptr(f, t->a[2]);
	}
	if (flags & CLONE_SETTLS) {
		fputs(", tls=", f);
		put_ptr(f, t->a[4]);
	}
	if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) {
		fputs(", child_tidptr=", f);
		put_ptr(f, t->a[3]);
	}
}

/* prctl(2): the options systab.c forwards, each with its own arguments. */
static const struct {
	int option;
	const char *name;
	unsigned char pk[4];		/* arguments 2..5; PK_NONE ends */
} prctls[] = {
	{ PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG", { PK_SIG } },
	{ PR_GET_DUMPABLE, "PR_GET_DUMPABLE", { PK_NONE } },
	{ PR_SET_DUMPABLE, "PR_SET_DUMPABLE", { PK_ULONG } },
	{ PR_SET_NAME, "PR_SET_NAME", { PK_STR } },
	{ PR_GET_NAME, "PR_GET_NAME", { PK_NAME_OUT } },
	{ PR_CAPBSET_READ, "PR_CAPBSET_READ", { PK_ULONG } },
	{ PR_GET_SECUREBITS, "PR_GET_SECUREBITS", { PK_NONE } },
	{ PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS", { PK_ULONG, PK_ULONG, PK_ULONG, PK_ULONG } },
	{ PR_GET_NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS", { PK_ULONG, PK_ULONG, PK_ULONG, PK_ULONG } },
};

static void w_prctl(FILE *f, const struct tcall *t)
{
	size_t k;
	int i;

	for (k = 0; k < ARRAY_SIZE(prctls); k++) {
		if (prctls[k].option != (int)t->a[0])
			continue;
		fputs(prctls[k].name, f);
		for (i = 0; i < 4 && prctls[k].pk[i] != PK_NONE; i++) {
			fputs(", ", f);
			printers[prctls[k].pk[i]](f, t, i + 1, 0);
		}
		return;
	}
	fprintf(f, "%#x /* PR_??? */", (int)t->a[0]);
	for (i = 1; i < 5; i++)
		fprintf(f, ", %#lx", (unsigned long)t->a[i]);
}

/* futex(2): the operation says how many arguments there are. */
static void w_futex(FILE *f, const struct tcall *t)
{
	int op = (int)t->a[1], cmd = op & FUTEX_CMD_MASK;
	const char *name = xlookup(futex_ops, ARRAY_SIZE(futex_ops), cmd);

	put_ptr(f, t->a[0]);
	fputs(", ", f);
	if (!name) {
		fprintf(f, "%#x, %#lx, %#lx, %#lx, %#lx", op, (unsigned long)t->a[2],
			(unsigned long)t->a[3], (unsigned long)t->a[4], (unsigned long)t->a[5]);
		return;
	}
	fprintf(f, "%s%s%s, %d", name, op & FUTEX_PRIVATE_FLAG ? "_PRIVATE" : "",
		op & FUTEX_CLOCK_REALTIME ? "|FUTEX_CLOCK_REALTIME" : "", (int)t->a[2]);
	switch (cmd) {
	case FUTEX_WAKE:
		break;
	case FUTEX_WAIT:
		fputs(", ", f);
		put_ts(f, t, 3);
		break;
	case FUTEX_WAIT_BITSET:
		fputs(", ", f);
		put_ts(f, t, 3);
		if ((unsigned int)t->a[5] == FUTEX_BITSET_MATCH_ANY)
			fputs(", FUTEX_BITSET_MATCH_ANY", f);
		else
			fprintf(f, ", %#x", (unsigned int)t->a[5]);
		break;
	default:
		fprintf(f, ", %#lx, %#lx, %#lx", (unsigned long)t->a[3], (unsigned long)t->a[4],
			(unsigned long)t->a[5]);
	}
}

/* fcntl(2): the command says what the third argument is. */
static void w_fcntl(FILE *f, const struct tcall *t)
{
	int cmd = (int)t->a[1];

	fprintf(f, "%d, ", (int)t->a[0]);
	PUT_VAL(f, (unsigned int)cmd, fcntls, NULL);
	switch (cmd) {
	case F_GETFD: case F_GETFL: case F_GETOWN: case F_GETSIG: case F_GETLEASE:
	case F_GETPIPE_SZ: case F_GET_SEALS:
		break;
	case F_SETFD:
		fputs(", ", f);
		PUT_FLAGS(f, t->a[2], fd_flags, NULL);
		break;
	case F_SETFL: {
		struct tcall one = *t;
		uint64_t a[6] = { t->a[2] };

		one.a = a;
		fputs(", ", f);
		p_oflags(f, &one, 0, 0);
		break;
	}
	case F_DUPFD: case F_DUPFD_CLOEXEC: case F_SETPIPE_SZ:
		fprintf(f, ", %d", (int)t->a[2]);
		break;
	default:
		fprintf(f, ", %#lx", (unsigned long)t->a[2]);
	}
}

/* ---- the table: each call's printers ---------------------------------------------- */

struct callfmt {
	unsigned char n;		/* arguments shown */
	unsigned char pk[6];
	unsigned char len[6];		/* for buffers, iovecs, sockaddrs: the length's argument */
	whole_printer whole;
};

#define A(...)		.pk = { __VA_ARGS__ }, .n = sizeof((unsigned char[]){ __VA_ARGS__ })
#define L(...)		.len = { __VA_ARGS__ }
#define C(nr, ...)	[nr] = { __VA_ARGS__ }
#define W(nr, fn, nargs) [nr] = { .whole = fn, .n = nargs }

static const struct callfmt fmt[MAX_SYSCALLS] = {
	C(SYS_read, A(PK_INT, PK_BUF_OUT, PK_ULONG)),
	C(SYS_write, A(PK_INT, PK_BUF_IN, PK_ULONG), L(0, 2)),
	C(SYS_open, A(PK_PATH, PK_OFLAGS, PK_MODE)),
	C(SYS_close, A(PK_INT)),
	C(SYS_stat, A(PK_PATH, PK_STAT)),
	C(SYS_fstat, A(PK_INT, PK_STAT)),
	C(SYS_lstat, A(PK_PATH, PK_STAT)),
	C(SYS_lseek, A(PK_INT, PK_LONG, PK_WHENCE)),
	C(SYS_mmap, A(PK_PTR, PK_ULONG, PK_PROT, PK_MFLAGS, PK_INT, PK_HEX)),
	C(SYS_mprotect, A(PK_PTR, PK_ULONG, PK_PROT)),
	C(SYS_munmap, A(PK_PTR, PK_ULONG)),
	C(SYS_brk, A(PK_PTR)),
	C(SYS_rt_sigaction, A(PK_SIG, PK_SIGACT, PK_SIGACT_OUT, PK_ULONG)),
	C(SYS_rt_sigprocmask, A(PK_SIGHOW, PK_SIGSET, PK_SIGSET_OUT, PK_ULONG)),
	C(SYS_ioctl, A(PK_INT, PK_IOCTL, PK_PTR)),
	C(SYS_pread64, A(PK_INT, PK_BUF_OUT, PK_ULONG, PK_LONG)),
	C(SYS_pwrite64, A(PK_INT, PK_BUF_IN, PK_ULONG, PK_LONG), L(0, 2)),
	C(SYS_readv, A(PK_INT, PK_IOV_OUT, PK_INT), L(0, 2)),
	C(SYS_writev, A(PK_INT, PK_IOV, PK_INT), L(0, 2)),
	C(SYS_access, A(PK_PATH, PK_ACCESS)),
	C(SYS_pipe, A(PK_FDPAIR)),
	C(SYS_madvise, A(PK_PTR, PK_ULONG, PK_MADV)),
	C(SYS_dup, A(PK_INT)),
	C(SYS_dup2, A(PK_INT, PK_INT)),
	C(SYS_nanosleep, A(PK_TS, PK_TS_REM)),
	C(SYS_socket, A(PK_AF, PK_SOCKTYPE, PK_SOCKPROTO)),
	C(SYS_connect, A(PK_INT, PK_SOCKADDR, PK_INT), L(0, 2)),
	C(SYS_bind, A(PK_INT, PK_SOCKADDR, PK_INT), L(0, 2)),
	C(SYS_sendto, A(PK_INT, PK_BUF_IN, PK_ULONG, PK_HEX, PK_SOCKADDR, PK_INT),
	  L(0, 2, 0, 0, 5)),
	C(SYS_socketpair, A(PK_AF, PK_SOCKTYPE, PK_SOCKPROTO, PK_FDPAIR)),
	W(SYS_clone, w_clone, 1),
	C(SYS_execve, A(PK_PATH, PK_STRV, PK_ENVP)),
	C(SYS_exit, A(PK_INT)),
	C(SYS_wait4, A(PK_INT, PK_WSTATUS, PK_WOPTIONS, PK_PTR)),
	C(SYS_kill, A(PK_INT, PK_SIG)),
	C(SYS_uname, A(PK_UNAME)),
	W(SYS_fcntl, w_fcntl, 1),
	C(SYS_getcwd, A(PK_BUF_OUT, PK_ULONG)),
	C(SYS_chdir, A(PK_PATH)),
	C(SYS_rename, A(PK_PATH, PK_PATH)),
	C(SYS_mkdir, A(PK_PATH, PK_MODE)),
	C(SYS_rmdir, A(PK_PATH)),
	C(SYS_creat, A(PK_PATH, PK_MODE)),
	C(SYS_link, A(PK_PATH, PK_PATH)),
	C(SYS_unlink, A(PK_PATH)),
	C(SYS_symlink, A(PK_PATH, PK_PATH)),
	C(SYS_readlink, A(PK_PATH, PK_BUF_OUT, PK_ULONG)),
	C(SYS_chmod, A(PK_PATH, PK_MODE)),
	C(SYS_fchmod, A(PK_INT, PK_MODE)),
	C(SYS_umask, A(PK_MODE)),
	C(SYS_getrlimit, A(PK_RLIMRES, PK_RLIM_OUT)),
	C(SYS_setrlimit, A(PK_RLIMRES, PK_RLIM)),
	C(SYS_statfs, A(PK_PATH, PK_STATFS)),
	C(SYS_fstatfs, A(PK_INT, PK_STATFS)),
	W(SYS_prctl, w_prctl, 1),
	C(SYS_arch_prctl, A(PK_ARCH_CODE, PK_ARCH_ADDR)),
	C(SYS_tkill, A(PK_INT, PK_SIG)),
	W(SYS_futex, w_futex, 1),
	C(SYS_getdents64, A(PK_INT, PK_DENTS, PK_ULONG)),
	C(SYS_set_tid_address, A(PK_PTR)),
	C(SYS_clock_nanosleep, A(PK_CLOCK, PK_TIMER_FLAGS, PK_TS, PK_TS_REM)),
	C(SYS_exit_group, A(PK_INT)),
	C(SYS_tgkill, A(PK_INT, PK_INT, PK_SIG)),
	C(SYS_openat, A(PK_DIRFD, PK_PATH, PK_OFLAGS, PK_MODE)),
	C(SYS_mkdirat, A(PK_DIRFD, PK_PATH, PK_MODE)),
	C(SYS_newfstatat, A(PK_DIRFD, PK_PATH, PK_STAT, PK_AT)),
	C(SYS_unlinkat, A(PK_DIRFD, PK_PATH, PK_AT_UNLINK)),
	C(SYS_renameat, A(PK_DIRFD, PK_PATH, PK_DIRFD, PK_PATH)),
	C(SYS_readlinkat, A(PK_DIRFD, PK_PATH, PK_BUF_OUT, PK_ULONG)),
	C(SYS_fchmodat, A(PK_DIRFD, PK_PATH, PK_MODE)),
	C(SYS_faccessat, A(PK_DIRFD, PK_PATH, PK_ACCESS)),
	C(SYS_faccessat2, A(PK_DIRFD, PK_PATH, PK_ACCESS, PK_AT_ACCESS)),
	C(SYS_set_robust_list, A(PK_PTR, PK_ULONG)),
	C(SYS_dup3, A(PK_INT, PK_INT, PK_OFLAGS_NOACC)),
	C(SYS_pipe2, A(PK_FDPAIR, PK_OFLAGS_NOACC)),
	C(SYS_prlimit64, A(PK_INT, PK_RLIMRES, PK_RLIM, PK_RLIM_OUT)),
	C(SYS_getrandom, A(PK_RAND_OUT, PK_ULONG, PK_GRND)),
	C(SYS_rseq, A(PK_PTR, PK_HEX, PK_INT, PK_HEX)),
	C(SYS_statx, A(PK_DIRFD, PK_PATH, PK_STATX_FLAGS, PK_STATX_MASK, PK_STATX)),
	C(SYS_sysinfo, A(PK_SYSINFO)),
	C(SYS_sigaltstack, A(PK_STACK, PK_STACK_OUT)),
	C(SYS_fadvise64, A(PK_INT, PK_LONG, PK_LONG, PK_FADV)),
	C(SYS_sched_getaffinity, A(PK_INT, PK_ULONG, PK_CPUSET)),
	C(SYS_getxattr, A(PK_PATH, PK_STR, PK_BUF_OUT, PK_ULONG)),
	C(SYS_lgetxattr, A(PK_PATH, PK_STR, PK_BUF_OUT, PK_ULONG)),
	C(SYS_fgetxattr, A(PK_INT, PK_STR, PK_BUF_OUT, PK_ULONG)),
	C(SYS_rt_sigreturn, A(PK_SIGFRAME)),
	C(SYS_getpid), C(SYS_getppid), C(SYS_gettid), C(SYS_getuid), C(SYS_geteuid),
	C(SYS_getgid), C(SYS_getegid), C(SYS_getpgrp), C(SYS_setsid), C(SYS_sync),
	C(SYS_sched_yield), C(SYS_pause), C(SYS_fork), C(SYS_vfork),
};

bool decode_args(FILE *f, const struct tcall *t)
{
	const struct callfmt *c;
	int i, n;

	if (t->nr < 0 || t->nr >= MAX_SYSCALLS)
		return false;
	c = &fmt[t->nr];
	if (c->whole) {
		c->whole(f, t);
		return true;
	}
	if (!c->n && !sys_desc(t->nr))
		return false;
	if (!c->n && sys_desc(t->nr)->a[0].k != A_NONE)
		return false;		/* not in our table: systab.c's kinds */
	n = c->n;
	/* as strace: open's mode only when the call may create a file */
	if ((t->nr == SYS_open || t->nr == SYS_openat) &&
	    !(t->a[n - 2] & O_CREAT) && (t->a[n - 2] & O_TMPFILE) != O_TMPFILE)
		n--;
	for (i = 0; i < n; i++) {
		if (i)
			fputs_unlocked(", ", f);
		printers[c->pk[i]](f, t, i, c->len[i]);
	}
	return true;
}

/* strace's notes on results: fcntl's flags, prctl's dumpable mode. */
void decode_ret_note(FILE *f, const struct tcall *t)
{
	if (t->ret < 0)
		return;
	if (t->nr == SYS_fcntl && (int)t->a[1] == F_GETFD && t->ret) {
		fputs(" (flags ", f);
		PUT_FLAGS(f, t->ret, fd_flags, NULL);
		fputc(')', f);
	} else if (t->nr == SYS_fcntl && (int)t->a[1] == F_GETFL) {
		struct tcall one = *t;
		uint64_t a[6] = { (uint64_t)t->ret };

		one.a = a;
		fputs(" (flags ", f);
		p_oflags(f, &one, 0, 0);
		fputc(')', f);
	}
}

/* ---- strace's -e trace=%CLASS ------------------------------------------------------- */

static const struct {
	const char *cls;
	const char *names;
} classes[] = {
	{ "%file", "open creat openat access faccessat faccessat2 stat lstat newfstatat statx "
		   "statfs chdir chmod fchmodat chown lchown fchownat link linkat unlink unlinkat "
		   "rename renameat renameat2 mkdir mkdirat rmdir symlink symlinkat readlink "
		   "readlinkat truncate utime utimes utimensat execve getxattr lgetxattr "
		   "listxattr llistxattr mount chroot" },
	{ "%process", "clone clone3 fork vfork execve exit exit_group wait4 waitid kill tkill "
		      "tgkill" },
	{ "%network", "socket socketpair bind listen accept accept4 connect getsockname "
		      "getpeername sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown "
		      "setsockopt getsockopt" },
	{ "%signal", "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigsuspend "
		     "sigaltstack kill tkill tgkill pause" },
	{ "%desc", "read write open close fstat poll lseek mmap ioctl pread64 pwrite64 readv "
		   "writev pipe select dup dup2 sendfile fcntl flock fsync fdatasync ftruncate "
		   "getdents64 fchdir creat fchmod fchown fstatfs readahead fgetxattr "
		   "epoll_wait epoll_ctl openat mkdirat fchownat newfstatat unlinkat renameat "
		   "linkat symlinkat readlinkat fchmodat faccessat pselect6 ppoll splice tee "
		   "utimensat epoll_pwait fallocate eventfd2 epoll_create1 dup3 pipe2 preadv "
		   "pwritev syncfs renameat2 memfd_create copy_file_range preadv2 pwritev2 statx "
		   "faccessat2 close_range fadvise64 setns" },
	{ "%memory", "brk mmap mprotect munmap mremap msync mincore madvise pkey_mprotect" },
	{ "%creds", "getuid getgid geteuid getegid setuid setgid getgroups getresuid getresgid" },
	{ "%clock", "clock_gettime clock_getres clock_nanosleep gettimeofday time" },
	{ "%stat", "stat" }, { "%lstat", "lstat" }, { "%fstat", "fstat newfstatat" },
	{ "%%stat", "stat lstat fstat newfstatat statx" },
	{ "%statfs", "statfs" }, { "%fstatfs", "fstatfs" }, { "%%statfs", "statfs fstatfs" },
};

int trace_class_mark(const char *cls, bool *set, int nset)
{
	size_t k;

	if (!strcmp(cls, "%net"))
		cls = "%network";
	for (k = 0; k < ARRAY_SIZE(classes); k++) {
		const char *p = classes[k].names;

		if (strcmp(classes[k].cls, cls))
			continue;
		while (*p) {
			char name[32];
			size_t n = strcspn(p, " ");
			int nr;

			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			nr = syscall_nr(name);
			if (nr >= 0 && nr < nset)
				set[nr] = true;
			p += n + (p[n] == ' ');
		}
		return 0;
	}
	return -1;
}
