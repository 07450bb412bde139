// SPDX-License-Identifier: GPL-2.0
/*
 * systab.c - what we know about each system call: its name, what its
 * arguments are, and its handler.  The table drives the pipeline
 * (call.h): copyin.c copies or checks each argument by its kind, decide.c
 * asks the policy, carry.c runs the entry's handler, copyout.c returns
 * what the kernel wrote, trace.c prints the strace line.
 *
 * A system call is forwarded only if its entry describes every pointer the
 * kernel would dereference: no entry, or an entry without a handler, is
 * never forwarded, whatever the policy says.  Calls whose pointers depend
 * on a sub-command (ioctl, fcntl, prctl, futex, socket options) have a
 * .sub function that gives the kinds for that sub-command and refuses the
 * ones it does not know.  systab_verify() checks at start that no
 * forwarded entry has an argument of a kind only a supervisor handler may
 * read (A_RAW, A_STRV).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <fcntl.h>

#include "call.h"

#define FD	{ A_FD, 0, 0 }
#define DIRFD	{ A_DIRFD, 0, 0 }
#define I	{ A_INT, 0, 0 }
#define X	{ A_HEX, 0, 0 }
#define STR	{ A_STR, 0, 0 }
#define P	{ A_PTR, 0, 0 }
#define RAW	{ A_RAW, 0, 0 }
#define IN(n)	{ A_IN, n, 0 }
#define OUT(n)	{ A_OUT, n, 0 }
#define INOUT(n) { A_INOUT, n, 0 }
#define INC(i)	{ A_INC, i, 0 }
#define INL(i)	{ A_INL, i, 0 }
#define OUTL(i)	{ A_OUTL, i, 0 }
#define IOV(i)	{ A_IOV, i, 0 }
#define IOVW(i)	{ A_IOVW, i, 0 }
#define MSG	{ A_MSG, 0, 0 }
#define MSGW	{ A_MSGW, 0, 0 }
#define MMSG(i)	{ A_MMSG, i, 0 }
#define MMSGW(i) { A_MMSGW, i, 0 }
#define LENBUF(i) { A_LENBUF, i, 0 }
#define LENP	{ A_LENP, 0, 0 }
#define FDSET(i) { A_FDSET, i, 0 }
#define SIGPAIR	{ A_SIGPAIR, 0, 0 }
#define MASK	{ A_MASK, SIGSET, 0 }
#define POLL(i)	{ A_POLL, i, 0 }
#define EPEV(i)	{ A_EPEV, i, 0 }
#define KEEP(n)	{ A_KEEP, n, 0 }
#define FLAT(n)	{ A_FLAT, n, 0 }
#define OUTN(i, sz) { A_OUTN, i, sz }
#define OFL	{ A_OFLAGS, 0, 0 }
#define PROT	{ A_PROT, 0, 0 }
#define MFL	{ A_MFLAGS, 0, 0 }
#define STRV	{ A_STRV, 0, 0 }
#define SIG	{ A_SIG, 0, 0 }
#define MODE	{ A_MODE, 0, 0 }

/* F: forwarded as described; H: a handler; N: never forwarded (errno). */
#define F(nr, nm, ...)	[nr] = { .name = nm, .a = { __VA_ARGS__ }, .run = h_fwd }
#define H(nr, nm, fn, ...) [nr] = { .name = nm, .a = { __VA_ARGS__ }, .run = fn }
#define HP(nr, nm, fn, ...) [nr] = { .name = nm, .a = { __VA_ARGS__ }, .run = fn, .ret_ptr = 1 }
#define HS(nr, nm, fn, sb, ...) [nr] = { .name = nm, .a = { __VA_ARGS__ }, .run = fn, .sub = sb }
#define HE(nr, nm, fn, em, ...) [nr] = { .name = nm, .a = { __VA_ARGS__ }, .run = fn, .emulate = em }
#define N(nr, nm, e, ...) [nr] = { .name = nm, .a = { __VA_ARGS__ }, .refuse = e }

/* Sizes of the structures, as the x86-64 kernel has them. */
#define STAT	144
#define TS	16
#define TV	16
#define RUSAGE	144
#define UTSNAME	390
#define STATFS	120
#define RLIM	16
#define SIGSET	8
#define ITIMER	32
#define SIGINFO	128
#define FLOCK	32
#define EPEV1	12

