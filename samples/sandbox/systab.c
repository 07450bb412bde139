// SPDX-License-Identifier: GPL-2.0
/*
 * systab.c - what we know about each system call: its name and what its
 * arguments are.  The same table serves two purposes: the handler checks
 * every pointer the kernel would dereference against the program's
 * mappings (A_IN, A_OUT, A_STR, ...) before forwarding a call, and the
 * tracer decodes the arguments for its strace-style lines.
 *
 * A system call that is not in this table is never forwarded (ENOSYS),
 * whatever the policy says: we cannot check pointers we do not know
 * about.  Calls with pointers inside structures (msghdr, iovec, ...) have
 * extra checks in syscall.c.
 */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "sandbox.h"

#define FD	{ A_FD, 0 }
#define DIRFD	{ A_DIRFD, 0 }
#define I	{ A_INT, 0 }
#define X	{ A_HEX, 0 }
#define STR	{ A_STR, 0 }
#define P	{ A_PTR, 0 }
#define IN(n)	{ A_IN, n }
#define OUT(n)	{ A_OUT, n }
#define INL(i)	{ A_INL, i }
#define OUTL(i)	{ A_OUTL, i }
#define IOV(i)	{ A_IOV, i }
#define IOVW(i)	{ A_IOVW, i }
#define OFL	{ A_OFLAGS, 0 }
#define PROT	{ A_PROT, 0 }
#define MFL	{ A_MFLAGS, 0 }
#define STRV	{ A_STRV, 0 }
#define SIG	{ A_SIG, 0 }
#define MODE	{ A_MODE, 0 }

#define S(nr, nm, ...) [nr] = { nm, { __VA_ARGS__ }, 0, 0 }
#define SP(nr, nm, ...) [nr] = { nm, { __VA_ARGS__ }, 0, 1 }

/* Sizes of the structures, as the x86-64 kernel has them. */
#define STAT	144
#define TS	16
#define RUSAGE	144
#define UTSNAME	390
#define STATFS	120
#define RLIM	16

