// SPDX-License-Identifier: GPL-2.0
/*
 * popek.c - Popek and Goldberg's question, asked of this CPU.
 *
 * A machine can be virtualized by trap-and-emulate if every *sensitive*
 * instruction (one that reads or changes the machine's configuration) is
 * *privileged* (traps when run outside the most privileged mode).  Classic
 * x86 broke the rule: POPF, PUSHF, SGDT, SIDT, SMSW and STR run in ring 3
 * without trapping, so a guest kernel deprivileged to ring 3 reads the
 * host's tables and loses its writes of IF silently.  VT-x answers with a
 * new mode, not with traps: the guest kernel runs in ring 0 of VMX
 * non-root operation, where those instructions act on the guest's own
 * state, and the VMCS says which of the rest cause a VM exit (SDM Vol. 3C,
 * 26.1).
 *
 * This program runs each instruction three times - natively in ring 3,
 * in Dune mode in (guest) ring 0, and in Dune mode in ring 3 - and prints
 * what happened: the exception (a signal, natively), the VM exits by
 * reason (dune_get_exit_stats()), and what the instruction saw.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <libdune/dune.h>
#include <libdune/dune-ext.h>
#include <libdune/cpu-x86.h>

struct result {
	int trap;		/* vector (ring 0/3), or a signal natively */
	unsigned long long exits[DUNE_EXIT_STATS_NR];
	unsigned long value[2];
};

static volatile int trap;	/* set by the handlers */
static struct result *cur;

/*
 * Where a handler resumes when the instruction traps: the label after it.
 * TRY() records it (in RIP-relative asm, hence a global), then runs the
 * instruction.
 */
unsigned long popek_resume;
#define TRY(insn)	"leaq 1f(%%rip), %%r11\n\tmovq %%r11, popek_resume(%%rip)\n\t" \
			insn "\n1:"

/* ---- the instructions ------------------------------------------------ */

typedef void (*probe_fn)(void);

/* POPF with IF clear, then PUSHF: is the write of IF kept? */
static void probe_popf(void)
{
	unsigned long before, after;

	__asm__ __volatile__("pushfq; popq %0\n\t"
			     "movq %0, %%rax; andq $~0x200, %%rax\n\t"
			     "pushq %%rax; popfq\n\t"
			     "pushfq; popq %1\n\t"
			     "pushq %0; popfq"		/* put IF back */
			     : "=&r"(before), "=&r"(after) : : "rax", "cc", "memory");
	cur->value[0] = !!(before & FL_IF);
	cur->value[1] = !!(after & FL_IF);
}

static void probe_sgdt(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = { 0, 0 };

	__asm__ __volatile__(TRY("sgdt %0") : "=m"(d) : : "r11");
	cur->value[0] = d.base;
	cur->value[1] = d.limit;
}

static void probe_sidt(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = { 0, 0 };

	__asm__ __volatile__(TRY("sidt %0") : "=m"(d) : : "r11");
	cur->value[0] = d.base;
	cur->value[1] = d.limit;
}

static void probe_smsw(void)
{
	unsigned long v = 0;

	__asm__ __volatile__(TRY("smsw %k0") : "+r"(v) : : "r11");
	cur->value[0] = v;
}

static void probe_str(void)
{
	unsigned long v = 0;

	__asm__ __volatile__(TRY("str %w0") : "+r"(v) : : "r11");
	cur->value[0] = v;
}

static void probe_mov_cr0(void)
{
	unsigned long v = 0;

	__asm__ __volatile__(TRY("mov %%cr0, %%rax") : "+a"(v) : : "r11");
	cur->value[0] = v;
}

static void probe_hlt(void)
{
	__asm__ __volatile__(TRY("hlt") : : : "r11");
}

static void probe_cpuid(void)
{
	unsigned int a = 0, b, c = 0, d;

	__asm__ __volatile__(TRY("cpuid") : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "r11");
	cur->value[0] = a;
}