static const struct sysdesc table[MAX_SYSCALLS] = {
	F(SYS_read, "read", FD, OUTL(2), I),
	F(SYS_write, "write", FD, INL(2), I),
	H(SYS_open, "open", h_open, STR, OFL, MODE),
	H(SYS_close, "close", h_fdref, FD),
	H(SYS_stat, "stat", h_path, STR, OUT(STAT)),
	F(SYS_fstat, "fstat", FD, OUT(STAT)),
	H(SYS_lstat, "lstat", h_path, STR, OUT(STAT)),
	F(SYS_poll, "poll", POLL(1), I, I),
	F(SYS_lseek, "lseek", FD, I, I),
	HP(SYS_mmap, "mmap", h_mmap, P, I, PROT, MFL, FD, X),
	H(SYS_mprotect, "mprotect", h_mprotect, P, I, PROT),
	H(SYS_munmap, "munmap", h_munmap, P, I),
	HP(SYS_brk, "brk", h_brk, P),
	H(SYS_rt_sigaction, "rt_sigaction", h_rt_sigaction, SIG, RAW, RAW, I),
	F(SYS_rt_sigprocmask, "rt_sigprocmask", I, MASK, OUT(SIGSET), I),
	H(SYS_rt_sigreturn, "rt_sigreturn", h_rt_sigreturn, P),
	HS(SYS_ioctl, "ioctl", h_fwd, sub_ioctl, FD, X, P),
	F(SYS_pread64, "pread64", FD, OUTL(2), I, I),
	F(SYS_pwrite64, "pwrite64", FD, INL(2), I, I),
	F(SYS_readv, "readv", FD, IOVW(2), I),
	F(SYS_writev, "writev", FD, IOV(2), I),
	H(SYS_access, "access", h_path, STR, X),
	F(SYS_pipe, "pipe", OUT(8)),
	F(SYS_select, "select", I, FDSET(0), FDSET(0), FDSET(0), INOUT(TV)),
	F(SYS_sched_yield, "sched_yield"),
	HP(SYS_mremap, "mremap", h_mremap, P, I, I, X, P),
	F(SYS_msync, "msync", P, I, X),
	H(SYS_mincore, "mincore", h_mincore, P, I, OUTN(1, 0)),
	H(SYS_madvise, "madvise", h_madvise, P, I, I),
	H(SYS_dup, "dup", h_fdref, FD),
	H(SYS_dup2, "dup2", h_fdref, FD, FD),
	F(SYS_pause, "pause"),
	F(SYS_nanosleep, "nanosleep", IN(TS), OUT(TS)),
	F(SYS_getitimer, "getitimer", I, OUT(ITIMER)),
	F(SYS_alarm, "alarm", I),
	F(SYS_setitimer, "setitimer", I, IN(ITIMER), OUT(ITIMER)),
	HE(SYS_getpid, "getpid", h_fwd, e_getpid),
	F(SYS_sendfile, "sendfile", FD, FD, OUT(8), I),
	H(SYS_socket, "socket", h_socket, I, X, I),
	F(SYS_connect, "connect", FD, INC(2), I),
	F(SYS_accept, "accept", FD, LENBUF(2), LENP),
	F(SYS_sendto, "sendto", FD, INL(2), I, X, INC(5), I),
	F(SYS_recvfrom, "recvfrom", FD, OUTL(2), I, X, LENBUF(5), LENP),
	H(SYS_sendmsg, "sendmsg", h_sendmsg, FD, MSG, X),
	F(SYS_recvmsg, "recvmsg", FD, MSGW, X),
	F(SYS_shutdown, "shutdown", FD, I),
	F(SYS_bind, "bind", FD, INC(2), I),
	F(SYS_listen, "listen", FD, I),
	F(SYS_getsockname, "getsockname", FD, LENBUF(2), LENP),
	F(SYS_getpeername, "getpeername", FD, LENBUF(2), LENP),
	F(SYS_socketpair, "socketpair", I, X, I, OUT(8)),
	HS(SYS_setsockopt, "setsockopt", h_fwd, sub_setsockopt, FD, I, I, INL(4), I),
	HS(SYS_getsockopt, "getsockopt", h_fwd, sub_getsockopt, FD, I, I, LENBUF(4), LENP),
	H(SYS_clone, "clone", h_clone, X, RAW, RAW, RAW, X),
	H(SYS_fork, "fork", h_fork),
	H(SYS_vfork, "vfork", h_fork),
	H(SYS_execve, "execve", h_execve, STR, STRV, RAW),
	H(SYS_exit, "exit", h_exit, I),
	F(SYS_wait4, "wait4", I, OUT(4), X, OUT(RUSAGE)),
	H(SYS_kill, "kill", h_kill, I, SIG),	/* pids: policy_check_target, h_kill */
	HE(SYS_uname, "uname", h_fwd, e_uname, OUT(UTSNAME)),
	HS(SYS_fcntl, "fcntl", h_fdref, sub_fcntl, FD, I, X),
	F(SYS_flock, "flock", FD, I),
	F(SYS_fsync, "fsync", FD),
	F(SYS_fdatasync, "fdatasync", FD),
	H(SYS_truncate, "truncate", h_path_w, STR, I),
	F(SYS_ftruncate, "ftruncate", FD, I),
	F(SYS_getcwd, "getcwd", OUTL(1), I),
	H(SYS_chdir, "chdir", h_path, STR),
	F(SYS_fchdir, "fchdir", FD),
	H(SYS_rename, "rename", h_path2, STR, STR),
	H(SYS_mkdir, "mkdir", h_path_w, STR, MODE),
	H(SYS_rmdir, "rmdir", h_path_w, STR),
	H(SYS_creat, "creat", h_open, STR, MODE),
	H(SYS_link, "link", h_path2, STR, STR),
	H(SYS_unlink, "unlink", h_path_w, STR),
	H(SYS_symlink, "symlink", h_symlink, STR, STR),
	H(SYS_readlink, "readlink", h_readlink, STR, OUTL(2), I),
	H(SYS_chmod, "chmod", h_path_w, STR, MODE),
	F(SYS_fchmod, "fchmod", FD, MODE),
	H(SYS_chown, "chown", h_path_w, STR, I, I),
	F(SYS_fchown, "fchown", FD, I, I),
	H(SYS_lchown, "lchown", h_path_w, STR, I, I),
	F(SYS_umask, "umask", MODE),
	F(SYS_gettimeofday, "gettimeofday", OUT(TV), OUT(8)),
	F(SYS_getrlimit, "getrlimit", I, OUT(RLIM)),
	F(SYS_getrusage, "getrusage", I, OUT(RUSAGE)),
	F(SYS_sysinfo, "sysinfo", OUT(112)),
	F(SYS_times, "times", OUT(32)),
	F(SYS_getuid, "getuid"),
	F(SYS_getgid, "getgid"),
	H(SYS_setuid, "setuid", h_setid, I),		/* creds.c: never forwarded */
	H(SYS_setgid, "setgid", h_setid, I),
	F(SYS_geteuid, "geteuid"),
	F(SYS_getegid, "getegid"),
	F(SYS_setpgid, "setpgid", I, I),
	HE(SYS_getppid, "getppid", h_fwd, e_getppid),
	F(SYS_getpgrp, "getpgrp"),
	F(SYS_setsid, "setsid"),
	F(SYS_getgroups, "getgroups", I, OUTN(0, 4)),
	F(SYS_getresuid, "getresuid", OUT(4), OUT(4), OUT(4)),
	F(SYS_getresgid, "getresgid", OUT(4), OUT(4), OUT(4)),
	H(SYS_setreuid, "setreuid", h_setid, I, I),
	H(SYS_setregid, "setregid", h_setid, I, I),
	H(SYS_setresuid, "setresuid", h_setid, I, I, I),
	H(SYS_setresgid, "setresgid", h_setid, I, I, I),
	H(SYS_setfsuid, "setfsuid", h_setfsid, I),
	H(SYS_setfsgid, "setfsgid", h_setfsid, I),
	H(SYS_setgroups, "setgroups", h_setgroups, I, P),	/* EPERM: the list is not read */
	F(SYS_getpgid, "getpgid", I),
	F(SYS_getsid, "getsid", I),
	F(SYS_rt_sigpending, "rt_sigpending", OUT(SIGSET), I),
	F(SYS_rt_sigsuspend, "rt_sigsuspend", MASK, I),
	H(SYS_sigaltstack, "sigaltstack", h_sigaltstack, RAW, RAW),
	H(SYS_utime, "utime", h_path_w, STR, IN(16)),
	H(SYS_statfs, "statfs", h_path, STR, OUT(STATFS)),
	F(SYS_fstatfs, "fstatfs", FD, OUT(STATFS)),
	F(SYS_getpriority, "getpriority", I, I),
	F(SYS_setpriority, "setpriority", I, I, I),
	F(SYS_sched_getparam, "sched_getparam", I, OUT(4)),
	F(SYS_sched_getscheduler, "sched_getscheduler", I),
	HS(SYS_prctl, "prctl", h_fwd, sub_prctl, I, X, X, X, X),
	H(SYS_arch_prctl, "arch_prctl", h_arch_prctl, X, RAW),
	F(SYS_setrlimit, "setrlimit", I, IN(RLIM)),
	F(SYS_sync, "sync"),
	HE(SYS_gettid, "gettid", h_fwd, e_getpid),
	F(SYS_readahead, "readahead", FD, I, I),
	H(SYS_getxattr, "getxattr", h_path, STR, STR, OUTL(3), I),
	H(SYS_lgetxattr, "lgetxattr", h_path, STR, STR, OUTL(3), I),
	F(SYS_fgetxattr, "fgetxattr", FD, STR, OUTL(3), I),
	H(SYS_listxattr, "listxattr", h_path, STR, OUTL(2), I),
	H(SYS_llistxattr, "llistxattr", h_path, STR, OUTL(2), I),
	F(SYS_tkill, "tkill", I, SIG),
	F(SYS_time, "time", OUT(8)),
	HS(SYS_futex, "futex", h_fwd, sub_futex, P, I, I, P, P, I),
	F(SYS_sched_getaffinity, "sched_getaffinity", I, I, OUTL(1)),
	F(SYS_getdents64, "getdents64", FD, OUTL(2), I),
	H(SYS_set_tid_address, "set_tid_address", h_set_tid_address, X),	/* threads.c */
	F(SYS_fadvise64, "fadvise64", FD, I, I, I),
	F(SYS_clock_gettime, "clock_gettime", I, OUT(TS)),
	F(SYS_clock_getres, "clock_getres", I, OUT(TS)),
	F(SYS_clock_nanosleep, "clock_nanosleep", I, X, IN(TS), OUT(TS)),
	H(SYS_exit_group, "exit_group", h_exit_group, I),
	F(SYS_epoll_wait, "epoll_wait", FD, EPEV(2), I, I),
	F(SYS_epoll_ctl, "epoll_ctl", FD, I, FD, IN(EPEV1)),
	F(SYS_tgkill, "tgkill", I, I, SIG),	/* the same */
	H(SYS_utimes, "utimes", h_path_w, STR, IN(32)),
	F(SYS_waitid, "waitid", I, I, OUT(SIGINFO), X, OUT(RUSAGE)),
	H(SYS_openat, "openat", h_open, DIRFD, STR, OFL, MODE),
	H(SYS_mkdirat, "mkdirat", h_path_w, DIRFD, STR, MODE),
	H(SYS_fchownat, "fchownat", h_path_w, DIRFD, STR, I, I, X),
	H(SYS_newfstatat, "newfstatat", h_fstatat, DIRFD, STR, OUT(STAT), X),
	H(SYS_unlinkat, "unlinkat", h_path_w, DIRFD, STR, X),
	H(SYS_renameat, "renameat", h_path2, DIRFD, STR, DIRFD, STR),
	H(SYS_linkat, "linkat", h_path2, DIRFD, STR, DIRFD, STR, X),
	H(SYS_symlinkat, "symlinkat", h_symlink, STR, DIRFD, STR),
	H(SYS_readlinkat, "readlinkat", h_readlink, DIRFD, STR, OUTL(3), I),
	H(SYS_fchmodat, "fchmodat", h_path_w, DIRFD, STR, MODE),
	H(SYS_faccessat, "faccessat", h_fstatat, DIRFD, STR, X),
	F(SYS_pselect6, "pselect6", I, FDSET(0), FDSET(0), FDSET(0), INOUT(TS), SIGPAIR),
	F(SYS_ppoll, "ppoll", POLL(1), I, INOUT(TS), MASK, I),
	H(SYS_set_robust_list, "set_robust_list", h_set_robust_list, P, I),	/* robust.c: kept here */
	F(SYS_splice, "splice", FD, OUT(8), FD, OUT(8), I, X),
	F(SYS_tee, "tee", FD, FD, I, X),
	H(SYS_utimensat, "utimensat", h_utimensat, DIRFD, STR, IN(32), X),
	F(SYS_epoll_pwait, "epoll_pwait", FD, EPEV(2), I, I, MASK, I),
	F(SYS_fallocate, "fallocate", FD, X, I, I),
	F(SYS_accept4, "accept4", FD, LENBUF(2), LENP, X),
	F(SYS_eventfd2, "eventfd2", I, X),
	F(SYS_epoll_create1, "epoll_create1", X),
	H(SYS_dup3, "dup3", h_fdref, FD, FD, X),
	F(SYS_pipe2, "pipe2", OUT(8), X),
	F(SYS_preadv, "preadv", FD, IOVW(2), I, I),
	F(SYS_pwritev, "pwritev", FD, IOV(2), I, I),
	F(SYS_recvmmsg, "recvmmsg", FD, MMSGW(2), I, X, IN(TS)),
	F(SYS_prlimit64, "prlimit64", I, I, IN(RLIM), OUT(RLIM)),
	F(SYS_syncfs, "syncfs", FD),
	H(SYS_sendmmsg, "sendmmsg", h_sendmsg, FD, MMSG(2), I, X),
	F(SYS_getcpu, "getcpu", OUT(4), OUT(4), P),
	H(SYS_renameat2, "renameat2", h_path2, DIRFD, STR, DIRFD, STR, X),
	F(SYS_getrandom, "getrandom", OUTL(1), I, X),
	F(SYS_memfd_create, "memfd_create", STR, X),
	F(SYS_copy_file_range, "copy_file_range", FD, OUT(8), FD, OUT(8), I, X),
	F(SYS_preadv2, "preadv2", FD, IOVW(2), I, I, I, X),
	F(SYS_pwritev2, "pwritev2", FD, IOV(2), I, I, I, X),
	H(SYS_statx, "statx", h_fstatat, DIRFD, STR, X, X, OUT(256)),
	/*
	 * rseq: refused as a kernel without it (glibc and librseq then use
	 * getcpu and atomics).  Registering would hand the host kernel a
	 * program address it writes at every return to the host thread -
	 * whose user context is the supervisor's loop, not the program: the
	 * kernel would check the supervisor's instruction pointer against
	 * the program's critical sections (and move it to their abort
	 * handler), and never the program's, which runs in guest ring 3
	 * between those returns.  The supervisor's glibc has registered
	 * its own area on this thread already (EBUSY for a second one).
	 */
	N(SYS_rseq, "rseq", ENOSYS, P, I, X, X),
	H(SYS_clone3, "clone3", h_clone3, RAW, I),	/* clone3.c: copied, carried as clone */
	H(SYS_faccessat2, "faccessat2", h_fstatat, DIRFD, STR, X, X),
	H(SYS_close_range, "close_range", h_close_range, I, I, X),
	F(SYS_epoll_pwait2, "epoll_pwait2", FD, EPEV(2), I, IN(TS), MASK, I),
	F(SYS_sched_setaffinity, "sched_setaffinity", I, I, INL(1)),
	HE(SYS_sethostname, "sethostname", h_fwd, e_sethostname, INL(1), I),
	H(SYS_personality, "personality", h_personality, X),
	/* Never: they reach around the sandbox, or keep pointers we cannot vouch for. */
	N(SYS_mount, "mount", EPERM, STR, STR, STR, X, P),
	N(SYS_reboot, "reboot", EPERM, X, X, X, P),
	N(SYS_chroot, "chroot", EPERM, STR),
	N(SYS_ptrace, "ptrace", EPERM, I, I, P, P),
	N(SYS_seccomp, "seccomp", EPERM, I, X, P),
	N(SYS_process_vm_readv, "process_vm_readv", EPERM, I, P, I, P, I, X),
	N(SYS_process_vm_writev, "process_vm_writev", EPERM, I, P, I, P, I, X),
	N(SYS_modify_ldt, "modify_ldt", EPERM, I, P, I),
	N(SYS_iopl, "iopl", EPERM, I),
	N(SYS_ioperm, "ioperm", EPERM, X, I, I),
	N(SYS_unshare, "unshare", EPERM, X),
	N(SYS_setns, "setns", EPERM, FD, X),
	N(SYS_kexec_load, "kexec_load", EPERM, P, I, P, X),
	N(SYS_init_module, "init_module", EPERM, P, I, STR),
	N(SYS_pkey_mprotect, "pkey_mprotect", EPERM, P, I, PROT, I),
	N(SYS_userfaultfd, "userfaultfd", EPERM, X),
	N(SYS_perf_event_open, "perf_event_open", EPERM, P, I, I, I, X),
	N(SYS_bpf, "bpf", EPERM, I, P, I),
	/*
	 * io_uring: never.  Its submission queue is memory shared with the
	 * kernel, read at any time by kernel threads, outside any system
	 * call the supervisor sees; every entry carries pointers (buffers,
	 * iovecs, paths, socket addresses) and descriptors that no copy-in
	 * can vouch for, and its opcodes (openat, connect...) would bypass
	 * the policy.  Programs fall back to ordinary calls on EPERM, as
	 * under Docker's default seccomp profile.
	 */
	N(SYS_io_uring_setup, "io_uring_setup", EPERM, I, P),
	N(SYS_io_uring_enter, "io_uring_enter", EPERM, FD, I, I, X, P, I),
	N(SYS_io_uring_register, "io_uring_register", EPERM, FD, I, P, I),
};

