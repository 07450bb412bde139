// SPDX-License-Identifier: GPL-2.0
/* leaks.c - see leaks.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaks.h"
#include "testlib.h"

/*
 * Tolerances: per-CPU slab caches, page-cache noise and the lists' own
 * batching move a few hundred KiB either way without any leak.
 */
#define PAGES_SLACK	512	/* 2 MiB */
#define SLAB_SLACK_KB	1024

static long meminfo(const char *key)
{
	char *text = read_text("/proc/meminfo"), *p;
	long v = -1;

	if (!text)
		return -1;
	p = strstr(text, key);
	if (p)
		sscanf(p + strlen(key), ": %ld", &v);
	free(text);
	return v;
}

void leak_snapshot(struct leak_snapshot *s)
{
	char buf[64];

	settle();
	settle();
	s->free_pages = free_and_pcp_pages();
	s->slab_kb = meminfo("SUnreclaim");
	s->files = -1;
	if (!read_line("/proc/sys/fs/file-nr", buf, sizeof(buf)))
		s->files = atol(buf);
	s->module_refs = -1;
	if (!read_line("/sys/module/dune/refcnt", buf, sizeof(buf)))
		s->module_refs = atol(buf);
}

bool leak_compare(const struct leak_snapshot *before, const struct leak_snapshot *after,
		  char *why, size_t size)
{
	bool ok = after->free_pages >= before->free_pages - PAGES_SLACK &&
		  after->slab_kb <= before->slab_kb + SLAB_SLACK_KB &&
		  after->files <= before->files && after->module_refs == before->module_refs;

	snprintf(why, size, "free pages %+ld (slack %d), unreclaimable slab %+ld KiB (slack %d), "
		 "files %+ld, dune.ko refs %+ld", after->free_pages - before->free_pages,
		 PAGES_SLACK, after->slab_kb - before->slab_kb, SLAB_SLACK_KB,
		 after->files - before->files, after->module_refs - before->module_refs);
	return ok;
}

void leak_json(const struct leak_snapshot *before, const struct leak_snapshot *after,
	       char *buf, size_t size)
{
	snprintf(buf, size, "\"leak_free_pages\": %ld, \"leak_slab_kb\": %ld, \"leak_files\": %ld, "
		 "\"leak_module_refs\": %ld", after->free_pages - before->free_pages,
		 after->slab_kb - before->slab_kb, after->files - before->files,
		 after->module_refs - before->module_refs);
}
