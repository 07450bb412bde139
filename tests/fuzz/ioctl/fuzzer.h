/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzzer.h - the parts of dune_fuzz, the /dev/dune ioctl fuzzer
 * (tests/fuzz/dune_fuzz.c has the overview): one thread's state, and the
 * ops, one file per kind of resource they work on:
 *
 *   args.c       argument generators: values, addresses, chunks, fds
 *   ops_vm.c     open, DUNE_CREATE_VM, DUNE_MAP_CHUNKS, DUNE_CREATE_VCPU
 *   ops_run.c    DUNE_RUN (random code, or a scenario), DUNE_GET_EXIT_STATS
 *   scenario.c   guest programs aimed at one VM-exit path each
 *   ops_fd.c     the info and unknown ioctls, close, dup, fork, exec
 *   ops_mem.c    mmap, munmap, mprotect, mremap, madvise, host writes
 */
#ifndef DUNE_FUZZ_FUZZER_H
#define DUNE_FUZZ_FUZZER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fuzz.h"
#include "guestlib.h"
#include "oplog.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define NSLOTS		4	/* fds of each kind per thread */
#define NREGIONS	8	/* 2 MiB regions per thread */
#define REGION_BASE	0x300000000000ULL
#define THREAD_SPAN	(64 * CHUNK)
#define REGION_GPA	(256 * CHUNK)	/* the regions' GPAs in a full guest */
#define CODE_SPAN	(64 * 1024)	/* guest code goes somewhere in here */
#define RFLAGS_DEFINED	0x3f7fd7ULL	/* bits 0-2, 4, 6-14, 16-21 */
#define RFLAGS_FIXED1	0x2ULL
#define RFLAGS_VM	0x20000ULL
#define RUN_TIMEOUT_NS	20000000	/* 20 ms: then the guest is interrupted */

enum op_kind {
	OP_OPEN, OP_CREATE_VM, OP_MAP_CHUNKS, OP_CREATE_VCPU, OP_RUN, OP_GET_EXIT_STATS,
	OP_INFO, OP_BAD_IOCTL, OP_CLOSE, OP_DUP, OP_FORK, OP_EXEC, OP_MMAP, OP_MUNMAP,
	OP_MPROTECT, OP_MREMAP, OP_MADVISE, OP_TOUCH, OP_NR
};

struct vm_slot {
	struct guest g;		/* g.vm >= 0: in use; g.pool: a full guest */
};

struct thread {
	unsigned int proc, index;
	struct rng rng;
	int dev[NSLOTS];
	struct vm_slot vm[NSLOTS];
	int vcpu[NSLOTS], vcpu_vm[NSLOTS];
	bool vcpu_valid[NSLOTS];	/* created from an unmutated config */
	uint64_t region_base;
	bool region_mapped[NREGIONS];
	unsigned char *code;
	timer_t timer;
	struct oplog log;
	uint64_t nops;
	unsigned int nfailures;
	bool failed;
};

/* Count a call's outcome; errno read after the call (argument order is unspecified). */
#define COUNT(op, call) do { long r_ = (call); fz_count(st, (op), r_, errno); } while (0)

/* dune_fuzz.c */
extern struct fz_opts opts;
extern struct fz_stats *st;
extern int maxphyaddr;
void fail(struct thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* args.c */
uint64_t region_addr(struct thread *t, unsigned int i);
uint64_t any_value(struct thread *t, struct rng *r);
uint64_t chunk_hva(struct thread *t, struct rng *r);
uint64_t chunk_gpa(struct rng *r);
int free_slot(const int *fds);
int any_fd(struct thread *t, struct rng *r);

/* ops_vm.c */
void op_open(struct thread *t, struct op *o);
void op_create_vm(struct thread *t, struct op *o, struct rng *r);
void op_map_chunks(struct thread *t, struct op *o, struct rng *r);
void op_create_vcpu(struct thread *t, struct op *o, struct rng *r);

/* ops_run.c */
void op_run(struct thread *t, struct op *o, struct rng *r);
void collect_exits(int fd);
void op_get_exit_stats(struct thread *t, struct op *o, struct rng *r);

/* scenario.c */
extern const uint64_t scenario_hole_gva, scenario_hole_gpa;
const char *scenario_prepare(struct thread *t, struct vm_slot *v, struct rng *r,
			     unsigned char *buf, size_t size, struct dune_run *run);

/* ops_fd.c */
void op_info(struct thread *t, struct op *o, struct rng *r);
void op_bad_ioctl(struct thread *t, struct op *o, struct rng *r);
void close_vm_slot(struct thread *t, unsigned int i);
void op_close(struct thread *t, struct op *o, struct rng *r);
void op_dup(struct thread *t, struct op *o, struct rng *r);
void op_fork(struct thread *t, struct op *o, struct rng *r);
void op_exec(struct thread *t, struct op *o, struct rng *r);

/* ops_mem.c */
void op_mmap(struct thread *t, struct op *o, struct rng *r);
void op_munmap(struct thread *t, struct op *o, struct rng *r);
void op_mprotect(struct thread *t, struct op *o, struct rng *r);
void op_mremap(struct thread *t, struct op *o, struct rng *r);
void op_madvise(struct thread *t, struct op *o, struct rng *r);
void op_touch(struct thread *t, struct op *o, struct rng *r);

#endif
