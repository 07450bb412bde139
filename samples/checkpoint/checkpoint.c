// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint - incremental checkpointing with the process's own page
 * tables: after each checkpoint, find exactly the pages the program wrote
 * since the last one, and copy only those into the snapshot.
 *
 * A native program would do this with mprotect() and a SIGSEGV handler:
 * a system call to protect, a signal per first write, a system call in
 * the handler to unprotect - the Appel-Li pattern (Appel and Li, "Virtual
 * memory primitives for user programs", ASPLOS 1991).  In Dune mode the
 * program owns its page tables and its page-fault handler, so it can do
 * it two ways, both without the kernel:
 *
 *   write barrier  protect the region read-only at each checkpoint
 *                  (dune_vm_mprotect); the first write to each page traps
 *                  into our #PF handler in ring 0 of the guest, which
 *                  records the page and makes it writable again by setting
 *                  PTE_W - one fault per dirtied page, no VM exit;
 *   dirty bits     leave the region writable; the CPU sets PTE_D in the
 *                  leaf entry of every page it writes (SDM Vol. 3A, 4.8).
 *                  At the checkpoint, walk the entries (dune_vm_page_walk),
 *                  take those with D set, clear D and flush the TLB - no
 *                  fault at all.
 *
 * The workload writes to random pages of a 1 MiB "database" and keeps its
 * own record of what it wrote; after each epoch, both methods must report
 * exactly that set, and the snapshot must equal the database.
 *
 * Build: make samples; run: tools/vm/run -- samples/checkpoint
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dune.h"
#include "dune-ext.h"

#define NPAGES		256		/* the database: 1 MiB */
#define EPOCHS		8
#define WRITES		64		/* random writes per epoch */

static char *db;			/* the live database */
static char *snapshot;			/* its copy at the last checkpoint */
static bool truth[NPAGES];		/* pages the workload wrote */
static bool found[NPAGES];		/* pages a method reported dirty */
static volatile unsigned long traps;	/* write-barrier faults */

static unsigned long page_index(uintptr_t addr)
{
	return (addr - (uintptr_t)db) / PGSIZE;
}

/* ---- method 1: the write barrier ------------------------------------- */

/*
 * A write to a protected page: note it, then let the write through.  The
 * handler runs in guest ring 0 on libdune's exception stack; setting
 * PTE_W in the leaf and flushing that one TLB entry is all it takes.
 */
static void barrier_fault(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	ptent_t *pte;

	if (addr < (uintptr_t)db || addr >= (uintptr_t)db + NPAGES * PGSIZE ||
	    !(fec & FEC_W) || dune_vm_lookup(pgroot, (void *)addr, CREATE_NONE, &pte)) {
		dune_printf("checkpoint: unexpected page fault at %p (error code %#lx)\n",
			    (void *)addr, (unsigned long)fec);
		dune_dump_trap_frame(tf);
		dune_die();
	}
	/* LAB(7) BEGIN: record the page, let the write through (no VM exit, no system call) */
	traps++;
	found[page_index(addr)] = true;
	*pte |= PTE_W;
	dune_flush_tlb_one(addr);
	/* LAB(7) STUB
	 * dune_printf("checkpoint: a write to the protected page at %p: lab 7's handler to write\n",
	 *	    (void *)addr);
	 * dune_die();
	 * LAB(7) END
	 */
}

static void barrier_arm(void)
{
	/* LAB(7) BEGIN: arm the barrier: every page of the database read-only again */
	/* Every page read-only again: the next first write traps. */
	if (dune_vm_mprotect(pgroot, db, NPAGES * PGSIZE, PERM_R)) {
		fprintf(stderr, "checkpoint: dune_vm_mprotect failed\n");
		exit(1);
	}
	/* LAB(7) END */
}

/* ---- method 2: the dirty bits ------------------------------------------ */

static int collect_dirty(const void *arg, ptent_t *pte, void *va)
{
	(void)arg;
	if (*pte & PTE_D) {
		found[page_index((uintptr_t)va)] = true;
		*pte &= ~(ptent_t)PTE_D;
	}
	return 0;
}

static void dirty_scan(void)
{
	dune_vm_page_walk(pgroot, db, db + NPAGES * PGSIZE - 1, collect_dirty, NULL);
	/*
	 * A TLB entry remembers that its page is dirty, and the CPU sets D in
	 * memory only when it writes through an entry that says "clean": the
	 * cleared bits only count once the stale entries are gone.
	 */
	dune_flush_tlb();
}

/* ---- the workload and the checks --------------------------------------- */

static unsigned long long rng = 88172645463325252ULL;

static unsigned long next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned long)rng;
}

