// SPDX-License-Identifier: GPL-2.0
/*
 * timetest.c - time() and gettimeofday() in Dune mode.  Both go through
 * the vDSO: RDTSCP in the guest, and the kernel's time data (vvar), which
 * the module maps into the guest through EPT like any other page.
 * Written against the original Dune's public headers only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "libdune/dune.h"

int main(void)
{
	struct timeval before, inside;
	time_t t0, t1;
	int ret;

	t0 = time(NULL);
	gettimeofday(&before, NULL);
	ret = dune_init_and_enter();
	if (ret) {
		printf("failed to initialize dune\n");
		return ret;
	}
	t1 = time(NULL);
	gettimeofday(&inside, NULL);
	printf("time before: %ld, in dune mode: %ld\n", (long)t0, (long)t1);
	/* The emulated machine's clock may be slow, but never backwards. */
	if (t1 < t0 || t1 > t0 + 60 || inside.tv_sec < before.tv_sec ||
	    (inside.tv_sec == before.tv_sec && inside.tv_usec < before.tv_usec)) {
		printf("Failure: the clock went wrong\n");
		return 1;
	}
	printf("Success!\n");
	return 0;
}
