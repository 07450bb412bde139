// SPDX-License-Identifier: GPL-2.0
/*
 * dune_trap_test - the program's own exception handlers, in Dune mode.
 *
 * dune_register_intr_handler() and dune_register_pgflt_handler() (the
 * original Dune's API) make a guest exception reach a handler in ring 0
 * with a struct dune_tf it may change.  Vector handlers run without any VM
 * exit.  So do page faults with a handler that cannot be memory libdune
 * has yet to map (a protection fault, an address above the user half, a
 * chunk the program's dune_vm_* calls own); the others take one VMCALL
 * exit first, for the host loop to check.  Each test runs in a child that
 * enters Dune mode and reports through its exit status.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "dune.h"
#include "cpu-x86.h"
#include "dune-ext.h"

#include "kselftest_harness.h"
#include "dune_child.h"

static uint64_t vmcall_exits(void)
{
	struct dune_exit_stats st;

	if (dune_get_exit_stats(&st))
		return ~0ULL;
	return st.exits[18];
}

/* ---- divide error: recover by rewriting rip ---------------------------- */

extern char div_insn[], div_after[];
static volatile int div_seen;
static volatile uint64_t div_vector_rip;

static void on_divide(struct dune_tf *tf)
{
	div_seen++;
	div_vector_rip = tf->rip;
	tf->rip = (uint64_t)div_after;	/* skip the DIV */
	tf->rax = 12345;		/* and give it a result */
}

static int divide_recovers(void *arg)
{
	uint64_t before, result;

	(void)arg;
	CHECK(dune_register_intr_handler(T_DIVIDE, on_divide) == 0);
	before = vmcall_exits();
	__asm__ __volatile__("xor %%ecx, %%ecx\n\t"
			     "mov $7, %%eax\n\t"
			     "xor %%edx, %%edx\n"
			     "div_insn: div %%rcx\n"
			     "div_after:"
			     : "=a"(result) : : "rcx", "rdx", "cc");
	/* the stats ioctl itself is one VMCALL exit: none for the #DE */
	CHECK(vmcall_exits() - before == 1);
	CHECK(div_seen == 1);
	CHECK(div_vector_rip == (uint64_t)div_insn);
	CHECK(result == 12345);
	return 0;
}

TEST(divide_error_handler_rewrites_rip)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, divide_recovers, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- #UD, #BP, and #GP from a privileged instruction --------------------- */

static volatile int ud_seen, bp_seen, gp_seen;
static volatile uint64_t gp_err;

static void on_ud(struct dune_tf *tf)
{
	ud_seen++;
	tf->rip += 2;			/* ud2 */
}

static void on_bp(struct dune_tf *tf)
{
	(void)tf;			/* a trap: rip is already past int3 */
	bp_seen++;
}

static void on_gp(struct dune_tf *tf)
{
	gp_seen++;
	gp_err = tf->err;
	tf->rip += 1;			/* hlt */
}

static int exceptions_reach_handlers(void *arg)
{
	int i;

	(void)arg;
	CHECK(dune_register_intr_handler(T_ILLOP, on_ud) == 0);
	CHECK(dune_register_intr_handler(T_BRKPT, on_bp) == 0);
	CHECK(dune_register_intr_handler(T_GPFLT, on_gp) == 0);
	CHECK(dune_register_intr_handler(256, on_gp) == -EINVAL);
	CHECK(dune_register_intr_handler(-1, on_gp) == -EINVAL);
	for (i = 0; i < 10; i++) {
		__asm__ __volatile__("ud2");
		__asm__ __volatile__("int3");
		__asm__ __volatile__("hlt");	/* the module makes it a #GP */
	}
	CHECK(ud_seen == 10 && bp_seen == 10 && gp_seen == 10);
	CHECK(gp_err == 0);
	/* unregistered: the default again (native replay: SIGILL) */
	CHECK(dune_register_intr_handler(T_ILLOP, NULL) == 0);
	return 0;
}

TEST(ud_bp_gp_reach_their_handlers)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, exceptions_reach_handlers, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* INT n on a vector with a CPU error code: the frame gets a 0 error code. */
static volatile int int13_seen;
static volatile uint64_t int13_err;

