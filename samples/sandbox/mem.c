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
 * (mmap, mprotect, and "munmap", see below) and the guest entries
 * (dune_vm_map_phys with PERM_U, dune_vm_unmap).
 *
 * The invariant (sandbox.h): an address inside a window holds program
 * memory or nothing, at every instant, on the host side too.  At start,
 * mem_reserve_windows() covers both windows with PROT_NONE, MAP_NORESERVE
 * anonymous mappings (no memory, no commit charge; libdune skips PROT_NONE
 * mappings when it registers chunks).  The kernel never places a mapping
 * of the supervisor, glibc or libdune over an existing one, so nothing of
 * theirs can land in a window; and the program's "munmap" puts the
 * reservation back (mmap MAP_FIXED PROT_NONE, which replaces atomically)
 * instead of leaving a hole.  A flat buffer that mem_check() accepted is
 * therefore the program's, or PROT_NONE, for the whole of a forwarded call,
 * whatever another program thread maps or unmaps meanwhile: the host kernel
 * can only ever reach program memory through it, or fail with EFAULT.
 * (mremap's moves and in-place growth leave a hole for the moment between
 * two host calls, made with the lock held; the kernel's top-down allocator
 * never places a supervisor mapping there, with terabytes free above the
 * high window - and a layout without that, the legacy bottom-up one, puts
 * the supervisor's libraries inside the window, which makes
 * mem_reserve_windows() refuse to start.)
 *
 * We keep our own list of the program's mappings ("vmas"), sorted, and
 * check every pointer a system call would make the kernel dereference
 * against it: the kernel itself would happily read supervisor memory, it
 * is the same process.
 *
 * Lock discipline.  mem_lock, a reader-writer lock, protects: the list
 * (vmas, nvmas), brk_start/brk_cur, and the host and guest mappings inside
 * the windows.  Writers: every change (mmap, munmap, mprotect, mremap, brk,
 * the loader's mappings, exec's reset, a fork child's remap).  Readers:
 * mem_check, mem_strlen, mem_find_free, madvise, and every access of the
 * supervisor to program memory: mem_read, mem_copy_in, mem_write and
 * mem_copy_str check the range and copy under the lock.  Nothing else in
 * the sandbox dereferences a program address (copyin.c, copyout.c, the
 * handlers, the loader and the trace use only these): another thread's
 * munmap can never pull a page from under a ring-0 access, and every
 * byte the supervisor looks at was fetched once.  The public functions
 * take it; the static *_locked ones expect it held (for writing if they
 * change anything).  It is held only around the map change itself - host
 * mmap/mprotect/munmap/mremap/madvise calls, which never wait for the
 * program, and libdune's dune_vm_* calls (which take libdune's own lock
 * inside: order mem_lock, then dune_lock) - never across a forwarded system
 * call: a read() that waits for another thread's write must not stop that
 * thread's mmap.  It is never taken in a host signal handler.  Across
 * fork, process.c holds it for writing (mem_fork_prepare/mem_fork_done) so
 * that the child's copy of the list is consistent and unlocked.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "sandbox.h"

#define MAX_VMAS 8192
#define CHUNK_2M (2UL << 20)	/* libdune's chunk: contiguous guest-physical memory */

/* What /proc/self/maps shows of a mapping besides its range (maps.c). */
struct vma_file {
	uint64_t off;		/* the file offset of start */
	uint64_t dev, ino;
	unsigned int name;	/* index in names[], 0: none */
	bool shared;		/* MAP_SHARED */
};

struct vma {
	uint64_t start, end;
	int prot;
	uint64_t frames;	/* 0, or the host address whose frames the guest sees here */
	struct vma_file f;
};

/* writers first: a thread making checked calls in a loop must not starve mmap */
static pthread_rwlock_t mem_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static struct vma vmas[MAX_VMAS];
static int nvmas;

/*
 * The names of mapped files, each kept once and never freed (a program
 * maps few distinct files); past MAX_NAMES a mapping shows no name.
 */
#define MAX_NAMES 2048
static char *names[MAX_NAMES];
static unsigned int nnames = 1;		/* 0 is "no name" */
static uint64_t brk_start, brk_cur;

static void rdlock(void)
{
	pthread_rwlock_rdlock(&mem_lock);
}

