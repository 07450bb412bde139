// SPDX-License-Identifier: GPL-2.0
/*
 * dune_syscall_test - system calls made in Dune mode have native Linux
 * semantics.
 *
 * In Dune mode every SYSCALL reaches libdune's host loop, which makes the
 * same call natively and hands the result back (libdune/loop.c).  This
 * suite checks that nothing is lost on the way: where it can, each test
 * runs the same code natively first and then in Dune mode, in the same
 * child process (dune_child.h), and compares the two.
 *
 *  - a table of 86 deterministic system calls, made raw with syscall(2):
 *    the same return values, errno values and output bytes, including
 *    the errors (EBADF, ENOENT, EINVAL, EFAULT, ENOSYS, ...); a bad user
 *    pointer is an EFAULT, not a crash (also for clone3, whose arguments
 *    the host loop reads itself);
 *  - file descriptors passed with SCM_RIGHTS;
 *  - futexes between threads in Dune mode: a mutex and condition variable
 *    ping-pong, and a FUTEX_WAIT woken by another thread;
 *  - mremap, brk, madvise(MADV_DONTNEED) and mprotect(PROT_EXEC): the
 *    guest sees the process's memory as it is after the call (moved,
 *    grown, shrunk, zeroed, executable or not);
 *  - the vector registers, MXCSR and the x87 control word survive system
 *    calls and CPUID exits;
 *  - the vDSO, which answers some calls in the guest itself, agrees with
 *    the system calls (getcpu, the clocks);
 *  - seccomp filters, installed natively or from Dune mode, apply to the
 *    calls made in Dune mode (SECCOMP_RET_ERRNO, _TRAP, _KILL_PROCESS);
 *  - execve from Dune mode starts a native image (also from a second
 *    thread while the first one runs in the guest);
 *  - blocking calls and signals: EINTR with the remaining time, SA_RESTART,
 *    restart_syscall(2) after a stop, sigsuspend, sigaltstack.
 *
 * Runs in the emulated VMX machine (about 70 million instructions per
 * second): loops stay small.
 */
#include <cpuid.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <ucontext.h>
#include <asm/prctl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include "kselftest_harness.h"
#include "dune_child.h"

extern char **environ;

DUNE_DEVICE_FIXTURE(sys);

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ns(&t);
}

/*
 * For the tests that run the same function natively (as run_child's @pre)
 * and then in Dune mode: say which run failed.
 */
static int natively(int (*fn)(void *), void *arg)
{
	int ret = fn(arg);

	if (ret)
		fprintf(stderr, "child: ... natively, before entering Dune mode\n");
	return ret;
}

#define NATIVE_TOO(fn)							\
static int fn##_native(void *arg)					\
{									\
	return natively(fn, arg);					\
}

/* ---- the table: deterministic system calls ------------------------------ */

/*
 * What one case observed.  Every call it makes with SYS() appends its
 * return value and errno to @data, as does put() with output buffers;
 * @ret and @err are the last call's.  The two runs must agree byte for
 * byte, so a case records nothing that legitimately differs between them:
 * file descriptor numbers (dune_init opens a few), random bytes, times.
 */
struct sc_out {
	long ret;
	int err;
	int bad;		/* a case's own invariant failed: its line */
	unsigned int len;
	unsigned char data[1100];
};

static void put(struct sc_out *o, const void *p, size_t n)
{
	if (o->len + n > sizeof(o->data)) {
		o->bad = -1;
		return;
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
}

static long rec(struct sc_out *o, long ret)
{
	int err = ret == -1 ? errno : 0;

	o->ret = ret;
	o->err = err;
	put(o, &ret, sizeof(ret));
	put(o, &err, sizeof(err));
	return ret;
}

/* A new file descriptor's number differs between the runs: record >= 0. */
static long rec_fd(struct sc_out *o, long ret)
{
	int err = ret == -1 ? errno : 0;

	rec(o, ret >= 0 ? 0 : ret);
	errno = err;
	return ret;
}

#define SYS(...)	rec(o, (errno = 0, syscall(__VA_ARGS__)))
#define SYS_FD(...)	rec_fd(o, (errno = 0, syscall(__VA_ARGS__)))
#define INVARIANT(c)	do { if (!(c)) o->bad = __LINE__; } while (0)

#define BAD_FD		999
#define BAD_PTR		((void *)8)

/* Set up once per child, before the native run. */
static struct {
	char dir[128];		/* a directory with two files: */
	char file[160];		/*  - stat only, never read (its atime stays) */
	char rfile[160];	/*  - read by the cases */
	char missing[160];
	int futex_word;
} env;

static char sc_page[4096] __attribute__((aligned(4096)));

static const char rfile_text[] = "native semantics\n";

static void c_getpid(struct sc_out *o) { SYS(SYS_getpid); }
static void c_getppid(struct sc_out *o) { SYS(SYS_getppid); }
static void c_gettid(struct sc_out *o) { SYS(SYS_gettid); }
static void c_getuid(struct sc_out *o) { SYS(SYS_getuid); }
static void c_geteuid(struct sc_out *o) { SYS(SYS_geteuid); }
static void c_getgid(struct sc_out *o) { SYS(SYS_getgid); }
static void c_getegid(struct sc_out *o) { SYS(SYS_getegid); }
static void c_getpgid(struct sc_out *o) { SYS(SYS_getpgid, 0); }
static void c_getsid(struct sc_out *o) { SYS(SYS_getsid, 0); }
static void c_sched_yield(struct sc_out *o) { SYS(SYS_sched_yield); }

static void c_getresuid(struct sc_out *o)
{
	uid_t id[3] = { 1, 1, 1 };

	SYS(SYS_getresuid, &id[0], &id[1], &id[2]);
	put(o, id, sizeof(id));
}

static void c_getresgid(struct sc_out *o)
{
	gid_t id[3] = { 1, 1, 1 };

	SYS(SYS_getresgid, &id[0], &id[1], &id[2]);
	put(o, id, sizeof(id));
}

static void c_getgroups(struct sc_out *o)
{
	gid_t list[64];
	long n;

	memset(list, 0, sizeof(list));
	SYS(SYS_getgroups, 0, NULL);
	n = SYS(SYS_getgroups, 64, list);
	if (n > 0)
		put(o, list, n * sizeof(list[0]));
}

static void c_uname(struct sc_out *o)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	SYS(SYS_uname, &u);
	put(o, &u, sizeof(u));
}

static void c_getcwd(struct sc_out *o)
{
	char buf[256];

	memset(buf, 0, sizeof(buf));
	SYS(SYS_getcwd, buf, sizeof(buf));
	put(o, buf, sizeof(buf));
}

static void c_getcwd_erange(struct sc_out *o)
{
	char buf[1];

	SYS(SYS_getcwd, buf, sizeof(buf));
}

static void c_umask(struct sc_out *o)
{
	long old = SYS(SYS_umask, 027);

	SYS(SYS_umask, old);	/* returns 027 */
}

static void c_getrlimit(struct sc_out *o)
{
	struct rlimit r[2];

	memset(r, 0, sizeof(r));
	SYS(SYS_getrlimit, RLIMIT_CORE, &r[0]);
	SYS(SYS_getrlimit, RLIMIT_NOFILE, &r[1]);
	put(o, r, sizeof(r));
}

static void c_prlimit64(struct sc_out *o)
{
	struct rlimit r;

	memset(&r, 0, sizeof(r));
	SYS(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &r);
	put(o, &r, sizeof(r));
}

static void c_sched_getaffinity(struct sc_out *o)
{
	unsigned long mask[16];

	memset(mask, 0, sizeof(mask));
	SYS(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	put(o, mask, sizeof(mask));
}

static void c_sched_getscheduler(struct sc_out *o) { SYS(SYS_sched_getscheduler, 0); }
static void c_getpriority(struct sc_out *o) { SYS(SYS_getpriority, PRIO_PROCESS, 0); }

static void c_prctl_get_name(struct sc_out *o)
{
	char name[16];

	memset(name, 0, sizeof(name));
	SYS(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
	put(o, name, sizeof(name));
}

static void c_prctl_get_dumpable(struct sc_out *o) { SYS(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0); }
static void c_prctl_get_seccomp(struct sc_out *o) { SYS(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0); }
static void c_personality(struct sc_out *o) { SYS(SYS_personality, 0xffffffffUL); }

static void c_capget(struct sc_out *o)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	SYS(SYS_capget, &h, d);
	put(o, &h, sizeof(h));
	put(o, d, sizeof(d));
}

static void c_rt_sigprocmask(struct sc_out *o)
{
	uint64_t set = 0x5a5a;

	SYS(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &set, 8);
	put(o, &set, sizeof(set));
}

static void c_rt_sigprocmask_badsize(struct sc_out *o)
{
	uint64_t set = 0;

	SYS(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &set, 4);
}

static void c_sigaltstack(struct sc_out *o)
{
	stack_t ss;

	memset(&ss, 0x5a, sizeof(ss));
	SYS(SYS_sigaltstack, NULL, &ss);
	put(o, &ss.ss_sp, sizeof(ss.ss_sp));
	put(o, &ss.ss_flags, sizeof(ss.ss_flags));
	put(o, &ss.ss_size, sizeof(ss.ss_size));
}

static void c_arch_prctl_get_fs(struct sc_out *o)
{
	unsigned long fs = 0, tcb;

	SYS(SYS_arch_prctl, ARCH_GET_FS, &fs);
	/* glibc's TCB starts with a pointer to itself; FS points at it. */
	__asm__ __volatile__("movq %%fs:0, %0" : "=r"(tcb));
	INVARIANT(fs == tcb);
	INVARIANT(fs == (unsigned long)pthread_self());
	put(o, &fs, sizeof(fs));
}

static void c_arch_prctl_get_cpuid(struct sc_out *o) { SYS(SYS_arch_prctl, ARCH_GET_CPUID, 0); }

/*
 * clone3 calls the kernel refuses before creating anything.  (With a bad
 * pointer to its arguments: a test of its own, below.)
 */
static void c_clone3_small(struct sc_out *o)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	SYS(SYS_clone3, &args, 32);
}

