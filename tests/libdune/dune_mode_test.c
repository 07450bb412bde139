// SPDX-License-Identifier: GPL-2.0
/*
 * dune_mode_test - a process in Dune mode behaves like a native one.
 *
 * Runs in the emulated VMX machine with dune.ko loaded.  Each test forks a
 * child that enters Dune mode with libdune and does ordinary things -
 * system calls, memory mappings, signals, threads, fork - and checks that
 * the results are what the same code gets natively (dune_child.h).  The
 * emulated machine runs about 70 million instructions per second: loops
 * stay small.
 */
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <asm/prctl.h>

#include "kselftest_harness.h"
#include "dune_child.h"

extern char **environ;

DUNE_DEVICE_FIXTURE(dune);

static int nothing(void *arg)
{
	(void)arg;
	return 0;
}

/* ---- entering -------------------------------------------------------- */

/* Natively, before dune_init(): not in Dune mode, no vCPU, no entry. */
TEST_F(dune, native_state_before_init)
{
	EXPECT_FALSE(dune_is_in_dune_mode());
	EXPECT_EQ(-1, dune_vcpu_fd());
	EXPECT_EQ(-EINVAL, dune_enter());
}

TEST_F_TIMEOUT(dune, enter_and_exit, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, nothing, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	EXPECT_EQ(0U, res.len) TH_LOG("unexpected output:\n%s", res.out);
}

