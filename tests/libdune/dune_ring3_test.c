// SPDX-License-Identifier: GPL-2.0
/*
 * dune_ring3_test - ring 3 in Dune mode: dune_jump_to_user(),
 * dune_ret_from_user(), the ring-3 system-call handler and ring-3
 * exceptions (docs/design/libdune-api.md §5.3, §7.5.3, §7.7).
 *
 * The ring-3 code is a page of assembly below (r3_page), made user-
 * accessible with dune_vm_mprotect(PERM_U); its stack is an mmap made
 * PERM_U the same way.  Tests that need everything else supervisor-only
 * enter with dune_init(false) (CHILD_PRECISE): dune_init_and_enter() opens
 * all program memory to ring 3, as the original's map_full did (§7.3.2).
 * Each test runs in a child in Dune mode and reports through its exit
 * status.
 *
 * Ring-3 conventions here: "exit" is system call 1002, which makes the
 * handler record RBX, R12, R13 and return RDI from dune_jump_to_user().
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "dune.h"
#include "cpu-x86.h"
#include "dune-ext.h"

#include "kselftest_harness.h"
#include "dune_child.h"

#define SYS_TEST	1000	/* caught: returns 7777 */
#define SYS_DENIED	1001	/* denied: -EPERM */
#define SYS_EXIT	1002	/* dune_ret_from_user(rdi) */
#define SYS_NEST	1003	/* the handler jumps to ring 3 again */

/* ---- the ring-3 page ------------------------------------------------- */

extern char r3_page[], r3_calls[], r3_loop[], r3_touch[], r3_exc[], r3_div[],
	    r3_priv[], r3_fpu[], r3_leak[], r3_nest_inner[], r3_nest_outer[], r3_ud[];

__asm__(
	".pushsection .text.dune_ring3_test, \"ax\"\n"
	".balign 4096\n"
	"r3_page:\n"

	/* caught, passed through, denied; results in RBX, R12, R13 */
	"r3_calls:\n"
	"	mov $1000, %eax\n"
	"	mov $11, %edi\n"
	"	mov $22, %esi\n"
	"	mov $33, %edx\n"
	"	mov $44, %r10d\n"
	"	mov $55, %r8d\n"
	"	mov $66, %r9d\n"
	"	syscall\n"
	"	mov %rax, %rbx\n"
	"	mov $39, %eax\n"			/* getpid */
	"	syscall\n"
	"	mov %rax, %r12\n"
	"	mov $1001, %eax\n"
	"	syscall\n"
	"	mov %rax, %r13\n"
	"	mov $1002, %eax\n"
	"	mov $42, %edi\n"
	"	syscall\n"
	"	ud2\n"

	/* RDI system calls 1000, then exit with 0 */
	"r3_loop:\n"
	"	mov %rdi, %rbx\n"
	"1:	mov $1000, %eax\n"
	"	syscall\n"
	"	dec %rbx\n"
	"	jnz 1b\n"
	"	mov $1002, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	ud2\n"

	/* read the address in RDI (a supervisor page: #PF) */
	"r3_touch:\n"
	"	mov (%rdi), %rax\n"
	"	mov $1002, %eax\n"
	"	mov $1, %edi\n"
	"	syscall\n"
	"	ud2\n"

	/* ud2, int3, divide error: the handlers skip them */
	"r3_exc:\n"
	"	ud2\n"
	"	int3\n"
	"	xor %ecx, %ecx\n"
	"	mov $7, %eax\n"
	"	xor %edx, %edx\n"
	"r3_div:\n"
	"	div %rcx\n"				/* 3 bytes */
	"	mov %rax, %rbx\n"
	"	mov $1002, %eax\n"
	"	mov $3, %edi\n"
	"	syscall\n"
	"	ud2\n"

	/* vmcall (#UD) and hlt (#GP): never the host */
	"r3_priv:\n"
	"	vmcall\n"				/* 3 bytes */
	"	hlt\n"					/* 1 byte */
	"	mov $1002, %eax\n"
	"	mov $4, %edi\n"
	"	syscall\n"
	"	ud2\n"

	/* XMM3 survives a system call whose handler uses SSE */
	"r3_fpu:\n"
	"	mov $0x1234567887654321, %rax\n"
	"	movq %rax, %xmm3\n"
	"	mov $1000, %eax\n"
	"	syscall\n"
	"	movq %xmm3, %r12\n"
	"	mov $1002, %eax\n"
	"	mov $5, %edi\n"
	"	syscall\n"
	"	ud2\n"

	/* what ring 3 finds in XMM5 and MXCSR at the start */
	"r3_leak:\n"
	"	movq %xmm5, %r12\n"
	"	sub $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	mov (%rsp), %r13d\n"
	"	mov $1002, %eax\n"
	"	mov $6, %edi\n"
	"	syscall\n"
	"	ud2\n"

	/* nesting: the outer code asks for an inner jump, gets its result */
	"r3_nest_outer:\n"
	"	mov $1003, %eax\n"
	"	syscall\n"
	"	mov %rax, %rbx\n"
	"	mov $1002, %eax\n"
	"	mov $7, %edi\n"
	"	syscall\n"
	"	ud2\n"
	"r3_nest_inner:\n"
	"	mov $1002, %eax\n"
	"	mov $5, %edi\n"
	"	syscall\n"
	"	ud2\n"

	"r3_ud:\n"
	"	ud2\n"

	".balign 4096\n"
	".popsection\n");

