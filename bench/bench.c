// SPDX-License-Identifier: GPL-2.0
/*
 * bench - Dune mode measured next to native Linux, ptrace and seccomp, in
 * one run.  See bench.h for how it is organised and docs/performance.md
 * for what the numbers mean.
 *
 *   bench [-q] [-o FILE.json] [-n PAGES] [-i ITERS]
 *   bench -t		(a few VM exits, for the tracepoint check)
 *
 * Prints a table (ticks per operation: median, p10, p90; the ratio to the
 * native getpid row of the same run; VM exits per operation by reason),
 * a list of the targets of issue 6 with what was measured, and the same
 * in JSON between the lines "BENCH-JSON-BEGIN" and "BENCH-JSON-END" (the
 * emulated machine returns only its console output), or into FILE.json.
 * -q: a quicker, smaller run.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cpuid.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include <sys/syscall.h>

#include "dune.h"
#include "bench.h"

struct bench *B;

struct row *row_new(int group, const char *id, const char *label)
{
	struct row *r;

	if (B->nrows >= MAX_ROWS) {
		fprintf(stderr, "bench: too many rows\n");
		_exit(2);
	}
	r = &B->rows[B->nrows++];
	/*
	 * All of it, samples too: in Dune mode the first write to each page
	 * is an EPT violation, which must not land in a measured loop.
	 */
	memset(r, 0, sizeof(*r));
	r->group = group;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->label, sizeof(r->label), "%s", label);
	return r;
}

void row_add_raw(struct row *r, double per_op)
{
	if (r->n < MAX_SAMPLES)
		r->sample[r->n++] = per_op;
}

void row_add(struct row *r, uint64_t ticks, uint64_t ops)
{
	double t = (double)ticks - B->overhead;

	row_add_raw(r, (t < 0 ? 0 : t) / (double)ops);
}

void row_note(struct row *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
}

void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- statistics --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @p-th percentile (0..100) of sorted samples, by nearest rank. */
static double percentile(const double *s, int n, int p)
{
	int i;

	if (n == 0)
		return 0;
	i = (int)((double)p / 100.0 * (n - 1) + 0.5);
	return s[i];
}

struct stats {
	double median, p10, p90;
};

static struct stats row_stats(struct row *r)
{
	struct stats st;

	qsort(r->sample, r->n, sizeof(double), cmp_double);
	st.median = percentile(r->sample, r->n, 50);
	st.p10 = percentile(r->sample, r->n, 10);
	st.p90 = percentile(r->sample, r->n, 90);
	return st;
}

static struct row *find(const char *id)
{
	int i;

	for (i = 0; i < B->nrows; i++)
		if (!strcmp(B->rows[i].id, id) && B->rows[i].n)
			return &B->rows[i];
	return NULL;
}

/* Names of the basic exit reasons that occur here (SDM Vol. 3D, App. C). */
static const char *reason_name(int r)
{
	switch (r) {
	case 0: return "EXC_NMI";
	case 1: return "EXT_INTR";
	case 2: return "TRIPLE_FAULT";
	case 10: return "CPUID";
	case 12: return "HLT";
	case 18: return "VMCALL";
	case 28: return "CR_ACCESS";
	case 31: return "RDMSR";
	case 32: return "WRMSR";
	case 48: return "EPT_VIOLATION";
	case 49: return "EPT_MISCONFIG";
	case 52: return "PREEMPT_TIMER";
	default: return NULL;
	}
}

static double exits_total(const struct row *r)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < DUNE_EXIT_STATS_NR; i++)
		sum += r->exits[i];
	return r->ops ? (double)sum / r->ops : 0;
}

/* "VMCALL 1.00 EPT_VIOLATION 0.01", or "0" */
static void exits_text(const struct row *r, char *buf, size_t size, bool json)
{
	size_t len = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < DUNE_EXIT_STATS_NR; i++) {
		const char *name = reason_name(i);
		char tmp[24];
		double v;

		if (!r->exits[i])
			continue;
		v = (double)r->exits[i] / r->ops;
		if (!name) {
			snprintf(tmp, sizeof(tmp), "reason%d", i);
			name = tmp;
		}
		len += snprintf(buf + len, size - len, json ? "%s\"%s\": %.4f" : "%s%s %.3g",
				len ? (json ? ", " : " ") : "", name, v);
		if (len >= size)
			break;
	}
	if (!json && !len)
		snprintf(buf, size, "0");
}

/* ---- the targets of issue 6 ----------------------------------------------- */

struct target {
	const char *what;
	char measured[96];
	int met;		/* 1, 0, or -1 when a row is missing */
};

