/* SPDX-License-Identifier: GPL-2.0 */
/*
 * leaks.h - what the kernel holds, before and after: free pages (with the
 * per-CPU lists), unreclaimable slab, open files system-wide, and the
 * module's reference count.  The same snapshot taken after the work,
 * once deferred frees have settled, must come back within a tolerance
 * that does not grow with the amount of work done; the VPIDs the
 * module hands out exactly.
 */
#ifndef DUNE_FUZZ_LEAKS_H
#define DUNE_FUZZ_LEAKS_H

#include <stdbool.h>
#include <stddef.h>

struct leak_snapshot {
	long free_pages;	/* /proc/zoneinfo: free + per-CPU lists */
	long slab_kb;		/* /proc/meminfo SUnreclaim */
	long files;		/* /proc/sys/fs/file-nr: allocated file handles */
	long own_fds;		/* this process's descriptors (/proc/self/fd) */
	long module_refs;	/* /sys/module/dune/refcnt */
	long vpids;		/* VPIDs vCPUs hold: debugfs dune/vpids (-1: none) */
};

void leak_snapshot(struct leak_snapshot *s);
/*
 * Compare @after with @before: false, with the deltas in @why, if pages
 * or slab went down by more than the tolerances, or files/module
 * references did not come back.
 */
bool leak_compare(const struct leak_snapshot *before, const struct leak_snapshot *after,
		  char *why, size_t size);
/* The deltas as a JSON fragment ("\"leak_free_pages\": -3, ..."). */
void leak_json(const struct leak_snapshot *before, const struct leak_snapshot *after,
	       char *buf, size_t size);

#endif
