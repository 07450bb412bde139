/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dune.h - the public API of libdune, with the names of the original Dune
 * (Belay et al., OSDI 2012), so that programs written for it compile here.
 *
 * A process that calls dune_init() and then dune_enter() keeps running the
 * same code, on the same stack, with the same memory and file descriptors,
 * but in VMX non-root ring 0: "Dune mode".  Its system calls still work as
 * usual (libdune re-issues each one on the host), and so do signals,
 * threads and fork.  What changes is that the process now owns the
 * hardware's privileged machinery: page tables, IDT, GDT, ring 3.
 *
 * The header is organised by topic, in the order of the original.  Like
 * the original's, it makes public the names of the headers it includes:
 * mmu.h (with types.h and mmu-x86.h: paging and x86 constants), <elf.h>,
 * fpu.h, and dune-orig-kern.h (the types and constants of the original
 * module's header).  cpu-x86.h (trap numbers, MSR helpers) is included by
 * programs themselves, as with the original.  libdune's own additions,
 * which the original did not have, live in dune-ext.h.
 *
 * One part of the original API is left out (see "Left out" at the end):
 * its names are not declared here, so that using one is a compile error
 * rather than a link error.
 *
 * How it works is described at the top of each source file; the short
 * version is in README.md next to this file.
 */
#ifndef LIBDUNE_DUNE_H
#define LIBDUNE_DUNE_H

#include <stdbool.h>

/*
 * LIBDUNE_INTERNAL_H: libdune's own host-side sources (internal.h) see only
 * the core part of this header - the names they use - and none of the
 * original's headers, whose short names (PTE_P, PGSIZE, ...) they still
 * define for themselves.
 */
#ifndef LIBDUNE_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <sys/types.h>
#include <sys/queue.h>
#include <elf.h>

#include "mmu.h"
#include "fpu.h"
#include "dune-orig-kern.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LIBDUNE_INTERNAL_H

#if defined(__cplusplus) && __cplusplus >= 201103L
#define DUNE_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define DUNE_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
#define DUNE_STATIC_ASSERT(cond, msg)
#endif

/* ------------------------------------------------------------------ */
/* Constants                                                           */
/* ------------------------------------------------------------------ */

/*
 * The GDT selectors of Dune mode: the same layout as Linux's, so that the
 * SYSCALL/SYSRET selector arithmetic (STAR) is the same.  Entries 0, 1 and
 * 4 are null.
 */
#define GD_KT		0x10	/* 64-bit code, DPL 0 */
#define GD_KD		0x18	/* data, DPL 0 */
#define GD_UD		0x28	/* data, DPL 3 */
#define GD_UT		0x30	/* 64-bit code, DPL 3 */
#define GD_TSS		0x38	/* 64-bit TSS, low half */
#define GD_TSS2		0x40	/* 64-bit TSS, high half */
#define NR_GDT_ENTRIES	9

/* Permissions, the perm argument of the dune_vm_* functions. */
#define PERM_NONE	0		/* no access */
#define PERM_R		0x0001		/* read (without it: not present) */
#define PERM_W		0x0002		/* write */
#define PERM_X		0x0004		/* execute */
#define PERM_U		0x0008		/* ring 3 may access */
#define PERM_UC		0x0010		/* uncached */
#define PERM_COW	0x0020		/* copy on write */
#define PERM_USR1	0x1000		/* software bits, free for the program */
#define PERM_USR2	0x2000
#define PERM_USR3	0x3000
#define PERM_BIG	0x0100		/* 2 MiB pages */
#define PERM_BIG_1GB	0x0200		/* 1 GiB pages */

/* Common combinations: supervisor (S) and user (U) code, data, stacks. */
#define PERM_SCODE	(PERM_R | PERM_X)
#define PERM_STEXT	(PERM_R | PERM_W)
#define PERM_SSTACK	PERM_STEXT
#define PERM_UCODE	(PERM_R | PERM_U | PERM_X)
#define PERM_UTEXT	(PERM_R | PERM_U | PERM_W)
#define PERM_USTACK	PERM_UTEXT

/* The create argument of dune_vm_lookup(). */
enum {
	CREATE_NONE = 0,
	CREATE_NORMAL = 1,
	CREATE_BIG = 2,
	CREATE_BIG_1GB = 3,
};

/* The whole address space, for dune_vm_page_walk(). */
#define VA_START	((void *) 0)
#define VA_END		((void *) -1)

/* CR3 bit 63: keep the TLB entries of the PCID (needs CR4.PCIDE). */
#define CR3_NOFLUSH	(1UL << 63)

/* The page-table page pool: MAX_PAGES 4 KiB pages at PAGEBASE (8 GiB). */
#define PAGEBASE	0x200000000
#define MAX_PAGES	(1ul << 20)

/* The type field of struct dune_procmap_entry. */
#define PROCMAP_TYPE_UNKNOWN	0x00	/* another [bracketed] name */
#define PROCMAP_TYPE_FILE	0x01	/* a mapped file */
#define PROCMAP_TYPE_ANONYMOUS	0x02	/* no path; also [anon:...] */
#define PROCMAP_TYPE_HEAP	0x03	/* [heap] */
#define PROCMAP_TYPE_STACK	0x04	/* [stack...] */
#define PROCMAP_TYPE_VSYSCALL	0x05	/* [vsyscall] */
#define PROCMAP_TYPE_VDSO	0x06	/* [vdso] */
#define PROCMAP_TYPE_VVAR	0x07	/* [vvar], [vvar_vclock] */

typedef void (*sighandler_t)(int);

/* ------------------------------------------------------------------ */
/* Structures                                                          */
/* ------------------------------------------------------------------ */

/*
 * The trap frame (168 bytes): what a trap, interrupt or ring-3 system call
 * saved, passed to the handlers, which may change it.  Bytes 128..167 are
 * an IRETQ frame.  ARG0..ARG5 are a ring-3 system call's arguments (the
 * fourth travels in R10 and is stored in rcx).
 */
struct dune_tf {
	/* manually saved, arguments */
	uint64_t rdi;
	uint64_t rsi;
	uint64_t rdx;
	uint64_t rcx;
	uint64_t r8;
	uint64_t r9;
	uint64_t r10;
	uint64_t r11;

	/* saved by the callee */
	uint64_t rbx;
	uint64_t rbp;
	uint64_t r12;
	uint64_t r13;
	uint64_t r14;
	uint64_t r15;

	/* the system-call number, and the return value */
	uint64_t rax;

	/* the error code (0 where the CPU pushes none) */
	uint32_t err;
	uint32_t pad1;

	/* the IRETQ frame */
	uint64_t rip;
	uint16_t cs;
	uint16_t pad2[3];
	uint64_t rflags;
	uint64_t rsp;
	uint16_t ss;
	uint16_t pad3[3];
} __attribute__((packed));

#define ARG0(tf)	((tf)->rdi)
#define ARG1(tf)	((tf)->rsi)
#define ARG2(tf)	((tf)->rdx)
#define ARG3(tf)	((tf)->rcx)
#define ARG4(tf)	((tf)->r8)
#define ARG5(tf)	((tf)->r9)

DUNE_STATIC_ASSERT(sizeof(struct dune_tf) == 168, "struct dune_tf is 168 bytes");
DUNE_STATIC_ASSERT(offsetof(struct dune_tf, rax) == 112, "dune_tf.rax");
DUNE_STATIC_ASSERT(offsetof(struct dune_tf, err) == 120, "dune_tf.err");
DUNE_STATIC_ASSERT(offsetof(struct dune_tf, rip) == 128, "dune_tf.rip");
DUNE_STATIC_ASSERT(offsetof(struct dune_tf, cs) == 136, "dune_tf.cs");
DUNE_STATIC_ASSERT(offsetof(struct dune_tf, rflags) == 144, "dune_tf.rflags");
DUNE_STATIC_ASSERT(offsetof(struct dune_tf, rsp) == 152, "dune_tf.rsp");
DUNE_STATIC_ASSERT(offsetof(struct dune_tf, ss) == 160, "dune_tf.ss");

/*
 * A page of the page-table pool at PAGEBASE: its descriptor (16 bytes).
 * ref is the reference count, 0 when the page is free.
 */
struct page;
typedef SLIST_ENTRY(page) page_entry_t;

struct page {
	page_entry_t link;
	uint64_t ref;
};

SLIST_HEAD(page_head, page);

DUNE_STATIC_ASSERT(sizeof(struct page) == 16, "struct page is 16 bytes");

/* One line of /proc/self/maps (48 bytes). */
struct dune_procmap_entry {
	uintptr_t begin;	/* start address */
	uintptr_t end;		/* end address (exclusive) */
	uint64_t offset;	/* file offset */
	bool r;			/* readable */
	bool w;			/* writable */
	bool x;			/* executable */
	bool p;			/* private ("p"), not shared ("s") */
	char *path;		/* valid only during the callback; "" if none */
	int type;		/* PROCMAP_TYPE_* */
};

DUNE_STATIC_ASSERT(sizeof(struct dune_procmap_entry) == 48,
		   "struct dune_procmap_entry is 48 bytes");

/* An ELF file or in-memory image being read (120 bytes). */
struct dune_elf {
	int fd;			/* the file, or -1 for a memory image */
	unsigned char *mem;	/* the memory image, or NULL */
	int len;		/* mem's length */
	Elf64_Ehdr hdr;		/* a copy of the ELF header */
	Elf64_Phdr *phdr;	/* program headers once read (malloc), or NULL */
	Elf64_Shdr *shdr;	/* section headers once read (malloc), or NULL */
	char *shdrstr;		/* section names once read (malloc), or NULL */
	void *priv;		/* for the caller */
};

DUNE_STATIC_ASSERT(sizeof(struct dune_elf) == 120, "struct dune_elf is 120 bytes");

/* Callbacks. */
typedef void (*dune_intr_cb)(struct dune_tf *tf);
typedef void (*dune_pgflt_cb)(uintptr_t addr, uint64_t fec, struct dune_tf *tf);
typedef void (*dune_syscall_cb)(struct dune_tf *tf);
typedef int (*page_walk_cb)(const void *arg, ptent_t *ptep, void *va);
typedef void (*dune_procmap_cb)(const struct dune_procmap_entry *);
typedef int (*dune_elf_phcb)(struct dune_elf *elf, Elf64_Phdr *phdr);
typedef int (*dune_elf_shcb)(struct dune_elf *elf, const char *sname,
			     int snum, Elf64_Shdr *shdr);

#endif /* !LIBDUNE_INTERNAL_H */

/* ------------------------------------------------------------------ */
/* Utilities                                                           */
/* ------------------------------------------------------------------ */

/* The time-stamp counter: works the same in Dune mode and natively. */
static inline unsigned long dune_get_ticks(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long)lo | ((unsigned long)hi << 32);
}

