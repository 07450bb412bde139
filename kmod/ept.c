// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - the EPT: guest-physical to host-physical, filled on demand.
 *
 * With EPT (SDM Vol. 3C, 29.3), every guest-physical address the guest's
 * own page tables produce is translated once more, through tables that we
 * own.  A missing or too-weak entry causes an EPT violation (exit reason
 * 48): the VM exit tells which GPA was accessed and how (read, write,
 * instruction fetch), and we fill the entry in and resume.
 *
 * The tables start empty.  On a violation:
 *
 *   GPA -> chunk -> HVA (vm.c) -> the process's page, from its own page
 *   tables (get_user_pages, which faults it in as a user access would)
 *   -> an EPT entry with the permissions of the process's mapping.
 *
 * A read maps the page read-only unless it is already writable in the
 * process, so that the first write comes back here and breaks copy-on-write
 * through the kernel (FOLL_WRITE), never behind its back.  Execute
 * permission follows VM_EXEC.  A PROT_NONE page, a missing mapping, or a
 * write to a read-only one is not ours to fix: it goes to user space
 * (DUNE_EXIT_EPT_FAULT), which repeats the access natively and gets the
 * genuine signal.
 *
 * No page reference outlives the fault: the MMU notifier (vm.c) zaps an
 * entry before the kernel changes or frees the page behind it, and the
 * sequence count stops a fault that raced with such a change from
 * installing a stale page (KVM's mmu_invalidate_seq protocol).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/io.h>

#include "compat.h"
#include "dune.h"
#include "vm.h"
#include "vmx_ops.h"

#define EPT_LEVELS		4
#define EPT_ENTRIES		512
#define EPT_PRESENT		VMX_EPT_RWX_MASK	/* any of R, W, X */
#define EPT_ADDR_MASK		(((1ULL << 52) - 1) & PAGE_MASK)
/* Leaf memory type write-back (bits 5:3 = 6, SDM Vol. 3C, 29.3.7). */
#define EPT_LEAF_MEMTYPE_WB	(6ULL << VMX_EPT_MT_EPTE_SHIFT)
/* Bit 7 of a level-2 (PDE) entry: it maps a 2 MiB page (29.3.2). */
#define EPT_LEAF_2M		(1ULL << 7)
#define SIZE_2M			(1UL << 21)

static unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * level)) & (EPT_ENTRIES - 1);
}

static u64 *ept_table(u64 entry)
{
	return phys_to_virt(entry & EPT_ADDR_MASK);
}

/*
 * EPT table pages are accounted as the kernel accounts KVM's: charged to
 * the process's memory cgroup (GFP_KERNEL_ACCOUNT) and counted as
 * "SecPageTables" in /proc/meminfo and memory.stat (NR_SECONDARY_PAGETABLE),
 * and, like the process's own page tables, in its mm's page-table bytes,
 * which the OOM killer adds to the process's badness (oom_badness()).
 */
static void ept_account(struct dune_vm *vm, struct page *page, int nr)
{
	mod_lruvec_page_state(page, NR_SECONDARY_PAGETABLE, nr);
	atomic_long_add(nr * (long)PAGE_SIZE, &vm->mm->pgtables_bytes);
}

struct page *dune_ept_alloc_page(struct dune_vm *vm)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (page)
		ept_account(vm, page, 1);
	return page;
}

void dune_ept_free_page(struct dune_vm *vm, struct page *page)
{
	ept_account(vm, page, -1);
	__free_page(page);
}

int dune_ept_init(struct dune_vm *vm)
{
	struct page *root = dune_ept_alloc_page(vm);

	if (!root)
		return -ENOMEM;
	INIT_LIST_HEAD(&vm->ept_freed);
	vm->ept_root = page_address(root);
	/*
	 * EPTP (SDM Vol. 3C, 25.6.11): memory type write-back for the tables,
	 * a 4-level walk (value 3 in bits 5:3), no accessed/dirty flags.
	 */
	vm->eptp = page_to_phys(root) | VMX_EPTP_MT_WB | VMX_EPTP_PWL_4;
	return 0;
}

static void ept_flush_this_cpu(void *info)
{
	u64 eptp = *(u64 *)info;

	if (dune_vmx_cpu_on(smp_processor_id()))
		dune_invept(VMX_EPT_EXTENT_CONTEXT, eptp);
}

