// SPDX-License-Identifier: GPL-2.0
/*
 * tmpfiles - what programs do in /tmp, in the directory DIR (natively a
 * scratch directory; in the sandbox the private tmpfs of "private-tmp"):
 * subdirectories, many files, large files, mmap of a file (shared and
 * private), a file written by a forked child and read by its parent,
 * rename and symbolic links, exec of a file made there (configure's
 * conftest), O_TMPFILE, and statfs.  With "full BYTES" it fills DIR and
 * expects ENOSPC before BYTES + 1 MiB were written (a size-limited tmpfs).
 *
 *   tmpfiles DIR [tmpfs]       the checks; "tmpfs": DIR must be a tmpfs
 *   tmpfiles DIR full BYTES    the size limit
 *
 * Prints "ok WHAT" / "FAIL WHAT" lines; exits 0 if every check passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "checks.h"

#define NFILES		200		/* the old emulation held 64 */
#define BIG		(3UL << 20)	/* and at most 1 MiB each */
#define MIB		(1UL << 20)

static char dir[PATH_MAX / 2];

/* DIR/NAME, in one of two buffers: two at() may be one call's arguments */
static const char *at(const char *name)
{
	static char path[2][PATH_MAX];
	static unsigned int which;

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", dir, name);
	return path[which];
}

static int put(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static void t_dirs(void)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	r = mkdir(at("a"), 0755) || mkdir(at("a/b"), 0700) || mkdir(at("a/b/c"), 0755);
	check(r == 0, "mkdir a/b/c", r);
	snprintf(path, sizeof(path), "%s", at("a/b/c/f"));
	r = put(path, "deep\n", 5);
	check(r == 0 && !stat(path, &st) && st.st_size == 5, "a file three directories down", r);
	r = rename(path, at("a/g"));
	check(r == 0 && !access(at("a/g"), R_OK) && access(path, F_OK), "rename across directories", r);
	r = unlink(at("a/g")) || rmdir(at("a/b/c")) || rmdir(at("a/b")) || rmdir(at("a"));
	check(r == 0 && access(at("a"), F_OK), "unlink and rmdir", r);
}

static void t_many(void)
{
	char name[32];
	int i, r = 0;

	for (i = 0; i < NFILES && !r; i++) {
		snprintf(name, sizeof(name), "many.%d", i);
		r = put(at(name), name, strlen(name));
	}
	check(r == 0, "200 files", i);
	for (i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "many.%d", i);
		unlink(at(name));
	}
}

static void t_big(void)
{
	char *buf = malloc(BIG), *back = malloc(BIG);
	int fd, r;
	size_t i;

	for (i = 0; i < BIG; i++)
		buf[i] = (char)(i * 7 + i / 4096);
	r = put(at("big"), buf, BIG);
	check(r == 0, "a 3 MiB file", r);
	fd = open(at("big"), O_RDONLY | O_CLOEXEC);
	r = fd >= 0 && read(fd, back, BIG) == (ssize_t)BIG && !memcmp(buf, back, BIG);
	check(r, "read back, byte for byte", fd);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(back);
}

static void t_mmap(void)
{
	int fd = open(at("big"), O_RDWR | O_CLOEXEC);
	char *shared, *priv, byte = 0;
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) || st.st_size != (off_t)BIG)) {
		close(fd);	/* not all written (a FAIL above): a mapping would SIGBUS */
		fd = -1;
	}
	shared = fd < 0 ? MAP_FAILED : mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(shared != MAP_FAILED, "mmap MAP_SHARED of a file there", fd);
	if (shared == MAP_FAILED)
		return;
	check(shared[BIG - 1] == (char)((BIG - 1) * 7 + (BIG - 1) / 4096),
	      "the mapping shows the file", shared[BIG - 1]);
	shared[MIB] = 'M';
	check(pread(fd, &byte, 1, MIB) == 1 && byte == 'M', "a store through it reaches the file",
	      byte);
	priv = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(priv != MAP_FAILED && priv[MIB] == 'M', "mmap MAP_PRIVATE sees it too", 0);
	if (priv != MAP_FAILED) {
		priv[MIB] = 'P';
		check(shared[MIB] == 'M', "a private store stays private", shared[MIB]);
		munmap(priv, BIG);
	}
	munmap(shared, BIG);
	close(fd);
	unlink(at("big"));
}