static void probe_rdmsr(void)
{
	unsigned int lo = 0, hi = 0;

	__asm__ __volatile__(TRY("rdmsr") : "+a"(lo), "+d"(hi) : "c"(0x1b) : "r11");	/* APIC_BASE */
	cur->value[0] = ((unsigned long)hi << 32) | lo;
}

static void probe_in(void)
{
	__asm__ __volatile__(TRY("inb $0x80, %%al") : : : "rax", "r11");
}

static void probe_invlpg(void)
{
	static char page[1];

	__asm__ __volatile__(TRY("invlpg (%0)") : : "r"(page) : "r11", "memory");
}

static void probe_rdtsc(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__(TRY("rdtsc") : "=a"(lo), "=d"(hi) : : "r11");
	cur->value[0] = 1;
}

enum show { NONE, IF_FLAG, TABLE, HEX };

static const struct probe {
	const char *name;
	probe_fn fn;
	enum show show;
	const char *why;
} probes[] = {
	{ "popf (clear IF)", probe_popf, IF_FLAG,
	  "sensitive, not privileged: ring 3 loses the write silently" },
	{ "sgdt", probe_sgdt, TABLE, "sensitive, not privileged (without UMIP)" },
	{ "sidt", probe_sidt, TABLE, "sensitive, not privileged (without UMIP)" },
	{ "smsw", probe_smsw, HEX, "reads CR0[15:0] in any ring (without UMIP)" },
	{ "str", probe_str, HEX, "reads the task register in any ring (without UMIP)" },
	{ "mov %cr0, %rax", probe_mov_cr0, HEX, "privileged: #GP outside ring 0" },
	{ "hlt", probe_hlt, NONE, "privileged; HLT exiting (VMCS) takes it from ring 0" },
	{ "cpuid", probe_cpuid, NONE, "exits unconditionally in VMX non-root operation" },
	{ "rdmsr 0x1b", probe_rdmsr, NONE, "privileged; the MSR bitmap decides in ring 0" },
	{ "inb $0x80", probe_in, NONE, "IOPL-sensitive; unconditional I/O exiting in ring 0" },
	{ "invlpg", probe_invlpg, NONE, "privileged; no INVLPG exiting with EPT" },
	{ "rdtsc", probe_rdtsc, NONE, "unprivileged (CR4.TSD 0); no RDTSC exiting" },
};

/* ---- natively: signals ----------------------------------------------- */

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)si;
	trap = sig;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)popek_resume;
}

/* ---- in Dune mode: ring-0 handlers, for ring 0 and ring 3 alike ------ */

static void on_gp(struct dune_tf *tf)
{
	trap = T_GPFLT;
	tf->rip = popek_resume;
}

static void on_ud(struct dune_tf *tf)
{
	trap = T_ILLOP;
	tf->rip = popek_resume;
}

#define SYS_BACK	1002	/* ring 3 -> dune_ret_from_user() */

static void on_syscall(struct dune_tf *tf)
{
	if (tf->rax == SYS_BACK)
		dune_ret_from_user(0);
	dune_passthrough_syscall(tf);
}

static probe_fn r3_fn;
static char r3_stack[16384] __attribute__((aligned(16)));

static void __attribute__((noreturn)) r3_main(void)
{
	r3_fn();
	__asm__ __volatile__("syscall" : : "a"(SYS_BACK) : "rcx", "r11", "memory");
	__builtin_unreachable();
}

enum ctx { NATIVE, RING0, RING3 };

static void run(const struct probe *p, enum ctx ctx, struct result *r)
{
	struct dune_exit_stats st0, st1;
	struct dune_tf tf;

	memset(r, 0, sizeof(*r));
	cur = r;
	trap = 0;
	if (ctx == NATIVE) {
		p->fn();
		r->trap = trap;
		return;
	}
	dune_get_exit_stats(&st0);
	if (ctx == RING0) {
		p->fn();
	} else {
		memset(&tf, 0, sizeof(tf));
		r3_fn = p->fn;
		tf.rip = (uint64_t)r3_main;
		tf.rsp = (uint64_t)r3_stack + sizeof(r3_stack) - 8;
		tf.rflags = FL_IF | 0x2;
		dune_jump_to_user(&tf);
	}
	dune_get_exit_stats(&st1);
	r->trap = trap;
	for (int i = 0; i < DUNE_EXIT_STATS_NR; i++)
		r->exits[i] = st1.exits[i] - st0.exits[i];
	r->exits[18]--;		/* the second dune_get_exit_stats() call */
}

