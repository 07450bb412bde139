// SPDX-License-Identifier: GPL-2.0
/* traps.c - your own exception handlers, in ring 0 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <libdune/dune.h>
#include <libdune/dune-ext.h>
#include <libdune/cpu-x86.h>

/* VMCALL exits of this thread's vCPU so far (the ioctl itself is one). */
static unsigned long long vmcalls(void)
{
	struct dune_exit_stats st;

	return dune_get_exit_stats(&st) ? 0 : st.exits[18];
}

/* ---- #DE: step over the DIV and make up a quotient ---------------- */

extern char div_insn[], div_after[];	/* labels in the asm below */
static uint64_t de_rip;

static void on_divide(struct dune_tf *tf)
{
	de_rip = tf->rip;		/* a fault: the DIV itself */
	tf->rip = (uint64_t)div_after;
	tf->rax = 42;
}

static __attribute__((noinline)) unsigned long divide_by_zero(void)
{
	unsigned long q;

	__asm__ __volatile__("xor %%ecx, %%ecx\n\t"
			     "mov $7, %%eax\n\t"
			     "xor %%edx, %%edx\n"
			     "div_insn: div %%rcx\n"
			     "div_after:"
			     : "=a"(q) : : "rcx", "rdx", "cc");
	return q;
}

/* ---- #UD, #BP, #GP ------------------------------------------------- */

static int ud_seen, bp_seen, gp_seen;

static void on_ud(struct dune_tf *tf)
{
	ud_seen++;
	tf->rip += 2;			/* ud2: a fault, two bytes */
}

static void on_bp(struct dune_tf *tf)
{
	(void)tf;			/* a trap: rip is past the int3 */
	bp_seen++;
}

static void on_gp(struct dune_tf *tf)
{
	gp_seen++;
	tf->rip += 1;			/* hlt: one byte */
}

/* ---- #PF ------------------------------------------------------------ */

extern char pf_after[];
static uintptr_t pf_addr;
static uint64_t pf_fec;

static void on_pgflt(uintptr_t addr, uint64_t fec, struct dune_tf *tf)
{
	pf_addr = addr;
	pf_fec = fec;
	tf->rip = (uint64_t)pf_after;	/* skip the load */
}

/* ---- no handler: the native signal ---------------------------------- */

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	dune_printf("SIGILL at %p; in Dune mode: %d\n", si->si_addr,
		    dune_is_in_dune_mode());
	uc->uc_mcontext.gregs[REG_RIP] += 2;	/* step over the ud2 */
}

int main(void)
{
	unsigned long long before, after;
	struct sigaction sa;
	unsigned long q;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* lines in order, into a pipe too */
	if (dune_init_and_enter())
		return 1;

	dune_register_intr_handler(T_DIVIDE, on_divide);
	before = vmcalls();
	q = divide_by_zero();
	after = vmcalls();
	printf("7 / 0 = %lu, #DE at %#lx (div_insn is %p), VM exits: %llu\n",
	       q, (unsigned long)de_rip, (void *)div_insn, after - before - 1);

	dune_register_intr_handler(T_ILLOP, on_ud);
	dune_register_intr_handler(T_BRKPT, on_bp);
	dune_register_intr_handler(T_GPFLT, on_gp);
	for (int i = 0; i < 3; i++) {
		__asm__ __volatile__("ud2");
		__asm__ __volatile__("int3");
		__asm__ __volatile__("hlt");
	}
	printf("#UD %d, #BP %d, #GP %d\n", ud_seen, bp_seen, gp_seen);

	dune_register_pgflt_handler(on_pgflt);
	before = vmcalls();
	__asm__ __volatile__("movq 0xffff900000000040, %%rax\n"
			     "pf_after:" : : : "rax", "memory");
	after = vmcalls();
	printf("#PF at %#lx, error code %#lx, VM exits: %llu\n",
	       (unsigned long)pf_addr, (unsigned long)pf_fec, after - before - 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	dune_register_intr_handler(T_ILLOP, NULL);	/* back to the default */
	__asm__ __volatile__("ud2");
	printf("after the SIGILL handler: in Dune mode: %d\n", dune_is_in_dune_mode());
	ret = dune_enter();
	printf("dune_enter() = %d; in Dune mode: %d\n", ret, dune_is_in_dune_mode());
	return 0;
}
