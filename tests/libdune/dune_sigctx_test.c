// SPDX-License-Identifier: GPL-2.0
/*
 * dune_sigctx_test - a signal handler in Dune mode sees the guest's
 * registers in its ucontext, and its changes to them take effect, as a
 * native signal's would (libdune/sigctx.c).
 *
 * The handlers are plain sigaction() handlers, installed in Dune mode (a
 * forwarded rt_sigaction, which libdune wraps) or natively before
 * dune_init() (which adopts them).  The guest code they interrupt is
 * assembly with labels, so each test knows the exact RIP, RSP and marker
 * registers a native signal would show:
 *
 *  - an asynchronous signal (tgkill from another thread) while the guest
 *    spins without system calls: the handler reads RIP, RSP and markers;
 *    an edit of RAX, or of RIP, moves the spinning guest on;
 *  - SIGSEGV on an access the process's mappings refuse: si_addr, CR2 and
 *    RIP of the faulting instruction; the handler skips it (libsigsegv
 *    style) and the guest goes on in Dune mode;
 *  - a blocking read interrupted by SIGALRM: EINTR without SA_RESTART, a
 *    restart with it, and in the handler RIP/RAX as Linux puts them;
 *  - SECCOMP_RET_TRAP: si_call_addr is the guest's SYSCALL, and the
 *    handler's RAX is the call's result.
 *
 * Each test runs in a child that enters Dune mode (dune_child.h).
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "dune.h"
#include "dune-ext.h"
#include "mmu-x86.h"

#include "kselftest_harness.h"
#include "dune_child.h"

/* ---- the guest code, with labels -------------------------------------- */

#define MARK_R12	0x1212121212121212ULL
#define MARK_R13	0x1313131313131313ULL
#define MARK_R15	0x1515151515151515ULL
#define ESCAPED		0xe5c
#define GAVE_UP		(-1L)

/*
 * long spin(volatile long *give_up): R12, R13, R15 = markers, R14 = RSP
 * during the spin; spins while RAX is 0 and *give_up is 0.  Returns RAX:
 * what a handler put there, GAVE_UP, or ESCAPED if a handler moved RIP to
 * spin_escape.
 */
extern char spin_loop[], spin_loop_end[], spin_escape[];
long spin(volatile long *give_up);
__asm__(
	".pushsection .text.sigctx, \"ax\"\n"
	".globl spin, spin_loop, spin_loop_end, spin_escape\n"
	"spin:\n"
	"	pushq %rbx\n	pushq %r12\n	pushq %r13\n	pushq %r14\n	pushq %r15\n"
	"	movabsq $0x1212121212121212, %r12\n"
	"	movabsq $0x1313131313131313, %r13\n"
	"	movabsq $0x1515151515151515, %r15\n"
	"	movq %rsp, %r14\n"
	"	xorl %eax, %eax\n"
	"spin_loop:\n"
	"	testq %rax, %rax\n"
	"	jnz 2f\n"
	"	cmpq $0, (%rdi)\n"
	"	je spin_loop\n"
	"spin_loop_end:\n"
	"	movq $-1, %rax\n"
	"	jmp 2f\n"
	"spin_escape:\n"
	"	movq $0xe5c, %rax\n"
	"2:	popq %r15\n	popq %r14\n	popq %r13\n	popq %r12\n	popq %rbx\n"
	"	ret\n"
	/* long fault_load(void *p): RAX = *p, at fault_load_insn */
	".globl fault_load, fault_load_insn, fault_load_after\n"
	"fault_load:\n"
	"	xorl %eax, %eax\n"
	"fault_load_insn:\n"
	"	movq (%rdi), %rax\n"
	"fault_load_after:\n"
	"	ret\n"
	/* long fault_store(void *p): *p = 7, at fault_store_insn; returns 7 */
	".globl fault_store, fault_store_insn, fault_store_after\n"
	"fault_store:\n"
	"	movl $7, %eax\n"
	"fault_store_insn:\n"
	"	movq %rax, (%rdi)\n"
	"fault_store_after:\n"
	"	ret\n"
	/* long raw_read(int fd, void *buf, size_t n): the read(2) SYSCALL at read_insn */
	".globl raw_read, read_insn, read_after\n"
	"raw_read:\n"
	"	xorl %eax, %eax\n"
	"read_insn:\n"
	"	syscall\n"
	"read_after:\n"
	"	ret\n"
	/* long raw_getppid(void) */
	".globl raw_getppid, getppid_after\n"
	"raw_getppid:\n"
	"	movl $110, %eax\n"
	"	syscall\n"
	"getppid_after:\n"
	"	ret\n"
	".popsection\n");

