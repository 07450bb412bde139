// SPDX-License-Identifier: GPL-2.0
/* leaks.c - see leaks.h. */
#include <dirent.h>
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
/*
 * file-nr is a per-CPU counter read without summing (fs/file_table.c
 * get_nr_files: percpu_counter_read_positive), off by up to a batch per
 * CPU; this process's own descriptors are counted exactly.
 */
#define FILES_SLACK	64

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

static long count_own_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own */
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
	s->own_fds = count_own_fds();
	s->module_refs = -1;
	if (!read_line("/sys/module/dune/refcnt", buf, sizeof(buf)))
		s->module_refs = atol(buf);
	s->vpids = -1;
	if (!read_line("/sys/kernel/debug/dune/vpids", buf, sizeof(buf)))
		s->vpids = atol(buf);
}

bool leak_compare(const struct leak_snapshot *before, const struct leak_snapshot *after,
		  char *why, size_t size)
{
	bool ok = after->free_pages >= before->free_pages - PAGES_SLACK &&
		  after->slab_kb <= before->slab_kb + SLAB_SLACK_KB &&
		  after->files <= before->files + FILES_SLACK && after->own_fds == before->own_fds &&
		  after->module_refs == before->module_refs && after->vpids == before->vpids;

	snprintf(why, size, "free pages %+ld (slack %d), unreclaimable slab %+ld KiB (slack %d), "
		 "files %+ld (slack %d), own fds %+ld, dune.ko refs %+ld, VPIDs %+ld",
		 after->free_pages - before->free_pages, PAGES_SLACK,
		 after->slab_kb - before->slab_kb, SLAB_SLACK_KB, after->files - before->files,
		 FILES_SLACK, after->own_fds - before->own_fds,
		 after->module_refs - before->module_refs, after->vpids - before->vpids);
	return ok;
}

void leak_json(const struct leak_snapshot *before, const struct leak_snapshot *after,
	       char *buf, size_t size)
{
	snprintf(buf, size, "\"leak_free_pages\": %ld, \"leak_slab_kb\": %ld, \"leak_files\": %ld, "
		 "\"leak_own_fds\": %ld, \"leak_module_refs\": %ld, \"leak_vpids\": %ld",
		 after->free_pages - before->free_pages, after->slab_kb - before->slab_kb,
		 after->files - before->files, after->own_fds - before->own_fds,
		 after->module_refs - before->module_refs, after->vpids - before->vpids);
}