/*
 * printf to standard error (fd 2) with one write(2) of at most 1023
 * bytes, without stdio and without malloc, so it is safe in any context:
 * Dune mode or not, in signal handlers, in a half-initialised process.
 * Understands %d %i %u %x %X %o %p %s %c %% with the flags "-0#", a width
 * and the length modifiers l, ll, z, h, hh (no floating point).  Returns
 * the number of bytes written, or a negative errno value.
 *
 * (The original returned int too; it wrote to standard output.)
 */
int dune_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Terminate the whole process at once (exit_group(1)), in any mode. */
void dune_die(void) __attribute__((noreturn));

#ifndef LIBDUNE_INTERNAL_H
/*
 * mmap(2) as a raw system call, natively or in Dune mode: returns the
 * address, or the kernel's -errno cast to a pointer (not MAP_FAILED), as
 * the original did.  The memory is usable in Dune mode at once.
 */
void *dune_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);

/*
 * signal(sig, cb), and cb also as the handler of vector
 * DUNE_SIGNAL_INTR_BASE + sig (raised only by `int $(200 + sig)`), as in
 * the original.  cb runs natively, on the thread's host stack, like any
 * signal handler in Dune mode: it has run by the time the system call
 * that let the signal in (e.g. kill) returns to the guest.  Returns SIG_ERR
 * if signal() fails, otherwise NULL (not the previous handler).
 */
