// SPDX-License-Identifier: GPL-2.0
/*
 * test.c - processes, threads and signals in the original Dune's style:
 *
 *  1. fork() in Dune mode: the child runs natively and calls dune_enter()
 *     alone - no dune_init() - and finds its parent's page tables,
 *     including a mapping only the guest page tables have;
 *  2. a pthread created in Dune mode is in Dune mode already: its
 *     dune_enter() returns 0 at once, and pthread_join() gets its result;
 *  3. dune_signal(): the handler has run by the time kill() returns.
 *
 * Written against the original Dune's public headers only.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libdune/dune.h"

#define GUEST_ONLY	((void *)0x400000000000UL)	/* nothing there natively */

static int test_fork(void)
{
	pid_t pid;
	int status;

	/* A page only the guest page tables know about. */
	if (dune_vm_map_pages(pgroot, GUEST_ONLY, PGSIZE, PERM_R | PERM_W))
		return 0;
	strcpy(GUEST_ONLY, "written by the parent");
	dune_flush_tlb();

	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		/* Natively, GUEST_ONLY is not mapped; in Dune mode it is. */
		if (dune_enter())
			exit(1);
		if (strcmp(GUEST_ONLY, "written by the parent"))
			exit(2);
		strcpy(GUEST_ONLY, "changed by the child");
		exit(69);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 0;
	if (WEXITSTATUS(status) != 69) {
		printf("child exited with status %d\n", WEXITSTATUS(status));
		return 0;
	}
	/* The child's page was a copy. */
	return !strcmp(GUEST_ONLY, "written by the parent");
}

static void *thread_main(void *arg)
{
	long ret = dune_enter();	/* in Dune mode already: returns 0 */

	return (void *)(ret ? -1L : (long)arg + 1);
}

static int test_pthread(void)
{
	pthread_t thread;
	void *result;

	if (pthread_create(&thread, NULL, thread_main, (void *)41L))
		return 0;
	if (pthread_join(thread, &result))
		return 0;
	return result == (void *)42L;
}

static volatile int signal_seen;

static void sig_handler(int sig)
{
	signal_seen = sig;
}

static int test_signal(void)
{
	dune_signal(SIGUSR1, sig_handler);
	kill(getpid(), SIGUSR1);
	return signal_seen == SIGUSR1;
}

static void report(const char *name, int passed)
{
	printf("==== Test %s - %s\n", name, passed ? "passed" : "FAILED");
	if (!passed)
		exit(1);
}

int main(void)
{
	if (dune_init_and_enter()) {
		printf("failed to initialize dune\n");
		return 1;
	}
	report("fork", test_fork());
	report("pthread", test_pthread());
	report("signal", test_signal());
	printf("Done all tests\n");
	return 0;
}