static void on_int13(struct dune_tf *tf)
{
	int13_seen++;
	int13_err = tf->err;
}

static int software_int_on_error_code_vector(void *arg)
{
	(void)arg;
	CHECK(dune_register_intr_handler(T_GPFLT, on_int13) == 0);
	__asm__ __volatile__("int $13");
	CHECK(int13_seen == 1 && int13_err == 0);
	return 0;
}

TEST(int_n_on_an_error_code_vector)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, software_int_on_error_code_vector, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- the interrupted context survives: registers, vectors, red zone ------ */

static void on_ud_noisy(struct dune_tf *tf)
{
	char buf[256];
	double x = 1.0;
	int i;

	/* use SSE, AVX-capable libc routines and the stack */
	for (i = 0; i < 10; i++)
		x = x * 1.5 + 0.25;
	snprintf(buf, sizeof(buf), "%f %s", x, "handler");
	memset(buf, 0x5a, sizeof(buf));
	tf->rip += 2;
}

static int context_survives(void *arg)
{
	uint64_t out[4];

	(void)arg;
	CHECK(dune_register_intr_handler(T_ILLOP, on_ud_noisy) == 0);
	__asm__ __volatile__(
		"mov $0x1111111111111111, %%rax\n\t"
		"movq %%rax, %%xmm3\n\t"
		"mov $0x2222222222222222, %%rbx\n\t"
		"mov $0x3333333333333333, %%r12\n\t"
		"movq $0x4444444444444444, %%rcx\n\t"
		"movq %%rcx, -64(%%rsp)\n\t"		/* in the red zone */
		"ud2\n\t"
		"movq %%xmm3, 0(%0)\n\t"
		"movq %%rbx, 8(%0)\n\t"
		"movq %%r12, 16(%0)\n\t"
		"movq -64(%%rsp), %%rcx\n\t"
		"movq %%rcx, 24(%0)\n\t"
		: : "r"(out) : "rax", "rbx", "rcx", "r12", "xmm3", "memory");
	CHECK(out[0] == 0x1111111111111111ULL);
	CHECK(out[1] == 0x2222222222222222ULL);
	CHECK(out[2] == 0x3333333333333333ULL);
	CHECK(out[3] == 0x4444444444444444ULL);
	return 0;
}

TEST(handler_preserves_registers_fpu_and_red_zone)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, context_survives, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* A handler that takes an exception of its own. */
static volatile int outer_seen, inner_seen;

static void on_bp_inner(struct dune_tf *tf)
{
	(void)tf;
	inner_seen++;
}

static void on_ud_outer(struct dune_tf *tf)
{
	outer_seen++;
	__asm__ __volatile__("int3");	/* nested, on the handler's stack */
	tf->rip += 2;
}

static int nested_exceptions(void *arg)
{
	(void)arg;
	CHECK(dune_register_intr_handler(T_BRKPT, on_bp_inner) == 0);
	CHECK(dune_register_intr_handler(T_ILLOP, on_ud_outer) == 0);
	__asm__ __volatile__("ud2");
	CHECK(outer_seen == 1 && inner_seen == 1);
	return 0;
}

TEST(nested_exception_in_a_handler)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, nested_exceptions, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- INT $14 from software ---------------------------------------------- */

/*
 * INT $14 pushes no error code, unlike a page fault: the page-fault handler
 * still gets a well-formed frame (error code 0, RIP after the INT), and so
 * does a vector handler for 14; without either, it is replayed natively
 * like any INT n (SIGSEGV: the gate is not open to Linux user code).
 */
extern char int14_after[];
static volatile int int14_seen;
static volatile uint64_t int14_err, int14_rip;

static void on_int14_pgflt(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	(void)addr;
	int14_seen++;
	int14_err = fec | tf->err;
	int14_rip = tf->rip;
}

static void on_int14_vector(struct dune_tf *tf)
{
	int14_seen += 10;
	int14_err = tf->err;
	int14_rip = tf->rip;
}

