// SPDX-License-Identifier: GPL-2.0
/*
 * guestmem.c - read and write guest memory that the guest may have made
 * invalid, from the host side.
 *
 * A bad pointer from the guest must become -EFAULT, never a SIGSEGV of the
 * host loop, so the host side never dereferences such a pointer itself.
 * The kernel copies for us and says EFAULT: process_vm_readv on ourselves
 * - for a write too, with the guest's buffer as the "local" one, which the
 * kernel writes to as it does to a read(2) buffer; so one call serves
 * both ways, and a seccomp filter that refuses process_vm_writev (as
 * dune-sandbox's does: samples/sandbox/hostfilter.c) costs nothing.
 * Where it does not exist (CONFIG_CROSS_MEMORY_ATTACH=n) or a filter
 * refuses it too, a pread/pwrite of /proc/self/mem.  If neither is
 * possible, the answer is -EFAULT.
 *
 * Host side (rule R1, loop.c): raw system calls only.
 */
#include <fcntl.h>

#include "internal.h"
#include "sys.h"

static int copy_guest(bool write, uint64_t guest, void *local_buf, size_t len)
{
	struct { void *base; size_t len; } dst = { write ? (void *)guest : local_buf, len },
					   src = { write ? local_buf : (void *)guest, len };
	long ret, fd;

	/* process_vm_readv(pid, local = where to, remote = where from) */
	ret = dune_syscall6(__NR_process_vm_readv, dune_sys_getpid(),
			    (long)&dst, 1, (long)&src, 1, 0);
	if (ret == (long)len)
		return 0;
	if (ret != -EPERM && ret != -ENOSYS)
		return -EFAULT;
	fd = dune_syscall3(__NR_openat, AT_FDCWD, (long)"/proc/self/mem",
			   (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -EFAULT;
	ret = dune_syscall6(write ? __NR_pwrite64 : __NR_pread64, fd, (long)local_buf,
			    (long)len, (long)guest, 0, 0);
	dune_sys_close(fd);
	return ret == (long)len ? 0 : -EFAULT;
}

int dune_copy_from_guest(void *dst, uint64_t src, size_t len)
{
	return copy_guest(false, src, dst, len);
}

int dune_copy_to_guest(uint64_t dst, const void *src, size_t len)
{
	return copy_guest(true, dst, (void *)src, len);
}
