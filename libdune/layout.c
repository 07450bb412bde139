// SPDX-License-Identifier: GPL-2.0
/*
 * layout.c - the original API's view of the address space: the globals
 * mmap_base and stack_base, and dune_mmap() (docs/libdune-api.md).
 *
 * The original module placed the process's memory in fixed guest-physical
 * windows and told libdune where they started: mmap_base was
 * LG_ALIGN(mm->mmap_base) - GPA_MAP_SIZE, stack_base LG_ALIGN(start_stack)
 * - GPA_STACK_SIZE.  Here no guest-physical address depends on them
 * (chunks.c hands GPAs out as memory is used), so they are informational:
 * the same formulas, from what /proc tells us.  mm->mmap_base is where the
 * kernel starts placing mmaps, just above the highest mapping below the
 * stack; start_stack is field 28 of /proc/self/stat.  Programs such as the
 * original's sandbox put their own mappings at mmap_base + something with
 * MAP_FIXED, so it must be well below the process's mappings: 63 GiB is.
 *
 * Host side (rule R1, loop.c): dune_init() calls dune_layout_init()
 * natively, with raw system calls.
 */
#include <fcntl.h>

#include "dune.h"
#include "dune-orig-kern.h"	/* LG_ALIGN, GPA_*_SIZE */
#include "internal.h"
#include "sys.h"

uintptr_t mmap_base;
uintptr_t stack_base;

/* Read all of a small /proc file, or as much as fits; 0-terminated. */
static long read_proc(const char *path, char *buf, size_t size)
{
	long fd = dune_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC), n, have = 0;

	if (fd < 0)
		return fd;
	while ((size_t)have < size - 1) {
		n = dune_sys_read((int)fd, buf + have, size - 1 - have);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	dune_sys_close((int)fd);
	buf[have] = 0;
	return have;
}

/* Field 28 of /proc/self/stat; the name (field 2) may hold spaces and ")". */
static uint64_t start_stack(void)
{
	char buf[1024], *p, *close = NULL;
	uint64_t v = 0;
	int field;

	if (read_proc("/proc/self/stat", buf, sizeof(buf)) <= 0)
		return 0;
	for (p = buf; *p; p++)
		if (*p == ')')
			close = p;
	if (!close)
		return 0;
	/* ") S ..." : field 3 starts two characters after the ")". */
	for (p = close + 2, field = 3; *p && field < 28; p++)
		if (*p == ' ')
			field++;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

static bool starts_with(const char *s, const char *end, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (s >= end || *s != *prefix)
			return false;
	return true;
}

/*
 * The end of the highest mapping below [stack], [vdso] and [vvar*] left
 * out: /proc/self/maps in pieces, lines in address order.
 */
static uint64_t top_below_stack(void)
{
	char buf[4096];
	size_t have = 0, i, line;
	uint64_t top = 0;
	bool skipping = false;
	long fd, n;

	fd = dune_sys_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		n = dune_sys_read((int)fd, buf + have, sizeof(buf) - have);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		for (i = 0, line = 0; i < have; i++) {
			const char *l = buf + line, *e = buf + i, *path;
			uint64_t start = 0, end = 0;

			if (buf[i] != '\n')
				continue;
			line = i + 1;
			if (skipping) {
				skipping = false;
				continue;
			}
			for (; l < e && *l != '-'; l++)
				start = start * 16 + (uint64_t)(*l <= '9' ? *l - '0' : *l - 'a' + 10);
			for (l++; l < e && *l != ' '; l++)
				end = end * 16 + (uint64_t)(*l <= '9' ? *l - '0' : *l - 'a' + 10);
			for (path = e; path > l && path[-1] != ' '; path--)
				;
			if (starts_with(path, e, "[stack]"))
				goto out;
			if (!starts_with(path, e, "[vdso]") && !starts_with(path, e, "[vvar") &&
			    start < DUNE_USER_TOP)
				top = end;
		}
		if (line) {
			dune_copy(buf, buf + line, have - line);
			have -= line;
		} else if (have == sizeof(buf)) {
			have = 0;		/* an overlong line: not [stack] */
			skipping = true;
		}
	}
out:
	dune_sys_close((int)fd);
	return top;
}

void dune_layout_init(void)
{
	uint64_t top = LG_ALIGN(top_below_stack()), stack = LG_ALIGN(start_stack());

	mmap_base = top > GPA_MAP_SIZE ? top - GPA_MAP_SIZE : 0;
	stack_base = stack > GPA_STACK_SIZE ? stack - GPA_STACK_SIZE : 0;
}

void *dune_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	return (void *)dune_sys_mmap(addr, length, prot, flags, fd, offset);
}
