// SPDX-License-Identifier: GPL-2.0
/*
 * paths.c - the supervisor's path checks: the policy's path rules, the
 * paths the program never opens whatever the policy (they are us), and
 * where an opened descriptor really leads.
 *
 * check_path_str() works on the supervisor's copy of a path (copyin.c
 * made it): the kernel is then given the same copy, so what was checked
 * is what is opened.  check_path() is the same for callers that still
 * hold a program pointer: it copies the string first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sandbox.h"

/* Make @path absolute (relative to @dirfd) and drop ".", ".." and "//". */
int abs_path(int dirfd, const char *path, char *out, size_t len)
{
	char buf[PATH_MAX * 2], *parts[512], *p, *save;
	int n = 0, i;
	size_t o = 0;

	if (path[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", path);
	} else {
		char base[PATH_MAX];

		if (dirfd == AT_FDCWD) {
			if (!getcwd(base, sizeof(base)))
				return -ENOENT;
		} else {
			char link[64];
			ssize_t r;

			if (is_supervisor_fd(dirfd))
				return -EBADF;
			snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
			r = readlink(link, base, sizeof(base) - 1);
			if (r < 0)
				return -EBADF;
			base[r] = 0;
		}
		snprintf(buf, sizeof(buf), "%s/%s", base, path);
	}
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (n)
				n--;
			continue;
		}
		if (n == 512)
			return -ENAMETOOLONG;
		parts[n++] = p;
	}
	if (n == 0) {
		snprintf(out, len, "/");
		return 0;
	}
	for (i = 0; i < n; i++) {
		int w = snprintf(out + o, len - o, "/%s", parts[i]);

		if (w < 0 || (size_t)w >= len - o)
			return -ENAMETOOLONG;
		o += w;
	}
	return 0;
}

/* Paths the program never opens, whatever the policy: they are us. */
static bool forbidden_path(const char *p)
{
	if (!strcmp(p, "/dev/dune"))
		return true;
	if (!strncmp(p, "/proc/", 6)) {
		const char *e = strrchr(p, '/');

		if (!strcmp(e, "/mem") || !strcmp(e, "/pagemap") || !strcmp(e, "/map_files") ||
		    strstr(p, "/map_files/"))
			return true;
	}
	return false;
}

bool is_self_exe(const char *abs)
{
	char mine[64];

	snprintf(mine, sizeof(mine), "/proc/%d/exe", getpid());
	return !strcmp(abs, "/proc/self/exe") || !strcmp(abs, mine);
}

/*
 * Would writing through @path (as the kernel resolves it from @dirfd)
 * reach one of the supervisor's files?  /proc/self/fd/N, /dev/fd/N and
 * symbolic links to them lead to the trace file: O_TRUNC or truncate()
 * would act before any check of the opened descriptor.
 */
static bool reaches_supervisor(int dirfd, const char *path)
{
	struct stat st;

	return !fstatat(dirfd, path, &st, 0) && is_supervisor_inode(st.st_dev, st.st_ino);
}

/* The path rules for the supervisor's copy of a path: 0, or -errno. */
long check_path_str(int dirfd, const char *path, bool write, char *abs, size_t len)
{
	enum path_rule r;

	if (!path)
		return -EFAULT;
	if (abs_path(dirfd, path, abs, len))
		return -ENAMETOOLONG;
	if (forbidden_path(abs))
		return -EACCES;
	r = path_check(abs);
	if (r == PATH_DENY || (r == PATH_READONLY && write))
		return -EACCES;
	if (write && reaches_supervisor(dirfd, path))
		return -EACCES;
	return 0;
}

/*
 * The same for a program pointer: copied first, in one pass under mem.c's
 * lock (mem_copy_str), then checked on the copy - never a length from one
 * read and the bytes from another, never a page another thread unmapped
 * under the supervisor's feet.  @abs is the path the caller then uses.
 */
long check_path(int dirfd, uint64_t upath, bool write, char *abs, size_t len)
{
	char copy[PATH_MAX];
	long n = mem_copy_str(copy, upath, sizeof(copy));

	if (n < 0)
		return n;
	return check_path_str(dirfd, copy, write, abs, len);
}

/*
 * After an open: check where the descriptor really leads (symbolic links,
 * /proc/self/fd/N): the path rules again, and never one of our files.
 */
long check_opened(long fd, bool write)
{
	char link[64], real[PATH_MAX];
	ssize_t r;
	enum path_rule pr;

	if (fd < 0)
		return fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
	r = readlink(link, real, sizeof(real) - 1);
	real[r > 0 ? r : 0] = 0;
	if (is_supervisor_file((int)fd, r > 0 ? real : NULL)) {
		close((int)fd);
		return -EACCES;
	}
	if (r <= 0 || real[0] != '/')
		return fd;	/* pipe:[...], anon_inode:... */
	pr = path_check(real);
	if (forbidden_path(real) || pr == PATH_DENY || (pr == PATH_READONLY && write)) {
		close((int)fd);
		return -EACCES;
	}
	return fd;
}
