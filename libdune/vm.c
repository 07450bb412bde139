// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the original API's guest virtual memory functions (dune_vm_*,
 * dune_va_to_pa; docs/design/libdune-api.md §5.5, §7.3).
 *
 * They operate on pgroot - the page tables libdune itself maintains - or
 * on any root made of pool pages (page.c), where every table's address is
 * its GPA, so PTE_ADDR(entry) is a pointer to the next table.  libdune maps
 * the process's memory in pgroot with *automatic* 2 MiB leaves (chunks.c,
 * marked DUNE_PTE_AUTO); the original API works in 4 KiB pages, so any
 * call here that must see or change 4 KiB entries under an automatic leaf
 * first *splits* it into a table of 512 entries with the same translation
 * and permissions (no TLB flush needed: a stale 2 MiB entry translates the
 * same way).  Leaves the program made big stay big, except under a 4 KiB
 * dune_vm_map_phys.  A chunk of pgroot that a call here changed is
 * *claimed*: libdune never writes an automatic leaf for it again.
 *
 * Locking: one page-table lock (recursive for its owner thread, so that a
 * dune_vm_page_walk callback may call dune_vm_*) serialises these calls;
 * structural changes to tables (new tables, splits, PD-level leaves) also
 * take libdune's spinlock, which the host loop takes when it writes an
 * automatic leaf, and never hold it while running program code.
 *
 * Guest side: runs only from program context (natively after dune_init,
 * or in Dune mode at CPL 0), never in the host loop.
 *
 * TLB.  A call that removes a present translation, or changes one - unmap,
 * mprotect, a map over a present entry, copy on write - flushes this CPU
 * (at CPL 0: natively the tables are not in use) and then shoots the
 * other vCPUs of the process down (tlb.c): when it returns, no thread can
 * still reach the old translation.  As Linux's mmu_gather
 * (mm/mmu_gather.c), the pages and tables the change frees are gathered
 * and put back only after the shootdown: until then another vCPU may
 * still read or write them through its TLB, or walk a freed table through
 * its paging-structure caches.  Entries that were not present need
 * nothing: x86 caches no not-present entry (SDM Vol. 3A, 4.10.2.3).
 */
#include "dune.h"
#include "internal.h"
#include "sys.h"

#define PTE_DEF_FLAGS	(PTE_P | PTE_W | PTE_U)	/* new intermediate entries */
#define PTE_TABLE_SPLIT	(PTE_P | PTE_W | PTE_U | PTE_A)
#define ADDR_2M		0x000fffffffe00000ULL
#define VA_BITS_MASK	0x0000ffffffffffffULL

/* ---- the page-table lock -------------------------------------------- */

static struct {
	int lock;
	int owner;
	int depth;
} ptl;

static int self_tid(void)
{
	struct dune_thread *t = dune_self;

	if (t && t->tid)
		return t->tid;
	return (int)dune_sys_gettid();
}

static void pt_lock(void)
{
	int me = self_tid();

	if (__atomic_load_n(&ptl.owner, __ATOMIC_RELAXED) == me) {
		ptl.depth++;
		return;
	}
	while (__atomic_exchange_n(&ptl.lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&ptl.lock, __ATOMIC_RELAXED))
			dune_sys_sched_yield();
	__atomic_store_n(&ptl.owner, me, __ATOMIC_RELAXED);
	ptl.depth = 1;
}

static void pt_unlock(void)
{
	if (--ptl.depth)
		return;
	__atomic_store_n(&ptl.owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ptl.lock, 0, __ATOMIC_RELEASE);
}

/* ---- helpers ---------------------------------------------------------- */

static bool at_cpl0(void)
{
	uint16_t cs;

	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	return (cs & 3) == 0;
}

static uint64_t read_cr3(void)
{
	uint64_t cr3;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
	return cr3;
}

static void flush_all(void)
{
	if (at_cpl0())
		dune_flush_tlb();
}

