// SPDX-License-Identifier: GPL-2.0
/*
 * dune_orig_test - the programs of tests/orig, written only from the
 * original Dune's (OSDI'12) documentation and public headers, built
 * unchanged against our libdune, run in the emulated VMX machine.
 *
 * Each test executes one program (from the orig/ directory next to this
 * binary) with stdout and stderr in one pipe, and checks its exit status
 * and the lines it must print.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define RUN_TIMEOUT	120		/* seconds, then SIGKILL */

struct run {
	int status;
	char out[65536];
};

static char orig_dir[PATH_MAX];

static void find_orig_dir(void)
{
	char self[PATH_MAX];
	ssize_t n;

	if (orig_dir[0])
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		n = 0;
	self[n] = '\0';
	snprintf(orig_dir, sizeof(orig_dir), "%s/orig", dirname(self));
}

/* Run orig/@prog with @arg (or none); 0 or -errno. */
static int run(const char *prog, const char *arg, struct run *r)
{
	char path[PATH_MAX + 64];
	size_t len = 0;
	int pfd[2];
	pid_t pid;
	ssize_t n;

	find_orig_dir();
	snprintf(path, sizeof(path), "%s/%s", orig_dir, prog);
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		alarm(RUN_TIMEOUT);
		execl(path, prog, arg, (char *)NULL);
		fprintf(stderr, "cannot execute %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	while (len < sizeof(r->out) - 1 &&
	       (n = read(pfd[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
		len += n;
	r->out[len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &r->status, 0) != pid)
		return -errno;
	return 0;
}

#define ASSERT_EXIT(r, code) do {					\
	TH_LOG("output:\n%s", (r)->out);				\
	ASSERT_TRUE(WIFEXITED((r)->status))				\
		TH_LOG("killed by signal %d", WTERMSIG((r)->status));	\
	ASSERT_EQ(code, WEXITSTATUS((r)->status));			\
} while (0)

#define EXPECT_LINE(r, line)						\
	EXPECT_NE(NULL, strstr((r)->out, line "\n"))			\
		TH_LOG("missing line \"%s\"", line)

static struct run r;

/* hello.c: #DE caught by a handler, which rewrites rip. */
TEST(hello)
{
	ASSERT_EQ(0, run("hello", NULL, &r));
	ASSERT_EXIT(&r, 0);
	EXPECT_LINE(&r, "hello: not running dune yet");
	EXPECT_LINE(&r, "hello: now printing from dune mode");
	EXPECT_LINE(&r, "hello: caught divide by zero!");
	EXPECT_LINE(&r, "hello: recovered from divide by zero");
	EXPECT_EQ(NULL, strstr(r.out, "won't reach"));
}

/* The same program linked against libdune.so. */
TEST(hello_shared)
{
	ASSERT_EQ(0, run("hello-shared", NULL, &r));
	ASSERT_EXIT(&r, 0);
	EXPECT_LINE(&r, "hello: caught divide by zero!");
	EXPECT_LINE(&r, "hello: recovered from divide by zero");
}

/* test.c: fork + dune_enter without dune_init, pthreads, dune_signal. */
TEST(test)
{
	ASSERT_EQ(0, run("test", NULL, &r));
	ASSERT_EXIT(&r, 0);
	EXPECT_LINE(&r, "==== Test fork - passed");
	EXPECT_LINE(&r, "==== Test pthread - passed");
	EXPECT_LINE(&r, "==== Test signal - passed");
	EXPECT_LINE(&r, "Done all tests");
}

/* timetest.c: time() and gettimeofday() through the vDSO. */
TEST(timetest)
{
	ASSERT_EQ(0, run("timetest", NULL, &r));
	ASSERT_EXIT(&r, 0);
	EXPECT_LINE(&r, "Success!");
}

/* appel.c: raw VMCALL system calls; appel1 and appel2 in the guest. */
TEST(appel)
{
	ASSERT_EQ(0, run("appel", NULL, &r));
	ASSERT_EXIT(&r, 0);
	EXPECT_LINE(&r, "vmcall: passed");
	EXPECT_NE(NULL, strstr(r.out, "appel1: passed"));
	EXPECT_NE(NULL, strstr(r.out, "appel2: passed"));
	EXPECT_LINE(&r, "faults: 392");
}

/* cow.c: dune_vm_clone + dune_vm_default_pgflt_handler + page walks. */
TEST(cow)
{
	ASSERT_EQ(0, run("cow", NULL, &r));
	ASSERT_EXIT(&r, 0);
	EXPECT_LINE(&r, "cow: passed (3 faults)");
}

/* ring.c: the program's own function in ring 3 (map_full). */
TEST(ring)
{
	ASSERT_EQ(0, run("ring", NULL, &r));
	ASSERT_EXIT(&r, 0);
	EXPECT_LINE(&r, "ring: returned 42, 1 user fault(s), 1001 system calls");
	EXPECT_LINE(&r, "ring: [passed]");
}

TEST_HARNESS_MAIN
