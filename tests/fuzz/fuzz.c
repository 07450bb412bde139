// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz.c - see fuzz.h: counters, JSON figures, TAP, options.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "fuzz.h"

const char *const fz_op_names[FZ_NR_OPS] = {
	[FZ_OPEN] = "open", [FZ_CREATE_VM] = "DUNE_CREATE_VM",
	[FZ_MAP_CHUNKS] = "DUNE_MAP_CHUNKS", [FZ_CREATE_VCPU] = "DUNE_CREATE_VCPU",
	[FZ_RUN] = "DUNE_RUN", [FZ_GET_EXIT_STATS] = "DUNE_GET_EXIT_STATS",
	[FZ_CHECK_EXTENSION] = "DUNE_CHECK_EXTENSION", [FZ_GET_VMX_INFO] = "DUNE_GET_VMX_INFO",
	[FZ_BAD_IOCTL] = "unknown_ioctl", [FZ_CLOSE] = "close", [FZ_DUP] = "dup",
	[FZ_FORK] = "fork", [FZ_EXEC] = "exec", [FZ_MMAP] = "mmap", [FZ_MUNMAP] = "munmap",
	[FZ_MPROTECT] = "mprotect", [FZ_MREMAP] = "mremap", [FZ_MADVISE] = "madvise",
};

static const char *const dune_exit_names[] = {
	"NONE", "VMCALL", "EPT_FAULT", "TRIPLE_FAULT", "ENTRY_FAILED", "UNHANDLED",
};

struct fz_stats *fz_stats_create(void)
{
	void *p = mmap(NULL, sizeof(struct fz_stats), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap stats");
		exit(2);
	}
	return p;
}

void fz_count(struct fz_stats *st, enum fz_op op, long ret, int err)
{
	int e = ret < 0 ? err : 0;

	if (e < 0 || e > FZ_ERRNO_MAX)
		e = FZ_ERRNO_MAX;
	__atomic_add_fetch(&st->ops[op], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->errnos[op][e], 1, __ATOMIC_RELAXED);
}

double fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *errno_name(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

void fz_stats_json(FILE *f, const struct fz_stats *st, const char *program, uint64_t seed,
		   double seconds, const char *extra)
{
	uint64_t ioctls = 0;
	unsigned int op, e, x;
	bool first;

	for (op = FZ_IOCTL_FIRST; op <= FZ_IOCTL_LAST; op++)
		ioctls += st->ops[op];
	fprintf(f, "{\"program\": \"%s\", \"seed\": %llu, \"seconds\": %.1f, ", program,
		(unsigned long long)seed, seconds);
	fprintf(f, "\"ioctls\": %llu, \"ioctls_per_s\": %.1f, \"guest_runs\": %llu, ",
		(unsigned long long)ioctls, seconds > 0 ? ioctls / seconds : 0.0,
		(unsigned long long)st->guest_runs);
	fprintf(f, "\"entry_failures\": %llu, \"host_state_checks\": %llu, "
		"\"oracle_failures\": %llu, \"fault_injections\": %llu, \"injected_failures\": %llu, ",
		(unsigned long long)st->entry_failures, (unsigned long long)st->host_state_checks,
		(unsigned long long)st->failures, (unsigned long long)st->fault_injections,
		(unsigned long long)st->injected_failures);
	if (extra)
		fprintf(f, "%s, ", extra);
	fprintf(f, "\"ops\": {");
	first = true;
	for (op = 0; op < FZ_NR_OPS; op++) {
		if (!st->ops[op])
			continue;
		fprintf(f, "%s\"%s\": {\"n\": %llu, \"per_s\": %.1f, \"errno\": {", first ? "" : ", ",
			fz_op_names[op], (unsigned long long)st->ops[op],
			seconds > 0 ? st->ops[op] / seconds : 0.0);
		first = false;
		for (e = 0, x = 0; e <= FZ_ERRNO_MAX; e++)
			if (st->errnos[op][e])
				fprintf(f, "%s\"%s\": %llu", x++ ? ", " : "", errno_name(e),
					(unsigned long long)st->errnos[op][e]);
		fprintf(f, "}}");
	}
	fprintf(f, "}, \"dune_exits\": {");
	for (e = 0, x = 0; e < sizeof(dune_exit_names) / sizeof(dune_exit_names[0]); e++)
		if (st->dune_exits[e])
			fprintf(f, "%s\"%s\": %llu", x++ ? ", " : "", dune_exit_names[e],
				(unsigned long long)st->dune_exits[e]);
	fprintf(f, "}, \"hw_exits\": {");
	for (e = 0, x = 0; e < FZ_HW_EXITS; e++)
		if (st->hw_exits[e])
			fprintf(f, "%s\"%u\": %llu", x++ ? ", " : "", e,
				(unsigned long long)st->hw_exits[e]);
	fprintf(f, "}}\n");
}

static int tap_n, tap_failed;

void tap_plan(int n)
{
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

void tap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int tap_exit(void)
{
	printf("# Totals: pass:%d fail:%d\n", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

void fz_parse_opts(int argc, char **argv, struct fz_opts *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 'T' },
		{ "json", required_argument, NULL, 'j' },
		{ "replay", required_argument, NULL, 'r' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "short", no_argument, NULL, 'S' },
		{ "stop", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->seed = strtoull(optarg, NULL, 0); break;
		case 'n': o->ops = strtoull(optarg, NULL, 0); break;
		case 'p': o->procs = atoi(optarg); break;
		case 't': o->threads = atoi(optarg); break;
		case 'T': o->seconds = atof(optarg); break;
		case 'j': o->json = optarg; break;
		case 'r': o->replay = optarg; break;
		case 'l': o->log_dir = optarg; break;
		case 'S': o->short_mode = true; break;
		case 'x': o->stop = true; break;
		default:
			fprintf(stderr, "usage: %s [--seed N] [--ops N] [--procs N] [--threads N] "
				"[--seconds S] [--json FILE] [--replay LOG] [--log-dir DIR] [--short] [--stop]\n",
				argv[0]);
			exit(2);
		}
	}
}
