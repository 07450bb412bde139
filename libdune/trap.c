// SPDX-License-Identifier: GPL-2.0
/*
 * trap.c - exceptions handled in the guest, by the program's own handlers.
 *
 * The original Dune lets a program register a handler per vector
 * (dune_register_intr_handler) and one for page faults
 * (dune_register_pgflt_handler).  A guest exception then reaches the
 * handler in ring 0, with a struct dune_tf describing the interrupted
 * context, *without a VM exit*: the IDT stub (entry.S, dune_exc_common)
 * sees that a handler is registered, moves the frame off the exception
 * stack onto the interrupted stack (below its red zone), saves the FPU
 * state with XSAVE, and calls dune_trap_dispatch().  When the handler
 * returns, the stub restores everything from the frame - which the
 * handler may have changed, e.g. to skip the faulting instruction - and
 * returns with IRETQ.
 *
 * Vectors without a handler keep libdune's defaults (loop.c): a page fault
 * on a chunk not mapped yet is mapped, anything else is replayed natively
 * for the genuine signal.  A page fault always goes to the host loop first
 * (only it can tell a chunk miss, and map the chunk); when it is not a
 * chunk miss and a handler is registered, the host loop sends it back to
 * the guest's dispatch path.  That costs one VM exit per such fault.
 *
 * This file is host-side code in the sense of rule R1 (loop.c): no libc,
 * no vector registers.  The handlers it calls are the program's own and
 * may use anything: the stub saved the FPU state around them.
 */
#include "dune.h"		/* the original API in full: struct dune_tf, callbacks */
#include "internal.h"
#include "sys.h"

/* Used by entry.S by address: hidden, so that they need no GOT. */
#define DUNE_HIDDEN __attribute__((visibility("hidden")))

void dune_trap_dispatch(uint64_t vector, struct dune_tf *tf) DUNE_HIDDEN;

DUNE_STATIC_ASSERT(sizeof(struct dune_tf) == DUNE_TF_SIZE, "entry.S knows struct dune_tf's size");

/* Handler tables, process-wide, as in the original (host-side data). */
DUNE_HIDDEN dune_intr_cb dune_intr_cbs[256];
DUNE_HIDDEN dune_pgflt_cb dune_pgflt_handler;

/* XSAVE mask for the dispatch path: x87, SSE, AVX, AVX-512, PKRU. */
DUNE_HIDDEN uint64_t dune_xsave_mask;

int dune_register_intr_handler(int vec, dune_intr_cb cb)
{
	if (vec < 0 || vec > 255)
		return -EINVAL;
	__atomic_store_n(&dune_intr_cbs[vec], cb, __ATOMIC_RELEASE);
	return 0;
}

void dune_register_pgflt_handler(dune_pgflt_cb cb)
{
	__atomic_store_n(&dune_pgflt_handler, cb, __ATOMIC_RELEASE);
}

bool dune_trap_has_handler(uint64_t vector)
{
	if (vector > 255)
		return false;
	if (__atomic_load_n(&dune_intr_cbs[vector], __ATOMIC_ACQUIRE))
		return true;
	return vector == 14 && __atomic_load_n(&dune_pgflt_handler, __ATOMIC_ACQUIRE);
}

void dune_dump_trap_frame(struct dune_tf *tf)
{
	dune_printf("dune: --- Begin Trap Dump ---\n");
	dune_printf("dune: RIP 0x%016llx\n", (unsigned long long)tf->rip);
	dune_printf("dune: CS 0x%02x SS 0x%02x\n", tf->cs, tf->ss);
	dune_printf("dune: ERR 0x%08lx RFLAGS 0x%08lx\n",
		    (unsigned long)tf->err, (unsigned long)tf->rflags);
	dune_printf("dune: RAX 0x%016lx RCX 0x%016lx\n", (unsigned long)tf->rax, (unsigned long)tf->rcx);
	dune_printf("dune: RDX 0x%016lx RBX 0x%016lx\n", (unsigned long)tf->rdx, (unsigned long)tf->rbx);
	dune_printf("dune: RSP 0x%016lx RBP 0x%016lx\n", (unsigned long)tf->rsp, (unsigned long)tf->rbp);
	dune_printf("dune: RSI 0x%016lx RDI 0x%016lx\n", (unsigned long)tf->rsi, (unsigned long)tf->rdi);
	dune_printf("dune: R8  0x%016lx R9  0x%016lx\n", (unsigned long)tf->r8, (unsigned long)tf->r9);
	dune_printf("dune: R10 0x%016lx R11 0x%016lx\n", (unsigned long)tf->r10, (unsigned long)tf->r11);
	dune_printf("dune: R12 0x%016lx R13 0x%016lx\n", (unsigned long)tf->r12, (unsigned long)tf->r13);
	dune_printf("dune: R14 0x%016lx R15 0x%016lx\n", (unsigned long)tf->r14, (unsigned long)tf->r15);
	dune_printf("dune: --- End Trap Dump ---\n");
}

/*
 * Called by entry.S on the interrupted stack, interrupts on, FPU state
 * saved.  @tf is what the stub will return to.
 */
void dune_trap_dispatch(uint64_t vector, struct dune_tf *tf)
{
	dune_intr_cb cb = __atomic_load_n(&dune_intr_cbs[vector & 255], __ATOMIC_ACQUIRE);
	dune_pgflt_cb pf = __atomic_load_n(&dune_pgflt_handler, __ATOMIC_ACQUIRE);

	if (cb) {
		cb(tf);
	} else if (vector == 14 && pf) {
		uintptr_t addr;

		__asm__ __volatile__("mov %%cr2, %0" : "=r"(addr));
		pf(addr, tf->err, tf);
	} else {
		/* The handler went away between the stub's check and here. */
		dune_printf("dune: unhandled exception %llu\n", (unsigned long long)vector);
		dune_dump_trap_frame(tf);
		dune_die();
	}
	if (tf->cs & 3) {
		dune_printf("dune: a handler returned to ring 3, which libdune does not run yet\n");
		dune_dump_trap_frame(tf);
		dune_die();
	}
	/* Back to ring 0, on our own segments, with sane flags. */
	tf->cs = DUNE_GDT_CS;
	tf->ss = DUNE_GDT_SS;
	tf->rflags = (tf->rflags & DUNE_RFLAGS_GUEST) | DUNE_RFLAGS_RESERVED1;
}
