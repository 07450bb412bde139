// SPDX-License-Identifier: GPL-2.0
/*
 * fixup.c - an exception table for ring-0 code that touches memory the
 * host may be unable to back.
 *
 * The kernel's copy_from_user() never takes a signal: when the page
 * behind a user address cannot be had (a file truncated under a shared
 * mapping, a PROT_NONE hole, device memory), the faulting instruction is
 * found in the exception table (arch/x86/mm/extable.c) and execution goes
 * on at its fixup, which makes the copy return what it could not copy;
 * the system call fails with EFAULT and the process gets no SIGBUS.
 *
 * In Dune mode such an access is an EPT violation, which libdune resolves
 * from the host loop by touching the address natively (loop.c,
 * probe_natively): a page the host cannot back then raises the genuine
 * SIGBUS or SIGSEGV.  That is right for the program's own accesses and
 * wrong for a supervisor copying program memory (samples/sandbox): the
 * signal would be the supervisor's, and a handler that returns makes the
 * copy fault again, for ever.
 *
 * So ring-0 code registers the instructions that may fault this way
 * (dune_register_fault_fixup(), dune-ext.h), and for an EPT fault at one
 * of them the host loop asks the kernel without touching the page:
 * madvise(MADV_POPULATE_READ/WRITE) faults it in as the access would, or
 * fails where the access would raise a signal (mm/madvise.c: EFAULT for
 * SIGBUS/SIGSEGV, EINVAL for a mapping that does not allow the access,
 * ENOMEM for no mapping).  On failure the guest resumes at the fixup with
 * RAX = -EFAULT.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "internal.h"
#include "dune-ext.h"
#include "sys.h"

#define FIXUP_MAX	8

struct fixup {
	uintptr_t start, end, fixup;
};

static struct fixup fixups[FIXUP_MAX];
static unsigned int nfixups;		/* published with release ordering */

int dune_register_fault_fixup(uintptr_t start, uintptr_t end, uintptr_t fixup)
{
	static int lock;
	unsigned int n;
	int ret = 0;

	if (!start || start >= end || !fixup)
		return -EINVAL;
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		;
	n = __atomic_load_n(&nfixups, __ATOMIC_RELAXED);
	if (n == FIXUP_MAX) {
		ret = -ENOSPC;
	} else {
		fixups[n] = (struct fixup){ start, end, fixup };
		__atomic_store_n(&nfixups, n + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	return ret;
}

/* The fixup for a ring-0 instruction at @rip, or 0. */
uint64_t dune_fixup_of(uint64_t rip)
{
	unsigned int i, n = __atomic_load_n(&nfixups, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++)
		if (rip >= fixups[i].start && rip < fixups[i].end)
			return fixups[i].fixup;
	return 0;
}

/*
 * Fault in the page at @addr for a read or a write without touching it:
 * 0, -EINTR/-EAGAIN (try again), or why the access would raise a signal.
 */
long dune_fixup_populate(uint64_t addr, bool write)
{
	return dune_syscall3(__NR_madvise, (long)(addr & ~(uint64_t)(DUNE_PAGE_SIZE - 1)),
			     DUNE_PAGE_SIZE, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
}