/* ---- helpers ------------------------------------------------------------ */

#define R3_STACK_SIZE	(64 * 1024)

static char *r3_stack;

static uint64_t exits(int reason)
{
	struct dune_exit_stats st;

	if (dune_get_exit_stats(&st))
		return ~0ULL;
	return reason < 0 ? st.runs : st.exits[reason];
}

/* Make the ring-3 page and a stack user-accessible. */
static int r3_setup(void)
{
	volatile char c = r3_page[0];

	(void)c;
	r3_stack = mmap(NULL, R3_STACK_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r3_stack == MAP_FAILED)
		return -1;
	memset(r3_stack, 0, R3_STACK_SIZE);
	if (dune_vm_mprotect(pgroot, r3_page, 4096, PERM_R | PERM_X | PERM_U))
		return -1;
	if (dune_vm_mprotect(pgroot, r3_stack, R3_STACK_SIZE, PERM_R | PERM_W | PERM_U))
		return -1;
	return 0;
}

static int jump(void *rip, uint64_t rdi)
{
	struct dune_tf tf;

	memset(&tf, 0, sizeof(tf));
	tf.rip = (uint64_t)rip;
	tf.rsp = (uint64_t)r3_stack + R3_STACK_SIZE - 64;
	tf.rflags = 0x2;
	tf.rdi = rdi;
	return dune_jump_to_user(&tf);
}

/* What the handlers saw. */
static volatile uint64_t seen_args[7], seen_rbx, seen_r12, seen_r13;
static volatile uint16_t seen_cs, seen_ss;
static volatile int n_test, bad_frame;

static void on_syscall(struct dune_tf *tf)
{
	if (tf->cs != 0x33 || tf->ss != 0x2b || tf->err != 0 || tf->r10 != tf->rcx)
		bad_frame++;
	switch (tf->rax) {
	case SYS_TEST:
		n_test++;
		seen_args[0] = tf->rax;
		seen_args[1] = ARG0(tf);
		seen_args[2] = ARG1(tf);
		seen_args[3] = ARG2(tf);
		seen_args[4] = ARG3(tf);
		seen_args[5] = ARG4(tf);
		seen_args[6] = ARG5(tf);
		seen_cs = tf->cs;
		seen_ss = tf->ss;
		tf->rax = 7777;
		break;
	case SYS_DENIED:
		tf->rax = (uint64_t)-EPERM;
		break;
	case SYS_EXIT:
		seen_rbx = tf->rbx;
		seen_r12 = tf->r12;
		seen_r13 = tf->r13;
		dune_ret_from_user((int)tf->rdi);
	case SYS_NEST: {
		struct dune_tf inner;

		memset(&inner, 0, sizeof(inner));
		inner.rip = (uint64_t)r3_nest_inner;
		inner.rsp = tf->rsp - 1024;	/* below the outer code's stack */
		inner.rflags = 0x2;
		tf->rax = 100 + dune_jump_to_user(&inner);
		break;
	}
	default:
		dune_passthrough_syscall(tf);
		break;
	}
}

/* ---- system calls --------------------------------------------------------- */