static double med(const char *id)
{
	struct row *r = find(id);

	return r ? row_stats(r).median : -1;
}

/*
 * Exits per operation of one reason, or (@reason < 0) of every reason the
 * operation itself causes: not the host's timer and device interrupts
 * (EXT_INTR, 1; PREEMPT_TIMER, 52) nor NMIs, which land in whatever runs.
 */
static double xops(const char *id, int reason)
{
	struct row *r = find(id);
	uint64_t sum = 0;
	int i;

	if (!r || !r->has_exits || !r->ops)
		return -1;
	if (reason >= 0)
		return (double)r->exits[reason] / r->ops;
	for (i = 0; i < DUNE_EXIT_STATS_NR; i++)
		if (i != 1 && i != 52 && i != 0)
			sum += r->exits[i];
	return (double)sum / r->ops;
}

/* Equal to @n exits per operation, to the precision the counts give. */
static bool exactly(double x, double n)
{
	return x >= 0 && x > n - 0.0005 && x < n + 0.0005;
}

static int ntargets;
static struct target targets[24];

static void target(const char *what, int met, const char *fmt, ...)
{
	struct target *t = &targets[ntargets++];
	va_list ap;

	t->what = what;
	t->met = met;
	va_start(ap, fmt);
	vsnprintf(t->measured, sizeof(t->measured), fmt, ap);
	va_end(ap);
}

#define HAVE(...) (have(__VA_ARGS__, NULL))
static bool have(const char *id, ...)
{
	va_list ap;
	const char *s;
	bool ok = true;

	va_start(ap, id);
	for (s = id; s; s = va_arg(ap, const char *))
		ok &= find(s) != NULL;
	va_end(ap);
	return ok;
}

static void appel_targets(const char *name, const char *native, const char *r3, const char *r0)
{
	static char what[2][2][80];
	int k = name[5] == '2';

	snprintf(what[k][0], 80, "%s >= 7x faster than native (faults in ring 3)", name);
	snprintf(what[k][1], 80, "%s >= 7x faster than native (faults in ring 0)", name);
	if (HAVE(native, r3))
		target(what[k][0], med(native) / med(r3) >= 7, "%.1fx faster",
		       med(native) / med(r3));
	if (HAVE(native, r0))
		target(what[k][1], med(native) / med(r0) >= 7, "%.1fx faster",
		       med(native) / med(r0));
}

static void evaluate_targets(void)
{
	double g = med("native_getpid");

	if (HAVE("native_getpid", "r3_caught", "ptrace_sysemu", "ptrace_syscall")) {
		double c = med("r3_caught"), p = med("ptrace_sysemu");

		if (med("ptrace_syscall") < p)
			p = med("ptrace_syscall");
		target("sandboxed getpid (ring-3 syscall answered in ring 0) <= 1x native getpid",
		       c <= g, "%.2fx", c / g);
		target("... >= 50x cheaper than ptrace (the cheaper of SYSCALL/SYSEMU)",
		       p / c >= 50, "%.1fx cheaper", p / c);
		target("... with 0 exits", exactly(xops("r3_caught", -1), 0), "%.3f exits/op",
		       xops("r3_caught", -1));
	}
	if (HAVE("native_getpid", "dune_getpid")) {
		target("forwarded syscall: exactly 1 exit", exactly(xops("dune_getpid", -1), 1),
		       "%.3f exits/op (VMCALL %.3f)", xops("dune_getpid", -1),
		       xops("dune_getpid", 18));
		target("forwarded syscall <= 3x native getpid", med("dune_getpid") <= 3 * g,
		       "%.2fx", med("dune_getpid") / g);
	}
	if (HAVE("r3_pf"))
		target("guest page fault: 0 exits (fault in ring 3)",
		       exactly(xops("r3_pf", -1), 0), "%.3f exits/op", xops("r3_pf", -1));
	if (HAVE("dune_pf_pgflt"))
		target("guest page fault: 0 exits (fault in ring 0, pgflt handler)",
		       exactly(xops("dune_pf_pgflt", -1), 0), "%.3f exits/op", xops("dune_pf_pgflt", -1));
	if (HAVE("dune_pf_vec14"))
		target("guest page fault: 0 exits (fault in ring 0, vector-14 handler)",
		       exactly(xops("dune_pf_vec14", -1), 0), "%.3f exits/op", xops("dune_pf_vec14", -1));
	appel_targets("appel1", "native_appel1", "r3_appel1", "dune_appel1_pgflt");
	appel_targets("appel2", "native_appel2", "r3_appel2", "dune_appel2_pgflt");
	if (HAVE("native_fault4k", "dune_ept4k"))
		target("EPT fault-in <= 2x a native minor fault per 4 KiB page",
		       med("dune_ept4k") <= 2 * med("native_fault4k"), "%.2fx",
		       med("dune_ept4k") / med("native_fault4k"));
	if (HAVE("dune_ept2m"))
		target("EPT fault-in: 1 exit per 2 MiB page", exactly(xops("dune_ept2m", -1), 1),
		       "%.3f exits/op", xops("dune_ept2m", -1));
	if (HAVE("native_forkexec", "dune_init_enter"))
		target("dune_init+dune_enter <= 1/10 of fork+exec+wait",
		       med("dune_init_enter") * 10 <= med("native_forkexec"), "%.3f of it",
		       med("dune_init_enter") / med("native_forkexec"));
}

