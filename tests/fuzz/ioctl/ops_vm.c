// SPDX-License-Identifier: GPL-2.0
/*
 * ops_vm.c - the ops that make resources: open, DUNE_CREATE_VM, DUNE_MAP_CHUNKS, DUNE_CREATE_VCPU (fuzzer.h).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fuzzer.h"

void op_open(struct thread *t, struct op *o)
{
	int s = free_slot(t->dev), fd;

	if (s < 0)
		return;
	fd = open("/dev/dune", O_RDWR | O_CLOEXEC);
	fz_count(st, FZ_OPEN, fd, errno);
	t->dev[s] = fd;
	(void)o;
}

/* A VM; with a pool, GDT, IDT and our code mapped ("full") most of the time. */
void op_create_vm(struct thread *t, struct op *o, struct rng *r)
{
	struct vm_slot *v = &t->vm[o->slot % NSLOTS];
	int dev = t->dev[o->slot2 % NSLOTS];
	unsigned long arg = rng_one_in(r, 16) ? rng_next(r) : 0;
	unsigned int i;
	int fd;

	if (v->g.vm >= 0 || dev < 0)
		return;
	fd = ioctl(dev, DUNE_CREATE_VM, arg);
	fz_count(st, FZ_CREATE_VM, fd, errno);
	if (fd >= 0 && arg)
		fail(t, "DUNE_CREATE_VM accepted argument %#lx", arg);
	if (fd < 0)
		return;
	if (rng_one_in(r, 4)) {
		memset(&v->g, 0, sizeof(v->g));
		v->g.dev = v->g.vcpu = -1;
		v->g.vm = fd;
		return;
	}
	close(fd);
	/* guest_setup opens its own /dev/dune and VM: the same ioctls */
	if (guest_setup(&v->g)) {
		fz_count(st, FZ_CREATE_VM, -1, errno);
		guest_teardown(&v->g);
		v->g.vm = -1;
		return;
	}
	fz_count(st, FZ_OPEN, 0, 0);
	fz_count(st, FZ_CREATE_VM, 0, 0);
	COUNT(FZ_MAP_CHUNKS, guest_map_identity(&v->g, (uintptr_t)t->code));
	/*
	 * For the scenarios (scenario.c): the thread's regions at GVA == HVA,
	 * whatever the host does to them, and a guest page no chunk backs.
	 */
	for (i = 0; i < NREGIONS; i++) {
		COUNT(FZ_MAP_CHUNKS, guest_map_chunk(&v->g, region_addr(t, i),
						     REGION_GPA + i * CHUNK));
		guest_map_gva(&v->g, region_addr(t, i), REGION_GPA + i * CHUNK);
	}
	guest_map_gva(&v->g, scenario_hole_gva, scenario_hole_gpa);
}

static struct dune_chunk big_chunks[NSLOTS * 0 + DUNE_MAP_CHUNKS_MAX + 1];

void op_map_chunks(struct thread *t, struct op *o, struct rng *r)
{
	static __thread struct dune_chunk chunks[8];
	struct vm_slot *v = &t->vm[o->slot % NSLOTS];
	struct dune_map_chunks arg = { 0 };
	bool bad = false;
	unsigned int i, n;
	int ret;

	if (v->g.vm < 0)
		return;
	n = 1 + rng_below(r, 4);
	arg.chunks = (uintptr_t)chunks;
	switch (rng_below(r, 16)) {
	case 0: n = 0; break;
	case 1: n = DUNE_MAP_CHUNKS_MAX + 1; arg.chunks = (uintptr_t)big_chunks; break;
	case 2: n = (unsigned int)rng_next(r); break;
	case 3: arg.chunks = any_value(t, r); break;
	}
	arg.count = n;
	for (i = 0; i < n && i < 8; i++) {
		if (i && rng_one_in(r, 4)) {
			chunks[i] = chunks[rng_below(r, i)];	/* duplicate */
			if (rng_one_in(r, 2))
				chunks[i].gpa = chunk_gpa(r);	/* clash */
			continue;
		}
		chunks[i].hva = chunk_hva(t, r);
		chunks[i].gpa = chunk_gpa(r);
	}
	if (rng_one_in(r, 16)) {
		arg.flags = 1u << rng_below(r, 32);
		bad = true;
	}
	if (rng_one_in(r, 16)) {
		arg.reserved[rng_below(r, 2)] = 1ULL << rng_below(r, 64);
		bad = true;
	}
	ret = ioctl(v->g.vm, DUNE_MAP_CHUNKS, &arg);
	fz_count(st, FZ_MAP_CHUNKS, ret, errno);
	if (ret == 0 && bad)
		fail(t, "DUNE_MAP_CHUNKS accepted flags %#x reserved %#llx %#llx", arg.flags,
		     (unsigned long long)arg.reserved[0], (unsigned long long)arg.reserved[1]);
}

static void mutate_config(struct thread *t, struct rng *r, struct dune_vcpu_config *c)
{
	switch (rng_below(r, 16)) {
	case 0: c->flags = 1u << rng_below(r, 32); break;
	case 1: c->reserved0 = 1; break;
	case 2: c->reserved1[rng_below(r, 3)] = 1; break;
	case 3: c->reserved[rng_below(r, 8)] = 1ULL << rng_below(r, 64); break;
	case 4: c->cr3 = any_value(t, r); break;
	case 5: c->gdtr_base = any_value(t, r); break;
	case 6: c->idtr_base = any_value(t, r); break;
	case 7: c->tr_base = any_value(t, r); break;
	case 8: c->gdtr_limit = rng_next(r); c->idtr_limit = rng_next(r); break;
	case 9: c->cs = rng_next(r); break;
	case 10: c->ss = rng_next(r); break;
	case 11: c->tr = rng_next(r); break;
	case 12: c->star = any_value(t, r); c->lstar = any_value(t, r); break;
	case 13: c->sfmask = any_value(t, r); break;
	default: c->flags = DUNE_VCPU_F_CPUNODE; break;
	}
}

/* An unknown flag or a nonzero reserved field: must be refused. */
static bool config_reserved(const struct dune_vcpu_config *c)
{
	unsigned int i;
	bool bad = (c->flags & ~DUNE_VCPU_FLAGS) || c->reserved0;

	for (i = 0; i < 3; i++)
		bad |= c->reserved1[i] != 0;
	for (i = 0; i < 8; i++)
		bad |= c->reserved[i] != 0;
	return bad;
}

void op_create_vcpu(struct thread *t, struct op *o, struct rng *r)
{
	struct vm_slot *v = &t->vm[o->slot % NSLOTS];
	int s = free_slot(t->vcpu), fd;
	struct dune_vcpu_config c;
	bool bad = false, mutated = false;

	if (v->g.vm < 0 || s < 0)
		return;
	c = v->g.config;
	while (rng_one_in(r, 2)) {
		mutate_config(t, r, &c);
		mutated = true;
	}
	bad = config_reserved(&c);
	fd = ioctl(v->g.vm, DUNE_CREATE_VCPU, &c);
	fz_count(st, FZ_CREATE_VCPU, fd, errno);
	if (fd >= 0 && bad)
		fail(t, "DUNE_CREATE_VCPU accepted a reserved field or unknown flag (flags %#x)",
		     c.flags);
	if (fd < 0)
		return;
	t->vcpu[s] = fd;
	t->vcpu_vm[s] = o->slot % NSLOTS;
	t->vcpu_valid[s] = !mutated && v->g.pool;
}
