// SPDX-License-Identifier: GPL-2.0
/*
 * dune_chunk_race - the EPT against the process's memory, under races.
 *
 * The oracle: the guest reads a chunk's page through the EPT, the host
 * reads the same page through its own page tables; they must agree, and
 * where the host has no page (munmap, PROT_NONE, a failed DUNE_MAP_CHUNKS)
 * the guest must take an EPT fault.  A guest that reads the old value
 * after the host let go of the page reads a page the host freed (with the
 * fuzz kernel's page_poison=1: 0xaa... once it is free).
 *
 *  1. coherence: MAP_CHUNKS on fresh addresses, a second vCPU (thread)
 *     reading the chunk in a loop, and the host changing it under both:
 *     MADV_DONTNEED, munmap, mprotect, mremap, fork + copy-on-write,
 *     MADV_COLLAPSE.  After each change every page sampled must agree.
 *  2. failed_map: DUNE_MAP_CHUNKS made to fail (fail-nth) while a vCPU
 *     keeps touching the GPA being mapped.  Whatever the failure, the GPA
 *     must not be reachable afterwards, before or after munmap.  This is
 *     issue 12's defect 1: vm.c published GPA->HVA before HVA->GPA and on
 *     failure erased only the first, so an EPT entry installed in between
 *     is invisible to the MMU notifier and outlives the host page.
 *
 * Every failure prints the seed and the step; rerun with --seed to replay.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"
#include "failnth.h"
#include "guestlib.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define POISON		0xaaaaaaaaaaaaaaaaULL	/* mm/page_poison.c: PAGE_POISON */
#define SAMPLES		6			/* pages checked per step */

static struct fz_opts opts = { .seed = 1, .ops = 300 };
static struct fz_stats *st;
static struct guest g;

/* The reader thread: its own vCPU, reading whatever "target" says. */
static volatile uint64_t target;	/* GVA to read, 0: idle */
static volatile uint64_t reader_cur;	/* the target of the reader's run, 0 between runs */
static volatile uint64_t reader_runs;
static volatile int reader_stop;
static pthread_t reader;

static void *reader_main(void *arg)
{
	struct guest r = g;	/* the same VM and page tables, another vCPU */

	r.stack_top = (uintptr_t)g.pool + CHUNK - 16384;
	struct rng rng = { .s = opts.seed ^ 0x5eed };

	(void)arg;
	if (guest_create_vcpu(&r))
		return (void *)(long)errno;
	while (!reader_stop) {
		uint64_t t = target;

		reader_cur = t;
		if (!t) {
			sched_yield();
			continue;
		}
		if (guest_run(&r, guest_read_loop, t + PAGE * rng_below(&rng, CHUNK / PAGE), 1, 0) == 0)
			__atomic_add_fetch(&st->dune_exits[r.run.exit_reason & 7], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&st->guest_runs, 1, __ATOMIC_RELAXED);
		reader_runs++;
	}
	close(r.vcpu);
	return NULL;
}

/*
 * Stop the reader and wait until no run of it uses the old target.  (Not
 * reader_wait(1): a reader that had already seen target 0 never counts
 * another run, and the wait never ended - failed_map hung there.)
 */
static void reader_idle(void)
{
	target = 0;
	while (reader_cur)
		sched_yield();
}

/* Let the reader run at least @n times on the current target. */
static void reader_wait(unsigned int n)
{
	uint64_t start = reader_runs;

	while (reader_runs - start < n)
		sched_yield();
}

/*
 * What the guest reads at @gva: 0 and *value on a VMCALL, 1 on an EPT
 * fault (with *flags), -1 on anything else.
 */
static int guest_peek(uint64_t gva, uint64_t *value, uint32_t *flags)
{
	int r = guest_run(&g, guest_read, gva, 0, 0);

	st->guest_runs++;
	fz_count(st, FZ_RUN, r, errno);
	if (r)
		return -1;
	st->dune_exits[g.run.exit_reason & 7]++;
	if (g.run.exit_reason == DUNE_EXIT_VMCALL) {
		*value = g.run.regs.rax;
		return 0;
	}
	if (g.run.exit_reason == DUNE_EXIT_EPT_FAULT) {
		*flags = g.run.u.ept.flags;
		return 1;
	}
	return -1;
}

