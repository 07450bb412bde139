/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hoststate.h - the host state a process can observe, before and after
 * DUNE_RUN.  A VM exit loads the host-state area of the VMCS and nothing
 * else (SDM Vol. 3C, 28.5): whatever the module does not restore by hand
 * stays as the guest or the exit left it.  The checks:
 *
 *  - the thread's FS and GS bases (arch_prctl);
 *  - its LDT: an LDT data descriptor loaded into ES (a VM exit leaves LDTR
 *    unusable, SDM 28.5.2; a module that does not reload it breaks
 *    modify_ldt users until the next context switch);
 *  - per CPU, through /dev/cpu/N/msr: the SYSCALL MSRs, SYSENTER, EFER,
 *    PAT, DEBUGCTL (the guest writes several of them without an exit).
 */
#ifndef DUNE_FUZZ_HOSTSTATE_H
#define DUNE_FUZZ_HOSTSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Once per process, before any vCPU: LDT entry, MSR baseline.  False if
 * the MSRs cannot be read (no /dev/cpu/N/msr): then only the rest is checked. */
bool hoststate_init(void);
bool hoststate_have_msrs(void);
/* Does the LDT work here before any DUNE_RUN (CONFIG_MODIFY_LDT_SYSCALL)? */
bool hoststate_have_ldt(void);
/* Once per thread: a recognisable GS base. */
void hoststate_thread_init(void);
/*
 * Compare with the baseline; false and a description in @why if
 * anything differs.  @msrs: also read this CPU's MSRs (costly).
 */
bool hoststate_check(bool msrs, char *why, size_t size);

#endif
