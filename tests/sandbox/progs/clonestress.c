// SPDX-License-Identifier: GPL-2.0
/*
 * clonestress - many thread and process creations under load, each one
 * bounded in time, so that a lost wakeup or a lock a child can never take
 * is a FAIL line with what was seen, never a silent hang
 * (dune_sandbox_calls_test runs it natively and in the sandbox):
 *
 *   threads N  N times: a thread that ends at once, then a join bounded
 *              at JOIN_SECS - while two threads spin in the background
 *              (on a loaded machine the creator is often descheduled
 *              right after the clone and its new thread runs to its end
 *              first).  glibc's pthread_create: clone3 with
 *              CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID on the same
 *              word, the one pthread_join waits on.  A join that times
 *              out while /proc/self/task no longer has the thread is the
 *              lost wakeup: the word was set again after the kernel had
 *              cleared it at the thread's end.
 *   fork N     N times: a child made by clone3 (fork-like; fork() if
 *              clone3 is refused) that dup2()s, close()s and exits 3,
 *              reaped within WAIT_SECS - while another thread creates and
 *              joins threads and dup()s and close()s without a pause,
 *              so that the child is often made while that thread is
 *              half-way through one of those.  A child that does not end
 *              in time is a FAIL line with its state and wait channel
 *              (/proc/PID/stat, /proc/PID/wchan), then it is killed.
 *   spawn N    N times: posix_spawn of this program with a dup2 file
 *              action (glibc: clone3 with CLONE_VM|CLONE_VFORK; the
 *              child dup2()s, then execs) while the same thread works
 *              beside it - Go's os/exec does this from a threaded
 *              runtime.  A child that never execs keeps its vfork parent
 *              waiting: only the caller's timeout sees that.
 *
 * Prints "ok WHAT" / "FAIL WHAT" lines; exits 0 if every check passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define JOIN_SECS	10	/* a thread that returns at once: ended long before */
#define WAIT_SECS	20	/* a child that dup2s and exits */
#define SPINNERS	2
#define DUP_TARGET	200	/* a descriptor number the child makes and closes */

extern char **environ;
static int failures;
static volatile int stop;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	fflush(stdout);
	if (!ok)
		failures++;
}

