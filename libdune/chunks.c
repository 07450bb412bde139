// SPDX-License-Identifier: GPL-2.0
/*
 * chunks.c - guest-physical memory and the guest page tables.
 *
 * In Dune mode the thread runs with paging of its own (CR3 is libdune's),
 * and every address it uses goes through two translations:
 *
 *   guest virtual --(libdune's page tables)--> guest physical
 *   guest physical --(the module's EPT)------> host physical
 *
 * libdune keeps the first one as simple as it can be: GVA == HVA, i.e. a
 * guest virtual address is the process's own virtual address, so that a
 * pointer means the same thing in Dune mode and natively, and a system
 * call can be re-issued on the host with the guest's pointers unchanged.
 *
 * Guest physical addresses cannot simply equal host virtual ones too: user
 * addresses have 47 bits, but a GPA must fit in MAXPHYADDR bits (40 in the
 * emulated machine, 39 on many laptops).  So guest-physical memory is made
 * of *chunks*: libdune gives each 2 MiB-aligned piece of the address space
 * that it meets a 2 MiB slot of guest-physical space, from a bump
 * allocator starting at GPA 0, and tells the module with DUNE_MAP_CHUNKS.
 * A chunk is never taken back: whatever happens to the memory behind it
 * (munmap, mprotect, fork's copy-on-write), the module's EPT follows the
 * process's own page tables, with their real 4 KiB permissions.  1 TiB of
 * GPA is half a million chunks.
 *
 * The guest page tables then map each registered chunk with a single 2 MiB
 * page (a PD entry with PS = 1): present, writable, executable, supervisor
 * (the guest runs at ring 0).  They never say no - the EPT does, and an
 * access it refuses is replayed natively by the host loop, where the
 * kernel turns it into the genuine SIGSEGV.  The same tables double as the
 * chunk map: the PD entry of an address holds the GPA of its chunk, or is
 * not present.
 *
 * Registration happens eagerly in dune_init() for every mapping listed in
 * /proc/self/maps, and lazily afterwards: a guest #PF on a not-present
 * entry reaches the host loop, which calls dune_map_fault().  Entries are
 * only ever added, never changed or removed, so no TLB shootdown is ever
 * needed (x86 does not cache not-present entries).  The table pages come
 * from pools: 2 MiB-aligned anonymous mappings, themselves registered as
 * chunks, so that the GPA of a table page is its pool's GPA plus offset.
 *
 * Several host loops (one per thread) may add entries at once, and they
 * run where no libc lock may be taken (rule R1, loop.c): a spinlock built
 * from one atomic exchange protects all of it.
 */
#include <fcntl.h>
#include <sys/mman.h>

#include "internal.h"
#include "sys.h"

/* Page-table entry bits (SDM Vol. 3A, 4.5) */
#define PTE_P		(1ULL << 0)
#define PTE_W		(1ULL << 1)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_PS		(1ULL << 7)
#define PTE_ADDR	0x000ffffffffff000ULL
#define PDE_2M_ADDR	0x000fffffffe00000ULL

/* A table entry pointing at a lower table; a 2 MiB leaf. */
#define PTE_TABLE	(PTE_P | PTE_W | PTE_A)
#define PTE_LEAF_2M	(PTE_P | PTE_W | PTE_A | PTE_D | PTE_PS)

struct dune_vm dune_vm = { .dev_fd = -1, .vm_fd = -1 };

void dune_lock(void)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&dune_vm.lock, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&dune_vm.lock, __ATOMIC_RELAXED)) {
			/*
			 * The holder may be in a system call (mmap, an ioctl)
			 * or preempted: after a short spin, give the CPU away.
			 */
			if (++spins < 100) {
				__asm__ __volatile__("pause");
			} else {
				dune_sys_sched_yield();
				spins = 0;
			}
		}
	}
}

void dune_unlock(void)
{
	__atomic_store_n(&dune_vm.lock, 0, __ATOMIC_RELEASE);
}

/* The next free chunk of guest-physical space.  Running out is fatal. */
static uint64_t alloc_gpa(uint64_t hva)
{
	uint64_t gpa = dune_vm.next_gpa;

	if (gpa + DUNE_CHUNK_SIZE > dune_vm.gpa_limit)
		dune_fatal(NULL, "out of guest-physical memory: all %llu chunks of 2 MiB below 2^%d are in use (while mapping address 0x%llx)",
			   (unsigned long long)(dune_vm.gpa_limit >> DUNE_CHUNK_SHIFT),
			   dune_vm.maxphyaddr, (unsigned long long)hva);
	dune_vm.next_gpa = gpa + DUNE_CHUNK_SIZE;
	return gpa;
}

static long map_chunks(const struct dune_chunk *chunks, unsigned int count)
{
	struct dune_map_chunks req;

	dune_zero(&req, sizeof(req));
	req.count = count;
	req.chunks = (uint64_t)chunks;
	return dune_sys_ioctl_retry(dune_vm.vm_fd, DUNE_MAP_CHUNKS, (unsigned long)&req);
}