static void flush_one(uint64_t va)
{
	if (at_cpl0())
		dune_flush_tlb_one(va);
}

/* ---- TLB shootdown and deferred frees ---------------------------------- */

/* What a change frees, for after the shootdown: pool frames or a table subtree. */
#define GATHER_MAX	64

struct gather {
	bool stale;			/* a present translation was removed or changed */
	unsigned int n;
	struct {
		physaddr_t pa;		/* frames: the first; tables: the table */
		uint64_t pages;		/* frames: how many */
		int table_level;	/* tables: its level + 1, 0 for frames */
	} e[GATHER_MAX];
};

static void gather_finish(struct gather *g);

static struct gather *gather_init(struct gather *g)
{
	g->stale = false;
	g->n = 0;
	return g;
}

/* Defer putting @pages references from @pa (page-table lock held). */
static void gather_frames(struct gather *g, physaddr_t pa, uint64_t pages)
{
	if (!pages)
		return;
	if (g->n == GATHER_MAX)
		gather_finish(g);
	g->e[g->n].pa = pa;
	g->e[g->n].pages = pages;
	g->e[g->n].table_level = 0;
	g->n++;
}

/* Defer freeing the tables under @table, at @level, and their leaves' pages. */
static void gather_tables(struct gather *g, ptent_t *table, int level)
{
	if (g->n == GATHER_MAX)
		gather_finish(g);
	g->e[g->n].pa = (physaddr_t)table;
	g->e[g->n].pages = 0;
	g->e[g->n].table_level = level + 1;
	g->n++;
}

static void free_tables_locked(ptent_t *table, int level, bool put_leaves);
static void put_frames(physaddr_t pa, uint64_t n);

/*
 * The change is in the tables: flush this CPU, shoot the others down, then
 * free what the change freed.  Page-table lock held (tlb.c: no target
 * needs it to acknowledge).
 */
static void gather_finish(struct gather *g)
{
	unsigned int i;

	if (g->stale) {
		flush_all();
		dune_tlb_shootdown(at_cpl0());
		g->stale = false;
	}
	for (i = 0; i < g->n; i++) {
		if (g->e[i].table_level) {
			dune_lock();
			free_tables_locked((ptent_t *)g->e[i].pa, g->e[i].table_level - 1, true);
			dune_unlock();
		} else {
			put_frames(g->e[i].pa, g->e[i].pages);
		}
	}
	g->n = 0;
}

static uint64_t sext(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16);
}

static ptent_t *table_of(ptent_t e)
{
	return (ptent_t *)PTE_ADDR(e);
}

/* §5.5.3: permission bits to entry bits. */
static ptent_t pte_perm(int perm)
{
	ptent_t b = 0;

	if (perm & PERM_R)
		b |= PTE_P;
	if (perm & PERM_W)
		b |= PTE_W;
	if (!(perm & PERM_X))
		b |= PTE_NX;
	if (perm & PERM_U)
		b |= PTE_U;
	if (perm & PERM_UC)
		b |= PTE_PCD;
	if (perm & PERM_COW)
		b |= PTE_COW;
	if (perm & 0x1000)
		b |= PTE_USR1;
	if (perm & 0x2000)
		b |= PTE_USR2;
	if (perm & 0x3000)
		b |= PTE_USR3;
	if (perm & (PERM_BIG | PERM_BIG_1GB))
		b |= PTE_PS;
	return b;
}

static bool is_auto(ptent_t e)
{
	return (e & (PTE_P | PTE_PS | DUNE_PTE_AUTO)) == (PTE_P | PTE_PS | DUNE_PTE_AUTO);
}

/* Put a pool page a leaf maps (lock-free: the last put frees it, locked). */
static void put_frame(physaddr_t pa)
{
	if (dune_page_isfrompool(pa))
		dune_page_put(dune_pa2page(pa));
}

