// SPDX-License-Identifier: GPL-2.0
/*
 * dune.c - the same operations in Dune mode, in a forked child that has
 * entered it, each with its VM exits per operation by reason.
 *
 *   getpid, ENOSYS   forwarded: SYSCALL in guest ring 0 reaches libdune's
 *                    entry stub, which VMCALLs; DUNE_RUN returns to the
 *                    host loop, which makes the call natively and runs
 *                    the guest again.  One VMCALL exit per call.
 *   cpuid            the cheapest exit dune.ko answers itself (reason 10):
 *                    a "null hypercall" that never reaches user space
 *   pf (2 kinds)     a write to a page the guest's own page tables make
 *                    read-only; the handler sets PTE_W and INVLPGs.  With
 *                    a vector-14 handler (dune_register_intr_handler) it
 *                    stays in the guest; with dune_register_pgflt_handler
 *                    libdune's host loop first checks that it is no chunk
 *                    miss (one VMCALL exit), then sends it back.
 *   appel1, appel2   Appel & Li with dune_vm_mprotect() doing the protect
 *   ept4k            first touch of a page the guest maps but the EPT does
 *                    not: an EPT violation, which dune.ko resolves from
 *                    the process's page tables (faulting the page in)
 *   ept4k_populated  the same, the page already present in the process
 *   ept2m            a transparent huge page: one EPT violation maps it all
 *   thread           pthread_create in Dune mode: the new thread gets a
 *                    vCPU of its own before its first instruction
 *   r3_caught        a ring-3 getpid caught by the ring-0 syscall handler
 *                    and answered there (a sandbox's supervisor)
 *   r3_forwarded     the same, passed on with dune_passthrough_syscall
 *
 * The regions are mapped before dune_init(), which registers everything
 * /proc/self/maps lists: so the first touches below measure the EPT, not
 * libdune's chunk bookkeeping (memory mapped later costs one more VMCALL
 * exit per 2 MiB chunk, on its first guest page fault).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "dune.h"
#include "dune-ext.h"
#include "bench.h"

#define PAGE	4096UL
#define HUGE	(2UL << 20)

void *bench_map(size_t len, size_t align, int flags);
void touch_pages(struct row *r, char *p, size_t len, size_t step);
void touch_huge(struct row *r, char *p, int n);
void bench_threads(struct row *r, int n);

void exits_begin(struct exit_snap *s)
{
	memset(s, 0, sizeof(*s));
	dune_get_exit_stats(&s->st);
}

void exits_end(struct row *r, const struct exit_snap *s, uint64_t ops)
{
	struct dune_exit_stats now;
	int i;

	if (dune_get_exit_stats(&now))
		return;
	for (i = 0; i < DUNE_EXIT_STATS_NR; i++)
		r->exits[i] += now.exits[i] - s->st.exits[i];
	/* This call's own VMCALL and DUNE_RUN. */
	r->exits[18] -= 1;
	r->runs += now.runs - s->st.runs - 1;
	r->ops += ops;
	r->has_exits = true;
}

/* ---- system calls and the null exit ---------------------------------- */

static void dune_syscalls(void)
{
	struct row *g = row_new(G_DUNE, "dune_getpid", "getpid, forwarded");
	struct row *e = row_new(G_DUNE, "dune_enosys", "syscall -ENOSYS, forwarded");
	struct row *c = row_new(G_DUNE, "dune_cpuid", "cpuid: exit answered by dune.ko");
	struct exit_snap s;
	int i;

	raw_syscall0(SYS_getpid);
	exits_begin(&s);
	for (i = 0; i < B->iters; i++) {
		uint64_t t0 = t_start();

		raw_syscall0(SYS_getpid);
		row_add(g, t_stop() - t0, 1);
	}
	exits_end(g, &s, B->iters);

	exits_begin(&s);
	for (i = 0; i < B->iters; i++) {
		uint64_t t0 = t_start();

		raw_syscall0(1000);
		row_add(e, t_stop() - t0, 1);
	}
	exits_end(e, &s, B->iters);

	exits_begin(&s);
	for (i = 0; i < B->iters; i++) {
		unsigned int a = 0, b, cc = 0, d;
		uint64_t t0 = t_start();

		__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(cc), "=d"(d));
		row_add(c, t_stop() - t0, 1);
	}
	exits_end(c, &s, B->iters);
}