/*
 * Forget cached translations of this EPT on every CPU.  A CPU running a
 * vCPU of this VM takes the IPI as a VM exit, so when this returns no CPU
 * can use a zapped entry any more.
 */
void dune_ept_flush(struct dune_vm *vm)
{
	on_each_cpu_mask(dune_vmx_cpumask(), ept_flush_this_cpu, &vm->eptp, 1);
}

static void ept_free_table(struct dune_vm *vm, u64 *table, int level)
{
	unsigned int i;

	if (level > 0) {
		for (i = 0; i < EPT_ENTRIES; i++)
			if ((table[i] & EPT_PRESENT) && !(table[i] & EPT_LEAF_2M))
				ept_free_table(vm, ept_table(table[i]), level - 1);
	}
	dune_ept_free_page(vm, virt_to_page(table));
}

void dune_ept_free(struct dune_vm *vm)
{
	if (!vm->ept_root)
		return;
	/* The next VM may get the same root page, hence the same EPTP. */
	dune_ept_flush(vm);
	dune_ept_zap_done(vm, false);
	ept_free_table(vm, vm->ept_root, EPT_LEVELS - 1);
	vm->ept_root = NULL;
}

/*
 * Clear the leaf entries of [start, end) under @table; true if any was
 * set.  A table the zap leaves empty goes too - else a process that maps
 * and unmaps memory all over its address space would pin a table page
 * for every 2 MiB it ever touched until the VM ends - but not at once:
 * the CPU may hold the table's address in its paging-structure caches
 * until the INVEPT that follows every zap, so it waits on vm->ept_freed
 * for dune_ept_zap_done().
 */
static bool ept_zap_table(struct dune_vm *vm, u64 *table, int level, u64 base, u64 start,
			  u64 end)
{
	u64 span = 1ULL << (PAGE_SHIFT + 9 * level);
	unsigned int i = start > base ? ept_index(start, level) : 0;
	bool zapped = false;

	for (; i < EPT_ENTRIES; i++) {
		u64 from = base + i * span;
		u64 *sub;

		if (from >= end)
			break;
		if (!(table[i] & EPT_PRESENT))
			continue;
		if (level == 0 || (table[i] & EPT_LEAF_2M)) {
			/* A 2 MiB leaf goes as a whole if any of it is zapped. */
			table[i] = 0;
			zapped = true;
			continue;
		}
		sub = ept_table(table[i]);
		zapped |= ept_zap_table(vm, sub, level - 1, from, start, end);
		if (!memchr_inv(sub, 0, PAGE_SIZE)) {
			table[i] = 0;
			list_add(&virt_to_page(sub)->lru, &vm->ept_freed);
			zapped = true;
		}
	}
	return zapped;
}

/* Called with ept_lock held; then dune_ept_zap_done() without it. */
bool dune_ept_zap(struct dune_vm *vm, u64 gpa_start, u64 gpa_end)
{
	lockdep_assert_held(&vm->ept_lock);
	if (!vm->ept_root || gpa_start >= gpa_end)
		return false;
	return ept_zap_table(vm, vm->ept_root, EPT_LEVELS - 1, 0, gpa_start, gpa_end);
}

/*
 * After one or more zaps (@zapped: any of them cleared an entry): INVEPT
 * on every CPU, then free the tables the zaps emptied - whichever zap
 * queued them, this flush comes after it.
 */
void dune_ept_zap_done(struct dune_vm *vm, bool zapped)
{
	struct page *page, *next;
	LIST_HEAD(freed);

	spin_lock(&vm->ept_lock);
	list_splice_init(&vm->ept_freed, &freed);
	spin_unlock(&vm->ept_lock);
	if (zapped || !list_empty(&freed))
		dune_ept_flush(vm);
	list_for_each_entry_safe(page, next, &freed, lru)
		dune_ept_free_page(vm, page);
}

