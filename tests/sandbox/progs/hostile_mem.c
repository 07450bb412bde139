// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_mem - a hostile program against the sandbox's address space, its
 * ELF loader, its locking and its signal delivery (issue 11, findings 1, 3
 * and 8).  Run it under dune-sandbox; each mode prints one "contained ..."
 * line per attack the sandbox refused and "NOT contained ..." for one that
 * got through, and exits 0 only if all were contained.  Natively some modes
 * would succeed: they are meant for the sandbox only.
 *
 *   hostile_mem MODE [ARG]     (see the table at the bottom)
 *
 * The supervisor address used as a target is libdune's page-table pool at
 * PAGEBASE (0x200000000, 8 GiB): always mapped (its first 2 MiB hold the
 * guest page tables), between the sandbox's two program windows.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "race.h"

#define SUPERVISOR	0x200000000UL	/* libdune's PAGEBASE */
#define LOW_END		0x100000000UL	/* the sandbox's windows (sandbox.h) */
#define HIGH_START	0x100000000000UL
#define HIGH_END	0x400000000000UL
#define PG		4096UL

static int fails;

static void report(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "contained " : "NOT contained ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		fails++;
}

/* Does the host kernel, through the sandbox, read supervisor memory? */
static bool supervisor_readable(uint64_t addr)
{
	int p[2];
	long r;

	if (pipe(p))
		return false;
	r = syscall(SYS_write, p[1], addr, 8);
	close(p[0]);
	close(p[1]);
	return r > 0;
}

/* ---- malformed ELF files -------------------------------------------------- */

/*
 * A small static ET_EXEC: an ELF header, program headers, and at CODE_OFF
 * "exit(42)".  Each case below breaks one thing; execve must fail with an
 * errno (the old program still running), never load it, never reach the
 * supervisor's memory.
 */
#define CODE_OFF	0x200
#define BASE		0x400000UL

struct elf_file {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[8];
	unsigned char pad[CODE_OFF - sizeof(Elf64_Ehdr) - 8 * sizeof(Elf64_Phdr)];
	unsigned char code[16];
	char interp[64];
};

static void elf_base(struct elf_file *f)
{
	/* mov $60, %eax; mov $42, %edi; syscall */
	static const unsigned char code[] = { 0xb8, 60, 0, 0, 0, 0xbf, 42, 0, 0, 0, 0x0f, 0x05 };

	memset(f, 0, sizeof(*f));
	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f->eh.e_ident[EI_VERSION] = EV_CURRENT;
	f->eh.e_type = ET_EXEC;
	f->eh.e_machine = EM_X86_64;
	f->eh.e_version = EV_CURRENT;
	f->eh.e_entry = BASE + CODE_OFF;
	f->eh.e_phoff = sizeof(Elf64_Ehdr);
	f->eh.e_ehsize = sizeof(Elf64_Ehdr);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->eh.e_phnum = 1;
	f->ph[0].p_type = PT_LOAD;
	f->ph[0].p_flags = PF_R | PF_X;
	f->ph[0].p_offset = 0;
	f->ph[0].p_vaddr = BASE;
	f->ph[0].p_paddr = BASE;
	f->ph[0].p_filesz = sizeof(*f);
	f->ph[0].p_memsz = sizeof(*f);
	f->ph[0].p_align = PG;
	memcpy(f->code, code, sizeof(code));
}

static Elf64_Phdr *elf_add(struct elf_file *f)
{
	Elf64_Phdr *ph = &f->ph[f->eh.e_phnum++];

	*ph = f->ph[0];
	return ph;
}

static void case_wrap(struct elf_file *f)
{
	/* p_vaddr + p_memsz wraps past 2^64: the union of the segments looks fine */
	Elf64_Phdr *ph = elf_add(f);

	ph->p_vaddr = ph->p_paddr = SUPERVISOR;
	ph->p_flags = PF_R | PF_W | PF_X;
	ph->p_memsz = 0 - SUPERVISOR + 2 * PG;
}

static void case_wrap_first(struct elf_file *f)
{
	/* the wrapping segment first, aimed just below the supervisor */
	Elf64_Phdr *ph = elf_add(f);

	ph[0] = f->ph[0];
	f->ph[0].p_vaddr = f->ph[0].p_paddr = SUPERVISOR - PG;
	f->ph[0].p_memsz = 0 - (SUPERVISOR - PG) + PG;
	f->ph[0].p_flags = PF_R | PF_W;
}

