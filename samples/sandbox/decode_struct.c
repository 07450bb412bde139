// SPDX-License-Identifier: GPL-2.0
/*
 * decode_struct.c - the structures the kernel reads or fills, as strace
 * shows them: struct stat and statx (abbreviated, as without -v),
 * statfs, rlimit, timespec, iovec arrays, the pipe's descriptor pair,
 * wait status, getdents64's entries, utsname, sysinfo, CPU sets,
 * execve's argv and environment, and the few pointers whose target the
 * kernel fills (PR_GET_NAME, ARCH_GET_FS).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <dirent.h>
#include <asm/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "decode_priv.h"

static const struct xval rlimits[] = {
	XV(RLIMIT_CPU), XV(RLIMIT_FSIZE), XV(RLIMIT_DATA), XV(RLIMIT_STACK), XV(RLIMIT_CORE),
	XV(RLIMIT_RSS), XV(RLIMIT_NPROC), XV(RLIMIT_NOFILE), XV(RLIMIT_MEMLOCK), XV(RLIMIT_AS),
	XV(RLIMIT_LOCKS), XV(RLIMIT_SIGPENDING), XV(RLIMIT_MSGQUEUE), XV(RLIMIT_NICE),
	XV(RLIMIT_RTPRIO), XV(RLIMIT_RTTIME),
};

static const struct xval file_types[] = {
	XV(S_IFREG), XV(S_IFDIR), XV(S_IFCHR), XV(S_IFBLK), XV(S_IFIFO), XV(S_IFLNK),
	XV(S_IFSOCK),
};

static const struct xval mode_bits[] = { XV(S_ISUID), XV(S_ISGID), XV(S_ISVTX) };

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

void p_rlimres(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_VAL(f, t->a[i], rlimits, NULL);
}

/* strace's sprint_rlim64: the infinity by name, multiples of 1 KiB as N*1024. */
static void put_rlim_val(struct tbuf *f, uint64_t v)
{
	if (v == RLIM_INFINITY)
		tb_puts(f, "RLIM64_INFINITY");
	else if (v > 1024 && v % 1024 == 0)
		tb_printf(f, "%lu*1024", (unsigned long)(v / 1024));
	else
		tb_printf(f, "%lu", (unsigned long)v);
}

void p_rlim(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	struct rlimit r;

	if (!t->a[i]) {
		tb_puts(f, "NULL");
	} else if (!get_arg(t, i, &r, sizeof(r))) {
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
	} else {
		tb_puts(f, "{rlim_cur=");
		put_rlim_val(f, r.rlim_cur);
		tb_puts(f, ", rlim_max=");
		put_rlim_val(f, r.rlim_max);
		tb_putc(f, '}');
	}
}

void p_rlim_out(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	if (t->ret < 0 && t->a[i])
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
	else
		p_rlim(f, t, i, l);
}

/* struct stat, abbreviated as strace does without -v. */
void p_stat(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned int type, bits;
	struct stat st;

	if (t->ret < 0 || !get_arg(t, i, &st, sizeof(st))) {
		put_ptr(f, t->a[i]);
		return;
	}
	type = st.st_mode & S_IFMT;
	bits = st.st_mode & (S_ISUID | S_ISGID | S_ISVTX);
	tb_puts(f, "{st_mode=");
	PUT_VAL(f, type, file_types, NULL);
	if (bits) {
		tb_putc(f, '|');
		PUT_FLAGS(f, bits, mode_bits, NULL);
	}
	tb_printf(f, "|%#03o, ", st.st_mode & 0777);
	if (type == S_IFCHR || type == S_IFBLK)
		tb_printf(f, "st_rdev=makedev(%#x, %#x), ...}", major(st.st_rdev),
			minor(st.st_rdev));
	else
		tb_printf(f, "st_size=%ld, ...}", (long)st.st_size);
}

void put_ts(struct tbuf *f, const struct tcall *t, int i)
{
	struct timespec ts;

	if (!t->a[i])
		tb_puts(f, "NULL");
	else if (!get_arg(t, i, &ts, sizeof(ts)))
		tb_printf(f, "%#lx", (unsigned long)t->a[i]);
	else
		tb_printf(f, "{tv_sec=%ld, tv_nsec=%ld}", (long)ts.tv_sec, (long)ts.tv_nsec);
}

void p_ts(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_ts(f, t, i);
}