/*
 * Install a leaf for @gpa, taking missing paging-structure pages from
 * @spare (allocated beforehand: we hold a spinlock here).  @entry_2m, if
 * not 0, maps the whole 2 MiB around @gpa; @entry_4k maps its 4 KiB page.
 * The 2 MiB leaf only goes where no table of 4 KiB entries is yet -
 * turning a table into a leaf would need an INVEPT before the table could
 * be freed - and otherwise the 4 KiB page goes into that table: either
 * way the faulting access finds a translation, so the guest never
 * faults on the same address forever.
 */
static void ept_install(struct dune_vm *vm, u64 gpa, u64 entry_4k, u64 entry_2m,
			struct page **spare)
{
	u64 *table = vm->ept_root;
	int level;

	lockdep_assert_held(&vm->ept_lock);
	for (level = EPT_LEVELS - 1; level > 0; level--) {
		u64 *slot = &table[ept_index(gpa, level)];

		if (*slot & EPT_LEAF_2M) {
			/* A 2 MiB leaf is here already: refresh it, if we can. */
			if (entry_2m)
				WRITE_ONCE(*slot, entry_2m | EPT_LEAF_2M);
			return;
		}
		if (level == 1 && entry_2m && !(*slot & EPT_PRESENT)) {
			WRITE_ONCE(*slot, entry_2m | EPT_LEAF_2M);
			return;
		}
		if (!(*slot & EPT_PRESENT)) {
			/* Non-leaf entries allow everything; the leaf decides. */
			*slot = page_to_phys(*spare) | VMX_EPT_RWX_MASK;
			*spare++ = NULL;	/* used */
		}
		table = ept_table(*slot);
	}
	WRITE_ONCE(table[ept_index(gpa, 0)], entry_4k);
}

/*
 * Does the process map @hva with a 2 MiB page (a transparent huge page in
 * one PMD), with write permission if @write?  Then the EPT can map the
 * whole 2 MiB with one entry: one EPT violation per 2 MiB instead of 512.
 * The walk reads the process's page tables under the mmap lock, which
 * keeps them from being freed; a PMD that changes under us (split,
 * collapse) fires the MMU notifier, and mmu_seq throws this fault away.
 */
/* The process's PMD entry for @hva, or NULL (mmap lock held). */
static pmd_t *ept_host_pmd(struct mm_struct *mm, unsigned long hva)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;

	pgd = pgd_offset(mm, hva);
	if (!pgd_present(READ_ONCE(*pgd)))
		return NULL;
	p4d = p4d_offset(pgd, hva);
	if (!p4d_present(READ_ONCE(*p4d)))
		return NULL;
	pud = pud_offset(p4d, hva);
	if (!pud_present(READ_ONCE(*pud)) || pud_leaf(READ_ONCE(*pud)))
		return NULL;
	return pmd_offset(pud, hva);
}

static bool ept_host_maps_2m(struct vm_area_struct *vma, unsigned long hva, bool write,
			     u64 *pfn)
{
	unsigned long start = hva & ~(SIZE_2M - 1);
	pmd_t *pmdp, pmd;

	if (!dune_cap_value(DUNE_CAP_EPT_2M) || start < vma->vm_start ||
	    start + SIZE_2M > vma->vm_end)
		return false;
	pmdp = ept_host_pmd(vma->vm_mm, hva);
	if (!pmdp)
		return false;
	pmd = READ_ONCE(*pmdp);
	if (!pmd_present(pmd) || !pmd_trans_huge(pmd) || (write && !pmd_write(pmd)))
		return false;
	*pfn = pmd_pfn(pmd);
	return true;
}

/* Describe an access we leave to user space. */
static int ept_fault_to_user(struct dune_vcpu *vcpu, unsigned long hva, u32 flags)
{
	struct dune_run *run = vcpu->run;
	u64 qual = vcpu->exit.qualification;

	run->exit_reason = DUNE_EXIT_EPT_FAULT;
	run->u.ept.gpa = vcpu->exit.guest_physical_address;
	run->u.ept.hva = hva;
	run->u.ept.gva = 0;
	if (qual & EPT_VIOLATION_ACC_READ)
		flags |= DUNE_EPT_READ;
	if (qual & EPT_VIOLATION_ACC_WRITE)
		flags |= DUNE_EPT_WRITE;
	if (qual & EPT_VIOLATION_ACC_INSTR)
		flags |= DUNE_EPT_EXEC;
	/*
	 * The guest-linear address is the address the access was for only if
	 * the violation happened on that access itself (bits 7 and 8 both
	 * set); with bit 8 clear it hit a guest paging structure while
	 * translating that address (SDM Vol. 3C, 28.2.1, table 28-7).
	 */
	if ((qual & EPT_VIOLATION_GVA_IS_VALID) &&
	    (qual & EPT_VIOLATION_GVA_TRANSLATED)) {
		flags |= DUNE_EPT_GVA_VALID;
		run->u.ept.gva = vcpu->exit.guest_linear_address;
	}
	run->u.ept.flags = flags;
	return 0;
}

