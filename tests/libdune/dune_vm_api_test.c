// SPDX-License-Identifier: GPL-2.0
/*
 * dune_vm_api_test - the original API's page allocator and page-table
 * functions (dune_page_*, dune_vm_*, dune_va_to_pa), used in Dune mode.
 *
 * Runs in the emulated VMX machine with dune.ko loaded; each test forks a
 * child that enters Dune mode (dune_child.h).  Mappings the tests make
 * with dune_vm_* at FRESH_VA exist only in the guest page tables: the
 * process has nothing there natively.  A page fault the guest's tables
 * cause on a user address is never replayed natively (it could succeed
 * there, out of Dune mode): without a handler, libdune dies with the
 * original's "unhandled page fault" (§7.6.4).
 */
#include <stdint.h>

#include "kselftest_harness.h"
#include "dune_child.h"

#define FRESH_VA	((char *)0x600000000000UL)

DUNE_DEVICE_FIXTURE(vm);

static int nalloc(void)
{
	int a, f, t;

	dune_page_counts(&a, &f, &t);
	return a;
}

/* A mapping of fresh pool pages at a fresh address is readable and writable. */
static int map_pages_rw(void *arg)
{
	volatile char *p = FRESH_VA;
	struct page *pg;
	int i;

	(void)arg;
	CHECK(dune_vm_map_pages(pgroot, FRESH_VA, 2 * PGSIZE, PERM_R | PERM_W) == 0);
	for (i = 0; i < 2 * PGSIZE; i += 512)
		CHECK(p[i] == 0);		/* zeroed */
	for (i = 0; i < 2 * PGSIZE; i += 512)
		p[i] = (char)(i / 512 + 1);
	for (i = 0; i < 2 * PGSIZE; i += 512)
		CHECK(p[i] == (char)(i / 512 + 1));
	/* The same memory through the pool, where GPA == HVA. */
	pg = dune_vm_lookup_page(pgroot, FRESH_VA + PGSIZE);
	CHECK(pg != NULL && pg->ref == 1);
	CHECK(((volatile char *)dune_page2pa(pg))[512] == 10);
	CHECK(dune_page_isfrompool(dune_page2pa(pg)));
	CHECK(dune_pa2page(dune_page2pa(pg)) == pg);
	return 0;
}

TEST_F_TIMEOUT(vm, map_pages_fresh_va_read_write, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, map_pages_rw, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* mprotect read-only: reads work, a write faults: "unhandled page fault". */
static int mprotect_ro_write(void *arg)
{
	volatile char *p = FRESH_VA;

	(void)arg;
	CHECK(dune_vm_map_pages(pgroot, FRESH_VA, PGSIZE, PERM_R | PERM_W) == 0);
	p[7] = 'x';
	CHECK(dune_vm_mprotect(pgroot, FRESH_VA, PGSIZE, PERM_W) == -EINVAL);
	CHECK(dune_vm_mprotect(pgroot, FRESH_VA, PGSIZE, PERM_R) == 0);
	CHECK(p[7] == 'x');
	CHECK(write(1, "R", 1) == 1);
	p[7] = 'y';			/* #PF (protection): death */
	return 3;
}

TEST_F_TIMEOUT(vm, mprotect_readonly_then_write_faults, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, mprotect_ro_write, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 1);
	/* write (2) to a present page (1) */
	EXPECT_EQ(0, strncmp(res.out, "Runhandled page fault 600000000007 3\n", 37))
		TH_LOG("output:\n%s", res.out);
	EXPECT_NE(NULL, strstr(res.out, "--- Begin Trap Dump ---"));
	EXPECT_NE(NULL, strstr(res.out, "--- Process Map ---"));
}

struct walk_log {
	int n;
	uintptr_t va[16];
};

static int log_cb(const void *arg, ptent_t *ptep, void *va)
{
	struct walk_log *l = (struct walk_log *)arg;

	(void)ptep;
	if (l->n < 16)
		l->va[l->n] = (uintptr_t)va;
	l->n++;
	return 0;
}

static int stop_cb(const void *arg, ptent_t *ptep, void *va)
{
	(void)arg;
	(void)ptep;
	(void)va;
	return 42;
}