/* ---- output --------------------------------------------------------------- */

static const char *const group_names[] = { "native", "dune", "intercept" };

static void print_table(void)
{
	double g = med("native_getpid");
	int i, k, grp = -1;

	printf("\n%-46s %11s %11s %11s %9s  %s\n", "operation", "ticks/op", "p10", "p90",
	       "x getpid", "VM exits/op");
	for (k = 0; k < 3 * B->nrows; k++) {
		struct row *r = &B->rows[k % B->nrows];
		struct stats st;
		char ex[160];

		/* Group by group, in the order of the rows. */
		if (!r->n || r->group != k / B->nrows)
			continue;
		if (r->group != grp) {
			grp = r->group;
			printf("-- %s\n", group_names[grp]);
		}
		st = row_stats(r);
		if (r->has_exits)
			exits_text(r, ex, sizeof(ex), false);
		else
			snprintf(ex, sizeof(ex), "-");
		printf("%-46s %11.0f %11.0f %11.0f %9.2f  %s\n", r->label, st.median, st.p10,
		       st.p90, g > 0 ? st.median / g : 0, ex);
	}
	for (i = 0; i < B->nrows; i++)
		if (B->rows[i].note[0])
			printf("note: %s: %s\n", B->rows[i].id, B->rows[i].note);
	printf("\ntargets (issue 6)\n");
	for (i = 0; i < ntargets; i++)
		printf("  [%s] %s: %s\n",
		       targets[i].met > 0 ? "met" : targets[i].met == 0 ? "MISSED" : "n/a",
		       targets[i].what, targets[i].measured);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_json(FILE *f)
{
	double g = med("native_getpid");
	struct utsname u;
	int i, first = 1;

	uname(&u);
	fprintf(f, "{\"version\": 1, \"machine\": {\"kernel\": ");
	json_string(f, u.release);
	fprintf(f, ", \"cpus\": %ld, \"emulated\": %s, \"rdtscp\": %s, \"timer_overhead\": %.0f, "
		"\"seccomp_sync_wakeup\": %d},\n", sysconf(_SC_NPROCESSORS_ONLN),
		getenv("DUNE_VM") ? "true" : "false", B->rdtscp ? "true" : "false",
		B->overhead, B->sync_wakeup);
	fprintf(f, "\"baseline\": \"native_getpid\", \"rows\": [\n");
	for (i = 0; i < B->nrows; i++) {
		struct row *r = &B->rows[i];
		struct stats st;
		char ex[400];

		if (!r->n)
			continue;
		st = row_stats(r);
		fprintf(f, "%s{\"id\": \"%s\", \"group\": \"%s\", \"label\": ", first ? "" : ",\n",
			r->id, group_names[r->group]);
		first = 0;
		json_string(f, r->label);
		fprintf(f, ", \"n\": %d, \"median\": %.1f, \"p10\": %.1f, \"p90\": %.1f, \"ratio\": %.3f",
			r->n, st.median, st.p10, st.p90, g > 0 ? st.median / g : 0);
		if (r->has_exits) {
			exits_text(r, ex, sizeof(ex), true);
			fprintf(f, ", \"ops\": %llu, \"exits_per_op\": {%s}, \"total_exits_per_op\": %.4f, "
				"\"runs_per_op\": %.4f", (unsigned long long)r->ops, ex,
				exits_total(r), r->ops ? (double)r->runs / r->ops : 0);
		}
		if (r->note[0]) {
			fprintf(f, ", \"note\": ");
			json_string(f, r->note);
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n], \"targets\": [\n");
	for (i = 0; i < ntargets; i++) {
		fprintf(f, "%s{\"target\": ", i ? ",\n" : "");
		json_string(f, targets[i].what);
		fprintf(f, ", \"measured\": ");
		json_string(f, targets[i].measured);
		fprintf(f, ", \"met\": %s}", targets[i].met > 0 ? "true" : "false");
	}
	fprintf(f, "\n]}\n");
}

/* ---- main ----------------------------------------------------------------- */

static void calibrate(void)
{
	unsigned int a, b, c, d;
	double s[1001];
	int i;

	B->rdtscp = __get_cpuid(0x80000001, &a, &b, &c, &d) && (d & (1u << 27));
	for (i = 0; i < 1001; i++) {
		uint64_t t0 = t_start();

		s[i] = (double)(t_stop() - t0);
	}
	qsort(s, 1001, sizeof(double), cmp_double);
	B->overhead = s[500];
}

/*
 * -t: a few exits for the tracepoint check (run-bench): enter Dune mode,
 * make 10 forwarded getpids and one CPUID.
 */
static int trace_probe(void)
{
	unsigned int a = 0, b, c = 0, d;
	double s[10];
	int i;

	if (dune_init_and_enter())
		return 1;
	for (i = 0; i < 10; i++) {
		uint64_t t0 = t_start();

		raw_syscall0(SYS_getpid);
		s[i] = (double)(t_stop() - t0);
	}
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	qsort(s, 10, sizeof(double), cmp_double);
	printf("trace-probe: forwarded getpid, %.0f ticks (median of 10, tracing as set up)\n",
	       s[5]);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench [-q] [-o FILE.json] [-n PAGES] [-i ITERS] [-S NAME=SANDBOX]... [-X]\n"
			"       -X: the native system calls and the sandbox rows only\n"
			"       bench -C N   (in a sandbox: N timed calls of each kind, for -S)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *json_path = NULL;
	char *slash, self[PATH_MAX];
	bool sandbox_only = false;
	int opt;

	B = mmap(NULL, sizeof(*B), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (B == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	B->iters = 1000;
	B->pages = 4096;
	B->huge = 16;
	B->appel_pages = 100;
	B->spawns = 20;
	B->sync_wakeup = -1;
	calibrate();
	while ((opt = getopt(argc, argv, "tqXo:n:i:S:C:")) != -1) {
		switch (opt) {
		case 't':
			return trace_probe();
		case 'C':
			return sandbox_calls(atoi(optarg) > 0 && atoi(optarg) <= MAX_SAMPLES ?
					     atoi(optarg) : MAX_SAMPLES);
		case 'S':
			if (sandbox_add(optarg))
				usage();
			break;
		case 'X':
			sandbox_only = true;
			break;
		case 'q':
			B->iters = 200;
			B->pages = 1024;
			B->huge = 4;
			B->spawns = 5;
			break;
		case 'o':
			json_path = optarg;
			break;
		case 'n':
			B->pages = atoi(optarg);
			break;
		case 'i':
			B->iters = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (B->pages < 1 || B->iters < 1)
		usage();
	if (B->iters > MAX_SAMPLES)
		B->iters = MAX_SAMPLES;
	/* bench-nop sits next to us. */
	/* absolute: the sandbox rows run them from another process's view */
	if (!realpath(argv[0], self))
		snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(B->nop_path, sizeof(B->nop_path), "%.*s", (int)sizeof(B->nop_path) - 16, self);
	slash = strrchr(B->nop_path, '/');
	snprintf(slash ? slash + 1 : B->nop_path,
		 sizeof(B->nop_path) - (slash ? slash + 1 - B->nop_path : 0), "bench-nop");

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* One CPU for everything: tracer and tracee, supervisor and target. */
	pin_cpu((int)sysconf(_SC_NPROCESSORS_ONLN) - 1);
	calibrate();	/* again, on the CPU we stay on */
	printf("bench: %d iterations, %d pages, %d huge pages, timer overhead %.0f ticks (%s)\n",
	       B->iters, B->pages, B->huge, B->overhead,
	       B->rdtscp ? "lfence;rdtsc .. rdtscp;lfence" : "lfence;rdtsc;lfence");

	if (sandbox_only) {
		bench_native_syscalls();	/* the baseline: native getpid */
		bench_sandbox(self);
	} else {
		bench_native();
		bench_dune();
		bench_dune_startup();
		bench_intercept();
		bench_sandbox(self);
	}

	evaluate_targets();
	print_table();
	printf("BENCH-JSON-BEGIN\n");
	print_json(stdout);
	printf("BENCH-JSON-END\n");
	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f) {
			perror(json_path);
			return 1;
		}
		print_json(f);
		fclose(f);
	}
	return B->dune_ok || sandbox_only ? 0 : 1;
}
