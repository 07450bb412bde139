// SPDX-License-Identifier: GPL-2.0
/*
 * dune_failnth - allocation failures on every ioctl path.
 *
 * syzkaller's fault injection, systematically: for each path (open,
 * DUNE_CREATE_VM, DUNE_MAP_CHUNKS, DUNE_CREATE_VCPU, the first DUNE_RUN,
 * a DUNE_RUN that faults a fresh page into the EPT, DUNE_GET_EXIT_STATS)
 * fail its 1st, 2nd, ... allocation (fail-nth) until the call gets
 * through with no failure left to inject.  After each failed call, the
 * same objects must still work: the guest still reads what the host
 * wrote, a failed map left no mapping.  At the end, the memory, slab and
 * files the kernel holds are back where they started (leaks.c), and the
 * guest kernel logged nothing (tools/vm/run checks).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "failnth.h"
#include "fuzz.h"
#include "guestlib.h"
#include "leaks.h"

#define MAX_NTH		64	/* no path here allocates more than this */

static struct fz_opts opts = { .seed = 1, .ops = 1 };
static struct fz_stats *st;
static uint64_t fresh = 0x280000000000ULL;

enum path { P_OPEN, P_CREATE_VM, P_MAP_CHUNKS, P_CREATE_VCPU, P_FIRST_RUN, P_FAULT_RUN,
	    P_EXIT_STATS, P_NR };
static const char *const path_names[P_NR] = {
	"open", "DUNE_CREATE_VM", "DUNE_MAP_CHUNKS", "DUNE_CREATE_VCPU", "first DUNE_RUN",
	"DUNE_RUN with an EPT fault", "DUNE_GET_EXIT_STATS",
};
static const enum fz_op path_op[P_NR] = {
	FZ_OPEN, FZ_CREATE_VM, FZ_MAP_CHUNKS, FZ_CREATE_VCPU, FZ_RUN, FZ_RUN, FZ_GET_EXIT_STATS,
};

/*
 * One attempt at @p with its @nth allocation failing.  Returns 1 if the
 * call got through without the failure being injected (done with this
 * path), 0 otherwise; *bad set and a line printed if an oracle failed.
 */
