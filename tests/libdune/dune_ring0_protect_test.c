// SPDX-License-Identifier: GPL-2.0
/*
 * dune_ring0_protect_test - SMEP and SMAP for libdune's ring 0 (issue 11):
 * dune_set_ring0_protection(), dune_user_access_begin()/_end(), and
 * DUNE_VCPU_F_SMEP/_SMAP underneath.
 *
 * With SMEP, ring 0 calling code on a page ring 3 may use (PERM_U) is a
 * page fault - libdune's default for a ring-0 fault: a message and death -
 * while ring 3 runs that page as before.  With SMAP, ring 0 reads such a
 * page only inside a dune_user_access_begin()/_end() bracket.  On a CPU
 * without one of them the request fails with EOPNOTSUPP and nothing
 * changes; the tests say which they saw.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dune.h"
#include "cpu-x86.h"
#include "dune-ext.h"

#include "kselftest_harness.h"
#include "dune_child.h"

extern char rp_page[], rp_ret5[], rp_exit7[];

__asm__(
	".pushsection .text.dune_ring0_protect_test, \"ax\"\n"
	".balign 4096\n"
	"rp_page:\n"
	"rp_ret5:\n"				/* a function: returns 5 */
	"	mov $5, %eax\n"
	"	ret\n"
	"rp_exit7:\n"				/* ring 3: exit system call with 7 */
	"	mov $1002, %eax\n"
	"	mov $7, %edi\n"
	"	syscall\n"
	"	ud2\n"
	".balign 4096\n"
	".popsection\n");

static char *stack;
static uint64_t *user_word;

static void on_syscall(struct dune_tf *tf)
{
	if (tf->rax == 1002)
		dune_ret_from_user((int)tf->rdi);
	dune_passthrough_syscall(tf);
}

static int user_pages(void)
{
	volatile char c = rp_page[0];

	(void)c;
	stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	user_word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED || user_word == MAP_FAILED)
		return -1;
	*user_word = 0x5a5a;
	if (dune_vm_mprotect(pgroot, rp_page, 4096, PERM_R | PERM_X | PERM_U) ||
	    dune_vm_mprotect(pgroot, stack, 65536, PERM_R | PERM_W | PERM_U) ||
	    dune_vm_mprotect(pgroot, user_word, 4096, PERM_R | PERM_W | PERM_U))
		return -1;
	dune_register_syscall_handler(on_syscall);
	return 0;
}

static int jump(void *rip)
{
	struct dune_tf tf;

	memset(&tf, 0, sizeof(tf));
	tf.rip = (uint64_t)rip;
	tf.rsp = (uint64_t)stack + 65536 - 64;
	tf.rflags = 0x2;
	return dune_jump_to_user(&tf);
}

/* Enter with @flags; 77 if the CPU lacks them (the parent then checks why). */
static int enter_with(unsigned int flags)
{
	int r = dune_set_ring0_protection(flags);

	if (r == -EOPNOTSUPP) {
		CHECK(dune_ring0_protection() == 0);	/* nothing changed */
		CHECK(dune_enter() == 0);		/* the child must end in Dune mode */
		return 77;
	}
	CHECK(r == 0);
	CHECK(dune_ring0_protection() == flags);
	CHECK(dune_enter() == 0);
	CHECK(user_pages() == 0);
	return 0;
}

TEST(set_ring0_protection_validates)
{
	/* Natively, before dune_init(): refused, nothing set. */
	EXPECT_EQ(-EINVAL, dune_set_ring0_protection(DUNE_RING0_SMEP));
	EXPECT_EQ(-EINVAL, dune_set_ring0_protection(1u << 5));
	EXPECT_EQ(0u, dune_ring0_protection());
	/* Natively the brackets do nothing (STAC would be a #UD in ring 3). */
	dune_user_access_begin();
	dune_user_access_end();
}

static int smep_blocks_ring0_exec(void *arg)
{
	int (*fn)(void) = (int (*)(void))rp_ret5;
	int r = enter_with(DUNE_RING0_SMEP);

	(void)arg;
	if (r)
		return r;
	CHECK(jump(rp_exit7) == 7);		/* ring 3 runs the page */
	fprintf(stderr, "child: calling a user page from ring 0\n");
	r = fn();				/* SMEP: a page fault, death */
	fprintf(stderr, "child: ring 0 ran a user page: %d\n", r);
	return 3;
}

TEST(smep_ring0_cannot_execute_user_pages)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, smep_blocks_ring0_exec, NULL,
			       CHILD_PRECISE | CHILD_INIT_ONLY, &res));
	if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 77) {
		int fd = open("/dev/dune", O_RDWR);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ioctl(fd, DUNE_CHECK_EXTENSION, DUNE_CAP_GUEST_SMEP));
		close(fd);
		TH_LOG("no SMEP on this CPU: refused with EOPNOTSUPP");
		return;
	}
	ASSERT_CHILD_EXIT(&res, 1);
	ASSERT_NE(NULL, strstr(res.out, "unhandled page fault")) TH_LOG("output:\n%s", res.out);
	ASSERT_EQ(NULL, strstr(res.out, "ring 0 ran a user page")) TH_LOG("output:\n%s", res.out);
}

static int without_smep_ring0_executes(void *arg)
{
	int (*fn)(void) = (int (*)(void))rp_ret5;

	(void)arg;
	CHECK(dune_enter() == 0);
	CHECK(user_pages() == 0);
	CHECK(fn() == 5);
	CHECK(jump(rp_exit7) == 7);
	return 0;
}

/* The control: the same program without the request. */
TEST(without_smep_ring0_executes_user_pages)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, without_smep_ring0_executes, NULL,
			       CHILD_PRECISE | CHILD_INIT_ONLY, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

static int smap_bracket(void *arg)
{
	uint64_t v;
	int r = enter_with(DUNE_RING0_SMAP | DUNE_RING0_SMEP);

	(void)arg;
	if (r)
		return r;
	dune_user_access_begin();
	v = *(volatile uint64_t *)user_word;
	dune_user_access_end();
	CHECK(v == 0x5a5a);
	CHECK(jump(rp_exit7) == 7);
	fprintf(stderr, "child: reading a user page from ring 0 without the bracket\n");
	v = *(volatile uint64_t *)user_word;	/* SMAP: a page fault, death */
	fprintf(stderr, "child: ring 0 read a user page: %#llx\n", (unsigned long long)v);
	return 3;
}

TEST(smap_ring0_reads_user_pages_only_in_a_bracket)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, smap_bracket, NULL, CHILD_PRECISE | CHILD_INIT_ONLY, &res));
	if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 77) {
		int fd = open("/dev/dune", O_RDWR);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ioctl(fd, DUNE_CHECK_EXTENSION, DUNE_CAP_GUEST_SMAP) *
			     ioctl(fd, DUNE_CHECK_EXTENSION, DUNE_CAP_GUEST_SMEP));
		close(fd);
		TH_LOG("no SMAP on this CPU: refused with EOPNOTSUPP, nothing changed");
		return;
	}
	ASSERT_CHILD_EXIT(&res, 1);
	ASSERT_NE(NULL, strstr(res.out, "unhandled page fault")) TH_LOG("output:\n%s", res.out);
	ASSERT_EQ(NULL, strstr(res.out, "ring 0 read a user page")) TH_LOG("output:\n%s", res.out);
}

TEST_HARNESS_MAIN
