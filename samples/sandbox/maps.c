// SPDX-License-Identifier: GPL-2.0
/*
 * maps.c - /proc/self/maps, the program's own.
 *
 * The program is this process, so the kernel's /proc/self/maps would list
 * the supervisor's mappings - its code, heap, libdune, the page tables,
 * the windows' reservations - and the file rules hide /proc anyway (the
 * built-in policy and shell.policy deny it; Landlock gives the supervisor
 * no right to read a file there).  Programs read it for their own
 * layout: glibc's pthread_getattr_np() for the main thread's stack (the
 * JVM, Boehm GC, Rust's std of earlier years), GNU grep's stack-overflow
 * handler, sanitizers, debuggers.  So an open of it is answered here,
 * whatever the path rules say of /proc: a sealed memfd holding
 * mem_maps()'s text - the program's mappings only, as Linux prints a
 * process's (fs/proc/task_mmu.c).  Nothing of the host is in it.
 *
 * The text is taken at the open, not at each read from offset 0 as
 * procfs does: a program that maps memory after opening it does not see
 * the new mapping in that descriptor (glibc and the runtimes above open,
 * read and close in one go).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "sandbox.h"

/* /proc/self/maps, /proc/thread-self/maps, /proc/PID/maps of this process */
bool is_self_maps(const char *abs)
{
	char mine[64];

	snprintf(mine, sizeof(mine), "/proc/%d/maps", getpid());
	return !strcmp(abs, "/proc/self/maps") || !strcmp(abs, "/proc/thread-self/maps") ||
	       !strcmp(abs, mine);
}

/* The descriptor an open of it gives the program, or -errno. */
long maps_open(long flags)
{
	size_t len = 16384, need;
	char *buf = NULL, *more;
	long fd, r;

	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))
		return -EACCES;		/* mode 0444 */
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	for (;;) {
		more = realloc(buf, len);
		if (!more) {
			free(buf);
			return -ENOMEM;
		}
		buf = more;
		need = mem_maps(buf, len);
		if (need < len)
			break;
		len = need + 4096;	/* it may grow meanwhile: try again */
	}
	fd = syscall(SYS_memfd_create, "maps", MFD_ALLOW_SEALING |
		     ((flags & O_CLOEXEC) ? MFD_CLOEXEC : 0));
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	r = write((int)fd, buf, need) == (ssize_t)need ? 0 : -EIO;
	free(buf);
	if (!r && (lseek((int)fd, 0, SEEK_SET) ||
		   fcntl((int)fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
			 F_SEAL_SEAL)))
		r = -errno;
	if (r) {
		close((int)fd);
		return r;
	}
	return fd;
}