/*
 * References.  Every pool page a leaf maps holds one reference for that
 * leaf, whoever made it - map_pages, map_phys, insert_page, clone - and
 * loses it when the leaf goes - unmap, replacement, free.  A big leaf
 * holds one on each 4 KiB pool page it covers.  So a program may map a
 * page it allocated, drop its own reference, and the unmap frees it.
 * libdune's automatic leaves hold none (the pool's own chunks have them,
 * over free pages too).
 */
static uint64_t leaf_pages(int level)
{
	return 1ULL << (9 * level);
}

/* How many references leaf @e at @level holds (on pool pages). */
static uint64_t leaf_refs(ptent_t e, int level)
{
	return level && is_auto(e) ? 0 : leaf_pages(level);
}

static physaddr_t leaf_frame(ptent_t e, int level)
{
	return PTE_ADDR(level ? e & ~(ptent_t)PTE_PAT_PS : e);
}

static void get_frames(physaddr_t pa, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (dune_page_isfrompool(pa + i * PGSIZE))
			__atomic_add_fetch(&dune_pa2page(pa + i * PGSIZE)->ref, 1,
					   __ATOMIC_RELAXED);
}

static void put_frames(physaddr_t pa, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		put_frame(pa + i * PGSIZE);
}

/* The same with the allocator's lock held. */
static void put_frames_locked(physaddr_t pa, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		struct page *pg;

		if (!dune_page_isfrompool(pa + i * PGSIZE))
			continue;
		pg = dune_pa2page(pa + i * PGSIZE);
		if (__atomic_sub_fetch(&pg->ref, 1, __ATOMIC_ACQ_REL) == 0)
			dune_page_free_locked(pg);
	}
}

/*
 * Split the automatic leaf at @e (a PD entry) into 512 4 KiB entries with
 * the same translation and permissions.  0 or -ENOMEM.  Spinlock held.
 */
