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
 * on a chunk not mapped yet is mapped; an exception the native CPU raises
 * the same way is replayed natively for the genuine signal; the rest - a
 * page fault on a user address the guest's page tables refuse, anything
 * on a root other than pgroot - comes back here for the original's
 * defaults (message, dump, death: §7.6.4).  A ring-0 page fault with a
 * handler registered is dispatched in the guest too when the stub can
 * tell it is no chunk miss (a protection fault, an address above the user
 * half, a chunk a dune_vm_* call claimed) and the handler's stack is
 * mapped (entry.S, .Lpf_ring0).  Any other page fault goes to the host
 * loop first, which maps a missing chunk, or else sends the fault back to
 * the guest's dispatch path: one VM exit per such fault.
 *
 * This file is host-side code in the sense of rule R1 (loop.c): no libc,
 * no vector registers.  The handlers it calls are the program's own and
 * may use anything: the stub saved the FPU state around them.
 */
#include <fcntl.h>

#include "dune.h"		/* the original API in full: struct dune_tf, callbacks */
#include "internal.h"
#include "sys.h"

/* Used by entry.S by address: hidden, so that they need no GOT. */
#define DUNE_HIDDEN __attribute__((visibility("hidden")))

void dune_trap_dispatch(uint64_t vector, struct dune_tf *tf) DUNE_HIDDEN;
void dune_r3_dispatch(uint64_t vector, struct dune_tf *tf, uint64_t cr2) DUNE_HIDDEN;
uint64_t dune_jump_prepare(struct dune_tf *tf, struct dune_jump_ctx *c) DUNE_HIDDEN;
struct dune_jump_ctx *dune_ret_prepare(void) DUNE_HIDDEN;
uint64_t dune_pop_prepare(struct dune_tf *tf) DUNE_HIDDEN;

DUNE_STATIC_ASSERT(sizeof(struct dune_tf) == DUNE_TF_SIZE, "entry.S knows struct dune_tf's size");

/* Handler tables, process-wide, as in the original (host-side data). */
DUNE_HIDDEN dune_intr_cb dune_intr_cbs[256];
DUNE_HIDDEN dune_pgflt_cb dune_pgflt_handler;

/* XSAVE mask for the dispatch path: x87, SSE, AVX, AVX-512, PKRU. */
DUNE_HIDDEN uint64_t dune_xsave_mask;

/*
 * The clean FPU state (§7.7.4): an XSAVE image whose header says "every
 * component in its initial state", and MXCSR 0x1f80 (XRSTOR takes MXCSR
 * from the image whenever SSE or AVX is requested).  Ring 3 starts with
 * it, and handlers of ring-3 events run with it.
 */
DUNE_HIDDEN unsigned char dune_fpu_clean[4096] __attribute__((aligned(64))) = {
	[24] = 0x80, [25] = 0x1f,
};

DUNE_HIDDEN dune_syscall_cb dune_syscall_handler_cb;

