// SPDX-License-Identifier: GPL-2.0
/*
 * traceclass.c - strace's -e trace=%CLASS: the classes of system calls
 * (%file, %process, %network, ...), as lists of names, each name looked
 * up in the kernel's list (sysnames.c).
 */
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "decode.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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

