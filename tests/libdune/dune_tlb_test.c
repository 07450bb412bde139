// SPDX-License-Identifier: GPL-2.0
/*
 * dune_tlb_test - TLB shootdown across the threads of a process in Dune
 * mode (libdune/tlb.c).
 *
 * The threads of a process share one set of guest page tables, but each
 * vCPU has a TLB of its own.  When thread A unmaps a page or makes it
 * read-only with dune_vm_*, thread B - in the guest, on the other CPU,
 * with the translation in its TLB - must fault on its next access after
 * A's call returned, as a thread of a native process would after munmap
 * or mprotect.  Without a shootdown B goes on reading and writing the page
 * through its stale TLB entry (VM exits and entries do not flush a vCPU
 * with a VPID).
 *
 * B's accesses are one instruction each (tlb_read/tlb_write below); the
 * page-fault handler (dune_register_pgflt_handler) recognises them, skips
 * the instruction and makes it return FAULTED.  Runs in the emulated VMX
 * machine (2 CPUs) with dune.ko loaded; each test forks a child that
 * enters Dune mode (dune_child.h).
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "dune_child.h"

#define FRESH_VA	((char *)0x610000000000UL)
#define FAULTED		(-1L)
/* B's accesses after A's call returned, before we call its TLB stale */
#define STALE_LIMIT	200000L

DUNE_DEVICE_FIXTURE(tlb);

/* long tlb_read(const char *p): the byte at p, or FAULTED. */
long tlb_read(const volatile char *p);
/* long tlb_write(char *p, char v): 0, or FAULTED. */
long tlb_write(volatile char *p, long v);
extern char tlb_read_insn[], tlb_read_next[], tlb_write_insn[], tlb_write_next[];

__asm__(".text\n"
	".globl tlb_read\n"
	"tlb_read:\n"
	"	xorl	%eax, %eax\n"
	"tlb_read_insn:\n"
	"	movzbl	(%rdi), %eax\n"
	"tlb_read_next:\n"
	"	ret\n"
	".globl tlb_write\n"
	"tlb_write:\n"
	"	xorl	%eax, %eax\n"
	"tlb_write_insn:\n"
	"	movb	%sil, (%rdi)\n"
	"tlb_write_next:\n"
	"	ret\n");

static volatile long faults_seen, last_fec;

static void on_fault(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	(void)addr;
	if (tf->rip == (uint64_t)tlb_read_insn) {
		tf->rip = (uint64_t)tlb_read_next;
	} else if (tf->rip == (uint64_t)tlb_write_insn) {
		tf->rip = (uint64_t)tlb_write_next;
	} else {
		dune_printf("child: unexpected page fault at %lx, rip %lx\n",
			    (unsigned long)addr, (unsigned long)tf->rip);
		dune_die();
	}
	tf->rax = (uint64_t)FAULTED;
	__atomic_store_n(&last_fec, (long)fec, __ATOMIC_RELAXED);
	__atomic_add_fetch(&faults_seen, 1, __ATOMIC_RELAXED);
}

/* ---- one page, one reader or writer ------------------------------------- */

struct pair {
	volatile char *page;
	bool write;			/* B writes (mprotect test) or reads (unmap test) */
	int ready;			/* B has the translation in its TLB */
	int changed;			/* A's dune_vm_* call has returned */
	long before;			/* B's accesses before it saw "changed" */
	long after;			/* ... successful ones after it */
	long result;			/* the access that ended B's loop */
};

static void *pair_b(void *arg)
{
	struct pair *p = arg;
	sigset_t all;
	long r;

	/* Whatever the program blocks, the shootdown's signal gets through. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		int changed = __atomic_load_n(&p->changed, __ATOMIC_ACQUIRE);

		r = p->write ? tlb_write(p->page, 'b') : tlb_read(p->page);
		if (!changed) {
			if (r == FAULTED)
				break;		/* too early: reported below */
			if (++p->before == 1000)
				__atomic_store_n(&p->ready, 1, __ATOMIC_RELEASE);
			continue;
		}
		if (r == FAULTED || ++p->after >= STALE_LIMIT)
			break;
	}
	p->result = r;
	return NULL;
}

static int one_page_as(bool write, bool unmap)
{
	struct pair p = { .page = FRESH_VA, .write = write };
	pthread_t b;

	dune_register_pgflt_handler(on_fault);
	CHECK(dune_vm_map_pages(pgroot, FRESH_VA, PGSIZE, PERM_R | PERM_W) == 0);
	FRESH_VA[0] = 'a';
	CHECK(pthread_create(&b, NULL, pair_b, &p) == 0);
	while (!__atomic_load_n(&p.ready, __ATOMIC_ACQUIRE))
		sched_yield();
	if (!unmap)
		CHECK(dune_vm_mprotect(pgroot, FRESH_VA, PGSIZE, PERM_R) == 0);
	else
		dune_vm_unmap(pgroot, FRESH_VA, PGSIZE);
	__atomic_store_n(&p.changed, 1, __ATOMIC_RELEASE);
	CHECK(pthread_join(b, NULL) == 0);
	printf("%s: B: %ld accesses before, %ld after A's %s returned, then %s (fec %lx)\n",
	       write ? "write" : "read", p.before, p.after,
	       unmap ? "dune_vm_unmap" : "dune_vm_mprotect(PERM_R)",
	       p.result == FAULTED ? "a page fault" : "gave up: no fault",
	       (unsigned long)last_fec);
	CHECK(p.before >= 1000);
	CHECK(p.result == FAULTED);
	CHECK(p.after == 0);
	/* not present (unmap) / present (mprotect), write */
	CHECK(last_fec == ((unmap ? 0 : FEC_P) | (write ? FEC_W : 0)));
	return 0;
}

