// SPDX-License-Identifier: GPL-2.0
/*
 * dune_signal_test - host signals in Dune mode: dune_register_signal_handler(),
 * dune_signal(), and the two small utilities next to them, dune_mmap() and
 * mmap_base/stack_base.
 *
 * dune_register_signal_handler(n, cb) makes signal n reach cb *in the
 * guest*, as vector 200 + n, injected by dune.ko (DUNE_RUN_F_INTERRUPT):
 * cb gets a struct dune_tf of wherever the guest was, ring 0 or ring 3.
 * dune_signal() is plain signal() plus a vector registration, so its
 * handler runs natively, before the guest goes on.  Each test runs in a
 * child that enters Dune mode and reports through its exit status.  The
 * last test traces its child as strace does: the kernel's work for the
 * return to user space must not keep a traced program from running.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/rseq.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "dune.h"
#include "cpu-x86.h"
#include "dune-ext.h"

#include "kselftest_harness.h"
#include "dune_child.h"

/* What the handlers saw (one signal at a time, so plain statics do). */
static volatile int n_usr1, n_usr2, n_other, in_dune, bad_tf;
static volatile uint64_t seen_rip, seen_rsp, seen_rflags;
static volatile uint16_t seen_cs;

static void record(struct dune_tf *tf)
{
	seen_rip = tf->rip;
	seen_rsp = tf->rsp;
	seen_rflags = tf->rflags;
	seen_cs = tf->cs;
	in_dune = dune_is_in_dune_mode();
	if (tf->err != 0 || tf->rip == 0 || tf->rsp == 0)
		bad_tf++;
}

static void on_usr1(struct dune_tf *tf)
{
	n_usr1++;
	record(tf);
}

static void on_usr2(struct dune_tf *tf)
{
	n_usr2++;
	record(tf);
}

/* Is @p within 1 MiB below the caller's stack frame (plus a red zone)? */
static bool near_my_stack(uint64_t p)
{
	uint64_t here = (uint64_t)__builtin_frame_address(0);

	return p < here + 4096 && p + (1 << 20) > here;
}

/* ---- kill() from ring 0 ----------------------------------------------- */