/* ---- page faults handled in the guest -------------------------------- */

static ptent_t *pte_of(void *va)
{
	ptent_t *pte;

	if (dune_vm_lookup(pgroot, va, CREATE_NONE, &pte) || !(*pte & PTE_P)) {
		dune_printf("bench: no page-table entry for %p\n", va);
		dune_die();
	}
	return pte;
}

/* Appel & Li's UNPROT, as the original Dune's benchmark did it. */
static void unprotect(uintptr_t addr)
{
	*pte_of((void *)addr) |= PTE_W;
	dune_flush_tlb_one(addr);
}

static void on_pgflt(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	(void)fec;
	(void)tf;
	unprotect(addr);
}

static void on_vec14(struct dune_tf *tf)
{
	uintptr_t addr;

	(void)tf;
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(addr));
	unprotect(addr);
}

static void use_handler(bool vec14)
{
	dune_register_intr_handler(14, vec14 ? on_vec14 : NULL);
	dune_register_pgflt_handler(vec14 ? NULL : on_pgflt);
}

static void dune_traps(char *p, bool vec14)
{
	const char *how = vec14 ? "vec14" : "pgflt";
	struct row *tr, *a1, *a2;
	int n = B->appel_pages, i, j;
	struct exit_snap s;
	char id[40], label[72];
	ptent_t *pte;

	snprintf(id, sizeof(id), "dune_pf_%s", how);
	snprintf(label, sizeof(label), "guest #PF -> unprotect (%s handler)", how);
	tr = row_new(G_DUNE, id, label);
	snprintf(id, sizeof(id), "dune_appel1_%s", how);
	snprintf(label, sizeof(label), "appel1 (dune_vm_mprotect, %s)", how);
	a1 = row_new(G_DUNE, id, label);
	snprintf(id, sizeof(id), "dune_appel2_%s", how);
	snprintf(label, sizeof(label), "appel2 per page (dune_vm_mprotect, %s)", how);
	a2 = row_new(G_DUNE, id, label);

	/* 4 KiB entries for the region, writable: then take the first one. */
	if (dune_vm_mprotect(pgroot, p, n * PAGE, PERM_R | PERM_W)) {
		row_note(tr, "dune_vm_mprotect failed");
		return;
	}
	pte = pte_of(p);
	use_handler(vec14);

	/*
	 * Untimed, uncounted: the region's pages, and the stack the first
	 * dispatch writes its frame on, take their first EPT violation here.
	 */
	for (i = 0; i < n; i++)
		p[i * PAGE]++;
	*pte &= ~PTE_W;
	dune_flush_tlb_one((uintptr_t)p);
	p[0]++;

	exits_begin(&s);
	for (i = 0; i < B->iters / 2; i++) {
		uint64_t t0;

		*pte &= ~PTE_W;
		dune_flush_tlb_one((uintptr_t)p);
		t0 = t_start();
		p[0]++;
		row_add(tr, t_stop() - t0, 1);
	}
	exits_end(tr, &s, B->iters / 2);

	exits_begin(&s);
	for (i = 0; i < B->iters / 2; i++) {
		uint64_t t0 = t_start();

		dune_vm_mprotect(pgroot, p, PAGE, PERM_R);
		p[0]++;
		row_add(a1, t_stop() - t0, 1);
	}
	exits_end(a1, &s, B->iters / 2);

	exits_begin(&s);
	for (j = 0; j < 5; j++) {
		uint64_t t0 = t_start();

		dune_vm_mprotect(pgroot, p, n * PAGE, PERM_R);
		for (i = 0; i < n; i++)
			p[i * PAGE]++;
		row_add(a2, t_stop() - t0, n);
	}
	exits_end(a2, &s, 5 * n);
	use_handler(false);
	dune_register_pgflt_handler(NULL);
}

/* ---- EPT fault-in ----------------------------------------------------- */

