// SPDX-License-Identifier: GPL-2.0
/* tmpfs.c - the private in-memory directory (placeholder). */
#include "sandbox.h"

int tmpfs_init(void)
{
	return 0;
}

bool tmpfs_path(const char *path)
{
	(void)path;
	return false;
}

bool tmpfs_fd(int fd)
{
	(void)fd;
	return false;
}

bool tmpfs_handle(long nr, const uint64_t a[6], long *ret)
{
	(void)nr;
	(void)a;
	(void)ret;
	return false;
}
