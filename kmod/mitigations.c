// SPDX-License-Identifier: GPL-2.0
/*
 * mitigations.c - the CPU-bug mitigations a hypervisor owes its host.
 *
 * The guest here is a process in ring 0 with page tables of its own: it
 * can do things to the CPU's caches and predictors that the process could
 * not do from ring 3.  KVM applies the mitigations below on VM entry and
 * on vCPU switches (arch/x86/kvm/vmx/vmx.c); we follow its conditions,
 * using the flags the kernel itself computed at boot (X86_BUG_*,
 * X86_FEATURE_*, l1tf_mitigation), so that a CPU without the bug pays
 * nothing.  The emulated machine has none of these bugs' hardware
 * effects; docs/security.md keeps them on the review list.
 *
 * L1 Terminal Fault (L1TF, CVE-2018-3646).  A guest page-table entry that
 * is not present may still hold any physical address, and a speculative
 * load through it reads that address from the L1 data cache - EPT is not
 * consulted.  Ring 0 in the guest writes its own page tables, so it could
 * read whatever the host left in L1D.  Hence an L1D flush before VM entry
 * on CPUs with X86_BUG_L1TF, unless the CPU says a flush is not needed
 * (ARCH_CAP_SKIP_VMENTRY_L1DFLUSH: we are ourselves a nested hypervisor
 * whose host flushes) or the administrator turned the mitigation off
 * (l1tf=off).  In KVM's default "conditional" mode the flush runs only if
 * the host may have pulled other data into L1D since the last entry: an
 * interrupt or softirq ran (the kernel notes it per CPU, irq_stat), the
 * thread was scheduled out, or the exit was handled by code that reads
 * host data (an EPT fault walks the process's page tables).  With l1tf=full
 * every entry flushes.
 *
 * IBPB on a switch between vCPUs of different VMs.  A guest can train the
 * indirect branch predictor for the next guest on the same CPU (Spectre v2
 * between guests).  The kernel already issues IBPB when it switches between
 * processes that asked for it; a VM entry on a CPU whose last guest was
 * another VM gets one too (X86_FEATURE_USE_IBPB: only where the kernel
 * decided IBPB is needed and the CPU has it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>

#include "dune.h"
#include "vm.h"

enum dune_l1d_flush {
	DUNE_L1D_FLUSH_NEVER,
	DUNE_L1D_FLUSH_COND,
	DUNE_L1D_FLUSH_ALWAYS,
};

static enum dune_l1d_flush dune_l1d_flush_mode;

/*
 * Without the FLUSH_L1D command, the flush is done by hand as KVM does:
 * read a buffer twice the size of L1D (32 KiB on every CPU with L1TF),
 * one line at a time, so that it displaces everything else.
 */
#define L1D_FLUSH_ORDER		4		/* 64 KiB */
static void *dune_l1d_flush_pages;

static DEFINE_PER_CPU(u64, dune_last_vm_id);
static atomic64_t dune_vm_ids = ATOMIC64_INIT(0);

u64 dune_mitigations_vm_id(void)
{
	return atomic64_inc_return(&dune_vm_ids);
}

int dune_mitigations_init(void)
{
	u64 caps = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return 0;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrq(MSR_IA32_ARCH_CAPABILITIES, caps);
	if (caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH)
		return 0;
	if (dune_l1tf_off())
		return 0;
	dune_l1d_flush_mode = dune_l1tf_flush_always() ? DUNE_L1D_FLUSH_ALWAYS :
							  DUNE_L1D_FLUSH_COND;
	if (!boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		struct page *page = alloc_pages(GFP_KERNEL, L1D_FLUSH_ORDER);

		if (!page)
			return -ENOMEM;
		/* Nonzero contents: a zero page could be deduplicated by a hypervisor below. */
		dune_l1d_flush_pages = page_address(page);
		memset(dune_l1d_flush_pages, 0x5a, PAGE_SIZE << L1D_FLUSH_ORDER);
	}
	pr_info("L1TF: L1D flush on VM entry (%s, %s)\n",
		dune_l1d_flush_mode == DUNE_L1D_FLUSH_ALWAYS ? "always" : "conditional",
		dune_l1d_flush_pages ? "software" : "FLUSH_CMD");
	return 0;
}

void dune_mitigations_exit(void)
{
	if (dune_l1d_flush_pages)
		free_pages((unsigned long)dune_l1d_flush_pages, L1D_FLUSH_ORDER);
	dune_l1d_flush_pages = NULL;
}

static void l1d_flush_software(void)
{
	const u8 *buf = dune_l1d_flush_pages;
	unsigned int size = PAGE_SIZE << L1D_FLUSH_ORDER, i;

	/* First one load per page (the TLB), then one per cache line. */
	for (i = 0; i < size; i += PAGE_SIZE)
		(void)READ_ONCE(buf[i]);
	barrier();
	for (i = 0; i < size; i += L1_CACHE_BYTES)
		(void)READ_ONCE(buf[i]);
}

/* Right before VM entry, interrupts off.  @host_ran: see the comment on top. */
void dune_l1d_flush_before_entry(bool host_ran)
{
	if (likely(dune_l1d_flush_mode == DUNE_L1D_FLUSH_NEVER))
		return;
	if (dune_l1d_flush_mode == DUNE_L1D_FLUSH_COND) {
#if IS_ENABLED(CONFIG_KVM_INTEL)
		host_ran |= kvm_get_cpu_l1tf_flush_l1d();
		kvm_clear_cpu_l1tf_flush_l1d();
#else
		host_ran = true;	/* no per-CPU interrupt note: assume the worst */
#endif
		if (!host_ran)
			return;
	}
	if (dune_l1d_flush_pages)
		l1d_flush_software();
	else
		wrmsrq(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
}

bool dune_l1d_flush_enabled(void)
{
	return dune_l1d_flush_mode != DUNE_L1D_FLUSH_NEVER;
}

/* When a vCPU's VMCS becomes current on this CPU, interrupts off. */
void dune_ibpb_on_vcpu_load(u64 vm_id)
{
	if (__this_cpu_read(dune_last_vm_id) == vm_id)
		return;
	__this_cpu_write(dune_last_vm_id, vm_id);
	dune_ibpb();
}