/* The walk sees exactly the pages mapped, and libdune's own 4 KiB at a time. */
static int page_walk_exact(void *arg)
{
	static char buf[5 * 4096] __attribute__((aligned(4096)));
	char *base = FRESH_VA + (1UL << 30);
	struct walk_log l = { 0 };
	int i;

	(void)arg;
	CHECK(dune_vm_map_pages(pgroot, base, PGSIZE, PERM_R) == 0);
	CHECK(dune_vm_map_pages(pgroot, base + 2 * PGSIZE, PGSIZE, PERM_R) == 0);
	CHECK(dune_vm_map_pages(pgroot, base + 5 * PGSIZE, PGSIZE, PERM_R) == 0);
	CHECK(dune_vm_page_walk(pgroot, base, base + BIG_PGSIZE - 1, log_cb, &l) == 0);
	CHECK(l.n == 3);
	CHECK(l.va[0] == (uintptr_t)base);
	CHECK(l.va[1] == (uintptr_t)(base + 2 * PGSIZE));
	CHECK(l.va[2] == (uintptr_t)(base + 5 * PGSIZE));
	/* end is inclusive */
	l.n = 0;
	CHECK(dune_vm_page_walk(pgroot, base + PGSIZE, base + 2 * PGSIZE, log_cb, &l) == 0);
	CHECK(l.n == 1);
	CHECK(dune_vm_page_walk(pgroot, base, base, stop_cb, NULL) == 42);

	/* Memory libdune mapped 2 MiB at a time: split, seen page by page. */
	for (i = 0; i < 5; i++)
		buf[i * 4096] = 1;
	l.n = 0;
	CHECK(dune_vm_page_walk(pgroot, buf, buf + sizeof(buf) - 1, log_cb, &l) == 0);
	CHECK(l.n == 5);
	for (i = 0; i < 5; i++)
		CHECK(l.va[i] == (uintptr_t)(buf + i * 4096));
	for (i = 0; i < 5; i++)
		CHECK(buf[i * 4096] == 1);	/* still mapped the same */
	return 0;
}

