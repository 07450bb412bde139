/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys.h - raw system calls for libdune's host side.
 *
 * Rule R1 (see loop.c): the host loop runs on a thread whose guest half may
 * have been stopped anywhere - in the middle of malloc(), holding a stdio
 * lock, with errno about to be read.  So libdune's host side calls no libc
 * function at all.  It makes its system calls with the SYSCALL instruction
 * itself, through the helpers below, which:
 *
 *  - return the kernel's raw result: a value, or -errno in [-4095, -1];
 *    errno (which lives in the thread's TLS, i.e. belongs to the guest) is
 *    never touched;
 *  - keep the syscall instruction and its argument registers visible to
 *    the kernel exactly as the ABI describes, so the kernel's restart logic
 *    works: on -ERESTARTSYS with an SA_RESTART handler, or
 *    restart_syscall(2) after a stop, the kernel moves RIP back by two
 *    bytes and executes the same SYSCALL again with the same registers.
 *
 * The x86-64 Linux convention: number in RAX, arguments in RDI, RSI, RDX,
 * R10, R8, R9; the result in RAX; RCX and R11 are clobbered (they receive
 * RIP and RFLAGS); everything else is preserved, including all vector
 * registers.  Compiled with -mgeneral-regs-only, libdune never touches the
 * vector registers itself either: they hold the guest's live state.
 */
#ifndef LIBDUNE_SYS_H
#define LIBDUNE_SYS_H

#include <errno.h>		/* the E* constants only: errno itself is never used */
#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>

static inline long dune_syscall6(long nr, long a1, long a2, long a3,
				 long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "0"(nr), "D"(a1), "S"(a2), "d"(a3),
			       "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}

static inline long dune_syscall3(long nr, long a1, long a2, long a3)
{
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "0"(nr), "D"(a1), "S"(a2), "d"(a3)
			     : "rcx", "r11", "memory");
	return ret;
}

static inline long dune_syscall0(long nr)
{
	return dune_syscall3(nr, 0, 0, 0);
}

static inline long dune_syscall1(long nr, long a1)
{
	return dune_syscall3(nr, a1, 0, 0);
}

static inline long dune_syscall2(long nr, long a1, long a2)
{
	return dune_syscall3(nr, a1, a2, 0);
}

/* Is a raw result an error (-4095..-1)? */
static inline int dune_is_err(long ret)
{
	return (unsigned long)ret >= -4095UL;
}

/* The calls libdune needs, with the kernel's argument types. */

static inline long dune_sys_read(int fd, void *buf, size_t len)
{
	return dune_syscall3(__NR_read, fd, (long)buf, (long)len);
}

static inline long dune_sys_write(int fd, const void *buf, size_t len)
{
	return dune_syscall3(__NR_write, fd, (long)buf, (long)len);
}

static inline long dune_sys_openat(int dirfd, const char *path, int flags)
{
	return dune_syscall3(__NR_openat, dirfd, (long)path, flags);
}

static inline long dune_sys_close(int fd)
{
	return dune_syscall1(__NR_close, fd);
}

static inline long dune_sys_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return dune_syscall3(__NR_ioctl, fd, (long)cmd, (long)arg);
}

/*
 * ioctl, retried while a signal interrupts it: for the VM ioctls, which
 * either complete or fail without an effect.  (DUNE_RUN has its own loop.)
 */
static inline long dune_sys_ioctl_retry(int fd, unsigned long cmd,
					unsigned long arg)
{
	long ret;

	do
		ret = dune_sys_ioctl(fd, cmd, arg);
	while (ret == -EINTR);
	return ret;
}

static inline long dune_sys_mmap(void *addr, size_t len, int prot, int flags,
				 int fd, long off)
{
	return dune_syscall6(__NR_mmap, (long)addr, (long)len, prot, flags,
			     fd, off);
}

static inline long dune_sys_munmap(void *addr, size_t len)
{
	return dune_syscall2(__NR_munmap, (long)addr, (long)len);
}

static inline long dune_sys_mprotect(void *addr, size_t len, int prot)
{
	return dune_syscall3(__NR_mprotect, (long)addr, (long)len, prot);
}

static inline long dune_sys_getpid(void)
{
	return dune_syscall0(__NR_getpid);
}

static inline long dune_sys_gettid(void)
{
	return dune_syscall0(__NR_gettid);
}

static inline long dune_sys_kill(int pid, int sig)
{
	return dune_syscall2(__NR_kill, pid, sig);
}

static inline long dune_sys_sched_yield(void)
{
	return dune_syscall0(__NR_sched_yield);
}

static inline long dune_sys_arch_prctl(int code, unsigned long addr)
{
	return dune_syscall2(__NR_arch_prctl, code, (long)addr);
}

/* rt_sigprocmask with the kernel's 8-byte sigset_t. */
static inline long dune_sys_sigprocmask(int how, const uint64_t *set,
					uint64_t *old)
{
	return dune_syscall6(__NR_rt_sigprocmask, how, (long)set, (long)old,
			     8, 0, 0);
}

static inline void __attribute__((noreturn)) dune_sys_exit_group(int status)
{
	for (;;)
		dune_syscall1(__NR_exit_group, status);
}

/*
 * Memory helpers.  The compiler may turn loops and structure copies into
 * calls to libc's memset/memcpy, which use vector registers (R1): these
 * use the string instructions instead, and the build checks that no
 * libdune object refers to memcpy, memset and friends.
 */
static inline void dune_zero(void *dst, size_t len)
{
	__asm__ __volatile__("rep stosb"
			     : "+D"(dst), "+c"(len)
			     : "a"(0)
			     : "memory");
}

static inline void dune_copy(void *dst, const void *src, size_t len)
{
	__asm__ __volatile__("rep movsb"
			     : "+D"(dst), "+S"(src), "+c"(len)
			     :
			     : "memory");
}

static inline size_t dune_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

#endif /* LIBDUNE_SYS_H */
