// SPDX-License-Identifier: GPL-2.0
/*
 * native.c - the baselines: what the same operations cost in a normal
 * process on the same kernel, in the same run.
 *
 *   getpid           the cheapest real system call: entry, exit, a load
 *   ENOSYS           a system call number that does not exist
 *   cpuid            an instruction that exits in Dune mode, not natively
 *   fault4k          first touch of a fresh anonymous page (minor fault)
 *   fault2m          first touch of a transparent huge page
 *   trap             write to a read-only page -> SIGSEGV -> the handler
 *                    mprotect()s it writable -> sigreturn -> the write
 *   appel1           Appel & Li's PROT1-TRAP-UNPROT: mprotect one page
 *                    read-only, write it (trap, unprotect in the handler)
 *   appel2           PROTN-TRAP-UNPROT: protect N pages with one call,
 *                    then write each (trap, unprotect that page)
 *   pthread          pthread_create until the thread's first instruction
 *   forkexec         fork + execve of a static binary + waitpid
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bench.h"

#define PAGE	4096UL
#define HUGE	(2UL << 20)

/* Fresh anonymous memory, aligned to @align. */
void *bench_map(size_t len, size_t align, int flags)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + align - 1) & ~(align - 1);
	if (align > PAGE) {
		if (a > (uintptr_t)p)
			munmap(p, a - (uintptr_t)p);
		munmap((char *)a + len, (uintptr_t)p + align - a);
	}
	return (void *)a;
}

/* First touch of every page of [p, p + len), one sample per page. */
void touch_pages(struct row *r, char *p, size_t len, size_t step)
{
	size_t off, end, n;

	/*
	 * Timed 16 pages at a time, per page: in Dune mode one EPT violation
	 * may map several pages (dune.ko's fault-around), and the touches it
	 * saved belong in the average.
	 */
	for (off = 0; off < len; off = end) {
		uint64_t t0;

		end = off + 16 * step < len ? off + 16 * step : len;
		n = (end - off + step - 1) / step;
		t0 = t_start();
		for (size_t o = off; o < end; o += step)
			*(volatile char *)(p + o) = 1;
		row_add(r, t_stop() - t0, n);
	}
}

/*
 * First touch of @n 2 MiB pages, timed; then, untimed, every other 4 KiB
 * page of each, so that exit counts show whether one fault mapped it all.
 */
void touch_huge(struct row *r, char *p, int n)
{
	size_t off;
	int i;

	for (i = 0; i < n; i++, p += HUGE) {
		uint64_t t0 = t_start();

		*(volatile char *)p = 1;
		row_add(r, t_stop() - t0, 1);
		for (off = PAGE; off < HUGE; off += PAGE)
			*(volatile char *)(p + off) = 1;
	}
}

void bench_native_syscalls(void)
{
	struct row *g = row_new(G_NATIVE, "native_getpid", "getpid");
	struct row *e = row_new(G_NATIVE, "native_enosys", "syscall -ENOSYS (nr 1000)");
	struct row *c = row_new(G_NATIVE, "native_cpuid", "cpuid (leaf 0)");
	int i;

	for (i = 0; i < B->iters; i++) {
		uint64_t t0 = t_start();

		raw_syscall0(SYS_getpid);
		row_add(g, t_stop() - t0, 1);
	}
	for (i = 0; i < B->iters; i++) {
		uint64_t t0 = t_start();

		raw_syscall0(1000);
		row_add(e, t_stop() - t0, 1);
	}
	for (i = 0; i < B->iters; i++) {
		unsigned int a = 0, b, cc = 0, d;
		uint64_t t0 = t_start();

		__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(cc), "=d"(d));
		row_add(c, t_stop() - t0, 1);
	}
}

/* Transparent huge pages as the kernel has them, in the row's note. */
void thp_note(struct row *r)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	row_note(r, "MADV_HUGEPAGE; THP: %s", buf[0] ? buf : "unknown");
}

