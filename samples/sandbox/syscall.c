// SPDX-License-Identifier: GPL-2.0
/*
 * syscall.c - the heart of the sandbox: every SYSCALL the program makes in
 * ring 3 lands here, in ring 0, with no VM exit (libdune's ring-3 entry
 * builds a struct dune_tf and calls on_syscall).  For each call:
 *
 *   1. the policy decides: allow, deny (an errno), kill, or emulate;
 *   2. an allowed call has its pointer arguments checked against the
 *      program's mappings (mem.c) - the host kernel would accept any
 *      address of this process, supervisor memory included - and its
 *      paths against the path rules;
 *   3. the calls that change the address space, the thread pointer,
 *      signal handlers, processes and programs are carried out by the
 *      supervisor (mem.c, signal.c, process.c); the rest are forwarded:
 *      dune_passthrough_syscall() makes the same call for real;
 *   4. the result goes back in RAX, the trace line is written, and
 *      pending signals are delivered to the program's handlers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <linux/futex.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#include "sandbox.h"

/* ---- the supervisor's own file descriptors -------------------------- */

/*
 * libdune's /dev/dune, VM and vCPU descriptors and our trace file live in
 * the same descriptor table as the program's.  The program may not close,
 * replace, map or use them: every fd argument is checked here.  They are
 * found by difference: what is open after dune_init()/dune_enter() (or
 * opening the trace file) that was not open before.
 */
static unsigned char sup_fd[1024];
static unsigned char before[1024];

bool is_supervisor_fd(int fd)
{
	return fd >= 0 && fd < 1024 && sup_fd[fd];
}

static void fd_snapshot(unsigned char *bm)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	memset(bm, 0, 1024);
	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d) || fd < 0 || fd >= 1024)
			continue;
		bm[fd] = 1;
	}
	closedir(d);
}

void sup_fds_begin(void)
{
	fd_snapshot(before);
}

void sup_fds_end(void)
{
	unsigned char now[1024];
	int fd;

	fd_snapshot(now);
	for (fd = 0; fd < 1024; fd++)
		sup_fd[fd] = now[fd] && (sup_fd[fd] || !before[fd]);
}

/* ---- the end ------------------------------------------------------------- */

void kill_program(const char *why, int sig)
{
	struct sigaction sa;
	sigset_t set;

	fprintf(stderr, "%s: %s: killed (%s)\n", progname, prog_path, why);
	if (trace_out)
		fprintf(trace_out, "+++ killed by %s (%s) +++\n", strsignal(sig), why);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	_exit(128 + sig);
}

/* ---- paths ---------------------------------------------------------------- */

/* Make @path absolute (relative to @dirfd) and drop ".", ".." and "//". */
int abs_path(int dirfd, const char *path, char *out, size_t len)
{
	char buf[PATH_MAX * 2], *parts[512], *p, *save;
	int n = 0, i;
	size_t o = 0;

	if (path[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", path);
	} else {
		char base[PATH_MAX];

		if (dirfd == AT_FDCWD) {
			if (!getcwd(base, sizeof(base)))
				return -ENOENT;
		} else {
			char link[64];
			ssize_t r;

			if (is_supervisor_fd(dirfd))
				return -EBADF;
			snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
			r = readlink(link, base, sizeof(base) - 1);
			if (r < 0)
				return -EBADF;
			base[r] = 0;
		}
		snprintf(buf, sizeof(buf), "%s/%s", base, path);
	}
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (n)
				n--;
			continue;
		}
		if (n == 512)
			return -ENAMETOOLONG;
		parts[n++] = p;
	}
	if (n == 0) {
		snprintf(out, len, "/");
		return 0;
	}
	for (i = 0; i < n; i++) {
		int w = snprintf(out + o, len - o, "/%s", parts[i]);

		if (w < 0 || (size_t)w >= len - o)
			return -ENAMETOOLONG;
		o += w;
	}
	return 0;
}

/* Paths the program never opens, whatever the policy: they are us. */
static bool forbidden_path(const char *p)
{
	if (!strcmp(p, "/dev/dune"))
		return true;
	if (!strncmp(p, "/proc/", 6)) {
		const char *e = strrchr(p, '/');

		if (!strcmp(e, "/mem") || !strcmp(e, "/pagemap") || !strcmp(e, "/map_files") ||
		    strstr(p, "/map_files/"))
			return true;
	}
	return false;
}

