// SPDX-License-Identifier: GPL-2.0
/*
 * sysnames.c - every x86-64 system call the kernel knows, by name.
 *
 * The list is not typed in here: the Makefile generates sysnames.h at
 * build time from the kernel's own <asm/unistd_64.h> (the uapi header
 * linux-libc-dev installs), one SYSNAME(name, number) per line.  So the
 * policy language knows every call of the kernel the sandbox was built
 * against, whether or not the sandbox can forward it (systab.c says
 * that), and a misspelt name can be told from a real call.
 */
#include <string.h>

#include "sandbox.h"

static const char *const names[MAX_SYSCALLS] = {
#define SYSNAME(name, nr) [nr] = #name,
#include "sysnames.h"
#undef SYSNAME
};

/* Every number fits the policy's table (struct policy's sys[]). */
#define SYSNAME(name, nr) _Static_assert((nr) < MAX_SYSCALLS, "MAX_SYSCALLS too small");
#include "sysnames.h"
#undef SYSNAME

const char *sysname(long nr)
{
	if (nr < 0 || nr >= MAX_SYSCALLS)
		return NULL;
	return names[nr];
}

int sysname_nr(const char *name)
{
	int nr;

	for (nr = 0; nr < MAX_SYSCALLS; nr++)
		if (names[nr] && !strcmp(names[nr], name))
			return nr;
	return -1;
}

/* The policy's name lookup: any x86-64 system call, whether systab.c has it or not. */
int syscall_nr(const char *name)
{
	return sysname_nr(name);
}

/*
 * The edit distance of @a and @b: insertions, deletions, substitutions
 * and transpositions of neighbours ("opne"), one each (the "optimal
 * string alignment" distance).  At most 63 characters each; longer is
 * "far".
 */
#define NAME_MAX_CMP	64
static int distance(const char *a, const char *b)
{
	static int d[NAME_MAX_CMP][NAME_MAX_CMP];
	int la = (int)strlen(a), lb = (int)strlen(b), i, j, v;

	if (la >= NAME_MAX_CMP || lb >= NAME_MAX_CMP)
		return NAME_MAX_CMP;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/*
 * The known name nearest to @name, if it is near enough to be a typo:
 * one edit for names of up to 5 characters, two for longer ones (so that
 * "foo" is not taken for a misspelt "dup").  NULL if none.
 */
const char *sysname_suggest(const char *name)
{
	int cap = strlen(name) <= 5 ? 1 : 2, best = cap + 1, nr, d;
	const char *found = NULL;

	if (strlen(name) < 3)
		return NULL;
	for (nr = 0; nr < MAX_SYSCALLS; nr++) {
		if (!names[nr])
			continue;
		d = distance(name, names[nr]);
		if (d <= cap && d < best) {
			best = d;
			found = names[nr];
		}
	}
	return found;
}
