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
 * What it decides, per call number (classify() below):
 *   the architecture must be x86-64, and the number not an x32 one
 *     (X32_SYSCALL_BIT): otherwise the process is killed;
 *   calls that only reach around the sandbox: kill the process;
 *   the supervisor's own calls and those the policy forwards: allowed,
 *     some only for some arguments (emit_checks());
 *   the rest: ENOSYS (glibc then falls back, e.g. clone3 -> clone).
 *
 * How it is laid out (Documentation/userspace-api/seccomp_filter.rst has
 * the classic BPF it is written in).  Every host call the supervisor makes
 * runs the filter, so its layout is a cost on every forwarded call
 * (docs/sandbox.md, "Cost, measured by the bench"):
 *   - the kernel runs no filter at all for a number whose verdict it can
 *     tell from the number alone: at attach time it emulates the filter
 *     for every number, and those that reach "allow" without loading an
 *     argument go into a bitmap checked first (kernel/seccomp.c,
 *     seccomp_cache_prepare_bitmap() and seccomp_is_const_allow(), since
 *     5.11).  read, write, futex, getpid... cost nothing here;
 *   - the calls with argument checks run it every time.  The hottest of
 *     them, ioctl (each DUNE_RUN, that is, once per forwarded call), is
 *     tested first;
 *   - the rest is a binary search on the number over the ranges that get
 *     the same verdict (as libseccomp's SCMP_FLTATR_CTL_OPTIMIZE=2 and
 *     systemd build): about log2(ranges) comparisons, not one per call.
 * HOSTFILTER_LIST lays the same verdicts out as one comparison per call in
 * a row, the layout before the search (67 instructions to the DUNE_RUN
 * ioctl's "allow", 9 in the search; up to 247 to a verdict, 24 in the
 * search): tests/host/hostfilter_test.c checks that both give the same
 * verdict for every number and the arguments that matter.
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
	/* a vfork parent sees its child die without reaping it (process.c vfork_wait) */
	SYS_waitid,
	/* the program's /proc/self/maps is a sealed memfd (maps.c) */
	SYS_memfd_create,
	/* is the program's process group wholly in the namespace? (carry.c h_kill) */
	SYS_getpgrp,
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
#define NELEMS(a)		(sizeof(a) / sizeof((a)[0]))
/* a conditional jump's offsets are 8 bits; BPF_JA's is 32 */
#define MAX_COND_JUMP		255

static bool in(const int *set, size_t cnt, long nr)
{
	size_t i;

	for (i = 0; i < cnt; i++)
		if (set[i] == nr)
			return true;
	return false;
}
#define IN(set, nr)	in(set, NELEMS(set), nr)

/* ---- the argument checks: each a block that ends in returns ---- */

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

/* /dev/dune, the VM and vCPU ioctls, and the terminal ones the supervisor forwards */
static void check_ioctl(void)
{
	LOAD_ARG(1);
	STMT(BPF_ALU | BPF_AND | BPF_K, 0xff00);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, DUNE_IOCTL_TYPE << 8, 0, 1);
	RET(ALLOW);
	allow_if_arg_in(1, tty_ioctls, NELEMS(tty_ioctls), ERR(ENOTTY));
}

/*
 * kill, tgkill, tkill: not the namespace's init (1); not every process
 * (-1) either without a pid namespace.  In one, kill(-1) reaches the
 * namespace's processes only (kernel/signal.c: task_pid_vnr() is 0 for
 * the rest): the supervisor's form of a program's kill(0) whose process
 * group reaches outside (carry.c h_kill).
 */
static void check_kill(void)
{
	LOAD_ARG(0);
	if (!confine.in_pidns)
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)-1, 1, 0);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1);
	RET(ERR(EPERM));
	RET(ALLOW);
}

/* own_pid_only[]: the caller (0) only */
static void check_own_pid(void)
{
	LOAD_ARG(0);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
	RET(ALLOW);
	RET(ERR(EPERM));
}

/* setpriority, getpriority: which PRIO_PROCESS (0), who 0 (the caller) */
static void check_priority(void)
{
	LOAD_ARG(0);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3);
	LOAD_ARG(1);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
	RET(ALLOW);
	RET(ERR(EPERM));
}

static void check_madvise(void)
{
	int adv[MADVISE_ALLOWED_MAX], k = policy_madvise_list(adv, MADVISE_ALLOWED_MAX);

	allow_if_arg_in(2, adv, (size_t)k, ERR(EINVAL));
}

