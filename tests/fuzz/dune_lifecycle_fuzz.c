// SPDX-License-Identifier: GPL-2.0
/*
 * dune_lifecycle_fuzz - VMs and vCPUs coming and going under load.
 *
 * After the model of KVM's hardware_disable_test and the lifecycle parts
 * of its selftests: create and destroy VMs and vCPUs while others run,
 * close a vCPU's and its VM's files while the vCPU is in DUNE_RUN, end a
 * process while one of its threads is in DUNE_RUN (exit_group, SIGKILL),
 * take CPUs offline and online under running vCPUs, create vCPUs until a
 * limit refuses, release them and do it again; last, rmmod must be
 * refused while a VM is open and succeed once it is closed.  Oracles:
 * every call returns (a timer ends endless guests), the same limit is
 * reached twice, and free memory, unreclaimable slab, open files and the
 * module's references come back where they started (leaks.c).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "guestlib.h"
#include "leaks.h"
#include "testlib.h"

#define LOOP_FOREVER	(~0ULL >> 1)	/* guest_read_loop count: until interrupted */

static struct fz_opts opts = { .seed = 1, .ops = 40 };
static struct fz_stats *st;

static void on_signal(int sig)
{
	(void)sig;
}

/* One DUNE_RUN, not retried: EINTR is an answer here. */
static int run_once(struct guest *g, const void *code, uint64_t rdi, uint64_t rsi)
{
	int r;

	memset(&g->run, 0, sizeof(g->run));
	g->run.regs.rip = (uintptr_t)code;
	g->run.regs.rsp = (uintptr_t)g->pool + CHUNK - 8192;
	g->run.regs.rflags = 0x2;
	g->run.regs.rdi = rdi;
	g->run.regs.rsi = rsi;
	r = ioctl(g->vcpu, DUNE_RUN, &g->run);
	fz_count(st, FZ_RUN, r, errno);
	if (!r)
		st->guest_runs++;
	return r;
}

/* SIGUSR1 to this thread after @ms milliseconds, to end a guest loop. */
static timer_t thread_timer(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };
	timer_t t;

	sev._sigev_un._tid = syscall(SYS_gettid);
	timer_create(CLOCK_MONOTONIC, &sev, &t);
	return t;
}

static void arm(timer_t t, long ms)
{
	struct itimerspec its = { .it_value = { ms / 1000, (ms % 1000) * 1000000 } };

	timer_settime(t, 0, &its, NULL);
}

/* --- vCPUs until the limit, twice ------------------------------------------- */

static int vcpus_until_limit(struct guest *g, int *fds, int max, int *err)
{
	int n = 0;

	while (n < max) {
		fds[n] = ioctl(g->vm, DUNE_CREATE_VCPU, &g->config);
		fz_count(st, FZ_CREATE_VCPU, fds[n], errno);
		if (fds[n] < 0) {
			*err = errno;
			break;
		}
		n++;
	}
	return n;
}

static void test_vcpu_limit(void)
{
	int max = opts.short_mode ? 300 : 3000, n1, n2, e1 = 0, e2 = 0, i, *fds;
	struct rlimit rl = { max + 64, max + 64 };
	struct guest g;

	setrlimit(RLIMIT_NOFILE, &rl);
	fds = calloc(max, sizeof(int));
	if (guest_setup(&g)) {
		tap_result(false, "vcpu_limit: setup: %s", strerror(errno));
		return;
	}
	n1 = vcpus_until_limit(&g, fds, max, &e1);
	for (i = 0; i < n1; i++)
		close(fds[i]);
	n2 = vcpus_until_limit(&g, fds, max, &e2);
	for (i = 0; i < n2; i++)
		close(fds[i]);
	guest_teardown(&g);
	free(fds);
	printf("# vcpu_limit: %d vCPUs (%s), released, then %d (%s)\n", n1,
	       e1 ? strerror(e1) : "cap", n2, e2 ? strerror(e2) : "cap");
	tap_result(n1 == n2 && n1 > 0, "vcpu_limit: the same number of vCPUs after releasing them (%d, %d)",
		   n1, n2);
}

