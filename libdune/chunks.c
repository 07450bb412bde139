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
 * entry reaches the host loop, which calls dune_map_fault().  libdune
 * itself only ever adds entries, never changes or removes them, so it
 * needs no TLB shootdown (x86 does not cache not-present entries).  The
 * table pages come from the page pool at PAGEBASE (page.c), whose chunks
 * have GPA == HVA; the bump allocator skips that GPA window.
 *
 * Which GPA a chunk has is kept in a registry (below), apart from the
 * page tables: the original API's dune_vm_* functions (vm.c) may split
 * libdune's 2 MiB leaves ("automatic" leaves, marked DUNE_PTE_AUTO) or
 * replace them, and a chunk they changed is "claimed": no automatic leaf
 * is written for it again.
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
#define PTE_U		(1ULL << 2)
/*
 * Tables carry U: whether ring 3 may use an address is decided by the
 * leaf alone (automatic leaves are supervisor-only), as in Linux.
 */
#define PTE_TABLE	(PTE_P | PTE_W | PTE_U | PTE_A)
#define PTE_LEAF_2M	(PTE_P | PTE_W | PTE_A | PTE_D | PTE_PS)

/* The page pool's GPA window (page.c): GPA == HVA there. */
#define POOL_GPA_START	0x200000000ULL			/* PAGEBASE */
#define POOL_GPA_END	(POOL_GPA_START + (1ULL << 32))	/* + MAX_PAGES * 4 KiB */

/* The registry covers GPAs below 2^REG_MAXPHYS (more is never used). */
#define REG_MAXPHYS	46

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

/*
 * The next free chunk of guest-physical space, never in the page pool's
 * window.  Running out is fatal.
 */
static uint64_t alloc_gpa(uint64_t hva)
{
	uint64_t gpa = dune_vm.next_gpa;

	if (gpa + DUNE_CHUNK_SIZE > POOL_GPA_START && gpa < POOL_GPA_END)
		gpa = POOL_GPA_END;
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

/* ---- the chunk registry ---------------------------------------------- */

/*
 * Which GPA each registered chunk has, and the inverse, independent of
 * the page tables (which the program may change): two-level tables whose
 * top levels live in one MAP_NORESERVE mapping (registered itself, so that
 * Dune-mode code may read it) and whose second levels are pool pages of
 * 512 entries, "value | 1" or 0.  The claimed bitmap (one bit per 2 MiB of
 * the user half) marks chunks a dune_vm_* call has changed: libdune never
 * writes an automatic leaf there again.
 */
#define FWD_TOP		(1UL << 17)			/* 1 GiB regions of 2^47 */
#define REV_TOP		(1UL << (REG_MAXPHYS - 30))
#define CLAIM_WORDS	((DUNE_USER_TOP >> DUNE_CHUNK_SHIFT) / 64)
#define REG_BYTES	((FWD_TOP + REV_TOP + CLAIM_WORDS) * 8)

static uint64_t *reg_fwd, *reg_rev;
/* Read by entry.S too (a ring-0 page fault in a claimed chunk). */
uint64_t *dune_claim_bitmap;

_Static_assert(offsetof(struct dune_vm, cr3) == DUNE_VM_CR3, "DUNE_VM_CR3: entry.S reads pgroot");

static int registry_init(void)
{
	long p;

	if (reg_fwd)
		dune_sys_munmap(reg_fwd, REG_BYTES);
	reg_fwd = NULL;
	p = dune_sys_mmap(NULL, REG_BYTES, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (dune_is_err(p))
		return (int)p;
	reg_fwd = (uint64_t *)p;
	reg_rev = reg_fwd + FWD_TOP;
	dune_claim_bitmap = reg_rev + REV_TOP;
	return 0;
}

static uint64_t reg_get(const uint64_t *top, uint64_t key)
{
	uint64_t l2, e;

	if (!top)
		return DUNE_NO_GPA;
	l2 = __atomic_load_n(&top[key >> 30], __ATOMIC_ACQUIRE);
	if (!l2)
		return DUNE_NO_GPA;
	e = __atomic_load_n(&((const uint64_t *)l2)[(key >> DUNE_CHUNK_SHIFT) & 511],
			    __ATOMIC_ACQUIRE);
	return e ? e & ~1ULL : DUNE_NO_GPA;
}

/* Lock held. */
static int reg_put(uint64_t *top, uint64_t key, uint64_t value)
{
	uint64_t *l2 = (uint64_t *)top[key >> 30];

	if (!l2) {
		l2 = dune_pool_table();
		if (!l2)
			return -ENOMEM;
		if (top[key >> 30]) {		/* set by a nested pool growth */
			dune_pool_table_free(l2);
			l2 = (uint64_t *)top[key >> 30];
		} else {
			__atomic_store_n(&top[key >> 30], (uint64_t)l2, __ATOMIC_RELEASE);
		}
	}
	__atomic_store_n(&l2[(key >> DUNE_CHUNK_SHIFT) & 511], value | 1, __ATOMIC_RELEASE);
	return 0;
}

static int reg_set(uint64_t hva, uint64_t gpa)
{
	int err = reg_put(reg_fwd, hva, gpa);

	return err ? err : reg_put(reg_rev, gpa, hva);
}

uint64_t dune_chunk_gpa(uint64_t hva)
{
	if (hva >= DUNE_USER_TOP)
		return DUNE_NO_GPA;
	return reg_get(reg_fwd, hva & ~DUNE_CHUNK_MASK);
}

uint64_t dune_chunk_hva(uint64_t gpa)
{
	if (gpa >= (1ULL << REG_MAXPHYS))
		return DUNE_NO_GPA;
	return reg_get(reg_rev, gpa & ~DUNE_CHUNK_MASK);
}

bool dune_chunk_claimed(uint64_t va)
{
	uint64_t n = va >> DUNE_CHUNK_SHIFT;

	if (va >= DUNE_USER_TOP || !dune_claim_bitmap)
		return false;
	return (__atomic_load_n(&dune_claim_bitmap[n / 64], __ATOMIC_ACQUIRE) >> (n % 64)) & 1;
}

void dune_chunk_claim(uint64_t va)
{
	uint64_t n = va >> DUNE_CHUNK_SHIFT;

	if (va >= DUNE_USER_TOP || !dune_claim_bitmap || dune_chunk_claimed(va))
		return;
	__atomic_or_fetch(&dune_claim_bitmap[n / 64], 1ULL << (n % 64), __ATOMIC_ACQ_REL);
}

/* ---- pgroot ----------------------------------------------------------- */

/* The HVA of a table page, given its GPA: a pool page, so the same. */
static uint64_t *table_hva(uint64_t gpa)
{
	if (!dune_pool_contains(gpa))
		dune_fatal(NULL, "guest page tables corrupt: table at GPA 0x%llx is not in the page pool",
			   (unsigned long long)gpa);
	return (uint64_t *)gpa;
}

/*
 * Find the PD entry for @va in pgroot, creating the PML4 and PDPT entries
 * on the way if @create.  Returns 0, 1 (a 1 GiB leaf the program made
 * covers @va: no PD entry), -ENOENT (not present and !create) or -ENOMEM.
 * Lock held.
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

		if (level == 1 && (entry & PTE_PS))
			return 1;
		if (!(entry & PTE_P)) {
			uint64_t *t;

			if (!create || entry)
				return -ENOENT;
			t = dune_pool_table();
			if (!t)
				return -ENOMEM;
			/*
			 * The new table is all zeroes: publish it only now.
			 * Another vCPU may be walking.
			 */
			entry = (uint64_t)t | PTE_TABLE;
			__atomic_store_n(e, entry, __ATOMIC_RELEASE);
		}
		table = table_hva(entry & PTE_ADDR);
	}
	*pde = &table[(va >> shifts[2]) & 511];
	return 0;
}