static void t_fork(void)
{
	char buf[16] = "";
	pid_t p = fork();
	int st = -1, fd;

	if (p == 0)
		_exit(put(at("from-child"), "child\n", 6) ? 1 : 0);
	waitpid(p, &st, 0);
	fd = open(at("from-child"), O_RDONLY | O_CLOEXEC);
	check(WIFEXITED(st) && !WEXITSTATUS(st) && fd >= 0 && read(fd, buf, sizeof(buf)) == 6 &&
	      !strcmp(buf, "child\n"), "a forked child's file, read by its parent", st);
	if (fd >= 0)
		close(fd);
	unlink(at("from-child"));
}

static void t_links(void)
{
	char buf[PATH_MAX];
	ssize_t n;
	int r;

	r = put(at("target"), "t\n", 2) || symlink("target", at("link"));
	n = readlink(at("link"), buf, sizeof(buf) - 1);
	check(r == 0 && n == 6 && !memcmp(buf, "target", 6) && !access(at("link"), R_OK),
	      "a symbolic link", n);
	r = link(at("target"), at("hard"));
	check(r == 0, "a hard link", r);
	unlink(at("link"));
	unlink(at("hard"));
	unlink(at("target"));
}

/* configure's conftest: a program copied there, then run */
static void t_exec(const char *self)
{
	int in = open(self, O_RDONLY | O_CLOEXEC), out, st = -1;
	char buf[65536];
	ssize_t n;
	pid_t p;

	out = open(at("conftest"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	p = fork();
	if (p == 0) {
		execl(at("conftest"), "conftest", "exit", "7", (char *)NULL);
		_exit(127);
	}
	waitpid(p, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 7, "exec of a program written there", st);
	unlink(at("conftest"));
}

static void t_tmpfile(void)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	char c = 0;

	check(fd >= 0 && write(fd, "x", 1) == 1 && pread(fd, &c, 1, 0) == 1 && c == 'x',
	      "O_TMPFILE", fd);
	if (fd >= 0)
		close(fd);
}

static void t_fill(unsigned long limit)
{
	static char buf[65536];
	unsigned long total = 0;
	int fd = open(at("fill"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n = 0;

	memset(buf, 'f', sizeof(buf));
	while (fd >= 0 && total <= limit + MIB) {
		n = write(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		total += (unsigned long)n;
	}
	check(fd >= 0 && n < 0 && errno == ENOSPC && total <= limit,
	      "the size limit: ENOSPC before it is passed", (long)total);
	if (fd >= 0)
		close(fd);
	unlink(at("fill"));
}

int main(int argc, char **argv)
{
	struct statfs sf;

	if (argc > 1 && !strcmp(argv[1], "exit"))
		return argc > 2 ? atoi(argv[2]) : 0;
	if (argc < 2) {
		fprintf(stderr, "usage: tmpfiles DIR [tmpfs] | DIR full BYTES\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	if (argc > 3 && !strcmp(argv[2], "full")) {
		t_fill(strtoul(argv[3], NULL, 0));
		return failures ? 1 : 0;
	}
	if (argc > 2 && !strcmp(argv[2], "tmpfs"))
		check(!statfs(dir, &sf) && sf.f_type == TMPFS_MAGIC, "DIR is a tmpfs", (long)sf.f_type);
	t_dirs();
	t_many();
	t_big();
	t_mmap();
	t_fork();
	t_links();
	t_exec(argv[0]);
	t_tmpfile();
	return failures ? 1 : 0;
}
