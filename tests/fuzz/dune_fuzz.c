// SPDX-License-Identifier: GPL-2.0
/*
 * dune_fuzz - the /dev/dune ioctl fuzzer.
 *
 * Modelled on syzkaller's descriptions of /dev/kvm (sys/linux/dev_kvm.txt:
 * every ioctl with boundary and random arguments, resources - fds - passed
 * from call to call) and on KVM's selftests.  Several processes, each with
 * several threads; each thread draws operations from its own seeded
 * generator (seed, process, thread) over its own slots of file
 * descriptors and memory regions:
 *
 *   open, DUNE_CREATE_VM, DUNE_MAP_CHUNKS, DUNE_CREATE_VCPU, DUNE_RUN,
 *   DUNE_GET_EXIT_STATS, the info ioctls, unknown ioctls, close, dup,
 *   fork, exec; mmap, munmap, mprotect, mremap, madvise on the chunks;
 *
 * with guest code of random instructions biased to privileged ones
 * (guestcode.c).  The oracles, besides the guest kernel's own checks
 * (tools/vm/run fails a run with any oops, WARN, BUG, KFENCE or lockdep
 * report):
 *
 *   - after every DUNE_RUN, the host state the process can see is as
 *     before (hoststate.c: FS/GS bases, LDT, the MSRs per CPU);
 *   - a nonzero reserved field or unknown flag is refused with EINVAL;
 *   - a child after fork gets EIO from its parent's VM and vCPUs;
 *   - every DUNE_RUN ends (a timer interrupts endless guest loops: EINTR).
 *
 * A failure prints the seed, process, thread and op number, and writes
 * the thread's op log; `dune_fuzz --replay LOG` runs it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "guest.h"
#include "guestcode.h"
#include "hoststate.h"
#include "oplog.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define NSLOTS		4	/* fds of each kind per thread */
#define NREGIONS	8	/* 2 MiB regions per thread */
#define REGION_BASE	0x300000000000ULL
#define THREAD_SPAN	(64 * CHUNK)
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

/* How often each op is drawn (RUN most: it is where the guest acts). */
static const unsigned int op_weight[OP_NR] = {
	[OP_OPEN] = 2, [OP_CREATE_VM] = 3, [OP_MAP_CHUNKS] = 8, [OP_CREATE_VCPU] = 5,
	[OP_RUN] = 30, [OP_GET_EXIT_STATS] = 3, [OP_INFO] = 2, [OP_BAD_IOCTL] = 2,
	[OP_CLOSE] = 3, [OP_DUP] = 1, [OP_FORK] = 1, [OP_EXEC] = 1, [OP_MMAP] = 4,
	[OP_MUNMAP] = 2, [OP_MPROTECT] = 2, [OP_MREMAP] = 1, [OP_MADVISE] = 3, [OP_TOUCH] = 3,
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

/* Failures printed per thread; the rest are only counted. */
#define FAILURES_SHOWN	3

/* Count a call's outcome; errno read after the call (argument order is unspecified). */
#define COUNT(op, call) do { long r_ = (call); fz_count(st, (op), r_, errno); } while (0)

static struct fz_opts opts = { .seed = 1, .ops = 2000, .procs = 2, .threads = 2,
			       .log_dir = "/tmp" };
static struct fz_stats *st;
static int maxphyaddr = 36;
static double deadline;

static void fail(struct thread *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct thread *t, const char *fmt, ...)
{
	char path[256], header[512], msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&st->failures, 1, __ATOMIC_RELAXED);
	t->failed = true;
	if (t->nfailures++ >= FAILURES_SHOWN)
		return;
	/* the log up to this op replays it */
	snprintf(path, sizeof(path), "%s/dune_fuzz-seed%llu-p%u-t%u-op%llu.log", opts.log_dir,
		 (unsigned long long)opts.seed, t->proc, t->index, (unsigned long long)t->nops);
	snprintf(header, sizeof(header), "dune_fuzz seed %llu proc %u thread %u: op %llu: %s",
		 (unsigned long long)opts.seed, t->proc, t->index, (unsigned long long)t->nops, msg);
	oplog_write(&t->log, path, header);
	printf("# FAIL seed=%llu proc=%u thread=%u op=%llu: %s\n#   replay: dune_fuzz --replay %s\n",
	       (unsigned long long)opts.seed, t->proc, t->index, (unsigned long long)t->nops, msg,
	       path);
	fflush(stdout);
}

/* --- argument generators ---------------------------------------------------- */