static int software_int14(void *arg)
{
	uint64_t rbx = 0x1234;

	(void)arg;
	dune_register_pgflt_handler(on_int14_pgflt);
	__asm__ __volatile__("int $14\n"
			     "int14_after:" : "+b"(rbx) : : "memory");
	CHECK(int14_seen == 1 && int14_err == 0);
	CHECK(int14_rip == (uint64_t)int14_after);
	CHECK(rbx == 0x1234);
	CHECK(dune_register_intr_handler(T_PGFLT, on_int14_vector) == 0);
	__asm__ __volatile__("int $14" : : : "memory");
	CHECK(int14_seen == 11 && int14_err == 0);
	return 0;
}

TEST(int_14_reaches_the_page_fault_handler)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, software_int14, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- handler frames on a stack libdune has not mapped yet ---------------- */

/*
 * The dispatch path writes the handler's frame below the interrupted
 * stack while still on an exception stack.  Here that stack is fresh
 * memory (mmap'd in Dune mode, never touched): RSP sits just above a
 * 2 MiB chunk boundary, and the frame lands in the chunk below, which
 * libdune maps only on its first page fault.  That fault must not
 * overwrite the exception frame being copied (it has its own IST), and
 * for a page fault, libdune maps the handler's stack first.  The handlers
 * fault again themselves: a first touch of more fresh memory, and a
 * page fault they handle (nested dispatch).
 */
#define CHUNK		(2UL << 20)

struct fresh_stack {
	char *base;		/* 8 MiB, untouched */
	char *top;		/* RSP to run on: 512 bytes above a chunk boundary */
};

