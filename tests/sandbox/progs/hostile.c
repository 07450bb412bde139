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
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/*
 * A process group is not bounded by the pid namespace: kill(0, sig) is
 * the caller's group itself (kernel/signal.c kill_something_info), not a
 * number looked up in the namespace.  Ignore SIGUSR2 here and send it to
 * the whole group: if the sandbox shares its group with the processes
 * outside (dune-sandbox's own waiting parent, the shell script or the
 * other side of a pipe that ran it), they die of it - and the test sees
 * dune-sandbox end with 128 + SIGUSR2 instead of this mode's 0.
 */
static void child_got_it(int sig)
{
	(void)sig;
	_exit(0);
}

static int m_signal_group(void)
{
	int p[2], st;
	pid_t kid;
	char c;

	signal(SIGUSR2, SIG_IGN);
	/* a child of ours, in our group: kill(0) must still reach it */
	if (pipe(p))
		return 1;
	kid = fork();
	if (kid == 0) {
		signal(SIGUSR2, child_got_it);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		sleep(20);
		_exit(3);
	}
	if (kid < 0 || read(p[0], &c, 1) != 1)
		return 1;
	if (kill(0, SIGUSR2)) {
		printf("contained: kill(0, SIGUSR2) -> %s\n", strerror(errno));
		return 0;
	}
	usleep(300000);		/* time for an outside victim to die (and us with it) */
	if (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("NOT contained: kill(0, SIGUSR2) did not reach our own child (status %#x)\n",
		       st);
		return 1;
	}
	printf("contained: kill(0, SIGUSR2) reached our child and only the sandbox's own group\n");
	return 0;
}

/*
 * The robust futex list (set_robust_list): at a thread's end the kernel
 * walks it from the head and, for each entry E, marks the word at E +
 * futex_offset "owner died" if it holds the thread's id
 * (kernel/futex/core.c: exit_robust_list, handle_futex_death).  The
 * head is program memory the supervisor checked; the entries are
 * pointers nobody checked, followed later.  Here E is libdune's
 * page-table pool (supervisor memory, at a fixed address) and the
 * offset brings E + futex_offset back to a word of ours holding our
 * id: if it changes, the host kernel took a supervisor address from us
 * (with another offset it would have marked a supervisor word equal to
 * our id).
 */
struct rlist {
	struct rlist *next;
};

static struct {
	struct rlist list;
	long futex_offset;
	struct rlist *pending;
} rhead;
static volatile uint32_t rword;
static volatile int rdone;
static volatile long rret;

#define FUTEX_OWNER_DIED_BIT	0x40000000U	/* include/uapi/linux/futex.h */

static void *robust_thread(void *arg)
{
	uintptr_t e = supervisor_addr("rw");

	(void)arg;
	rword = (uint32_t)syscall(SYS_gettid);
	rhead.list.next = (struct rlist *)e;
	rhead.futex_offset = (long)((uintptr_t)&rword - e);
	rhead.pending = NULL;
	rret = syscall(SYS_set_robust_list, &rhead, sizeof(rhead)) ? -errno : 0;
	rdone = 1;
	syscall(SYS_exit, 0);
	return NULL;
}

/* A thread that ends holding a robust mutex: the next locker must hear of it. */
static pthread_mutex_t rmu;

static void *owner_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&rmu);
	return NULL;
}

static int robust_still_works(void)
{
	pthread_mutexattr_t ma;
	pthread_t t;
	int r;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&rmu, &ma);
	if (pthread_create(&t, NULL, owner_thread, NULL) || pthread_join(t, NULL)) {
		printf("NOT contained: no thread for the robust mutex\n");
		return 1;
	}
	r = pthread_mutex_lock(&rmu);
	if (r != EOWNERDEAD) {
		printf("NOT contained: a robust mutex whose owner ended: %s, not EOWNERDEAD\n",
		       strerror(r));
		return 1;
	}
	printf("contained: a robust mutex whose owner thread ended still says EOWNERDEAD\n");
	return 0;
}

static int m_robust_list(void)
{
	pthread_attr_t at;
	pthread_t t;
	uint32_t before;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, robust_thread, NULL)) {
		printf("NOT contained: no thread\n");
		return 1;
	}
	while (!rdone)
		usleep(1000);
	before = rword;
	usleep(300000);		/* the thread's end: the list is walked */
	if (rret) {
		printf("contained: set_robust_list -> %s\n", strerror((int)-rret));
		return 0;
	}
	if (rword & FUTEX_OWNER_DIED_BIT) {
		printf("NOT contained: the kernel followed a robust-list entry into the supervisor (word %#x -> %#x)\n",
		       before, rword);
		return 1;
	}
	printf("contained: a robust-list entry in the supervisor was not followed (word %#x)\n",
	       rword);
	return robust_still_works();
}

/*
 * rt_sigreturn with the flags only ring 0 may set: IOPL 3 (CLI, IN and
 * OUT in ring 3), NT (IRETQ would #GP in ring 0), VM (no VM entry with it
 * in a 64-bit guest), and a ring-0 CS/SS.  The frame is the program's;
 * what ring 3 resumes with must have none of them.
 */