/*
 * The automatic leaf of chunk @va at @gpa.  With dune_init(true) (the
 * original's "full" mode, dune_init_and_enter) program memory is open to
 * ring 3 - PTE_U - as it was in the original; never libdune's page tables
 * (the pool) or its registry.  Otherwise supervisor-only (§7.3.2).
 */
static uint64_t auto_leaf(uint64_t va, uint64_t gpa)
{
	uint64_t leaf = gpa | PTE_LEAF_2M | DUNE_PTE_AUTO;
	uint64_t reg = (uint64_t)reg_fwd, chunk = va & ~DUNE_CHUNK_MASK;

	if (!dune_vm.auto_user || dune_pool_contains(gpa))
		return leaf;
	if (reg && chunk < reg + REG_BYTES && chunk + DUNE_CHUNK_SIZE > reg)
		return leaf;
	return leaf | PTE_U;
}

uint64_t dune_chunk_auto_leaf(uint64_t va)
{
	uint64_t gpa = dune_chunk_gpa(va);

	return gpa == DUNE_NO_GPA ? 0 : auto_leaf(va, gpa);
}

/*
 * Write the automatic 2 MiB leaf of a registered chunk into an empty PD
 * slot of pgroot, unless a dune_vm_* call claimed the chunk.  Returns 1 if
 * it wrote it, 0 if not (present already, claimed, covered), or -errno.
 * Lock held.
 */