static void native_faults(void)
{
	struct row *r4 = row_new(G_NATIVE, "native_fault4k", "first touch, 4 KiB page (minor fault)");
	struct row *r2 = row_new(G_NATIVE, "native_fault2m", "first touch, 2 MiB page (THP fault)");
	size_t len = (size_t)B->pages * PAGE;
	char *p = bench_map(len, PAGE, 0);
	int i;

	if (p)
		madvise(p, len, MADV_NOHUGEPAGE);
	thp_note(r2);
	if (p) {
		touch_pages(r4, p, len, PAGE);
		munmap(p, len);
	}
	for (i = 0; i < B->huge; i++) {
		p = bench_map(HUGE, HUGE, 0);
		if (!p)
			break;
		madvise(p, HUGE, MADV_HUGEPAGE);
		touch_huge(r2, p, 1);
		munmap(p, HUGE);
	}
}

/* ---- SIGSEGV: trap, appel1, appel2 ------------------------------------ */

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	mprotect((void *)((uintptr_t)si->si_addr & ~(PAGE - 1)), PAGE, PROT_READ | PROT_WRITE);
}

static void native_traps(void)
{
	struct row *tr = row_new(G_NATIVE, "native_trap", "mprotect'd write -> SIGSEGV -> unprotect");
	struct row *a1 = row_new(G_NATIVE, "native_appel1", "appel1 (prot1, trap, unprot)");
	struct row *a2 = row_new(G_NATIVE, "native_appel2", "appel2 (protN, trap, unprot) per page");
	struct sigaction sa, old;
	int n = B->appel_pages, i, j;
	char *p = bench_map(n * PAGE, PAGE, MAP_POPULATE);

	if (!p)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old);

	for (i = 0; i < B->iters / 2; i++) {
		uint64_t t0;

		mprotect(p, PAGE, PROT_READ);
		t0 = t_start();
		p[0]++;
		row_add(tr, t_stop() - t0, 1);
	}
	for (i = 0; i < B->iters / 2; i++) {
		uint64_t t0 = t_start();

		mprotect(p, PAGE, PROT_READ);
		p[0]++;
		row_add(a1, t_stop() - t0, 1);
	}
	for (j = 0; j < 5; j++) {
		uint64_t t0 = t_start();

		mprotect(p, n * PAGE, PROT_READ);
		for (i = 0; i < n; i++)
			p[i * PAGE]++;
		row_add(a2, t_stop() - t0, n);
	}
	sigaction(SIGSEGV, &old, NULL);
	munmap(p, n * PAGE);
}

/* ---- threads and processes ----------------------------------------------- */

static void *thread_first(void *arg)
{
	*(uint64_t *)arg = t_stop();
	return NULL;
}

/* pthread_create until the new thread runs; shared with dune.c. */
void bench_threads(struct row *r, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		volatile uint64_t t1 = 0;
		pthread_t th;
		uint64_t t0 = t_start();

		if (pthread_create(&th, NULL, thread_first, (void *)&t1))
			break;
		pthread_join(th, NULL);
		row_add(r, t1 - t0, 1);
	}
}

static void native_processes(void)
{
	struct row *fe = row_new(G_NATIVE, "native_forkexec", "fork + exec (static) + wait");
	struct row *th = row_new(G_NATIVE, "native_thread", "pthread_create -> thread runs");
	char *argv[] = { B->nop_path, NULL };
	int i, status;

	if (access(B->nop_path, X_OK)) {
		row_note(fe, "%s is missing", B->nop_path);
	} else {
		for (i = 0; i < B->spawns; i++) {
			uint64_t t0 = t_start();
			pid_t pid = fork();

			if (pid == 0) {
				execv(argv[0], argv);
				_exit(127);
			}
			waitpid(pid, &status, 0);
			row_add(fe, t_stop() - t0, 1);
		}
	}
	bench_threads(th, B->spawns);
}

void bench_native(void)
{
	bench_native_syscalls();
	native_faults();
	native_traps();
	native_processes();
}