/* ---- sub-commands ----------------------------------------------------------- */

/*
 * One row per sub-command: its number and the kinds of the arguments
 * for it.  Anything else is refused with the table's errno.
 */
struct subcmd {
	unsigned long cmd;
	struct argdesc a[6];
};

static const struct argdesc *find_sub(const struct subcmd *t, size_t n, unsigned long cmd,
				      long *err, long errno_unknown)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].cmd == cmd)
			return t[i].a;
	*err = -errno_unknown;
	return NULL;
}

#define TERMIOS	60	/* struct termios as TCGETS has it (asm-generic/termbits.h) */
#define WINSZ	8

static const struct subcmd ioctls[] = {
	{ TCGETS, { FD, X, OUT(TERMIOS) } },
	{ TCSETS, { FD, X, IN(TERMIOS) } },
	{ TCSETSW, { FD, X, IN(TERMIOS) } },
	{ TCSETSF, { FD, X, IN(TERMIOS) } },
	{ TIOCGWINSZ, { FD, X, OUT(WINSZ) } },
	{ TIOCSWINSZ, { FD, X, IN(WINSZ) } },
	{ TIOCGPGRP, { FD, X, OUT(4) } },
	{ TIOCSPGRP, { FD, X, IN(4) } },
	{ FIONREAD, { FD, X, OUT(4) } },
	{ FIONBIO, { FD, X, IN(4) } },
	{ FIOCLEX, { FD, X, X } },
	{ FIONCLEX, { FD, X, X } },
};

