// SPDX-License-Identifier: GPL-2.0
/*
 * dune_hostile_test - what a process must not do in Dune mode ends only
 * that process, with a clear message, and never hangs.
 *
 * In VMX non-root ring 0 a process can execute instructions it could never
 * execute natively: HLT, CLI, IN/OUT, WRMSR, MOV to CR3, LGDT, the VMX
 * instructions.  dune.ko makes the dangerous ones exit or raise #GP/#UD in
 * the guest, and libdune replays the exception natively (the kernel then
 * sends the genuine signal, and libdune has printed a "dune: ..." line) or
 * ends the process with a fatal error.  Each instruction runs in its own
 * child (dune_child.h); the test checks how the child died and that
 * standard error mentions dune.
 *
 * Also: SIGKILL, the one thing that must always work, ends a child that
 * spins in Dune mode, a hundred times over, with other signals in between.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "dune_child.h"

DUNE_DEVICE_FIXTURE(hostile);

FIXTURE_VARIANT(hostile) {
	int (*fn)(void *arg);
	/*
	 * The native signal if the instruction faults in the guest and is
	 * replayed; SIGKILL where the guest cannot survive it (a triple
	 * fault).  SIGKILL after a libdune fatal error is accepted for every
	 * instruction.  (A VMCALL elsewhere in ring 0 is not hostile: it is the
	 * original Dune's hypercall ABI, tested in tests/orig.)
	 */
	int signal;
};

/* Each function executes one hostile instruction and must not return. */

static int do_hlt(void *arg)
{
	(void)arg;
	__asm__ __volatile__("hlt");
	return 0;
}

static int do_cli_hlt(void *arg)
{
	(void)arg;
	__asm__ __volatile__("cli; hlt");
	return 0;
}

static int do_out(void *arg)
{
	(void)arg;
	__asm__ __volatile__("outb %%al, $0x80" : : "a"(0));
	return 0;
}

static int do_in(void *arg)
{
	unsigned char v;

	(void)arg;
	__asm__ __volatile__("inb $0x80, %%al" : "=a"(v));
	return 0;
}

static int do_wrmsr(void *arg)
{
	(void)arg;
	/* An MSR no CPU has. */
	__asm__ __volatile__("wrmsr" : : "c"(0x1234), "a"(0), "d"(0));
	return 0;
}

static int do_rdmsr_apic_base(void *arg)
{
	uint32_t lo, hi;

	(void)arg;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
	return 0;
}

static int do_mov_cr3(void *arg)
{
	(void)arg;
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(0xdead000UL) : "memory");
	return 0;
}

static int do_mov_cr8(void *arg)
{
	(void)arg;
	__asm__ __volatile__("mov %0, %%cr8" : : "r"(15UL));
	return 0;
}

static int do_ud2(void *arg)
{
	(void)arg;
	__asm__ __volatile__("ud2");
	return 0;
}

static int do_int3(void *arg)
{
	(void)arg;
	__asm__ __volatile__("int3");
	return 0;
}

static int do_lgdt_then_fault(void *arg)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { 0xffff, 0xdead0000UL };

	(void)arg;
	__asm__ __volatile__("lgdt %0; ud2" : : "m"(gdtr) : "memory");
	return 0;
}

static int do_vmlaunch(void *arg)
{
	(void)arg;
	__asm__ __volatile__("vmlaunch" : : : "cc", "memory");
	return 0;
}

static int do_vmxon(void *arg)
{
	static uint64_t region[512] __attribute__((aligned(4096)));
	uint64_t pa = (uint64_t)region;

	(void)arg;
	__asm__ __volatile__("vmxon %0" : : "m"(pa) : "cc", "memory");
	return 0;
}

static int do_noncanonical_jump(void *arg)
{
	(void)arg;
	__asm__ __volatile__("jmp *%0" : : "r"(0x8000000000000000UL));
	return 0;
}