static int syscalls_caught_passed_denied(void *arg)
{
	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	CHECK(jump(r3_calls, 0) == 42);
	CHECK(n_test == 1 && bad_frame == 0);
	CHECK(seen_args[0] == SYS_TEST && seen_args[1] == 11 && seen_args[2] == 22 &&
	      seen_args[3] == 33 && seen_args[4] == 44 && seen_args[5] == 55 &&
	      seen_args[6] == 66);
	CHECK(seen_cs == 0x33 && seen_ss == 0x2b);
	CHECK(seen_rbx == 7777);			/* caught */
	CHECK(seen_r12 == (uint64_t)getpid());		/* passed through */
	CHECK(seen_r13 == (uint64_t)-EPERM);		/* denied */
	/* back in ring 0, with our TLS */
	CHECK(dune_is_in_dune_mode());
	errno = 0;
	CHECK(getppid() > 0 && errno == 0);
	return 0;
}

TEST(ring3_syscalls_caught_passed_through_denied)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, syscalls_caught_passed_denied, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int syscalls_cost_no_exit(void *arg)
{
	uint64_t before, after;

	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	CHECK(jump(r3_loop, 1) == 0);		/* warm up */
	before = exits(18);
	CHECK(jump(r3_loop, 1000) == 0);
	after = exits(18);
	CHECK(n_test == 1001);
	/* the stats ioctl itself is the only VMCALL exit */
	if (after - before != 1)
		fprintf(stderr, "child: %llu VMCALL exits for 1000 ring-3 system calls\n",
			(unsigned long long)(after - before));
	CHECK(after - before == 1);
	return 0;
}

TEST(ring3_syscall_handled_in_ring0_costs_no_vm_exit)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, syscalls_cost_no_exit, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int missing_syscall_handler(void *arg)
{
	(void)arg;
	CHECK(r3_setup() == 0);
	jump(r3_loop, 1);
	return 3;
}

TEST(ring3_syscall_without_handler_dies)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, missing_syscall_handler, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 1);
	ASSERT_NE(NULL, strstr(res.out, "missing handler for system call - #1000"))
		TH_LOG("output:\n%s", res.out);
}

/* ---- exceptions ------------------------------------------------------------ */

static uint64_t secret = 0x5ec7e7;
static volatile uintptr_t pf_addr;
static volatile uint64_t pf_fec;
static volatile uint16_t pf_cs;

static void on_pgflt(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	pf_addr = addr;
	pf_fec = fec;
	pf_cs = tf->cs;
	dune_ret_from_user(-EFAULT);
}

static int supervisor_page_faults(void *arg)
{
	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	dune_register_pgflt_handler(on_pgflt);
	CHECK(secret == 0x5ec7e7);			/* mapped, for ring 0 */
	CHECK(jump(r3_touch, (uint64_t)&secret) == -EFAULT);
	CHECK(pf_addr == (uintptr_t)&secret);
	CHECK((pf_fec & 0x5) == 0x5);			/* present, user */
	CHECK(pf_cs == 0x33);
	/* the ring-0 copy of the code can read it, of course */
	CHECK(secret == 0x5ec7e7);
	/* a user page reads fine from ring 3 */
	r3_stack[100] = 1;
	CHECK(jump(r3_touch, (uint64_t)&r3_stack[96]) == 1);
	return 0;
}

TEST(ring3_access_to_a_supervisor_page_faults_to_the_handler)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, supervisor_page_faults, NULL, CHILD_PRECISE, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static volatile int n_ud, n_bp, n_de, n_gp, exc_bad_cs;
static volatile uint64_t de_rip;

static void on_ud(struct dune_tf *tf)
{
	n_ud++;
	exc_bad_cs |= tf->cs != 0x33;
	tf->rip += tf->rip == (uint64_t)r3_priv ? 3 : 2;	/* vmcall : ud2 */
}

static void on_bp(struct dune_tf *tf)
{
	n_bp++;
	exc_bad_cs |= tf->cs != 0x33;
}

static void on_de(struct dune_tf *tf)
{
	n_de++;
	exc_bad_cs |= tf->cs != 0x33;
	de_rip = tf->rip;
	tf->rip += 3;
	tf->rax = 4242;
}

static void on_gp(struct dune_tf *tf)
{
	n_gp++;
	exc_bad_cs |= tf->cs != 0x33;
	tf->rip += 1;
}

