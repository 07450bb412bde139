/* SPDX-License-Identifier: GPL-2.0 */
/*
 * failnth.h - allocation-failure injection for one thread: write N to
 * /proc/self/task/TID/fail-nth and the Nth allocation that thread makes
 * (slab or page allocator, CONFIG_FAILSLAB / CONFIG_FAIL_PAGE_ALLOC) fails
 * (Documentation/fault-injection/fault-injection.rst).  Reading it back
 * gives 0 once the failure was injected.
 */
#ifndef DUNE_FUZZ_FAILNTH_H
#define DUNE_FUZZ_FAILNTH_H

#include <stdbool.h>

/*
 * Is fail-nth available?  Also sets up failslab and fail_page_alloc in
 * debugfs to fail sleeping (GFP_KERNEL) allocations too, of any order,
 * without a report in the kernel log (a stack trace there would count as
 * a kernel problem).
 */
bool failnth_setup(void);
/* Arm: the calling thread's @nth allocation from now fails.  0 or -1. */
int failnth_arm(unsigned int nth);
/* Disarm; true if the failure was injected since failnth_arm(). */
bool failnth_fired(void);

/*
 * A budget instead of a count: the calling thread's slab allocations
 * succeed while their sizes add up to less than @bytes, and every one
 * after that fails (failslab's "space" with task-filter and make-it-fail).
 * fail-nth fails one call only, which xarray's retry (a GFP_NOWAIT try
 * under the lock, then GFP_KERNEL outside it, lib/xarray.c __xas_nomem)
 * always survives; a budget fails both.  0 or -1.
 */
int failslab_budget_arm(unsigned long bytes);
void failslab_budget_disarm(void);

#endif