static uint64_t region_addr(struct thread *t, unsigned int i)
{
	return t->region_base + (uint64_t)i * CHUNK;
}

/* An interesting 64-bit value: boundaries, addresses we own, or random. */
static uint64_t any_value(struct thread *t, struct rng *r)
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

static uint64_t chunk_hva(struct thread *t, struct rng *r)
{
	switch (rng_below(r, 8)) {
	case 0: return rng_next(r) & ~(CHUNK - 1) & 0x7fffffffffffULL;
	case 1: return 0x7fffffe00000ULL;		/* the last user chunk */
	case 2: return 0x800000000000ULL;		/* first non-user */
	case 3: return any_value(t, r);			/* often misaligned */
	default: return region_addr(t, rng_below(r, NREGIONS));
	}
}

static uint64_t chunk_gpa(struct rng *r)
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

/* --- the ops -------------------------------------------------------------------- */

static int free_slot(const int *fds)
{
	int i;

	for (i = 0; i < NSLOTS; i++)
		if (fds[i] < 0)
			return i;
	return -1;
}

static void op_open(struct thread *t, struct op *o)
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
static void op_create_vm(struct thread *t, struct op *o, struct rng *r)
{
	struct vm_slot *v = &t->vm[o->slot % NSLOTS];
	int dev = t->dev[o->slot2 % NSLOTS];
	unsigned long arg = rng_one_in(r, 16) ? rng_next(r) : 0;
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
}

static struct dune_chunk big_chunks[NSLOTS * 0 + DUNE_MAP_CHUNKS_MAX + 1];

static void op_map_chunks(struct thread *t, struct op *o, struct rng *r)
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

static void op_create_vcpu(struct thread *t, struct op *o, struct rng *r)
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

static void arm_timer(struct thread *t)
{
	struct itimerspec its = { .it_value = { 0, RUN_TIMEOUT_NS } };

	timer_settime(t->timer, 0, &its, NULL);
}

static void disarm_timer(struct thread *t)
{
	struct itimerspec its = { 0 };

	timer_settime(t->timer, 0, &its, NULL);
}

static void op_run(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int s = o->slot % NSLOTS;
	struct vm_slot *v = &t->vm[t->vcpu_vm[s]];
	struct dune_run run;
	unsigned long off;
	bool bad = false;
	char why[200];
	int ret, e;

	if (t->vcpu[s] < 0)
		return;
	memset(&run, 0, sizeof(run));
	off = rng_below(r, CODE_SPAN - 256);
	guestcode_generate(r, t->code + off, 256);
	run.regs.rip = rng_one_in(r, 16) ? any_value(t, r) : (uintptr_t)t->code + off;
	run.regs.rsp = v->g.pool && !rng_one_in(r, 16) ? (uintptr_t)v->g.pool + CHUNK - 8192 :
		       any_value(t, r);
	run.regs.rax = any_value(t, r);
	run.regs.rcx = any_value(t, r);
	run.regs.rdx = any_value(t, r);
	run.regs.rbx = any_value(t, r);
	run.regs.rdi = any_value(t, r);
	run.regs.rsi = any_value(t, r);
	run.regs.r8 = any_value(t, r);
	run.regs.r11 = any_value(t, r);
	/* RFLAGS: bit 1 set, then the flags a guest may have, sometimes anything */
	run.regs.rflags = 0x2 | (rng_next(r) & 0x254fd5);
	if (rng_one_in(r, 16)) {
		/* reserved bits (SDM Vol. 1, 3.4.3), bit 1 clear, or VM: EINVAL */
		run.regs.rflags = rng_next(r);
		bad = run.regs.rflags & ~RFLAGS_DEFINED;
		bad |= !(run.regs.rflags & RFLAGS_FIXED1);
		bad |= !!(run.regs.rflags & RFLAGS_VM);
	}
	if (rng_one_in(r, 8))
		run.fs_base = any_value(t, r);
	if (rng_one_in(r, 8))
		run.gs_base = any_value(t, r);
	if (rng_one_in(r, 8)) {
		run.flags = DUNE_RUN_F_INTERRUPT;
		run.interrupt_vector = rng_next(r);
	}
	if (rng_one_in(r, 32)) {
		run.flags = 1u << rng_below(r, 32);
		bad |= run.flags & ~DUNE_RUN_FLAGS;
	}
	if (rng_one_in(r, 32)) {
		run.reserved[rng_below(r, 7)] = 1;
		bad = true;
	}
	if (rng_one_in(r, 32)) {
		run.reserved0 = 1;
		bad = true;
	}
	arm_timer(t);
	ret = ioctl(t->vcpu[s], DUNE_RUN, &run);
	e = errno;
	disarm_timer(t);
	fz_count(st, FZ_RUN, ret, e);
	if (ret == 0) {
		__atomic_add_fetch(&st->guest_runs, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&st->dune_exits[run.exit_reason & 7], 1, __ATOMIC_RELAXED);
		if (run.exit_reason == DUNE_EXIT_ENTRY_FAILED)
			__atomic_add_fetch(&st->entry_failures, 1, __ATOMIC_RELAXED);
		if (bad)
			fail(t, "DUNE_RUN accepted rflags %#llx flags %#x reserved fields",
			     (unsigned long long)run.regs.rflags, run.flags);
	}
	__atomic_add_fetch(&st->host_state_checks, 1, __ATOMIC_RELAXED);
	if (!hoststate_check(t->nops % 4 == 0, why, sizeof(why)))
		fail(t, "host state changed by DUNE_RUN (exit %u, hw %u): %s", run.exit_reason,
		     run.u.fail.hw_exit_reason, why);
}