static void case_overlap(struct elf_file *f)
{
	Elf64_Phdr *ph = elf_add(f);

	ph->p_flags = PF_R | PF_W;	/* the same bytes again, writable */
}

static void case_huge(struct elf_file *f)
{
	f->ph[0].p_memsz = 1UL << 62;
}

static void case_beyond_window(struct elf_file *f)
{
	Elf64_Phdr *ph = elf_add(f);

	ph->p_vaddr = ph->p_paddr = LOW_END - PG;	/* straddles the window's end */
	ph->p_memsz = 2 * PG;
	ph->p_filesz = 0;
}

static void case_filesz(struct elf_file *f)
{
	f->ph[0].p_filesz = f->ph[0].p_memsz + PG;
}

static void case_offset_eof(struct elf_file *f)
{
	Elf64_Phdr *ph = elf_add(f);

	ph->p_vaddr = ph->p_paddr = BASE + 0x10000;
	ph->p_offset = 0x100000;		/* far past the end of the file */
	ph->p_filesz = ph->p_memsz = 0x100;
	ph->p_flags = PF_R;
}

static void case_offset_wrap(struct elf_file *f)
{
	Elf64_Phdr *ph = elf_add(f);

	ph->p_vaddr = ph->p_paddr = BASE + 0x10000;
	ph->p_offset = 0 - PG;
	ph->p_filesz = ph->p_memsz = 2 * PG;
	ph->p_flags = PF_R;
}

static void case_misaligned(struct elf_file *f)
{
	f->ph[0].p_vaddr += 0x10;
	f->eh.e_entry += 0x10;
}

static void case_phdr_trunc(struct elf_file *f)
{
	f->eh.e_phoff = sizeof(*f) - 8;
}

static void case_phdr_wrap(struct elf_file *f)
{
	f->eh.e_phoff = 0 - 8UL;
}

static void case_phnum(struct elf_file *f)
{
	f->eh.e_phnum = 0xffff;
}

static void case_entry(struct elf_file *f)
{
	f->eh.e_entry = SUPERVISOR;
}

static void case_interp(struct elf_file *f, const char *interp)
{
	Elf64_Phdr *ph = elf_add(f);

	snprintf(f->interp, sizeof(f->interp), "%s", interp);
	ph->p_type = PT_INTERP;
	ph->p_offset = offsetof(struct elf_file, interp);
	ph->p_filesz = strlen(interp) + 1;
	ph->p_memsz = ph->p_filesz;
	ph->p_vaddr = ph->p_paddr = BASE + ph->p_offset;
	ph->p_flags = PF_R;
	/* PT_INTERP comes before PT_LOAD */
	{
		Elf64_Phdr t = f->ph[0];

		f->ph[0] = *ph;
		*ph = t;
	}
}

static void case_interp_bad(struct elf_file *f)
{
	case_interp(f, "/tmp/hostile_mem-interp.wrap");
}

static void case_interp_missing(struct elf_file *f)
{
	case_interp(f, "/nonexistent/ld.so");
}

static void case_interp_interp(struct elf_file *f)
{
	case_interp(f, "/tmp/hostile_mem-interp.bad");	/* hostile all the way down */
}

static int write_elf(const char *path, void (*mod)(struct elf_file *))
{
	struct elf_file f;
	int fd;

	elf_base(&f);
	if (mod)
		mod(&f);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, &f, sizeof(f)) != (ssize_t)sizeof(f)) {
		perror(path);
		exit(2);
	}
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	void (*mod)(struct elf_file *);
} elf_cases[] = {
	{ "wrap", case_wrap },
	{ "wrap-first", case_wrap_first },
	{ "overlap", case_overlap },
	{ "huge", case_huge },
	{ "beyond-window", case_beyond_window },
	{ "filesz-gt-memsz", case_filesz },
	{ "offset-past-eof", case_offset_eof },
	{ "offset-wraps", case_offset_wrap },
	{ "misaligned", case_misaligned },
	{ "phdrs-truncated", case_phdr_trunc },
	{ "phoff-wraps", case_phdr_wrap },
	{ "phnum-65535", case_phnum },
	{ "entry-outside", case_entry },
	{ "interp-bad", case_interp_bad },
	{ "interp-missing", case_interp_missing },
	{ "interp-interp", case_interp_interp },
};