/*
 * The host-physical frame behind @hva, for an ordinary mapping (a page
 * reference the caller drops) or a VM_PFNMAP/VM_IO one such as the vDSO's
 * vvar page (no struct page to hold).  Called with the mmap lock held.
 */
static int ept_lookup_host(struct vm_area_struct *vma, unsigned long hva, bool write,
			   u64 *pfn, bool *writable, bool *huge, struct page **page)
{
	long n;

	*page = NULL;
	*huge = false;
	if (vma->vm_flags & (VM_IO | VM_PFNMAP)) {
		int err;

		/*
		 * The EPT leaf says write-back (EPT_LEAF_MEMTYPE_WB), and in
		 * the guest the EPT memory type takes the place of the MTRRs
		 * (SDM Vol. 3C, 29.3.7.2): device memory, which the host's
		 * MTRRs make uncached whatever its PTE says, or a frame the
		 * process has uncached or write-combining, must never be
		 * mapped so - speculative and cached accesses to MMIO can
		 * hang the machine, and cached aliases of uncached memory
		 * break coherency.  So a VM_IO/VM_PFNMAP frame is mapped only
		 * if it is ordinary RAM (page_is_ram(): the vDSO's vvar pages,
		 * a driver's kernel buffer) that the process maps write-back
		 * itself - PAT entry 0, no PWT/PCD/PAT bits, WB with or without
		 * PAT (arch/x86/mm/pat/memtype.c).  Anything else goes to user
		 * space as an EPT fault, which replays the access natively.
		 */
		if (pgprot_val(vma->vm_page_prot) & (_PAGE_PWT | _PAGE_PCD | _PAGE_PAT))
			return -EFAULT;
		err = dune_follow_pfnmap(vma, hva, pfn, writable);
		if (err || (write && !*writable)) {
			if (fixup_user_fault(vma->vm_mm, hva, write ? FAULT_FLAG_WRITE : 0, NULL))
				return -EFAULT;
			err = dune_follow_pfnmap(vma, hva, pfn, writable);
		}
		if (!err && !page_is_ram(*pfn))
			return -EFAULT;
		return err ?: (write && !*writable) ? -EFAULT : 0;
	}

	/* Already writable in the process: map it writable straight away. */
	if (!write && (vma->vm_flags & VM_WRITE) && get_user_page_fast_only(hva, FOLL_WRITE, page)) {
		*writable = true;
	} else {
		n = dune_get_user_page(hva, write ? FOLL_WRITE : 0, page);
		if (n != 1)
			return n < 0 ? n : -EFAULT;
		*writable = write;
	}
	*pfn = page_to_pfn(*page);
	/* A transparent huge page: map all of it, if the PMD allows as much. */
	if (PageTransCompound(*page) && ept_host_maps_2m(vma, hva, *writable, pfn))
		*huge = true;
	return 0;
}

/*
 * Fault-around.  A program touching memory it already has in Dune mode -
 * its stack, code and data right after dune_enter(), or any memory it
 * touched natively first - would take one EPT violation per 4 KiB page.
 * Like the kernel's own fault-around for file pages, a violation also
 * maps the neighbours of the faulting page, EPT_AROUND pages aligned
 * around it, that the process already has present: same VMA, same 2 MiB
 * chunk (whose GPAs are contiguous), ordinary pages.  Nothing is faulted
 * in for them.
 *
 * The neighbours are found with the lockless GUP walk
 * (get_user_pages_fast_only(), exported on every kernel we support; the
 * kernel's PTE-map helpers are not, since 6.5): it takes a reference on
 * each page present in the process's page tables and never faults, skips
 * special PTEs (the zero page, VM_PFNMAP frames), and with FOLL_WRITE
 * takes only pages whose PTE is writable.  Such a neighbour is mapped
 * writable and its page marked dirty now, as for the faulting page (guest
 * writes do not dirty the process's PTE); any other present neighbour is
 * mapped read-only, and a write comes back here the ordinary way.  The
 * walk stops at the first page it cannot take, so each hole costs one
 * more call.  As for the faulting page, the MMU notifier's sequence
 * count, checked under ept_lock before anything is installed, throws the
 * lot away if the process's page tables changed meanwhile, and a later
 * change zaps the entries like any other.
 */
