// SPDX-License-Identifier: GPL-2.0
/*
 * ops_mem.c - what the host does to the chunks under the guest: mmap, munmap, mprotect, mremap, madvise, writes (copy-on-write after fork) (fuzzer.h).
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzzer.h"

void op_mmap(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int i = o->slot % NREGIONS;
	int prot = rng_one_in(r, 4) ? PROT_READ : PROT_READ | PROT_WRITE;
	void *p;

	p = mmap((void *)region_addr(t, i), CHUNK, prot,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	fz_count(st, FZ_MMAP, p == MAP_FAILED ? -1 : 0, errno);
	if (p != MAP_FAILED) {
		t->region_mapped[i] = true;
		if (rng_one_in(r, 2))
			madvise(p, CHUNK, MADV_HUGEPAGE);
	}
}

void op_munmap(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int i = o->slot % NREGIONS;
	uint64_t len = rng_one_in(r, 2) ? CHUNK : PAGE * (1 + rng_below(r, 511));

	COUNT(FZ_MUNMAP, munmap((void *)region_addr(t, i), len));
	if (len == CHUNK)
		t->region_mapped[i] = false;
}

void op_mprotect(struct thread *t, struct op *o, struct rng *r)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_EXEC, PROT_WRITE };
	unsigned int i = o->slot % NREGIONS;
	uint64_t off = rng_one_in(r, 2) ? 0 : PAGE * rng_below(r, 512);

	COUNT(FZ_MPROTECT,
		 mprotect((void *)(region_addr(t, i) + off), CHUNK - off,
			  prots[rng_below(r, sizeof(prots) / sizeof(prots[0]))]));
}

void op_mremap(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int from = o->slot % NREGIONS, to = o->slot2 % NREGIONS;
	void *p;

	(void)r;
	if (from == to)
		return;
	p = mremap((void *)region_addr(t, from), CHUNK, CHUNK, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)region_addr(t, to));
	fz_count(st, FZ_MREMAP, p == MAP_FAILED ? -1 : 0, errno);
	if (p != MAP_FAILED) {
		t->region_mapped[to] = true;
		t->region_mapped[from] = false;
	}
}

void op_madvise(struct thread *t, struct op *o, struct rng *r)
{
	static const int advice[] = { MADV_DONTNEED, MADV_COLLAPSE, MADV_HUGEPAGE,
				      MADV_NOHUGEPAGE, MADV_DONTNEED, MADV_COLLAPSE };
	unsigned int i = o->slot % NREGIONS;

	COUNT(FZ_MADVISE, madvise((void *)region_addr(t, i), CHUNK,
					 advice[rng_below(r, sizeof(advice) / sizeof(advice[0]))]));
}

/* Write to a region from the host (after fork: copy-on-write). */
void op_touch(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int i = o->slot % NREGIONS;
	uint64_t off = PAGE * rng_below(r, 512);
	pid_t pid;
	int status;

	if (!t->region_mapped[i])
		return;
	if (rng_one_in(r, 4)) {
		/* keep the pages shared with a child for a moment: COW on our write */
		pid = fork();
		fz_count(st, FZ_FORK, pid, errno);
		if (pid == 0) {
			usleep(1000);
			_exit(0);
		}
		if (pid > 0) {
			if (!mprotect((void *)region_addr(t, i), CHUNK, PROT_READ | PROT_WRITE))
				*(volatile uint64_t *)(region_addr(t, i) + off) = rng_next(r);
			waitpid(pid, &status, 0);
		}
		return;
	}
	if (!mprotect((void *)region_addr(t, i), CHUNK, PROT_READ | PROT_WRITE))
		*(volatile uint64_t *)(region_addr(t, i) + off) = rng_next(r);
}
