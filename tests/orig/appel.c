// SPDX-License-Identifier: GPL-2.0
/*
 * appel.c - the Appel-Li primitives (Appel and Li, "Virtual memory
 * primitives for user programs", ASPLOS 1991) in Dune mode, as the
 * original Dune's benchmark exercises them:
 *
 *   appel1 (PROT1-TRAP-UNPROT): protect one page, touch it, the fault
 *          handler unprotects it, the touch completes;
 *   appel2 (PROTN-TRAP-UNPROT): protect N pages at once, then take one
 *          fault per page.
 *
 * The handler edits the page-table entry itself - dune_vm_lookup(), set
 * PTE_W, dune_flush_tlb_one() - exactly what a garbage collector's write
 * barrier or an incremental checkpointer does.  No VM exit is involved:
 * the #PF is delivered through the guest's own IDT.  The program also
 * makes system calls with a raw VMCALL, the original's hypercall ABI.
 *
 * Written against the original Dune's public headers only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libdune/dune.h"
#include "libdune/cpu-x86.h"
#include "libdune/mmu-x86.h"

#define AREA		((volatile char *)0x400000000000UL)
#define NRPGS		64
#define ROUNDS		200

static volatile unsigned long faults;
static volatile unsigned long fault_addr;

static void pgflt_handler(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	ptent_t *pte;
	int ret;

	faults++;
	fault_addr = addr;
	if (!(fec & FEC_W) || addr < (uintptr_t)AREA ||
	    addr >= (uintptr_t)AREA + NRPGS * PGSIZE) {
		printf("appel: unexpected fault at 0x%lx, code 0x%lx\n",
		       (unsigned long)addr, (unsigned long)fec);
		exit(3);
	}
	ret = dune_vm_lookup(pgroot, (void *)addr, CREATE_NONE, &pte);
	if (ret) {
		printf("appel: no PTE for 0x%lx\n", (unsigned long)addr);
		exit(4);
	}
	*pte |= PTE_W;
	dune_flush_tlb_one(addr);
}

/* The original's hypercall ABI: a system call by VMCALL, nothing clobbered. */
static long vmcall(long nr, long arg0)
{
	long ret;
	register long rcx __asm__("rcx") = 0x1111;
	register long r11 __asm__("r11") = 0x2222;

	__asm__ __volatile__("vmcall"
			     : "=a"(ret), "+r"(rcx), "+r"(r11)
			     : "a"(nr), "D"(arg0)
			     : "memory");
	if (rcx != 0x1111 || r11 != 0x2222) {
		printf("appel: VMCALL clobbered rcx or r11\n");
		exit(5);
	}
	return ret;
}

static int test_vmcall(void)
{
	if (vmcall(SYS_getpid, 0) != getpid())
		return 0;
	if (vmcall(0x1234, 0) != -ENOSYS)
		return 0;
	return vmcall(SYS_getppid, 0) == getppid();
}

static int appel1(void)
{
	unsigned long before = faults;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		/* volatile: the store must happen before fault_addr is read */
		volatile char *page = AREA + (i % NRPGS) * PGSIZE;

		if (dune_vm_mprotect(pgroot, (void *)page, PGSIZE, PERM_R))
			return 0;
		page[8] = (char)i;			/* traps */
		if (fault_addr != (uintptr_t)&page[8] || page[8] != (char)i) {
			printf("appel1: round %d: fault at 0x%lx, %lu faults\n",
			       i, fault_addr, faults - before);
			return 0;
		}
	}
	return faults - before == ROUNDS;
}

static int appel2(void)
{
	unsigned long before = faults;
	int round, i;

	for (round = 0; round < ROUNDS / NRPGS; round++) {
		if (dune_vm_mprotect(pgroot, (void *)AREA, NRPGS * PGSIZE, PERM_R))
			return 0;
		for (i = 0; i < NRPGS; i++)
			AREA[i * PGSIZE + 16] = (char)round;	/* one trap each */
		for (i = 0; i < NRPGS; i++)
			if (AREA[i * PGSIZE + 16] != (char)round)
				return 0;
	}
	return faults - before == (ROUNDS / NRPGS) * NRPGS;
}

int main(void)
{
	unsigned long t0;

	if (dune_init_and_enter()) {
		printf("failed to initialize dune\n");
		return 1;
	}
	dune_register_pgflt_handler(pgflt_handler);
	if (dune_vm_map_pages(pgroot, (void *)AREA, NRPGS * PGSIZE, PERM_R | PERM_W)) {
		printf("appel: dune_vm_map_pages failed\n");
		return 2;
	}
	memset((void *)AREA, 0, NRPGS * PGSIZE);

	printf("vmcall: %s\n", test_vmcall() ? "passed" : "FAILED");
	t0 = dune_get_ticks();
	printf("appel1: %s", appel1() ? "passed" : "FAILED");
	printf(" (%lu ticks per round)\n", (dune_get_ticks() - t0) / ROUNDS);
	t0 = dune_get_ticks();
	printf("appel2: %s", appel2() ? "passed" : "FAILED");
	printf(" (%lu ticks per fault)\n", (dune_get_ticks() - t0) / ROUNDS);
	printf("faults: %lu\n", faults);
	return 0;
}