static int kill_from_ring0(void *arg)
{
	volatile uint64_t after = 0;

	(void)arg;
	CHECK(dune_register_signal_handler(SIGUSR1, on_usr1) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	/* the handler ran in the guest before kill() returned to us */
	CHECK(n_usr1 == 1);
	CHECK(in_dune);
	CHECK(seen_cs == GD_KT);
	CHECK(!bad_tf);
	CHECK(seen_rflags & FL_IF);
	CHECK(near_my_stack(seen_rsp));
	/* and everything goes on as before */
	after = 41;
	after++;
	CHECK(after == 42);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(n_usr1 == 2);
	return 0;
}

TEST(kill_from_ring0_reaches_the_handler_in_the_guest)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, kill_from_ring0, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- a signal while ring 0 spins, from another thread ------------------- */

static volatile pid_t spinner_tid;
static volatile int spinner_go;

static void *send_usr2(void *arg)
{
	int i;

	(void)arg;
	while (!spinner_go)
		usleep(1000);
	/* once, then again if the spinner has not noticed after a while */
	for (i = 0; i < 100 && !n_usr2; i++) {
		syscall(SYS_tgkill, getpid(), spinner_tid, SIGUSR2);
		usleep(20000);
	}
	return NULL;
}

static int spin_ring0_other_thread(void *arg)
{
	struct dune_exit_stats before, after;
	pthread_t t;

	(void)arg;
	CHECK(dune_register_signal_handler(SIGUSR2, on_usr2) == 0);
	spinner_tid = gettid();
	CHECK(pthread_create(&t, NULL, send_usr2, NULL) == 0);
	CHECK(dune_get_exit_stats(&before) == 0);
	spinner_go = 1;
	while (!n_usr2)
		;				/* no system call: only an interrupt ends this */
	CHECK(dune_get_exit_stats(&after) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(n_usr2 >= 1);
	CHECK(in_dune && seen_cs == GD_KT && !bad_tf);
	CHECK(near_my_stack(seen_rsp));
	/* the spin itself made no VMCALL: the stats ioctl is the only one */
	CHECK(after.exits[18] - before.exits[18] == 1);
	return 0;
}

TEST(signal_from_another_thread_while_ring0_spins)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, spin_ring0_other_thread, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- a timer signal while ring 0 spins ------------------------------------ */

static volatile int n_prof;

static void on_prof(struct dune_tf *tf)
{
	n_prof++;
	record(tf);
}

static int spin_ring0_timer(void *arg)
{
	struct itimerval it = { .it_interval = { 0, 5000 }, .it_value = { 0, 5000 } };

	(void)arg;
	CHECK(dune_register_signal_handler(SIGPROF, on_prof) == 0);
	CHECK(setitimer(ITIMER_PROF, &it, NULL) == 0);
	while (n_prof < 3)
		;
	memset(&it, 0, sizeof(it));
	CHECK(setitimer(ITIMER_PROF, &it, NULL) == 0);
	CHECK(in_dune && seen_cs == GD_KT && !bad_tf);
	return 0;
}

TEST(timer_signal_while_ring0_spins)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, spin_ring0_timer, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- ring 3 ------------------------------------------------------------------- */

#define SYS_EXIT	1002	/* dune_ret_from_user(rdi) */
#define R3_STACK_SIZE	(64 * 1024)

extern char r3_page[], r3_wait[];

/* Spin until *rdi is set, then SYS_EXIT(77). */
__asm__(
	".pushsection .text.dune_signal_test, \"ax\"\n"
	".balign 4096\n"
	"r3_page:\n"
	"r3_wait:\n"
	"	cmpq $0, (%rdi)\n"
	"	je r3_wait\n"
	"	mov $1002, %eax\n"
	"	mov $77, %edi\n"
	"	syscall\n"
	"	ud2\n"
	".balign 4096\n"
	".popsection\n");

static volatile uint64_t *r3_flag;
static volatile int n_r3, n_r0;

static void on_prof_r3(struct dune_tf *tf)
{
	if ((tf->cs & 3) != 3) {
		n_r0++;			/* a tick before the jump: not the one we want */
		return;
	}
	n_r3++;
	record(tf);
	*r3_flag = 1;			/* let ring 3 go on */
}

static void on_syscall(struct dune_tf *tf)
{
	if (tf->rax == SYS_EXIT)
		dune_ret_from_user((int)tf->rdi);
	dune_passthrough_syscall(tf);
}

static int signal_in_ring3(void *arg)
{
	struct itimerval it = { .it_interval = { 0, 5000 }, .it_value = { 0, 5000 } };
	volatile char c = r3_page[0];
	struct dune_tf tf;
	char *stack;
	int ret;

	(void)arg;
	(void)c;
	stack = mmap(NULL, R3_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(stack != MAP_FAILED);
	memset(stack, 0, R3_STACK_SIZE);
	CHECK(dune_vm_mprotect(pgroot, r3_page, 4096, PERM_R | PERM_X | PERM_U) == 0);
	CHECK(dune_vm_mprotect(pgroot, stack, R3_STACK_SIZE, PERM_R | PERM_W | PERM_U) == 0);
	r3_flag = (volatile uint64_t *)stack;
	dune_register_syscall_handler(on_syscall);
	CHECK(dune_register_signal_handler(SIGPROF, on_prof_r3) == 0);

	memset(&tf, 0, sizeof(tf));
	tf.rip = (uint64_t)r3_wait;
	tf.rsp = (uint64_t)stack + R3_STACK_SIZE - 64;
	tf.rflags = 0x2;
	tf.rdi = (uint64_t)r3_flag;
	CHECK(setitimer(ITIMER_PROF, &it, NULL) == 0);
	ret = dune_jump_to_user(&tf);
	memset(&it, 0, sizeof(it));
	CHECK(setitimer(ITIMER_PROF, &it, NULL) == 0);
	CHECK(ret == 77);
	CHECK(n_r3 >= 1);
	CHECK(seen_cs == (GD_UT | 3));
	CHECK(seen_rip == (uint64_t)r3_wait || seen_rip == (uint64_t)r3_wait + 4);
	CHECK(seen_rsp == tf.rsp);
	CHECK(seen_rflags & FL_IF);
	CHECK(in_dune && !bad_tf);
	return 0;
}

TEST(signal_while_in_ring3_reaches_the_handler)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, signal_in_ring3, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- two signals at once ---------------------------------------------------- */

static int two_signals(void *arg)
{
	sigset_t set;

	(void)arg;
	CHECK(dune_register_signal_handler(SIGUSR1, on_usr1) == 0);
	CHECK(dune_register_signal_handler(SIGUSR2, on_usr2) == 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(n_usr1 == 0 && n_usr2 == 0);
	/* both arrive as the mask opens; one vector at a time reaches the guest */
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	CHECK(n_usr1 == 1 && n_usr2 == 1);
	return 0;
}

TEST(two_signals_at_once_both_reach_their_handlers)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, two_signals, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- not in Dune mode: called natively, with the signal's context ---------- */

static int native_delivery(void *arg)
{
	(void)arg;
	if (dune_register_signal_handler(SIGUSR1, on_usr1))
		return 10;
	if (kill(getpid(), SIGUSR1))
		return 11;
	if (n_usr1 != 1 || in_dune || bad_tf)
		return 12;
	if ((seen_cs & 3) != 3 || !near_my_stack(seen_rsp))
		return 13;
	return 0;
}

static int nothing(void *arg)
{
	(void)arg;
	return 0;
}

TEST(outside_dune_mode_the_handler_runs_natively)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(native_delivery, nothing, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- unregister ---------------------------------------------------------------- */

static int unregister_then_kill(void *arg)
{
	struct sigaction sa;

	(void)arg;
	CHECK(dune_register_signal_handler(SIGUSR1, on_usr1) == 0);
	CHECK(dune_register_signal_handler(SIGUSR1, NULL) == 0);
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0);
	CHECK(sa.sa_handler == SIG_DFL);
	kill(getpid(), SIGUSR1);		/* the default action: death */
	return 3;
}

TEST(unregister_restores_the_default_action)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, unregister_then_kill, NULL, 0, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGUSR1);
	ASSERT_EQ(0, n_usr1);
}

TEST(bad_signal_numbers_are_einval)
{
	EXPECT_EQ(-EINVAL, dune_register_signal_handler(0, on_usr1));
	EXPECT_EQ(-EINVAL, dune_register_signal_handler(-1, on_usr1));
	EXPECT_EQ(-EINVAL, dune_register_signal_handler(56, on_usr1));
	EXPECT_EQ(-EINVAL, dune_register_signal_handler(64, NULL));
	EXPECT_EQ(-EINVAL, dune_register_signal_handler(SIGKILL, on_usr1));
	EXPECT_EQ(-EINVAL, dune_register_signal_handler(SIGSTOP, on_usr1));
}

/* ---- dune_signal ---------------------------------------------------------------- */

static volatile int n_plain, plain_in_dune;

static void plain_handler(int sig)
{
	if (sig == SIGUSR2)
		n_plain++;
	plain_in_dune = dune_is_in_dune_mode();
}

static int dune_signal_then_kill(void *arg)
{
	(void)arg;
	CHECK(dune_signal(SIGUSR2, plain_handler) == NULL);
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(n_plain == 1);		/* run by the time kill() returned */
	CHECK(!plain_in_dune);		/* natively, like any signal handler */
	CHECK(dune_is_in_dune_mode());
	CHECK(dune_signal(SIGKILL, plain_handler) == SIG_ERR);
	CHECK(dune_signal(SIGUSR2, SIG_DFL) == NULL);
	return 0;
}

TEST(dune_signal_handler_has_run_when_kill_returns)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, dune_signal_then_kill, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- dune_mmap, mmap_base, stack_base ---------------------------------------- */

static int dune_mmap_usable(void *arg)
{
	const size_t len = 3 << 20;
	int local;
	char *p;
	size_t i;

	(void)arg;
	p = dune_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK((uintptr_t)p < (uintptr_t)-4095);
	for (i = 0; i < len; i += 4096)
		p[i] = (char)(i >> 12);
	for (i = 0; i < len; i += 4096)
		CHECK(p[i] == (char)(i >> 12));
	CHECK(munmap(p, len) == 0);
	/* the raw convention: -errno as a pointer, not MAP_FAILED */
	p = dune_mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == (char *)(intptr_t)-EINVAL);
	/* the original's windows: informational, but where they should be */
	p = dune_mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK((uintptr_t)p < (uintptr_t)-4095);
	CHECK(mmap_base && mmap_base % (1UL << 30) == 0);
	CHECK((uintptr_t)p > mmap_base && (uintptr_t)p < mmap_base + GPA_MAP_SIZE + (1UL << 30));
	CHECK(stack_base && (uintptr_t)&local > stack_base &&
	      (uintptr_t)&local < stack_base + GPA_STACK_SIZE + (1UL << 30));
	return 0;
}

TEST(dune_mmap_returns_usable_memory)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, dune_mmap_usable, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- a tracer's stops (PTRACE_SYSCALL) ------------------------------------- */

/*
 * Under a tracer that stops at every system call (strace -f, gdb's catch
 * syscall), each stop schedules the thread out, and the kernel then asks
 * for the return-to-user work (TIF_NOTIFY_RESUME) of every thread with
 * rseq registered - glibc registers it for each thread.  dune.ko used to
 * return -EINTR from DUNE_RUN for that work before entering the guest, so
 * the stop at DUNE_RUN's own entry made every call return at once: the
 * program made no progress at all (docs/05, 5.10).  Here a tracer of our
 * own runs a child that enters Dune mode and makes TRACED_CALLS system
 * calls from the guest; it must end, well within MAX_STOPS stops.
 */
#define TRACED_CALLS	200
#define MAX_STOPS	40000	/* ~20 per call is plenty; the livelock never ends */

static int traced_child(void)
{
	int i, ret;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		return 10;
	raise(SIGSTOP);			/* the tracer sets its options */
	ret = dune_init_and_enter();
	if (ret) {
		fprintf(stderr, "child: entering Dune mode failed: %s\n", strerror(-ret));
		return CHILD_ENTER_FAILED;
	}
	if (!dune_is_in_dune_mode())
		return CHILD_NOT_IN_DUNE;
	for (i = 0; i < TRACED_CALLS; i++)
		if (syscall(SYS_getppid) <= 0)
			return 11;
	return dune_is_in_dune_mode() ? 0 : CHILD_LEFT_DUNE;
}

TEST(a_syscall_tracer_does_not_stop_progress)
{
	long stops = 0, eintr = 0, ioctls = 0;
	struct user_regs_struct regs;
	int status, sig;
	pid_t pid;

	/* what made the livelock: rseq registered in this thread (and so in the child) */
	ASSERT_GT(__rseq_size, 0) TH_LOG("glibc did not register rseq: the test shows nothing");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		alarm(CHILD_ALARM);
		_exit(traced_child());
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	ASSERT_EQ(0, ptrace(PTRACE_SETOPTIONS, pid, NULL,
			    (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)));
	sig = 0;
	for (;;) {
		ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		sig = 0;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		ASSERT_TRUE(WIFSTOPPED(status));
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(status);		/* a signal: deliver it */
			continue;
		}
		/* Syscall stops come in pairs; rax is -ENOSYS at the entry. */
		ASSERT_EQ(0, ptrace(PTRACE_GETREGS, pid, NULL, &regs));
		if (regs.orig_rax == SYS_ioctl && (long)regs.rax != -ENOSYS) {
			ioctls++;
			if ((long)regs.rax == -EINTR)
				eintr++;
		}
		if (++stops > MAX_STOPS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
	}
	TH_LOG("%ld syscall stops, %ld ioctl returns, %ld of them -EINTR",
	       stops, ioctls, eintr);
	ASSERT_LE(stops, MAX_STOPS) TH_LOG("no progress: the child was still running");
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child ended by signal %d", WTERMSIG(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* some DUNE_RUNs are still cut short (the work is done), never most */
	ASSERT_LT(eintr * 2, ioctls);
}

TEST_HARNESS_MAIN