/* --- churn: create, run, destroy, while CPUs come and go -------------------- */

static volatile int stop_hotplug;

static void *hotplug_main(void *arg)
{
	unsigned long *toggles = arg;

	while (!stop_hotplug) {
		if (write_text("/sys/devices/system/cpu/cpu1/online", "0"))
			break;
		usleep(20000);
		write_text("/sys/devices/system/cpu/cpu1/online", "1");
		(*toggles)++;
		usleep(20000);
	}
	write_text("/sys/devices/system/cpu/cpu1/online", "1");
	return NULL;
}

static void *churn_main(void *arg)
{
	struct rng r = { .s = opts.seed + (uintptr_t)arg };
	timer_t t = thread_timer();
	uint64_t i;
	long bad = 0;

	for (i = 0; i < opts.ops; i++) {
		struct guest g;
		int k, runs = 1 + rng_below(&r, 4);

		if (guest_setup(&g)) {
			fz_count(st, FZ_CREATE_VM, -1, errno);
			guest_teardown(&g);
			continue;
		}
		fz_count(st, FZ_CREATE_VM, 0, 0);
		if (guest_create_vcpu(&g)) {
			fz_count(st, FZ_CREATE_VCPU, -1, errno);
			guest_teardown(&g);
			continue;
		}
		fz_count(st, FZ_CREATE_VCPU, 0, 0);
		for (k = 0; k < runs; k++) {
			/* a loop until the timer, or a read that must come back right */
			if (rng_one_in(&r, 2)) {
				arm(t, 1 + rng_below(&r, 10));
				run_once(&g, guest_read_loop, (uintptr_t)g.pool, LOOP_FOREVER);
				arm(t, 0);
			} else {
				g.pool[511 * 512] = i;
				if (guest_run(&g, guest_read, (uintptr_t)&g.pool[511 * 512], 0, 0) ||
				    g.run.exit_reason != DUNE_EXIT_VMCALL || g.run.regs.rax != i)
					bad++;
			}
		}
		/* sometimes the VM goes first, the vCPU keeps it alive */
		if (rng_one_in(&r, 2)) {
			close(g.vm);
			g.vm = -1;
		}
		guest_teardown(&g);
	}
	timer_delete(t);
	return (void *)bad;
}

static void test_churn(void)
{
	pthread_t th[3], hp;
	unsigned long toggles = 0;
	long bad = 0;
	void *ret;
	int i;
	bool hotplug = online_cpus() > 1 &&
		       !access("/sys/devices/system/cpu/cpu1/online", W_OK);

	stop_hotplug = 0;
	if (hotplug)
		pthread_create(&hp, NULL, hotplug_main, &toggles);
	for (i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, churn_main, (void *)(uintptr_t)i);
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], &ret);
		bad += (long)ret;
	}
	stop_hotplug = 1;
	if (hotplug)
		pthread_join(hp, NULL);
	printf("# churn: 3 threads x %llu VMs, CPU 1 offline/online %lu times\n",
	       (unsigned long long)opts.ops, toggles);
	tap_result(bad == 0, "churn: VMs and vCPUs created, run and destroyed under CPU hotplug "
		   "(%ld wrong answers)", bad);
	if (!hotplug)
		tap_skip("churn: CPU hotplug (one CPU, or cpu1/online not writable)");
	else
		tap_result(toggles > 0, "churn: CPU 1 went offline and online %lu times", toggles);
}

/* --- close during RUN ---------------------------------------------------------- */

struct closer {
	struct guest *g;
	int vcpu, vm;
};

static void *closer_main(void *arg)
{
	struct closer *c = arg;

	usleep(5000);
	close(c->vcpu);
	close(c->vm);
	return NULL;
}

