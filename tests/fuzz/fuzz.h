/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what the fuzz programs share: a seeded generator, TAP lines,
 * counters kept in shared memory (several processes add to them) and the
 * JSON figures written from them.
 */
#ifndef DUNE_FUZZ_H
#define DUNE_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* splitmix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough. */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 0 .. n-1 */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* true with probability 1/n */
static inline bool rng_one_in(struct rng *r, uint64_t n)
{
	return rng_below(r, n) == 0;
}

/* The figures, by ioctl (or host operation) and errno. */
enum fz_op {
	FZ_OPEN, FZ_CREATE_VM, FZ_MAP_CHUNKS, FZ_CREATE_VCPU, FZ_RUN, FZ_GET_EXIT_STATS,
	FZ_CHECK_EXTENSION, FZ_GET_VMX_INFO, FZ_BAD_IOCTL, FZ_CLOSE, FZ_DUP, FZ_FORK, FZ_EXEC,
	FZ_MMAP, FZ_MUNMAP, FZ_MPROTECT, FZ_MREMAP, FZ_MADVISE, FZ_NR_OPS
};
#define FZ_IOCTL_FIRST	FZ_CREATE_VM
#define FZ_IOCTL_LAST	FZ_BAD_IOCTL
#define FZ_ERRNO_MAX	134	/* errno values above count as this */

#define FZ_HW_EXITS	80	/* DUNE_EXIT_STATS_NR */

struct fz_stats {
	uint64_t ops[FZ_NR_OPS];
	uint64_t errnos[FZ_NR_OPS][FZ_ERRNO_MAX + 1];	/* [op][0] = successes */
	uint64_t dune_exits[8];			/* enum dune_exit */
	uint64_t hw_exits[FZ_HW_EXITS];		/* from GET_EXIT_STATS deltas */
	uint64_t entry_failures;
	uint64_t guest_runs;			/* DUNE_RUN returning 0 */
	uint64_t host_state_checks;
	uint64_t failures;			/* oracle failures */
	uint64_t fault_injections;		/* fail-nth armed */
	uint64_t injected_failures;		/* ... and the call failed */
};

extern const char *const fz_op_names[FZ_NR_OPS];

/* Counters in MAP_SHARED memory, so that forked workers add to them. */
struct fz_stats *fz_stats_create(void);
/* Count one operation's outcome (ret < 0: errno is the error). */
void fz_count(struct fz_stats *st, enum fz_op op, long ret, int err);

/*
 * Print the figures as one JSON object to @f: "program", "seed",
 * "seconds", per-op counts, ops/s and errno histograms, exits, and the
 * extra members in @extra (a JSON fragment "\"k\": v, ..." or NULL).
 */
void fz_stats_json(FILE *f, const struct fz_stats *st, const char *program, uint64_t seed,
		   double seconds, const char *extra);

/* Seconds since some fixed point (CLOCK_MONOTONIC). */
double fz_now(void);

/* TAP, as the kselftest harness prints it; tests/run counts these lines. */
void tap_plan(int n);
void tap_result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_exit(void);		/* 0 if nothing failed */

/* Option parsing shared by the programs: --seed N --ops N --json FILE ... */
struct fz_opts {
	uint64_t seed;
	uint64_t ops;		/* main loop iterations (per worker where it applies) */
	unsigned int procs, threads;
	double seconds;		/* time budget; 0 = none */
	const char *json;	/* where the figures go (NULL: stdout only summary) */
	const char *replay;	/* op log to replay instead of generating */
	const char *log_dir;	/* where op logs go on failure */
	bool short_mode;
	bool stop;		/* --stop: a thread ends at its first failure */
};
void fz_parse_opts(int argc, char **argv, struct fz_opts *o);

#endif