static int one_page(bool write)
{
	return one_page_as(write, !write);
}

static int one_page_unmap_write(void)
{
	return one_page_as(true, true);
}

static int unmap_seen(void *arg)
{
	(void)arg;
	return one_page(false);
}

/* The same with B writing: the unmapped page must not take B's writes. */
static int unmap_write_seen(void *arg)
{
	(void)arg;
	return one_page_unmap_write();
}

static int mprotect_seen(void *arg)
{
	(void)arg;
	return one_page(true);
}

TEST_F_TIMEOUT(tlb, unmap_faults_on_the_other_thread_at_once, 300)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, unmap_seen, NULL, 0, &res));
	TH_LOG("%s", res.out);
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_F_TIMEOUT(tlb, unmap_faults_writes_on_the_other_thread_at_once, 300)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, unmap_write_seen, NULL, 0, &res));
	TH_LOG("%s", res.out);
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_F_TIMEOUT(tlb, mprotect_readonly_faults_on_the_other_thread_at_once, 300)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, mprotect_seen, NULL, 0, &res));
	TH_LOG("%s", res.out);
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- stress: readers, writers, one page unmapped and remapped ------------ */

#define STRESS_READERS	3
#define STRESS_CYCLES	300

struct stress {
	/*
	 * 2c + 1: cycle c's page is mapped and holds c; 2c + 2: unmapped;
	 * 0: changing.  A sets it after its call returned.
	 */
	long state;
	int stop;
	long stale[STRESS_READERS];	/* accesses that should have faulted */
	long wrong[STRESS_READERS];	/* values from another cycle */
	long ok[STRESS_READERS], faulted[STRESS_READERS];
};

struct reader {
	struct stress *s;
	int i;
};

static void *stress_reader(void *arg)
{
	struct reader *rd = arg;
	struct stress *s = rd->s;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		long before = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		long r = tlb_read(FRESH_VA + 64 * rd->i);
		long after = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);

		if (r == FAULTED)
			s->faulted[rd->i]++;
		else
			s->ok[rd->i]++;
		if (before != after || !before)
			continue;		/* A changed it meanwhile: anything goes */
		if (!(before & 1) && r != FAULTED)
			s->stale[rd->i]++;
		if ((before & 1) && r != FAULTED && r != ((before / 2) & 0x7f))
			s->wrong[rd->i]++;
	}
	return NULL;
}

static int stress(void *arg)
{
	struct stress s = { .state = 0 };
	struct reader rd[STRESS_READERS];
	pthread_t t[STRESS_READERS];
	long stale = 0, wrong = 0, ok = 0, faulted = 0;
	int i, c;

	(void)arg;
	dune_register_pgflt_handler(on_fault);
	/* Claimed from here on: a fault there goes to on_fault (libdune-api.md 7). */
	CHECK(dune_vm_map_pages(pgroot, FRESH_VA, PGSIZE, PERM_R | PERM_W) == 0);
	dune_vm_unmap(pgroot, FRESH_VA, PGSIZE);
	for (i = 0; i < STRESS_READERS; i++) {
		rd[i].s = &s;
		rd[i].i = i;
		CHECK(pthread_create(&t[i], NULL, stress_reader, &rd[i]) == 0);
	}
	for (c = 0; c < STRESS_CYCLES; c++) {
		int k;

		__atomic_store_n(&s.state, 0, __ATOMIC_RELEASE);
		CHECK(dune_vm_map_pages(pgroot, FRESH_VA, PGSIZE, PERM_R | PERM_W) == 0);
		memset((char *)FRESH_VA, c & 0x7f, 64 * STRESS_READERS);
		__atomic_store_n(&s.state, 2L * c + 1, __ATOMIC_RELEASE);
		for (k = 0; k < 20; k++)
			sched_yield();		/* let the readers cache it */
		if (c % 3 == 2) {
			/* a permission change that removes the page for readers */
			CHECK(dune_vm_mprotect(pgroot, FRESH_VA, PGSIZE, PERM_NONE) == 0);
			__atomic_store_n(&s.state, 2L * c + 2, __ATOMIC_RELEASE);
			dune_vm_unmap(pgroot, FRESH_VA, PGSIZE);
		} else {
			dune_vm_unmap(pgroot, FRESH_VA, PGSIZE);
			__atomic_store_n(&s.state, 2L * c + 2, __ATOMIC_RELEASE);
		}
		for (k = 0; k < 5; k++)
			sched_yield();
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < STRESS_READERS; i++) {
		CHECK(pthread_join(t[i], NULL) == 0);
		stale += s.stale[i];
		wrong += s.wrong[i];
		ok += s.ok[i];
		faulted += s.faulted[i];
	}
	printf("stress: %d cycles, %d readers: %ld reads, %ld faults, %ld stale, %ld wrong\n",
	       STRESS_CYCLES, STRESS_READERS, ok, faulted, stale, wrong);
	CHECK(stale == 0);
	CHECK(wrong == 0);
	CHECK(ok > 0 && faulted > 0);
	return 0;
}

