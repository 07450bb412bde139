// SPDX-License-Identifier: GPL-2.0
/*
 * mem.c - the program's address space.
 *
 * The program's memory is ordinary host memory of this process (so that
 * the host kernel can read and write it when a system call is forwarded:
 * in Dune mode a pointer means the same thing in the guest and on the
 * host), kept in two windows the supervisor never uses (sandbox.h).  What
 * makes it the *program's* is the guest page tables: only these pages get
 * PTE_U, so ring 3 can touch nothing else - not libdune, not our heap, not
 * the page tables.  Every change goes to both sides: the host mapping
 * (mmap, mprotect, munmap) and the guest entries (dune_vm_map_phys with
 * PERM_U, dune_vm_unmap).
 *
 * We keep our own list of the program's mappings ("vmas"), sorted, and
 * check every pointer a system call would make the kernel dereference
 * against it: the kernel itself would happily read supervisor memory, it
 * is the same process.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "sandbox.h"

#define MAX_VMAS 8192

struct vma {
	uint64_t start, end;
	int prot;
};

static struct vma vmas[MAX_VMAS];
static int nvmas;
static uint64_t brk_start, brk_cur;

bool mem_in_window(uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (end < start)
		return false;
	return (start >= LOW_START && end <= LOW_END) ||
	       (start >= HIGH_START && end <= HIGH_END);
}

static int perm_of(int prot)
{
	int perm = PERM_U;

	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		perm |= PERM_R;
	if (prot & PROT_WRITE)
		perm |= PERM_W;
	if (prot & PROT_EXEC)
		perm |= PERM_X;
	return perm;
}

/* The guest side of a range: PERM_U entries to its guest-physical pages. */
static int guest_map(uint64_t start, uint64_t end, int prot)
{
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) {
		dune_vm_unmap(pgroot, (void *)start, end - start);
		return 0;
	}
	while (start < end) {
		/* A 2 MiB chunk is contiguous in guest-physical memory. */
		uint64_t cend = (start | ((2UL << 20) - 1)) + 1;
		uintptr_t pa;
		int ret;

		if (cend > end)
			cend = end;
		pa = dune_va_to_pa((void *)start);
		ret = dune_vm_map_phys(pgroot, (void *)start, cend - start, (void *)pa,
				       perm_of(prot));
		if (ret)
			return ret;
		start = cend;
	}
	return 0;
}

/* ---- the list ---------------------------------------------------------- */

/* Split the vma containing @addr (if any) at @addr. */
static int split_at(uint64_t addr)
{
	int i;

	for (i = 0; i < nvmas; i++) {
		if (vmas[i].start < addr && addr < vmas[i].end) {
			if (nvmas == MAX_VMAS)
				return -ENOMEM;
			memmove(&vmas[i + 1], &vmas[i], (nvmas - i) * sizeof(vmas[0]));
			nvmas++;
			vmas[i].end = addr;
			vmas[i + 1].start = addr;
			return 0;
		}
		if (vmas[i].start >= addr)
			break;
	}
	return 0;
}

static void list_remove(uint64_t start, uint64_t end)
{
	int i, j;

	if (split_at(start) || split_at(end))
		return;
	for (i = j = 0; i < nvmas; i++)
		if (!(vmas[i].start >= start && vmas[i].end <= end))
			vmas[j++] = vmas[i];
	nvmas = j;
}

static int list_insert(uint64_t start, uint64_t end, int prot)
{
	int i;

	list_remove(start, end);
	if (nvmas == MAX_VMAS)
		return -ENOMEM;
	for (i = 0; i < nvmas && vmas[i].start < start; i++)
		;
	memmove(&vmas[i + 1], &vmas[i], (nvmas - i) * sizeof(vmas[0]));
	vmas[i].start = start;
	vmas[i].end = end;
	vmas[i].prot = prot;
	nvmas++;
	return 0;
}

/* Is every byte of [addr, addr + len) the program's, readable (writable)? */
bool mem_check(uint64_t addr, uint64_t len, bool write)
{
	uint64_t end = addr + len;
	int i;

	if (len == 0)
		return true;
	if (end < addr)
		return false;
	for (i = 0; i < nvmas && addr < end; i++) {
		if (vmas[i].end <= addr)
			continue;
		if (vmas[i].start > addr)
			return false;
		if (!(vmas[i].prot & PROT_READ) || (write && !(vmas[i].prot & PROT_WRITE)))
			return false;
		addr = vmas[i].end;
	}
	return addr >= end;
}