static int split_auto_locked(ptent_t *e)
{
	ptent_t leaf = *e, flags, *pt;
	int i;

	if (!is_auto(leaf))
		return 0;			/* split or replaced meanwhile */
	pt = (ptent_t *)dune_pool_table();
	if (!pt)
		return -ENOMEM;
	flags = (leaf & (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_NX)) | PTE_A | PTE_D;
	for (i = 0; i < NPTENTRIES; i++)
		pt[i] = ((leaf & ADDR_2M) + ((uint64_t)i << PGSHIFT)) | flags;
	__atomic_store_n(e, (ptent_t)pt | PTE_TABLE_SPLIT, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Split a big leaf the program made (level 1: 2 MiB, level 2: 1 GiB) into
 * the next level down, preserving the translation.  Spinlock held.
 */
static int split_big_locked(ptent_t *e, int level)
{
	ptent_t leaf = *e, flags, *t;
	uint64_t step = 1ULL << PDSHIFT(level - 1);
	uint64_t base = leaf & (level == 2 ? 0x000fffffc0000000ULL : ADDR_2M);
	int i;

	if (!(leaf & PTE_PS))
		return 0;
	t = (ptent_t *)dune_pool_table();
	if (!t)
		return -ENOMEM;
	flags = PTE_FLAGS(leaf) & ~(ptent_t)(PTE_PS | PTE_PAT_PS);
	if (level == 1) {
		if (leaf & PTE_PAT_PS)
			flags |= PTE_PAT;	/* PAT moves from bit 12 to bit 7 */
	} else {
		flags |= PTE_PS | (leaf & PTE_PAT_PS);
	}
	for (i = 0; i < NPTENTRIES; i++)
		t[i] = (base + i * step) | flags;
	__atomic_store_n(e, (ptent_t)t | PTE_DEF_FLAGS, __ATOMIC_RELEASE);
	return 0;
}

/*
 * A table under the empty entry @e, at @level (>= 1) of @root, for @va.
 * In pgroot, an empty PD slot of a registered, unclaimed chunk gets its
 * automatic leaf first, which is then split (§7.3.3).  Spinlock held.
 */
static int fill_locked(ptent_t *root, ptent_t *e, int level, uint64_t va)
{
	ptent_t *t;

	if (*e)
		return 0;			/* filled meanwhile */
	if (level == 1 && root == pgroot && va < DUNE_USER_TOP &&
	    !dune_chunk_claimed(va)) {
		ptent_t leaf = dune_chunk_auto_leaf(va);

		if (leaf) {
			*e = leaf;
			return split_auto_locked(e);
		}
	}
	t = (ptent_t *)dune_pool_table();
	if (!t)
		return -ENOMEM;
	__atomic_store_n(e, (ptent_t)t | PTE_DEF_FLAGS, __ATOMIC_RELEASE);
	return 0;
}

static void claim(ptent_t *root, uint64_t va)
{
	if (root == pgroot)
		dune_chunk_claim(va);
}

/* ---- the walker ------------------------------------------------------- */

struct walk {
	ptent_t *root;
	uint64_t start, end;		/* 48-bit, end inclusive */
	page_walk_cb cb;
	const void *arg;
	int create;			/* CREATE_* */
	bool split_big;			/* split program big leaves (4 KiB map_phys) */
	bool modify;			/* claim what is visited */
	int level;			/* of the entry passed to cb */
};

static int walk_level(struct walk *w, ptent_t *table, int level, uint64_t base)
{
	int shift = PDSHIFT(level);
	uint64_t span = 1ULL << shift;
	uint64_t top = base + (span << NPTBITS) - 1;
	uint64_t lo = w->start > base ? w->start : base;
	uint64_t hi = w->end < top ? w->end : top;
	unsigned int i, first = (lo >> shift) & PDXMASK, last = (hi >> shift) & PDXMASK;
	int ret;

	for (i = first; i <= last; i++) {
		uint64_t va = base + i * span;
		ptent_t *e = &table[i], entry;

		if (level == 1 && w->modify)
			claim(w->root, va);
		w->level = level;
		if (level == 0) {
			if (*e || w->create == CREATE_NORMAL) {
				ret = w->cb(w->arg, e, (void *)sext(va));
				if (ret)
					return ret;
			}
			continue;
		}
		if ((level == 1 && w->create == CREATE_BIG) ||
		    (level == 2 && w->create == CREATE_BIG_1GB)) {
			ret = w->cb(w->arg, e, (void *)sext(va));
			if (ret)
				return ret;
			continue;
		}
		entry = __atomic_load_n(e, __ATOMIC_ACQUIRE);
		if ((entry & PTE_PS) && level <= 2) {
			bool split_it = (level == 1 && is_auto(entry)) ||
					(w->split_big && w->create == CREATE_NORMAL);

			if (!split_it) {
				ret = w->cb(w->arg, e, (void *)sext(va));
				if (ret)
					return ret;
				continue;
			}
			dune_lock();
			ret = is_auto(entry) ? split_auto_locked(e) : split_big_locked(e, level);
			dune_unlock();
			if (ret)
				return ret;
			if (w->root == pgroot && level == 1)
				dune_chunk_claim(va);
			entry = *e;
		}
		w->level = level;
		if (!(entry & PTE_P)) {
			if (!w->create || entry)
				continue;
			dune_lock();
			ret = fill_locked(w->root, e, level, va);
			dune_unlock();
			if (ret)
				return ret;
			entry = *e;
			if (!(entry & PTE_P))
				continue;
		}
		ret = walk_level(w, table_of(entry), level - 1, va);
		if (ret)
			return ret;
	}
	return 0;
}

static int walk(struct walk *w, void *start, void *end)
{
	w->start = (uint64_t)start & VA_BITS_MASK;
	w->end = (uint64_t)end & VA_BITS_MASK;
	if (w->start > w->end)
		return 0;
	return walk_level(w, w->root, 3, 0);
}

/* ---- translation ------------------------------------------------------ */

uintptr_t dune_va_to_pa(void *ptr)
{
	uint64_t va = (uint64_t)ptr, gpa;

	if (va >= DUNE_USER_TOP)
		return va;
	gpa = dune_chunk_gpa(va);
	if (gpa == DUNE_NO_GPA) {
		int err = dune_map_range(va & ~DUNE_CHUNK_MASK, (va & ~DUNE_CHUNK_MASK) + 1);

		gpa = dune_chunk_gpa(va);
		if (err || gpa == DUNE_NO_GPA) {
			dune_printf("dune: dune_va_to_pa(%p): cannot register its chunk (error %d)\n",
				    ptr, -err);
			dune_die();
		}
	}
	return gpa + (va & DUNE_CHUNK_MASK);
}

uintptr_t dune_mmap_addr_to_pa(void *ptr)
{
	return dune_va_to_pa(ptr);
}

uintptr_t dune_stack_addr_to_pa(void *ptr)
{
	return dune_va_to_pa(ptr);
}

/* ---- lookup ------------------------------------------------------------ */

static int lookup(ptent_t *root, uint64_t va, int create, ptent_t **out)
{
	ptent_t *table = root;
	int level, ret;

	for (level = 3; level >= 1; level--) {
		ptent_t *e = &table[PDX(level, va)], entry;

		if ((level == 2 && create == CREATE_BIG_1GB) ||
		    (level == 1 && create == CREATE_BIG)) {
			*out = e;
			return 0;
		}
		entry = __atomic_load_n(e, __ATOMIC_ACQUIRE);
		if ((entry & PTE_PS) && level <= 2) {
			if (!(level == 1 && is_auto(entry))) {
				*out = e;
				return 0;
			}
			dune_lock();
			ret = split_auto_locked(e);
			dune_unlock();
			if (ret)
				return ret;
			claim(root, va);
			entry = *e;
		}
		if (!(entry & PTE_P)) {
			if (!create || entry)
				return -ENOENT;
			dune_lock();
			ret = fill_locked(root, e, level, va);
			dune_unlock();
			if (ret)
				return ret;
			entry = *e;
		}
		table = table_of(entry);
	}
	*out = &table[PDX(0, va)];
	return 0;
}

int dune_vm_lookup(ptent_t *root, void *va, int create, ptent_t **pte_out)
{
	int ret;

	pt_lock();
	if (create)
		claim(root, (uint64_t)va);
	ret = lookup(root, (uint64_t)va & VA_BITS_MASK, create, pte_out);
	pt_unlock();
	return ret;
}

int dune_vm_page_walk(ptent_t *root, void *start_va, void *end_va,
		      page_walk_cb cb, const void *arg)
{
	struct walk w = { .root = root, .cb = cb, .arg = arg };
	int ret;

	pt_lock();
	ret = walk(&w, start_va, end_va);
	pt_unlock();
	return ret;
}

/* ---- mapping ------------------------------------------------------------ */

/* Free a table subtree (the tables only), spinlock held. */
static void free_tables_locked(ptent_t *table, int level, bool put_leaves)
{
	int i;

	for (i = 0; i < NPTENTRIES; i++) {
		ptent_t e = table[i];

		if (!e)
			continue;
		if (level == 0 || (e & PTE_PS)) {
			if (put_leaves)
				put_frames_locked(leaf_frame(e, level), leaf_refs(e, level));
			continue;
		}
		if (e & PTE_P)
			free_tables_locked(table_of(e), level - 1, put_leaves);
	}
	dune_pool_table_free((uint64_t *)table);
}

struct map_arg {
	uint64_t va;			/* the caller's va (sign-extended) */
	uint64_t pa;
	ptent_t bits;
	int level;			/* 0, 1 or 2 */
	const struct walk *w;		/* for the level of the entry */
	struct gather *g;		/* what the change frees, and whether to shoot down */
};

static int map_phys_cb(const void *arg, ptent_t *pte, void *va)
{
	struct map_arg *m = (struct map_arg *)arg;
	physaddr_t pa = PTE_ADDR(m->pa + ((uint64_t)va - m->va));
	ptent_t old = *pte;

	/* The new leaf's references first: it may map the same pages. */
	get_frames(pa, leaf_pages(m->level));
	*pte = pa | m->bits;
	if (old & PTE_P)
		m->g->stale = true;
	if (m->level && (old & PTE_P) && !(old & PTE_PS))
		/* A big leaf over a table: the orphaned tables and their pages go back. */
		gather_tables(m->g, table_of(old), m->level - 1);
	else if (old)
		gather_frames(m->g, leaf_frame(old, m->level), leaf_refs(old, m->level));
	return 0;
}

int dune_vm_map_phys(ptent_t *root, void *va, size_t len, void *pa, int perm)
{
	struct gather g;		/* not zeroed: 1.5 KiB (gather_init) */
	struct map_arg m = { .va = (uint64_t)va, .pa = (uint64_t)pa, .bits = pte_perm(perm),
			     .g = gather_init(&g) };
	struct walk w = { .root = root, .cb = map_phys_cb, .arg = &m, .modify = true };
	uint64_t align = PGSIZE;
	int ret;

	if (!len)
		return 0;
	if (perm & PERM_BIG_1GB) {
		m.level = 2;
		w.create = CREATE_BIG_1GB;
		align = 1ULL << 30;
	} else if (perm & PERM_BIG) {
		m.level = 1;
		w.create = CREATE_BIG;
		align = BIG_PGSIZE;
	} else {
		w.create = CREATE_NORMAL;
		w.split_big = true;
	}
	if (m.level && (((uint64_t)va | (uint64_t)pa) & (align - 1)))
		return -EINVAL;
	pt_lock();
	ret = walk(&w, va, (char *)va + len - 1);
	gather_finish(&g);
	pt_unlock();
	return ret;
}

static int map_pages_cb(const void *arg, ptent_t *pte, void *va)
{
	struct map_arg *m = (struct map_arg *)arg;
	struct page *pg = dune_page_alloc();
	ptent_t old = *pte;

	(void)va;
	if (!pg)
		return -ENOMEM;
	*pte = PTE_ADDR(dune_page2pa(pg)) | m->bits;
	if (old & PTE_P)
		m->g->stale = true;
	if (old && !(old & PTE_PS))
		gather_frames(m->g, PTE_ADDR(old), 1);
	return 0;
}

int dune_vm_map_pages(ptent_t *root, void *va, size_t len, int perm)
{
	struct gather g;
	struct map_arg m = { .bits = pte_perm(perm & ~(PERM_BIG | PERM_BIG_1GB)),
			     .g = gather_init(&g) };
	struct walk w = { .root = root, .cb = map_pages_cb, .arg = &m,
			  .create = CREATE_NORMAL, .split_big = true, .modify = true };
	int ret;

	if (!(perm & PERM_R) && (perm & ~PERM_R))
		return -EINVAL;
	if (!len)
		return 0;
	pt_lock();
	ret = walk(&w, va, (char *)va + len - 1);
	gather_finish(&g);
	pt_unlock();
	return ret;
}

/*
 * Any change to a present entry is shot down, more permission too: Linux
 * lets other CPUs take a spurious fault and fixes it up
 * (spurious_kernel_fault()), but libdune's fault path would take a stale
 * read-only entry for a real protection fault.
 */
static int mprotect_cb(const void *arg, ptent_t *pte, void *va)
{
	struct map_arg *m = (struct map_arg *)arg;
	ptent_t old = *pte, new = PTE_ADDR(old) | (old & PTE_PS) | m->bits;

	(void)va;
	*pte = new;
	if ((old & PTE_P) && ((old ^ new) & ~(ptent_t)(PTE_A | PTE_D)))
		m->g->stale = true;
	return 0;
}

int dune_vm_mprotect(ptent_t *root, void *va, size_t len, int perm)
{
	struct gather g;
	struct map_arg m = { .g = gather_init(&g) };
	struct walk w = { .root = root, .cb = mprotect_cb, .arg = &m, .modify = true };
	int ret;

	if (!(perm & PERM_R)) {
		if (perm & PERM_W)
			return -EINVAL;
		perm = PERM_NONE;
	}
	if (!len)
		return 0;
	m.bits = pte_perm(perm) & ~(ptent_t)PTE_PS;
	pt_lock();
	ret = walk(&w, va, (char *)va + len - 1);
	gather_finish(&g);
	pt_unlock();
	return ret;
}

static int unmap_cb(const void *arg, ptent_t *pte, void *va)
{
	struct map_arg *m = (struct map_arg *)arg;
	ptent_t old = *pte;

	(void)va;
	*pte = 0;
	if (old & PTE_P)
		m->g->stale = true;
	gather_frames(m->g, leaf_frame(old, m->w->level), leaf_refs(old, m->w->level));
	return 0;
}

void dune_vm_unmap(ptent_t *root, void *va, size_t len)
{
	struct gather g;
	struct map_arg m = { .g = gather_init(&g) };
	struct walk w = { .root = root, .cb = unmap_cb, .arg = &m, .modify = true };

	if (!len)
		return;
	m.w = &w;
	pt_lock();
	walk(&w, va, (char *)va + len - 1);
	gather_finish(&g);
	pt_unlock();
}

int dune_vm_insert_page(ptent_t *root, void *va, struct page *pg, int perm)
{
	ptent_t *pte, old;
	int ret;

	if (!pages || pg < pages || pg >= pages + num_pages)
		return -EINVAL;
	pt_lock();
	claim(root, (uint64_t)va);
	ret = lookup(root, (uint64_t)va & VA_BITS_MASK, CREATE_NORMAL, &pte);
	if (!ret && (*pte & PTE_PS))
		ret = -EINVAL;		/* a big leaf the program made */
	if (!ret) {
		struct gather g;

		gather_init(&g);

		dune_page_get(pg);
		old = *pte;
		*pte = PTE_ADDR(dune_page2pa(pg)) | pte_perm(perm & ~(PERM_BIG | PERM_BIG_1GB));
		if (old)
			gather_frames(&g, PTE_ADDR(old), 1);
		if (old & PTE_P) {
			flush_one((uint64_t)va);
			dune_tlb_shootdown(at_cpl0());
		}
		gather_finish(&g);
	}
	pt_unlock();
	return ret;
}

struct page *dune_vm_lookup_page(ptent_t *root, void *va)
{
	struct page *pg = NULL;
	ptent_t *pte;

	pt_lock();
	if (!lookup(root, (uint64_t)va & VA_BITS_MASK, CREATE_NONE, &pte) &&
	    (*pte & PTE_P) && !(*pte & PTE_PS) && dune_page_isfrompool(PTE_ADDR(*pte)))
		pg = dune_pa2page(PTE_ADDR(*pte));
	pt_unlock();
	return pg;
}

/* ---- clone and free ----------------------------------------------------- */

/* Copy @src (at @level) into the empty table @dst.  Spinlock held. */
static int clone_level_locked(const ptent_t *src, ptent_t *dst, int level)
{
	int i, ret;

	for (i = 0; i < NPTENTRIES; i++) {
		ptent_t e = src[i], *t;

		if (!e)
			continue;
		if (level == 0 || (e & PTE_PS)) {
			get_frames(leaf_frame(e, level), leaf_refs(e, level));
			dst[i] = e;
			continue;
		}
		if (!(e & PTE_P))
			continue;
		t = (ptent_t *)dune_pool_table();
		if (!t)
			return -ENOMEM;
		dst[i] = (ptent_t)t | PTE_FLAGS(e);
		ret = clone_level_locked(table_of(e), t, level - 1);
		if (ret)
			return ret;
	}
	return 0;
}

ptent_t *dune_vm_clone(ptent_t *root)
{
	ptent_t *copy;
	int ret;

	pt_lock();
	dune_lock();
	copy = (ptent_t *)dune_pool_table();
	if (copy) {
		ret = clone_level_locked(root, copy, 3);
		if (ret) {
			free_tables_locked(copy, 3, true);
			copy = NULL;
		}
	}
	dune_unlock();
	pt_unlock();
	return copy;
}

void dune_vm_free(ptent_t *root)
{
	if (root == pgroot || (at_cpl0() && PTE_ADDR(read_cr3()) == (uint64_t)root)) {
		dune_printf("dune: dune_vm_free(%p): refusing to free %s\n", (void *)root,
			    root == pgroot ? "pgroot" : "the page table in CR3");
		return;
	}
	if (!dune_page_isfrompool((physaddr_t)root)) {
		dune_printf("dune: dune_vm_free(%p): not a page-table root from the pool\n",
			    (void *)root);
		return;
	}
	pt_lock();
	dune_lock();
	free_tables_locked(root, 3, true);
	dune_unlock();
	pt_unlock();
}

/* ---- copy on write -------------------------------------------------------- */

void dune_vm_default_pgflt_handler(uintptr_t addr, uint64_t fec)
{
	ptent_t *root = pgroot, *pte, old;
	uint64_t frame, src;
	struct page *pg;

	if (at_cpl0() && dune_page_isfrompool(PTE_ADDR(read_cr3())))
		root = (ptent_t *)PTE_ADDR(read_cr3());
	pt_lock();
	if (!(fec & FEC_W) || lookup(root, addr & VA_BITS_MASK, CREATE_NONE, &pte))
		goto out;
	old = *pte;
	if (!(old & PTE_COW) || (old & PTE_PS))
		goto out;
	claim(root, addr);
	frame = PTE_ADDR(old);
	if (dune_page_isfrompool(frame) &&
	    __atomic_load_n(&dune_pa2page(frame)->ref, __ATOMIC_ACQUIRE) == 1) {
		*pte = (old | PTE_W) & ~(ptent_t)PTE_COW;
		flush_one(addr);
		goto out;
	}
	if (dune_page_isfrompool(frame)) {
		src = frame;
	} else {
		src = dune_chunk_hva(frame);
		if (src == DUNE_NO_GPA) {
			dune_printf("dune: copy on write at %p: frame 0x%llx is no chunk's\n",
				    (void *)addr, (unsigned long long)frame);
			dune_die();
		}
		src += frame & DUNE_CHUNK_MASK;
	}
	pg = dune_page_alloc();
	if (!pg) {
		dune_printf("dune: copy on write at %p: out of pool pages\n", (void *)addr);
		dune_die();
	}
	dune_copy((void *)dune_page2pa(pg), (const void *)src, PGSIZE);
	*pte = PTE_ADDR(dune_page2pa(pg)) | (PTE_FLAGS(old) & ~(ptent_t)PTE_COW) | PTE_W | PTE_P;
	/*
	 * Another frame: the other vCPUs must not go on reading the old one
	 * (nor write it, once its last reference is gone) - shot down before
	 * it is put.  Making the only copy writable (above) needs no
	 * shootdown: a stale read-only entry faults, the fault drops it
	 * (SDM Vol. 3A, 4.10.4.1), and this handler finds nothing to do.
	 */
	flush_one(addr);
	dune_tlb_shootdown(at_cpl0());
	put_frame(frame);
out:
	pt_unlock();
}
