// SPDX-License-Identifier: GPL-2.0
/*
 * groups.c - named sets of system calls for the policy ("allow @basic-io
 * @file-system"), after systemd's SystemCallFilter= groups (systemd.exec(5),
 * "System Call Filtering"): the same names and the same meaning, so that
 * a unit file's list reads the same here.  Written for x86-64: the
 * 32-bit-only and other architectures' names systemd also lists
 * (_llseek, fstat64, mmap2, ...) are not x86-64 calls and are left out.
 * @time and @memory are ours (systemd has none): reading the clocks and
 * sleeping, and the address-space calls.
 *
 * A member may be another group.  Every member is a known x86-64 system
 * call (sysnames.c) of the headers the project is built with: group_check()
 * says which is not, and the host test (tests/host/sandbox_policy_test.c)
 * runs it.
 */
#include <string.h>

#include "sandbox.h"

struct group {
	const char *name;
	const char *help;
	const char *members;	/* space-separated */
};

static const struct group groups[] = {
	{ "@default", "calls every program may make",
	  "clock_getres clock_gettime clock_nanosleep execve exit exit_group futex "
	  "get_robust_list get_thread_area getegid geteuid getgid getgroups getpgid getpgrp "
	  "getpid getppid getresgid getresuid getrlimit getsid gettid gettimeofday getuid "
	  "membarrier nanosleep pause prlimit64 restart_syscall rseq rt_sigreturn sched_yield "
	  "set_robust_list set_thread_area set_tid_address time" },
	{ "@aio", "asynchronous I/O",
	  "io_cancel io_destroy io_getevents io_pgetevents io_setup io_submit io_uring_enter "
	  "io_uring_register io_uring_setup" },
	{ "@basic-io", "reading and writing descriptors",
	  "close dup dup2 dup3 lseek pread64 preadv preadv2 pwrite64 pwritev pwritev2 read "
	  "readv write writev" },
	{ "@chown", "changing the owner of files",
	  "chown fchown fchownat lchown" },
	{ "@clock", "setting the system time",
	  "adjtimex clock_adjtime clock_settime settimeofday" },
	{ "@cpu-emulation", "CPU emulation",
	  "modify_ldt" },
	{ "@debug", "debugging, tracing, performance monitoring",
	  "lookup_dcookie perf_event_open pidfd_getfd ptrace" },
	{ "@file-system", "files and directories",
	  "access chdir chmod close creat faccessat faccessat2 fallocate fchdir fchmod fchmodat "
	  "fcntl fgetxattr flistxattr fremovexattr fsetxattr fstat fstatfs ftruncate futimesat "
	  "getcwd getdents getdents64 getxattr inotify_add_watch inotify_init inotify_init1 "
	  "inotify_rm_watch lgetxattr link linkat listxattr llistxattr lremovexattr lsetxattr "
	  "lstat mkdir mkdirat mknod mknodat mmap munmap newfstatat open openat openat2 readlink "
	  "readlinkat removexattr rename renameat renameat2 rmdir setxattr stat statfs statx "
	  "symlink symlinkat truncate unlink unlinkat utime utimensat utimes" },
	{ "@io-event", "event loops",
	  "epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 "
	  "epoll_wait epoll_wait_old eventfd eventfd2 poll ppoll pselect6 select" },
	{ "@ipc", "System V IPC, POSIX message queues, pipes",
	  "memfd_create mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedsend mq_unlink "
	  "msgctl msgget msgrcv msgsnd pipe pipe2 process_vm_readv process_vm_writev semctl "
	  "semget semop semtimedop shmat shmctl shmdt shmget" },
	{ "@keyring", "the kernel keyring",
	  "add_key keyctl request_key" },
	{ "@memlock", "locking memory",
	  "mlock mlock2 mlockall munlock munlockall" },
	{ "@memory", "the address space (ours, not systemd's)",
	  "brk madvise mincore mmap mprotect mremap msync munmap" },
	{ "@module", "kernel modules",
	  "delete_module finit_module init_module" },
	{ "@mount", "mounting file systems",
	  "chroot fsconfig fsmount fsopen fspick mount move_mount open_tree pivot_root umount2" },
	{ "@network-io", "sockets, network and Unix",
	  "accept accept4 bind connect getpeername getsockname getsockopt listen recvfrom "
	  "recvmmsg recvmsg sendmmsg sendmsg sendto setsockopt shutdown socket socketpair" },
	{ "@obsolete", "unusual, obsolete or unimplemented calls",
	  "_sysctl afs_syscall create_module get_kernel_syms getpmsg putpmsg query_module "
	  "security sysfs tuxcall uselib ustat vserver" },
	{ "@pkey", "memory protection keys",
	  "pkey_alloc pkey_free pkey_mprotect" },
	{ "@privileged", "calls that need privileges",
	  "@chown @clock @module @raw-io @reboot @swap _sysctl acct bpf capset chroot "
	  "fanotify_init fanotify_mark nfsservctl open_by_handle_at pivot_root quotactl "
	  "setdomainname setfsuid setgroups sethostname setresuid setreuid setuid vhangup" },
	{ "@process", "processes: creation, execution, signals to others",
	  "arch_prctl capget clone clone3 execveat fork getrusage kill pidfd_open "
	  "pidfd_send_signal prctl rt_sigqueueinfo rt_tgsigqueueinfo setns tgkill times tkill "
	  "unshare vfork wait4 waitid" },
	{ "@raw-io", "raw I/O ports",
	  "ioperm iopl" },
	{ "@reboot", "rebooting, kexec",
	  "kexec_file_load kexec_load reboot" },
	{ "@resources", "changing resource settings",
	  "ioprio_set mbind migrate_pages move_pages sched_setaffinity sched_setattr "
	  "sched_setparam sched_setscheduler set_mempolicy setpriority setrlimit" },
	{ "@setuid", "changing user and group credentials",
	  "setgid setgroups setregid setresgid setresuid setreuid setuid" },
	{ "@signal", "signal handling",
	  "rt_sigaction rt_sigpending rt_sigprocmask rt_sigsuspend rt_sigtimedwait sigaltstack "
	  "signalfd signalfd4" },
	{ "@swap", "swap devices",
	  "swapoff swapon" },
	{ "@sync", "flushing files and memory to storage",
	  "fdatasync fsync msync sync sync_file_range syncfs" },
	{ "@system-service", "what a general system service uses",
	  "@aio @basic-io @chown @default @file-system @io-event @ipc @keyring @memlock "
	  "@network-io @process @resources @setuid @signal @sync @timer brk capget capset "
	  "copy_file_range fadvise64 flock get_mempolicy getcpu getpriority getrandom ioctl "
	  "ioprio_get kcmp madvise mprotect mremap name_to_handle_at personality readahead "
	  "remap_file_pages sched_get_priority_max sched_get_priority_min sched_getaffinity "
	  "sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_yield "
	  "sendfile setfsgid setfsuid setpgid setsid splice sysinfo tee umask uname userfaultfd "
	  "vmsplice" },
	{ "@time", "reading the clocks and sleeping (ours, not systemd's)",
	  "clock_getres clock_gettime clock_nanosleep gettimeofday nanosleep time" },
	{ "@timer", "timers",
	  "alarm getitimer setitimer timer_create timer_delete timer_getoverrun timer_gettime "
	  "timer_settime timerfd_create timerfd_gettime timerfd_settime times" },
};