static int m_elf(const char *arg __attribute__((unused)))
{
	char path[128];
	size_t i;

	/* the files the interpreter cases name */
	write_elf("/tmp/hostile_mem-interp.wrap", case_wrap);
	write_elf("/tmp/hostile_mem-interp.bad", case_interp_bad);
	/* a well-formed one first: the oracle works (it runs, exits 42) */
	snprintf(path, sizeof(path), "/tmp/hostile_mem.good");
	write_elf(path, NULL);
	{
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execl(path, path, (char *)NULL);
			_exit(100 + errno);
		}
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 42) {
			printf("the well-formed ELF did not run (status %#x): no oracle\n", st);
			return 2;
		}
	}
	for (i = 0; i < sizeof(elf_cases) / sizeof(elf_cases[0]); i++) {
		pid_t pid;
		int st;

		snprintf(path, sizeof(path), "/tmp/hostile_mem.%s", elf_cases[i].name);
		write_elf(path, elf_cases[i].mod);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			int err;

			execl(path, path, (char *)NULL);
			err = errno;
			/* refused: the old program goes on, the supervisor intact */
			if (supervisor_readable(SUPERVISOR))
				_exit(3);
			printf("  (%s: execve: %s)\n", elf_cases[i].name, strerror(err));
			_exit(0);
		}
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			report(true, "elf-%s: execve refused", elf_cases[i].name);
		else if (WIFEXITED(st))
			report(false, "elf-%s: %s (exit status %d)", elf_cases[i].name,
			       WEXITSTATUS(st) == 42 ? "the file was loaded and ran" : "exit",
			       WEXITSTATUS(st));
		else
			report(false, "elf-%s: killed by signal %d", elf_cases[i].name,
			       WTERMSIG(st));
		unlink(path);
	}
	unlink("/tmp/hostile_mem-interp.wrap");
	unlink("/tmp/hostile_mem-interp.bad");
	unlink("/tmp/hostile_mem.good");
	return fails ? 1 : 0;
}

/* ---- racing the memory map ------------------------------------------------- */

/*
 * One thread changes the memory map as fast as it can; the other makes
 * checked calls aimed at supervisor memory and just outside the windows.
 * Any answer but EFAULT means the sandbox took supervisor memory for the
 * program's.  The map changes insert and remove at the bottom of the list
 * (mmap/munmap of the lowest page), so that every change moves the whole
 * list - across the boundary between the low and the high window, where a
 * torn entry [last low start, first high end) covers the supervisor - and,
 * every eighth round, mprotect in the low window and mremap in the high.
 * The list is short (RACE_MAPS), so that a change is mostly that move and
 * a check is quick.  The two threads are pinned to different CPUs and
 * hold for varying whiles (race.h).  SECS bounds the race; the first
 * wrong answer ends it.
 */
#define RACE_MAPS	16
#define LOW_BASE	0x10000000UL

static volatile int race_stop;
static unsigned long race_changes;
static bool race_pinned;