static const struct sysdesc table[MAX_SYSCALLS] = {
	S(SYS_read, "read", FD, OUTL(2), I),
	S(SYS_write, "write", FD, INL(2), I),
	S(SYS_open, "open", STR, OFL, MODE),
	S(SYS_close, "close", FD),
	S(SYS_stat, "stat", STR, OUT(STAT)),
	S(SYS_fstat, "fstat", FD, OUT(STAT)),
	S(SYS_lstat, "lstat", STR, OUT(STAT)),
	S(SYS_poll, "poll", P, I, I),
	S(SYS_lseek, "lseek", FD, I, I),
	SP(SYS_mmap, "mmap", P, I, PROT, MFL, FD, X),
	S(SYS_mprotect, "mprotect", P, I, PROT),
	S(SYS_munmap, "munmap", P, I),
	SP(SYS_brk, "brk", P),
	S(SYS_rt_sigaction, "rt_sigaction", SIG, P, P, I),
	S(SYS_rt_sigprocmask, "rt_sigprocmask", I, IN(8), OUT(8), I),
	S(SYS_rt_sigreturn, "rt_sigreturn", P),
	S(SYS_ioctl, "ioctl", FD, X, P),
	S(SYS_pread64, "pread64", FD, OUTL(2), I, I),
	S(SYS_pwrite64, "pwrite64", FD, INL(2), I, I),
	S(SYS_readv, "readv", FD, IOVW(2), I),
	S(SYS_writev, "writev", FD, IOV(2), I),
	S(SYS_access, "access", STR, X),
	S(SYS_pipe, "pipe", OUT(8)),
	S(SYS_select, "select", I, P, P, P, P),
	S(SYS_sched_yield, "sched_yield"),
	SP(SYS_mremap, "mremap", P, I, I, X, P),
	S(SYS_msync, "msync", P, I, X),
	S(SYS_mincore, "mincore", P, I, P),
	S(SYS_madvise, "madvise", P, I, I),
	S(SYS_dup, "dup", FD),
	S(SYS_dup2, "dup2", FD, FD),
	S(SYS_pause, "pause"),
	S(SYS_nanosleep, "nanosleep", IN(TS), OUT(TS)),
	S(SYS_getitimer, "getitimer", I, OUT(32)),
	S(SYS_alarm, "alarm", I),
	S(SYS_setitimer, "setitimer", I, IN(32), OUT(32)),
	S(SYS_getpid, "getpid"),
	S(SYS_sendfile, "sendfile", FD, FD, P, I),
	S(SYS_socket, "socket", I, X, I),
	S(SYS_connect, "connect", FD, INL(2), I),
	S(SYS_accept, "accept", FD, P, P),
	S(SYS_sendto, "sendto", FD, INL(2), I, X, INL(5), I),
	S(SYS_recvfrom, "recvfrom", FD, OUTL(2), I, X, P, P),
	S(SYS_sendmsg, "sendmsg", FD, P, X),
	S(SYS_recvmsg, "recvmsg", FD, P, X),
	S(SYS_shutdown, "shutdown", FD, I),
	S(SYS_bind, "bind", FD, INL(2), I),
	S(SYS_listen, "listen", FD, I),
	S(SYS_getsockname, "getsockname", FD, P, P),
	S(SYS_getpeername, "getpeername", FD, P, P),
	S(SYS_socketpair, "socketpair", I, X, I, OUT(8)),
	S(SYS_setsockopt, "setsockopt", FD, I, I, INL(4), I),
	S(SYS_getsockopt, "getsockopt", FD, I, I, P, P),
	S(SYS_clone, "clone", X, P, P, P, X),
	S(SYS_fork, "fork"),
	S(SYS_vfork, "vfork"),
	S(SYS_execve, "execve", STR, STRV, P),
	S(SYS_exit, "exit", I),
	S(SYS_wait4, "wait4", I, OUT(4), X, OUT(RUSAGE)),
	S(SYS_kill, "kill", I, SIG),
	S(SYS_uname, "uname", OUT(UTSNAME)),
	S(SYS_fcntl, "fcntl", FD, I, X),
	S(SYS_flock, "flock", FD, I),
	S(SYS_fsync, "fsync", FD),
	S(SYS_fdatasync, "fdatasync", FD),
	S(SYS_truncate, "truncate", STR, I),
	S(SYS_ftruncate, "ftruncate", FD, I),
	S(SYS_getcwd, "getcwd", OUTL(1), I),
	S(SYS_chdir, "chdir", STR),
	S(SYS_fchdir, "fchdir", FD),
	S(SYS_rename, "rename", STR, STR),
	S(SYS_mkdir, "mkdir", STR, MODE),
	S(SYS_rmdir, "rmdir", STR),
	S(SYS_creat, "creat", STR, MODE),
	S(SYS_link, "link", STR, STR),
	S(SYS_unlink, "unlink", STR),
	S(SYS_symlink, "symlink", STR, STR),
	S(SYS_readlink, "readlink", STR, OUTL(2), I),
	S(SYS_chmod, "chmod", STR, MODE),
	S(SYS_fchmod, "fchmod", FD, MODE),
	S(SYS_chown, "chown", STR, I, I),
	S(SYS_fchown, "fchown", FD, I, I),
	S(SYS_lchown, "lchown", STR, I, I),
	S(SYS_umask, "umask", MODE),
	S(SYS_gettimeofday, "gettimeofday", OUT(16), OUT(8)),
	S(SYS_getrlimit, "getrlimit", I, OUT(RLIM)),
	S(SYS_getrusage, "getrusage", I, OUT(RUSAGE)),
	S(SYS_sysinfo, "sysinfo", OUT(112)),
	S(SYS_times, "times", OUT(32)),
	S(SYS_getuid, "getuid"),
	S(SYS_getgid, "getgid"),
	S(SYS_setuid, "setuid", I),
	S(SYS_setgid, "setgid", I),
	S(SYS_geteuid, "geteuid"),
	S(SYS_getegid, "getegid"),
	S(SYS_setpgid, "setpgid", I, I),
	S(SYS_getppid, "getppid"),
	S(SYS_getpgrp, "getpgrp"),
	S(SYS_setsid, "setsid"),
	S(SYS_getgroups, "getgroups", I, P),
	S(SYS_getresuid, "getresuid", OUT(4), OUT(4), OUT(4)),
	S(SYS_getresgid, "getresgid", OUT(4), OUT(4), OUT(4)),
	S(SYS_getpgid, "getpgid", I),
	S(SYS_getsid, "getsid", I),
	S(SYS_rt_sigpending, "rt_sigpending", OUT(8), I),
	S(SYS_rt_sigsuspend, "rt_sigsuspend", IN(8), I),
	S(SYS_sigaltstack, "sigaltstack", P, P),
	S(SYS_utime, "utime", STR, IN(16)),
	S(SYS_statfs, "statfs", STR, OUT(STATFS)),
	S(SYS_fstatfs, "fstatfs", FD, OUT(STATFS)),
	S(SYS_getpriority, "getpriority", I, I),
	S(SYS_setpriority, "setpriority", I, I, I),
	S(SYS_sched_getparam, "sched_getparam", I, OUT(4)),
	S(SYS_sched_getscheduler, "sched_getscheduler", I),
	S(SYS_prctl, "prctl", I, X, X, X, X),
	S(SYS_arch_prctl, "arch_prctl", X, P),
	S(SYS_setrlimit, "setrlimit", I, IN(RLIM)),
	S(SYS_sync, "sync"),
	S(SYS_gettid, "gettid"),
	S(SYS_readahead, "readahead", FD, I, I),
	S(SYS_getxattr, "getxattr", STR, STR, OUTL(3), I),
	S(SYS_lgetxattr, "lgetxattr", STR, STR, OUTL(3), I),
	S(SYS_fgetxattr, "fgetxattr", FD, STR, OUTL(3), I),
	S(SYS_listxattr, "listxattr", STR, OUTL(2), I),
	S(SYS_llistxattr, "llistxattr", STR, OUTL(2), I),
	S(SYS_tkill, "tkill", I, SIG),
	S(SYS_time, "time", OUT(8)),
	S(SYS_futex, "futex", P, I, I, P, P, I),
	S(SYS_sched_getaffinity, "sched_getaffinity", I, I, OUTL(1)),
	S(SYS_getdents64, "getdents64", FD, OUTL(2), I),
	S(SYS_set_tid_address, "set_tid_address", P),
	S(SYS_fadvise64, "fadvise64", FD, I, I, I),
	S(SYS_clock_gettime, "clock_gettime", I, OUT(TS)),
	S(SYS_clock_getres, "clock_getres", I, OUT(TS)),
	S(SYS_clock_nanosleep, "clock_nanosleep", I, X, IN(TS), OUT(TS)),
	S(SYS_exit_group, "exit_group", I),
	S(SYS_epoll_wait, "epoll_wait", FD, P, I, I),
	S(SYS_epoll_ctl, "epoll_ctl", FD, I, FD, IN(12)),
	S(SYS_tgkill, "tgkill", I, I, SIG),
	S(SYS_utimes, "utimes", STR, IN(32)),
	S(SYS_waitid, "waitid", I, I, OUT(128), X, OUT(RUSAGE)),
	S(SYS_openat, "openat", DIRFD, STR, OFL, MODE),
	S(SYS_mkdirat, "mkdirat", DIRFD, STR, MODE),
	S(SYS_fchownat, "fchownat", DIRFD, STR, I, I, X),
	S(SYS_newfstatat, "newfstatat", DIRFD, STR, OUT(STAT), X),
	S(SYS_unlinkat, "unlinkat", DIRFD, STR, X),
	S(SYS_renameat, "renameat", DIRFD, STR, DIRFD, STR),
	S(SYS_linkat, "linkat", DIRFD, STR, DIRFD, STR, X),
	S(SYS_symlinkat, "symlinkat", STR, DIRFD, STR),
	S(SYS_readlinkat, "readlinkat", DIRFD, STR, OUTL(3), I),
	S(SYS_fchmodat, "fchmodat", DIRFD, STR, MODE),
	S(SYS_faccessat, "faccessat", DIRFD, STR, X),
	S(SYS_pselect6, "pselect6", I, P, P, P, P, P),
	S(SYS_ppoll, "ppoll", P, I, IN(TS), IN(8), I),
	S(SYS_set_robust_list, "set_robust_list", P, I),
	S(SYS_splice, "splice", FD, P, FD, P, I, X),
	S(SYS_tee, "tee", FD, FD, I, X),
	S(SYS_utimensat, "utimensat", DIRFD, P, IN(32), X),
	S(SYS_epoll_pwait, "epoll_pwait", FD, P, I, I, IN(8), I),
	S(SYS_fallocate, "fallocate", FD, X, I, I),
	S(SYS_accept4, "accept4", FD, P, P, X),
	S(SYS_eventfd2, "eventfd2", I, X),
	S(SYS_epoll_create1, "epoll_create1", X),
	S(SYS_dup3, "dup3", FD, FD, X),
	S(SYS_pipe2, "pipe2", OUT(8), X),
	S(SYS_preadv, "preadv", FD, IOVW(2), I, I),
	S(SYS_pwritev, "pwritev", FD, IOV(2), I, I),
	S(SYS_prlimit64, "prlimit64", I, I, IN(RLIM), OUT(RLIM)),
	S(SYS_syncfs, "syncfs", FD),
	S(SYS_getcpu, "getcpu", OUT(4), OUT(4), P),
	S(SYS_renameat2, "renameat2", DIRFD, STR, DIRFD, STR, X),
	S(SYS_getrandom, "getrandom", OUTL(1), I, X),
	S(SYS_memfd_create, "memfd_create", STR, X),
	S(SYS_copy_file_range, "copy_file_range", FD, P, FD, P, I, X),
	S(SYS_statx, "statx", DIRFD, STR, X, X, OUT(256)),
	S(SYS_rseq, "rseq", P, I, X, X),
	S(SYS_clone3, "clone3", P, I),
	S(SYS_faccessat2, "faccessat2", DIRFD, STR, X, X),
	S(SYS_close_range, "close_range", I, I, X),
	S(SYS_sched_setaffinity, "sched_setaffinity", I, I, INL(1)),
	S(SYS_mount, "mount", STR, STR, STR, X, P),
	S(SYS_ptrace, "ptrace", I, I, P, P),
	S(SYS_seccomp, "seccomp", I, X, P),
	S(SYS_chroot, "chroot", STR),
	S(SYS_sethostname, "sethostname", INL(1), I),
	S(SYS_reboot, "reboot", X, X, X, P),
	S(SYS_process_vm_readv, "process_vm_readv", I, P, I, P, I, X),
	S(SYS_process_vm_writev, "process_vm_writev", I, P, I, P, I, X),
	S(SYS_personality, "personality", X),
	S(SYS_modify_ldt, "modify_ldt", I, P, I),
	S(SYS_iopl, "iopl", I),
	S(SYS_ioperm, "ioperm", X, I, I),
	S(SYS_unshare, "unshare", X),
	S(SYS_setns, "setns", FD, X),
	S(SYS_kexec_load, "kexec_load", P, I, P, X),
	S(SYS_init_module, "init_module", P, I, STR),
	S(SYS_pkey_mprotect, "pkey_mprotect", P, I, PROT, I),
	S(SYS_userfaultfd, "userfaultfd", X),
	S(SYS_perf_event_open, "perf_event_open", P, I, I, I, X),
	S(SYS_bpf, "bpf", I, P, I),
	S(SYS_io_uring_setup, "io_uring_setup", I, P),
};

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
	snprintf(buf, len, "syscall_%ld", nr);
	return buf;
}

int syscall_nr(const char *name)
{
	int i;

	for (i = 0; i < MAX_SYSCALLS; i++)
		if (table[i].name && !strcmp(table[i].name, name))
			return i;
	return -1;
}