int dune_register_intr_handler(int vec, dune_intr_cb cb)
{
	if (vec < 0 || vec > 255)
		return -EINVAL;
	/* libdune's own: the TLB shootdown's flush (tlb.c) */
	if (vec == DUNE_TLB_VECTOR || vec == DUNE_TLB_VECTOR_CLI)
		return -EBUSY;
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
 * The process's mappings, for a page fault's post-mortem, as the
 * original's dune_procmap_dump() shows them - but /proc/self/maps copied
 * as it is with raw system calls: this is host-side code (no stdio).
 */
static void dump_maps(void)
{
	char buf[512];
	long fd, n;

	fd = dune_sys_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	dune_printf("dune: --- Process Map ---\n");
	while ((n = dune_sys_read((int)fd, buf, sizeof(buf))) > 0)
		dune_sys_write(2, buf, (size_t)n);
	dune_sys_close((int)fd);
}

/*
 * The original's defaults for a vector without a handler: its messages, a
 * register dump (and the process's mappings for a page fault), death.
 */
static void __attribute__((noreturn)) default_die(uint64_t vector, struct dune_tf *tf,
						  uint64_t cr2)
{
	if (vector == 14)
		dune_printf("unhandled page fault %lx %lx\n",
			    (unsigned long)cr2, (unsigned long)tf->err);
	else if (vector == 2 || vector == 8 || vector == 13)
		dune_printf("fatal exception %d, code %lx - dying...\n",
			    (int)vector, (unsigned long)tf->err);
	else
		dune_printf("unhandled exception %d\n", (int)vector);
	dune_dump_trap_frame(tf);
	if (vector == 14)
		dump_maps();
	dune_die();
}

/*
 * Called by entry.S on the interrupted stack, interrupts on, FPU state
 * saved.  @tf is what the stub will return to.  Without a handler (the
 * host loop chose the original's default, or the handler went away
 * between the stub's check and here): default_die().
 */
void dune_trap_dispatch(uint64_t vector, struct dune_tf *tf)
{
	dune_intr_cb cb = __atomic_load_n(&dune_intr_cbs[vector & 255], __ATOMIC_ACQUIRE);
	dune_pgflt_cb pf = __atomic_load_n(&dune_pgflt_handler, __ATOMIC_ACQUIRE);
	uintptr_t addr = 0;

	/* Before anything can fault again.  (Stale for INT $14, as natively.) */
	if (vector == 14)
		__asm__ __volatile__("mov %%cr2, %0" : "=r"(addr));
	if (cb) {
		cb(tf);
		dune_intr_after_handler(vector);	/* more signals waiting? */
	} else if (vector == 14 && pf) {
		pf(addr, tf->err, tf);
	} else {
		default_die(vector, tf, addr);
	}
	if (tf->cs & 3) {
		/*
		 * The spec (§7.6.2 step 6) would make this a transition to
		 * ring 3; libdune goes to ring 3 only through
		 * dune_jump_to_user() and dune_pop_trap_frame().
		 */
		dune_printf("dune: a ring-0 exception handler set a ring-3 CS (0x%x): use dune_jump_to_user() or dune_pop_trap_frame() - dying...\n",
			    (unsigned int)tf->cs);
		dune_dump_trap_frame(tf);
		dune_die();
	}
	/* Back to ring 0, on our own segments, with sane flags. */
	tf->cs = DUNE_GDT_CS;
	tf->ss = DUNE_GDT_SS;
	tf->rflags = (tf->rflags & DUNE_RFLAGS_GUEST) | DUNE_RFLAGS_RESERVED1;
}

/* ---- ring 3 (§5.3, §7.5.3, §7.7) ------------------------------------ */

static uint64_t rdmsr64(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr64(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			     : "memory");
}

static bool in_dune_mode(void)
{
	unsigned short cs;

	__asm__ __volatile__("movw %%cs, %0" : "=r"(cs));
	return (cs & 3) == 0;
}

void dune_register_syscall_handler(dune_syscall_cb cb)
{
	__atomic_store_n(&dune_syscall_handler_cb, cb, __ATOMIC_RELEASE);
}

/* The ring-3 part of a frame: CS, SS, pads, RFLAGS as ring 3 may have them. */
static void r3_sanitise(struct dune_tf *tf)
{
	tf->cs = DUNE_USER_CS;
	tf->ss = DUNE_USER_SS;
	tf->pad1 = 0;
	tf->pad2[0] = tf->pad2[1] = tf->pad2[2] = 0;
	tf->pad3[0] = tf->pad3[1] = tf->pad3[2] = 0;
	tf->rflags = (tf->rflags & DUNE_RFLAGS_USER3_MASK) | DUNE_RFLAGS_USER3_SET;
}

static bool r3_addresses_ok(const struct dune_tf *tf)
{
	return tf->rip < DUNE_USER_TOP && tf->rsp < DUNE_USER_TOP;
}

static void r3_check_return(struct dune_tf *tf)
{
	if (!r3_addresses_ok(tf)) {
		dune_printf("dune: return to non-canonical RIP 0x%lx (RSP 0x%lx) in ring 3 - dying...\n",
			    (unsigned long)tf->rip, (unsigned long)tf->rsp);
		dune_dump_trap_frame(tf);
		dune_die();
	}
	r3_sanitise(tf);
}

/*
 * entry.S, for an event from ring 3: on the ring-0 stack of the innermost
 * jump context, ring 0's FS/GS loaded, a clean FPU state, interrupts on.
 * @vector is ~0 for a system call.  Returns with @tf ready for IRETQ to
 * ring 3 - unless a handler called dune_ret_from_user().
 */
void dune_r3_dispatch(uint64_t vector, struct dune_tf *tf, uint64_t cr2)
{
	if (vector == ~0ULL) {
		dune_syscall_cb cb = __atomic_load_n(&dune_syscall_handler_cb, __ATOMIC_ACQUIRE);

		if (!cb) {
			dune_printf("missing handler for system call - #%d\n", (int)tf->rax);
			dune_dump_trap_frame(tf);
			dune_die();
		}
		cb(tf);
		r3_check_return(tf);
		/* As SYSRET leaves them: R10 = ARG3 as the handler left it. */
		tf->r10 = tf->rcx;
		tf->rcx = tf->rip;
		tf->r11 = tf->rflags;
		return;
	} else {
		dune_intr_cb cb = __atomic_load_n(&dune_intr_cbs[vector & 255], __ATOMIC_ACQUIRE);
		dune_pgflt_cb pf = __atomic_load_n(&dune_pgflt_handler, __ATOMIC_ACQUIRE);

		if (cb) {
			cb(tf);
			dune_intr_after_handler(vector);	/* more signals waiting? */
		} else if (vector == 14 && pf) {
			pf(cr2, tf->err, tf);
		} else {
			default_die(vector, tf, cr2);	/* never a native replay (I2) */
		}
	}
	r3_check_return(tf);
}

/*
 * entry.S's dune_jump_to_user: check and sanitise @tf, complete the jump
 * context @c (already holding the callee-saved registers, MXCSR, FCW) and
 * make it the innermost.  Returns the thread, or -EINVAL.
 */
uint64_t dune_jump_prepare(struct dune_tf *tf, struct dune_jump_ctx *c)
{
	struct dune_thread *t = dune_self;

	if (!t || !r3_addresses_ok(tf))
		return (uint64_t)-EINVAL;
	r3_sanitise(tf);
	c->kfs_base = rdmsr64(MSR_FS_BASE);
	c->r0gs_base = rdmsr64(MSR_GS_BASE);
	t->kfs_base = c->kfs_base;
	t->r0gs_base = c->r0gs_base;
	c->prev = t->jump_ctx;
	c->prev_r0_sp = t->r0_sp;
	t->jump_ctx = c;
	t->r0_sp = (uint64_t)c;
	return (uint64_t)t;
}

/* entry.S's dune_ret_from_user: unlink the innermost jump context. */
struct dune_jump_ctx *dune_ret_prepare(void)
{
	struct dune_thread *t = in_dune_mode() ? dune_self : NULL;
	struct dune_jump_ctx *c = t ? t->jump_ctx : NULL;

	if (!c) {
		dune_printf("dune: dune_ret_from_user() without dune_jump_to_user() - dying...\n");
		dune_die();
	}
	t->jump_ctx = c->prev;
	t->r0_sp = c->prev_r0_sp;
	if (c->prev) {
		t->kfs_base = c->prev->kfs_base;
		t->r0gs_base = c->prev->r0gs_base;
	}
	t->in_usermode = 0;
	wrmsr64(MSR_FS_BASE, c->kfs_base);
	wrmsr64(MSR_GS_BASE, c->r0gs_base);
	return c;
}

/* entry.S's dune_pop_trap_frame: the thread for ring 3, 0 for ring 0. */
/* entry.S's .Lr3_common: the XSAVE area, 64-aligned, in the 4 KiB below the frame. */
#define R3_XSAVE_SIZE	4096

void *dune_user_fpu(const struct dune_tf *tf)
{
	struct dune_thread *t = dune_self;

	if (!t || !t->jump_ctx || !in_dune_mode() || (uint64_t)tf != t->r0_sp - DUNE_TF_SIZE)
		return NULL;
	return (void *)(((uint64_t)tf - R3_XSAVE_SIZE) & ~63ULL);
}

uint64_t dune_user_fpu_mask(void)
{
	return dune_xsave_mask;
}

uint64_t dune_pop_prepare(struct dune_tf *tf)
{
	struct dune_thread *t = dune_self;

	if (!in_dune_mode()) {
		dune_printf("dune: dune_pop_trap_frame() outside Dune mode - dying...\n");
		dune_die();
	}
	if ((tf->cs & 3) == 0) {
		tf->cs = DUNE_GDT_CS;
		tf->ss = DUNE_GDT_SS;
		tf->rflags = (tf->rflags & DUNE_RFLAGS_GUEST) | DUNE_RFLAGS_RESERVED1;
		return 0;
	}
	if (!t || !t->jump_ctx) {
		dune_printf("dune_pop_trap_frame to ring 3 outside dune_jump_to_user\n");
		dune_die();
	}
	r3_check_return(tf);
	return (uint64_t)t;
}

void dune_passthrough_syscall(struct dune_tf *tf)
{
	register uint64_t r10 __asm__("r10") = tf->rcx;
	register uint64_t r8 __asm__("r8") = tf->r8;
	register uint64_t r9 __asm__("r9") = tf->r9;
	uint64_t ret;

	/* §5.1: clone3 can never be passed through correctly. */
	if ((int)tf->rax == __NR_clone3) {
		tf->rax = (uint64_t)-ENOSYS;
		return;
	}
	/* In Dune mode: the ring-0 SYSCALL path, re-issued by the host loop. */
	__asm__ __volatile__("syscall"
			     : "=a"(ret), "+r"(r10), "+r"(r8), "+r"(r9)
			     : "a"(tf->rax), "D"(tf->rdi), "S"(tf->rsi), "d"(tf->rdx)
			     : "rcx", "r11", "memory");
	tf->rax = ret;
}

unsigned long dune_get_user_fs(void)
{
	struct dune_thread *t = dune_self;

	return t ? t->ufs_base : 0;
}

void dune_set_user_fs(unsigned long fs_base)
{
	struct dune_thread *t = dune_self;

	if (t)
		t->ufs_base = fs_base;
}