/* The first line of /proc/@pid/@file (or "?"), for a FAIL line. */
static void proc_line(pid_t pid, const char *file, char *buf, size_t len)
{
	char p[64];
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, file);
	snprintf(buf, len, "?");
	f = fopen(p, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		snprintf(buf, len, "?");
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* ---- threads ---- */

static void *spin(void *arg)
{
	(void)arg;
	while (!stop)
		__asm__ __volatile__("pause" ::: "memory");
	return NULL;
}

static volatile pid_t last_tid;

static void *quick(void *arg)
{
	(void)arg;
	last_tid = (pid_t)syscall(SYS_gettid);
	return NULL;
}

static void t_threads(long n)
{
	pthread_t sp[SPINNERS], t;
	struct timespec dl;
	char what[256], p[64];
	long i, done = 0;
	int err = 0, k;

	for (k = 0; k < SPINNERS; k++)
		pthread_create(&sp[k], NULL, spin, NULL);
	for (i = 0; i < n; i++) {
		last_tid = 0;
		err = pthread_create(&t, NULL, quick, NULL);
		if (err)
			break;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += JOIN_SECS;
		err = pthread_timedjoin_np(t, NULL, &dl);
		if (err)
			break;
		done++;
	}
	stop = 1;
	for (k = 0; k < SPINNERS; k++)
		pthread_join(sp[k], NULL);
	if (err == ETIMEDOUT) {
		struct stat st;

		snprintf(p, sizeof(p), "/proc/self/task/%d", (int)last_tid);
		snprintf(what, sizeof(what),
			 "threads: join %ld of %ld timed out after %d s; the thread (tid %d) %s",
			 i + 1, n, JOIN_SECS, (int)last_tid,
			 !last_tid ? "never ran" : stat(p, &st) ? "had ended: a lost wakeup" :
			 "still runs");
		check(0, what);
		return;
	}
	snprintf(what, sizeof(what), "threads: %ld of %ld created and joined, %d spinning beside (%s)",
		 done, n, SPINNERS, err ? strerror(err) : "no error");
	check(done == n, what);
}

/* ---- fork, spawn: a thread beside that creates threads and references descriptors ---- */

static void *nothing(void *arg)
{
	return arg;
}

static void *churn(void *arg)
{
	pthread_t t;
	int fd;

	(void)arg;
	while (!stop) {
		if (!pthread_create(&t, NULL, nothing, NULL))
			pthread_join(t, NULL);
		fd = dup(0);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static long fork_child(void)
{
	struct clone_args ca;
	long r;

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == -1 && errno == ENOSYS)
		r = fork();
	return r;
}

/* The status of @pid within @secs, or -1 (then it is described and killed). */
static int wait_bounded(pid_t pid, int secs, char *why, size_t len)
{
	char stat[256], wchan[64];
	int st, i;

	for (i = 0; i < secs * 100; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0) {
			snprintf(why, len, "waitpid: %s", strerror(errno));
			return -1;
		}
		usleep(10000);
	}
	proc_line(pid, "stat", stat, sizeof(stat));
	proc_line(pid, "wchan", wchan, sizeof(wchan));
	snprintf(why, len, "child %d still there after %d s: stat \"%.120s\" wchan %s", (int)pid,
		 secs, stat, wchan);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void t_fork(long n)
{
	char what[512], why[400] = "";
	long i, done = 0, bad = 0;
	volatile int *step;
	pthread_t c;
	int st = 0;

	/* how far the child got, in memory it shares with us: no call, no lock */
	step = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (step == MAP_FAILED) {
		check(0, "fork: mmap of a shared page");
		return;
	}
	pthread_create(&c, NULL, churn, NULL);
	for (i = 0; i < n; i++) {
		long pid;

		*step = 0;
		pid = fork_child();
		if (pid == 0) {
			/* the child: references to descriptors, then the end */
			*step = 1;
			if (dup2(1, DUP_TARGET) == DUP_TARGET) {
				*step = 2;
				close(DUP_TARGET);
			}
			*step = 3;
			_exit(3);
		}
		if (pid < 0) {
			snprintf(why, sizeof(why), "clone3: %s", strerror(errno));
			break;
		}
		st = wait_bounded((pid_t)pid, WAIT_SECS, why, sizeof(why));
		if (st < 0) {
			size_t l = strlen(why);

			snprintf(why + l, sizeof(why) - l, "; it had got %s", *step == 0 ?
				 "nowhere in the program (the clone never returned in it)" :
				 *step == 1 ? "into dup2()" : *step == 2 ? "into close()" :
				 "into _exit()");
			break;
		}
		if (st != 3)
			bad++;
		done++;
	}
	stop = 1;
	pthread_join(c, NULL);
	snprintf(what, sizeof(what), "fork: %ld of %ld children made and reaped, %ld with another status than 3, a thread creating threads beside%s%s",
		 done, n, bad, why[0] ? ": " : "", why);
	check(done == n && !bad, what);
}

/*
 * spawn's watchdog: a vfork parent that waits for ever cannot report, so
 * this thread does - if no spawn ends within WAIT_SECS, it describes and
 * kills our children (found in /proc by their parent), which releases it.
 */
static volatile long spawned;
static char spawn_why[400];

static void *spawn_watch(void *arg)
{
	long seen = -1, idle = 0;
	char p[64], line[512], wchan[64];
	DIR *d;
	struct dirent *e;

	(void)arg;
	while (!stop) {
		usleep(100000);
		if (spawned != seen) {
			seen = spawned;
			idle = 0;
			continue;
		}
		if (++idle < WAIT_SECS * 10)
			continue;
		d = opendir("/proc");
		while (d && (e = readdir(d))) {
			FILE *f;
			char *rp;
			int ppid = 0;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			snprintf(p, sizeof(p), "/proc/%d/stat", atoi(e->d_name));
			f = fopen(p, "r");
			if (!f)
				continue;
			if (!fgets(line, sizeof(line), f))
				line[0] = 0;
			fclose(f);
			rp = strrchr(line, ')');
			if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1 || ppid != getpid())
				continue;
			line[strcspn(line, "\n")] = 0;
			proc_line(atoi(e->d_name), "wchan", wchan, sizeof(wchan));
			snprintf(spawn_why, sizeof(spawn_why),
				 "spawn %ld: no child ended in %d s: child stat \"%.120s\" wchan %s (killed)",
				 seen + 1, WAIT_SECS, line, wchan);
			kill(atoi(e->d_name), SIGKILL);
		}
		if (d)
			closedir(d);
		idle = 0;
	}
	return NULL;
}

static void t_spawn(long n)
{
	char *argv[] = { "clonestress", "exit", "4", NULL };
	posix_spawn_file_actions_t fa;
	char what[512], why[400] = "";
	long i, done = 0, bad = 0;
	pthread_t c;
	pid_t pid;
	int st, r;

	pthread_t w;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 1, DUP_TARGET);
	pthread_create(&c, NULL, churn, NULL);
	pthread_create(&w, NULL, spawn_watch, NULL);
	for (i = 0; i < n; i++) {
		r = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
		if (r) {
			snprintf(why, sizeof(why), "posix_spawn: %s", strerror(r));
			break;
		}
		st = wait_bounded(pid, WAIT_SECS, why, sizeof(why));
		spawned++;
		if (st < 0)
			break;
		if (st != 4)
			bad++;
		done++;
		if (spawn_why[0])
			break;
	}
	stop = 1;
	pthread_join(c, NULL);
	pthread_join(w, NULL);
	if (spawn_why[0])
		snprintf(why, sizeof(why), "%s", spawn_why);
	posix_spawn_file_actions_destroy(&fa);
	snprintf(what, sizeof(what), "spawn: %ld of %ld children spawned and reaped, %ld with another status than 4, a thread creating threads beside%s%s",
		 done, n, bad, why[0] ? ": " : "", why);
	check(done == n && !bad, what);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? atol(argv[2]) : 200;

	if (!strcmp(what, "exit"))
		return argc > 2 ? atoi(argv[2]) : 0;
	if (n < 1)
		n = 1;
	if (!strcmp(what, "threads")) {
		t_threads(n);
	} else if (!strcmp(what, "fork")) {
		t_fork(n);
	} else if (!strcmp(what, "spawn")) {
		t_spawn(n);
	} else {
		fprintf(stderr, "usage: clonestress threads|fork|spawn [N]\n");
		return 2;
	}
	return failures ? 1 : 0;
}