static void collect_exits(int fd)
{
	struct dune_exit_stats s = { 0 };
	unsigned int i;

	if (ioctl(fd, DUNE_GET_EXIT_STATS, &s))
		return;
	for (i = 0; i < FZ_HW_EXITS; i++)
		if (s.exits[i])
			__atomic_add_fetch(&st->hw_exits[i], s.exits[i], __ATOMIC_RELAXED);
}

static void op_get_exit_stats(struct thread *t, struct op *o, struct rng *r)
{
	int fd = t->vcpu[o->slot % NSLOTS];
	struct dune_exit_stats s = { 0 };
	bool bad = false;
	int ret;

	if (fd < 0)
		return;
	if (rng_one_in(r, 8)) {
		s.flags = 1u << rng_below(r, 32);
		bad = true;
	}
	if (rng_one_in(r, 8)) {
		s.reserved[rng_below(r, 4)] = 1;
		bad = true;
	}
	if (rng_one_in(r, 16)) {
		ret = ioctl(fd, DUNE_GET_EXIT_STATS, (void *)any_value(t, r));
		bad = false;	/* whatever is at that address decides */
	} else {
		ret = ioctl(fd, DUNE_GET_EXIT_STATS, &s);
	}
	fz_count(st, FZ_GET_EXIT_STATS, ret, errno);
	if (ret == 0 && bad)
		fail(t, "DUNE_GET_EXIT_STATS accepted flags %#x or a reserved field", s.flags);
}

static int any_fd(struct thread *t, struct rng *r)
{
	switch (rng_below(r, 4)) {
	case 0: return t->dev[rng_below(r, NSLOTS)];
	case 1: return t->vm[rng_below(r, NSLOTS)].g.vm;
	case 2: return t->vcpu[rng_below(r, NSLOTS)];
	default: return 3 + rng_below(r, 40);	/* someone else's, maybe */
	}
}

static void op_info(struct thread *t, struct op *o, struct rng *r)
{
	struct dune_vmx_info info = { 0 };
	int fd = any_fd(t, r), ret;
	bool bad = false;

	(void)o;
	if (rng_one_in(r, 2)) {
		ret = ioctl(fd, DUNE_CHECK_EXTENSION, rng_one_in(r, 2) ? rng_below(r, 20) : rng_next(r));
		fz_count(st, FZ_CHECK_EXTENSION, ret, errno);
		return;
	}
	if (rng_one_in(r, 4)) {
		info.reserved[rng_below(r, 8)] = 1;
		bad = true;
	}
	if (rng_one_in(r, 8)) {
		info.flags = 1u << rng_below(r, 32);
		bad = true;
	}
	ret = ioctl(fd, DUNE_GET_VMX_INFO, &info);
	fz_count(st, FZ_GET_VMX_INFO, ret, errno);
	if (ret == 0 && bad)
		fail(t, "DUNE_GET_VMX_INFO accepted nonzero flags or reserved fields");
}

static void op_bad_ioctl(struct thread *t, struct op *o, struct rng *r)
{
	unsigned long cmd;
	int ret;

	(void)o;
	switch (rng_below(r, 3)) {
	case 0: cmd = _IOC(rng_below(r, 4), DUNE_IOC_TYPE, rng_below(r, 256), rng_below(r, 1024)); break;
	case 1: cmd = _IO(DUNE_IOC_TYPE, rng_below(r, 64)); break;
	default: cmd = rng_next(r); break;
	}
	ret = ioctl(any_fd(t, r), cmd, any_value(t, r));
	fz_count(st, FZ_BAD_IOCTL, ret, errno);
}