/* clone: no namespaces, the sandbox's are the program's */
static void check_clone(void)
{
	LOAD_ARG(0);
	STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
	     CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
	RET(ALLOW);
	RET(ERR(EPERM));
}

/* socket, socketpair without network: AF_UNIX only */
static void check_socket(void)
{
	LOAD_ARG(0);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1);
	RET(ALLOW);
	RET(ERR(EAFNOSUPPORT));
}

static void check_prctl(void)
{
	allow_if_arg_in(0, safe_prctls, NELEMS(safe_prctls), ERR(EINVAL));
}

/* personality: queries only */
static void check_personality(void)
{
	static const int query[] = { 0, (int)0xffffffff };

	allow_if_arg_in(0, query, NELEMS(query), ERR(EPERM));
}

typedef void check_fn(void);

static const struct {
	int nr;
	check_fn *check;
} checked[] = {
	{ SYS_ioctl, check_ioctl },
	{ SYS_kill, check_kill }, { SYS_tgkill, check_kill }, { SYS_tkill, check_kill },
	{ SYS_setpriority, check_priority }, { SYS_getpriority, check_priority },
	{ SYS_madvise, check_madvise },
	{ SYS_clone, check_clone },
	{ SYS_socket, check_socket }, { SYS_socketpair, check_socket },
	{ SYS_prctl, check_prctl },
	{ SYS_personality, check_personality },
};

/* The argument checks of an allowed call @nr, or NULL: allowed whatever they are. */
static check_fn *checks_of(long nr)
{
	size_t i;

	if (IN(own_pid_only, nr))
		return check_own_pid;
	if ((nr == SYS_socket || nr == SYS_socketpair) && policy.network)
		return NULL;
	for (i = 0; i < NELEMS(checked); i++)
		if (checked[i].nr == nr)
			return checked[i].check;
	return NULL;
}

/* An allowed call's verdict block (A holds anything): its checks, or "allow". */
static void emit_allowed(long nr)
{
	check_fn *check = checks_of(nr);

	if (check)
		check();
	else
		RET(ALLOW);
}

/* ---- what each number gets ---- */

enum verdict { V_ENOSYS, V_KILL, V_ALLOW };

/* May @nr be forwarded to the host by the policy (for some arguments: policy.c)? */
static bool forwarded(long nr)
{
	return policy_may_allow(nr);
}

/* the supervisor's most frequent calls: the list layout's first */
static const int hot[] = { SYS_ioctl, SYS_read, SYS_write, SYS_futex };

/*
 * Calls the policy may allow but the supervisor carries out itself with
 * other calls, never forwarding them: the host need not see them.  clone3
 * (clone3.c makes the process or thread with clone); the supervisor's own
 * glibc gets ENOSYS for it and uses clone, as before the program could.
 * The ID-setting calls (creds.c answers them from getresuid/getresgid).
 */
static const int carried[] = {
	SYS_clone3, SYS_setuid, SYS_setgid, SYS_setreuid, SYS_setregid, SYS_setresuid,
	SYS_setresgid, SYS_setfsuid, SYS_setfsgid, SYS_setgroups,
};

static enum verdict classify(long nr)
{
	if (IN(killed, nr))
		return V_KILL;
	if (IN(carried, nr))
		return V_ENOSYS;
	if (IN(hot, nr) || IN(supervisor, nr) || (forwarded(nr) && sys_desc(nr)))
		return V_ALLOW;
	return V_ENOSYS;
}

/* the architecture and the x32 numbers; leaves the number in A */
static void emit_prologue(void)
{
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	RET(SECCOMP_RET_KILL_PROCESS);
	LOAD_NR();
	JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
	RET(SECCOMP_RET_KILL_PROCESS);
}

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
	if (n - at - 1 > MAX_COND_JUMP)
		overflow = true;
	prog[at].jf = (uint8_t)(n - at - 1);
}

/* ---- HOSTFILTER_LIST: one comparison per call, in a row ---- */

static bool listed[MAX_SYSCALLS];

static void list_call(long nr)
{
	unsigned int at;

	if (listed[nr] || classify(nr) != V_ALLOW)
		return;
	at = begin_call(nr);
	emit_allowed(nr);
	end_call(at);
	listed[nr] = true;
}

