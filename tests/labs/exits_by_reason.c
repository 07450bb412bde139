// SPDX-License-Identifier: GPL-2.0
/*
 * exits_by_reason - lab 1: which VM exits, by reason, one operation costs
 * in VMX non-root ring 0 (TAP; a line per operation).
 *
 * The guest is tests/kmod/guestlib's smallest one (this process, GVA ==
 * HVA, every IDT vector reporting itself with VMCALL).  For each
 * operation the guest runs it once, then says "done" with VMCALL; the
 * counts are the difference of DUNE_GET_EXIT_STATS around the run
 * (SDM Vol. 3D, Appendix C numbers the reasons):
 *
 *   cpuid    CPUID always exits (SDM 26.1.2): reason 10, answered by
 *            dune.ko, the guest goes on;
 *   hlt      reason 12; dune.ko refuses it as the CPU refuses a process:
 *            a #GP (vector 13) through the guest's IDT;
 *   cr8      MOV from CR8: a control-register access, reason 28, then
 *            the same #GP;
 *   getppid  a system call forwarded the way libdune forwards one: the
 *            guest's VMCALL (reason 18) goes to user space, which makes
 *            the call natively and resumes the guest with the result.
 *
 * Each line also prints every other reason that occurred (EPT violations,
 * 48, come and go with what the guest touched first).
 *
 * exits_by_reason --refusals: lab 2.  Each instruction a process may not
 * execute must exit and come back to the guest as the fault the CPU gives
 * a process - #GP, or #UD for the VMX instructions - through the guest's
 * own IDT (guestlib's handlers report the vector with VMCALL); an exit
 * dune.ko does not handle ends the run as DUNE_EXIT_UNHANDLED instead.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/dune.h>

#include "../kmod/guestlib.h"

#define REASON_CPUID	10
#define REASON_HLT	12
#define REASON_VMCALL	18
#define REASON_CR	28
#define VEC_UD		6
#define VEC_GP		13
#define TRAPPED(vec)	(0xdead0000ULL | (vec))
#define DONE		0x600dULL

extern const char op_cpuid[], op_hlt[], op_cr8[], op_getppid[], op_out[], op_in[],
	op_cr8_write[], op_invd[], op_vmlaunch[], op_vmread[], op_vmxon[];
asm(".text\n"
    "op_cpuid: xor %eax, %eax\n xor %ecx, %ecx\n cpuid\n mov $0x600d, %eax\n vmcall\n ud2\n"
    "op_hlt: hlt\n mov $0x600d, %eax\n vmcall\n ud2\n"
    "op_cr8: mov %cr8, %rax\n mov $0x600d, %eax\n vmcall\n ud2\n"
    /* rdi: the system call's number; its result comes back in rax */
    "op_getppid: mov %rdi, %rax\n vmcall\n mov %rax, %rbx\n mov $0x600d, %eax\n vmcall\n ud2\n"
    /* lab 2: each should never reach its VMCALL */
    "op_out: mov $0x80, %dx\n out %al, %dx\n mov $0x600d, %eax\n vmcall\n ud2\n"
    "op_in: mov $0x80, %dx\n in %dx, %al\n mov $0x600d, %eax\n vmcall\n ud2\n"
    "op_cr8_write: xor %eax, %eax\n mov %rax, %cr8\n mov $0x600d, %eax\n vmcall\n ud2\n"
    "op_invd: invd\n mov $0x600d, %eax\n vmcall\n ud2\n"
    "op_vmlaunch: vmlaunch\n mov $0x600d, %eax\n vmcall\n ud2\n"
    "op_vmread: xor %eax, %eax\n vmread %rax, %rbx\n mov $0x600d, %eax\n vmcall\n ud2\n"
    "op_vmxon: vmxon (%rsp)\n mov $0x600d, %eax\n vmcall\n ud2\n");

static const char *const reason_names[] = {
	[0] = "EXCEPTION_NMI", [1] = "EXTERNAL_INTERRUPT", [REASON_CPUID] = "CPUID",
	[REASON_HLT] = "HLT", [REASON_VMCALL] = "VMCALL", [REASON_CR] = "CR_ACCESS",
	[48] = "EPT_VIOLATION", [52] = "PREEMPTION_TIMER",
};

static int tests;

static int stats(struct guest *g, struct dune_exit_stats *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(g->vcpu, DUNE_GET_EXIT_STATS, st);
}

/* "name count, ..." for every reason that moved between @a and @b. */
static void describe(const struct dune_exit_stats *a, const struct dune_exit_stats *b,
		     char *buf, size_t len)
{
	size_t used = 0;
	unsigned int r;

	buf[0] = 0;
	for (r = 0; r < DUNE_EXIT_STATS_NR && used < len; r++) {
		unsigned long long d = b->exits[r] - a->exits[r];
		const char *name = r < sizeof(reason_names) / sizeof(reason_names[0]) ?
				   reason_names[r] : NULL;

		if (!d)
			continue;
		used += snprintf(buf + used, len - used, "%s%s(%u) %llu", used ? ", " : "",
				 name ? name : "reason", r, d);
	}
	if (!used)
		snprintf(buf, len, "no exit counted");
}

/*
 * Run @code; a VMCALL with rax == @forward_nr is a system call to make
 * for the guest (the rest of libdune's journey: docs/05).  @want exits of
 * @reason expected, and the guest must end with rax == DONE.
 */