/* The HVA of a table page, given its GPA: it lies in one of the pools. */
static uint64_t *table_hva(uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < dune_vm.npools; i++) {
		uint64_t off = gpa - dune_vm.pools[i].gpa;

		if (off < DUNE_CHUNK_SIZE)
			return (uint64_t *)(dune_vm.pools[i].hva + off);
	}
	dune_fatal(NULL, "guest page tables corrupt: table at GPA 0x%llx is in no pool",
		   (unsigned long long)gpa);
}

static int pool_grow(void);

/* A zeroed page for a table, and its GPA. */
static uint64_t *alloc_table(uint64_t *gpa)
{
	struct dune_pool *pool;
	uint64_t off;

	if (!dune_vm.npools || dune_vm.pool_used >= DUNE_CHUNK_SIZE) {
		int err = pool_grow();

		if (err)
			return NULL;
	}
	pool = &dune_vm.pools[dune_vm.npools - 1];
	off = dune_vm.pool_used;
	dune_vm.pool_used += DUNE_PAGE_SIZE;
	*gpa = pool->gpa + off;
	return (uint64_t *)(pool->hva + off);
}

/*
 * Find the PD entry for @va, creating the PML4 and PDPT entries on the way
 * if @create.  Returns 0, -ENOENT (not present and !create) or -ENOMEM.
 */
static int pt_walk(uint64_t va, bool create, uint64_t **pde)
{
	static const int shifts[3] = { 39, 30, 21 };
	uint64_t *table = dune_vm.pml4;
	int level;

	if (!table)
		return -ENOENT;
	for (level = 0; level < 2; level++) {
		uint64_t *e = &table[(va >> shifts[level]) & 511];
		uint64_t entry = __atomic_load_n(e, __ATOMIC_ACQUIRE);

		if (!(entry & PTE_P)) {
			uint64_t gpa;

			if (!create)
				return -ENOENT;
			if (!alloc_table(&gpa))
				return -ENOMEM;
			/*
			 * The new table is all zeroes (fresh anonymous memory):
			 * publish it only now.  Another vCPU may be walking.
			 */
			entry = gpa | PTE_TABLE;
			__atomic_store_n(e, entry, __ATOMIC_RELEASE);
		}
		table = table_hva(entry & PTE_ADDR);
	}
	*pde = &table[(va >> shifts[2]) & 511];
	return 0;
}

static void set_leaf(uint64_t *pde, uint64_t gpa)
{
	__atomic_store_n(pde, gpa | PTE_LEAF_2M, __ATOMIC_RELEASE);
}

/*
 * A new pool of table pages: 2 MiB, 2 MiB-aligned (map 4 MiB, keep the
 * aligned middle), registered as a chunk and mapped in the guest like any
 * other memory.  Called with the lock held.
 */
static int pool_grow(void)
{
	struct dune_pool *pool;
	uint64_t base, end, gpa, *pde;
	bool known = false;
	long p, err;

	if (dune_vm.npools == DUNE_MAX_POOLS)
		dune_fatal(NULL, "out of page-table pools (%d pools of 2 MiB)",
			   DUNE_MAX_POOLS);
	p = dune_sys_mmap(NULL, 2 * DUNE_CHUNK_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dune_is_err(p))
		return (int)p;
	base = ((uint64_t)p + DUNE_CHUNK_MASK) & ~DUNE_CHUNK_MASK;
	end = (uint64_t)p + 2 * DUNE_CHUNK_SIZE;
	if (base > (uint64_t)p)
		dune_sys_munmap((void *)p, base - (uint64_t)p);
	if (end > base + DUNE_CHUNK_SIZE)
		dune_sys_munmap((void *)(base + DUNE_CHUNK_SIZE), end - base - DUNE_CHUNK_SIZE);

	/* The address may have been registered before, for earlier memory. */
	if (pt_walk(base, false, &pde) == 0 && (*pde & PTE_P)) {
		gpa = *pde & PDE_2M_ADDR;
		known = true;
	} else {
		struct dune_chunk chunk;

		gpa = alloc_gpa(base);
		chunk.hva = base;
		chunk.gpa = gpa;
		err = map_chunks(&chunk, 1);
		if (err) {
			dune_printf("dune: DUNE_MAP_CHUNKS for a page-table pool failed (error %ld)\n",
				    -err);
			dune_sys_munmap((void *)base, DUNE_CHUNK_SIZE);
			return (int)err;
		}
	}
	pool = &dune_vm.pools[dune_vm.npools++];
	pool->hva = base;
	pool->gpa = gpa;
	dune_vm.pool_used = 0;

	/* The very first pool also holds the root table. */
	if (!dune_vm.pml4) {
		dune_vm.pml4 = (uint64_t *)base;
		dune_vm.cr3 = gpa;
		dune_vm.pool_used = DUNE_PAGE_SIZE;
	}
	/* Tables for the pool's own leaf come from the new pool: no recursion. */
	if (!known) {
		err = pt_walk(base, true, &pde);
		if (err)
			return (int)err;
		set_leaf(pde, gpa);
	}
	return 0;
}

