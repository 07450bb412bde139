// SPDX-License-Identifier: GPL-2.0
/*
 * cow.c - copy-on-write between two page-table roots, in the style of the
 * original Dune's privilege-separation apps (wedge): clone pgroot, mark a
 * region copy-on-write in both roots, and let dune_vm_default_pgflt_handler
 * give each root its own copy on the first write.  dune_vm_page_walk
 * checks what each root maps.
 *
 * Written against the original Dune's public headers only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdune/dune.h"
#include "libdune/cpu-x86.h"
#include "libdune/mmu-x86.h"

#define AREA	((char *)0x500000000000UL)
#define NRPGS	8

static volatile unsigned long faults;

static void pgflt_handler(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	faults++;
	dune_vm_default_pgflt_handler(addr, fec);
}

struct walk {
	int pages, writable, cow;
};

static int count_page(const void *arg, ptent_t *pte, void *va)
{
	struct walk *w = (struct walk *)arg;

	if (!(*pte & PTE_P))
		return 0;
	w->pages++;
	w->writable += !!(*pte & PTE_W);
	w->cow += !!(*pte & PTE_COW);
	return 0;
}

static struct walk walk(ptent_t *root)
{
	struct walk w = { 0, 0, 0 };

	dune_vm_page_walk(root, AREA, AREA + NRPGS * PGSIZE - 1, count_page, &w);
	return w;
}

static physaddr_t frame(ptent_t *root, int i)
{
	ptent_t *pte;

	if (dune_vm_lookup(root, AREA + i * PGSIZE, CREATE_NONE, &pte))
		return 0;
	return PTE_ADDR(*pte);
}

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("cow: check failed at line %d: %s (%lu faults)\n", \
		       __LINE__, #cond, faults);			\
		exit(1);						\
	}								\
} while (0)

int main(void)
{
	ptent_t *clone;
	struct walk w;
	int i;

	if (dune_init_and_enter()) {
		printf("failed to initialize dune\n");
		return 1;
	}
	dune_register_pgflt_handler(pgflt_handler);

	CHECK(!dune_vm_map_pages(pgroot, AREA, NRPGS * PGSIZE, PERM_R | PERM_W));
	for (i = 0; i < NRPGS; i++)
		sprintf(AREA + i * PGSIZE, "page %d", i);
	w = walk(pgroot);
	CHECK(w.pages == NRPGS && w.writable == NRPGS && w.cow == 0);

	clone = dune_vm_clone(pgroot);
	CHECK(clone != NULL);
	CHECK(frame(clone, 3) == frame(pgroot, 3));
	CHECK(dune_pa2page(frame(pgroot, 3))->ref == 2);

	/* Both roots share the pages, read-only and copy-on-write. */
	CHECK(!dune_vm_mprotect(pgroot, AREA, NRPGS * PGSIZE, PERM_R | PERM_COW));
	CHECK(!dune_vm_mprotect(clone, AREA, NRPGS * PGSIZE, PERM_R | PERM_COW));
	w = walk(clone);
	CHECK(w.pages == NRPGS && w.writable == 0 && w.cow == NRPGS);

	/* A read takes no fault; the first write in pgroot copies the page. */
	CHECK(!strcmp(AREA + 3 * PGSIZE, "page 3"));
	CHECK(faults == 0);
	strcpy(AREA + 3 * PGSIZE, "parent's page 3");
	CHECK(faults == 1);
	CHECK(frame(pgroot, 3) != frame(clone, 3));
	CHECK(dune_pa2page(frame(clone, 3))->ref == 1);
	strcpy(AREA + 3 * PGSIZE + 100, "second write");
	CHECK(faults == 1);

	/*
	 * Under the clone, page 3 still has the old contents; its first write
	 * there finds the last reference and only makes the page writable.
	 */
	load_cr3((unsigned long)clone);
	CHECK(!strcmp(AREA + 3 * PGSIZE, "page 3"));
	strcpy(AREA + 3 * PGSIZE, "clone's page 3");
	strcpy(AREA + 5 * PGSIZE, "clone's page 5");
	load_cr3((unsigned long)pgroot);
	CHECK(faults == 3);
	CHECK(!strcmp(AREA + 3 * PGSIZE, "parent's page 3"));
	CHECK(!strcmp(AREA + 5 * PGSIZE, "page 5"));

	w = walk(pgroot);
	CHECK(w.pages == NRPGS && w.writable == 1 && w.cow == NRPGS - 1);
	w = walk(clone);
	CHECK(w.pages == NRPGS && w.writable == 2 && w.cow == NRPGS - 2);

	dune_vm_free(clone);
	CHECK(dune_pa2page(frame(pgroot, 0))->ref == 1);
	printf("cow: passed (%lu faults)\n", faults);
	return 0;
}