static void measure(struct guest *g, const char *name, const char *code, unsigned int reason,
		    unsigned long long want, long forward_nr)
{
	struct dune_exit_stats before, after;
	char what[256];
	bool ok;

	tests++;
	if (stats(g, &before) || guest_run(g, code, forward_nr, 0, 0)) {
		printf("not ok %d exits.%s: DUNE_RUN or DUNE_GET_EXIT_STATS failed: %m\n", tests, name);
		return;
	}
	while (forward_nr && g->run.exit_reason == DUNE_EXIT_VMCALL &&
	       g->run.regs.rax == (uint64_t)forward_nr) {
		/* the guest's system call, made natively; the guest resumes after its VMCALL */
		int r;

		g->run.regs.rax = syscall(forward_nr);
		do
			r = ioctl(g->vcpu, DUNE_RUN, &g->run);
		while (r == -1 && errno == EINTR);
		if (r) {
			printf("not ok %d exits.%s: DUNE_RUN failed: %m\n", tests, name);
			return;
		}
	}
	if (stats(g, &after)) {
		printf("not ok %d exits.%s: DUNE_GET_EXIT_STATS failed: %m\n", tests, name);
		return;
	}
	describe(&before, &after, what, sizeof(what));
	ok = g->run.exit_reason == DUNE_EXIT_VMCALL && g->run.regs.rax == DONE &&
	     after.exits[reason] - before.exits[reason] == want;
	if (forward_nr)
		ok = ok && g->run.regs.rbx == (uint64_t)syscall(forward_nr);
	printf("%sok %d exits.%s: %s (want %s(%u) %llu; the guest %s)\n", ok ? "" : "not ", tests,
	       name, what, reason_names[reason], reason, want,
	       g->run.exit_reason != DUNE_EXIT_VMCALL ? "did not end with VMCALL" :
	       g->run.regs.rax == DONE ? "went on" : "ended elsewhere");
}

/* lab 2: @code must end in the guest's handler of exception @vec. */
static void refused(struct guest *g, const char *name, const char *code, unsigned int vec)
{
	tests++;
	if (guest_run(g, code, 0, 0, 0)) {
		printf("not ok %d refuses.%s: DUNE_RUN failed: %m\n", tests, name);
		return;
	}
	if (g->run.exit_reason == DUNE_EXIT_VMCALL && g->run.regs.rax == TRAPPED(vec))
		printf("ok %d refuses.%s: vector %u in the guest\n", tests, name, vec);
	else if (g->run.exit_reason == DUNE_EXIT_VMCALL)
		printf("not ok %d refuses.%s: the guest %s (rax %#llx), not vector %u\n", tests, name,
		       g->run.regs.rax == DONE ? "went on" : "ended elsewhere",
		       (unsigned long long)g->run.regs.rax, vec);
	else
		printf("not ok %d refuses.%s: DUNE_RUN ended with exit %u (hardware reason %u), not vector %u in the guest\n",
		       tests, name, g->run.exit_reason, g->run.u.fail.hw_exit_reason & 0xffff, vec);
}

/* #GP first: the guest's IDT reports it, then resumes the operation's end. */
static void measure_refused(struct guest *g, const char *name, const char *code,
			    unsigned int reason)
{
	struct dune_exit_stats before, after;
	char what[256];
	bool ok;

	tests++;
	if (stats(g, &before) || guest_run(g, code, 0, 0, 0) || stats(g, &after)) {
		printf("not ok %d exits.%s: DUNE_RUN or DUNE_GET_EXIT_STATS failed: %m\n", tests, name);
		return;
	}
	describe(&before, &after, what, sizeof(what));
	ok = g->run.exit_reason == DUNE_EXIT_VMCALL && g->run.regs.rax == TRAPPED(VEC_GP) &&
	     after.exits[reason] - before.exits[reason] == 1;
	printf("%sok %d exits.%s: %s (want %s(%u) 1, then #GP in the guest: %s)\n", ok ? "" : "not ",
	       tests, name, what, reason_names[reason], reason,
	       g->run.exit_reason != DUNE_EXIT_VMCALL ? "the run ended otherwise" :
	       g->run.regs.rax == TRAPPED(VEC_GP) ? "yes" : "no");
}

static void refusals(struct guest *g)
{
	printf("1..8\n");
	refused(g, "hlt", op_hlt, VEC_GP);
	refused(g, "out", op_out, VEC_GP);
	refused(g, "in", op_in, VEC_GP);
	refused(g, "mov_to_cr8", op_cr8_write, VEC_GP);
	refused(g, "invd", op_invd, VEC_GP);
	refused(g, "vmlaunch", op_vmlaunch, VEC_UD);
	refused(g, "vmread", op_vmread, VEC_UD);
	refused(g, "vmxon", op_vmxon, VEC_UD);
}

int main(int argc, char **argv)
{
	bool lab2 = argc > 1 && !strcmp(argv[1], "--refusals");
	struct guest g;

	if (guest_setup(&g) || guest_map_text(&g, op_cpuid) || guest_map_text(&g, op_getppid) ||
	    guest_create_vcpu(&g)) {
		printf("Bail out! no VM: %m (is dune.ko loaded?)\n");
		return 1;
	}
	if (lab2) {
		refusals(&g);
		guest_teardown(&g);
		return 0;
	}
	printf("1..4\n");
	measure(&g, "cpuid", op_cpuid, REASON_CPUID, 1, 0);
	measure_refused(&g, "hlt", op_hlt, REASON_HLT);
	measure_refused(&g, "cr8", op_cr8, REASON_CR);
	measure(&g, "getppid", op_getppid, REASON_VMCALL, 2, SYS_getppid);
	guest_teardown(&g);
	return 0;
}