extern char fault_load_insn[], fault_load_after[], fault_store_insn[], fault_store_after[];
extern char read_insn[], read_after[], getppid_after[];
long fault_load(void *p);
long fault_store(void *p);
long raw_read(int fd, void *buf, size_t n);
long raw_getppid(void);

/* ---- what the handlers saw -------------------------------------------- */

enum mode { READ_REGS, SET_RAX, SET_RIP };

struct seen {
	int count;
	uint64_t rip, rsp, rax, r12, r13, r14, r15, cr2, err;
	void *addr;
	int code;
};

static volatile enum mode mode;
static volatile struct seen seen;
static volatile long give_up;
static volatile int misses;
static volatile uint64_t miss_rip;	/* the first one */

static void record(const siginfo_t *si, const ucontext_t *uc)
{
	const greg_t *g = uc->uc_mcontext.gregs;

	seen.rip = (uint64_t)g[REG_RIP];
	seen.rsp = (uint64_t)g[REG_RSP];
	seen.rax = (uint64_t)g[REG_RAX];
	seen.r12 = (uint64_t)g[REG_R12];
	seen.r13 = (uint64_t)g[REG_R13];
	seen.r14 = (uint64_t)g[REG_R14];
	seen.r15 = (uint64_t)g[REG_R15];
	seen.cr2 = (uint64_t)g[REG_CR2];
	seen.err = (uint64_t)g[REG_ERR];
	seen.addr = si->si_addr;
	seen.code = si->si_code;
	seen.count++;
}

static bool in_spin(uint64_t rip)
{
	return rip >= (uint64_t)spin_loop && rip < (uint64_t)spin_loop_end;
}

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	/*
	 * Only a context at the spin is recorded and edited: a signal that
	 * came before the spin began is let go (the sender tries again), and
	 * the host loop's context - what a handler saw before sigctx.c - never
	 * matches, so the spin goes on until the sender gives up.
	 */
	if (seen.count || !in_spin((uint64_t)uc->uc_mcontext.gregs[REG_RIP])) {
		if (!misses++)
			miss_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
		return;
	}
	record(si, uc);
	switch (mode) {
	case READ_REGS:
		give_up = 1;
		break;
	case SET_RAX:
		uc->uc_mcontext.gregs[REG_RAX] = 42;
		break;
	case SET_RIP:
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)spin_escape;
		break;
	}
}

static int install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	return sigaction(sig, &sa, NULL);
}

/* ---- an asynchronous signal while the guest spins ----------------------- */

static volatile pid_t spinner;

/* tgkill the spinner until a handler has seen it, then make it give up. */
static void *sender(void *arg)
{
	int i;

	(void)arg;
	while (!spinner)
		usleep(1000);
	for (i = 0; i < 200 && !seen.count; i++) {
		syscall(SYS_tgkill, getpid(), spinner, SIGUSR1);
		usleep(20000);
	}
	usleep(200000);
	give_up = 1;
	return NULL;
}

static int spin_with(enum mode m, long *ret)
{
	pthread_t th;

	mode = m;
	memset((void *)&seen, 0, sizeof(seen));
	give_up = 0;
	misses = 0;
	spinner = 0;
	CHECK(pthread_create(&th, NULL, sender, NULL) == 0);
	spinner = gettid();
	*ret = spin(&give_up);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

static int check_regs_seen(void)
{
	fprintf(stderr, "child: %d signal(s) not at the spin (the first at rip %#lx); handler saw rip %#lx (spin at %p..%p), rsp %#lx, r12 %#lx, r13 %#lx, r14 %#lx, r15 %#lx\n",
		misses, (unsigned long)miss_rip, (unsigned long)seen.rip, (void *)spin_loop, (void *)spin_loop_end,
		(unsigned long)seen.rsp, (unsigned long)seen.r12,
		(unsigned long)seen.r13, (unsigned long)seen.r14, (unsigned long)seen.r15);
	CHECK(seen.count == 1);
	CHECK(in_spin(seen.rip));
	CHECK(seen.r12 == MARK_R12);
	CHECK(seen.r13 == MARK_R13);
	CHECK(seen.r15 == MARK_R15);
	CHECK(seen.rsp == seen.r14);		/* the spin's own RSP */
	CHECK(seen.rax == 0);
	return 0;
}

static int async_read_regs(void *arg)
{
	long ret;

	if (!arg)
		CHECK(install(SIGUSR1, on_usr1, 0) == 0);
	CHECK(spin_with(READ_REGS, &ret) == 0);
	CHECK(ret == GAVE_UP);
	return check_regs_seen();
}

static int install_natively(void *arg)
{
	(void)arg;
	CHECK(install(SIGUSR1, on_usr1, 0) == 0);
	return 0;
}

TEST(async_signal_handler_sees_guest_registers)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, async_read_regs, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	TH_LOG("%s", res.out);	/* what the handler saw */
}