/* Exit reasons (SDM Vol. 3C, Appendix C) that these instructions cause. */
static const char *const reason_names[DUNE_EXIT_STATS_NR] = {
	[1] = "EXTERNAL_INTERRUPT", [10] = "CPUID", [12] = "HLT",
	[18] = "VMCALL", [28] = "CR_ACCESS", [30] = "IO_INSTRUCTION",
	[31] = "RDMSR", [52] = "PREEMPTION_TIMER", [54] = "WBINVD",
};

static const char *trap_name(enum ctx ctx, int t)
{
	static char buf[32];

	if (!t)
		return "no trap";
	if (ctx == NATIVE)
		return t == SIGSEGV ? "#GP -> SIGSEGV" : t == SIGILL ? "#UD -> SIGILL" : "signal";
	snprintf(buf, sizeof(buf), "%s", t == T_GPFLT ? "#GP" : t == T_ILLOP ? "#UD" : "trap");
	return buf;
}

static void print(const struct probe *p, enum ctx ctx, const struct result *r)
{
	static const char *const where[] = { "native ring 3", "Dune ring 0", "Dune ring 3" };
	char exits[128] = "", value[64] = "";
	int n = 0;

	if (ctx != NATIVE) {
		for (int i = 0; i < DUNE_EXIT_STATS_NR; i++) {
			/* an external interrupt or timer may land in any window */
			if (!r->exits[i] || i == 1 || i == 52)
				continue;
			n += snprintf(exits + n, sizeof(exits) - n, "%s%llu exit%s (%s)", n ? ", " : "",
				      r->exits[i], r->exits[i] > 1 ? "s" : "",
				      reason_names[i] ? reason_names[i] : "?");
		}
		if (!n)
			snprintf(exits, sizeof(exits), "no exit");
	}
	if (!r->trap) {
		if (p->show == IF_FLAG)
			snprintf(value, sizeof(value), "IF %lu -> %lu", r->value[0], r->value[1]);
		else if (p->show == TABLE)
			snprintf(value, sizeof(value), "base %#lx limit %#lx", r->value[0], r->value[1]);
		else if (p->show == HEX)
			snprintf(value, sizeof(value), "%#lx", r->value[0]);
	}
	printf("  %-14s %-15s %-22s %s\n", where[ctx], trap_name(ctx, r->trap), exits, value);
}

int main(void)
{
	static struct result res[sizeof(probes) / sizeof(probes[0])][3];
	struct sigaction sa;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		run(&probes[i], NATIVE, &res[i][NATIVE]);

	if (dune_init_and_enter()) {	/* map_full: ring 3 may use all of it */
		fprintf(stderr, "cannot enter Dune mode\n");
		return 1;
	}
	dune_register_intr_handler(T_GPFLT, on_gp);
	dune_register_intr_handler(T_ILLOP, on_ud);
	dune_register_syscall_handler(on_syscall);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		run(&probes[i], RING0, &res[i][RING0]);	/* warm up: first touches */
		run(&probes[i], RING3, &res[i][RING3]);
		run(&probes[i], RING0, &res[i][RING0]);
		run(&probes[i], RING3, &res[i][RING3]);
	}

	printf("%-16s %-15s %-22s %s\n", "", "trap", "VM exits", "what it saw");
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		printf("%s: %s\n", probes[i].name, probes[i].why);
		for (int c = NATIVE; c <= RING3; c++)
			print(&probes[i], c, &res[i][c]);
	}
	return 0;
}