/* The length of the string at @addr, or -EFAULT (also if longer than max). */
long mem_strlen(uint64_t addr, uint64_t max)
{
	uint64_t n = 0;

	while (n < max) {
		uint64_t page_end = PAGE_DOWN(addr + n) + PAGE_SIZE;
		const char *p = (const char *)(addr + n), *z;

		if (!mem_check(addr + n, 1, false))
			return -EFAULT;
		z = memchr(p, 0, page_end - (addr + n));
		if (z)
			return n + (z - p);
		n = page_end - addr;
	}
	return -ENAMETOOLONG;
}

/* A free range of @len bytes: at @hint if it is free, else top-down. */
uint64_t mem_find_free(uint64_t len, uint64_t hint)
{
	uint64_t top = MMAP_TOP;
	int i;

	if (hint && mem_in_window(hint, len)) {
		for (i = 0; i < nvmas; i++)
			if (vmas[i].start < hint + len && hint < vmas[i].end)
				break;
		if (i == nvmas)
			return hint;
	}
	for (i = nvmas - 1; i >= 0; i--) {
		if (vmas[i].start >= top)
			continue;
		if (vmas[i].end <= top - len && top - len >= HIGH_START)
			return top - len;
		top = vmas[i].start;
	}
	if (top - len >= HIGH_START && top >= HIGH_START + len)
		return top - len;
	return 0;
}

/* ---- host and guest together ---------------------------------------------- */

int mem_map(uint64_t start, uint64_t len, int prot, int flags, int fd, off_t off)
{
	void *p;
	int ret;

	p = mmap((void *)start, len, prot, flags | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		return -errno;
	ret = list_insert(start, start + len, prot);
	if (!ret)
		ret = guest_map(start, start + len, prot);
	if (ret) {
		munmap((void *)start, len);
		list_remove(start, start + len);
	}
	return ret;
}

int mem_unmap(uint64_t start, uint64_t len)
{
	if (munmap((void *)start, len))
		return -errno;
	dune_vm_unmap(pgroot, (void *)start, len);
	list_remove(start, start + len);
	return 0;
}

int mem_protect(uint64_t start, uint64_t len, int prot)
{
	uint64_t end = start + len;
	int i, ret;

	if (mprotect((void *)start, len, prot))
		return -errno;
	ret = split_at(start);
	if (!ret)
		ret = split_at(end);
	if (ret)
		return ret;
	for (i = 0; i < nvmas; i++)
		if (vmas[i].start >= start && vmas[i].end <= end)
			vmas[i].prot = prot;
	return guest_map(start, end, prot);
}

/* Forget every mapping (execve): host and guest. */
void mem_reset(void)
{
	while (nvmas) {
		struct vma v = vmas[nvmas - 1];

		mem_unmap(v.start, v.end - v.start);
	}
	brk_start = brk_cur = 0;
}

/* After fork, in a fresh VM: the guest entries again for every mapping. */
int mem_remap_all(void)
{
	int i, ret;

	for (i = 0; i < nvmas; i++) {
		ret = guest_map(vmas[i].start, vmas[i].end, vmas[i].prot);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- the system calls ------------------------------------------------------ */

static bool covered(uint64_t start, uint64_t end)
{
	int i;

	for (i = 0; i < nvmas && start < end; i++) {
		if (vmas[i].end <= start)
			continue;
		if (vmas[i].start > start)
			return false;
		start = vmas[i].end;
	}
	return start >= end;
}

long sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, off_t off)
{
	int hostflags;
	long ret;

	if (!len || (addr & (PAGE_SIZE - 1)) || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	len = PAGE_UP(len);
	if (!len)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	/* The program never maps the supervisor's files (e.g. /dev/dune). */
	if (!(flags & MAP_ANONYMOUS) && is_supervisor_fd(fd))
		return -EBADF;
	if (!(flags & MAP_ANONYMOUS) && tmpfs_fd(fd))
		return -ENODEV;
	if (flags & (MAP_GROWSDOWN | MAP_HUGETLB))
		return -EINVAL;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!mem_in_window(addr, len))
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED)) {
			int i;

			for (i = 0; i < nvmas; i++)
				if (vmas[i].start < addr + len && addr < vmas[i].end)
					return -EEXIST;
		}
	} else {
		addr = mem_find_free(len, addr);
		if (!addr)
			return -ENOMEM;
	}
	/* MAP_FIXED over what is not ours would replace someone's memory. */
	hostflags = flags & ~(MAP_FIXED_NOREPLACE | MAP_POPULATE | MAP_LOCKED);
	if (!covered(addr, addr + len))
		hostflags |= MAP_FIXED_NOREPLACE;
	if (hostflags & MAP_FIXED_NOREPLACE) {
		/* unmap our own parts first, then claim the rest */
		int i;

		for (i = 0; i < nvmas; i++)
			if (vmas[i].start < addr + len && addr < vmas[i].end)
				break;
		if (i < nvmas)
			mem_unmap(addr, len);
		hostflags |= MAP_FIXED_NOREPLACE;
		{
			void *p = mmap((void *)addr, len, prot, hostflags & ~MAP_FIXED, fd, off);

			if (p == MAP_FAILED)
				return -errno;
			if ((uint64_t)p != addr) {
				munmap(p, len);
				return -ENOMEM;
			}
		}
		ret = list_insert(addr, addr + len, prot);
		if (!ret)
			ret = guest_map(addr, addr + len, prot);
		if (ret) {
			mem_unmap(addr, len);
			return ret;
		}
		return (long)addr;
	}
	ret = mem_map(addr, len, prot, hostflags, fd, off);
	return ret ? ret : (long)addr;
}

