/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guestcode.h - random guest code, biased towards what a hostile guest
 * ring 0 would try: privileged and VMX instructions, MSR writes to the
 * MSRs the module passes through, descriptor-table loads, IRETQ frames,
 * interrupt shadows, XSAVE state, debug registers, software interrupts.
 */
#ifndef DUNE_FUZZ_GUESTCODE_H
#define DUNE_FUZZ_GUESTCODE_H

#include <stddef.h>
#include "fuzz.h"

/*
 * Write at most @size bytes of code to @buf: random instructions, then
 * VMCALL (the usual way out).  Returns the length.
 */
size_t guestcode_generate(struct rng *r, unsigned char *buf, size_t size);

#endif
