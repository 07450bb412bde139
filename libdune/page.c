// SPDX-License-Identifier: GPL-2.0
/*
 * page.c - the page pool at PAGEBASE: the original API's page allocator
 * (dune_page_alloc and friends, docs/design/libdune-api.md §5.4), which
 * also gives libdune every page of its guest page tables.
 *
 * The pool is MAX_PAGES 4 KiB pages at [PAGEBASE, PAGEBASE + 4 GiB),
 * reserved PROT_NONE at dune_init() and made read-write 2 MiB at a time.
 * Every 2 MiB of it is a chunk whose GPA equals its HVA (chunks.c keeps
 * the bump allocator's GPAs out of that window), so a page's address is
 * at once the pointer to it, its GPA, and what goes into a page-table
 * entry or CR3 - as in the original, where programs dereference
 * PTE_ADDR(pte) and load pgroot into CR3.
 *
 * Descriptors: struct page pages[MAX_PAGES] in a MAP_NORESERVE mapping of
 * its own (16 MiB of address space, touched as the pool grows), registered
 * as chunks so that Dune-mode code can use it.  Free pages are on a LIFO
 * list through page.link; ref is the reference count (0: free).
 *
 * Host side: the host loop allocates table pages here when it maps a
 * chunk, so everything below obeys rule R1 (no libc, raw system calls),
 * and the pool is protected by libdune's spinlock (dune_lock(), chunks.c):
 * async-signal-safe in the sense that it never calls into libc, but a
 * signal handler that interrupts a holder and allocates would spin; the
 * holders' critical sections are short and touch only pool pages and
 * libdune's registered metadata, so a holder never waits for the host loop.
 */
#include <sys/mman.h>

#include "dune.h"
#include "internal.h"
#include "sys.h"

#define POOL_BYTES	((uint64_t)MAX_PAGES * PGSIZE)
#define POOL_END	((uint64_t)PAGEBASE + POOL_BYTES)
#define DESC_BYTES	((uint64_t)MAX_PAGES * sizeof(struct page))

struct page *pages;
int num_pages;
ptent_t *pgroot;
uintptr_t phys_limit;

static struct page_head free_list;
static int pool_reserved;		/* [PAGEBASE, POOL_END) is ours */
static unsigned long nr_alloc;		/* pages with ref > 0, or handed out */

/* Undo a previous dune_init()'s pool (a child of a native fork). */
static void pool_release(void)
{
	if (pool_reserved)
		dune_sys_munmap((void *)PAGEBASE, POOL_BYTES);
	if (pages)
		dune_sys_munmap(pages, DESC_BYTES);
	pool_reserved = 0;
	pages = NULL;
	num_pages = 0;
	nr_alloc = 0;
	SLIST_INIT(&free_list);
}

/*
 * 2 MiB more pages: make them read-write, put them on the free list, and
 * register them as an identity chunk.  Called with the lock held.
 */
static int pool_grow(void)
{
	uint64_t base = PAGEBASE + (uint64_t)num_pages * PGSIZE;
	long p;
	int i, n = DUNE_CHUNK_SIZE / PGSIZE;

	if (base + DUNE_CHUNK_SIZE > POOL_END)
		return -ENOMEM;
	p = dune_sys_mmap((void *)base, DUNE_CHUNK_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (dune_is_err(p))
		return (int)p;
	/* Lowest address first off the list. */
	for (i = n - 1; i >= 0; i--) {
		struct page *pg = &pages[num_pages + i];

		pg->ref = 0;
		SLIST_INSERT_HEAD(&free_list, pg, link);
	}
	num_pages += n;
	return dune_chunk_identity(base);
}

/* Set up an empty pool (dune_pt_init, lock held). */
int dune_page_pool_init(void)
{
	long p;

	pool_release();
	p = dune_sys_mmap((void *)PAGEBASE, POOL_BYTES, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			  MAP_FIXED_NOREPLACE, -1, 0);
	if (dune_is_err(p) || (uint64_t)p != PAGEBASE) {
		if (!dune_is_err(p))
			dune_sys_munmap((void *)p, POOL_BYTES);
		dune_printf("dune: cannot reserve the page pool at 0x%llx-0x%llx: the range is in use\n",
			    (unsigned long long)PAGEBASE, (unsigned long long)POOL_END);
		return -EEXIST;
	}
	pool_reserved = 1;
	p = dune_sys_mmap(NULL, DESC_BYTES, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (dune_is_err(p))
		return (int)p;
	pages = (struct page *)p;
	return pool_grow();
}

/* The descriptor array, for dune_pt_init to register once tables exist. */
void dune_page_pool_meta(uint64_t *start, uint64_t *end)
{
	*start = (uint64_t)pages;
	*end = (uint64_t)pages + DESC_BYTES;
}

bool dune_pool_contains(uint64_t pa)
{
	return pa >= PAGEBASE && pa < PAGEBASE + (uint64_t)num_pages * PGSIZE;
}

/* A zeroed page with ref = 1, or NULL.  Lock held. */
struct page *dune_page_alloc_locked(void)
{
	struct page *pg;

	if (SLIST_EMPTY(&free_list) && (!pages || pool_grow()))
		return NULL;
	if (SLIST_EMPTY(&free_list))
		return NULL;
	pg = SLIST_FIRST(&free_list);
	SLIST_REMOVE_HEAD(&free_list, link);
	pg->ref = 1;
	nr_alloc++;
	dune_zero((void *)dune_page2pa(pg), PGSIZE);
	return pg;
}

void dune_page_free_locked(struct page *pg)
{
	if (pg < pages || pg >= pages + num_pages || pg->ref != 0)
		dune_fatal(NULL, "dune_page_free: bad page %p (ref %llu)", (void *)pg,
			   pg >= pages && pg < pages + num_pages ?
			   (unsigned long long)pg->ref : 0ULL);
	SLIST_INSERT_HEAD(&free_list, pg, link);
	nr_alloc--;
}

/* A zeroed table page (ref 1) and its address (GPA == HVA), or NULL. */
uint64_t *dune_pool_table(void)
{
	struct page *pg = dune_page_alloc_locked();

	return pg ? (uint64_t *)dune_page2pa(pg) : NULL;
}

/* Give back a table page from dune_pool_table(). */
void dune_pool_table_free(uint64_t *table)
{
	struct page *pg = dune_pa2page((physaddr_t)table);

	pg->ref = 0;
	dune_page_free_locked(pg);
}

void dune_page_publish_root(void)
{
	pgroot = (ptent_t *)dune_vm.pml4;
	phys_limit = 1ULL << dune_vm.maxphyaddr;
}

/* ---- the public API -------------------------------------------------- */

struct page *dune_page_alloc(void)
{
	struct page *pg;

	dune_lock();
	pg = dune_page_alloc_locked();
	dune_unlock();
	return pg;
}

void dune_page_free(struct page *pg)
{
	dune_lock();
	dune_page_free_locked(pg);
	dune_unlock();
}

bool dune_page_isfrompool(physaddr_t pa)
{
	return dune_pool_contains(pa);
}

void dune_page_stats(void)
{
	dune_printf("DUNE Page Allocator: Alloc %d, Free %d, Total %d\n",
		    (int)nr_alloc, num_pages - (int)nr_alloc, num_pages);
}

/* What dune_page_stats() prints, for programs and tests (dune-ext.h). */
void dune_page_counts(int *alloc, int *free, int *total)
{
	dune_lock();
	*alloc = (int)nr_alloc;
	*free = num_pages - (int)nr_alloc;
	*total = num_pages;
	dune_unlock();
}
