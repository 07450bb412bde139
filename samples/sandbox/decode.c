// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - arguments as strace prints them: the table.
 *
 * systab.c says what each argument is to the kernel (how far a pointer
 * reaches, in which direction): enough to copy it, not enough to show it.
 * This file says how strace shows it: one row per system call (fmt[]
 * below: its arguments' printers), and the printers of the calls whose
 * argument list depends on their values (clone, prctl, futex, fcntl).
 * The printers, one per kind of argument, live by subject:
 *
 *   decode_text.c    strings, buffers, decimal numbers
 *   decode_flags.c   flag and value sets (O_*, MAP_*, PROT_*, AT_*, ...)
 *   decode_signal.c  signals, signal sets, sigaction, stack_t
 *   decode_net.c     socket families, types, protocols, sockaddr
 *   decode_struct.c  stat, statx, statfs, rlimit, timespec, iovec, ...
 *
 * All of it is tables: one per flag or value set, printers[] from kind
 * to printer, fmt[] from call to kinds.
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
#include <fcntl.h>
#include <string.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "decode_priv.h"

static const struct xval clone_flags[] = {
	XV(CLONE_VM), XV(CLONE_FS), XV(CLONE_FILES), XV(CLONE_SIGHAND), XV(CLONE_PIDFD),
	XV(CLONE_PTRACE), XV(CLONE_VFORK), XV(CLONE_PARENT), XV(CLONE_THREAD),
	XV(CLONE_NEWNS), XV(CLONE_SYSVSEM), XV(CLONE_SETTLS), XV(CLONE_PARENT_SETTID),
	XV(CLONE_CHILD_CLEARTID), XV(CLONE_UNTRACED), XV(CLONE_CHILD_SETTID),
	XV(CLONE_NEWCGROUP), XV(CLONE_NEWUTS), XV(CLONE_NEWIPC), XV(CLONE_NEWUSER),
	XV(CLONE_NEWPID), XV(CLONE_NEWNET), XV(CLONE_IO),
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

typedef void (*whole_printer)(struct tbuf *f, const struct tcall *t);

/* clone(2), x86-64 order: flags, stack, parent_tid, child_tid, tls; strace names them. */
static void w_clone(struct tbuf *f, const struct tcall *t)
{
	unsigned long flags = t->a[0], sig = flags & CSIGNAL;

	tb_puts(f, "child_stack=");
	put_ptr(f, t->a[1]);
	tb_puts(f, ", flags=");
	if (flags & ~(unsigned long)CSIGNAL) {
		PUT_FLAGS(f, flags & ~(unsigned long)CSIGNAL, clone_flags, NULL);
		if (sig)
			tb_putc(f, '|');
	}
	if (sig || !(flags & ~(unsigned long)CSIGNAL))
		put_sig(f, (long)sig);
	if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) {
		tb_puts(f, ", parent_tid=");
		put_ptr(f, t->a[2]);
	}
	if (flags & CLONE_SETTLS) {
		tb_puts(f, ", tls=");
		put_ptr(f, t->a[4]);
	}
	if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) {
		tb_puts(f, ", child_tidptr=");
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

static void w_prctl(struct tbuf *f, const struct tcall *t)
{
	size_t k;
	int i;

	for (k = 0; k < ARRAY_SIZE(prctls); k++) {
		if (prctls[k].option != (int)t->a[0])
			continue;
		tb_puts(f, prctls[k].name);
		for (i = 0; i < 4 && prctls[k].pk[i] != PK_NONE; i++) {
			tb_puts(f, ", ");
			printers[prctls[k].pk[i]](f, t, i + 1, 0);
		}
		return;
	}
	tb_printf(f, "%#x /* PR_??? */", (int)t->a[0]);
	for (i = 1; i < 5; i++)
		tb_printf(f, ", %#lx", (unsigned long)t->a[i]);
}

/* futex(2): the operation says how many arguments there are. */
static void w_futex(struct tbuf *f, const struct tcall *t)
{
	int op = (int)t->a[1], cmd = op & FUTEX_CMD_MASK;
	const char *name = xlookup(futex_ops, ARRAY_SIZE(futex_ops), cmd);

	put_ptr(f, t->a[0]);
	tb_puts(f, ", ");
	if (!name) {
		tb_printf(f, "%#x, %#lx, %#lx, %#lx, %#lx", op, (unsigned long)t->a[2],
			(unsigned long)t->a[3], (unsigned long)t->a[4], (unsigned long)t->a[5]);
		return;
	}
	tb_printf(f, "%s%s%s, %d", name, op & FUTEX_PRIVATE_FLAG ? "_PRIVATE" : "",
		op & FUTEX_CLOCK_REALTIME ? "|FUTEX_CLOCK_REALTIME" : "", (int)t->a[2]);
	switch (cmd) {
	case FUTEX_WAKE:
		break;
	case FUTEX_WAIT:
		tb_puts(f, ", ");
		put_ts(f, t, 3);
		break;
	case FUTEX_WAIT_BITSET:
		tb_puts(f, ", ");
		put_ts(f, t, 3);
		if ((unsigned int)t->a[5] == FUTEX_BITSET_MATCH_ANY)
			tb_puts(f, ", FUTEX_BITSET_MATCH_ANY");
		else
			tb_printf(f, ", %#x", (unsigned int)t->a[5]);
		break;
	default:
		tb_printf(f, ", %#lx, %#lx, %#lx", (unsigned long)t->a[3], (unsigned long)t->a[4],
			(unsigned long)t->a[5]);
	}
}

/* fcntl(2): the command says what the third argument is. */
static void w_fcntl(struct tbuf *f, const struct tcall *t)
{
	int cmd = (int)t->a[1];

	tb_printf(f, "%d, ", (int)t->a[0]);
	PUT_VAL(f, (unsigned int)cmd, fcntls, NULL);
	switch (cmd) {
	case F_GETFD: case F_GETFL: case F_GETOWN: case F_GETSIG: case F_GETLEASE:
	case F_GETPIPE_SZ: case F_GET_SEALS:
		break;
	case F_SETFD:
		tb_puts(f, ", ");
		PUT_FLAGS(f, t->a[2], fd_flags, NULL);
		break;
	case F_SETFL: {
		struct tcall one = *t;
		uint64_t a[6] = { t->a[2] };

		one.a = a;
		tb_puts(f, ", ");
		p_oflags(f, &one, 0, 0);
		break;
	}
	case F_DUPFD: case F_DUPFD_CLOEXEC: case F_SETPIPE_SZ:
		tb_printf(f, ", %d", (int)t->a[2]);
		break;
	default:
		tb_printf(f, ", %#lx", (unsigned long)t->a[2]);
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

bool decode_args(struct tbuf *f, const struct tcall *t)
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
			tb_puts(f, ", ");
		printers[c->pk[i]](f, t, i, c->len[i]);
	}
	return true;
}

/* strace's notes on results: fcntl's flags, prctl's dumpable mode. */
void decode_ret_note(struct tbuf *f, const struct tcall *t)
{
	if (t->ret < 0)
		return;
	if (t->nr == SYS_fcntl && (int)t->a[1] == F_GETFD && t->ret) {
		tb_puts(f, " (flags ");
		PUT_FLAGS(f, t->ret, fd_flags, NULL);
		tb_putc(f, ')');
	} else if (t->nr == SYS_fcntl && (int)t->a[1] == F_GETFL) {
		struct tcall one = *t;
		uint64_t a[6] = { (uint64_t)t->ret };

		one.a = a;
		tb_puts(f, " (flags ");
		p_oflags(f, &one, 0, 0);
		tb_putc(f, ')');
	}
}