static void close_vm_slot(struct thread *t, unsigned int i)
{
	struct vm_slot *v = &t->vm[i];

	if (v->g.pool) {
		guest_teardown(&v->g);
	} else if (v->g.vm >= 0) {
		close(v->g.vm);
	}
	v->g.vm = -1;
	v->g.pool = NULL;
}

static void op_close(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int s = o->slot % NSLOTS;

	switch (rng_below(r, 3)) {
	case 0:
		if (t->dev[s] < 0)
			return;
		COUNT(FZ_CLOSE, close(t->dev[s]));
		t->dev[s] = -1;
		break;
	case 1:
		if (t->vm[s].g.vm < 0)
			return;
		fz_count(st, FZ_CLOSE, 0, 0);
		close_vm_slot(t, s);	/* vCPUs keep the VM alive */
		break;
	default:
		if (t->vcpu[s] < 0)
			return;
		collect_exits(t->vcpu[s]);
		COUNT(FZ_CLOSE, close(t->vcpu[s]));
		t->vcpu[s] = -1;
		break;
	}
}

static void op_dup(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int s = o->slot % NSLOTS;
	int d = free_slot(t->vcpu), fd;

	(void)r;
	if (t->vcpu[s] < 0 || d < 0)
		return;
	fd = fcntl(t->vcpu[s], F_DUPFD_CLOEXEC, 3);
	fz_count(st, FZ_DUP, fd, errno);
	if (fd >= 0) {
		t->vcpu[d] = fd;
		t->vcpu_vm[d] = t->vcpu_vm[s];
		t->vcpu_valid[d] = t->vcpu_valid[s];
	}
}

/* A child holds its parent's VM and vCPU files, not its address space. */
static void op_fork(struct thread *t, struct op *o, struct rng *r)
{
	int vm = t->vm[o->slot % NSLOTS].g.vm, vcpu = t->vcpu[o->slot2 % NSLOTS], status;
	struct dune_run run = { .regs.rflags = 2 };
	pid_t pid;

	(void)r;
	pid = fork();
	fz_count(st, FZ_FORK, pid, errno);
	if (pid == 0) {
		struct dune_map_chunks m = { 0 };
		int bad = 0;

		if (vm >= 0 && (ioctl(vm, DUNE_MAP_CHUNKS, &m) != -1 || errno != EIO))
			bad |= 1;
		if (vcpu >= 0 && (ioctl(vcpu, DUNE_RUN, &run) != -1 || errno != EIO))
			bad |= 2;
		_exit(bad);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status))
		fail(t, "a forked child's ioctl on its parent's %s did not fail with EIO",
		     WEXITSTATUS(status) & 1 ? "VM" : "vCPU");
}

/* exec with a VM and a vCPU fd inherited (dup'd without close-on-exec). */
static void op_exec(struct thread *t, struct op *o, struct rng *r)
{
	int vm = t->vm[o->slot % NSLOTS].g.vm, vcpu = t->vcpu[o->slot2 % NSLOTS], status;
	pid_t pid;

	(void)r;
	pid = fork();
	if (pid == 0) {
		if (vm >= 0)
			dup2(vm, 100);
		if (vcpu >= 0)
			dup2(vcpu, 101);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	fz_count(st, FZ_EXEC, pid, errno);
	if (pid > 0)
		waitpid(pid, &status, 0);
}

static void op_mmap(struct thread *t, struct op *o, struct rng *r)
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

static void op_munmap(struct thread *t, struct op *o, struct rng *r)
{
	unsigned int i = o->slot % NREGIONS;
	uint64_t len = rng_one_in(r, 2) ? CHUNK : PAGE * (1 + rng_below(r, 511));

	COUNT(FZ_MUNMAP, munmap((void *)region_addr(t, i), len));
	if (len == CHUNK)
		t->region_mapped[i] = false;
}

static void op_mprotect(struct thread *t, struct op *o, struct rng *r)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_EXEC, PROT_WRITE };
	unsigned int i = o->slot % NREGIONS;
	uint64_t off = rng_one_in(r, 2) ? 0 : PAGE * rng_below(r, 512);

	COUNT(FZ_MPROTECT,
		 mprotect((void *)(region_addr(t, i) + off), CHUNK - off,
			  prots[rng_below(r, sizeof(prots) / sizeof(prots[0]))]));
}

