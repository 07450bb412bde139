// SPDX-License-Identifier: GPL-2.0
/* failnth.c - see failnth.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "failnth.h"

static void write_knob(const char *dir, const char *knob, const char *value)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", dir, knob);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return;
	if (write(fd, value, strlen(value)) < 0)
		perror(path);
	close(fd);
}

static int open_task_file(const char *name, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/%s", (long)syscall(SYS_gettid), name);
	return open(path, flags);
}

/*
 * This thread's fail-nth and make-it-fail files, opened once: opening
 * them allocates, and with a failure armed that allocation would be the
 * one to fail (or, for fail-nth, count).
 */
static __thread int fail_nth_fd = -1, make_it_fail_fd = -1;

static int open_fail_nth(void)
{
	if (fail_nth_fd < 0)
		fail_nth_fd = open_task_file("fail-nth", O_RDWR | O_CLOEXEC);
	return fail_nth_fd;
}

bool failnth_setup(void)
{
	static const char *const dirs[] = { "failslab", "fail_page_alloc" };
	unsigned int i;

	if (open_fail_nth() < 0)
		return false;
	if (access("/sys/kernel/debug/failslab", F_OK))
		return false;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		/* fail-nth decides when; these knobs only filter which calls count */
		write_knob(dirs[i], "ignore-gfp-wait", "N");
		write_knob(dirs[i], "verbose", "0");
	}
	write_knob("fail_page_alloc", "min-order", "0");
	write_knob("fail_page_alloc", "ignore-gfp-highmem", "N");
	return true;
}

int failnth_arm(unsigned int nth)
{
	char buf[16];
	int fd = open_fail_nth(), n;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%u", nth);
	return pwrite(fd, buf, n, 0) == n ? 0 : -1;
}

bool failnth_fired(void)
{
	char buf[16] = "";
	int fd = open_fail_nth();
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	/* disarm whatever is left */
	if (pwrite(fd, "0", 1, 0) < 0)
		perror("fail-nth");
	return n > 0 && atoi(buf) == 0;
}

static int set_make_it_fail(const char *value)
{
	if (make_it_fail_fd < 0)
		make_it_fail_fd = open_task_file("make-it-fail", O_WRONLY | O_CLOEXEC);
	if (make_it_fail_fd < 0)
		return -1;
	return pwrite(make_it_fail_fd, value, 1, 0) == 1 ? 0 : -1;
}

int failslab_budget_arm(unsigned long bytes)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", bytes);
	write_knob("failslab", "task-filter", "Y");
	write_knob("failslab", "probability", "100");
	write_knob("failslab", "interval", "1");
	write_knob("failslab", "times", "-1");
	write_knob("failslab", "space", buf);
	/*
	 * One line in the kernel log per injected failure (no stack trace:
	 * that would count as a kernel problem); rate-limited by the kernel.
	 */
	write_knob("failslab", "verbose", "1");
	set_make_it_fail("0");	/* opens the file before anything fails */
	return set_make_it_fail("1");
}

void failslab_budget_disarm(void)
{
	set_make_it_fail("0");
}
