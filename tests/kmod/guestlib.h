/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guestlib.h - the smallest guest, shared by the kselftest suites
 * (tests/kmod) and the fuzzers (tests/fuzz): this very process, GVA == HVA
 * through 2 MiB guest pages whose GPAs are chunks registered with
 * DUNE_MAP_CHUNKS, with the raw ioctls and no libdune, so that every field
 * can be chosen by the test (or at random).
 */
#ifndef DUNE_TEST_GUESTLIB_H
#define DUNE_TEST_GUESTLIB_H

#include <stdint.h>
#include <linux/dune.h>

#define CHUNK		DUNE_CHUNK_SIZE
#define PAGE		4096UL
#define PTE_P		0x1ULL
#define PTE_W		0x2ULL
#define PTE_U		0x4ULL
#define PTE_PS		0x80ULL

/* Selectors of the GDT guest_setup() builds. */
#define SEL_CODE0	0x08
#define SEL_DATA0	0x10
#define SEL_TSS		0x18
#define SEL_DATA3	0x2b	/* entry 5, RPL 3 */
#define SEL_CODE3	0x33	/* entry 6, RPL 3 */
#define SEL_CODE32	0x38	/* entry 7: 32-bit code, ring 0 (compatibility mode) */
#define GDT_ENTRIES	16	/* up to 15 (0x7b), which DUNE_VCPU_F_CPUNODE keeps */

struct guest {
	int dev, vm, vcpu;
	uint64_t *pool;			/* one chunk: page tables, GDT, TSS, IDT, stack */
	unsigned int next_page;
	uint64_t next_gpa;		/* next free chunk GPA */
	uint64_t *pml4;
	uint64_t *gdt, *idt;
	struct dune_vcpu_config config;
	struct dune_run run;
	uint64_t stack_top;		/* guest_run's RSP; 0: the pool's top */
	uint64_t rflags;		/* guest_run's RFLAGS bits besides bit 1 (e.g. AC) */
	uint64_t leaf_user;		/* PTE_U or 0 on the 2 MiB leaves mapped from now on */
};

/* An mmap of 2 MiB aligned to 2 MiB (hint: 0 or a wanted address); NULL on failure. */
void *mmap_chunk(void *hint, int prot);

/*
 * Open /dev/dune, create a VM, map the pool (GPA 0) and this program's
 * text chunk; a GDT, TSS and an IDT whose every vector jumps to
 * guest_trap (which reports the vector with VMCALL).  0 or -1 (errno).
 * Every leaf is a user page (PTE_U).
 */
int guest_setup(struct guest *g);
/* The same, with @leaf_user (PTE_U or 0) on the leaves: 0 for supervisor pages (SMEP/SMAP tests). */
int guest_setup_leaves(struct guest *g, uint64_t leaf_user);
/* IDT vector @vector: an interrupt gate (ring 0) to @handler instead of its stub. */
void guest_set_gate(struct guest *g, unsigned int vector, const void *handler);
/* Point the guest's GVA @gva (2 MiB page) at @gpa, without mapping a chunk. */
void guest_map_gva(struct guest *g, uint64_t gva, uint64_t gpa);
/* Register the chunk at @hva with a fresh GPA and map GVA == HVA; 0/-1. */
int guest_map_identity(struct guest *g, uint64_t hva);
/* Map the chunk holding @code (GVA == HVA) unless it is mapped already; 0/-1. */
int guest_map_text(struct guest *g, const void *code);
/* DUNE_MAP_CHUNKS with one chunk; the ioctl's result. */
int guest_map_chunk(struct guest *g, uint64_t hva, uint64_t gpa);
/* Register the chunk at @hva with the GPA @gpa and map GVA == HVA; 0/-1. */
int guest_map_at(struct guest *g, uint64_t hva, uint64_t gpa);
int guest_create_vcpu(struct guest *g);
/*
 * Run @code (ring 0, stack in the pool, IF clear, g->rflags) with rdi, rsi, rdx set;
 * DUNE_RUN again after EINTR.  The ioctl's result; g->run holds the exit.
 */
int guest_run(struct guest *g, const void *code, uint64_t rdi, uint64_t rsi, uint64_t rdx);
void guest_teardown(struct guest *g);

/* Guest routines (guest.c): each ends in VMCALL with its answer in rax. */
extern const char guest_read[];		/* rax = *(u64 *)rdi */
extern const char guest_write_read[];	/* *(u64 *)rdi = rsi; rax = *(u64 *)rdi */
extern const char guest_read_loop[];	/* read *rdi rsi times (spins on EPT) */
extern const char guest_trap[];		/* IDT target: rax = 0xdead0000 | vector */

#endif
