// SPDX-License-Identifier: GPL-2.0
/*
 * hostfilter.c - the supervisor's own seccomp filter: the second wall.
 *
 * In Dune mode every host system call of this process - the supervisor's
 * own (glibc, libdune's host loop and its DUNE_RUN ioctls), the program's
 * calls the supervisor forwards, a later thread's DUNE_CREATE_VCPU, a fork
 * child's DUNE_CREATE_VM - passes through the same process's seccomp
 * filter.  So the filter allows what the supervisor itself needs and what
 * the policy forwards, nothing else.  If the program ever took ring 0,
 * this is what it could still ask the host kernel for.
 *
 * Layout of the classic BPF program (Documentation/userspace-api/seccomp_filter.rst):
 *   the architecture must be x86-64, and the number not an x32 one
 *     (X32_SYSCALL_BIT): otherwise the process is killed;
 *   calls that only reach around the sandbox: kill the process;
 *   per allowed call, "nr == N ? (argument checks,) ALLOW : next";
 *   the rest: ENOSYS (glibc then falls back, e.g. clone3 -> clone).
 * The hottest calls (ioctl for DUNE_RUN, read, write, futex) come first.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "sandbox.h"

#define X32_SYSCALL_BIT		0x40000000U
#define MAX_INSNS		4096

/* Calls no process in the sandbox ever needs: reaching the host with one means ring 0 was taken. */
static const int killed[] = {
	SYS_ptrace, SYS_process_vm_writev, SYS_kexec_load, SYS_kexec_file_load,
	SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_bpf, SYS_perf_event_open,
	SYS_userfaultfd, SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
	SYS_unshare, SYS_setns, SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot,
	SYS_swapon, SYS_swapoff, SYS_reboot, SYS_open_by_handle_at, SYS_name_to_handle_at,
	SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick, SYS_move_mount, SYS_open_tree,
	SYS_mount_setattr, SYS_seccomp, SYS_landlock_create_ruleset, SYS_landlock_add_rule,
	SYS_landlock_restrict_self, SYS_modify_ldt, SYS_iopl, SYS_ioperm, SYS_keyctl,
	SYS_add_key, SYS_request_key, SYS_acct, SYS_quotactl, SYS_syslog, SYS_vhangup,
	SYS_pkey_mprotect, SYS_pkey_alloc, SYS_pkey_free, SYS_kcmp, SYS_lookup_dcookie,
	SYS_move_pages, SYS_migrate_pages, SYS_uselib, SYS_nfsservctl,
	/*
	 * The supervisor loads programs itself and makes processes with
	 * clone: a native execve would leave Dune mode with the program.
	 */
	SYS_execve, SYS_execveat, SYS_fork, SYS_vfork,
};

/* What the supervisor itself makes (glibc, libdune, the sandbox's own code). */
static const int supervisor[] = {
	SYS_read, SYS_write, SYS_futex, SYS_close, SYS_openat, SYS_open, SYS_fstat,
	SYS_newfstatat, SYS_lseek, SYS_mmap, SYS_munmap, SYS_mprotect, SYS_mremap, SYS_brk,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
	SYS_pread64, SYS_readv, SYS_writev, SYS_dup, SYS_dup2, SYS_dup3, SYS_fcntl,
	SYS_getdents64, SYS_getcwd, SYS_readlink, SYS_readlinkat, SYS_getpid, SYS_gettid,
	SYS_getppid, SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_getresuid,
	SYS_getresgid, SYS_exit, SYS_exit_group, SYS_wait4, SYS_set_robust_list,
	SYS_set_tid_address, SYS_sched_yield, SYS_nanosleep, SYS_clock_nanosleep,
	SYS_clock_gettime, SYS_gettimeofday, SYS_getrandom, SYS_uname, SYS_arch_prctl,
	SYS_tgkill, SYS_tkill, SYS_kill, SYS_clone, SYS_prlimit64, SYS_madvise,
	SYS_ioctl, SYS_sched_getaffinity,
	SYS_ftruncate,		/* pathsafe.c open_finish: O_TRUNC after the check */
	/*
	 * glibc registers every new thread of the supervisor with rseq once
	 * the first one was, and aborts if it cannot ("rseq registration
	 * failed").  The program's rseq is refused by the supervisor.
	 */
	SYS_rseq,
	/* libdune's host loop reads a guest clone3's arguments this way (loop.c) */
	SYS_process_vm_readv,
};

