// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - a VM is an address space.
 *
 * DUNE_CREATE_VM on /dev/dune makes a VM for the calling process and
 * returns it as a file.  Its guest-physical memory is the process's own
 * memory: user space maps 2 MiB-aligned chunks of its virtual addresses
 * (HVAs) at 2 MiB-aligned guest-physical addresses (GPAs) of its choice,
 * and the EPT (ept.c) is filled from the process's page tables when the
 * guest first touches a page.  Why chunks and not GPA = HVA: user
 * addresses have 47 bits, guest-physical ones only MAXPHYADDR (often
 * 39-46), so no fixed formula can reach every mapping.  See
 * docs/03-memory.md.
 *
 * The MMU notifier registered here is how the EPT stays true: whenever
 * the kernel changes or removes a page of the process (munmap, mprotect,
 * fork's copy-on-write, reclaim, migration, KSM, THP), the notifier zaps
 * the EPT entries of that range first, and the next guest access faults
 * them back in from the new state.
 *
 * Every ioctl must come from the process that created the VM: after fork
 * the child holds the file, but not the address space (-EIO).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dune.h"
#include "vm.h"

/*
 * A linear address the guest's CPU accepts (SDM Vol. 1, 3.3.7.1).  The
 * guest always uses 4-level paging - its CR4.LA57 is never set - so its
 * addresses have 48 bits, whatever the host uses: on an LA57 host a 57-bit
 * address would pass a host-side check and then fail VM entry or #GP in
 * the guest.
 */
#define DUNE_GUEST_VA_BITS	48

bool dune_canonical(u64 addr)
{
	const unsigned int shift = 64 - DUNE_GUEST_VA_BITS;

	return ((s64)(addr << shift) >> shift) == (s64)addr;
}

bool dune_vm_gpa_to_hva(struct dune_vm *vm, u64 gpa, unsigned long *hva)
{
	void *entry = xa_load(&vm->gpa_to_hva, gpa >> DUNE_CHUNK_SHIFT);

	if (!entry)
		return false;
	*hva = (xa_to_value(entry) << DUNE_CHUNK_SHIFT) | (gpa & (DUNE_CHUNK_SIZE - 1));
	return true;
}

/*
 * MMU notifier callbacks.  invalidate_range_start runs before the kernel
 * changes the pages of [start, end): zap the EPT for them, and hold off
 * new EPT entries until invalidate_range_end (mmu_in_progress).  Nothing
 * here sleeps, so non-blockable ranges (the OOM reaper) are fine.
 */
static bool dune_vm_zap_hva_range(struct dune_vm *vm, unsigned long start, unsigned long end)
{
	unsigned long first = start >> DUNE_CHUNK_SHIFT;
	unsigned long last = (end - 1) >> DUNE_CHUNK_SHIFT;
	unsigned long index;
	bool zapped = false;
	void *entry;

	xa_for_each_range(&vm->hva_to_gpa, index, entry, first, last) {
		u64 gpa = xa_to_value(entry) << DUNE_CHUNK_SHIFT;
		unsigned long chunk = index << DUNE_CHUNK_SHIFT;
		unsigned long from = max(start, chunk);
		unsigned long to = min(end, chunk + (unsigned long)DUNE_CHUNK_SIZE);

		zapped |= dune_ept_zap(vm, gpa + (from - chunk), gpa + (to - chunk));
	}
	return zapped;
}

static int dune_mn_invalidate_range_start(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	/* LAB(4) BEGIN: zap the EPT of [start, end) and hold off new entries until range_end */
	struct dune_vm *vm = container_of(mn, struct dune_vm, mmu_notifier);
	bool zapped;

	spin_lock(&vm->ept_lock);
	vm->mmu_in_progress++;
	zapped = dune_vm_zap_hva_range(vm, range->start, range->end);
	spin_unlock(&vm->ept_lock);
	dune_ept_zap_done(vm, zapped);
	return 0;
	/* LAB(4) STUB
	 * return 0;
	 * LAB(4) END
	 */
}

static void dune_mn_invalidate_range_end(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	/* LAB(4) BEGIN: the range is done: faults may map again, but not with what they read before */
	struct dune_vm *vm = container_of(mn, struct dune_vm, mmu_notifier);

	spin_lock(&vm->ept_lock);
	vm->mmu_seq++;
	vm->mmu_in_progress--;
	spin_unlock(&vm->ept_lock);
	/* LAB(4) END */
}

/* The address space is going away (exit_mmap): forget all of it. */
static void dune_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct dune_vm *vm = container_of(mn, struct dune_vm, mmu_notifier);
	bool zapped;

	spin_lock(&vm->ept_lock);
	vm->dead = true;
	vm->mmu_seq++;
	zapped = dune_ept_zap(vm, 0, ~0ULL);
	spin_unlock(&vm->ept_lock);
	dune_ept_zap_done(vm, zapped);
}