static int exceptions_reach_handlers(void *arg)
{
	uint64_t before, after;

	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	CHECK(dune_register_intr_handler(T_ILLOP, on_ud) == 0);
	CHECK(dune_register_intr_handler(T_BRKPT, on_bp) == 0);
	CHECK(dune_register_intr_handler(T_DIVIDE, on_de) == 0);
	CHECK(dune_register_intr_handler(T_GPFLT, on_gp) == 0);
	CHECK(jump(r3_exc, 0) == 3);		/* warm up: first-touch faults */
	n_ud = n_bp = n_de = 0;
	before = exits(18);
	CHECK(jump(r3_exc, 0) == 3);
	after = exits(18);
	if (after - before != 1)
		fprintf(stderr, "child: %llu VMCALL exits\n", (unsigned long long)(after - before));
	CHECK(after - before == 1);		/* no exit for the exceptions */
	CHECK(n_ud == 1 && n_bp == 1 && n_de == 1 && !exc_bad_cs);
	CHECK(de_rip == (uint64_t)r3_div && seen_rbx == 4242);
	/*
	 * VMCALL is #UD, HLT #GP: handled in the guest, never by the host
	 * loop.  The CPU exits on VMCALL at any CPL; dune.ko turns it into a
	 * #UD for the guest at once (one VMCALL exit, no return from
	 * DUNE_RUN): the only DUNE_RUN is the stats ioctl's own.
	 */
	before = exits(-1);
	CHECK(jump(r3_priv, 0) == 4);
	after = exits(-1);
	if (after - before != 1)
		fprintf(stderr, "child: %llu DUNE_RUN calls\n", (unsigned long long)(after - before));
	CHECK(after - before == 1);
	CHECK(n_ud == 2 && n_gp == 1 && !exc_bad_cs);
	return 0;
}

TEST(ring3_ud2_int3_divide_vmcall_hlt_reach_handlers)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, exceptions_reach_handlers, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* Without handlers: the original's defaults, never the host or native. */
static int vmcall_without_handler(void *arg)
{
	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	jump(r3_priv, 0);
	return 3;
}

TEST(ring3_vmcall_without_handler_dies_in_the_guest)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, vmcall_without_handler, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 1);
	ASSERT_NE(NULL, strstr(res.out, "unhandled exception 6"))
		TH_LOG("output:\n%s", res.out);
	ASSERT_NE(NULL, strstr(res.out, "dune: CS 0x33 SS 0x2b"))
		TH_LOG("output:\n%s", res.out);
}

static int fault_without_handler(void *arg)
{
	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	jump(r3_touch, (uint64_t)&secret);
	return 3;
}

TEST(ring3_page_fault_without_handler_dies_in_the_guest)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, fault_without_handler, NULL, CHILD_PRECISE, &res));
	ASSERT_CHILD_EXIT(&res, 1);
	ASSERT_NE(NULL, strstr(res.out, "unhandled page fault"))
		TH_LOG("output:\n%s", res.out);
}

static int hlt_without_handler(void *arg)
{
	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	CHECK(dune_register_intr_handler(T_ILLOP, on_ud) == 0);	/* skip the vmcall */
	jump(r3_priv, 0);
	return 3;
}

TEST(ring3_hlt_without_handler_dies_in_the_guest)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, hlt_without_handler, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 1);
	ASSERT_NE(NULL, strstr(res.out, "fatal exception 13"))
		TH_LOG("output:\n%s", res.out);
}

/* ---- FPU, nesting, arguments --------------------------------------------- */

static void on_syscall_noisy(struct dune_tf *tf)
{
	char buf[128];
	double x = 1.0;
	int i;

	for (i = 0; i < 10; i++)
		x = x * 1.5 + 0.25;
	snprintf(buf, sizeof(buf), "%f", x);
	memset(buf, 0x5a, sizeof(buf));
	on_syscall(tf);
}

static int fpu_state(void *arg)
{
	uint64_t leaked;

	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall_noisy);
	CHECK(jump(r3_fpu, 0) == 5);
	CHECK(seen_r12 == 0x1234567887654321ULL);
	/* ring 0's vector registers do not leak into ring 3 */
	__asm__ __volatile__("mov $0x0bad0bad0bad0bad, %%rax\n\t"
			     "movq %%rax, %%xmm5" : : : "rax", "xmm5");
	CHECK(jump(r3_leak, 0) == 6);
	leaked = seen_r12;
	CHECK(leaked == 0);
	CHECK((seen_r13 & 0xffff) == 0x1f80);
	return 0;
}