int dune_pt_init(void)
{
	int err;

	dune_lock();
	dune_vm.npools = 0;
	dune_vm.pool_used = 0;
	dune_vm.pml4 = NULL;
	dune_vm.next_gpa = 0;
	dune_vm.gpa_limit = 1ULL << dune_vm.maxphyaddr;
	err = pool_grow();
	dune_unlock();
	return err;
}

#define BATCH	32

struct batch {
	unsigned int n;
	struct dune_chunk chunks[BATCH];
	uint64_t *pdes[BATCH];
};

/* Register the collected chunks, then make them visible to the guest. */
static int batch_flush(struct batch *b)
{
	unsigned int i;
	long err;

	if (!b->n)
		return 0;
	err = map_chunks(b->chunks, b->n);
	if (err) {
		dune_printf("dune: DUNE_MAP_CHUNKS of %u chunks from 0x%llx failed (error %ld)\n",
			    b->n, (unsigned long long)b->chunks[0].hva, -err);
		b->n = 0;
		return (int)err;
	}
	for (i = 0; i < b->n; i++)
		set_leaf(b->pdes[i], b->chunks[i].gpa);
	b->n = 0;
	return 0;
}

/* Register and map every chunk that [start, end) touches. */
int dune_map_range(uint64_t start, uint64_t end)
{
	struct batch b;
	uint64_t va;
	int err = 0;

	if (end > DUNE_USER_TOP)
		end = DUNE_USER_TOP;
	if (start >= end)
		return 0;
	b.n = 0;
	dune_lock();
	for (va = start & ~DUNE_CHUNK_MASK; va < end; va += DUNE_CHUNK_SIZE) {
		uint64_t *pde;

		err = pt_walk(va, true, &pde);
		if (err)
			break;
		if (*pde & PTE_P)
			continue;
		b.chunks[b.n].hva = va;
		b.chunks[b.n].gpa = alloc_gpa(va);
		b.pdes[b.n] = pde;
		if (++b.n == BATCH) {
			err = batch_flush(&b);
			if (err)
				break;
		}
	}
	if (!err)
		err = batch_flush(&b);
	dune_unlock();
	return err;
}

/*
 * The chunk of a guest page-fault address: 1 if it was mapped now, 0 if
 * it was mapped already (another thread was faster), or -errno.
 */
int dune_map_fault(uint64_t addr)
{
	struct dune_chunk chunk;
	uint64_t *pde;
	long err;

	if (addr >= DUNE_USER_TOP)
		return -EFAULT;
	dune_lock();
	err = pt_walk(addr, true, &pde);
	if (err || (*pde & PTE_P)) {
		dune_unlock();
		return (int)err;
	}
	chunk.hva = addr & ~DUNE_CHUNK_MASK;
	chunk.gpa = alloc_gpa(chunk.hva);
	err = map_chunks(&chunk, 1);
	if (!err)
		set_leaf(pde, chunk.gpa);
	dune_unlock();
	return err ? (int)err : 1;
}

/* ---- /proc/self/maps ------------------------------------------------ */

static const char *parse_hex(const char *p, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	const char *start = p;

	for (; p < end; p++) {
		char c = *p;

		if (c >= '0' && c <= '9')
			x = x * 16 + (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x * 16 + (uint64_t)(c - 'a' + 10);
		else
			break;
	}
	*v = x;
	return p > start ? p : NULL;
}

/* One line: "start-end perms offset dev inode path". */
static int map_line(const char *line, size_t len)
{
	const char *end = line + len, *p;
	uint64_t start, stop;

	p = parse_hex(line, end, &start);
	if (!p || p >= end || *p != '-')
		return 0;
	p = parse_hex(p + 1, end, &stop);
	if (!p || end - p < 5 || *p != ' ')
		return 0;
	p++;
	/* PROT_NONE mappings ("---p") are reservations and guard pages. */
	if (p[0] != 'r' && p[1] != 'w' && p[2] != 'x')
		return 0;
	if (start >= DUNE_USER_TOP)		/* [vsyscall] */
		return 0;
	return dune_map_range(start, stop);
}

/*
 * Map everything /proc/self/maps lists, reading it with plain read(2) in
 * pieces; lines longer than the buffer only need their beginning.
 */
int dune_scan_maps(void)
{
	char buf[4096];
	size_t have = 0, i, line;
	bool skipping = false;
	long fd, n;
	int err = 0;

	fd = dune_sys_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (int)fd;
	for (;;) {
		n = dune_sys_read((int)fd, buf + have, sizeof(buf) - have);
		if (n == -EINTR)
			continue;
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n == 0) {
			if (have && !skipping)
				err = map_line(buf, have);
			break;
		}
		have += (size_t)n;
		for (i = 0, line = 0; i < have && !err; i++) {
			if (buf[i] != '\n')
				continue;
			if (!skipping)
				err = map_line(buf + line, i - line);
			skipping = false;
			line = i + 1;
		}
		if (err)
			break;
		if (line) {
			dune_copy(buf, buf + line, have - line);
			have -= line;
		} else if (have == sizeof(buf)) {
			/* A very long line: its start is all we need. */
			if (!skipping)
				err = map_line(buf, have);
			skipping = true;
			have = 0;
			if (err)
				break;
		}
	}
	dune_sys_close((int)fd);
	return err;
}