/* A handler installed before dune_init() is adopted: the same view. */
TEST(handler_installed_before_dune_init_sees_guest_registers)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(install_natively, async_read_regs, (void *)1, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int async_set_rax(void *arg)
{
	long ret;

	(void)arg;
	CHECK(install(SIGUSR1, on_usr1, 0) == 0);
	CHECK(spin_with(SET_RAX, &ret) == 0);
	fprintf(stderr, "child: spin returned %ld, handler saw rip %#lx\n", ret,
		(unsigned long)seen.rip);
	CHECK(ret == 42);			/* the handler's RAX */
	return check_regs_seen();
}

TEST(handler_edit_of_rax_reaches_the_guest)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, async_set_rax, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int async_set_rip(void *arg)
{
	long ret;

	(void)arg;
	CHECK(install(SIGUSR1, on_usr1, 0) == 0);
	CHECK(spin_with(SET_RIP, &ret) == 0);
	fprintf(stderr, "child: spin returned %ld, handler saw rip %#lx\n", ret,
		(unsigned long)seen.rip);
	CHECK(ret == ESCAPED);			/* resumed at the handler's RIP */
	return check_regs_seen();
}

TEST(handler_edit_of_rip_moves_the_guest)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, async_set_rip, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* The program reads back its own handler, not libdune's. */
static int sigaction_reads_back(void *arg)
{
	struct sigaction old;

	(void)arg;
	CHECK(install(SIGUSR1, on_usr1, SA_RESTART) == 0);
	memset(&old, 0, sizeof(old));
	CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
	CHECK(old.sa_sigaction == on_usr1);
	CHECK(old.sa_flags & SA_RESTART);
	CHECK(old.sa_flags & SA_SIGINFO);
	CHECK((void *)signal(SIGUSR1, SIG_IGN) == (void *)on_usr1);
	CHECK(signal(SIGUSR1, SIG_DFL) == SIG_IGN);
	return 0;
}

TEST(sigaction_reads_back_the_programs_handler)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, sigaction_reads_back, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- SIGSEGV: the faulting instruction, skipped by the handler ------------ */

static void *segv_page;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;

	(void)sig;
	record(si, uc);
	if (seen.rip == (uint64_t)fault_load_insn) {
		g[REG_RIP] = (greg_t)fault_load_after;
		g[REG_RAX] = 0x5e9;
	} else if (seen.rip == (uint64_t)fault_store_insn) {
		g[REG_RIP] = (greg_t)fault_store_after;
		g[REG_RAX] = 0x5ea;
	} else {
		/* not the guest's instruction: let the access succeed instead */
		mprotect(segv_page, 4096, PROT_READ | PROT_WRITE);
	}
}

static int segv_skips(void *arg)
{
	char *p;
	int vcpu = dune_vcpu_fd(), i;

	(void)arg;
	CHECK(install(SIGSEGV, on_segv, 0) == 0);
	p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	segv_page = p;
	for (i = 0; i < 2; i++) {		/* twice: the same page again */
		memset((void *)&seen, 0, sizeof(seen));
		CHECK(fault_load(p + 8) == 0x5e9);
		fprintf(stderr, "child: load: si_addr %p, rip %#lx (insn %p), cr2 %#lx, err %#lx\n",
			seen.addr, (unsigned long)seen.rip, (void *)fault_load_insn,
			(unsigned long)seen.cr2, (unsigned long)seen.err);
		CHECK(seen.count == 1);
		CHECK(seen.addr == p + 8);
		CHECK(seen.code == SEGV_ACCERR);
		CHECK(seen.rip == (uint64_t)fault_load_insn);
		CHECK(seen.cr2 == (uint64_t)(p + 8));
		CHECK(!(seen.err & 2));		/* a read */
		CHECK(dune_is_in_dune_mode());
	}
	CHECK(mprotect(p, 4096, PROT_READ) == 0);
	memset((void *)&seen, 0, sizeof(seen));
	CHECK(fault_store(p + 16) == 0x5ea);
	CHECK(seen.count == 1);
	CHECK(seen.addr == p + 16);
	CHECK(seen.rip == (uint64_t)fault_store_insn);
	CHECK(seen.err & 2);			/* a write */
	CHECK(dune_is_in_dune_mode());
	CHECK(dune_vcpu_fd() == vcpu);		/* never left Dune mode */
	return 0;
}

