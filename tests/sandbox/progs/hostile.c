// SPDX-License-Identifier: GPL-2.0
/*
 * hostile - a deliberately hostile program for the sandbox's tests.
 * Each mode tries one way out; run it under dune-sandbox, which must
 * either refuse (an errno: the mode prints "contained ..." and exits 0) or
 * kill it (a signal, with a message from the supervisor).  Natively some
 * modes would crash or succeed: they are meant for the sandbox only.
 *
 *   hostile MODE     (see the table at the bottom)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The first mapping of the supervisor (dune-sandbox) in /proc/self/maps. */
static uintptr_t supervisor_addr(const char *want_perms)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t lo = 0;

	/*
	 * The sandbox shows the program only its own mappings in
	 * /proc/self/maps (samples/sandbox/maps.c: not where the supervisor
	 * lives): aim at libdune's page-table pool, which is at a fixed
	 * address (PAGEBASE, 8 GiB, libdune/dune.h).
	 */
	if (!f)
		return 0x200000000UL;
	while (fgets(line, sizeof(line), f)) {
		char perms[8];
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) != 3)
			continue;
		if (strstr(line, "dune-sandbox") && !strncmp(perms, want_perms, strlen(want_perms))) {
			lo = a;
			break;
		}
	}
	fclose(f);
	return lo ? lo : 0x200000000UL;
}

static long raw(long nr, long a, long b, long c)
{
	return syscall(nr, a, b, c);
}

static int m_write_supervisor(void)
{
	volatile char *p = (char *)supervisor_addr("rw");

	*p = 1;
	return 0;
}

static int m_read_supervisor(void)
{
	volatile char *p = (char *)supervisor_addr("r");

	printf("read %d\n", *p);
	return 0;
}

static int m_jump_supervisor(void)
{
	void (*f)(void) = (void (*)(void))supervisor_addr("r-x");

	f();
	return 0;
}

static int m_load_cr3(void)
{
	__asm__ __volatile__("xor %%eax, %%eax\n\tmov %%rax, %%cr3" : : : "rax");
	return 0;
}

static int m_hlt(void)
{
	__asm__ __volatile__("hlt");
	return 0;
}

static int m_cli(void)
{
	__asm__ __volatile__("cli");
	return 0;
}

static int m_wrmsr(void)
{
	__asm__ __volatile__("wrmsr" : : "c"(0xc0000082), "a"(0), "d"(0));	/* LSTAR */
	return 0;
}

static int m_lgdt(void)
{
	char gdtr[10] = { 0 };

	__asm__ __volatile__("lgdt %0" : : "m"(gdtr));
	return 0;
}

static int m_vmcall(void)
{
	__asm__ __volatile__("vmcall");
	return 0;
}

static int m_outb(void)
{
	__asm__ __volatile__("outb %%al, $0x80" : : "a"(0));
	return 0;
}

static int m_int80(void)
{
	__asm__ __volatile__("int $0x80" : : "a"(1) : "memory");
	return 0;
}

/* IRETQ to ring 0: CS = 0x10. */
static int m_iret_ring0(void)
{
	__asm__ __volatile__(
		"mov %%rsp, %%rax\n\t"
		"pushq $0x18\n\t"
		"pushq %%rax\n\t"
		"pushfq\n\t"
		"pushq $0x10\n\t"
		"lea 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"iretq\n\t"
		"1:\n\t" : : : "rax", "memory");
	printf("iret to ring 0 returned?\n");
	return 1;
}

/* ret must be -1 with errno err (any errno if err is 0) */
static int expect(const char *what, long ret, int err)
{
	if (ret == -1 && err == 0)
		err = errno;
	if (ret != -1 || errno != err) {
		printf("NOT contained: %s returned %ld (errno %d)\n", what, ret, errno);
		return 1;
	}
	printf("contained: %s -> %s\n", what, strerror(err));
	return 0;
}