/* Forwarded calls that get an argument check below (the rest: the number alone). */
static const int tty_ioctls[] = {
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP, TIOCSPGRP,
	FIONREAD, FIONBIO, FIOCLEX, FIONCLEX,
};
#define DUNE_IOCTL_TYPE	0xE9	/* kmod/uapi/linux/dune.h DUNE_IOC_TYPE */

static const int safe_prctls[] = {
	PR_SET_NAME, PR_GET_NAME, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE,
	PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_CAPBSET_READ, PR_GET_SECUREBITS,
};

/* Calls whose first argument names a process: 0 (the caller) only. */
static const int own_pid_only[] = {
	SYS_prlimit64, SYS_sched_setaffinity, SYS_sched_getaffinity, SYS_sched_setscheduler,
	SYS_sched_getscheduler, SYS_sched_setparam, SYS_sched_getparam, SYS_sched_setattr,
	SYS_sched_getattr, SYS_sched_rr_get_interval,
};

static struct sock_filter prog[MAX_INSNS];
static unsigned int n;
static bool overflow;

static void emit(struct sock_filter f)
{
	if (n < MAX_INSNS)
		prog[n++] = f;
	else
		overflow = true;
}

#define STMT(c, k)		emit((struct sock_filter)BPF_STMT(c, k))
#define JUMP(c, k, t, f)	emit((struct sock_filter)BPF_JUMP(c, k, t, f))
#define RET(v)			STMT(BPF_RET | BPF_K, v)
#define ALLOW			SECCOMP_RET_ALLOW
#define ERR(e)			(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define LOAD_NR()		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
/* the low 32 bits of argument @i (int, pid_t, unsigned int cmd...) */
#define LOAD_ARG(i)		STMT(BPF_LD | BPF_W | BPF_ABS, \
				     offsetof(struct seccomp_data, args[i]))

static bool in(const int *set, size_t cnt, long nr)
{
	size_t i;

	for (i = 0; i < cnt; i++)
		if (set[i] == nr)
			return true;
	return false;
}
#define IN(set, nr)	in(set, sizeof(set) / sizeof(set[0]), nr)

/*
 * "nr == @nr ? <block> : next", with the block's length known only after
 * it is emitted: emit the jump, then patch its false offset.
 */
static unsigned int begin_call(long nr)
{
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 0);
	return n - 1;
}

static void end_call(unsigned int at)
{
	/* every block ends in a return; the false path still has nr in A */
	if (n - at - 1 > 255)
		overflow = true;
	prog[at].jf = (uint8_t)(n - at - 1);
}

/* arg @i (low 32 bits) must be one of @vals; else @otherwise. */
static void allow_if_arg_in(int i, const int *vals, size_t cnt, uint32_t otherwise)
{
	size_t k;

	LOAD_ARG(i);
	for (k = 0; k < cnt; k++) {
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)vals[k], 0, 1);
		RET(ALLOW);
	}
	RET(otherwise);
}