static void test_close_during_run(void)
{
	unsigned int i, n = opts.short_mode ? 10 : 50, ebadf = 0;
	timer_t t = thread_timer();
	bool ok = true;

	for (i = 0; i < n && ok; i++) {
		struct guest g;
		struct closer c;
		pthread_t th;
		int r;

		if (guest_setup(&g) || guest_create_vcpu(&g)) {
			ok = false;
			break;
		}
		c.g = &g;
		c.vcpu = g.vcpu;
		c.vm = g.vm;
		pthread_create(&th, NULL, closer_main, &c);
		arm(t, 50);
		r = run_once(&g, guest_read_loop, (uintptr_t)g.pool, LOOP_FOREVER);
		arm(t, 0);
		pthread_join(th, NULL);
		(void)r;
		/* the files are gone now: the fd number is free */
		r = ioctl(g.vcpu, DUNE_RUN, &g.run);
		if (r == -1 && errno == EBADF)
			ebadf++;
		g.vcpu = g.vm = -1;
		guest_teardown(&g);
	}
	timer_delete(t);
	tap_result(ok && ebadf == n, "close_during_run: %u vCPUs closed while running, all returned "
		   "(EBADF after: %u)", n, ebadf);
}

/* --- a process ends while its vCPU runs ---------------------------------------- */

static void *exiter_main(void *arg)
{
	usleep(3000 + (uintptr_t)arg);
	syscall(SYS_exit_group, 0);
	return NULL;
}

static void test_exit_in_run(void)
{
	unsigned int i, n = opts.short_mode ? 8 : 40, clean = 0;

	for (i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			struct guest g;
			pthread_t th;

			if (guest_setup(&g) || guest_create_vcpu(&g))
				_exit(3);
			if (i % 2 == 0)
				pthread_create(&th, NULL, exiter_main, (void *)(uintptr_t)(i * 100));
			for (;;)
				run_once(&g, guest_read_loop, (uintptr_t)g.pool, LOOP_FOREVER);
		}
		if (i % 2) {
			usleep(20000 + i * 1000);
			kill(pid, SIGKILL);
		}
		if (waitpid(pid, &status, 0) == pid &&
		    ((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
		     (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)))
			clean++;
	}
	tap_result(clean == n, "exit_in_run: %u processes ended (exit_group, SIGKILL) inside DUNE_RUN, "
		   "%u cleanly", n, clean);
}

/* --- rmmod: refused while in use, then clean --------------------------------- */

static void test_rmmod(void)
{
	struct guest g;
	int busy, r;

	if (!module_loaded("dune") || access(DUNE_KO, R_OK)) {
		tap_skip("rmmod: dune.ko not loaded from %s", DUNE_KO);
		return;
	}
	if (guest_setup(&g) || guest_create_vcpu(&g)) {
		tap_result(false, "rmmod: setup: %s", strerror(errno));
		return;
	}
	busy = unload_module("dune");
	guest_teardown(&g);
	r = unload_module("dune");
	if (r == 0)
		r = load_module(DUNE_KO, "");
	tap_result(busy == -EWOULDBLOCK || busy == -EBUSY,
		   "rmmod: refused while a VM and vCPU are open (%s)", strerror(-busy));
	tap_result(r == 0, "rmmod: clean once closed, and loads again (%s)", strerror(-r));
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct leak_snapshot before, after;
	double t0 = fz_now();
	char why[256], extra[256];
	FILE *f;
	bool ok;

	fz_parse_opts(argc, argv, &opts);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
	st = fz_stats_create();
	tap_plan(8);
	printf("# seed %llu, %llu VMs per churn thread%s\n", (unsigned long long)opts.seed,
	       (unsigned long long)opts.ops, opts.short_mode ? " (short mode)" : "");
	leak_snapshot(&before);
	test_vcpu_limit();
	test_churn();
	test_close_during_run();
	test_exit_in_run();
	leak_snapshot(&after);
	ok = leak_compare(&before, &after, why, sizeof(why));
	tap_result(ok, "leaks: %s", why);
	leak_json(&before, &after, extra, sizeof(extra));
	test_rmmod();
	if (opts.json && (f = fopen(opts.json, "w"))) {
		fz_stats_json(f, st, "dune_lifecycle_fuzz", opts.seed, fz_now() - t0, extra);
		fclose(f);
	}
	return tap_exit();
}