static void op_mremap(struct thread *t, struct op *o, struct rng *r)
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

static void op_madvise(struct thread *t, struct op *o, struct rng *r)
{
	static const int advice[] = { MADV_DONTNEED, MADV_COLLAPSE, MADV_HUGEPAGE,
				      MADV_NOHUGEPAGE, MADV_DONTNEED, MADV_COLLAPSE };
	unsigned int i = o->slot % NREGIONS;

	COUNT(FZ_MADVISE, madvise((void *)region_addr(t, i), CHUNK,
					 advice[rng_below(r, sizeof(advice) / sizeof(advice[0]))]));
}

/* Write to a region from the host (after fork: copy-on-write). */
static void op_touch(struct thread *t, struct op *o, struct rng *r)
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

static void execute(struct thread *t, struct op *o)
{
	struct rng r = { .s = o->d };

	switch (o->kind) {
	case OP_OPEN: op_open(t, o); break;
	case OP_CREATE_VM: op_create_vm(t, o, &r); break;
	case OP_MAP_CHUNKS: op_map_chunks(t, o, &r); break;
	case OP_CREATE_VCPU: op_create_vcpu(t, o, &r); break;
	case OP_RUN: op_run(t, o, &r); break;
	case OP_GET_EXIT_STATS: op_get_exit_stats(t, o, &r); break;
	case OP_INFO: op_info(t, o, &r); break;
	case OP_BAD_IOCTL: op_bad_ioctl(t, o, &r); break;
	case OP_CLOSE: op_close(t, o, &r); break;
	case OP_DUP: op_dup(t, o, &r); break;
	case OP_FORK: op_fork(t, o, &r); break;
	case OP_EXEC: op_exec(t, o, &r); break;
	case OP_MMAP: op_mmap(t, o, &r); break;
	case OP_MUNMAP: op_munmap(t, o, &r); break;
	case OP_MPROTECT: op_mprotect(t, o, &r); break;
	case OP_MREMAP: op_mremap(t, o, &r); break;
	case OP_MADVISE: op_madvise(t, o, &r); break;
	case OP_TOUCH: op_touch(t, o, &r); break;
	}
}

static void generate(struct thread *t, struct op *o)
{
	unsigned int total = 0, k, pick;

	for (k = 0; k < OP_NR; k++)
		total += op_weight[k];
	pick = rng_below(&t->rng, total);
	for (k = 0; pick >= op_weight[k]; k++)
		pick -= op_weight[k];
	o->kind = k;
	o->slot = rng_below(&t->rng, NREGIONS);
	o->slot2 = rng_below(&t->rng, NREGIONS);
	o->a = o->b = o->c = 0;
	o->d = rng_next(&t->rng);
}

/* --- threads and processes -------------------------------------------------- */

static void on_timer(int sig)
{
	(void)sig;
}

static int thread_init(struct thread *t)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };
	unsigned int i;

	for (i = 0; i < NSLOTS; i++) {
		t->dev[i] = t->vcpu[i] = -1;
		t->vm[i].g.vm = t->vm[i].g.dev = t->vm[i].g.vcpu = -1;
	}
	t->rng.s = opts.seed * 0x100000001b3ULL ^ ((uint64_t)t->proc << 32 | t->index);
	t->region_base = REGION_BASE + (uint64_t)(t->proc * 64 + t->index) * THREAD_SPAN;
	t->code = mmap_chunk(NULL, PROT_READ | PROT_WRITE | PROT_EXEC);
	if (!t->code)
		return -1;
	memset(t->code, 0xf4, CODE_SPAN);
	sev._sigev_un._tid = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &t->timer))
		return -1;
	hoststate_thread_init();
	return 0;
}

static void thread_fini(struct thread *t)
{
	unsigned int i;

	for (i = 0; i < NSLOTS; i++) {
		if (t->vcpu[i] >= 0) {
			collect_exits(t->vcpu[i]);
			close(t->vcpu[i]);
		}
		close_vm_slot(t, i);
		if (t->dev[i] >= 0)
			close(t->dev[i]);
	}
	timer_delete(t->timer);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	uint64_t i, n = opts.ops;
	struct op o;

	if (thread_init(t)) {
		printf("# thread init: %s\n", strerror(errno));
		t->failed = true;
		return NULL;
	}
	for (i = 0; i < n && !(t->failed && opts.stop); i++) {
		if (opts.seconds && (i & 15) == 0 && fz_now() > deadline)
			break;
		if (i && i % 1000 == 0)
			printf("# proc %u thread %u: %llu ops, %llu guest runs in all\n", t->proc,
			       t->index, (unsigned long long)i,
			       (unsigned long long)__atomic_load_n(&st->guest_runs, __ATOMIC_RELAXED));
		generate(t, &o);
		oplog_add(&t->log, &o);
		t->nops = i;
		execute(t, &o);
	}
	thread_fini(t);
	return NULL;
}