static int enter_twice(void *arg)
{
	(void)arg;
	CHECK(dune_vcpu_fd() >= 0);
	CHECK(dune_init(true) == 0);	/* again: nothing to do */
	CHECK(dune_enter() == 0);	/* already in Dune mode */
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST_F_TIMEOUT(dune, enter_twice_is_harmless, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, enter_twice, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int hello(void *arg)
{
	(void)arg;
	printf("hello from Dune mode\n");
	dune_printf("dune_printf %d %s %#x [%5s] [%-3d] %lu %c%%\n",
		    -42, "ok", 0xbeef, "ab", 7, 123456789012UL, 'z');
	return 0;
}

TEST_F_TIMEOUT(dune, hello_printf, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, hello, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	EXPECT_STREQ("hello from Dune mode\n"
		     "dune_printf -42 ok 0xbeef [   ab] [7  ] 123456789012 z%\n",
		     res.out);
}

/* ---- system calls ---------------------------------------------------- */

struct identity {
	pid_t pid, ppid, tid;
	struct utsname uts;
	char cwd[256];
};

static int identity_native(void *arg)
{
	struct identity *id = arg;

	id->pid = getpid();
	id->ppid = getppid();
	id->tid = gettid();
	if (uname(&id->uts) || !getcwd(id->cwd, sizeof(id->cwd)))
		return 3;
	return 0;
}

static int identity_dune(void *arg)
{
	struct identity *id = arg, now;

	CHECK(getpid() == id->pid);
	CHECK(getppid() == id->ppid);
	CHECK(gettid() == id->tid);
	CHECK(syscall(SYS_getpid) == id->pid);
	CHECK(uname(&now.uts) == 0);
	CHECK(memcmp(&now.uts, &id->uts, sizeof(now.uts)) == 0);
	CHECK(getcwd(now.cwd, sizeof(now.cwd)) != NULL);
	CHECK(strcmp(now.cwd, id->cwd) == 0);
	return 0;
}

TEST_F_TIMEOUT(dune, identity_same_as_native, 120)
{
	struct child_result res;
	struct identity id;

	ASSERT_EQ(0, run_child(identity_native, identity_dune, &id, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int file_io(void *arg)
{
	const char *text = "Dune mode file I/O\n";
	char path[256], buf[64];
	ssize_t n;
	int fd;

	(void)arg;
	snprintf(path, sizeof(path), "%s/dune_mode_test.%d", tmp_dir(), getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	memset(buf, 0, sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)strlen(text));
	CHECK(strcmp(buf, text) == 0);
	CHECK(close(fd) == 0);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	memset(buf, 0, sizeof(buf));
	n = pread(fd, buf, 4, 5);
	CHECK(n == 4);
	CHECK(memcmp(buf, "mode", 4) == 0);
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	CHECK(access(path, F_OK) == -1 && errno == ENOENT);
	return 0;
}

TEST_F_TIMEOUT(dune, file_io, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, file_io, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

struct errnos {
	int open_missing, read_bad_fd, write_rdonly, mkdir_exists, close_bad;
};

static void collect_errnos(struct errnos *e)
{
	char c = 0;
	int fd;

	errno = 0;
	e->open_missing = open("/nonexistent/dune", O_RDONLY) < 0 ? errno : 0;
	errno = 0;
	e->read_bad_fd = read(1000, &c, 1) < 0 ? errno : 0;
	fd = open("/proc/self/stat", O_RDONLY);
	errno = 0;
	e->write_rdonly = write(fd, &c, 1) < 0 ? errno : 0;
	close(fd);
	errno = 0;
	e->mkdir_exists = mkdir("/", 0700) < 0 ? errno : 0;
	errno = 0;
	e->close_bad = close(-1) < 0 ? errno : 0;
}

static int errnos_native(void *arg)
{
	collect_errnos(arg);
	return 0;
}

static int errnos_dune(void *arg)
{
	struct errnos *native = arg, now;

	collect_errnos(&now);
	CHECK(now.open_missing == ENOENT);
	CHECK(now.read_bad_fd == EBADF);
	CHECK(now.open_missing == native->open_missing);
	CHECK(now.read_bad_fd == native->read_bad_fd);
	CHECK(now.write_rdonly == native->write_rdonly);
	CHECK(now.mkdir_exists == native->mkdir_exists);
	CHECK(now.close_bad == native->close_bad);
	return 0;
}

TEST_F_TIMEOUT(dune, errno_values_same_as_native, 120)
{
	struct child_result res;
	struct errnos e;

	ASSERT_EQ(0, run_child(errnos_native, errnos_dune, &e, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int pipe_roundtrip(void *arg)
{
	char out[3000], in[3000];
	int p[2];
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], out, sizeof(out)) == (ssize_t)sizeof(out));
	CHECK(read(p[0], in, sizeof(in)) == (ssize_t)sizeof(in));
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	CHECK(close(p[0]) == 0 && close(p[1]) == 0);
	return 0;
}

TEST_F_TIMEOUT(dune, pipe_roundtrip, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, pipe_roundtrip, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int exit_group_37(void *arg)
{
	(void)arg;
	_exit(37);		/* exit_group */
}

TEST_F_TIMEOUT(dune, exit_group_status, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, exit_group_37, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 37);
}

static int exit_38(void *arg)
{
	(void)arg;
	syscall(SYS_exit, 38);	/* the last thread's exit(2) ends the process */
	return 1;
}

TEST_F_TIMEOUT(dune, thread_exit_status, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, exit_38, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 38);
}

/* ARCH_SET_GS: the new base is the guest's too (a %gs-relative load). */
static uint64_t gs_target = 0x1234567890abcdefULL;

static int set_gs_base(void *arg)
{
	unsigned long base = 0;
	uint64_t v;

	(void)arg;
	CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&gs_target) == 0);
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_GS, &base) == 0);
	CHECK(base == (unsigned long)&gs_target);
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(v));
	CHECK(v == gs_target);
	CHECK(getpid() > 0);
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(v));
	CHECK(v == gs_target);
	CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL) == 0);
	return 0;
}

TEST_F_TIMEOUT(dune, arch_prctl_gs_base, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, set_gs_base, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- memory ---------------------------------------------------------- */

static int munmap_then_access(void *arg)
{
	volatile char *p;

	(void)arg;
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	p[4096] = 2;
	CHECK(p[0] + p[4096] == 3);
	CHECK(munmap((void *)p, 8192) == 0);
	CHECK(write(1, "M", 1) == 1);
	p[0] = 3;		/* SIGSEGV */
	return 1;
}

TEST_F_TIMEOUT(dune, munmap_then_access_is_sigsegv, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, munmap_then_access, NULL, 0, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGSEGV);
	EXPECT_STREQ("M", res.out);
}

