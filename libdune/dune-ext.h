/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dune-ext.h - libdune's additions to the original Dune API.
 *
 * Everything here is new in this project; dune.h keeps only the names of
 * the original, so that a program using nothing from this file stays
 * source-compatible with it.  These functions work in Dune mode and
 * natively.
 */
#ifndef LIBDUNE_DUNE_EXT_H
#define LIBDUNE_DUNE_EXT_H

#include <stdbool.h>
#include <linux/dune.h>		/* struct dune_exit_stats; needs -I kmod/uapi */

#include "dune.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Is the calling thread running in Dune mode right now?  It is if its code
 * segment is libdune's ring-0 segment: the answer comes from the CPU, not
 * from libdune's bookkeeping.  A thread leaves Dune mode when a fault is
 * replayed natively (see README.md); fork() and vfork() children start
 * outside it.
 */
bool dune_is_in_dune_mode(void);

/*
 * The file descriptor of the calling thread's vCPU, or -1 if it has none
 * (never entered Dune mode, or left it).
 */
int dune_vcpu_fd(void);

/*
 * DUNE_GET_EXIT_STATS on the calling thread's vCPU: how many VM exits of
 * each basic exit reason (SDM Vol. 3D, Appendix C; 18 is VMCALL, which
 * every forwarded system call costs) and how many DUNE_RUN calls.  Returns
 * 0, or a negative errno value (-EINVAL without a vCPU).
 */
int dune_get_exit_stats(struct dune_exit_stats *stats);

/*
 * The numbers dune_page_stats() prints: pages allocated (including
 * libdune's own page tables), free, and the pool's size so far.
 */
void dune_page_counts(int *alloc, int *free, int *total);

/*
 * Open /dev/dune ahead of dune_init(), which then uses that descriptor
 * (close-on-exec; a fork child keeps it).  For a process that is about to
 * lose the right to open it: a user namespace of its own, a change of
 * credentials, a new root without /dev.  Returns the descriptor (also if
 * it is open already) or a negative errno value from open(2): -EACCES for
 * a caller who is neither root nor in the device's group.
 */
int dune_open_device(void);

/*
 * SMEP and SMAP for ring 0 (protect.c).  After dune_init(false) and before
 * dune_enter(), dune_set_ring0_protection(DUNE_RING0_SMEP | DUNE_RING0_SMAP)
 * makes every vCPU libdune creates from then on - this thread's and later
 * threads' - run with CR4.SMEP and/or CR4.SMAP: ring 0 then faults on an
 * instruction fetch from memory ring 3 may use (PERM_U), and with SMAP on
 * any access to it outside a dune_user_access_begin()/_end() bracket.
 * Returns 0; -EOPNOTSUPP if the CPU (or dune.ko) lacks one of them, and
 * nothing changes; -EINVAL for an unknown flag, before dune_init() or
 * after dune_init(true) (ring 0 runs program code on user pages there);
 * -EBUSY if the calling thread has its vCPU already.
 */
#define DUNE_RING0_SMEP		(1u << 0)
#define DUNE_RING0_SMAP		(1u << 1)
int dune_set_ring0_protection(unsigned int flags);
/* What dune_set_ring0_protection() set: DUNE_RING0_* flags. */
unsigned int dune_ring0_protection(void);

/*
 * Ring-0 code that reads or writes ring-3 memory brackets it with these
 * (STAC/CLAC under SMAP; nothing natively or without SMAP), as the kernel
 * brackets copy_from_user().  Keep the bracket short: no calls into code
 * that should not touch user memory.
 */
void dune_user_access_begin(void);
void dune_user_access_end(void);

/*
 * An exception table for such ring-0 code (fixup.c), as the kernel's for
 * copy_from_user(): a data access by an instruction in [@start, @end)
 * that the host cannot back - the native access would raise SIGBUS or
 * SIGSEGV: a file truncated under a shared mapping, PROT_NONE, no mapping
 * - resumes at @fixup with RAX = -EFAULT, and no signal is raised.
 * Without an entry such an access raises the signal, as a native access
 * would.  The code in the range must be able to go on at @fixup from any
 * of its faulting instructions (a leaf function whose fixup is "ret").
 * Returns 0, -EINVAL for an empty range or no fixup, -ENOSPC after 8.
 */
int dune_register_fault_fixup(uintptr_t start, uintptr_t end, uintptr_t fixup);

/*
 * The exit signal (0-64) of the next process the calling thread makes in
 * Dune mode (clone(2) without CLONE_VM, or fork(2); not vfork), in place
 * of the one the call asks for; -1 cancels.  For a
 * supervisor that forks with glibc's fork() - which takes libc's locks
 * around the clone, so that a child of a threaded process finds malloc
 * and stdio usable - on behalf of a clone(2) that asked for another
 * signal: fork() always asks for SIGCHLD.  Returns 0, or -EINVAL outside
 * Dune mode or for a bad signal.
 */
int dune_set_fork_signal(int sig);

#ifdef __cplusplus
}
#endif

#endif /* LIBDUNE_DUNE_EXT_H */