static void dune_ept(char *fresh, char *populated, char *huge)
{
	struct row *r4 = row_new(G_DUNE, "dune_ept4k", "EPT fault-in, 4 KiB page (+ host fault)");
	struct row *rp = row_new(G_DUNE, "dune_ept4k_populated",
				 "EPT fault-in, 4 KiB page already present");
	struct row *r2 = row_new(G_DUNE, "dune_ept2m", "EPT fault-in, 2 MiB page (THP)");
	size_t len = (size_t)B->pages * PAGE;
	struct exit_snap s;

	if (fresh) {
		exits_begin(&s);
		touch_pages(r4, fresh, len, PAGE);
		exits_end(r4, &s, B->pages);
	}
	if (populated) {
		exits_begin(&s);
		touch_pages(rp, populated, len, PAGE);
		exits_end(rp, &s, B->pages);
	}
	if (huge) {
		exits_begin(&s);
		touch_huge(r2, huge, B->huge);
		exits_end(r2, &s, B->huge);
	}
}

/* ---- a thread, and its vCPU ------------------------------------------- */

static void dune_thread(void)
{
	struct row *r = row_new(G_DUNE, "dune_thread", "pthread_create -> thread runs (new vCPU)");
	struct exit_snap s;

	exits_begin(&s);
	bench_threads(r, B->spawns);
	exits_end(r, &s, B->spawns);
}

/* ---- ring 3: the sandbox's view ------------------------------------------ */

#define SYS_R3_EXIT	1002	/* ring 3 is done: dune_ret_from_user(0) */

extern char r3_page[], r3_bench[], r3_appel[];

/*
 * r3_bench(count, out, nr): make system call @nr @count times, timing
 * each with LFENCE; RDTSC; LFENCE on both sides, into out[].
 */
__asm__(
	".pushsection .text.bench_ring3, \"ax\"\n"
	".balign 4096\n"
	"r3_page:\n"
	"r3_bench:\n"
	"	mov %rdi, %rbx\n"
	"	mov %rsi, %r12\n"
	"	mov %rdx, %r13\n"
	"1:	lfence; rdtsc; lfence\n"
	"	shl $32, %rdx\n"
	"	or %rax, %rdx\n"
	"	mov %rdx, %r14\n"
	"	mov %r13, %rax\n"
	"	syscall\n"
	"	lfence; rdtsc; lfence\n"
	"	shl $32, %rdx\n"
	"	or %rax, %rdx\n"
	"	sub %r14, %rdx\n"
	"	mov %rdx, (%r12)\n"
	"	add $8, %r12\n"
	"	dec %rbx\n"
	"	jnz 1b\n"
	"	mov $1002, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	ud2\n"

	/*
	 * r3_appel(count, out, page, npages, kind): Appel & Li from ring 3.
	 * Before each sample, system call 1003 + kind asks ring 0 to protect
	 * @npages pages from @page: kind 0 outside the timed part (the trap
	 * alone), kind 1 inside it (appel1, appel2).  Then write each page:
	 * a #PF from ring 3, which the ring-0 page-fault handler resolves
	 * without a VM exit.
	 */
	"r3_appel:\n"
	"	mov %rdi, %rbx\n"
	"	mov %rsi, %r12\n"
	"	mov %rdx, %r13\n"
	"	mov %r8, %rbp\n"
	"2:	test %rbp, %rbp\n"
	"	jnz 3f\n"
	"	mov $1003, %eax\n"
	"	syscall\n"
	"3:	lfence; rdtsc; lfence\n"
	"	shl $32, %rdx\n"
	"	or %rax, %rdx\n"
	"	mov %rdx, %r14\n"
	"	test %rbp, %rbp\n"
	"	jz 4f\n"
	"	mov $1004, %eax\n"
	"	syscall\n"
	"4:	mov %r13, %rdi\n"
	"	mov %r10, %rsi\n"
	"5:	incb (%rdi)\n"
	"	add $4096, %rdi\n"
	"	dec %rsi\n"
	"	jnz 5b\n"
	"	lfence; rdtsc; lfence\n"
	"	shl $32, %rdx\n"
	"	or %rax, %rdx\n"
	"	sub %r14, %rdx\n"
	"	mov %rdx, (%r12)\n"
	"	add $8, %r12\n"
	"	dec %rbx\n"
	"	jnz 2b\n"
	"	mov $1002, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	ud2\n"
	".balign 4096\n"
	".popsection\n");

static bool r3_answer;		/* answer getpid in ring 0, or pass it on */
static long r3_pid;

static char *r3_prot;		/* r3_appel: the pages to protect */
static int r3_nprot;