sighandler_t dune_signal(int sig, sighandler_t cb);
#endif

#ifndef LIBDUNE_INTERNAL_H
/*
 * The original's assert: prints the expression and its place with
 * dune_printf() and dies; NDEBUG does not disable it.  Defined only if no
 * assert is defined yet (a later <assert.h> replaces it).  Like the
 * original's, it is a bare if statement.
 */
#ifndef assert
#define assert(expr)							\
	if (!(expr)) {							\
		dune_printf("ASSERT(" #expr ") at %s:%d in function %s\n", \
			    __FILE__, __LINE__, __func__);		\
		dune_die();						\
	}
#endif
#endif /* !LIBDUNE_INTERNAL_H */

/* ------------------------------------------------------------------ */
/* Entering Dune mode                                                  */
/* ------------------------------------------------------------------ */

/*
 * dune_init - prepare the process for Dune mode: open /dev/dune, create
 * the VM, build the guest page tables for every mapping the process has,
 * and the IDT.  Call it once, before dune_enter(); calling it again in the
 * same process does nothing.  A child created by a native fork() has no
 * VM of its own and may call it again.
 *
 * @map_full, as in the original, decides what RING 3 may touch:
 *
 *   !!! dune_init(true) - and dune_init_and_enter(), which calls it - makes
 *   !!! ALL OF THE PROGRAM'S MEMORY (code, data, heap, stacks, libraries)
 *   !!! readable, writable and executable from ring 3 (PTE_U on libdune's
 *   !!! automatic mappings).  That is the original's "full" mode, which
 *   !!! code like bench_dune_ring needs to run the program's own functions
 *   !!! at CPL 3.  It is NO ISOLATION: do not use it for a sandbox.
 *
 * dune_init(false) keeps program memory supervisor-only: ring 3 may use
 * only what the program opens with dune_vm_* and PERM_U.  libdune's page
 * tables (the page pool) and its chunk registry are supervisor-only in both
 * modes.  Either way, libdune maps the process's memory as it is used
 * (what /proc/self/maps lists now, the rest on first use).
 *
 * Returns 0, or a negative errno value (e.g. -ENOENT without /dev/dune).
 */