FIXTURE_VARIANT_ADD(hostile, hlt) { .fn = do_hlt, .signal = SIGSEGV };
FIXTURE_VARIANT_ADD(hostile, cli_hlt) { .fn = do_cli_hlt, .signal = SIGSEGV };
FIXTURE_VARIANT_ADD(hostile, out_port_0x80) { .fn = do_out, .signal = SIGSEGV };
FIXTURE_VARIANT_ADD(hostile, in_port_0x80) { .fn = do_in, .signal = SIGSEGV };
FIXTURE_VARIANT_ADD(hostile, wrmsr_unknown) { .fn = do_wrmsr, .signal = SIGSEGV };
FIXTURE_VARIANT_ADD(hostile, rdmsr_apic_base) { .fn = do_rdmsr_apic_base, .signal = SIGSEGV };
/* CR3 loads do not exit: the next fetch walks tables at a GPA no chunk maps. */
FIXTURE_VARIANT_ADD(hostile, mov_cr3_garbage) { .fn = do_mov_cr3, .signal = SIGKILL };
FIXTURE_VARIANT_ADD(hostile, mov_cr8) { .fn = do_mov_cr8, .signal = SIGSEGV };
FIXTURE_VARIANT_ADD(hostile, ud2) { .fn = do_ud2, .signal = SIGILL };
FIXTURE_VARIANT_ADD(hostile, int3) { .fn = do_int3, .signal = SIGTRAP };
/* LGDT is legal at ring 0; delivering the #UD then needs the GDT: triple fault. */
FIXTURE_VARIANT_ADD(hostile, lgdt_garbage_then_fault) { .fn = do_lgdt_then_fault, .signal = SIGKILL };
/*
 * The guest gets #UD, as a process would on a CPU outside VMX operation;
 * replayed natively on this host, where dune.ko keeps every CPU in VMX
 * operation, the CPU raises #GP at CPL 3 instead (SDM Vol. 3C, 31.3).
 */
FIXTURE_VARIANT_ADD(hostile, vmlaunch) { .fn = do_vmlaunch, .signal = SIGSEGV };
FIXTURE_VARIANT_ADD(hostile, vmxon) { .fn = do_vmxon, .signal = SIGSEGV };
FIXTURE_VARIANT_ADD(hostile, noncanonical_jump) { .fn = do_noncanonical_jump, .signal = SIGSEGV };

/*
 * The child dies by a signal - the native one the replayed instruction
 * raises, or SIGKILL from a libdune fatal error - never by SIGALRM (a
 * hang), and stderr says why.
 */
TEST_F_TIMEOUT(hostile, ends_the_child_with_a_message, 120)
{
	struct child_result res;
	int sig;

	ASSERT_EQ(0, run_child(NULL, variant->fn, NULL, 0, &res));
	TH_LOG("child %s; stderr: %s", describe_status(res.status), res.out);
	ASSERT_TRUE(WIFSIGNALED(res.status));
	sig = WTERMSIG(res.status);
	EXPECT_NE(SIGALRM, sig) TH_LOG("the child hung");
	EXPECT_TRUE(sig == variant->signal || sig == SIGKILL)
		TH_LOG("expected signal %d (or SIGKILL after a fatal error), got %d",
		       variant->signal, sig);
	EXPECT_NE(NULL, strstr(res.out, "dune")) TH_LOG("no message from libdune");
}

/* ---- SIGKILL and signals while the guest runs ----------------------- */

DUNE_DEVICE_FIXTURE(kill);

#define KILL_ROUNDS	100

static int spin_pipe = -1;

static void on_usr1(int sig)
{
	(void)sig;
	if (write(spin_pipe, "u", 1) != 1)
		_exit(98);
}

/* Enter Dune mode, say so, then spin without system calls forever. */
static int spin(void *arg)
{
	(void)arg;
	if (signal(SIGUSR1, on_usr1) == SIG_ERR)
		return 1;
	if (write(spin_pipe, "x", 1) != 1)
		return 2;
	for (;;)
		__asm__ __volatile__("" ::: "memory");
}

/* Read one byte from @fd within @ms milliseconds; the byte, or -1. */
static int read_byte(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, ms) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return c;
}

TEST_F_TIMEOUT(kill, sigkill_while_spinning, 900)
{
	int round, status, p[2], c, i;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	for (round = 0; round < KILL_ROUNDS; round++) {
		spin_pipe = p[1];
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(p[0]);
			alarm(CHILD_ALARM);
			if (dune_init_and_enter())
				_exit(CHILD_ENTER_FAILED);
			_exit(spin(NULL));
		}
		c = read_byte(p[0], 60000);
		if (c != 'x') {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ASSERT_EQ('x', c) TH_LOG("round %d: child %s before spinning",
						 round, describe_status(status));
		}
		/* Every tenth round: signals reach the spinning guest's handler. */
		if (round % 10 == 0) {
			for (i = 0; i < 3; i++) {
				ASSERT_EQ(0, kill(pid, SIGUSR1));
				ASSERT_EQ('u', read_byte(p[0], 60000))
					TH_LOG("round %d: SIGUSR1 %d not handled", round, i);
			}
		}
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status))
			TH_LOG("round %d: child %s", round, describe_status(status));
		ASSERT_EQ(SIGKILL, WTERMSIG(status))
			TH_LOG("round %d: child %s", round, describe_status(status));
	}
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN
