// SPDX-License-Identifier: GPL-2.0
/*
 * pathsafe.c - the supervisor's own path checks for the calls whose
 * paths are not plain arguments: the files the loader opens, sockaddr_un
 * paths, O_TRUNC.  The kernel enforces the same rules (fsrules.c: mount
 * namespace and Landlock); these checks give the clear error and the
 * trace line, and they hold on their own if a kernel layer is missing
 * (--no-landlock, --no-namespaces).
 *
 * Where they are called from:
 *   path_check_fd()    the loader, after opening the program, its
 *                      PT_INTERP interpreter and a #! interpreter
 *   check_sockaddr()   connect, bind and sendto (and sendmsg's msg_name),
 *                      on the supervisor's copy of the address
 *   open_flags_forwarded() / open_finish()
 *                      open, openat, creat: O_TRUNC is taken off the
 *                      forwarded call and done with ftruncate only once
 *                      the opened file has passed the after-open check
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "sandbox.h"

/*
 * The rule for the file @fd really is (its path as the kernel knows it):
 * 0, or -EACCES.  A descriptor with no path (pipe, socket) passes.
 */
long path_check_fd(int fd, bool write)
{
	char link[64], real[PATH_MAX];
	enum path_rule r;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n <= 0)
		return -EACCES;		/* cannot tell: refuse */
	real[n] = 0;
	if (real[0] != '/')
		return 0;		/* pipe:[...], socket:[...], anon_inode:... */
	r = path_check(real);
	if (r == PATH_DENY || (r == PATH_READONLY && write))
		return -EACCES;
	return 0;
}

/*
 * A socket address the program gave (already copied into supervisor
 * memory, @len bytes).  A pathname AF_UNIX address is a file: connecting
 * or sending needs it not denied, binding (which creates it) needs it
 * writable.  Abstract names live in the sandbox's own network namespace.
 */
long check_sockaddr(const void *sa, size_t len, bool create)
{
	const struct sockaddr_un *un = sa;
	char path[sizeof(un->sun_path) + 1], abs[PATH_MAX];
	size_t n;
	enum path_rule r;

	if (!sa || len < offsetof(struct sockaddr_un, sun_path) + 1 ||
	    un->sun_family != AF_UNIX)
		return 0;
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof(un->sun_path))
		n = sizeof(un->sun_path);
	if (un->sun_path[0] == 0)
		return 0;		/* abstract */
	memcpy(path, un->sun_path, n);
	path[n] = 0;
	if (abs_path(AT_FDCWD, path, abs, sizeof(abs)))
		return -ENAMETOOLONG;
	r = path_check(abs);
	if (r == PATH_DENY || (r == PATH_READONLY && create))
		return -EACCES;
	return 0;
}

/* The flags to forward for an open with @flags: never O_TRUNC. */
long open_flags_forwarded(long flags)
{
	return flags & ~(long)O_TRUNC;
}

/*
 * After the forwarded open returned @fd and the after-open check passed:
 * the truncation the program asked for, on the file it really opened.
 */
long open_finish(long fd, long flags)
{
	struct stat st;

	if (fd < 0 || !(flags & O_TRUNC) || (flags & O_ACCMODE) == O_RDONLY)
		return fd;
	if (fstat((int)fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate((int)fd, 0)) {
		long err = -errno;

		close((int)fd);
		return err;
	}
	return fd;
}