static int fresh_stack_init(struct fresh_stack *fs)
{
	uintptr_t b;

	/* Far from anything the process had: no chunk registered there yet. */
	fs->base = mmap((void *)0x510000000000UL, 8 * CHUNK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (fs->base == MAP_FAILED)
		return -1;
	b = ((uintptr_t)fs->base + CHUNK - 1) & ~(CHUNK - 1);	/* chunk k */
	fs->top = (char *)(b + CHUNK + 512);			/* in chunk k + 1 */
	fs->top[0] = 1;			/* map chunk k + 1 only (a chunk miss) */
	return 0;
}

extern char fs_ud_insn[], fs_pf_insn[], fs_pf_after[], fs_pf2_after[];
static volatile int fs_ud_seen, fs_pf_seen, fs_pf2_seen;
static volatile uint64_t fs_rip, fs_vec_ok;
static char *fs_more;		/* fresh memory the handlers touch */

static void on_ud_fresh(struct dune_tf *tf)
{
	fs_ud_seen++;
	fs_rip = tf->rip;
	fs_more[0] = 7;				/* a chunk miss in the handler */
	tf->rip += 2;
}

static void on_pgflt_fresh(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	(void)fec;
	if (addr == 0xffff900000000080ULL) {	/* the nested one */
		fs_pf2_seen++;
		tf->rip = (uint64_t)fs_pf2_after;
		return;
	}
	fs_pf_seen++;
	fs_rip = tf->rip;
	fs_vec_ok = addr == 0xffff900000000040ULL;
	fs_more[CHUNK] = 8;			/* a chunk miss in the handler */
	__asm__ __volatile__("movq 0xffff900000000080, %%rax\n"
			     "fs_pf2_after:" : : : "rax", "memory");
	tf->rip = (uint64_t)fs_pf_after;
}

/* @arg NULL: a #UD (dispatched in the guest); else a #PF (via the host loop). */
static int frame_on_fresh_stack(void *arg)
{
	struct fresh_stack fs;
	uint64_t r12 = 0xabcdef, r13 = 0x13;

	CHECK(fresh_stack_init(&fs) == 0);
	fs_more = fs.base + 6 * CHUNK;
	CHECK(dune_register_intr_handler(T_ILLOP, on_ud_fresh) == 0);
	dune_register_pgflt_handler(on_pgflt_fresh);
	if (!arg) {
		__asm__ __volatile__("movq %%rsp, %%rbx\n\t"
				     "movq %2, %%rsp\n"
				     "fs_ud_insn: ud2\n\t"
				     "movq %%rbx, %%rsp"
				     : "+r"(r12), "+r"(r13) : "r"(fs.top) : "rbx", "memory");
		CHECK(fs_ud_seen == 1 && fs_rip == (uint64_t)fs_ud_insn);
		CHECK(fs_pf_seen == 0);
		CHECK(fs_more[0] == 7);
	} else {
		__asm__ __volatile__("movq %%rsp, %%rbx\n\t"
				     "movq %2, %%rsp\n"	/* chunk k + 3, the frame in k + 2 */
				     "fs_pf_insn: movq 0xffff900000000040, %%rax\n"
				     "fs_pf_after:\n\t"
				     "movq %%rbx, %%rsp"
				     : "+r"(r12), "+r"(r13) : "r"(fs.top + 2 * CHUNK)
				     : "rax", "rbx", "memory");
		CHECK(fs_pf_seen == 1 && fs_vec_ok && fs_rip == (uint64_t)fs_pf_insn);
		CHECK(fs_pf2_seen == 1 && fs_ud_seen == 0);
		CHECK(fs_more[CHUNK] == 8);
	}
	CHECK(r12 == 0xabcdef && r13 == 0x13);
	return 0;
}

TEST(handler_frame_on_a_stack_not_mapped_yet)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, frame_on_fresh_stack, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

TEST(pgflt_handler_frame_on_a_stack_not_mapped_yet)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, frame_on_fresh_stack, "pf", 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* ---- page faults ------------------------------------------------------ */

extern char pf_insn[], pf_after[];
static volatile uintptr_t pf_addr;
static volatile uint64_t pf_fec;
static volatile int pf_seen;

static void on_pgflt(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	pf_seen++;
	pf_addr = addr;
	pf_fec = fec;
	tf->rip = (uint64_t)pf_after;
}

/*
 * An address no page table of the guest maps (above the user half): the
 * page-fault handler gets its address and error code, and skips it.
 */
static int pgflt_handler_gets_the_fault(void *arg)
{
	(void)arg;
	uint64_t before;

	dune_register_pgflt_handler(on_pgflt);
	before = vmcall_exits();
	__asm__ __volatile__("pf_insn: movq 0xffff900000000040, %%rax\n"
			     "pf_after:" : : : "rax", "memory");
	/* never a chunk miss: dispatched in the guest (1 = the stats call) */
	CHECK(vmcall_exits() - before == 1);
	CHECK(pf_seen == 1);
	CHECK(pf_addr == 0xffff900000000040ULL);
	CHECK((pf_fec & 1) == 0);		/* not present */
	/* ordinary memory still works: chunk misses never reach the handler */
	{
		char *p = malloc(8 << 20);

		CHECK(p != NULL);
		memset(p, 1, 8 << 20);
		free(p);
	}
	CHECK(pf_seen == 1);
	return 0;
}

TEST(page_fault_handler_gets_address_and_error_code)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, pgflt_handler_gets_the_fault, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/*
 * A write to a page the guest page tables made read-only (dune_vm_mprotect):
 * a protection fault, which the handler fixes by making the page writable
 * again - Appel and Li's TRAP and UNPROT - all in the guest, no VM exit.
 */
static volatile uint64_t prot_fec;
static volatile int prot_seen;

static void on_prot_fault(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	(void)tf;
	prot_seen++;
	prot_fec = fec;
	dune_vm_mprotect(pgroot, (void *)(addr & ~4095UL), 4096, PERM_R | PERM_W);
}

static int protection_fault_without_exit(void *arg)
{
	volatile char *p;
	uint64_t before;

	(void)arg;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	CHECK(dune_vm_mprotect(pgroot, (void *)p, 4096, PERM_R) == 0);
	dune_register_pgflt_handler(on_prot_fault);
	before = vmcall_exits();
	p[1] = 2;
	CHECK(vmcall_exits() - before == 1);	/* the stats call only */
	CHECK(prot_seen == 1);
	CHECK((prot_fec & 3) == 3);		/* present, write */
	CHECK(p[0] == 1 && p[1] == 2);
	dune_register_pgflt_handler(NULL);
	return 0;
}

TEST(protection_fault_handled_without_exit)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, protection_fault_without_exit, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* Without a handler, the default stays: native replay, the genuine signal. */
static int no_handler_is_native_replay(void *arg)
{
	(void)arg;
	__asm__ __volatile__("ud2");
	return 1;
}

TEST(no_handler_means_native_signal)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, no_handler_is_native_replay, NULL, CHILD_NATIVE_OK, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGILL);
}

