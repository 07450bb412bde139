// SPDX-License-Identifier: GPL-2.0
/*
 * dune_ring0_stack_test - ring 0 never writes an exception frame on a stack
 * ring 3 chose (issue 12, defect 6).
 *
 * SYSCALL from ring 3 enters libdune's ring 0 (dune_syscall_entry) without
 * switching stacks: until the entry has loaded its own stack, RSP is
 * whatever ring 3 left there.  The exception that can arrive in that window
 * is a #DB on the entry's first instruction - the single-step trap of a
 * SYSCALL executed with TF set, or one held back past the SYSCALL by MOV SS
 * (CVE-2018-8897).  Every gate has an IST stack, so the CPU's own frame is
 * safe; what must not happen is a handler frame built on the interrupted -
 * ring 3's - stack.  Here ring 3 points RSP into a canary area and does
 * both; and ICEBP (INT1) from ring 3 reaches the #DB handler as a ring-3
 * exception.  The canary must stay intact, the #DB handler must only ever
 * see ring 3's #DBs, and the system call must complete.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dune.h"
#include "cpu-x86.h"
#include "dune-ext.h"

#include "kselftest_harness.h"
#include "dune_child.h"

#define SYS_TEST	1000	/* counted, returns 7777, clears TF */
#define SYS_EXIT	1002	/* dune_ret_from_user(rdi) */

#define CANARY		0xa5
#define STACK_SIZE	(64 * 1024)
#define CHOSEN_RSP	(32 * 1024)	/* where ring 3 points RSP: mid-canary */

extern char rs_page[], rs_tf_syscall[], rs_movss_syscall[], rs_icebp[], rs_after_syscall[];

__asm__(
	".pushsection .text.dune_ring0_stack_test, \"ax\"\n"
	".balign 4096\n"
	"rs_page:\n"

	/* TF is set by the jump (RFLAGS 0x102); RDI = the chosen RSP */
	"rs_tf_syscall:\n"
	"	mov %rsp, %r15\n"
	"	mov %rdi, %rsp\n"
	"	mov $1000, %eax\n"
	"	syscall\n"
	"rs_after_syscall:\n"
	"	mov %r15, %rsp\n"
	"	mov %rax, %rdi\n"
	"	mov $1002, %eax\n"
	"	syscall\n"
	"	ud2\n"

	/* the same with the SYSCALL in a MOV SS shadow */
	"rs_movss_syscall:\n"
	"	mov %rsp, %r15\n"
	"	mov %rdi, %rsp\n"
	"	mov %ss, %ecx\n"
	"	mov $1000, %eax\n"
	"	mov %ecx, %ss\n"
	"	syscall\n"
	"	mov %r15, %rsp\n"
	"	mov %rax, %rdi\n"
	"	mov $1002, %eax\n"
	"	syscall\n"
	"	ud2\n"

	/* ICEBP with RSP in the canary */
	"rs_icebp:\n"
	"	mov %rsp, %r15\n"
	"	mov %rdi, %rsp\n"
	"	.byte 0xf1\n"
	"	mov %r15, %rsp\n"
	"	mov $1002, %eax\n"
	"	mov $9, %edi\n"
	"	syscall\n"
	"	ud2\n"

	".balign 4096\n"
	".popsection\n");

static unsigned char *stack;
static volatile int n_syscall, n_db_ring3, n_db_ring0;
static volatile uint64_t db_ring0_rip;

static void on_syscall(struct dune_tf *tf)
{
	switch (tf->rax) {
	case SYS_TEST:
		n_syscall++;
		tf->rflags &= ~(uint64_t)FL_TF;	/* ring 3 stops stepping here */
		tf->rax = 7777;
		break;
	case SYS_EXIT:
		dune_ret_from_user((int)tf->rdi);
	default:
		dune_passthrough_syscall(tf);
		break;
	}
}

static void on_db(struct dune_tf *tf)
{
	if ((tf->cs & 3) == 3) {
		n_db_ring3++;
	} else {
		n_db_ring0++;
		db_ring0_rip = tf->rip;
	}
}

static int setup(void)
{
	volatile char c = rs_page[0];

	(void)c;
	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	memset(stack, CANARY, STACK_SIZE);
	if (dune_vm_mprotect(pgroot, rs_page, 4096, PERM_R | PERM_X | PERM_U))
		return -1;
	if (dune_vm_mprotect(pgroot, stack, STACK_SIZE, PERM_R | PERM_W | PERM_U))
		return -1;
	dune_register_syscall_handler(on_syscall);
	return dune_register_intr_handler(T_DEBUG, on_db);
}

/* The canary below the chosen RSP: every byte a frame could have hit. */
static size_t canary_damage(void)
{
	size_t i, bad = 0;

	for (i = 0; i < CHOSEN_RSP; i++)
		bad += stack[i] != CANARY;
	return bad;
}

static int jump(void *rip, uint64_t rflags)
{
	struct dune_tf tf;

	memset(&tf, 0, sizeof(tf));
	tf.rip = (uint64_t)rip;
	tf.rsp = (uint64_t)stack + STACK_SIZE - 64;
	tf.rflags = rflags;
	tf.rdi = (uint64_t)stack + CHOSEN_RSP;
	return dune_jump_to_user(&tf);
}

static int single_step_into_syscall(void *arg)
{
	void *code = arg;
	size_t bad;
	int r;

	CHECK(setup() == 0);
	r = jump(code, 0x2 | FL_TF);
	bad = canary_damage();
	if (r != 7777 || bad || n_db_ring0 || n_syscall != 1)
		fprintf(stderr, "child: returned %d, %d system call(s), %zu canary bytes changed, "
			"%d ring-3 #DB, %d ring-0 #DB (last at %#llx)\n", r, n_syscall, bad,
			n_db_ring3, n_db_ring0, (unsigned long long)db_ring0_rip);
	CHECK(bad == 0);			/* nothing written on ring 3's stack */
	CHECK(n_db_ring0 == 0);			/* no ring-0 #DB reached a handler */
	CHECK(n_syscall == 1 && r == 7777);	/* and the system call went through */
	CHECK(n_db_ring3 >= 1);			/* ring 3's own steps are ring 3's */
	return 0;
}

TEST(tf_syscall_frame_never_on_the_ring3_stack)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, single_step_into_syscall, rs_tf_syscall, CHILD_PRECISE,
			       &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST(mov_ss_syscall_frame_never_on_the_ring3_stack)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, single_step_into_syscall, rs_movss_syscall, CHILD_PRECISE,
			       &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int icebp_from_ring3(void *arg)
{
	int r;

	(void)arg;
	CHECK(setup() == 0);
	r = jump(rs_icebp, 0x2);
	CHECK(r == 9);
	CHECK(canary_damage() == 0);
	CHECK(n_db_ring3 == 1 && n_db_ring0 == 0);
	return 0;
}

TEST(icebp_from_ring3_is_a_ring3_debug_exception)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, icebp_from_ring3, NULL, CHILD_PRECISE, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_HARNESS_MAIN