TEST(sigsegv_handler_sees_the_fault_and_skips_it)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, segv_skips, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	TH_LOG("%s", res.out);	/* what the handler saw */
}

/* ---- a blocking read and SIGALRM: EINTR or restart ------------------------ */

static int alarm_pipe[2];
static volatile long set_rax_to;

static void on_alrm(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	char c = 'x';

	(void)sig;
	if (!seen.count) {
		record(si, uc);
		if (set_rax_to)
			uc->uc_mcontext.gregs[REG_RAX] = set_rax_to;
	}
	/* the restarted read finds this; an interrupted one leaves it */
	if (write(alarm_pipe[1], &c, 1) != 1)
		abort();
}

static int read_alarm(long flags, long edit, long *ret, char *c)
{
	struct itimerval it = { .it_value = { 0, 100000 } };

	memset((void *)&seen, 0, sizeof(seen));
	set_rax_to = edit;
	CHECK(pipe(alarm_pipe) == 0);
	CHECK(install(SIGALRM, on_alrm, (int)flags) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	*ret = raw_read(alarm_pipe[0], c, 1);
	signal(SIGALRM, SIG_DFL);
	alarm(CHILD_ALARM);
	close(alarm_pipe[0]);
	close(alarm_pipe[1]);
	fprintf(stderr, "child: read returned %ld; handler saw rip %#lx (syscall %p, after %p), rax %ld\n",
		*ret, (unsigned long)seen.rip, (void *)read_insn, (void *)read_after,
		(long)seen.rax);
	CHECK(seen.count == 1);
	return 0;
}

static int read_eintr(void *arg)
{
	long ret;
	char c = 0;

	(void)arg;
	CHECK(read_alarm(0, 0, &ret, &c) == 0);
	CHECK(ret == -EINTR);
	CHECK(seen.rip == (uint64_t)read_after);
	CHECK((long)seen.rax == -EINTR);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

static int read_restarts(void *arg)
{
	long ret;
	char c = 0;

	(void)arg;
	CHECK(read_alarm(SA_RESTART, 0, &ret, &c) == 0);
	CHECK(ret == 1 && c == 'x');		/* restarted, found the handler's byte */
	CHECK(seen.rip == (uint64_t)read_insn);	/* set up for the restart */
	CHECK(seen.rax == __NR_read);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

static int read_result_edited(void *arg)
{
	long ret;
	char c = 0;

	(void)arg;
	CHECK(read_alarm(0, 777, &ret, &c) == 0);
	CHECK(ret == 777);			/* the handler's RAX */
	CHECK(seen.rip == (uint64_t)read_after);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST(blocking_read_without_sa_restart_is_eintr)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, read_eintr, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST(blocking_read_with_sa_restart_restarts)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, read_restarts, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	TH_LOG("%s", res.out);	/* what the handler saw */
}

TEST(interrupted_read_result_set_by_handler)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, read_result_edited, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- SECCOMP_RET_TRAP ---------------------------------------------------- */

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	record(si, uc);
	seen.addr = si->si_call_addr;
	uc->uc_mcontext.gregs[REG_RAX] = 4242;
}

static int trap_getppid(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static int sigsys_call_addr(void *arg)
{
	long ret;

	(void)arg;
	memset((void *)&seen, 0, sizeof(seen));
	CHECK(install(SIGSYS, on_sigsys, 0) == 0);
	CHECK(trap_getppid() == 0);
	ret = raw_getppid();
	fprintf(stderr, "child: getppid returned %ld; si_call_addr %p (the guest's: %p), rip %#lx\n",
		ret, seen.addr, (void *)getppid_after, (unsigned long)seen.rip);
	CHECK(ret == 4242);
	CHECK(seen.count == 1);
	CHECK(seen.code == 1);			/* SYS_SECCOMP */
	CHECK(seen.addr == (void *)getppid_after);
	CHECK(seen.rip == (uint64_t)getppid_after);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST(seccomp_ret_trap_call_addr_is_the_guests)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, sigsys_call_addr, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	TH_LOG("%s", res.out);	/* what the handler saw */
}

/* ---- ring 3: the registers are ring 3's ------------------------------------ */

#define SYS_EXIT	1002	/* ring 3 -> dune_ret_from_user(rdi) */
#define R3_STACK_SIZE	(64 * 1024)

/*
 * Spin in ring 3 while RAX is 0 and *rdi is 0; then SYS_EXIT(RAX), or
 * SYS_EXIT(-1) if *rdi was set (the sender gave up).
 */
extern char r3c_page[], r3c_spin[], r3c_spin_end[];
__asm__(
	".pushsection .text.sigctx_r3, \"ax\"\n"
	".balign 4096\n"
	"r3c_page:\n"
	"r3c_spin:\n"
	"	testq %rax, %rax\n"
	"	jnz 1f\n"
	"	cmpq $0, (%rdi)\n"
	"	je r3c_spin\n"
	"r3c_spin_end:\n"
	"	movq $-1, %rax\n"
	"1:	movq %rax, %rdi\n"
	"	movl $1002, %eax\n"
	"	syscall\n"
	"	ud2\n"
	".balign 4096\n"
	".popsection\n");

static void on_usr1_r3(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];

	(void)sig;
	/* Until ring 3 spins (the sender retries), leave it alone. */
	if (seen.count || rip < (uint64_t)r3c_spin || rip >= (uint64_t)r3c_spin_end)
		return;
	record(si, uc);
	uc->uc_mcontext.gregs[REG_RAX] = 55;
}

static void on_syscall(struct dune_tf *tf)
{
	if (tf->rax == SYS_EXIT)
		dune_ret_from_user((int)tf->rdi);
	dune_passthrough_syscall(tf);
}

static void *r3_sender(void *arg)
{
	volatile uint64_t *flag = arg;
	int i;

	while (!spinner)
		usleep(1000);
	for (i = 0; i < 200 && !seen.count; i++) {
		syscall(SYS_tgkill, getpid(), spinner, SIGUSR1);
		usleep(20000);
	}
	usleep(200000);
	*flag = 1;
	return NULL;
}

static int ring3_regs(void *arg)
{
	volatile char c = r3c_page[0];
	volatile uint64_t *flag;
	struct dune_tf tf;
	pthread_t th;
	char *stack;
	int ret;

	(void)arg;
	(void)c;
	memset((void *)&seen, 0, sizeof(seen));
	stack = mmap(NULL, R3_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(stack != MAP_FAILED);
	memset(stack, 0, R3_STACK_SIZE);
	CHECK(dune_vm_mprotect(pgroot, r3c_page, 4096, PERM_R | PERM_X | PERM_U) == 0);
	CHECK(dune_vm_mprotect(pgroot, stack, R3_STACK_SIZE, PERM_R | PERM_W | PERM_U) == 0);
	flag = (volatile uint64_t *)stack;
	dune_register_syscall_handler(on_syscall);
	CHECK(install(SIGUSR1, on_usr1_r3, 0) == 0);

	memset(&tf, 0, sizeof(tf));
	tf.rip = (uint64_t)r3c_spin;
	tf.rsp = (uint64_t)stack + R3_STACK_SIZE - 64;
	tf.rflags = 0x2;
	tf.rdi = (uint64_t)flag;
	spinner = 0;
	CHECK(pthread_create(&th, NULL, r3_sender, (void *)flag) == 0);
	spinner = gettid();
	ret = dune_jump_to_user(&tf);
	CHECK(pthread_join(th, NULL) == 0);
	fprintf(stderr, "child: ring 3 ended with %d; handler saw rip %#lx (spin %p), rsp %#lx (ring 3's %#lx)\n",
		ret, (unsigned long)seen.rip, (void *)r3c_spin, (unsigned long)seen.rsp,
		(unsigned long)tf.rsp);
	CHECK(ret == 55);			/* the handler's RAX, in ring 3 */
	CHECK(seen.count == 1);
	CHECK(seen.rsp == tf.rsp);
	CHECK(dune_is_in_dune_mode());
	return 0;
}

TEST(ring3_registers_seen_and_changed)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, ring3_regs, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_HARNESS_MAIN
