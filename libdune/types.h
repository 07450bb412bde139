/* SPDX-License-Identifier: GPL-2.0 */
/*
 * types.h - the basic types of the original Dune's headers (which came from
 * JOS): bool_t, physaddr_t, ppn_t.  The fixed-width integer types and the
 * PRI* format macros come from <stdint.h> and <inttypes.h>; the original
 * defined its own, with a PRIu64 of "ld" that was wrong for unsigned values.
 */
#ifndef JOS_MACHINE_TYPES_H
#define JOS_MACHINE_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>

#ifndef NULL
#define NULL (0)
#endif

typedef int bool_t;

/* A physical (for libdune: guest-physical) address. */
typedef unsigned __PTRDIFF_TYPE__ physaddr_t;

/* A physical page number. */
typedef uint64_t ppn_t;

#endif /* JOS_MACHINE_TYPES_H */