static void on_r3_syscall(struct dune_tf *tf)
{
	if (tf->rax == SYS_R3_EXIT)
		dune_ret_from_user(0);
	if (tf->rax == 1003 || tf->rax == 1004) {
		dune_vm_mprotect(pgroot, r3_prot, r3_nprot * PAGE, PERM_R | PERM_U);
		tf->rax = 0;
		return;
	}
	if (r3_answer && tf->rax == SYS_getpid)
		tf->rax = r3_pid;
	else
		dune_passthrough_syscall(tf);
}

#define R3_STACK	(64 * 1024)

static int r3_run(char *mem, uint64_t *out, int count)
{
	struct dune_tf tf;

	memset(&tf, 0, sizeof(tf));
	tf.rip = (uint64_t)r3_bench;
	tf.rsp = (uint64_t)mem + R3_STACK - 64;
	tf.rflags = 0x2;
	tf.rdi = count;
	tf.rsi = (uint64_t)out;
	tf.rdx = SYS_getpid;
	return dune_jump_to_user(&tf);
}

static void on_r3_pgflt(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	(void)fec;
	(void)tf;
	unprotect(addr);
}

/* One r3_appel run: @samples samples of @npages pages, kind 0 or 1. */
static void r3_appel_run(struct row *r, char *mem, uint64_t *out, char *p, int npages,
			 int kind, int samples)
{
	struct exit_snap s;
	struct dune_tf tf;
	int i;

	r3_prot = p;
	r3_nprot = npages;
	memset(&tf, 0, sizeof(tf));
	tf.rip = (uint64_t)r3_appel;
	tf.rsp = (uint64_t)mem + R3_STACK - 64;
	tf.rflags = 0x2;
	tf.rdi = samples;
	tf.rsi = (uint64_t)out;
	tf.rdx = (uint64_t)p;
	tf.r8 = kind;
	tf.r10 = npages;
	tf.rcx = npages;	/* R10 travels in tf->rcx (dune.h) */
	exits_begin(&s);
	if (dune_jump_to_user(&tf)) {
		row_note(r, "dune_jump_to_user failed");
		return;
	}
	exits_end(r, &s, (uint64_t)samples * npages);
	for (i = 0; i < samples; i++)
		row_add(r, out[i], npages);
}

/*
 * Appel & Li with the faults taken in ring 3: the sandbox's case, and the
 * one where a guest page fault costs no VM exit today (a ring-0 #PF always
 * visits the host loop first, see entry.S).
 */
static void ring3_appel(char *mem, uint64_t *out, char *p)
{
	struct row *tr = row_new(G_DUNE, "r3_pf", "ring-3 #PF -> unprotect (pgflt handler)");
	struct row *a1 = row_new(G_DUNE, "r3_appel1", "appel1 from ring 3");
	struct row *a2 = row_new(G_DUNE, "r3_appel2", "appel2 per page from ring 3");
	int n = B->appel_pages;

	if (dune_vm_mprotect(pgroot, p, n * PAGE, PERM_R | PERM_W | PERM_U)) {
		row_note(tr, "dune_vm_mprotect(PERM_U) failed");
		return;
	}
	dune_register_intr_handler(14, NULL);
	dune_register_pgflt_handler(on_r3_pgflt);
	r3_appel_run(tr, mem, out, p, 1, 0, 10);	/* warm up */
	tr->n = 0;
	memset(tr->exits, 0, sizeof(tr->exits));
	tr->ops = tr->runs = 0;
	r3_appel_run(tr, mem, out, p, 1, 0, B->iters / 2);
	r3_appel_run(a1, mem, out, p, 1, 1, B->iters / 2);
	r3_appel_run(a2, mem, out, p, n, 1, 5);
	row_note(a1, "protect = a ring-3 syscall caught in ring 0 calling dune_vm_mprotect");
	dune_register_pgflt_handler(NULL);
}