static void wrlock(void)
{
	pthread_rwlock_wrlock(&mem_lock);
}

static void unlock(void)
{
	pthread_rwlock_unlock(&mem_lock);
}

/*
 * Is [start, start + len) wholly inside one program window?  Overflow-safe:
 * no sum is formed before it is known not to wrap.
 */
bool mem_in_window(uint64_t start, uint64_t len)
{
	if (start >= LOW_START && start <= LOW_END)
		return len <= LOW_END - start;
	if (start >= HIGH_START && start <= HIGH_END)
		return len <= HIGH_END - start;
	return false;
}

/* A page-aligned, non-empty range inside a window: all the lower layer takes. */
static bool range_ok(uint64_t start, uint64_t len)
{
	return len && !(start & (PAGE_SIZE - 1)) && !(len & (PAGE_SIZE - 1)) &&
	       mem_in_window(start, len);
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

/*
 * The guest side of a range: PERM_U entries to its guest-physical pages.
 * The lowest layer: it refuses anything not wholly inside a window, whoever
 * calls it, so no caller's arithmetic can give a supervisor page PTE_U.
 */
static int guest_map(uint64_t start, uint64_t end, int prot)
{
	if (end < start || !range_ok(start, end - start))
		return -EINVAL;
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) {
		dune_vm_unmap(pgroot, (void *)start, end - start);
		return 0;
	}
	while (start < end) {
		uint64_t cend = (start | (CHUNK_2M - 1)) + 1;
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

/*
 * The guest side only, read-only for ring 3: the frames behind the host
 * range at @src (the vDSO's data pages, vdso.c), page by page (the two
 * ranges need not cross chunks at the same places).  @src must lie wholly
 * outside the windows: only supervisor-side host pages are shown this way,
 * never program memory under another address.
 */
static int frames_map(uint64_t start, uint64_t end, uint64_t src)
{
	uint64_t send = src + (end - start);
	int ret;

	if (end < start || !range_ok(start, end - start) || (src & (PAGE_SIZE - 1)) ||
	    send < src || (src < LOW_END && send > LOW_START) ||
	    (src < HIGH_END && send > HIGH_START))
		return -EINVAL;
	for (; start < end; start += PAGE_SIZE, src += PAGE_SIZE) {
		ret = dune_vm_map_phys(pgroot, (void *)start, PAGE_SIZE,
				       (void *)dune_va_to_pa((void *)src), PERM_U | PERM_R);
		if (ret)
			return ret;
	}
	return 0;
}

/* The reservation (see the top): PROT_NONE, no memory behind it. */
static int reserve(uint64_t start, uint64_t len, int how)
{
	void *p = mmap((void *)start, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | how, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	if ((uint64_t)p != start) {	/* a kernel without MAP_FIXED_NOREPLACE */
		munmap(p, len);
		return -EEXIST;
	}
	return 0;
}

/*
 * Before dune_init(): claim both windows, so that nothing but the program
 * ever gets memory there.  Fails if something is there already (a
 * supervisor library, with the legacy mmap layout of "ulimit -s unlimited").
 */
int mem_reserve_windows(void)
{
	int ret;

	ret = reserve(LOW_START, LOW_END - LOW_START, MAP_FIXED_NOREPLACE);
	if (!ret)
		ret = reserve(HIGH_START, HIGH_END - HIGH_START, MAP_FIXED_NOREPLACE);
	return ret;
}

/* ---- the list (mem_lock held) ----------------------------------------- */

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
			if (vmas[i + 1].frames)
				vmas[i + 1].frames += addr - vmas[i].start;
			if (vmas[i + 1].f.ino || vmas[i + 1].f.shared)	/* a file's offset */
				vmas[i + 1].f.off += addr - vmas[i].start;
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

static int list_insert(uint64_t start, uint64_t end, int prot, uint64_t frames,
		       const struct vma_file *f)
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
	vmas[i].frames = frames;
	if (f)
		vmas[i].f = *f;
	else
		memset(&vmas[i].f, 0, sizeof(vmas[i].f));
	nvmas++;
	return 0;
}

/* The name index of @path, added if new; 0 if the table is full. */
static unsigned int name_of(const char *path)
{
	unsigned int i;

	for (i = 1; i < nnames; i++)
		if (!strcmp(names[i], path))
			return i;
	if (nnames == MAX_NAMES)
		return 0;
	names[nnames] = strdup(path);
	return names[nnames] ? nnames++ : 0;
}

/* What /proc/self/maps will say of a mapping of @fd at @off (a file's path, its inode). */
static void file_of(int fd, int flags, off_t off, struct vma_file *f)
{
	char link[64], path[PATH_MAX];
	struct stat st;
	ssize_t n;

	memset(f, 0, sizeof(*f));
	f->shared = flags & MAP_SHARED;
	if ((flags & MAP_ANONYMOUS) || fd < 0) {
		if (f->shared)		/* as Linux shows a shared anonymous mapping */
			f->name = name_of("/dev/zero (deleted)");
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || fstat(fd, &st))
		return;
	path[n] = 0;
	f->off = (uint64_t)off;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->name = name_of(path);
}

/* Does [start, end) meet a mapping of host frames (mem_map_frames)? */
static bool frames_locked(uint64_t start, uint64_t end)
{
	int i;

	for (i = 0; i < nvmas; i++)
		if (vmas[i].frames && vmas[i].start < end && start < vmas[i].end)
			return true;
	return false;
}

static bool overlaps_locked(uint64_t start, uint64_t end)
{
	int i;

	for (i = 0; i < nvmas; i++)
		if (vmas[i].start < end && start < vmas[i].end)
			return true;
	return false;
}

/* Is every byte of [start, end) in a mapping of the list (any protection)? */
static bool covered_locked(uint64_t start, uint64_t end)
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

static bool check_locked(uint64_t addr, uint64_t len, bool write)
{
	uint64_t end;
	int i;

	if (len == 0)
		return addr == 0 || mem_in_window(addr, 0);
	if (!mem_in_window(addr, len))
		return false;		/* never true outside the windows */
	end = addr + len;
	for (i = 0; i < nvmas && addr < end; i++) {
		if (vmas[i].end <= addr)
			continue;
		if (vmas[i].start > addr)
			return false;
		if (!(vmas[i].prot & PROT_READ) || (write && !(vmas[i].prot & PROT_WRITE)))
			return false;
		if (vmas[i].frames)
			return false;	/* the guest's view only: the host side is the reservation */
		addr = vmas[i].end;
	}
	return addr >= end;
}

/*
 * Is every page of [addr, addr + len) in one of the program's mappings, of
 * any protection?  What mincore() and madvise() call mapped.
 */
bool mem_mapped(uint64_t addr, uint64_t len)
{
	uint64_t end = PAGE_UP(addr + len);
	bool ok;

	if (end < addr)
		return false;
	rdlock();
	ok = mem_in_window(addr, end - addr) && covered_locked(addr, end);
	unlock();
	return ok;
}

/*
 * Is every byte of [addr, addr + len) the program's, readable (writable)?
 * Never true for a byte outside the windows (len 0: only for NULL or an
 * address in a window).  Safe against concurrent map changes; the answer
 * stays true for a forwarded call by the invariant at the top (the range
 * may become PROT_NONE, never anyone else's).
 */
bool mem_check(uint64_t addr, uint64_t len, bool write)
{
	bool ok;

	rdlock();
	ok = check_locked(addr, len, write);
	unlock();
	return ok;
}

/*
 * Copy program memory in and out, checked and done under the read lock,
 * so that no other thread can unmap the range while it is read or
 * written: 0, or -EFAULT.
 */
int mem_read(void *dst, uint64_t src, uint64_t len)
{
	return mem_copy_in(dst, src, len, false);
}

/* mem_read of a range that must be writable too (the kernel writes it back). */
int mem_copy_in(void *dst, uint64_t src, uint64_t len, bool write)
{
	int ret = -EFAULT;

	rdlock();
	if (check_locked(src, len, write))
		ret = user_copy_in(dst, src, len);	/* -EFAULT: the host cannot back it */
	unlock();
	return ret;
}

int mem_write(uint64_t dst, const void *src, uint64_t len)
{
	int ret = -EFAULT;

	rdlock();
	if (check_locked(dst, len, true))
		ret = user_copy_out(dst, src, len);
	unlock();
	return ret;
}

/*
 * Compare-and-exchange of an aligned 32-bit program word, writable, under
 * the lock: 0 if it held *@old (it now holds @val), 1 if not (*@old is
 * what it held), -EFAULT if the word is not the program's (or the host
 * cannot back it).
 */
int mem_cmpxchg32(uint64_t addr, uint32_t *old, uint32_t val)
{
	int ret = -EFAULT;

	if (addr & (sizeof(uint32_t) - 1))
		return ret;
	rdlock();
	if (check_locked(addr, sizeof(uint32_t), true)) {
		ret = user_cmpxchg32(addr, old, val);	/* 1: exchanged */
		if (ret >= 0)
			ret = !ret;
	}
	unlock();
	return ret;
}

/* The length of the string at @addr, or -EFAULT (-ENAMETOOLONG past @max). */
long mem_strlen(uint64_t addr, uint64_t max)
{
	uint64_t n = 0;
	long ret = -ENAMETOOLONG;

	rdlock();		/* the pages stay mapped while we read them */
	while (n < max) {
		uint64_t page_end = PAGE_DOWN(addr + n) + PAGE_SIZE;
		uint64_t chunk = page_end - (addr + n);
		long z;

		if (addr + n < addr || !check_locked(addr + n, 1, false)) {
			ret = -EFAULT;
			break;
		}
		if (chunk > max - n)
			chunk = max - n;	/* never a length above @max */
		z = user_nul(addr + n, chunk);
		if (z < 0) {
			ret = z;
			break;
		}
		if ((uint64_t)z < chunk) {
			ret = (long)(n + z);
			break;
		}
		n = page_end - addr;
	}
	unlock();
	return ret;
}

/*
 * Copy the string at @addr, its NUL included, into @dst (@max bytes): its
 * length, or -EFAULT (-ENAMETOOLONG if no NUL in @max bytes).  One pass,
 * under the read lock: what the caller checks is exactly what was there
 * at one moment, never a length from one read and bytes from another.
 */
long mem_copy_str(char *dst, uint64_t addr, uint64_t max)
{
	uint64_t n = 0;
	long ret = -ENAMETOOLONG;

	if (!max)
		return ret;
	rdlock();
	while (n < max) {
		uint64_t page_end = PAGE_DOWN(addr + n) + PAGE_SIZE;
		uint64_t chunk = page_end - (addr + n);
		const char *z;

		if (addr + n < addr || !check_locked(addr + n, 1, false)) {
			ret = -EFAULT;
			break;
		}
		if (chunk > max - n)
			chunk = max - n;
		/* copy first, then look for the NUL in the copy */
		if (user_copy_in(dst + n, addr + n, chunk)) {
			ret = -EFAULT;
			break;
		}
		z = memchr(dst + n, 0, chunk);
		if (z) {
			ret = (long)(z - dst);
			break;
		}
		n = page_end - addr;
	}
	unlock();
	if (ret < 0)
		dst[0] = 0;
	return ret;
}

/* A free range of @len bytes in the high window: at @hint if free, else top-down. */
static uint64_t find_free_locked(uint64_t len, uint64_t hint)
{
	uint64_t top = MMAP_TOP;
	int i;

	if (!len || len > MMAP_TOP - HIGH_START)
		return 0;
	if (hint && mem_in_window(hint, len) && !overlaps_locked(hint, hint + len))
		return hint;
	for (i = nvmas - 1; i >= 0; i--) {
		if (vmas[i].start >= top)
			continue;
		if (vmas[i].end <= top - len && top - len >= HIGH_START)
			return top - len;
		top = vmas[i].start;
		if (top < HIGH_START + len)
			return 0;
	}
	if (top >= HIGH_START + len)
		return top - len;
	return 0;
}

uint64_t mem_find_free(uint64_t len, uint64_t hint)
{
	uint64_t r;

	rdlock();
	r = find_free_locked(len, hint);
	unlock();
	return r;
}

/* ---- host and guest together (mem_lock held for writing) ---------------- */

static int unmap_locked(uint64_t start, uint64_t len)
{
	int ret;

	if (!range_ok(start, len))
		return -EINVAL;
	ret = reserve(start, len, MAP_FIXED);	/* never a hole: see the top */
	if (ret)
		return ret;
	dune_vm_unmap(pgroot, (void *)start, len);
	list_remove(start, start + len);
	return 0;
}

static int map_locked(uint64_t start, uint64_t len, int prot, int flags, int fd, off_t off)
{
	struct vma_file f;
	void *p;
	int ret;

	if (!range_ok(start, len))
		return -EINVAL;
	flags &= ~MAP_FIXED_NOREPLACE;
	p = mmap((void *)start, len, prot, flags | MAP_FIXED, fd, off);
	if (p == MAP_FAILED) {
		/*
		 * A MAP_FIXED that fails may have unmapped the range already
		 * (mm/mmap.c: mmap_region() unmaps, then the file's mmap
		 * method fails): as Linux says, the old mapping may be gone.
		 * Put the reservation back over all of it.
		 */
		ret = -errno;
		unmap_locked(start, len);
		return ret;
	}
	file_of(fd, flags, off, &f);
	ret = list_insert(start, start + len, prot, 0, &f);
	if (!ret)
		ret = guest_map(start, start + len, prot);
	if (ret)
		unmap_locked(start, len);
	return ret;
}

static int protect_locked(uint64_t start, uint64_t len, int prot)
{
	uint64_t end = start + len;
	int i, ret;

	if (!range_ok(start, len))
		return -EINVAL;
	if (frames_locked(start, end))
		return -EACCES;		/* the vDSO's data pages stay read-only */
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

int mem_map(uint64_t start, uint64_t len, int prot, int flags, int fd, off_t off)
{
	int ret;

	wrlock();
	ret = map_locked(start, len, prot, flags, fd, off);
	unlock();
	return ret;
}

/*
 * Show the program, read-only, the host's frames at @src in [start, start +
 * len), a free range of its window (vdso.c: the vDSO's data pages).  Its
 * own system calls cannot use the range (mem_check says no: the host side
 * stays the reservation); munmap and exec remove it; mprotect and mremap
 * of it fail.
 */
int mem_map_frames(uint64_t start, uint64_t len, uint64_t src)
{
	int ret;

	wrlock();
	if (!range_ok(start, len) || overlaps_locked(start, start + len))
		ret = -EINVAL;
	else
		ret = frames_map(start, start + len, src);
	if (!ret) {
		struct vma_file f = { .name = name_of("[vvar]") };

		ret = list_insert(start, start + len, PROT_READ, src, &f);
	}
	if (ret)
		dune_vm_unmap(pgroot, (void *)start, len);
	unlock();
	return ret;
}

int mem_unmap(uint64_t start, uint64_t len)
{
	int ret;

	wrlock();
	ret = unmap_locked(start, len);
	unlock();
	return ret;
}

int mem_protect(uint64_t start, uint64_t len, int prot)
{
	int ret;

	wrlock();
	ret = protect_locked(start, len, prot);
	unlock();
	return ret;
}

/* Forget every mapping (execve): host and guest. */
void mem_reset(void)
{
	wrlock();
	while (nvmas) {
		struct vma v = vmas[nvmas - 1];

		if (unmap_locked(v.start, v.end - v.start))
			list_remove(v.start, v.end);
	}
	brk_start = brk_cur = 0;
	unlock();
}

/* After fork, in a fresh VM: the guest entries again for every mapping. */
int mem_remap_all(void)
{
	int i, ret = 0;

	wrlock();
	for (i = 0; i < nvmas && !ret; i++)
		ret = vmas[i].frames ? frames_map(vmas[i].start, vmas[i].end, vmas[i].frames) :
				       guest_map(vmas[i].start, vmas[i].end, vmas[i].prot);
	unlock();
	return ret;
}

/*
 * fork: the child gets a consistent list and a lock of its own
 * (process.c fork_locked).  Not unlocked in the child: glibc's rwlock
 * tells its writer by the thread id, and the child's thread is another.
 */
void mem_fork_prepare(void)
{
	wrlock();
}

void mem_fork_done(void)
{
	unlock();
}

void mem_fork_child(void)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&mem_lock, &a);
	pthread_rwlockattr_destroy(&a);
}

/* ---- the system calls ------------------------------------------------------ */

static long mmap_locked(uint64_t addr, uint64_t len, int prot, int flags, int fd, off_t off)
{
	int hostflags, ret;

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
	if (flags & (MAP_GROWSDOWN | MAP_HUGETLB))
		return -EINVAL;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!mem_in_window(addr, len))
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
		    overlaps_locked(addr, addr + len))
			return -EEXIST;
	} else {
		addr = find_free_locked(len, addr);
		if (!addr)
			return -ENOMEM;
	}
	/*
	 * The whole range is the program's or the reservation: MAP_FIXED
	 * replaces either, atomically.
	 */
	hostflags = flags & ~(MAP_FIXED_NOREPLACE | MAP_POPULATE | MAP_LOCKED);
	ret = map_locked(addr, len, prot, hostflags, fd, off);
	return ret ? ret : (long)addr;
}

long sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, off_t off)
{
	long ret;

	wrlock();
	ret = mmap_locked(addr, len, prot, flags, fd, off);
	unlock();
	return ret;
}

static long munmap_locked(uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	len = PAGE_UP(len);
	if (!len || !mem_in_window(addr, len))
		return -EINVAL;
	/* The holes are the reservation already: one call for all of it. */
	return unmap_locked(addr, len);
}

long sys_munmap(uint64_t addr, uint64_t len)
{
	long ret;

	wrlock();
	ret = munmap_locked(addr, len);
	unlock();
	return ret;
}

long sys_mprotect(uint64_t addr, uint64_t len, int prot)
{
	long ret;

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	len = PAGE_UP(len);
	if (!len)
		return 0;
	wrlock();
	if (!mem_in_window(addr, len) || !covered_locked(addr, addr + len))
		ret = -ENOMEM;
	else
		ret = protect_locked(addr, len, prot);
	unlock();
	return ret;
}

void mem_set_brk(uint64_t start)
{
	wrlock();
	brk_start = brk_cur = PAGE_UP(start);
	unlock();
}

long sys_brk(uint64_t addr)
{
	uint64_t top, want;
	long ret;

	wrlock();
	top = PAGE_UP(brk_cur);
	want = PAGE_UP(addr);
	if (!brk_start || addr < brk_start || !want || !mem_in_window(brk_start, want - brk_start))
		goto out;
	if (want > top) {
		if (overlaps_locked(top, want))
			goto out;
		if (mmap_locked(top, want - top, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != (long)top)
			goto out;
	} else if (want < top) {
		munmap_locked(want, top - want);
	}
	brk_cur = addr;
out:
	ret = (long)brk_cur;
	unlock();
	return ret;
}

static long mremap_locked(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags,
			  uint64_t newaddr)
{
	struct vma_file f = { 0 };
	int prot = 0, i, ret;
	uint64_t dest;
	void *p;

	if ((old & (PAGE_SIZE - 1)) || !newlen)
		return -EINVAL;
	oldlen = PAGE_UP(oldlen);
	newlen = PAGE_UP(newlen);
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if (!oldlen || !newlen || !mem_in_window(old, oldlen) ||
	    !covered_locked(old, old + oldlen) || frames_locked(old, old + oldlen))
		return -EFAULT;
	for (i = 0; i < nvmas; i++)
		if (vmas[i].start <= old && old < vmas[i].end) {
			prot = vmas[i].prot;
			f = vmas[i].f;
			if (f.ino || f.shared)
				f.off += old - vmas[i].start;
		}
	if (newlen <= oldlen && !(flags & MREMAP_FIXED)) {
		if (newlen < oldlen)
			munmap_locked(old + newlen, oldlen - newlen);
		return (long)old;
	}
	if (flags & MREMAP_FIXED) {
		if (!(flags & MREMAP_MAYMOVE) || (newaddr & (PAGE_SIZE - 1)) ||
		    !mem_in_window(newaddr, newlen) ||
		    (newaddr < old + oldlen && old < newaddr + newlen))
			return -EINVAL;
		dest = newaddr;
	} else if (mem_in_window(old, newlen) &&
		   !overlaps_locked(old + oldlen, old + newlen)) {
		dest = old;
	} else if (flags & MREMAP_MAYMOVE) {
		dest = find_free_locked(newlen, 0);
		if (!dest)
			return -ENOMEM;
	} else {
		return -ENOMEM;
	}
	if (dest == old) {
		/* grow in place: the reservation after it makes way, for a moment */
		if (munmap((void *)(old + oldlen), newlen - oldlen))
			return -errno;
		p = mremap((void *)old, oldlen, newlen, 0);
		if (p == MAP_FAILED) {
			ret = -errno;
			reserve(old + oldlen, newlen - oldlen, MAP_FIXED);
			return ret;
		}
	} else {
		/* MREMAP_FIXED replaces the destination (ours or reserved) atomically */
		p = mremap((void *)old, oldlen, newlen, MREMAP_MAYMOVE | MREMAP_FIXED,
			   (void *)dest);
		if (p == MAP_FAILED)
			return -errno;
		reserve(old, oldlen, MAP_FIXED);	/* the hole it left */
		dune_vm_unmap(pgroot, (void *)old, oldlen);
		list_remove(old, old + oldlen);
		if (overlaps_locked(dest, dest + newlen)) {
			dune_vm_unmap(pgroot, (void *)dest, newlen);
			list_remove(dest, dest + newlen);
		}
	}
	if (list_insert(dest, dest + newlen, prot, 0, &f) || guest_map(dest, dest + newlen, prot)) {
		unmap_locked(dest, newlen);
		return -ENOMEM;
	}
	return (long)dest;
}

long sys_mremap(uint64_t old, uint64_t oldlen, uint64_t newlen, int flags, uint64_t newaddr)
{
	long ret;

	wrlock();
	ret = mremap_locked(old, oldlen, newlen, flags, newaddr);
	unlock();
	return ret;
}

long sys_madvise(uint64_t addr, uint64_t len, int advice)
{
	long ret = 0;

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	len = PAGE_UP(len);
	rdlock();
	if (!mem_in_window(addr, len) || !covered_locked(addr, addr + len))
		ret = -ENOMEM;
	else if (madvise((void *)addr, len, advice))
		ret = -errno;
	unlock();
	return ret;
}

/* ---- /proc/self/maps, as the program's own ------------------------------- */

/* Name the mappings inside [start, start + len) (vdso.c: "[vdso]"). */
void mem_set_name(uint64_t start, uint64_t len, const char *name)
{
	int i;

	wrlock();
	for (i = 0; i < nvmas; i++)
		if (vmas[i].start >= start && vmas[i].end <= start + len && !vmas[i].f.dev)
			vmas[i].f.name = name_of(name);
	unlock();
}

/*
 * The program's mappings as Linux's /proc/PID/maps shows a process's
 * (fs/proc/task_mmu.c, show_map_vma): "start-end perms offset maj:min
 * inode", padded to column 73 before a name; [heap] for the brk area,
 * [stack] for the stack the loader made.  The supervisor's own mappings,
 * libdune's and the windows' reservations are not the program's and are
 * not shown.  At most @len - 1 bytes and a NUL in @buf; the length it
 * would need.
 */
size_t mem_maps(char *buf, size_t len)
{
	size_t o = 0;
	int i;

	rdlock();
	for (i = 0; i < nvmas; i++) {
		const struct vma *v = &vmas[i];
		const char *name = v->f.name ? names[v->f.name] : NULL;
		char line[128];
		int w;

		if (!name && brk_start && v->start >= brk_start && v->end <= PAGE_UP(brk_cur))
			name = "[heap]";
		if (!name && v->end == STACK_TOP)
			name = "[stack]";
		w = snprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ",
			     (unsigned long)v->start, (unsigned long)v->end,
			     v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
			     v->prot & PROT_EXEC ? 'x' : '-', v->f.shared ? 's' : 'p',
			     (unsigned long)v->f.off, major(v->f.dev), minor(v->f.dev),
			     (unsigned long)v->f.ino);
		if (name)
			w += snprintf(line + w, sizeof(line) - w, "%*s", w < 73 ? 73 - w : 0, "");
		if (o + w < len)
			memcpy(buf + o, line, w);
		o += w;
		w = snprintf(o < len ? buf + o : NULL, o < len ? len - o : 0, "%s\n", name ? name : "");
		o += w;
	}
	unlock();
	if (len)
		buf[o < len ? o : len - 1] = 0;
	return o;
}