static const struct mmu_notifier_ops dune_mmu_notifier_ops = {
	.release = dune_mn_release,
	.invalidate_range_start = dune_mn_invalidate_range_start,
	.invalidate_range_end = dune_mn_invalidate_range_end,
};

/* DUNE_MAP_CHUNKS */
/*
 * The EPT is a 4-level walk (ept.c), which translates GPA bits 47:0 only:
 * on a CPU with MAXPHYADDR above 48, a larger GPA would not fault, it
 * would alias the one 2^48 below it.  GPAs stop at the lower of the two.
 */
#define DUNE_EPT_GPA_BITS	48

static bool dune_chunk_valid(const struct dune_chunk *c)
{
	u64 gpa_limit = 1ULL << min_t(u32, dune_vmx.maxphyaddr, DUNE_EPT_GPA_BITS);

	/*
	 * The last user chunk ends one page above TASK_SIZE_MAX (the guard
	 * page below the non-canonical hole), where the stack lives without
	 * ASLR: a chunk only has to start in user space.
	 */
	return !(c->hva & (DUNE_CHUNK_SIZE - 1)) && !(c->gpa & (DUNE_CHUNK_SIZE - 1)) &&
	       c->hva < TASK_SIZE_MAX &&
	       c->gpa < gpa_limit && gpa_limit - c->gpa >= DUNE_CHUNK_SIZE;
}

/* 0 if @c can be added or is already there as is, -EEXIST if it clashes. */
static int dune_chunk_check(struct dune_vm *vm, const struct dune_chunk *c)
{
	void *by_gpa = xa_load(&vm->gpa_to_hva, c->gpa >> DUNE_CHUNK_SHIFT);
	void *by_hva = xa_load(&vm->hva_to_gpa, c->hva >> DUNE_CHUNK_SHIFT);

	if (!by_gpa && !by_hva)
		return 0;
	if (by_gpa && by_hva && xa_to_value(by_gpa) == c->hva >> DUNE_CHUNK_SHIFT &&
	    xa_to_value(by_hva) == c->gpa >> DUNE_CHUNK_SHIFT)
		return 0;
	return -EEXIST;
}

/*
 * Publish one chunk.  The order is the whole point: the EPT fault path
 * finds a chunk through gpa_to_hva, the MMU notifier through hva_to_gpa,
 * and every EPT entry the fault path can install must be one the notifier
 * can find and zap - or after munmap the guest would keep a translation
 * to a page the host has freed.  So hva_to_gpa goes first and gpa_to_hva,
 * which makes the chunk usable, last: there is no moment at which a fault
 * can install what an invalidation cannot see.  If the second store fails
 * the first is taken back; nothing can have been installed through a GPA
 * that was never published, but zap the range and bump the sequence all
 * the same, so that even a fault that raced with us throws its page away.
 */
static int dune_chunk_publish(struct dune_vm *vm, unsigned long g, unsigned long h)
{
	u64 gpa = (u64)g << DUNE_CHUNK_SHIFT;
	bool zapped;
	int err;

	lockdep_assert_held(&vm->chunk_mutex);
	err = xa_err(xa_store(&vm->hva_to_gpa, h, xa_mk_value(g), GFP_KERNEL_ACCOUNT));
	if (err)
		return err;
	err = dune_debug_chunk_store_fault();	/* tests only (debugfs.c) */
	if (!err)
		err = xa_err(xa_store(&vm->gpa_to_hva, g, xa_mk_value(h), GFP_KERNEL_ACCOUNT));
	if (!err)
		return 0;
	xa_erase(&vm->hva_to_gpa, h);
	spin_lock(&vm->ept_lock);
	vm->mmu_seq++;
	zapped = dune_ept_zap(vm, gpa, gpa + DUNE_CHUNK_SIZE);
	spin_unlock(&vm->ept_lock);
	dune_ept_zap_done(vm, zapped);
	return err;
}

