/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dune.h - the public API of libdune, with the names of the original Dune
 * (Belay et al., OSDI 2012), so that programs written for it compile here.
 *
 * A process that calls dune_init() and then dune_enter() keeps running the
 * same code, on the same stack, with the same memory and file descriptors,
 * but in VMX non-root ring 0: "Dune mode".  Its system calls still work as
 * usual (libdune re-issues each one on the host), and so do signals,
 * threads and fork.  What changes is that the process now owns the
 * hardware's privileged machinery: page tables, IDT, GDT, ring 3.
 *
 * The header is organised by topic, in the order of the original; only
 * the core (entering Dune mode, a few utilities) exists so far, and the
 * rest of the original API arrives in later sections of this file.
 * libdune's own additions, which the original did not have, live in
 * dune-ext.h.
 *
 * How it works is described at the top of each source file; the short
 * version is in README.md next to this file.
 */
#ifndef LIBDUNE_DUNE_H
#define LIBDUNE_DUNE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Utilities                                                           */
/* ------------------------------------------------------------------ */

/* The time-stamp counter: works the same in Dune mode and natively. */
static inline unsigned long dune_get_ticks(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long)lo | ((unsigned long)hi << 32);
}

/*
 * printf to standard error (fd 2) with one write(2) of at most 1023
 * bytes, without stdio and without malloc, so it is safe in any context:
 * Dune mode or not, in signal handlers, in a half-initialised process.
 * Understands %d %i %u %x %X %o %p %s %c %% with the flags "-0#", a width
 * and the length modifiers l, ll, z, h, hh (no floating point).  Returns
 * the number of bytes written, or a negative errno value.
 *
 * (The original returned int too; it wrote to standard output.)
 */
int dune_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Terminate the whole process at once (exit_group(1)), in any mode. */
void dune_die(void) __attribute__((noreturn));

/* ------------------------------------------------------------------ */
/* Entering Dune mode                                                  */
/* ------------------------------------------------------------------ */

/*
 * dune_init - prepare the process for Dune mode: open /dev/dune, create
 * the VM, build the guest page tables for every mapping the process has,
 * and the IDT.  Call it once, before dune_enter(); calling it again in the
 * same process does nothing.  A child created by a native fork() has no
 * VM of its own and may call it again.
 *
 * @map_full is accepted for compatibility and ignored: the original chose
 * between mapping everything up front and only what /proc/self/maps lists;
 * libdune maps what is there and adds the rest on first use.
 *
 * Returns 0, or a negative errno value (e.g. -ENOENT without /dev/dune).
 */
int dune_init(bool map_full);

/*
 * dune_enter - move the calling thread into Dune mode.  Returns 0, in
 * Dune mode, exactly where it was called, with the same stack; or a
 * negative errno value, still natively (-EINVAL before dune_init()).
 * Calling it in a thread that is already in Dune mode returns 0.
 *
 * Threads created in Dune mode (pthread_create, clone) are in Dune mode
 * from their first instruction.  A child of fork() or vfork() called in
 * Dune mode runs natively: it may call dune_init() and dune_enter() again.
 */
int dune_enter(void);

static inline int dune_init_and_enter(void)
{
	int ret = dune_init(true);

	if (ret)
		return ret;
	return dune_enter();
}

#ifdef __cplusplus
}
#endif

#endif /* LIBDUNE_DUNE_H */