int dune_init(bool map_full);

/*
 * dune_enter - move the calling thread into Dune mode.  Returns 0, in
 * Dune mode, exactly where it was called, with the same stack; or a
 * negative errno value, still natively (-EINVAL before dune_init()).
 * Calling it in a thread that is already in Dune mode returns 0.
 *
 * Threads created in Dune mode (pthread_create, clone) are in Dune mode
 * from their first instruction.  A child of fork() or vfork() called in
 * Dune mode runs natively: it may call dune_init() and dune_enter() again.
 */
int dune_enter(void);

static inline int dune_init_and_enter(void)
{
	int ret = dune_init(true);

	if (ret)
		return ret;
	return dune_enter();
}

#ifndef LIBDUNE_INTERNAL_H

/* ------------------------------------------------------------------ */
/* TLB and CR3 (Dune mode only: privileged instructions)               */
/* ------------------------------------------------------------------ */

static inline void dune_flush_tlb_one(unsigned long addr)
{
	__asm__ __volatile__("invlpg (%0)" : : "r" (addr) : "memory");
}

static inline void dune_flush_tlb(void)
{
	__asm__ __volatile__("mov %%cr3, %%rax\n\tmov %%rax, %%cr3"
			     : : : "rax", "memory");
}

static inline void load_cr3(unsigned long cr3)
{
	__asm__ __volatile__("mov %0, %%cr3" : : "r" (cr3) : "memory");
}

/* INVPCID of type @mode for @addr in PCID 1 (as the original). */
static inline void __invpcid(int mode, unsigned long addr)
{
	struct {
		unsigned long eptp, gpa;
	} operand = { 1, addr };

	__asm__ __volatile__("invpcid (%%rax), %%rcx"
			     : : "a" (&operand), "c" (mode) : "memory");
}

/* ------------------------------------------------------------------ */
/* Page allocator (natively after dune_init(), and in Dune mode)       */
/* ------------------------------------------------------------------ */

