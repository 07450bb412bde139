/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flip.h - what hostile_copy's flip-at-entry mode shares with the tracer
 * that flips for it (tests/labs/flip_at_entry.c): where the program keeps
 * the iovec its calls use, and how the tracer recognises it.
 *
 * A race decides nothing by itself: the racing thread of the race mode
 * changes iov_base at moments chance picks, and a supervisor that hands
 * the host kernel the program's own iovec loses only if one of those
 * moments falls between its check and the kernel's read (race.h).  The
 * tracer takes chance out: a seccomp user notification stops the
 * sandbox's host thread at the entry of the forwarded system call - after
 * every check of the supervisor, before the host kernel reads an argument
 * - and it changes the program's iov_base there, as the luckiest racing
 * thread would (the program sets it again before its next call).  A supervisor that gave the kernel a copy does
 * not notice; one that gave it the program's iovec sends or receives
 * through supervisor memory, every time.
 */
#ifndef FLIP_H
#define FLIP_H

#include <stdint.h>
#include <sys/uio.h>

/* A page in the sandbox's low window (samples/sandbox/sandbox.h LOW_START..LOW_END). */
#define FLIP_PAGE	0x7e000000UL
#define FLIP_MAGIC	0x70696c4636626c4cULL	/* "Lbl6Flip" */

struct flip_page {
	uint64_t magic;		/* FLIP_MAGIC once the page is the program's */
	uint64_t pad;
	struct iovec iov;	/* the iovec of every raced call */
};

#endif
