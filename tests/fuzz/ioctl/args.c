// SPDX-License-Identifier: GPL-2.0
/*
 * args.c - argument generators: interesting values, chunk addresses, file descriptors (fuzzer.h).
 */

#include "fuzzer.h"

uint64_t region_addr(struct thread *t, unsigned int i)
{
	return t->region_base + (uint64_t)i * CHUNK;
}

/* An interesting 64-bit value: boundaries, addresses we own, or random. */
uint64_t any_value(struct thread *t, struct rng *r)
{
	static const uint64_t edges[] = {
		0, 1, 0x7fffffffffffULL, 0x800000000000ULL, 0xffff800000000000ULL,
		0xffffffffffffffffULL, 0x7ffffffff000ULL, 0x8000000000000000ULL, 0xfffULL,
		0x00ffffffffffffffULL, 0xff00000000000000ULL, 0x100000000ULL,
	};

	switch (rng_below(r, 4)) {
	case 0: return edges[rng_below(r, sizeof(edges) / sizeof(edges[0]))];
	case 1: return region_addr(t, rng_below(r, NREGIONS)) + rng_below(r, CHUNK);
	case 2: return rng_below(r, 4096);
	default: return rng_next(r);
	}
}

uint64_t chunk_hva(struct thread *t, struct rng *r)
{
	switch (rng_below(r, 8)) {
	case 0: return rng_next(r) & ~(CHUNK - 1) & 0x7fffffffffffULL;
	case 1: return 0x7fffffe00000ULL;		/* the last user chunk */
	case 2: return 0x800000000000ULL;		/* first non-user */
	case 3: return any_value(t, r);			/* often misaligned */
	default: return region_addr(t, rng_below(r, NREGIONS));
	}
}

uint64_t chunk_gpa(struct rng *r)
{
	uint64_t top = 1ULL << maxphyaddr;

	switch (rng_below(r, 8)) {
	case 0: return top - CHUNK;
	case 1: return top;
	case 2: return rng_next(r);
	case 3: return rng_below(r, 64) * CHUNK + (rng_one_in(r, 4) ? 4096 : 0);
	default: return (rng_below(r, top / CHUNK)) * CHUNK;
	}
}

int free_slot(const int *fds)
{
	int i;

	for (i = 0; i < NSLOTS; i++)
		if (fds[i] < 0)
			return i;
	return -1;
}

int any_fd(struct thread *t, struct rng *r)
{
	switch (rng_below(r, 4)) {
	case 0: return t->dev[rng_below(r, NSLOTS)];
	case 1: return t->vm[rng_below(r, NSLOTS)].g.vm;
	case 2: return t->vcpu[rng_below(r, NSLOTS)];
	default: return 3 + rng_below(r, 40);	/* someone else's, maybe */
	}
}