static bool failed;

/*
 * A chunk at an address never used before: chunks stay registered for the
 * life of the VM, so an address must not come back.  @stride apart (a
 * multiple of 64 chunks gives every chunk its own xarray leaf node).
 */
static uint64_t next_fresh = 0x200000000000ULL;

static uint64_t fresh_chunk(uint64_t stride)
{
	void *p = mmap((void *)next_fresh, CHUNK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	next_fresh += stride;
	fz_count(st, FZ_MMAP, p == MAP_FAILED ? -1 : 0, errno);
	return p == MAP_FAILED ? 0 : (uintptr_t)p;
}

static void report(uint64_t step, const char *what, uint64_t gva, const char *detail)
{
	printf("# FAIL seed=%llu step=%llu: %s at %#llx: %s\n", (unsigned long long)opts.seed,
	       (unsigned long long)step, what, (unsigned long long)gva, detail);
	st->failures++;
	failed = true;
}

/*
 * Check @n random pages of the chunk at @hva: the guest must read what
 * the host reads, or fault where the host cannot read.
 */
static void check_chunk(struct rng *rng, uint64_t step, const char *op, uint64_t hva,
			bool host_readable)
{
	unsigned int i;

	for (i = 0; i < SAMPLES; i++) {
		uint64_t gva = hva + PAGE * rng_below(rng, CHUNK / PAGE), v = 0;
		uint32_t flags = 0;
		char detail[160];
		int r = guest_peek(gva, &v, &flags);

		if (r < 0) {
			snprintf(detail, sizeof(detail), "after %s: DUNE_RUN %s, exit %u", op,
				 strerror(errno), g.run.exit_reason);
			report(step, "guest read", gva, detail);
		} else if (host_readable && (r != 0 || v != *(volatile uint64_t *)gva)) {
			snprintf(detail, sizeof(detail),
				 "after %s: guest %s %#llx, host has %#llx", op,
				 r ? "faulted, flags" : "read", r ? (unsigned long long)flags :
				 (unsigned long long)v, (unsigned long long)*(volatile uint64_t *)gva);
			report(step, "guest and host disagree", gva, detail);
		} else if (!host_readable && r == 0) {
			snprintf(detail, sizeof(detail),
				 "after %s the host has no page, the guest read %#llx%s", op,
				 (unsigned long long)v, v == POISON ? " (page poison: a freed page)" : "");
			report(step, "guest reads a page the host let go", gva, detail);
		}
	}
}

/*
 * Give every FILL_STRIDE-th page of the chunk its own sentinel (the others
 * stay the zero page until written: both views must agree on those too).
 * Not every page: in Bochs, with page poisoning, each fresh page costs.
 */
#define FILL_STRIDE	8

static void fill(uint64_t hva, uint64_t gen)
{
	unsigned long i;

	for (i = 0; i < CHUNK / PAGE; i += FILL_STRIDE)
		*(volatile uint64_t *)(hva + i * PAGE) = gen << 32 | i;
}

enum change { CH_DONTNEED, CH_MUNMAP, CH_MPROTECT, CH_MREMAP, CH_FORK_COW, CH_COLLAPSE,
	      CH_REWRITE, CH_NR };
static const char *const change_names[CH_NR] = {
	"MADV_DONTNEED", "munmap", "mprotect(PROT_NONE)", "mremap", "fork+COW",
	"MADV_COLLAPSE", "rewrite",
};

static void test_coherence(void)
{
	struct rng rng = { .s = opts.seed };
	uint64_t step, checks_before = st->guest_runs;
	unsigned int counts[CH_NR] = { 0 };

	failed = false;
	for (step = 0; step < opts.ops; step++) {
		enum change ch = rng_below(&rng, CH_NR);
		uint64_t hva = fresh_chunk(CHUNK), gen = step + 1;
		bool readable = true;
		int status;
		pid_t pid;

		if (!hva) {
			report(step, "mmap", 0, strerror(errno));
			break;
		}
		if (rng_one_in(&rng, 2))
			madvise((void *)hva, CHUNK, MADV_HUGEPAGE);
		fill(hva, gen);
		{
			int r = guest_map_identity(&g, hva);

			fz_count(st, FZ_MAP_CHUNKS, r, errno);
		}
		target = hva;
		reader_wait(1 + rng_below(&rng, 3));
		check_chunk(&rng, step, "MAP_CHUNKS", hva, true);
		counts[ch]++;
		switch (ch) {
		case CH_DONTNEED:
			madvise((void *)hva, CHUNK, MADV_DONTNEED);
			break;
		case CH_MUNMAP:
			munmap((void *)hva, CHUNK);
			readable = false;
			break;
		case CH_MPROTECT:
			mprotect((void *)hva, CHUNK, PROT_NONE);
			readable = false;
			break;
		case CH_MREMAP: {
			void *to = (void *)fresh_chunk(CHUNK);

			if (to && mremap((void *)hva, CHUNK, CHUNK, MREMAP_MAYMOVE | MREMAP_FIXED,
					 to) != MAP_FAILED) {
				readable = false;	/* hva is a hole now */
				munmap(to, CHUNK);
			}
			break;
		}
		case CH_FORK_COW:
			pid = fork();
			if (pid == 0) {
				/* the child keeps the old pages alive, then writes its own */
				fill(hva, 0xc41d);
				_exit(0);
			}
			fill(hva, gen + 0x100000);	/* COW: the parent gets new pages */
			waitpid(pid, &status, 0);
			break;
		case CH_COLLAPSE:
			madvise((void *)hva, CHUNK, MADV_HUGEPAGE);
			madvise((void *)hva, CHUNK, MADV_COLLAPSE);
			fill(hva, gen + 0x200000);
			break;
		case CH_REWRITE:
			fill(hva, gen + 0x300000);
			break;
		case CH_NR:
			break;
		}
		reader_wait(1 + rng_below(&rng, 3));
		check_chunk(&rng, step, change_names[ch], hva, readable);
		target = 0;
		if (readable)
			munmap((void *)hva, CHUNK);
		if (failed && !opts.short_mode)
			break;
	}
	printf("# coherence: %llu steps, %llu guest runs; DONTNEED %u, munmap %u, mprotect %u, "
	       "mremap %u, fork+COW %u, collapse %u, rewrite %u\n",
	       (unsigned long long)step, (unsigned long long)(st->guest_runs - checks_before),
	       counts[CH_DONTNEED], counts[CH_MUNMAP], counts[CH_MPROTECT], counts[CH_MREMAP],
	       counts[CH_FORK_COW], counts[CH_COLLAPSE], counts[CH_REWRITE]);
	tap_result(!failed, "coherence: guest and host agree after every change (seed %llu)",
		   (unsigned long long)opts.seed);
}

/*
 * Defect 1.  For each attempt: a fresh chunk with a sentinel, its GVA
 * pointed at a fresh GPA in the guest page tables; the reader keeps
 * faulting on it (no chunk yet) while DUNE_MAP_CHUNKS runs with its Nth
 * allocation failing.  A failed map must leave nothing behind.
 */
/* struct xa_node on 64-bit (include/linux/xarray.h), and memdup_user's kmalloc-16 */
#define XA_NODE_BYTES	576
#define MEMDUP_BYTES	16
#define BUDGET_STEPS	8

static void test_failed_map(void)
{
	uint64_t attempts = 4 * opts.ops, a, injected = 0, mapped = 0;
	int maxphy = ioctl(g.dev, DUNE_CHECK_EXTENSION, DUNE_CAP_MAXPHYADDR);
	/* well away from guest_map_identity's GPAs, each in its own leaf node */
	uint64_t gpa_base = 1ULL << (maxphy - 2);

	failed = false;
	if (!failnth_setup()) {
		tap_skip("failed_map: no fail-nth in this kernel (CONFIG_FAULT_INJECTION, "
			 "CONFIG_FAILSLAB: tools/vm/fuzz-kernel)");
		return;
	}
	for (a = 0; a < attempts; a++) {
		uint64_t hva = fresh_chunk(64 * CHUNK);
		uint64_t gpa = gpa_base + a * 64 * CHUNK, v = 0;
		/*
		 * The budget that lets memdup_user and the GPA->HVA store
		 * through and fails the HVA->GPA store (one new leaf node
		 * each: the addresses are 64 chunks apart); every fourth
		 * attempt another step, in case the sizes differ.
		 */
		unsigned int step = a % 4 ? 1 : (a / 4) % BUDGET_STEPS;
		unsigned long budget = MEMDUP_BYTES + XA_NODE_BYTES * step + 8;
		bool use_nth = a % 8 == 7;
		uint32_t flags = 0;
		char detail[160];
		bool fired;
		int r, e, p;

		if (!hva) {
			report(a, "mmap", 0, strerror(errno));
			break;
		}
		*(volatile uint64_t *)hva = (a + 1) << 32;	/* the sentinel */
		guest_map_gva(&g, hva, gpa);
		target = hva;
		reader_wait(1);
		/*
		 * Mostly: every allocation past a budget fails, which is what
		 * makes an xa_store fail (see failnth.h); sometimes a single
		 * failure (fail-nth).
		 */
		if (use_nth)
			failnth_arm(1 + (a / 8) % 6);
		else
			failslab_budget_arm(budget);
		r = guest_map_chunk(&g, hva, gpa);
		e = errno;
		if (use_nth) {
			fired = failnth_fired();
		} else {
			failslab_budget_disarm();
			fired = r != 0;
		}
		st->fault_injections++;
		fz_count(st, FZ_MAP_CHUNKS, r, e);
		reader_idle();		/* the reader is done with it */
		if (r == 0) {
			mapped++;
			/* mapped after all: unmap the host side, the guest must fault */
		} else {
			if (fired)
				injected++, st->injected_failures++;
			p = guest_peek(hva, &v, &flags);
			if (p == 0) {
				snprintf(detail, sizeof(detail),
					 "DUNE_MAP_CHUNKS failed (%s, %s %llu) but the guest "
					 "reads %#llx through the GPA", strerror(e),
					 use_nth ? "fail-nth" : "failslab budget",
					 (unsigned long long)(use_nth ? 1 + (a / 8) % 6 : budget),
					 (unsigned long long)v);
				report(a, "failed map left a mapping", gpa, detail);
			} else if (p == 1 && !(flags & DUNE_EPT_NO_CHUNK)) {
				snprintf(detail, sizeof(detail), "EPT fault flags %#x without NO_CHUNK",
					 flags);
				report(a, "failed map left a chunk", gpa, detail);
			}
		}
		munmap((void *)hva, CHUNK);
		p = guest_peek(hva, &v, &flags);
		if (p == 0) {
			snprintf(detail, sizeof(detail),
				 "after munmap the guest reads %#llx%s (map %s)", (unsigned long long)v,
				 v == POISON ? " = page poison: a FREED host page" : "",
				 r ? strerror(e) : "succeeded");
			report(a, "use after free through the EPT", gpa, detail);
		}
		guest_map_gva(&g, hva, 0);	/* forget the PDE (points at the pool, harmless) */
		if (failed && !opts.short_mode) {
			a++;
			break;
		}
	}
	printf("# failed_map: %llu attempts, %llu failed with an injected failure, %llu mapped\n",
	       (unsigned long long)a, (unsigned long long)injected, (unsigned long long)mapped);
	tap_result(!failed, "failed_map: a failed DUNE_MAP_CHUNKS leaves no mapping (seed %llu)",
		   (unsigned long long)opts.seed);
}

int main(int argc, char **argv)
{
	double t0 = fz_now();
	FILE *f;
	void *ret;

	fz_parse_opts(argc, argv, &opts);
	st = fz_stats_create();
	tap_plan(2);
	printf("# seed %llu, %llu steps%s\n", (unsigned long long)opts.seed,
	       (unsigned long long)opts.ops, opts.short_mode ? " (short mode)" : "");
	if (guest_setup(&g) || guest_create_vcpu(&g)) {
		tap_result(false, "setup: %s", strerror(errno));
		return tap_exit();
	}
	if (pthread_create(&reader, NULL, reader_main, NULL)) {
		tap_result(false, "reader thread");
		return tap_exit();
	}
	test_coherence();
	test_failed_map();
	reader_stop = 1;
	pthread_join(reader, &ret);
	if (ret)
		printf("# reader: %s\n", strerror((int)(long)ret));
	guest_teardown(&g);
	if (opts.json && (f = fopen(opts.json, "w"))) {
		fz_stats_json(f, st, "dune_chunk_race", opts.seed, fz_now() - t0, NULL);
		fclose(f);
	}
	return tap_exit();
}