static void c_clone3_big(struct sc_out *o)
{
	static char args[8192];

	SYS(SYS_clone3, args, sizeof(args));
}

static void c_clone3_bad_flags(struct sc_out *o)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = 1ULL << 40;
	args.exit_signal = SIGCHLD;
	SYS(SYS_clone3, &args, sizeof(args));
}

static void c_clone3_stack_without_size(struct sc_out *o)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_VM;
	args.stack = (unsigned long)sc_page;
	args.exit_signal = SIGCHLD;
	SYS(SYS_clone3, &args, sizeof(args));
}

static void c_access(struct sc_out *o) { SYS(SYS_access, env.file, R_OK | W_OK); }
static void c_access_missing(struct sc_out *o) { SYS(SYS_access, env.missing, F_OK); }
static void c_faccessat(struct sc_out *o) { SYS(SYS_faccessat, AT_FDCWD, env.file, R_OK); }
static void c_faccessat_missing(struct sc_out *o) { SYS(SYS_faccessat, AT_FDCWD, env.missing, R_OK); }

static void c_stat(struct sc_out *o)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	SYS(SYS_stat, env.file, &st);
	put(o, &st, sizeof(st));
}

static void c_newfstatat(struct sc_out *o)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	SYS(SYS_newfstatat, AT_FDCWD, env.file, &st, 0);
	put(o, &st, sizeof(st));
}

static void c_statx(struct sc_out *o)
{
	struct statx stx;

	memset(&stx, 0, sizeof(stx));
	SYS(SYS_statx, AT_FDCWD, env.file, 0, STATX_BASIC_STATS, &stx);
	put(o, &stx, sizeof(stx));
}

static void c_readlink_exe(struct sc_out *o)
{
	char buf[256];

	memset(buf, 0, sizeof(buf));
	SYS(SYS_readlink, "/proc/self/exe", buf, sizeof(buf));
	put(o, buf, sizeof(buf));
}