#define X86_IOPL3	0x3000UL
#define X86_NT		0x4000UL
#define X86_VM		0x20000UL

static volatile unsigned long flags_after;

static void edit_flags(int sig, siginfo_t *si, void *ucp)
{
	ucontext_t *uc = ucp;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_EFL] |= X86_IOPL3 | X86_NT | X86_VM;
	uc->uc_mcontext.gregs[REG_CSGSFS] &= ~0xffffUL;
	uc->uc_mcontext.gregs[REG_CSGSFS] |= 0x10;	/* libdune's ring-0 CS */
}

/* Raise SIGUSR1 with @edit as its handler: it edits the frame rt_sigreturn restores. */
static void raise_edited(void (*edit)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = edit;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

static int m_sigreturn_flags(void)
{
	unsigned long f;

	raise_edited(edit_flags);
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	flags_after = f;
	if (f & (X86_IOPL3 | X86_NT)) {
		printf("NOT contained: ring 3 runs with RFLAGS %#lx after rt_sigreturn\n", f);
		return 1;
	}
	printf("contained: rt_sigreturn gave ring 3 no IOPL, NT or VM (RFLAGS %#lx)\n", f);
	return 0;
}

/* rt_sigreturn to a kernel-half RIP: SIGSEGV, as Linux gives. */
static void edit_rip(int sig, siginfo_t *si, void *ucp)
{
	ucontext_t *uc = ucp;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0xffff800000001000UL;
}

static int m_sigreturn_rip(void)
{
	raise_edited(edit_rip);
	printf("rt_sigreturn to a kernel address returned here\n");
	return 1;
}

/*
 * Program memory the supervisor copies in and out, in a page of a shared
 * file mapping whose file was truncated under it: the host cannot back
 * it (a native access: SIGBUS).  Natively the kernel's copy_from_user()
 * fails and the call returns EFAULT, with no signal; the same must happen
 * here - with a SIGBUS handler of the program's installed (whose host
 * handler, the sandbox's catch_signal, repairs nothing: the supervisor's
 * copy once faulted in a loop for ever) and without one (the program was
 * killed by SIGBUS).  A child tries a copy-in (nanosleep's timespec), a
 * string (open's path) and a copy-out (clock_gettime's timespec, as a
 * system call); the parent gives it 20 s.
 */
static volatile int sigbus_seen;

static void on_sigbus(int sig)
{
	(void)sig;
	sigbus_seen++;
}

static int truncated_child(char *p, int with_handler)
{
	int bad = 0;

	if (with_handler)
		signal(SIGBUS, on_sigbus);
	errno = 0;
	if (syscall(SYS_nanosleep, p, NULL) != -1 || errno != EFAULT) {
		printf("NOT native: nanosleep(truncated page) -> %s, not EFAULT\n", strerror(errno));
		bad = 1;
	}
	errno = 0;
	if (syscall(SYS_openat, AT_FDCWD, p, O_RDONLY) != -1 || errno != EFAULT) {
		printf("NOT native: openat(truncated page) -> %s, not EFAULT\n", strerror(errno));
		bad = 1;
	}
	errno = 0;
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p) != -1 || errno != EFAULT) {
		printf("NOT native: clock_gettime(truncated page) -> %s, not EFAULT\n",
		       strerror(errno));
		bad = 1;
	}
	if (sigbus_seen) {
		printf("NOT native: the program got SIGBUS for the supervisor's copy\n");
		bad = 1;
	}
	return bad;
}

static int m_truncated_copy(void)
{
	int fd = (int)syscall(SYS_memfd_create, "truncated", 0), st, waited, round, bad = 0;
	long page = sysconf(_SC_PAGESIZE);
	char *p;
	pid_t pid;

	if (fd < 0 || ftruncate(fd, 2 * page)) {
		printf("NOT contained: no memfd (%s)\n", strerror(errno));
		return 1;
	}
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("NOT contained: no shared mapping (%s)\n", strerror(errno));
		return 1;
	}
	memset(p, 'a', 2 * page);
	if (ftruncate(fd, page)) {
		printf("NOT contained: ftruncate (%s)\n", strerror(errno));
		return 1;
	}
	for (round = 0; round < 2; round++) {
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(truncated_child(p + page, round));
		for (waited = 0; waited < 200; waited++) {
			if (waitpid(pid, &st, WNOHANG) == pid)
				break;
			usleep(100000);
		}
		if (waited == 200) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			printf("NOT contained: a copy from a truncated page did not end in 20 s\n");
			return 1;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("NOT native: %s SIGBUS handler: the child ended with %s %d\n",
			       round ? "with a" : "without a", WIFEXITED(st) ? "status" : "signal",
			       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			bad = 1;
		}
	}
	if (!bad)
		printf("contained: copies from and to a truncated page fail with EFAULT, no SIGBUS, with and without a handler\n");
	return bad;
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
	{ "signal-group", m_signal_group },
	{ "robust-list", m_robust_list },
	{ "sigreturn-flags", m_sigreturn_flags },
	{ "sigreturn-rip", m_sigreturn_rip },
	{ "truncated-copy", m_truncated_copy },
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