static int attempt(enum path p, unsigned int nth, bool *bad)
{
	struct guest g;
	struct dune_exit_stats es = { 0 };
	uint64_t *page = NULL, hva = 0;
	bool fired = false, need_vcpu = p >= P_FIRST_RUN;
	int r = -1, e = 0, fd;

	if (p >= P_CREATE_VM) {
		if (guest_setup(&g)) {
			printf("# setup: %s\n", strerror(errno));
			*bad = true;
			return 1;
		}
		if (need_vcpu && guest_create_vcpu(&g)) {
			printf("# vcpu: %s\n", strerror(errno));
			*bad = true;
			guest_teardown(&g);
			return 1;
		}
		if (p == P_FAULT_RUN || p == P_MAP_CHUNKS) {
			hva = (uintptr_t)mmap((void *)fresh, CHUNK, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			fresh += 64 * CHUNK;
			page = (uint64_t *)hva;
			*page = 0x5e1f0000 + nth;
		}
		/* the word at the top of the pool, above the stack: what the runs read */
		g.pool[CHUNK / 8 - 1] = 0x900d0000 + nth;
		if (p == P_FAULT_RUN && guest_map_identity(&g, hva))
			*bad = true;
		if (p == P_MAP_CHUNKS)
			guest_map_gva(&g, hva, g.next_gpa);
	}
	st->fault_injections++;
	failnth_arm(nth);
	switch (p) {
	case P_OPEN:
		r = fd = open("/dev/dune", O_RDWR | O_CLOEXEC);
		e = errno;
		fired = failnth_fired();
		if (fd >= 0)
			close(fd);
		break;
	case P_CREATE_VM:
		r = fd = ioctl(g.dev, DUNE_CREATE_VM, 0);
		e = errno;
		fired = failnth_fired();
		if (fd >= 0)
			close(fd);
		break;
	case P_MAP_CHUNKS:
		r = guest_map_chunk(&g, hva, g.next_gpa);
		e = errno;
		fired = failnth_fired();
		break;
	case P_CREATE_VCPU:
		r = fd = ioctl(g.vm, DUNE_CREATE_VCPU, &g.config);
		e = errno;
		fired = failnth_fired();
		if (fd >= 0)
			close(fd);
		break;
	case P_FIRST_RUN:
	case P_FAULT_RUN:
		r = guest_run(&g, guest_read, p == P_FAULT_RUN ? hva : (uintptr_t)&g.pool[CHUNK / 8 - 1],
			      0, 0);
		e = errno;
		fired = failnth_fired();
		break;
	case P_EXIT_STATS:
		r = ioctl(g.vcpu, DUNE_GET_EXIT_STATS, &es);
		e = errno;
		fired = failnth_fired();
		break;
	case P_NR:
		break;
	}
	fz_count(st, path_op[p], r, e);
	if (fired)
		st->injected_failures++;

	/* The oracles: what failed must leave things usable and consistent. */
	if (p == P_MAP_CHUNKS && r) {
		if (guest_create_vcpu(&g) == 0 && guest_run(&g, guest_read, hva, 0, 0) == 0 &&
		    g.run.exit_reason == DUNE_EXIT_VMCALL) {
			printf("# FAIL nth=%u: DUNE_MAP_CHUNKS failed (%s) but the guest reads %#llx\n",
			       nth, strerror(e), (unsigned long long)g.run.regs.rax);
			*bad = true;
		}
	}
	if (p == P_FAULT_RUN || p == P_FIRST_RUN) {
		/* a failed run may be retried; the answer must then be right */
		uint64_t *spot = p == P_FAULT_RUN ? page : &g.pool[CHUNK / 8 - 1];
		uint64_t want = *spot;

		if (guest_run(&g, guest_read, (uintptr_t)spot, 0, 0) ||
		    g.run.exit_reason != DUNE_EXIT_VMCALL || g.run.regs.rax != want) {
			printf("# FAIL nth=%u: after %s (%s), DUNE_RUN again: exit %u, rax %#llx, "
			       "want %#llx\n", nth, path_names[p], r ? strerror(e) : "ok",
			       g.run.exit_reason,
			       (unsigned long long)g.run.regs.rax, (unsigned long long)want);
			*bad = true;
		}
	}
	if (p >= P_CREATE_VM)
		guest_teardown(&g);
	if (hva)
		munmap((void *)hva, CHUNK);
	return !fired;
}

int main(int argc, char **argv)
{
	struct leak_snapshot before, after;
	double t0 = fz_now();
	char why[256], extra[256];
	unsigned int p, nth;
	FILE *f;
	bool any_bad = false, ok;

	fz_parse_opts(argc, argv, &opts);
	setvbuf(stdout, NULL, _IOLBF, 0);
	st = fz_stats_create();
	if (!failnth_setup()) {
		tap_plan(1);
		tap_skip("no fail-nth in this kernel (CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB: "
			 "the fuzz kernel of make fuzz has them)");
		return tap_exit();
	}
	tap_plan(P_NR + 1);
	leak_snapshot(&before);
	for (p = 0; p < P_NR; p++) {
		bool bad = false;
		uint64_t inj = st->injected_failures;

		for (nth = 1; nth <= MAX_NTH; nth++)
			if (attempt(p, nth, &bad))
				break;
		tap_result(!bad && nth <= MAX_NTH,
			   "%s: allocations 1..%u failed in turn (%llu injected), nothing broken",
			   path_names[p], nth - 1, (unsigned long long)(st->injected_failures - inj));
		any_bad |= bad;
	}
	leak_snapshot(&after);
	ok = leak_compare(&before, &after, why, sizeof(why));
	tap_result(ok, "leaks after injected failures: %s", why);
	leak_json(&before, &after, extra, sizeof(extra));
	if (opts.json && (f = fopen(opts.json, "w"))) {
		fz_stats_json(f, st, "dune_failnth", opts.seed, fz_now() - t0, extra);
		fclose(f);
	}
	(void)any_bad;
	return tap_exit();
}