static void dune_ring3(char *appel)
{
	struct row *c = row_new(G_INTERCEPT, "r3_caught", "ring-3 getpid answered in ring 0");
	struct row *f = row_new(G_INTERCEPT, "r3_forwarded",
				"ring-3 getpid, dune_passthrough_syscall");
	size_t len = R3_STACK + (size_t)B->iters * 8;
	volatile char touch = r3_page[0];
	struct row *rows[2] = { c, f };
	struct exit_snap s;
	uint64_t *out;
	char *mem;
	int k, i;

	(void)touch;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return;
	memset(mem, 0, len);
	out = (uint64_t *)(mem + R3_STACK);
	if (dune_vm_mprotect(pgroot, r3_page, PAGE, PERM_R | PERM_X | PERM_U) ||
	    dune_vm_mprotect(pgroot, mem, len, PERM_R | PERM_W | PERM_U)) {
		row_note(c, "dune_vm_mprotect(PERM_U) failed");
		return;
	}
	r3_pid = getpid();
	dune_register_syscall_handler(on_r3_syscall);
	for (k = 0; k < 2; k++) {
		r3_answer = k == 0;
		r3_run(mem, out, 10);			/* warm up */
		exits_begin(&s);
		if (r3_run(mem, out, B->iters)) {
			row_note(rows[k], "dune_jump_to_user failed");
			continue;
		}
		exits_end(rows[k], &s, B->iters);
		for (i = 0; i < B->iters; i++)
			row_add(rows[k], out[i], 1);
	}
	row_note(c, "ring 3 times with lfence;rdtsc;lfence on both sides");
	if (appel)
		ring3_appel(mem, out, appel);
	dune_register_syscall_handler(NULL);
	munmap(mem, len);
}

/* ---- the child -------------------------------------------------------- */

static int dune_child(void)
{
	size_t len = (size_t)B->pages * PAGE;
	char *appel, *fresh, *populated, *huge;
	size_t off;
	int err;

	/* Mapped now, so that dune_init() registers them (see the top). */
	appel = bench_map(B->appel_pages * PAGE, PAGE, MAP_POPULATE);
	fresh = bench_map(len, HUGE, 0);
	populated = bench_map(len, HUGE, 0);
	huge = bench_map((size_t)B->huge * HUGE, HUGE, 0);
	if (fresh)
		madvise(fresh, len, MADV_NOHUGEPAGE);
	if (populated) {
		madvise(populated, len, MADV_NOHUGEPAGE);
		for (off = 0; off < len; off += PAGE)
			populated[off] = 1;
	}
	if (huge)
		madvise(huge, (size_t)B->huge * HUGE, MADV_HUGEPAGE);

	err = dune_init_and_enter();
	if (err) {
		fprintf(stderr, "bench: entering Dune mode failed: %s\n", strerror(-err));
		return 1;
	}
	dune_syscalls();
	if (appel) {
		dune_traps(appel, true);
		dune_traps(appel, false);
	}
	dune_ept(fresh, populated, huge);
	dune_thread();
	dune_ring3(appel);
	if (!dune_is_in_dune_mode()) {
		fprintf(stderr, "bench: the Dune-mode child left Dune mode\n");
		return 1;
	}
	return 0;
}

void bench_dune(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(600);
		_exit(dune_child());
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		B->dune_ok = 1;
	else
		fprintf(stderr, "bench: the Dune-mode child failed (status 0x%x)\n", status);
}

/* dune_init and dune_enter in fresh children of a native process. */
void bench_dune_startup(void)
{
	struct row *in = row_new(G_DUNE, "dune_init", "dune_init (fresh forked child)");
	struct row *en = row_new(G_DUNE, "dune_enter", "dune_enter (creates the vCPU)");
	struct row *both = row_new(G_DUNE, "dune_init_enter", "dune_init + dune_enter");
	int i, status;

	for (i = 0; i < B->spawns; i++) {
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			struct dune_exit_stats st;
			uint64_t t0, t1, t2;
			int j;

			t0 = t_start();
			if (dune_init(true))
				_exit(1);
			t1 = t_stop();
			if (dune_enter())
				_exit(1);
			t2 = t_stop();
			row_add(in, t1 - t0, 1);
			row_add(en, t2 - t1, 1);
			row_add(both, t2 - t0, 1);
			if (!dune_get_exit_stats(&st)) {
				for (j = 0; j < DUNE_EXIT_STATS_NR; j++)
					both->exits[j] += st.exits[j];
				both->exits[18] -= 1;
				both->runs += st.runs - 1;
				both->ops++;
				both->has_exits = true;
			}
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || status) {
			row_note(both, "a child failed (status 0x%x)", status);
			break;
		}
	}
}