/*
 * The pool: MAX_PAGES 4 KiB pages at PAGEBASE, where a page's address is
 * also its guest-physical address (and what a page-table entry holds).
 * pages[] has a descriptor for each of the num_pages pages the pool has
 * grown to; ref is the reference count, 0 when the page is free.
 */
extern struct page *pages;
extern int num_pages;

/*
 * A page with one reference, zeroed, or NULL when the pool is exhausted
 * (or before dune_init()).  Thread-safe; also used by libdune itself for
 * its page tables.
 */
struct page *dune_page_alloc(void);

/* Return a page whose count is 0 to the pool (dune_page_put does this). */
void dune_page_free(struct page *pg);

/* Print "DUNE Page Allocator: Alloc %d, Free %d, Total %d" (dune_printf). */
void dune_page_stats(void);

/* Is @pa a page of the pool?  (PAGEBASE <= pa < PAGEBASE + num_pages*4K) */
bool dune_page_isfrompool(physaddr_t pa);

static inline struct page *dune_pa2page(physaddr_t pa)
{
	return &pages[PPN(pa - PAGEBASE)];
}

static inline physaddr_t dune_page2pa(struct page *pg)
{
	return PAGEBASE + ((physaddr_t)(pg - pages) << PGSHIFT);
}

static inline void dune_page_check__(struct page *pg, const char *what)
{
	if (pg < pages || pg >= pages + num_pages) {
		dune_printf("ASSERT(pg >= pages && pg < pages + num_pages) in %s\n", what);
		dune_die();
	}
}

/* Take a reference (atomically). */
static inline struct page *dune_page_get(struct page *pg)
{
	dune_page_check__(pg, "dune_page_get");
	__atomic_add_fetch(&pg->ref, 1, __ATOMIC_RELAXED);
	return pg;
}

/* Drop a reference (atomically); the last one frees the page. */
static inline void dune_page_put(struct page *pg)
{
	dune_page_check__(pg, "dune_page_put");
	if (__atomic_sub_fetch(&pg->ref, 1, __ATOMIC_ACQ_REL) == 0)
		dune_page_free(pg);
}

/* ------------------------------------------------------------------ */
/* Guest virtual memory                                                */
/* ------------------------------------------------------------------ */

/*
 * The original's guest-physical windows, for programs that use them as
 * address hints (set by dune_init(); informational, no GPA depends on
 * them): mmap_base is LG_ALIGN(the kernel's mmap base) - GPA_MAP_SIZE,
 * 63 GiB below the process's mmaps; stack_base is LG_ALIGN(the main
 * stack's start) - GPA_STACK_SIZE.
 */
extern uintptr_t mmap_base;
extern uintptr_t stack_base;

/*
 * The process's page-table root: a pool page, so the pointer is also the
 * value of CR3.  Set by dune_init(); libdune maps the process's memory in
 * it by itself (2 MiB at a time; any dune_vm_* call that needs 4 KiB
 * granularity there splits such a mapping first, preserving it).
 */
extern ptent_t *pgroot;
/* 1 << MAXPHYADDR: the end of guest-physical space. */
extern uintptr_t phys_limit;

/*
 * The guest-physical address of @ptr (any user address: its 2 MiB chunk
 * is registered with the module now if it was not yet, which is fatal if
 * guest-physical space is exhausted).  A non-user address (>= 2^47) is
 * returned unchanged.  Natively after dune_init(), and in Dune mode.
 * (The original had window formulas, inline; ours is a function.)
 */
uintptr_t dune_va_to_pa(void *ptr);
/* The same as dune_va_to_pa: one translation serves every address. */
uintptr_t dune_mmap_addr_to_pa(void *ptr);
uintptr_t dune_stack_addr_to_pa(void *ptr);