static void c_getdents64(struct sc_out *o)
{
	char buf[512];
	long fd, n;

	memset(buf, 0, sizeof(buf));
	fd = SYS_FD(SYS_open, env.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	n = SYS(SYS_getdents64, fd, buf, sizeof(buf));
	if (n > 0)
		put(o, buf, n);
	close(fd);
}

static void c_open_missing(struct sc_out *o)
{
	SYS_FD(SYS_open, env.missing, O_RDONLY);
}

static void c_open_directory_on_file(struct sc_out *o)
{
	long fd = SYS_FD(SYS_open, env.file, O_RDONLY | O_DIRECTORY);

	if (fd >= 0)
		close(fd);
}

static void c_open_excl_exists(struct sc_out *o)
{
	long fd = SYS_FD(SYS_openat, AT_FDCWD, env.file, O_RDWR | O_CREAT | O_EXCL, 0600);

	if (fd >= 0)
		close(fd);
}

static void c_open_bad_path(struct sc_out *o)
{
	long fd = SYS_FD(SYS_open, BAD_PTR, O_RDONLY);

	if (fd >= 0)
		close(fd);
}

static void c_mkdir_exists(struct sc_out *o) { SYS(SYS_mkdir, env.dir, 0700); }
static void c_rmdir_not_empty(struct sc_out *o) { SYS(SYS_rmdir, env.dir); }
static void c_unlink_dir(struct sc_out *o) { SYS(SYS_unlink, env.dir); }
static void c_rename_missing(struct sc_out *o) { SYS(SYS_rename, env.missing, env.missing); }

static void c_pread_lseek(struct sc_out *o)
{
	char buf[16];
	long fd;

	memset(buf, 0, sizeof(buf));
	fd = SYS_FD(SYS_open, env.rfile, O_RDONLY | O_CLOEXEC);
	SYS(SYS_pread64, fd, buf, 6, 7);
	put(o, buf, sizeof(buf));
	SYS(SYS_lseek, fd, 0, SEEK_END);
	close(fd);
}

static void c_read_badfd(struct sc_out *o)
{
	char c;

	SYS(SYS_read, BAD_FD, &c, 1);
}

static void c_write_badfd(struct sc_out *o) { SYS(SYS_write, BAD_FD, "x", 1); }
static void c_close_badfd(struct sc_out *o) { SYS(SYS_close, BAD_FD); }

static void c_lseek_pipe(struct sc_out *o)
{
	int p[2] = { -1, -1 };

	SYS(SYS_pipe2, p, O_CLOEXEC);
	SYS(SYS_lseek, p[0], 0, SEEK_SET);
	close(p[0]);
	close(p[1]);
}

static void c_ioctl_notty(struct sc_out *o)
{
	char termios[128];
	int p[2] = { -1, -1 };

	SYS(SYS_pipe2, p, O_CLOEXEC);
	SYS(SYS_ioctl, p[0], 0x5401 /* TCGETS */, termios);
	close(p[0]);
	close(p[1]);
}

static void c_dup_badfd(struct sc_out *o) { SYS_FD(SYS_dup, BAD_FD); }

static void c_dup3_badflags(struct sc_out *o)
{
	long fd = SYS_FD(SYS_dup3, 0, 100, 0x1234);

	if (fd >= 0)
		close(fd);
}

static void c_fcntl_fd(struct sc_out *o)
{
	long fd = SYS_FD(SYS_open, env.file, O_RDONLY | O_CLOEXEC);

	SYS(SYS_fcntl, fd, F_GETFL);
	SYS(SYS_fcntl, fd, F_GETFD);		/* FD_CLOEXEC */
	SYS(SYS_fcntl, fd, F_SETFD, 0);
	SYS(SYS_fcntl, fd, F_GETFD);		/* 0 */
	SYS_FD(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 50);
	if (o->ret >= 0)
		close(50);
	SYS(SYS_fcntl, fd, 12345);		/* EINVAL */
	close(fd);
}

static void c_pipe2_rw(struct sc_out *o)
{
	int p[2] = { -1, -1 };
	char buf[8];

	memset(buf, 0, sizeof(buf));
	SYS(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK);
	SYS(SYS_write, p[1], "dune!", 5);
	SYS(SYS_read, p[0], buf, sizeof(buf));
	put(o, buf, sizeof(buf));
	SYS(SYS_read, p[0], buf, sizeof(buf));	/* empty: EAGAIN */
	close(p[0]);
	close(p[1]);
}

static void c_socketpair_msg(struct sc_out *o)
{
	char a[] = "hello ", b[] = "guest", in[8];
	struct iovec out_iov[2] = { { a, 6 }, { b, 5 } }, in_iov = { in, sizeof(in) };
	struct msghdr msg;
	int sv[2] = { -1, -1 };

	SYS(SYS_socketpair, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = out_iov;
	msg.msg_iovlen = 2;
	SYS(SYS_sendmsg, sv[0], &msg, 0);
	memset(&msg, 0, sizeof(msg));
	memset(in, 0, sizeof(in));
	msg.msg_iov = &in_iov;
	msg.msg_iovlen = 1;
	SYS(SYS_recvmsg, sv[1], &msg, 0);	/* 8 of 11 bytes: MSG_TRUNC */
	put(o, in, sizeof(in));
	put(o, &msg.msg_flags, sizeof(msg.msg_flags));
	INVARIANT(msg.msg_flags & MSG_TRUNC);
	close(sv[0]);
	close(sv[1]);
}

static void c_mmap_badflags(struct sc_out *o)
{
	/* Neither MAP_PRIVATE nor MAP_SHARED. */
	SYS(SYS_mmap, NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0);
}

static void c_munmap_unaligned(struct sc_out *o) { SYS(SYS_munmap, sc_page + 1, 4096); }

static void c_mprotect_unmapped(struct sc_out *o)
{
	void *p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	INVARIANT(p != MAP_FAILED);
	munmap(p, 8192);
	SYS(SYS_mprotect, p, 4096, PROT_READ | PROT_WRITE);
}

static void c_madvise_bad(struct sc_out *o) { SYS(SYS_madvise, sc_page, 4096, 12345); }

static void c_kill_self_0(struct sc_out *o) { SYS(SYS_kill, getpid(), 0); }
static void c_kill_esrch(struct sc_out *o) { SYS(SYS_kill, INT_MAX, 0); }

static void c_clock_getres(struct sc_out *o)
{
	struct timespec ts[2];

	memset(ts, 0x5a, sizeof(ts));
	SYS(SYS_clock_getres, CLOCK_REALTIME, &ts[0]);
	SYS(SYS_clock_getres, CLOCK_MONOTONIC, &ts[1]);
	put(o, ts, sizeof(ts));
}

static void c_clock_getres_bad(struct sc_out *o)
{
	struct timespec ts;

	SYS(SYS_clock_getres, 12345, &ts);
}

static void c_futex_wake(struct sc_out *o)
{
	env.futex_word = 0;
	SYS(SYS_futex, &env.futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void c_futex_wait_mismatch(struct sc_out *o)
{
	struct timespec to = { 5, 0 };

	env.futex_word = 1;
	SYS(SYS_futex, &env.futex_word, FUTEX_WAIT_PRIVATE, 0, &to, NULL, 0);
}

static void c_futex_wait_timeout(struct sc_out *o)
{
	struct timespec to = { 0, 1000000 };

	env.futex_word = 0;
	SYS(SYS_futex, &env.futex_word, FUTEX_WAIT_PRIVATE, 0, &to, NULL, 0);
}

static void c_nanosleep_bad(struct sc_out *o)
{
	struct timespec bad_ns = { 0, 2000000000 }, bad_s = { -1, 0 };

	SYS(SYS_nanosleep, &bad_s, NULL);
	SYS(SYS_nanosleep, &bad_ns, NULL);
}

static void c_getrandom(struct sc_out *o)
{
	char buf[16];

	SYS(SYS_getrandom, buf, sizeof(buf), GRND_NONBLOCK);
}

static void c_nosys_1000(struct sc_out *o) { SYS(1000); }
static void c_nosys_minus_1(struct sc_out *o) { SYS(-1L); }
/* The kernel looks at the low 32 bits of RAX only. */
static void c_getpid_high_bits(struct sc_out *o) { SYS((1L << 32) | SYS_getpid); }

/* Without an interrupted call to restart: EINTR. */
static void c_restart_syscall(struct sc_out *o) { SYS(SYS_restart_syscall); }

static void c_uname_null(struct sc_out *o) { SYS(SYS_uname, NULL); }

static void c_read_into_bad_ptr(struct sc_out *o)
{
	long fd = SYS_FD(SYS_open, env.rfile, O_RDONLY | O_CLOEXEC);

	SYS(SYS_read, fd, BAD_PTR, 4);
	close(fd);
}

static void c_stat_bad_ptr(struct sc_out *o) { SYS(SYS_stat, env.file, BAD_PTR); }

static void c_execve_missing(struct sc_out *o)
{
	char *argv[] = { "missing", NULL };

	SYS(SYS_execve, env.missing, argv, environ);
}

static void c_execve_bad_argv(struct sc_out *o)
{
	SYS(SYS_execve, "/proc/self/exe", BAD_PTR, environ);
}

struct sc_case {
	const char *name;
	void (*fn)(struct sc_out *o);
	int want;		/* the last call's errno; 0: it succeeds */
};

#define CASE(name, want)	{ #name, c_##name, want }

static const struct sc_case sc_cases[] = {
	CASE(getpid, 0),
	CASE(getppid, 0),
	CASE(gettid, 0),
	CASE(getuid, 0),
	CASE(geteuid, 0),
	CASE(getgid, 0),
	CASE(getegid, 0),
	CASE(getresuid, 0),
	CASE(getresgid, 0),
	CASE(getpgid, 0),
	CASE(getsid, 0),
	CASE(getgroups, 0),
	CASE(sched_yield, 0),
	CASE(uname, 0),
	CASE(getcwd, 0),
	CASE(getcwd_erange, ERANGE),
	CASE(umask, 0),
	CASE(getrlimit, 0),
	CASE(prlimit64, 0),
	CASE(sched_getaffinity, 0),
	CASE(sched_getscheduler, 0),
	CASE(getpriority, 0),
	CASE(prctl_get_name, 0),
	CASE(prctl_get_dumpable, 0),
	CASE(prctl_get_seccomp, 0),
	CASE(personality, 0),
	CASE(capget, 0),
	CASE(rt_sigprocmask, 0),
	CASE(rt_sigprocmask_badsize, EINVAL),
	CASE(sigaltstack, 0),
	CASE(arch_prctl_get_fs, 0),
	CASE(arch_prctl_get_cpuid, 0),
	CASE(clone3_small, EINVAL),
	CASE(clone3_big, E2BIG),
	CASE(clone3_bad_flags, EINVAL),
	CASE(clone3_stack_without_size, EINVAL),
	CASE(access, 0),
	CASE(access_missing, ENOENT),
	CASE(faccessat, 0),
	CASE(faccessat_missing, ENOENT),
	CASE(stat, 0),
	CASE(newfstatat, 0),
	CASE(statx, 0),
	CASE(readlink_exe, 0),
	CASE(getdents64, 0),
	CASE(open_missing, ENOENT),
	CASE(open_directory_on_file, ENOTDIR),
	CASE(open_excl_exists, EEXIST),
	CASE(open_bad_path, EFAULT),
	CASE(mkdir_exists, EEXIST),
	CASE(rmdir_not_empty, ENOTEMPTY),
	CASE(unlink_dir, EISDIR),
	CASE(rename_missing, ENOENT),
	CASE(pread_lseek, 0),
	CASE(read_badfd, EBADF),
	CASE(write_badfd, EBADF),
	CASE(close_badfd, EBADF),
	CASE(lseek_pipe, ESPIPE),
	CASE(ioctl_notty, ENOTTY),
	CASE(dup_badfd, EBADF),
	CASE(dup3_badflags, EINVAL),
	CASE(fcntl_fd, EINVAL),
	CASE(pipe2_rw, EAGAIN),
	CASE(socketpair_msg, 0),
	CASE(mmap_badflags, EINVAL),
	CASE(munmap_unaligned, EINVAL),
	CASE(mprotect_unmapped, ENOMEM),
	CASE(madvise_bad, EINVAL),
	CASE(kill_self_0, 0),
	CASE(kill_esrch, ESRCH),
	CASE(clock_getres, 0),
	CASE(clock_getres_bad, EINVAL),
	CASE(futex_wake, 0),
	CASE(futex_wait_mismatch, EAGAIN),
	CASE(futex_wait_timeout, ETIMEDOUT),
	CASE(nanosleep_bad, EINVAL),
	CASE(getrandom, 0),
	CASE(nosys_1000, ENOSYS),
	CASE(nosys_minus_1, ENOSYS),
	CASE(getpid_high_bits, 0),
	CASE(restart_syscall, EINTR),
	CASE(uname_null, EFAULT),
	CASE(read_into_bad_ptr, EFAULT),
	CASE(stat_bad_ptr, EFAULT),
	CASE(execve_missing, ENOENT),
	CASE(execve_bad_argv, EFAULT),
};

#define NR_CASES	(sizeof(sc_cases) / sizeof(sc_cases[0]))

struct sc_table {
	int done;		/* cases completed in Dune mode */
	struct sc_out native[NR_CASES], dune[NR_CASES];
};

static void run_cases(struct sc_out *out, int *done)
{
	unsigned int i;

	for (i = 0; i < NR_CASES; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		sc_cases[i].fn(&out[i]);
		if (done)
			__atomic_store_n(done, i + 1, __ATOMIC_RELEASE);
	}
}

static int table_native(void *arg)
{
	struct sc_table *t = arg;
	int fd;

	snprintf(env.dir, sizeof(env.dir), "%s/dune_syscall_test.%d", tmp_dir(), getpid());
	snprintf(env.file, sizeof(env.file), "%s/stat", env.dir);
	snprintf(env.rfile, sizeof(env.rfile), "%s/read", env.dir);
	snprintf(env.missing, sizeof(env.missing), "%s/missing", env.dir);
	CHECK(mkdir(env.dir, 0700) == 0);
	fd = open(env.file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	CHECK(fd >= 0 && close(fd) == 0);
	fd = open(env.rfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, rfile_text, strlen(rfile_text)) == (ssize_t)strlen(rfile_text));
	CHECK(close(fd) == 0);
	/*
	 * The emulated machine boots without entropy: one blocking getrandom
	 * (about a second) readies the CRNG, so that GRND_NONBLOCK gives the
	 * same answer in both runs.
	 */
	CHECK(getrandom(&fd, sizeof(fd), 0) == sizeof(fd));
	run_cases(t->native, NULL);
	return 0;
}

static int table_dune(void *arg)
{
	struct sc_table *t = arg;

	run_cases(t->dune, &t->done);
	CHECK(dune_is_in_dune_mode());
	unlink(env.file);
	unlink(env.rfile);
	rmdir(env.dir);
	return 0;
}

static int first_difference(const struct sc_out *a, const struct sc_out *b)
{
	unsigned int i, n = a->len < b->len ? a->len : b->len;

	for (i = 0; i < n; i++)
		if (a->data[i] != b->data[i])
			return i;
	return a->len == b->len ? -1 : (int)n;
}

TEST_F_TIMEOUT(sys, table_same_as_native, 300)
{
	struct sc_table *t = shared_alloc(sizeof(*t));
	struct child_result res;
	unsigned int i, bad = 0;

	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, run_child(table_native, table_dune, t, 0, &res));
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) ||
	    t->done != (int)NR_CASES)
		TH_LOG("child %s after %d of %zu cases in Dune mode (%s next); output:\n%s",
		       describe_status(res.status), t->done, NR_CASES,
		       t->done < (int)NR_CASES ? sc_cases[t->done].name : "none",
		       res.out);
	ASSERT_CHILD_EXIT(&res, 0);
	ASSERT_EQ((int)NR_CASES, t->done);

	for (i = 0; i < NR_CASES; i++) {
		const struct sc_out *n = &t->native[i], *d = &t->dune[i];
		const char *name = sc_cases[i].name;
		int want = sc_cases[i].want, diff;

		if (n->ret != d->ret || n->err != d->err) {
			TH_LOG("%s: native returned %ld (errno %d), Dune mode %ld (errno %d)",
			       name, n->ret, n->err, d->ret, d->err);
			bad++;
		} else if ((diff = first_difference(n, d)) >= 0) {
			TH_LOG("%s: the results differ from byte %d of %u (native) / %u (Dune mode)",
			       name, diff, n->len, d->len);
			bad++;
		}
		if (n->bad || d->bad) {
			TH_LOG("%s: invariant at line %d failed (native), line %d (Dune mode)",
			       name, n->bad, d->bad);
			bad++;
		}
		if (want ? n->ret != -1 || n->err != want : n->ret == -1) {
			TH_LOG("%s: natively %ld (errno %d: %s), expected %s%s",
			       name, n->ret, n->err, strerror(n->err),
			       want ? "errno " : "success", want ? strerror(want) : "");
			bad++;
		}
	}
	EXPECT_EQ(0U, bad) TH_LOG("%u of %zu cases differ", bad, NR_CASES);
	munmap(t, sizeof(*t));
}

/*
 * clone3 is one of the calls libdune's host loop does not simply re-issue:
 * it copies the arguments first (loop.c, do_clone3), and a bad pointer
 * must still be an EFAULT for the guest, not a crash.  The copy uses
 * process_vm_readv(2), which a kernel may lack (CONFIG_CROSS_MEMORY_ATTACH)
 * or a seccomp filter may refuse, as here in the second test.
 */
static int clone3_bad_pointer(void *arg)
{
	(void)arg;
	errno = 0;
	CHECK(syscall(SYS_clone3, NULL, sizeof(struct clone_args)) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(syscall(SYS_clone3, BAD_PTR, sizeof(struct clone_args)) == -1 && errno == EFAULT);
	CHECK(getpid() > 0);
	return 0;
}

NATIVE_TOO(clone3_bad_pointer)

TEST_F_TIMEOUT(sys, clone3_bad_pointer_is_efault, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(clone3_bad_pointer_native, clone3_bad_pointer, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int install_filter(int nr, unsigned int action);

static int deny_process_vm_readv(void *arg)
{
	struct iovec l = { &l, 1 }, r = { &r, 1 };

	CHECK(install_filter(__NR_process_vm_readv, SECCOMP_RET_ERRNO | EPERM) == 0);
	errno = 0;
	CHECK(process_vm_readv(getpid(), &l, 1, &r, 1, 0) == -1 && errno == EPERM);
	return natively(clone3_bad_pointer, arg);
}

TEST_F_TIMEOUT(sys, clone3_bad_pointer_is_efault_without_process_vm_readv, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(deny_process_vm_readv, clone3_bad_pointer, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- SCM_RIGHTS ---------------------------------------------------------- */

static int send_fds(int sock, const int *fds, int n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct iovec iov = { "F", 1 };
	struct msghdr msg;
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Receives up to 4 descriptors; returns how many, or -1. */
static int recv_fds(int sock, int *fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	char c = 0;
	struct iovec iov = { &c, 1 };
	struct msghdr msg;
	struct cmsghdr *cm;
	int n;

	memset(&u, 0, sizeof(u));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1 || c != 'F')
		return -1;
	if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC))
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    CMSG_NXTHDR(&msg, cm))
		return -1;
	n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if (n < 1 || n > 4)
		return -1;
	memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
	return n;
}

static int fd_passing(void *arg)
{
	const char *text = "passed with SCM_RIGHTS\n";
	char path[256], buf[64];
	int sv[2], p[2], fds[2], got[4];
	struct stat a, b;

	(void)arg;
	snprintf(path, sizeof(path), "%s/dune_syscall_fd.%d", tmp_dir(), getpid());
	fds[0] = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fds[0] >= 0);
	CHECK(write(fds[0], text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(fstat(fds[0], &a) == 0);
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	fds[1] = p[1];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);

	CHECK(send_fds(sv[0], fds, 2) == 0);
	/* Only the copies in flight keep the file and the pipe's end open. */
	CHECK(close(fds[0]) == 0 && close(fds[1]) == 0);
	CHECK(unlink(path) == 0);
	CHECK(recv_fds(sv[1], got) == 2);

	/* The same open file: same inode, same offset (at the end). */
	CHECK(fstat(got[0], &b) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	CHECK(b.st_nlink == 0);
	CHECK(lseek(got[0], 0, SEEK_CUR) == (off_t)strlen(text));
	CHECK(fcntl(got[0], F_GETFD) == FD_CLOEXEC);	/* MSG_CMSG_CLOEXEC */
	CHECK(lseek(got[0], 0, SEEK_SET) == 0);
	memset(buf, 0, sizeof(buf));
	CHECK(read(got[0], buf, sizeof(buf)) == (ssize_t)strlen(text));
	CHECK(strcmp(buf, text) == 0);

	/* The pipe's write end works, and is the only one left. */
	CHECK(write(got[1], "P", 1) == 1);
	CHECK(close(got[1]) == 0);
	CHECK(read(p[0], buf, 2) == 1 && buf[0] == 'P');
	CHECK(read(p[0], buf, 1) == 0);		/* EOF: no writer left */

	CHECK(close(got[0]) == 0 && close(p[0]) == 0);
	CHECK(close(sv[0]) == 0 && close(sv[1]) == 0);
	return 0;
}

NATIVE_TOO(fd_passing)

TEST_F_TIMEOUT(sys, scm_rights_fd_passing, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(fd_passing_native, fd_passing, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- futexes between threads in Dune mode -------------------------------- */

#define ROUNDS	200

struct pingpong {
	pthread_mutex_t lock;
	pthread_cond_t to_main, to_thread;
	int turn;		/* 0: main's, 1: the thread's */
	int round;
	bool thread_in_dune;
	int bad;
};

static void *pong(void *arg)
{
	struct pingpong *pp = arg;
	int i;

	pp->thread_in_dune = dune_is_in_dune_mode();
	for (i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pp->lock);
		while (pp->turn != 1)
			pthread_cond_wait(&pp->to_thread, &pp->lock);
		if (pp->round != i)
			pp->bad++;
		pp->turn = 0;
		pthread_cond_signal(&pp->to_main);
		pthread_mutex_unlock(&pp->lock);
	}
	if (!dune_is_in_dune_mode())
		pp->bad++;
	return NULL;
}

static int ping_pong(void *arg)
{
	struct pingpong pp = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.to_main = PTHREAD_COND_INITIALIZER,
		.to_thread = PTHREAD_COND_INITIALIZER,
	};
	struct dune_exit_stats a, b;
	pthread_t th;
	int i;

	(void)arg;
	CHECK(dune_get_exit_stats(&a) == 0);
	CHECK(pthread_create(&th, NULL, pong, &pp) == 0);
	for (i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pp.lock);
		while (pp.turn != 0)
			pthread_cond_wait(&pp.to_main, &pp.lock);
		pp.round = i;
		pp.turn = 1;
		pthread_cond_signal(&pp.to_thread);
		pthread_mutex_unlock(&pp.lock);
	}
	pthread_mutex_lock(&pp.lock);
	while (pp.turn != 0)
		pthread_cond_wait(&pp.to_main, &pp.lock);
	pthread_mutex_unlock(&pp.lock);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(dune_get_exit_stats(&b) == 0);
	CHECK(pp.thread_in_dune);
	CHECK(pp.bad == 0);
	CHECK(dune_is_in_dune_mode());
	/* The main thread really waited in the kernel, from Dune mode. */
	printf("%d round trips, %llu VMCALL exits on the main thread\n", ROUNDS,
	       (unsigned long long)(b.exits[18] - a.exits[18]));
	CHECK(b.exits[18] - a.exits[18] >= ROUNDS / 2);
	return 0;
}

TEST_F_TIMEOUT(sys, futex_mutex_condvar_ping_pong, 300)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, ping_pong, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	TH_LOG("%s", res.out);
}

struct futex_wake {
	int word;
	pid_t waiter;		/* tid */
	int about_to_wait;
	long woken;		/* FUTEX_WAKE's result */
	int waker_in_dune;
	int saw_sleeping;
};

/* The state letter in /proc/self/task/TID/stat ('S': sleeping), or 0. */
static char task_state(pid_t tid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void *waker(void *arg)
{
	struct futex_wake *fw = arg;
	struct timespec ms = { 0, 1000000 };
	int i;

	fw->waker_in_dune = dune_is_in_dune_mode();
	while (!__atomic_load_n(&fw->about_to_wait, __ATOMIC_ACQUIRE))
		nanosleep(&ms, NULL);
	/* Until the waiter sleeps in FUTEX_WAIT (at most 10 s). */
	for (i = 0; i < 10000; i++) {
		if (task_state(fw->waiter) == 'S') {
			fw->saw_sleeping = 1;
			break;
		}
		nanosleep(&ms, NULL);
	}
	nanosleep(&ms, NULL);
	__atomic_store_n(&fw->word, 1, __ATOMIC_RELEASE);
	fw->woken = syscall(SYS_futex, &fw->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

static int futex_woken(void *arg)
{
	struct futex_wake fw;
	struct timespec to = { 30, 0 };
	long ret = 0;
	int err = 0, waits = 0;
	pthread_t th;

	(void)arg;
	memset(&fw, 0, sizeof(fw));
	fw.waiter = gettid();
	CHECK(pthread_create(&th, NULL, waker, &fw) == 0);
	__atomic_store_n(&fw.about_to_wait, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&fw.word, __ATOMIC_ACQUIRE) == 0 && waits < 100) {
		errno = 0;
		ret = syscall(SYS_futex, &fw.word, FUTEX_WAIT_PRIVATE, 0, &to, NULL, 0);
		err = errno;
		waits++;
	}
	CHECK(pthread_join(th, NULL) == 0);
	if (ret || fw.woken != 1)
		printf("FUTEX_WAIT returned %ld (errno %d) after %d calls; FUTEX_WAKE woke %ld; the waiter was %sseen sleeping\n",
		       ret, err, waits, fw.woken, fw.saw_sleeping ? "" : "not ");
	CHECK(fw.waker_in_dune == dune_is_in_dune_mode());
	CHECK(fw.saw_sleeping);
	CHECK(ret == 0);
	CHECK(fw.woken == 1);
	CHECK(fw.word == 1);
	return 0;
}

NATIVE_TOO(futex_woken)

TEST_F_TIMEOUT(sys, futex_wait_woken_by_other_thread, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(futex_woken_native, futex_woken, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- mremap, brk, madvise ------------------------------------------------- */

#define MR_OLD	(16 * 4096UL)
#define MR_NEW	(4UL << 20)

enum { MR_CHECK, MR_TOUCH_OLD, MR_TOUCH_SHRUNK };

static int mremap_grow(void *arg)
{
	long what = (long)arg;
	unsigned int *p, *q;
	unsigned long i, bad = 0;
	unsigned char vec;

	/* A PROT_NONE page right after the mapping: it cannot grow in place. */
	p = mmap(NULL, MR_OLD + 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(mprotect((char *)p + MR_OLD, 4096, PROT_NONE) == 0);
	for (i = 0; i < MR_OLD / 4; i++)
		p[i] = 0x5eed0000u ^ i;

	q = mremap(p, MR_OLD, MR_NEW, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	CHECK(q != p);
	for (i = 0; i < MR_OLD / 4; i++)
		bad += q[i] != (0x5eed0000u ^ i);
	CHECK(bad == 0);
	for (i = 0; i < MR_OLD / 4; i += 1024)
		q[i] = ~q[i];
	for (i = 0; i < MR_OLD / 4; i += 1024)
		bad += q[i] != (unsigned int)~(0x5eed0000u ^ i);
	CHECK(bad == 0);
	/* The new tail: zero, then ours. */
	for (i = MR_OLD / 4; i < MR_NEW / 4; i += 1024) {
		bad += q[i] != 0;
		q[i] = (unsigned int)i;
	}
	CHECK(bad == 0);
	for (i = MR_OLD / 4; i < MR_NEW / 4; i += 1024)
		bad += q[i] != (unsigned int)i;
	CHECK(bad == 0);
	/* The old range is gone. */
	CHECK(mincore(p, 4096, &vec) == -1 && errno == ENOMEM);
	CHECK(munmap((char *)p + MR_OLD, 4096) == 0);

	/* Shrink in place: the tail goes. */
	CHECK(mremap(q, MR_NEW, MR_NEW / 2, 0) == q);
	CHECK(q[MR_NEW / 8 - 1024] == (unsigned int)(MR_NEW / 8 - 1024));
	CHECK(mincore((char *)q + MR_NEW / 2, 4096, &vec) == -1 && errno == ENOMEM);

	switch (what) {
	case MR_TOUCH_OLD:
		CHECK(write(1, "O", 1) == 1);
		bad = *(volatile unsigned int *)p;		/* SIGSEGV */
		return 1;
	case MR_TOUCH_SHRUNK:
		CHECK(write(1, "S", 1) == 1);
		bad = ((volatile unsigned int *)q)[MR_NEW / 4 - 1024];	/* SIGSEGV */
		return 1;
	}
	CHECK(munmap(q, MR_NEW / 2) == 0);
	return 0;
}

NATIVE_TOO(mremap_grow)

TEST_F_TIMEOUT(sys, mremap_maymove_grow_and_shrink, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(mremap_grow_native, mremap_grow, (void *)MR_CHECK, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* The guest must not reach the pages through their old address... */
TEST_F_TIMEOUT(sys, mremap_old_address_is_sigsegv, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, mremap_grow, (void *)MR_TOUCH_OLD, 0, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGSEGV);
	EXPECT_STREQ("O", res.out);
}

/* ... nor the tail a shrinking mremap cut off. */
TEST_F_TIMEOUT(sys, mremap_shrunk_tail_is_sigsegv, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, mremap_grow, (void *)MR_TOUCH_SHRUNK, 0, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGSEGV);
	EXPECT_STREQ("S", res.out);
}

#define MIB	(1L << 20)

static int brk_grow_shrink(void *arg)
{
	bool touch_after = arg != NULL;
	char *base, *p, *top;
	unsigned long off, bad = 0;

	base = sbrk(0);
	CHECK(base != (void *)-1);
	CHECK(syscall(SYS_brk, 0) == (long)base);
	p = sbrk(MIB);
	CHECK(p == base);
	CHECK(sbrk(0) == base + MIB);
	for (off = 0; off < MIB; off += 4096) {
		bad += p[off] != 0;
		p[off] = (char)(0xa5 ^ (off >> 12));
	}
	CHECK(bad == 0);
	for (off = 0; off < MIB; off += 4096)
		bad += p[off] != (char)(0xa5 ^ (off >> 12));
	CHECK(bad == 0);

	/* Shrink: the pages go; grown again, they are new (zero) pages. */
	CHECK(sbrk(-MIB) == base + MIB);
	CHECK(sbrk(0) == base);
	top = (char *)(((unsigned long)base + 4095) & ~4095UL);
	if (touch_after) {
		CHECK(write(1, "B", 1) == 1);
		bad = *(volatile char *)(top + 65536);		/* SIGSEGV */
		return 1;
	}
	p = sbrk(MIB);
	CHECK(p == base);
	for (off = top - base; off < MIB; off += 4096)
		bad += p[off] != 0;
	CHECK(bad == 0);
	CHECK(sbrk(-MIB) == base + MIB);
	CHECK(syscall(SYS_brk, 0) == (long)base);
	return 0;
}

NATIVE_TOO(brk_grow_shrink)

TEST_F_TIMEOUT(sys, brk_grow_touch_shrink, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(brk_grow_shrink_native, brk_grow_shrink, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_F_TIMEOUT(sys, brk_shrunk_heap_is_sigsegv, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, brk_grow_shrink, (void *)1, 0, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGSEGV);
	EXPECT_STREQ("B", res.out);
}

#define DN_LEN	(64 * 4096UL)
#define HUGE	(2UL << 20)

static unsigned long count_not(const unsigned char *p, unsigned long len,
			       unsigned long step, unsigned char want)
{
	unsigned long off, bad = 0;

	for (off = 0; off < len; off += step)
		bad += p[off] != want;
	return bad;
}

static int file_dontneed(void)
{
	unsigned char buf[4096], *m;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/dune_syscall_map.%d", tmp_dir(), getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	memset(buf, 0x11, sizeof(buf));
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(m[0] == 0x11 && m[4095] == 0x11);
	m[0] = m[4095] = 0x22;			/* copy on write */
	CHECK(m[0] == 0x22 && m[4095] == 0x22);
	CHECK(madvise(m, 4096, MADV_DONTNEED) == 0);
	CHECK(m[0] == 0x11 && m[4095] == 0x11);
	CHECK(pread(fd, buf, 1, 0) == 1 && buf[0] == 0x11);
	CHECK(munmap(m, 4096) == 0);
	CHECK(close(fd) == 0 && unlink(path) == 0);
	return 0;
}

static int dontneed(void *arg)
{
	unsigned char *p, *h, *s;
	unsigned long off;

	(void)arg;
	/* Private anonymous memory: zero after MADV_DONTNEED. */
	p = mmap(NULL, DN_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 0x5a, DN_LEN);
	CHECK(count_not(p, DN_LEN, 64, 0x5a) == 0);
	CHECK(madvise(p, DN_LEN, MADV_DONTNEED) == 0);
	CHECK(count_not(p, DN_LEN, 64, 0) == 0);
	/* Part of it: only that part. */
	memset(p, 0x77, DN_LEN);
	CHECK(madvise(p + 8 * 4096, 4 * 4096, MADV_DONTNEED) == 0);
	CHECK(count_not(p, 8 * 4096, 64, 0x77) == 0);
	CHECK(count_not(p + 8 * 4096, 4 * 4096, 64, 0) == 0);
	CHECK(count_not(p + 12 * 4096, DN_LEN - 12 * 4096, 64, 0x77) == 0);
	CHECK(munmap(p, DN_LEN) == 0);

	/* A 2 MiB region, a transparent huge page if the kernel gives one. */
	p = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	h = (unsigned char *)(((unsigned long)p + HUGE - 1) & ~(HUGE - 1));
	madvise(h, HUGE, MADV_HUGEPAGE);	/* may fail without THP */
	for (off = 0; off < HUGE; off += 4096)
		h[off] = h[off + 4095] = 0x33;
	CHECK(madvise(h + 100 * 4096, 4096, MADV_DONTNEED) == 0);
	CHECK(h[100 * 4096] == 0 && h[100 * 4096 + 4095] == 0);
	CHECK(h[99 * 4096 + 4095] == 0x33 && h[101 * 4096] == 0x33);
	CHECK(count_not(h, 100 * 4096, 4096, 0x33) == 0);
	CHECK(count_not(h + 101 * 4096, HUGE - 101 * 4096, 4096, 0x33) == 0);
	CHECK(madvise(h, HUGE, MADV_DONTNEED) == 0);
	CHECK(count_not(h, HUGE, 512, 0) == 0);
	CHECK(munmap(p, 2 * HUGE) == 0);

	/* A private file mapping: the written copy goes, the file is back. */
	CHECK(file_dontneed() == 0);

	/* Shared anonymous memory keeps its contents. */
	s = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	memset(s, 0x44, 4 * 4096);
	CHECK(madvise(s, 4 * 4096, MADV_DONTNEED) == 0);
	CHECK(count_not(s, 4 * 4096, 64, 0x44) == 0);
	CHECK(munmap(s, 4 * 4096) == 0);
	return 0;
}

NATIVE_TOO(dontneed)

TEST_F_TIMEOUT(sys, madvise_dontneed_zeroes_private_memory, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(dontneed_native, dontneed, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/*
 * mprotect(PROT_EXEC): code written into a page runs once the page is
 * executable, and runs again after being rewritten (a JIT's cycle); a
 * page that is not executable cannot run, in Dune mode as natively.
 */
static const unsigned char ret_42[] = { 0xb8, 42, 0, 0, 0, 0xc3 };	/* mov $42, %eax; ret */

static int jit(void *arg)
{
	unsigned char *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memcpy(p, ret_42, sizeof(ret_42));
	CHECK(mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0);
	CHECK(((int (*)(void))p)() == 42);
	CHECK(mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
	p[1] = 43;
	CHECK(mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0);
	CHECK(((int (*)(void))p)() == 43);
	if (arg) {
		CHECK(mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
		CHECK(write(1, "X", 1) == 1);
		((int (*)(void))p)();		/* SIGSEGV */
		return 1;
	}
	CHECK(munmap(p, 4096) == 0);
	return 0;
}

NATIVE_TOO(jit)

TEST_F_TIMEOUT(sys, mprotect_exec_write_exec_cycle, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(jit_native, jit, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_F_TIMEOUT(sys, mprotect_noexec_page_is_sigsegv, 120)
{
	struct child_result res;

	/* It leaves Dune mode: the fetch is replayed natively. */
	ASSERT_EQ(0, run_child(NULL, jit, (void *)1, CHILD_NATIVE_OK, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGSEGV);
	EXPECT_STREQ("X", res.out);
}

/* ---- vector registers, MXCSR, x87 ---------------------------------------- */

/*
 * One asm block: load xmm0-15 (or ymm0-15), MXCSR, the x87 control word
 * and an x87 register; make 100 getpid calls with the SYSCALL instruction
 * and four CPUID instructions (VM exits in Dune mode), touching no vector
 * register; store it all again.
 */
struct vec_state {
	unsigned char v[16][32];	/* xmm: the first 16 bytes of each */
	uint32_t mxcsr;
	uint16_t fcw;
	double st0;
	long rax;			/* the last getpid */
};

#define VEC_BODY							\
	"movl $100, %%r12d\n"						\
	"1:\n\t"							\
	"movl %[nr], %%eax\n\t"						\
	"syscall\n\t"							\
	"decl %%r12d\n\t"						\
	"jnz 1b\n\t"							\
	"movq %%rax, %%r13\n\t"						\
	"xorl %%eax, %%eax\n\txorl %%ecx, %%ecx\n\tcpuid\n\t"		\
	"movl $1, %%eax\n\txorl %%ecx, %%ecx\n\tcpuid\n\t"		\
	"movl $7, %%eax\n\txorl %%ecx, %%ecx\n\tcpuid\n\t"		\
	"movl $0xd, %%eax\n\txorl %%ecx, %%ecx\n\tcpuid\n\t"

#define VEC_IN(insn, reg, n)	insn " " #n "*32(%[in]), %%" reg #n "\n\t"
#define VEC_OUT(insn, reg, n)	insn " %%" reg #n ", " #n "*32(%[out])\n\t"
#define VEC_ALL(m, insn, reg)						\
	m(insn, reg, 0) m(insn, reg, 1) m(insn, reg, 2) m(insn, reg, 3)	\
	m(insn, reg, 4) m(insn, reg, 5) m(insn, reg, 6) m(insn, reg, 7)	\
	m(insn, reg, 8) m(insn, reg, 9) m(insn, reg, 10) m(insn, reg, 11) \
	m(insn, reg, 12) m(insn, reg, 13) m(insn, reg, 14) m(insn, reg, 15)

#define VEC_ASM(load, store, tail)					\
	__asm__ __volatile__(						\
		"ldmxcsr %[mxin]\n\t"					\
		"fldcw %[fcwin]\n\t"					\
		"fldpi\n\t"						\
		load							\
		VEC_BODY						\
		store							\
		tail							\
		"fstpl %[st0]\n\t"					\
		"fnstcw %[fcwout]\n\t"					\
		"stmxcsr %[mxout]\n\t"					\
		"movq %%r13, %[rax]\n\t"				\
		: [mxout] "=m"(out->mxcsr), [fcwout] "=m"(out->fcw),	\
		  [st0] "=m"(out->st0), [rax] "=m"(out->rax)		\
		: [in] "r"(in->v), [out] "r"(out->v),			\
		  [mxin] "m"(in->mxcsr), [fcwin] "m"(in->fcw),		\
		  [nr] "i"(SYS_getpid)					\
		: "rax", "rbx", "rcx", "rdx", "r11", "r12", "r13",	\
		  "memory", "cc",					\
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",	\
		  "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",	\
		  "xmm12", "xmm13", "xmm14", "xmm15")

static void vec_syscalls_sse(const struct vec_state *in, struct vec_state *out)
{
	VEC_ASM(VEC_ALL(VEC_IN, "movdqu", "xmm"), VEC_ALL(VEC_OUT, "movdqu", "xmm"), "");
}

static void vec_syscalls_avx(const struct vec_state *in, struct vec_state *out)
{
	VEC_ASM(VEC_ALL(VEC_IN, "vmovdqu", "ymm"), VEC_ALL(VEC_OUT, "vmovdqu", "ymm"),
		"vzeroupper\n\t");
}

static bool have_avx(void)
{
	unsigned int a, b, c, d, xlo, xhi;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	if (!(c & bit_AVX) || !(c & bit_OSXSAVE))
		return false;
	__asm__ __volatile__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
	return (xlo & 6) == 6;		/* SSE and AVX state enabled */
}

struct vec_result {
	int avx;
	unsigned int cpuid1[4];		/* natively, without the APIC ID */
};

static int vec_check(bool avx)
{
	struct vec_state in, out;
	uint32_t mxcsr;
	uint16_t fcw;
	int i, j, bytes = avx ? 32 : 16;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	for (i = 0; i < 16; i++)
		for (j = 0; j < 32; j++)
			in.v[i][j] = (unsigned char)(0x5a ^ (i * 37 + j * 11 + (j >= 16) * 0x80));
	/* FTZ, round toward zero, all exceptions masked; 53-bit x87 precision. */
	in.mxcsr = 0x1f80 | 0x8000 | 0x6000;
	in.fcw = 0x027f;

	__asm__ __volatile__("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	if (avx)
		vec_syscalls_avx(&in, &out);
	else
		vec_syscalls_sse(&in, &out);
	__asm__ __volatile__("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(fcw));

	for (i = 0; i < 16; i++) {
		if (memcmp(in.v[i], out.v[i], bytes)) {
			printf("%s%d changed:", avx ? "ymm" : "xmm", i);
			for (j = 0; j < bytes; j++)
				printf(" %02x/%02x", in.v[i][j], out.v[i][j]);
			printf("\n");
			return 1;
		}
	}
	CHECK(out.mxcsr == in.mxcsr);
	CHECK(out.fcw == in.fcw);
	CHECK(out.st0 == 3.141592653589793);
	CHECK(out.rax == getpid());
	return 0;
}

#ifndef bit_VMX
#define bit_VMX	(1 << 5)
#endif

static void cpuid1(unsigned int *v)
{
	__cpuid(1, v[0], v[1], v[2], v[3]);
	v[1] &= 0x00ffffff;		/* the initial APIC ID differs per CPU */
	v[2] &= ~bit_VMX;		/* hidden in Dune mode */
}

static int vec_native(void *arg)
{
	struct vec_result *r = arg;

	r->avx = have_avx();
	cpuid1(r->cpuid1);
	if (vec_check(false) || (r->avx && vec_check(true))) {
		fprintf(stderr, "child: ... natively, before entering Dune mode\n");
		return 1;
	}
	return 0;
}

static int vec_dune(void *arg)
{
	struct vec_result *r = arg;
	unsigned int v[4];

	CHECK(have_avx() == r->avx);
	cpuid1(v);
	CHECK(memcmp(v, r->cpuid1, sizeof(v)) == 0);
	if (vec_check(false))
		return 1;
	if (r->avx && vec_check(true))
		return 1;
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST_F_TIMEOUT(sys, vector_registers_survive_syscalls_and_cpuid, 120)
{
	struct vec_result *r = shared_alloc(sizeof(*r));
	struct child_result res;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_child(vec_native, vec_dune, r, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	TH_LOG("checked xmm0-15%s, MXCSR, the x87 control word and st(0)",
	       r->avx ? " and ymm0-15" : " (no AVX: not ymm)");
	munmap(r, sizeof(*r));
}

/* ---- the vDSO ---------------------------------------------------------------- */

/*
 * The vDSO's functions answer some system calls without entering the
 * kernel; in Dune mode they run in the guest, in ring 0, with libdune's
 * GDT.  They must agree with the real system calls.  The functions are
 * looked up in the vDSO image itself, so that what is tested does not
 * depend on which of them the C library uses.
 */
static void *vdso_sym(const char *name)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR), load = 0;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph;
	const Elf64_Shdr *sh;
	int i;

	if (!base)
		return NULL;
	ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			load = base + ph[i].p_offset - ph[i].p_vaddr;
			break;
		}
	}
	sh = (const Elf64_Shdr *)(base + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *sym = (const Elf64_Sym *)(base + sh[i].sh_offset);
		const char *str = (const char *)(base + sh[sh[i].sh_link].sh_offset);
		unsigned long j;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		for (j = 0; j < sh[i].sh_size / sizeof(*sym); j++)
			if (sym[j].st_shndx != SHN_UNDEF &&
			    strcmp(str + sym[j].st_name, name) == 0)
				return (void *)(load + sym[j].st_value);
	}
	return NULL;
}

typedef long (*vdso_getcpu_fn)(unsigned int *cpu, unsigned int *node, void *unused);
typedef long (*vdso_clock_fn)(clockid_t id, struct timespec *ts);
typedef long (*vdso_gettimeofday_fn)(struct timeval *tv, struct timezone *tz);
typedef long (*vdso_time_fn)(long *t);

/*
 * On each CPU in turn: the vDSO's getcpu, getcpu(2), and glibc's
 * sched_getcpu() (from the rseq area the kernel updates) all name it.
 */
static int getcpu_on_each_cpu(void *arg)
{
	vdso_getcpu_fn vgetcpu = (vdso_getcpu_fn)vdso_sym("__vdso_getcpu");
	cpu_set_t all, one;
	int c, n = 0, bad = 0;

	(void)arg;
	CHECK(vgetcpu != NULL);
	CHECK(sched_getaffinity(0, sizeof(all), &all) == 0);
	for (c = 0; c < CPU_SETSIZE && n < 4; c++) {
		unsigned int scpu = ~0u, snode = ~0u, vcpu = ~0u, vnode = ~0u;
		long vret;
		int rseq;

		if (!CPU_ISSET(c, &all))
			continue;
		n++;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
		CHECK(syscall(SYS_getcpu, &scpu, &snode, NULL) == 0);
		vret = vgetcpu(&vcpu, &vnode, NULL);
		rseq = sched_getcpu();
		if (scpu != (unsigned int)c || vret != 0 || vcpu != scpu ||
		    vnode != snode || rseq != c) {
			printf("pinned to CPU %d: getcpu(2) says CPU %u node %u; the vDSO's getcpu returned %ld, CPU %u node %u (%#x); sched_getcpu() %d\n",
			       c, scpu, snode, vret, vcpu, vnode, vcpu | (vnode << 12), rseq);
			bad++;
		}
	}
	CHECK(sched_setaffinity(0, sizeof(all), &all) == 0);
	CHECK(n >= 1);
	CHECK(bad == 0);
	return 0;
}

NATIVE_TOO(getcpu_on_each_cpu)

TEST_F_TIMEOUT(sys, vdso_getcpu_same_as_syscall, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(getcpu_on_each_cpu_native, getcpu_on_each_cpu, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* The vDSO's clocks fall between two system calls reading the same clock. */
static int vdso_clocks(void *arg)
{
	static const clockid_t ids[] = {
		CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
		CLOCK_BOOTTIME, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
	};
	vdso_clock_fn vgettime = (vdso_clock_fn)vdso_sym("__vdso_clock_gettime");
	vdso_clock_fn vgetres = (vdso_clock_fn)vdso_sym("__vdso_clock_getres");
	vdso_gettimeofday_fn vgtod = (vdso_gettimeofday_fn)vdso_sym("__vdso_gettimeofday");
	vdso_time_fn vtime = (vdso_time_fn)vdso_sym("__vdso_time");
	struct timespec a, v, b, r1, r2;
	struct timeval ta, tv, tb;
	long t1, t2, t3;
	unsigned int i;

	(void)arg;
	CHECK(vgettime && vgetres && vgtod && vtime);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		CHECK(syscall(SYS_clock_gettime, ids[i], &a) == 0);
		CHECK(vgettime(ids[i], &v) == 0);
		CHECK(syscall(SYS_clock_gettime, ids[i], &b) == 0);
		if (ns(&a) > ns(&v) || ns(&v) > ns(&b))
			printf("clock %d: syscall %lld, vDSO %lld, syscall %lld\n",
			       ids[i], ns(&a), ns(&v), ns(&b));
		CHECK(ns(&a) <= ns(&v) && ns(&v) <= ns(&b));
		memset(&r1, 0x5a, sizeof(r1));
		memset(&r2, 0x5a, sizeof(r2));
		CHECK(syscall(SYS_clock_getres, ids[i], &r1) == 0);
		CHECK(vgetres(ids[i], &r2) == 0);
		CHECK(memcmp(&r1, &r2, sizeof(r1)) == 0);
	}
	CHECK(vgettime(12345, &v) == -EINVAL);	/* the vDSO's fallback: raw */
	CHECK(syscall(SYS_gettimeofday, &ta, NULL) == 0);
	CHECK(vgtod(&tv, NULL) == 0);
	CHECK(syscall(SYS_gettimeofday, &tb, NULL) == 0);
	CHECK(timercmp(&ta, &tv, <=) && timercmp(&tv, &tb, <=));
	t1 = syscall(SYS_time, NULL);
	t2 = vtime(NULL);
	t3 = syscall(SYS_time, NULL);
	CHECK(t1 <= t2 && t2 <= t3);
	return 0;
}

NATIVE_TOO(vdso_clocks)

TEST_F_TIMEOUT(sys, vdso_clocks_agree_with_syscalls, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(vdso_clocks_native, vdso_clocks, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- seccomp --------------------------------------------------------------- */

/* Filter: @action for system call @nr, allow everything else. */
static int install_filter(int nr, unsigned int action)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

struct seccomp_ids {
	pid_t pid, ppid;
};

static int seccomp_native(void *arg)
{
	struct seccomp_ids *ids = arg;

	ids->pid = getpid();
	ids->ppid = getppid();
	CHECK(install_filter(__NR_getppid, SECCOMP_RET_ERRNO | EPERM) == 0);
	errno = 0;
	CHECK(syscall(SYS_getppid) == -1 && errno == EPERM);
	CHECK(getpid() == ids->pid);
	return 0;
}

static void *thread_getppid(void *arg)
{
	long *ret = arg;

	errno = 0;
	ret[0] = syscall(SYS_getppid);
	ret[1] = errno;
	ret[2] = dune_is_in_dune_mode();
	return NULL;
}

static int seccomp_dune(void *arg)
{
	struct seccomp_ids *ids = arg;
	long t[3];
	pthread_t th;

	errno = 0;
	CHECK(syscall(SYS_getppid) == -1 && errno == EPERM);
	CHECK(getpid() == ids->pid);
	CHECK(syscall(SYS_getpid) == ids->pid);
	CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == SECCOMP_MODE_FILTER);
	/* A thread created in Dune mode has the filter too. */
	CHECK(pthread_create(&th, NULL, thread_getppid, t) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(t[2] == 1);
	CHECK(t[0] == -1 && t[1] == EPERM);
	return 0;
}

TEST_F_TIMEOUT(sys, seccomp_filter_installed_natively_applies, 120)
{
	struct child_result res;
	struct seccomp_ids ids;

	ASSERT_EQ(0, run_child(seccomp_native, seccomp_dune, &ids, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int seccomp_from_dune(void *arg)
{
	pid_t pid = getpid(), ppid = getppid();
	long t[3];
	pthread_t th;

	(void)arg;
	CHECK(ppid > 1);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
	CHECK(install_filter(__NR_getppid, SECCOMP_RET_ERRNO | EACCES) == 0);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == SECCOMP_MODE_FILTER);
	errno = 0;
	CHECK(syscall(SYS_getppid) == -1 && errno == EACCES);
	CHECK(getpid() == pid);
	CHECK(pthread_create(&th, NULL, thread_getppid, t) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(t[0] == -1 && t[1] == EACCES);
	/* A second filter: the stricter result wins, as natively. */
	CHECK(install_filter(__NR_getppid, SECCOMP_RET_ERRNO | EPERM) == 0);
	errno = 0;
	CHECK(syscall(SYS_getppid) == -1 && (errno == EPERM || errno == EACCES));
	CHECK(getpid() == pid);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST_F_TIMEOUT(sys, seccomp_filter_installed_in_dune_mode_applies, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, seccomp_from_dune, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/*
 * SECCOMP_RET_TRAP: the handler gets SIGSYS with the system call's number
 * and may emulate it by setting the result register, the classic pattern
 * of user-space sandboxes.  Natively, then in Dune mode.
 */
struct sigsys_info {
	int count, syscall_nr, code;
	unsigned int arch;
	unsigned long call_addr;
};

#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1		/* si_code of a seccomp SIGSYS */
#endif

static volatile struct sigsys_info sigsys;

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	sigsys.count++;
	sigsys.syscall_nr = si->si_syscall;
	sigsys.arch = si->si_arch;
	sigsys.code = si->si_code;
	sigsys.call_addr = (unsigned long)si->si_call_addr;
	uc->uc_mcontext.gregs[REG_RAX] = 4242;
}

static int sigsys_emulates(void *arg)
{
	unsigned long *call_addr = arg;
	pid_t pid = getpid();
	long ret;

	memset((void *)&sigsys, 0, sizeof(sigsys));
	ret = syscall(SYS_getppid);
	CHECK(ret == 4242);
	CHECK(sigsys.count == 1);
	CHECK(sigsys.syscall_nr == __NR_getppid);
	CHECK(sigsys.arch == AUDIT_ARCH_X86_64);
	CHECK(sigsys.code == SYS_SECCOMP);
	CHECK(getpid() == pid);
	CHECK(sigsys.count == 1);
	*call_addr = sigsys.call_addr;
	return 0;
}

static int sigsys_native(void *arg)
{
	unsigned long *call_addr = arg;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSYS, &sa, NULL) == 0);
	CHECK(install_filter(__NR_getppid, SECCOMP_RET_TRAP) == 0);
	return natively(sigsys_emulates, &call_addr[0]);
}

static int sigsys_dune(void *arg)
{
	unsigned long *call_addr = arg;

	return sigsys_emulates(&call_addr[1]);
}

TEST_F_TIMEOUT(sys, seccomp_ret_trap_sigsys_handler_emulates, 120)
{
	unsigned long *call_addr = shared_alloc(2 * sizeof(unsigned long));
	struct child_result res;

	ASSERT_NE(NULL, call_addr);
	ASSERT_EQ(0, run_child(sigsys_native, sigsys_dune, call_addr, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	/* The host loop made the call: si_call_addr is libdune's, not the guest's. */
	TH_LOG("si_call_addr natively %#lx, in Dune mode %#lx",
	       call_addr[0], call_addr[1]);
	munmap(call_addr, 2 * sizeof(unsigned long));
}

static int seccomp_kill(void *arg)
{
	(void)arg;
	CHECK(install_filter(__NR_getppid, SECCOMP_RET_KILL_PROCESS) == 0);
	CHECK(write(1, "K", 1) == 1);
	syscall(SYS_getppid);
	return 1;
}

TEST_F_TIMEOUT(sys, seccomp_ret_kill_process_is_sigsys, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, seccomp_kill, NULL, 0, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGSYS);
	EXPECT_STREQ("K", res.out);
}

/* ---- execve ------------------------------------------------------------------ */

/*
 * The test binary exec'd with these arguments only reports on itself and
 * exits, before the harness starts: from a constructor, which glibc calls
 * with argc and argv.
 */
#define EXEC_ARG	"--dune-syscall-test-exec"

static int dune_fds(void)
{
	char path[64], link[128];
	int fd, n = 0;
	ssize_t len;

	for (fd = 0; fd < 256; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strstr(link, "dune"))
			n++;
	}
	return n;
}

static void __attribute__((constructor)) exec_probe(int argc, char **argv)
{
	unsigned long want_mask, mask = 0;
	int in_dune, fds, status = 0;
	sigset_t set;

	if (argc != 4 || strcmp(argv[1], EXEC_ARG))
		return;
	in_dune = dune_is_in_dune_mode();
	fds = dune_fds();
	want_mask = strtoul(argv[3], NULL, 16);
	sigprocmask(SIG_BLOCK, NULL, &set);
	memcpy(&mask, &set, sizeof(mask));
	if (in_dune)
		status = 3;
	else if (atoi(argv[2]) != getpid())
		status = 4;
	else if (fds)
		status = 5;
	else if (mask != want_mask)
		status = 6;
	dprintf(1, "exec'd: %s, pid %d (was %s), %d dune fds, signal mask %#lx (was %#lx)\n",
		in_dune ? "in Dune mode" : "native", getpid(), argv[2], fds, mask, want_mask);
	_exit(status);
}

static int exec_self(void)
{
	char pid[16], mask[24];
	char *argv[] = { "dune_syscall_test", EXEC_ARG, pid, mask, NULL };
	unsigned long m = 0;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);	/* kept across execve */
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(sigprocmask(SIG_BLOCK, NULL, &set) == 0);
	memcpy(&m, &set, sizeof(m));
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(mask, sizeof(mask), "%lx", m);
	execve("/proc/self/exe", argv, environ);
	printf("execve: %s\n", strerror(errno));
	return 1;
}

static int exec_from_dune(void *arg)
{
	(void)arg;
	CHECK(dune_is_in_dune_mode());
	return exec_self();
}

TEST_F_TIMEOUT(sys, execve_starts_a_native_image, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, exec_from_dune, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	EXPECT_NE(NULL, strstr(res.out, "exec'd: native")) TH_LOG("output:\n%s", res.out);
}

static volatile int spinning;

static void *exec_thread(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	while (!spinning)
		nanosleep(&ms, NULL);
	nanosleep(&ms, NULL);
	if (!dune_is_in_dune_mode())
		_exit(7);
	exec_self();
	_exit(8);
}

/* execve from a second thread while the main thread spins in the guest. */
static int exec_from_thread(void *arg)
{
	pthread_t th;

	(void)arg;
	CHECK(pthread_create(&th, NULL, exec_thread, NULL) == 0);
	spinning = 1;
	for (;;)
		;		/* no system call: in the guest until killed */
	return 1;
}

TEST_F_TIMEOUT(sys, execve_from_thread_while_other_spins, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, exec_from_thread, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	EXPECT_NE(NULL, strstr(res.out, "exec'd: native")) TH_LOG("output:\n%s", res.out);
}

/* ---- interrupted system calls ---------------------------------------------- */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static int set_alarm_handler(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	alarms = 0;
	return sigaction(SIGALRM, &sa, NULL);
}

static int arm_timer(long ms)
{
	struct itimerval once = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	return setitimer(ITIMER_REAL, &once, NULL);
}

/*
 * nanosleep interrupted by a handler: EINTR and the remaining time, with
 * or without SA_RESTART (nanosleep is never restarted after a handler).
 */
static int nanosleep_interrupted(void *arg)
{
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	long long start, slept;
	int ret, err;

	CHECK(set_alarm_handler(arg != NULL) == 0);
	start = now_ns();
	CHECK(arm_timer(100) == 0);
	errno = 0;
	ret = nanosleep(&req, &rem);
	err = errno;
	slept = now_ns() - start;
	alarm(CHILD_ALARM);
	CHECK(ret == -1 && err == EINTR);
	CHECK(alarms == 1);
	CHECK(slept >= 90 * 1000000LL && slept < 4 * 1000000000LL);
	/* rem: what was left, give or take the time the handler took */
	CHECK(ns(&rem) > 0 && ns(&rem) <= ns(&req) - 90 * 1000000LL);
	CHECK(ns(&rem) >= ns(&req) - slept - 100 * 1000000LL);
	return 0;
}

NATIVE_TOO(nanosleep_interrupted)

TEST_F_TIMEOUT(sys, nanosleep_eintr_with_remaining_time, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(nanosleep_interrupted_native, nanosleep_interrupted,
			       NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_F_TIMEOUT(sys, nanosleep_eintr_even_with_sa_restart, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(nanosleep_interrupted_native, nanosleep_interrupted,
			       (void *)1, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* wait4 for a child that exits after 1 s; SIGALRM after 100 ms. */
static int wait4_interrupted(void *arg)
{
	bool restart = arg != NULL;
	struct timespec second = { 1, 0 };
	int status = 0;
	pid_t pid, ret;
	int err;

	CHECK(set_alarm_handler(restart) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		nanosleep(&second, NULL);
		_exit(7);
	}
	CHECK(arm_timer(100) == 0);
	errno = 0;
	ret = wait4(pid, &status, 0, NULL);
	err = errno;
	if (restart) {
		CHECK(ret == pid);		/* restarted after the handler */
		CHECK(alarms == 1);
	} else {
		CHECK(ret == -1 && err == EINTR);
		CHECK(alarms == 1);
		CHECK(wait4(pid, &status, 0, NULL) == pid);
	}
	alarm(CHILD_ALARM);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	return 0;
}

NATIVE_TOO(wait4_interrupted)

TEST_F_TIMEOUT(sys, wait4_restarts_with_sa_restart, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(wait4_interrupted_native, wait4_interrupted,
			       (void *)1, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_F_TIMEOUT(sys, wait4_eintr_without_sa_restart, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(wait4_interrupted_native, wait4_interrupted,
			       NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/*
 * SIGSTOP and SIGCONT during nanosleep, no handler: the kernel restarts
 * the call with restart_syscall(2), which sleeps for the rest of the time.
 */
static int nanosleep_stopped(void *arg)
{
	struct timespec req = { 0, 800 * 1000000L }, ms100 = { 0, 100 * 1000000L };
	pid_t self = getpid(), pid;
	long long start, slept;
	int status;

	(void)arg;
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		nanosleep(&ms100, NULL);
		kill(self, SIGSTOP);
		nanosleep(&ms100, NULL);
		kill(self, SIGCONT);
		_exit(0);
	}
	start = now_ns();
	CHECK(nanosleep(&req, NULL) == 0);
	slept = now_ns() - start;
	CHECK(slept >= ns(&req));
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

NATIVE_TOO(nanosleep_stopped)

TEST_F_TIMEOUT(sys, nanosleep_restarted_after_sigstop_sigcont, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(nanosleep_stopped_native, nanosleep_stopped, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/*
 * sigsuspend: the handler runs with the temporary mask, the call returns
 * EINTR, and the old mask is back.
 */
static int sigsuspend_eintr(void *arg)
{
	sigset_t block, empty, now;

	(void)arg;
	CHECK(set_alarm_handler(false) == 0);
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigemptyset(&empty);
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	CHECK(arm_timer(50) == 0);
	errno = 0;
	CHECK(sigsuspend(&empty) == -1 && errno == EINTR);
	CHECK(alarms == 1);
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
	CHECK(sigismember(&now, SIGALRM) == 1);
	CHECK(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
	alarm(CHILD_ALARM);
	return 0;
}

NATIVE_TOO(sigsuspend_eintr)

TEST_F_TIMEOUT(sys, sigsuspend_eintr_restores_mask, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(sigsuspend_eintr_native, sigsuspend_eintr, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* sigaltstack: an SA_ONSTACK handler runs on the alternate stack. */
static char *altstack;
static volatile unsigned long handler_sp;
static volatile int handler_onstack;

static void on_usr1_onstack(int sig)
{
	stack_t ss;
	char here;

	(void)sig;
	handler_sp = (unsigned long)&here;
	if (sigaltstack(NULL, &ss) == 0)
		handler_onstack = ss.ss_flags == SS_ONSTACK;
}

static int sigaltstack_handler(void *arg)
{
	struct sigaction sa;
	stack_t ss, old;

	(void)arg;
	if (!altstack)
		altstack = malloc(SIGSTKSZ * 4);
	CHECK(altstack != NULL);
	ss.ss_sp = altstack;
	ss.ss_size = SIGSTKSZ * 4;
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, NULL) == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1_onstack;
	sa.sa_flags = SA_ONSTACK;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	handler_sp = 0;
	handler_onstack = 0;
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(handler_sp > (unsigned long)altstack &&
	      handler_sp < (unsigned long)altstack + SIGSTKSZ * 4);
	CHECK(handler_onstack);
	CHECK(sigaltstack(NULL, &old) == 0);
	CHECK(old.ss_sp == altstack && old.ss_flags == 0);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);
	return 0;
}

NATIVE_TOO(sigaltstack_handler)

TEST_F_TIMEOUT(sys, sigaltstack_sa_onstack_handler, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(sigaltstack_handler_native, sigaltstack_handler, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_HARNESS_MAIN