TEST(ring3_fpu_state_saved_and_clean)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, fpu_state, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int nested_jump(void *arg)
{
	int i;

	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	for (i = 0; i < 3; i++) {
		CHECK(jump(r3_nest_outer, 0) == 7);
		CHECK(seen_rbx == 105);
	}
	/* and the outermost context is still right afterwards */
	CHECK(jump(r3_calls, 0) == 42);
	return 0;
}

TEST(ring3_nested_jump_from_a_handler)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, nested_jump, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int bad_frames(void *arg)
{
	struct dune_tf tf;

	(void)arg;
	CHECK(r3_setup() == 0);
	memset(&tf, 0, sizeof(tf));
	tf.rip = 0xffff800000001000ULL;
	tf.rsp = (uint64_t)r3_stack + R3_STACK_SIZE;
	CHECK(dune_jump_to_user(&tf) == -EINVAL);
	tf.rip = (uint64_t)r3_ud;
	tf.rsp = 0x0000800000000000ULL;
	CHECK(dune_jump_to_user(&tf) == -EINVAL);
	return 0;
}

TEST(ring3_jump_refuses_kernel_addresses)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, bad_frames, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- map_full: ring 3 runs the program's own code (§7.3.2, Q3) ----------- */

/*
 * An ordinary function of the program, run at CPL 3 on its own stack, as
 * the original's bench_dune_ring does: it uses the stack, calls another
 * function and leaves with the "exit" system call.
 */
static __attribute__((noinline)) uint64_t r3_fib(uint64_t n)
{
	volatile uint64_t v[32];
	uint64_t i;

	v[0] = 0;
	v[1] = 1;
	for (i = 2; i <= n && i < 32; i++)
		v[i] = v[i - 1] + v[i - 2];
	return v[n < 32 ? n : 31];
}

static void __attribute__((noreturn, used)) r3_program_fn(uint64_t n)
{
	uint64_t r = r3_fib(n);

	__asm__ __volatile__("syscall" : : "a"(SYS_EXIT), "D"(r) : "rcx", "r11", "memory");
	__builtin_unreachable();
}

static int jump_on(void *rip, void *stack_top, uint64_t rdi)
{
	struct dune_tf tf;

	memset(&tf, 0, sizeof(tf));
	tf.rip = (uint64_t)rip;
	tf.rsp = ((uint64_t)stack_top & ~15ULL) - 8;	/* as after a call */
	tf.rflags = 0x2;
	tf.rdi = rdi;
	return dune_jump_to_user(&tf);
}

static int program_code_in_ring3(void *arg)
{
	char *stack = malloc(64 * 1024);

	(void)arg;
	CHECK(stack != NULL);
	memset(stack, 0, 64 * 1024);
	dune_register_syscall_handler(on_syscall);
	CHECK(jump_on(r3_program_fn, stack + 64 * 1024, 10) == 55);
	CHECK(jump_on(r3_program_fn, stack + 64 * 1024, 20) == 6765);
	/* and data: ring 3 reads the program's variables */
	CHECK(r3_setup() == 0);
	CHECK(jump(r3_touch, (uint64_t)&secret) == 1);
	free(stack);
	return 0;
}

TEST(ring3_map_full_runs_program_functions_on_a_malloc_stack)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, program_code_in_ring3, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int program_code_supervisor(void *arg)
{
	(void)arg;
	CHECK(r3_setup() == 0);
	dune_register_syscall_handler(on_syscall);
	dune_register_pgflt_handler(on_pgflt);
	pf_addr = 0;
	CHECK(jump(r3_program_fn, 10) == -EFAULT);
	CHECK(pf_addr == (uintptr_t)r3_program_fn);
	CHECK((pf_fec & 0x5) == 0x5);		/* present, user */
	return 0;
}

TEST(ring3_without_map_full_faults_on_program_memory)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, program_code_supervisor, NULL, CHILD_PRECISE, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int ret_without_jump(void *arg)
{
	(void)arg;
	dune_ret_from_user(5);
}

TEST(ret_from_user_without_jump_dies)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, ret_without_jump, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 1);
	ASSERT_NE(NULL, strstr(res.out, "without dune_jump_to_user"))
		TH_LOG("output:\n%s", res.out);
}

TEST_HARNESS_MAIN