static int mprotect_then_write(void *arg)
{
	volatile char *p;

	(void)arg;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 5;
	CHECK(mprotect((void *)p, 4096, PROT_READ) == 0);
	CHECK(p[0] == 5);	/* reading is still fine */
	CHECK(write(1, "R", 1) == 1);
	p[0] = 6;		/* SIGSEGV */
	return 1;
}

TEST_F_TIMEOUT(dune, mprotect_readonly_write_is_sigsegv, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, mprotect_then_write, NULL, 0, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGSEGV);
	EXPECT_STREQ("R", res.out);
}

static void *volatile segv_addr;
static volatile int segv_code;
static void *segv_page;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	segv_addr = si->si_addr;
	segv_code = si->si_code;
	mprotect(segv_page, 4096, PROT_READ | PROT_WRITE);	/* repair */
}

/*
 * A fault the process's mappings refuse is probed natively by the host
 * loop: the handler sees the genuine siginfo, repairs the mapping, and the
 * guest retries - still in Dune mode, with the same vCPU (the Appel-Li
 * pattern with plain POSIX signals).
 */
static int segv_handler_repairs(void *arg)
{
	struct sigaction sa;
	volatile char *p;
	int vcpu = dune_vcpu_fd();

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv_handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	segv_page = (void *)p;
	p[0] = 1;
	CHECK(mprotect((void *)p, 4096, PROT_READ) == 0);
	p[100] = 42;		/* faults; the handler repairs; it is retried */
	CHECK(segv_addr == p + 100);
	CHECK(segv_code == SEGV_ACCERR);
	CHECK(p[100] == 42);
	CHECK(dune_is_in_dune_mode());
	CHECK(dune_vcpu_fd() == vcpu);
	/* and again: protect, trap, unprotect */
	CHECK(mprotect((void *)p, 4096, PROT_READ) == 0);
	p[200] = 43;
	CHECK(segv_addr == p + 200);
	CHECK(p[200] == 43);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

/*
 * The main thread's stack grows below its mapping on demand.  In Dune
 * mode the module cannot grow it (GUP does not); the host loop's native
 * probe lets the kernel do it, and the thread stays in Dune mode.
 */
static __attribute__((noinline)) int touch_stack_down(size_t bytes)
{
	volatile char *buf = __builtin_alloca(bytes);
	size_t i;
	int sum = 0;

	for (i = bytes; i >= 4096; i -= 4096) {	/* from the top down */
		buf[i - 1] = (char)i;
		sum += buf[i - 1];
	}
	return sum;
}

static int stack_grows(void *arg)
{
	(void)arg;
	CHECK(touch_stack_down(4 << 20) != 12345);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST_F_TIMEOUT(dune, main_stack_grows_in_dune_mode, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, stack_grows, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_F_TIMEOUT(dune, sigsegv_handler_repairs_and_stays_in_dune_mode, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, segv_handler_repairs, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

#define BIG	(64UL << 20)

static int big_malloc(void *arg)
{
	unsigned long i, sum = 0, want = 0;
	unsigned char *p;

	(void)arg;
	p = malloc(BIG);
	CHECK(p != NULL);
	for (i = 0; i < BIG; i += 4096) {
		p[i] = (unsigned char)(i >> 12);
		want += (unsigned char)(i >> 12);
	}
	for (i = 0; i < BIG; i += 4096)
		sum += p[i];
	CHECK(sum == want);
	free(p);
	return 0;
}

TEST_F_TIMEOUT(dune, malloc_64mib_touched, 600)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, big_malloc, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int write_shared(void *arg)
{
	unsigned int *p = arg;
	int i;

	for (i = 0; i < 3 * 1024; i++)
		p[i] = 0xd00e0000u + i;
	return 0;
}

TEST_F_TIMEOUT(dune, shared_anonymous_memory_seen_by_parent, 120)
{
	struct child_result res;
	unsigned int *p = shared_alloc(3 * 4096);
	int i, bad = 0;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, run_child(NULL, write_shared, p, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	for (i = 0; i < 3 * 1024; i++)
		bad += p[i] != 0xd00e0000u + i;
	EXPECT_EQ(0, bad);
	munmap(p, 3 * 4096);
}

static int shared_file_mapping(void *arg)
{
	char path[256], buf[32];
	char *m;
	int fd;

	(void)arg;
	snprintf(path, sizeof(path), "%s/dune_mode_map.%d", tmp_dir(), getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 8192) == 0);
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	strcpy(m, "first page");
	strcpy(m + 4096, "second page");
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, 10, 0) == 10);
	CHECK(strcmp(buf, "first page") == 0);
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, 11, 4096) == 11);
	CHECK(strcmp(buf, "second page") == 0);
	/* and the other way: a write(2) shows in the mapping */
	CHECK(pwrite(fd, "PWRITE", 6, 100) == 6);
	CHECK(memcmp(m + 100, "PWRITE", 6) == 0);
	CHECK(munmap(m, 8192) == 0);
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	return 0;
}

TEST_F_TIMEOUT(dune, shared_file_mapping_coherent_with_read, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, shared_file_mapping, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- time ------------------------------------------------------------ */

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int monotonic_clock(void *arg)
{
	struct timespec a, b, c;
	int i;

	(void)arg;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	for (i = 0; i < 100000; i++) {
		CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
		if (ns(&b) > ns(&a))
			break;
	}
	CHECK(ns(&b) > ns(&a));
	CHECK(clock_gettime(CLOCK_REALTIME, &c) == 0);
	CHECK(c.tv_sec > 1000000000);	/* after 2001 */
	return 0;
}

TEST_F_TIMEOUT(dune, clock_gettime_vdso_advances, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, monotonic_clock, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int sleep_50ms(void *arg)
{
	struct timespec a, b, d = { 0, 50 * 1000 * 1000 };

	(void)arg;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	CHECK(nanosleep(&d, NULL) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	CHECK(ns(&b) - ns(&a) >= 50 * 1000 * 1000);
	return 0;
}

TEST_F_TIMEOUT(dune, nanosleep, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, sleep_50ms, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- signals --------------------------------------------------------- */

static volatile sig_atomic_t alarms, usr1s;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1s++;
}

/* Handlers run (natively) while the guest spins without a system call. */
static int signals_while_spinning(void *arg)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct timespec start, now;
	unsigned long spins = 0;

	(void)arg;
	CHECK(signal(SIGALRM, on_alarm) != SIG_ERR);
	CHECK(signal(SIGUSR1, on_usr1) != SIG_ERR);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &start) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	while (alarms < 3) {
		if (++spins % 4096 == 0) {
			CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
			CHECK(ns(&now) - ns(&start) < 30 * 1000000000LL);
		}
	}
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);

	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(usr1s == 1);		/* delivered before kill() returned */
	CHECK(raise(SIGUSR1) == 0);
	CHECK(usr1s == 2);
	printf("spins %lu\n", spins);
	return 0;
}

TEST_F_TIMEOUT(dune, signal_handlers_run_while_spinning, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, signals_while_spinning, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	TH_LOG("%s", res.out);
}

static int alarm_pipe = -1;

static void on_alarm_write(int sig)
{
	(void)sig;
	if (write(alarm_pipe, "A", 1) != 1)
		_exit(99);
}

/* A blocking read and a signal: EINTR, or a restart with SA_RESTART. */
static int read_interrupted(bool restart)
{
	struct itimerval once = { { 0, 0 }, { 0, 50000 } };
	struct sigaction sa;
	char c = 0;
	ssize_t n;
	int p[2];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm_write;
	sa.sa_flags = restart ? SA_RESTART : 0;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(pipe(p) == 0);
	alarm_pipe = p[1];
	CHECK(setitimer(ITIMER_REAL, &once, NULL) == 0);
	errno = 0;
	n = read(p[0], &c, 1);	/* blocks until the handler writes */
	if (restart) {
		CHECK(n == 1 && c == 'A');
	} else {
		CHECK(n == -1 && errno == EINTR);
		CHECK(read(p[0], &c, 1) == 1 && c == 'A');
	}
	return 0;
}

static int read_eintr(void *arg)
{
	(void)arg;
	return read_interrupted(false);
}

static int read_restart(void *arg)
{
	(void)arg;
	return read_interrupted(true);
}

TEST_F_TIMEOUT(dune, blocking_read_eintr_without_sa_restart, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, read_eintr, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_F_TIMEOUT(dune, blocking_read_restarts_with_sa_restart, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, read_restart, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- fork, vfork, exec ------------------------------------------------- */

static int fork_from_dune(void *arg)
{
	pid_t parent = getpid(), pid;
	int status, i;

	(void)arg;
	for (i = 0; i < 2; i++) {
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			/* The child runs natively, with the parent's memory. */
			if (dune_is_in_dune_mode() || dune_vcpu_fd() != -1)
				_exit(1);
			if (getppid() != parent || getpid() == parent)
				_exit(2);
			_exit(42 + i);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42 + i);
		CHECK(dune_is_in_dune_mode());
		CHECK(getpid() == parent);
	}
	return 0;
}

TEST_F_TIMEOUT(dune, fork_child_runs_natively, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, fork_from_dune, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* The child of a fork in Dune mode builds a VM of its own. */
static int fork_child_enters(void *arg)
{
	int status;
	pid_t pid;

	(void)arg;
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (dune_is_in_dune_mode())
			_exit(1);
		if (dune_init_and_enter())
			_exit(2);
		if (!dune_is_in_dune_mode() || dune_vcpu_fd() < 0)
			_exit(3);
		if (getppid() <= 1)
			_exit(4);
		_exit(43);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 43)
		printf("grandchild %s\n", describe_status(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 43);
	CHECK(getpid() > 0);
	return 0;
}

TEST_F_TIMEOUT(dune, fork_child_can_enter_again, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, fork_child_enters, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static const char *true_path(char **argv)
{
	if (access("/bin/true", X_OK) == 0) {
		argv[0] = "true";
		argv[1] = NULL;
		return "/bin/true";
	}
	argv[0] = "busybox";
	argv[1] = "true";
	argv[2] = NULL;
	return "/bin/busybox";
}

static int vfork_exec(void *arg)
{
	char *argv[3];
	const char *path = true_path(argv);
	int status;
	pid_t pid;

	(void)arg;
	pid = vfork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execv(path, argv);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		printf("%s: %s\n", path, describe_status(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST_F_TIMEOUT(dune, vfork_execve, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, vfork_exec, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* posix_spawn: clone(CLONE_VM | CLONE_VFORK) on a stack of its own. */
static int spawn_true(void *arg)
{
	char *argv[3];
	const char *path = true_path(argv);
	int status;
	pid_t pid;

	(void)arg;
	CHECK(posix_spawn(&pid, path, NULL, NULL, argv, environ) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

TEST_F_TIMEOUT(dune, posix_spawn, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, spawn_true, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- threads --------------------------------------------------------- */

#define NTHREADS	8

struct thread_result {
	bool in_dune;
	pid_t tid;
	int vcpu_fd;
	int enter;
	int bad;
};

/*
 * All threads of a round are alive at once when they record their vCPU
 * fd (a thread's fd is closed when it exits, and its number reused).
 */
static pthread_barrier_t threads_alive;

static void *thread_work(void *arg)
{
	struct thread_result *r = arg;
	pid_t ppid = getppid();
	int i;

	r->in_dune = dune_is_in_dune_mode();
	r->tid = gettid();
	r->vcpu_fd = dune_vcpu_fd();
	pthread_barrier_wait(&threads_alive);
	for (i = 0; i < 50; i++) {
		if (getppid() != ppid)
			r->bad++;
		if (syscall(SYS_gettid) != r->tid)
			r->bad++;
	}
	/* malloc in a thread: a new arena, mapped lazily */
	free(malloc(100000));
	if (!dune_is_in_dune_mode())
		r->bad++;
	return r;
}

static void *thread_enters(void *arg)
{
	struct thread_result *r = arg;

	if (dune_is_in_dune_mode())
		r->bad++;
	r->enter = dune_enter();
	return thread_work(arg);
}

static int check_threads(struct thread_result *r)
{
	int i, j;

	for (i = 0; i < NTHREADS; i++) {
		CHECK(r[i].enter == 0);
		CHECK(r[i].in_dune);
		CHECK(r[i].bad == 0);
		CHECK(r[i].tid != getpid());
		CHECK(r[i].vcpu_fd >= 0);
		for (j = 0; j < i; j++) {
			CHECK(r[i].tid != r[j].tid);
			CHECK(r[i].vcpu_fd != r[j].vcpu_fd);
		}
	}
	return 0;
}

/* Threads created in Dune mode start in Dune mode, each with a vCPU. */
static int threads_from_dune(void *arg)
{
	struct thread_result r[NTHREADS];
	pthread_t th[NTHREADS];
	void *ret;
	int round, i;

	(void)arg;
	for (round = 0; round < 2; round++) {
		memset(r, 0, sizeof(r));
		CHECK(pthread_barrier_init(&threads_alive, NULL, NTHREADS) == 0);
		for (i = 0; i < NTHREADS; i++)
			CHECK(pthread_create(&th[i], NULL, thread_work, &r[i]) == 0);
		for (i = 0; i < NTHREADS; i++) {
			CHECK(pthread_join(th[i], &ret) == 0);
			CHECK(ret == &r[i]);
		}
		pthread_barrier_destroy(&threads_alive);
		if (check_threads(r))
			return 1;
	}
	return 0;
}

TEST_F_TIMEOUT(dune, threads_created_in_dune_mode, 300)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, threads_from_dune, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* Native threads enter Dune mode themselves, all at once. */
static int threads_enter(void *arg)
{
	struct thread_result r[NTHREADS];
	pthread_t th[NTHREADS];
	int i;

	(void)arg;
	CHECK(!dune_is_in_dune_mode());
	memset(r, 0, sizeof(r));
	CHECK(pthread_barrier_init(&threads_alive, NULL, NTHREADS) == 0);
	for (i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&th[i], NULL, thread_enters, &r[i]) == 0);
	for (i = 0; i < NTHREADS; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	if (check_threads(r))
		return 1;
	CHECK(dune_enter() == 0);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST_F_TIMEOUT(dune, native_threads_enter_concurrently, 300)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, threads_enter, NULL, CHILD_INIT_ONLY, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- exit statistics --------------------------------------------------- */

#define NCALLS		1000
#define EXIT_VMCALL	18	/* SDM Vol. 3D, Appendix C */
#define EXIT_EXTINT	1

struct stats_result {
	struct dune_exit_stats a, b, c;
	int err;
};

static int count_exits(void *arg)
{
	struct stats_result *s = arg;
	int i;

	/* Warm up: everything the loop touches is mapped by now. */
	syscall(SYS_getpid);
	s->err = dune_get_exit_stats(&s->a);
	CHECK(s->err == 0);
	s->err = dune_get_exit_stats(&s->b);	/* calibrates the ioctl itself */
	CHECK(s->err == 0);
	for (i = 0; i < NCALLS; i++)
		syscall(SYS_getpid);
	s->err = dune_get_exit_stats(&s->c);
	CHECK(s->err == 0);
	return 0;
}

TEST_F_TIMEOUT(dune, one_vmcall_exit_per_syscall, 120)
{
	struct stats_result *s = shared_alloc(sizeof(*s));
	struct child_result res;
	unsigned long long per_ioctl, vmcalls, extints;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, run_child(NULL, count_exits, s, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	EXPECT_EQ((unsigned int)DUNE_EXIT_STATS_NR, s->c.nr);
	per_ioctl = s->b.exits[EXIT_VMCALL] - s->a.exits[EXIT_VMCALL];
	vmcalls = s->c.exits[EXIT_VMCALL] - s->b.exits[EXIT_VMCALL] - per_ioctl;
	extints = s->c.exits[EXIT_EXTINT] - s->b.exits[EXIT_EXTINT];
	TH_LOG("%d getpid: %llu VMCALL exits (+%llu for the stats ioctl), %llu interrupt exits, %llu runs",
	       NCALLS, vmcalls, per_ioctl, extints,
	       (unsigned long long)(s->c.runs - s->b.runs));
	EXPECT_EQ(1ULL, per_ioctl);
	EXPECT_EQ((unsigned long long)NCALLS, vmcalls);
	EXPECT_LE((unsigned long long)NCALLS, s->c.runs - s->b.runs);
	munmap(s, sizeof(*s));
}

TEST_HARNESS_MAIN