const struct argdesc *sub_ioctl(const uint64_t a[6], long *err)
{
	return find_sub(ioctls, sizeof(ioctls) / sizeof(ioctls[0]), (unsigned int)a[1], err,
			ENOTTY);
}

static const struct subcmd fcntls[] = {
	{ F_GETLK, { FD, I, OUT(FLOCK) } },
	{ F_SETLK, { FD, I, IN(FLOCK) } },
	{ F_SETLKW, { FD, I, IN(FLOCK) } },
	{ F_OFD_GETLK, { FD, I, OUT(FLOCK) } },
	{ F_OFD_SETLK, { FD, I, IN(FLOCK) } },
	{ F_OFD_SETLKW, { FD, I, IN(FLOCK) } },
	{ F_DUPFD, { FD, I, I } },
	{ F_DUPFD_CLOEXEC, { FD, I, I } },
	{ F_GETFD, { FD, I, X } },
	{ F_SETFD, { FD, I, X } },
	{ F_GETFL, { FD, I, X } },
	{ F_SETFL, { FD, I, X } },
	{ F_GETPIPE_SZ, { FD, I, X } },
	{ F_SETPIPE_SZ, { FD, I, X } },
	{ F_ADD_SEALS, { FD, I, X } },
	{ F_GET_SEALS, { FD, I, X } },
};