#define EPT_AROUND		16

struct ept_around {
	unsigned int n;
	u64 gpa[EPT_AROUND];
	u64 entry[EPT_AROUND];
};

/* Add @page at @addr to the window, and drop our reference to it. */
static void ept_around_add(struct ept_around *a, struct vm_area_struct *vma,
			   unsigned long hva, u64 gpa, unsigned long addr,
			   struct page *page, bool writable)
{
	u64 perms = EPT_LEAF_MEMTYPE_WB | VMX_EPT_READABLE_MASK;

	if (addr != hva && !is_zero_pfn(page_to_pfn(page))) {
		if (writable) {
			perms |= VMX_EPT_WRITABLE_MASK;
			if (!PageDirty(page))
				set_page_dirty_lock(page);
		}
		if (vma->vm_flags & VM_EXEC)
			perms |= VMX_EPT_EXECUTABLE_MASK;
		/* The window is 64 KiB aligned: all of it is in @gpa's chunk. */
		a->gpa[a->n] = gpa - hva + addr;
		a->entry[a->n] = ((u64)page_to_pfn(page) << PAGE_SHIFT) | perms;
		a->n++;
	}
	put_page(page);
}

/* The mmap lock is held: the VMA stays as it is. */
static void ept_around_collect(struct vm_area_struct *vma, unsigned long hva, u64 gpa,
			       struct ept_around *a)
{
	unsigned long start = hva & ~(EPT_AROUND * PAGE_SIZE - 1);
	unsigned long end = min(start + EPT_AROUND * PAGE_SIZE, vma->vm_end);
	unsigned long addr = max(start, vma->vm_start);
	unsigned int write = (vma->vm_flags & VM_WRITE) ? FOLL_WRITE : 0;
	struct page *pages[EPT_AROUND];
	int n, i;

	a->n = 0;
	if (vma->vm_flags & (VM_IO | VM_PFNMAP) || !(vma->vm_flags & VM_READ))
		return;
	while (addr < end) {
		n = get_user_pages_fast_only(addr, (end - addr) >> PAGE_SHIFT, write, pages);
		for (i = 0; i < n; i++, addr += PAGE_SIZE)
			ept_around_add(a, vma, hva, gpa, addr, pages[i], write);
		if (addr >= end)
			break;
		/* @addr is absent, or present but not writable: read-only then. */
		if (write && get_user_pages_fast_only(addr, 1, 0, pages) == 1)
			ept_around_add(a, vma, hva, gpa, addr, pages[0], false);
		addr += PAGE_SIZE;
	}
}

/* Fill the empty 4 KiB slots of the collected neighbours (ept_lock held). */
static void ept_around_install(struct dune_vm *vm, const struct ept_around *a)
{
	unsigned int i;

	lockdep_assert_held(&vm->ept_lock);
	for (i = 0; i < a->n; i++) {
		u64 *table = vm->ept_root;
		int level;

		for (level = EPT_LEVELS - 1; level > 0 && table; level--) {
			u64 e = table[ept_index(a->gpa[i], level)];

			table = (e & EPT_PRESENT) && !(e & EPT_LEAF_2M) ? ept_table(e) : NULL;
		}
		if (table && !(table[ept_index(a->gpa[i], 0)] & EPT_PRESENT))
			WRITE_ONCE(table[ept_index(a->gpa[i], 0)], a->entry[i]);
	}
}

/* At the vCPU's end: the table pages no fault used. */
void dune_ept_free_spares(struct dune_vcpu *vcpu)
{
	unsigned int i;

	for (i = 0; i < DUNE_EPT_SPARES; i++) {
		if (vcpu->ept_spare[i])
			dune_ept_free_page(vcpu->vm, vcpu->ept_spare[i]);
		vcpu->ept_spare[i] = NULL;
	}
}