/*
 * The page-table functions.  @root is pgroot, a clone, or a root built
 * from pool pages; @perm is a combination of PERM_*.  Without PERM_R an
 * entry is not present.  Thread-safe (one lock, recursive for a
 * dune_vm_page_walk callback); they work natively after dune_init() and in
 * Dune mode.  A change to a present entry is flushed from every vCPU of the
 * process before the call returns (TLB shootdown, libdune/tlb.c: SIGRTMAX
 * and vectors 199-200 are libdune's); dune_flush_tlb*() below flush this
 * CPU only.
 *
 * dune_vm_lookup: the entry for @va.  CREATE_NONE creates nothing (-ENOENT
 * if a table is missing); CREATE_NORMAL creates the missing tables down to
 * the 4 KiB entry; CREATE_BIG stops at the 2 MiB (PD) slot and
 * CREATE_BIG_1GB at the 1 GiB (PDPT) slot, whatever they hold.  A big
 * entry the program made is returned as it is.  Returns 0, -ENOENT or
 * -ENOMEM.
 */
int dune_vm_lookup(ptent_t *root, void *va, int create, ptent_t **pte_out);

/*
 * Call @cb(arg, ptep, va) for every existing leaf (a non-zero 4 KiB entry,
 * present or not, or a big entry, reported once at its base) in
 * [start_va, end_va] - end_va is inclusive.  A non-zero result stops the
 * walk and is returned; 0 at the end (or -ENOMEM).
 */
int dune_vm_page_walk(ptent_t *root, void *start_va, void *end_va,
		      page_walk_cb cb, const void *arg);

/*
 * Map [va, va + len) to pa + (page - va), in 4 KiB pages, or 2 MiB
 * (PERM_BIG) or 1 GiB (PERM_BIG_1GB) ones, for which va and pa must be
 * aligned (-EINVAL).  Replaces what was there.  0 or -ENOMEM.
 */
int dune_vm_map_phys(ptent_t *root, void *va, size_t len, void *pa, int perm);

/*
 * Map a fresh, zeroed pool page (one reference each) at every 4 KiB page
 * of [va, va + len).  -EINVAL if perm has bits but not PERM_R; -ENOMEM
 * (with a partial mapping).  A replaced pool page is put.
 */
int dune_vm_map_pages(ptent_t *root, void *va, size_t len, int perm);

/*
 * Change the permissions of every existing leaf in [va, va + len): the
 * entry keeps its address (and its size), every other bit comes from
 * @perm.  Never-mapped pages stay unmapped.  -EINVAL for PERM_W without
 * PERM_R; without PERM_R, PERM_NONE.
 */
int dune_vm_mprotect(ptent_t *root, void *va, size_t len, int perm);

/* Clear every leaf in [va, va + len), putting the pool pages they map. */
void dune_vm_unmap(ptent_t *root, void *va, size_t len);

/*
 * Map the pool page @pg at @va (4 KiB) with @perm, taking one reference;
 * a replaced pool page is put.  0, -ENOMEM, or -EINVAL (not a pool page).
 */
int dune_vm_insert_page(ptent_t *root, void *va, struct page *pg, int perm);

/* The pool page mapped (present, 4 KiB) at @va, or NULL; no reference. */
struct page *dune_vm_lookup_page(ptent_t *root, void *va);

/*
 * A copy of @root's tables (big entries stay big); every pool page a 4 KiB
 * entry maps gets a reference.  NULL if the pool is exhausted.
 */
ptent_t *dune_vm_clone(ptent_t *root);

/*
 * Put the pool page of every 4 KiB entry, then free all table pages of
 * @root and @root.  Refuses pgroot and the root in CR3 (with a message).
 */
void dune_vm_free(ptent_t *root);

/*
 * Copy on write, for a page-fault handler: a write fault on an entry with
 * PTE_COW gets a private copy of the page (or just PTE_W if it is the
 * pool page's only reference).  Other faults change nothing.  Uses the
 * root in CR3 if it is a pool page, else pgroot.
 */
void dune_vm_default_pgflt_handler(uintptr_t addr, uint64_t fec);

/* ------------------------------------------------------------------ */
/* Process maps (natively and in Dune mode)                            */
/* ------------------------------------------------------------------ */

/*
 * Call @cb for every line of /proc/self/maps, in order.  The entry and its
 * path are valid during the call only; the path is everything after the
 * inode column (spaces and " (deleted)" included), "" for none.  Aborts
 * with a message if /proc/self/maps cannot be read, as the original.
 */