static void run_epoch(int epoch)
{
	int i;

	memset(truth, 0, sizeof(truth));
	for (i = 0; i < WRITES; i++) {
		unsigned long page = next_random() % NPAGES;
		unsigned long off = next_random() % (PGSIZE - 32);

		snprintf(db + page * PGSIZE + off, 32, "epoch %d write %d", epoch, i);
		truth[page] = true;
	}
}

/*
 * Copy the pages a method found into the snapshot; check them against the
 * truth.  The number of pages copied, or -1.
 */
static int checkpoint(const char *method, int epoch)
{
	int i, dirty = 0, wrong = 0;

	for (i = 0; i < NPAGES; i++) {
		if (found[i] != truth[i])
			wrong++;
		if (found[i]) {
			memcpy(snapshot + i * PGSIZE, db + i * PGSIZE, PGSIZE);
			dirty++;
		}
	}
	if (wrong || memcmp(snapshot, db, NPAGES * PGSIZE)) {
		printf("%-14s epoch %d: %d pages reported wrongly - FAILED\n", method, epoch, wrong);
		return -1;
	}
	memset(found, 0, sizeof(found));
	return dirty;
}

static int run(const char *method, bool barrier)
{
	unsigned long t0, ticks = 0, traps0 = traps;
	int epoch, dirty, total = 0;

	for (epoch = 1; epoch <= EPOCHS; epoch++) {
		t0 = dune_get_ticks();
		run_epoch(epoch);
		if (!barrier)
			dirty_scan();
		ticks += dune_get_ticks() - t0;
		dirty = checkpoint(method, epoch);
		if (dirty < 0)
			return 1;
		total += dirty;
		if (barrier) {
			t0 = dune_get_ticks();
			barrier_arm();
			ticks += dune_get_ticks() - t0;
		}
	}
	/* Ticks: the workload plus the method's own work (scan, or arm + faults). */
	printf("%-14s %d epochs: %d dirty pages found and copied, %lu page faults, %lu ticks per epoch\n",
	       method, EPOCHS, total, traps - traps0, ticks / EPOCHS);
	return 0;
}

int main(void)
{
	int ret;

	/* 2 MiB-aligned, so that the region is one guest-page-table leaf. */
	db = aligned_alloc(2 << 20, NPAGES * PGSIZE);
	snapshot = malloc(NPAGES * PGSIZE);
	if (!db || !snapshot)
		return 1;
	memset(db, 0, NPAGES * PGSIZE);
	memset(snapshot, 0, NPAGES * PGSIZE);

	ret = dune_init_and_enter();
	if (ret) {
		fprintf(stderr, "checkpoint: cannot enter Dune mode (error %d): is dune.ko loaded?\n", ret);
		return 1;
	}
	dune_register_pgflt_handler(barrier_fault);

	/*
	 * Give the database 4 KiB entries of its own (libdune maps process
	 * memory 2 MiB at a time), writable, and start both methods clean.
	 */
	if (dune_vm_mprotect(pgroot, db, NPAGES * PGSIZE, PERM_R | PERM_W))
		return 1;
	dune_vm_page_walk(pgroot, db, db + NPAGES * PGSIZE - 1, collect_dirty, NULL);
	dune_flush_tlb();
	memset(found, 0, sizeof(found));

	if (run("dirty bits:", false))
		return 1;
	barrier_arm();
	if (run("write barrier:", true))
		return 1;
	printf("checkpoint: both methods found exactly the pages written\n");
	return 0;
}