TEST_F_TIMEOUT(tlb, stress_unmap_remap_with_readers, 600)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, stress, NULL, 0, &res));
	TH_LOG("%s", res.out);
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- cost ------------------------------------------------------------------ */

#define COST_FLIPS	2000
#define COST_FLIPS_MT	200
#define EXIT_VMCALL	18

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per dune_vm_mprotect of one present page (R+W, then R). */
static uint64_t flips(int n)
{
	uint64_t t0 = tsc();
	int i;

	for (i = 0; i < n; i++)
		dune_vm_mprotect(pgroot, FRESH_VA, PGSIZE, i & 1 ? PERM_R | PERM_W : PERM_R);
	return (tsc() - t0) / n;
}

static int spinning;

static void *spinner(void *arg)
{
	int *stop = arg;

	while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE)) {
		(void)tlb_read(FRESH_VA);
		__atomic_store_n(&spinning, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * One thread in Dune mode: a shootdown costs no VM exit at all (no host
 * call: the only VMCALL between the two counts is the second count's).
 * With a second thread in the guest, each change interrupts it.  Prints
 * the path lengths (TSC ticks) that docs/libdune-api.md quotes.
 */
static int cost(void *arg)
{
	struct dune_exit_stats a, b;
	uint64_t t0, getpid_ticks, one, two;
	int i, stop = 0;
	pthread_t t;

	(void)arg;
	dune_register_pgflt_handler(on_fault);
	CHECK(dune_vm_map_pages(pgroot, FRESH_VA, PGSIZE, PERM_R | PERM_W) == 0);
	(void)flips(10);
	t0 = tsc();
	for (i = 0; i < COST_FLIPS; i++)
		syscall(SYS_getpid);
	getpid_ticks = (tsc() - t0) / COST_FLIPS;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	CHECK(dune_get_exit_stats(&a) == 0);
	one = flips(COST_FLIPS);
	CHECK(dune_get_exit_stats(&b) == 0);
	printf("cost: one thread: getpid %llu ticks, dune_vm_mprotect %llu ticks, "
	       "%llu VMCALL exits in %d calls\n",
	       (unsigned long long)getpid_ticks, (unsigned long long)one,
	       (unsigned long long)(b.exits[EXIT_VMCALL] - a.exits[EXIT_VMCALL] - 1),
	       COST_FLIPS);
	CHECK(b.exits[EXIT_VMCALL] - a.exits[EXIT_VMCALL] == 1);

	CHECK(pthread_create(&t, NULL, spinner, &stop) == 0);
	while (!__atomic_load_n(&spinning, __ATOMIC_ACQUIRE))
		sched_yield();			/* in the guest, on the other CPU */
	CHECK(dune_get_exit_stats(&a) == 0);
	two = flips(COST_FLIPS_MT);
	CHECK(dune_get_exit_stats(&b) == 0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	CHECK(pthread_join(t, NULL) == 0);
	printf("cost: two threads: dune_vm_mprotect %llu ticks, %llu VMCALL exits in %d calls\n",
	       (unsigned long long)two,
	       (unsigned long long)(b.exits[EXIT_VMCALL] - a.exits[EXIT_VMCALL] - 1),
	       COST_FLIPS_MT);
	return 0;
}

TEST_F_TIMEOUT(tlb, one_thread_shootdown_costs_no_exit, 600)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, cost, NULL, 0, &res));
	TH_LOG("%s", res.out);
	ASSERT_CHILD_EXIT(&res, 0);
}

/* The shootdown's signal is libdune's: the program may read it, not take it. */
static int signal_reserved(void *arg)
{
	struct sigaction sa, old;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	errno = 0;
	CHECK(sigaction(SIGRTMAX, &sa, NULL) == -1 && errno == EINVAL);
	CHECK(sigaction(SIGRTMAX, NULL, &old) == 0);
	CHECK(sigaction(SIGRTMAX - 1, &sa, NULL) == 0);
	return 0;
}

TEST_F_TIMEOUT(tlb, shootdown_signal_is_reserved, 120)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, signal_reserved, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST_HARNESS_MAIN
