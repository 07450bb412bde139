// SPDX-License-Identifier: GPL-2.0
/*
 * hello - the smallest Dune program.
 *
 * dune_init_and_enter() returns in VMX non-root ring 0: the same code, on
 * the same stack, with the same memory and files.  From there, ordinary C
 * keeps working (printf is a write(2), forwarded to the host by libdune),
 * and ring 0 is really ours: reading CS shows privilege level 0, and
 * reading CR0 - which would crash a normal process - just works.
 *
 * Build: make samples (the binary lands in build/guest/samples/).
 */
#include <stdio.h>
#include <unistd.h>

#include "dune.h"
#include "dune-ext.h"

static unsigned int current_privilege_level(void)
{
	unsigned short cs;

	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

int main(void)
{
	struct dune_exit_stats stats;
	unsigned long cr0, t0, t1;
	unsigned long long exits = 0;
	int i, ret;

	printf("native:    pid %d, running in ring %u\n", getpid(), current_privilege_level());

	ret = dune_init_and_enter();
	if (ret) {
		fprintf(stderr, "hello: cannot enter Dune mode (error %d): is dune.ko loaded?\n", ret);
		return 1;
	}

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	printf("Dune mode: pid %d, running in ring %u, CR0 = %#lx\n",
	       getpid(), current_privilege_level(), cr0);

	/* Every system call is one VM exit (a VMCALL) and a native call. */
	t0 = dune_get_ticks();
	for (i = 0; i < 100; i++)
		getppid();
	t1 = dune_get_ticks();
	if (dune_get_exit_stats(&stats) == 0) {
		for (i = 0; i < DUNE_EXIT_STATS_NR; i++)
			exits += stats.exits[i];
		printf("Dune mode: %llu VM exits so far, %llu of them VMCALLs (system calls); "
		       "one getppid() took %lu ticks\n",
		       exits, (unsigned long long)stats.exits[18], (t1 - t0) / 100);
	}
	return 0;
}
