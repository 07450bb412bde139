// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_abi.c - the vCPU's side of the user ABI (uapi/linux/dune.h): the
 * structs DUNE_CREATE_VCPU and DUNE_RUN take, copied in and checked, and
 * the ones they give back, copied out.
 *
 * Every input field is checked before anything uses it: unknown flags and
 * nonzero reserved fields are refused (so they can be given a meaning
 * later), and so is any value that would make VM entry fail (SDM Vol. 3C,
 * 27.3) - a guest state the ABI accepts always enters.  The run loop
 * (vcpu.c) works on the kernel's copy only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/irq_vectors.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>

#include "dune.h"
#include "vm.h"

/* RFLAGS bits a guest may hold: the arithmetic flags, TF, IF, DF, IOPL, NT, RF, AC, ID. */
#define DUNE_RFLAGS_ALLOWED	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
				 X86_EFLAGS_SF | X86_EFLAGS_TF | X86_EFLAGS_IF | X86_EFLAGS_DF | \
				 X86_EFLAGS_OF | X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
				 X86_EFLAGS_AC | X86_EFLAGS_ID | X86_EFLAGS_FIXED)

static int vcpu_check_run(const struct dune_run *run)
{
	/*
	 * cpl, interrupt_pending and event_pending are output only: a reused
	 * struct may hold the last ones.
	 */
	if ((run->flags & ~DUNE_RUN_FLAGS) || run->reserved0 || run->reserved1 ||
	    memchr_inv(run->reserved, 0, sizeof(run->reserved)))
		return -EINVAL;
	/* DUNE_RUN_F_EXCEPTION and its fields (vcpu_event.c) */
	if (dune_check_run_exception(run))
		return -EINVAL;
	if (run->flags & DUNE_RUN_F_INTERRUPT) {
		/* Vectors 0-31 are the CPU's exceptions (SDM Vol. 3A, 6.2). */
		if (run->interrupt_vector < FIRST_EXTERNAL_VECTOR ||
		    !dune_cap_value(DUNE_CAP_RUN_INTERRUPT))
			return -EINVAL;
	} else if (run->interrupt_vector) {
		return -EINVAL;
	}
	if (!dune_canonical(run->regs.rip) || !dune_canonical(run->fs_base) ||
	    !dune_canonical(run->gs_base))
		return -EINVAL;
	if ((run->regs.rflags & ~DUNE_RFLAGS_ALLOWED) || !(run->regs.rflags & X86_EFLAGS_FIXED))
		return -EINVAL;
	return 0;
}

/*
 * struct dune_run in and out, one field at a time inside a single
 * user_access_begin() window instead of copy_from_user()/copy_to_user():
 * this is the forwarded system call's path, taken twice per call.  The
 * copies would move all 296 bytes (the exit union too, which is output
 * only) and each does its own might_fault() checks, which on a debug
 * kernel take lockdep's mmap_lock annotation.  Every input field is still
 * read and checked (vcpu_check_run()); every output field is written.
 */
#define RUN_WORDS(field)	(sizeof(field) / sizeof(u64))