/* nanosleep's remainder: written only when interrupted. */
void p_ts_rem(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
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
static void put_iov(struct tbuf *f, const struct tcall *t, int i, int l, bool out)
{
	long n = (long)t->a[l], left = t->ret, k;
	struct iovec v;

	if ((out && t->ret < 0) || n < 0 || n > MAX_IOV) {
		put_ptr(f, t->a[i]);
		return;
	}
	tb_putc(f, '[');
	for (k = 0; k < n; k++) {
		const struct iovec *copy = t->copy ? t->copy[i] : NULL;

		if (k == trace_strsize) {
			tb_puts(f, ", ...");
			break;
		}
		if (copy)
			v = copy[k];
		else if (mem_read(&v, t->a[i] + k * sizeof(v), sizeof(v)))
			break;
		tb_puts(f, k ? ", {iov_base=" : "{iov_base=");
		if (out) {
			long got = left < (long)v.iov_len ? left : (long)v.iov_len;

			put_mem_str(f, (uint64_t)v.iov_base, got, false, false);
			left -= got;
		} else {
			put_mem_str(f, (uint64_t)v.iov_base, v.iov_len, false, false);
		}
		tb_printf(f, ", iov_len=%zu}", v.iov_len);
	}
	tb_putc(f, ']');
}

void p_iov(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_iov(f, t, i, l, false);
}

void p_iov_out(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	put_iov(f, t, i, l, true);
}

void p_fdpair(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	int fds[2];

	if (t->ret < 0 || !get_arg(t, i, fds, sizeof(fds)))
		put_ptr(f, t->a[i]);
	else
		tb_printf(f, "[%d, %d]", fds[0], fds[1]);
}

void p_wstatus(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	char buf[16];
	int s;

	if (t->ret <= 0 || !t->a[i] || !get_arg(t, i, &s, sizeof(s))) {
		put_ptr(f, t->a[i]);
		return;
	}
	if (WIFEXITED(s)) {
		tb_printf(f, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", WEXITSTATUS(s));
	} else if (WIFSIGNALED(s)) {
		const char *n = signal_name(WTERMSIG(s), buf, sizeof(buf));

		tb_printf(f, "[{WIFSIGNALED(s) && WTERMSIG(s) == %s%s}]", n ? n : "?",
			WCOREDUMP(s) ? " && WCOREDUMP(s)" : "");
	} else if (WIFSTOPPED(s)) {
		const char *n = signal_name(WSTOPSIG(s), buf, sizeof(buf));

		tb_printf(f, "[{WIFSTOPPED(s) && WSTOPSIG(s) == %s}]", n ? n : "?");
	} else {
		tb_printf(f, "[%#x]", s);
	}
}

/* getdents64: the buffer's address and how many entries the call returned. */
void p_dents(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
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
	tb_printf(f, " /* %ld entries */", n);
}

void p_uname(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	struct utsname u;

	if (t->ret < 0 || !get_arg(t, i, &u, sizeof(u))) {
		put_ptr(f, t->a[i]);
		return;
	}
	u.sysname[sizeof(u.sysname) - 1] = 0;
	u.nodename[sizeof(u.nodename) - 1] = 0;
	tb_puts(f, "{sysname=");
	put_quoted(f, u.sysname, strlen(u.sysname), strlen(u.sysname), false);
	tb_puts(f, ", nodename=");
	put_quoted(f, u.nodename, strlen(u.nodename), strlen(u.nodename), false);
	tb_puts(f, ", ...}");
}

/* execve's environment: its address and how many variables (strace). */
void p_envp(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t p;
	int n = 0;

	put_ptr(f, t->a[i]);
	if (!t->a[i])
		return;
	while (n < 65536 && !mem_read(&p, t->a[i] + n * sizeof(p), sizeof(p)) && p)
		n++;
	tb_printf(f, " /* %d var%s */", n, n == 1 ? "" : "s");
}

/* execve's argv: up to -s strings of up to -s bytes. */
void p_strv(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t p;
	int n;

	if (!t->a[i] || mem_read(&p, t->a[i], sizeof(p))) {
		put_ptr(f, t->a[i]);
		return;
	}
	tb_putc(f, '[');
	for (n = 0; !mem_read(&p, t->a[i] + n * sizeof(p), sizeof(p)) && p; n++) {
		if (n == trace_strsize) {
			tb_puts(f, ", ...");
			break;
		}
		if (n)
			tb_puts(f, ", ");
		put_mem_str(f, p, 0, true, false);
	}
	tb_putc(f, ']');
}

/* arch_prctl's address: the value the kernel stored, for the ARCH_GET_*s. */
void p_arch_addr(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	uint64_t v;

	if ((t->a[0] == ARCH_GET_FS || t->a[0] == ARCH_GET_GS) && t->ret == 0 &&
	    !mem_read(&v, t->a[i], sizeof(v)))
		tb_printf(f, "[%#lx]", (unsigned long)v);
	else
		put_ptr(f, t->a[i]);
}

/* PR_GET_NAME's 16 bytes, after the call. */
void p_name_out(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
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
void p_statfs(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	const char *magic;
	struct statfs sf;
	int fsid[2];

	if (t->ret < 0 || !get_arg(t, i, &sf, sizeof(sf))) {
		put_ptr(f, t->a[i]);
		return;
	}
	memcpy(fsid, &sf.f_fsid, sizeof(fsid));
	magic = xlookup(fs_magics, ARRAY_SIZE(fs_magics), (unsigned long)sf.f_type);
	tb_puts(f, "{f_type=");
	if (magic)
		tb_puts(f, magic);
	else
		tb_printf(f, "%#lx", (unsigned long)sf.f_type);
	tb_printf(f, ", f_bsize=%ld, f_blocks=%lu, f_bfree=%lu, f_bavail=%lu, f_files=%lu, "
		"f_ffree=%lu, f_fsid={val=[%#x, %#x]}, f_namelen=%ld, f_frsize=%ld, f_flags=",
		(long)sf.f_bsize, (unsigned long)sf.f_blocks, (unsigned long)sf.f_bfree,
		(unsigned long)sf.f_bavail, (unsigned long)sf.f_files, (unsigned long)sf.f_ffree,
		fsid[0], fsid[1], (long)sf.f_namelen, (long)sf.f_frsize);
	PUT_FLAGS(f, (unsigned long)sf.f_flags, statfs_flags, NULL);
	tb_putc(f, '}');
}

/* sched_getaffinity's mask: the CPUs in it, in the bytes the call returned. */
void p_cpuset(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned char mask[1024];
	bool first = true;
	long cpu;

	if (t->ret <= 0 || t->ret > (long)sizeof(mask) || mem_read(mask, t->a[i], t->ret)) {
		put_ptr(f, t->a[i]);
		return;
	}
	tb_putc(f, '[');
	for (cpu = 0; cpu < t->ret * 8; cpu++) {
		if (!(mask[cpu / 8] & (1u << (cpu % 8))))
			continue;
		tb_printf(f, "%s%ld", first ? "" : " ", cpu);	/* strace: [0 1] */
		first = false;
	}
	tb_putc(f, ']');
}

void p_sysinfo(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	struct sysinfo si;

	if (t->ret < 0 || !get_arg(t, i, &si, sizeof(si))) {
		put_ptr(f, t->a[i]);
		return;
	}
	tb_printf(f, "{uptime=%ld, loads=[%lu, %lu, %lu], totalram=%lu, freeram=%lu, sharedram=%lu, "
		"bufferram=%lu, totalswap=%lu, freeswap=%lu, procs=%u, totalhigh=%lu, "
		"freehigh=%lu, mem_unit=%u}", si.uptime, si.loads[0], si.loads[1], si.loads[2],
		si.totalram, si.freeram, si.sharedram, si.bufferram, si.totalswap, si.freeswap,
		si.procs, si.totalhigh, si.freehigh, si.mem_unit);
}

void p_statx_mask(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	PUT_FLAGS(f, (unsigned int)t->a[i], statx_masks, NULL);
}

/* struct statx, abbreviated as strace does without -v. */
void p_statx(struct tbuf *f, const struct tcall *t, int i, int l __attribute__((unused)))
{
	unsigned int type, bits;
	struct statx sx;

	if (t->ret < 0 || !get_arg(t, i, &sx, sizeof(sx))) {
		put_ptr(f, t->a[i]);
		return;
	}
	type = sx.stx_mode & S_IFMT;
	bits = sx.stx_mode & (S_ISUID | S_ISGID | S_ISVTX);
	tb_puts(f, "{stx_mask=");
	PUT_FLAGS(f, sx.stx_mask, statx_masks, NULL);
	tb_puts(f, ", stx_attributes=");
	PUT_FLAGS(f, sx.stx_attributes, statx_attrs, NULL);
	tb_puts(f, ", stx_mode=");
	PUT_VAL(f, type, file_types, NULL);
	if (bits) {
		tb_putc(f, '|');
		PUT_FLAGS(f, bits, mode_bits, NULL);
	}
	tb_printf(f, "|%#03o, stx_size=%llu, ...}", sx.stx_mode & 0777,
		(unsigned long long)sx.stx_size);
}