long sys_munmap(uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	len = PAGE_UP(len);
	if (!mem_in_window(addr, len))
		return -EINVAL;
	/* Only our own parts: holes in the window may hold nothing else anyway. */
	{
		uint64_t end = addr + len;
		int i;

		for (i = nvmas - 1; i >= 0; i--) {
			uint64_t s = vmas[i].start > addr ? vmas[i].start : addr;
			uint64_t e = vmas[i].end < end ? vmas[i].end : end;

			if (s < e) {
				long ret = mem_unmap(s, e - s);

				if (ret)
					return ret;
				i = nvmas;	/* the list changed: start over */
			}
		}
	}
	return 0;
}

long sys_mprotect(uint64_t addr, uint64_t len, int prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	len = PAGE_UP(len);
	if (!len)
		return 0;
	if (!covered(addr, addr + len))
		return -ENOMEM;
	return mem_protect(addr, len, prot);
}

void mem_set_brk(uint64_t start)
{
	brk_start = brk_cur = PAGE_UP(start);
}

long sys_brk(uint64_t addr)
{
	uint64_t top = PAGE_UP(brk_cur), want = PAGE_UP(addr);

	if (!brk_start || addr < brk_start)
		return (long)brk_cur;
	if (want > top) {
		if (!mem_in_window(top, want - top))
			return (long)brk_cur;
		if (mem_find_free(want - top, top) != top)
			return (long)brk_cur;
		if (sys_mmap(top, want - top, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (long)top)
			return (long)brk_cur;
	} else if (want < top) {
		sys_munmap(want, top - want);
	}
	brk_cur = addr;
	return (long)brk_cur;
}

long sys_mremap(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags, uint64_t newaddr)
{
	int prot = 0, i;
	uint64_t dest;

	if ((old & (PAGE_SIZE - 1)) || !newlen)
		return -EINVAL;
	oldlen = PAGE_UP(oldlen);
	newlen = PAGE_UP(newlen);
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if (!oldlen || !covered(old, old + oldlen))
		return -EFAULT;
	for (i = 0; i < nvmas; i++)
		if (vmas[i].start <= old && old < vmas[i].end)
			prot = vmas[i].prot;
	if (newlen <= oldlen && !(flags & MREMAP_FIXED)) {
		if (newlen < oldlen)
			sys_munmap(old + newlen, oldlen - newlen);
		return (long)old;
	}
	if (flags & MREMAP_FIXED) {
		if (!(flags & MREMAP_MAYMOVE) || !mem_in_window(newaddr, newlen))
			return -EINVAL;
		dest = newaddr;
		sys_munmap(dest, newlen);
	} else if (mem_find_free(newlen - oldlen, old + oldlen) == old + oldlen) {
		dest = old;
	} else if (flags & MREMAP_MAYMOVE) {
		dest = mem_find_free(newlen, 0);
		if (!dest)
			return -ENOMEM;
	} else {
		return -ENOMEM;
	}
	if (dest == old) {
		void *p = mremap((void *)old, oldlen, newlen, 0);

		if (p == MAP_FAILED)
			return -errno;
	} else {
		void *p = mremap((void *)old, oldlen, newlen,
				 MREMAP_MAYMOVE | MREMAP_FIXED, (void *)dest);

		if (p == MAP_FAILED)
			return -errno;
		dune_vm_unmap(pgroot, (void *)old, oldlen);
		list_remove(old, old + oldlen);
	}
	if (list_insert(dest, dest + newlen, prot) || guest_map(dest, dest + newlen, prot))
		return -ENOMEM;
	return (long)dest;
}

long sys_madvise(uint64_t addr, uint64_t len, int advice)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	len = PAGE_UP(len);
	if (!covered(addr, addr + len))
		return -ENOMEM;
	if (madvise((void *)addr, len, advice))
		return -errno;
	return 0;
}