/* The path rules: 0, or -EACCES. */
long check_path(int dirfd, uint64_t upath, bool write, char *abs, size_t len)
{
	long n = mem_strlen(upath, PATH_MAX);
	enum path_rule r;

	if (n < 0)
		return n;
	if (abs_path(dirfd, (const char *)upath, abs, len))
		return -ENAMETOOLONG;
	if (forbidden_path(abs))
		return -EACCES;
	r = path_check(abs);
	if (r == PATH_DENY || (r == PATH_READONLY && write))
		return -EACCES;
	return 0;
}

/* After an open: check where the descriptor really leads (symlinks). */
static long check_opened(long fd, bool write)
{
	char link[64], real[PATH_MAX];
	ssize_t r;
	enum path_rule pr;

	if (fd < 0)
		return fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
	r = readlink(link, real, sizeof(real) - 1);
	if (r <= 0 || real[0] != '/')
		return fd;	/* pipe:[...], anon_inode:... */
	real[r] = 0;
	pr = path_check(real);
	if (forbidden_path(real) || pr == PATH_DENY || (pr == PATH_READONLY && write)) {
		close((int)fd);
		return -EACCES;
	}
	return fd;
}

static bool open_writes(long flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

/* ---- argument checks --------------------------------------------------------- */

static long check_iov(uint64_t iov, uint64_t cnt, bool write)
{
	const struct iovec *v = (const struct iovec *)iov;
	uint64_t i;

	if (cnt > 1024)
		return -EINVAL;
	if (!mem_check(iov, cnt * sizeof(*v), false))
		return -EFAULT;
	for (i = 0; i < cnt; i++)
		if (!mem_check((uint64_t)v[i].iov_base, v[i].iov_len, write))
			return -EFAULT;
	return 0;
}

/* A pointer to a length, and a buffer of that length (sockets). */
static long check_lenbuf(uint64_t buf, uint64_t lenp)
{
	if (!lenp)
		return buf ? -EFAULT : 0;
	if (!mem_check(lenp, 4, true))
		return -EFAULT;
	if (buf && !mem_check(buf, *(uint32_t *)lenp, true))
		return -EFAULT;
	return 0;
}

static long check_msghdr(uint64_t m, bool recv)
{
	const struct msghdr *h = (const struct msghdr *)m;

	if (!mem_check(m, sizeof(*h), recv))
		return -EFAULT;
	if (h->msg_name && !mem_check((uint64_t)h->msg_name, h->msg_namelen, recv))
		return -EFAULT;
	if (h->msg_control && !mem_check((uint64_t)h->msg_control, h->msg_controllen, recv))
		return -EFAULT;
	return check_iov((uint64_t)h->msg_iov, h->msg_iovlen, recv);
}

static long check_generic(const struct sysdesc *d, const uint64_t a[6])
{
	int i;

	for (i = 0; i < 6; i++) {
		struct argdesc ad = d->a[i];
		uint64_t v = a[i];

		switch (ad.k) {
		case A_STR:
			if (mem_strlen(v, PATH_MAX) < 0)
				return -EFAULT;
			break;
		case A_IN:
			if (v && !mem_check(v, ad.n, false))
				return -EFAULT;
			break;
		case A_OUT:
			if (v && !mem_check(v, ad.n, true))
				return -EFAULT;
			break;
		case A_INL:
			if ((v || a[ad.n]) && !mem_check(v, a[ad.n], false))
				return -EFAULT;
			break;
		case A_OUTL:
			if ((v || a[ad.n]) && !mem_check(v, a[ad.n], true))
				return -EFAULT;
			break;
		case A_IOV:
		case A_IOVW: {
			long r = check_iov(v, a[ad.n], ad.k == A_IOVW);

			if (r)
				return r;
			break;
		}
		case A_FD:
			if (is_supervisor_fd((int)v))
				return -EBADF;
			break;
		case A_DIRFD:
			if ((int)v != AT_FDCWD && is_supervisor_fd((int)v))
				return -EBADF;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Checks for calls whose pointers the table cannot describe. */
static long check_special(long nr, const uint64_t a[6])
{
	switch (nr) {
	case SYS_poll:
	case SYS_ppoll:
		if (a[1] > 4096 || !mem_check(a[0], a[1] * 8, true))
			return -EFAULT;
		return 0;
	case SYS_select:
	case SYS_pselect6: {
		uint64_t n = ((a[0] + 63) / 64) * 8;
		int i;

		if (a[0] > 1024)
			return -EINVAL;
		for (i = 1; i <= 3; i++)
			if (a[i] && !mem_check(a[i], n, true))
				return -EFAULT;
		if (a[4] && !mem_check(a[4], 16, true))
			return -EFAULT;
		if (nr == SYS_pselect6 && a[5]) {
			const uint64_t *ss = (const uint64_t *)a[5];

			if (!mem_check(a[5], 16, false) || (ss[0] && !mem_check(ss[0], 8, false)))
				return -EFAULT;
		}
		return 0;
	}
	case SYS_sendmsg:
		return check_msghdr(a[1], false);
	case SYS_recvmsg:
		return check_msghdr(a[1], true);
	case SYS_accept:
	case SYS_accept4:
	case SYS_getsockname:
	case SYS_getpeername:
		return check_lenbuf(a[1], a[2]);
	case SYS_recvfrom:
		return check_lenbuf(a[4], a[5]);
	case SYS_getsockopt:
		return check_lenbuf(a[3], a[4]);
	case SYS_sendfile:
		return a[2] && !mem_check(a[2], 8, true) ? -EFAULT : 0;
	case SYS_splice:
	case SYS_copy_file_range:
		if ((a[1] && !mem_check(a[1], 8, true)) || (a[3] && !mem_check(a[3], 8, true)))
			return -EFAULT;
		return 0;
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
		if ((long)a[2] <= 0 || a[2] > 65536)
			return -EINVAL;
		return mem_check(a[1], a[2] * 12, true) ? 0 : -EFAULT;
	case SYS_getgroups:
		if ((int)a[0] < 0 || a[0] > 65536)
			return -EINVAL;
		return !a[0] || mem_check(a[1], a[0] * 4, true) ? 0 : -EFAULT;
	case SYS_mincore:
		return mem_check(a[2], (PAGE_UP(a[1])) / PAGE_SIZE, true) ? 0 : -EFAULT;
	case SYS_utimensat:
		return a[1] && mem_strlen(a[1], PATH_MAX) < 0 ? -EFAULT : 0;
	case SYS_futex: {
		int op = (int)a[1] & FUTEX_CMD_MASK;

		if (!mem_check(a[0], 4, true))
			return -EFAULT;
		if (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET || op == FUTEX_LOCK_PI ||
		    op == FUTEX_WAIT_REQUEUE_PI || op == FUTEX_LOCK_PI2)
			if (a[3] && !mem_check(a[3], 16, false))
				return -EFAULT;
		if (op == FUTEX_REQUEUE || op == FUTEX_CMP_REQUEUE || op == FUTEX_WAKE_OP ||
		    op == FUTEX_CMP_REQUEUE_PI || op == FUTEX_WAIT_REQUEUE_PI)
			if (!mem_check(a[4], 4, true))
				return -EFAULT;
		return 0;
	}
	case SYS_ioctl:
		switch (a[1]) {
		case TCGETS:
			return mem_check(a[2], 60, true) ? 0 : -EFAULT;
		case TCSETS: case TCSETSW: case TCSETSF:
			return mem_check(a[2], 60, false) ? 0 : -EFAULT;
		case TIOCGWINSZ:
			return mem_check(a[2], 8, true) ? 0 : -EFAULT;
		case TIOCSWINSZ:
			return mem_check(a[2], 8, false) ? 0 : -EFAULT;
		case TIOCGPGRP: case FIONREAD:
			return mem_check(a[2], 4, true) ? 0 : -EFAULT;
		case TIOCSPGRP: case FIONBIO:
			return mem_check(a[2], 4, false) ? 0 : -EFAULT;
		case FIOCLEX: case FIONCLEX:
			return 0;
		default:
			return -ENOTTY;
		}
	case SYS_fcntl:
		switch ((int)a[1]) {
		case F_GETLK: case F_SETLK: case F_SETLKW:
		case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
			return mem_check(a[2], 32, true) ? 0 : -EFAULT;
		case F_DUPFD: case F_DUPFD_CLOEXEC: case F_GETFD: case F_SETFD:
		case F_GETFL: case F_SETFL: case F_GETPIPE_SZ: case F_SETPIPE_SZ:
		case F_ADD_SEALS: case F_GET_SEALS:
			return 0;
		default:
			return -EINVAL;
		}
	case SYS_prctl:
		switch ((int)a[0]) {
		case PR_SET_NAME:
			return mem_strlen(a[1], 4096) < 0 ? -EFAULT : 0;
		case PR_GET_NAME:
			return mem_check(a[1], 16, true) ? 0 : -EFAULT;
		case PR_SET_PDEATHSIG: case PR_GET_DUMPABLE: case PR_SET_DUMPABLE:
		case PR_SET_NO_NEW_PRIVS: case PR_GET_NO_NEW_PRIVS: case PR_CAPBSET_READ:
		case PR_GET_SECUREBITS:
			return 0;
		default:
			return -EINVAL;
		}
	case SYS_personality:
		return a[0] == 0xffffffff || a[0] == 0 ? 0 : -EPERM;
	}
	return 0;
}

/* Calls no policy may forward: they reach around the sandbox. */
static bool never(long nr)
{
	switch (nr) {
	case SYS_ptrace: case SYS_seccomp: case SYS_process_vm_readv:
	case SYS_process_vm_writev: case SYS_modify_ldt: case SYS_iopl: case SYS_ioperm:
	case SYS_userfaultfd: case SYS_io_uring_setup: case SYS_bpf: case SYS_perf_event_open:
	case SYS_kexec_load: case SYS_init_module: case SYS_pkey_mprotect:
	case SYS_clone3: case SYS_rseq: case SYS_close_range: case SYS_unshare: case SYS_setns:
		return true;
	}
	return false;
}

/* ---- emulations ------------------------------------------------------------------ */

static long emulate(long nr, const uint64_t a[6])
{
	struct utsname u;

	switch (nr) {
	case SYS_getpid:
	case SYS_gettid:
		if (policy.pid && getpid() == real_pid)
			return policy.pid;
		return getpid();
	case SYS_getppid:
		if (policy.pid && getpid() == real_pid)
			return 0;
		if (policy.pid && getppid() == real_pid)
			return policy.pid;
		return getppid();
	case SYS_uname:
		if (!mem_check(a[0], sizeof(u), true))
			return -EFAULT;
		if (uname(&u))
			return -errno;
		if (policy.hostname[0])
			snprintf(u.nodename, sizeof(u.nodename), "%s", policy.hostname);
		memcpy((void *)a[0], &u, sizeof(u));
		return 0;
	case SYS_sethostname:
		if (a[1] > 64)
			return -EINVAL;
		if (!mem_check(a[0], a[1], false))
			return -EFAULT;
		memcpy(policy.hostname, (void *)a[0], a[1]);
		policy.hostname[a[1]] = 0;
		return 0;
	}
	return -ENOSYS;
}

/* ---- forwarding -------------------------------------------------------------------- */

long forward(long nr, const uint64_t a[6])
{
	struct dune_tf tf;

	memset(&tf, 0, sizeof(tf));
	tf.rax = nr;
	tf.rdi = a[0];
	tf.rsi = a[1];
	tf.rdx = a[2];
	tf.rcx = a[3];
	tf.r8 = a[4];
	tf.r9 = a[5];
	dune_passthrough_syscall(&tf);
	return (long)tf.rax;
}

bool is_self_exe(const char *abs)
{
	char mine[64];

	snprintf(mine, sizeof(mine), "/proc/%d/exe", getpid());
	return !strcmp(abs, "/proc/self/exe") || !strcmp(abs, mine);
}

static long path_call(long nr, const uint64_t a[6])
{
	char abs[PATH_MAX];
	int dirfd = AT_FDCWD;
	uint64_t path = a[0];
	bool write = false, is_open = false;
	long ret;

	switch (nr) {
	case SYS_open:
		write = open_writes((long)a[1]);
		is_open = true;
		break;
	case SYS_creat:
		write = true;
		is_open = true;
		break;
	case SYS_openat:
		dirfd = (int)a[0];
		path = a[1];
		write = open_writes((long)a[2]);
		is_open = true;
		break;
	case SYS_newfstatat: case SYS_statx: case SYS_faccessat: case SYS_faccessat2:
	case SYS_readlinkat:
		dirfd = (int)a[0];
		path = a[1];
		/* fstatat(fd, "", AT_EMPTY_PATH) is an fstat */
		if (mem_strlen(path, 1) == 0 && !*(const char *)path)
			return forward(nr, a);
		break;
	case SYS_unlinkat: case SYS_mkdirat: case SYS_fchmodat: case SYS_fchownat:
		dirfd = (int)a[0];
		path = a[1];
		write = true;
		break;
	case SYS_utimensat:
		if (!a[1])
			return forward(nr, a);
		dirfd = (int)a[0];
		path = a[1];
		write = true;
		break;
	case SYS_renameat: case SYS_renameat2: case SYS_linkat:
		ret = check_path((int)a[0], a[1], true, abs, sizeof(abs));
		if (!ret)
			ret = check_path((int)a[2], a[3], true, abs, sizeof(abs));
		return ret ? ret : forward(nr, a);
	case SYS_symlinkat:
		ret = check_path((int)a[1], a[2], true, abs, sizeof(abs));
		return ret ? ret : forward(nr, a);
	case SYS_rename: case SYS_link:
		ret = check_path(AT_FDCWD, a[0], true, abs, sizeof(abs));
		if (!ret)
			ret = check_path(AT_FDCWD, a[1], true, abs, sizeof(abs));
		return ret ? ret : forward(nr, a);
	case SYS_symlink:
		ret = check_path(AT_FDCWD, a[1], true, abs, sizeof(abs));
		return ret ? ret : forward(nr, a);
	case SYS_unlink: case SYS_rmdir: case SYS_mkdir: case SYS_chmod: case SYS_chown:
	case SYS_lchown: case SYS_truncate: case SYS_utime: case SYS_utimes:
		write = true;
		break;
	default:
		break;
	}
	ret = check_path(dirfd, path, write, abs, sizeof(abs));
	if (ret)
		return ret;
	/* /proc/self/exe is the program, not the sandbox */
	if ((nr == SYS_readlink || nr == SYS_readlinkat) && is_self_exe(abs)) {
		uint64_t buf = nr == SYS_readlink ? a[1] : a[2];
		uint64_t len = nr == SYS_readlink ? a[2] : a[3];
		size_t n = strlen(prog_path);

		if (n > len)
			n = len;
		memcpy((void *)buf, prog_path, n);	/* checked: A_OUTL */
		return (long)n;
	}
	/* opening /proc/self/exe opens the program */
	if (is_open && is_self_exe(abs)) {
		if (write)
			return -ETXTBSY;
		ret = open(prog_path, O_RDONLY | (int)((nr == SYS_openat ? a[2] : a[1]) & O_CLOEXEC));
		return ret < 0 ? -errno : check_opened(ret, false);
	}
	ret = forward(nr, a);
	if (is_open)
		ret = check_opened(ret, write);
	return ret;
}

static bool is_path_call(long nr)
{
	switch (nr) {
	case SYS_open: case SYS_openat: case SYS_creat: case SYS_stat: case SYS_lstat:
	case SYS_newfstatat: case SYS_statx: case SYS_access: case SYS_faccessat:
	case SYS_faccessat2: case SYS_readlink: case SYS_readlinkat: case SYS_chdir:
	case SYS_truncate: case SYS_unlink: case SYS_unlinkat: case SYS_mkdir: case SYS_mkdirat:
	case SYS_rmdir: case SYS_rename: case SYS_renameat: case SYS_renameat2: case SYS_link:
	case SYS_linkat: case SYS_symlink: case SYS_symlinkat: case SYS_chmod: case SYS_fchmodat:
	case SYS_chown: case SYS_lchown: case SYS_fchownat: case SYS_utime: case SYS_utimes:
	case SYS_utimensat: case SYS_statfs: case SYS_getxattr: case SYS_lgetxattr:
	case SYS_listxattr: case SYS_llistxattr: case SYS_chroot: case SYS_mount:
		return true;
	}
	return false;
}

static long handle(struct dune_tf *tf, long nr, const uint64_t a[6])
{
	long ret;

	switch (nr) {
	case SYS_mmap:
		return sys_mmap(a[0], a[1], (int)a[2], (int)a[3], (int)a[4], (off_t)a[5]);
	case SYS_munmap:
		return sys_munmap(a[0], a[1]);
	case SYS_mprotect:
		return sys_mprotect(a[0], a[1], (int)a[2]);
	case SYS_brk:
		return sys_brk(a[0]);
	case SYS_mremap:
		return sys_mremap(a[0], a[1], a[2], (int)a[3], a[4]);
	case SYS_madvise:
		return sys_madvise(a[0], a[1], (int)a[2]);
	case SYS_arch_prctl:
		switch ((int)a[0]) {
		case ARCH_SET_FS:
			if (a[1] >= (1UL << 47))
				return -EPERM;
			dune_set_user_fs(a[1]);
			return 0;
		case ARCH_GET_FS:
			if (!mem_check(a[1], 8, true))
				return -EFAULT;
			*(uint64_t *)a[1] = dune_get_user_fs();
			return 0;
		default:
			return -EINVAL;
		}
	case SYS_rt_sigaction:
		return sys_rt_sigaction((int)a[0], a[1], a[2], a[3]);
	case SYS_rt_sigreturn:
		return sys_rt_sigreturn(tf);
	case SYS_sigaltstack:
		return sys_sigaltstack(a[0], a[1]);
	case SYS_clone:
		if (a[0] & CLONE_VM) {
			if (a[0] & CLONE_VFORK)
				return sys_fork(tf, false);
			return sys_clone_thread(tf);
		}
		return sys_fork(tf, false);
	case SYS_fork:
	case SYS_vfork:
		return sys_fork(tf, false);
	case SYS_execve:
		return sys_execve(tf, AT_FDCWD, a[0], a[1], a[2]);
	case SYS_exit_group:
		trace_call(nr, a, 0);
		if (trace_out)
			fprintf(trace_out, "%s+++ exited with %d +++\n", "", (int)(a[0] & 0xff));
		fflush(NULL);
		_exit((int)a[0]);
	case SYS_close:
		if (is_supervisor_fd((int)a[0]))
			return -EBADF;
		return forward(nr, a);
	case SYS_dup2:
	case SYS_dup3:
		if (is_supervisor_fd((int)a[0]) || is_supervisor_fd((int)a[1]))
			return -EBADF;
		return forward(nr, a);
	case SYS_socket:
		if (!policy.network && (int)a[0] != AF_UNIX)
			return -EACCES;
		return forward(nr, a);
	case SYS_kill:
	case SYS_tgkill:
		if (policy.pid && (long)(int)a[0] == policy.pid) {
			uint64_t b[6];

			memcpy(b, a, sizeof(b));
			b[0] = getpid();
			if (nr == SYS_tgkill && (long)(int)b[1] == policy.pid)
				b[1] = getpid();
			return forward(nr, b);
		}
		return forward(nr, a);
	}
	if (is_path_call(nr))
		return path_call(nr, a);
	ret = forward(nr, a);
	return ret;
}

long do_syscall(struct dune_tf *tf, long nr, const uint64_t a[6])
{
	const struct sysdesc *d = sys_desc(nr);
	struct rule r;
	long ret;

	if (!d)
		return -ENOSYS;
	r = policy.sys[nr];
	if (r.act == ACT_UNSET)
		r = policy.def;
	/* Ending, and returning from a handler, are always allowed. */
	if (nr == SYS_exit || nr == SYS_exit_group || nr == SYS_rt_sigreturn)
		r.act = ACT_ALLOW;
	switch (r.act) {
	case ACT_KILL: {
		char why[96];

		trace_call(nr, a, -EPERM);
		snprintf(why, sizeof(why), "system call %s is not allowed", d->name);
		kill_program(why, SIGSYS);
	}
	case ACT_DENY:
		return -r.err;
	case ACT_EMULATE:
		return emulate(nr, a);
	default:
		break;
	}
	if (never(nr))
		return nr == SYS_clone3 || nr == SYS_rseq || nr == SYS_close_range ? -ENOSYS : -EPERM;
	if (tmpfs_handle(nr, a, &ret))
		return ret;
	ret = check_generic(d, a);
	if (!ret)
		ret = check_special(nr, a);
	if (ret)
		return ret;
	return handle(tf, nr, a);
}

void on_syscall(struct dune_tf *tf)
{
	uint64_t a[6] = { tf->rdi, tf->rsi, tf->rdx, tf->rcx, tf->r8, tf->r9 };
	long nr = (long)tf->rax;
	long ret;

	ret = do_syscall(tf, nr, a);
	if (nr != SYS_rt_sigreturn) {
		trace_call(nr, a, ret);
		tf->rax = (uint64_t)ret;
	}
	signals_deliver(tf);
}