static int run_process(unsigned int proc)
{
	pthread_t tids[64];
	struct thread *ts = calloc(opts.threads, sizeof(*ts));
	unsigned int i;
	int failed = 0;

	for (i = 0; i < opts.threads && i < 64; i++) {
		ts[i].proc = proc;
		ts[i].index = i;
		pthread_create(&tids[i], NULL, thread_main, &ts[i]);
	}
	for (i = 0; i < opts.threads && i < 64; i++) {
		pthread_join(tids[i], NULL);
		failed |= ts[i].failed;
	}
	return failed;
}

static int replay(void)
{
	struct thread t = { 0 };
	struct oplog l = { 0 };
	size_t i;

	if (oplog_read(&l, opts.replay)) {
		perror(opts.replay);
		return 2;
	}
	printf("# replaying %zu ops from %s\n", l.n, opts.replay);
	if (thread_init(&t))
		return 2;
	for (i = 0; i < l.n && !(t.failed && opts.stop); i++) {
		oplog_add(&t.log, &l.ops[i]);
		t.nops = i;
		execute(&t, &l.ops[i]);
	}
	thread_fini(&t);
	printf("# replay: %zu ops, %s\n", i, t.failed ? "FAILED" : "no failure");
	return t.failed;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_timer };
	double t0 = fz_now();
	unsigned int p;
	int fd, status, failed = 0;
	pid_t pid;
	bool msrs;
	char extra[128];
	FILE *f;

	fz_parse_opts(argc, argv, &opts);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: DUNE_RUN returns EINTR */
	st = fz_stats_create();
	fd = open("/dev/dune", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		maxphyaddr = ioctl(fd, DUNE_CHECK_EXTENSION, DUNE_CAP_MAXPHYADDR);
		close(fd);
	}
	if (maxphyaddr <= 21)
		maxphyaddr = 36;
	msrs = hoststate_init();
	deadline = t0 + opts.seconds;
	tap_plan(opts.replay ? 1 : 2);
	printf("# seed %llu, %u processes x %u threads x %llu ops%s; MSR checks %s; LDT checks %s\n",
	       (unsigned long long)opts.seed, opts.procs, opts.threads,
	       (unsigned long long)opts.ops, opts.short_mode ? " (short mode)" : "",
	       msrs ? "on" : "off (no /dev/cpu/N/msr)",
	       hoststate_have_ldt() ? "on (the LDT works before any run)" :
	       "off (no working LDT here: CONFIG_MODIFY_LDT_SYSCALL)");
	if (opts.replay) {
		failed = replay();
		tap_result(!failed, "replay of %s", opts.replay);
		return tap_exit();
	}
	for (p = 0; p < opts.procs; p++) {
		if (fork() == 0)
			_exit(run_process(p));
	}
	while ((pid = wait(&status)) > 0) {
		if (WIFSIGNALED(status)) {
			printf("# FAIL seed=%llu: worker process %d killed by signal %d\n",
			       (unsigned long long)opts.seed, pid, WTERMSIG(status));
			st->failures++;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	snprintf(extra, sizeof(extra), "\"procs\": %u, \"threads\": %u, \"msr_checks\": %s, "
		 "\"ldt_checks\": %s", opts.procs, opts.threads, msrs ? "true" : "false",
		 hoststate_have_ldt() ? "true" : "false");
	fz_stats_json(stdout, st, "dune_fuzz", opts.seed, fz_now() - t0, extra);
	if (opts.json && (f = fopen(opts.json, "w"))) {
		fz_stats_json(f, st, "dune_fuzz", opts.seed, fz_now() - t0, extra);
		fclose(f);
	}
	tap_result(!failed && !st->failures, "ioctl fuzzer: no oracle failure (seed %llu, %llu runs)",
		   (unsigned long long)opts.seed, (unsigned long long)st->guest_runs);
	if (msrs)
		tap_result(true, "host MSRs checked through /dev/cpu/N/msr");
	else
		tap_skip("host MSRs: no /dev/cpu/N/msr (CONFIG_X86_MSR)");
	return tap_exit();
}