/* ---- an exception table: dune_register_fault_fixup() --------------------- */

/*
 * Leaf routines that read or write one byte (0 or the byte read), with a
 * fixup that returns what libdune put in RAX (-EFAULT), as a supervisor's
 * copy routines do (samples/sandbox/uaccess.c).
 */
extern char fx_start[], fx_end[], fx_fault[];
long fx_read(const volatile char *p);
long fx_write(volatile char *p);
__asm__(".pushsection .text\n"
	"fx_start:\n"
	"fx_read:\n"
	"	movzbl (%rdi), %eax\n"
	"	ret\n"
	"fx_write:\n"
	"	movb $7, (%rdi)\n"
	"	xor %eax, %eax\n"
	"	ret\n"
	"fx_end:\n"
	"fx_fault:\n"
	"	ret\n"
	".popsection\n");

static volatile int fixup_sigbus;

static void on_fixup_sigbus(int sig)
{
	(void)sig;
	fixup_sigbus++;
}

static int fault_fixup(void *arg)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = (int)syscall(SYS_memfd_create, "fixup", 0);
	char *p, *anon;

	(void)arg;
	CHECK(dune_register_fault_fixup(0, 1, 1) == -EINVAL);
	CHECK(dune_register_fault_fixup(2, 2, 1) == -EINVAL);
	CHECK(dune_register_fault_fixup((uintptr_t)fx_start, (uintptr_t)fx_end, 0) == -EINVAL);
	CHECK(dune_register_fault_fixup((uintptr_t)fx_start, (uintptr_t)fx_end,
					(uintptr_t)fx_fault) == 0);
	CHECK(signal(SIGBUS, on_fixup_sigbus) != SIG_ERR);

	/* pages the host can back: the access is made (faulted in, not fixed up) */
	anon = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED);
	CHECK(fx_read(anon) == 0);
	CHECK(fx_write(anon + page) == 0 && anon[page] == 7);

	/* a shared file page whose file was truncated: EFAULT, no SIGBUS */
	CHECK(fd >= 0 && ftruncate(fd, 2 * page) == 0);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	p[page] = 1;
	CHECK(fx_read(p + page) == 1);
	CHECK(ftruncate(fd, page) == 0);
	CHECK(fx_read(p + page) == -EFAULT);
	CHECK(fx_write(p + page) == -EFAULT);
	CHECK(fx_read(p) == 0);			/* the first page is still there */
	CHECK(fixup_sigbus == 0);

	/* no mapping, and PROT_NONE: EFAULT too */
	CHECK(munmap(anon + page, page) == 0);
	CHECK(fx_read(anon + page) == -EFAULT);
	CHECK(mprotect(anon, page, PROT_NONE) == 0);
	CHECK(fx_write(anon) == -EFAULT);
	CHECK(fixup_sigbus == 0);
	return 0;
}

TEST(fault_fixup_turns_an_access_the_host_cannot_back_into_efault)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, fault_fixup, NULL, 0, &res));
	ASSERT_CHILD_EXIT(&res, 0);
}

/* The same access outside the table: the genuine SIGBUS, as natively. */
static int truncated_no_fixup(void *arg)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = (int)syscall(SYS_memfd_create, "nofixup", 0);
	volatile char *p;

	(void)arg;
	CHECK(fd >= 0 && ftruncate(fd, 2 * page) == 0);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	p[page] = 1;
	CHECK(ftruncate(fd, page) == 0);
	return p[page] == 1 ? 2 : 3;
}

TEST(no_fixup_means_native_sigbus)
{
	struct child_result res;

	ASSERT_EQ(0, run_child(NULL, truncated_no_fixup, NULL, CHILD_NATIVE_OK, &res));
	ASSERT_CHILD_SIGNAL(&res, SIGBUS);
}

TEST_HARNESS_MAIN