static void *churn(void *arg)
{
	void *hi = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long i = 0;
	unsigned int seed = 3;

	(void)arg;
	race_pinned = race_pin(1);
	while (!race_stop) {
		/* the lowest mapping: the whole list moves up, then back down */
		void *p = mmap((void *)(LOW_BASE - 16 * PG), PG, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		race_hold(&seed, 31);
		if (p != MAP_FAILED)
			munmap(p, PG);
		race_hold(&seed, 31);
		if (!(i & 7)) {
			mprotect((void *)(LOW_BASE + (i / 8 % RACE_MAPS) * 2 * PG), PG,
				 i & 8 ? PROT_READ : PROT_READ | PROT_WRITE);
			if (hi != MAP_FAILED) {
				void *n = mremap(hi, PG, 2 * PG, MREMAP_MAYMOVE);

				if (n != MAP_FAILED)
					hi = mremap(n, 2 * PG, PG, 0);
			}
		}
		i++;
		__atomic_store_n(&race_changes, i, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int m_race(const char *arg)
{
	static const uint64_t targets[] = {
		SUPERVISOR, SUPERVISOR + PG, LOW_END - 8, LOW_END, HIGH_START - 8,
		HIGH_END - 8, HIGH_END,
	};
	double secs = arg ? atof(arg) : 10, t0, t;
	unsigned long checks = 0, wrong = 0, i;
	unsigned int seed = 5;
	bool pinned;
	pthread_t th;
	int p[2];

	for (i = 0; i < RACE_MAPS; i++)
		if (mmap((void *)(LOW_BASE + i * 2 * PG), PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
			perror("mmap");
			return 2;
		}
	pinned = race_pin(0);
	if (pipe(p) || pthread_create(&th, NULL, churn, NULL)) {
		perror("setup");
		return 2;
	}
	t0 = t = race_now();
	while (!wrong && t - t0 <= secs) {
		int k;

		for (k = 0; k < 8; k++) {
			for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
				long r = syscall(SYS_write, p[1], targets[i], 8);

				checks++;
				if (r > 0) {
					char buf[64];

					if (!wrong)
						printf("  write(pipe, %#lx, 8) = %ld after %lu checked calls\n",
						       (unsigned long)targets[i], r, checks);
					wrong++;
					(void)!read(p[0], buf, sizeof(buf));
				}
				race_hold(&seed, 7);
			}
		}
		t = race_now();
	}
	race_stop = 1;
	pthread_join(th, NULL);
	report(!wrong, "race: %lu checked calls against %lu rounds of map changes in %.1f s (threads %s): %lu taken for program memory",
	       checks, race_changes, t - t0, pinned && race_pinned ? "pinned to CPUs 0 and 1" : "not pinned",
	       wrong);
	return fails ? 1 : 0;
}

/* ---- unmapping what the supervisor is reading or writing ------------------------ */

/*
 * One thread unmaps and maps back, over and over, a page holding the
 * arguments of the other thread's calls: a path (open, stat, execve,
 * chmod, the copy-in of a string), an iovec (its copy-in), a timespec
 * (nanosleep: copied in) and the stat and timespec buffers the supervisor
 * writes results back to after the call (copy-out, the emulated
 * arch_prctl(ARCH_GET_FS)).  Each call must answer (success or an errno):
 * a supervisor that checked the page and then read or wrote it without
 * mem.c's lock faults in ring 0 when the page goes in between, and the
 * sandbox dies ("supervisor page fault").  SECS bounds it.
 */
#define UNMAP_PAGE	(LOW_BASE - 32 * PG)

static volatile int unmap_stop;
static unsigned long unmap_rounds;

static void fill_unmap_page(void)
{
	char *pg = (char *)UNMAP_PAGE;
	struct iovec *v = (struct iovec *)(pg + 512);

	struct timespec *ts = (struct timespec *)(pg + 3328);

	strcpy(pg, "/nonexistent/hostile_mem-unmap");
	v->iov_base = pg + 1024;
	v->iov_len = 8;
	ts->tv_sec = 0;
	ts->tv_nsec = 1;
}

static void *unmapper(void *arg)
{
	unsigned int seed = 9;
	unsigned long i = 0;

	*(bool *)arg = race_pin(1);
	while (!unmap_stop) {
		munmap((void *)UNMAP_PAGE, PG);
		race_hold(&seed, 255);
		if (mmap((void *)UNMAP_PAGE, PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED)
			fill_unmap_page();
		race_hold(&seed, 255);
		__atomic_store_n(&unmap_rounds, ++i, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int m_unmap_race(const char *arg)
{
	char *pg = (char *)UNMAP_PAGE;
	double secs = arg ? atof(arg) : 10, t0, t;
	unsigned long calls = 0, ok = 0, efault = 0, other = 0;
	bool pinned = false, pinned_main;
	char *argv[] = { pg, NULL };
	unsigned int seed = 13;
	pthread_t th;
	int p[2];

	if (pipe(p) || mmap(pg, PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		perror("setup");
		return 2;
	}
	fill_unmap_page();
	pinned_main = race_pin(0);
	if (pthread_create(&th, NULL, unmapper, &pinned)) {
		perror("pthread_create");
		return 2;
	}
	t0 = t = race_now();
	while (t - t0 <= secs) {
		int k;

		for (k = 0; k < 8; k++) {
			long r[9];
			int j;

			r[0] = syscall(SYS_open, pg, O_RDONLY);
			r[1] = syscall(SYS_stat, pg, pg + 2048);	/* path in, stat out */
			r[2] = syscall(SYS_execve, pg, argv, NULL);
			r[3] = syscall(SYS_chmod, pg, 0600);
			r[4] = syscall(SYS_writev, p[1], pg + 512, 1);	/* the iovec in */
			r[5] = syscall(SYS_fstat, p[0], pg + 2048);	/* stat out */
			r[6] = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, pg + 3072);
			r[7] = syscall(SYS_nanosleep, pg + 3328, NULL);	/* timespec in */
			r[8] = syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, pg + 3584);
			for (j = 0; j < 9; j++) {
				calls++;
				if (r[j] >= 0)
					ok++;
				else if (errno == EFAULT)
					efault++;
				else
					other++;
			}
			if (r[4] > 0) {
				char buf[64];

				(void)!read(p[0], buf, sizeof(buf));
			}
			race_hold(&seed, 63);
		}
		t = race_now();
	}
	unmap_stop = 1;
	pthread_join(th, NULL);
	report(true, "unmap-race: %lu calls against %lu unmap/map rounds in %.1f s (threads %s): %lu succeeded, %lu EFAULT, %lu other errors, the supervisor never faulted",
	       calls, unmap_rounds, t - t0, pinned && pinned_main ? "pinned to CPUs 0 and 1" : "not pinned",
	       ok, efault, other);
	return 0;
}

/* ---- signals --------------------------------------------------------------- */

static volatile pid_t handler_tid;
static volatile uintptr_t handler_sp;
static volatile int handled;
static volatile pid_t b_tid;
static volatile int b_ready;
static int b_pipe[2];
static char b_altstack[64 * 1024];

static void on_usr(int sig, siginfo_t *si, void *uc)
{
	int local;

	(void)si;
	(void)uc;
	handler_tid = (pid_t)syscall(SYS_gettid);
	handler_sp = (uintptr_t)&local;
	handled = sig;
}

static void *thread_b(void *arg)
{
	stack_t ss = { .ss_sp = b_altstack, .ss_size = sizeof(b_altstack) };
	sigset_t set;

	(void)arg;
	sigaltstack(&ss, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	b_tid = (pid_t)syscall(SYS_gettid);
	b_ready = 1;
	/*
	 * B waits in read(), which SA_RESTART restarts after a signal: the
	 * signal is B's, so it must run on B, whenever B gets back - never on
	 * main, which keeps making system calls meanwhile.
	 */
	for (;;) {
		char c = 0;

		if (read(b_pipe[0], &c, 1) != 1 || c == 'q')
			break;
	}
	return NULL;
}

static void wait_handled(void)
{
	int i;

	for (i = 0; i < 500 && !handled; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

static int m_signal_thread(const char *arg __attribute__((unused)))
{
	struct sigaction sa;
	sigset_t set;
	pthread_t th;
	pid_t me = (pid_t)syscall(SYS_gettid);
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	/* main blocks both; B takes them, on its own alternate stack */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pipe(b_pipe))
		return 2;
	pthread_create(&th, NULL, thread_b, NULL);
	while (!b_ready)
		sched_yield();
	for (sig = SIGUSR1; sig <= SIGUSR2; sig += SIGUSR2 - SIGUSR1) {
		const char *how = sig == SIGUSR1 ? "tgkill to thread B" : "kill to the process";
		bool ok;
		int i;

		handled = 0;
		handler_tid = 0;
		if (sig == SIGUSR1)
			syscall(SYS_tgkill, getpid(), b_tid, sig);
		else
			kill(getpid(), sig);
		for (i = 0; i < 50; i++)
			syscall(SYS_getppid);	/* main keeps making system calls */
		{
			struct timespec ts = { 0, 200 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		(void)!write(b_pipe[1], "x", 1);	/* B's read returns */
		wait_handled();
		ok = handled == sig && handler_tid == b_tid &&
		     handler_sp >= (uintptr_t)b_altstack &&
		     handler_sp < (uintptr_t)b_altstack + sizeof(b_altstack);
		report(ok, "signal-thread: %s (main %d blocks it): handler ran %s on thread %d (B is %d), sp %s B's altstack",
		       how, me, handled ? "" : "never", handler_tid, b_tid,
		       handler_sp >= (uintptr_t)b_altstack &&
		       handler_sp < (uintptr_t)b_altstack + sizeof(b_altstack) ? "on" : "NOT on");
	}
	(void)!write(b_pipe[1], "q", 1);
	pthread_join(th, NULL);
	return fails ? 1 : 0;
}

/*
 * fesetround()/fegetround() without libm: the x87 control word's RC field
 * (bits 10-11) and MXCSR's (bits 13-14) hold the same encoding (SDM Vol. 1,
 * 4.8.4): 0 nearest, 1 down, 2 up, 3 toward zero.
 */
static void set_round(unsigned int rc)
{
	unsigned short cw;
	unsigned int mx;

	__asm__ __volatile__("fnstcw %0" : "=m"(cw));
	cw = (unsigned short)((cw & ~0xc00) | rc << 10);
	__asm__ __volatile__("fldcw %0" :: "m"(cw));
	__asm__ __volatile__("stmxcsr %0" : "=m"(mx));
	mx = (mx & ~0x6000u) | rc << 13;
	__asm__ __volatile__("ldmxcsr %0" :: "m"(mx));
}

static unsigned int get_round_x87(void)
{
	unsigned short cw;

	__asm__ __volatile__("fnstcw %0" : "=m"(cw));
	return (cw >> 10) & 3;
}

#define RC_UP		2
#define RC_ZERO		3

/* The handler changes every piece of FPU state it can. */
static void on_fpu(int sig)
{
	(void)sig;
	set_round(RC_ZERO);
	__asm__ __volatile__("pxor %%xmm8, %%xmm8\n\tpcmpeqd %%xmm9, %%xmm9" ::: "xmm8", "xmm9");
	handled = 1;
}

static int m_fpu(const char *arg __attribute__((unused)))
{
	static const uint64_t pat[2] = { 0x0123456789abcdefUL, 0xfedcba9876543210UL };
	uint64_t out[2] = { 0, 0 };
	unsigned int mxcsr_before, mxcsr_after;
	struct sigaction sa;
	volatile double x = 1.0, y = 3.0, q1, q2;
	int round;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fpu;
	sigaction(SIGUSR1, &sa, NULL);
	set_round(RC_UP);
	q1 = x / y;
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr_before));
	handled = 0;
	{
		long pid = getpid(), tid = syscall(SYS_gettid);
		/* no call between these and the asm: a call would clobber them */
		register long rax __asm__("rax") = SYS_tgkill;
		register long rdi __asm__("rdi") = pid;
		register long rsi __asm__("rsi") = tid;
		register long rdx __asm__("rdx") = SIGUSR1;

		__asm__ __volatile__("movdqu %[pat], %%xmm8\n\t"
				     "syscall\n\t"
				     "movdqu %%xmm8, %[out]"
				     : "+r"(rax), [out] "=m"(out)
				     : "r"(rdi), "r"(rsi), "r"(rdx), [pat] "m"(pat)
				     : "rcx", "r11", "memory", "xmm8");
	}
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr_after));
	round = (int)get_round_x87();
	q2 = x / y;
	report(handled, "fpu: the handler ran");
	report(out[0] == pat[0] && out[1] == pat[1], "fpu: xmm8 kept across the handler (%016lx%016lx)",
	       (unsigned long)out[1], (unsigned long)out[0]);
	report(mxcsr_after == mxcsr_before, "fpu: MXCSR kept (%#x, was %#x)", mxcsr_after,
	       mxcsr_before);
	report(round == RC_UP && q1 == q2, "fpu: rounding mode kept (x87 RC %d, 1/3 %s)",
	       round, q1 == q2 ? "the same" : "differs");
	return fails ? 1 : 0;
}

/* Corrupt the frame's FPU state: rt_sigreturn must refuse it (SIGSEGV). */
static int corrupt_how;

static void on_corrupt(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;

	(void)sig;
	(void)si;
	if (!fp) {
		static const char msg[] = "NOT contained fpu-corrupt: no FPU state in the signal frame\n";

		(void)!write(1, msg, sizeof(msg) - 1);
		_exit(3);
	}
	switch (corrupt_how) {
	case 0:		/* MXCSR reserved bits: XRSTOR would #GP */
		uc->uc_mcontext.fpregs->mxcsr = 0xffffffff;
		break;
	case 1:		/* the XSAVE header: XCOMP_BV (compacted) and reserved bytes */
		memset(fp + 512 + 8, 0xff, 56);
		break;
	case 2:		/* XSTATE_BV: every component, PKRU included */
		memset(fp + 512, 0xff, 8);
		break;
	}
}

static int m_fpu_corrupt(const char *arg)
{
	struct sigaction sa;

	corrupt_how = arg ? atoi(arg) : 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_corrupt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("NOT contained fpu-corrupt %d: rt_sigreturn accepted a corrupt FPU frame\n",
	       corrupt_how);
	return 1;
}

/* ---- max-processes (run with --rule "max-processes 4") ---------------------- */

static int m_maxproc(const char *arg __attribute__((unused)))
{
	int i, n = 0, p[2], err = 0;
	pid_t kids[16];

	for (i = 0; i < 12; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			err = errno;
			break;
		}
		if (pid == 0)
			_exit(7);
		waitpid(pid, &st, 0);
	}
	report(i == 12, "maxproc: %d sequential fork+wait (limit 4): %s", i,
	       i == 12 ? "all succeeded" : strerror(err));
	if (pipe(p))
		return 2;
	for (n = 0; n < 10; n++) {
		pid_t pid = fork();

		if (pid < 0) {
			err = errno;
			break;
		}
		if (pid == 0) {
			char c;

			close(p[1]);
			(void)!read(p[0], &c, 1);
			_exit(0);
		}
		kids[n] = pid;
	}
	report(n >= 1 && n <= 3 && err == EAGAIN,
	       "maxproc: concurrent children beyond the limit: %d forked, then %s", n,
	       n < 10 ? strerror(err) : "no refusal");
	close(p[1]);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	{
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		report(pid > 0, "maxproc: fork after reaping them: %s", pid > 0 ? "ok" : strerror(errno));
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	return fails ? 1 : 0;
}

/* ---- E2BIG ------------------------------------------------------------------- */

static int m_e2big(const char *arg __attribute__((unused)))
{
	static const struct {
		const char *what;
		int n;
		size_t len;
		bool env;
	} cases[] = {
		{ "100 arguments of 128 KiB - 1 (12.8 MB)", 100, 128 * 1024 - 1, false },
		{ "100 environment strings of 128 KiB - 1", 100, 128 * 1024 - 1, true },
		{ "one argument of 128 KiB + 1", 1, 128 * 1024 + 1, false },
		{ "300000 empty arguments", 300000, 0, false },
	};
	size_t c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char **v = calloc(cases[c].n + 2, sizeof(char *));
		char *s = malloc(cases[c].len + 1);
		char *noenv[] = { NULL };
		char *onearg[] = { "hostile_mem", NULL };
		int i, r;

		memset(s, 'a', cases[c].len);
		s[cases[c].len] = 0;
		v[0] = "hostile_mem";
		for (i = 1; i <= cases[c].n; i++)
			v[i] = s;
		if (cases[c].env)
			r = execve("/proc/self/exe", onearg, v + 1);
		else
			r = execve("/proc/self/exe", v, noenv);
		report(r == -1 && errno == E2BIG, "e2big: %s: execve %s", cases[c].what,
		       r == -1 ? strerror(errno) : "succeeded");
		free(v);
		free(s);
	}
	return fails ? 1 : 0;
}

static const struct {
	const char *name;
	int (*fn)(const char *arg);
} modes[] = {
	{ "elf", m_elf },
	{ "race", m_race },
	{ "unmap-race", m_unmap_race },
	{ "signal-thread", m_signal_thread },
	{ "fpu", m_fpu },
	{ "fpu-corrupt", m_fpu_corrupt },
	{ "maxproc", m_maxproc },
	{ "e2big", m_e2big },
};

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 1)		/* the e2big cases exec this: never reached */
		return 0;
	for (i = 0; (argc == 2 || argc == 3) && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name))
			return modes[i].fn(argc == 3 ? argv[2] : NULL);
	fprintf(stderr, "usage: hostile_mem MODE [ARG]\n");
	return 2;
}