TEST_F_TIMEOUT(vm, page_walk_sees_exactly_the_mapped_pages, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, page_walk_exact, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* clone, run on the clone for a moment, free: no page leaks. */
static int clone_free(void *arg)
{
	volatile char *p = FRESH_VA;
	struct page *pg;
	ptent_t *clone;
	int before, after_map;
	char seen;

	(void)arg;
	before = nalloc();
	CHECK(dune_vm_map_pages(pgroot, FRESH_VA, PGSIZE, PERM_R | PERM_W) == 0);
	p[0] = 'c';
	after_map = nalloc();
	CHECK(after_map > before);
	pg = dune_vm_lookup_page(pgroot, FRESH_VA);
	CHECK(pg && pg->ref == 1);

	clone = dune_vm_clone(pgroot);
	CHECK(clone != NULL);
	CHECK(dune_page_isfrompool((physaddr_t)clone));
	CHECK(pg->ref == 2);
	CHECK(dune_vm_lookup_page(clone, FRESH_VA) == pg);
	/* The clone maps everything this thread needs: run on it briefly. */
	load_cr3((unsigned long)clone);
	seen = p[0];
	load_cr3((unsigned long)pgroot);
	CHECK(seen == 'c');

	dune_vm_free(clone);
	CHECK(pg->ref == 1);
	CHECK(nalloc() == after_map);
	dune_vm_unmap(pgroot, FRESH_VA, PGSIZE);
	CHECK(dune_vm_lookup_page(pgroot, FRESH_VA) == NULL);
	CHECK(nalloc() == after_map - 1);	/* the page; tables stay */
	dune_page_stats();
	return 0;
}

TEST_F_TIMEOUT(vm, clone_and_free_leak_nothing, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, clone_free, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
	EXPECT_NE(NULL, strstr(res.out, "DUNE Page Allocator: Alloc "));
}

/* dune_va_to_pa agrees with what the page tables say, for any memory. */
static int check_va(void *p)
{
	ptent_t *pte;

	CHECK(dune_vm_lookup(pgroot, p, CREATE_NONE, &pte) == 0);
	CHECK(*pte & PTE_P);
	CHECK(!(*pte & PTE_PS));
	CHECK(PTE_ADDR(*pte) + PGOFF(p) == dune_va_to_pa(p));
	CHECK(dune_va_to_pa(p) < phys_limit);
	CHECK(dune_mmap_addr_to_pa(p) == dune_va_to_pa(p));
	return 0;
}

static int va_to_pa(void *arg)
{
	static int data = 3;
	int local = 4;
	char *heap = malloc(100), *fresh;
	uintptr_t pa;

	(void)arg;
	CHECK(heap);
	CHECK(check_va(&data) == 0);
	CHECK(check_va(&local) == 0);
	CHECK(check_va(heap + 50) == 0);
	/* Untouched memory: dune_va_to_pa registers its chunk. */
	fresh = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(fresh != MAP_FAILED);
	pa = dune_va_to_pa(fresh + (3 << 20) + 5);
	CHECK(pa < phys_limit);
	fresh[(3 << 20) + 5] = 9;
	CHECK(check_va(fresh + (3 << 20) + 5) == 0);
	CHECK(dune_va_to_pa(fresh + (3 << 20) + 5) == pa);
	/* Pool pages: GPA == HVA; non-user addresses: themselves. */
	CHECK(dune_va_to_pa(pgroot) == (uintptr_t)pgroot);
	CHECK(dune_va_to_pa((void *)0xffff800000001000UL) == 0xffff800000001000UL);
	return 0;
}

TEST_F_TIMEOUT(vm, va_to_pa_agrees_with_the_tables, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, va_to_pa, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* insert_page shares a page; the COW handler, called in ring 0, unshares it. */
static int cow(void *arg)
{
	volatile char *a = FRESH_VA, *b = FRESH_VA + PGSIZE;
	struct page *pg, *pg2;

	(void)arg;
	CHECK(dune_vm_map_pages(pgroot, FRESH_VA, PGSIZE, PERM_R | PERM_W) == 0);
	strcpy((char *)a, "shared");
	pg = dune_vm_lookup_page(pgroot, FRESH_VA);
	CHECK(pg);
	CHECK(dune_vm_insert_page(pgroot, (void *)b, pg, PERM_R | PERM_COW) == 0);
	CHECK(pg->ref == 2);
	CHECK(strcmp((const char *)b, "shared") == 0);
	dune_vm_default_pgflt_handler((uintptr_t)b, FEC_W);
	pg2 = dune_vm_lookup_page(pgroot, (void *)b);
	CHECK(pg2 && pg2 != pg);
	CHECK(pg->ref == 1 && pg2->ref == 1);
	b[0] = 'S';			/* writable now, and private */
	CHECK(strcmp((const char *)b, "Shared") == 0);
	CHECK(strcmp((const char *)a, "shared") == 0);
	return 0;
}

TEST_F_TIMEOUT(vm, insert_page_and_copy_on_write, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, cow, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/*
 * §8.2: dune_vm_unmap of a whole automatic chunk, at CPL 0, without a
 * handler: the next access is "unhandled page fault" and death - not a
 * silent remap by libdune (the chunk is claimed), and not a native replay
 * (the process still has the memory natively, where it would succeed).
 */
static int unmap_auto_chunk(void *arg)
{
	char *m = mmap(NULL, 3 * BIG_PGSIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char *c;

	(void)arg;
	CHECK(m != MAP_FAILED);
	c = (char *)(((uintptr_t)m + BIG_PGSIZE - 1) & ~(uintptr_t)(BIG_PGSIZE - 1));
	c[100] = 5;				/* an automatic leaf now */
	dune_vm_unmap(pgroot, (void *)c, BIG_PGSIZE);
	CHECK(write(1, "U", 1) == 1);
	return c[100];				/* #PF: death */
}

TEST_F_TIMEOUT(vm, unmap_of_an_auto_chunk_is_fatal_not_remapped, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, unmap_auto_chunk, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 1);
	EXPECT_EQ(0, strncmp(res.out, "Uunhandled page fault ", 22))
		TH_LOG("output:\n%s", res.out);
}

/*
 * On a root other than pgroot (a clone in CR3), an exception without a
 * handler is never replayed natively (§7.6.4): native memory is not what
 * the guest sees.  The original's default instead.
 */
static int ud_on_a_clone(void *arg)
{
	volatile char stack_probe[16384];
	ptent_t *clone;

	(void)arg;
	stack_probe[0] = stack_probe[sizeof(stack_probe) - 1] = 0;
	clone = dune_vm_clone(pgroot);
	CHECK(clone != NULL);
	load_cr3((unsigned long)clone);
	__asm__ __volatile__("ud2");
	return 3;
}

TEST_F_TIMEOUT(vm, exception_on_a_clone_root_is_not_replayed, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, ud_on_a_clone, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 1);
	EXPECT_NE(NULL, strstr(res.out, "unhandled exception 6"))
		TH_LOG("output:\n%s", res.out);
}

/*
 * §8.2: dune_vm_default_pgflt_handler as the program's page-fault handler.
 * A COW page shared by two roots is copied on the first write in each
 * (the root is the one in CR3); reads never fault; a read fault on a COW
 * entry changes nothing (and returns: no loop inside the handler).
 */
static volatile int cow_faults;

static void on_cow_fault(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	(void)tf;
	cow_faults++;
	dune_vm_default_pgflt_handler(addr, fec);
}

static int cow_two_roots(void *arg)
{
	volatile char stack_probe[16384];
	volatile char *a = FRESH_VA, *b = FRESH_VA + PGSIZE;
	struct page *pg, *in_a, *in_b;
	ptent_t *clone, *pte;
	char seen;

	(void)arg;
	stack_probe[0] = stack_probe[sizeof(stack_probe) - 1] = 0;
	dune_register_pgflt_handler(on_cow_fault);
	CHECK(dune_vm_map_pages(pgroot, FRESH_VA, PGSIZE, PERM_R | PERM_W) == 0);
	strcpy((char *)a, "orig");
	pg = dune_vm_lookup_page(pgroot, FRESH_VA);
	CHECK(pg && pg->ref == 1);
	CHECK(dune_vm_insert_page(pgroot, (void *)b, pg, PERM_R | PERM_COW) == 0);
	clone = dune_vm_clone(pgroot);
	CHECK(clone != NULL);
	CHECK(pg->ref == 4);			/* a and b, in both roots */

	/* A read fault on the COW entry: no change. */
	dune_vm_default_pgflt_handler((uintptr_t)b, 0);
	CHECK(dune_vm_lookup_page(pgroot, (void *)b) == pg);
	/* reads do not fault */
	CHECK(b[0] == 'o' && cow_faults == 0);

	b[0] = 'A';				/* pgroot: one fault, a copy */
	b[1] = 'a';				/* no more */
	CHECK(cow_faults == 1);
	in_a = dune_vm_lookup_page(pgroot, (void *)b);
	CHECK(in_a && in_a != pg && in_a->ref == 1);
	CHECK(dune_vm_lookup(pgroot, (void *)b, CREATE_NONE, &pte) == 0);
	CHECK((*pte & PTE_W) && !(*pte & PTE_COW));
	CHECK(pg->ref == 3);

	load_cr3((unsigned long)clone);		/* the clone: its own copy */
	seen = b[0];
	b[0] = 'B';
	load_cr3((unsigned long)pgroot);
	CHECK(seen == 'o');
	CHECK(cow_faults == 2);
	in_b = dune_vm_lookup_page(clone, (void *)b);
	CHECK(in_b && in_b != pg && in_b != in_a && in_b->ref == 1);
	CHECK(pg->ref == 2);
	CHECK(strcmp((const char *)a, "orig") == 0);
	CHECK(strcmp((const char *)b, "Aaig") == 0);
	CHECK(((char *)dune_page2pa(in_b))[0] == 'B');
	dune_vm_free(clone);
	CHECK(pg->ref == 1);
	return 0;
}

TEST_F_TIMEOUT(vm, default_pgflt_handler_copies_once_per_root, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, cow_two_roots, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/*
 * dune_vm_map_phys of pool pages takes a reference per page, which the
 * unmap (or dune_vm_free of a clone) gives back: map, drop the caller's
 * own reference, unmap -> the page is free again, not leaked, not freed
 * twice.
 */
static int map_phys_refs(void *arg)
{
	struct page *pg = dune_page_alloc();
	int before;
	ptent_t *clone;
	volatile char *p = FRESH_VA + 8 * PGSIZE;

	(void)arg;
	CHECK(pg != NULL);
	CHECK(pg->ref == 1);
	CHECK(dune_vm_map_phys(pgroot, (void *)p, PGSIZE, (void *)dune_page2pa(pg),
			       PERM_R | PERM_W) == 0);
	CHECK(pg->ref == 2);
	before = nalloc();			/* with the new page tables */
	p[0] = 'm';
	clone = dune_vm_clone(pgroot);
	CHECK(clone != NULL && pg->ref == 3);
	dune_vm_free(clone);
	CHECK(pg->ref == 2);
	/* mapping the same page again replaces the leaf: no extra reference */
	CHECK(dune_vm_map_phys(pgroot, (void *)p, PGSIZE, (void *)dune_page2pa(pg),
			       PERM_R | PERM_W) == 0);
	CHECK(pg->ref == 2);
	dune_page_put(pg);			/* the caller's own */
	CHECK(pg->ref == 1 && nalloc() == before);
	dune_vm_unmap(pgroot, (void *)p, PGSIZE);
	CHECK(nalloc() == before - 1);		/* freed by the unmap */
	return 0;
}

TEST_F_TIMEOUT(vm, map_phys_references_are_symmetric, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, map_phys_refs, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_HARNESS_MAIN
