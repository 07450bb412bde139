// SPDX-License-Identifier: GPL-2.0
/* first.c - a first Dune program */
#include <stdio.h>
#include <unistd.h>
#include <libdune/dune.h>
#include <libdune/dune-ext.h>

static unsigned int cpl(void)
{
	unsigned short cs;

	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	return cs & 3;		/* the privilege level we run at */
}

int main(void)
{
	struct dune_exit_stats st;
	unsigned long cr0, cr3;
	int ret;

	printf("native:    ring %u, Dune mode %d\n", cpl(), dune_is_in_dune_mode());

	ret = dune_init_and_enter();
	if (ret) {
		fprintf(stderr, "cannot enter Dune mode: error %d\n", ret);
		return 1;
	}

	/* Ring 0: control registers are ours to read. */
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
	printf("Dune mode: ring %u, Dune mode %d\n", cpl(), dune_is_in_dune_mode());
	printf("Dune mode: CR0 %#lx (PG %d, WP %d), CR3 %#lx, pgroot %p\n",
	       cr0, !!(cr0 & CR0_PG), !!(cr0 & CR0_WP), cr3, (void *)pgroot);

	for (int i = 0; i < 1000; i++)
		getppid();
	if (dune_get_exit_stats(&st) == 0)
		printf("Dune mode: %llu DUNE_RUN calls, %llu VMCALL exits, "
		       "%llu EPT violations\n",
		       (unsigned long long)st.runs,
		       (unsigned long long)st.exits[18],
		       (unsigned long long)st.exits[48]);
	return 0;
}