static void call_rule(long nr)
{
	unsigned int at = begin_call(nr);

	if (nr == SYS_ioctl) {
		/* /dev/dune, the VM and vCPU ioctls, and the terminal ones the supervisor forwards */
		LOAD_ARG(1);
		STMT(BPF_ALU | BPF_AND | BPF_K, 0xff00);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, DUNE_IOCTL_TYPE << 8, 0, 1);
		RET(ALLOW);
		allow_if_arg_in(1, tty_ioctls, sizeof(tty_ioctls) / sizeof(tty_ioctls[0]),
				ERR(ENOTTY));
	} else if (nr == SYS_kill || nr == SYS_tgkill) {
		/* not every process (-1), not the namespace's init (1) */
		LOAD_ARG(0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)-1, 1, 0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1);
		RET(ERR(EPERM));
		RET(ALLOW);
	} else if (IN(own_pid_only, nr)) {
		LOAD_ARG(0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
		RET(ALLOW);
		RET(ERR(EPERM));
	} else if (nr == SYS_setpriority || nr == SYS_getpriority) {
		/* which: PRIO_PROCESS (0), who: 0 (the caller) */
		LOAD_ARG(0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3);
		LOAD_ARG(1);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
		RET(ALLOW);
		RET(ERR(EPERM));
	} else if (nr == SYS_madvise) {
		int adv[MADVISE_ALLOWED_MAX], k = policy_madvise_list(adv, MADVISE_ALLOWED_MAX);

		allow_if_arg_in(2, adv, (size_t)k, ERR(EINVAL));
	} else if (nr == SYS_clone) {
		/* no namespaces: the sandbox's are the program's */
		LOAD_ARG(0);
		STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
		     CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
		RET(ALLOW);
		RET(ERR(EPERM));
	} else if ((nr == SYS_socket || nr == SYS_socketpair) && !policy.network) {
		LOAD_ARG(0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1);
		RET(ALLOW);
		RET(ERR(EAFNOSUPPORT));
	} else if (nr == SYS_prctl) {
		allow_if_arg_in(0, safe_prctls, sizeof(safe_prctls) / sizeof(safe_prctls[0]),
				ERR(EINVAL));
	} else if (nr == SYS_personality) {
		static const int query[] = { 0, (int)0xffffffff };

		allow_if_arg_in(0, query, 2, ERR(EPERM));
	} else {
		RET(ALLOW);
	}
	end_call(at);
}

/* May @nr be forwarded to the host by the policy (for some arguments: policy.c)? */
static bool forwarded(long nr)
{
	return policy_may_allow(nr);
}

int hostfilter_build(struct sock_fprog *out)
{
	static const int hot[] = { SYS_ioctl, SYS_read, SYS_write, SYS_futex };
	static unsigned char done[MAX_SYSCALLS];
	struct sock_fprog f;
	size_t i;
	long nr;

	n = 0;
	overflow = false;
	memset(done, 0, sizeof(done));
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	RET(SECCOMP_RET_KILL_PROCESS);
	LOAD_NR();
	JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
	RET(SECCOMP_RET_KILL_PROCESS);
	for (i = 0; i < sizeof(killed) / sizeof(killed[0]); i++) {
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)killed[i], 0, 1);
		RET(SECCOMP_RET_KILL_PROCESS);
		done[killed[i]] = 1;
	}
	for (i = 0; i < sizeof(hot) / sizeof(hot[0]); i++) {
		call_rule(hot[i]);
		done[hot[i]] = 1;
	}
	for (i = 0; i < sizeof(supervisor) / sizeof(supervisor[0]); i++) {
		if (done[supervisor[i]])
			continue;
		call_rule(supervisor[i]);
		done[supervisor[i]] = 1;
	}
	for (nr = 0; nr < MAX_SYSCALLS; nr++) {
		if (done[nr] || !forwarded(nr) || !sys_desc(nr))
			continue;
		call_rule(nr);
		done[nr] = 1;
	}
	RET(ERR(ENOSYS));
	if (overflow)
		return -1;
	f.len = (unsigned short)n;
	f.filter = prog;
	*out = f;
	return 0;
}

int hostfilter_install(void)
{
	struct sock_fprog f;

	if (hostfilter_build(&f)) {
		fprintf(stderr, "%s: the host seccomp filter does not fit\n", progname);
		return -1;
	}
	/* no_new_privs is set (confine.c): no CAP_SYS_ADMIN needed */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &f)) {
		fprintf(stderr, "%s: cannot install the host seccomp filter: %s\n", progname,
			strerror(errno));
		return -1;
	}
	if (verbose > 1)
		fprintf(stderr, "%s: host seccomp filter: %u instructions\n", progname, f.len);
	return 0;
}