const struct argdesc *sub_fcntl(const uint64_t a[6], long *err)
{
	return find_sub(fcntls, sizeof(fcntls) / sizeof(fcntls[0]), (unsigned int)a[1], err,
			EINVAL);
}

static const struct subcmd prctls[] = {
	{ PR_SET_NAME, { I, STR } },
	{ PR_GET_NAME, { I, OUT(16) } },
	{ PR_SET_PDEATHSIG, { I, I } },
	{ PR_GET_DUMPABLE, { I } },
	{ PR_SET_DUMPABLE, { I, I } },
	{ PR_SET_NO_NEW_PRIVS, { I, I, I, I, I } },
	{ PR_GET_NO_NEW_PRIVS, { I, I, I, I, I } },
	{ PR_CAPBSET_READ, { I, I } },
	{ PR_GET_SECUREBITS, { I } },
};

const struct argdesc *sub_prctl(const uint64_t a[6], long *err)
{
	return find_sub(prctls, sizeof(prctls) / sizeof(prctls[0]), (unsigned int)a[0], err,
			EINVAL);
}

/* futex(2): uaddr always; the timeout or val2, and uaddr2, by operation. */
static const struct subcmd futexes[] = {
	{ FUTEX_WAIT, { FLAT(4), X, I, IN(TS), I, I } },
	{ FUTEX_WAIT_BITSET, { FLAT(4), X, I, IN(TS), I, X } },
	{ FUTEX_WAKE, { FLAT(4), X, I, I, I, I } },
	{ FUTEX_WAKE_BITSET, { FLAT(4), X, I, I, I, X } },
	{ FUTEX_LOCK_PI, { FLAT(4), X, I, IN(TS), I, I } },
	{ FUTEX_LOCK_PI2, { FLAT(4), X, I, IN(TS), I, I } },
	{ FUTEX_TRYLOCK_PI, { FLAT(4), X, I, I, I, I } },
	{ FUTEX_UNLOCK_PI, { FLAT(4), X, I, I, I, I } },
	{ FUTEX_WAIT_REQUEUE_PI, { FLAT(4), X, I, IN(TS), FLAT(4), I } },
	{ FUTEX_REQUEUE, { FLAT(4), X, I, I, FLAT(4), I } },
	{ FUTEX_CMP_REQUEUE, { FLAT(4), X, I, I, FLAT(4), I } },
	{ FUTEX_CMP_REQUEUE_PI, { FLAT(4), X, I, I, FLAT(4), I } },
	{ FUTEX_WAKE_OP, { FLAT(4), X, I, I, FLAT(4), X } },
};