static void build_list(void)
{
	size_t i;
	long nr;

	memset(listed, 0, sizeof(listed));
	for (i = 0; i < NELEMS(killed); i++) {
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)killed[i], 0, 1);
		RET(SECCOMP_RET_KILL_PROCESS);
		listed[killed[i]] = true;
	}
	for (i = 0; i < NELEMS(hot); i++)
		list_call(hot[i]);
	for (i = 0; i < NELEMS(supervisor); i++)
		list_call(supervisor[i]);
	for (nr = 0; nr < MAX_SYSCALLS; nr++)
		list_call(nr);
	RET(ERR(ENOSYS));
}

/* ---- HOSTFILTER_TREE: the hottest checked call, then a binary search ---- */

/* a run of numbers [first, next range's first) with one verdict block */
struct range {
	uint32_t first;
	enum verdict v;
	long checks;		/* V_ALLOW with argument checks: the number; else -1 */
};
static struct range ranges[MAX_SYSCALLS + 1];
static unsigned int nranges;

/* A range's block: a return, or an allowed call's checks. */
static void emit_leaf(const struct range *r)
{
	if (r->checks >= 0)
		emit_allowed(r->checks);
	else if (r->v == V_ALLOW)
		RET(ALLOW);
	else if (r->v == V_KILL)
		RET(SECCOMP_RET_KILL_PROCESS);
	else
		RET(ERR(ENOSYS));
}

/*
 * ranges[lo, hi): "nr >= first of the middle one ? right half : left
 * half", the left half right after the comparison.  Every leaf ends in a
 * return, so a subtree is self-contained: when the left one is too long
 * for the 8-bit offset, it moves down by one for a BPF_JA to the right.
 */
static void emit_tree(unsigned int lo, unsigned int hi)
{
	unsigned int mid = lo + (hi - lo) / 2, at = n, len;

	if (hi - lo == 1) {
		emit_leaf(&ranges[lo]);
		return;
	}
	JUMP(BPF_JMP | BPF_JGE | BPF_K, ranges[mid].first, 0, 0);
	emit_tree(lo, mid);
	len = n - at - 1;
	if (overflow)
		return;
	if (len <= MAX_COND_JUMP) {
		prog[at].jt = (uint8_t)len;
	} else if (n < MAX_INSNS) {
		memmove(&prog[at + 2], &prog[at + 1], len * sizeof(prog[0]));
		n++;
		prog[at].jt = 0;
		prog[at].jf = 1;
		prog[at + 1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, len, 0, 0);
	} else {
		overflow = true;
		return;
	}
	emit_tree(mid, hi);
}

static void build_tree(void)
{
	static const int first = SYS_ioctl;	/* checked every time: see the top */
	unsigned int at;
	long nr;

	at = begin_call(first);
	emit_allowed(first);
	end_call(at);

	nranges = 0;
	for (nr = 0; nr <= MAX_SYSCALLS; nr++) {
		/* MAX_SYSCALLS stands for all the numbers above: ENOSYS */
		enum verdict v = nr < MAX_SYSCALLS ? classify(nr) : V_ENOSYS;
		long checks = v == V_ALLOW && checks_of(nr) ? nr : -1;
		struct range *last = nranges ? &ranges[nranges - 1] : NULL;

		if (nr == first)	/* decided above: joins either neighbour */
			continue;
		if (last && checks < 0 && last->checks < 0 && last->v == v)
			continue;
		ranges[nranges++] = (struct range){ (uint32_t)nr, v, checks };
	}
	emit_tree(0, nranges);
}

int hostfilter_build(struct sock_fprog *out, enum hostfilter_layout layout)
{
	struct sock_fprog f;

	n = 0;
	overflow = false;
	emit_prologue();
	if (layout == HOSTFILTER_LIST)
		build_list();
	else
		build_tree();
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
	long ret;

	if (hostfilter_build(&f, HOSTFILTER_TREE)) {
		fprintf(stderr, "%s: the host seccomp filter does not fit\n", progname);
		return -1;
	}
	/*
	 * no_new_privs is set (confine.c): no CAP_SYS_ADMIN needed.  The
	 * supervisor is one thread here (confine_drop() checks), and threads
	 * made later inherit the filter; TSYNC puts it on every thread all
	 * the same, and fails (the id of a thread it could not synchronise)
	 * rather than leave one without it.
	 */
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &f);
	if (ret) {
		if (ret > 0)
			fprintf(stderr, "%s: cannot install the host seccomp filter: thread %ld cannot take it\n",
				progname, ret);
		else
			fprintf(stderr, "%s: cannot install the host seccomp filter: %s\n",
				progname, strerror(errno));
		return -1;
	}
	if (verbose > 1)
		fprintf(stderr, "%s: host seccomp filter: %u instructions\n", progname, f.len);
	return 0;
}