#define NGROUPS	(sizeof(groups) / sizeof(groups[0]))
#define GROUP_DEPTH	4	/* @system-service -> @default: nesting is shallow */

static const struct group *find(const char *name)
{
	size_t i;

	for (i = 0; i < NGROUPS; i++)
		if (!strcmp(groups[i].name, name))
			return &groups[i];
	return NULL;
}

static int expand(const struct group *g, bool set[MAX_SYSCALLS], int depth, bool strict,
		  const char **bad)
{
	const char *p = g->members;
	char word[64];

	if (depth > GROUP_DEPTH) {
		*bad = g->name;
		return -1;
	}
	while (*p) {
		size_t n = strcspn(p, " ");
		int nr;

		if (n == 0 || n >= sizeof(word)) {
			*bad = g->name;
			return -1;
		}
		memcpy(word, p, n);
		word[n] = 0;
		p += n + (p[n] == ' ');
		if (word[0] == '@') {
			const struct group *sub = find(word);

			if (!sub || expand(sub, set, depth + 1, strict, bad)) {
				if (!sub)
					*bad = g->name;
				return -1;
			}
			continue;
		}
		nr = sysname_nr(word);
		if (nr < 0 && strict) {
			*bad = g->name;
			return -1;
		}
		if (nr >= 0)	/* else: a call newer than the kernel headers built against */
			set[nr] = true;
	}
	return 0;
}

static int calls_of(const char *name, bool set[MAX_SYSCALLS], bool strict, const char **bad)
{
	const struct group *g = find(name);

	*bad = NULL;
	memset(set, 0, MAX_SYSCALLS * sizeof(bool));
	if (!g)
		return -1;
	return expand(g, set, 0, strict, bad);
}

/*
 * The calls of group @name ("@file-system"), marked in @set: 0, or -1 if
 * there is no such group (*bad stays NULL) or the table is broken (*bad
 * names the group).  A member the kernel headers the sandbox was built
 * against do not know is left out, as systemd leaves out the calls
 * libseccomp does not know.
 */
int group_calls(const char *name, bool set[MAX_SYSCALLS], const char **bad)
{
	return calls_of(name, set, false, bad);
}

/* The groups' names and what they are for, for --help-groups. */
void group_list(FILE *f)
{
	size_t i;

	for (i = 0; i < NGROUPS; i++)
		fprintf(f, "  %-16s %s\n", groups[i].name, groups[i].help);
}

/* Every member of every group is a call of these headers: 0, or -1 with *bad set. */
int group_check(const char **bad)
{
	static bool set[MAX_SYSCALLS];
	size_t i;

	for (i = 0; i < NGROUPS; i++)
		if (calls_of(groups[i].name, set, true, bad)) {
			if (!*bad)
				*bad = groups[i].name;
			return -1;
		}
	return 0;
}
