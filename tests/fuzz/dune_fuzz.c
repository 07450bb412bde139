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
 *
 * This file has the threads, processes and replay; the ops are in
 * ioctl/ (ioctl/fuzzer.h lists them).
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

#include "hoststate.h"
#include "leaks.h"
#include "ioctl/fuzzer.h"

/* How often each op is drawn (RUN most: it is where the guest acts). */
static const unsigned int op_weight[OP_NR] = {
	[OP_OPEN] = 2, [OP_CREATE_VM] = 3, [OP_MAP_CHUNKS] = 8, [OP_CREATE_VCPU] = 5,
	[OP_RUN] = 30, [OP_GET_EXIT_STATS] = 3, [OP_INFO] = 2, [OP_BAD_IOCTL] = 2,
	[OP_CLOSE] = 3, [OP_DUP] = 1, [OP_FORK] = 1, [OP_EXEC] = 1, [OP_MMAP] = 4,
	[OP_MUNMAP] = 2, [OP_MPROTECT] = 2, [OP_MREMAP] = 1, [OP_MADVISE] = 3, [OP_TOUCH] = 3,
};

struct fz_opts opts = { .seed = 1, .ops = 2000, .procs = 2, .threads = 2, .log_dir = "/tmp" };
struct fz_stats *st;
int maxphyaddr = 36;
static double deadline;

/* Failures printed per thread; the rest are only counted. */
#define FAILURES_SHOWN	3

void fail(struct thread *t, const char *fmt, ...)
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
	struct leak_snapshot before, after;
	char extra[512], leaks[256], why[256];
	bool leaks_ok;
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
	tap_plan(opts.replay ? 1 : 3);
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
	leak_snapshot(&before);
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
	/* Every worker is gone, and with it every file, VM and vCPU. */
	leak_snapshot(&after);
	leaks_ok = leak_compare(&before, &after, why, sizeof(why));
	leak_json(&before, &after, leaks, sizeof(leaks));
	snprintf(extra, sizeof(extra), "\"procs\": %u, \"threads\": %u, \"msr_checks\": %s, "
		 "\"ldt_checks\": %s, %s", opts.procs, opts.threads, msrs ? "true" : "false",
		 hoststate_have_ldt() ? "true" : "false", leaks);
	fz_stats_json(stdout, st, "dune_fuzz", opts.seed, fz_now() - t0, extra);
	if (opts.json && (f = fopen(opts.json, "w"))) {
		fz_stats_json(f, st, "dune_fuzz", opts.seed, fz_now() - t0, extra);
		fclose(f);
	}
	tap_result(!failed && !st->failures, "ioctl fuzzer: no oracle failure (seed %llu, %llu runs)",
		   (unsigned long long)opts.seed, (unsigned long long)st->guest_runs);
	tap_result(leaks_ok, "no leaks after the workers exit: %s", why);
	if (msrs)
		tap_result(true, "host MSRs checked through /dev/cpu/N/msr");
	else
		tap_skip("host MSRs: no /dev/cpu/N/msr (CONFIG_X86_MSR)");
	return tap_exit();
}