static int run_copy_in(struct dune_run *run, const struct dune_run __user *urun)
{
	const u64 __user *uregs = (const u64 __user *)&urun->regs;
	const u64 __user *ureserved = urun->reserved;
	u64 *regs = (u64 *)&run->regs;
	u64 *reserved = run->reserved;
	unsigned int i;

	/*
	 * Words through plain pointers: no array bounds check (a sanitizer
	 * call) may run with user access open.
	 */
	BUILD_BUG_ON(sizeof(run->regs) % sizeof(u64));
	if (!user_access_begin(urun, sizeof(*urun)))
		return -EFAULT;
	unsafe_get_user(run->flags, &urun->flags, efault);
	for (i = 0; i < RUN_WORDS(run->regs); i++)
		unsafe_get_user(regs[i], &uregs[i], efault);
	unsafe_get_user(run->fs_base, &urun->fs_base, efault);
	unsafe_get_user(run->gs_base, &urun->gs_base, efault);
	unsafe_get_user(run->interrupt_vector, &urun->interrupt_vector, efault);
	unsafe_get_user(run->reserved0, &urun->reserved0, efault);
	unsafe_get_user(run->exception_error_code, &urun->exception_error_code, efault);
	unsafe_get_user(run->exception_vector, &urun->exception_vector, efault);
	unsafe_get_user(run->reserved1, &urun->reserved1, efault);
	unsafe_get_user(run->exception_cr2, &urun->exception_cr2, efault);
	for (i = 0; i < ARRAY_SIZE(run->reserved); i++)
		unsafe_get_user(reserved[i], &ureserved[i], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

int dune_vcpu_run_out(struct dune_run __user *urun, const struct dune_run *run)
{
	u64 __user *uregs = (u64 __user *)&urun->regs;
	u64 __user *uu = (u64 __user *)&urun->u;
	u64 __user *ureserved = urun->reserved;
	const u64 *regs = (const u64 *)&run->regs;
	const u64 *u = (const u64 *)&run->u;
	unsigned int i;

	BUILD_BUG_ON(sizeof(run->u) % sizeof(u64));
	if (!user_access_begin(urun, sizeof(*urun)))
		return -EFAULT;
	unsafe_put_user(run->flags, &urun->flags, efault);
	unsafe_put_user(run->exit_reason, &urun->exit_reason, efault);
	for (i = 0; i < RUN_WORDS(run->regs); i++)
		unsafe_put_user(regs[i], &uregs[i], efault);
	unsafe_put_user(run->fs_base, &urun->fs_base, efault);
	unsafe_put_user(run->gs_base, &urun->gs_base, efault);
	for (i = 0; i < RUN_WORDS(run->u); i++)
		unsafe_put_user(u[i], &uu[i], efault);
	unsafe_put_user(run->cpl, &urun->cpl, efault);
	unsafe_put_user(run->interrupt_vector, &urun->interrupt_vector, efault);
	unsafe_put_user(run->interrupt_pending, &urun->interrupt_pending, efault);
	unsafe_put_user(0, &urun->reserved0, efault);
	/* DUNE_RUN_F_EXCEPTION's inputs: consumed, 0 on the way out */
	unsafe_put_user(0, &urun->exception_error_code, efault);
	unsafe_put_user(0, &urun->exception_vector, efault);
	unsafe_put_user(run->event_pending, &urun->event_pending, efault);
	unsafe_put_user(0, &urun->reserved1, efault);
	unsafe_put_user(0, &urun->exception_cr2, efault);
	for (i = 0; i < ARRAY_SIZE(run->reserved); i++)
		unsafe_put_user(0, &ureserved[i], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/* DUNE_RUN's struct dune_run: copied in, then checked. */
int dune_vcpu_run_in(struct dune_run *run, const struct dune_run __user *urun)
{
	if (run_copy_in(run, urun))
		return -EFAULT;
	return vcpu_check_run(run);
}

static bool selector_ok(u16 sel, unsigned int size, u16 gdt_limit)
{
	/* RPL 0, GDT (TI 0), not null, inside the GDT. */
	return sel && !(sel & 7) && (u32)sel + size - 1 <= gdt_limit;
}

static int vcpu_check_config(const struct dune_vcpu_config *c)
{
	if ((c->flags & ~DUNE_VCPU_FLAGS) || c->reserved0 ||
	    memchr_inv(c->reserved1, 0, sizeof(c->reserved1)) ||
	    memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return -EINVAL;
	if ((c->cr3 & ~PAGE_MASK) || c->cr3 >> dune_vmx.maxphyaddr)
		return -EINVAL;
	if (!dune_canonical(c->gdtr_base) || !dune_canonical(c->idtr_base) ||
	    !dune_canonical(c->tr_base) || !dune_canonical(c->lstar))
		return -EINVAL;
	if (!selector_ok(c->cs, 8, c->gdtr_limit) || !selector_ok(c->ss, 8, c->gdtr_limit) ||
	    !selector_ok(c->tr, 16, c->gdtr_limit))
		return -EINVAL;
	if (c->sfmask >> 32)	/* IA32_FMASK bits 63:32 are reserved */
		return -EINVAL;
	if (!dune_star_ok(c->star))	/* SYSCALL's SS would not enter (vcpu_entry.c) */
		return -EINVAL;
	/* Guest SMEP/SMAP only where the CPU has them (vcpu_vmcs.c). */
	if (((c->flags & DUNE_VCPU_F_SMEP) && !dune_cap_value(DUNE_CAP_GUEST_SMEP)) ||
	    ((c->flags & DUNE_VCPU_F_SMAP) && !dune_cap_value(DUNE_CAP_GUEST_SMAP)))
		return -EOPNOTSUPP;
	if (c->flags & DUNE_VCPU_F_CPUNODE) {
		u64 entry = c->gdtr_base + GDT_ENTRY_CPUNODE * 8;

		if (c->gdtr_limit < GDT_ENTRY_CPUNODE * 8 + 7 || (entry & 7) ||
		    entry >= TASK_SIZE_MAX)
			return -EINVAL;
	}
	return 0;
}

/* DUNE_CREATE_VCPU's struct dune_vcpu_config: copied in, then checked. */
int dune_vcpu_config_in(struct dune_vcpu_config *config,
			const struct dune_vcpu_config __user *uconfig)
{
	if (copy_from_user(config, uconfig, sizeof(*config)))
		return -EFAULT;
	return vcpu_check_config(config);
}

long dune_vcpu_get_exit_stats(struct dune_vcpu *vcpu, struct dune_exit_stats __user *ustats)
{
	struct dune_exit_stats *stats;
	long err = 0;

	stats = memdup_user(ustats, sizeof(*stats));
	if (IS_ERR(stats))
		return PTR_ERR(stats);
	if (stats->flags || memchr_inv(stats->reserved, 0, sizeof(stats->reserved))) {
		err = -EINVAL;
		goto out;
	}
	stats->nr = DUNE_EXIT_STATS_NR;
	stats->runs = vcpu->runs;
	memcpy(stats->exits, vcpu->exits, sizeof(stats->exits));
	if (copy_to_user(ustats, stats, sizeof(*stats)))
		err = -EFAULT;
out:
	kfree(stats);
	return err;
}