static int install_leaf(uint64_t va, uint64_t gpa)
{
	uint64_t *pde, zero = 0;
	int err;

	if (dune_chunk_claimed(va))
		return 0;
	err = pt_walk(va, true, &pde);
	if (err)
		return err > 0 ? 0 : err;
	return __atomic_compare_exchange_n(pde, &zero, auto_leaf(va, gpa),
					   false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* A chunk of the page pool: GPA == HVA (page.c, lock held). */
int dune_chunk_identity(uint64_t hva)
{
	struct dune_chunk chunk;
	long err;

	chunk.hva = hva;
	chunk.gpa = hva;
	err = map_chunks(&chunk, 1);
	if (err) {
		dune_printf("dune: DUNE_MAP_CHUNKS for the page pool at 0x%llx failed (error %ld)\n",
			    (unsigned long long)hva, -err);
		return (int)err;
	}
	err = reg_set(hva, hva);
	if (!err && dune_vm.pml4)
		err = install_leaf(hva, hva);
	return err < 0 ? (int)err : 0;
}

int dune_pt_init(void)
{
	uint64_t start, end;
	int err;

	dune_lock();
	dune_vm.pml4 = NULL;
	dune_vm.cr3 = 0;
	dune_vm.next_gpa = 0;
	dune_vm.gpa_limit = 1ULL << (dune_vm.maxphyaddr < REG_MAXPHYS ?
				     dune_vm.maxphyaddr : REG_MAXPHYS);
	err = registry_init();
	if (!err)
		err = dune_page_pool_init();
	if (!err) {
		dune_vm.pml4 = dune_pool_table();
		if (!dune_vm.pml4)
			err = -ENOMEM;
	}
	if (!err) {
		dune_vm.cr3 = (uint64_t)dune_vm.pml4;
		dune_page_publish_root();
		/* The pool's first chunk was registered before the root existed. */
		err = install_leaf(POOL_GPA_START, POOL_GPA_START);
		err = err < 0 ? err : 0;
	}
	dune_unlock();
	/* libdune's metadata: Dune-mode code reads it, so map it now. */
	if (!err)
		err = dune_map_range((uint64_t)reg_fwd, (uint64_t)reg_fwd + REG_BYTES);
	if (!err) {
		dune_page_pool_meta(&start, &end);
		err = dune_map_range(start, end);
	}
	return err;
}

#define BATCH	32

struct batch {
	unsigned int n;
	struct dune_chunk chunks[BATCH];
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
	for (i = 0; i < b->n && err >= 0; i++) {
		err = reg_set(b->chunks[i].hva, b->chunks[i].gpa);
		if (!err)
			err = install_leaf(b->chunks[i].hva, b->chunks[i].gpa);
	}
	b->n = 0;
	return err < 0 ? (int)err : 0;
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
		uint64_t gpa = dune_chunk_gpa(va);

		if (gpa != DUNE_NO_GPA) {
			err = install_leaf(va, gpa);
			if (err < 0)
				break;
			err = 0;
			continue;
		}
		b.chunks[b.n].hva = va;
		b.chunks[b.n].gpa = alloc_gpa(va);
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
 * In the child of a fork (section 7.2.7 of docs/design/libdune-api.md): a
 * new VM gets every chunk the registry knows, at the GPA it had in the
 * parent, so that the inherited page tables - libdune's and the
 * program's - mean the same thing.  Nothing in the tables changes.
 */
int dune_chunks_reregister(void)
{
	struct dune_chunk chunks[BATCH];
	unsigned int n = 0;
	uint64_t top, i;
	long err = 0;

	if (!reg_fwd)
		return -EINVAL;
	dune_lock();
	for (top = 0; top < FWD_TOP && !err; top++) {
		const uint64_t *l2 = (const uint64_t *)reg_fwd[top];

		for (i = 0; l2 && i < 512 && !err; i++) {
			if (!l2[i])
				continue;
			chunks[n].hva = (top << 30) | (i << DUNE_CHUNK_SHIFT);
			chunks[n].gpa = l2[i] & ~1ULL;
			if (++n == BATCH) {
				err = map_chunks(chunks, n);
				n = 0;
			}
		}
	}
	if (!err && n)
		err = map_chunks(chunks, n);
	dune_unlock();
	if (err)
		dune_printf("dune: DUNE_MAP_CHUNKS in a fork child failed (error %ld)\n", -err);
	return (int)err;
}

/*
 * The chunk of a guest page-fault address: 1 if it was mapped now, 0 if
 * it was mapped already (another thread was faster) or is not libdune's
 * to map (a dune_vm_* call claimed it), or -errno.
 */
int dune_map_fault(uint64_t addr)
{
	struct dune_chunk chunk;
	long err = 0;

	if (addr >= DUNE_USER_TOP)
		return -EFAULT;
	dune_lock();
	chunk.hva = addr & ~DUNE_CHUNK_MASK;
	chunk.gpa = dune_chunk_gpa(chunk.hva);
	if (chunk.gpa == DUNE_NO_GPA) {
		chunk.gpa = alloc_gpa(chunk.hva);
		err = map_chunks(&chunk, 1);
		if (!err)
			err = reg_set(chunk.hva, chunk.gpa);
	}
	if (!err)
		err = install_leaf(chunk.hva, chunk.gpa);
	dune_unlock();
	return (int)err;
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