const struct argdesc *sub_futex(const uint64_t a[6], long *err)
{
	return find_sub(futexes, sizeof(futexes) / sizeof(futexes[0]),
			(unsigned int)a[1] & FUTEX_CMD_MASK, err, ENOSYS);
}

/*
 * Socket options whose value is a flat buffer (no pointer inside, no
 * descriptor: not SO_ATTACH_FILTER's sock_fprog, SO_ATTACH_BPF's fd or
 * TCP_ZEROCOPY_RECEIVE's address).  Level in the high half.
 */
#define OPT(level, name)	(((unsigned long)(level) << 32) | (unsigned int)(name))
static const unsigned long sockopts[] = {
	OPT(SOL_SOCKET, SO_DEBUG), OPT(SOL_SOCKET, SO_REUSEADDR), OPT(SOL_SOCKET, SO_TYPE),
	OPT(SOL_SOCKET, SO_ERROR), OPT(SOL_SOCKET, SO_DONTROUTE), OPT(SOL_SOCKET, SO_BROADCAST),
	OPT(SOL_SOCKET, SO_SNDBUF), OPT(SOL_SOCKET, SO_RCVBUF), OPT(SOL_SOCKET, SO_KEEPALIVE),
	OPT(SOL_SOCKET, SO_OOBINLINE), OPT(SOL_SOCKET, SO_LINGER), OPT(SOL_SOCKET, SO_PRIORITY),
	OPT(SOL_SOCKET, SO_REUSEPORT), OPT(SOL_SOCKET, SO_PASSCRED),
	OPT(SOL_SOCKET, SO_PEERCRED), OPT(SOL_SOCKET, SO_RCVLOWAT),
	OPT(SOL_SOCKET, SO_SNDLOWAT), OPT(SOL_SOCKET, SO_RCVTIMEO),
	OPT(SOL_SOCKET, SO_SNDTIMEO), OPT(SOL_SOCKET, SO_TIMESTAMP),
	OPT(SOL_SOCKET, SO_ACCEPTCONN), OPT(SOL_SOCKET, SO_PROTOCOL), OPT(SOL_SOCKET, SO_DOMAIN),
	OPT(SOL_SOCKET, SO_PEEK_OFF), OPT(SOL_SOCKET, SO_BINDTODEVICE),
	OPT(IPPROTO_TCP, TCP_NODELAY), OPT(IPPROTO_TCP, TCP_MAXSEG), OPT(IPPROTO_TCP, TCP_CORK),
	OPT(IPPROTO_TCP, TCP_KEEPIDLE), OPT(IPPROTO_TCP, TCP_KEEPINTVL),
	OPT(IPPROTO_TCP, TCP_KEEPCNT), OPT(IPPROTO_TCP, TCP_SYNCNT),
	OPT(IPPROTO_TCP, TCP_LINGER2), OPT(IPPROTO_TCP, TCP_DEFER_ACCEPT),
	OPT(IPPROTO_TCP, TCP_WINDOW_CLAMP), OPT(IPPROTO_TCP, TCP_INFO),
	OPT(IPPROTO_TCP, TCP_QUICKACK), OPT(IPPROTO_TCP, TCP_CONGESTION),
	OPT(IPPROTO_TCP, TCP_USER_TIMEOUT), OPT(IPPROTO_TCP, TCP_FASTOPEN),
	OPT(IPPROTO_TCP, TCP_NOTSENT_LOWAT), OPT(IPPROTO_TCP, TCP_FASTOPEN_CONNECT),
	OPT(IPPROTO_IP, IP_TOS), OPT(IPPROTO_IP, IP_TTL), OPT(IPPROTO_IP, IP_RECVTTL),
	OPT(IPPROTO_IP, IP_RECVTOS), OPT(IPPROTO_IP, IP_MTU_DISCOVER), OPT(IPPROTO_IP, IP_MTU),
	OPT(IPPROTO_IP, IP_PKTINFO), OPT(IPPROTO_IP, IP_MULTICAST_IF),
	OPT(IPPROTO_IP, IP_MULTICAST_TTL), OPT(IPPROTO_IP, IP_MULTICAST_LOOP),
	OPT(IPPROTO_IP, IP_ADD_MEMBERSHIP), OPT(IPPROTO_IP, IP_DROP_MEMBERSHIP),
	OPT(IPPROTO_IP, IP_RECVERR), OPT(IPPROTO_IP, IP_FREEBIND),
	OPT(IPPROTO_IPV6, IPV6_V6ONLY), OPT(IPPROTO_IPV6, IPV6_UNICAST_HOPS),
	OPT(IPPROTO_IPV6, IPV6_MULTICAST_IF), OPT(IPPROTO_IPV6, IPV6_MULTICAST_HOPS),
	OPT(IPPROTO_IPV6, IPV6_MULTICAST_LOOP), OPT(IPPROTO_IPV6, IPV6_JOIN_GROUP),
	OPT(IPPROTO_IPV6, IPV6_LEAVE_GROUP), OPT(IPPROTO_IPV6, IPV6_RECVPKTINFO),
	OPT(IPPROTO_IPV6, IPV6_TCLASS), OPT(IPPROTO_IPV6, IPV6_RECVERR),
	OPT(IPPROTO_IPV6, IPV6_MTU_DISCOVER),
	OPT(IPPROTO_UDP, UDP_CORK), OPT(IPPROTO_UDP, UDP_SEGMENT), OPT(IPPROTO_UDP, UDP_GRO),
};

