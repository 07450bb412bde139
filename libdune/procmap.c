// SPDX-License-Identifier: GPL-2.0
/*
 * procmap.c - the process's mappings, from /proc/self/maps: the original
 * Dune's dune_procmap_iterate() and dune_procmap_dump().
 *
 * A guest-side file (see libdune.mk): it runs from program context only,
 * natively or in Dune mode, and uses stdio and malloc.
 *
 * Each line of /proc/self/maps reads
 *
 *	begin-end perms offset major:minor inode [path]
 *
 * with hexadecimal begin, end and offset, four permission characters
 * (r/-, w/-, x/-, p/s), and a path that is everything after the inode
 * column and the spaces that follow it: it may contain spaces, and ends in
 * " (deleted)" for a file removed since it was mapped.  Lines are read
 * whole, whatever their length (a path can be up to PATH_MAX and more).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dune.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int procmap_type(const char *path)
{
	if (path[0] == '\0')
		return PROCMAP_TYPE_ANONYMOUS;
	if (path[0] != '[')
		return PROCMAP_TYPE_FILE;
	if (strcmp(path, "[heap]") == 0)
		return PROCMAP_TYPE_HEAP;
	if (starts_with(path, "[stack"))	/* also [stack:tid] of old kernels */
		return PROCMAP_TYPE_STACK;
	if (strcmp(path, "[vsyscall]") == 0)
		return PROCMAP_TYPE_VSYSCALL;
	if (strcmp(path, "[vdso]") == 0)
		return PROCMAP_TYPE_VDSO;
	if (starts_with(path, "[vvar"))		/* [vvar], [vvar_vclock] */
		return PROCMAP_TYPE_VVAR;
	if (starts_with(path, "[anon:") || starts_with(path, "[anon_shmem:"))
		return PROCMAP_TYPE_ANONYMOUS;	/* named with PR_SET_VMA */
	return PROCMAP_TYPE_UNKNOWN;
}

/* Parse an unsigned hexadecimal number ending at @end; advance *@s. */
static bool parse_hex(char **s, char end, unsigned long *val)
{
	char *p = *s, *q;

	if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
	      (*p >= 'A' && *p <= 'F')))
		return false;
	*val = strtoul(p, &q, 16);
	if (*q != end)
		return false;
	*s = q + (end ? 1 : 0);
	return true;
}

/* Skip one column of non-blank characters and the blanks after it. */
static bool skip_column(char **s)
{
	char *p = *s;

	if (*p == '\0' || *p == ' ')
		return false;
	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	*s = p;
	return true;
}

/* Fill @e from one line (without its newline); false if it is malformed. */
static bool parse_line(char *line, struct dune_procmap_entry *e)
{
	char *s = line;
	unsigned long begin, end, offset;

	if (!parse_hex(&s, '-', &begin) || !parse_hex(&s, ' ', &end))
		return false;
	if (strlen(s) < 5 || s[4] != ' ')
		return false;
	if ((s[0] != 'r' && s[0] != '-') || (s[1] != 'w' && s[1] != '-') ||
	    (s[2] != 'x' && s[2] != '-') || (s[3] != 'p' && s[3] != 's'))
		return false;
	e->r = s[0] == 'r';
	e->w = s[1] == 'w';
	e->x = s[2] == 'x';
	e->p = s[3] == 'p';
	s += 5;
	if (!parse_hex(&s, ' ', &offset))
		return false;
	/* The device and inode columns; the inode may end the line. */
	if (!skip_column(&s))
		return false;
	if (*s == '\0')
		return false;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	e->begin = begin;
	e->end = end;
	e->offset = offset;
	e->path = s;
	e->type = procmap_type(s);
	return true;
}

void dune_procmap_iterate(dune_procmap_cb cb)
{
	struct dune_procmap_entry e;
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f) {
		perror("dune: could not open /proc/self/maps");
		abort();
	}
	while ((len = getline(&line, &size, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		memset(&e, 0, sizeof(e));
		if (parse_line(line, &e))
			cb(&e);
	}
	free(line);
	fclose(f);
}

static void procmap_dump_one(const struct dune_procmap_entry *e)
{
	printf("0x%016lx-0x%016lx %c%c%c%c %08lx %s\n",
	       (unsigned long)e->begin, (unsigned long)e->end,
	       e->r ? 'R' : '-', e->w ? 'W' : '-', e->x ? 'X' : '-',
	       e->p ? 'P' : 'S', (unsigned long)e->offset, e->path);
}

void dune_procmap_dump(void)
{
	printf("--- Process Map Dump ---\n");
	dune_procmap_iterate(procmap_dump_one);
}