int dune_ept_fault(struct dune_vcpu *vcpu)
{
	struct dune_vm *vm = vcpu->vm;
	u64 gpa = vcpu->exit.guest_physical_address;
	u64 qual = vcpu->exit.qualification;
	bool write = qual & EPT_VIOLATION_ACC_WRITE;
	bool exec = qual & EPT_VIOLATION_ACC_INSTR;
	struct page **spare = vcpu->ept_spare;
	struct ept_around around;
	struct vm_area_struct *vma;
	struct page *page = NULL;
	unsigned long hva, seq, vm_flags;
	bool writable = false, huge = false, have_spares = true;
	u64 pfn, perms, entry_4k, entry_2m;
	unsigned int i;
	int err;

	if (!dune_vm_gpa_to_hva(vm, gpa, &hva))
		return ept_fault_to_user(vcpu, 0, DUNE_EPT_NO_CHUNK);
	hva &= PAGE_MASK;

	seq = READ_ONCE(vm->mmu_seq);
	smp_rmb();	/* read the sequence before the page tables (pairs with the spinlock) */

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, hva);
	if (!vma)
		goto to_user_unlock;
	vm_flags = vma->vm_flags;
	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) ||
	    (write && !(vm_flags & VM_WRITE)) || (exec && !(vm_flags & VM_EXEC)))
		goto to_user_unlock;
	err = ept_lookup_host(vma, hva, write, &pfn, &writable, &huge, &page);
	around.n = 0;
	if (!err && !huge)
		ept_around_collect(vma, hva, gpa & PAGE_MASK, &around);
	mmap_read_unlock(vm->mm);
	if (err)
		return ept_fault_to_user(vcpu, hva, 0);

	/* Guest writes do not dirty the process's PTE: say so now. */
	if (page && writable)
		set_page_dirty_lock(page);

	/*
	 * The table pages a new translation might need, zeroed, allocated
	 * before the spinlock.  They stay with the vCPU until a fault uses
	 * them: most faults find every table there already, and allocating
	 * and clearing three pages on each would cost more than the rest of
	 * the fault.
	 */
	for (i = 0; i < DUNE_EPT_SPARES; i++) {
		if (!spare[i])
			spare[i] = dune_ept_alloc_page(vm);
		if (!spare[i])
			have_spares = false;
	}

	/* LAB(3) BEGIN: the EPT leaf for pfn with the process's rights; install it unless raced */
	perms = EPT_LEAF_MEMTYPE_WB | VMX_EPT_READABLE_MASK;
	if (writable)
		perms |= VMX_EPT_WRITABLE_MASK;
	if (vm_flags & VM_EXEC)
		perms |= VMX_EPT_EXECUTABLE_MASK;
	/* For a 2 MiB page, pfn is its first frame: this page is further in. */
	entry_4k = ((huge ? pfn + ((hva >> PAGE_SHIFT) & 511) : pfn) << PAGE_SHIFT) | perms;
	entry_2m = huge ? (pfn << PAGE_SHIFT) | perms : 0;

	spin_lock(&vm->ept_lock);
	/*
	 * If an invalidation ran or is running since we read mmu_seq, the
	 * page may already be on its way out: do not map it, let the guest
	 * fault again.
	 */
	if (!vm->dead && !vm->mmu_in_progress && vm->mmu_seq == seq && have_spares) {
		ept_install(vm, gpa, entry_4k, entry_2m, spare);
		ept_around_install(vm, &around);
	}
	spin_unlock(&vm->ept_lock);
	/* LAB(3) STUB
	 * (void)seq;
	 * perms = 0;
	 * entry_4k = 0;
	 * entry_2m = perms | entry_4k;
	 * if (!entry_2m) {
	 *	if (page)
	 *		put_page(page);
	 *	return -ENOSYS;
	 * }
	 * LAB(3) END
	 */

	if (page)
		put_page(page);
	if (!have_spares)
		return -ENOMEM;
	return 1;

to_user_unlock:
	mmap_read_unlock(vm->mm);
	return ept_fault_to_user(vcpu, hva, 0);
}