void dune_procmap_iterate(dune_procmap_cb cb);

/* Print the process's mappings to standard output (stdio). */
void dune_procmap_dump(void);

/* ------------------------------------------------------------------ */
/* ELF files (natively and in Dune mode)                               */
/* ------------------------------------------------------------------ */

/*
 * Open an ELF file, or an image of one in memory (which must stay valid
 * until dune_elf_close), and check its header: a little-endian, 64-bit,
 * current-version x86-64 file.  Returns 0; -EIO if the file cannot be
 * opened or read; -EINVAL if it is not such a file.  Every offset and size
 * in the file is checked before use: a malformed file fails cleanly.
 */
int dune_elf_open(struct dune_elf *elf, const char *path);
int dune_elf_open_mem(struct dune_elf *elf, void *mem, int len);

/* Free what the other functions allocated; close the file.  Returns 0. */
int dune_elf_close(struct dune_elf *elf);

/* Print the section and program headers with dune_printf().  Returns 0. */
int dune_elf_dump(struct dune_elf *elf);

/*
 * Call @cb for each program header (at most 40) or section header (at most
 * 100; with its name, which must be shorter than 40 characters, and its
 * index), stopping at the first nonzero result, which is returned.
 * Returns 0 at the end, -EINVAL for malformed tables, -EIO for short reads,
 * -ENOMEM.
 */
int dune_elf_iter_ph(struct dune_elf *elf, dune_elf_phcb cb);
int dune_elf_iter_sh(struct dune_elf *elf, dune_elf_shcb cb);

/*
 * Map a PT_LOAD segment of an opened file at its p_vaddr + @off (MAP_FIXED:
 * whatever is there is replaced; checking the range is the caller's job),
 * with the protection of its p_flags, and zero-fill up to p_memsz.  Returns
 * 0; -EINVAL for another type, p_filesz > p_memsz, a p_vaddr and p_offset
 * of different page offsets, or a memory image; -ENOMEM if a mapping fails.
 */
int dune_elf_load_ph(struct dune_elf *elf, Elf64_Phdr *phdr, off_t off);

/* ------------------------------------------------------------------ */
/* Traps                                                               */
/* ------------------------------------------------------------------ */

/*
 * Handlers for guest exceptions, called in ring 0 with the interrupted
 * context in *tf, which they may change (e.g. tf->rip, to skip the
 * faulting instruction) before returning to it.  Process-wide.  NULL
 * unregisters.  Vector handlers (0-255) run without a VM exit.  A page
 * fault reaches a vector-14 handler, or else the page-fault handler,
 * without one too when it cannot be memory libdune has yet to map: a
 * protection fault, an address above the user half, or one in memory the
 * dune_vm_* calls changed.  Other page faults take one exit first, in
 * which libdune checks that (and maps the memory if so).  Vectors
 * without a handler keep libdune's defaults: the faulting instruction is
 * replayed natively, and the kernel raises the genuine signal.  The handlers run on the
 * interrupted stack, below its red zone, with the FPU state saved around
 * them.  Returns 0, or -EINVAL for a vector outside 0-255.
 */
int dune_register_intr_handler(int vec, dune_intr_cb cb);
void dune_register_pgflt_handler(dune_pgflt_cb cb);

/*
 * Signal @signum (1-55) reaches @cb as vector DUNE_SIGNAL_INTR_BASE +
 * signum: in the guest, with a struct dune_tf of wherever the thread was
 * (ring 0 or ring 3), before it executes anything more once it can take
 * an interrupt.  A thread that is not in Dune mode when the signal
 * arrives gets cb called in the native signal handler, with a dune_tf
 * built from the signal's context.  Replaces the signal's disposition
 * (sigaction, without SA_RESTART: a system call the signal interrupts
 * returns EINTR).  NULL unregisters and restores SIG_DFL.  Returns 0, or
 * -EINVAL for a signal outside 1-55, SIGKILL, SIGSTOP, or one libc
 * reserves.
 */
int dune_register_signal_handler(int signum, dune_intr_cb cb);
void dune_dump_trap_frame(struct dune_tf *tf);

/* ------------------------------------------------------------------ */
/* Ring 3                                                              */
/* ------------------------------------------------------------------ */