/* Pointers into the supervisor, to every kind of pointer-taking call. */
static int m_bad_pointers(void)
{
	long s = (long)supervisor_addr("rw"), t = (long)supervisor_addr("r-x");
	int fails = 0, p[2];

	fails += expect("write(1, supervisor)", raw(SYS_write, 1, t, 16), EFAULT);
	fails += expect("read(0, supervisor)", raw(SYS_read, 0, s, 16), EFAULT);
	fails += expect("open(supervisor)", raw(SYS_open, t, O_RDONLY, 0), EFAULT);
	fails += expect("stat(supervisor)", raw(SYS_stat, t, s, 0), EFAULT);
	fails += expect("fstat(0, supervisor)", raw(SYS_fstat, 0, s, 0), EFAULT);
	fails += expect("pipe(supervisor)", raw(SYS_pipe, s, 0, 0), EFAULT);
	fails += expect("uname(supervisor)", raw(SYS_uname, s, 0, 0), EFAULT);
	fails += expect("clock_gettime(supervisor)", raw(SYS_clock_gettime, 0, s, 0), EFAULT);
	fails += expect("rt_sigaction(supervisor)", syscall(SYS_rt_sigaction, SIGINT, s, 0L, 8L), EFAULT);
	fails += expect("getcwd(supervisor)", raw(SYS_getcwd, s, 64, 0), EFAULT);
	fails += expect("execve(supervisor)", raw(SYS_execve, t, 0, 0), EFAULT);
	{
		struct iovec v = { (void *)t, 16 };

		fails += expect("writev(iov -> supervisor)", raw(SYS_writev, 1, (long)&v, 1),
				EFAULT);
	}
	if (pipe(p) == 0) {
		fails += expect("read(pipe, supervisor)", (write(p[1], "x", 1), raw(SYS_read, p[0], s, 1)),
				EFAULT);
	}
	fails += expect("read(0, kernel address)", raw(SYS_read, 0, (long)0xffff888000000000UL, 1),
			EFAULT);
	fails += expect("write(1, NULL+1)", raw(SYS_write, 1, 1, 1), EFAULT);
	return fails;
}

static int m_memory_calls(void)
{
	long s = (long)supervisor_addr("rw");
	int fails = 0;
	void *p;

	p = mmap((void *)s, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	fails += expect("mmap(MAP_FIXED over supervisor)", p == MAP_FAILED ? -1 : 0, ENOMEM);
	fails += expect("munmap(supervisor)", munmap((void *)s, 4096), EINVAL);
	fails += expect("mprotect(supervisor)", mprotect((void *)s, 4096, PROT_READ), ENOMEM);
	fails += expect("madvise(supervisor, DONTNEED)", madvise((void *)s, 4096, MADV_DONTNEED),
			ENOMEM);
	fails += expect("open(/proc/self/mem)", open("/proc/self/mem", O_RDWR), EACCES);
	fails += expect("open(/dev/dune)", open("/dev/dune", O_RDWR), EACCES);
	fails += expect("ptrace", raw(SYS_ptrace, 0, 0, 0), 0);
	fails += expect("seccomp", raw(SYS_seccomp, 0, 0, 0), 0);
	fails += expect("process_vm_writev", raw(SYS_process_vm_writev, getpid(), 0, 0), 0);
	fails += expect("iopl(3)", raw(SYS_iopl, 3, 0, 0), 0);
	fails += expect("modify_ldt", raw(SYS_modify_ldt, 1, 0, 0), 0);
	return fails;
}

/* Close every descriptor but 0-2: the supervisor's must survive it. */
static int m_close_all(void)
{
	int fd, closed = 0;

	for (fd = 3; fd < 1024; fd++)
		if (close(fd) == 0)
			closed++;
	printf("contained: closed %d descriptors, still running\n", closed);
	return 0;
}

static int m_mmap_storm(void)
{
	int i, ok = 0;

	for (i = 0; i < 2000; i++) {
		void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			break;
		((char *)p)[i % 65536] = 1;
		ok++;
	}
	printf("contained: %d mappings\n", ok);
	return 0;
}

static int m_huge_mmap(void)
{
	void *p = mmap(NULL, 1UL << 46, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return expect("mmap(64 TiB)", p == MAP_FAILED ? -1 : 0, ENOMEM);
}

/* Forks until refused; the policy bounds it (max-processes). */
static int m_fork_bomb(void)
{
	pid_t kids[64];
	int n = 0, st, i;

	for (;;) {
		pid_t pid = fork();

		if (pid < 0) {
			printf("contained: fork refused after %d children (%s)\n", n,
			       strerror(errno));
			break;
		}
		if (pid == 0) {
			pause();
			_exit(0);
		}
		kids[n] = pid;
		if (++n > 50) {
			printf("NOT contained: 50 children\n");
			break;
		}
	}
	for (i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	while (wait(&st) > 0)
		;
	return n > 50;
}

static const struct {
	const char *name;
	int (*fn)(void);
} modes[] = {
	{ "write-supervisor", m_write_supervisor },
	{ "read-supervisor", m_read_supervisor },
	{ "jump-supervisor", m_jump_supervisor },
	{ "load-cr3", m_load_cr3 },
	{ "hlt", m_hlt },
	{ "cli", m_cli },
	{ "wrmsr", m_wrmsr },
	{ "lgdt", m_lgdt },
	{ "vmcall", m_vmcall },
	{ "outb", m_outb },
	{ "int80", m_int80 },
	{ "iret-ring0", m_iret_ring0 },
	{ "bad-pointers", m_bad_pointers },
	{ "memory-calls", m_memory_calls },
	{ "close-all", m_close_all },
	{ "mmap-storm", m_mmap_storm },
	{ "huge-mmap", m_huge_mmap },
	{ "fork-bomb", m_fork_bomb },
};

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (i = 0; argc == 2 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name))
			return modes[i].fn();
	fprintf(stderr, "usage: hostile MODE\n");
	return 2;
}