static bool flat_sockopt(const uint64_t a[6])
{
	unsigned long o = OPT((unsigned int)a[1], (unsigned int)a[2]);
	size_t i;

	for (i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++)
		if (sockopts[i] == o)
			return true;
	return false;
}

const struct argdesc *sub_setsockopt(const uint64_t a[6], long *err)
{
	static const struct argdesc set[6] = { FD, I, I, INL(4), I };

	if (!flat_sockopt(a)) {
		*err = -ENOPROTOOPT;
		return NULL;
	}
	return set;
}

const struct argdesc *sub_getsockopt(const uint64_t a[6], long *err)
{
	static const struct argdesc get[6] = { FD, I, I, LENBUF(4), LENP };

	if (!flat_sockopt(a)) {
		*err = -ENOPROTOOPT;
		return NULL;
	}
	return get;
}

/* ---- the table ---------------------------------------------------------------- */

const struct sysdesc *sys_desc(long nr)
{
	if (nr < 0 || nr >= MAX_SYSCALLS || !table[nr].name)
		return NULL;
	return &table[nr];
}

const char *sys_name(long nr, char *buf, size_t len)
{
	const struct sysdesc *d = sys_desc(nr);

	if (d)
		return d->name;
	if (sysname(nr))
		return sysname(nr);
	snprintf(buf, len, "syscall_%ld", nr);
	return buf;
}