static long dune_vm_map_chunks(struct dune_vm *vm, const struct dune_map_chunks __user *uarg)
{
	struct dune_map_chunks arg;
	struct dune_chunk *chunks;
	unsigned int i, j;
	long err = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	if (!arg.count || arg.count > DUNE_MAP_CHUNKS_MAX)
		return -EINVAL;
	chunks = memdup_user(u64_to_user_ptr(arg.chunks), arg.count * sizeof(*chunks));
	if (IS_ERR(chunks))
		return PTR_ERR(chunks);

	/* All or nothing: check everything, also against the batch itself. */
	for (i = 0; i < arg.count; i++) {
		if (!dune_chunk_valid(&chunks[i])) {
			err = -EINVAL;
			goto out_free;
		}
		for (j = 0; j < i; j++) {
			if ((chunks[j].hva == chunks[i].hva) != (chunks[j].gpa == chunks[i].gpa)) {
				err = -EEXIST;
				goto out_free;
			}
		}
	}

	mutex_lock(&vm->chunk_mutex);
	for (i = 0; i < arg.count && !err; i++)
		err = dune_chunk_check(vm, &chunks[i]);
	for (i = 0; i < arg.count && !err; i++) {
		const struct dune_chunk *c = &chunks[i];
		unsigned long g = c->gpa >> DUNE_CHUNK_SHIFT, h = c->hva >> DUNE_CHUNK_SHIFT;

		if (xa_load(&vm->gpa_to_hva, g))
			continue;	/* already there, or a duplicate in this batch */
		err = dune_chunk_publish(vm, g, h);
	}
	/*
	 * An allocation failure half way leaves the earlier chunks mapped;
	 * that is harmless (mapping them again is not an error) and rare.
	 */
	mutex_unlock(&vm->chunk_mutex);
out_free:
	kfree(chunks);
	return err;
}

static long dune_vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct dune_vm *vm = file->private_data;

	if (current->mm != vm->mm)
		return -EIO;
	switch (cmd) {
	case DUNE_MAP_CHUNKS:
		return dune_vm_map_chunks(vm, (const struct dune_map_chunks __user *)arg);
	case DUNE_CREATE_VCPU:
		return dune_vcpu_create(vm, file, (const struct dune_vcpu_config __user *)arg);
	default:
		return -ENOTTY;
	}
}

static void dune_vm_free(struct dune_vm *vm)
{
	dune_stats_vm_exit(vm);
	dune_ept_free(vm);
	xa_destroy(&vm->gpa_to_hva);
	xa_destroy(&vm->hva_to_gpa);
	mmdrop(vm->mm);
	dune_limit_vm_uncharge(vm);
	kfree(vm);
}

/*
 * The last reference to the VM file is gone, so are its vCPUs (each held
 * one).  This may run after the process's address space is already gone
 * (exit: exit_mm comes before the files are closed), so use vm->mm, never
 * current->mm.
 */
static int dune_vm_release(struct inode *inode, struct file *file)
{
	struct dune_vm *vm = file->private_data;

	/* Runs ->release if the mm still lives, and waits for callbacks. */
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
	dune_vm_free(vm);
	return 0;
}

static const struct file_operations dune_vm_fops = {
	.owner = THIS_MODULE,
	.release = dune_vm_release,
	.unlocked_ioctl = dune_vm_ioctl,
	.llseek = noop_llseek,
};

int dune_vm_create(void)
{
	struct dune_vm *vm;
	int err, fd;

	if (!current->mm)
		return -EINVAL;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	vm->id = dune_mitigations_vm_id();
	err = dune_limit_vm_charge(vm);		/* limits.c */
	if (err) {
		kfree(vm);
		return err;
	}
	mutex_init(&vm->chunk_mutex);
	xa_init(&vm->gpa_to_hva);
	xa_init(&vm->hva_to_gpa);
	spin_lock_init(&vm->ept_lock);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	dune_stats_vm_init(vm);

	err = dune_ept_init(vm);
	if (err)
		goto out_free;
	vm->mmu_notifier.ops = &dune_mmu_notifier_ops;
	err = mmu_notifier_register(&vm->mmu_notifier, vm->mm);
	if (err)
		goto out_free;

	fd = anon_inode_getfd("dune-vm", &dune_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
		err = fd;
		goto out_free;
	}
	return fd;

out_free:
	dune_vm_free(vm);
	return err;
}
