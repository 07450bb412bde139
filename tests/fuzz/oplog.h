/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oplog.h - the fuzzer's operations as data: generated from the seed,
 * executed, and kept in a per-thread log that is written out when
 * something fails.  `dune_fuzz --replay LOG` runs a log again, in one
 * thread, op by op: the same ops on the same slots with the same
 * arguments, so a failure can be reproduced and cut down by hand.
 */
#ifndef DUNE_FUZZ_OPLOG_H
#define DUNE_FUZZ_OPLOG_H

#include <stdint.h>
#include <stdio.h>

struct op {
	unsigned int kind;	/* enum op_kind (dune_fuzz.c) */
	unsigned int slot, slot2;
	uint64_t a, b, c, d;	/* arguments and the seed of the op's own randomness */
};

struct oplog {
	struct op *ops;
	size_t n, cap;
};

void oplog_add(struct oplog *l, const struct op *op);
/* One line per op: "kind slot slot2 a b c d" (numbers, a-d in hex). */
int oplog_write(const struct oplog *l, const char *path, const char *header);
/* Read a log written by oplog_write; 0 or -1. */
int oplog_read(struct oplog *l, const char *path);

#endif