/*
 * Can the sandbox carry out system call @nr if the policy allows it?  0
 * if so; else the errno it fails with whatever the policy says: the
 * entry's .refuse, or ENOSYS for a call the table does not describe
 * (syscall.c).
 */
int systab_refusal(long nr)
{
	const struct sysdesc *d = sys_desc(nr);

	if (!d)
		return ENOSYS;
	return d->run ? 0 : d->refuse;
}

/*
 * The rule the table must keep: an entry the generic forwarder runs
 * describes every pointer; A_RAW and A_STRV (read by a supervisor handler
 * itself) only appear in entries with their own handler.  0, or the
 * number of the first bad entry.  Each entry's name is also the kernel's
 * for its number.
 */
int systab_verify(void)
{
	int nr, i;

	for (nr = 0; nr < MAX_SYSCALLS; nr++) {
		const struct sysdesc *d = &table[nr];

		/* the kernel's name for the number (sysnames.c), or a wrong row */
		if (d->name && (!sysname(nr) || strcmp(d->name, sysname(nr))))
			return nr;
		if (!d->name || d->run != h_fwd || d->sub)
			continue;
		for (i = 0; i < 6; i++)
			if (d->a[i].k == A_RAW || d->a[i].k == A_STRV)
				return nr;
	}
	return 0;
}
