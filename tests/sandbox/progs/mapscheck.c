// SPDX-License-Identifier: GPL-2.0
/*
 * mapscheck - /proc/self/maps as a program reads it, natively and in the
 * sandbox (samples/sandbox/maps.c):
 *
 *   mapscheck [sandboxed]   every line parses as Linux prints it; the
 *                           program's own file is there (r-x, its inode),
 *                           a file it maps shows with its path, offset and
 *                           inode, [stack], [heap] after brk grows, [vdso]
 *                           where there is one; a mapping made later shows
 *                           in a later open; pthread_getattr_np() of the
 *                           main thread (which reads it) finds the stack;
 *                           it cannot be written.  "sandboxed": no line
 *                           outside the program's windows (nothing of the
 *                           supervisor's).
 *
 * Prints "ok WHAT" / "FAIL WHAT" lines; exits 0 if every check passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "checks.h"

/* the sandbox's program windows (samples/sandbox/sandbox.h) */
#define LOW_START	0x10000UL
#define LOW_END		0x100000000UL
#define HIGH_START	0x100000000000UL
#define HIGH_END	0x400000000000UL


struct line {
	unsigned long start, end, off, ino;
	unsigned int maj, min;
	char perms[5];
	char name[PATH_MAX];
};

/* "start-end perms offset maj:min inode [name]"; the name at column 73 if any */
static bool parse(const char *s, struct line *l)
{
	int n = 0;

	memset(l, 0, sizeof(*l));
	if (sscanf(s, "%lx-%lx %4s %lx %x:%x %lu %n", &l->start, &l->end, l->perms, &l->off,
		   &l->maj, &l->min, &l->ino, &n) != 7 || n == 0)
		return false;
	if (l->start >= l->end || strlen(l->perms) != 4 || !strchr("ps", l->perms[3]))
		return false;
	if (s[n] && s[n] != '\n') {
		if (n != 73)
			return false;	/* Linux pads to column 73 before a name */
		snprintf(l->name, sizeof(l->name), "%s", s + n);
		l->name[strcspn(l->name, "\n")] = 0;
	}
	return true;
}

static char text[1 << 20];

static size_t read_maps(void)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t o = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while (o < sizeof(text) - 1 && (n = read(fd, text + o, sizeof(text) - 1 - o)) > 0)
		o += (size_t)n;
	text[o] = 0;
	close(fd);
	return o;
}

/* The line holding @addr, or false. */
static bool find(uintptr_t addr, struct line *out)
{
	char *s, *save = NULL, *copy = strdup(text);
	bool found = false;

	for (s = strtok_r(copy, "\n", &save); s && !found; s = strtok_r(NULL, "\n", &save))
		if (parse(s, out) && out->start <= addr && addr < out->end)
			found = true;
	free(copy);
	return found;
}

static bool any_named(const char *name)
{
	char *s, *save = NULL, *copy = strdup(text);
	struct line l;
	bool found = false;

	for (s = strtok_r(copy, "\n", &save); s && !found; s = strtok_r(NULL, "\n", &save))
		if (parse(s, &l) && !strcmp(l.name, name))
			found = true;
	free(copy);
	return found;
}

int main(int argc, char **argv)
{
	bool sandboxed = argc > 1 && !strcmp(argv[1], "sandboxed");
	char path[] = "/tmp/mapscheck.XXXXXX", *s, *save = NULL, *copy, self[PATH_MAX];
	size_t len = read_maps();
	int fd, lines = 0, bad = 0, outside = 0;
	struct line l;
	struct stat st;
	pthread_attr_t at;
	void *stack = NULL, *file, *fresh, *brk0;
	size_t ssize = 0;
	long r;

	check(len > 0, "/proc/self/maps opens and reads", (long)len);
	copy = strdup(text);
	for (s = strtok_r(copy, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		lines++;
		if (!parse(s, &l)) {
			bad++;
			printf("# unparsed: %s\n", s);
			continue;
		}
		if (!(l.start >= LOW_START && l.end <= LOW_END) &&
		    !(l.start >= HIGH_START && l.end <= HIGH_END) && strcmp(l.name, "[vsyscall]"))
			outside++;
	}
	free(copy);
	check(lines > 3 && bad == 0, "every line parses as Linux prints it", bad);
	if (sandboxed)
		check(outside == 0, "no line outside the program's windows", outside);

	/* the program itself: r-x, the file's inode */
	if (!realpath(argv[0], self))
		self[0] = 0;
	check(find((uintptr_t)main, &l) && l.perms[0] == 'r' && l.perms[2] == 'x' &&
	      !stat(self, &st) && l.ino == st.st_ino && !strcmp(l.name, self),
	      "the program's code: r-x, its path and inode", (long)l.ino);
	check(find((uintptr_t)&lines, &l) && !strcmp(l.name, "[stack]"), "[stack] holds a local",
	      0);
	if (getauxval(AT_SYSINFO_EHDR))
		check(find(getauxval(AT_SYSINFO_EHDR), &l) && !strcmp(l.name, "[vdso]") &&
		      any_named("[vvar]"), "[vdso] at AT_SYSINFO_EHDR, and [vvar]", 0);

	/* a file it maps: path, offset, inode; brk grown: [heap] */
	fd = mkstemp(path);
	if (fd >= 0 && ftruncate(fd, 3 * 4096) == 0 && !fstat(fd, &st)) {
		file = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 4096);
		brk0 = sbrk(0);
		r = brk0 != (void *)-1 && sbrk(65536) != (void *)-1;
		read_maps();
		check(file != MAP_FAILED && find((uintptr_t)file, &l) && l.off == 4096 &&
		      l.ino == st.st_ino && l.perms[3] == 's' && !strcmp(l.name, path),
		      "a mapped file: its path, offset 0x1000, inode, shared", (long)l.off);
		check(r && find((uintptr_t)brk0, &l) && !strcmp(l.name, "[heap]"),
		      "[heap] after brk grows", 0);
		unlink(path);
		close(fd);
	} else {
		check(false, "a scratch file in /tmp", fd);
	}
	fresh = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	read_maps();
	check(fresh != MAP_FAILED && find((uintptr_t)fresh + 4 * 4096, &l) &&
	      l.perms[0] == 'r' && l.perms[1] == 'w' && l.perms[3] == 'p' && l.ino == 0,
	      "a later anonymous mapping shows in a later open", 0);
	r = pthread_getattr_np(pthread_self(), &at);
	if (!r)
		r = pthread_attr_getstack(&at, &stack, &ssize);
	check(r == 0 && (char *)stack < (char *)&lines && (char *)&lines < (char *)stack + ssize,
	      "pthread_getattr_np finds the main thread's stack", r);
	if (sandboxed) {	/* natively root may open it for writing */
		fd = open("/proc/self/maps", O_RDWR | O_CLOEXEC);
		check(fd < 0 && errno == EACCES, "opening it for writing: EACCES", fd);
		if (fd >= 0)
			close(fd);
	}
	return failures ? 1 : 0;
}
