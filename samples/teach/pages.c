// SPDX-License-Identifier: GPL-2.0
/* pages.c - pages of your own, in your own page table */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libdune/dune.h>
#include <libdune/dune-ext.h>

#define AREA	((char *)0x600000000000UL)	/* nothing there natively */
#define LEN	(4 * PGSIZE)

static int show(const void *arg, ptent_t *pte, void *va)
{
	int *n = (int *)arg;

	printf("  %p -> %#lx %s%s%s\n", va, (unsigned long)PTE_ADDR(*pte),
	       *pte & PTE_P ? "P" : "-", *pte & PTE_W ? "W" : "-",
	       *pte & PTE_NX ? "" : "X");
	(*n)++;
	return 0;
}

static int faults;

/* A write to a read-only page of AREA: make that page writable, retry. */
static void on_pgflt(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	char *page = (char *)PGADDR(addr);

	if (!(fec & FEC_W) || page < AREA || page >= AREA + LEN) {
		dune_printf("unexpected page fault at %#lx\n", (unsigned long)addr);
		dune_dump_trap_frame(tf);
		dune_die();
	}
	faults++;
	dune_vm_mprotect(pgroot, page, PGSIZE, PERM_R | PERM_W);
}

int main(void)
{
	volatile char *p = AREA;
	struct dune_exit_stats st0, st1;
	struct page *pg;
	int n = 0, used, nfree, total;
	ssize_t r;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* lines in order, into a pipe too */
	if (dune_init_and_enter())
		return 1;

	/* 1. Four fresh, zeroed pool pages, at an address of our choice. */
	if (dune_vm_map_pages(pgroot, AREA, LEN, PERM_R | PERM_W))
		return 2;
	strcpy((char *)AREA, "hello from a page of my own\n");
	pg = dune_vm_lookup_page(pgroot, AREA);
	printf("page %p: ref %lu, pool address %#lx\n", (void *)pg,
	       (unsigned long)pg->ref, (unsigned long)dune_page2pa(pg));

	/* 2. The kernel sees the page at its pool address only. */
	r = write(1, AREA, 28);
	printf("write(1, AREA, 28) = %zd (%s)\n", r, r < 0 ? strerror(errno) : "ok");
	r = write(1, (char *)dune_page2pa(pg), 28);
	printf("write(1, pool address, 28) = %zd\n", r);

	/* 3. What the page table holds. */
	dune_vm_page_walk(pgroot, AREA, AREA + LEN - 1, show, &n);
	printf("%d entries\n", n);

	/* 4. Read-only, and a handler that unprotects one page at a time. */
	dune_vm_mprotect(pgroot, AREA, LEN, PERM_R);
	dune_register_pgflt_handler(on_pgflt);
	dune_get_exit_stats(&st0);
	for (int i = 0; i < 4; i++)
		p[i * PGSIZE + 100] = 'x';	/* faults */
	for (int i = 0; i < 4; i++)
		p[i * PGSIZE + 101] = 'y';	/* does not */
	dune_get_exit_stats(&st1);
	printf("%d faults handled, %llu VMCALL exits\n", faults,
	       (unsigned long long)(st1.exits[18] - st0.exits[18] - 1));

	/* 5. Unmap: the pool pages go back; the page tables stay. */
	dune_page_counts(&used, &nfree, &total);
	printf("pool pages in use: %d", used);
	dune_vm_unmap(pgroot, AREA, LEN);
	dune_page_counts(&used, &nfree, &total);
	printf(", after dune_vm_unmap %d\n", used);
	return 0;
}
