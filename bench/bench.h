/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - what the parts of the benchmark share: the clock, the rows of
 * the result table, and the VM-exit counters.
 *
 * One program measures everything in one boot (native Linux, Dune mode,
 * and the interception mechanisms a sandbox could use instead), so that
 * every ratio compares numbers taken on the same kernel, the same CPU and
 * the same load.  Parts that must not disturb the others run in forked
 * children (Dune mode, ptrace, seccomp); they write their samples into
 * the row table, which lives in MAP_SHARED memory, and the parent does
 * the statistics and the printing at the end.
 *
 * The clock is the time-stamp counter.  "lfence; rdtsc" starts a
 * measurement (nothing earlier may still be running), "rdtscp; lfence"
 * ends it (everything before has finished, nothing after has started).
 * In the emulator (Bochs) a tick is about one instruction: the numbers are
 * path lengths, and a VM exit costs almost nothing there.  That is why
 * every Dune-mode row also counts VM exits per operation, by reason, from
 * dune.ko's own counters (DUNE_GET_EXIT_STATS).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/dune.h>

#define MAX_ROWS	64
#define MAX_SAMPLES	8192

enum group { G_NATIVE, G_DUNE, G_INTERCEPT };

struct row {
	char id[40];		/* short name, the key in the JSON file */
	char label[72];		/* what the table prints */
	char note[120];		/* a remark (which variant, what is missing) */
	int group;
	bool has_exits;		/* exits[] and runs were measured */
	int n;			/* samples */
	uint64_t ops;		/* operations the exit counts cover */
	uint64_t runs;		/* DUNE_RUN calls during those operations */
	uint64_t exits[DUNE_EXIT_STATS_NR];
	double sample[MAX_SAMPLES];	/* ticks per operation */
};

struct bench {
	int nrows;
	bool rdtscp;		/* end with RDTSCP (else LFENCE; RDTSC; LFENCE) */
	double overhead;	/* ticks of an empty start/stop pair */
	int sync_wakeup;	/* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: 1 yes, 0 no, -1 unknown */
	int dune_ok;		/* the Dune-mode part ran */
	/* sizes, from the command line */
	int iters;		/* iterations of the cheap operations */
	int pages;		/* pages for the first-touch rows */
	int huge;		/* 2 MiB pages for the huge first-touch rows */
	int appel_pages;	/* pages protected at once in appel2 */
	int spawns;		/* fork+exec+wait and dune_init iterations */
	char nop_path[256];	/* the static binary fork+exec runs */
	struct row rows[MAX_ROWS];
};

/* The table, in shared memory: children write, the parent reads. */
extern struct bench *B;

static inline uint64_t t_start(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t t_stop(void)
{
	uint32_t lo, hi, aux;

	if (B->rdtscp)
		__asm__ __volatile__("rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
	else
		__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* A raw system call, without libc's wrapper (and its errno). */
static inline long raw_syscall0(long nr)
{
	long ret;

	__asm__ __volatile__("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

/* A new row; returns it.  Fatal if the table is full. */
struct row *row_new(int group, const char *id, const char *label);
/* One sample: @ticks for @ops operations (the timer's overhead is removed). */
void row_add(struct row *r, uint64_t ticks, uint64_t ops);
/* One sample already per operation, overhead removed. */
void row_add_raw(struct row *r, double per_op);
void row_note(struct row *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * VM exits of the calling thread's vCPU around @ops operations: begin
 * takes a snapshot, end stores the difference in the row, less the
 * DUNE_GET_EXIT_STATS call of the end itself (one VMCALL, one DUNE_RUN).
 */
struct exit_snap {
	struct dune_exit_stats st;
};
void exits_begin(struct exit_snap *s);
void exits_end(struct row *r, const struct exit_snap *s, uint64_t ops);

/* The parts, in the order they run. */
void bench_native(void);
void bench_native_syscalls(void);	/* its system-call rows alone (native_getpid...) */
void bench_dune(void);		/* forks a child that enters Dune mode */
void bench_dune_startup(void);	/* dune_init + dune_enter in fresh children */
void bench_intercept(void);	/* ptrace and seccomp */
void bench_sandbox(const char *self);	/* dune-sandbox binaries (-S), per call and per run */
int sandbox_add(const char *spec);	/* -S NAME=PATH */
int sandbox_calls(int n);		/* -C N: the program side, inside a sandbox */

/* Pin the calling thread (and what it forks) to one CPU. */
void pin_cpu(int cpu);

#endif /* BENCH_H */
