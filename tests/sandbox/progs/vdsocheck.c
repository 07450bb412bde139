// SPDX-License-Identifier: GPL-2.0
/*
 * vdsocheck - the program's vDSO (samples/sandbox/vdso.c), natively and
 * in the sandbox:
 *
 *   vdsocheck               the vDSO is there (AT_SYSINFO_EHDR, an ELF
 *                           image); clock_gettime, gettimeofday, time and
 *                           getcpu through libc agree with the system calls
 *   vdsocheck [sandboxed] N the same, and each of its N data pages (below
 *                           the text) read by a child: read, or the child
 *                           ends with SIGBUS, the program goes on;
 *                           "sandboxed": its data (the lowest page the
 *                           time data) cannot be
 *                           written, made writable, moved or handed to a
 *                           system call; a program that wrecks its own
 *                           copy of the text hurts only itself
 *   vdsocheck datapages     N: the pages of this process's [vvar*]
 *                           mappings (natively, from /proc/self/maps)
 *   vdsocheck none          there is no vDSO (a policy that denies time
 *                           with EPERM): libc's time() gets the EPERM
 *   vdsocheck loop N        N clock_gettime calls (for the trace)
 *
 * Prints "ok WHAT" / "FAIL WHAT" lines; exits 0 if every check passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"

#define PAGE	4096UL

static sigjmp_buf back;

static void on_segv(int sig)
{
	siglongjmp(back, sig);
}

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* libc's clock_gettime (the vDSO's, if any) between two system calls */
static void t_clocks(void)
{
	struct timespec a, b, c;
	struct timeval tv;
	unsigned int cpu = ~0u, node = ~0u;
	time_t t0, t1;
	long r;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
	r = clock_gettime(CLOCK_MONOTONIC, &b);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &c);
	check(r == 0 && ns(&a) <= ns(&b) && ns(&b) <= ns(&c),
	      "clock_gettime(CLOCK_MONOTONIC) lies between two system calls", ns(&b) - ns(&a));
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &a);
	r = gettimeofday(&tv, NULL);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &c);
	check(r == 0 && a.tv_sec <= tv.tv_sec && tv.tv_sec <= c.tv_sec,
	      "gettimeofday agrees with CLOCK_REALTIME", tv.tv_sec - a.tv_sec);
	t0 = syscall(SYS_time, NULL);
	t1 = time(NULL);
	check(t1 >= t0 && t1 - t0 <= 2, "time agrees with the system call", t1 - t0);
	r = getcpu(&cpu, &node);
	check(r == 0 && cpu < (unsigned int)sysconf(_SC_NPROCESSORS_CONF) && node < 1024,
	      "getcpu gives a CPU of this machine", cpu);
	r = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	check(r == 0, "CLOCK_PROCESS_CPUTIME_ID (not the vDSO's: a system call)", r);
}

static void t_image(uint64_t base)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;

	check(base != 0, "AT_SYSINFO_EHDR: a vDSO", 0);
	if (!base)
		return;
	check(!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_type == ET_DYN &&
	      eh->e_machine == EM_X86_64, "the vDSO is an x86-64 ELF shared object", eh->e_type);
}

/* The data pages below the text; the lowest holds the time data the vDSO reads. */
static void t_data(uint64_t base, unsigned long npages)
{
	volatile char *data = (volatile char *)(base - npages * PAGE);
	int fds[2], sig;
	long r;

	signal(SIGSEGV, on_segv);
	sig = sigsetjmp(back, 1);
	if (!sig) {
		(void)data[0];
		check(true, "the time data page reads", 0);
	} else {
		check(false, "the time data page reads", sig);
	}
	sig = sigsetjmp(back, 1);
	if (!sig) {
		data[0] = 1;
		check(false, "a store to the data page faults", 0);
	} else {
		check(sig == SIGSEGV, "a store to the data page faults", sig);
	}
	signal(SIGSEGV, SIG_DFL);
	r = mprotect((void *)data, PAGE, PROT_READ | PROT_WRITE);
	check(r == -1, "mprotect of the data page to writable: refused", r);
	r = (long)mremap((void *)data, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	check(r == -1, "mremap of the data page: refused", r);
	if (pipe(fds) == 0) {
		r = write(fds[1], (const void *)data, 64);
		check(r == -1 && errno == EFAULT, "write() from the data page: EFAULT", r);
		close(fds[0]);
		close(fds[1]);
	}
}

/*
 * Every data page read by a child of its own: some of them have no frame
 * behind them unless the host's clock needs them (pvclock, hvclock, the
 * time-namespace page), and a read of one ends the reader: natively with
 * SIGBUS; in Dune mode, where an EPT fault from ring 3 is never resolved
 * by acting on the host for it (libdune loop.c handle_ept_fault), with
 * SIGKILL.  The program goes on, whatever the child met.
 */
static void t_probe(uint64_t base, unsigned long npages, bool sandboxed)
{
	unsigned long i, read = 0, bus = 0, other = 0;

	for (i = 0; i < npages; i++) {
		volatile char *page = (volatile char *)(base - (npages - i) * PAGE);
		pid_t p = fork();
		int st = 0;

		if (p == 0) {
			(void)page[0];
			_exit(0);
		}
		if (p < 0 || waitpid(p, &st, 0) != p)
			other++;
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			read++;
		else if (WIFSIGNALED(st) && (WTERMSIG(st) == SIGBUS || WTERMSIG(st) == SIGSEGV ||
					     (sandboxed && WTERMSIG(st) == SIGKILL)))
			bus++;
		else
			other++;
		printf("# data page %lu: status %#x\n", i, st);
	}
	check(read >= 1 && other == 0,
	      "each data page: read, or the reader ends with SIGBUS/SIGSEGV; the program goes on",
	      (long)other);
	printf("# %lu data pages read, %lu ended their reader\n", read, bus);
}

/* The text is the program's own copy: wrecking it hurts only the program. */
static void t_wreck(uint64_t base)
{
	struct timespec t;
	long r;

	r = mprotect((void *)base, PAGE, PROT_READ | PROT_WRITE);
	check(r == 0, "mprotect of the text to writable (its own copy)", r);
	if (r)
		return;
	memset((void *)base, 0xcc, PAGE);	/* int3 everywhere */
	r = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
	check(r == 0, "the supervisor's clock still works after the program wrecked its vDSO", r);
}

static unsigned long vvar_pages(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long a, b, n = 0;
	char line[512];

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar") && sscanf(line, "%lx-%lx", &a, &b) == 2)
			n += (b - a) / PAGE;
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	bool sandboxed = argc > 1 && !strcmp(argv[1], "sandboxed");

	if (argc > 2 && !strcmp(argv[1], "loop")) {
		struct timespec t;
		long i, n = atol(argv[2]);

		for (i = 0; i < n; i++)
			clock_gettime(CLOCK_MONOTONIC, &t);
		printf("ok %ld clock_gettime calls\n", n);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "datapages")) {
		printf("%lu\n", vvar_pages());
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "none")) {
		time_t t;

		check(base == 0, "no AT_SYSINFO_EHDR", (long)base);
		errno = 0;
		t = time(NULL);
		check(t == (time_t)-1 && errno == EPERM, "time() is the policy's: EPERM", (long)t);
		return failures ? 1 : 0;
	}
	t_image(base);
	t_clocks();
	if (argc > 2 && base) {
		t_probe(base, strtoul(argv[2], NULL, 0), sandboxed);
		if (sandboxed) {
			t_data(base, strtoul(argv[2], NULL, 0));
			t_wreck(base);
		}
	}
	return failures ? 1 : 0;
}
