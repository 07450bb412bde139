// SPDX-License-Identifier: GPL-2.0
/*
 * hello.c - the smallest program in the original Dune's style: enter Dune
 * mode, install a handler for the divide error, divide by zero, and let
 * the handler send the program somewhere else by rewriting tf->rip.
 *
 * Written from the original Dune's documentation and public headers only:
 * it uses nothing but the names of libdune/dune.h, cpu-x86.h and
 * mmu-x86.h as the OSDI'12 release declares them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "libdune/dune.h"
#include "libdune/cpu-x86.h"

/*
 * The handler resumes here, on the stack the division was made on; the
 * attribute keeps the calls below correct whatever that stack's alignment.
 */
static void __attribute__((noinline, force_align_arg_pointer)) recover(void)
{
	printf("hello: recovered from divide by zero\n");
	exit(0);
}

static void divide_by_zero_handler(struct dune_tf *tf)
{
	printf("hello: caught divide by zero!\n");
	tf->rip = (uintptr_t)&recover;
}

int main(int argc, char *argv[])
{
	volatile int ret, one = 1;

	printf("hello: not running dune yet\n");
	ret = dune_init_and_enter();
	if (ret) {
		printf("failed to initialize dune\n");
		return ret;
	}
	printf("hello: now printing from dune mode\n");

	dune_register_intr_handler(T_DIVIDE, divide_by_zero_handler);
	/* Both volatile: a compiler may turn 1 / x into a comparison. */
	ret = one / ret;		/* divide by zero */

	printf("hello: we won't reach this call\n");
	return 1;
}