/*
 * The handler for SYSCALL from ring 3, process-wide: called in ring 0,
 * without a VM exit, with the full frame (ARG0..ARG5, the number in rax).
 * It puts the result in tf->rax; changes to the frame take effect on the
 * return to ring 3.  Without one, a ring-3 SYSCALL is fatal.  Exceptions
 * in ring 3 reach the vector and page-fault handlers the same way; without
 * one they are fatal (message, dump, death: never a native replay).
 */
void dune_register_syscall_handler(dune_syscall_cb cb);

/*
 * Run @tf in ring 3 (CS and SS are forced to GD_UT|3, GD_UD|3; RFLAGS is
 * limited to what user code may set, plus IF) with a clean FPU state, FS =
 * dune_get_user_fs(), until a handler calls dune_ret_from_user(ret); then
 * return ret.  -EINVAL if RIP or RSP is not a user address, or natively.
 * Ring-3 code can use only pages with PERM_U.  Nests: a handler may jump
 * to ring 3 again; dune_ret_from_user() returns from the innermost jump.
 */
int dune_jump_to_user(struct dune_tf *tf);
void dune_ret_from_user(int ret) __attribute__((noreturn));

/*
 * Resume @tf: in ring 3 if (tf->cs & 3) (only inside a dune_jump_to_user,
 * else fatal), otherwise in ring 0.  Does not return.
 */
void dune_pop_trap_frame(struct dune_tf *tf);

/*
 * Ring 3's extended state (x87, SSE, AVX, ... - XCR0's components that
 * dune_user_fpu_mask() returns) for the ring-3 event whose frame is @tf,
 * as XSAVE stored it (standard form, 64-byte aligned, 4 KiB at most) when
 * ring 3 entered ring 0; the return to ring 3 loads it with XRSTOR.  Valid
 * in a ring-3 system-call or exception handler, for the frame it was
 * given; NULL for any other frame.  A handler may change it (a signal
 * frame's saved state, the clean state a signal handler starts with) -
 * what it writes is XRSTORed in ring 0, so it must keep the header's
 * reserved bytes zero, XSTATE_BV within the mask and MXCSR within
 * MXCSR_MASK (SDM Vol. 1, 13.8.1: anything else faults in ring 0).
 */
void *dune_user_fpu(const struct dune_tf *tf);
uint64_t dune_user_fpu_mask(void);

/*
 * dune_pop_trap_frame() for a return to ring 3 with the extended state in
 * @xsave (an image as dune_user_fpu() describes, typically that one,
 * changed), instead of a clean one.  NULL: the clean state.
 */
void dune_pop_trap_frame_fpu(struct dune_tf *tf, const void *xsave) __attribute__((noreturn));

/*
 * Make the system call in @tf (a ring-3 one, typically) for real: number
 * rax, arguments rdi, rsi, rdx, rcx (as R10), r8, r9; the result goes in
 * tf->rax.  clone3 gives -ENOSYS.  clone, fork, vfork and rt_sigreturn act
 * on the caller's (ring-0) context, not ring 3's.
 */
void dune_passthrough_syscall(struct dune_tf *tf);

/* The FS base ring 3 gets (initially the thread's at dune_enter). */
unsigned long dune_get_user_fs(void);
void dune_set_user_fs(unsigned long fs_base);

/* ------------------------------------------------------------------ */
/* Left out                                                            */
/* ------------------------------------------------------------------ */

/*
 * The original's x2APIC calls - dune_apic_id, dune_apic_id_for_cpu,
 * dune_apic_send_ipi, dune_apic_eoi (and local.h's dune_apic_init_rt_entry)
 * - gave guests posted interrupts between pinned threads through a module
 * that passed the local APIC through to the guest.  dune.ko gives a guest
 * no APIC (every APIC access is refused), so they are not declared; a
 * thread interrupts another with a host signal delivered as a guest
 * interrupt instead (dune_register_signal_handler).
 */

#endif /* !LIBDUNE_INTERNAL_H */

#ifdef __cplusplus
}
#endif

#endif /* LIBDUNE_DUNE_H */
