// SPDX-License-Identifier: GPL-2.0
/*
 * dune_spin ITERATIONS - enter Dune mode and count to ITERATIONS without a
 * system call: the vCPU stays in dune.ko's run loop in the kernel (only
 * preemption-timer and interrupt exits, handled there) and is preempted
 * there, not on the way back to user space.  dune_coexist_test runs it
 * beside a KVM guest on the same CPU: between a KVM thread preempted in
 * KVM_RUN (its guest's user-return MSRs loaded) and its next VM entry,
 * only dune.ko's entries and exits run on that CPU, nobody returns to user
 * space.  Exits 0 if it counted to the end in Dune mode.
 */
#include <stdlib.h>

#include "dune.h"
#include "dune-ext.h"

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000000UL;
	volatile unsigned long i;

	if (dune_init(true) || dune_enter())
		return 2;
	for (i = 0; i < n; i++)
		;
	return dune_is_in_dune_mode() ? 0 : 3;
}
