/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dune_child.h - run part of a test in a child process in Dune mode.
 *
 * A test that enters Dune mode itself could take the test runner down with
 * it (a crash, a hang, a fatal libdune error that kills the process).  So
 * every test forks a child that enters Dune mode and does the work; the
 * test, natively, judges the child by its exit status and by what it wrote
 * to standard output and standard error (both go into one pipe).  Results
 * that need more than a status travel in MAP_SHARED memory.
 *
 * In the child, CHECK(cond) returns from the child function with status 1
 * after printing the failed condition: the parent logs the output.
 */
#ifndef DUNE_CHILD_H
#define DUNE_CHILD_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dune.h"
#include "dune-ext.h"

/* Exit statuses of the child machinery (the child functions use 0..127). */
#define CHILD_ENTER_FAILED	200	/* dune_init or dune_enter failed */
#define CHILD_NOT_IN_DUNE	201	/* dune_enter returned 0 but CS says native */
#define CHILD_LEFT_DUNE		202	/* the child function ended natively */

/* Flags for run_child() */
#define CHILD_NATIVE_OK		0x1	/* the child may end outside Dune mode */
#define CHILD_INIT_ONLY		0x2	/* dune_init() only: fn calls dune_enter */
#define CHILD_PRECISE		0x4	/* dune_init(false) + dune_enter(): program
					   memory supervisor-only (no map_full) */

/* A hang in the child ends it with SIGALRM after this many seconds. */
#define CHILD_ALARM		60

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "child: %s:%d: check failed: %s (errno %d: %s)\n", \
			__FILE__, __LINE__, #cond, errno, strerror(errno)); \
		return 1;						\
	}								\
} while (0)

struct child_result {
	int status;		/* from waitpid() */
	size_t len;
	char out[32768];	/* the child's stdout and stderr, NUL-terminated */
};

typedef int (*child_fn)(void *arg);

/* Zeroed memory the child's writes to which the parent sees. */
static inline void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Fork; in the child run @pre natively (if not NULL), enter Dune mode, run
 * @fn in it and exit with what it returns.  In the parent, collect the
 * child's output and status in @res.  Returns 0, or -errno if the child
 * could not be started.
 */
static inline int run_child(child_fn pre, child_fn fn, void *arg,
			    unsigned int flags, struct child_result *res)
{
	int pfd[2];
	ssize_t n;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe(pfd))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		int ret;

		setrlimit(RLIMIT_CORE, &no_core);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		setvbuf(stdout, NULL, _IONBF, 0);
		alarm(CHILD_ALARM);
		if (pre) {
			ret = pre(arg);
			if (ret)
				_exit(ret);
		}
		if (flags & CHILD_PRECISE) {
			ret = dune_init(false);
			if (!ret && !(flags & CHILD_INIT_ONLY))
				ret = dune_enter();
		} else {
			ret = (flags & CHILD_INIT_ONLY) ? dune_init(true) : dune_init_and_enter();
		}
		if (ret) {
			fprintf(stderr, "child: entering Dune mode failed: %s\n",
				strerror(-ret));
			_exit(CHILD_ENTER_FAILED);
		}
		if (!(flags & CHILD_INIT_ONLY) && !dune_is_in_dune_mode())
			_exit(CHILD_NOT_IN_DUNE);
		ret = fn(arg);
		if (!(flags & CHILD_NATIVE_OK) && !dune_is_in_dune_mode()) {
			fprintf(stderr, "child: no longer in Dune mode at the end\n");
			_exit(CHILD_LEFT_DUNE);
		}
		_exit(ret);
	}
	close(pfd[1]);
	while (res->len < sizeof(res->out) - 1) {
		n = read(pfd[0], res->out + res->len, sizeof(res->out) - 1 - res->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		res->len += n;
	}
	res->out[res->len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &res->status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* "exited with 3", "killed by signal 11 (Segmentation fault)" */
static inline const char *describe_status(int status)
{
	static char buf[96];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}

/* In a test: the child must have exited with @code. */
#define ASSERT_CHILD_EXIT(res, code) do {				\
	ASSERT_TRUE(WIFEXITED((res)->status))				\
		TH_LOG("child %s; output:\n%s", describe_status((res)->status), (res)->out); \
	ASSERT_EQ(code, WEXITSTATUS((res)->status))			\
		TH_LOG("child %s; output:\n%s", describe_status((res)->status), (res)->out); \
} while (0)

/* In a test: the child must have been killed by signal @sig. */
#define ASSERT_CHILD_SIGNAL(res, sig) do {				\
	ASSERT_TRUE(WIFSIGNALED((res)->status))				\
		TH_LOG("child %s; output:\n%s", describe_status((res)->status), (res)->out); \
	ASSERT_EQ(sig, WTERMSIG((res)->status))				\
		TH_LOG("child %s; output:\n%s", describe_status((res)->status), (res)->out); \
} while (0)

/*
 * A kselftest fixture that only checks that /dev/dune can be used, so that
 * a missing module is one clear failure rather than a child's odd death.
 * (Include after kselftest_harness.h.)
 */
#define DUNE_DEVICE_FIXTURE(name)						\
	FIXTURE(name) {							\
		int unused;						\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		ASSERT_EQ(0, access("/dev/dune", R_OK | W_OK))		\
			TH_LOG("/dev/dune: %s (is dune.ko loaded?)",	\
			       strerror(errno));			\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
	}

/* A writable directory for test files. */
static inline const char *tmp_dir(void)
{
	return access("/tmp", W_OK) == 0 ? "/tmp" : ".";
}

#endif /* DUNE_CHILD_H */
